// Formats a closed flow as a `sip_scan_flow` event (one JSON object).
// Control lcore only. The field names are part of the interface and are
// documented in README.md ("Events").
#pragma once

#include <string>
#include <vector>

#include "flow_state.hpp"
#include "ip_address.hpp"
#include "tool_database.hpp"

namespace sipscope::exporter {

struct FlowEventContext {
    // The watched networks: a source inside them is "internal".
    std::vector<parser::IpNetwork> home_networks;
    // Names the flows' tool indexes; may be null (every flow is unknown).
    const fingerprint::ToolDatabase* tools = nullptr;
    fingerprint::BehaviourThresholds thresholds;
};

void format_flow_event(std::string& out, const fingerprint::FlowRecord& record,
                       const FlowEventContext& context);

// An `alert` event: a flow crossed a threshold (record.kind == alert).
void format_alert_event(std::string& out, const fingerprint::FlowRecord& record, const FlowEventContext& context);

}  // namespace sipscope::exporter
