"""Dialled numbers through the real path (net_pcap → workers → events and
metrics): countries and types from libphonenumber's plans, the forms each
number was dialled in, national premium-rate numbers as toll fraud given
--home-country, and an operator's own PBX in --trusted-net calling many
national numbers without an alert."""
import os
import struct
import unittest

from harness import TemporaryDirectory, make_capture, metric_sum, parse_metrics, read_events, run_sipscope, IDLE_SLEEP

TOLL_FRAUD = "198.19.3.7"   # sipgen --attackers: two international numbers, five dial forms each
PREMIUM = "198.19.4.7"      # sipgen --attackers: six INVITEs to a German 0900 number, dialled nationally
PBX = "198.51.250.5"        # sipgen --pbx: 25 answered calls to distinct German national numbers


def replay(directory, capture, extra):
    events_path, metrics_path = os.path.join(directory, "events.jsonl"), os.path.join(directory, "metrics.prom")
    for path in (events_path, metrics_path):
        if os.path.exists(path):
            os.unlink(path)
    result = run_sipscope(["replay", capture, "--workers", "2", "--events", events_path, "--metrics-file", metrics_path,
                           "--progress", "0"] + IDLE_SLEEP + extra)
    if result.returncode != 0:
        raise AssertionError(result.stderr)
    events = read_events(events_path)
    flows = {event["src_ip"]: event for event in events
             if event["event_type"] == "sip_scan_flow" and event["flow"]["state"] == "closed"}
    alerts = {}
    for event in events:
        if event["event_type"] == "alert":
            alerts.setdefault(event["src_ip"], []).append(event["alert"].get("behaviour"))
    with open(metrics_path) as handle:
        samples = parse_metrics(handle.read())
    return flows, alerts, samples


