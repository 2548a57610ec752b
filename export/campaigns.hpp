// `sipscope campaigns`: the paper's campaigns (seed 000, section VI) from
// the sensor's own records. Per source, the UTC days it was active (every
// day a closed flow of it spans), as a binary vector over the analysed
// days; HDBSCAN on those vectors (fingerprint/hdbscan.hpp); then the
// clusters whose sources are active on every day — always-on scanners, not
// campaigns — are removed and reported apart.
//
// Input: sip_scan_flow events (JSON lines, plain or gzip; schema 1 or 2),
// or rows of a ClickHouse `flows` table. No EAL: an offline analysis.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sipscope::exporter {

struct CampaignOptions {
    std::vector<std::string> event_files;
    std::string clickhouse_url;     // instead of files: http://host:8123/?database=sipscope
    std::string from_text, to_text; // YYYY-MM-DD, inclusive; "" = the span of the input
    uint64_t min_cluster_size = 5;
    uint64_t min_samples = 0;       // 0: min_cluster_size
    std::string json_file;          // "" = none; "-" = standard output (the table goes to stderr)
};

// One source as the analysis sees it.
struct CampaignSource {
    std::vector<bool> days;               // over the analysed days
    std::map<std::string, uint64_t> tools;       // tool name → its flows
    std::map<std::string, uint64_t> strategies;  // strategy → its flows
    std::map<std::string, uint64_t> fingerprint_ids;  // tool variant → its flows
};

struct Campaign {
    unsigned id = 0;
    std::vector<std::string> sources;
    std::vector<int64_t> days_active;  // days on which at least half its sources were active
    std::map<std::string, uint64_t> tools;       // name → sources
    std::map<std::string, uint64_t> strategies;  // strategy → sources
    std::map<std::string, uint64_t> fingerprint_ids;  // tool variant (fingerprint_id) → sources
};

struct CampaignReport {
    int64_t first_day = 0;  // days since the epoch (UTC)
    int64_t day_count = 0;
    uint64_t sources = 0;   // with at least one active day in range
    uint64_t flows = 0;
    std::vector<Campaign> campaigns;            // largest first
    std::vector<std::string> noise;
    std::vector<std::vector<std::string>> removed_always_active;
};

// Reads the input and clusters it. Throws std::runtime_error with a
// message for the user (a file that is not JSON lines names the line).
CampaignReport build_campaign_report(const CampaignOptions& options);

// "2026-11-30" ↔ days since the epoch.
std::optional<int64_t> parse_day(const std::string& text);
std::string format_day(int64_t day);

void write_campaign_json(std::ostream& out, const CampaignReport& report);
void write_campaign_table(std::ostream& out, const CampaignReport& report);

}  // namespace sipscope::exporter
