"""Every tool of TOOLS.md, generated, is named with its table id and its
strategy, with 1 worker and with 2; benign phones are not called scanners
(scripts/confusion-matrix, which exits 1 on any disagreement); and the
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
                self.assertIn("42/42 sources named right; strategies: 42/42; benign phones called scanners: 0/4", result.stdout)
                self.assertIn("toll fraud) seen and alerted: 4/4", result.stdout)

    def test_strategies_through_partial_views(self):
        """A telescope or mirror sees part of each scan: the same tools and
        strategies at 70, 50 and 30 % of the destinations."""
        for visibility in ("0.7", "0.5", "0.3"):
            with self.subTest(visibility=visibility):
                result = subprocess.run([sys.executable, SCRIPT, "--sources-per-tool", "2", "--packets-per-source", "80",
                                         "--benign", "2", "--seed", "5", "--visibility", visibility, "--sipscope", SIPSCOPE],
                                        capture_output=True, text=True, timeout=300)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                self.assertIn("42/42 sources named right; strategies: 42/42", result.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
