// The live view of campaigns (see live_campaigns.hpp).
#include "live_campaigns.hpp"

#include <algorithm>
#include <vector>

#include "json_text.hpp"
#include "template_id.hpp"

namespace sipscope::exporter {

namespace {

constexpr uint64_t kMicros = 1000000;
constexpr uint64_t kPruneEvery = 4096;  // records

}  // namespace

void LiveCampaigns::observe(const fingerprint::FlowRecord& record) {
    if (!record.has_detail) return;
    uint64_t id = fingerprint::flow_template_id(record.detail.fingerprint);
    if (id == 0) return;  // a port-only scan: no template
    const fingerprint::FlowState& flow = record.flow;
    auto strategy = static_cast<uint8_t>(record.detail.scan.strategy());
    std::lock_guard lock(mutex_);
    newest_us_ = std::max(newest_us_, flow.last_seen_us);
    if (++observed_ % kPruneEvery == 0) prune(newest_us_);
    GroupKey key{id, strategy};
    auto found = groups_.find(key);
    if (found == groups_.end()) {
        if (groups_.size() >= kMaxGroups) {  // the least recently active group makes room
            auto oldest = std::min_element(groups_.begin(), groups_.end(), [](const auto& a, const auto& b) {
                return a.second.last_seen_us < b.second.last_seen_us;
            });
            groups_.erase(oldest);
        }
        found = groups_.emplace(key, Group{flow.tool, flow.first_seen_us, flow.last_seen_us, 0, {}}).first;
    }
    Group& group = found->second;
    group.first_seen_us = std::min(group.first_seen_us, flow.first_seen_us);
    group.last_seen_us = std::max(group.last_seen_us, flow.last_seen_us);
    if (flow.tool >= 0) group.tool = flow.tool;
    auto source = group.sources.find(flow.source);
    if (source == group.sources.end()) {
        if (group.sources.size() >= kMaxSourcesPerGroup) {
            ++group.sources_not_kept;
            return;
        }
        source = group.sources.emplace(flow.source, Source{}).first;
    }
    Source& entry = source->second;
    if (entry.flow_id != flow.flow_id) {  // a new flow of this source: the old one is history
        entry.past_requests += entry.requests;
        entry.flow_id = flow.flow_id;
    }
    entry.requests = flow.requests;  // records are cumulative per flow
    entry.last_seen_us = std::max(entry.last_seen_us, flow.last_seen_us);
}

void LiveCampaigns::prune(uint64_t now_us) {
    uint64_t horizon = now_us > kRetentionSeconds * kMicros ? now_us - kRetentionSeconds * kMicros : 0;
    for (auto group = groups_.begin(); group != groups_.end();) {
        if (group->second.last_seen_us < horizon) {
            group = groups_.erase(group);
            continue;
        }
        std::erase_if(group->second.sources, [&](const auto& entry) { return entry.second.last_seen_us < horizon; });
        ++group;
    }
}

std::string LiveCampaigns::json(uint64_t window_us, uint64_t min_sources, std::size_t count) const {
    struct Row {
        const GroupKey* key;
        const Group* group;
        uint64_t sources = 0, requests = 0;
        std::vector<const parser::IpAddress*> examples;
    };
    std::string out;
    std::lock_guard lock(mutex_);
    uint64_t cutoff = newest_us_ > window_us ? newest_us_ - window_us : 0;
    std::vector<Row> rows;
    for (const auto& [key, group] : groups_) {
        if (group.last_seen_us < cutoff) continue;
        Row row{&key, &group, 0, 0, {}};
        for (const auto& [address, source] : group.sources) {
            if (source.last_seen_us < cutoff) continue;
            ++row.sources;
            row.requests += source.requests + source.past_requests;
            if (row.examples.size() < 5) row.examples.push_back(&address);
        }
        if (row.sources >= min_sources) rows.push_back(std::move(row));
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        if (a.sources != b.sources) return a.sources > b.sources;
        return a.key->fingerprint_id != b.key->fingerprint_id ? a.key->fingerprint_id < b.key->fingerprint_id
                                                              : a.key->strategy < b.key->strategy;
    });
    if (rows.size() > count) rows.resize(count);
    JsonObject document(out);
    document.field("timestamp", format_rfc3339(newest_us_)).field("window_s", window_us / kMicros).begin_array("campaigns");
    for (const Row& row : rows) {
        const Group& group = *row.group;
        const fingerprint::ToolEntry* tool =
            tools_ ? tools_->at(group.tool)
                : nullptr;
        document.begin_object_element()
            .field("fingerprint_id", fingerprint::template_id_digits(row.key->fingerprint_id).view())
            .field("strategy", fingerprint::label(static_cast<fingerprint::ScanStrategy>(row.key->strategy)))
            .field("tool", tool ? std::string_view(tool->name) : std::string_view("unknown"))
            .field("family", tool ? std::string_view(tool->family) : std::string_view("unknown"))
            .field("sources", row.sources)
            .field("sources_not_kept", group.sources_not_kept)
            .field("requests", row.requests)
            .field("first_seen", format_rfc3339(group.first_seen_us))
            .field("last_seen", format_rfc3339(group.last_seen_us))
            .begin_array("example_sources");
        for (const parser::IpAddress* address : row.examples) document.element(parser::AddressText(*address).view());
        document.end_array().end();
    }
    document.end_array().end();
    return out;
}

}  // namespace sipscope::exporter
