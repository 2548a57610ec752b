// Control lcore loop. Never on the packet path: it sleeps when there is
// nothing to write, and every read of worker state is of single-writer
// fields (counters, clocks, acknowledgements).
#include "log.hpp"
#include "control_loop.hpp"

#include "record_prefetch.hpp"
#include "service_notify.hpp"
#include "template_id.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "json_text.hpp"

namespace sipscope::lcore {

namespace {

constexpr auto kIdleSleep = std::chrono::microseconds(500);
constexpr double kPortRefreshSeconds = 0.1;
constexpr double kReplayPortRefreshSeconds = 0.005;  // notice the end of a capture promptly
constexpr double kFlushSeconds = 0.5;
// An events file that could not be reopened is tried again this often.
constexpr double kEventsRetrySeconds = 5.0;
// A replay whose port delivers nothing new for this long is over even if
// fewer packets arrived than the file holds (net_pcap dropped some).
constexpr double kReplayStallSeconds = 3.0;

SignalFlags g_signal_flags;

void on_stop_signal(int) { g_signal_flags.stop.store(1, std::memory_order_relaxed); }
void on_reopen_signal(int) { g_signal_flags.reopen.store(1, std::memory_order_relaxed); }
void on_reload_signal(int) { g_signal_flags.reload.store(1, std::memory_order_relaxed); }

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

void install_signal_handlers() {
    struct sigaction action {};
    sigemptyset(&action.sa_mask);
    action.sa_handler = on_stop_signal;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    action.sa_handler = on_reopen_signal;
    sigaction(SIGHUP, &action, nullptr);
    action.sa_handler = on_reload_signal;
    sigaction(SIGUSR2, &action, nullptr);
}

// SIGUSR2 and POST /reload: the tool database loaded again and handed to
// the workers (tool_reload.hpp); a broken file leaves the one in use.
// Every pass also frees the databases no worker can still be using.
void ControlLoop::serve_tool_reloads() {
    ToolReloader* tools = observers_.tools;
    if (tools == nullptr) return;
    exporter::ReloadRequests* requests = observers_.reload_requests;
    bool by_signal = g_signal_flags.reload.exchange(0, std::memory_order_relaxed) != 0;
    uint64_t requested = requests ? requests->requested() : 0;
    bool by_request = requests && requests->pending();
    if (by_signal || by_request) {
        const char* origin = by_signal ? "SIGUSR2" : "POST /reload";
        std::string problem = tools->reload();
        if (problem.empty()) {
            SIPSCOPE_LOG(notice, "%s: tool database reloaded: %zu tools, %zu conditions\n", origin,
                         tools->current().tools().size(), tools->current().condition_count());
        } else {
            SIPSCOPE_LOG(error, "%s: tool database not reloaded, the one in use stays: %s\n", origin, problem.c_str());
        }
        if (by_request) requests->answer(requested, problem);
    }
    tools->collect();
}

// The line just formatted, to every output that takes its type.
void ControlLoop::write_event(exporter::EventType type) {
    events_.write_line(line_, type);
    if (observers_.clickhouse) observers_.clickhouse->offer(type, line_);
}

unsigned ControlLoop::drain_records() {
    unsigned total = 0;
    std::array<void*, kControlRecordBurst> objects;
    for (WorkerContext* worker : workers_) {
        unsigned count = rte_ring_sc_dequeue_burst(worker->records->ring(), objects.data(), kControlRecordBurst, nullptr);
        auto record_at = [&](unsigned i) -> const fingerprint::FlowRecord& {
            return *static_cast<const fingerprint::FlowRecord*>(objects[i]);
        };
        // The lines formatting reads, asked for ahead (record_prefetch.hpp),
        // and the slots the record's source will be looked up in (top
        // sources, the replay's summary).
        for (unsigned i = 0; i < count && i < exporter::kRecordHeadAhead; ++i) exporter::prefetch_record_head(record_at(i));
        if (count != 0) exporter::prefetch_record_detail(record_at(0));
        for (unsigned i = 0; i < count; ++i) {
            if (i + exporter::kRecordHeadAhead < count) exporter::prefetch_record_head(record_at(i + exporter::kRecordHeadAhead));
            if (i + 1 < count) {
                exporter::prefetch_record_detail(record_at(i + 1));
                top_sources_.prefetch(record_at(i + 1));
                if (summary_.sources) summary_.sources->prefetch(record_at(i + 1).flow);
            }
            auto& record = *static_cast<fingerprint::FlowRecord*>(objects[i]);  // ours until put back
            // A one-request flow's fingerprint_id is its template's hash:
            // taken once here for every reader of the record.
            if (record.has_detail && record.detail.fingerprint.first_request_id == 0)
                record.detail.fingerprint.first_request_id = fingerprint::flow_template_id(record.detail.fingerprint);
            top_sources_.observe(record);
            if (record.kind == fingerprint::RecordKind::progress) continue;  // for the top-sources view only
            line_.clear();
            if (record.kind == fingerprint::RecordKind::alert) {
                if (observers_.alerted) observers_.alerted->observe(record);
                if (has_record_output()) {
                    exporter::format_alert_event(line_, record, event_context_);
                    write_event(exporter::EventType::alert);
                }
                ++summary_.alerts;
                continue;
            }
            if (observers_.live_campaigns && record.kind != fingerprint::RecordKind::alert)
                observers_.live_campaigns->observe(record);
            if (record.kind == fingerprint::RecordKind::active_flow) {  // interim: the flow stays open
                if (below_minimum(record)) continue;
                if (has_record_output()) {
                    exporter::format_flow_event(line_, record, event_context_);
                    write_event(exporter::EventType::sip_scan_flow);
                }
                ++summary_.interim_records;
                continue;
            }
            ++summary_.records;
            if (below_minimum(record)) {
                ++summary_.flows_below_minimum;
            } else if (has_record_output()) {
                exporter::format_flow_event(line_, record, event_context_);
                write_event(exporter::EventType::sip_scan_flow);
            }
            ++summary_.records_by_reason[static_cast<std::size_t>(record.reason)];
            if (summary_.sources) summary_.sources->observe(record.flow);
        }
        if (count) rte_mempool_put_bulk(worker->record_pool, objects.data(), count);
        total += count;
    }
    return total;
}

// Per-queue packets and drops from the port's extended statistics; the ids
// of their names are looked up once per port.
void ControlLoop::read_queue_counters(const PortPlan& plan, exporter::PortCounters& counters) {
    auto& ids = queue_xstat_ids_[plan.port_id];
    if (ids.empty()) {
        for (uint16_t queue = 0; queue < plan.rx_queues; ++queue) {
            uint64_t packets = UINT64_MAX, errors = UINT64_MAX;
            std::string prefix = "rx_q" + std::to_string(queue) + "_";
            rte_eth_xstats_get_id_by_name(plan.port_id, (prefix + "packets").c_str(), &packets);
            rte_eth_xstats_get_id_by_name(plan.port_id, (prefix + "errors").c_str(), &errors);
            ids.push_back({queue, packets, errors});
        }
    }
    for (const QueueXstatIds& queue : ids) {
        if (queue.packets == UINT64_MAX) continue;  // the driver has no per-queue statistics
        exporter::PortCounters::Queue value;
        value.queue = queue.queue;
        rte_eth_xstats_get_by_id(plan.port_id, &queue.packets, &value.packets, 1);
        if (queue.errors != UINT64_MAX) rte_eth_xstats_get_by_id(plan.port_id, &queue.errors, &value.errors, 1);
        counters.queues.push_back(value);
    }
}

uint64_t ControlLoop::refresh_port_counters() {
    std::vector<exporter::PortCounters> ports;
    uint64_t delivered = 0;
    for (const PortPlan& plan : ports_.ports) {
        rte_eth_stats stats{};
        if (rte_eth_stats_get(plan.port_id, &stats) != 0) continue;
        exporter::PortCounters counters;
        counters.port_id = plan.port_id;
        counters.name = plan.name;
        counters.rx_packets = stats.ipackets;
        counters.rx_bytes = stats.ibytes;
        counters.rx_missed = stats.imissed;
        counters.rx_errors = stats.ierrors;
        counters.rx_nombuf = stats.rx_nombuf;
        rte_eth_link link{};
        if (rte_eth_link_get_nowait(plan.port_id, &link) == 0) {
            counters.link_up = link.link_status == RTE_ETH_LINK_UP;
            counters.link_speed_mbps = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
        }
        read_queue_counters(plan, counters);
        delivered += stats.ipackets + stats.ierrors;
        ports.push_back(std::move(counters));
    }
    port_board_.publish(std::move(ports));
    return delivered;
}

// --min-flow-requests: a flow that sent fewer requests and probes, was
// not named and raised no alert, is counted instead of written.
bool ControlLoop::below_minimum(const fingerprint::FlowRecord& record) const {
    const fingerprint::FlowState& flow = record.flow;
    if (flow.packets_sent() >= settings_.min_flow_packets || flow.tool >= 0 || flow.method_alerts_raised != 0) return false;
    return !(record.has_detail && record.detail.intent.behaviours_raised != 0);
}

exporter::CounterSums ControlLoop::sum_worker_counters() const {
    std::vector<const exporter::WorkerCounters*> blocks;
    for (const WorkerContext* worker : workers_) blocks.push_back(worker->counters);
    return exporter::sum_counters(blocks);
}

void ControlLoop::log_progress(double elapsed_seconds) {
    exporter::CounterSums sums = sum_worker_counters();
    auto number = [](uint64_t value) { return static_cast<unsigned long long>(value); };
    uint64_t packets = sums.packets(), dropped = sums.handoff_dropped + sums.records_dropped;
    if (settings_.replay && settings_.expected_packets) {
        SIPSCOPE_LOG(info, "%.0f s: %llu of %llu packets (%.0f%%), %llu SIP, %llu flows open, %llu dropped\n",
                     elapsed_seconds, number(packets), number(settings_.expected_packets),
                     100.0 * static_cast<double>(packets) / static_cast<double>(settings_.expected_packets),
                     number(sums.sip_packets), number(sums.flows_active), number(dropped));
    } else {
        SIPSCOPE_LOG(info, "%.0f s: %llu packets, %llu SIP, %llu flows open, %llu events, %llu dropped\n",
                     elapsed_seconds, number(packets), number(sums.sip_packets), number(sums.flows_active),
                     number(summary_.records), number(dropped));
    }
}

// A `stats` event: the sensor's totals so far, stamped with packet time
// (the newest any worker reached), so that replays carry capture time.
void ControlLoop::write_stats_event() {
    exporter::CounterSums sums = sum_worker_counters();
    uint64_t missed = 0, nombuf = 0;
    for (const auto& port : port_board_.snapshot()) {
        missed += port.rx_missed;
        nombuf += port.rx_nombuf;
    }
    uint64_t clock = sums.packet_clock_us;
    if (clock == 0) {
        clock = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch()).count());
    }
    line_.clear();
    exporter::JsonObject event(line_);
    exporter::begin_event(event, clock, "stats", event_context_).begin_object("stats");
    event.field("packets", sums.packets()).field("bytes", sums.bytes()).field("sip_packets", sums.sip_packets)
        .field("sip_requests", sums.requests()).field("sip_responses", sums.responses())
        .field("transport_probes", sums.transport_probes()).field("flows_opened", sums.flows_opened)
        .field("flows_active", sums.flows_active).field("flows_closed", summary_.records)
        .field("flows_below_minimum", summary_.flows_below_minimum)
        .field("flows_reported_active", summary_.interim_records)
        .field("alerts", sums.alerts_raised());
    event.begin_object("dropped").field("port_missed", missed).field("port_nombuf", nombuf)
        .field("handoff", sums.handoff_dropped).field("records", sums.records_dropped)
        .field("events", events_.lost_total()).end();
    event.end().end();
    events_.write_line(line_, exporter::EventType::stats);
}

