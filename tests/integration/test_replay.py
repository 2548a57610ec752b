"""sipscope replay on generated captures: the summary, the events file and
the metrics all report exactly what the capture holds, with 1 worker and
with 2, and the records are the same either way."""
import os
import re
import time
import unittest

from harness import (IDLE_SLEEP, TemporaryDirectory, make_capture, metric_sum, parse_metrics, read_events,
                     run_sipscope)


def replay(directory, capture, workers, extra=()):
    events = os.path.join(directory, "events-%d.jsonl" % workers)
    metrics = os.path.join(directory, "metrics-%d.prom" % workers)
    result = run_sipscope(["replay", capture, "--workers", str(workers), "--events", events, "--metrics", "none",
                           "--metrics-file", metrics, "--progress", "0"] + IDLE_SLEEP + list(extra))
    if result.returncode != 0:
        raise AssertionError("replay failed (%d):\n%s\n%s" % (result.returncode, result.stdout, result.stderr))
    with open(metrics) as handle:
        samples = parse_metrics(handle.read())
    return result.stdout, read_events(events), samples


def summary_number(summary, label):
    match = re.search(r"^\s+%s\s+(\d+)" % re.escape(label), summary, re.MULTILINE)
    assert match, "no %r in summary:\n%s" % (label, summary)
    return int(match.group(1))


def comparable(events):
    events = [event for event in events if event["event_type"] == "sip_scan_flow" and event["flow"]["state"] == "closed"]
    return sorted((event["src_ip"], event["flow"]["start"], event["flow"]["end"], event["flow"]["packets"],
                   event["flow"]["bytes"], event["flow"]["responses"], event["flow"]["close_reason"],
                   tuple(sorted(event["sip"]["methods"].items())), tuple(sorted(event["sip"]["responses"].items())))
                  for event in events)


