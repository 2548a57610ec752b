"""Faults an operator meets, on the real binary: the events file's directory
vanishing and coming back (SIGHUP), a full disk (a file-size limit), an
unwritable metrics file, options that are not numbers, and responses that
do not parse seen with one worker and with two. Nothing may be lost without
a count, no line may be cut, and the exit status must say so (4)."""
import json
import os
import re
import resource
import shutil
import signal
import socket
import struct
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from harness import (EAL, IDLE_SLEEP, SIPSCOPE, TemporaryDirectory, free_tcp_port, make_capture, metric_sum, parse_metrics,
                     read_events, run_sipscope, scrape)


def summary_events(stdout):
    """(sip_scan_flow, alert, lost) from the summary's events line."""
    match = re.search(r"^\s+events\s+\S+ \((\d+) sip_scan_flow, (\d+) alert lines(?:; (\d+) events lost)?", stdout,
                      re.MULTILINE)
    assert match, "no events line in:\n" + stdout
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def write_pcap(path, frames):
    """Ethernet frames into a pcap, 1 ms apart."""
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for index, frame in enumerate(frames):
            out.write(struct.pack("<IIII", 1767225600 + index // 1000, (index % 1000) * 1000, len(frame), len(frame)))
            out.write(frame)


def udp_frame(source, destination, source_port, destination_port, payload):
    udp = struct.pack("!HHHH", source_port, destination_port, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, bytes(source), bytes(destination))
    return b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00" + ip + udp


def start_run(capture, metrics_port, events_path="", api="none"):
    """`sipscope run` on a net_pcap device reading `capture`."""
    command = [SIPSCOPE, "run", "--metrics", "127.0.0.1:%d" % metrics_port, "--api", api, "--events", events_path,
               "--progress", "0"] + IDLE_SLEEP + ["--"] + EAL + [
        "--file-prefix", "faults%d" % os.getpid(), "--vdev", "net_pcap0,rx_pcap=%s" % capture]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class EventsUnderFaults(unittest.TestCase):

    def wait_for_capture(self, process, metrics_port, truth):
        url = "http://127.0.0.1:%d/metrics" % metrics_port
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.assertIsNone(process.poll(), "sipscope exited early")
            try:
                if metric_sum(parse_metrics(scrape(url)), "sipscope_sip_packets_total") >= truth["sip_packets"]:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.fail("the capture was not processed in time")

    def test_failed_reopen_then_reopen_loses_nothing(self):
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=10, packets_per_source=12, seed=31)
            events_directory = os.path.join(directory, "events")
            os.mkdir(events_directory)
            events_path = os.path.join(events_directory, "ev.jsonl")
            port, api_port = free_tcp_port(), free_tcp_port()
            process = start_run(capture, port, events_path, api="127.0.0.1:%d" % api_port)
            health = "http://127.0.0.1:%d/healthz" % api_port
            try:
                self.wait_for_capture(process, port, truth)
                self.assertEqual(json.loads(scrape(health))["status"], "ok")
                os.rename(events_directory, events_directory + ".old")  # a rotator moved the whole directory
                process.send_signal(signal.SIGHUP)                       # the reopen fails: no directory
                time.sleep(1.0)
                # /healthz says so: 503, the events file unavailable.
                with self.assertRaises(urllib.error.HTTPError) as refused:
                    scrape(health)
                self.assertEqual(refused.exception.code, 503)
                self.assertEqual(json.loads(refused.exception.read().decode())["events_file"], "unavailable")
                os.mkdir(events_directory)
                process.send_signal(signal.SIGHUP)                       # now it works
                time.sleep(1.0)
                self.assertEqual(json.loads(scrape(health))["status"], "ok")
                process.send_signal(signal.SIGINT)
                stdout, stderr = process.communicate(timeout=60)
            finally:
                if process.poll() is None:
                    process.kill()
            self.assertEqual(process.returncode, 0, stderr)
            self.assertIn("cannot open events file", stderr)
            # Alerts raised while the capture ran are in the moved file; the
            # flows, closed at shutdown, in the new one; nothing in between.
            before = read_events(os.path.join(events_directory + ".old", "ev.jsonl"))
            after = read_events(events_path)
            flows = [event for event in after if event["event_type"] == "sip_scan_flow"]
            alerts = [event for event in before + after if event["event_type"] == "alert"]
            self.assertEqual(len(flows), truth["source_count"] + truth["prober_count"])
            self.assertGreater(len(alerts), 0)
            self.assertEqual(summary_events(stdout), (len(flows), len(alerts), 0))
            self.assertEqual(after[-1]["event_type"], "stats")
            self.assertEqual(after[-1]["stats"]["dropped"]["events"], 0)

    def test_reopen_that_never_succeeds_is_counted_and_exits_4(self):
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=6, packets_per_source=12, seed=32)
            events_directory = os.path.join(directory, "events")
            os.mkdir(events_directory)
            port = free_tcp_port()
            process = start_run(capture, port, os.path.join(events_directory, "ev.jsonl"))
            try:
                self.wait_for_capture(process, port, truth)
                shutil.rmtree(events_directory)
                process.send_signal(signal.SIGHUP)
                time.sleep(1.0)
                samples = parse_metrics(scrape("http://127.0.0.1:%d/metrics" % port))
                process.send_signal(signal.SIGINT)
                stdout, stderr = process.communicate(timeout=60)
            finally:
                if process.poll() is None:
                    process.kill()
            self.assertEqual(process.returncode, 4, stderr)
            flows = truth["source_count"] + truth["prober_count"]
            # Every flow closed at shutdown, and the final stats event, counted
            # as lost (alerts raised before the directory went were written).
            written_flows, _, lost = summary_events(stdout)
            self.assertEqual((written_flows, lost), (0, flows + 1))
            self.assertIn("sipscope_events_lost_total", "".join(name for name, _ in samples))

    def test_full_disk_keeps_whole_lines_and_counts_the_rest(self):
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=20, packets_per_source=15, seed=33)
            reference = os.path.join(directory, "all.jsonl")
            complete = run_sipscope(["replay", capture, "--events", reference, "--metrics", "none", "--progress", "0"])
            self.assertEqual(complete.returncode, 0, complete.stderr)
            expected = len(read_events(reference))
            limited = os.path.join(directory, "limited.jsonl")

            def small_disk():
                # Writes past 6,000 bytes fail with EFBIG, as on a full disk.
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (6000, 6000))

            result = subprocess.run([SIPSCOPE, "replay", capture, "--events", limited, "--metrics", "none", "--progress",
                                     "0"], capture_output=True, text=True, timeout=120, preexec_fn=small_disk)
            self.assertEqual(result.returncode, 4, result.stderr)
            self.assertIn("write failed", result.stderr)
            with open(limited, "rb") as handle:
                content = handle.read()
            self.assertLessEqual(len(content), 6000)
            self.assertTrue(content.endswith(b"\n"), "the file ends with a cut line")
            written = read_events(limited)  # every line parses
            self.assertGreater(len(written), 0)
            flows, alerts, lost = summary_events(result.stdout)
            self.assertEqual(flows + alerts, len(written))
            self.assertEqual(len(written) + lost, expected, "every event is in the file or counted as lost")


