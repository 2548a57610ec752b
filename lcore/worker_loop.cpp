// The worker lcore loop: poll → decode → hand off or own → parse → flow
// update → free; periodically expire idle flows. Nothing else lives here.
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
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "flow_state.hpp"
#include "frame_decoder.hpp"
#include "sip_message.hpp"

namespace sipscope::lcore {

namespace {

constexpr unsigned kBurst = 32;
constexpr unsigned kHousekeepingPasses = 1024;  // loop passes between expiry sweeps
constexpr unsigned kIdlePassesBeforeSleep = 1024;
// Largest frame the parser looks at when a packet spans several mbufs
// (jumbo frames); longer frames are parsed on their first 9 KiB.
constexpr uint32_t kLinearFrameBytes = 9728;
// The tool database is matched on the first request's values (which later
// requests may blur: extensions of changing length shift every character
// after them), once the fingerprint has settled over this many requests,
// and when the flow closes. The first match is made lazily, just before
// the second request is merged: in a spoofed-source flood every packet is a
// first request, and a match costs more than the rest of the packet — those
// sources are matched once, at close.
constexpr uint32_t kRematchAfterPackets = 8;
// A flow that found the fingerprint pool empty: do not try again per packet.
constexpr uint32_t kFingerprintRefused = fingerprint::FlowState::kNoFingerprint - 1;

using fingerprint::CloseReason;
using fingerprint::FlowState;
using parser::DecodedFrame;
using parser::FrameOutcome;
using parser::SipMessage;
using parser::SipOutcome;

// Is this packet a transport-level probe of a SIP port (no SIP message in
// it)? Returns the fingerprint::ProbeKind, or -1.
int probe_kind_of(const DecodedFrame& frame, SipOutcome outcome) {
    if (frame.destination_port != 5060 && frame.destination_port != 5061) return -1;
    if (frame.transport == parser::Transport::udp) {
        return static_cast<int>(outcome == SipOutcome::empty_payload ? fingerprint::ProbeKind::udp_empty
                                                                     : fingerprint::ProbeKind::udp_not_sip);
    }
    // TCP: a connection attempt (SYN without ACK) and nothing else; segments
    // of a stream that is not SIP at its start are not probes.
    if (frame.transport == parser::Transport::tcp && (frame.tcp_flags & 0x12) == 0x02 && frame.payload_length == 0)
        return static_cast<int>(fingerprint::ProbeKind::tcp_syn);
    return -1;
}

// Sampled stage timing: on 1 burst with packets in kStageSampleBursts (the
// first one included), reads the TSC between stages and charges each
// interval to its stage; on the others, does nothing (not even read the TSC).
class StageTimer {
public:
    explicit StageTimer(exporter::WorkerCounters& counters) : counters_(counters) {}
    // Before polling: starts the clock if the next burst with packets is
    // to be sampled.
    void begin_burst() {
        if (sampling_) last_ = rte_rdtsc();
    }
    // After a burst with packets was processed: decides about the next one.
    void end_burst() { sampling_ = ++bursts_ % exporter::kStageSampleBursts == 0; }
    // Charges the time since the last lap to `stage`.
    void lap(exporter::WorkerStage stage) {
        if (!sampling_) return;
        uint64_t now = rte_rdtsc();
        counters_.stage_cycles[static_cast<std::size_t>(stage)].add(now - last_);
        last_ = now;
    }
    void count(exporter::WorkerStage stage, unsigned packets) {
        if (sampling_) counters_.stage_packets[static_cast<std::size_t>(stage)].add(packets);
    }

private:
    exporter::WorkerCounters& counters_;
    uint64_t bursts_ = 0;
    uint64_t last_ = 0;
    bool sampling_ = true;
};

// One packet being processed by its owner.
struct OwnedPacket {
    rte_mbuf* mbuf;
    const uint8_t* data;
    uint32_t length;
    uint64_t time_us;
    DecodedFrame frame;
};

class Worker {
public:
    explicit Worker(WorkerContext& context)
        : context_(context),
          counters_(*context.counters),
          stages_(*context.counters),
          flows_(*context.flows),
          details_(*context.details),
          linear_(std::make_unique<std::array<std::array<uint8_t, kLinearFrameBytes>, kBurst>>()),
          messages_(std::make_unique<std::array<SipMessage, kBurst>>()),
          pending_handoffs_(context.handoff_rings.size()),
          pending_counts_(context.handoff_rings.size(), 0),
          wait_when_records_full_(context.wait_when_records_full) {}