class ReplayCountsExactly(unittest.TestCase):
    def setUp(self):
        self.directory = TemporaryDirectory()
        self.capture, self.truth = make_capture(self.directory.name, sources=23, packets_per_source=37, seed=7,
                                                background=0.6)

    def tearDown(self):
        self.directory.cleanup()

    def check(self, workers):
        summary, all_events, samples = replay(self.directory.name, self.capture, workers)
        events = [event for event in all_events if event["event_type"] == "sip_scan_flow"]
        alerts = [event for event in all_events if event["event_type"] == "alert"]
        truth = self.truth
        # The last line is the final `stats` event, with the capture's totals
        # and the capture's time.
        stats = all_events[-1]
        self.assertEqual(stats["event_type"], "stats")
        self.assertEqual(stats["stats"]["packets"], truth["packets"])
        self.assertEqual(stats["stats"]["sip_packets"], truth["sip_packets"])
        self.assertEqual(stats["stats"]["flows_closed"], truth["source_count"] + truth["prober_count"])
        self.assertEqual(stats["stats"]["flows_active"], 0)
        self.assertTrue(stats["timestamp"].startswith("2026-01-01T"), stats["timestamp"])
        # Every scanner reaches more than 10 destinations, and so does the
        # port prober (30 hosts, no SIP): one horizontal-scan alert each.
        self.assertEqual(sorted(alert["src_ip"] for alert in alerts), sorted(list(truth["sources"]) + list(truth["probers"])))
        self.assertTrue(all(alert["alert"]["behaviour"] == "horizontal_scan" for alert in alerts))
        self.assertEqual(metric_sum(samples, "sipscope_alerts_total", kind="horizontal_scan"),
                         len(truth["sources"]) + len(truth["probers"]))
        # Summary.
        self.assertEqual(summary_number(summary, "packets"), truth["packets"])
        self.assertEqual(summary_number(summary, "SIP packets"), truth["sip_packets"])
        everyone = truth["source_count"] + truth["prober_count"]
        self.assertEqual(summary_number(summary, "sources"), everyone)
        self.assertEqual(summary_number(summary, "flows"), everyone)
        # Events: one flow per source, with its exact request count; port
        # probers are sources too, with transport-level probes only.
        self.assertEqual(len(events), everyone)
        by_source = {event["src_ip"]: event for event in events}
        self.assertEqual(set(by_source), set(truth["sources"]) | set(truth["probers"]))
        for prober, probes in truth["probers"].items():
            event = by_source[prober]
            self.assertEqual(event["flow"]["packets"], 0)
            self.assertEqual(event["transport_probes"], probes)
            self.assertEqual(event["tool"]["name"], "unknown")
            # Its probes make a scan profile: 30 hosts one after another.
            self.assertEqual(event["strategy"], "sequential")
            self.assertAlmostEqual(event["destinations"]["distinct"], sum(probes.values()), delta=3)  # estimated past 16
            self.assertEqual(event["behaviours"], ["horizontal_scan"])
        for kind in ("udp_empty", "tcp_syn"):
            self.assertEqual(metric_sum(samples, "sipscope_transport_probes_total", kind=kind),
                             sum(probes[kind] for probes in truth["probers"].values()))
        for source, expected in truth["sources"].items():
            event = by_source[source]
            self.assertEqual(event["event_type"], "sip_scan_flow")
            self.assertEqual(event["flow"]["packets"], expected["requests"], source)
            self.assertEqual(event["flow"]["close_reason"], "end_of_capture")
            self.assertEqual(event["proto"], "UDP")
        self.assertEqual(sum(event["flow"]["responses"] for event in events), truth["sip_responses"])
        # Tools, named from the fingerprint each source's packets built.
        expected_tool = {"sipvicious": (1, "sipvicious"), "nmap": (5, "nmap"), "register": (0, "unknown")}
        for source, expected in truth["sources"].items():
            tool = by_source[source]["tool"]
            self.assertEqual((tool["table_id"], tool["name"]), expected_tool[expected["tool"]], source)
            self.assertTrue(by_source[source]["fingerprint"], source)  # recorded even when unknown
            fingerprint = {entry["name"]: entry["value"] for entry in by_source[source]["fingerprint"]}
            self.assertEqual(len(fingerprint), len(by_source[source]["fingerprint"]), source)  # one entry per header
            if expected["tool"] == "sipvicious":
                self.assertEqual(fingerprint["user-agent"], "friendly-scanner")
                self.assertEqual(fingerprint["contact"], "sip:100@SourceIP:SourcePort")
                self.assertIn("\u2591", fingerprint["call-id"])  # randomised per packet
        for name in ("sipvicious", "nmap"):
            count = sum(1 for source in truth["sources"].values() if source["tool"] == name)
            self.assertEqual(metric_sum(samples, "sipscope_flows_closed_by_tool_total", tool=name), count)
        self.assertEqual(metric_sum(samples, "sipscope_details_unavailable_total"), 0)
        # Metrics.
        self.assertEqual(metric_sum(samples, "sipscope_port_rx_packets_total"), truth["packets"])
        self.assertEqual(metric_sum(samples, "sipscope_worker_rx_packets_total"), truth["packets"])
        self.assertEqual(metric_sum(samples, "sipscope_sip_packets_total"), truth["sip_packets"])
        self.assertEqual(metric_sum(samples, "sipscope_sip_parse_total", outcome="request"), truth["sip_requests"])
        self.assertEqual(metric_sum(samples, "sipscope_sip_parse_total", outcome="response"), truth["sip_responses"])
        self.assertEqual(metric_sum(samples, "sipscope_flows_opened_total"), everyone)
        self.assertEqual(metric_sum(samples, "sipscope_flows_closed_total", reason="end_of_capture"), everyone)
        self.assertEqual(metric_sum(samples, "sipscope_flows_active"), 0)
        self.assertEqual(metric_sum(samples, "sipscope_events_written_total", event_type="sip_scan_flow"), everyone)
        self.assertEqual(metric_sum(samples, "sipscope_handoff_dropped_total"), 0)
        self.assertEqual(metric_sum(samples, "sipscope_frames_total", outcome="truncated_ipv4")
                         + metric_sum(samples, "sipscope_frames_total", outcome="non_ip_ethertype"),
                         truth["malformed_packets"])
        return events

    def test_one_and_two_workers_agree(self):
        one = self.check(1)
        two = self.check(2)
        self.assertEqual(comparable(one), comparable(two))


