"""Traffic of the real tools, as Debian packages them today, captured by
scripts/capture-real-tools between two network namespaces (see
tests/captures/VERSIONS): replayed through the sensor, each is named."""
import os
import unittest

from harness import IDLE_SLEEP, TemporaryDirectory, read_events, run_sipscope

CAPTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "captures")

# capture → (tool name, family, table id, methods, strategy, source-port behaviour, behaviours)
EXPECTED = {
    # svmap walks 10.250.0.2-40 one address after the other, from port 5060.
    "svmap-range.pcap": ("sipvicious", "sipvicious", 1, {"OPTIONS"}, "sequential", "fixed", ["horizontal_scan"]),
    # svmap --randomize over 10.250.0.0/24 draws addresses with repeats (253
    # requests to 152 hosts): a random order, not Nmap's random-sequential.
    "svmap-randomize.pcap": ("sipvicious", "sipvicious", 1, {"OPTIONS"}, "random", "fixed", ["horizontal_scan"]),
    # svwar and svcrack work on one PBX: no horizontal strategy; svwar asks
    # for 41 extensions, svcrack tries 41 passwords for extension 100.
    "svwar.pcap": ("sipvicious-svwar", "sipvicious", 0, {"REGISTER"}, "unknown", "fixed", ["extension_enumeration"]),
    "svcrack.pcap": ("sipvicious-svcrack", "sipvicious", 0, {"REGISTER"}, "unknown", "fixed", ["credential_brute_force"]),
    # Nmap's -sU phase probes 5060 with non-SIP datagrams before its SIP
    # request, each from another source port: a few ports in all.
    "nmap-service-probe.pcap": ("nmap", "nmap", 5, {"OPTIONS"}, "unknown", "few", []),
    "nmap-sip-methods.pcap": ("nmap-nse", "nmap", 0, {"OPTIONS"}, "unknown", "few", []),
    # Nmap's sip-brute: its ten default usernames (only admin exists: 404
    # for the others, REGISTER by REGISTER) and a password list whose ninth
    # entry is admin's password on the lab responder: refused, refused, …,
    # accepted. Brute force on one username, the credential found, and the
    # usernames it went through.
    "nmap-sip-brute.pcap": ("nmap-nse", "nmap", 0, {"REGISTER"}, "unknown", "changing",
                            ["credential_brute_force", "credential_found", "extension_enumeration"]),
    # Nmap changes the source port on every request, as the paper says.
    "nmap-sip-enum-users.pcap": ("nmap-nse", "nmap", 0, {"REGISTER"}, "unknown", "changing", ["extension_enumeration"]),
}


def replay_capture(test, directory, capture, workers, extra=()):
    """The events of `sipscope replay` on one of tests/captures, which must succeed."""
    events_path = os.path.join(directory, "%s-%d-%s.jsonl" % (capture, workers, "-".join(extra)))
    result = run_sipscope(["replay", os.path.join(CAPTURES, capture), "--workers", str(workers), "--events", events_path,
                           "--metrics", "none", "--progress", "0"] + IDLE_SLEEP + list(extra))
    test.assertEqual(result.returncode, 0, result.stderr)
    return read_events(events_path)


