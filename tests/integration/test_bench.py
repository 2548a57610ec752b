"""scripts/bench as an operator runs it on their own capture and device:
--capture, --eal naming a device (wire), --no-install, --compare, the JSON
and the PNG, and the record rate and settled-request cost beside them. One short run each: the figures are not judged, only that they are
measured and reported (rates are never asserted on these machines)."""
import json
import os
import subprocess
import unittest

from harness import SIPSCOPE, TemporaryDirectory, make_capture

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "bench")
QUICK = ["--no-install", "--runs", "1", "--seconds", "1", "--source-flood", "0", "--no-peers"]


def bench(arguments):
    return subprocess.run([BENCH] + QUICK + arguments, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, SIPSCOPE=os.path.abspath(SIPSCOPE)))


class OperatorsOwnMeasurement(unittest.TestCase):
    def test_own_capture_and_plot(self):
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=3, packets_per_source=40, background=0.5, seed=3)
            figures = os.path.join(directory, "figures.json")
            result = bench(["--scenarios", "", "--capture", capture, "--json", figures])
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            with open(figures) as handle:
                report = json.load(handle)
            self.assertEqual(list(report["scenarios"]), ["capture:traffic.pcap"])
            measured = report["scenarios"]["capture:traffic.pcap"]
            self.assertEqual(measured["packets_in_file"], truth["packets"])
            self.assertGreater(measured["testpmd_pps_median"], 0)
            self.assertGreater(measured["sipscope_pps_median"], 0)
            self.assertAlmostEqual(report["ratio_capture:traffic.pcap"],
                                   measured["sipscope_pps_median"] / measured["testpmd_pps_median"])
            self.assertIn("parse", measured["stages"])
            # The control lcore's record rate, the settled-request and new-source costs,
            # from the build's micro-benchmarks when it has them.
            built = os.path.join(os.path.dirname(BENCH), "..", "build", "tests")
            if os.path.exists(os.path.join(built, "record_bench")):
                for kind in ("with_detail", "without_detail"):
                    self.assertGreater(report["records_per_second_" + kind], 0)
                    self.assertGreater(report["records"][kind]["bytes_per_record"], 0)
            if os.path.exists(os.path.join(built, "tracker_bench")):
                self.assertEqual(set(report["settled_request"]), {"svmap_options", "svwar_register", "invite_numbers"})
                self.assertGreater(report["settled_request"]["svmap_options"]["ns_per_request"], 0)
                # A new number every INVITE: some are looked up, a SIPVicious OPTIONS has none.
                self.assertGreater(report["settled_request"]["invite_numbers"]["numbers_looked_up_per_request"], 0)
                self.assertEqual(report["settled_request"]["svmap_options"]["numbers_looked_up_per_request"], 0)
                self.assertGreater(report["new_source"]["ns_per_source"], 0)
            with open(os.path.join(directory, "figures.png"), "rb") as handle:
                self.assertEqual(handle.read(8), b"\x89PNG\r\n\x1a\n")

    def test_another_build_alternated_with_this_one(self):
        # The same binary on both sides: both are measured, run by run, on
        # the real path, and the quotient is theirs (not judged: it is noise).
        with TemporaryDirectory() as directory:
            capture, _ = make_capture(directory, sources=2, packets_per_source=30, seed=5)
            figures = os.path.join(directory, "compare.json")
            result = bench(["--scenarios", "", "--capture", capture, "--runs", "2", "--no-micro",
                            "--compare", os.path.abspath(SIPSCOPE), "--json", figures])
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertIn("vs --compare:", result.stdout)
            with open(figures) as handle:
                measured = json.load(handle)["scenarios"]["capture:traffic.pcap"]
            compared = measured["compare"]
            self.assertGreater(compared["sipscope_pps_median"], 0)
            self.assertAlmostEqual(compared["speedup"], measured["sipscope_pps_median"] / compared["sipscope_pps_median"])
            self.assertIn("parse", compared["stages"])
        result = bench(["--scenarios", "", "--compare", "/nonexistent/sipscope"])
        self.assertEqual(result.returncode, 2)
        self.assertIn("--compare /nonexistent/sipscope: no such executable", result.stderr)

    def test_device_named_by_eal_is_measured_as_fed(self):
        with TemporaryDirectory() as directory:
            capture, _ = make_capture(directory, sources=2, packets_per_source=30, seed=4)
            figures = os.path.join(directory, "wire.json")
            eal = "--no-huge -m 1024 --no-shconf --no-pci --no-telemetry -l 0-1 --vdev net_pcap0,rx_pcap=%s,infinite_rx=1" % capture
            result = bench(["--eal", eal, "--json", figures])
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertIn("packets the port missed", result.stdout)
            with open(figures) as handle:
                report = json.load(handle)
            self.assertTrue(report["wire"])
            self.assertEqual(list(report["scenarios"]), ["wire"])
            self.assertEqual(set(report["scenarios"]["wire"]["port_missed_max"]), {"testpmd", "sipscope"})
            self.assertGreater(report["scenarios"]["wire"]["sipscope_pps_median"], 0)

    def test_bad_input_is_refused_with_the_reason(self):
        result = bench(["--capture", "/nonexistent.pcap"])
        self.assertEqual(result.returncode, 2)
        self.assertIn("--capture /nonexistent.pcap: no such file", result.stderr)
        with TemporaryDirectory() as directory:
            text = os.path.join(directory, "notes.pcap")
            with open(text, "w") as handle:
                handle.write("not a capture at all, just words\n")
            result = bench(["--scenarios", "", "--capture", text])
            self.assertNotEqual(result.returncode, 0)
            self.assertIn("not a pcap file", result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main()
