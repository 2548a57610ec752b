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


CAPTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "captures")


def read_pcap_frames(path):
    """The frames of a little-endian microsecond pcap, in order."""
    with open(path, "rb") as handle:
        data = handle.read()
    frames, at = [], 24
    while at < len(data):
        included = struct.unpack("<I", data[at + 8:at + 12])[0]
        frames.append(data[at + 16:at + 16 + included])
        at += 16 + included
    return frames


def svmap_requests():
    """The SIP payloads of real SIPVicious 0.3.3 OPTIONS (svmap over a range)."""
    requests = []
    for frame in read_pcap_frames(os.path.join(CAPTURES, "svmap-range.pcap")):
        payload = frame[14 + 20 + 8:]
        if payload.startswith(b"OPTIONS "):
            requests.append(payload)
    return requests


def with_header_lines(request, lines):
    """The request with `lines` inserted right after its request line."""
    line_end = request.index(b"\r\n") + 2
    return request[:line_end] + b"".join(line + b"\r\n" for line in lines) + request[line_end:]


ETHERNET_IPV4 = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
ETHERNET_IPV6 = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x86\xdd"


def ipv4_fragments(source, destination, payload, ident, mtu=1500, only_first=False):
    """A UDP datagram 5060 -> 5060 cut into IPv4 fragments of at most `mtu`."""
    datagram = struct.pack("!HHHH", 5060, 5060, 8 + len(payload), 0) + payload
    step = (mtu - 20) // 8 * 8
    frames = []
    for offset in range(0, len(datagram), step):
        chunk = datagram[offset:offset + step]
        more = offset + step < len(datagram)
        flags = (0x2000 if more else 0) | (offset // 8)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(chunk), ident, flags, 64, 17, 0, bytes(source),
                         bytes(destination))
        frames.append(ETHERNET_IPV4 + ip + chunk)
        if only_first:
            break
    return frames


def ipv6_fragments(source, destination, payload, ident, mtu=1280):
    """A UDP datagram 5060 -> 5060 cut into IPv6 fragments (the fragment
    header right after the fixed header, as hosts send them)."""
    datagram = struct.pack("!HHHH", 5060, 5060, 8 + len(payload), 0) + payload
    step = (mtu - 40 - 8) // 8 * 8
    frames = []
    for offset in range(0, len(datagram), step):
        chunk = datagram[offset:offset + step]
        more = offset + step < len(datagram)
        fragment = struct.pack("!BBHI", 17, 0, offset | (1 if more else 0), ident)
        ip = struct.pack("!IHBB16s16s", 6 << 28, 8 + len(chunk), 44, 64, bytes(source), bytes(destination))
        frames.append(ETHERNET_IPV6 + ip + fragment + chunk)
    return frames


