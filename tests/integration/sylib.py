"""Harness for Switchyard integration tests: a switchyardd and its guests.

Every process is started by the test and stopped by PID; every file, socket
and DPDK runtime directory lives under names unique to the test and is
removed at the end, also when the test fails.
"""
import json
import os
import sys
import types
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import grpc

BUILD_DIR = os.environ.get(
    "SY_BUILD_DIR",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build"))
DAEMON = os.path.join(BUILD_DIR, "control", "switchyardd")
GUEST = os.path.join(BUILD_DIR, "tests", "tools", "sy_guest")
YARDCTL = os.path.join(BUILD_DIR, "cli", "yardctl")
_counter = 0


def unique(tag):
    """A name unique to this process and call, short enough for DPDK."""
    global _counter
    _counter += 1
    return f"sy{tag}{os.getpid()}x{_counter}"


# Set by the running test: returns what the switch saw, for timeout reports.
diagnostics = None


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    report = ""
    if diagnostics:
        try:
            report = "\n" + diagnostics()
        except Exception as e:  # the daemon may be what died
            report = f"\n(no diagnostics: {e})"
    raise AssertionError(f"timed out after {timeout}s waiting for {what}{report}")


def _load_stubs():
    """Generates Python stubs from proto/ with protoc and grpc_python_plugin."""
    out = tempfile.mkdtemp(prefix="systubs-")
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "proto")
    protos = [os.path.join(root, "switchyard", "v1", f) for f in
              ("network.proto", "port.proto", "fdb.proto", "stats.proto", "config.proto",
               "events.proto", "vms.proto")]
    subprocess.run(["protoc", f"-I{root}", f"--python_out={out}", f"--grpc_python_out={out}",
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin", *protos],
                   check=True)
    sys.path.insert(0, out)
    import importlib
    mods = {}
    for name in ("network", "port", "fdb", "stats", "config", "events", "vms"):
        mods[name] = importlib.import_module(f"switchyard.v1.{name}_pb2")
        mods[name + "_grpc"] = importlib.import_module(f"switchyard.v1.{name}_pb2_grpc")
    shutil.rmtree(out, ignore_errors=True)  # imported; the files are no longer needed
    return types.SimpleNamespace(**mods)


pb = _load_stubs()


class Api:
    """switchyard.v1 stubs on one channel."""

    def __init__(self, target, credentials=None):
        self.channel = (grpc.secure_channel(target, credentials) if credentials
                        else grpc.insecure_channel(target))
        self.networks = pb.network_grpc.NetworksStub(self.channel)
        self.ports = pb.port_grpc.PortsStub(self.channel)
        self.fdb = pb.fdb_grpc.FdbStub(self.channel)
        self.stats = pb.stats_grpc.StatsStub(self.channel)
        self.events = pb.events_grpc.EventsStub(self.channel)
        self.config = pb.config_grpc.ConfigStub(self.channel)

    def create_network(self, name, **fields):
        return self.networks.CreateNetwork(pb.network.CreateNetworkRequest(
            network=pb.network.Network(name=name, **fields)), timeout=10)

    def create_port(self, name, network, socket, mode="server"):
        m = pb.port.VHOST_USER_MODE_SERVER if mode == "server" else pb.port.VHOST_USER_MODE_CLIENT
        return self.ports.CreatePort(pb.port.CreatePortRequest(port=pb.port.Port(
            name=name, network=network,
            vhost_user=pb.port.VhostUser(socket_path=socket, mode=m))), timeout=10)

    def delete_port(self, name):
        return self.ports.DeletePort(pb.port.DeletePortRequest(name=name), timeout=10)

    def list_ports(self):
        return list(self.ports.ListPorts(pb.port.ListPortsRequest(), timeout=10).ports)

    def get_stats(self):
        return self.stats.GetStats(pb.stats.GetStatsRequest(), timeout=10)

    def fdb_entries(self, network):
        return list(self.fdb.ListFdb(pb.fdb.ListFdbRequest(network=network), timeout=10).entries)

    def close(self):
        self.channel.close()


def code_of(call):
    """The gRPC status code name a call fails with, or 'OK'."""
    try:
        call()
        return "OK"
    except grpc.RpcError as e:
        return e.code().name


def read_events(stream, got):
    """Appends a Watch stream's events to `got` on a thread until the stream
    ends or is cancelled; returns an Event set when it has."""
    done = threading.Event()

    def reader():
        try:
            for e in stream:
                got.append(e)
        except grpc.RpcError:
            pass  # cancelled by the test or the switch went away
        done.set()

    threading.Thread(target=reader, daemon=True).start()
    return done


def run_in(ns, *cmd, check=True, timeout=60):
    """Runs a command inside a namespace; returns its stdout."""
    return subprocess.run(["ip", "netns", "exec", ns, *cmd], check=check, capture_output=True,
                          text=True, timeout=timeout).stdout


def add_netns(tag):
    """A network namespace of a name unique to the run, with lo up."""
    name = unique(tag)
    subprocess.run(["ip", "netns", "add", name], check=True)
    run_in(name, "ip", "link", "set", "lo", "up")
    return name


def remove_netns(ns):
    """Kills what runs in `ns` (its maker's processes only: the namespace is
    its own) and deletes it, its veths with it."""
    for pid in subprocess.run(["ip", "netns", "pids", ns], capture_output=True,
                              text=True).stdout.split():
        subprocess.run(["kill", "-9", pid])
    subprocess.run(["ip", "netns", "del", ns])


class Switch:
    """A switchyardd with its API socket and state dir in `workdir`."""

    def __init__(self, workdir, extra_args=(), netns=None):
        self.workdir = workdir
        self.netns = netns
        self.socket = os.path.join(workdir, "api.sock")
        self.state_dir = os.path.join(workdir, "state")
        self.log_path = os.path.join(workdir, "switchyardd.log")
        self.extra_args = list(extra_args)
        self.binary = DAEMON  # another build may be set before a start()
        self.api = None
        self.proc = None
        self.start()

    def start(self):
        self.prefix = unique("sw")
        self._log = open(self.log_path, "a")
        self._log_mark = self._log.tell()  # this run's lines start here
        # `ip netns exec` execs the daemon itself: the PID is the daemon's.
        wrap = ["ip", "netns", "exec", self.netns] if self.netns else []
        self.proc = subprocess.Popen(
            [*wrap, self.binary, "--socket", self.socket, "--state-dir", self.state_dir,
             "--file-prefix", self.prefix, "--memory-mb", "256", *self.extra_args],
            stdout=self._log, stderr=subprocess.STDOUT)
        return self

    def wait_running(self, timeout=20):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"switchyardd exited with {self.proc.returncode}:\n{self.log()}")
            return "api: serving" in self.log()[self._log_mark:]
        wait_for(ready, timeout, "switchyardd API")
        self.api = Api("unix:" + self.socket)
        return self

    def port(self, name):
        """Counters and link of a port as a dict (None when absent)."""
        stats = self.api.get_stats()
        listed = {p.name: p for p in self.api.list_ports()}
        for p in stats.ports:
            if p.name == name:
                c = p.counters
                return {"link": "up" if p.link == pb.port.LINK_STATE_UP else "down",
                        "connects": listed[name].status.guest_connects,
                        "rx_packets": c.rx_packets, "tx_packets": c.tx_packets,
                        "rx_bytes": c.rx_bytes, "tx_bytes": c.tx_bytes, "drops": dict(c.drops)}
        return None

    def network(self, name):
        for n in self.api.get_stats().networks:
            if n.name == name:
                return {"fdb_entries": n.fdb_entries, "unicast": n.unicast,
                        "flooded": n.flooded, "moves": n.fdb_moves,
                        "fdb": [{"mac": e.mac, "port": e.port, "static": e.static}
                                for e in self.api.fdb_entries(name)]}
        return None

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def kill9(self):
        """Crashes the daemon: SIGKILL, no cleanup of its own."""
        if self.api:
            self.api.close()
            self.api = None
        self.proc.kill()
        self.proc.wait()
        self._log.close()
        shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)

    def stop(self, timeout=20):
        if self.api:
            self.api.close()
            self.api = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)
        return self.proc.returncode


