"""--clickhouse on real packets (net_pcap vdev -> workers -> control lcore ->
ClickHouse output thread -> Debian's clickhouse-server on loopback): the
rows are the events, nothing is lost without a count when the server stops
mid-run, the paper's queries rebuild their tables from the rows, and two
sensors writing to two shards are seen together through the Distributed
tables."""
import collections
import datetime
import json
import os
import signal
import subprocess
import sys
import time
import unittest

from clickhouse_server import SCHEMA, ClickHouseServer, available, cluster_config
from harness import (EAL, IDLE_SLEEP, SIPGEN, SIPSCOPE, TemporaryDirectory, free_tcp_port, make_capture, metric_sum,
                     parse_metrics, read_events, run_sipscope, scrape)


def rich_capture(directory, name="rich.pcap", seed=1):
    """Every tool of TOOLS.md, attackers beyond scanning (numbers dialled
    abroad, credentials), benign phones, responders, IPv6 scanners, probers."""
    path = os.path.join(directory, name)
    subprocess.run([sys.executable, SIPGEN, "--out", path, "--seed", str(seed), "--tools", "all", "--attackers",
                    "--benign", "4", "--responders", "3", "--ipv6-sources", "2", "--probers", "2"],
                   check=True, stderr=subprocess.DEVNULL)
    return path


def split(events):
    flows = [event for event in events if event["event_type"] == "sip_scan_flow"]
    return flows, [event for event in events if event["event_type"] == "alert"]


def closed(flows):
    return [flow for flow in flows if flow["flow"]["state"] == "closed"]


