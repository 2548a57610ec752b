// The control lcore (the EAL main lcore) once the workers run: drains the
// workers' record rings into the events file, refreshes the port counters
// the exporter shows, logs progress, handles signals, notices the end of a
// replayed capture, and stops the workers in order.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "clickhouse_sink.hpp"
#include "event_writer.hpp"
#include "flow_event.hpp"
#include "port_setup.hpp"
#include "reload_requests.hpp"
#include "replay_sources.hpp"
#include "sensor_metrics.hpp"
#include "top_sources.hpp"
#include "worker_context.hpp"

namespace sipscope::lcore {

// Records the control lcore takes from a worker's ring at once.
inline constexpr unsigned kControlRecordBurst = 64;

// Set by signal handlers, read by the control loop.
struct SignalFlags {
    std::atomic<int> stop{0};    // SIGINT, SIGTERM
    std::atomic<int> reopen{0};  // SIGHUP
    std::atomic<int> reload{0};  // SIGUSR2: reload the tool database
};
void install_signal_handlers();

struct ControlSettings {
    bool replay = false;
    uint64_t expected_packets = 0;   // replay: packets in the capture
    double progress_seconds = 10;
    double stats_seconds = 60;
    uint32_t min_flow_packets = 1;   // flows that sent fewer (and were not named or alerted) get no event
};

// What the control lcore learnt from the records, for the summary.
struct RunSummary {
    uint64_t records = 0;
    uint64_t alerts = 0;
    uint64_t interim_records = 0;      // sip_scan_flow events of flows still open (--active-timeout)
    uint64_t flows_below_minimum = 0;  // closed flows not written (--min-flow-requests), still in every metric
    std::array<uint64_t, fingerprint::kCloseReasonCount> records_by_reason{};
    // Replay: distinct sources, the top ones, sources by tool (bounded).
    std::unique_ptr<ReplaySources> sources;
    // What reached the events file, by exporter::EventType, and what did not.
    std::array<uint64_t, exporter::kEventTypeCount> events_written{};
    uint64_t events_lost = 0;
    uint64_t clickhouse_sent = 0;     // rows, once the output thread finished
    uint64_t clickhouse_dropped = 0;
    bool stopped_by_signal = false;
    bool capture_short = false;      // the port delivered fewer packets than the file holds
};

// Optional readers of what the control lcore does besides the events file
// and /top (each may be null).
struct ControlObservers {
    exporter::ClickHouseSink* clickhouse = nullptr;
    exporter::LiveCampaigns* live_campaigns = nullptr;
    exporter::AlertedSources* alerted = nullptr;
    exporter::SensorHealth* health = nullptr;
    class ServiceNotifier* service = nullptr;  // systemd: watchdog and STOPPING
    class ToolReloader* tools = nullptr;       // SIGUSR2 and POST /reload
    exporter::ReloadRequests* reload_requests = nullptr;
};

class ControlLoop {
public:
    ControlLoop(ControlSettings settings, std::vector<WorkerContext*> workers, const PortSetup& ports,
                exporter::EventWriter& events, const exporter::FlowEventContext& event_context,
                exporter::PortCounterBoard& port_board, exporter::TopSources& top_sources, ControlObservers observers = {})
        : settings_(settings), workers_(std::move(workers)), ports_(ports), events_(events),
          event_context_(event_context), port_board_(port_board), top_sources_(top_sources), observers_(observers) {
        if (settings_.replay) summary_.sources = std::make_unique<ReplaySources>();
    }

    // Returns when the workers have finished (signal, or end of capture).
    RunSummary run();

private:
    unsigned drain_records();
    void serve_tool_reloads();
    void write_event(exporter::EventType type);
    // Whether a formatted record goes anywhere (`--events ""` and no
    // ClickHouse: records still feed the summary, /top and metrics, but
    // are not formatted for nobody).
    bool has_record_output() const { return events_.enabled() || observers_.clickhouse != nullptr; }
    void read_queue_counters(const PortPlan& plan, exporter::PortCounters& counters);
    uint64_t refresh_port_counters();
    void stop_workers(fingerprint::CloseReason reason);
    bool below_minimum(const fingerprint::FlowRecord& record) const;
    exporter::CounterSums sum_worker_counters() const;
    void log_progress(double elapsed_seconds);
    void write_stats_event();

    ControlSettings settings_;
    std::vector<WorkerContext*> workers_;
    const PortSetup& ports_;
    exporter::EventWriter& events_;
    const exporter::FlowEventContext& event_context_;
    exporter::PortCounterBoard& port_board_;
    exporter::TopSources& top_sources_;
    ControlObservers observers_;
    struct QueueXstatIds {
        uint16_t queue;
        uint64_t packets, errors;  // xstat ids; UINT64_MAX: the driver has none
    };
    std::unordered_map<uint16_t, std::vector<QueueXstatIds>> queue_xstat_ids_;  // by port
    RunSummary summary_;
    std::string line_;
};

}  // namespace sipscope::lcore
