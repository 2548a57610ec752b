// Top sources: the tally (control lcore writes, API threads read, under a
// mutex — neither is a worker) and its HTTP endpoint on civetweb.
#include "top_sources.hpp"

#include <chrono>
#include <functional>

#include <CivetServer.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>

#include "json_text.hpp"
#include "reload_requests.hpp"
#include "sensor_metrics.hpp"

namespace sipscope::exporter {

void TopSources::observe(const fingerprint::FlowRecord& record) {
    const fingerprint::FlowState& flow = record.flow;
    if (flow.requests == 0) return;  // probers and responses-only flows: not "sending"
    std::lock_guard lock(mutex_);
    newest_us_ = std::max(newest_us_, flow.last_seen_us);
    Entry* entry = entries_.find(flow.source);
    if (entry && !entry->open) {
        // A closed flow ended this source's count; a later flow starts afresh.
        *entry = Entry{};
        entry->first_seen_us = flow.first_seen_us;
    }
    if (!entry) {
        Entry fresh;
        fresh.first_seen_us = flow.first_seen_us;
        fresh.requests = flow.requests;
        if ((entry = entries_.admit(flow.source, fresh)) == nullptr) return;
    }
    entry->requests = std::max(entry->requests, flow.requests);
    entry->last_seen_us = std::max(entry->last_seen_us, flow.last_seen_us);
    if (flow.tool >= 0) entry->tool = flow.tool;
    entry->open = record.kind != fingerprint::RecordKind::closed_flow;
    entries_.reweighed(flow.source);
}

std::string TopSources::json(std::size_t count, uint64_t window_us) const {
    std::vector<std::pair<std::string, Entry>> ranked;
    uint64_t newest;
    {
        std::lock_guard lock(mutex_);
        newest = newest_us_;
        entries_.for_each([&](const parser::IpAddress& source, const Entry& entry) {
            if (newest - entry.last_seen_us <= window_us) ranked.emplace_back(source.to_string(), entry);
        });
    }
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return a.second.requests != b.second.requests ? a.second.requests > b.second.requests : a.first < b.first;
    });
    if (ranked.size() > count) ranked.resize(count);
    std::string out;
    JsonObject document(out);
    document.field("timestamp", format_rfc3339(newest)).field("window_s", static_cast<uint64_t>(window_us / 1000000));
    document.begin_array("sources");
    for (const auto& [source, entry] : ranked) {
        const fingerprint::ToolEntry* tool =
            tools_ ? tools_->at(entry.tool)
                : nullptr;
        document.begin_object_element()
            .field("src_ip", source)
            .field("requests", entry.requests)
            .field("first_seen", format_rfc3339(entry.first_seen_us))
            .field("last_seen", format_rfc3339(entry.last_seen_us))
            .field("open", entry.open)
            .field("tool", tool ? std::string_view(tool->name) : std::string_view("unknown"))
            .field("family", tool ? std::string_view(tool->family) : std::string_view("unknown"))
            .field("table_id", tool ? tool->table_id : 0u)
            .end();
    }
    document.end_array().end();
    return out;
}

namespace {

// The whole answer of an endpoint, closed after it (no keep-alive).
bool reply(mg_connection* connection, int status, const char* reason, const std::string& body,
           const char* content_type = "application/json") {
    mg_printf(connection,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
              "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
              status, reason, content_type, body.size());
    mg_write(connection, body.data(), body.size());
    return true;
}

bool method_not_allowed(mg_connection* connection, const char* allowed) {
    mg_printf(connection, "HTTP/1.1 405 Method Not Allowed\r\nAllow: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
              allowed);
    return true;
}

// One JSON endpoint: GET with query parameters, answered by `answer`.
// Exact paths: civetweb matches "/top$" and "/campaigns$"; every other path
// is civetweb's 404. Other methods: 405. Bad parameters: 400.
class JsonEndpoint final : public CivetHandler {
public:
    struct Reply {
        int status = 200;
        std::string body;
        const char* content_type = "application/json";
    };
    using Answer = std::function<Reply(const std::string& query)>;
    explicit JsonEndpoint(Answer answer) : answer_(std::move(answer)) {}

    bool handleGet(CivetServer*, mg_connection* connection) override {
        const mg_request_info* request = mg_get_request_info(connection);
        Reply answer = answer_(request->query_string ? request->query_string : "");
        const char* reason = answer.status == 200 ? "OK" : answer.status == 503 ? "Service Unavailable" : "Bad Request";
        return reply(connection, answer.status, reason, answer.body, answer.content_type);
    }
    bool handlePost(CivetServer*, mg_connection* connection) override { return not_allowed(connection); }
    bool handlePut(CivetServer*, mg_connection* connection) override { return not_allowed(connection); }
    bool handleDelete(CivetServer*, mg_connection* connection) override { return not_allowed(connection); }
    bool handlePatch(CivetServer*, mg_connection* connection) override { return not_allowed(connection); }
    bool handleOptions(CivetServer*, mg_connection* connection) override { return not_allowed(connection); }

