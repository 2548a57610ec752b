"""sipscope campaigns on the sensor's own records: a multi-day capture with
campaign ground truth (scripts/sipgen.py --days) replayed through the real
path (net_pcap vdev -> workers -> events file), then clustered. The
campaigns come back (adjusted Rand index >= 0.9), the always-active hosts
are removed as a group, gzip and split inputs give the same answer, and bad
input is a clear error."""
import collections
import gzip
import json
import os
import subprocess
import sys
import unittest

from harness import IDLE_SLEEP, SIPGEN, TemporaryDirectory, read_events, run_sipscope


def adjusted_rand_index(truth, found):
    keys = sorted(truth)
    pairs = lambda n: n * (n - 1) / 2
    both = collections.Counter((truth[k], found[k]) for k in keys)
    a, b = collections.Counter(truth[k] for k in keys), collections.Counter(found[k] for k in keys)
    index, sum_a, sum_b = sum(map(pairs, both.values())), sum(map(pairs, a.values())), sum(map(pairs, b.values()))
    expected = sum_a * sum_b / pairs(len(keys))
    return (index - expected) / ((sum_a + sum_b) / 2 - expected)


class CampaignsAcrossDays(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = TemporaryDirectory()
        cls.capture = os.path.join(cls.directory.name, "days.pcap")
        subprocess.run([sys.executable, SIPGEN, "--out", cls.capture, "--days", "14", "--day-campaigns", "5",
                        "--campaign-size", "10", "--independent", "20", "--always-active", "6",
                        "--packets-per-source", "3", "--seed", "4"], check=True, stderr=subprocess.DEVNULL)
        with open(cls.capture + ".truth.json") as handle:
            cls.truth = json.load(handle)
        cls.events = os.path.join(cls.directory.name, "days.jsonl")
        result = run_sipscope(["replay", cls.capture, "--events", cls.events, "--progress", "0"] + IDLE_SLEEP)
        assert result.returncode == 0, result.stderr
        read_events(cls.events)  # every line valid against the schema

    @classmethod
    def tearDownClass(cls):
        cls.directory.cleanup()

    def campaigns(self, inputs, extra=(), name="campaigns.json"):
        path = os.path.join(self.directory.name, name)
        result = run_sipscope(["campaigns"] + list(inputs) + ["--json", path] + list(extra))
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(path) as handle:
            return json.load(handle), result

    def test_recovers_the_campaigns_and_removes_the_always_active(self):
        report, result = self.campaigns([self.events])
        self.assertEqual(len(report["days"]), 14)
        self.assertEqual(report["days"][0], "2026-01-01")
        truth, found = {}, {}
        for name, group in self.truth["campaigns"].items():
            for source in group["sources"]:
                truth[source] = "campaign " + name
        for source in self.truth["independent"]:
            truth[source] = "alone " + source
        for source in self.truth["always_active"]:
            truth[source] = "always"
        for campaign in report["campaigns"]:
            for source in campaign["sources"]:
                found[source] = "campaign %d" % campaign["id"]
            self.assertEqual(campaign["first_day"], campaign["days_active"][0])
            self.assertEqual(campaign["last_day"], campaign["days_active"][-1])
            self.assertEqual(sum(1 for _ in campaign["tools"]) > 0, True)
        for group in report["removed_always_active"]:
            for source in group["sources"]:
                found[source] = "always"
        for source in report["noise"]:
            found[source] = "alone " + source
        self.assertEqual(set(found), set(truth), "every source is in one campaign, a removed group or the noise")
        self.assertEqual(report["sources"], len(truth))
        self.assertGreaterEqual(adjusted_rand_index(truth, found), 0.9)
        self.assertEqual(len(report["removed_always_active"]), 1)
        self.assertEqual(set(report["removed_always_active"][0]["sources"]), set(self.truth["always_active"]))
        # Each true campaign's days are its found campaign's shared days.
        for group in self.truth["campaigns"].values():
            labels = collections.Counter(found[source] for source in group["sources"])
            label, members = labels.most_common(1)[0]
            self.assertGreaterEqual(members, 8)
            campaign = next(c for c in report["campaigns"] if "campaign %d" % c["id"] == label)
            self.assertEqual(campaign["days_active"], [report["days"][day] for day in group["days"]])
            self.assertEqual(max(campaign["tools"], key=campaign["tools"].get), group["tool"])
            self.assertTrue(campaign["fingerprint_ids"], "the tool variants of the campaign")
            self.assertTrue(all(len(key) == 16 for key in campaign["fingerprint_ids"]))
        self.assertIn("always-active groups removed", result.stdout)

    def test_gzip_and_split_inputs_give_the_same_campaigns(self):
        whole, _ = self.campaigns([self.events], name="whole.json")
        with open(self.events, "rb") as handle:
            lines = handle.readlines()
        first, second = os.path.join(self.directory.name, "a.jsonl.gz"), os.path.join(self.directory.name, "b.jsonl")
        with gzip.open(first, "wb") as handle:
            handle.writelines(lines[: len(lines) // 2])
        with open(second, "wb") as handle:
            handle.writelines(lines[len(lines) // 2:])
        split, _ = self.campaigns([first, second], name="split.json")
        self.assertEqual(whole, split)

    def test_days_outside_from_to_are_left_out(self):
        report, _ = self.campaigns([self.events], ["--from", "2026-01-03", "--to", "2026-01-09"], name="window.json")
        self.assertEqual(report["days"], ["2026-01-%02d" % day for day in range(3, 10)])
        for campaign in report["campaigns"]:
            self.assertTrue(all("2026-01-03" <= day <= "2026-01-09" for day in campaign["days_active"]))

    def test_bad_input_is_a_clear_error(self):
        broken = os.path.join(self.directory.name, "broken.jsonl")
        with open(self.events) as source, open(broken, "w") as out:
            out.write(source.readline())
            out.write("this is not json\n")
        empty = os.path.join(self.directory.name, "empty.jsonl")
        open(empty, "w").close()
        for arguments, status, message in (
                ([broken], 1, "broken.jsonl:2: not a JSON object"),
                ([empty], 1, "no closed sip_scan_flow records"),
                ([os.path.join(self.directory.name, "missing.jsonl")], 1, "cannot open"),
                ([self.events, "--from", "2026-01-09", "--to", "2026-01-03"], 2, "--from 2026-01-09 is after --to 2026-01-03"),
                ([self.events, "--from", "2026-02-30"], 2, "is not a day"),
                ([self.events, "--min-cluster-size", "1"], 2, "--min-cluster-size"),
                ([], 2, "needs events files or --clickhouse")):
            with self.subTest(arguments=arguments):
                result = run_sipscope(["campaigns"] + arguments)
                self.assertEqual(result.returncode, status, result.stderr)
                self.assertIn(message, result.stderr)


if __name__ == "__main__":
    unittest.main()
