// The worker lcore loop: poll → decode (reassembling IP fragments) → hand
// off or own → parse → count → hand the source packets to the worker's
// SourceTracker → free; and
// periodically let the tracker expire idle flows. The rules about sources
// (flows, detail, tools, alerts, records) live in fingerprint::SourceTracker.
//
// Runs on each worker lcore. Touches only its WorkerContext; crosses lcores
// through the hand-off rings (mbufs), the record ring (closed flows), its
// counter block and its dispatch clock (single writer each).
//
// Expiry and hand-offs. A flow owned here may still have a packet in flight
// in this worker's hand-off ring, received earlier by another worker. To
// close a flow only when no such packet can exist, each worker that polls
// ports publishes its dispatch clock (release) after enqueuing its
// hand-offs; before sweeping, a worker reads the minimum of those clocks
// (acquire) and then empties its ring. Everything with an earlier packet
// time has then been seen, so the records are the same with 1 worker or N.
#include "worker_context.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <algorithm>
#include <array>
#include <memory>

#include "frame_decoder.hpp"
#include "sip_message.hpp"
#include "source_tracker.hpp"

namespace sipscope::lcore {

namespace {

constexpr unsigned kHousekeepingPasses = 1024;  // loop passes between expiry sweeps
constexpr unsigned kIdlePassesBeforeSleep = 1024;
// Largest frame the parser looks at when a packet spans several mbufs
// (jumbo frames, reassembled datagrams): two VLAN tags, an IPv6 header and
// the largest IP payload, so that every IP datagram is parsed whole.
constexpr uint32_t kLinearFrameBytes = 14 + 8 + 40 + 65535;

using fingerprint::WorkerStage;
using parser::DecodedFrame;
using parser::FrameOutcome;
using parser::SipMessage;
using parser::SipOutcome;

// Is this packet a transport-level probe of a SIP port (no SIP message in
// it)? Returns false for anything else.
bool probe_kind_of(const DecodedFrame& frame, SipOutcome outcome, fingerprint::ProbeKind& kind) {
    if (frame.destination_port != 5060 && frame.destination_port != 5061) return false;
    if (frame.transport == parser::Transport::udp) {
        kind = outcome == SipOutcome::empty_payload ? fingerprint::ProbeKind::udp_empty
                                                    : fingerprint::ProbeKind::udp_not_sip;
        return true;
    }
    // TCP: a connection attempt (SYN without ACK) and nothing else; segments
    // of a stream that is not SIP at its start are not probes.
    kind = fingerprint::ProbeKind::tcp_syn;
    return frame.transport == parser::Transport::tcp && (frame.tcp_flags & 0x12) == 0x02 && frame.payload_length == 0;
}

// One packet being processed by its owner. Its frame stays where it was
// decoded (this worker's burst array, or the sender's hand-off note): see
// parser::decode_frame on why it is not copied.
struct OwnedPacket {
    rte_mbuf* mbuf;
    uint64_t time_us;
    const DecodedFrame* frame;
};

class Worker {
public:
    explicit Worker(WorkerContext& context)
        : context_(context),
          counters_(*context.counters),
          stages_(*context.stage_timer),
          sources_(*context.sources),
          reassembly_(context.reassembly.get()),
          // Not zeroed: a page is touched only when a multi-segment frame uses it.
          linear_(std::make_unique_for_overwrite<std::array<std::array<uint8_t, kLinearFrameBytes>, kBurst>>()),
          messages_(std::make_unique<std::array<SipMessage, kBurst>>()),
          pending_handoffs_(context.handoff_rings.size()),
          pending_slots_(context.handoff_rings.size()),
          pending_counts_(context.handoff_rings.size(), 0) {}