    void run();

private:
    uint64_t tsc_time_us(uint64_t tsc) const {
        const auto& clock = context_.clock;
        return clock.wall_us_at_start + (tsc - clock.tsc_at_start) * 1000000u / clock.tsc_hz;
    }
    uint64_t packet_time_us(const rte_mbuf* mbuf, uint64_t fallback_us) const {
        const auto& clock = context_.clock;
        if (clock.use_packet_timestamps && (mbuf->ol_flags & clock.timestamp_flag)) {
            return *RTE_MBUF_DYNFIELD(mbuf, clock.timestamp_offset, const uint64_t*);
        }
        return fallback_us;
    }
    // Bytes of the frame, contiguous: the mbuf's own data, or a copy into
    // this slot's buffer when the frame spans several segments.
    const uint8_t* frame_bytes(rte_mbuf* mbuf, unsigned slot, uint32_t& length) {
        if (mbuf->nb_segs == 1) {
            length = mbuf->data_len;
            return rte_pktmbuf_mtod(mbuf, const uint8_t*);
        }
        length = std::min<uint32_t>(mbuf->pkt_len, kLinearFrameBytes);
        return static_cast<const uint8_t*>(rte_pktmbuf_read(mbuf, 0, length, (*linear_)[slot].data()));
    }

    unsigned poll_ports(uint64_t now_us);
    unsigned drain_inbound(uint64_t now_us);
    void process_owned(OwnedPacket* packets, unsigned count);
    void hand_off(unsigned owner, rte_mbuf* mbuf);
    void flush_handoffs();
    void emit(const FlowState& flow, CloseReason reason);
    void check_alerts(FlowState& flow, const OwnedPacket& packet, const SipMessage& message);
    void emit_alert(const FlowState& flow, fingerprint::AlertKind kind, uint8_t subject, uint32_t threshold, uint32_t count);
    bool take_record(fingerprint::FlowRecord*& record);
    void send_record(fingerprint::FlowRecord* record);
    void send_progress(const FlowState& flow);
    void identify(FlowState& flow, const fingerprint::HeaderFingerprint& fingerprint);
    void fingerprint_request(FlowState& flow, const OwnedPacket& packet, const SipMessage& message);
    void expire_idle();
    void finish();