class NumbersByPlan(unittest.TestCase):
    def test_home_country_and_trusted_pbx(self):
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=2, packets_per_source=12, attackers=True, pbx=1, seed=61)
            self.assertEqual(truth["attackers"][PREMIUM]["kind"], "premium")
            flows, alerts, samples = replay(directory, capture, ["--home-country", "de", "--trusted-net",
                                                                 truth["trusted_net"]])

            # The international caller: each number once, whatever prefix;
            # its country and the five forms it was dialled in.
            toll = flows[TOLL_FRAUD]
            sweden = next(number for number in toll["numbers"] if number["number"] == "+46441408560")
            self.assertEqual((sweden["country"], sweden["type"], sweden["attempts"]), ("SE", "fixed_line", 5))
            self.assertEqual(sweden["dialled_as"], "+,00,011,outside_line_00,outside_line_011")
            self.assertEqual({number["country"] for number in toll["numbers"]}, {"SE", "IL"})
            self.assertEqual(toll["calls"]["international"], 10)
            self.assertEqual(toll["calls"]["distinct_numbers"], 2)
            self.assertEqual(toll["calls"]["most_dial_forms"], 5)
            self.assertIn("call_attempts", alerts[TOLL_FRAUD])

            # The premium-rate caller: a German 0900 number, read by the home
            # country's plan, written in E.164, and toll fraud.
            premium = flows[PREMIUM]
            self.assertEqual(premium["numbers"], [{"number": "+499001234567", "country": "DE", "type": "premium_rate",
                                                   "attempts": 6, "dialled_as": "home_national"}])
            self.assertEqual(premium["calls"]["premium_rate"], 6)
            self.assertEqual(premium["calls"]["international"], 0)
            self.assertIn("call_attempts", premium["behaviours"])
            self.assertEqual(alerts[PREMIUM], ["call_attempts"])

            # The PBX: 25 German numbers, fixed lines and mobiles, no
            # extension asked for, no behaviour, no alert.
            pbx = flows[PBX]
            self.assertEqual(pbx["calls"]["distinct_numbers"], 25)
            self.assertEqual(pbx["calls"]["invites_to_numbers"], 25)
            self.assertEqual(len(pbx["numbers"]), 8)
            for number in pbx["numbers"]:
                self.assertEqual(number["country"], "DE", number)
                self.assertIn(number["type"], ("fixed_line", "mobile"), number)
                self.assertTrue(number["number"].startswith("+49"), number)
            self.assertEqual(pbx["extensions"]["distinct"], 0)
            self.assertEqual(pbx["behaviours"], [])
            self.assertNotIn(PBX, alerts)

            # Every distinct number looked up once per worker at most, none
            # over the per-second limit.
            self.assertGreaterEqual(metric_sum(samples, "sipscope_number_lookups_total"), 2 + 1 + 25)
            self.assertEqual(metric_sum(samples, "sipscope_numbers_unclassified_total"), 0)

    def test_without_home_country_or_trusted_network(self):
        """Without a home country nothing is guessed: the 0900 number is a
        national number of no country and type unknown (no alert); without
        --trusted-net the PBX's 25 numbers are the many-numbers rule."""
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=2, packets_per_source=12, attackers=True, pbx=1, seed=61)
            flows, alerts, samples = replay(directory, capture, [])
            premium = flows[PREMIUM]
            self.assertEqual(premium["numbers"], [{"number": "09001234567", "country": "", "type": "unknown",
                                                   "attempts": 6, "dialled_as": "as_dialled"}])
            self.assertNotIn(PREMIUM, alerts)
            self.assertEqual(alerts[PBX], ["call_attempts"])
            self.assertEqual({number["country"] for number in flows[PBX]["numbers"]}, {""})
            # National numbers with no plan to read them by are not looked up.
            self.assertEqual(metric_sum(samples, "sipscope_number_lookups_total"), 2)

    def test_toll_fraud_flood_is_classified(self):
        """A toll-fraud run at line rate: one source, 20,000 INVITEs in half a
        second of packet time, each to a new British premium-rate number
        dialled 00 44 909 8…. Numbers in international form are read without
        libphonenumber's parse (a unit of the per-second budget each, 40,000
        a second), so every one gets its country and type and every INVITE
        counts as premium rate; at one parsed lookup per number (10,000 a
        second) a quarter were left unclassified."""
        count, source, destination = 20000, bytes([198, 18, 77, 5]), bytes([198, 51, 100, 20])
        with TemporaryDirectory() as directory:
            capture = os.path.join(directory, "fraud.pcap")
            with open(capture, "wb") as out:
                out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
                for index in range(count):
                    number = "00449098%06d" % (index * 7)
                    sip = ("INVITE sip:%s@198.51.100.20 SIP/2.0\r\n"
                           "Via: SIP/2.0/UDP 198.18.77.5:5070;branch=z9hG4bK%08d;rport\r\n"
                           "Max-Forwards: 70\r\nTo: <sip:%s@198.51.100.20>\r\n"
                           "From: \"100\"<sip:100@198.51.100.20>;tag=%08x\r\nCall-ID: %d@fraud\r\n"
                           "CSeq: 1 INVITE\r\nContact: <sip:100@198.18.77.5:5070>\r\nUser-Agent: pplsip\r\n"
                           "Content-Length: 0\r\n\r\n" % (number, index, number, index * 2654435761 % (1 << 32),
                                                              index)).encode()
                    udp = struct.pack("!HHHH", 5070, 5060, 8 + len(sip), 0) + sip
                    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), index & 0xFFFF, 0, 64, 17, 0, source,
                                     destination)
                    frame = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + ip + udp
                    micros = index * 25  # 40,000 INVITEs a second
                    out.write(struct.pack("<IIII", 1767225600 + micros // 1000000, micros % 1000000, len(frame),
                                          len(frame)))
                    out.write(frame)
            flows, alerts, samples = replay(directory, capture, [])
            fraud = flows["198.18.77.5"]
            self.assertEqual(fraud["calls"]["invites_to_numbers"], count)
            self.assertEqual(fraud["calls"]["international"], count)
            self.assertEqual(fraud["calls"]["premium_rate"], count)
            for number in fraud["numbers"]:
                self.assertEqual((number["country"], number["type"], number["dialled_as"]), ("GB", "premium_rate", "00"),
                                 number)
            self.assertIn("call_attempts", alerts["198.18.77.5"])
            self.assertEqual(metric_sum(samples, "sipscope_number_lookups_total"), count)
            self.assertEqual(metric_sum(samples, "sipscope_numbers_unclassified_total"), 0)

    def test_unknown_home_country_is_refused(self):
        result = run_sipscope(["replay", "/nonexistent.pcap", "--home-country", "XX"])
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("--home-country: no numbering plan for 'XX'", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