class RealToolsAreNamed(unittest.TestCase):
    def test_every_capture(self):
        with TemporaryDirectory() as directory:
            for capture, (name, family, table_id, methods, strategy, source_port, behaviours) in sorted(EXPECTED.items()):
                for workers in (1, 2):
                    with self.subTest(capture=capture, workers=workers):
                        events = replay_capture(self, directory, capture, workers)
                        scanners = [event for event in events
                                    if event["event_type"] == "sip_scan_flow" and event["flow"]["packets"] > 0]
                        alerts = [event for event in events if event["event_type"] == "alert"]
                        self.assertEqual(len(scanners), 1, scanners)
                        event = scanners[0]
                        self.assertEqual(event["src_ip"], "10.250.0.1")
                        self.assertEqual((event["tool"]["name"], event["tool"]["family"], event["tool"]["table_id"]),
                                         (name, family, table_id))
                        self.assertTrue(event["tool"]["complete"])
                        self.assertEqual(set(event["sip"]["methods"]), methods)
                        self.assertEqual(event["strategy"], strategy)
                        self.assertEqual(event["src_ports"]["behaviour"], source_port)
                        self.assertEqual(sorted(event["behaviours"]), behaviours)
                        # One alert per behaviour, raised while the flow was open.
                        self.assertEqual(sorted(alert["alert"]["behaviour"] for alert in alerts), behaviours)
                        for alert in alerts:
                            self.assertEqual(alert["tool"]["name"], name)
                            self.assertLessEqual(alert["timestamp"], event["timestamp"])
                        # Requests and the probes before them, all to 5060.
                        probes = sum(event["transport_probes"].values())
                        self.assertEqual(event["dest_ports"], [{"port": 5060, "requests": event["flow"]["packets"] + probes}])
                        self.assertEqual(event["dest_ports_other"], 0)
                        # The lab responder answered: responses are counted for the scanner.
                        self.assertGreater(event["flow"]["responses"], 0)
                        if capture == "svwar.pcap":
                            self.check_enumeration_exposure(event)

    def check_enumeration_exposure(self, event):
        """svwar asked the PBX (sip-responder.py --extensions 100-105) for
        42 extensions: 36 answered 404, six 401. The operator sees which
        exist and that the PBX gave them away."""
        self.assertEqual(event["extensions"], {"distinct": 42, "existing": 6,
                                               "found": ["100", "101", "102", "103", "104", "105"]})
        self.assertEqual(event["exposure"], [{"host": "10.250.0.2", "last_status": 404, "responses": 42,
                                              "status_classes": "4xx", "extensions_existing": 6}])


# Port-only scans, and the raw-socket scanners behind them, named by the
# marks they write into their IP and TCP headers (confidence 0.5):
# - nmap -sU -p 5060 over 10.250.0.2-254: empty UDP datagrams, one per
#   host, from one source port, each with its own TTL. Nmap 7.93 shuffles
#   hosts between host groups with --randomize-hosts; inside a group of
#   this size its probes still go out in ascending order, with gaps: a
#   sequential sweep as the sensor sees it, like the plain run.
# - nmap -sS: SYNs with window 1024 and one option, MSS, in ascending order.
# - ZMap over 10.250.0.0/24, SYN and UDP: IP ID 54321, TTL 255, each host
#   once in random order (a random scan).
# - Masscan over the /24, SYN and UDP together: its SYNs carry its IP ID
#   cookie; its 5060/udp probe is RFC 3261's example OPTIONS with a Via cut
#   short, which names it outright (confidence 1).
# capture → (tool, family, confidence, strategy, transport probes, SIP methods, distinct destinations)
PORT_SCANS = {
    "nmap-udp-range.pcap": ("nmap-udp-scan", "nmap", 0.5, "sequential", {"udp_empty": 253}, {}, 253),
    "nmap-udp-range-randomized.pcap": ("nmap-udp-scan", "nmap", 0.5, "sequential", {"udp_empty": 253}, {}, 253),
    "nmap-syn-range.pcap": ("nmap-syn-scan", "nmap", 0.5, "sequential", {"tcp_syn": 253}, {}, 253),
    "zmap-syn-range.pcap": ("zmap", "zmap", 0.5, "random", {"tcp_syn": 256}, {}, 256),
    "zmap-udp-range.pcap": ("zmap", "zmap", 0.5, "random", {"udp_not_sip": 256}, {}, 256),
    "masscan-range.pcap": ("masscan", "masscan", 1, "random", {"tcp_syn": 256}, {"OPTIONS": 256}, 256),
}


