"""Bad input and bad configuration: one clear line, a non-zero exit, never a
crash or a DPDK backtrace."""
import json
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

    def test_tools_lists_the_database(self):
        result = run_sipscope(["tools"])
        self.assertEqual(result.returncode, 0, result.stderr)
        for name in ("sipvicious", "amoot", "nmap-ag", "100rel", "startrinity", "01146441408560", "nessus"):
            self.assertIn(name, result.stdout)
        ids = {line.split()[0] for line in result.stdout.splitlines()[2:] if line.strip()}
        self.assertTrue({str(i) for i in range(1, 22)} <= ids)

    def test_broken_tool_database_stops_the_sensor(self):
        broken = os.path.join(self.directory.name, "broken.conf")
        with open(broken, "w") as handle:
            handle.write("[tool]\nid = 1\nname = mytool\nfamily = custom\nrequire user-agent = (oops\n")
        for command in (["tools", "--tool-db", broken], ["replay", self.capture, "--tool-db", broken, "--metrics", "none"]):
            result = self.assert_clean_failure(command, "broken.conf:5: tool 'mytool': pattern for 'user-agent' does not compile")
            self.assertNotIn("EAL", result.stderr)  # refused before DPDK starts
        self.assert_clean_failure(["tools", "--tool-db", "/nonexistent/tools.conf"], "cannot read tool database")

    def test_user_tool_database_names_a_new_tool(self):
        custom = os.path.join(self.directory.name, "custom.conf")
        with open(custom, "w") as handle:
            handle.write("[tool]\nid = 0\nname = lab-register-scanner\nfamily = custom\n"
                         "require user-agent = Asterisk PBX$\nrequire cseq = 1 REGISTER$\n")
        events = os.path.join(self.directory.name, "custom-events.jsonl")
        result = run_sipscope(["replay", self.capture, "--tool-db", custom, "--metrics", "none", "--events", events,
                               "--progress", "0"])
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(events) as handle:
            names = {event["tool"]["name"] for event in map(json.loads, handle) if event["event_type"] == "sip_scan_flow"}
        self.assertIn("lab-register-scanner", names)

    def test_help_explains_options(self):
        result = run_sipscope(["--help"])
        self.assertEqual(result.returncode, 0)
        for option in ("--workers", "--flow-capacity", "--timeout", "--home-net", "--metrics", "--events", "--config"):
            self.assertIn(option, result.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