    void run();

private:
    uint64_t tsc_time_us(uint64_t tsc) const {
        const auto& clock = context_.clock;
        return clock.wall_us_at_start + (tsc - clock.tsc_at_start) * 1000000u / clock.tsc_hz;
    }
    // A capture's time after 2100 is damage, not time: it would print as
    // no RFC 3339 date and jump the clock past every open flow. Such a
    // packet takes the newest sane time seen, and is counted.
    static constexpr uint64_t kLatestPacketUs = 4102444800ull * 1000000;  // 2100-01-01
    uint64_t packet_time_us(const rte_mbuf* mbuf, uint64_t fallback_us) {
        const auto& clock = context_.clock;
        if (!clock.use_packet_timestamps || !(mbuf->ol_flags & clock.timestamp_flag)) return fallback_us;
        uint64_t time_us = *RTE_MBUF_DYNFIELD(mbuf, clock.timestamp_offset, const uint64_t*);
        if (time_us <= kLatestPacketUs) {
            newest_capture_us_ = std::max(newest_capture_us_, time_us);
            return time_us;
        }
        counters_.packet_times_clamped.increment();
        return newest_capture_us_ != 0 ? newest_capture_us_ : fallback_us;
    }
    // Decodes into this burst slot's frame: the mbuf's own bytes, or a copy
    // into the slot's buffer when the frame spans several segments.
    DecodedFrame& decode(rte_mbuf* mbuf, unsigned slot) {
        DecodedFrame& frame = frames_[slot];
        if (mbuf->nb_segs == 1) {
            parser::decode_frame({rte_pktmbuf_mtod(mbuf, const uint8_t*), mbuf->data_len}, frame);
        } else {
            uint32_t length = std::min<uint32_t>(mbuf->pkt_len, kLinearFrameBytes);
            auto* bytes = static_cast<const uint8_t*>(rte_pktmbuf_read(mbuf, 0, length, (*linear_)[slot].data()));
            parser::decode_frame({bytes, length}, frame);
        }
        return frame;
    }

    void take_tool_switch();
    unsigned poll_ports(uint64_t now_us);
    unsigned drain_inbound(uint64_t now_us);
    void process_owned(unsigned count);
    bool count_packet(const OwnedPacket& packet, SipMessage& message, fingerprint::SourcePacket& source);
    void hand_off(unsigned owner, rte_mbuf* mbuf, unsigned slot);
    void flush_handoffs();
    void expire_idle();
    void finish();

