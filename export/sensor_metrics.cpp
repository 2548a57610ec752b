// Metric families of the sensor. Every name is documented in README.md
// ("Metrics"); label values come only from fixed sets (worker and port
// indexes, enum labels), never from traffic.
#include "sensor_metrics.hpp"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace sipscope::exporter {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(std::string name, std::string help, MetricType type) {
    MetricFamily result;
    result.name = std::move(name);
    result.help = std::move(help);
    result.type = type;
    return result;
}

void add_sample(MetricFamily& target, std::vector<ClientMetric::Label> labels, double value) {
    ClientMetric metric;
    metric.label = std::move(labels);
    if (target.type == MetricType::Counter) metric.counter.value = value;
    else metric.gauge.value = value;
    target.metric.push_back(std::move(metric));
}

template <class Read>
uint64_t sum_over(const std::vector<const WorkerCounters*>& workers, Read read) {
    uint64_t total = 0;
    for (const WorkerCounters* worker : workers) total += read(*worker);
    return total;
}

constexpr std::string_view kResponseClassLabels[fingerprint::kResponseClassCount] = {
    "1xx", "2xx", "3xx", "4xx", "5xx", "6xx"};

}  // namespace

std::vector<MetricFamily> SensorMetrics::Collect() const {
    std::vector<MetricFamily> families;
    auto worker_label = [](std::size_t index) { return ClientMetric::Label{"worker", std::to_string(index)}; };

    auto build = family("sipscope_build_info", "Build and runtime identity of the sensor (always 1).",
                        MetricType::Gauge);
    add_sample(build, {{"version", identity_.version}, {"dpdk_version", identity_.dpdk_version},
                       {"mode", identity_.mode}}, 1);
    families.push_back(std::move(build));

    // --- Ports, as the NIC (or virtual device) counts them.
    auto port_packets = family("sipscope_port_rx_packets_total", "Packets received by the port (rte_eth_stats ipackets).", MetricType::Counter);
    auto port_bytes = family("sipscope_port_rx_bytes_total", "Bytes received by the port (ibytes).", MetricType::Counter);
    auto port_missed = family("sipscope_port_rx_missed_total", "Packets the port dropped for lack of RX descriptors (imissed).", MetricType::Counter);
    auto port_errors = family("sipscope_port_rx_errors_total", "Erroneous packets received by the port (ierrors).", MetricType::Counter);
    auto port_nombuf = family("sipscope_port_rx_nombuf_total", "RX mbuf allocation failures of the port (rx_nombuf).", MetricType::Counter);
    for (const auto& port : ports_.snapshot()) {
        std::vector<ClientMetric::Label> labels{{"port", std::to_string(port.port_id)}};
        add_sample(port_packets, labels, static_cast<double>(port.rx_packets));
        add_sample(port_bytes, labels, static_cast<double>(port.rx_bytes));
        add_sample(port_missed, labels, static_cast<double>(port.rx_missed));
        add_sample(port_errors, labels, static_cast<double>(port.rx_errors));
        add_sample(port_nombuf, labels, static_cast<double>(port.rx_nombuf));
    }
    for (auto* f : {&port_packets, &port_bytes, &port_missed, &port_errors, &port_nombuf})
        families.push_back(std::move(*f));

    // --- Workers.
    auto rx_packets = family("sipscope_worker_rx_packets_total", "Packets a worker took from its RX queues, by port.", MetricType::Counter);
    auto rx_bytes = family("sipscope_worker_rx_bytes_total", "Bytes a worker took from its RX queues, by port.", MetricType::Counter);
    auto ports = ports_.snapshot();
    for (std::size_t w = 0; w < workers_.size(); ++w) {
        for (const auto& port : ports) {
            if (port.port_id >= kMaxPorts) continue;
            std::vector<ClientMetric::Label> labels{{"port", std::to_string(port.port_id)}, worker_label(w)};
            add_sample(rx_packets, labels, static_cast<double>(workers_[w]->rx_packets[port.port_id].read()));
            add_sample(rx_bytes, labels, static_cast<double>(workers_[w]->rx_bytes[port.port_id].read()));
        }
    }
    families.push_back(std::move(rx_packets));
    families.push_back(std::move(rx_bytes));

    auto handoff_sent = family("sipscope_handoff_sent_total", "Packets a worker passed to the worker owning their source.", MetricType::Counter);
    auto handoff_dropped = family("sipscope_handoff_dropped_total", "Packets dropped because the owning worker's hand-off ring was full.", MetricType::Counter);
    auto handoff_received = family("sipscope_handoff_received_total", "Packets a worker received from other workers.", MetricType::Counter);
    auto sip_packets = family("sipscope_sip_packets_total", "SIP messages (requests and responses) processed, by owning worker.", MetricType::Counter);
    auto sip_bytes = family("sipscope_sip_bytes_total", "Frame bytes of SIP messages processed, by owning worker.", MetricType::Counter);
    auto polls = family("sipscope_worker_polls_total", "Polls of a worker's RX queues and hand-off ring.", MetricType::Counter);
    auto busy_polls = family("sipscope_worker_busy_polls_total", "Polls that found packets; busy ratio = rate(busy_polls) / rate(polls).", MetricType::Counter);
    auto busy_seconds = family("sipscope_worker_busy_seconds_total", "Time a worker spent on polls that found packets.", MetricType::Counter);
    auto loop_seconds = family("sipscope_worker_loop_seconds_total", "Time a worker spent in its poll loop.", MetricType::Counter);
    auto flows_active = family("sipscope_flows_active", "Flows currently open in a worker's flow table.", MetricType::Gauge);
    auto flow_capacity = family("sipscope_flow_table_capacity", "Flows a worker's table holds before it evicts.", MetricType::Gauge);
    auto packet_clock = family("sipscope_packet_time_seconds", "Packet time a worker has reached (capture time in replay).", MetricType::Gauge);
    // Cycles become seconds with the TSC rate measured by the EAL at start.
    double cycles_per_second = identity_.tsc_hz > 0 ? static_cast<double>(identity_.tsc_hz) : 1.0;
    for (std::size_t w = 0; w < workers_.size(); ++w) {
        const WorkerCounters& worker = *workers_[w];
        std::vector<ClientMetric::Label> labels{worker_label(w)};
        add_sample(handoff_sent, labels, static_cast<double>(worker.handoff_sent.read()));
        add_sample(handoff_dropped, labels, static_cast<double>(worker.handoff_dropped.read()));
        add_sample(handoff_received, labels, static_cast<double>(worker.handoff_received.read()));
        add_sample(sip_packets, labels, static_cast<double>(worker.sip_packets.read()));
        add_sample(sip_bytes, labels, static_cast<double>(worker.sip_bytes.read()));
        add_sample(polls, labels, static_cast<double>(worker.polls.read()));
        add_sample(busy_polls, labels, static_cast<double>(worker.busy_polls.read()));
        add_sample(busy_seconds, labels, static_cast<double>(worker.busy_cycles.read()) / cycles_per_second);
        add_sample(loop_seconds, labels, static_cast<double>(worker.total_cycles.read()) / cycles_per_second);
        add_sample(flows_active, labels, static_cast<double>(worker.flows_active.read()));
        add_sample(flow_capacity, labels, static_cast<double>(worker.flow_capacity.read()));
        add_sample(packet_clock, labels, static_cast<double>(worker.packet_clock_us.read()) / 1e6);
    }
    for (auto* f : {&handoff_sent, &handoff_dropped, &handoff_received, &sip_packets, &sip_bytes, &polls,
                    &busy_polls, &busy_seconds, &loop_seconds, &flows_active, &flow_capacity, &packet_clock})
        families.push_back(std::move(*f));

    // --- Where the time goes, per stage, on sampled bursts (summed over
    // workers): seconds / packets is the time per packet of the stage.
    auto stage_seconds = family("sipscope_stage_sampled_seconds_total", "Time spent in each worker stage during sampled bursts (1 in 16); divide by sipscope_stage_sampled_packets_total for the time per packet.", MetricType::Counter);
    auto stage_packets = family("sipscope_stage_sampled_packets_total", "Packets that went through each worker stage during sampled bursts.", MetricType::Counter);
    for (std::size_t i = 0; i < kWorkerStageCount; ++i) {
        std::vector<ClientMetric::Label> labels{{"stage", std::string(kWorkerStageLabels[i])}};
        add_sample(stage_seconds, labels,
                   static_cast<double>(sum_over(workers_, [i](const WorkerCounters& w) { return w.stage_cycles[i].read(); })) /
                       cycles_per_second);
        add_sample(stage_packets, labels,
                   static_cast<double>(sum_over(workers_, [i](const WorkerCounters& w) { return w.stage_packets[i].read(); })));
    }
    families.push_back(std::move(stage_seconds));
    families.push_back(std::move(stage_packets));
    auto tsc = family("sipscope_tsc_hz", "TSC frequency measured at start (cycles per second), to turn stage seconds into cycles.", MetricType::Gauge);
    add_sample(tsc, {}, static_cast<double>(identity_.tsc_hz));
    families.push_back(std::move(tsc));

    // --- What the packets were (summed over workers: the label sets are
    // already bounded and per-worker detail adds nothing an operator uses).
    auto frames = family("sipscope_frames_total", "Frames by L2-L4 decode outcome (ok or the reason it failed).", MetricType::Counter);
    for (std::size_t i = 0; i < parser::kFrameOutcomeCount; ++i) {
        add_sample(frames, {{"outcome", std::string(parser::kFrameOutcomeLabels[i])}},
                   static_cast<double>(sum_over(workers_, [i](const WorkerCounters& w) { return w.frames_by_outcome[i].read(); })));
    }
    families.push_back(std::move(frames));
    auto first_fragments = family("sipscope_ip_first_fragments_total", "First IP fragments whose payload (the start of a message) was parsed; later fragments count as frames_total{outcome=~\".*later_fragment\"}.", MetricType::Counter);
    add_sample(first_fragments, {}, static_cast<double>(sum_over(workers_, [](const WorkerCounters& w) { return w.first_fragments.read(); })));
    families.push_back(std::move(first_fragments));
    auto payloads = family("sipscope_sip_parse_total", "UDP/TCP payloads by SIP parser outcome.", MetricType::Counter);
    for (std::size_t i = 0; i < parser::kSipOutcomeCount; ++i) {
        add_sample(payloads, {{"outcome", std::string(parser::kSipOutcomeLabels[i])}},
                   static_cast<double>(sum_over(workers_, [i](const WorkerCounters& w) { return w.payloads_by_sip_outcome[i].read(); })));
    }
    families.push_back(std::move(payloads));
    auto probes = family("sipscope_transport_probes_total", "Packets to a SIP port (5060, 5061) without a SIP message: empty or non-SIP UDP, TCP SYN.", MetricType::Counter);
    for (std::size_t i = 0; i < fingerprint::kProbeKindCount; ++i) {
        add_sample(probes, {{"kind", std::string(fingerprint::kProbeKindLabels[i])}},
                   static_cast<double>(sum_over(workers_, [i](const WorkerCounters& w) { return w.probes[i].read(); })));
    }
    families.push_back(std::move(probes));
    auto requests = family("sipscope_sip_requests_total", "SIP requests by method.", MetricType::Counter);
    for (std::size_t i = 0; i < parser::kSipMethodCount; ++i) {
        add_sample(requests, {{"method", std::string(parser::kSipMethodLabels[i])}},
                   static_cast<double>(sum_over(workers_, [i](const WorkerCounters& w) { return w.requests_by_method[i].read(); })));
    }
    families.push_back(std::move(requests));
    auto responses = family("sipscope_sip_responses_total", "SIP responses by status class.", MetricType::Counter);
    for (std::size_t i = 0; i < fingerprint::kResponseClassCount; ++i) {
        add_sample(responses, {{"class", std::string(kResponseClassLabels[i])}},
                   static_cast<double>(sum_over(workers_, [i](const WorkerCounters& w) { return w.responses_by_class[i].read(); })));
    }
    families.push_back(std::move(responses));
    auto violations = family("sipscope_sip_rfc_violations_total", "SIP messages showing an RFC 3261 violation, by kind.", MetricType::Counter);
    for (std::size_t i = 0; i < parser::kSipViolationCount; ++i) {
        add_sample(violations, {{"violation", std::string(parser::kSipViolationLabels[i])}},
                   static_cast<double>(sum_over(workers_, [i](const WorkerCounters& w) { return w.violations[i].read(); })));
    }
    families.push_back(std::move(violations));

    // --- Flows.
    auto opened = family("sipscope_flows_opened_total", "Flows opened (a source's first SIP packet, or its first after the inactivity timeout).", MetricType::Counter);
    add_sample(opened, {}, static_cast<double>(sum_over(workers_, [](const WorkerCounters& w) { return w.flows_opened.read(); })));
    families.push_back(std::move(opened));
    auto closed = family("sipscope_flows_closed_total", "Flows closed, by reason.", MetricType::Counter);
    for (std::size_t i = 0; i < fingerprint::kCloseReasonCount; ++i) {
        add_sample(closed, {{"reason", std::string(fingerprint::kCloseReasonLabels[i])}},
                   static_cast<double>(sum_over(workers_, [i](const WorkerCounters& w) { return w.flows_closed[i].read(); })));
    }
    families.push_back(std::move(closed));
    auto records_dropped = family("sipscope_records_dropped_total", "Closed-flow records lost because the ring to the control lcore was full.", MetricType::Counter);
    add_sample(records_dropped, {}, static_cast<double>(sum_over(workers_, [](const WorkerCounters& w) { return w.records_dropped.read(); })));
    families.push_back(std::move(records_dropped));

    // --- Tools. Label values come from the tool database, a bounded set
    // the operator controls, never from traffic.
    auto by_tool = family("sipscope_flows_closed_by_tool_total", "Flows closed, by the tool their fingerprint names (unknown when none).", MetricType::Counter);
    std::size_t slots = tools_ ? tools_->tools().size() + 1 : 1;
    for (std::size_t slot = 0; slot < slots; ++slot) {
        uint64_t total = 0;
        for (const WorkerCounters* worker : workers_) {
            if (worker->closed_by_tool && slot < worker->tool_slots) total += worker->closed_by_tool[slot].read();
        }
        const fingerprint::ToolEntry* tool = slot == 0 ? nullptr : &tools_->tools()[slot - 1];
        add_sample(by_tool, {{"family", tool ? tool->family : "unknown"}, {"tool", tool ? tool->name : "unknown"},
                             {"table_id", std::to_string(tool ? tool->table_id : 0)}},
                   static_cast<double>(total));
    }
    families.push_back(std::move(by_tool));
    auto active = family("sipscope_sources_active", "Open flows (active sources), by the tool named so far (unknown until named).", MetricType::Gauge);
    for (std::size_t slot = 0; slot < slots; ++slot) {
        int64_t total = 0;
        for (const WorkerCounters* worker : workers_) {
            if (worker->active_by_tool && slot < worker->tool_slots)
                total += static_cast<int64_t>(worker->active_by_tool[slot].read());
        }
        const fingerprint::ToolEntry* tool = slot == 0 ? nullptr : &tools_->tools()[slot - 1];
        add_sample(active, {{"family", tool ? tool->family : "unknown"}, {"tool", tool ? tool->name : "unknown"},
                            {"table_id", std::to_string(tool ? tool->table_id : 0)}},
                   static_cast<double>(total));
    }
    families.push_back(std::move(active));
    auto by_strategy = family("sipscope_flows_closed_by_strategy_total", "Flows closed, by the scan strategy of their destinations.", MetricType::Counter);
    for (std::size_t i = 0; i < fingerprint::kScanStrategyCount; ++i) {
        add_sample(by_strategy, {{"strategy", std::string(fingerprint::label(static_cast<fingerprint::ScanStrategy>(i)))}},
                   static_cast<double>(sum_over(workers_, [i](const WorkerCounters& w) { return w.closed_by_strategy[i].read(); })));
    }
    families.push_back(std::move(by_strategy));
    auto alerts = family("sipscope_alerts_total", "Alerts raised, by kind: a behaviour, or a per-method request threshold.", MetricType::Counter);
    for (std::size_t i = 0; i <= fingerprint::kBehaviourCount; ++i) {
        std::string kind = i < fingerprint::kBehaviourCount ? std::string(fingerprint::kBehaviourLabels[i]) : "method_threshold";
        add_sample(alerts, {{"kind", kind}},
                   static_cast<double>(sum_over(workers_, [i](const WorkerCounters& w) { return w.alerts[i].read(); })));
    }
    families.push_back(std::move(alerts));
    auto unavailable = family("sipscope_fingerprints_unavailable_total", "Flows that found the worker's fingerprint pool full (raise --fingerprint-capacity).", MetricType::Counter);
    add_sample(unavailable, {}, static_cast<double>(sum_over(workers_, [](const WorkerCounters& w) { return w.fingerprints_unavailable.read(); })));
    families.push_back(std::move(unavailable));
    auto matches = family("sipscope_tool_matches_total", "Tool database matches run (first request, eighth request and close of a flow).", MetricType::Counter);
    add_sample(matches, {}, static_cast<double>(sum_over(workers_, [](const WorkerCounters& w) { return w.tool_matches.read(); })));
    families.push_back(std::move(matches));

    // --- Events.
    auto written = family("sipscope_events_written_total", "Lines written to the events file, by event type.", MetricType::Counter);
    add_sample(written, {{"event_type", "sip_scan_flow"}},
               static_cast<double>(control_.flow_events_written.load(std::memory_order_relaxed)));
    add_sample(written, {{"event_type", "alert"}},
               static_cast<double>(control_.alert_events_written.load(std::memory_order_relaxed)));
    families.push_back(std::move(written));
    auto write_errors = family("sipscope_events_write_errors_total", "Failed writes to the events file (disk full, file gone).", MetricType::Counter);
    add_sample(write_errors, {}, static_cast<double>(events_.write_errors()));
    families.push_back(std::move(write_errors));
    return families;
}

std::string serialize_metrics(const prometheus::Collectable& collectable) {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, collectable.Collect());
    return out.str();
}

}  // namespace sipscope::exporter