class LineProcess:
    """A child that answers each command line on stdin with one JSON line
    on stdout, after a first {"ready": true} line: sy_guest's protocol, which
    tests/tools/stream_peer.py speaks too."""

    what = "peer"
    proc = None

    def _spawn(self, argv, timeout, stderr=None):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=stderr, text=True, bufsize=1)
        ready = self._read(timeout)
        if not ready.get("ready"):
            raise AssertionError(f"{self.what} did not start: {ready}")

    def _read(self, timeout):
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            raise AssertionError(f"{self.what}: no reply within {timeout}s")
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"{self.what} exited ({self.proc.poll()})")
        return json.loads(line)

    def cmd(self, line, timeout=15):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        reply = self._read(timeout)
        if not reply.get("ok"):
            raise AssertionError(f"{self.what}: '{line}' failed: {reply}")
        return reply

    def _close_pipes(self):
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass


class Guest(LineProcess):
    """A DPDK virtio-user test guest (tests/tools/sy_guest) on one socket."""

    def __init__(self, socket, mac, server=False, lcore=0):
        self.socket = socket
        self.mac = mac
        self.what = f"guest {mac}"
        self.server = server
        self.lcore = lcore
        self.proc = None
        self.prefix = None
        self.start()

    def start(self):
        self.prefix = unique("g")
        args = [GUEST, "--socket", self.socket, "--mac", self.mac, "--prefix", self.prefix,
                "--lcore", str(self.lcore)]
        if self.server:
            args.append("--server")
        self._spawn(args, 30, stderr=subprocess.DEVNULL)
        return self

    def wait_link(self, timeout=15):
        return self.cmd(f"wait-link {timeout}", timeout + 5)

    def send(self, dst, count=1):
        return self.cmd(f"send {dst} {count}")["sent"]

    def stats(self):
        return self.cmd("stats")

    def reset(self):
        self.cmd("reset")

    def kill(self):
        """Crashes the guest: SIGKILL, no goodbye to the switch."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._cleanup()

    def close(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self._cleanup()

    def _cleanup(self):
        self._close_pipes()
        shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)
        if self.server and os.path.exists(self.socket):
            os.unlink(self.socket)


class Capture:
    """tcpdump on a host's interface while traffic runs; the lines of
    `tcpdump -e -n` after stop(). Killed with its namespace if a test fails
    before stop()."""

    def __init__(self, ns, path, iface="eth0"):
        self.path = path
        self.proc = subprocess.Popen(
            # Immediate mode: else frames wait in a ring block that a
            # short capture's SIGINT throws away.
            ["ip", "netns", "exec", ns, "tcpdump", "--immediate-mode", "-i", iface, "-U", "-n",
             "-w", path],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        line = self.proc.stderr.readline()  # "listening on eth0 ..." once it captures
        if "listening" not in line:
            raise RuntimeError(f"tcpdump did not start: {line}")

    def stop(self):
        time.sleep(0.5)  # let the last frames land
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=10)
        self.proc.stderr.close()
        out = subprocess.run(["tcpdump", "-r", self.path, "-e", "-n"], capture_output=True,
                             text=True, check=True).stdout
        return out.splitlines()


class SwitchTestCase(unittest.TestCase):
    """Gives each test a private directory, and stops what it started."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        self.workdir = tempfile.mkdtemp(prefix=unique("it") + "-", dir="/tmp")
        self.guests = []
        self.switch = None
        self.namespaces = []
        global diagnostics
        diagnostics = self._diagnostics
        # A cleanup, not tearDown(): it also runs when a subclass's setUp()
        # fails half way, with namespaces and processes already made.
        self.addCleanup(self._release)

    def _diagnostics(self):
        if not self.switch:
            return ""
        stats = self.switch.api.get_stats() if self.switch.api else None
        guests = {g.mac: g.stats() for g in self.guests if g.proc.poll() is None}
        return (f"--- switch stats ---\n{stats}\n--- guests ---\n{guests}\n"
                f"--- switchyardd log ---\n{self.switch.log()}")

    def _release(self):
        global diagnostics
        diagnostics = None
        for g in self.guests:
            g.close()
        if self.switch:
            self.switch.stop()
        for ns in self.namespaces:
            remove_netns(ns)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def sock(self, name):
        return os.path.join(self.workdir, name + ".sock")

    def start_switch(self, extra_args=(), netns=None):
        self.switch = Switch(self.workdir, extra_args, netns).wait_running()
        return self.switch

    def netns(self, tag):
        """A network namespace of this test's own, deleted at the end."""
        name = add_netns(tag)
        self.namespaces.append(name)
        return name

    def veth(self, ns_a, name_a, ns_b, name_b):
        """A veth pair made straight inside two of this test's namespaces."""
        subprocess.run(["ip", "link", "add", name_a, "netns", ns_a, "type", "veth", "peer",
                        "name", name_b, "netns", ns_b], check=True)
        run_in(ns_a, "ip", "link", "set", name_a, "up")
        run_in(ns_b, "ip", "link", "set", name_b, "up")

    def guest(self, name, mac, server=False, lcore=0):
        g = Guest(self.sock(name), mac, server=server, lcore=lcore)
        self.guests.append(g)
        return g

    def wait_port_link(self, port, link, timeout=15):
        wait_for(lambda: (self.switch.port(port) or {}).get("link") == link, timeout,
                 f"port {port} link {link}")
