// The counters each worker publishes: one cache-aligned block per worker.
// The block about sources (fingerprint::SourceCounters) and the stage
// timing (fingerprint::StageCounters) are written by the worker's
// SourceTracker and StageTimer; the rest by the worker loop.
//
// Ownership: datapath (the owning worker): wo; control lcore and the
// Prometheus exposer's threads: ro (see fingerprint::OwnedCounter).
// sum_counters() is the one place that adds the blocks up.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "flow_state.hpp"
#include "frame_outcome.hpp"
#include "sip_message.hpp"
#include "source_counters.hpp"
#include "stage_timer.hpp"

namespace sipscope::exporter {

using fingerprint::OwnedCounter;

inline constexpr std::size_t kMaxPorts = 32;  // RTE_MAX_ETHPORTS of distribution builds

struct alignas(64) WorkerCounters {
    // Frames taken from this worker's RX queues, by port.
    std::array<OwnedCounter, kMaxPorts> rx_packets;
    std::array<OwnedCounter, kMaxPorts> rx_bytes;
    // Hand-off (DESIGN.md rule 1): packets this worker passed to their
    // owner, packets it could not pass because the owner's ring was full
    // (dropped, counted), and packets it received from other workers.
    OwnedCounter handoff_sent;
    OwnedCounter handoff_dropped;
    OwnedCounter handoff_received;
    // Outcomes of every frame this worker processed as owner.
    std::array<OwnedCounter, parser::kFrameOutcomeCount> frames_by_outcome;
    // IP fragments taken into reassembly, datagrams made whole from them,
    // and fragments given up (timeout, overlap, too many, table full).
    OwnedCounter fragments;
    OwnedCounter datagrams_reassembled;
    OwnedCounter fragments_dropped;
    // First fragments parsed on their own (reassembly off, or an IPv6
    // fragment header behind other extension headers).
    OwnedCounter first_fragments;
    // Outcomes of the SIP parser for every transport payload.
    std::array<OwnedCounter, parser::kSipOutcomeCount> payloads_by_sip_outcome;
    std::array<OwnedCounter, parser::kSipMethodCount> requests_by_method;
    std::array<OwnedCounter, fingerprint::kResponseClassCount> responses_by_class;
    std::array<OwnedCounter, parser::kSipViolationCount> violations;
    std::array<OwnedCounter, fingerprint::kProbeKindCount> probes;
    OwnedCounter sip_packets;
    OwnedCounter sip_bytes;
    // Records (closed flows, alerts) that could not be queued to the control lcore.
    OwnedCounter records_dropped;
    // Flows, tools, alerts: the worker's SourceTracker.
    fingerprint::SourceCounters sources;
    // Load: polls of the RX queues and handoff ring, and polls that found work.
    OwnedCounter polls;
    OwnedCounter busy_polls;
    OwnedCounter busy_cycles;
    OwnedCounter total_cycles;
    fingerprint::StageCounters stages;
    // The worker's packet clock, µs since the epoch (latest packet time).
    OwnedCounter packet_clock_us;
    // Capture times past 2100 replaced by the newest sane one.
    OwnedCounter packet_times_clamped;
};

// Every counter of WorkerCounters added up over the workers (the packet
// clock: the newest of them). The summary, the progress line, the stats
// event and the Prometheus view all read these, so they never disagree.
struct CounterSums {
    template <std::size_t N>
    using Totals = std::array<uint64_t, N>;
    Totals<kMaxPorts> rx_packets{}, rx_bytes{};
    uint64_t handoff_sent = 0, handoff_dropped = 0, handoff_received = 0;
    Totals<parser::kFrameOutcomeCount> frames_by_outcome{};
    uint64_t fragments = 0, datagrams_reassembled = 0, fragments_dropped = 0;
    uint64_t first_fragments = 0;
    Totals<parser::kSipOutcomeCount> payloads_by_sip_outcome{};
    Totals<parser::kSipMethodCount> requests_by_method{};
    Totals<fingerprint::kResponseClassCount> responses_by_class{};
    Totals<parser::kSipViolationCount> violations{};
    Totals<fingerprint::kProbeKindCount> probes{};
    uint64_t sip_packets = 0, sip_bytes = 0, records_dropped = 0;
    uint64_t flows_opened = 0, flows_active = 0, details_unavailable = 0, tool_matches = 0;
    uint64_t tool_values_cached = 0, tool_values_scanned = 0;
    uint64_t number_lookups = 0, numbers_over_budget = 0;
    Totals<fingerprint::kCloseReasonCount> flows_closed{};
    Totals<fingerprint::kAlertCounterSlots> alerts{};
    Totals<fingerprint::kScanStrategyCount> closed_by_strategy{};
    std::vector<uint64_t> closed_by_tool, active_by_tool;  // by tool slot
    Totals<fingerprint::kWorkerStageCount> stage_cycles{}, stage_packets{};
    uint64_t packet_clock_us = 0;
    uint64_t packet_times_clamped = 0;

    static uint64_t total(std::span<const uint64_t> values) {
        uint64_t sum = 0;
        for (uint64_t value : values) sum += value;
        return sum;
    }
    uint64_t packets() const { return total(rx_packets); }
    uint64_t bytes() const { return total(rx_bytes); }
    uint64_t requests() const { return total(requests_by_method); }
    uint64_t responses() const { return total(responses_by_class); }
    uint64_t transport_probes() const { return total(probes); }
    uint64_t alerts_raised() const { return total(alerts); }
};

CounterSums sum_counters(std::span<const WorkerCounters* const> workers);

}  // namespace sipscope::exporter