void ControlLoop::stop_workers(fingerprint::CloseReason reason) {
    // 1. Stop polling ports; wait until every worker has dispatched what it
    //    took, so no hand-off can be produced after this point.
    for (WorkerContext* worker : workers_) {
        worker->requested_phase.store(static_cast<int>(WorkerPhase::stop_rx), std::memory_order_release);
    }
    for (WorkerContext* worker : workers_) {
        while (worker->acknowledged_phase.load(std::memory_order_acquire) < static_cast<int>(WorkerPhase::stop_rx)) {
            if (drain_records() == 0) std::this_thread::sleep_for(kIdleSleep);
        }
    }
    // 2. The final packet time: every flow idle longer than the timeout at
    //    that time closes as idle, the rest with `reason`.
    uint64_t final_clock = 0;
    for (WorkerContext* worker : workers_) {
        final_clock = std::max(final_clock, worker->dispatch_clock_us.load(std::memory_order_acquire));
        final_clock = std::max(final_clock, worker->counters->packet_clock_us.read());
    }
    for (WorkerContext* worker : workers_) {
        worker->final_clock_us.store(final_clock, std::memory_order_relaxed);
        worker->finish_reason.store(static_cast<uint8_t>(reason), std::memory_order_relaxed);
        worker->requested_phase.store(static_cast<int>(WorkerPhase::finish), std::memory_order_release);
    }
    // 3. Keep writing records while the workers close their flows.
    for (WorkerContext* worker : workers_) {
        while (worker->acknowledged_phase.load(std::memory_order_acquire) < static_cast<int>(WorkerPhase::finished)) {
            if (drain_records() == 0) std::this_thread::sleep_for(kIdleSleep);
        }
    }
    rte_eal_mp_wait_lcore();
    while (drain_records() != 0) {
    }
    refresh_port_counters();
    write_stats_event();
    events_.flush();
    summary_.events_lost = events_.lost_total();
    for (std::size_t type = 0; type < exporter::kEventTypeCount; ++type)
        summary_.events_written[type] = events_.written(static_cast<exporter::EventType>(type));
}

