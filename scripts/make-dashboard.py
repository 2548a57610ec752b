#!/usr/bin/env python3
"""Writes scripts/grafana-dashboard.json, the sipscope Grafana dashboard,
from the rows and panels below (one place for every PromQL expression; the
Prometheus integration test evaluates each of them against two sensors).
Run after editing.

Every expression selects the sensors chosen in the dashboard's `job` and
`instance` variables (all, or one sensor among many: `S` below stands for
that selector) and uses `$__rate_interval`, so rates follow the scrape
interval and the zoom."""
import json
import os

S = 'job=~"$job", instance=~"$instance"'


def rate(metric, matchers="", by=""):
    selector = "{%s%s}" % (S, ", " + matchers if matchers else "")
    grouped = "sum by (%s) " % by if by else "sum"
    return "%s(rate(%s%s[$__rate_interval]))" % (grouped, metric, selector) if by else \
        "sum(rate(%s%s[$__rate_interval]))" % (metric, selector)


def increase_range(metric, matchers=""):
    selector = "{%s%s}" % (S, ", " + matchers if matchers else "")
    return "(sum(increase(%s%s[$__range])) or vector(0))" % (metric, selector)


# Stat panels: (title, expression, unit, red from) — green below, red from
# the threshold: every kind of drop and exhaustion over the dashboard's range.
HEALTH = [
    ("Sensors up", 'count(up{%s} == 1) or vector(0)' % S, "short", None),
    ("Port drops (missed, no mbuf)", increase_range("sipscope_port_rx_missed_total") + " + " +
     increase_range("sipscope_port_rx_nombuf_total"), "short", 1),
    ("Hand-off drops", increase_range("sipscope_handoff_dropped_total"), "short", 1),
    ("Records lost", increase_range("sipscope_records_dropped_total"), "short", 1),
    ("Flows evicted", increase_range("sipscope_flows_closed_total", 'reason="evicted"'), "short", 1),
    ("Sources without detail (pool full)", increase_range("sipscope_details_unavailable_total"), "short", 1),
    ("Events lost", increase_range("sipscope_events_lost_total"), "short", 1),
    ("Event write errors", increase_range("sipscope_events_write_errors_total"), "short", 1),
    ("Output rows dropped (ClickHouse)", increase_range("sipscope_output_dropped_total", 'output!="events"'), "short", 1),
    ("Detail pool in use", 'max(sipscope_detail_pool_in_use{%s} / sipscope_detail_pool_capacity{%s})' % (S, S),
     "percentunit", 0.9),
]

ROWS = [
    ("Traffic", [
        ("Bits per second received", "bps", [("8 * " + rate("sipscope_port_rx_bytes_total", by="instance"), "{{instance}}")]),
        ("Packets received by port", "pps", [(rate("sipscope_port_rx_packets_total", by="instance, port"), "{{instance}} port {{port}}")]),
        ("Drops: NIC, mbufs, hand-offs, records", "pps", [
            (rate("sipscope_port_rx_missed_total"), "missed by the port"),
            (rate("sipscope_port_rx_nombuf_total"), "no mbuf"),
            (rate("sipscope_handoff_dropped_total"), "hand-off ring full"),
            (rate("sipscope_records_dropped_total"), "records lost")]),
        ("Port errors", "pps", [(rate("sipscope_port_rx_errors_total", by="instance, port"), "{{instance}} port {{port}}")]),
        ("Worker load (busy share of the poll loop)", "percentunit", [
            (rate("sipscope_worker_busy_seconds_total", by="instance, worker") + " / " +
             rate("sipscope_worker_loop_seconds_total", by="instance, worker"), "{{instance}} worker {{worker}}")]),
        ("Time per packet by worker stage (sampled bursts)", "ns", [
            ("1e9 * " + rate("sipscope_stage_sampled_seconds_total", by="stage") + " / " +
             rate("sipscope_stage_sampled_packets_total", by="stage"), "{{stage}}")]),
    ]),
    ("SIP", [
        ("SIP requests by method", "reqps", [(rate("sipscope_sip_requests_total", by="method"), "{{method}}")]),
        ("SIP responses by class", "reqps", [(rate("sipscope_sip_responses_total", by="class"), "{{class}}")]),
        ("Transport-level probes of SIP ports", "pps", [(rate("sipscope_transport_probes_total", by="kind"), "{{kind}}")]),
        ("SIP parser outcomes", "pps", [(rate("sipscope_sip_parse_total", by="outcome"), "{{outcome}}")]),
        ("Frames that failed to decode", "pps", [(rate("sipscope_frames_total", 'outcome!="ok"', by="outcome"), "{{outcome}}")]),
        ("RFC violations", "pps", [(rate("sipscope_sip_rfc_violations_total", by="violation"), "{{violation}}")]),
    ]),
    ("Scanners and tools", [
        ("Open flows and capacity", "short", [
            ("sum(sipscope_flows_active{%s})" % S, "open flows"),
            ("sum(sipscope_flow_table_capacity{%s})" % S, "flow table capacity"),
            ("sum(sipscope_detail_pool_in_use{%s})" % S, "detail in use"),
            ("sum(sipscope_detail_pool_capacity{%s})" % S, "detail capacity")]),
        ("Active sources by tool family", "short", [("sum by (family) (sipscope_sources_active{%s})" % S, "{{family}}")]),
        ("Flows closed by tool family", "short", [(rate("sipscope_flows_closed_by_tool_total", by="family"), "{{family}}")]),
        ("Scan strategies (flows closed)", "short", [(rate("sipscope_flows_closed_by_strategy_total", by="strategy"), "{{strategy}}")]),
        ("Flows closed by reason", "short", [(rate("sipscope_flows_closed_total", by="reason"), "{{reason}}")]),
    ]),
    ("Alerts", [
        ("Alerts by kind", "short", [(rate("sipscope_alerts_total", by="kind"), "{{kind}}")]),
    ]),
    ("Outputs", [
        ("Events written and lost", "short", [
            (rate("sipscope_events_written_total", by="event_type"), "{{event_type}} written"),
            (rate("sipscope_events_lost_total", by="event_type, reason"), "{{event_type}} lost ({{reason}})")]),
        ("Outputs: sent and dropped", "short", [
            (rate("sipscope_output_sent_total", by="output"), "{{output}} sent"),
            (rate("sipscope_output_dropped_total", by="output, reason"), "{{output}} dropped ({{reason}})")]),
        ("Packet time reached (replays)", "dateTimeAsIso", [("max(sipscope_packet_timestamp_seconds{%s}) * 1000" % S, "packet time")]),
        ("Resident memory", "bytes", [("sum by (instance) (process_resident_memory_bytes{%s})" % S, "{{instance}}")]),
    ]),
]

