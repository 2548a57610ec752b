// Detail storage of one worker: a fixed array of FlowDetail (fingerprint,
// scan profile and intent, ~7.2 KiB each, of which a source touches only
// what it uses) reserved at start, and a stack of free slots.
// A flow takes a slot with its first parseable SIP request (admission: a
// flood of spoofed non-SIP sources costs only small flow entries) and gives
// it back when it closes. When the pool is empty the flow goes without
// detail and the worker counts it. Owned by one worker lcore; not
// thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "header_fingerprint.hpp"
#include "scan_profile.hpp"
#include "source_intent.hpp"

namespace sipscope::fingerprint {

// What a flow knows beyond its counters, kept only for SIP senders.
struct FlowDetail {
    HeaderFingerprint fingerprint;
    ScanProfile scan;
    SourceIntent intent;
    void clear() {
        fingerprint.clear();
        scan.clear();
        intent.clear();
    }
    // Copies what is in use: the fingerprint's filled entries, not all
    // kFingerprintKeys of them, and the intent's filled tallies and exact
    // sets (a record per evicted one-packet flow in a flood copies well
    // under 1 KiB instead of 7). What is not in use is left as it was in `to`.
    void copy_to(FlowDetail& to) const {
        fingerprint.copy_used_to(to.fingerprint);
        to.scan = scan;
        intent.copy_used_to(to.intent);
    }
};

class FlowDetailPool {
public:
    static constexpr uint32_t kNone = UINT32_MAX;

    // `storage` holds `capacity` fingerprints and outlives the pool.
    FlowDetailPool(FlowDetail* storage, uint32_t capacity) : storage_(storage), free_(capacity), capacity_(capacity) {
        for (uint32_t i = 0; i < capacity; ++i) free_[i] = capacity - 1 - i;
    }

    uint32_t acquire() {
        if (free_.empty()) return kNone;
        uint32_t slot = free_.back();
        free_.pop_back();  // never reallocates: capacity only shrinks
        storage_[slot].clear();
        return slot;
    }
    void release(uint32_t slot) { free_.push_back(slot); }  // capacity was reserved at construction
    FlowDetail& at(uint32_t slot) { return storage_[slot]; }
    uint32_t available() const { return static_cast<uint32_t>(free_.size()); }
    uint32_t capacity() const { return capacity_; }

private:
    FlowDetail* storage_;
    std::vector<uint32_t> free_;
    uint32_t capacity_;
};

}  // namespace sipscope::fingerprint