RunSummary ControlLoop::run() {
    auto start = std::chrono::steady_clock::now();
    auto last_port_refresh = start, last_flush = start, last_progress = start, last_change = start, last_stats = start;
    auto last_retry = start;
    uint64_t last_delivered = 0;
    fingerprint::CloseReason reason = fingerprint::CloseReason::shutdown;
    for (;;) {
        unsigned written = drain_records();
        auto now = std::chrono::steady_clock::now();
        if (observers_.service) observers_.service->beat(now);
        if (observers_.health) {
            observers_.health->beat(now);
            observers_.health->events_available.store(!events_.enabled() || events_.available(), std::memory_order_relaxed);
        }
        if (g_signal_flags.reopen.exchange(0, std::memory_order_relaxed) && events_.enabled()) {
            if (events_.reopen()) SIPSCOPE_LOG(notice, "SIGHUP: reopened events file %s\n", events_.path().c_str());
        }
        serve_tool_reloads();
        if (g_signal_flags.stop.load(std::memory_order_relaxed)) {
            SIPSCOPE_LOG(notice, "stopping on signal; closing every open flow\n");
            if (observers_.service) observers_.service->stopping("closing every open flow");
            summary_.stopped_by_signal = true;
            reason = fingerprint::CloseReason::shutdown;
            break;
        }
        if (std::chrono::duration<double>(now - last_port_refresh).count() >=
            (settings_.replay ? kReplayPortRefreshSeconds : kPortRefreshSeconds)) {
            last_port_refresh = now;
            uint64_t delivered = refresh_port_counters();
            if (delivered != last_delivered) {
                last_delivered = delivered;
                last_change = now;
            }
            if (settings_.replay) {
                if (delivered >= settings_.expected_packets) {
                    reason = fingerprint::CloseReason::end_of_capture;
                    break;
                }
                if (std::chrono::duration<double>(now - last_change).count() >= kReplayStallSeconds) {
                    SIPSCOPE_LOG(warning,
                                 "the port delivered %llu of the %llu packets in the capture and then "
                                 "nothing for %.0f s; treating this as the end of the capture\n",
                                 static_cast<unsigned long long>(delivered),
                                 static_cast<unsigned long long>(settings_.expected_packets), kReplayStallSeconds);
                    summary_.capture_short = true;
                    reason = fingerprint::CloseReason::end_of_capture;
                    break;
                }
            }
        }
        if (std::chrono::duration<double>(now - last_flush).count() >= kFlushSeconds) {
            last_flush = now;
            events_.flush();
        }
        if (!events_.available() && std::chrono::duration<double>(now - last_retry).count() >= kEventsRetrySeconds) {
            last_retry = now;
            events_.retry();
        }
        if (settings_.progress_seconds > 0 &&
            std::chrono::duration<double>(now - last_progress).count() >= settings_.progress_seconds) {
            last_progress = now;
            log_progress(seconds_since(start));
        }
        if (settings_.stats_seconds > 0 &&
            std::chrono::duration<double>(now - last_stats).count() >= settings_.stats_seconds) {
            last_stats = now;
            write_stats_event();
        }
        if (written == 0) std::this_thread::sleep_for(kIdleSleep);
    }
    stop_workers(reason);
    return std::move(summary_);
}

}  // namespace sipscope::lcore
