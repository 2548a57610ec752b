// The counters a worker's SourceTracker keeps about sources: flows opened
// and closed, the per-tool gauges, alerts, detail admission, tool matches.
// One block per worker, inside the worker's exporter::WorkerCounters; the
// tracker writes it and knows nothing of who reads it.
//
// Ownership: the owning worker: wo; control lcore and the Prometheus
// exposer's threads: ro. A counter is bumped with a relaxed load and a
// relaxed store — no read-modify-write atomic, so no bus lock on the hot
// path — which is correct only because exactly one thread writes it.
// Readers may see a value a few packets old, never a torn one.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "flow_state.hpp"
#include "scan_profile.hpp"
#include "source_intent.hpp"

namespace sipscope::fingerprint {

class OwnedCounter {
public:
    void add(uint64_t amount) { value_.store(value_.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed); }
    void increment() { add(1); }
    void decrement() { add(UINT64_MAX); }  // wraps: the same as subtracting 1
    void set(uint64_t amount) { value_.store(amount, std::memory_order_relaxed); }
    uint64_t read() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> value_{0};
};

// Alerts are counted per behaviour, then one slot for per-method thresholds.
inline constexpr std::size_t kAlertCounterSlots = kBehaviourCount + 1;
inline constexpr std::size_t kMethodAlertSlot = kBehaviourCount;

struct SourceCounters {
    OwnedCounter flows_opened;
    std::array<OwnedCounter, kCloseReasonCount> flows_closed;
    OwnedCounter flows_active;         // a gauge
    OwnedCounter flow_capacity;        // set once at start
    // Flows whose first SIP request found the detail pool empty: they go
    // without fingerprint, scan profile and intent (raise --detail-capacity).
    OwnedCounter details_unavailable;
    OwnedCounter details_in_use;       // a gauge: flows holding detail storage now
    OwnedCounter detail_capacity;      // set once at start
    OwnedCounter tool_matches;         // tool database matches run (a few per flow)
    OwnedCounter tool_values_cached;   // header values whose match was taken from the cache
    OwnedCounter tool_values_scanned;  // header values matched by Hyperscan
    OwnedCounter number_lookups;       // dialled numbers looked up in libphonenumber (cache misses)
    OwnedCounter numbers_over_budget;  // numbers left unclassified: lookups over NumberPlan::kLookupUnitsPerSecond
    std::array<OwnedCounter, kAlertCounterSlots> alerts;
    std::array<OwnedCounter, kScanStrategyCount> closed_by_strategy;
    // By tool: slot 0 is unknown, slot i + 1 the database's tool i. Both
    // arrays have `tool_slots` entries, reserved at start; the pointers
    // never change afterwards. closed_by_tool counts closed flows;
    // active_by_tool is a gauge of open flows by the tool named so far.
    OwnedCounter* closed_by_tool = nullptr;
    OwnedCounter* active_by_tool = nullptr;
    uint32_t tool_slots = 0;
};

}  // namespace sipscope::fingerprint