class EndpointsUnderIdleConnections(unittest.TestCase):
    def test_idle_sockets_do_not_starve_scrapes_and_paths_are_exact(self):
        """200 idle TCP connections to each endpoint (they connect and never
        send a request): /metrics and /top still answer. Unknown paths are
        404, other methods 405, bad parameters 400."""
        with TemporaryDirectory() as directory:
            capture, _ = make_capture(directory, sources=3, packets_per_source=12, seed=35)
            metrics_port, api_port = free_tcp_port(), free_tcp_port()
            process = start_run(capture, metrics_port, api="127.0.0.1:%d" % api_port)
            idle = []
            try:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        scrape("http://127.0.0.1:%d/metrics" % metrics_port)
                        break
                    except OSError:
                        self.assertLess(time.monotonic(), deadline, "sipscope did not start")
                        self.assertIsNone(process.poll(), "sipscope exited early")
                        time.sleep(0.2)
                for port in (metrics_port, api_port):
                    for _ in range(200):
                        idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
                time.sleep(0.5)
                # A timeout well below the 30 s an idle connection used to hold a thread.
                self.assertIn("sipscope_sip_packets_total", scrape("http://127.0.0.1:%d/metrics" % metrics_port, timeout=15))
                self.assertIn('"sources"', scrape("http://127.0.0.1:%d/top?count=3" % api_port, timeout=15))
                for path, status in (("/topXYZ", 404), ("/top/../../etc/passwd", 404), ("/", 404),
                                     ("/top?count=0", 400), ("/top?window=99999999999999999999", 400),
                                     ("/top?count=abc", 400)):
                    with self.assertRaises(urllib.error.HTTPError, msg=path) as caught:
                        scrape("http://127.0.0.1:%d%s" % (api_port, path), timeout=15)
                    self.assertEqual(caught.exception.code, status, path)
                request = urllib.request.Request("http://127.0.0.1:%d/top" % api_port, data=b"x", method="POST")
                with self.assertRaises(urllib.error.HTTPError) as caught:
                    urllib.request.urlopen(request, timeout=15)
                self.assertEqual(caught.exception.code, 405)
            finally:
                for connection in idle:
                    connection.close()
                process.send_signal(signal.SIGINT)
                try:
                    process.communicate(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
            self.assertEqual(process.returncode, 0)


class ChecksAtStart(unittest.TestCase):
    def test_unwritable_metrics_file_is_refused_before_running(self):
        result = run_sipscope(["replay", "/dev/null", "--metrics-file", "/nonexistent-directory/metrics.prom"])
        self.assertEqual(result.returncode, 2)
        self.assertIn("--metrics-file", result.stderr)

    def test_options_that_are_not_numbers(self):
        with TemporaryDirectory() as directory:
            capture, _ = make_capture(directory, sources=1, packets_per_source=2, seed=34)
            for option in ("--timeout", "--progress", "--stats-interval"):
                for value in ("nan", "-nan", "inf"):
                    result = run_sipscope(["replay", capture, option, value, "--metrics", "none", "--events", ""])
                    # NaN passes CLI11's range check (every comparison is
                    # false) and is refused by the plan (2); infinity is out
                    # of CLI11's range (its own status).
                    self.assertNotEqual(result.returncode, 0, (option, value))
                    self.assertIn(option, result.stderr)


class InputsThatBendThings(unittest.TestCase):
    def test_capture_path_with_comma_and_equals(self):
        """DPDK's device arguments split on ',' and '=': such a path is
        replayed through a link, not refused as "no Ethernet device"."""
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=2, packets_per_source=12, seed=36)
            odd_directory = os.path.join(directory, "a,b=c")
            os.mkdir(odd_directory)
            odd = os.path.join(odd_directory, "cap,1=x.pcap")
            shutil.copy(capture, odd)
            events_path = os.path.join(directory, "ev.jsonl")
            result = run_sipscope(["replay", odd, "--events", events_path, "--metrics", "none", "--progress", "0"])
            self.assertEqual(result.returncode, 0, result.stderr)
            flows = [event for event in read_events(events_path) if event["event_type"] == "sip_scan_flow"]
            self.assertEqual(len(flows), truth["source_count"] + truth["prober_count"])

    def test_capture_time_past_2100_is_clamped_and_counted(self):
        """One packet of a scan stamped in 2106: the flow keeps the capture's
        time (RFC 3339, 2026), stays one flow, and the damage is counted."""
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=1, packets_per_source=20, probers=0, seed=37)
            with open(capture, "rb") as handle:
                data = handle.read()
            out, at, index = bytearray(data[:24]), 24, 0
            while at < len(data):
                seconds, micros, included, original = struct.unpack("<IIII", data[at:at + 16])
                if index == 3:
                    seconds = 0xFFFFFFF0
                out += struct.pack("<IIII", seconds, micros, included, original) + data[at + 16:at + 16 + included]
                at, index = at + 16 + included, index + 1
            damaged = os.path.join(directory, "damaged.pcap")
            with open(damaged, "wb") as handle:
                handle.write(out)
            events_path, metrics_path = os.path.join(directory, "ev.jsonl"), os.path.join(directory, "m.prom")
            result = run_sipscope(["replay", damaged, "--events", events_path, "--metrics", "none", "--metrics-file",
                                   metrics_path, "--progress", "0"])
            self.assertEqual(result.returncode, 0, result.stderr)
            events = read_events(events_path)  # RFC 3339 timestamps, checked by read_events
            flows = [event for event in events if event["event_type"] == "sip_scan_flow"]
            self.assertEqual(len(flows), 1)
            self.assertTrue(all(event["timestamp"].startswith("2026-") for event in events))
            with open(metrics_path) as handle:
                self.assertEqual(metric_sum(parse_metrics(handle.read()), "sipscope_packet_times_clamped_total"), 1)


