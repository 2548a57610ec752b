"""Shared helpers for integration tests: run the real sipscope binary on
captures made by scripts/sipgen.py, read its events and metrics.

Paths come from the environment that meson sets (SIPSCOPE, SIPGEN), so a
test can also be run by hand:
    SIPSCOPE=build/lcore/sipscope SIPGEN=scripts/sipgen.py /usr/bin/python3 tests/integration/test_replay.py
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import urllib.request

import jsonschema

SIPSCOPE = os.environ.get("SIPSCOPE", "build/lcore/sipscope")
SIPGEN = os.environ.get("SIPGEN", "scripts/sipgen.py")
# Tests share 2 noisy cores: let idle workers sleep so that parallel work
# (another test, the generator) is not starved by busy polling.
IDLE_SLEEP = ["--idle-sleep-us", "100"]
# EAL arguments of a `run` on a virtual device without hugepages (add a
# --file-prefix of the test's own and the --vdev).
EAL = ["--no-huge", "-m", "512", "--no-shconf", "--no-pci", "--no-telemetry", "-l", "0-1"]


def make_capture(directory, name="traffic.pcap", **options):
    path = os.path.join(directory, name)
    command = [sys.executable, SIPGEN, "--out", path]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        command += [flag] if value is True else [flag, str(value)]
    subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
    with open(path + ".truth.json") as truth:
        return path, json.load(truth)


def run_sipscope(arguments, timeout=120, **kwargs):
    return subprocess.run([SIPSCOPE] + arguments, capture_output=True, text=True, timeout=timeout, **kwargs)


SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "events.schema.json")
with open(SCHEMA_PATH) as schema_file:
    EVENT_SCHEMA = json.load(schema_file)
jsonschema.Draft202012Validator.check_schema(EVENT_SCHEMA)
EVENT_VALIDATOR = jsonschema.Draft202012Validator(EVENT_SCHEMA)


def parse_event_lines(lines, origin="events"):
    """Every line must be one JSON object with timestamp then event_type,
    valid against docs/events.schema.json."""
    events = []
    for number, raw in enumerate(lines, 1):
        line = raw.decode("utf-8") if isinstance(raw, bytes) else raw  # raises on invalid UTF-8
        event = json.loads(line)
        keys = list(event)
        assert keys[:2] == ["timestamp", "event_type"], "%s line %d starts with %s" % (origin, number, keys[:2])
        errors = sorted(EVENT_VALIDATOR.iter_errors(event), key=lambda error: list(error.path))
        assert not errors, "%s line %d does not match the schema: %s at %s\n%s" % (
            origin, number, errors[0].message, "/".join(map(str, errors[0].path)), line[:2000])
        events.append(event)
    return events


def read_events(path):
    with open(path, "rb") as handle:
        return parse_event_lines(handle, path)


METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')


def parse_metrics(text):
    """Returns {(name, frozenset(labels.items())): value}."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = METRIC_LINE.match(line)
        assert match, "not an exposition line: %r" % line
        labels = {}
        if match.group(3):
            for pair in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', match.group(3)):
                labels[pair[0]] = pair[1]
        samples[(match.group(1), frozenset(labels.items()))] = float(match.group(4))
    return samples


def metric_sum(samples, name, **labels):
    total = 0.0
    for (sample_name, sample_labels), value in samples.items():
        if sample_name == name and all((key, value_) in sample_labels for key, value_ in labels.items()):
            total += value
    return total


def free_tcp_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scrape(url, timeout=2):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


class TemporaryDirectory(tempfile.TemporaryDirectory):
    pass
