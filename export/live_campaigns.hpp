// What a campaign looks like while it runs: the groups of sources that
// share a tool variant (fingerprint_id) and a scan strategy, with how many
// sources and requests each has had lately — served as GET /campaigns. The
// offline `sipscope campaigns` groups by active days over weeks; this is
// the live view an operator watches during one.
//
// Fed by the control lcore with every flow record that has detail (closed
// and interim, written or below --min-flow-requests); read by the API
// threads. Bounded: at most kMaxGroups groups (the least recently active
// one makes room) and kMaxSourcesPerGroup sources stored per group (beyond,
// sources are counted, not kept); anything idle for kRetentionSeconds of
// packet time is dropped.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "flow_state.hpp"
#include "ip_address.hpp"
#include "tool_registry.hpp"

namespace sipscope::exporter {

class LiveCampaigns {
public:
    static constexpr std::size_t kMaxGroups = 4096;
    static constexpr std::size_t kMaxSourcesPerGroup = 4096;
    static constexpr uint64_t kRetentionSeconds = 2 * 86400;

    explicit LiveCampaigns(const fingerprint::ToolRegistry* tools) : tools_(tools) {}

    // control lcore: a closed or interim flow record.
    void observe(const fingerprint::FlowRecord& record);
    // Any thread: groups with at least `min_sources` sources active within
    // `window_us` of the newest packet time, most sources first (at most
    // `count`), as a JSON document.
    std::string json(uint64_t window_us, uint64_t min_sources, std::size_t count) const;

private:
    struct Source {
        uint64_t last_seen_us = 0;
        uint64_t flow_id = 0;
        uint64_t requests = 0;       // of its current flow, so far
        uint64_t past_requests = 0;  // of its earlier flows in this group
    };
    struct Group {
        int16_t tool = -1;
        uint64_t first_seen_us = 0;
        uint64_t last_seen_us = 0;
        uint64_t sources_not_kept = 0;  // beyond kMaxSourcesPerGroup
        std::unordered_map<parser::IpAddress, Source, parser::IpAddressHash> sources;
    };
    void prune(uint64_t now_us);

    mutable std::mutex mutex_;
    struct GroupKey {
        uint64_t fingerprint_id;
        uint8_t strategy;
        bool operator==(const GroupKey&) const = default;
    };
    struct GroupKeyHash {
        std::size_t operator()(const GroupKey& key) const { return key.fingerprint_id ^ (uint64_t{key.strategy} << 56); }
    };
    std::unordered_map<GroupKey, Group, GroupKeyHash> groups_;
    uint64_t newest_us_ = 0;
    uint64_t observed_ = 0;
    const fingerprint::ToolRegistry* tools_;
};

}  // namespace sipscope::exporter
