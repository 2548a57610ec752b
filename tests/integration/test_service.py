"""The systemd protocol on real packets: `sipscope run` on a net_pcap device
with NOTIFY_SOCKET and WATCHDOG_USEC set as systemd sets them for a
Type=notify unit with WatchdogSec. The sensor says READY=1 once its ports
are up and its workers run, feeds the watchdog from the control lcore while
it runs, and says STOPPING=1 when SIGTERM starts the shutdown flush."""
import os
import signal
import socket
import subprocess
import time
import unittest

from harness import EAL, IDLE_SLEEP, SIPSCOPE, TemporaryDirectory, make_capture


class SystemdNotify(unittest.TestCase):
    def test_ready_watchdog_and_stopping(self):
        with TemporaryDirectory() as directory:
            capture, _ = make_capture(directory, sources=4, packets_per_source=10)
            path = os.path.join(directory, "notify")
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            listener.bind(path)
            listener.settimeout(0.5)
            environment = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")
            environment.pop("WATCHDOG_PID", None)
            command = [SIPSCOPE, "run", "--metrics", "none", "--api", "none", "--events", os.path.join(directory, "e.jsonl"),
                       "--progress", "0"] + IDLE_SLEEP + ["--"] + EAL + [
                "--file-prefix", "notify%d" % os.getpid(), "--vdev", "net_pcap0,rx_pcap=%s" % capture]
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
            messages = []

            def receive(seconds):
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    try:
                        messages.append(listener.recv(4096).decode())
                    except socket.timeout:
                        pass
            try:
                receive(3)  # READY, then watchdog beats every ~200 ms
                self.assertIsNone(process.poll(), "sipscope exited early")
                process.send_signal(signal.SIGTERM)
                receive(2)
                stdout, stderr = process.communicate(timeout=60)
            finally:
                if process.poll() is None:
                    process.kill()
                listener.close()
            self.assertEqual(process.returncode, 0, stderr)
            ready = [message for message in messages if "READY=1" in message]
            self.assertEqual(len(ready), 1, messages)
            self.assertIn("STATUS=1 worker(s) on 1 port(s)", ready[0])
            beats = [index for index, message in enumerate(messages) if message == "WATCHDOG=1"]
            self.assertGreaterEqual(len(beats), 5, messages)  # 3 s at one beat per 200 ms, on a busy machine
            self.assertGreater(beats[0], messages.index(ready[0]), "the watchdog starts after READY")
            stopping = [index for index, message in enumerate(messages) if message.startswith("STOPPING=1")]
            self.assertEqual(len(stopping), 1, messages)

    def test_nothing_is_sent_outside_systemd(self):
        # Without NOTIFY_SOCKET the same run works and sends nothing anywhere.
        with TemporaryDirectory() as directory:
            capture, _ = make_capture(directory, sources=2, packets_per_source=5)
            environment = {key: value for key, value in os.environ.items() if key not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
            result = subprocess.run([SIPSCOPE, "replay", capture, "--events", "", "--progress", "0"], env=environment,
                                    capture_output=True, text=True, timeout=120)
            self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    unittest.main()
