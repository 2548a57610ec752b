// The sensor's flow table on DPDK: an rte_hash index and the flow array on
// DPDK's heap. Start-up only (control lcore, EAL running).
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include <algorithm>
#include <stdexcept>

#include "flow_table.hpp"

namespace sipscope::fingerprint {

namespace {

// The hash holds twice the flows it will ever hold at once. A cuckoo table
// run full (as it is during a flood, where every packet evicts a flow)
// spends its inserts displacing keys; at half load an insert finds a free
// entry at once.
constexpr uint32_t kHashEntriesPerFlow = 2;

// The hash maps an address to its flow's slot (the key's data).
class RteHashFlowIndex final : public FlowIndex {
public:
    explicit RteHashFlowIndex(rte_hash* hash) : hash_(hash) {}
    ~RteHashFlowIndex() override {
        if (hash_) rte_hash_free(hash_);
    }
    void lookup_bulk(const parser::IpAddress* const* keys, unsigned count, int32_t* slots) const override {
        void* data[kMaxBulk];
        uint64_t hits = 0;
        rte_hash_lookup_bulk_data(hash_, reinterpret_cast<const void**>(const_cast<const parser::IpAddress**>(keys)),
                                  count, &hits, data);
        for (unsigned i = 0; i < count; ++i)
            slots[i] = (hits >> i) & 1 ? static_cast<int32_t>(reinterpret_cast<uintptr_t>(data[i])) : -1;
    }
    int32_t lookup(const parser::IpAddress& key) const override {
        void* data = nullptr;
        if (rte_hash_lookup_data(hash_, &key, &data) < 0) return -1;
        return static_cast<int32_t>(reinterpret_cast<uintptr_t>(data));
    }
    bool add(const parser::IpAddress& key, uint32_t slot) override {
        return rte_hash_add_key_data(hash_, &key, reinterpret_cast<void*>(static_cast<uintptr_t>(slot))) == 0;
    }
    void remove(const parser::IpAddress& key) override { rte_hash_del_key(hash_, &key); }
    void leave_memory_to_eal() override { hash_ = nullptr; }

private:
    rte_hash* hash_;
};

}  // namespace

std::unique_ptr<FlowIndex> make_rte_hash_flow_index(const std::string& name, uint32_t capacity, int socket_id) {
    rte_hash_parameters parameters{};
    parameters.name = name.c_str();
    parameters.entries = capacity * kHashEntriesPerFlow;
    parameters.key_len = sizeof(parser::IpAddress);
    parameters.hash_func = rte_hash_crc;
    parameters.hash_func_init_val = 0;
    parameters.socket_id = socket_id;
    // Single writer (the owning worker), no concurrent readers: no locks.
    // Extendable buckets: an insert never fails for want of a bucket.
    parameters.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    rte_hash* hash = rte_hash_create(&parameters);
    if (hash == nullptr) {
        throw std::runtime_error("cannot create flow hash '" + name + "' for " + std::to_string(capacity) +
                                 " flows: " + rte_strerror(rte_errno) +
                                 " (lower --flow-capacity or give DPDK more memory with -m)");
    }
    return std::make_unique<RteHashFlowIndex>(hash);
}

std::unique_ptr<FlowTable> make_dpdk_flow_table(const std::string& name, uint32_t capacity, uint64_t timeout_us,
                                                int socket_id) {
    capacity = std::max(capacity, FlowTable::kMinimumCapacity);
    auto index = make_rte_hash_flow_index(name, capacity, socket_id);
    auto* storage = static_cast<FlowState*>(
        rte_malloc_socket(name.c_str(), sizeof(FlowState) * capacity, RTE_CACHE_LINE_SIZE, socket_id));
    if (storage == nullptr) {
        throw std::runtime_error("cannot reserve " + std::to_string(sizeof(FlowState) * capacity) +
                                 " bytes of flow state for '" + name +
                                 "' (lower --flow-capacity or give DPDK more memory with -m)");
    }
    return std::make_unique<FlowTable>(std::move(index), storage, capacity, timeout_us, rte_free);
}

}  // namespace sipscope::fingerprint
