// Campaigns from flow records (see campaigns.hpp).
#include "campaigns.hpp"

#include <curl/curl.h>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <ostream>
#include <stdexcept>
#include <unordered_map>

#include "clickhouse_sink.hpp"
#include "hdbscan.hpp"
#include "json_text.hpp"

namespace sipscope::exporter {

namespace {

// One closed flow, as much of it as campaigns need.
struct FlowSpan {
    std::string source;
    int64_t first_day = 0, last_day = 0;
    std::string tool, strategy, fingerprint_id;
};

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;

int64_t day_of_micros(int64_t micros) { return micros >= 0 ? micros / kMicrosPerDay : (micros + 1) / kMicrosPerDay - 1; }

// An event time → its UTC day.
std::optional<int64_t> day_of_time(const std::string& text) {
    auto micros = parse_rfc3339(text);
    if (!micros) return std::nullopt;
    return day_of_micros(*micros);
}

std::string string_at(const nlohmann::json& object, std::initializer_list<const char*> path) {
    const nlohmann::json* node = &object;
    for (const char* key : path) {
        if (!node->is_object() || !node->contains(key)) return {};
        node = &(*node)[key];
    }
    return node->is_string() ? node->get<std::string>() : std::string();
}

// sip_scan_flow events from one file, plain or gzip (zlib reads both).
void read_event_file(const std::string& path, std::vector<FlowSpan>& flows) {
    std::unique_ptr<gzFile_s, decltype(&gzclose)> file(gzopen(path.c_str(), "rb"), gzclose);
    if (!file) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
    gzbuffer(file.get(), 1 << 17);
    std::string line;
    char chunk[1 << 16];
    uint64_t number = 0;
    auto handle = [&](const std::string& text) {
        ++number;
        if (text.empty()) return;
        auto event = nlohmann::json::parse(text, nullptr, false);
        if (event.is_discarded() || !event.is_object())
            throw std::runtime_error(path + ":" + std::to_string(number) + ": not a JSON object (is this a sipscope events file?)");
        if (string_at(event, {"event_type"}) != "sip_scan_flow") return;
        std::string state = string_at(event, {"flow", "state"});
        if (!state.empty() && state != "closed") return;  // interim records repeat their flow
        FlowSpan flow;
        flow.source = string_at(event, {"src_ip"});
        auto first = day_of_time(string_at(event, {"flow", "start"}));
        auto last = day_of_time(string_at(event, {"flow", "end"}));
        if (flow.source.empty() || !first || !last || *last < *first)
            throw std::runtime_error(path + ":" + std::to_string(number) + ": a sip_scan_flow without src_ip, flow.start or flow.end");
        flow.first_day = *first;
        flow.last_day = *last;
        flow.tool = string_at(event, {"tool", "name"});
        flow.strategy = string_at(event, {"strategy"});
        flow.fingerprint_id = string_at(event, {"fingerprint_id"});
        flows.push_back(std::move(flow));
    };
    for (;;) {
        if (gzgets(file.get(), chunk, sizeof chunk) == nullptr) break;
        line += chunk;
        if (!line.empty() && line.back() == '\n') {
            line.pop_back();
            handle(line);
            line.clear();
        }
    }
    int error = 0;
    const char* message = gzerror(file.get(), &error);
    if (error != Z_OK && error != Z_STREAM_END)
        throw std::runtime_error(path + ": cannot read: " + (error == Z_ERRNO ? std::strerror(errno) : message));
    if (!line.empty()) handle(line);
}

// Closed flows from a ClickHouse `flows` table.
void read_clickhouse(const std::string& url, std::vector<FlowSpan>& flows) {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    ClickHouseReply reply = clickhouse_request(
        curl.get(), url,
        "SELECT src_ip, flow_start_us, flow_end_us, tool_name, strategy, fingerprint_id FROM flows "
        "WHERE flow_state = 'closed' FORMAT JSONEachRow",
        "");
    if (reply.status != 200) throw std::runtime_error("ClickHouse at " + url + ": " + reply.error);
    const std::string& body = reply.body;
    std::size_t start = 0;
    while (start < body.size()) {
        std::size_t end = body.find('\n', start);
        if (end == std::string::npos) end = body.size();
        auto row = nlohmann::json::parse(body.substr(start, end - start), nullptr, false);
        start = end + 1;
        if (row.is_discarded() || !row.is_object()) throw std::runtime_error("ClickHouse at " + url + ": an unreadable row");
        auto micros = [&](const char* key) {  // UInt64 comes quoted in JSON by default
            const auto& value = row[key];
            return value.is_string() ? std::stoll(value.get<std::string>()) : value.get<int64_t>();
        };
        flows.push_back({row["src_ip"].get<std::string>(), day_of_micros(micros("flow_start_us")),
                         day_of_micros(micros("flow_end_us")), row["tool_name"].get<std::string>(),
                         row["strategy"].get<std::string>(), row["fingerprint_id"].get<std::string>()});
    }
}

// Days on which at least half of `members` were active.
std::vector<int64_t> shared_days(const std::vector<const CampaignSource*>& members, int64_t first_day, int64_t day_count) {
    std::vector<int64_t> days;
    for (int64_t day = 0; day < day_count; ++day) {
        std::size_t active = 0;
        for (const CampaignSource* source : members) active += source->days[static_cast<std::size_t>(day)];
        if (active * 2 >= members.size()) days.push_back(first_day + day);
    }
    return days;
}

}  // namespace

std::optional<int64_t> parse_day(const std::string& text) {
    int year = 0;
    unsigned month = 0, day = 0;
    char extra = 0;
    if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &year, &month, &day, &extra) != 3) return std::nullopt;
    std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
    if (!date.ok()) return std::nullopt;
    return std::chrono::sys_days{date}.time_since_epoch().count();
}

