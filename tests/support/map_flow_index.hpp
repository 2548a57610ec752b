// A FlowIndex on std::unordered_map, so that the flow table and the
// SourceTracker's rules are unit-tested without starting DPDK's EAL.
#pragma once

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "flow_table.hpp"

namespace sipscope::test {

class MapFlowIndex final : public fingerprint::FlowIndex {
public:
    void lookup_bulk(const parser::IpAddress* const* keys, unsigned count, int32_t* slots) const override {
        for (unsigned i = 0; i < count; ++i) slots[i] = lookup(*keys[i]);
    }
    int32_t lookup(const parser::IpAddress& key) const override {
        auto found = slots_.find(text(key));
        return found == slots_.end() ? -1 : static_cast<int32_t>(found->second);
    }
    bool add(const parser::IpAddress& key, uint32_t slot) override { return slots_.emplace(text(key), slot).second; }
    void remove(const parser::IpAddress& key) override { slots_.erase(text(key)); }

private:
    static std::string text(const parser::IpAddress& key) {
        return std::string(reinterpret_cast<const char*>(&key), sizeof key);
    }
    std::unordered_map<std::string, uint32_t> slots_;
};

// A FlowTable over a MapFlowIndex, its flows in ordinary heap memory.
inline std::unique_ptr<fingerprint::FlowTable> make_map_flow_table(uint32_t capacity, uint64_t timeout_us) {
    auto* storage = static_cast<fingerprint::FlowState*>(std::calloc(capacity, sizeof(fingerprint::FlowState)));
    return std::make_unique<fingerprint::FlowTable>(std::make_unique<MapFlowIndex>(), storage, capacity, timeout_us,
                                                    std::free);
}

}  // namespace sipscope::test
