// Metric families of the sensor. Every name is documented in README.md
// ("Metrics"); label values come only from fixed sets (worker and port
// indexes, enum labels), never from traffic.
#include "sensor_metrics.hpp"
#include <deque>
#include <limits>
#include <chrono>
#include <iterator>
#include <fstream>
#include <filesystem>
#include <unistd.h>
#include <sys/resource.h>

#include <prometheus/text_serializer.h>

#include <sstream>
#include <tuple>

namespace sipscope::exporter {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

}  // namespace

// Builds the families of one scrape, in order. Every family is one of
// three shapes: one sample, one sample per label of an enum, or one
// sample per worker (or per worker and port).
class FamilyBuilder {
public:
    MetricFamily& begin(std::string name, std::string help, MetricType type) {
        MetricFamily& family = families_.emplace_back();
        family.name = std::move(name);
        family.help = std::move(help);
        family.type = type;
        return family;
    }
    static void sample(MetricFamily& family, Labels labels, double value) {
        ClientMetric& metric = family.metric.emplace_back();
        metric.label = std::move(labels);
        if (family.type == MetricType::Counter) metric.counter.value = value;
        else metric.gauge.value = value;
    }
    void single(std::string name, std::string help, MetricType type, double value) {
        sample(begin(std::move(name), std::move(help), type), {}, value);
    }
    // One sample per label; `labels[i]` names `values[i]`.
    template <class LabelList, class ValueList>
    void by_label(std::string name, std::string help, MetricType type, const std::string& key, const LabelList& labels,
                  const ValueList& values, double scale = 1) {
        MetricFamily& family = begin(std::move(name), std::move(help), type);
        for (std::size_t i = 0; i < values.size(); ++i)
            sample(family, {{key, std::string(labels[i])}}, static_cast<double>(values[i]) / scale);
    }
    std::vector<MetricFamily> take() {
        return {std::make_move_iterator(families_.begin()), std::make_move_iterator(families_.end())};
    }

private:
    // A deque: begin() hands out references that later begin() calls must
    // not invalidate (a vector's growth would).
    std::deque<MetricFamily> families_;
};

namespace {

// A per-worker counter: its field and how a sample reads it.
struct WorkerSeries {
    const char* name;
    const char* help;
    MetricType type;
    const OwnedCounter WorkerCounters::*counter = nullptr;
    const OwnedCounter fingerprint::SourceCounters::*source_counter = nullptr;
    bool cycles = false;  // TSC cycles, shown in seconds
};

const WorkerSeries kWorkerSeries[] = {
    {"sipscope_handoff_sent_total", "Packets a worker passed to the worker owning their source.", MetricType::Counter, &WorkerCounters::handoff_sent},
    {"sipscope_handoff_dropped_total", "Packets dropped because the owning worker's hand-off ring was full.", MetricType::Counter, &WorkerCounters::handoff_dropped},
    {"sipscope_handoff_received_total", "Packets a worker received from other workers.", MetricType::Counter, &WorkerCounters::handoff_received},
    {"sipscope_sip_packets_total", "SIP messages (requests and responses) processed, by owning worker.", MetricType::Counter, &WorkerCounters::sip_packets},
    {"sipscope_sip_bytes_total", "Frame bytes of SIP messages processed, by owning worker.", MetricType::Counter, &WorkerCounters::sip_bytes},
    {"sipscope_worker_polls_total", "Polls of a worker's RX queues and hand-off ring.", MetricType::Counter, &WorkerCounters::polls},
    {"sipscope_worker_busy_polls_total", "Polls that found packets; busy ratio = rate(busy_polls) / rate(polls).", MetricType::Counter, &WorkerCounters::busy_polls},
    {"sipscope_worker_busy_seconds_total", "Time a worker spent on polls that found packets.", MetricType::Counter, &WorkerCounters::busy_cycles, nullptr, true},
    {"sipscope_worker_loop_seconds_total", "Time a worker spent in its poll loop.", MetricType::Counter, &WorkerCounters::total_cycles, nullptr, true},
    {"sipscope_flows_active", "Flows currently open in a worker's flow table.", MetricType::Gauge, nullptr, &fingerprint::SourceCounters::flows_active},
    {"sipscope_flow_table_capacity", "Flows a worker's table holds before it evicts.", MetricType::Gauge, nullptr, &fingerprint::SourceCounters::flow_capacity},
    {"sipscope_detail_pool_in_use", "Flows holding detail storage (fingerprint, scan profile, intent) in a worker now.", MetricType::Gauge, nullptr, &fingerprint::SourceCounters::details_in_use},
    {"sipscope_detail_pool_capacity", "Flows a worker can give detail storage at once (--detail-capacity); when in use reaches it, new sources go without.", MetricType::Gauge, nullptr, &fingerprint::SourceCounters::detail_capacity},
};

// Label sets of the per-tool families: from the tool database, a bounded
// set the operator controls, never from traffic. Slot 0 is unknown.
Labels tool_labels(const fingerprint::ToolRegistry* tools, std::size_t slot) {
    const fingerprint::ToolEntry* tool = slot == 0 || !tools ? nullptr : tools->at(static_cast<int>(slot) - 1);
    return {{"family", tool ? tool->family : "unknown"}, {"tool", tool ? tool->name : "unknown"},
            {"table_id", std::to_string(tool ? tool->table_id : 0)}};
}

}  // namespace

