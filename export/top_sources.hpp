// The sources that send the most right now, for operators who ask "who is
// scanning us, with what" — answered as JSON without putting an address in
// a metric label. Fed by the control lcore from the records workers send
// (progress of heavy flows, alerts, closed flows); read by the API thread.
// Bounded: at most `capacity` sources; O(log capacity) per record, and a
// newcomer that does not outweigh the least active one costs a look-up.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alerted_sources.hpp"
#include "bounded_top.hpp"
#include "live_campaigns.hpp"
#include "flow_state.hpp"
#include "tool_registry.hpp"

class CivetHandler;
class CivetServer;

namespace sipscope::exporter {

class TopSources {
public:
    TopSources(std::size_t capacity, const fingerprint::ToolRegistry* tools) : entries_(capacity), tools_(tools) {}

    // control lcore: every record (progress, alert, closed flow).
    void observe(const fingerprint::FlowRecord& record);
    // control lcore: asks for what observe(record) will read, a record or
    // more ahead (no lock: only the control lcore changes the index).
    void prefetch(const fingerprint::FlowRecord& record) const { entries_.prefetch(record.flow.source); }
    // Any thread: the top `count` sources seen within `window_us` of the
    // newest packet time, most requests first, as a JSON document.
    std::string json(std::size_t count, uint64_t window_us) const;

private:
    struct Entry {
        uint64_t requests = 0;
        uint64_t last_seen_us = 0;
        uint64_t first_seen_us = 0;
        int16_t tool = -1;
        bool open = true;
        uint64_t weight() const { return requests; }
    };
    mutable std::mutex mutex_;
    BoundedTop<Entry> entries_;
    uint64_t newest_us_ = 0;
    const fingerprint::ToolRegistry* tools_;
};

// Whether the sensor is doing its job, for GET /healthz: the control lcore
// beats every pass of its loop (a stuck control lcore stops writing
// events, and its /metrics still answers), and says whether the events
// file is writable.
struct SensorHealth {
    static constexpr int64_t kStalledAfterMs = 5000;
    std::atomic<int64_t> control_beat_ms{0};    // steady clock
    std::atomic<bool> events_available{true};
    void beat(std::chrono::steady_clock::time_point now);
};

// The HTTP endpoints' limits, shared by /metrics and /top: enough threads
// that idle connections cannot take them all, and a request that has not
// arrived within the timeout gives its thread back.
inline constexpr unsigned kHttpThreads = 128;
inline constexpr unsigned kHttpRequestTimeoutMs = 2000;
// civetweb options for a server on `listening_port` ("127.0.0.1:9561",
// "[::1]:9561") with those limits.
std::vector<std::string> http_server_options(const std::string& listening_port);

// Serves on civetweb GET /top (?count=N&window=SECONDS) and, given what
// they read, GET /campaigns (?window=SECONDS&min_sources=N&count=N), GET
// /blocklist (?window=SECONDS&behaviour=a,b&limit=N: plain text, one
// address a line) and GET /healthz: exactly those paths (other paths 404,
// other methods 405, bad parameters 400 with the reason). Stops when
// destroyed.
class ReloadRequests;  // reload_requests.hpp
class ToolDbStatus;    // sensor_metrics.hpp

class TopSourcesServer {
public:
    // Throws std::runtime_error if the address cannot be bound. `top` and
    // `campaigns` (may be null) must outlive the server.
    // `reload` and `tool_db` (both or neither) serve POST /reload.
    TopSourcesServer(const std::string& address, uint16_t port, const TopSources& top,
                     const LiveCampaigns* campaigns = nullptr, const AlertedSources* alerted = nullptr,
                     const SensorHealth* health = nullptr, ReloadRequests* reload = nullptr,
                     const ToolDbStatus* tool_db = nullptr);
    ~TopSourcesServer();
    TopSourcesServer(const TopSourcesServer&) = delete;
    TopSourcesServer& operator=(const TopSourcesServer&) = delete;

private:
    std::unique_ptr<CivetHandler> top_handler_;
    std::unique_ptr<CivetHandler> campaigns_handler_;
    std::unique_ptr<CivetHandler> blocklist_handler_;
    std::unique_ptr<CivetHandler> health_handler_;
    std::unique_ptr<CivetHandler> reload_handler_;
    std::unique_ptr<CivetServer> server_;
};

}  // namespace sipscope::exporter