std::string format_day(int64_t day) {
    std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day}}};
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()));
    return text;
}

namespace {

// The analysed sources, in order of first appearance (deterministic output).
struct SourceSet {
    std::vector<std::string> names;
    std::vector<CampaignSource> sources;
};

SourceSet collect_sources(const std::vector<FlowSpan>& flows, CampaignReport& report) {
    SourceSet set;
    std::unordered_map<std::string, std::size_t> index;
    int64_t first = report.first_day, last = report.first_day + report.day_count - 1;
    for (const FlowSpan& flow : flows) {
        int64_t from = std::max(flow.first_day, first), to = std::min(flow.last_day, last);
        if (from > to) continue;  // outside the analysed days
        auto [found, fresh] = index.emplace(flow.source, set.sources.size());
        if (fresh) {
            set.names.push_back(flow.source);
            set.sources.push_back({std::vector<bool>(static_cast<std::size_t>(report.day_count), false), {}, {}, {}});
        }
        CampaignSource& source = set.sources[found->second];
        for (int64_t day = from; day <= to; ++day) source.days[static_cast<std::size_t>(day - first)] = true;
        ++source.tools[flow.tool.empty() ? "unknown" : flow.tool];
        ++source.strategies[flow.strategy.empty() ? "unknown" : flow.strategy];
        if (!flow.fingerprint_id.empty()) ++source.fingerprint_ids[flow.fingerprint_id];
        ++report.flows;
    }
    report.sources = set.sources.size();
    return set;
}

// HDBSCAN over the distinct day vectors with their multiplicities; the
// members of each cluster, largest first (equal sizes by their first
// source in input order, so that the numbering does not depend on how
// HDBSCAN numbered them). Noise goes to the report.
std::vector<std::vector<std::size_t>> cluster_sources(const SourceSet& set, const CampaignOptions& options,
                                                      CampaignReport& report) {
    fingerprint::BinaryPoints points;
    points.words = static_cast<unsigned>((report.day_count + 63) / 64);
    std::map<std::vector<uint64_t>, std::size_t> distinct;
    std::vector<std::size_t> vector_of(set.sources.size());
    for (std::size_t s = 0; s < set.sources.size(); ++s) {
        std::vector<uint64_t> bits(points.words, 0);
        for (std::size_t day = 0; day < set.sources[s].days.size(); ++day)
            if (set.sources[s].days[day]) bits[day / 64] |= uint64_t{1} << (day % 64);
        auto [found, fresh] = distinct.emplace(bits, points.size());
        if (fresh) {
            points.bits.insert(points.bits.end(), bits.begin(), bits.end());
            points.weights.push_back(0);
        }
        ++points.weights[found->second];
        vector_of[s] = found->second;
    }
    uint64_t min_samples = options.min_samples ? options.min_samples : options.min_cluster_size;
    fingerprint::HdbscanResult clusters = fingerprint::hdbscan(points, {options.min_cluster_size, min_samples, 0});
    std::vector<std::vector<std::size_t>> members(clusters.clusters());
    for (std::size_t s = 0; s < set.sources.size(); ++s) {
        int32_t label = clusters.labels[vector_of[s]];
        if (label < 0) report.noise.push_back(set.names[s]);
        else members[static_cast<std::size_t>(label)].push_back(s);
    }
    std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
        return a.size() != b.size() ? a.size() > b.size() : a.front() < b.front();
    });
    return members;
}

}  // namespace