void SensorMetrics::collect_ports(FamilyBuilder& out) const {
    struct PortSeries {
        const char* name;
        const char* help;
        uint64_t PortCounters::*value;
    };
    static constexpr PortSeries kPortSeries[] = {
        {"sipscope_port_rx_packets_total", "Packets received by the port (rte_eth_stats ipackets).", &PortCounters::rx_packets},
        {"sipscope_port_rx_bytes_total", "Bytes received by the port (ibytes).", &PortCounters::rx_bytes},
        {"sipscope_port_rx_missed_total", "Packets the port dropped for lack of RX descriptors (imissed).", &PortCounters::rx_missed},
        {"sipscope_port_rx_errors_total", "Erroneous packets received by the port (ierrors).", &PortCounters::rx_errors},
        {"sipscope_port_rx_nombuf_total", "RX mbuf allocation failures of the port (rx_nombuf).", &PortCounters::rx_nombuf},
    };
    auto ports = ports_.snapshot();
    for (const PortSeries& series : kPortSeries) {
        MetricFamily& family = out.begin(series.name, series.help, MetricType::Counter);
        for (const auto& port : ports)
            FamilyBuilder::sample(family, {{"port", std::to_string(port.port_id)}}, static_cast<double>(port.*series.value));
    }
    MetricFamily& link_up = out.begin("sipscope_port_link_up", "1 when the port's link is up.", MetricType::Gauge);
    MetricFamily& speed = out.begin("sipscope_port_link_speed_bytes_per_second", "The port's link speed in bytes per second, Prometheus's base unit (0: unknown).", MetricType::Gauge);
    MetricFamily& queue_packets = out.begin("sipscope_port_rx_queue_packets_total", "Packets received per RX queue (the driver's rx_q<N>_packets).", MetricType::Counter);
    MetricFamily& queue_errors = out.begin("sipscope_port_rx_queue_errors_total", "Packets a port dropped or failed per RX queue (the driver's rx_q<N>_errors).", MetricType::Counter);
    for (const auto& port : ports) {
        std::string id = std::to_string(port.port_id);
        FamilyBuilder::sample(link_up, {{"port", id}}, port.link_up ? 1 : 0);
        FamilyBuilder::sample(speed, {{"port", id}}, static_cast<double>(port.link_speed_mbps) * 1e6 / 8);
        for (const auto& queue : port.queues) {
            FamilyBuilder::sample(queue_packets, {{"port", id}, {"queue", std::to_string(queue.queue)}}, static_cast<double>(queue.packets));
            FamilyBuilder::sample(queue_errors, {{"port", id}, {"queue", std::to_string(queue.queue)}}, static_cast<double>(queue.errors));
        }
    }
    // What each worker took from each port.
    for (auto [name, help, field] : {std::tuple{"sipscope_worker_rx_packets_total", "Packets a worker took from its RX queues, by port.", &WorkerCounters::rx_packets},
                                     std::tuple{"sipscope_worker_rx_bytes_total", "Bytes a worker took from its RX queues, by port.", &WorkerCounters::rx_bytes}}) {
        MetricFamily& family = out.begin(name, help, MetricType::Counter);
        for (std::size_t w = 0; w < workers_.size(); ++w) {
            for (const auto& port : ports) {
                if (port.port_id >= kMaxPorts) continue;
                FamilyBuilder::sample(family, {{"port", std::to_string(port.port_id)}, {"worker", std::to_string(w)}},
                                      static_cast<double>((workers_[w]->*field)[port.port_id].read()));
            }
        }
    }
}