    // `name`=digits within [low, high], or absent (default kept). An error
    // text (no quotes or backslashes in it) otherwise.
    static std::string read_parameter(const std::string& query, const char* name, uint64_t low, uint64_t high,
                                      uint64_t& value) {
        char text[32];
        int length = mg_get_var(query.c_str(), query.size(), name, text, sizeof text);
        if (length == -1) return {};  // absent
        uint64_t parsed = 0;
        auto [end, error] = std::from_chars(text, text + std::max(length, 0), parsed);
        if (length <= 0 || error != std::errc() || end != text + length || parsed < low || parsed > high)
            return std::string(name) + " must be a whole number from " + std::to_string(low) + " to " + std::to_string(high);
        value = parsed;
        return {};
    }
    static Reply bad_request(const std::string& problem) { return {400, "{\"error\":\"" + problem + "\"}"}; }

private:
    static bool not_allowed(mg_connection* connection) { return method_not_allowed(connection, "GET"); }

    Answer answer_;
};

// POST /reload: the tool database loaded again (the control lcore does it,
// as for SIGUSR2); the answer says whether it is in use. Other methods: 405.
class ReloadEndpoint final : public CivetHandler {
public:
    ReloadEndpoint(ReloadRequests& requests, const ToolDbStatus& status) : requests_(requests), status_(status) {}

    bool handlePost(CivetServer*, mg_connection* connection) override {
        // Loading and compiling take well under a second; the control lcore
        // looks for requests several times a second.
        std::optional<std::string> result = requests_.request_and_wait(std::chrono::seconds(30));
        std::string body;
        int status = 200;
        const char* reason = "OK";
        if (!result) {
            status = 503, reason = "Service Unavailable";
            body = "{\"error\":\"the sensor did not answer within 30 s\"}";
        } else if (!result->empty()) {
            // The file on disk is broken; the database in use stays.
            status = 500, reason = "Internal Server Error";
            body = "{\"error\":";
            append_json_string(body, *result);
            body += "}";
        } else {
            ToolDbStatus::Snapshot now = status_.read();
            body = "{\"reloaded\":true,\"path\":";
            append_json_string(body, now.path);
            body += ",\"tools\":" + std::to_string(now.tools) + ",\"conditions\":" + std::to_string(now.conditions) + "}";
        }
        return reply(connection, status, reason, body);
    }
    bool handleGet(CivetServer*, mg_connection* connection) override { return not_allowed(connection); }
    bool handlePut(CivetServer*, mg_connection* connection) override { return not_allowed(connection); }
    bool handleDelete(CivetServer*, mg_connection* connection) override { return not_allowed(connection); }
    bool handlePatch(CivetServer*, mg_connection* connection) override { return not_allowed(connection); }

private:
    static bool not_allowed(mg_connection* connection) { return method_not_allowed(connection, "POST"); }
    ReloadRequests& requests_;
    const ToolDbStatus& status_;
};

constexpr uint64_t kMaxWindowSeconds = 366ull * 86400;

// GET /top?count=N&window=SECONDS
JsonEndpoint::Reply answer_top(const TopSources& top, const std::string& query) {
    uint64_t count = 20, window_s = 1200;
    std::string problem = JsonEndpoint::read_parameter(query, "count", 1, 1000, count);
    if (problem.empty()) problem = JsonEndpoint::read_parameter(query, "window", 1, kMaxWindowSeconds, window_s);
    if (!problem.empty()) return JsonEndpoint::bad_request(problem);
    return {200, top.json(static_cast<std::size_t>(count), window_s * 1000000)};
}

// GET /campaigns?window=SECONDS&min_sources=N&count=N
JsonEndpoint::Reply answer_campaigns(const LiveCampaigns& campaigns, const std::string& query) {
    uint64_t window_s = 3600, min_sources = 2, count = 50;
    std::string problem = JsonEndpoint::read_parameter(query, "window", 1, kMaxWindowSeconds, window_s);
    if (problem.empty()) problem = JsonEndpoint::read_parameter(query, "min_sources", 1, 1000000, min_sources);
    if (problem.empty()) problem = JsonEndpoint::read_parameter(query, "count", 1, 1000, count);
    if (!problem.empty()) return JsonEndpoint::bad_request(problem);
    return {200, campaigns.json(window_s * 1000000, min_sources, static_cast<std::size_t>(count))};
}

// GET /blocklist?window=SECONDS&behaviour=a,b&limit=N
JsonEndpoint::Reply answer_blocklist(const AlertedSources& alerted, const std::string& query) {
    uint64_t window_s = 3600, limit = 100000;
    std::string problem = JsonEndpoint::read_parameter(query, "window", 1, kMaxWindowSeconds, window_s);
    if (problem.empty()) problem = JsonEndpoint::read_parameter(query, "limit", 1, 1000000, limit);
    // Default: what a scanner or an attacker does; method thresholds are an
    // operator's counts and join only when asked for.
    uint32_t kinds = (1u << fingerprint::kBehaviourCount) - 1;
    char names[512];
    int length = mg_get_var(query.c_str(), query.size(), "behaviour", names, sizeof names);
    if (problem.empty() && length != -1 && (length <= 0 || !AlertedSources::parse_kinds(std::string(names, length), kinds))) {
        problem = "behaviour must be a comma-separated list of horizontal_scan, extension_enumeration, "
                  "credential_brute_force, password_spraying, credential_found, call_attempts, method_threshold";
    }
    if (!problem.empty()) return {400, problem + "\n", "text/plain; charset=utf-8"};
    return {200, alerted.text(window_s * 1000000, kinds, static_cast<std::size_t>(limit)), "text/plain; charset=utf-8"};
}

int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// GET /healthz: 200 while the control lcore beats and the events file takes lines.
JsonEndpoint::Reply answer_health(const SensorHealth& health) {
    int64_t age = steady_ms() - health.control_beat_ms.load(std::memory_order_relaxed);
    bool events = health.events_available.load(std::memory_order_relaxed);
    const char* status = age > SensorHealth::kStalledAfterMs ? "control loop stalled" : !events ? "events file unavailable" : "ok";
    std::string body = std::string("{\"status\":\"") + status + "\",\"control_loop_age_ms\":" + std::to_string(age) +
                       ",\"events_file\":\"" + (events ? "ok" : "unavailable") + "\"}";
    return {std::string_view(status) == "ok" ? 200 : 503, body};
}

}  // namespace

