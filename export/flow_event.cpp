// sip_scan_flow events.
#include "flow_event.hpp"

#include <string_view>

#include "community_id.hpp"
#include "template_id.hpp"

namespace sipscope::exporter {

JsonObject& begin_event(JsonObject& event, uint64_t timestamp_us, std::string_view event_type,
                        const FlowEventContext& context) {
    return event.field("timestamp", rfc3339(timestamp_us).view())
        .field("event_type", event_type)
        .field("schema_version", kEventSchemaVersion)
        .field("sensor", context.sensor);
}

namespace {

// The stable ids. A new behaviour or method takes the next free id; an id
// is never reused. Looked up by label so that reordering an enum cannot
// renumber a signature.
struct SignatureEntry {
    std::string_view label;
    AlertSignature signature;
};
constexpr SignatureEntry kBehaviourSignatures[] = {
    {"horizontal_scan", {9100001, 3}},
    {"extension_enumeration", {9100002, 2}},
    {"credential_brute_force", {9100003, 2}},
    {"password_spraying", {9100004, 2}},
    {"credential_found", {9100005, 1}},  // a guessed password: an account is taken
    {"call_attempts", {9100006, 1}},     // toll fraud costs money per minute
};
constexpr std::string_view kMethodSignatureOrder[] = {"INVITE", "ACK",  "BYE",    "CANCEL", "OPTIONS", "REGISTER",
                                                      "PRACK",  "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO",
                                                      "REFER",  "MESSAGE",   "UPDATE"};
constexpr uint32_t kMethodSignatureBase = 9100100;   // + position above; unknown methods share the base
constexpr uint8_t kMethodThresholdSeverity = 3;

// The flow's first request or probe as Community ID v1 sees it.
void write_endpoints(JsonObject& event, const fingerprint::FlowState& flow, const FlowEventContext& context);

void write_tool(JsonObject& event, const fingerprint::FlowState& flow, const FlowEventContext& context) {
    const fingerprint::ToolEntry* tool = context.tools ? context.tools->at(flow.tool) : nullptr;
    event.begin_object("tool")
        .field("table_id", tool ? tool->table_id : 0u)
        .field("name", tool ? std::string_view(tool->name) : std::string_view("unknown"))
        .field("family", tool ? std::string_view(tool->family) : std::string_view("unknown"))
        .field("confidence", tool ? static_cast<double>(flow.tool_confidence) : 0.0)
        .field("complete", tool ? flow.tool_complete : false)
        .end();
}

// The forms a number was dialled in, comma-separated ("+,00,011"): one
// string, as ClickHouse's flat columns take it.
std::string_view dial_forms_text(uint16_t forms, std::string& out) {
    out.clear();
    for (std::size_t form = 0; form < fingerprint::kDialFormCount; ++form) {
        if (!(forms & (1u << form))) continue;
        if (!out.empty()) out.push_back(',');
        out.append(fingerprint::kDialFormLabels[form]);
    }
    return out;
}

void write_intent(JsonObject& event, const fingerprint::SourceIntent& intent, uint64_t distinct_destinations,
                  uint32_t invites, const fingerprint::BehaviourThresholds& thresholds) {
    event.begin_array("user_agents");
    for (uint8_t i = 0; i < intent.user_agents.size; ++i) event.element(intent.user_agents.items[i].view());
    event.end_array();
    event.begin_object("user_agent_info")
        .field("changes_per_message", intent.user_agent_changes_per_message())
        .field("distinct_beyond_listed", intent.user_agents.overflowed_distinct)
        .field("missing", static_cast<uint64_t>(intent.missing_user_agent))
        .end();
    event.begin_object("extensions")
        .field("distinct", intent.distinct_extensions())
        .field("existing", intent.distinct_extensions_found.count())
        .begin_array("found");
    for (uint8_t i = 0; i < intent.extensions_found.size; ++i) event.element(intent.extensions_found.items[i].view());
    event.end_array().end();
    event.begin_array("numbers");
    std::string forms;
    for (uint8_t i = 0; i < intent.numbers.size; ++i) {
        const auto& item = intent.numbers.items[i];
        const auto& note = intent.number_notes[i];
        // An array of objects through the same writer: open one per item.
        event.begin_object_element()
            .field("number", item.view())
            .field("country", note.number_class.region_view())
            .field("type", fingerprint::label(note.number_class.kind))
            .field("attempts", static_cast<uint64_t>(item.count))
            .field("dialled_as", dial_forms_text(note.dial_forms, forms))
            .end();
    }
    event.end_array();
    event.begin_object("calls")
        .field("invites_to_numbers", static_cast<uint64_t>(intent.invites_to_numbers))
        .field("international", static_cast<uint64_t>(intent.international_invites))
        .field("premium_rate", static_cast<uint64_t>(intent.premium_invites))
        .field("distinct_numbers", intent.distinct_numbers.count())
        .field("most_dial_forms", static_cast<uint64_t>(intent.most_dial_forms))
        .end();
    event.begin_object("digest_auth")
        .field("attempts", static_cast<uint64_t>(intent.auth_attempts))
        .field("refused", static_cast<uint64_t>(intent.auth_failures))
        .field("accepted", static_cast<uint64_t>(intent.auth_successes))
        .field("distinct_usernames", intent.distinct_usernames.count())
        .begin_array("usernames");
    for (uint8_t i = 0; i < intent.usernames.size; ++i) {
        const auto& item = intent.usernames.items[i];
        event.begin_object_element().field("username", item.view()).field("attempts", static_cast<uint64_t>(item.count)).end();
    }
    event.end_array().end();
    event.begin_array("exposure");
    for (uint8_t i = 0; i < intent.responder_count; ++i) {
        const auto& responder = intent.responders[i];
        char classes[6 * 4];  // "1xx,2xx,…"
        std::size_t length = 0;
        for (unsigned c = 1; c <= 6; ++c) {
            if (!(responder.status_classes & (1u << (c - 1)))) continue;
            if (length != 0) classes[length++] = ',';
            classes[length++] = static_cast<char>('0' + c);
            classes[length++] = 'x';
            classes[length++] = 'x';
        }
        event.begin_object_element()
            .field("host", parser::AddressText(responder.host).view())
            .field("last_status", static_cast<unsigned>(responder.last_status))
            .field("responses", static_cast<uint64_t>(responder.responses))
            .field("status_classes", std::string_view(classes, length))
            .field("extensions_existing", static_cast<uint64_t>(responder.extensions_existing))
            .end();
    }
    event.end_array();
    event.begin_object("crafting").begin_array("cues");
    for (std::size_t i = 0; i < fingerprint::kCraftingCueCount; ++i) {
        if (intent.crafting_cues & (1u << i)) event.element(fingerprint::kCraftingCueLabels[i]);
    }
    event.end_array().field("scripted", intent.scripted()).end();
    event.begin_array("callers");
    for (uint8_t i = 0; i < intent.callers.size; ++i) {
        const auto& item = intent.callers.items[i];
        event.begin_object_element().field("user", item.view()).field("requests", static_cast<uint64_t>(item.count)).end();
    }
    event.end_array();
    uint8_t behaviours = fingerprint::behaviours_of(intent, distinct_destinations, invites, thresholds);
    event.begin_array("behaviours");
    for (std::size_t i = 0; i < fingerprint::kBehaviourCount; ++i) {
        if (behaviours & (1u << i)) event.element(fingerprint::kBehaviourLabels[i]);
    }
    event.end_array();
}

std::string_view transport_label(parser::Transport transport) {
    switch (transport) {
        case parser::Transport::udp: return "UDP";
        case parser::Transport::tcp: return "TCP";
        default: return "unknown";
    }
}

void write_endpoints(JsonObject& event, const fingerprint::FlowState& flow, const FlowEventContext& context) {
    event.field("flow_id", flow.flow_id);
    bool sent = flow.packets_sent() > 0;  // else a flow of responses only: no request seen
    uint8_t protocol = flow.transport == parser::Transport::udp ? 17 : flow.transport == parser::Transport::tcp ? 6 : 0;
    if (sent && protocol != 0) {
        CommunityId id = community_id_v1(flow.source, flow.first_source_port, flow.first_destination,
                                         flow.first_destination_port, protocol, context.community_id_seed);
        if (id.length) event.field("community_id", id.view());
    }
    event.field("src_ip", parser::AddressText(flow.source).view());
    if (!sent) return;
    event.field("src_port", static_cast<unsigned>(flow.first_source_port))
        .field("dest_ip", parser::AddressText(flow.first_destination).view())
        .field("dest_port", static_cast<unsigned>(flow.first_destination_port))
        .field("proto", transport_label(flow.transport));
}
}  // namespace

AlertSignature behaviour_signature(fingerprint::Behaviour behaviour) {
    std::string_view label = fingerprint::label(behaviour);
    for (const SignatureEntry& entry : kBehaviourSignatures) {
        if (entry.label == label) return entry.signature;
    }
    return {};
}

AlertSignature method_threshold_signature(parser::SipMethod method) {
    std::string_view label = parser::kSipMethodLabels[static_cast<std::size_t>(method) % parser::kSipMethodCount];
    for (std::size_t i = 0; i < std::size(kMethodSignatureOrder); ++i) {
        if (kMethodSignatureOrder[i] == label) return {kMethodSignatureBase + 1 + static_cast<uint32_t>(i), kMethodThresholdSeverity};
    }
    return {kMethodSignatureBase, kMethodThresholdSeverity};
}

namespace {

void write_flow(JsonObject& event, const fingerprint::FlowRecord& record, const FlowEventContext& context) {
    const fingerprint::FlowState& flow = record.flow;
    bool internal = false;
    for (const auto& network : context.home_networks) internal = internal || network.contains(flow.source);
    double duration_s = static_cast<double>(flow.last_seen_us - flow.first_seen_us) / 1e6;
    event.begin_object("flow")
        .field("start", rfc3339(flow.first_seen_us).view())
        .field("end", rfc3339(flow.last_seen_us).view())
        .field("duration_s", duration_s)
        .field("packets", flow.requests)  // SIP requests; schema 1 calls them packets
        .field("bytes", flow.bytes)
        .field("packets_per_second", duration_s > 0 ? static_cast<double>(flow.requests) / duration_s
                                                    : static_cast<double>(flow.requests))
        .field("responses", static_cast<uint64_t>(flow.responses));
    if (record.kind == fingerprint::RecordKind::active_flow) {
        event.field("state", "active");
    } else {
        event.field("state", "closed").field("close_reason", fingerprint::label(record.reason));
    }
    event.field("source_scope", internal ? "internal" : "external").end();
}

void write_sip(JsonObject& event, const fingerprint::FlowState& flow) {
    event.begin_object("sip").begin_object("methods");
    for (std::size_t i = 0; i < parser::kSipMethodCount; ++i) {
        if (flow.requests_by_method[i] != 0)
            event.field(parser::kSipMethodLabels[i], static_cast<uint64_t>(flow.requests_by_method[i]));
    }
    event.end().begin_object("responses");
    for (std::size_t i = 0; i < fingerprint::kResponseClassCount; ++i) {
        if (flow.responses_by_class[i] != 0)
            event.field(fingerprint::kResponseClassLabels[i], static_cast<uint64_t>(flow.responses_by_class[i]));
    }
    event.end().begin_array("rfc_violations");
    for (std::size_t i = 0; i < parser::kSipViolationCount; ++i) {
        if (flow.violations_seen & (1u << i)) event.element(parser::kSipViolationLabels[i]);
    }
    event.end_array().end();
    event.begin_object("transport_probes");
    for (std::size_t i = 0; i < fingerprint::kProbeKindCount; ++i) {
        if (flow.probes[i] != 0) event.field(fingerprint::kProbeKindLabels[i], static_cast<uint64_t>(flow.probes[i]));
    }
    event.end();
}

// The fingerprint the tool was named from: its entries as name/value
// pairs (header names come from the wire: never field names), the header
// order and the template's state.
void write_fingerprint(JsonObject& event, const fingerprint::HeaderFingerprint& print) {
    // Each value as render_value() shows it, written in the escaping pass.
    constexpr ByteStandIn kMarker{fingerprint::kVariableMarker, fingerprint::kVariableMarkerText};
    event.begin_array("fingerprint");
    for (uint8_t i = 0; i < print.entry_count; ++i) {
        const fingerprint::FingerprintEntry& entry = print.entries[i];
        event.begin_object_element()
            .field("name", std::string_view(entry.key, entry.key_length))
            .field("value", std::string_view(entry.value, entry.value_length), kMarker)
            .end();
    }
    event.end_array();
    event.begin_array("header_sequence");
    for (uint8_t i = 0; i < print.sequence_length; ++i) {
        const fingerprint::FingerprintEntry& entry = print.entries[print.sequence[i]];
        event.element(std::string_view(entry.key, entry.key_length));
    }
    event.end_array();
    event.begin_object("fingerprint_info")
        .field("packets", static_cast<uint64_t>(print.packets))
        .field("settled", print.settled())
        .field("sequence_changed", print.sequence_changed)
        .field("keys_dropped", print.keys_dropped)
        .end();
    // The tool variant's id, the same from one request or thousands
    // (fingerprint/template_id.hpp); none for a port-only scan.
    if (print.entry_count != 0)
        event.field("fingerprint_id", fingerprint::template_id_digits(fingerprint::flow_template_id(print)).view());
}

// How the source scans.
void write_scan(JsonObject& event, const fingerprint::ScanProfile& scan) {
    event.field("strategy", fingerprint::label(scan.strategy()));
    event.begin_object("destinations")
        .field("distinct", scan.distinct_destinations())
        .field("estimated", scan.destinations_estimated())
        .end();
    event.begin_array("dest_ports");
    for (uint8_t i = 0; i < scan.port_count; ++i) {
        event.begin_object_element()
            .field("port", static_cast<unsigned>(scan.ports[i]))
            .field("requests", static_cast<uint64_t>(scan.port_requests[i]))
            .end();
    }
    event.end_array();
    event.field("dest_ports_other", static_cast<uint64_t>(scan.other_port_requests));  // beyond the listed ports
    event.begin_object("src_ports").field("behaviour", fingerprint::label(scan.source_port_behaviour()));
    if (scan.source_port_behaviour() == fingerprint::FieldBehaviour::fixed)
        event.field("port", static_cast<unsigned>(scan.first_source_port));
    event.end();
    event.begin_object("ip")
        .field("ttl", fingerprint::label(scan.ttl_behaviour()))
        .field("ttl_first", static_cast<unsigned>(scan.first_ttl))
        .field("ip_id", fingerprint::label(scan.ip_id_behaviour()))
        .end();
}

}  // namespace

void format_flow_event(std::string& out, const fingerprint::FlowRecord& record, const FlowEventContext& context) {
    const fingerprint::FlowState& flow = record.flow;
    JsonObject event(out);
    begin_event(event, flow.last_seen_us, "sip_scan_flow", context);
    write_endpoints(event, flow, context);
    write_flow(event, record, context);
    write_sip(event, flow);
    write_tool(event, flow, context);
    if (!record.has_detail) {
        event.begin_array("fingerprint").end_array();
        event.field("strategy", "unknown");
        event.end();
        return;
    }
    write_fingerprint(event, record.detail.fingerprint);
    write_scan(event, record.detail.scan);
    write_intent(event, record.detail.intent, record.detail.scan.distinct_destinations(),
                 flow.requests_by_method[static_cast<std::size_t>(parser::SipMethod::invite)], context.thresholds);
    event.end();
}

}  // namespace sipscope::exporter

