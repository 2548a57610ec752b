// The sources that raised alerts lately, by behaviour — what GET
// /blocklist hands a firewall or an IP set, one address a line. Fed by the
// control lcore with every alert record; read by the API threads. Bounded:
// at most kCapacity sources (the one alerted longest ago makes room), and
// nothing older than kRetentionSeconds of packet time.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "flow_state.hpp"
#include "ip_address.hpp"
#include "source_intent.hpp"

namespace sipscope::exporter {

class AlertedSources {
public:
    static constexpr std::size_t kCapacity = 1 << 18;
    static constexpr uint64_t kRetentionSeconds = 7 * 86400;
    // Kinds: the behaviours, then one for every method threshold.
    static constexpr std::size_t kMethodThresholdKind = fingerprint::kBehaviourCount;
    static constexpr std::size_t kKinds = fingerprint::kBehaviourCount + 1;

    // control lcore: an alert record.
    void observe(const fingerprint::FlowRecord& record);
    // Any thread: the sources that raised an alert of a kind in `kinds`
    // (bit i: kind i) within `window_us` of the newest packet time, one
    // address a line, most recent first (at most `limit`).
    std::string text(uint64_t window_us, uint32_t kinds, std::size_t limit) const;
    // "horizontal_scan,credential_brute_force" → kind bits; false on a
    // name that is not a kind ("method_threshold" names the method alerts).
    static bool parse_kinds(const std::string& names, uint32_t& kinds);

private:
    struct Entry {
        uint64_t last_alert_us = 0;
        uint64_t last_by_kind_us[kKinds] = {};
    };
    mutable std::mutex mutex_;
    std::unordered_map<parser::IpAddress, Entry, parser::IpAddressHash> sources_;
    uint64_t newest_us_ = 0;
};

}  // namespace sipscope::exporter