void SensorHealth::beat(std::chrono::steady_clock::time_point now) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    control_beat_ms.store(ms, std::memory_order_relaxed);
}

std::vector<std::string> http_server_options(const std::string& listening_port) {
    return {"listening_ports", listening_port,
            // Threads enough that idle connections cannot take them all, and
            // a request that does not arrive in time releases its thread.
            "num_threads", std::to_string(kHttpThreads), "request_timeout_ms", std::to_string(kHttpRequestTimeoutMs),
            "enable_keep_alive", "no"};
}

TopSourcesServer::TopSourcesServer(const std::string& address, uint16_t port, const TopSources& top,
                                   const LiveCampaigns* campaigns, const AlertedSources* alerted, const SensorHealth* health,
                                   ReloadRequests* reload, const ToolDbStatus* tool_db)
    : top_handler_(std::make_unique<JsonEndpoint>([&top](const std::string& query) { return answer_top(top, query); })) {
    if (campaigns) {
        campaigns_handler_ = std::make_unique<JsonEndpoint>(
            [campaigns](const std::string& query) { return answer_campaigns(*campaigns, query); });
    }
    if (alerted) {
        blocklist_handler_ = std::make_unique<JsonEndpoint>(
            [alerted](const std::string& query) { return answer_blocklist(*alerted, query); });
    }
    if (health) health_handler_ = std::make_unique<JsonEndpoint>([health](const std::string&) { return answer_health(*health); });
    if (reload && tool_db) reload_handler_ = std::make_unique<ReloadEndpoint>(*reload, *tool_db);
    try {
        std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
        server_ = std::make_unique<CivetServer>(http_server_options(host + ":" + std::to_string(port)));
    } catch (const CivetException& error) {
        throw std::runtime_error("cannot serve /top on " + address + ":" + std::to_string(port) + ": " + error.what());
    }
    server_->addHandler("/top$", *top_handler_);
    if (campaigns_handler_) server_->addHandler("/campaigns$", *campaigns_handler_);
    if (blocklist_handler_) server_->addHandler("/blocklist$", *blocklist_handler_);
    if (health_handler_) server_->addHandler("/healthz$", *health_handler_);
    if (reload_handler_) server_->addHandler("/reload$", *reload_handler_);
}

TopSourcesServer::~TopSourcesServer() {
    if (server_) server_->close();
}

}  // namespace sipscope::exporter