    WorkerContext& context_;
    exporter::WorkerCounters& counters_;
    StageTimer stages_;
    fingerprint::FlowTable& flows_;
    fingerprint::FlowDetailPool& details_;
    std::unique_ptr<std::array<std::array<uint8_t, kLinearFrameBytes>, kBurst>> linear_;
    std::unique_ptr<std::array<SipMessage, kBurst>> messages_;
    std::vector<std::array<rte_mbuf*, kBurst>> pending_handoffs_;
    std::vector<unsigned> pending_counts_;
    std::array<OwnedPacket, kBurst> owned_{};
    uint64_t latest_packet_us_ = 0;  // newest packet time this worker processed
    // Replay, and every shutdown: the control lcore is draining, so waiting
    // loses nothing. Live traffic: drop and count rather than stall.
    bool wait_when_records_full_ = false;
};

void Worker::run() {
    unsigned passes = 0;
    unsigned idle_passes = 0;
    uint64_t last_tsc = rte_rdtsc();
    for (;;) {
        auto phase = static_cast<WorkerPhase>(context_.requested_phase.load(std::memory_order_acquire));
        if (phase == WorkerPhase::finish) {
            finish();
            return;
        }
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
        stages_.count(exporter::WorkerStage::rx, received);
        received_total += received;
        uint64_t bytes = 0;
        unsigned owned = 0;
        for (unsigned i = 0; i < received; ++i) {
            if (i + 1 < received) rte_prefetch0(rte_pktmbuf_mtod(mbufs[i + 1], void*));
            rte_mbuf* mbuf = mbufs[i];
            bytes += mbuf->pkt_len;
            uint64_t time_us = packet_time_us(mbuf, now_us);
            dispatched_until = std::max(dispatched_until, time_us);
            uint32_t length = 0;
            const uint8_t* data = frame_bytes(mbuf, i, length);
            DecodedFrame frame = parser::decode_frame({data, length});
            // The owner is the requesting address: the destination of a
            // SIP response, the source of anything else (DESIGN.md rule 1).
            if (frame.has_addresses()) {
                bool response = frame.payload_length >= 8 && std::memcmp(frame.payload, "SIP/2.0 ", 8) == 0;
                unsigned owner = context_.owner->owner(response ? frame.destination : frame.source);
                if (owner != context_.index) {
                    hand_off(owner, mbuf);
                    continue;
                }
            }
            owned_[owned++] = OwnedPacket{mbuf, data, length, time_us, frame};
        }
        counters_.rx_packets[queue.port_id].add(received);
        counters_.rx_bytes[queue.port_id].add(bytes);
        flush_handoffs();
        stages_.lap(exporter::WorkerStage::rx);
        process_owned(owned_.data(), owned);
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
    stages_.count(exporter::WorkerStage::rx, received);
    counters_.handoff_received.add(received);
    for (unsigned i = 0; i < received; ++i) {
        rte_mbuf* mbuf = mbufs[i];
        uint32_t length = 0;
        const uint8_t* data = frame_bytes(mbuf, i, length);
        owned_[i] = OwnedPacket{mbuf, data, length, packet_time_us(mbuf, now_us), parser::decode_frame({data, length})};
    }
    stages_.lap(exporter::WorkerStage::rx);
    process_owned(owned_.data(), received);
    stages_.end_burst();
    return received;
}

void Worker::hand_off(unsigned owner, rte_mbuf* mbuf) {
    auto& pending = pending_handoffs_[owner];
    unsigned& count = pending_counts_[owner];
    pending[count++] = mbuf;
    if (count == kBurst) flush_handoffs();
}

void Worker::flush_handoffs() {
    for (unsigned owner = 0; owner < pending_counts_.size(); ++owner) {
        unsigned count = pending_counts_[owner];
        if (count == 0) continue;
        auto& pending = pending_handoffs_[owner];
        unsigned sent = rte_ring_enqueue_burst(context_.handoff_rings[owner], reinterpret_cast<void* const*>(pending.data()), count, nullptr);
        if (sent < count) {
            rte_pktmbuf_free_bulk(pending.data() + sent, count - sent);
            counters_.handoff_dropped.add(count - sent);
        }
        counters_.handoff_sent.add(sent);
        pending_counts_[owner] = 0;
    }
}

// The stage timer's burst clock is running (when sampled) on entry.
void Worker::process_owned(OwnedPacket* packets, unsigned count) {
    if (count == 0) return;
    auto& messages = *messages_;
    // Stage 1: count frame outcomes, parse SIP, collect flow keys (SIP
    // messages, and transport-level probes of SIP ports).
    std::array<const parser::IpAddress*, kBurst> keys{};
    std::array<unsigned, kBurst> key_slot;
    std::array<int8_t, kBurst> probe_kind;  // -1: a SIP message
    unsigned key_count = 0;
    for (unsigned i = 0; i < count; ++i) {
        OwnedPacket& packet = packets[i];
        counters_.frames_by_outcome[static_cast<std::size_t>(packet.frame.outcome)].increment();
        if (packet.frame.outcome != FrameOutcome::ok) continue;
        if (packet.frame.is_first_fragment) counters_.first_fragments.increment();
        SipMessage& message = messages[i];
        SipOutcome outcome = parser::parse_sip_message(packet.frame.payload_span(), message);
        counters_.payloads_by_sip_outcome[static_cast<std::size_t>(outcome)].increment();
        if (!message.is_sip()) {
            int kind = probe_kind_of(packet.frame, outcome);
            if (kind >= 0) {
                counters_.probes[static_cast<std::size_t>(kind)].increment();
                keys[key_count] = &packet.frame.source;
                probe_kind[key_count] = static_cast<int8_t>(kind);
                key_slot[key_count++] = i;
            }
            continue;
        }
        probe_kind[key_count] = -1;
        counters_.sip_packets.increment();
        counters_.sip_bytes.add(packet.mbuf->pkt_len);
        if (outcome == SipOutcome::request) {
            counters_.requests_by_method[static_cast<std::size_t>(message.method)].increment();
            keys[key_count] = &packet.frame.source;
        } else {
            unsigned status_class = message.status_code / 100;
            if (status_class >= 1 && status_class <= fingerprint::kResponseClassCount)
                counters_.responses_by_class[status_class - 1].increment();
            keys[key_count] = &packet.frame.destination;
        }
        for (uint32_t bits = message.violations; bits != 0; bits &= bits - 1) {
            counters_.violations[static_cast<std::size_t>(__builtin_ctz(bits))].increment();
        }
        key_slot[key_count++] = i;
    }
    stages_.lap(exporter::WorkerStage::parse);
    stages_.count(exporter::WorkerStage::parse, count);
    stages_.count(exporter::WorkerStage::flow, key_count);
    stages_.count(exporter::WorkerStage::fingerprint, key_count);
    // Stage 2: one bulk lookup for the burst.
    std::array<int32_t, kBurst> positions;
    flows_.lookup_bulk(keys.data(), key_count, positions.data());
    // Stage 3: update flows.
    auto on_close = [this](const FlowState& flow, CloseReason reason) { emit(flow, reason); };
    for (unsigned k = 0; k < key_count; ++k) {
        OwnedPacket& packet = packets[key_slot[k]];
        const SipMessage& message = messages[key_slot[k]];
        bool opened = false;
        FlowState& flow = flows_.acquire(*keys[k], positions[k], packet.time_us, opened, on_close);
        if (opened) {
            counters_.flows_opened.increment();
            counters_.flows_active.add(1);
            counters_.active_by_tool[0].increment();  // unknown until named
        }
        if (probe_kind[k] >= 0) {
            fingerprint::account_probe(flow, packet.frame, static_cast<fingerprint::ProbeKind>(probe_kind[k]));
            stages_.lap(exporter::WorkerStage::flow);
        } else if (message.outcome == SipOutcome::request) {
            fingerprint::account_request(flow, packet.frame, message, packet.mbuf->pkt_len);
            stages_.lap(exporter::WorkerStage::flow);
            fingerprint_request(flow, packet, message);
            check_alerts(flow, packet, message);
            stages_.lap(exporter::WorkerStage::fingerprint);
        } else {
            fingerprint::account_response(flow, message);
            stages_.lap(exporter::WorkerStage::flow);
            if (flow.fingerprint_slot < kFingerprintRefused)
                details_.at(flow.fingerprint_slot).intent.observe_response(message, packet.frame);
            stages_.lap(exporter::WorkerStage::fingerprint);
        }
        latest_packet_us_ = std::max(latest_packet_us_, packet.time_us);
    }
    counters_.packet_clock_us.set(latest_packet_us_);
    std::array<rte_mbuf*, kBurst> done;
    for (unsigned i = 0; i < count; ++i) done[i] = packets[i].mbuf;
    rte_pktmbuf_free_bulk(done.data(), count);
    stages_.lap(exporter::WorkerStage::rx);
}

void Worker::identify(FlowState& flow, const fingerprint::HeaderFingerprint& fingerprint) {
    fingerprint::ToolMatch match = context_.tools->match(fingerprint, *context_.tool_scratch);
    counters_.tool_matches.increment();
    // Keep the best identification of the flow's life: aggregation can blur
    // a template (extensions of changing length shift every character after
    // them), so a later match may see less than an earlier one. A later
    // match wins when it is complete where the earlier was not, or equally
    // complete and at least as confident (e.g. svcrack's first REGISTER has
    // no Authorization yet; its later ones complete the rule).
    if (match.tool < 0) return;
    bool better = flow.tool < 0 || (match.complete && !flow.tool_complete) ||
                  (match.complete == flow.tool_complete && match.confidence >= flow.tool_confidence);
    if (!better) return;
    // Move the flow between the per-tool gauges (slot 0: unknown).
    uint32_t old_slot = static_cast<uint32_t>(flow.tool + 1), new_slot = static_cast<uint32_t>(match.tool + 1);
    if (old_slot != new_slot && new_slot < counters_.tool_slots) {
        counters_.active_by_tool[old_slot].set(counters_.active_by_tool[old_slot].read() - 1);
        counters_.active_by_tool[new_slot].increment();
    }
    flow.tool = static_cast<int16_t>(match.tool);
    flow.tool_complete = match.complete;
    flow.tool_confidence = match.confidence;
}

void Worker::fingerprint_request(FlowState& flow, const OwnedPacket& packet, const SipMessage& message) {
    if (flow.fingerprint_slot == kFingerprintRefused) return;
    if (flow.fingerprint_slot == FlowState::kNoFingerprint) {
        uint32_t slot = details_.acquire();
        if (slot == fingerprint::FlowDetailPool::kNone) {
            flow.fingerprint_slot = kFingerprintRefused;
            counters_.fingerprints_unavailable.increment();
            return;
        }
        flow.fingerprint_slot = slot;
    }
    fingerprint::FlowDetail& detail = details_.at(flow.fingerprint_slot);
    if (detail.fingerprint.offer(context_.fingerprint_sampling)) {
        if (detail.fingerprint.packets == 1) identify(flow, detail.fingerprint);  // the first request, still unblurred
        fingerprint::aggregate(detail.fingerprint, message, fingerprint::PacketEndpoints::of(packet.frame));
        if (detail.fingerprint.packets == kRematchAfterPackets) identify(flow, detail.fingerprint);
    }
    detail.scan.observe(packet.frame);
    detail.intent.observe_request(message);
}

void Worker::check_alerts(FlowState& flow, const OwnedPacket& packet, const SipMessage& message) {
    const fingerprint::AlertPolicy& policy = *context_.alerts;
    // Progress of heavy flows for the top-sources view: log2 of the flow's
    // requests records per flow, never a record per packet.
    if (flow.packets >= 64 && (flow.packets & (flow.packets - 1)) == 0) send_progress(flow);
    // Per-method thresholds, on requests to the alert destinations.
    std::size_t method = static_cast<std::size_t>(message.method);
    if (policy.method_minimum[method] != 0) {
        bool counted = policy.destinations.empty();
        for (const auto& network : policy.destinations) counted = counted || network.contains(packet.frame.destination);
        if (counted) {
            uint32_t count = ++flow.alert_requests[method];
            uint16_t bit = static_cast<uint16_t>(1u << method);
            if (count >= policy.method_minimum[method] && !(flow.method_alerts_raised & bit)) {
                flow.method_alerts_raised |= bit;
                emit_alert(flow, fingerprint::AlertKind::method_threshold, static_cast<uint8_t>(method),
                           policy.method_minimum[method], count);
            }
        }
    }
    // Behaviours. Evaluated on every request while the distinct counts are
    // exact and cheap, then every 16th (the estimate walks its registers).
    if (!policy.behaviours || flow.fingerprint_slot >= kFingerprintRefused) return;
    fingerprint::FlowDetail& detail = details_.at(flow.fingerprint_slot);
    if (detail.scan.destinations_estimated() && (flow.packets & 15) != 0) return;
    uint32_t invites = flow.requests_by_method[static_cast<std::size_t>(parser::SipMethod::invite)];
    uint8_t now = fingerprint::behaviours_of(detail.intent, detail.scan.distinct_destinations(), invites, policy.thresholds);
    uint8_t fresh = static_cast<uint8_t>(now & ~detail.intent.behaviours_raised);
    if (fresh == 0) return;
    detail.intent.behaviours_raised |= fresh;
    for (unsigned behaviour = 0; behaviour < fingerprint::kBehaviourCount; ++behaviour) {
        if (!(fresh & (1u << behaviour))) continue;
        uint32_t threshold = 0, count = 0;
        switch (static_cast<fingerprint::Behaviour>(behaviour)) {
            case fingerprint::Behaviour::horizontal_scan:
                threshold = policy.thresholds.horizontal_destinations;
                count = static_cast<uint32_t>(detail.scan.distinct_destinations());
                break;
            case fingerprint::Behaviour::extension_enumeration:
                threshold = policy.thresholds.enumeration_extensions;
                count = static_cast<uint32_t>(detail.intent.distinct_extensions());
                break;
            case fingerprint::Behaviour::credential_brute_force:
                threshold = policy.thresholds.brute_force_attempts;
                count = detail.intent.auth_attempts;
                break;
            case fingerprint::Behaviour::call_attempts:
                threshold = policy.thresholds.call_attempts;
                count = detail.intent.invites_to_numbers;
                break;
        }
        emit_alert(flow, fingerprint::AlertKind::behaviour, static_cast<uint8_t>(behaviour), threshold, count);
    }
}

void Worker::send_progress(const FlowState& flow) {
    // Progress is a convenience: never wait for it, even in replay.
    void* object = nullptr;
    if (rte_mempool_get(context_.record_pool, &object) != 0) return;
    auto* record = static_cast<fingerprint::FlowRecord*>(object);
    record->kind = fingerprint::RecordKind::progress;
    record->flow = flow;
    record->worker = static_cast<uint16_t>(context_.index);
    record->has_detail = false;
    if (rte_ring_sp_enqueue(context_.records, record) != 0) rte_mempool_put(context_.record_pool, record);
}

// Takes a record object from the pool. Replay and shutdown wait for the
// control lcore to return one; live traffic counts a drop instead.
bool Worker::take_record(fingerprint::FlowRecord*& record) {
    void* object = nullptr;
    while (rte_mempool_get(context_.record_pool, &object) != 0) {
        if (!wait_when_records_full_) {
            counters_.records_dropped.increment();
            return false;
        }
        rte_pause();
    }
    record = static_cast<fingerprint::FlowRecord*>(object);
    return true;
}

// Queues a filled record to the control lcore, by the same rule.
void Worker::send_record(fingerprint::FlowRecord* record) {
    while (rte_ring_sp_enqueue(context_.records, record) != 0) {
        if (!wait_when_records_full_) {
            rte_mempool_put(context_.record_pool, record);
            counters_.records_dropped.increment();
            return;
        }
        rte_pause();
    }
}

void Worker::emit_alert(const FlowState& flow, fingerprint::AlertKind kind, uint8_t subject, uint32_t threshold,
                        uint32_t count) {
    counters_.alerts[kind == fingerprint::AlertKind::behaviour ? subject : fingerprint::kBehaviourCount].increment();
    fingerprint::FlowRecord* record = nullptr;
    if (!take_record(record)) return;
    record->kind = fingerprint::RecordKind::alert;
    record->alert_kind = kind;
    record->alert_subject = subject;
    record->alert_threshold = threshold;
    record->alert_count = count;
    record->flow = flow;
    record->worker = static_cast<uint16_t>(context_.index);
    record->has_detail = flow.fingerprint_slot < kFingerprintRefused;
    if (record->has_detail) details_.at(flow.fingerprint_slot).copy_to(record->detail);
    send_record(record);
}

void Worker::emit(const FlowState& closing, CloseReason reason) {
    counters_.flows_closed[static_cast<std::size_t>(reason)].increment();
    counters_.flows_active.set(counters_.flows_active.read() - 1);
    // The final identification, on everything the flow sent. The slot goes
    // back to the pool at the end, whatever happens to the record.
    FlowState flow = closing;
    const fingerprint::FlowDetail* detail = nullptr;
    if (flow.fingerprint_slot < kFingerprintRefused) {
        detail = &details_.at(flow.fingerprint_slot);
        // Unless the eighth request just matched on exactly this fingerprint.
        if (detail->fingerprint.packets != kRematchAfterPackets) identify(flow, detail->fingerprint);
        counters_.closed_by_strategy[static_cast<std::size_t>(detail->scan.strategy())].increment();
    } else {
        counters_.closed_by_strategy[static_cast<std::size_t>(fingerprint::ScanStrategy::unknown)].increment();
    }
    struct ReleaseSlot {
        fingerprint::FlowDetailPool& pool;
        uint32_t slot;
        ~ReleaseSlot() {
            if (slot < kFingerprintRefused) pool.release(slot);
        }
    } release{details_, flow.fingerprint_slot};
    uint32_t tool_slot = static_cast<uint32_t>(flow.tool + 1);
    if (tool_slot < counters_.tool_slots) {
        counters_.closed_by_tool[tool_slot].increment();
        // The gauge counted the flow under the tool it had while open.
        uint32_t open_slot = static_cast<uint32_t>(closing.tool + 1);
        if (open_slot != tool_slot) {
            counters_.active_by_tool[open_slot].set(counters_.active_by_tool[open_slot].read() - 1);
            counters_.active_by_tool[tool_slot].increment();
        }
        counters_.active_by_tool[tool_slot].set(counters_.active_by_tool[tool_slot].read() - 1);
    }
    fingerprint::FlowRecord* record = nullptr;
    if (!take_record(record)) return;
    record->kind = fingerprint::RecordKind::closed_flow;
    record->flow = flow;
    record->flow.fingerprint_slot = FlowState::kNoFingerprint;
    record->reason = reason;
    record->worker = static_cast<uint16_t>(context_.index);
    record->has_detail = detail != nullptr;
    if (detail) detail->copy_to(record->detail);
    send_record(record);
}

void Worker::expire_idle() {
    if (context_.dispatch_clocks.empty()) return;  // no port is polled: nothing advances time
    uint64_t safe_us = UINT64_MAX;
    for (const auto* clock : context_.dispatch_clocks) safe_us = std::min(safe_us, clock->load(std::memory_order_acquire));
    // Everything handed to us before those clocks were published is in the
    // ring now: take it all before deciding any flow is idle.
    while (drain_inbound(tsc_time_us(rte_rdtsc())) != 0) {
    }
    flows_.expire(safe_us, [this](const FlowState& flow, CloseReason reason) { emit(flow, reason); });
}

void Worker::finish() {
    // No worker polls ports or hands off any more (the control lcore waited
    // for every acknowledgement before asking us to finish).
    wait_when_records_full_ = true;
    while (drain_inbound(tsc_time_us(rte_rdtsc())) != 0) {
    }
    auto on_close = [this](const FlowState& flow, CloseReason reason) { emit(flow, reason); };
    flows_.expire(context_.final_clock_us.load(std::memory_order_acquire), on_close);
    flows_.close_all(static_cast<CloseReason>(context_.finish_reason.load(std::memory_order_acquire)), on_close);
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
