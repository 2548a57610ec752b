// Formats flow records as events (one JSON object each): `sip_scan_flow`
// for closed and interim flows, `alert` for alerts. Control lcore only.
// The field names are part of the interface: docs/events.schema.json is
// their schema, README.md ("Events") their description. Every field name
// is fixed by the sensor: values from the wire appear only as values.
#pragma once

#include <string>
#include <vector>

#include "flow_state.hpp"
#include "json_text.hpp"
#include "ip_address.hpp"
#include "tool_registry.hpp"

namespace sipscope::exporter {

// Schema 2: sensor, flow_id, community_id, alert signature ids; header
// names and ports as values, not keys (README lists the change from 1).
constexpr unsigned kEventSchemaVersion = 2;

struct FlowEventContext {
    // Names the sensor on every event (--sensor-name; the host name).
    std::string sensor;
    uint16_t community_id_seed = 0;
    // The watched networks: a source inside them is "internal".
    std::vector<parser::IpNetwork> home_networks;
    // Names the flows' tool slots; may be null (every flow is unknown).
    const fingerprint::ToolRegistry* tools = nullptr;
    fingerprint::BehaviourThresholds thresholds;
};

// The fields every event starts with: timestamp, event_type,
// schema_version, sensor.
JsonObject& begin_event(JsonObject& event, uint64_t timestamp_us, std::string_view event_type,
                        const FlowEventContext& context);

// A `sip_scan_flow` event: a closed flow, or an interim record of an open
// one (record.kind == active_flow; flow.state says which).
void format_flow_event(std::string& out, const fingerprint::FlowRecord& record,
                       const FlowEventContext& context);

// An `alert` event: a flow crossed a threshold (record.kind == alert).
void format_alert_event(std::string& out, const fingerprint::FlowRecord& record, const FlowEventContext& context);

// Alert signatures: a stable id (kept across releases, whatever the order
// of the enums) and a severity as Suricata grades it (1 high … 3 low).
struct AlertSignature {
    uint32_t id = 0;
    uint8_t severity = 3;
};
AlertSignature behaviour_signature(fingerprint::Behaviour behaviour);
AlertSignature method_threshold_signature(parser::SipMethod method);

}  // namespace sipscope::exporter
