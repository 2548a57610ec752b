// The counters each worker publishes: one cache-aligned block per worker.
//
// Ownership: datapath (the owning worker): wo; control lcore and the
// Prometheus exposer's threads: ro. A counter is bumped with a relaxed load
// and a relaxed store — no read-modify-write atomic, so no bus lock on the
// hot path — which is correct only because exactly one thread writes it.
// Readers may see a value a few packets old, never a torn one.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "flow_state.hpp"
#include "frame_outcome.hpp"
#include "sip_message.hpp"

namespace sipscope::exporter {

inline constexpr std::size_t kMaxPorts = 32;  // RTE_MAX_ETHPORTS of distribution builds

// Where a worker's time goes, per packet: measured on a sample of bursts
// (1 in kStageSampleBursts), with the TSC around each stage.
#define SIPSCOPE_WORKER_STAGES(X)                                                     \
    X(rx, "rx")                  /* receive, L2-L4 decode, hand-off, free (per burst) */ \
    X(parse, "parse")            /* SIP parse and counting (per burst) */              \
    X(flow, "flow")              /* flow lookup, open, evict, counters */              \
    X(fingerprint, "fingerprint") /* template, scan profile, intent, alerts */

enum class WorkerStage : uint8_t {
#define SIPSCOPE_ENUM_ENTRY(name, label) name,
    SIPSCOPE_WORKER_STAGES(SIPSCOPE_ENUM_ENTRY)
#undef SIPSCOPE_ENUM_ENTRY
};
inline constexpr std::size_t kWorkerStageCount = static_cast<std::size_t>(WorkerStage::fingerprint) + 1;
inline constexpr std::array<std::string_view, kWorkerStageCount> kWorkerStageLabels = {
#define SIPSCOPE_LABEL_ENTRY(name, label) label,
    SIPSCOPE_WORKER_STAGES(SIPSCOPE_LABEL_ENTRY)
#undef SIPSCOPE_LABEL_ENTRY
};
inline constexpr unsigned kStageSampleBursts = 16;

class OwnedCounter {
public:
    void add(uint64_t amount) { value_.store(value_.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed); }
    void increment() { add(1); }
    void set(uint64_t amount) { value_.store(amount, std::memory_order_relaxed); }
    uint64_t read() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> value_{0};
};

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
    // First fragments whose payload (the start of the message) was parsed.
    OwnedCounter first_fragments;
    // Outcomes of the SIP parser for every transport payload.
    std::array<OwnedCounter, parser::kSipOutcomeCount> payloads_by_sip_outcome;
    std::array<OwnedCounter, parser::kSipMethodCount> requests_by_method;
    std::array<OwnedCounter, fingerprint::kResponseClassCount> responses_by_class;
    std::array<OwnedCounter, parser::kSipViolationCount> violations;
    std::array<OwnedCounter, fingerprint::kProbeKindCount> probes;
    OwnedCounter sip_packets;
    OwnedCounter sip_bytes;
    // Flow table.
    OwnedCounter flows_opened;
    std::array<OwnedCounter, fingerprint::kCloseReasonCount> flows_closed;
    OwnedCounter flows_active;         // a gauge kept by the worker
    OwnedCounter flow_capacity;        // set once at start
    // Records (closed flows) that could not be queued to the control lcore.
    OwnedCounter records_dropped;
    // Fingerprints: flows that found the worker's pool empty, and tool
    // database matches run (a few per flow, never per packet).
    OwnedCounter fingerprints_unavailable;
    OwnedCounter tool_matches;
    // Alerts raised: one per behaviour, then one for method thresholds.
    std::array<OwnedCounter, fingerprint::kBehaviourCount + 1> alerts;
    // Closed flows by scan strategy (fingerprint::ScanStrategy).
    std::array<OwnedCounter, fingerprint::kScanStrategyCount> closed_by_strategy;
    // Closed flows by tool: index 0 is unknown, i + 1 the database's tool i.
    // The array is reserved at start (its size fixed by the database) and
    // the pointer never changes afterwards.
    OwnedCounter* closed_by_tool = nullptr;
    // Open flows by the tool named so far (same indexing): a gauge the
    // worker keeps as identifications change and flows close.
    OwnedCounter* active_by_tool = nullptr;
    uint32_t tool_slots = 0;
    // Load: polls of the RX queues and handoff ring, and polls that found work.
    OwnedCounter polls;
    OwnedCounter busy_polls;
    OwnedCounter busy_cycles;
    OwnedCounter total_cycles;
    // Sampled stage timing: TSC cycles spent in each stage over the sampled
    // bursts, and the packets those bursts carried through the stage.
    std::array<OwnedCounter, kWorkerStageCount> stage_cycles;
    std::array<OwnedCounter, kWorkerStageCount> stage_packets;
    // The worker's packet clock, µs since the epoch (latest packet time).
    OwnedCounter packet_clock_us;
};

}  // namespace sipscope::exporter
