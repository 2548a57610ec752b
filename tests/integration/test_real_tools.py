"""Traffic of the real tools, as Debian packages them today, captured by
scripts/capture-real-tools between two network namespaces (see
tests/captures/VERSIONS): replayed through the sensor, each is named."""
import os
import unittest

from harness import IDLE_SLEEP, TemporaryDirectory, read_events, run_sipscope

CAPTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "captures")

# capture → (tool name, family, table id, methods the tool sends)
EXPECTED = {
    "svmap-range.pcap": ("sipvicious", "sipvicious", 1, {"OPTIONS"}),
    "svwar.pcap": ("sipvicious-svwar", "sipvicious", 0, {"REGISTER"}),
    "svcrack.pcap": ("sipvicious-svcrack", "sipvicious", 0, {"REGISTER"}),
    "nmap-service-probe.pcap": ("nmap", "nmap", 5, {"OPTIONS"}),
    "nmap-sip-methods.pcap": ("nmap-nse", "nmap", 0, {"OPTIONS"}),
    "nmap-sip-enum-users.pcap": ("nmap-nse", "nmap", 0, {"REGISTER"}),
}


class RealToolsAreNamed(unittest.TestCase):
    def test_every_capture(self):
        with TemporaryDirectory() as directory:
            for capture, (name, family, table_id, methods) in sorted(EXPECTED.items()):
                for workers in (1, 2):
                    with self.subTest(capture=capture, workers=workers):
                        events_path = os.path.join(directory, "%s-%d.jsonl" % (capture, workers))
                        result = run_sipscope(["replay", os.path.join(CAPTURES, capture), "--workers", str(workers),
                                               "--events", events_path, "--metrics", "none", "--progress", "0"] + IDLE_SLEEP)
                        self.assertEqual(result.returncode, 0, result.stderr)
                        scanners = [event for event in read_events(events_path) if event["flow"]["packets"] > 0]
                        self.assertEqual(len(scanners), 1, scanners)
                        event = scanners[0]
                        self.assertEqual(event["src_ip"], "10.250.0.1")
                        self.assertEqual((event["tool"]["name"], event["tool"]["family"], event["tool"]["table_id"]),
                                         (name, family, table_id))
                        self.assertTrue(event["tool"]["complete"])
                        self.assertEqual(set(event["sip"]["methods"]), methods)
                        # The lab responder answered: responses are counted for the scanner.
                        self.assertGreater(event["flow"]["responses"], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
