// Fingerprint storage of one worker: a fixed array of HeaderFingerprint
// reserved at start and a stack of free slots. A flow takes a slot with its
// first parseable SIP request (admission: spoofed one-packet floods of
// non-SIP cost no fingerprint) and gives it back when it closes. When the
// pool is empty the flow goes without a fingerprint and the worker counts
// it. Owned by one worker lcore; not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "header_fingerprint.hpp"

namespace sipscope::fingerprint {

class FingerprintPool {
public:
    static constexpr uint32_t kNone = UINT32_MAX;

    // `storage` holds `capacity` fingerprints and outlives the pool.
    FingerprintPool(HeaderFingerprint* storage, uint32_t capacity) : storage_(storage), free_(capacity) {
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
    HeaderFingerprint& at(uint32_t slot) { return storage_[slot]; }
    uint32_t available() const { return static_cast<uint32_t>(free_.size()); }

private:
    HeaderFingerprint* storage_;
    std::vector<uint32_t> free_;
};

}  // namespace sipscope::fingerprint