class SettledFingerprintSampling(unittest.TestCase):
    """Merging 1 request in N into settled templates names every source as
    merging all of them does; only the merged count differs."""

    def test_sampling_names_the_same(self):
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=21, packets_per_source=120, seed=9, background=0.2)
            every = {}
            for sampling in ("1", "16"):
                _, events, _ = replay(directory, capture, 1, ["--fingerprint-sampling", sampling])
                flows = {event["src_ip"]: event for event in events
                         if event["event_type"] == "sip_scan_flow" and event["flow"]["packets"] > 0}
                self.assertEqual(set(flows), set(truth["sources"]))
                every[sampling] = flows
            for source, exact in every["1"].items():
                sampled = every["16"][source]
                self.assertEqual(sampled.get("tool"), exact.get("tool"), source)
                self.assertEqual(sampled["strategy"], exact["strategy"], source)
                self.assertEqual(sampled["flow"]["packets"], exact["flow"]["packets"], source)
                self.assertEqual(exact["fingerprint_info"]["packets"], exact["flow"]["packets"], source)
                # 120 requests: settled after at most a few dozen, then 1 in 16.
                self.assertTrue(sampled["fingerprint_info"]["settled"], source)
                self.assertLess(sampled["fingerprint_info"]["packets"], exact["flow"]["packets"], source)


class ReplayIpv6AndFragments(unittest.TestCase):
    """Scanners over IPv6 are flows named like their IPv4 twins; INVITEs cut
    into IP fragments (IPv4 and IPv6) are reassembled and parsed whole, with
    every fragment counted; with reassembly off, the first fragment is
    parsed alone and the later ones are counted, not lost."""

    def test_ipv6_scanners_and_fragmented_invites(self):
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=2, ipv6_sources=4, fragmented=4, packets_per_source=25,
                                          seed=21, background=0.5)
            fragmented_requests = sum(f["requests"] for f in truth["fragmented"].values())
            later = truth["later_fragments"]["ipv4"] + truth["later_fragments"]["ipv6"]
            self.assertGreater(truth["later_fragments"]["ipv6"], 0)
            for workers, reassembly in ((1, True), (2, True), (1, False)):
                extra = [] if reassembly else ["--reassembly-datagrams", "0"]
                _, events, samples = replay(directory, capture, workers, extra)
                flows = {event["src_ip"]: event for event in events if event["event_type"] == "sip_scan_flow"}
                self.assertEqual(events[-1]["stats"]["packets"], truth["packets"])
                v6 = [source for source in truth["sources"] if ":" in source]
                self.assertEqual(len(v6), 4)
                for source in v6:
                    self.assertEqual(flows[source]["flow"]["packets"], truth["sources"][source]["requests"], source)
                    self.assertEqual(flows[source]["tool"]["name"], truth["sources"][source]["tool"], source)
                for source, fragmented in truth["fragmented"].items():
                    self.assertEqual(flows[source]["sip"]["methods"], {"INVITE": fragmented["requests"]}, source)
                reassembled = metric_sum(samples, "sipscope_ip_reassembled_total")
                if reassembly:
                    self.assertEqual(metric_sum(samples, "sipscope_ip_fragments_total"), fragmented_requests + later)
                    self.assertEqual(reassembled, fragmented_requests)
                    self.assertEqual(metric_sum(samples, "sipscope_ip_fragments_dropped_total"), 0)
                    self.assertEqual(metric_sum(samples, "sipscope_ip_first_fragments_total"), 0)
                    for outcome in ("ipv4_later_fragment", "ipv6_later_fragment"):
                        self.assertEqual(metric_sum(samples, "sipscope_frames_total", outcome=outcome), 0)
                    # Reassembled, an INVITE's body is whole: no length mismatch.
                    self.assertEqual(metric_sum(samples, "sipscope_sip_rfc_violations_total",
                                                violation="content_length_mismatch"), 0)
                else:
                    self.assertEqual(reassembled, 0)
                    self.assertEqual(metric_sum(samples, "sipscope_ip_first_fragments_total"), fragmented_requests)
                    self.assertEqual(metric_sum(samples, "sipscope_frames_total", outcome="ipv4_later_fragment"),
                                     truth["later_fragments"]["ipv4"])
                    self.assertEqual(metric_sum(samples, "sipscope_frames_total", outcome="ipv6_later_fragment"),
                                     truth["later_fragments"]["ipv6"])


