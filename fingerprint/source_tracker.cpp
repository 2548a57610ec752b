// The per-source rules of a worker (see source_tracker.hpp). Worker lcore,
// hot path: no allocation once constructed.
#include "source_tracker.hpp"

#include "prefetch_lines.hpp"
#include "template_id.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace sipscope::fingerprint {

SourceTracker::SourceTracker(std::unique_ptr<FlowTable> flows, std::unique_ptr<FlowDetailPool> details,
                             const ToolDatabase& tools, TrackerSettings settings, SourceCounters& counters,
                             RecordSink& sink, StageTimer* timer)
    : flows_(std::move(flows)), details_(std::move(details)), tools_(&tools), scratch_(tools.make_scratch()),
      settings_(std::move(settings)), counters_(counters), sink_(sink), timer_(timer),
      numbers_(settings_.home_region, {&counters_.number_lookups, &counters_.numbers_over_budget}),
      next_flow_id_((static_cast<uint64_t>(settings_.worker) << kFlowSequenceBits) + 1) {
    counters_.flow_capacity.set(flows_->capacity());
    counters_.detail_capacity.set(details_->capacity());
}

void SourceTracker::observe(std::span<const SourcePacket> packets) {
    std::array<const parser::IpAddress*, kMaxBurst> keys{};
    std::array<int32_t, kMaxBurst> positions;
    unsigned count = static_cast<unsigned>(std::min<std::size_t>(packets.size(), kMaxBurst));
    for (unsigned i = 0; i < count; ++i) keys[i] = &packets[i].requester();
    flows_->lookup_bulk(keys.data(), count, positions.data());
    // A two-step prefetch pipeline: packet i + 2's flow, then (its detail
    // slot known by then) packet i + 1's detail, while packet i is done.
    for (unsigned i = 0; i < count && i < 2; ++i) prefetch_flow(positions[i]);
    if (count > 0) prefetch_detail(positions[0]);
    auto on_close = [this](const FlowState& flow, CloseReason reason) { close(flow, reason); };
    for (unsigned i = 0; i < count; ++i) {
        if (i + 2 < count) prefetch_flow(positions[i + 2]);
        if (i + 1 < count) prefetch_detail(positions[i + 1]);
        const SourcePacket& packet = packets[i];
        bool opened = false;
        FlowState& flow = flows_->acquire(*keys[i], positions[i], packet.time_us, opened, on_close);
        if (opened) {
            counters_.flows_opened.increment();
            counters_.flows_active.increment();
            counters_.active_by_tool[0].increment();  // unknown until named
            flow.flow_id = next_flow_id_++;
        }
        if (packet.message == nullptr) {
            account_probe(flow, *packet.frame, packet.probe);
            lap(WorkerStage::flow);
            observe_probe(flow, packet);
            lap(WorkerStage::fingerprint);
        } else if (packet.is_response()) {
            account_response(flow, *packet.message);
            lap(WorkerStage::flow);
            if (flow.has_detail()) {
                details_->at(flow.detail_slot).intent.observe_response(*packet.message, *packet.frame);
                check_behaviours(flow);  // a refusal or an acceptance can complete a behaviour
            }
            lap(WorkerStage::fingerprint);
        } else {
            account_request(flow, *packet.frame, *packet.message, packet.frame_bytes);
            lap(WorkerStage::flow);
            observe_request(flow, packet);
            lap(WorkerStage::fingerprint);
        }
        if (settings_.active_timeout_us != 0) report_if_due(flow, packet.time_us);
    }
    sink_.flush();
}

// On a telescope or an uplink thousands of sources interleave, and a
// request's flow and detail (7 KiB) are usually cold: their first reads
// (the template check, the scan profile) waited for memory. The lines a
// settled request reads are fetched one or two packets ahead instead. A
// position from the bulk lookup may be stale by then (an eviction in the
// burst): a prefetch of the wrong slot costs a little bandwidth, nothing else.
void SourceTracker::prefetch_flow(int32_t position) {
    if (position >= 0) prefetch_lines_for_writing(&flows_->at(position), sizeof(FlowState));
}

void SourceTracker::prefetch_detail(int32_t position) {
    if (position < 0) return;
    uint32_t slot = flows_->at(position).detail_slot;
    if (slot >= details_->capacity()) return;  // no detail (or refused)
    const FlowDetail& detail = details_->at(slot);
    const HeaderFingerprint& print = detail.fingerprint;
    prefetch_lines_for_writing(&print, kCacheLineBytes);
    prefetch_lines_for_writing(print.entries.data(), kPrefetchedEntries * sizeof(FingerprintEntry));  // a scanner's ~10 headers
    prefetch_lines_for_writing(&print.entry_of_header, sizeof print.entry_of_header);
    prefetch_lines_for_writing(&detail.scan, 2 * kCacheLineBytes);
    prefetch_lines_for_writing(&detail.intent, kPrefetchedIntentBytes);
}