class PortOnlyScansAreSources(unittest.TestCase):
    def test_every_capture(self):
        with TemporaryDirectory() as directory:
            for capture, expected in sorted(PORT_SCANS.items()):
                name, family, confidence, strategy, probes, methods, destinations = expected
                for workers in (1, 2):
                    with self.subTest(capture=capture, workers=workers):
                        events = replay_capture(self, directory, capture, workers)
                        flows = [event for event in events if event["event_type"] == "sip_scan_flow"]
                        alerts = [event for event in events if event["event_type"] == "alert"]
                        self.assertEqual(len(flows), 1, flows)
                        flow = flows[0]
                        self.assertEqual(flow["src_ip"], "10.250.0.1")
                        self.assertEqual((flow["tool"]["name"], flow["tool"]["family"], flow["tool"]["confidence"]),
                                         (name, family, confidence))
                        self.assertEqual(flow["tool"]["table_id"], 0)
                        self.assertEqual(flow["flow"]["packets"], sum(methods.values()))  # SIP requests
                        self.assertEqual(flow["sip"]["methods"], methods)
                        self.assertEqual(flow["transport_probes"], probes)
                        self.assertEqual(flow["strategy"], strategy)
                        self.assertAlmostEqual(flow["destinations"]["distinct"], destinations, delta=destinations * 0.15)
                        self.assertEqual(flow["dest_ports"], [{"port": 5060, "requests": sum(probes.values()) + sum(methods.values())}])
                        self.assertEqual(flow["behaviours"], ["horizontal_scan"])
                        self.assertEqual([alert["alert"]["behaviour"] for alert in alerts], ["horizontal_scan"])


# Sampling (--fingerprint-sampling, 16 by default: a settled template merges
# 1 request in 16, and every request that could change a constant part of
# it) never changes what the real tools' traffic is named or does: the same
# tool, confidence and behaviours as merging every request, and the same
# template but for characters of already-varying values that a skipped
# request would also have masked (svwar's From: its extension digits).
class SamplingNamesRealToolsAlike(unittest.TestCase):
    def test_every_capture(self):
        captures = sorted(name for name in os.listdir(CAPTURES) if name.endswith(".pcap"))
        self.assertGreaterEqual(len(captures), 18)
        with TemporaryDirectory() as directory:
            for capture in captures:
                with self.subTest(capture=capture):
                    named = {}
                    for sampling in ("1", "16"):
                        events = replay_capture(self, directory, capture, 1, ("--fingerprint-sampling", sampling))
                        named[sampling] = {(event["src_ip"], event["flow"]["start"]): event for event in events
                                           if event["event_type"] == "sip_scan_flow"}
                    self.assertEqual(set(named["1"]), set(named["16"]))
                    for key, exact in named["1"].items():
                        sampled = named["16"][key]
                        self.assertEqual(sampled["tool"], exact["tool"], key)
                        self.assertEqual(sampled["behaviours"], exact["behaviours"], key)
                        self.assertEqual([entry["name"] for entry in sampled["fingerprint"]],
                                         [entry["name"] for entry in exact["fingerprint"]], key)
                        for mine, every in zip(sampled["fingerprint"], exact["fingerprint"]):
                            self.assertEqual(len(mine["value"]), len(every["value"]), (key, every["name"]))
                            for kept, merged in zip(mine["value"], every["value"]):
                                # Where every request was merged, a character is either the same or masked.
                                self.assertTrue(kept == merged or merged == "\u2591", (key, every, mine))


# Benign calls: SIPp's client places answered calls (INVITE, 100, 180, 200,
# ACK, BYE) to extension 300 on SIPp's server — 5 calls, and 30 to the
# same callee. A phone or a PBX does this all day: no alert, named as the
# testing tool it is (not an attack tool), and extension 300 is no
# telephone number (no country).
BENIGN_CALLS = {"sipp-calls.pcap": 5, "sipp-calls-30.pcap": 30}


