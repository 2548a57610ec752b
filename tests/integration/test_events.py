"""Event schema 2 on real packets (net_pcap vdev -> workers -> control lcore
-> events file): sensor name, flow ids that link alerts and interim records
to their flow, Community IDs that match an independent computation, interim
records of open flows (--active-timeout), and standard output that holds
only events with --events -. Every line is validated against
docs/events.schema.json by the harness."""
import base64
import collections
import hashlib
import ipaddress
import os
import struct
import unittest

from harness import IDLE_SLEEP, TemporaryDirectory, make_capture, parse_event_lines, read_events, run_sipscope


def community_id(source, source_port, destination, destination_port, protocol, seed=0):
    """Community ID v1 as the specification describes it, written here
    independently of the sensor's C++ (hashlib and ipaddress)."""
    a, b = ipaddress.ip_address(source).packed, ipaddress.ip_address(destination).packed
    if (a, source_port) > (b, destination_port):
        a, b, source_port, destination_port = b, a, destination_port, source_port
    data = struct.pack("!H", seed) + a + b + struct.pack("!BBHH", protocol, 0, source_port, destination_port)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


class EventSchema(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = TemporaryDirectory()
        # IPv4 and IPv6 scanners, responders: flows with and without alerts.
        cls.capture, cls.truth = make_capture(cls.directory.name, sources=6, packets_per_source=40, responders=2,
                                              ipv6_sources=2)

    @classmethod
    def tearDownClass(cls):
        cls.directory.cleanup()

    def replay(self, name, workers, extra=()):
        events = os.path.join(self.directory.name, name)
        result = run_sipscope(["replay", self.capture, "--workers", str(workers), "--events", events,
                               "--progress", "0"] + IDLE_SLEEP + list(extra))
        self.assertEqual(result.returncode, 0, result.stderr)
        return read_events(events), result

    def test_flow_ids_link_alerts_and_interim_records_to_their_flow(self):
        for workers in (1, 2):
            with self.subTest(workers=workers):
                # The capture spans seconds: a 50 ms active timeout makes
                # every scanner report several times while it scans.
                events, result = self.replay("ids-%d.jsonl" % workers, workers,
                                             ["--sensor-name", "telescope-a", "--active-timeout", "0.05"])
                self.assertEqual({event["sensor"] for event in events}, {"telescope-a"})
                self.assertEqual({event["schema_version"] for event in events}, {2})
                flows = [event for event in events if event["event_type"] == "sip_scan_flow"]
                closed = {event["flow_id"]: event for event in flows if event["flow"]["state"] == "closed"}
                self.assertEqual(len(closed), sum(1 for event in flows if event["flow"]["state"] == "closed"),
                                 "a flow_id given to two flows")
                self.assertEqual(len({event["src_ip"] for event in closed.values()}), len(closed))
                interim = collections.defaultdict(list)
                for event in flows:
                    if event["flow"]["state"] == "active":
                        interim[event["flow_id"]].append(event)
                self.assertGreaterEqual(len(interim), 8, "every scanner of a multi-second scan reports while open")
                for flow_id, reports in interim.items():
                    final = closed[flow_id]
                    counts = [report["flow"]["packets"] for report in reports] + [final["flow"]["packets"]]
                    self.assertEqual(counts, sorted(counts), "interim records are cumulative")
                    for report in reports:
                        self.assertEqual((report["src_ip"], report["flow"]["start"], report["community_id"]),
                                         (final["src_ip"], final["flow"]["start"], final["community_id"]))
                        self.assertNotIn("close_reason", report["flow"])
                        self.assertLessEqual(report["timestamp"], final["timestamp"])
                alerts = [event for event in events if event["event_type"] == "alert"]
                self.assertTrue(alerts)
                for alert in alerts:
                    self.assertEqual(closed[alert["flow_id"]]["src_ip"], alert["src_ip"])
                # Interim records are counted apart from flows in the summary and stats.
                stats = [event for event in events if event["event_type"] == "stats"][-1]["stats"]
                reported = sum(len(reports) for reports in interim.values())
                self.assertEqual(stats["flows_reported_active"], reported)
                self.assertEqual(stats["flows_closed"], len(closed))
                self.assertIn("%d of the flow lines are interim records" % reported, result.stdout)

    def test_community_id_matches_an_independent_computation(self):
        events, _ = self.replay("cid.jsonl", 1, ["--community-id-seed", "7"])
        flows = [event for event in events if event["event_type"] == "sip_scan_flow"]
        families = set()
        for event in flows:
            if "src_port" not in event:
                continue
            protocol = {"UDP": 17, "TCP": 6}[event["proto"]]
            expected = community_id(event["src_ip"], event["src_port"], event["dest_ip"], event["dest_port"], protocol, 7)
            self.assertEqual(event["community_id"], expected, event["src_ip"])
            families.add(ipaddress.ip_address(event["src_ip"]).version)
        self.assertEqual(families, {4, 6})

    def test_alerts_carry_stable_signature_ids(self):
        events, _ = self.replay("sig.jsonl", 1, ["--alert-method", "OPTIONS=5"])
        alerts = [event["alert"] for event in events if event["event_type"] == "alert"]
        by_signature = collections.defaultdict(set)
        for alert in alerts:
            by_signature[alert["signature"]].add((alert["signature_id"], alert["severity"]))
        self.assertIn({(9100001, 3)}, by_signature.values())  # horizontal_scan
        self.assertEqual(by_signature["SIP OPTIONS requests over the threshold"], {(9100105, 3)})
        ids = [next(iter(pairs))[0] for pairs in by_signature.values()]
        self.assertEqual(len(ids), len(set(ids)), "one id per signature")

    def test_no_interim_records_when_the_active_timeout_is_zero(self):
        events, _ = self.replay("zero.jsonl", 1, ["--active-timeout", "0"])
        states = {event["flow"]["state"] for event in events if event["event_type"] == "sip_scan_flow"}
        self.assertEqual(states, {"closed"})

    def test_events_on_standard_output_are_alone_there(self):
        result = run_sipscope(["replay", self.capture, "--events", "-", "--progress", "1"] + IDLE_SLEEP)
        self.assertEqual(result.returncode, 0, result.stderr)
        events = parse_event_lines(result.stdout.splitlines(), "stdout")
        self.assertEqual(sum(1 for event in events if event["event_type"] == "stats"), 1)
        self.assertTrue(any(event["event_type"] == "sip_scan_flow" for event in events))
        self.assertIn("sipscope replay summary", result.stderr)

    def test_fingerprint_id_names_a_tool_variant_from_one_request_or_many(self):
        # Most sources send one to a few requests (a /16's view of an
        # Internet-wide scan); some send many, which blur their templates.
        capture, _ = make_capture(self.directory.name, name="heavy.pcap", tools="all", sources_per_tool=4,
                                  heavy_tail=1.2, packets_per_source=200, seed=3)
        events = os.path.join(self.directory.name, "heavy.jsonl")
        result = run_sipscope(["replay", capture, "--events", events, "--progress", "0"] + IDLE_SLEEP)
        self.assertEqual(result.returncode, 0, result.stderr)
        ids = collections.defaultdict(set)
        sizes = collections.defaultdict(set)
        for event in read_events(events):
            if event["event_type"] == "sip_scan_flow" and event["flow"]["state"] == "closed" and event["flow"]["packets"]:
                ids[event["tool"]["name"]].add(event["fingerprint_id"])
                sizes[event["tool"]["name"]].add(event["flow"]["packets"] == 1)
        # Tools whose requests fix every field but per-message ones (tags,
        # branches, Call-IDs, counters, extensions): one id each. Tools that
        # draw their User-Agent or user names at random have one per draw.
        fixed = ["sipvicious", "nmap", "nmap-test", "nmap-sip-a", "nmap-ag", "a123", "a84b4c", "pplsip", "startrinity",
                 "sip-99999", "sip-b-localip", "nessus", "voip"]
        for tool in fixed:
            self.assertEqual(len(ids[tool]), 1, (tool, ids[tool]))
        self.assertEqual(len({next(iter(ids[tool])) for tool in fixed}), len(fixed), "one id per tool")
        self.assertTrue(any(True in sizes[tool] and False in sizes[tool] for tool in fixed),
                        "one-request and many-request flows of one tool share the id")

    def test_bad_active_timeout_is_refused(self):
        for value in ("-1", "nan", "abc"):
            with self.subTest(value=value):
                result = run_sipscope(["replay", self.capture, "--events", "", "--active-timeout", value])
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn("--active-timeout", result.stderr)


if __name__ == "__main__":
    unittest.main()