# The table of the tools seen most over the dashboard's range.
TOP_TOOLS = ("Top tools (flows closed in the range)",
             "topk(15, sum by (tool, family, table_id) (increase(sipscope_flows_closed_by_tool_total{%s}[$__range])))" % S)

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def target(index, expression, legend, instant=False):
    item = {"refId": chr(ord("A") + index), "expr": expression, "legendFormat": legend, "datasource": DATASOURCE}
    if instant:
        item.update({"instant": True, "format": "table"})
    return item


def main():
    panels, next_id, y = [], 1, 0

    def add(panel, width, height, x):
        nonlocal next_id
        panel["id"] = next_id
        panel["gridPos"] = {"h": height, "w": width, "x": x, "y": y}
        next_id += 1
        panels.append(panel)

    add({"type": "row", "title": "Health", "collapsed": False, "panels": []}, 24, 1, 0)
    y += 1
    for index, (title, expression, unit, red) in enumerate(HEALTH):
        steps = [{"color": "green", "value": None}]
        if red is not None:
            steps.append({"color": "red", "value": red})
        add({"type": "stat", "title": title, "datasource": DATASOURCE,
             "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                         "colorMode": "background", "graphMode": "none"},
             "fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": steps}}, "overrides": []},
             "targets": [target(0, expression, title)]}, 4, 4, 4 * (index % 6))
        if index % 6 == 5:
            y += 4
    y += 4
    for row_title, row_panels in ROWS:
        add({"type": "row", "title": row_title, "collapsed": False, "panels": []}, 24, 1, 0)
        y += 1
        for index, (title, unit, targets) in enumerate(row_panels):
            add({"type": "timeseries", "title": title, "datasource": DATASOURCE,
                 "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                 "targets": [target(i, expression, legend) for i, (expression, legend) in enumerate(targets)]},
                12, 8, 12 * (index % 2))
            if index % 2 == 1:
                y += 8
        if len(row_panels) % 2 == 1:
            y += 8
        if row_title == "Scanners and tools":
            add({"type": "table", "title": TOP_TOOLS[0], "datasource": DATASOURCE,
                 "fieldConfig": {"defaults": {}, "overrides": []},
                 "transformations": [{"id": "organize", "options": {"excludeByName": {"Time": True}}}],
                 "targets": [target(0, TOP_TOOLS[1], "", instant=True)]}, 24, 8, 0)
            y += 8
    variable = lambda name, label, query: {
        "type": "query", "name": name, "label": label, "datasource": DATASOURCE, "query": query, "refresh": 2,
        "includeAll": True, "multi": True, "allValue": ".*", "current": {"text": "All", "value": "$__all"}, "sort": 1}
    dashboard = {
        "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus",
                      "pluginName": "Prometheus"}],
        "__requires": [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": "9.0.0"},
                       {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
                       {"type": "panel", "id": "timeseries", "name": "Time series", "version": ""},
                       {"type": "panel", "id": "stat", "name": "Stat", "version": ""},
                       {"type": "panel", "id": "table", "name": "Table", "version": ""}],
        "title": "sipscope — SIP scanning and VoIP abuse",
        "uid": "sipscope",
        "tags": ["sipscope", "sip", "voip", "dpdk"],
        "timezone": "utc",
        "schemaVersion": 38,
        "refresh": "10s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": [
            {"type": "datasource", "name": "datasource", "label": "Prometheus", "query": "prometheus"},
            variable("job", "Job", "label_values(sipscope_build_info, job)"),
            variable("instance", "Sensor", 'label_values(sipscope_build_info{job=~"$job"}, instance)'),
        ]},
        "panels": panels,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grafana-dashboard.json")
    with open(path, "w") as handle:
        json.dump(dashboard, handle, indent=1)
        handle.write("\n")
    print("wrote %s (%d panels)" % (path, len(panels)))


if __name__ == "__main__":
    main()