class GeneratedTrafficShape(unittest.TestCase):
    """What the sensor measures on --tools all traffic matches the generator's
    truth: each source's own rate, sources overlapping in time, and a
    distributed campaign of one tool over disjoint slices of the /16."""

    def test_rates_overlap_and_campaign(self):
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, tools="all", sources_per_tool=2, packets_per_source=120, campaign=6,
                                          background=0.3, seed=5)
            _, events, _ = replay(directory, capture, 1)
            flows = {event["src_ip"]: event for event in events if event["event_type"] == "sip_scan_flow"}
            rates = []
            for source, expected in truth["sources"].items():
                flow = flows[source]["flow"]
                self.assertEqual(flow["packets"], expected["requests"], source)
                # Poisson arrivals over 120 requests: within 40 % of the rate.
                self.assertAlmostEqual(flow["packets_per_second"], expected["rate_pps"], delta=expected["rate_pps"] * 0.4,
                                       msg=source)
                rates.append(expected["rate_pps"])
            self.assertGreater(max(rates) / min(rates), 50)  # from a few per second to thousands
            spans = sorted((flows[source]["flow"]["start"], flows[source]["flow"]["end"]) for source in truth["sources"])
            overlapping = sum(1 for (_, end), (start, _) in zip(spans, spans[1:]) if start < end)
            self.assertGreater(overlapping, len(spans) // 4)
            # Source ports as each tool uses them: SIPVicious on 5060, or 5061
            # when taken; Nmap-style tools a new one per request.
            fixed_ports = set()
            for source, expected in truth["sources"].items():
                ports = flows[source]["src_ports"]
                if expected["source_port"] == "changing":
                    self.assertEqual(ports["behaviour"], "changing", source)
                else:
                    self.assertEqual((ports["behaviour"], ports["port"]), ("fixed", expected["source_port"]), source)
                    fixed_ports.add(expected["source_port"])
            self.assertTrue({5060, 5061} <= fixed_ports, fixed_ports)
            members = truth["campaigns"]["1"]["sources"]
            self.assertEqual(len(members), 6)
            for source in members:
                self.assertEqual(flows[source]["tool"]["name"], "sipvicious", source)
                self.assertEqual(flows[source]["strategy"], "sequential", source)


class ReplayUsesPacketTime(unittest.TestCase):
    """Flows split on the capture's clock, not on how fast the replay runs."""

    def test_inactivity_timeout_splits_flows(self):
        with TemporaryDirectory() as directory:
            # 4 sources, 6 requests each, 11 s of capture time between packets.
            capture, truth = make_capture(directory, sources=4, packets_per_source=6, responders=0, background=0,
                                          probers=0, gap=11.0, seed=3)
            for workers in (1, 2):
                summary, events, samples = replay(directory, capture, workers, ["--timeout", "10"])
                events = [event for event in events if event["event_type"] == "sip_scan_flow"]
                requests = truth["sip_requests"]
                # Consecutive requests of a source are 11 s apart (> 10 s):
                # every request opens its own flow.
                self.assertEqual(len(events), requests)
                self.assertEqual(metric_sum(samples, "sipscope_flows_opened_total"), requests)
                idle = [event for event in events if event["flow"]["close_reason"] == "idle_timeout"]
                ended = [event for event in events if event["flow"]["close_reason"] == "end_of_capture"]
                # Only the capture's last packet is younger than the timeout
                # when the capture ends; every other flow went idle.
                self.assertEqual(len(ended), 1)
                self.assertEqual(len(idle), requests - 1)
                for event in events:
                    self.assertEqual(event["flow"]["packets"], 1)
                    self.assertEqual(event["flow"]["start"], event["flow"]["end"])


class MinimumFlowRequests(unittest.TestCase):
    def test_small_unnamed_flows_are_counted_not_written(self):
        """--min-flow-requests 1000: only flows that were named or alerted
        are written; the others are counted, and every flow is still in the
        metrics."""
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, tools="all", sources_per_tool=1, packets_per_source=20, benign=4,
                                          seed=41)
            events_path, metrics_path = os.path.join(directory, "ev.jsonl"), os.path.join(directory, "m.prom")
            result = run_sipscope(["replay", capture, "--events", events_path, "--metrics-file", metrics_path,
                                   "--progress", "0", "--min-flow-requests", "1000"])
            self.assertEqual(result.returncode, 0, result.stderr)
            events = read_events(events_path)
            written = [event for event in events if event["event_type"] == "sip_scan_flow"]
            stats = events[-1]["stats"]
            self.assertGreater(stats["flows_below_minimum"], 0)
            self.assertEqual(len(written) + stats["flows_below_minimum"], stats["flows_closed"])
            for event in written:  # each is named or raised an alert
                self.assertTrue(event["tool"]["name"] != "unknown" or event["behaviours"], event["src_ip"])
            with open(metrics_path) as handle:
                samples = parse_metrics(handle.read())
            self.assertEqual(metric_sum(samples, "sipscope_flows_closed_total"), stats["flows_closed"])
            self.assertIn("flows below --min-flow-requests not written", result.stdout)