@unittest.skipUnless(available(), "clickhouse-server is not installed (scripts/install-deps installs it)")
class ClickHouseOutput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = TemporaryDirectory()
        cls.server = ClickHouseServer(os.path.join(cls.directory.name, "server")).start()
        cls.server.load("schema.sql")
        cls.capture = rich_capture(cls.directory.name)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.directory.cleanup()

    def setUp(self):
        for table in ("flows", "alerts"):
            self.server.query("TRUNCATE TABLE sipscope.%s" % table)

    def replay(self, capture, name, extra=()):
        events_path = os.path.join(self.directory.name, name + ".jsonl")
        metrics_path = os.path.join(self.directory.name, name + ".prom")
        result = run_sipscope(["replay", capture, "--events", events_path, "--metrics-file", metrics_path,
                               "--progress", "0", "--clickhouse", self.server.url] + IDLE_SLEEP + list(extra))
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(metrics_path) as handle:
            samples = parse_metrics(handle.read())
        return read_events(events_path), samples, result

    def test_rows_are_the_events(self):
        # Small batches and an active timeout: many INSERTs, interim rows too.
        events, samples, result = self.replay(self.capture, "rows", ["--workers", "2", "--clickhouse-batch", "7",
                                                                     "--active-timeout", "1"])
        flows, alerts = split(events)
        self.assertTrue(any(flow["flow"]["state"] == "active" for flow in flows))
        count = lambda sql: int(self.server.query(sql).strip())
        self.assertEqual(count("SELECT count() FROM flows"), len(flows))
        self.assertEqual(count("SELECT count() FROM alerts"), len(alerts))
        self.assertEqual(count("SELECT count() FROM flows WHERE flow_state = 'closed'"), len(closed(flows)))
        # Sums over closed flows are the capture's (flow.packets counts requests).
        with open(self.capture + ".truth.json") as handle:
            truth = json.load(handle)
        requests, responses = self.server.rows(
            "SELECT sum(flow_packets), sum(flow_responses) FROM flows WHERE flow_state = 'closed'")[0]
        self.assertEqual(int(requests), truth["sip_requests"])
        self.assertEqual(int(responses), truth["sip_responses"])
        # Row by row: the same flows, ids, Community IDs, tools and arrays.
        rows = self.server.rows("SELECT flow_id, flow_state, src_ip, community_id, tool_name, strategy, flow_packets, "
                                "length(fingerprint_name), arrayStringConcat(behaviours, ','), flow_start_us "
                                "FROM flows")
        from_rows = collections.Counter(tuple(row) for row in rows)
        from_events = collections.Counter(
            (str(flow["flow_id"]), flow["flow"]["state"], flow["src_ip"], flow.get("community_id", ""),
             flow["tool"]["name"], flow["strategy"], str(flow["flow"]["packets"]), str(len(flow["fingerprint"])),
             ",".join(flow.get("behaviours", [])), str(self.microseconds(flow["flow"]["start"]))) for flow in flows)
        self.assertEqual(from_rows, from_events)
        alert_rows = collections.Counter(tuple(row) for row in self.server.rows(
            "SELECT flow_id, alert_signature_id, alert_severity, alert_behaviour, alert_method FROM alerts"))
        alert_events = collections.Counter(
            (str(alert["flow_id"]), str(alert["alert"]["signature_id"]), str(alert["alert"]["severity"]),
             alert["alert"].get("behaviour", ""), alert["alert"].get("method", "")) for alert in alerts)
        self.assertEqual(alert_rows, alert_events)
        self.assertEqual(metric_sum(samples, "sipscope_output_sent_total", output="clickhouse"), len(flows) + len(alerts))
        self.assertEqual(metric_sum(samples, "sipscope_output_dropped_total", output="clickhouse"), 0)
        self.assertIn("(%d rows sent, 0 dropped)" % (len(flows) + len(alerts)), result.stdout)

    @staticmethod
    def microseconds(text):
        moment = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        return int(moment.timestamp()) * 1000000 + moment.microsecond

    def test_queries_rebuild_the_papers_tables(self):
        events, _, _ = self.replay(self.capture, "queries")
        flows = closed(split(events)[0])
        by_tool = collections.defaultdict(list)
        for flow in flows:
            by_tool[flow["tool"]["name"]].append(flow)

        table = {row[1]: row for row in self.run_query("table1.sql")}
        self.assertEqual(set(table), set(by_tool))
        for tool, tool_flows in by_tool.items():
            row = table[tool]
            self.assertEqual(int(row[0]), tool_flows[0]["tool"]["table_id"], tool)
            self.assertEqual(row[3], min(flow["flow"]["start"] for flow in tool_flows)[:19].replace("T", " "), tool)
            self.assertEqual(int(row[4]), sum(flow["flow"]["packets"] for flow in tool_flows), tool)
            self.assertEqual(int(row[5]), len({flow["src_ip"] for flow in tool_flows}), tool)
            strategies = collections.Counter(flow["strategy"] for flow in tool_flows)
            self.assertEqual(strategies[row[6]], max(strategies.values()), tool)

        methods = collections.Counter()
        for flow in flows:
            for method, requests in flow["sip"]["methods"].items():
                methods[(flow["tool"]["name"], method)] += requests
        self.assertEqual({(row[0], row[1]): int(row[2]) for row in self.run_query("methods_by_tool.sql")}, dict(methods))

        per_day = collections.defaultdict(set)
        for flow in flows:
            per_day[(flow["flow"]["start"][:10], flow["tool"]["name"])].add(flow["src_ip"])
        self.assertEqual({(row[0], row[1]): int(row[2]) for row in self.run_query("sources_by_tool_per_day.sql")},
                         {key: len(sources) for key, sources in per_day.items()})

        countries = collections.Counter()
        for flow in flows:
            for number in flow.get("numbers", []):
                if number["country"]:
                    countries[number["country"]] += number["attempts"]
        self.assertTrue(countries, "the attackers dial numbers abroad")
        self.assertEqual({row[0]: int(row[2]) for row in self.run_query("numbers_by_country.sql")}, dict(countries))

    def run_query(self, name):
        with open(os.path.join(SCHEMA, "queries", name)) as handle:
            return self.server.rows(handle.read().rstrip().rstrip(";"))

    def test_a_server_that_stops_mid_run_costs_only_counted_rows(self):
        events_path = os.path.join(self.directory.name, "live.jsonl")
        metrics_path = os.path.join(self.directory.name, "live.prom")
        metrics_port = free_tcp_port()
        # The capture replayed from memory without end: every second each
        # source's flow reports (--active-timeout 1), a steady stream of rows.
        command = [SIPSCOPE, "run", "--metrics", "127.0.0.1:%d" % metrics_port, "--api", "none", "--events", events_path,
                   "--metrics-file", metrics_path, "--progress", "0", "--active-timeout", "1", "--clickhouse",
                   self.server.url, "--clickhouse-flush-ms", "100"] + IDLE_SLEEP + ["--"] + EAL + [
            "--file-prefix", "clickhouse%d" % os.getpid(), "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % self.capture]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        restarted = False
        try:
            url = "http://127.0.0.1:%d/metrics" % metrics_port
            self.wait_until(process, lambda: metric_sum(parse_metrics(scrape(url)), "sipscope_output_sent_total",
                                                        output="clickhouse") >= 20)
            self.server.stop(kill=True)
            self.wait_until(process, lambda: metric_sum(parse_metrics(scrape(url)), "sipscope_output_failed_requests_total") >= 2)
            time.sleep(2)  # records keep coming while the server is away
            self.assertIsNone(process.poll(), "sipscope stopped with its ClickHouse")
            process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
            self.server.start()
            restarted = True
        self.assertTrue(restarted)
        self.assertEqual(process.returncode, 0, stderr)
        flows, alerts = split(read_events(events_path))  # complete: every line valid
        with open(metrics_path) as handle:
            samples = parse_metrics(handle.read())
        sent = metric_sum(samples, "sipscope_output_sent_total", output="clickhouse")
        dropped = metric_sum(samples, "sipscope_output_dropped_total", output="clickhouse")
        self.assertEqual(sent + dropped, len(flows) + len(alerts))
        self.assertGreater(dropped, 0)
        self.assertEqual(metric_sum(samples, "sipscope_output_dropped_total", output="events"), 0)
        # What was counted as sent is in the database (restarted on its data).
        rows = int(self.server.query("SELECT (SELECT count() FROM flows) + (SELECT count() FROM alerts)").strip())
        self.assertEqual(rows, sent)
        self.assertIn("ClickHouse at", stderr)

    def wait_until(self, process, condition, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.assertIsNone(process.poll(), "sipscope exited early")
            try:
                if condition():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.fail("condition not reached in %d s" % seconds)

    def test_campaigns_read_from_clickhouse_equal_those_read_from_the_file(self):
        capture = os.path.join(self.directory.name, "days.pcap")
        subprocess.run([sys.executable, SIPGEN, "--out", capture, "--days", "10", "--day-campaigns", "3",
                        "--campaign-size", "8", "--independent", "10", "--always-active", "5", "--packets-per-source", "2"],
                       check=True, stderr=subprocess.DEVNULL)
        events, _, _ = self.replay(capture, "days")
        reports = []
        for source in (["--clickhouse", self.server.url], [os.path.join(self.directory.name, "days.jsonl")]):
            path = os.path.join(self.directory.name, "campaigns-%d.json" % len(reports))
            result = run_sipscope(["campaigns"] + source + ["--json", path])
            self.assertEqual(result.returncode, 0, result.stderr)
            with open(path) as handle:
                report = json.load(handle)
            # Rows come back in the table's order: compare as sets.
            reports.append((report["days"], report["sources"], sorted(sorted(c["sources"]) for c in report["campaigns"]),
                            sorted(report["noise"]), [sorted(g["sources"]) for g in report["removed_always_active"]]))
        self.assertEqual(reports[0], reports[1])
        self.assertTrue(reports[0][2], "campaigns found")

    def test_refuses_a_database_without_the_tables(self):
        url = self.server.url.replace("database=sipscope", "database=default")
        result = run_sipscope(["replay", self.capture, "--events", "", "--clickhouse", url])
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("has no table flows, alerts (load scripts/clickhouse/schema.sql)", result.stderr)

    def test_bad_clickhouse_options_are_usage_errors(self):
        for arguments, message in ((["--clickhouse", "ftp://127.0.0.1/"], "scheme must be http or https"),
                                   (["--clickhouse", "http://[::1"], "is not a URL"),
                                   (["--clickhouse", self.server.url, "--clickhouse-tables", "flows"], "needs two table names"),
                                   (["--clickhouse", self.server.url, "--clickhouse-batch", "0"], "--clickhouse-batch")):
            with self.subTest(arguments=arguments):
                result = run_sipscope(["replay", self.capture, "--events", ""] + arguments)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn(message, result.stderr)


@unittest.skipUnless(available(), "clickhouse-server is not installed (scripts/install-deps installs it)")
class TwoSensorsTwoShards(unittest.TestCase):
    def test_distributed_tables_see_both_sensors(self):
        with TemporaryDirectory() as directory:
            shards = [ClickHouseServer(os.path.join(directory, "shard%d" % i)) for i in (1, 2)]
            for shard in shards:
                shard.remote_servers = cluster_config(shards)
            try:
                for shard in shards:
                    shard.start()
                    shard.load("schema.sql")
                    shard.load("cluster.sql")
                expected = {}
                for sensor, shard, seed in (("a", shards[0], 1), ("b", shards[1], 2)):
                    capture, _ = make_capture(directory, name="%s.pcap" % sensor, seed=seed, sources=4 + seed)
                    events_path = os.path.join(directory, "%s.jsonl" % sensor)
                    result = run_sipscope(["replay", capture, "--sensor-name", sensor, "--events", events_path,
                                           "--progress", "0", "--clickhouse", shard.url] + IDLE_SLEEP)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    expected[sensor] = len(closed(split(read_events(events_path))[0]))
                for shard in shards:  # either server answers for the whole cluster
                    rows = shard.rows("SELECT sensor, count() FROM sipscope.flows_all WHERE flow_state = 'closed' "
                                      "GROUP BY sensor ORDER BY sensor")
                    self.assertEqual({sensor: int(count) for sensor, count in rows}, expected)
                    local = shard.rows("SELECT DISTINCT sensor FROM sipscope.flows")
                    self.assertEqual(len(local), 1, "each sensor wrote to its own shard")
            finally:
                for shard in shards:
                    shard.stop()


if __name__ == "__main__":
    unittest.main()
