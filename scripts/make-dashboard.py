#!/usr/bin/env python3
"""Writes scripts/grafana-dashboard.json, the sipscope Grafana dashboard,
from the list of panels below (one place for every PromQL expression; the
Prometheus integration test evaluates each of them). Run after editing."""
import json
import os

PANELS = [
    # (title, unit, [(expression, legend)])
    ("Packets received by port", "pps", [("sum by (port) (rate(sipscope_port_rx_packets_total[1m]))", "port {{port}}")]),
    ("Drops: NIC, mbufs, hand-offs, records", "pps", [
        ("sum(rate(sipscope_port_rx_missed_total[1m]))", "missed by the port"),
        ("sum(rate(sipscope_port_rx_nombuf_total[1m]))", "no mbuf"),
        ("sum(rate(sipscope_handoff_dropped_total[1m]))", "hand-off ring full"),
        ("sum(rate(sipscope_records_dropped_total[1m]))", "records lost")]),
    ("SIP requests by method", "reqps", [("sum by (method) (rate(sipscope_sip_requests_total[1m]))", "{{method}}")]),
    ("SIP responses by class", "reqps", [("sum by (class) (rate(sipscope_sip_responses_total[1m]))", "{{class}}")]),
    ("Open flows", "short", [("sum(sipscope_flows_active)", "open flows")]),
    ("Active sources by tool family", "short", [("sum by (family) (sipscope_sources_active)", "{{family}}")]),
    ("Sources by tool family (flows closed, 1h)", "short", [
        ("sum by (family) (increase(sipscope_flows_closed_by_tool_total[1h]))", "{{family}}")]),
    ("Top tools (flows closed, 1h)", "short", [
        ("topk(10, sum by (tool, table_id) (increase(sipscope_flows_closed_by_tool_total[1h])))", "{{tool}} ({{table_id}})")]),
    ("Scan strategies (flows closed, 1h)", "short", [
        ("sum by (strategy) (increase(sipscope_flows_closed_by_strategy_total[1h]))", "{{strategy}}")]),
    ("Alerts (1h)", "short", [("sum by (kind) (increase(sipscope_alerts_total[1h]))", "{{kind}}")]),
    ("Transport-level probes of SIP ports", "pps", [("sum by (kind) (rate(sipscope_transport_probes_total[5m]))", "{{kind}}")]),
    ("Frames that failed to decode", "pps", [
        ("sum by (outcome) (rate(sipscope_frames_total{outcome!=\"ok\"}[5m]))", "{{outcome}}")]),
    ("SIP parser outcomes", "pps", [("sum by (outcome) (rate(sipscope_sip_parse_total[5m]))", "{{outcome}}")]),
    ("RFC violations", "pps", [("sum by (violation) (rate(sipscope_sip_rfc_violations_total[5m]))", "{{violation}}")]),
    ("Worker load (busy share of the poll loop)", "percentunit", [
        ("sum by (worker) (rate(sipscope_worker_busy_seconds_total[1m])) / sum by (worker) (rate(sipscope_worker_loop_seconds_total[1m]))",
         "worker {{worker}}")]),
    ("Time per packet by worker stage (sampled bursts)", "ns", [
        ("1e9 * sum by (stage) (rate(sipscope_stage_sampled_seconds_total[5m])) / sum by (stage) (rate(sipscope_stage_sampled_packets_total[5m]))",
         "{{stage}}")]),
    ("Events written and lost", "short", [
        ("sum by (event_type) (rate(sipscope_events_written_total[5m]))", "{{event_type}} written"),
        ("sum by (event_type, reason) (rate(sipscope_events_lost_total[5m]))", "{{event_type}} lost ({{reason}})")]),
    ("Packet time reached (replays)", "dateTimeAsIso", [("max(sipscope_packet_timestamp_seconds) * 1000", "packet time")]),
]


def main():
    panels = []
    for index, (title, unit, targets) in enumerate(PANELS):
        panels.append({
            "id": index + 1,
            "type": "timeseries",
            "title": title,
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "targets": [{"refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend,
                         "datasource": {"type": "prometheus", "uid": "${datasource}"}}
                        for i, (expr, legend) in enumerate(targets)],
        })
    dashboard = {
        "title": "sipscope — SIP scanning and VoIP abuse",
        "uid": "sipscope",
        "tags": ["sipscope", "sip", "voip", "dpdk"],
        "timezone": "utc",
        "schemaVersion": 38,
        "refresh": "10s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": [{"type": "datasource", "name": "datasource", "label": "Prometheus", "query": "prometheus"}]},
        "panels": panels,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grafana-dashboard.json")
    with open(path, "w") as handle:
        json.dump(dashboard, handle, indent=1)
        handle.write("\n")
    print("wrote %s (%d panels)" % (path, len(panels)))


if __name__ == "__main__":
    main()