namespace sipscope::exporter {

void format_alert_event(std::string& out, const fingerprint::FlowRecord& record, const FlowEventContext& context) {
    const fingerprint::FlowState& flow = record.flow;
    bool behaviour = record.alert_kind == fingerprint::AlertKind::behaviour;
    std::string_view subject = behaviour ? fingerprint::kBehaviourLabels[record.alert_subject % fingerprint::kBehaviourCount]
                                         : parser::kSipMethodLabels[record.alert_subject % parser::kSipMethodCount];
    std::string signature = behaviour ? "SIP " + std::string(subject) + " from one source"
                                      : "SIP " + std::string(subject) + " requests over the threshold";
    AlertSignature numbered = behaviour
                            ? behaviour_signature(static_cast<fingerprint::Behaviour>(record.alert_subject % fingerprint::kBehaviourCount))
                            : method_threshold_signature(static_cast<parser::SipMethod>(record.alert_subject % parser::kSipMethodCount));
    JsonObject event(out);
    begin_event(event, flow.last_seen_us, "alert", context);
    write_endpoints(event, flow, context);
    event.begin_object("alert")
        .field("signature", signature)
        .field("signature_id", static_cast<uint64_t>(numbered.id))
        .field("severity", static_cast<unsigned>(numbered.severity))
        .field("category", behaviour ? "behaviour" : "method_threshold")
        .field(behaviour ? "behaviour" : "method", subject)
        .field("threshold", static_cast<uint64_t>(record.alert_threshold))
        .field("count", static_cast<uint64_t>(record.alert_count))
        .end();
    event.begin_object("flow")
        .field("start", rfc3339(flow.first_seen_us).view())
        .field("packets", flow.requests)
        .field("responses", static_cast<uint64_t>(flow.responses))
        .end();
    write_tool(event, flow, context);
    if (record.has_detail) event.field("strategy", fingerprint::label(record.detail.scan.strategy()));
    event.end();
}

}  // namespace sipscope::exporter