void SensorMetrics::collect_workers(FamilyBuilder& out, double cycles_per_second) const {
    for (const WorkerSeries& series : kWorkerSeries) {
        MetricFamily& family = out.begin(series.name, series.help, series.type);
        for (std::size_t w = 0; w < workers_.size(); ++w) {
            const OwnedCounter& counter =
                series.counter ? workers_[w]->*series.counter : workers_[w]->sources.*series.source_counter;
            double value = static_cast<double>(counter.read());
            FamilyBuilder::sample(family, {{"worker", std::to_string(w)}}, series.cycles ? value / cycles_per_second : value);
        }
    }
    // Renamed for Prometheus's naming rules (a timestamp); the old name
    // stays for one release (README, Changes).
    for (auto [name, help] : {std::pair{"sipscope_packet_timestamp_seconds", "Packet time a worker has reached, as a Unix timestamp (capture time in replay)."},
                              std::pair{"sipscope_packet_time_seconds", "Deprecated: sipscope_packet_timestamp_seconds (removed in the next release)."}}) {
        MetricFamily& clock = out.begin(name, help, MetricType::Gauge);
        for (std::size_t w = 0; w < workers_.size(); ++w)
            FamilyBuilder::sample(clock, {{"worker", std::to_string(w)}}, static_cast<double>(workers_[w]->packet_clock_us.read()) / 1e6);
    }
}

void SensorMetrics::collect_tools(FamilyBuilder& out, const CounterSums& sums) const {
    // Every tool named since start (a reload adds, never removes: counters
    // of a tool no longer in the database stay as they were).
    std::size_t slots = tools_ ? tools_->size() + 1 : 1;
    for (auto [name, help, type, values] :
         {std::tuple{"sipscope_flows_closed_by_tool_total", "Flows closed, by the tool they were named as (unknown when none).", MetricType::Counter, &sums.closed_by_tool},
          std::tuple{"sipscope_sources_active", "Open flows (active sources), by the tool named so far (unknown until named).", MetricType::Gauge, &sums.active_by_tool}}) {
        MetricFamily& family = out.begin(name, help, type);
        for (std::size_t slot = 0; slot < slots; ++slot) {
            // A gauge's slot may have gone below zero on one worker and
            // above on another while flows move: add as signed numbers.
            int64_t value = slot < values->size() ? static_cast<int64_t>((*values)[slot]) : 0;
            FamilyBuilder::sample(family, tool_labels(tools_, slot), static_cast<double>(value));
        }
    }
    if (tool_db_) {
        ToolDbStatus::Snapshot status = tool_db_->read();
        FamilyBuilder::sample(out.begin("sipscope_tool_db_info", "The tool database in use (always 1): its file, tools and conditions.", MetricType::Gauge),
                              {{"path", status.path}, {"tools", std::to_string(status.tools)},
                               {"conditions", std::to_string(status.conditions)}}, 1);
        out.single("sipscope_tool_db_loaded_timestamp_seconds", "When the tool database in use was loaded (Unix time).",
                   MetricType::Gauge, status.loaded_at);
        MetricFamily& reloads = out.begin("sipscope_tool_db_reloads_total",
                                          "Reloads of the tool database (SIGUSR2, POST /reload), by result; a failed one keeps the database in use.",
                                          MetricType::Counter);
        FamilyBuilder::sample(reloads, {{"result", "ok"}}, static_cast<double>(status.reloads_ok));
        FamilyBuilder::sample(reloads, {{"result", "failed"}}, static_cast<double>(status.reloads_failed));
        out.single("sipscope_tool_db_reload_failures_total",
                   "Reloads of the tool database that found a broken file (the database in use stayed); the same as reloads_total{result=\"failed\"}, for alert rules.",
                   MetricType::Counter, static_cast<double>(status.reloads_failed));
    }
}

