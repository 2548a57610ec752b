"""Bad input and bad configuration: one clear line, a non-zero exit, never a
crash or a DPDK backtrace."""
import json
import os
import re
import unittest

from harness import TemporaryDirectory, make_capture, parse_event_lines, run_sipscope

SIPSCOPE_TOOL_DB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fingerprint", "tools.conf")

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

    def test_repeatable_option_right_before_the_eal_arguments(self):
        """`--home-net X -- EAL…` (the README's form): the option takes its
        one value, the rest goes to the EAL."""
        for option, value in (("--home-net", "198.51.0.0/16"), ("--alert-dest-net", "198.51.0.0/16"),
                              ("--alert-method", "OPTIONS=5"), ("--trusted-net", "10.0.0.0/8")):
            with self.subTest(option=option):
                result = run_sipscope(["replay", self.capture, "--events", "", option, value, "--",
                                       "--log-level=*:error"], timeout=60)
                self.assertEqual(result.returncode, 0, result.stderr)

    def test_version_and_usage_exit_codes(self):
        for flag in ("--version", "-V"):
            result = run_sipscope([flag])
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertRegex(result.stdout, r"^sipscope \S+ \(DPDK ")
        self.assertEqual(run_sipscope(["--help"]).returncode, 0)
        for arguments in (["replay"], ["replay", self.capture, "--no-such-option"], [], ["run", "--workers", "x"]):
            self.assertEqual(run_sipscope(arguments).returncode, 2, arguments)  # usage, not CLI11's 1xx

    def test_config_file_mistakes_are_named_by_file_and_line(self):
        for name, text, message in (("typo.conf", "# fine\nworkers = 1\n\nevnets = x\n", "typo.conf:4: unknown option 'evnets'"),
                                    ("section.conf", "[sensor]\nworkers = 2\n", "section.conf:1: sections are not used"),
                                    ("yaml.conf", "workers: 2\n", "yaml.conf:1: not `option = value`"),
                                    ("help.conf", "help = true\n", "help.conf:1: unknown option 'help'")):
            with self.subTest(name=name):
                path = os.path.join(self.directory.name, name)
                with open(path, "w") as handle:
                    handle.write(text)
                for arguments in (["--config", path, "replay", self.capture], ["replay", self.capture, "--config=" + path]):
                    result = self.assert_clean_failure(arguments + ["--events", ""], message)
                    self.assertEqual(result.returncode, 2)
        # The shipped sample configuration is accepted.
        sample = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "service", "sipscope.conf")
        result = run_sipscope(["--config", sample, "replay", self.capture, "--events", "", "--tool-db", SIPSCOPE_TOOL_DB,
                               "--progress", "0"])
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_two_replays_at_once(self):
        """replay serves no metrics by default: replays of a directory of
        captures can run side by side."""
        import subprocess
        from harness import SIPSCOPE
        processes = [subprocess.Popen([SIPSCOPE, "replay", self.capture, "--events", "", "--progress", "0"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for process in processes:
            _, stderr = process.communicate(timeout=60)
            self.assertEqual(process.returncode, 0, stderr)

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
            names = {event["tool"]["name"] for event in parse_event_lines(handle, events) if event["event_type"] == "sip_scan_flow"}
        self.assertIn("lab-register-scanner", names)

    def test_log_lines_have_time_and_level_or_a_journal_priority(self):
        line = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z sipscope\[\d+\] (error|warning|notice|info|debug): \S")
        result = run_sipscope(["replay", self.capture, "--events", "", "--progress", "0"])
        self.assertEqual(result.returncode, 0, result.stderr)
        ours = [text for text in result.stderr.splitlines() if "sipscope[" in text]
        self.assertIn("info: 1 worker(s) running", result.stderr)
        self.assertTrue(ours)
        for text in ours:
            self.assertRegex(text, line)
        # --log-level warning: the info lines go.
        quiet = run_sipscope(["--log-level", "warning", "replay", self.capture, "--events", "", "--progress", "0"])
        self.assertEqual(quiet.returncode, 0, quiet.stderr)
        self.assertNotIn("worker(s) running", quiet.stderr)
        # Under systemd: syslog priority prefixes, no time (journald adds it).
        journal = run_sipscope(["replay", self.capture, "--events", "", "--progress", "0"],
                               env=dict(os.environ, JOURNAL_STREAM="8:12345"))
        self.assertEqual(journal.returncode, 0, journal.stderr)
        self.assertIn("<6>1 worker(s) running", journal.stderr)
        self.assertNotRegex(journal.stderr, r"sipscope\[\d+\]")
        # A missing file is an error line.
        missing = run_sipscope(["replay", self.capture, "--events", "/nonexistent/dir/e.jsonl"])
        self.assertRegex(missing.stderr, r"sipscope\[\d+\] error: ")
        self.assert_clean_failure(["replay", self.capture, "--log-level", "loud"], "--log-level")

    def test_help_explains_options(self):
        result = run_sipscope(["--help"])
        self.assertEqual(result.returncode, 0)
        for option in ("--workers", "--flow-capacity", "--timeout", "--home-net", "--metrics", "--events", "--config"):
            self.assertIn(option, result.stdout)
        # Each subcommand's --help lists the options it takes, with defaults.
        for subcommand in ("run", "replay"):
            result = run_sipscope([subcommand, "--help"])
            self.assertEqual(result.returncode, 0, result.stderr)
            for option in ("--workers", "--flow-capacity UINT:UINT in [8 - 268435456]=131072", "--events FILE=sipscope-events.jsonl",
                           "--active-timeout", "--clickhouse", "--log-level"):
                self.assertIn(option, result.stdout, subcommand)
        result = run_sipscope(["campaigns", "--help"])
        for option in ("--from", "--to", "--min-cluster-size UINT:UINT in [2 - 4294967296]=5", "--json"):
            self.assertIn(option, result.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
