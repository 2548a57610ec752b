// Where a worker's time goes, per packet: measured on a sample of bursts
// (1 in kStageSampleBursts), with the TSC around each stage. The worker
// loop charges rx and parse; its SourceTracker charges flow and
// fingerprint. Owned by one worker; rte_rdtsc needs no EAL.
#pragma once

#include <rte_cycles.h>

#include <array>
#include <cstdint>

#include "labelled_enum.hpp"
#include "source_counters.hpp"

namespace sipscope::fingerprint {

#define SIPSCOPE_WORKER_STAGES(X)                                                        \
    X(rx, "rx")                   /* receive, L2-L4 decode, hand-off, free (per burst) */ \
    X(parse, "parse")             /* SIP parse and counting (per burst) */                \
    X(flow, "flow")               /* flow lookup, open, evict, counters */                \
    X(fingerprint, "fingerprint") /* template, scan profile, intent, alerts */
SIPSCOPE_LABELLED_ENUM(WorkerStage, SIPSCOPE_WORKER_STAGES, kWorkerStageCount, kWorkerStageLabels)

inline constexpr unsigned kStageSampleBursts = 16;

// TSC cycles spent in each stage over the sampled bursts, and the packets
// those bursts carried through the stage.
struct StageCounters {
    std::array<OwnedCounter, kWorkerStageCount> cycles;
    std::array<OwnedCounter, kWorkerStageCount> packets;
};

// On 1 burst with packets in kStageSampleBursts (the first one included),
// reads the TSC between stages and charges each interval to its stage; on
// the others does nothing, not even read the TSC.
class StageTimer {
public:
    explicit StageTimer(StageCounters& counters) : counters_(counters) {}
    // Before polling: starts the clock if the next burst with packets is sampled.
    void begin_burst() {
        if (sampling_) last_ = rte_rdtsc();
    }
    // After a burst with packets was processed: decides about the next one.
    void end_burst() { sampling_ = ++bursts_ % kStageSampleBursts == 0; }
    // Charges the time since the last lap to `stage`.
    void lap(WorkerStage stage) {
        if (!sampling_) return;
        uint64_t now = rte_rdtsc();
        counters_.cycles[static_cast<std::size_t>(stage)].add(now - last_);
        last_ = now;
    }
    void count(WorkerStage stage, unsigned packets) {
        if (sampling_) counters_.packets[static_cast<std::size_t>(stage)].add(packets);
    }

private:
    StageCounters& counters_;
    uint64_t bursts_ = 0;
    uint64_t last_ = 0;
    bool sampling_ = true;
};

}  // namespace sipscope::fingerprint
