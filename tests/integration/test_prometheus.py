"""The shipped Prometheus configuration, alert rules and Grafana dashboard
against a real Prometheus server (Debian's package) scraping two running
`sipscope run` sensors on net_pcap devices: every PromQL expression of the
dashboard parses and returns data for all sensors and for one, key values
equal what the captures hold, the rules load and stay quiet, and `promtool
check metrics` accepts a live scrape."""
import json
import os
import re
import shutil
import signal
import subprocess
import time
import unittest
import urllib.parse
import urllib.request

from harness import (IDLE_SLEEP, SIPSCOPE, TemporaryDirectory, free_tcp_port, make_capture, metric_sum, parse_metrics,
                     scrape)

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts")


def query(port, expression):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": expression}))
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read().decode())


def scalar(port, expression):
    result = query(port, expression)["data"]["result"]
    return float(result[0]["value"][1]) if result else None


@unittest.skipUnless(shutil.which("prometheus") and shutil.which("promtool"),
                     "Debian's prometheus package is missing (scripts/install-deps installs it)")
class DashboardAgainstPrometheus(unittest.TestCase):
    def test_every_panel_has_data(self):
        """Two sensors scraped by one Prometheus: every expression of the
        dashboard returns data for all sensors and for one of them, and the
        key values equal what each capture holds."""
        with TemporaryDirectory() as directory:
            sensors = []
            prometheus, prometheus_port = None, free_tcp_port()
            try:
                for index, seed in enumerate((21, 22)):
                    capture, truth = make_capture(directory, name="c%d.pcap" % index, sources=8 + 2 * index,
                                                  packets_per_source=15, seed=seed)
                    port = free_tcp_port()
                    process = subprocess.Popen(
                        [SIPSCOPE, "run", "--metrics", "127.0.0.1:%d" % port, "--api", "none",
                         "--events", os.path.join(directory, "e%d.jsonl" % index), "--progress", "0"] + IDLE_SLEEP +
                        ["--", "--no-huge", "-m", "512", "--no-shconf", "--file-prefix", "promtest%d-%d" % (os.getpid(), index),
                         "--no-pci", "--no-telemetry", "-l", "0-1", "--vdev", "net_pcap0,rx_pcap=%s" % capture],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                    sensors.append((process, port, truth))
                for process, port, truth in sensors:  # each has counted its whole capture
                    deadline, samples = time.monotonic() + 60, {}
                    while time.monotonic() < deadline:
                        try:
                            samples = parse_metrics(scrape("http://127.0.0.1:%d/metrics" % port))
                            if metric_sum(samples, "sipscope_sip_packets_total") >= truth["sip_packets"]:
                                break
                        except OSError:
                            pass
                        time.sleep(0.2)
                    self.assertEqual(metric_sum(samples, "sipscope_sip_packets_total"), truth["sip_packets"])
                # promtool on a live scrape.
                live = scrape("http://127.0.0.1:%d/metrics" % sensors[0][1])
                check = subprocess.run(["promtool", "check", "metrics"], input=live, capture_output=True, text=True)
                self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

                # The shipped scrape configuration, pointed at both sensors and
                # scraping every second so that rate() has samples quickly.
                with open(os.path.join(SCRIPTS, "prometheus.yml")) as handle:
                    configuration = handle.read()
                targets = ", ".join('"127.0.0.1:%d"' % port for _, port, _ in sensors)
                configuration = configuration.replace('"127.0.0.1:9561"', targets)
                configuration = configuration.replace("scrape_interval: 10s", "scrape_interval: 1s")
                configuration = configuration.replace("prometheus/alerts.yml", os.path.join(SCRIPTS, "prometheus", "alerts.yml"))
                config_path = os.path.join(directory, "prometheus.yml")
                with open(config_path, "w") as handle:
                    handle.write(configuration)
                prometheus = subprocess.Popen(
                    ["prometheus", "--config.file=" + config_path, "--storage.tsdb.path=" + os.path.join(directory, "tsdb"),
                     "--web.listen-address=127.0.0.1:%d" % prometheus_port, "--log.level=warn"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline:
                    try:
                        if (scalar(prometheus_port, 'min(count_over_time(up{job="sipscope"}[5m]))') or 0) >= 4:
                            break
                    except OSError:
                        pass
                    time.sleep(0.5)
                self.assertEqual(scalar(prometheus_port, 'sum(up{job="sipscope"})'), 2.0)

                with open(os.path.join(SCRIPTS, "grafana-dashboard.json")) as handle:
                    dashboard = json.load(handle)
                self.assertEqual([variable["name"] for variable in dashboard["templating"]["list"]],
                                 ["datasource", "job", "instance"])
                self.assertEqual({panel["type"] for panel in dashboard["panels"]}, {"row", "stat", "timeseries", "table"})
                expressions = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
                self.assertGreaterEqual(len(expressions), 30)
                for expression in expressions:
                    self.assertNotRegex(expression, r"\[\d+[smh]\]", "fixed window instead of $__rate_interval/$__range")
                # As Grafana would send them: every sensor, then one.
                one = "127.0.0.1:%d" % sensors[1][1]
                for instance in (".*", one.replace(".", "\\\\.")):
                    for expression in expressions:
                        concrete = (expression.replace("$job", "sipscope").replace("$instance", instance)
                                    .replace("$__rate_interval", "1m").replace("$__range", "5m"))
                        with self.subTest(expression=concrete):
                            answer = query(prometheus_port, concrete)
                            self.assertEqual(answer["status"], "success", answer)
                            self.assertTrue(answer["data"]["result"], "no data for " + concrete)

                # Key values through Prometheus equal the captures' content, in
                # sum and for one sensor.
                truths = [truth for _, _, truth in sensors]
                total = lambda key: sum(truth[key] for truth in truths)
                self.assertEqual(scalar(prometheus_port, "sum(sipscope_port_rx_packets_total)"), total("packets"))
                self.assertEqual(scalar(prometheus_port, 'sum(sipscope_port_rx_packets_total{instance="%s"})' % one),
                                 truths[1]["packets"])
                self.assertEqual(scalar(prometheus_port, "sum(sipscope_sip_requests_total)"), total("sip_requests"))
                self.assertEqual(scalar(prometheus_port, "sum(sipscope_sip_responses_total)"), total("sip_responses"))
                self.assertEqual(scalar(prometheus_port, "sum(sipscope_flows_active)"),
                                 total("source_count") + total("prober_count"))
                # Every scanner, and the port prober (30 hosts), scans horizontally.
                self.assertEqual(scalar(prometheus_port, 'sum(sipscope_alerts_total{kind="horizontal_scan"})'),
                                 total("source_count") + total("prober_count"))
                self.assertEqual(scalar(prometheus_port, 'sum(sipscope_transport_probes_total)'),
                                 sum(sum(probes.values()) for truth in truths for probes in truth["probers"].values()))
                # The shipped alert rules are loaded and evaluate; healthy
                # sensors replaying their captures fire none.
                with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/rules" % prometheus_port, timeout=5) as response:
                    groups = json.loads(response.read().decode())["data"]["groups"]
                rules = [rule for group in groups for rule in group["rules"]]
                # Every rule of the shipped file, by name.
                with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "prometheus",
                                       "alerts.yml")) as handle:
                    shipped = re.findall(r"^\s*- alert: (\w+)$", handle.read(), re.MULTILINE)
                self.assertEqual(sorted(rule["name"] for rule in rules), sorted(shipped))
                self.assertGreaterEqual(len(shipped), 10)
                self.assertTrue(all(rule["health"] in ("ok", "unknown") for rule in rules), rules)
                self.assertEqual([rule["name"] for rule in rules if rule["state"] == "firing"], [])
            finally:
                if prometheus:
                    prometheus.terminate()
                    prometheus.wait(timeout=30)
                for process, _, _ in sensors:
                    process.send_signal(signal.SIGINT)
                    process.communicate(timeout=60)
            for process, _, _ in sensors:
                self.assertEqual(process.returncode, 0)


@unittest.skipUnless(shutil.which("promtool"), "promtool (Debian's prometheus) is not installed")
class AlertRules(unittest.TestCase):
    def test_rules_check_and_their_unit_tests_pass(self):
        directory = os.path.join(SCRIPTS, "prometheus")
        for command in (["promtool", "check", "rules", "alerts.yml"], ["promtool", "test", "rules", "alerts_test.yml"]):
            result = subprocess.run(command, cwd=directory, capture_output=True, text=True, timeout=120)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        # Every alert has a test case that fires it.
        with open(os.path.join(directory, "alerts.yml")) as handle:
            names = {line.split(":", 1)[1].strip() for line in handle if line.strip().startswith("- alert:")}
        with open(os.path.join(directory, "alerts_test.yml")) as handle:
            tested = handle.read()
        for name in names:
            self.assertIn("alertname: %s\n        exp_alerts:\n          - exp_labels" % name, tested, name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
