"""sipscope run on a net_pcap virtual device: /metrics is served over HTTP
while the sensor runs, counts what the capture holds; SIGHUP reopens the
events file after a rotation; SIGINT makes the sensor write every open flow
(into the new file) and exit 0; GET /campaigns groups the closed flows by
tool variant and strategy exactly as the events file does."""
import collections
import json
import os
import signal
import subprocess
import time
import unittest

from harness import (IDLE_SLEEP, SIPSCOPE, TemporaryDirectory, free_tcp_port, make_capture, metric_sum,
                     parse_metrics, read_events, scrape)


class RunServesMetrics(unittest.TestCase):
    def test_scrape_while_running_then_sigint(self):
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=12, packets_per_source=15, seed=11)
            port, api_port = free_tcp_port(), free_tcp_port()
            events_path = os.path.join(directory, "events.jsonl")
            command = [SIPSCOPE, "run", "--metrics", "127.0.0.1:%d" % port, "--api", "127.0.0.1:%d" % api_port,
                       "--events", events_path, "--progress", "0",
                       "--home-net", "198.51.0.0/16"] + IDLE_SLEEP + [
                "--", "--no-huge", "-m", "512", "--no-shconf", "--file-prefix", "runtest%d" % os.getpid(), "--no-pci",
                "--no-telemetry", "-l", "0-1", "--vdev", "net_pcap0,rx_pcap=%s" % capture]
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                url = "http://127.0.0.1:%d/metrics" % port
                samples = {}
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    if process.poll() is not None:
                        self.fail("sipscope exited early (%d): %s" % (process.returncode, process.communicate()))
                    try:
                        samples = parse_metrics(scrape(url))
                    except OSError:
                        time.sleep(0.2)
                        continue
                    if metric_sum(samples, "sipscope_port_rx_packets_total") >= truth["packets"]:
                        # The port has delivered everything; wait for the worker to count it.
                        if metric_sum(samples, "sipscope_sip_packets_total") >= truth["sip_packets"]:
                            break
                    time.sleep(0.2)
                self.assertEqual(metric_sum(samples, "sipscope_port_rx_packets_total"), truth["packets"])
                self.assertEqual(metric_sum(samples, "sipscope_worker_rx_packets_total", port="0", worker="0"),
                                 truth["packets"])
                self.assertEqual(metric_sum(samples, "sipscope_sip_packets_total"), truth["sip_packets"])
                self.assertEqual(metric_sum(samples, "sipscope_sip_requests_total", method="OPTIONS")
                                 + metric_sum(samples, "sipscope_sip_requests_total", method="REGISTER"),
                                 truth["sip_requests"])
                self.assertEqual(metric_sum(samples, "sipscope_flows_active"), truth["source_count"] + truth["prober_count"])
                self.assertEqual(metric_sum(samples, "sipscope_port_rx_missed_total"), 0)
                # Active sources by the tool named so far: every scanner named
                # (each sent more than one request), the probers unknown.
                self.assertEqual(metric_sum(samples, "sipscope_sources_active"), truth["source_count"] + truth["prober_count"])
                for tool in ("sipvicious", "nmap"):
                    expected = sum(1 for source in truth["sources"].values() if source["tool"] == tool)
                    self.assertEqual(metric_sum(samples, "sipscope_sources_active", tool=tool), expected)
                self.assertEqual(metric_sum(samples, "sipscope_sources_active", family="sipvicious"),
                                 metric_sum(samples, "sipscope_sources_active", tool="sipvicious"))
                self.assertEqual(metric_sum(samples, "sipscope_build_info", mode="run"), 1)
                # Stage timing, sampled from the first burst on: every packet
                # of a sampled burst is received and parsed; flow and
                # fingerprint see only its SIP packets and probes.
                sampled = {stage: metric_sum(samples, "sipscope_stage_sampled_packets_total", stage=stage)
                           for stage in ("rx", "parse", "flow", "fingerprint")}
                self.assertGreater(sampled["rx"], 0)
                self.assertEqual(sampled["parse"], sampled["rx"])
                self.assertLessEqual(sampled["flow"], sampled["parse"])
                self.assertEqual(sampled["fingerprint"], sampled["flow"])
                self.assertGreater(metric_sum(samples, "sipscope_stage_sampled_seconds_total", stage="rx"), 0)
                self.assertGreater(metric_sum(samples, "sipscope_stage_sampled_seconds_total", stage="parse"), 0)
                self.assertGreater(metric_sum(samples, "sipscope_tsc_hertz"), 0)
                # Every flow is still open: their detail is held.
                self.assertGreater(metric_sum(samples, "sipscope_detail_pool_in_use"), 0)
                self.assertLessEqual(metric_sum(samples, "sipscope_detail_pool_in_use"),
                                     metric_sum(samples, "sipscope_detail_pool_capacity"))
                for name in ("sipscope_port_rx_errors_total", "sipscope_port_rx_nombuf_total",
                             "sipscope_handoff_dropped_total", "sipscope_records_dropped_total"):
                    self.assertTrue(any(key[0] == name for key in samples), name)
                # The top sources, as JSON, without an address in any label.
                top = json.loads(scrape("http://127.0.0.1:%d/top?count=5" % api_port))
                self.assertEqual(len(top["sources"]), 5)
                counts = [source["requests"] for source in top["sources"]]
                self.assertEqual(counts, sorted(counts, reverse=True))
                for source in top["sources"]:
                    self.assertIn(source["src_ip"], truth["sources"])
                    self.assertIn(source["tool"], ("sipvicious", "nmap", "unknown"))
                    self.assertTrue(source["open"])
                with self.assertRaises(OSError):
                    scrape("http://127.0.0.1:%d/elsewhere" % api_port)
                # /healthz while the control lcore runs.
                health = json.loads(scrape("http://127.0.0.1:%d/healthz" % api_port))
                self.assertEqual((health["status"], health["events_file"]), ("ok", "ok"))
                # /blocklist: every scanner and the prober scanned horizontally
                # (an alert each); nobody found a credential; a bad behaviour is refused.
                listed = scrape("http://127.0.0.1:%d/blocklist?window=86400" % api_port).split()
                self.assertEqual(set(listed), set(truth["sources"]) | set(truth["probers"]))
                self.assertEqual(len(listed), len(set(listed)))
                self.assertEqual(scrape("http://127.0.0.1:%d/blocklist?behaviour=credential_found" % api_port), "")
                self.assertEqual(set(scrape("http://127.0.0.1:%d/blocklist?behaviour=horizontal_scan&limit=3" % api_port)
                                     .split()) <= set(listed), True)
                for bad in ("behaviour=nonsense", "window=0", "limit=x"):
                    with self.assertRaises(OSError):
                        scrape("http://127.0.0.1:%d/blocklist?%s" % (api_port, bad))
                # Rotation as logrotate does it: rename, then SIGHUP; the
                # records written at shutdown go to a new file at the path.
                rotated = events_path + ".1"
                os.rename(events_path, rotated)
                process.send_signal(signal.SIGHUP)
                deadline = time.monotonic() + 20
                while not os.path.exists(events_path) and time.monotonic() < deadline:
                    time.sleep(0.1)
                self.assertTrue(os.path.exists(events_path), "no new events file after SIGHUP")
            finally:
                process.send_signal(signal.SIGINT)
                stdout, stderr = process.communicate(timeout=60)
            self.assertEqual(process.returncode, 0, stderr)
            events = [event for event in read_events(events_path) if event["event_type"] == "sip_scan_flow"]
            self.assertEqual(len(events), truth["source_count"] + truth["prober_count"])
            self.assertTrue(all(event["flow"]["close_reason"] == "shutdown" for event in events))
            self.assertEqual(sum(event["flow"]["packets"] for event in events), truth["sip_requests"])
            self.assertIn("sipscope run summary", stdout)
            self.assertIn("SIGHUP: reopened events file", stderr)
            # Before the rotation only alerts were written (no flow had closed);
            # after it, the new file got every flow record.
            before = read_events(rotated)
            self.assertTrue(before)
            self.assertEqual({event["event_type"] for event in before}, {"alert"})


