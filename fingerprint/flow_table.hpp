// A worker's table of open flows, keyed by requesting address.
//
// Owned by exactly one worker lcore; not thread-safe by design (DESIGN.md
// rule 1). A FlowIndex (in the sensor DPDK's rte_hash: a cuckoo hash with
// extendable buckets, sized at twice the capacity so that it never runs
// full) maps an address to a slot of a flat array of FlowState reserved at
// start. An intrusive list over that array, kept in last-seen order, gives
// the oldest idle flow in O(1) for both timeout expiry and eviction when
// the table is full: no allocation and no scan on the data path.
//
// The table itself needs no EAL; make_dpdk_flow_table builds the sensor's
// (rte_hash index, storage on DPDK's heap).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "flow_index.hpp"
#include "flow_state.hpp"

namespace sipscope::fingerprint {

class FlowTable {
public:
    static constexpr uint32_t kNone = UINT32_MAX;
    static constexpr unsigned kMaxBulk = FlowIndex::kMaxBulk;
    static constexpr uint32_t kMinimumCapacity = 8;

    // How the flow array is given back: `release(storage)` unless the
    // memory is left to the EAL. nullptr: the caller keeps it.
    using StorageRelease = void (*)(void*);

    // `storage` holds `capacity` (≥ kMinimumCapacity) flows; `index` maps
    // keys to its slots. Everything is reserved up front.
    FlowTable(std::unique_ptr<FlowIndex> index, FlowState* storage, uint32_t capacity, uint64_t timeout_us,
              StorageRelease release);
    ~FlowTable();
    FlowTable(const FlowTable&) = delete;
    FlowTable& operator=(const FlowTable&) = delete;

    // At process exit: the destructor leaves the table's DPDK memory to
    // rte_eal_cleanup instead of freeing it. DPDK's allocator zeroes what
    // is freed, which would touch every page of the table just before the
    // EAL unmaps it all anyway.
    void leave_memory_to_eal() {
        release_ = nullptr;
        index_->leave_memory_to_eal();
    }

    uint32_t capacity() const { return capacity_; }
    uint32_t size() const { return size_; }
    // The flow array (for making it resident at start).
    void* storage() const { return flows_; }
    std::size_t storage_bytes() const { return sizeof(FlowState) * capacity_; }

    // Looks up `count` (≤ kMaxBulk) keys at once; positions[i] is the
    // flow's index or -1.
    void lookup_bulk(const parser::IpAddress* const* keys, unsigned count, int32_t* positions) const;
    int32_t lookup(const parser::IpAddress& key) const;

    FlowState& at(int32_t position) { return flows_[position]; }

    // Finds or opens the flow of `key` at packet time `now_us` and marks it
    // most recently seen. A flow idle for longer than the timeout is closed
    // first (reason idle_timeout) and reopened in place; when the table is
    // full the oldest idle flow is evicted. `on_close(const FlowState&,
    // CloseReason)` sees every flow that closes. `position` is a prior
    // lookup result (-1 if absent). Sets `opened` when a new flow began.
    template <class OnClose>
    FlowState& acquire(const parser::IpAddress& key, int32_t position, uint64_t now_us,
                       bool& opened, OnClose&& on_close) {
        opened = false;
        // A bulk lookup result is stale once the table changed after it
        // (two packets of one new source in a burst, or an eviction).
        if (generation_ != generation_at_lookup_) position = lookup(key);
        if (position < 0) {
            position = insert(key, on_close);
            reset_flow(flows_[position], key, now_us);
            opened = true;
            link_tail(static_cast<uint32_t>(position));
            return flows_[position];
        }
        FlowState& flow = flows_[position];
        if (now_us > flow.last_seen_us && now_us - flow.last_seen_us > timeout_us_) {
            on_close(flow, CloseReason::idle_timeout);
            reset_flow(flow, key, now_us);
            opened = true;
        } else if (now_us > flow.last_seen_us) {
            flow.last_seen_us = now_us;  // packet times may arrive out of order
        }
        move_to_tail(static_cast<uint32_t>(position));
        return flow;
    }

    // Closes every flow idle for longer than the timeout at `now_us`.
    // Returns how many closed.
    template <class OnClose>
    uint32_t expire(uint64_t now_us, OnClose&& on_close) {
        uint32_t closed = 0;
        while (head_ != kNone) {
            FlowState& oldest = flows_[head_];
            if (now_us <= oldest.last_seen_us || now_us - oldest.last_seen_us <= timeout_us_) break;
            on_close(oldest, CloseReason::idle_timeout);
            remove(head_);
            ++closed;
        }
        return closed;
    }

    // Closes every open flow with `reason` (end of capture, shutdown).
    template <class OnClose>
    void close_all(CloseReason reason, OnClose&& on_close) {
        while (head_ != kNone) {
            on_close(flows_[head_], reason);
            remove(head_);
        }
    }

private:
    template <class OnClose>
    int32_t insert(const parser::IpAddress& key, OnClose& on_close) {
        if (size_ == capacity_ && head_ != kNone) {
            on_close(flows_[head_], CloseReason::evicted);
            remove(head_);
        }
        int32_t position = add_key(key);
        if (position < 0 && head_ != kNone) {  // should not happen with extendable buckets
            on_close(flows_[head_], CloseReason::evicted);
            remove(head_);
            position = add_key(key);
        }
        // Extendable buckets guarantee room once one key was removed.
        if (position < 0) std::abort();
        ++size_;
        ++generation_;
        return position;
    }
    int32_t add_key(const parser::IpAddress& key);
    void remove(uint32_t index);
    void link_tail(uint32_t index);
    void unlink(uint32_t index);
    void move_to_tail(uint32_t index) {
        if (tail_ == index) return;
        unlink(index);
        link_tail(index);
    }

    uint64_t generation_ = 0;            // bumped by every insert and removal
    mutable uint64_t generation_at_lookup_ = 0;
    std::unique_ptr<FlowIndex> index_;
    FlowState* flows_ = nullptr;
    uint32_t capacity_ = 0;
    uint32_t size_ = 0;
    uint64_t timeout_us_ = 0;
    uint32_t head_ = kNone;  // least recently seen
    uint32_t tail_ = kNone;  // most recently seen
    std::vector<uint32_t> free_slots_;  // slots of flows_ no flow uses
    StorageRelease release_ = nullptr;
};

// The sensor's table: an rte_hash index and the flow array on DPDK's heap
// of `socket_id` (EAL running). Throws std::runtime_error (start-up only)
// when DPDK memory is short. `name` must be unique per process.
std::unique_ptr<FlowTable> make_dpdk_flow_table(const std::string& name, uint32_t capacity, uint64_t timeout_us,
                                                int socket_id);

}  // namespace sipscope::fingerprint