class FloodBeyondTheDetailPool(unittest.TestCase):
    def test_sources_without_detail_are_still_named(self):
        """A spoofed SIPVicious flood far larger than the detail pool: the
        flows that found it full have no fingerprint, and are named all the
        same, from their first request."""
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=0, probers=0, responders=0, background=0, flood=400,
                                          seed=23)
            _, events, samples = replay(directory, capture, 1, ["--detail-capacity", "16", "--flow-capacity", "256"])
            flows = [event for event in events if event["event_type"] == "sip_scan_flow"]
            self.assertEqual(len(flows), 400)
            without = [event for event in flows if not event["fingerprint"]]
            self.assertGreater(len(without), 300, "most flows found the pool full")
            self.assertEqual(metric_sum(samples, "sipscope_details_unavailable_total"), len(without))
            self.assertEqual({event["tool"]["name"] for event in flows}, {"sipvicious"})
            self.assertTrue(all(event["tool"]["complete"] for event in without))
            self.assertEqual(metric_sum(samples, "sipscope_flows_closed_by_tool_total", tool="sipvicious"), 400)


class CaptureReadInLargeBlocks(unittest.TestCase):
    def test_the_port_reads_through_the_large_buffer(self):
        """net_pcap binds to sipscope's pcap_open_offline (lcore/
        capture_stream.cpp), which reads the capture in 1 MiB blocks instead
        of stdio's 4 KiB, and the replay still counts every packet: the debug
        line is the proof that the exported definition is the one in use."""
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=40, packets_per_source=60, seed=31, background=0.5)
            self.assertGreater(os.path.getsize(capture), 1 << 20, "more than one block")
            events = os.path.join(directory, "events.jsonl")
            result = run_sipscope(["replay", capture, "--events", events, "--metrics", "none", "--progress", "0",
                                   "--log-level", "debug"] + IDLE_SLEEP)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("capture %s read through a 1024 KiB buffer" % capture, result.stdout + result.stderr)
            stats = read_events(events)[-1]
            self.assertEqual(stats["event_type"], "stats")
            self.assertEqual(stats["stats"]["packets"], truth["packets"])
            self.assertEqual(stats["stats"]["sip_packets"], truth["sip_packets"])


