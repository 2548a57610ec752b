"""Every tool of TOOLS.md, generated, is named with its table id and its
strategy, with 1 worker and with 2; benign phones and a PBX calling many
national numbers from a trusted network are neither called scanners nor
alerted on; random scans of one /24 read random; every attacker beyond
scanning, international and premium-rate toll fraud included, is alerted
on (scripts/confusion-matrix, which exits 1 on any disagreement); and the
same through partial views of each scan."""
import os
import subprocess
import sys
import unittest

from harness import SIPSCOPE

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "confusion-matrix")


class ConfusionMatrix(unittest.TestCase):
    def test_every_tool_named(self):
        for workers in ("1", "2"):
            with self.subTest(workers=workers):
                result = subprocess.run([sys.executable, SCRIPT, "--sources-per-tool", "2", "--packets-per-source", "40",
                                         "--benign", "4", "--seed", "3", "--workers", workers, "--sipscope", SIPSCOPE],
                                        capture_output=True, text=True, timeout=300)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                self.assertIn("42/42 sources named right; strategies: 42/42; benign phones and PBXs called scanners or "
                              "alerted on: 0/5", result.stdout)
                self.assertIn("scans of one /24 in random order read random: 3/3", result.stdout)
                self.assertIn("toll fraud) seen and alerted: 5/5", result.stdout)

    def test_strategies_through_partial_views(self):
        """A telescope or mirror sees part of each scan: the same tools and
        strategies at 70, 50 and 30 % of the destinations, for every
        strategy and for random scans of a single /24."""
        result = subprocess.run([sys.executable, SCRIPT, "--sources-per-tool", "2", "--packets-per-source", "80",
                                 "--benign", "2", "--seed", "5", "--visibility", "0.7,0.5,0.3", "--sipscope", SIPSCOPE],
                                capture_output=True, text=True, timeout=600)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout.count("42/42 sources named right; strategies: 42/42"), 3, result.stdout)
        self.assertEqual(result.stdout.count("scans of one /24 in random order read random: 3/3"), 3, result.stdout)
        table = result.stdout[result.stdout.index("strategy "):]
        for row, right in (("sequential", "20/20"), ("random-sequential", "10/10"), ("random", "12/12"),
                           ("random (one /24)", "3/3")):
            line = next(line for line in table.splitlines() if line.startswith(row + " "))
            self.assertEqual(line.split()[-3:], [right] * 3, line)


if __name__ == "__main__":
    unittest.main(verbosity=2)
