// Everything one worker lcore owns, gathered in one place so that the worker
// finds its state once on entry (STYLE.md) and a reader sees what crosses
// lcores. Built by main() on the control lcore before launch; afterwards
// each field's writer is named in its comment.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <rte_mbuf.h>

#include "frame_decoder.hpp"
#include "ip_reassembly.hpp"
#include "record_channel.hpp"
#include "source_owner.hpp"
#include "source_tracker.hpp"
#include "stage_timer.hpp"
#include "tool_reload.hpp"
#include "worker_counters.hpp"

struct rte_ring;
struct rte_mempool;
struct rte_rcu_qsbr;

namespace sipscope::lcore {

// Packets a worker takes at once from a queue or its hand-off ring.
inline constexpr unsigned kBurst = 32;

// What travels with a handed-off packet in its mbuf's private area, so
// that the owner does not decode the frame a second time. The mbuf pool is
// created with room for it (port_setup.cpp).
struct HandoffNote {
    parser::DecodedFrame frame;
    bool decoded = false;  // false: decode again (the payload pointed into the sender's own copy)
};
inline HandoffNote& handoff_note(rte_mbuf* mbuf) { return *static_cast<HandoffNote*>(rte_mbuf_to_priv(mbuf)); }
inline constexpr uint16_t kMbufPrivateBytes = (sizeof(HandoffNote) + RTE_MBUF_PRIV_ALIGN - 1) & ~(RTE_MBUF_PRIV_ALIGN - 1);

struct RxQueue {
    uint16_t port_id;
    uint16_t queue_id;
};

// The control lcore asks; the worker does it and acknowledges (one writer
// each way). Phases only move forward.
enum class WorkerPhase : int {
    running = 0,
    stop_rx = 1,   // stop polling ports; keep draining the hand-off ring
    finish = 2,    // no worker produces hand-offs any more: drain, close every flow, exit
    finished = 3,  // (acknowledgement only) the worker has returned
};

// How a worker tells time (DESIGN.md rule 4: packet time, not wall time).
struct PacketClockSource {
    bool use_packet_timestamps = false;  // true in replay: the capture's time
    int timestamp_offset = -1;           // mbuf dynfield (µs since the epoch in net_pcap)
    uint64_t timestamp_flag = 0;         // mbuf dynflag set when the field is valid
    uint64_t tsc_hz = 0;                 // otherwise: TSC, anchored to wall time at start
    uint64_t tsc_at_start = 0;
    uint64_t wall_us_at_start = 0;
};

struct WorkerContext {
    // --- set before launch, read-only afterwards
    unsigned index = 0;                       // 0..workers-1, the owner number
    unsigned lcore_id = 0;
    std::vector<RxQueue> rx_queues;           // may be empty: a pure hand-off consumer
    rte_ring* inbound = nullptr;              // hand-offs to this worker (MP enqueue, SC dequeue)
    std::vector<rte_ring*> handoff_rings;     // every worker's inbound ring, by owner
    rte_mempool* record_pool = nullptr;       // FlowRecord objects, shared (the control lcore returns them)
    const SourceOwner* owner = nullptr;
    PacketClockSource clock;
    unsigned idle_sleep_us = 0;
    // Dispatch clocks of the workers that poll ports; the safe expiry time
    // is their minimum (see worker_loop.cpp).
    std::vector<const std::atomic<uint64_t>*> dispatch_clocks;

    // --- owned by this worker (written only by it once launched)
    exporter::WorkerCounters* counters = nullptr;  // rte_zmalloc'd, cache aligned
    std::unique_ptr<RecordChannel> records;        // closed flows, alerts, progress to the control lcore (SP/SC ring)
    std::unique_ptr<fingerprint::StageTimer> stage_timer;
    // Flow table, detail pool, tool scratch and alert policy, and the rules.
    std::unique_ptr<fingerprint::SourceTracker> sources;
    // IP fragments of the packets it polls (null: reassembly off, or no queue).
    std::unique_ptr<IpReassembly> reassembly;

    // --- tool database reloads (tool_reload.hpp)
    // A reloaded database for this worker: the control lcore stores it, the
    // worker takes it (exchange) between bursts and owns it from then on.
    std::atomic<ToolSwitch*> tool_switch{nullptr};
    // The worker reports a quiescent state here on every loop pass (thread
    // id: its index), so that the control lcore knows when an old database
    // is out of use.
    rte_rcu_qsbr* tools_rcu = nullptr;
    // Packet time up to which this worker has dispatched (processed or
    // handed off) every packet it received from its ports, µs. Stored with
    // release after the hand-offs were enqueued. worker: wo; others: ro.
    std::atomic<uint64_t> dispatch_clock_us{0};
    std::atomic<int> acknowledged_phase{static_cast<int>(WorkerPhase::running)};

    // --- written by the control lcore, read by this worker
    std::atomic<int> requested_phase{static_cast<int>(WorkerPhase::running)};
    std::atomic<uint8_t> finish_reason{0};         // fingerprint::CloseReason
    std::atomic<uint64_t> final_clock_us{0};       // packet time at the end, for the last expiry
};

// The worker lcore's entry point (rte_eal_remote_launch). Returns 0.
int worker_main(void* context);

}  // namespace sipscope::lcore