class EvasionByShape(unittest.TestCase):
    """Real SIPVicious requests reshaped the way a scanner evades a sensor:
    padded past the MTU and IP-fragmented (IPv4 and IPv6), sixty junk
    headers ahead of the real ones, one 20,000-byte frame, and first
    fragments whose rest never comes. The tool is still named, each
    source is one flow with one worker or two, and every fragment that
    made no datagram is counted."""

    def test_fragmented_padded_junk_and_jumbo_requests_are_named(self):
        requests = svmap_requests()
        self.assertGreaterEqual(len(requests), 30)
        padding = b"X-Padding: " + b"A" * 3000
        fragmented, ipv6, junk, jumbo, lost = [10, 250, 9, 1], [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [7], \
            [203, 0, 113, 7], [203, 0, 113, 8], [203, 0, 113, 9]
        frames, ident = [], 100
        for host, request in enumerate(requests[:30], start=1):
            target = [10, 250, 1, host]
            frames += ipv4_fragments(fragmented, target, with_header_lines(request, [padding]), ident)
            frames.append(udp_frame(junk, target, 5060, 5060,
                                    with_header_lines(request, [b"X-Junk-%d: %d" % (i, i) for i in range(60)])))
            ident += 1
        for host, request in enumerate(requests[:8], start=1):
            target6 = [0x20, 0x01, 0x0d, 0xb8, 0, 1] + [0] * 9 + [host]
            frames += ipv6_fragments(ipv6, target6, with_header_lines(request, [padding]), 7000 + host)
        for host, request in enumerate(requests[:3], start=1):
            frames.append(udp_frame(jumbo, [10, 250, 2, host], 5060, 5060,
                                    with_header_lines(request, [b"X-Padding: " + b"B" * 20000])))
        for host, request in enumerate(requests[:5], start=1):
            frames += ipv4_fragments(lost, [10, 250, 3, host], with_header_lines(request, [padding]), 9000 + host,
                                     only_first=True)
        with TemporaryDirectory() as directory:
            capture = os.path.join(directory, "evasion.pcap")
            write_pcap(capture, frames)
            for workers in (1, 2):
                events_path, metrics_path = os.path.join(directory, "w%d.jsonl" % workers), os.path.join(directory, "m.prom")
                result = run_sipscope(["replay", capture, "--workers", str(workers), "--events", events_path,
                                       "--metrics", "none", "--metrics-file", metrics_path, "--progress", "0"])
                self.assertEqual(result.returncode, 0, result.stderr)
                flows = {event["src_ip"]: event for event in read_events(events_path)
                         if event["event_type"] == "sip_scan_flow"}
                self.assertEqual(sorted(flows), sorted(["10.250.9.1", "2001:db8::7", "203.0.113.7", "203.0.113.8"]),
                                 workers)
                for source, requests_sent in (("10.250.9.1", 30), ("2001:db8::7", 8), ("203.0.113.7", 30),
                                              ("203.0.113.8", 3)):
                    flow = flows[source]
                    self.assertEqual(flow["sip"]["methods"], {"OPTIONS": requests_sent}, source)
                    self.assertEqual(flow["tool"]["name"], "sipvicious", source)
                with open(metrics_path) as handle:
                    samples = parse_metrics(handle.read())
                self.assertEqual(metric_sum(samples, "sipscope_ip_reassembled_total"), 38)
                self.assertEqual(metric_sum(samples, "sipscope_ip_fragments_dropped_total"), 5)
                self.assertEqual(metric_sum(samples, "sipscope_transport_probes_total"), 0)
                self.assertEqual(metric_sum(samples, "sipscope_sip_rfc_violations_total", violation="too_many_headers"), 30)
                self.assertEqual(metric_sum(samples, "sipscope_sip_requests_total"), 71)


class DamagedCaptures(unittest.TestCase):
    """A capture cut part-way (a record header cut, a record's data cut) is
    processed up to the damage, the log says where the damage starts, and
    the replay exits 3 (short), as tcpdump and tshark read what is readable."""

    def test_cut_capture_is_processed_up_to_the_damage(self):
        with TemporaryDirectory() as directory:
            capture, truth = make_capture(directory, sources=3, packets_per_source=20, probers=0, seed=38)
            with open(capture, "rb") as handle:
                data = handle.read()
            offsets, at = [], 24
            while at < len(data):
                offsets.append(at)
                at += 16 + struct.unpack("<I", data[at + 8:at + 12])[0]
            self.assertEqual(len(offsets), truth["packets"])
            keep = 40
            # The requests among the packets before the damage (the rest are
            # the targets' responses).
            requests_before = sum(1 for at in offsets[:keep]
                                  if re.match(rb"[A-Z]+ sips?:", data[at + 16 + 42:at + 16 + 62]))
            self.assertGreater(requests_before, 0)
            for name, cut in (("header", offsets[keep] + 7), ("data", offsets[keep] + 16 + 10)):
                damaged = os.path.join(directory, "cut-%s.pcap" % name)
                with open(damaged, "wb") as handle:
                    handle.write(data[:cut])
                events_path = os.path.join(directory, "ev-%s.jsonl" % name)
                result = run_sipscope(["replay", damaged, "--events", events_path, "--metrics", "none", "--progress", "0"])
                self.assertEqual(result.returncode, 3, result.stderr)
                self.assertIn("damaged after packet %d (byte %d)" % (keep, offsets[keep]), result.stderr)
                events = read_events(events_path)
                self.assertEqual(events[-1]["stats"]["packets"], keep, name)
                requests = sum(sum(event["sip"]["methods"].values()) for event in events
                               if event["event_type"] == "sip_scan_flow")
                self.assertEqual(requests, requests_before, name)


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