class ProcessAndPoolMetrics(unittest.TestCase):
    def test_process_detail_pool_tool_database_and_renamed_metrics(self):
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=8, packets_per_source=12)
            before = time.time()
            _, events, samples = replay(directory, capture, 2, ["--detail-capacity", "64"])
            after = time.time()
            # The process_* set, from /proc.
            self.assertGreater(metric_sum(samples, "process_resident_memory_bytes"), 1 << 20)
            self.assertGreaterEqual(metric_sum(samples, "process_virtual_memory_bytes"),
                                    metric_sum(samples, "process_resident_memory_bytes"))
            self.assertGreater(metric_sum(samples, "process_cpu_seconds_total"), 0)
            self.assertLessEqual(before - 120, metric_sum(samples, "process_start_time_seconds"))
            self.assertLessEqual(metric_sum(samples, "process_start_time_seconds"), after)
            self.assertGreater(metric_sum(samples, "process_open_fds"), 2)
            self.assertGreaterEqual(metric_sum(samples, "process_max_fds"), metric_sum(samples, "process_open_fds"))
            # The detail pool: capacity per worker, nothing held once every flow closed.
            self.assertEqual(metric_sum(samples, "sipscope_detail_pool_capacity"), 2 * 64)
            self.assertEqual(metric_sum(samples, "sipscope_detail_pool_in_use"), 0)
            # The tool database in use, as `sipscope tools` lists it.
            listing = run_sipscope(["tools"]).stdout.splitlines()[0]
            info = [key for key in samples if key[0] == "sipscope_tool_db_info"]
            self.assertEqual(len(info), 1)
            labels = dict(info[0][1])
            self.assertIn("%s tools, %s conditions" % (labels["tools"], labels["conditions"]), listing)
            self.assertTrue(labels["path"].endswith("tools.conf"))
            self.assertLessEqual(before - 60, metric_sum(samples, "sipscope_tool_db_loaded_timestamp_seconds"))
            # The port: link up with its speed, and per-queue packets that add
            # up to the port's (the driver's rx_q<N>_packets xstats).
            self.assertEqual(metric_sum(samples, "sipscope_port_link_up"), 1)
            self.assertGreater(metric_sum(samples, "sipscope_port_link_speed_bytes_per_second"), 0)
            self.assertEqual(metric_sum(samples, "sipscope_port_rx_queue_packets_total"),
                             metric_sum(samples, "sipscope_port_rx_packets_total"))
            self.assertEqual(metric_sum(samples, "sipscope_port_rx_queue_errors_total"), 0)
            # Renamed, the old names kept one release with the same values.
            self.assertEqual(metric_sum(samples, "sipscope_tsc_hertz"), metric_sum(samples, "sipscope_tsc_hz"))
            self.assertGreater(metric_sum(samples, "sipscope_tsc_hertz"), 0)
            self.assertEqual(metric_sum(samples, "sipscope_packet_timestamp_seconds"),
                             metric_sum(samples, "sipscope_packet_time_seconds"))


class ReplayHomeNetwork(unittest.TestCase):
    def test_source_scope(self):
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=3, packets_per_source=4, probers=0, seed=5)
            _, events, _ = replay(directory, capture, 1, ["--home-net", "203.0.113.2/32", "--home-net", "2001:db8::/32"])
            events = [event for event in events if event["event_type"] == "sip_scan_flow"]
            scopes = {event["src_ip"]: event["flow"]["source_scope"] for event in events}
            self.assertEqual(scopes, {"203.0.113.1": "external", "203.0.113.2": "internal", "203.0.113.3": "external"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
