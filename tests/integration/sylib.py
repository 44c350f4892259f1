"""Harness for Switchyard integration tests: a switchyardd and its guests.

Every process is started by the test and stopped by PID; every file, socket
and DPDK runtime directory lives under names unique to the test and is
removed at the end, also when the test fails.
"""
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

BUILD_DIR = os.environ.get(
    "SY_BUILD_DIR",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build"))
DAEMON = os.path.join(BUILD_DIR, "control", "switchyardd")
GUEST = os.path.join(BUILD_DIR, "tests", "tools", "sy_guest")
_counter = 0


def unique(tag):
    """A name unique to this process and call, short enough for DPDK."""
    global _counter
    _counter += 1
    return f"sy{tag}{os.getpid()}x{_counter}"


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Switch:
    """A switchyardd started with a config file and a JSON status file."""

    def __init__(self, workdir, config, extra_args=()):
        self.workdir = workdir
        self.prefix = unique("sw")
        self.config_path = os.path.join(workdir, "switch.conf")
        self.status_path = os.path.join(workdir, "status.json")
        self.log_path = os.path.join(workdir, "switchyardd.log")
        with open(self.config_path, "w") as f:
            f.write(config)
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [DAEMON, "--config", self.config_path, "--status-file", self.status_path,
             "--file-prefix", self.prefix, "--memory-mb", "256", *extra_args],
            stdout=self._log, stderr=subprocess.STDOUT)

    def wait_running(self, timeout=20):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"switchyardd exited with {self.proc.returncode}:\n{self.log()}")
            return os.path.exists(self.status_path)
        wait_for(ready, timeout, "switchyardd status file")
        return self

    def status(self):
        with open(self.status_path) as f:
            return json.load(f)

    def port(self, name):
        for p in self.status()["ports"]:
            if p["name"] == name:
                return p
        return None

    def network(self, name):
        for n in self.status()["networks"]:
            if n["name"] == name:
                return n
        return None

    def fresh_status(self):
        """Asks for a new status document now and returns it (SIGUSR1)."""
        before = os.stat(self.status_path).st_mtime_ns
        self.proc.send_signal(signal.SIGUSR1)
        wait_for(lambda: os.stat(self.status_path).st_mtime_ns != before, 5, "status refresh")
        return self.status()

    def reload(self, config):
        with open(self.config_path, "w") as f:
            f.write(config)
        mark = len(self.log())
        self.proc.send_signal(signal.SIGHUP)
        return wait_for(lambda: self._reload_outcome(mark), 10, "config reload")

    def _reload_outcome(self, mark):
        tail = self.log()[mark:]
        if "config reloaded" in tail:
            return "ok"
        if "config reload failed" in tail:
            return "failed"
        return None

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=20):
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


class Guest:
    """A DPDK virtio-user test guest (tests/tools/sy_guest) on one socket."""

    def __init__(self, socket, mac, server=False, lcore=0):
        self.socket = socket
        self.mac = mac
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
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, bufsize=1)
        ready = self._read(30)
        if not ready.get("ready"):
            raise AssertionError(f"guest {self.mac} did not start: {ready}")
        return self

    def _read(self, timeout):
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            raise AssertionError(f"guest {self.mac}: no reply within {timeout}s")
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"guest {self.mac} exited ({self.proc.poll()})")
        return json.loads(line)

    def cmd(self, line, timeout=15):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        reply = self._read(timeout)
        if not reply.get("ok"):
            raise AssertionError(f"guest {self.mac}: '{line}' failed: {reply}")
        return reply

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
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except BrokenPipeError:
                pass
        shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)
        if self.server and os.path.exists(self.socket):
            os.unlink(self.socket)


class SwitchTestCase(unittest.TestCase):
    """Gives each test a private directory, and stops what it started."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        self.workdir = tempfile.mkdtemp(prefix=unique("it") + "-", dir="/tmp")
        self.guests = []
        self.switch = None

    def tearDown(self):
        for g in self.guests:
            g.close()
        if self.switch:
            self.switch.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def sock(self, name):
        return os.path.join(self.workdir, name + ".sock")

    def start_switch(self, config, extra_args=()):
        self.switch = Switch(self.workdir, config, extra_args).wait_running()
        return self.switch

    def guest(self, name, mac, server=False, lcore=0):
        g = Guest(self.sock(name), mac, server=server, lcore=lcore)
        self.guests.append(g)
        return g

    def wait_port_link(self, port, link, timeout=15):
        wait_for(lambda: (self.switch.port(port) or {}).get("link") == link, timeout,
                 f"port {port} link {link}")
