// The key → slot map under a FlowTable: the one part of the table that
// needs DPDK. The sensor uses an rte_hash (make_rte_hash_flow_index, needs
// the EAL); unit tests of the flow rules use an std::unordered_map
// (tests/support/map_flow_index.hpp) and start no EAL.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ip_address.hpp"

namespace sipscope::fingerprint {

class FlowIndex {
public:
    static constexpr unsigned kMaxBulk = 64;  // RTE_HASH_LOOKUP_BULK_MAX
    virtual ~FlowIndex() = default;
    // slots[i] is the slot of keys[i], or -1; count ≤ kMaxBulk.
    virtual void lookup_bulk(const parser::IpAddress* const* keys, unsigned count, int32_t* slots) const = 0;
    virtual int32_t lookup(const parser::IpAddress& key) const = 0;
    // False when the key cannot be added (the index is full).
    virtual bool add(const parser::IpAddress& key, uint32_t slot) = 0;
    virtual void remove(const parser::IpAddress& key) = 0;
    // At process exit: keep the index's memory for rte_eal_cleanup to
    // release (DPDK zeroes what is freed, touching every page).
    virtual void leave_memory_to_eal() {}
};

// An rte_hash for `capacity` flows on `socket_id` (EAL running). Throws
// std::runtime_error when DPDK memory is short. `name` is unique per process.
std::unique_ptr<FlowIndex> make_rte_hash_flow_index(const std::string& name, uint32_t capacity, int socket_id);

}  // namespace sipscope::fingerprint
