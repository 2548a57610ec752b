"""Bad input and bad configuration: one clear line, a non-zero exit, never a
crash or a DPDK backtrace."""
import os
import unittest

from harness import TemporaryDirectory, make_capture, run_sipscope

EAL_NO_HUGE = ["--no-huge", "-m", "256", "--no-shconf", "--no-pci", "--no-telemetry"]


class CommandLineErrors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = TemporaryDirectory()
        cls.capture, _ = make_capture(cls.directory.name, sources=2, packets_per_source=3)

    @classmethod
    def tearDownClass(cls):
        cls.directory.cleanup()

    def assert_clean_failure(self, arguments, expected_text):
        result = run_sipscope(arguments, timeout=60)
        self.assertNotEqual(result.returncode, 0, result)
        self.assertLess(result.returncode, 128, "killed by a signal: %s" % result.stderr)
        combined = result.stdout + result.stderr
        self.assertIn(expected_text, combined)
        for bad in ("Backtrace", "PANIC", "Segmentation", "terminate called", "Aborted"):
            self.assertNotIn(bad, combined)
        return result

    def test_missing_capture(self):
        self.assert_clean_failure(["replay", "/nonexistent/capture.pcap"], "does not exist")

    def test_capture_that_is_not_a_pcap(self):
        path = os.path.join(self.directory.name, "notes.txt")
        with open(path, "w") as handle:
            handle.write("this is not a capture\n")
        self.assert_clean_failure(["replay", path], "cannot read capture")

    def test_bad_metrics_address(self):
        self.assert_clean_failure(["replay", self.capture, "--metrics", "localhost"], "needs ADDR:PORT")
        self.assert_clean_failure(["replay", self.capture, "--metrics", "1.2.3.4:99999"], "port must be")

    def test_bad_home_network(self):
        self.assert_clean_failure(["replay", self.capture, "--home-net", "198.51.0.0/40"], "is not a network")

    def test_malformed_option(self):
        self.assert_clean_failure(["replay", self.capture, "--workers", "many"], "--workers")
        self.assert_clean_failure(["replay", self.capture, "--no-such-option"], "no-such-option")
        self.assert_clean_failure([], "subcommand")

    def test_unknown_port(self):
        self.assert_clean_failure(["run", "--ports", "7", "--metrics", "none", "--events", "", "--",
                                   *EAL_NO_HUGE, "-l", "0-1", "--vdev", "net_null0"], "there is no port 7")

    def test_too_few_lcores(self):
        self.assert_clean_failure(["run", "--workers", "3", "--metrics", "none", "--events", "", "--",
                                   *EAL_NO_HUGE, "-l", "0-1", "--vdev", "net_null0"], "--workers 3 needs 4 lcores")

    def test_no_port_at_all(self):
        self.assert_clean_failure(["run", "--metrics", "none", "--events", "", "--", *EAL_NO_HUGE, "-l", "0-1"],
                                  "no port to watch")

    def test_bad_eal_argument(self):
        self.assert_clean_failure(["run", "--metrics", "none", "--", "--no-such-eal-flag"], "EAL initialisation failed")

    def test_events_file_in_missing_directory(self):
        self.assert_clean_failure(["replay", self.capture, "--metrics", "none", "--events", "/nonexistent/dir/e.jsonl"],
                                  "cannot open events file")

    def test_config_file_is_read(self):
        config = os.path.join(self.directory.name, "sipscope.toml")
        with open(config, "w") as handle:
            handle.write('home-net = ["198.51.0.0/40"]\n')
        self.assert_clean_failure(["--config", config, "replay", self.capture], "is not a network")

    def test_help_explains_options(self):
        result = run_sipscope(["--help"])
        self.assertEqual(result.returncode, 0)
        for option in ("--workers", "--flow-capacity", "--timeout", "--home-net", "--metrics", "--events", "--config"):
            self.assertIn(option, result.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
