// The one place that adds the workers' counter blocks up.
#include "worker_counters.hpp"

#include <algorithm>

namespace sipscope::exporter {

namespace {

template <std::size_t N>
void add(std::array<uint64_t, N>& to, const std::array<OwnedCounter, N>& from) {
    for (std::size_t i = 0; i < N; ++i) to[i] += from[i].read();
}

void add(std::vector<uint64_t>& to, const OwnedCounter* from, uint32_t slots) {
    if (from == nullptr) return;
    if (to.size() < slots) to.resize(slots, 0);
    for (uint32_t i = 0; i < slots; ++i) to[i] += from[i].read();
}

}  // namespace

CounterSums sum_counters(std::span<const WorkerCounters* const> workers) {
    CounterSums sums;
    for (const WorkerCounters* worker : workers) {
        const WorkerCounters& w = *worker;
        const fingerprint::SourceCounters& s = w.sources;
        add(sums.rx_packets, w.rx_packets);
        add(sums.rx_bytes, w.rx_bytes);
        sums.handoff_sent += w.handoff_sent.read();
        sums.handoff_dropped += w.handoff_dropped.read();
        sums.handoff_received += w.handoff_received.read();
        add(sums.frames_by_outcome, w.frames_by_outcome);
        sums.fragments += w.fragments.read();
        sums.datagrams_reassembled += w.datagrams_reassembled.read();
        sums.fragments_dropped += w.fragments_dropped.read();
        sums.first_fragments += w.first_fragments.read();
        add(sums.payloads_by_sip_outcome, w.payloads_by_sip_outcome);
        add(sums.requests_by_method, w.requests_by_method);
        add(sums.responses_by_class, w.responses_by_class);
        add(sums.violations, w.violations);
        add(sums.probes, w.probes);
        sums.sip_packets += w.sip_packets.read();
        sums.sip_bytes += w.sip_bytes.read();
        sums.records_dropped += w.records_dropped.read();
        sums.flows_opened += s.flows_opened.read();
        sums.flows_active += s.flows_active.read();
        sums.details_unavailable += s.details_unavailable.read();
        sums.tool_matches += s.tool_matches.read();
        sums.tool_values_cached += s.tool_values_cached.read();
        sums.tool_values_scanned += s.tool_values_scanned.read();
        sums.number_lookups += s.number_lookups.read();
        sums.numbers_over_budget += s.numbers_over_budget.read();
        add(sums.flows_closed, s.flows_closed);
        add(sums.alerts, s.alerts);
        add(sums.closed_by_strategy, s.closed_by_strategy);
        add(sums.closed_by_tool, s.closed_by_tool, s.tool_slots);
        add(sums.active_by_tool, s.active_by_tool, s.tool_slots);
        add(sums.stage_cycles, w.stages.cycles);
        add(sums.stage_packets, w.stages.packets);
        sums.packet_clock_us = std::max(sums.packet_clock_us, w.packet_clock_us.read());
        sums.packet_times_clamped += w.packet_times_clamped.read();
    }
    return sums;
}

}  // namespace sipscope::exporter
