"""scripts/package builds a Debian package; installed into a scratch root it
holds the binary (which runs), the tool database and a configuration it
accepts under /etc/sipscope, a systemd unit that `systemd-analyze verify`
accepts, the logrotate and /etc/default snippets, the man page, and the
dashboard, Prometheus rules, event schema and ClickHouse schema. Its own
release build: a separate suite (`package`), run on the release build only."""
import os
import shutil
import subprocess
import unittest

from harness import TemporaryDirectory

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


class DebianPackage(unittest.TestCase):
    def test_package_installs_and_the_unit_verifies(self):
        with TemporaryDirectory() as directory:
            result = subprocess.run([os.path.join(ROOT, "scripts", "package"), directory], capture_output=True, text=True,
                                    timeout=1500, env=dict(os.environ, BUILD_DIR=os.path.join(directory, "build")))
            self.assertEqual(result.returncode, 0, result.stderr)
            deb = result.stdout.strip().splitlines()[-1]
            self.assertTrue(deb.endswith(".deb") and os.path.getsize(deb) > 100000, deb)
            fields = subprocess.run(["dpkg-deb", "-f", deb, "Package", "Version", "Depends"], capture_output=True,
                                    text=True, check=True).stdout
            self.assertIn("Package: sipscope", fields)
            self.assertIn("librte-eal", fields)  # from the binary's libraries
            root = os.path.join(directory, "root")
            subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
            for path in ("usr/bin/sipscope", "etc/sipscope/tools.conf", "etc/sipscope/sipscope.conf",
                         "usr/lib/systemd/system/sipscope.service", "etc/logrotate.d/sipscope", "etc/default/sipscope",
                         "usr/share/man/man8/sipscope.8", "usr/share/sipscope/grafana-dashboard.json",
                         "usr/share/sipscope/prometheus.yml", "usr/share/sipscope/prometheus/alerts.yml",
                         "usr/share/sipscope/events.schema.json", "usr/share/sipscope/clickhouse/schema.sql",
                         "usr/share/doc/sipscope/LICENSE", "usr/share/doc/sipscope/TOOLS.md"):
                self.assertTrue(os.path.isfile(os.path.join(root, path)), path)
            binary = os.path.join(root, "usr", "bin", "sipscope")
            version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60)
            self.assertEqual(version.returncode, 0, version.stderr)
            self.assertRegex(version.stdout, r"^sipscope \d+\.\d+\.\d+ \(DPDK ")
            # The shipped configuration is valid, with the packaged tool database.
            config = os.path.join(root, "etc", "sipscope", "sipscope.conf")
            listing = subprocess.run([binary, "--config", config, "tools", "--tool-db",
                                      os.path.join(root, "etc", "sipscope", "tools.conf")],
                                     capture_output=True, text=True, timeout=60)
            self.assertEqual(listing.returncode, 0, listing.stderr)
            # Files under /etc are conffiles: dpkg keeps an operator's edits.
            conffiles = subprocess.run(["dpkg-deb", "--info", deb, "conffiles"], capture_output=True, text=True,
                                       check=True).stdout.split()
            self.assertEqual(sorted(conffiles), ["/etc/default/sipscope", "/etc/logrotate.d/sipscope",
                                                 "/etc/sipscope/sipscope.conf", "/etc/sipscope/tools.conf"])
            # The unit: as systemd reads it, with paths into the scratch root.
            with open(os.path.join(root, "usr", "lib", "systemd", "system", "sipscope.service")) as handle:
                unit = handle.read()
            self.assertIn("Type=notify", unit)
            self.assertIn("WatchdogSec=", unit)
            unit_path = os.path.join(directory, "sipscope.service")
            with open(unit_path, "w") as handle:
                handle.write(unit.replace("/usr/bin/sipscope", binary).replace("/etc/", root + "/etc/"))
            if shutil.which("systemd-analyze"):
                verify = subprocess.run(["systemd-analyze", "verify", "--man=no", unit_path], capture_output=True,
                                        text=True, timeout=60)
                self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
            # The man page renders and documents the subcommands.
            page = subprocess.run(["man", "-l", os.path.join(root, "usr", "share", "man", "man8", "sipscope.8")],
                                  capture_output=True, text=True, env=dict(os.environ, MANWIDTH="100"))
            if page.returncode == 0:
                for word in ("replay", "campaigns", "--log-level"):
                    self.assertIn(word, page.stdout)


if __name__ == "__main__":
    unittest.main()
