"""Reloading the tool database while the sensor runs under load: real
SIPVicious traffic replayed without end (net_pcap infinite_rx) through
`sipscope run`; the database file changes; SIGUSR2 and POST /reload load it
again without a restart; a broken file is refused with file and line and
the database in use stays; the flow open across the reloads is named by
the database in use when it closes."""
import os
import shutil
import signal
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from harness import (EAL, IDLE_SLEEP, SIPSCOPE, TemporaryDirectory, free_tcp_port, metric_sum, parse_metrics,
                     read_events, scrape)

HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED_TOOLS = os.path.join(HERE, "..", "..", "fingerprint", "tools.conf")
SVMAP = os.path.join(HERE, "..", "captures", "svmap-range.pcap")


def db_info(samples):
    """The labels of sipscope_tool_db_info."""
    return [dict(labels) for name, labels in samples if name == "sipscope_tool_db_info"][0]


def post(url):
    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class ToolDatabaseReload(unittest.TestCase):
    def test_reload_under_load(self):
        with TemporaryDirectory() as directory:
            database = os.path.join(directory, "tools.conf")
            shutil.copy(SHIPPED_TOOLS, database)
            with open(database) as handle:
                shipped = handle.read()
            self.assertIn("name = sipvicious\n", shipped)
            metrics_port, api_port = free_tcp_port(), free_tcp_port()
            events_path = os.path.join(directory, "ev.jsonl")
            metrics_file = os.path.join(directory, "final.prom")
            process = subprocess.Popen(
                [SIPSCOPE, "run", "--tool-db", database, "--metrics", "127.0.0.1:%d" % metrics_port,
                 "--api", "127.0.0.1:%d" % api_port, "--events", events_path, "--metrics-file", metrics_file,
                 "--progress", "0"] + IDLE_SLEEP + ["--"] + EAL +
                ["--file-prefix", "reload%d" % os.getpid(), "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % SVMAP],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            metrics_url = "http://127.0.0.1:%d/metrics" % metrics_port
            reload_url = "http://127.0.0.1:%d/reload" % api_port

            def samples():
                return parse_metrics(scrape(metrics_url))

            def wait_for(condition, what):
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    if process.poll() is not None:
                        self.fail("sipscope exited early:\n%s" % process.communicate()[1])
                    try:
                        current = samples()
                        if condition(current):
                            return current
                    except OSError:
                        pass
                    time.sleep(0.2)
                self.fail("timed out waiting for " + what)

            try:
                before = wait_for(lambda s: metric_sum(s, "sipscope_sources_active", tool="sipvicious") >= 1,
                                  "the scanner to be named")
                tools_at_start = db_info(before)["tools"]

                # SIGUSR2 after the file changed: the tool has a new name.
                with open(database, "w") as handle:
                    handle.write(shipped.replace("name = sipvicious\n", "name = sipvicious-reloaded\n", 1))
                process.send_signal(signal.SIGUSR2)
                after_signal = wait_for(lambda s: metric_sum(s, "sipscope_tool_db_reloads_total", result="ok") == 1,
                                        "the SIGUSR2 reload")
                # The workers never stopped: packets kept coming in.
                self.assertGreater(metric_sum(after_signal, "sipscope_sip_packets_total"),
                                   metric_sum(before, "sipscope_sip_packets_total"))

                # A broken file: refused with file and line, nothing changes.
                with open(database, "a") as handle:
                    handle.write("\n[tool]\nname = half-written\n")
                status, body = post(reload_url)
                self.assertEqual(status, 500, body)
                self.assertIn("tools.conf:", body)
                self.assertIn("half-written", body)
                failed = samples()
                self.assertEqual(metric_sum(failed, "sipscope_tool_db_reloads_total", result="failed"), 1)
                self.assertEqual(metric_sum(failed, "sipscope_tool_db_reload_failures_total"), 1)
                self.assertEqual(db_info(failed)["tools"], tools_at_start)

                # POST /reload with a good file again.
                with open(database, "w") as handle:
                    handle.write(shipped.replace("name = sipvicious\n", "name = sipvicious-v3\n", 1))
                status, body = post(reload_url)
                self.assertEqual(status, 200, body)
                self.assertIn('"reloaded":true', body)
                self.assertEqual(self.method_status(reload_url, "GET"), 405)
                reloaded = samples()
                self.assertEqual(metric_sum(reloaded, "sipscope_tool_db_reloads_total", result="ok"), 2)
                # Every tool named since start keeps its series.
                for name in ("sipvicious", "sipvicious-reloaded", "sipvicious-v3"):
                    self.assertTrue(any(n == "sipscope_flows_closed_by_tool_total" and ("tool", name) in labels
                                        for n, labels in reloaded), name)
            finally:
                process.send_signal(signal.SIGTERM)
                _, stderr = process.communicate(timeout=120)
            self.assertEqual(process.returncode, 0, stderr)
            self.assertIn("SIGUSR2: tool database reloaded", stderr)
            self.assertIn("POST /reload: tool database not reloaded", stderr)
            # The flow open across the reloads closes named by the database in use.
            flows = [event for event in read_events(events_path)
                     if event["event_type"] == "sip_scan_flow" and event["src_ip"] == "10.250.0.1"]
            self.assertEqual(len(flows), 1)
            self.assertEqual(flows[0]["tool"]["name"], "sipvicious-v3")
            with open(metrics_file) as handle:
                final = parse_metrics(handle.read())
            self.assertEqual(metric_sum(final, "sipscope_flows_closed_by_tool_total", tool="sipvicious-v3"), 1)
            self.assertEqual(metric_sum(final, "sipscope_sources_active"), 0)
            # Nothing dropped on the way: every hand-off and record arrived.
            self.assertEqual(metric_sum(final, "sipscope_records_dropped_total"), 0)
            self.assertEqual(metric_sum(final, "sipscope_handoff_dropped_total"), 0)

    @staticmethod
    def method_status(url, method):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


if __name__ == "__main__":
    unittest.main()