class BenignCallsRaiseNothing(unittest.TestCase):
    def test_every_capture(self):
        with TemporaryDirectory() as directory:
            for capture, calls in sorted(BENIGN_CALLS.items()):
                for workers in (1, 2):
                    with self.subTest(capture=capture, workers=workers):
                        events = replay_capture(self, directory, capture, workers)
                        flows = [event for event in events if event["event_type"] == "sip_scan_flow"]
                        self.assertEqual([event for event in events if event["event_type"] == "alert"], [])
                        self.assertEqual(len(flows), 1, flows)
                        flow = flows[0]
                        self.assertEqual(flow["sip"]["methods"], {"INVITE": calls, "ACK": calls, "BYE": calls})
                        self.assertEqual(flow["flow"]["responses"], 3 * calls)  # 180, 200 to INVITE, 200 to BYE
                        self.assertEqual((flow["tool"]["name"], flow["tool"]["family"]), ("sipp", "testing"))
                        self.assertEqual(flow["behaviours"], [])
                        self.assertEqual(flow["numbers"], [])
                        self.assertEqual(flow["calls"], {"invites_to_numbers": 0, "international": 0, "premium_rate": 0,
                                                         "distinct_numbers": 0, "most_dial_forms": 0})
                        # A SIP stack wrote these: no trait of a script; SIPp's caller is "sipp".
                        self.assertEqual(flow["crafting"], {"cues": [], "scripted": False})
                        self.assertEqual(flow["callers"], [{"user": "sipp", "requests": 3 * calls}])


# A phone as SIPp plays it: a REGISTER with digest (challenged, then
# accepted), then 5 answered calls to extension 300. No behaviour, no
# alert, no attack tool; one credentialed request, accepted.
class BenignPhoneRaisesNothing(unittest.TestCase):
    def test_register_then_calls(self):
        with TemporaryDirectory() as directory:
            for workers in (1, 2):
                with self.subTest(workers=workers):
                    events = replay_capture(self, directory, "sipp-phone.pcap", workers)
                    flows = [event for event in events if event["event_type"] == "sip_scan_flow"]
                    self.assertEqual([event for event in events if event["event_type"] == "alert"], [])
                    self.assertEqual(len(flows), 1, flows)
                    flow = flows[0]
                    self.assertEqual(flow["sip"]["methods"], {"REGISTER": 2, "INVITE": 5, "ACK": 5, "BYE": 5})
                    self.assertIn(flow["tool"]["family"], ("unknown", "testing"))
                    self.assertEqual(flow["behaviours"], [])
                    self.assertEqual((flow["digest_auth"]["attempts"], flow["digest_auth"]["refused"],
                                      flow["digest_auth"]["accepted"]), (1, 0, 1))
                    self.assertEqual(flow["calls"]["invites_to_numbers"], 0)
                    self.assertFalse(flow["crafting"]["scripted"])


# sipsak, an administrator's tool: one OPTIONS, and its flood mode (200
# OPTIONS to one host). Named, family testing, no alert: one host pinged
# fast is no scan.
TESTING_TOOLS = {"sipsak-ping.pcap": ("sipsak", 1), "sipsak-flood.pcap": ("sipsak", 200)}


class TestingToolsAreNamedNotAlerted(unittest.TestCase):
    def test_every_capture(self):
        with TemporaryDirectory() as directory:
            for capture, (name, requests) in sorted(TESTING_TOOLS.items()):
                with self.subTest(capture=capture):
                    events = replay_capture(self, directory, capture, 1)
                    flows = [event for event in events if event["event_type"] == "sip_scan_flow"]
                    self.assertEqual([event for event in events if event["event_type"] == "alert"], [])
                    self.assertEqual(len(flows), 1, flows)
                    self.assertEqual((flows[0]["tool"]["name"], flows[0]["tool"]["family"]), (name, "testing"))
                    self.assertEqual(flows[0]["flow"]["packets"], requests)
                    self.assertEqual(flows[0]["behaviours"], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
