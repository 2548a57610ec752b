// sip_scan_flow events.
#include "flow_event.hpp"

#include "json_text.hpp"

namespace sipscope::exporter {

namespace {
constexpr std::string_view kResponseClassLabels[fingerprint::kResponseClassCount] = {
    "1xx", "2xx", "3xx", "4xx", "5xx", "6xx"};

std::string_view transport_label(parser::Transport transport) {
    switch (transport) {
        case parser::Transport::udp: return "UDP";
        case parser::Transport::tcp: return "TCP";
        default: return "unknown";
    }
}
}  // namespace

void format_flow_event(std::string& out, const fingerprint::FlowRecord& record,
                       const FlowEventContext& context) {
    const fingerprint::FlowState& flow = record.flow;
    bool internal = false;
    for (const auto& network : context.home_networks) {
        if (network.contains(flow.source)) {
            internal = true;
            break;
        }
    }
    uint64_t duration_us = flow.last_seen_us - flow.first_seen_us;
    double duration_s = static_cast<double>(duration_us) / 1e6;

    JsonObject event(out);
    event.field("timestamp", format_rfc3339(flow.last_seen_us))
        .field("event_type", "sip_scan_flow")
        .field("src_ip", flow.source.to_string());
    bool sent = flow.packets > 0 || flow.probes[0] || flow.probes[1] || flow.probes[2];
    if (sent) {
        event.field("src_port", static_cast<unsigned>(flow.first_source_port))
            .field("dest_ip", flow.first_destination.to_string())
            .field("dest_port", static_cast<unsigned>(flow.first_destination_port))
            .field("proto", transport_label(flow.transport));
    }
    event.begin_object("flow")
        .field("start", format_rfc3339(flow.first_seen_us))
        .field("end", format_rfc3339(flow.last_seen_us))
        .field("duration_s", duration_s)
        .field("packets", flow.packets)
        .field("bytes", flow.bytes)
        .field("packets_per_second", duration_s > 0 ? static_cast<double>(flow.packets) / duration_s
                                                    : static_cast<double>(flow.packets))
        .field("responses", static_cast<uint64_t>(flow.responses))
        .field("close_reason", fingerprint::label(record.reason))
        .field("source_scope", internal ? "internal" : "external")
        .end();
    event.begin_object("sip").begin_object("methods");
    for (std::size_t i = 0; i < parser::kSipMethodCount; ++i) {
        if (flow.requests_by_method[i] != 0)
            event.field(parser::kSipMethodLabels[i], static_cast<uint64_t>(flow.requests_by_method[i]));
    }
    event.end().begin_object("responses");
    for (std::size_t i = 0; i < fingerprint::kResponseClassCount; ++i) {
        if (flow.responses_by_class[i] != 0)
            event.field(kResponseClassLabels[i], static_cast<uint64_t>(flow.responses_by_class[i]));
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

    // The tool, and the fingerprint it was named from.
    const fingerprint::ToolEntry* tool = nullptr;
    if (context.tools && flow.tool >= 0 && static_cast<std::size_t>(flow.tool) < context.tools->tools().size())
        tool = &context.tools->tools()[static_cast<std::size_t>(flow.tool)];
    event.begin_object("tool")
        .field("table_id", tool ? tool->table_id : 0u)
        .field("name", tool ? std::string_view(tool->name) : std::string_view("unknown"))
        .field("family", tool ? std::string_view(tool->family) : std::string_view("unknown"))
        .field("confidence", tool ? static_cast<double>(flow.tool_confidence) : 0.0)
        .field("complete", tool ? flow.tool_complete : false)
        .end();
    event.begin_object("fingerprint");
    if (record.has_detail) {
        const fingerprint::HeaderFingerprint& print = record.detail.fingerprint;
        for (uint8_t i = 0; i < print.entry_count; ++i) {
            const fingerprint::FingerprintEntry& entry = print.entries[i];
            event.field(std::string_view(entry.key, entry.key_length), fingerprint::render_value(entry));
        }
    }
    event.end();
    if (record.has_detail) {
        const fingerprint::HeaderFingerprint& print = record.detail.fingerprint;
        event.begin_array("header_sequence");
        for (uint8_t i = 0; i < print.sequence_length; ++i) {
            const fingerprint::FingerprintEntry& entry = print.entries[print.sequence[i]];
            event.element(std::string_view(entry.key, entry.key_length));
        }
        event.end_array();
        event.begin_object("fingerprint_info")
            .field("packets", static_cast<uint64_t>(print.packets))
            .field("sequence_changed", print.sequence_changed)
            .field("keys_dropped", print.keys_dropped)
            .end();
        // How the source scans.
        const fingerprint::ScanProfile& scan = record.detail.scan;
        event.field("strategy", fingerprint::label(scan.strategy()));
        event.begin_object("destinations")
            .field("distinct", scan.distinct_destinations())
            .field("estimated", scan.destinations_estimated())
            .end();
        event.begin_object("dest_ports");
        for (uint8_t i = 0; i < scan.port_count; ++i)
            event.field(std::to_string(scan.ports[i]), static_cast<uint64_t>(scan.port_requests[i]));
        if (scan.other_port_requests) event.field("other", static_cast<uint64_t>(scan.other_port_requests));
        event.end();
        event.begin_object("src_port").field("behaviour", fingerprint::label(scan.source_port_behaviour()));
        if (scan.source_port_behaviour() == fingerprint::FieldBehaviour::fixed)
            event.field("port", static_cast<unsigned>(scan.first_source_port));
        event.end();
        event.begin_object("ip")
            .field("ttl", fingerprint::label(scan.ttl_behaviour()))
            .field("ttl_first", static_cast<unsigned>(scan.first_ttl))
            .field("ip_id", fingerprint::label(scan.ip_id_behaviour()))
            .end();
    } else {
        event.field("strategy", "unknown");
    }
    event.end();
}

}  // namespace sipscope::exporter