    WorkerContext& context_;
    exporter::WorkerCounters& counters_;
    fingerprint::StageTimer& stages_;
    fingerprint::SourceTracker& sources_;
    IpReassembly* reassembly_;  // null: off
    std::unique_ptr<std::array<std::array<uint8_t, kLinearFrameBytes>, kBurst>> linear_;
    std::unique_ptr<std::array<SipMessage, kBurst>> messages_;
    // Per owner: packets to hand over, and their slots in frames_.
    std::vector<std::array<rte_mbuf*, kBurst>> pending_handoffs_;
    std::vector<std::array<uint8_t, kBurst>> pending_slots_;
    std::vector<unsigned> pending_counts_;
    std::array<DecodedFrame, kBurst> frames_{};  // the burst being processed, decoded here
    std::array<OwnedPacket, kBurst> owned_{};
    uint64_t latest_packet_us_ = 0;  // newest packet time of a source packet this worker processed
    uint64_t newest_capture_us_ = 0;  // newest sane capture time this worker received
};

// Between bursts: a quiescent state, then the reloaded tool database if
// the control lcore handed one over. In this order: the control lcore
// stores the hand-over before it takes the RCU token it waits for, so a
// quiescent state that reports that token (an acquire of it) is followed
// here by a load that sees the hand-over, and the old database is not used
// again after the state that lets it be freed. The exchange (a locked
// instruction) is made only when there is something to take.
void Worker::take_tool_switch() {
    rte_rcu_qsbr_quiescent(context_.tools_rcu, context_.index);
    if (context_.tool_switch.load(std::memory_order_acquire) == nullptr) return;
    if (ToolSwitch* handover = context_.tool_switch.exchange(nullptr, std::memory_order_acq_rel)) {
        sources_.use_tools(*handover->database, std::move(handover->scratch));
        delete handover;
    }
}

void Worker::run() {
    rte_rcu_qsbr_thread_register(context_.tools_rcu, context_.index);
    rte_rcu_qsbr_thread_online(context_.tools_rcu, context_.index);
    unsigned passes = 0;
    unsigned idle_passes = 0;
    uint64_t last_tsc = rte_rdtsc();
    for (;;) {
        auto phase = static_cast<WorkerPhase>(context_.requested_phase.load(std::memory_order_acquire));
        if (phase == WorkerPhase::finish) {
            finish();
            rte_rcu_qsbr_thread_offline(context_.tools_rcu, context_.index);
            rte_rcu_qsbr_thread_unregister(context_.tools_rcu, context_.index);
            return;
        }
        take_tool_switch();
        uint64_t tsc = rte_rdtsc();
        uint64_t now_us = tsc_time_us(tsc);
        unsigned work = 0;
        if (phase == WorkerPhase::running) {
            work += poll_ports(now_us);
        } else if (context_.acknowledged_phase.load(std::memory_order_relaxed) <
                   static_cast<int>(WorkerPhase::stop_rx)) {
            // Every packet taken from a port has been dispatched: say so.
            context_.acknowledged_phase.store(static_cast<int>(WorkerPhase::stop_rx), std::memory_order_release);
        }
        work += drain_inbound(now_us);

        uint64_t end_tsc = rte_rdtsc();
        counters_.polls.increment();
        counters_.total_cycles.add(end_tsc - last_tsc);
        if (work != 0) {
            counters_.busy_polls.increment();
            counters_.busy_cycles.add(end_tsc - tsc);
            idle_passes = 0;
        } else if (++idle_passes >= kIdlePassesBeforeSleep && context_.idle_sleep_us != 0) {
            rte_delay_us_sleep(context_.idle_sleep_us);
            idle_passes = 0;
        }
        last_tsc = end_tsc;
        if (++passes == kHousekeepingPasses) {
            passes = 0;
            expire_idle();
        }
    }
}

unsigned Worker::poll_ports(uint64_t now_us) {
    unsigned received_total = 0;
    uint64_t dispatched_until = 0;
    std::array<rte_mbuf*, kBurst> mbufs;
    for (const RxQueue& queue : context_.rx_queues) {
        stages_.begin_burst();
        uint16_t received = rte_eth_rx_burst(queue.port_id, queue.queue_id, mbufs.data(), kBurst);
        if (received == 0) continue;
        stages_.count(WorkerStage::rx, received);
        received_total += received;
        uint64_t bytes = 0;
        unsigned owned = 0;
        for (unsigned i = 0; i < received; ++i) {
            if (i + 1 < received) rte_prefetch0(rte_pktmbuf_mtod(mbufs[i + 1], void*));
            rte_mbuf* mbuf = mbufs[i];
            bytes += mbuf->pkt_len;
            uint64_t time_us = packet_time_us(mbuf, now_us);
            dispatched_until = std::max(dispatched_until, time_us);
            const DecodedFrame* frame = &decode(mbuf, i);
            if (reassembly_ && IpReassembly::takes(*frame)) {
                // A fragment is dispatched only as part of its whole datagram.
                mbuf = reassembly_->add(mbuf, *frame, time_us);
                if (mbuf == nullptr) continue;
                frame = &decode(mbuf, i);
            }
            // The owner is the requesting address: the destination of a
            // SIP response, the source of anything else (DESIGN.md rule 1).
            if (frame->has_addresses()) {
                bool response = parser::starts_as_sip_response(frame->payload_span());
                unsigned owner = context_.owner->owner(response ? frame->destination : frame->source);
                if (owner != context_.index) {
                    hand_off(owner, mbuf, i);
                    continue;
                }
            }
            owned_[owned++] = OwnedPacket{mbuf, time_us, frame};
        }
        counters_.rx_packets[queue.port_id].add(received);
        counters_.rx_bytes[queue.port_id].add(bytes);
        if (reassembly_) reassembly_->release_dropped();
        flush_handoffs();
        stages_.lap(WorkerStage::rx);
        process_owned(owned);
        stages_.end_burst();
    }
    // Publish how far this worker has dispatched (after the enqueues above).
    if (!context_.clock.use_packet_timestamps) dispatched_until = now_us;
    if (dispatched_until > context_.dispatch_clock_us.load(std::memory_order_relaxed)) {
        context_.dispatch_clock_us.store(dispatched_until, std::memory_order_release);
    }
    return received_total;
}

unsigned Worker::drain_inbound(uint64_t now_us) {
    std::array<rte_mbuf*, kBurst> mbufs;
    stages_.begin_burst();
    unsigned received = rte_ring_sc_dequeue_burst(context_.inbound, reinterpret_cast<void**>(mbufs.data()), kBurst, nullptr);
    if (received == 0) return 0;
    stages_.count(WorkerStage::rx, received);
    counters_.handoff_received.add(received);
    for (unsigned i = 0; i < received; ++i) {
        rte_mbuf* mbuf = mbufs[i];
        // The sender's decode travels with the mbuf unless its payload
        // pointed into the sender's own copy of a multi-segment frame.
        const HandoffNote& note = handoff_note(mbuf);
        owned_[i] = OwnedPacket{mbuf, packet_time_us(mbuf, now_us), note.decoded ? &note.frame : &decode(mbuf, i)};
    }
    stages_.lap(WorkerStage::rx);
    process_owned(received);
    stages_.end_burst();
    return received;
}

// The frame is copied into the mbuf's note when the hand-offs are flushed,
// after the burst's loop: by then its decoder's stores have reached the
// cache (parser::decode_frame).
void Worker::hand_off(unsigned owner, rte_mbuf* mbuf, unsigned slot) {
    unsigned& count = pending_counts_[owner];
    pending_slots_[owner][count] = static_cast<uint8_t>(slot);
    pending_handoffs_[owner][count++] = mbuf;
    if (count == kBurst) flush_handoffs();
}

void Worker::flush_handoffs() {
    for (unsigned owner = 0; owner < pending_counts_.size(); ++owner) {
        unsigned count = pending_counts_[owner];
        if (count == 0) continue;
        auto& pending = pending_handoffs_[owner];
        for (unsigned i = 0; i < count; ++i) {
            HandoffNote& note = handoff_note(pending[i]);
            note.decoded = pending[i]->nb_segs == 1;
            if (note.decoded) note.frame = frames_[pending_slots_[owner][i]];
        }
        unsigned sent = rte_ring_enqueue_burst(context_.handoff_rings[owner], reinterpret_cast<void* const*>(pending.data()), count, nullptr);
        if (sent < count) {
            rte_pktmbuf_free_bulk(pending.data() + sent, count - sent);
            counters_.handoff_dropped.add(count - sent);
        }
        counters_.handoff_sent.add(sent);
        pending_counts_[owner] = 0;
    }
}

// Counts what the packet is (frame outcome, SIP outcome, method or status
// class, violations, probe kind) and says whether it belongs to a source:
// a SIP message, or a transport-level probe of a SIP port.
bool Worker::count_packet(const OwnedPacket& packet, SipMessage& message, fingerprint::SourcePacket& source) {
    const DecodedFrame& frame = *packet.frame;
    counters_.frames_by_outcome[static_cast<std::size_t>(frame.outcome)].increment();
    if (frame.outcome != FrameOutcome::ok) return false;
    if (frame.is_first_fragment) counters_.first_fragments.increment();
    SipOutcome outcome = parser::parse_sip_message(frame.payload_span(), message);
    counters_.payloads_by_sip_outcome[static_cast<std::size_t>(outcome)].increment();
    source = fingerprint::SourcePacket{&frame, nullptr, fingerprint::ProbeKind::udp_empty, packet.mbuf->pkt_len,
                                       packet.time_us};
    if (!message.is_sip()) {
        // A payload that starts as a response but does not parse went to
        // the destination's owner (poll_ports): it is no probe of the source.
        if (parser::starts_as_sip_response(frame.payload_span())) return false;
        if (!probe_kind_of(frame, outcome, source.probe)) return false;
        counters_.probes[static_cast<std::size_t>(source.probe)].increment();
        return true;
    }
    source.message = &message;
    counters_.sip_packets.increment();
    counters_.sip_bytes.add(packet.mbuf->pkt_len);
    if (outcome == SipOutcome::request) {
        counters_.requests_by_method[static_cast<std::size_t>(message.method)].increment();
    } else {
        unsigned status_class = message.status_code / 100;
        if (status_class >= 1 && status_class <= fingerprint::kResponseClassCount)
            counters_.responses_by_class[status_class - 1].increment();
    }
    for (uint32_t bits = message.violations; bits != 0; bits &= bits - 1) {
        counters_.violations[static_cast<std::size_t>(__builtin_ctz(bits))].increment();
    }
    return true;
}

// The stage timer's burst clock is running (when sampled) on entry.
void Worker::process_owned(unsigned count) {
    if (count == 0) return;
    std::array<fingerprint::SourcePacket, kBurst> sources;
    unsigned source_count = 0;
    for (unsigned i = 0; i < count; ++i) {
        if (!count_packet(owned_[i], (*messages_)[i], sources[source_count])) continue;
        latest_packet_us_ = std::max(latest_packet_us_, owned_[i].time_us);
        ++source_count;
    }
    stages_.lap(WorkerStage::parse);
    stages_.count(WorkerStage::parse, count);
    stages_.count(WorkerStage::flow, source_count);
    stages_.count(WorkerStage::fingerprint, source_count);
    sources_.observe({sources.data(), source_count});
    counters_.packet_clock_us.set(latest_packet_us_);
    std::array<rte_mbuf*, kBurst> done;
    for (unsigned i = 0; i < count; ++i) done[i] = owned_[i].mbuf;
    rte_pktmbuf_free_bulk(done.data(), count);
    stages_.lap(WorkerStage::rx);
}

void Worker::expire_idle() {
    if (context_.dispatch_clocks.empty()) return;  // no port is polled: nothing advances time
    uint64_t safe_us = UINT64_MAX;
    for (const auto* clock : context_.dispatch_clocks) safe_us = std::min(safe_us, clock->load(std::memory_order_acquire));
    // Everything handed to us before those clocks were published is in the
    // ring now: take it all before deciding any flow is idle.
    while (drain_inbound(tsc_time_us(rte_rdtsc())) != 0) {
    }
    sources_.expire(safe_us);
    if (reassembly_) reassembly_->expire(context_.dispatch_clock_us.load(std::memory_order_relaxed));
}

void Worker::finish() {
    // No worker polls ports or hands off any more (the control lcore waited
    // for every acknowledgement before asking us to finish).
    context_.records->wait_when_full();
    while (drain_inbound(tsc_time_us(rte_rdtsc())) != 0) {
    }
    sources_.expire(context_.final_clock_us.load(std::memory_order_acquire));
    // Datagrams still waiting for fragments will not get them: count them.
    if (reassembly_) reassembly_->expire(UINT64_MAX);
    sources_.close_all(static_cast<fingerprint::CloseReason>(context_.finish_reason.load(std::memory_order_acquire)));
    context_.acknowledged_phase.store(static_cast<int>(WorkerPhase::finished), std::memory_order_release);
}

}  // namespace

int worker_main(void* argument) {
    auto& context = *static_cast<WorkerContext*>(argument);
    Worker worker(context);
    worker.run();
    return 0;
}

}  // namespace sipscope::lcore
