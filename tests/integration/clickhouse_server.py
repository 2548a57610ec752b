"""A private clickhouse-server (Debian 12's 18.16, or whatever
`clickhouse-server` is on PATH) on loopback ports, with its own data
directory, for the integration tests; optionally one of several shards of a
cluster named `sipscope`."""
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from harness import free_tcp_port

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "clickhouse")

CONFIG = """<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>{dir}/server.log</log><errorlog>{dir}/error.log</errorlog><console>0</console></logger>
    <http_port>{http_port}</http_port>
    <tcp_port>{tcp_port}</tcp_port>
    <interserver_http_port>{interserver_port}</interserver_http_port>
    <listen_host>127.0.0.1</listen_host>
    <path>{dir}/data/</path>
    <tmp_path>{dir}/tmp/</tmp_path>
    <user_files_path>{dir}/user_files/</user_files_path>
    <format_schema_path>{dir}/format_schemas/</format_schema_path>
    <users_config>{dir}/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>67108864</mark_cache_size>
    <remote_servers>{remote_servers}</remote_servers>
</yandex>
"""

USERS = """<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
    <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
        <profile>default</profile><quota>default</quota></default></users>
    <quotas><default></default></quotas>
</yandex>
"""


def available():
    return shutil.which("clickhouse-server") is not None


def cluster_config(servers):
    """remote_servers for a cluster `sipscope` with one shard per server."""
    shards = "".join("<shard><replica><host>127.0.0.1</host><port>%d</port></replica></shard>" % server.tcp_port
                     for server in servers)
    return "<sipscope>%s</sipscope>" % shards


class ClickHouseServer:
    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.http_port, self.tcp_port, self.interserver_port = free_tcp_port(), free_tcp_port(), free_tcp_port()
        self.process = None
        self.remote_servers = ""

    @property
    def url(self):
        return "http://127.0.0.1:%d/?database=sipscope" % self.http_port

    def start(self):
        with open(os.path.join(self.directory, "config.xml"), "w") as handle:
            handle.write(CONFIG.format(dir=self.directory, http_port=self.http_port, tcp_port=self.tcp_port,
                                       interserver_port=self.interserver_port, remote_servers=self.remote_servers))
        with open(os.path.join(self.directory, "users.xml"), "w") as handle:
            handle.write(USERS)
        self.process = subprocess.Popen(["clickhouse-server", "--config-file=" + os.path.join(self.directory, "config.xml")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.directory)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("clickhouse-server exited (%d); see %s/error.log" % (self.process.returncode, self.directory))
            try:
                if self.query("SELECT 1", database=None).strip() == "1":
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("clickhouse-server did not answer on port %d" % self.http_port)

    def stop(self, kill=False):
        if self.process and self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
            self.process.wait(timeout=60)
        self.process = None

    def query(self, sql, database="sipscope"):
        parameters = {"database": database} if database else {}
        url = "http://127.0.0.1:%d/?%s" % (self.http_port, urllib.parse.urlencode(parameters))
        request = urllib.request.Request(url, data=sql.encode())
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.read().decode()
        except urllib.error.HTTPError as error:
            raise AssertionError("ClickHouse refused %r: %s" % (sql[:200], error.read().decode()[:500])) from None

    def rows(self, sql):
        """A SELECT's rows as lists of strings (TSV)."""
        text = self.query(sql + " FORMAT TSV")
        return [line.split("\t") for line in text.splitlines()]

    def load(self, name):
        """Runs scripts/clickhouse/NAME statement by statement, as the HTTP
        interface takes one per request."""
        with open(os.path.join(SCHEMA, name)) as handle:
            text = "\n".join(line for line in handle.read().splitlines() if not line.lstrip().startswith("--"))
        for statement in text.split(";"):
            if statement.strip():
                self.query(statement, database=None)
