// FlowTable set-up and list maintenance. Runs on the owning worker lcore
// (construction on the control lcore before workers start).
#include "flow_table.hpp"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include <algorithm>

namespace sipscope::fingerprint {

namespace {
constexpr uint32_t kMinimumCapacity = 8;
// The hash holds twice the flows it will ever hold at once. A cuckoo table
// run full (as it is during a flood, where every packet evicts a flow)
// spends its inserts displacing keys; at half load an insert finds a free
// entry at once.
constexpr uint32_t kHashEntriesPerFlow = 2;
}  // namespace

FlowTable::FlowTable(const std::string& name, uint32_t capacity, uint64_t timeout_us, int socket_id)
    : capacity_(std::max(capacity, kMinimumCapacity)), timeout_us_(timeout_us) {
    free_slots_.reserve(capacity_);
    for (uint32_t slot = capacity_; slot-- > 0;) free_slots_.push_back(slot);
    rte_hash_parameters parameters{};
    parameters.name = name.c_str();
    parameters.entries = capacity_ * kHashEntriesPerFlow;
    parameters.key_len = sizeof(parser::IpAddress);
    parameters.hash_func = rte_hash_crc;
    parameters.hash_func_init_val = 0;
    parameters.socket_id = socket_id;
    // Single writer (the owning worker), no concurrent readers: no locks.
    // Extendable buckets: an insert never fails for want of a bucket.
    parameters.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    hash_ = rte_hash_create(&parameters);
    if (hash_ == nullptr) {
        throw std::runtime_error("cannot create flow hash '" + name + "' for " +
                                 std::to_string(capacity_) + " flows: " + rte_strerror(rte_errno) +
                                 " (lower --flow-capacity or give DPDK more memory with -m)");
    }
    flows_ = static_cast<FlowState*>(
        rte_malloc_socket(name.c_str(), sizeof(FlowState) * capacity_, RTE_CACHE_LINE_SIZE, socket_id));
    if (flows_ == nullptr) {
        rte_hash_free(hash_);
        throw std::runtime_error("cannot reserve " + std::to_string(sizeof(FlowState) * capacity_) +
                                 " bytes of flow state for '" + name +
                                 "' (lower --flow-capacity or give DPDK more memory with -m)");
    }
}

FlowTable::~FlowTable() {
    if (leave_memory_to_eal_) return;
    rte_free(flows_);
    rte_hash_free(hash_);
}

// The hash maps an address to its flow's slot in `flows_` (the key's data).
void FlowTable::lookup_bulk(const parser::IpAddress* const* keys, unsigned count,
                            int32_t* positions) const {
    generation_at_lookup_ = generation_;
    if (count == 0) return;
    void* slots[kMaxBulk];
    uint64_t hits = 0;
    rte_hash_lookup_bulk_data(hash_, reinterpret_cast<const void**>(const_cast<const parser::IpAddress**>(keys)),
                              count, &hits, slots);
    for (unsigned i = 0; i < count; ++i)
        positions[i] = (hits >> i) & 1 ? static_cast<int32_t>(reinterpret_cast<uintptr_t>(slots[i])) : -1;
}

int32_t FlowTable::lookup(const parser::IpAddress& key) const {
    void* slot = nullptr;
    if (rte_hash_lookup_data(hash_, &key, &slot) < 0) return -1;
    return static_cast<int32_t>(reinterpret_cast<uintptr_t>(slot));
}

int32_t FlowTable::add_key(const parser::IpAddress& key) {
    if (free_slots_.empty()) return -1;
    uint32_t slot = free_slots_.back();
    if (rte_hash_add_key_data(hash_, &key, reinterpret_cast<void*>(static_cast<uintptr_t>(slot))) != 0) return -1;
    free_slots_.pop_back();
    return static_cast<int32_t>(slot);
}

void FlowTable::remove(uint32_t index) {
    unlink(index);
    rte_hash_del_key(hash_, &flows_[index].source);
    free_slots_.push_back(index);  // never reallocates: reserved for every slot
    --size_;
    ++generation_;
}

void FlowTable::link_tail(uint32_t index) {
    FlowState& flow = flows_[index];
    flow.lru_previous = tail_;
    flow.lru_next = kNone;
    if (tail_ != kNone) flows_[tail_].lru_next = index;
    tail_ = index;
    if (head_ == kNone) head_ = index;
}

void FlowTable::unlink(uint32_t index) {
    FlowState& flow = flows_[index];
    if (flow.lru_previous != kNone) flows_[flow.lru_previous].lru_next = flow.lru_next;
    else head_ = flow.lru_next;
    if (flow.lru_next != kNone) flows_[flow.lru_next].lru_previous = flow.lru_previous;
    else tail_ = flow.lru_previous;
    flow.lru_previous = flow.lru_next = kNone;
}

}  // namespace sipscope::fingerprint