// --active-timeout: like a flow exporter's active timeout, an open flow is
// reported every so often with what it has done so far (cumulative, under
// the same flow_id), so a scan that lasts hours shows while it runs. Due
// at start + k × timeout; a flow quiet for several periods is reported
// once when it speaks again, not once per missed period.
void SourceTracker::report_if_due(FlowState& flow, uint64_t now_us) {
    uint64_t due = flow.first_seen_us + (flow.active_reports + 1) * settings_.active_timeout_us;
    if (now_us < due) return;
    flow.active_reports = static_cast<uint32_t>((now_us - flow.first_seen_us) / settings_.active_timeout_us);
    send_flow_record(flow, RecordKind::active_flow, CloseReason::idle_timeout);
}

void SourceTracker::expire(uint64_t now_us) {
    flows_->expire(now_us, [this](const FlowState& flow, CloseReason reason) { close(flow, reason); });
    sink_.flush();
}

void SourceTracker::close_all(CloseReason reason) {
    flows_->close_all(reason, [this](const FlowState& flow, CloseReason why) { close(flow, why); });
    sink_.flush();
}

// Admission: a flow takes detail storage with its first SIP request or
// SIP-port probe (other traffic never opens a flow). When the pool is
// empty the flow goes without, is counted once, and does not ask again.
FlowDetail* SourceTracker::admit(FlowState& flow) {
    if (flow.has_detail()) return &details_->at(flow.detail_slot);
    if (flow.detail_slot == FlowState::kDetailRefused) return nullptr;
    uint32_t slot = details_->acquire();
    if (slot == FlowDetailPool::kNone) {
        flow.detail_slot = FlowState::kDetailRefused;
        counters_.details_unavailable.increment();
        return nullptr;
    }
    flow.detail_slot = slot;
    counters_.details_in_use.increment();
    FlowDetail& detail = details_->at(slot);
    // An operator's own PBXs and SBCs place calls for a living.
    for (const auto& network : settings_.alerts.trusted) {
        if (network.contains(flow.source)) detail.intent.trusted_caller = true;
    }
    return &detail;
}

// A port-only scan (empty or non-SIP UDP, TCP SYN to a SIP port) is a
// source too: its destinations make the same scan profile, strategy and
// horizontal-scan alert as requests do.
void SourceTracker::observe_probe(FlowState& flow, const SourcePacket& packet) {
    if (FlowDetail* detail = admit(flow)) {
        detail->scan.observe(*packet.frame);
        if (flow.tool < 0) name_by_packets(flow, detail->scan);
    }
    check_behaviours(flow);
}

// A raw-socket scanner is named by the marks its packets carry while no SIP
// fingerprint names it (probe_signature.hpp), with a lower confidence; a
// SIP match later replaces it if it is complete and as confident.
void SourceTracker::name_by_packets(FlowState& flow, const ScanProfile& scan) {
    int tool = tools_->tool_for_probe(scan.probe_signature());
    if (tool < 0) return;
    int16_t slot = tools_->slot_of(tool);
    move_active_tool(flow.tool, slot);
    flow.tool = slot;
    flow.tool_complete = true;
    flow.tool_confidence = kProbeConfidence;
}

void SourceTracker::observe_request(FlowState& flow, const SourcePacket& packet) {
    if (FlowDetail* detail = admit(flow)) {
        HeaderFingerprint& fingerprint = detail->fingerprint;
        // A settled template merges 1 request in N — and any request that
        // could change it (may_change), so sampling never changes the template.
        if (fingerprint.offer(settings_.fingerprint_sampling) || may_change(fingerprint, *packet.message)) {
            if (fingerprint.packets == 1) {  // the first request, still unblurred
                identify(flow, fingerprint);
                fingerprint.first_request_id = template_hash(fingerprint);
            }
            aggregate(fingerprint, *packet.message, PacketEndpoints::of(*packet.frame));
            if (fingerprint.packets == kRematchAfterRequests) identify(flow, fingerprint);
        }
        detail->scan.observe(*packet.frame);
        detail->intent.observe_request(*packet.message, numbers_, packet.time_us);
    } else if (flow.requests == 1) {
        name_from_first_request(flow, packet);
    }
    if (flow.requests >= kFirstProgressRequests && (flow.requests & (flow.requests - 1)) == 0) send_progress(flow);
    check_method_alert(flow, packet);
    check_behaviours(flow);
}

