"""scripts/report on the sensor's own events: every figure is written and
non-empty, index.html shows each with its table, for a one-day capture of
every tool with attackers (alerts, dialled numbers) and for a multi-day
capture with campaigns; bad input is a clear error."""
import os
import re
import subprocess
import sys
import unittest

from harness import IDLE_SLEEP, SIPGEN, SIPSCOPE, TemporaryDirectory, run_sipscope

REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "report")
FIGURES = ["sources_per_tool_per_day.png", "tools_by_strategy.png", "methods_by_tool.png", "source_ports_by_tool.png",
           "numbers_by_country.png", "alerts_by_behaviour.png", "campaign_activity.png"]


class Report(unittest.TestCase):
    def events_of(self, directory, name, generator_arguments):
        capture = os.path.join(directory, name + ".pcap")
        subprocess.run([sys.executable, SIPGEN, "--out", capture] + generator_arguments, check=True,
                       stderr=subprocess.DEVNULL)
        events = os.path.join(directory, name + ".jsonl")
        result = run_sipscope(["replay", capture, "--events", events, "--progress", "0"] + IDLE_SLEEP)
        self.assertEqual(result.returncode, 0, result.stderr)
        return events

    def report(self, events, out):
        return subprocess.run([REPORT, events, "--out", out], capture_output=True, text=True, timeout=300,
                              env=dict(os.environ, SIPSCOPE=SIPSCOPE))

    def check_figures(self, out):
        with open(os.path.join(out, "index.html")) as handle:
            index = handle.read()
        for figure in FIGURES:
            path = os.path.join(out, figure)
            with open(path, "rb") as handle:
                self.assertEqual(handle.read(8), b"\x89PNG\r\n\x1a\n", figure)
            self.assertGreater(os.path.getsize(path), 5000, figure)
            self.assertIn("src='%s'" % figure, index)
        self.assertEqual(index.count("<table>"), len(FIGURES))
        return index

    def test_one_day_with_attackers_and_many_days_with_campaigns(self):
        with TemporaryDirectory() as directory:
            demo = self.events_of(directory, "demo", ["--tools", "all", "--attackers", "--benign", "2"])
            result = self.report(demo, os.path.join(directory, "demo-report"))
            self.assertEqual(result.returncode, 0, result.stderr)
            index = self.check_figures(os.path.join(directory, "demo-report"))
            self.assertIn("credential_brute_force", index)  # the alerts table
            self.assertIn("SE", index)  # numbers dialled to Sweden by the toll-fraud caller
            days = self.events_of(directory, "days", ["--days", "10", "--day-campaigns", "3", "--campaign-size", "8",
                                                      "--independent", "10", "--always-active", "5",
                                                      "--packets-per-source", "2"])
            result = self.report(days, os.path.join(directory, "days-report"))
            self.assertEqual(result.returncode, 0, result.stderr)
            index = self.check_figures(os.path.join(directory, "days-report"))
            self.assertIn("over 10 days", index)
            found = re.search(r"(\d+) campaigns\.", index)
            self.assertTrue(found and int(found.group(1)) >= 3, "the three generated campaigns are drawn")

    def test_bad_input_is_a_clear_error(self):
        with TemporaryDirectory() as directory:
            broken = os.path.join(directory, "broken.jsonl")
            with open(broken, "w") as handle:
                handle.write("{}\nnot json\n")
            result = self.report(broken, os.path.join(directory, "out"))
            self.assertNotEqual(result.returncode, 0)
            self.assertIn("broken.jsonl:2: not a JSON object", result.stderr)
            empty = os.path.join(directory, "empty.jsonl")
            open(empty, "w").close()
            result = self.report(empty, os.path.join(directory, "out"))
            self.assertNotEqual(result.returncode, 0)
            self.assertIn("no closed sip_scan_flow events", result.stderr)


if __name__ == "__main__":
    unittest.main()