// The process_* set client libraries export, read from /proc: CPU, memory,
// start time and file descriptors of the sensor process.
void SensorMetrics::collect_process(FamilyBuilder& out) const {
    static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    static const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    std::ifstream stat_file("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces): state is field 3.
    auto close = stat.rfind(')');
    if (close != std::string::npos) {
        std::istringstream fields(stat.substr(close + 2));
        std::vector<std::string> field{std::istream_iterator<std::string>(fields), std::istream_iterator<std::string>()};
        // field[0] is /proc's field 3; utime 14, stime 15, starttime 22, vsize 23, rss 24.
        if (field.size() > 21) {
            out.single("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", MetricType::Counter,
                       (std::stod(field[11]) + std::stod(field[12])) / ticks);
            out.single("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
                       boot_time_ + std::stod(field[19]) / ticks);
            out.single("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge, std::stod(field[20]));
            out.single("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge, std::stod(field[21]) * page);
        }
    }
    std::error_code error;
    std::size_t descriptors = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", error); !error && it != std::filesystem::directory_iterator();
         it.increment(error))
        ++descriptors;
    out.single("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, static_cast<double>(descriptors));
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0)
        out.single("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge, static_cast<double>(limit.rlim_cur));
}

std::vector<MetricFamily> SensorMetrics::Collect() const {
    FamilyBuilder out;
    const CounterSums sums = sum_counters(workers_);
    // Cycles become seconds with the TSC rate measured by the EAL at start.
    double cycles_per_second = identity_.tsc_hz > 0 ? static_cast<double>(identity_.tsc_hz) : 1.0;
    FamilyBuilder::sample(out.begin("sipscope_build_info", "Build and runtime identity of the sensor (always 1).", MetricType::Gauge),
                          {{"version", identity_.version}, {"dpdk_version", identity_.dpdk_version}, {"mode", identity_.mode}}, 1);
    collect_ports(out);
    collect_workers(out, cycles_per_second);

    // --- Where the time goes, per stage, on sampled bursts (summed over
    // workers): seconds / packets is the time per packet of the stage.
    const auto& stages = fingerprint::kWorkerStageLabels;
    out.by_label("sipscope_stage_sampled_seconds_total", "Time spent in each worker stage during sampled bursts (1 in 16); divide by sipscope_stage_sampled_packets_total for the time per packet.",
                 MetricType::Counter, "stage", stages, sums.stage_cycles, cycles_per_second);
    out.by_label("sipscope_stage_sampled_packets_total", "Packets that went through each worker stage during sampled bursts.",
                 MetricType::Counter, "stage", stages, sums.stage_packets);
    out.single("sipscope_tsc_hertz", "TSC frequency measured at start (cycles per second), to turn stage seconds into cycles.",
               MetricType::Gauge, static_cast<double>(identity_.tsc_hz));
    out.single("sipscope_tsc_hz", "Deprecated: sipscope_tsc_hertz (removed in the next release).", MetricType::Gauge,
               static_cast<double>(identity_.tsc_hz));
    collect_process(out);

    // --- What the packets were (summed over workers: the label sets are
    // already bounded and per-worker detail adds nothing an operator uses).
    struct PacketSeries {
        const char* name;
        const char* help;
        const char* key;
        std::span<const std::string_view> labels;
        std::span<const uint64_t> values;
    };
    const PacketSeries packet_series[] = {
        {"sipscope_frames_total", "Frames by L2-L4 decode outcome (ok or the reason it failed).", "outcome",
         parser::kFrameOutcomeLabels, sums.frames_by_outcome},
        {"sipscope_sip_parse_total", "UDP/TCP payloads by SIP parser outcome.", "outcome", parser::kSipOutcomeLabels,
         sums.payloads_by_sip_outcome},
        {"sipscope_transport_probes_total", "Packets to a SIP port (5060, 5061) without a SIP message: empty or non-SIP UDP, TCP SYN.",
         "kind", fingerprint::kProbeKindLabels, sums.probes},
        {"sipscope_sip_requests_total", "SIP requests by method.", "method", parser::kSipMethodLabels, sums.requests_by_method},
        {"sipscope_sip_responses_total", "SIP responses by status class.", "class", fingerprint::kResponseClassLabels,
         sums.responses_by_class},
        {"sipscope_sip_rfc_violations_total", "SIP messages showing an RFC 3261 violation, by kind.", "violation",
         parser::kSipViolationLabels, sums.violations},
    };
    for (const PacketSeries& series : packet_series)
        out.by_label(series.name, series.help, MetricType::Counter, series.key, series.labels, series.values);
    out.single("sipscope_packet_times_clamped_total", "Packets whose capture time lay past 2100 (damage): given the newest sane time instead.",
               MetricType::Counter, static_cast<double>(sums.packet_times_clamped));
    out.single("sipscope_ip_fragments_total", "IP fragments taken into reassembly (frames_total counts the datagrams made whole, once each).",
               MetricType::Counter, static_cast<double>(sums.fragments));
    out.single("sipscope_ip_reassembled_total", "IP datagrams made whole from fragments.", MetricType::Counter,
               static_cast<double>(sums.datagrams_reassembled));
    out.single("sipscope_ip_fragments_dropped_total", "IP fragments given up: incomplete after --reassembly-timeout, overlapping, more than 8 to a datagram, or the table full.",
               MetricType::Counter, static_cast<double>(sums.fragments_dropped));
    out.single("sipscope_ip_first_fragments_total", "First IP fragments parsed on their own (reassembly off, or an IPv6 fragment header behind other extension headers); their later fragments count as frames_total{outcome=~\".*later_fragment\"}.",
               MetricType::Counter, static_cast<double>(sums.first_fragments));

    // --- Flows.
    out.single("sipscope_flows_opened_total", "Flows opened (a source's first SIP packet, or its first after the inactivity timeout).",
               MetricType::Counter, static_cast<double>(sums.flows_opened));
    out.by_label("sipscope_flows_closed_total", "Flows closed, by reason.", MetricType::Counter, "reason",
                 fingerprint::kCloseReasonLabels, sums.flows_closed);
    out.single("sipscope_records_dropped_total", "Closed-flow and alert records lost because the ring to the control lcore was full.",
               MetricType::Counter, static_cast<double>(sums.records_dropped));

    // --- Tools, strategies, alerts.
    collect_tools(out, sums);
    std::array<std::string_view, fingerprint::kScanStrategyCount> strategies;
    for (std::size_t i = 0; i < strategies.size(); ++i) strategies[i] = fingerprint::label(static_cast<fingerprint::ScanStrategy>(i));
    out.by_label("sipscope_flows_closed_by_strategy_total", "Flows closed, by the scan strategy of their destinations.",
                 MetricType::Counter, "strategy", strategies, sums.closed_by_strategy);
    std::array<std::string_view, fingerprint::kAlertCounterSlots> alert_kinds;
    for (std::size_t i = 0; i < fingerprint::kBehaviourCount; ++i) alert_kinds[i] = fingerprint::kBehaviourLabels[i];
    alert_kinds[fingerprint::kMethodAlertSlot] = "method_threshold";
    out.by_label("sipscope_alerts_total", "Alerts raised, by kind: a behaviour, or a per-method request threshold.",
                 MetricType::Counter, "kind", alert_kinds, sums.alerts);
    out.single("sipscope_details_unavailable_total", "Flows whose first SIP request found the worker's detail pool full: no fingerprint, scan profile or intent (raise --detail-capacity).",
               MetricType::Counter, static_cast<double>(sums.details_unavailable));
    out.single("sipscope_tool_matches_total", "Tool database matches run (first request, eighth request and close of a flow).",
               MetricType::Counter, static_cast<double>(sums.tool_matches));
    out.by_label("sipscope_tool_values_total", "Header values a tool match read: matched by Hyperscan, or taken from the worker's cache of values already matched (one tool from many sources repeats most of its values).",
                 MetricType::Counter, "result", std::array<std::string_view, 2>{"scanned", "cached"},
                 std::array<uint64_t, 2>{sums.tool_values_scanned, sums.tool_values_cached});
    out.single("sipscope_number_lookups_total", "Dialled numbers looked up in libphonenumber's numbering plans (each worker caches the answers).",
               MetricType::Counter, static_cast<double>(sums.number_lookups));
    out.single("sipscope_numbers_unclassified_total", "Dialled numbers given only the country of their calling code: lookups were over the per-worker limit (40,000 international numbers a second, or 10,000 that need libphonenumber's parse).",
               MetricType::Counter, static_cast<double>(sums.numbers_over_budget));

    collect_outputs(out);
    return out.take();
}

// Every output the same way: what reached it, what did not and why. The
// events file's figures are those of sipscope_events_*; ClickHouse's are
// rows.
void SensorMetrics::collect_outputs(FamilyBuilder& out) const {
    // --- Events.
    MetricFamily& written = out.begin("sipscope_events_written_total", "Lines that reached the events file, whole, by event type.", MetricType::Counter);
    MetricFamily& lost = out.begin("sipscope_events_lost_total", "Events that did not reach the events file, by event type and reason (write_failed: disk full or I/O error; file_unavailable: the file could not be reopened).", MetricType::Counter);
    for (std::size_t type = 0; type < kEventTypeCount; ++type) {
        auto event_type = static_cast<EventType>(type);
        FamilyBuilder::sample(written, {{"event_type", std::string(kEventTypeLabels[type])}}, static_cast<double>(events_.written(event_type)));
        for (std::size_t reason = 0; reason < kEventLossReasonCount; ++reason) {
            FamilyBuilder::sample(lost, {{"event_type", std::string(kEventTypeLabels[type])}, {"reason", std::string(kEventLossReasonLabels[reason])}},
                                  static_cast<double>(events_.lost(event_type, static_cast<EventLossReason>(reason))));
        }
    }
    out.single("sipscope_events_write_errors_total", "Failed writes and reopens of the events file (disk full, file gone); what they cost is in sipscope_events_lost_total.",
               MetricType::Counter, static_cast<double>(events_.write_errors()));
    MetricFamily& sent = out.begin("sipscope_output_sent_total", "Events that reached an output (events: lines in the file; clickhouse: rows ClickHouse took), by output and event type.", MetricType::Counter);
    MetricFamily& dropped = out.begin("sipscope_output_dropped_total", "Events that did not reach an output, by output, event type and reason (clickhouse: queue_full while it was slow or away, rejected by the server, unsent_at_exit).", MetricType::Counter);
    for (std::size_t type = 0; type < kEventTypeCount; ++type) {
        auto event_type = static_cast<EventType>(type);
        std::string type_label(kEventTypeLabels[type]);
        FamilyBuilder::sample(sent, {{"output", "events"}, {"event_type", type_label}}, static_cast<double>(events_.written(event_type)));
        for (std::size_t reason = 0; reason < kEventLossReasonCount; ++reason) {
            FamilyBuilder::sample(dropped, {{"output", "events"}, {"event_type", type_label}, {"reason", std::string(kEventLossReasonLabels[reason])}},
                                  static_cast<double>(events_.lost(event_type, static_cast<EventLossReason>(reason))));
        }
        if (!clickhouse_ || event_type == EventType::stats) continue;  // stats are not sent to ClickHouse
        FamilyBuilder::sample(sent, {{"output", "clickhouse"}, {"event_type", type_label}}, static_cast<double>(clickhouse_->sent(event_type)));
        for (std::size_t reason = 0; reason < kOutputDropReasonCount; ++reason) {
            FamilyBuilder::sample(dropped, {{"output", "clickhouse"}, {"event_type", type_label}, {"reason", std::string(kOutputDropReasonLabels[reason])}},
                                  static_cast<double>(clickhouse_->dropped(event_type, static_cast<OutputDropReason>(reason))));
        }
    }
    if (!clickhouse_) return;
    FamilyBuilder::sample(out.begin("sipscope_output_queue_rows", "Rows waiting in an output's queue.", MetricType::Gauge),
                          {{"output", "clickhouse"}}, static_cast<double>(clickhouse_->queued()));
    FamilyBuilder::sample(out.begin("sipscope_output_failed_requests_total", "Requests to an output that failed (no answer, or an error answer); each is retried or its rows counted as dropped.", MetricType::Counter),
                          {{"output", "clickhouse"}}, static_cast<double>(clickhouse_->failed_requests()));
}

double SensorMetrics::read_boot_time() {
    std::ifstream file("/proc/stat");
    std::string key;
    double value = 0;
    while (file >> key) {
        if (key == "btime" && file >> value) return value;
        file.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
    return 0;
}

std::string serialize_metrics(const prometheus::Collectable& collectable) {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, collectable.Collect());
    return out.str();
}

}  // namespace sipscope::exporter

namespace sipscope::exporter {

void ToolDbStatus::loaded(const std::string& path, std::size_t tools, std::size_t conditions, bool reload) {
    std::lock_guard lock(mutex_);
    snapshot_.path = path;
    snapshot_.tools = tools;
    snapshot_.conditions = conditions;
    snapshot_.loaded_at = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (reload) ++snapshot_.reloads_ok;
}

void ToolDbStatus::reload_failed() {
    std::lock_guard lock(mutex_);
    ++snapshot_.reloads_failed;
}

ToolDbStatus::Snapshot ToolDbStatus::read() const {
    std::lock_guard lock(mutex_);
    return snapshot_;
}

}  // namespace sipscope::exporter