// A flow the detail pool had no room for is still named: on a telescope
// the pool fills with one-request sources long before the flow table does
// (16,384 details for 131,072 flows by default), and in a 1,000,000-source
// SIPVicious flood 87 % of the records said "unknown". Its first request is
// matched as the template it alone would make is matched
// (ToolDatabase::match_request); later requests keep that name (no
// template is kept for them to refine it).
void SourceTracker::name_from_first_request(FlowState& flow, const SourcePacket& packet) {
    uint64_t hits = scratch_->cache_hits(), misses = scratch_->cache_misses();
    ToolMatch match = tools_->match_request(*packet.message, PacketEndpoints::of(*packet.frame), *scratch_);
    adopt(flow, match, hits, misses);
}

// Keeps the best identification of the flow's life: aggregation can blur
// a template (extensions of changing length shift every character after
// them), so a later match may see less than an earlier one. A later match
// wins when it is complete where the earlier was not, or equally complete
// and at least as confident (e.g. svcrack's first REGISTER has no
// Authorization yet; its later ones complete the rule).
void SourceTracker::identify(FlowState& flow, const HeaderFingerprint& fingerprint) {
    uint64_t hits = scratch_->cache_hits(), misses = scratch_->cache_misses();
    adopt(flow, tools_->match(fingerprint, *scratch_), hits, misses);
}

// Counts a match (`hits` and `misses`: the value cache's before it) and
// keeps its tool if it is the better identification.
void SourceTracker::adopt(FlowState& flow, const ToolMatch& match, uint64_t hits, uint64_t misses) {
    counters_.tool_matches.increment();
    counters_.tool_values_cached.add(scratch_->cache_hits() - hits);
    counters_.tool_values_scanned.add(scratch_->cache_misses() - misses);
    if (match.tool < 0) return;
    bool better = flow.tool < 0 || (match.complete && !flow.tool_complete) ||
                  (match.complete == flow.tool_complete && match.confidence >= flow.tool_confidence);
    if (!better) return;
    // Flows, counters and names know a tool by its ToolRegistry slot.
    int16_t slot = tools_->slot_of(match.tool);
    move_active_tool(flow.tool, slot);
    flow.tool = slot;
    flow.tool_complete = match.complete;
    flow.tool_confidence = match.confidence;
}

// The per-tool gauge counts an open flow under the tool it has now (slot 0:
// unknown, tool i at slot i + 1).
void SourceTracker::move_active_tool(int16_t from, int16_t to) {
    uint32_t from_slot = static_cast<uint32_t>(from + 1), to_slot = static_cast<uint32_t>(to + 1);
    if (from_slot == to_slot || from_slot >= counters_.tool_slots || to_slot >= counters_.tool_slots) return;
    counters_.active_by_tool[from_slot].decrement();
    counters_.active_by_tool[to_slot].increment();
}

// Per-method thresholds, on requests to the alert destinations.
void SourceTracker::check_method_alert(FlowState& flow, const SourcePacket& packet) {
    const AlertPolicy& policy = settings_.alerts;
    std::size_t method = static_cast<std::size_t>(packet.message->method);
    if (policy.method_minimum[method] == 0) return;
    bool counted = policy.destinations.empty();
    for (const auto& network : policy.destinations) counted = counted || network.contains(packet.frame->destination);
    if (!counted) return;
    uint32_t count = ++flow.alert_requests[method];
    uint16_t bit = static_cast<uint16_t>(1u << method);
    if (count < policy.method_minimum[method] || (flow.method_alerts_raised & bit)) return;
    flow.method_alerts_raised |= bit;
    raise_alert(flow, AlertKind::method_threshold, static_cast<uint8_t>(method), policy.method_minimum[method], count);
}

BehaviourEvidence behaviour_evidence(Behaviour behaviour, const FlowDetail& detail, const BehaviourThresholds& thresholds) {
    switch (behaviour) {
        case Behaviour::horizontal_scan:
            return {thresholds.horizontal_destinations, static_cast<uint32_t>(detail.scan.distinct_destinations())};
        case Behaviour::extension_enumeration:
            return {thresholds.enumeration_extensions, static_cast<uint32_t>(detail.intent.distinct_extensions())};
        case Behaviour::credential_brute_force:
            return {thresholds.brute_force_attempts, detail.intent.auth_attempts_counted()};
        case Behaviour::password_spraying:
            return {thresholds.spraying_usernames, static_cast<uint32_t>(detail.intent.distinct_usernames.count())};
        case Behaviour::credential_found:
            return {thresholds.found_after_failures, detail.intent.failures_before_success};
        case Behaviour::call_attempts:
            // Whichever crossed: international or premium calls, distinct
            // numbers, or the forms one number was dialled in.
            if (detail.intent.toll_invites >= thresholds.call_attempts)
                return {thresholds.call_attempts, detail.intent.toll_invites};
            if (detail.intent.distinct_numbers.count() >= thresholds.call_numbers)
                return {thresholds.call_numbers, static_cast<uint32_t>(detail.intent.distinct_numbers.count())};
            return {thresholds.call_dial_forms, detail.intent.most_dial_forms};
    }
    return {};
}