class OwnershipDecidedOnce(unittest.TestCase):
    def test_unparseable_responses_make_no_flow_with_any_number_of_workers(self):
        """A scanner's OPTIONS to 40 hosts; each host answers, half of them
        with a status line that does not parse. Only the scanner is a
        source, with 1 worker or 2 (a malformed response used to become a
        probe flow of the host that sent it)."""
        scanner = [203, 0, 113, 50]
        frames = []
        for host in range(1, 41):
            target = [198, 51, 100, host]
            request = ("OPTIONS sip:100@198.51.100.%d SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK%d\r\n"
                       "From: <sip:100@1.1.1.1>;tag=%d\r\nTo: <sip:100@1.1.1.1>\r\nCall-ID: %d\r\nCSeq: 1 OPTIONS\r\n"
                       "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n" % (host, host, host, host)).encode()
            frames.append(udp_frame(scanner, target, 5060, 5060, request))
            status = "SIP/2.0 200 OK" if host % 2 else "SIP/2.0 2x0 broken"
            frames.append(udp_frame(target, scanner, 5060, 5060, ("%s\r\nCall-ID: %d\r\n\r\n" % (status, host)).encode()))
        with TemporaryDirectory() as directory:
            capture = os.path.join(directory, "responses.pcap")
            write_pcap(capture, frames)
            sources = {}
            for workers in (1, 2):
                events_path = os.path.join(directory, "w%d.jsonl" % workers)
                result = run_sipscope(["replay", capture, "--workers", str(workers), "--events", events_path,
                                       "--metrics", "none", "--progress", "0"])
                self.assertEqual(result.returncode, 0, result.stderr)
                flows = [event for event in read_events(events_path) if event["event_type"] == "sip_scan_flow"]
                sources[workers] = sorted(flow["src_ip"] for flow in flows)
                self.assertEqual(sources[workers], ["203.0.113.50"], workers)
                self.assertEqual(flows[0]["flow"]["responses"], 20)


if __name__ == "__main__":
    unittest.main()
