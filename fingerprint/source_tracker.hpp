// Everything one worker knows and decides about sources: which flow a
// packet belongs to, when a flow gets detail storage, which tool it is,
// what behaviours and alerts it shows, the per-tool gauges, and the
// records it hands on (closed flows, alerts, progress of heavy flows).
//
// One per worker, owned by it (DESIGN.md rule 1): it owns the worker's
// flow table, detail pool, Hyperscan scratch and alert policy, and writes
// the worker's SourceCounters. Not thread-safe by design. Three calls:
// observe a burst of packets, expire idle flows at a packet time, close
// every flow. Records go to the RecordSink the worker provides. No EAL is
// needed beyond what the FlowTable's index needs (none with a test index).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "flow_detail_pool.hpp"
#include "flow_state.hpp"
#include "flow_table.hpp"
#include "record_sink.hpp"
#include "source_counters.hpp"
#include "stage_timer.hpp"
#include "tool_database.hpp"

namespace sipscope::fingerprint {

// A packet that belongs to a source, as the worker hands it over: a SIP
// request or response, or a transport-level probe of a SIP port.
struct SourcePacket {
    const parser::DecodedFrame* frame = nullptr;
    const parser::SipMessage* message = nullptr;  // request or response; nullptr: a probe
    ProbeKind probe = ProbeKind::udp_empty;       // what the probe was, when message is nullptr
    uint32_t frame_bytes = 0;
    uint64_t time_us = 0;                         // packet time
    bool is_response() const { return message && message->outcome == parser::SipOutcome::response; }
    // The flow's key: the requesting address — the destination of a
    // response, the source of anything else (DESIGN.md rule 1).
    const parser::IpAddress& requester() const { return is_response() ? frame->destination : frame->source; }
};

struct TrackerSettings {
    uint16_t worker = 0;                // stamped on records
    uint32_t fingerprint_sampling = 1;  // settled templates merge 1 request in this many
    AlertPolicy alerts;
    // An open flow is reported (RecordKind::active_flow) once this much
    // packet time has passed since its start or its last report; 0: never.
    uint64_t active_timeout_us = 0;
    std::string home_region;            // --home-country: how numbers dialled without a prefix read
};

class SourceTracker {
public:
    static constexpr unsigned kMaxBurst = FlowTable::kMaxBulk;
    // The tool database is matched on the first request's values (which
    // later requests may blur: extensions of changing length shift every
    // character after them), once the fingerprint has settled over this
    // many requests, and when the flow closes. The first match is made
    // lazily, just before the second request is merged: in a spoofed-source
    // flood every packet is a first request, and a match costs more than the
    // rest of the packet — those sources are matched once, at close. A flow
    // without a fingerprint (the detail pool was full) is matched once, on
    // its first request (ToolDatabase::match_request).
    static constexpr uint32_t kRematchAfterRequests = 8;
    // Heavy flows report progress (for the top-sources view) at every
    // power-of-two request count from this one: log2 records per flow.
    static constexpr uint64_t kFirstProgressRequests = 64;
    // Flow ids: the worker's index above a per-worker sequence, so that ids
    // are unique across workers without sharing a counter, and stay below
    // 2^53 (exact in every JSON reader). Up to 64 workers.
    static constexpr unsigned kFlowSequenceBits = 47;

    // `timer` (may be null) is charged the flow and fingerprint stages.
    SourceTracker(std::unique_ptr<FlowTable> flows, std::unique_ptr<FlowDetailPool> details, const ToolDatabase& tools,
                  TrackerSettings settings, SourceCounters& counters, RecordSink& sink, StageTimer* timer = nullptr);

    // Accounts each packet (at most kMaxBurst) to its source's flow,
    // opening flows (and closing idle or evicted ones) as needed.
    void observe(std::span<const SourcePacket> packets);
    // Closes every flow idle for longer than the timeout at `now_us`.
    void expire(uint64_t now_us);
    // Closes every open flow with `reason` (end of capture, shutdown).
    void close_all(CloseReason reason);

    // Matches with `tools` from now on, with `scratch` made by it (a
    // reloaded database). The caller keeps the old database alive until
    // this worker has passed a quiescent point after the call.
    void use_tools(const ToolDatabase& tools, std::unique_ptr<ToolScratch> scratch) {
        tools_ = &tools;
        scratch_ = std::move(scratch);
    }

    FlowTable& flows() { return *flows_; }
    const FlowDetailPool& details() const { return *details_; }

private:
    // What prefetch_detail fetches of a detail besides its scalars, index
    // and scan profile: the first entries of the template (a scanner's
    // headers) and the start of the intent (agents, numbers, counters).
    static constexpr std::size_t kPrefetchedEntries = 6;
    static constexpr std::size_t kPrefetchedIntentBytes = 128;
    void prefetch_flow(int32_t position);
    void prefetch_detail(int32_t position);
    void observe_probe(FlowState& flow, const SourcePacket& packet);
    void observe_request(FlowState& flow, const SourcePacket& packet);
    FlowDetail* admit(FlowState& flow);
    void identify(FlowState& flow, const HeaderFingerprint& fingerprint);
    void name_from_first_request(FlowState& flow, const SourcePacket& packet);
    void adopt(FlowState& flow, const ToolMatch& match, uint64_t hits, uint64_t misses);
    void name_by_packets(FlowState& flow, const ScanProfile& scan);
    void move_active_tool(int16_t from, int16_t to);
    void check_method_alert(FlowState& flow, const SourcePacket& packet);
    void check_behaviours(FlowState& flow);
    void raise_alert(const FlowState& flow, AlertKind kind, uint8_t subject, uint32_t threshold, uint32_t count);
    void send_progress(const FlowState& flow);
    void report_if_due(FlowState& flow, uint64_t now_us);
    void send_flow_record(const FlowState& flow, RecordKind kind, CloseReason reason);
    void close(const FlowState& flow, CloseReason reason);
    void lap(WorkerStage stage) {
        if (timer_) timer_->lap(stage);
    }

    std::unique_ptr<FlowTable> flows_;
    std::unique_ptr<FlowDetailPool> details_;
    const ToolDatabase* tools_;             // replaced on a reload (use_tools)
    std::unique_ptr<ToolScratch> scratch_;  // this worker's Hyperscan scratch for tools_
    const TrackerSettings settings_;
    SourceCounters& counters_;
    RecordSink& sink_;
    StageTimer* timer_;
    NumberPlan numbers_;                    // this worker's numbering-plan lookups and their cache
    uint64_t next_flow_id_;
};

// Behaviours a flow shows now, and for each the threshold and the count
// that crossed it (for alert records).
struct BehaviourEvidence {
    uint32_t threshold = 0;
    uint32_t count = 0;
};
BehaviourEvidence behaviour_evidence(Behaviour behaviour, const FlowDetail& detail, const BehaviourThresholds& thresholds);

}  // namespace sipscope::fingerprint