// Behaviours. Evaluated on every request while the distinct counts are
// exact and cheap, then every 16th (the estimate walks its registers).
// Each behaviour raises one alert per flow, the first time it shows.
void SourceTracker::check_behaviours(FlowState& flow) {
    const AlertPolicy& policy = settings_.alerts;
    if (!policy.behaviours || !flow.has_detail()) return;
    FlowDetail& detail = details_->at(flow.detail_slot);
    if (detail.scan.destinations_estimated() && (flow.packets_sent() & 15) != 0) return;
    uint32_t invites = flow.requests_by_method[static_cast<std::size_t>(parser::SipMethod::invite)];
    uint8_t now = behaviours_of(detail.intent, detail.scan.distinct_destinations(), invites, policy.thresholds);
    uint8_t fresh = static_cast<uint8_t>(now & ~detail.intent.behaviours_raised);
    if (fresh == 0) return;
    detail.intent.behaviours_raised |= fresh;
    for (unsigned behaviour = 0; behaviour < kBehaviourCount; ++behaviour) {
        if (!(fresh & (1u << behaviour))) continue;
        BehaviourEvidence evidence = behaviour_evidence(static_cast<Behaviour>(behaviour), detail, policy.thresholds);
        raise_alert(flow, AlertKind::behaviour, static_cast<uint8_t>(behaviour), evidence.threshold, evidence.count);
    }
}

void SourceTracker::raise_alert(const FlowState& flow, AlertKind kind, uint8_t subject, uint32_t threshold,
                                uint32_t count) {
    counters_.alerts[kind == AlertKind::behaviour ? subject : kMethodAlertSlot].increment();
    FlowRecord* record = sink_.take(RecordKind::alert);
    if (record == nullptr) return;
    record->kind = RecordKind::alert;
    record->alert_kind = kind;
    record->alert_subject = subject;
    record->alert_threshold = threshold;
    record->alert_count = count;
    record->flow = flow;
    record->worker = settings_.worker;
    record->has_detail = flow.has_detail();
    if (record->has_detail) details_->at(flow.detail_slot).copy_to(record->detail);
    sink_.send(record);
}

// Progress is a convenience for the top-sources view: best effort.
void SourceTracker::send_progress(const FlowState& flow) {
    FlowRecord* record = sink_.take(RecordKind::progress);
    if (record == nullptr) return;
    record->kind = RecordKind::progress;
    record->flow = flow;
    record->worker = settings_.worker;
    record->has_detail = false;
    sink_.send(record);
}

// A flow closes: its final identification (on everything it sent), the
// counters and gauges, its record; the detail slot goes back to the pool
// whatever happens to the record.
void SourceTracker::close(const FlowState& closing, CloseReason reason) {
    counters_.flows_closed[static_cast<std::size_t>(reason)].increment();
    counters_.flows_active.decrement();
    FlowState flow = closing;
    const FlowDetail* detail = flow.has_detail() ? &details_->at(flow.detail_slot) : nullptr;
    ScanStrategy strategy = ScanStrategy::unknown;
    if (detail) {
        // Unless the eighth request just matched on exactly this fingerprint
        // (or there is none: a port-only scan).
        uint32_t merged = detail->fingerprint.packets;
        if (merged != 0 && merged != kRematchAfterRequests) identify(flow, detail->fingerprint);
        if (flow.tool < 0) name_by_packets(flow, detail->scan);
        strategy = detail->scan.strategy();
    }
    counters_.closed_by_strategy[static_cast<std::size_t>(strategy)].increment();
    uint32_t tool_slot = static_cast<uint32_t>(flow.tool + 1);
    if (tool_slot < counters_.tool_slots) {
        counters_.closed_by_tool[tool_slot].increment();
        counters_.active_by_tool[tool_slot].decrement();
    }
    send_flow_record(flow, RecordKind::closed_flow, reason);
    if (detail) {
        details_->release(flow.detail_slot);
        counters_.details_in_use.decrement();
    }
}

// A flow's record (closed or interim): the flow, and its detail when it has
// one. An interim record carries the tool as named so far: it adds no
// match point (the template may be half-blurred at that moment, and a
// match keeps its name until a better one), so reporting a flow early
// never changes what its final record says.
void SourceTracker::send_flow_record(const FlowState& flow, RecordKind kind, CloseReason reason) {
    const FlowDetail* detail = flow.has_detail() ? &details_->at(flow.detail_slot) : nullptr;
    FlowRecord* record = sink_.take(kind);
    if (record == nullptr) return;
    record->kind = kind;
    record->flow = flow;
    record->flow.detail_slot = FlowState::kNoDetail;
    record->reason = reason;
    record->worker = settings_.worker;
    record->has_detail = detail != nullptr;
    if (detail) detail->copy_to(record->detail);
    sink_.send(record);
}

}  // namespace sipscope::fingerprint
