// Sources by their alerts, for /blocklist (see alerted_sources.hpp).
#include "alerted_sources.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

namespace sipscope::exporter {

void AlertedSources::observe(const fingerprint::FlowRecord& record) {
    if (record.kind != fingerprint::RecordKind::alert) return;
    std::size_t kind = record.alert_kind == fingerprint::AlertKind::behaviour
                           ? record.alert_subject % fingerprint::kBehaviourCount
                           : kMethodThresholdKind;
    uint64_t when = record.flow.last_seen_us;
    std::lock_guard lock(mutex_);
    newest_us_ = std::max(newest_us_, when);
    auto found = sources_.find(record.flow.source);
    if (found == sources_.end()) {
        if (sources_.size() >= kCapacity) {
            uint64_t horizon = newest_us_ > kRetentionSeconds * 1000000 ? newest_us_ - kRetentionSeconds * 1000000 : 0;
            std::erase_if(sources_, [&](const auto& entry) { return entry.second.last_alert_us < horizon; });
            if (sources_.size() >= kCapacity) {  // all recent: the one alerted longest ago makes room
                sources_.erase(std::min_element(sources_.begin(), sources_.end(), [](const auto& a, const auto& b) {
                    return a.second.last_alert_us < b.second.last_alert_us;
                }));
            }
        }
        found = sources_.emplace(record.flow.source, Entry{}).first;
    }
    found->second.last_alert_us = std::max(found->second.last_alert_us, when);
    found->second.last_by_kind_us[kind] = std::max(found->second.last_by_kind_us[kind], when);
}

std::string AlertedSources::text(uint64_t window_us, uint32_t kinds, std::size_t limit) const {
    std::vector<std::pair<uint64_t, parser::IpAddress>> listed;
    {
        std::lock_guard lock(mutex_);
        uint64_t cutoff = newest_us_ > window_us ? newest_us_ - window_us : 0;
        for (const auto& [address, entry] : sources_) {
            uint64_t latest = 0;
            for (std::size_t kind = 0; kind < kKinds; ++kind)
                if (kinds & (1u << kind)) latest = std::max(latest, entry.last_by_kind_us[kind]);
            if (latest != 0 && latest >= cutoff) listed.emplace_back(latest, address);
        }
    }
    std::sort(listed.begin(), listed.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    if (listed.size() > limit) listed.resize(limit);
    std::string out;
    for (const auto& [when, address] : listed) {
        out.append(parser::AddressText(address).view());
        out.push_back('\n');
    }
    return out;
}

bool AlertedSources::parse_kinds(const std::string& names, uint32_t& kinds) {
    kinds = 0;
    std::istringstream list(names);
    std::string name;
    while (std::getline(list, name, ',')) {
        bool known = false;
        for (std::size_t kind = 0; kind < fingerprint::kBehaviourCount; ++kind) {
            if (name == fingerprint::kBehaviourLabels[kind]) {
                kinds |= 1u << kind;
                known = true;
            }
        }
        if (name == "method_threshold") {
            kinds |= 1u << kMethodThresholdKind;
            known = true;
        }
        if (!known) return false;
    }
    return kinds != 0;
}

}  // namespace sipscope::exporter