class LiveCampaignsEndpoint(unittest.TestCase):
    def test_groups_sources_that_share_a_tool_variant_and_strategy(self):
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=12, packets_per_source=15, seed=12)
            api_port = free_tcp_port()
            events_path = os.path.join(directory, "events.jsonl")
            # Flows close one second after their last packet (wall-clock
            # time in run mode), and their records feed /campaigns.
            command = [SIPSCOPE, "run", "--metrics", "none", "--api", "127.0.0.1:%d" % api_port, "--events", events_path,
                       "--progress", "0", "--timeout", "1"] + IDLE_SLEEP + [
                "--", "--no-huge", "-m", "512", "--no-shconf", "--file-prefix", "campaignsapi%d" % os.getpid(), "--no-pci",
                "--no-telemetry", "-l", "0-1", "--vdev", "net_pcap0,rx_pcap=%s" % capture]
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                url = "http://127.0.0.1:%d/campaigns?window=3600&min_sources=1" % api_port
                deadline, groups = time.monotonic() + 60, []
                while time.monotonic() < deadline:
                    self.assertIsNone(process.poll(), "sipscope exited early")
                    try:
                        groups = json.loads(scrape(url))["campaigns"]
                    except OSError:
                        groups = []
                    if sum(group["sources"] for group in groups) >= len(truth["sources"]):
                        break
                    time.sleep(0.3)
                with self.assertRaises(OSError):  # 400 on a bad parameter
                    scrape("http://127.0.0.1:%d/campaigns?window=abc" % api_port)
            finally:
                process.send_signal(signal.SIGINT)
                stdout, stderr = process.communicate(timeout=60)
            self.assertEqual(process.returncode, 0, stderr)
            flows = [event for event in read_events(events_path)
                     if event["event_type"] == "sip_scan_flow" and event["flow"]["state"] == "closed"
                     and "fingerprint_id" in event]
            expected = collections.Counter((flow["fingerprint_id"], flow["strategy"]) for flow in flows)
            self.assertEqual({(group["fingerprint_id"], group["strategy"]): group["sources"] for group in groups},
                             dict(expected))
            # Sources of one tool share its variant: the 12 sources make few groups.
            self.assertLess(len(groups), len(flows))
            for group in groups:
                key = (group["fingerprint_id"], group["strategy"])
                self.assertEqual(group["requests"], sum(flow["flow"]["packets"] for flow in flows
                                                        if (flow["fingerprint_id"], flow["strategy"]) == key))
                self.assertTrue(set(group["example_sources"]) <= set(truth["sources"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