CampaignReport build_campaign_report(const CampaignOptions& options) {
    std::vector<FlowSpan> flows;
    if (!options.clickhouse_url.empty()) read_clickhouse(options.clickhouse_url, flows);
    for (const std::string& path : options.event_files) read_event_file(path, flows);
    if (flows.empty()) throw std::runtime_error("no closed sip_scan_flow records in the input");

    CampaignReport report;
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (const FlowSpan& flow : flows) {
        first = std::min(first, flow.first_day);
        last = std::max(last, flow.last_day);
    }
    if (!options.from_text.empty()) first = *parse_day(options.from_text);
    if (!options.to_text.empty()) last = *parse_day(options.to_text);
    if (last < first) throw std::runtime_error("--from " + format_day(first) + " is after --to " + format_day(last));
    report.first_day = first;
    report.day_count = last - first + 1;

    SourceSet set = collect_sources(flows, report);
    if (set.sources.empty())
        throw std::runtime_error("no source was active between " + format_day(first) + " and " + format_day(last));
    for (const auto& group : cluster_sources(set, options, report)) {
        std::vector<const CampaignSource*> group_sources;
        for (std::size_t s : group) group_sources.push_back(&set.sources[s]);
        Campaign campaign;
        campaign.days_active = shared_days(group_sources, first, report.day_count);
        for (std::size_t s : group) {
            campaign.sources.push_back(set.names[s]);
            for (const auto& [tool, count] : set.sources[s].tools) ++campaign.tools[tool];
            for (const auto& [strategy, count] : set.sources[s].strategies) ++campaign.strategies[strategy];
            for (const auto& [id, count] : set.sources[s].fingerprint_ids) ++campaign.fingerprint_ids[id];
        }
        if (static_cast<int64_t>(campaign.days_active.size()) == report.day_count) {
            report.removed_always_active.push_back(std::move(campaign.sources));
            continue;
        }
        campaign.id = static_cast<unsigned>(report.campaigns.size() + 1);
        report.campaigns.push_back(std::move(campaign));
    }
    return report;
}

void write_campaign_json(std::ostream& out, const CampaignReport& report) {
    nlohmann::ordered_json json;
    json["days"] = nlohmann::ordered_json::array();
    for (int64_t day = 0; day < report.day_count; ++day) json["days"].push_back(format_day(report.first_day + day));
    json["sources"] = report.sources;
    json["flows"] = report.flows;
    json["campaigns"] = nlohmann::ordered_json::array();
    for (const Campaign& campaign : report.campaigns) {
        nlohmann::ordered_json item;
        item["id"] = campaign.id;
        item["sources"] = campaign.sources;
        item["days_active"] = nlohmann::ordered_json::array();
        for (int64_t day : campaign.days_active) item["days_active"].push_back(format_day(day));
        item["tools"] = campaign.tools;
        item["strategies"] = campaign.strategies;
        item["fingerprint_ids"] = campaign.fingerprint_ids;
        item["first_day"] = campaign.days_active.empty() ? nullptr : nlohmann::ordered_json(format_day(campaign.days_active.front()));
        item["last_day"] = campaign.days_active.empty() ? nullptr : nlohmann::ordered_json(format_day(campaign.days_active.back()));
        json["campaigns"].push_back(std::move(item));
    }
    json["noise"] = report.noise;
    json["removed_always_active"] = nlohmann::ordered_json::array();
    for (const auto& group : report.removed_always_active) json["removed_always_active"].push_back({{"sources", group}});
    out << json.dump(2) << '\n';
}

void write_campaign_table(std::ostream& out, const CampaignReport& report) {
    auto top = [](const std::map<std::string, uint64_t>& counts) {
        std::vector<std::pair<std::string, uint64_t>> sorted(counts.begin(), counts.end());
        std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
        std::string text;
        for (std::size_t i = 0; i < sorted.size() && i < 3; ++i)
            text += (i ? ", " : "") + sorted[i].first + " " + std::to_string(sorted[i].second);
        if (sorted.size() > 3) text += ", …";
        return text;
    };
    char line[512];
    std::snprintf(line, sizeof line, "%zu sources, %zu flows, %lld days (%s to %s): %zu campaigns, %zu noise, %zu always-active groups removed (%zu sources)\n",
                  static_cast<std::size_t>(report.sources), static_cast<std::size_t>(report.flows),
                  static_cast<long long>(report.day_count), format_day(report.first_day).c_str(),
                  format_day(report.first_day + report.day_count - 1).c_str(), report.campaigns.size(), report.noise.size(),
                  report.removed_always_active.size(),
                  static_cast<std::size_t>(std::accumulate(report.removed_always_active.begin(), report.removed_always_active.end(),
                                                           std::size_t{0}, [](std::size_t sum, const auto& group) { return sum + group.size(); })));
    out << line;
    if (report.campaigns.empty()) return;
    std::snprintf(line, sizeof line, "%-4s %8s %5s  %-10s %-10s  %-40s %s\n", "id", "sources", "days", "first", "last", "tools", "strategies");
    out << line;
    for (const Campaign& campaign : report.campaigns) {
        std::string first = campaign.days_active.empty() ? "-" : format_day(campaign.days_active.front());
        std::string last = campaign.days_active.empty() ? "-" : format_day(campaign.days_active.back());
        std::snprintf(line, sizeof line, "%-4u %8zu %5zu  %-10s %-10s  %-40s %s\n", campaign.id, campaign.sources.size(),
                      campaign.days_active.size(), first.c_str(), last.c_str(), top(campaign.tools).c_str(),
                      top(campaign.strategies).c_str());
        out << line;
    }
}

}  // namespace sipscope::exporter
