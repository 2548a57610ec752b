// The K sources with the largest weight, in bounded space, with O(log K)
// updates: a binary min-heap (the lightest at the root) and an index from
// address to heap position. A newcomer is admitted while there is room, or
// when it outweighs the lightest, which it replaces; otherwise it costs one
// hash look-up and one comparison. Not thread-safe (callers lock).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ip_address.hpp"

namespace sipscope::exporter {

// Entry: copyable, with `uint64_t weight() const`.
template <class Entry>
class BoundedTop {
public:
    explicit BoundedTop(std::size_t capacity) : capacity_(capacity) {
        heap_.reserve(capacity);
        position_.reserve(capacity);
    }

    std::size_t size() const { return heap_.size(); }

    // The entry kept for `key`, or nullptr. Call reweighed(key) after
    // changing its weight.
    Entry* find(const parser::IpAddress& key) {
        auto found = position_.find(key);
        return found == position_.end() ? nullptr : &heap_[found->second].entry;
    }

    // Keeps `entry` for a `key` not yet kept, if it fits; returns it, or nullptr.
    Entry* admit(const parser::IpAddress& key, const Entry& entry) {
        if (capacity_ == 0) return nullptr;
        if (heap_.size() < capacity_) {
            heap_.push_back({key, entry});
            position_[key] = static_cast<uint32_t>(heap_.size() - 1);
            return &heap_[sift_up(heap_.size() - 1)].entry;
        }
        if (entry.weight() <= heap_[0].entry.weight()) return nullptr;
        position_.erase(heap_[0].key);
        heap_[0] = {key, entry};
        position_[key] = 0;
        return &heap_[sift_down(0)].entry;
    }

    void reweighed(const parser::IpAddress& key) {
        auto found = position_.find(key);
        if (found == position_.end()) return;
        std::size_t at = sift_up(found->second);
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
    void swap_slots(std::size_t a, std::size_t b) {
        std::swap(heap_[a], heap_[b]);
        position_[heap_[a].key] = static_cast<uint32_t>(a);
        position_[heap_[b].key] = static_cast<uint32_t>(b);
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
    std::unordered_map<parser::IpAddress, uint32_t, parser::IpAddressHash> position_;
};

}  // namespace sipscope::exporter
