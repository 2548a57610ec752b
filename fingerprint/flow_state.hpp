// What a flow knows: all SIP packets from one requesting address, closed
// after an inactivity timeout measured in packet time (DESIGN.md).
//
// FlowState lives in a worker's FlowTable and is written only by that
// worker. A closed flow is copied into a FlowRecord, which is the only form
// in which flow data leaves the worker (over its record ring).
#pragma once

#include "labelled_enum.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "frame_decoder.hpp"
#include "flow_detail_pool.hpp"
#include "ip_address.hpp"
#include "sip_message.hpp"

namespace sipscope::fingerprint {

#define SIPSCOPE_CLOSE_REASONS(X)          \
    X(idle_timeout, "idle_timeout")        \
    X(evicted, "evicted")                  \
    X(end_of_capture, "end_of_capture")    \
    X(shutdown, "shutdown")

SIPSCOPE_LABELLED_ENUM(CloseReason, SIPSCOPE_CLOSE_REASONS, kCloseReasonCount, kCloseReasonLabels)

// Transport-level probes: packets to a SIP port (5060, 5061) that carry no
// SIP message. A pure port scanner of SIP ports shows only these.
#define SIPSCOPE_PROBE_KINDS(X) X(udp_empty, "udp_empty") X(udp_not_sip, "udp_not_sip") X(tcp_syn, "tcp_syn")
SIPSCOPE_LABELLED_ENUM(ProbeKind, SIPSCOPE_PROBE_KINDS, kProbeKindCount, kProbeKindLabels)

// Response classes 1xx…6xx, index 0 for 1xx.
#define SIPSCOPE_RESPONSE_CLASSES(X) \
    X(informational, "1xx") X(success, "2xx") X(redirection, "3xx") X(client_error, "4xx") X(server_error, "5xx") \
    X(global_failure, "6xx")
SIPSCOPE_LABELLED_ENUM(ResponseClass, SIPSCOPE_RESPONSE_CLASSES, kResponseClassCount, kResponseClassLabels)

struct FlowState {
    // --- hot: touched by every packet of the flow
    parser::IpAddress source;          // the requesting address (the key)
    uint64_t first_seen_us = 0;        // packet time, µs since the epoch
    uint64_t last_seen_us = 0;
    uint64_t requests = 0;             // SIP requests sent by the source (events: flow.packets)
    uint64_t bytes = 0;                // their frame bytes
    uint32_t responses = 0;            // SIP responses sent to the source
    uint32_t lru_previous = 0;         // FlowTable's idle list (indices)
    uint32_t lru_next = 0;
    // --- warm
    std::array<uint32_t, parser::kSipMethodCount> requests_by_method{};
    std::array<uint32_t, kResponseClassCount> responses_by_class{};
    uint32_t violations_seen = 0;      // union of parser::SipViolation bits
    // Requests that count towards method alerts (to the alert destinations).
    std::array<uint32_t, parser::kSipMethodCount> alert_requests{};
    std::array<uint32_t, kProbeKindCount> probes{};
    // --- the first request, for the EVE-style top-level fields
    parser::IpAddress first_destination;
    uint16_t first_source_port = 0;
    uint16_t first_destination_port = 0;
    parser::Transport transport = parser::Transport::none;
    // --- detail storage and tool (set by the owning worker's SourceTracker)
    static constexpr uint32_t kNoDetail = UINT32_MAX;          // not asked for yet
    static constexpr uint32_t kDetailRefused = UINT32_MAX - 1;  // the pool was empty: not asked again
    uint32_t detail_slot = kNoDetail;  // index in the worker's FlowDetailPool, or one of the above
    bool has_detail() const { return detail_slot < kDetailRefused; }
    int16_t tool = -1;                            // ToolRegistry slot (the ToolDatabase index until a reload), -1 = unknown
    bool tool_complete = false;
    float tool_confidence = 0;
    uint16_t method_alerts_raised = 0;            // bits of parser::SipMethod already alerted
    // --- reporting
    uint64_t flow_id = 0;          // unique per sensor and run (SourceTracker::next_flow_id)
    uint32_t active_reports = 0;   // interim records sent so far (--active-timeout)

    // What the source sent: SIP requests and transport-level probes.
    uint64_t packets_sent() const { return requests + probes[0] + probes[1] + probes[2]; }
};

// What a record on the ring to the control lcore is.
// progress: a heavy flow reached a power-of-two request count (64, 128, …),
// so that the control lcore's view of the top sources stays current.
// active_flow: an interim record of a flow still open (--active-timeout),
// so that a scan that lasts hours is visible while it runs.
enum class RecordKind : uint8_t { closed_flow, alert, progress, active_flow };
// Which alert: a behaviour (fingerprint::Behaviour) or a per-method count.
enum class AlertKind : uint8_t { behaviour, method_threshold };

// An operator's alert policy, as a flow-based detector configures it.
struct AlertPolicy {
    // Per method: alert once a source sent this many requests (0: off),
    // counting only requests to `destinations` when that is not empty.
    std::array<uint32_t, parser::kSipMethodCount> method_minimum{};
    std::vector<parser::IpNetwork> destinations;
    // Sources that place calls legitimately (the operator's PBXs, SBCs):
    // never flagged for call attempts.
    std::vector<parser::IpNetwork> trusted;
    bool behaviours = true;
    BehaviourThresholds thresholds;
};

// A closed flow, an interim record of an open one, or an alert, on its way
// to the control lcore.
struct FlowRecord {
    RecordKind kind = RecordKind::closed_flow;
    AlertKind alert_kind = AlertKind::behaviour;
    uint8_t alert_subject = 0;    // the Behaviour or the SipMethod
    uint32_t alert_threshold = 0;
    uint32_t alert_count = 0;
    FlowState flow;
    CloseReason reason = CloseReason::idle_timeout;
    uint16_t worker = 0;
    bool has_detail = false;  // false: no SIP request, or the pool was empty
    FlowDetail detail;
};
// A record's head: what every record carries and is written and read
// whole (kind, alert, the flow, reason, worker, has_detail); the detail
// only in records of flows that have one.
inline constexpr std::size_t kFlowRecordHeadBytes = offsetof(FlowRecord, detail);

// Starts a flow for `source` at packet time `now_us`.
void reset_flow(FlowState& flow, const parser::IpAddress& source, uint64_t now_us);

// Adds one SIP request sent by the flow's source.
void account_request(FlowState& flow, const parser::DecodedFrame& frame,
                     const parser::SipMessage& message, uint32_t frame_bytes);

// Adds one transport-level probe sent by the flow's source.
void account_probe(FlowState& flow, const parser::DecodedFrame& frame, ProbeKind kind);

// Adds one SIP response sent to the flow's source.
void account_response(FlowState& flow, const parser::SipMessage& message);

}  // namespace sipscope::fingerprint
