// Every tool the sensor has named since it started, in a fixed slot each,
// so that a flow's tool (FlowState::tool), the per-tool counters and the
// names in events and metrics stay valid when the tool database is
// reloaded: a reloaded database's tools take the slots of the tools with
// the same name, family and Table I id, and new ones are appended.
//
// Append-only with a capacity fixed at start (the per-tool counter blocks
// are sized by it). Written by the control lcore only (at start and on a
// reload); read by anyone: an entry is complete before the size that
// covers it is published (release), and never changes afterwards.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "tool_database.hpp"

namespace sipscope::fingerprint {

class ToolRegistry {
public:
    explicit ToolRegistry(std::size_t capacity);

    // Gives every tool of `database` its slot (ToolDatabase::slot_of).
    // Returns "" or, when the slots would run out, why (nothing changed).
    std::string adopt(ToolDatabase& database);

    std::size_t size() const { return size_.load(std::memory_order_acquire); }
    std::size_t capacity() const { return capacity_; }
    // The tool in `slot`, or nullptr (unknown: -1, or not a slot).
    const ToolEntry* at(int slot) const {
        return slot >= 0 && static_cast<std::size_t>(slot) < size() ? &entries_[static_cast<std::size_t>(slot)] : nullptr;
    }

private:
    std::size_t capacity_;
    std::unique_ptr<ToolEntry[]> entries_;
    std::atomic<std::size_t> size_{0};
};

}  // namespace sipscope::fingerprint
