// The append-only tool registry (see tool_registry.hpp). Control lcore.
#include "tool_registry.hpp"

#include <vector>

namespace sipscope::fingerprint {

ToolRegistry::ToolRegistry(std::size_t capacity) : capacity_(capacity), entries_(std::make_unique<ToolEntry[]>(capacity)) {}

std::string ToolRegistry::adopt(ToolDatabase& database) {
    std::size_t size = size_.load(std::memory_order_relaxed);
    std::vector<int16_t> slots;
    std::size_t added = 0;
    for (const ToolEntry& tool : database.tools()) {
        int16_t slot = -1;
        for (std::size_t i = 0; i < size && slot < 0; ++i) {
            const ToolEntry& known = entries_[i];
            if (known.name == tool.name && known.family == tool.family && known.table_id == tool.table_id)
                slot = static_cast<int16_t>(i);
        }
        if (slot < 0) slot = static_cast<int16_t>(size + added++);
        slots.push_back(slot);
    }
    if (size + added > capacity_) {
        return "the database adds " + std::to_string(added) + " new tools; the sensor has room for " +
               std::to_string(capacity_ - size) + " more until it restarts";
    }
    for (std::size_t t = 0; t < slots.size(); ++t) {
        if (static_cast<std::size_t>(slots[t]) >= size) entries_[static_cast<std::size_t>(slots[t])] = database.tools()[t];
    }
    size_.store(size + added, std::memory_order_release);
    database.set_slots(std::move(slots));
    return {};
}

}  // namespace sipscope::fingerprint
