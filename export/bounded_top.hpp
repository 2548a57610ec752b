// The K sources with the largest weight, in bounded space, with O(log K)
// updates: a binary min-heap (the lightest at the root) and an index from
// address to heap position. A newcomer is admitted while there is room, or
// when it outweighs the lightest, which it replaces; otherwise it costs one
// hash look-up and one comparison. Not thread-safe (callers lock).
//
// The index is a flat open-addressing table (linear probing, deletion by
// backward shift) sized to twice the capacity: a 1,000,000-source flood
// looks up every newcomer, and std::unordered_map's look-up (a division
// and a node chased per miss) cost ~6 % of the control lcore there.
#pragma once

#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

#include "ip_address.hpp"

namespace sipscope::exporter {

// Entry: copyable, with `uint64_t weight() const`.
template <class Entry>
class BoundedTop {
public:
    explicit BoundedTop(std::size_t capacity)
        : capacity_(capacity), index_(std::bit_ceil(2 * capacity + 2)), index_mask_(index_.size() - 1) {
        heap_.reserve(capacity);
    }

    std::size_t size() const { return heap_.size(); }

    // The entry kept for `key`, or nullptr. Call reweighed(key) after
    // changing its weight.
    Entry* find(const parser::IpAddress& key) {
        const IndexSlot* slot = index_slot(key);
        return slot->used ? &heap_[slot->position].entry : nullptr;
    }

    // Asks for the index line find(key) will read first: the index is
    // larger than a core's cache, and a flood looks up a new key per record.
    void prefetch(const parser::IpAddress& key) const { __builtin_prefetch(&index_[home(key)], 0, 3); }

    // Keeps `entry` for a `key` not yet kept, if it fits; returns it, or nullptr.
    Entry* admit(const parser::IpAddress& key, const Entry& entry) {
        if (capacity_ == 0) return nullptr;
        if (heap_.size() < capacity_) {
            heap_.push_back({key, entry});
            place(key, static_cast<uint32_t>(heap_.size() - 1));
            return &heap_[sift_up(heap_.size() - 1)].entry;
        }
        if (entry.weight() <= heap_[0].entry.weight()) return nullptr;
        unindex(heap_[0].key);
        heap_[0] = {key, entry};
        place(key, 0);
        return &heap_[sift_down(0)].entry;
    }

    void reweighed(const parser::IpAddress& key) {
        const IndexSlot* slot = index_slot(key);
        if (!slot->used) return;
        std::size_t at = sift_up(slot->position);
        sift_down(at);
    }

    template <class Visit>
    void for_each(Visit&& visit) const {
        for (const Slot& slot : heap_) visit(slot.key, slot.entry);
    }

private:
    struct Slot {
        parser::IpAddress key;
        Entry entry;
    };
    struct IndexSlot {
        parser::IpAddress key;
        uint32_t position = 0;
        bool used = false;
    };
    std::size_t home(const parser::IpAddress& key) const { return parser::IpAddressHash()(key) & index_mask_; }
    // The slot that holds `key`, or the empty slot where it would go.
    IndexSlot* index_slot(const parser::IpAddress& key) {
        std::size_t at = home(key);
        while (index_[at].used && !(index_[at].key == key)) at = (at + 1) & index_mask_;
        return &index_[at];
    }
    void place(const parser::IpAddress& key, uint32_t position) {
        IndexSlot* slot = index_slot(key);
        slot->key = key;
        slot->position = position;
        slot->used = true;
    }
    // Removes `key` (kept) and shifts back the entries after it that would
    // no longer be found past the hole.
    void unindex(const parser::IpAddress& key) {
        std::size_t hole = static_cast<std::size_t>(index_slot(key) - index_.data());
        index_[hole].used = false;
        for (std::size_t at = (hole + 1) & index_mask_; index_[at].used; at = (at + 1) & index_mask_) {
            std::size_t wanted = home(index_[at].key);
            // Stays when its home lies cyclically in (hole, at].
            bool stays = hole <= at ? (hole < wanted && wanted <= at) : (hole < wanted || wanted <= at);
            if (stays) continue;
            index_[hole] = index_[at];
            index_[at].used = false;
            hole = at;
        }
    }
    void swap_slots(std::size_t a, std::size_t b) {
        std::swap(heap_[a], heap_[b]);
        index_slot(heap_[a].key)->position = static_cast<uint32_t>(a);
        index_slot(heap_[b].key)->position = static_cast<uint32_t>(b);
    }
    std::size_t sift_up(std::size_t at) {
        while (at > 0) {
            std::size_t parent = (at - 1) / 2;
            if (heap_[parent].entry.weight() <= heap_[at].entry.weight()) break;
            swap_slots(parent, at);
            at = parent;
        }
        return at;
    }
    std::size_t sift_down(std::size_t at) {
        for (;;) {
            std::size_t lightest = at, left = 2 * at + 1, right = left + 1;
            if (left < heap_.size() && heap_[left].entry.weight() < heap_[lightest].entry.weight()) lightest = left;
            if (right < heap_.size() && heap_[right].entry.weight() < heap_[lightest].entry.weight()) lightest = right;
            if (lightest == at) return at;
            swap_slots(at, lightest);
            at = lightest;
        }
    }

    std::size_t capacity_;
    std::vector<Slot> heap_;
    std::vector<IndexSlot> index_;  // never more than half full
    std::size_t index_mask_;
};

}  // namespace sipscope::exporter
