#!/usr/bin/env python3
"""How long guests are cut off when switchyardd restarts (issue #18).

For each (port kind x restart kind) a trial starts switchyardd in a network
namespace of its own on a fresh state dir, creates network lan0 and two
ports a and b of that kind, starts a peer on each that streams RATE frames a
second to the other (open loop, sequence-numbered, every frame received
timestamped), restarts the switch, keeps streaming until both directions
flow again (or TIMEOUT s pass: "never") and AFTER s more, and reports per
direction the longest gap between two received frames and the frames lost.

Port kinds (peers):
  vhost-server       switch makes the socket; two QEMU TCG guests with
                     `-chardev socket,...,reconnect=1`, each pinging the
                     other every 10 ms (sy.ping): the gap is between two
                     answered pings, "lost" the unanswered ones
  vhost-server-dpdk  switch makes the socket; sy_guest (DPDK virtio-user
                     client, which in DPDK 22.11 never reconnects)
  vhost-client       switch connects; sy_guest --server
  tap                switch makes the TAP; stream_peer.py holds its fd, as QEMU
  kernel-afxdp       a veth into a namespace per peer; AF_XDP port;
  kernel-afpacket    ... AF_PACKET port; stream_peer.py on a raw socket
Restart kinds:
  graceful  SIGTERM, then the same binary again on the same state dir
  crash     SIGKILL, then the same binary again
  upgrade   SIGTERM, then --upgrade-binary (default: the same build)

Usage (root): tests/bench/restart_outage.py [--ports a,b] [--restarts a,b]
    [--repeat N] [--rate FPS] [--timeout S] [--after S] [--quick]
    [--max-gap-ms MS] [--json FILE]
One row per pair: medians over N repeats ("never" when the median trial
never came back), and how many came back. --quick is the short variant for
ctest; with --max-gap-ms the exit code is 1 when any trial never came back
or its median gap is longer.

Every namespace, veth, TAP, socket and DPDK runtime directory is made under
a name unique to the run and removed at the end, also on failure; processes
are stopped by PID. The switch and the DPDK peers run --no-huge with their
own --file-prefix. Take /tmp/sy-build.lock around runs on a shared machine.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import sylib  # noqa: E402
from sylib import BUILD_DIR, Guest, Switch, pb, run_in, unique, wait_for  # noqa: E402

STREAM_PEER = os.path.join(ROOT, "tests", "tools", "stream_peer.py")
PYTHON = "/usr/bin/python3"
MAC_A, MAC_B = "02:00:00:00:0a:01", "02:00:00:00:0b:02"
PORT_KINDS = ("vhost-server", "vhost-server-dpdk", "vhost-client", "tap", "kernel-afxdp",
              "kernel-afpacket")
RESTART_KINDS = ("graceful", "crash", "upgrade")
NEVER = float("inf")


def ifname(tag):
    """A netdev name unique to this run, at most 15 characters."""
    name = unique(tag)
    return name[:2] + name[-13:] if len(name) > 15 else name


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class LinePeer(sylib.LineProcess):
    """stream_peer.py (or any sy_guest-protocol peer) as a child process."""

    def __init__(self, argv, what):
        self.what = what
        self._spawn(argv, 15)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_pipes()


class Trial:
    """One switch, two ports, two peers; everything it makes it removes."""

    def __init__(self, kind, args):
        self.kind = kind
        self.args = args
        self.workdir = tempfile.mkdtemp(prefix=unique("ro") + "-", dir="/tmp")
        self.namespaces = []
        self.taps = []
        self.peers = []
        self.qemus = []
        self.switch = None
        self.sw_ns = self.netns("ro")

    # -- what the trial makes -------------------------------------------
    def netns(self, tag):
        name = sylib.add_netns(tag)
        self.namespaces.append(name)
        return name

    def start_switch(self):
        args = ["--hugepages", "off"]
        if self.kind == "vhost-server":
            # Two TCG guests need a core: keep the PMD on core 1 with the
            # control thread, QEMU gets the rest.
            args += ["--control-cpu", "1", "--pmd-cpus", "1"]
        self.switch = Switch(self.workdir, args, netns=self.sw_ns).wait_running()
        self.switch.api.create_network("lan0")

    def create_port(self, name, **backend):
        self.switch.api.ports.CreatePort(pb.port.CreatePortRequest(
            port=pb.port.Port(name=name, network="lan0", **backend)), timeout=10)

    def sock(self, name):
        return os.path.join(self.workdir, name + ".sock")

    def setup(self):
        self.start_switch()
        k = self.kind
        if k in ("vhost-server-dpdk", "vhost-client"):
            mode = "server" if k == "vhost-server-dpdk" else "client"
            for name in "ab":
                self.switch.api.create_port(name, "lan0", self.sock(name), mode)
            for i, (name, mac) in enumerate((("a", MAC_A), ("b", MAC_B))):
                g = Guest(self.sock(name), mac, server=(mode == "client"), lcore=i)
                self.peers.append(g)
            for g in self.peers:
                g.wait_link()
        elif k == "tap":
            for name, mac in (("a", MAC_A), ("b", MAC_B)):
                tap = ifname("t")
                self.taps.append(tap)
                self.create_port(name, tap=pb.port.Tap(name=tap))
                self.peers.append(LinePeer(["ip", "netns", "exec", self.sw_ns, PYTHON,
                                            STREAM_PEER, "--tap", tap, "--mac", mac],
                                           f"tap peer {name}"))
        elif k.startswith("kernel-"):
            driver = (pb.port.KERNEL_DRIVER_AF_XDP if k == "kernel-afxdp"
                      else pb.port.KERNEL_DRIVER_AF_PACKET)
            for name, mac in (("a", MAC_A), ("b", MAC_B)):
                host = self.netns("rh")
                sw_dev, host_dev = ifname("s"), ifname("h")
                subprocess.run(["ip", "link", "add", sw_dev, "netns", self.sw_ns, "type", "veth",
                                "peer", "name", host_dev, "netns", host], check=True)
                run_in(self.sw_ns, "ip", "link", "set", sw_dev, "up")
                run_in(host, "ip", "link", "set", host_dev, "up")
                run_in(host, "ethtool", "-K", host_dev, "tx", "off")  # AF_XDP gets no offloads
                self.create_port(name, kernel=pb.port.Kernel(netdev=sw_dev, driver=driver))
                self.peers.append(LinePeer(["ip", "netns", "exec", host, PYTHON, STREAM_PEER,
                                            "--iface", host_dev, "--mac", mac],
                                           f"kernel peer {name}"))
        elif k == "vhost-server":
            for name in "ab":
                self.switch.api.create_port(name, "lan0", self.sock(name), "server")
            self.peers = [QemuGuest(self, "a", "10.77.0.1", "10.77.0.2"),
                          QemuGuest(self, "b", "10.77.0.2", "10.77.0.1")]
            for g in self.peers:
                g.wait_pinging()
        else:
            raise ValueError(f"unknown port kind {k}")

    def release(self):
        for p in self.peers:
            try:
                p.kill()
            except Exception as e:  # keep cleaning up
                log(f"  cleanup: {e}")
        if self.switch:
            try:
                self.switch.stop()
            except Exception as e:
                log(f"  cleanup: {e}")
        for tap in self.taps:  # persistent: not left to the namespace's teardown
            run_in(self.sw_ns, "ip", "link", "del", tap, check=False)
        for ns in self.namespaces:
            sylib.remove_netns(ns)
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- the measurement ------------------------------------------------
    def restart(self, how):
        sw = self.switch
        t_down = time.time()
        if how == "crash":
            sw.kill9()
        else:
            sw.stop()
        if how == "upgrade":
            sw.binary = self.args.upgrade_binary
        t_start = time.time()
        sw.start()
        sw.wait_running(timeout=30)
        return t_down, t_start, time.time()

    def run(self, how):
        a, b = self.peers
        a.cmd(f"stream {MAC_B} {self.args.rate}")
        b.cmd(f"stream {MAC_A} {self.args.rate}")
        # Warm up: both directions flow (MACs learned), then count afresh.
        wait_for(lambda: a.cmd("gaps")["rx"] > 10 and b.cmd("gaps")["rx"] > 10, 20,
                 "both directions flowing before the restart")
        time.sleep(0.5)
        a.cmd("reset")
        b.cmd("reset")
        time.sleep(self.args.before)
        t_down, t_start, t_api = self.restart(how)
        # Back = a frame received that the new process forwarded.
        deadline = t_start + self.args.timeout
        back = [False, False]
        while time.time() < deadline and not all(back):
            back = [p.cmd("gaps")["last_rx"] > t_start for p in (b, a)]
            time.sleep(0.05)
        t_back = time.time()
        time.sleep(self.args.after)
        sent = [a.cmd("stream stop"), b.cmd("stream stop")]
        time.sleep(0.5)  # the last frames land
        got = [b.cmd("gaps"), a.cmd("gaps")]  # a->b is received at b
        back = [g["last_rx"] > t_start for g in got]
        dirs = []
        for s, g, ok in zip(sent, got, back):
            if "lost" in s:  # QEMU pings: the unanswered ones
                lost = s["lost"]
            else:  # numbers sent from the first received on, never received
                lost = s["next_seq"] - g["first_seq"] - g["rx"] if g["rx"] else None
            dirs.append({"gap_ms": g["max_gap_ms"] if ok else NEVER, "lost": lost, "back": ok,
                         "gap_start_s": round(g["gap_start"] - t_down, 3) if ok else None,
                         "rx": g["rx"]})
        restored = self.log_times(r"state: restored", t_start)
        connected = self.log_times(r"guest connected", t_start)
        return {"port": self.kind, "restart": how, "dirs": dirs,
                "stop_s": round(t_start - t_down, 3), "api_s": round(t_api - t_start, 3),
                "restored_s": round(restored[0] - t_start, 3) if restored else None,
                "connected_s": round(connected[-1] - t_start, 3) if connected else None,
                "detect_s": round(t_back - t_start, 3)}

    def log_times(self, pattern, since):
        """Epoch times of the switch log's lines matching `pattern` at or
        after `since` (the log stamps lines HH:MM:SS.mmm, local time)."""
        day = datetime.date.today()
        times = []
        for line in self.switch.log().splitlines():
            m = re.match(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) ", line)
            if m and re.search(pattern, line):
                h, mi, sec, ms = map(int, m.groups())
                t = datetime.datetime.combine(day, datetime.time(h, mi, sec, ms * 1000))
                if t.timestamp() >= since - 0.002:
                    times.append(t.timestamp())
        return times

    def diagnose(self):
        """The switch log's lines about ports after the restart."""
        text = self.switch.log() if self.switch else ""
        return [line for line in text.splitlines()
                if re.search(r"warn|error|fail|busy|tap |vhost|port", line, re.I)][-25:]


class QemuGuest:
    """A TCG guest on a vhost-user server port, pinging its peer every 10 ms;
    its console is read as it grows and each SY-PING-OK / -FAIL stamped.
    Offers the peers' commands the trial uses: stream, gaps, reset."""

    def __init__(self, trial, name, own_ip, peer_ip):
        kernel, initrd = QemuGuest.guest_files()
        self.console = os.path.join(trial.workdir, f"guest-{name}.log")
        open(self.console, "w").close()
        mac = "52:54:00:5e:00:0a" if name == "a" else "52:54:00:5e:00:0b"
        self.proc = subprocess.Popen(
            ["qemu-system-x86_64", "-name", f"guest-{name}", "-accel", "tcg,tb-size=16",
             "-nodefaults", "-no-user-config", "-nographic", "-no-reboot", "-m", "96", "-smp", "1",
             "-kernel", kernel, "-initrd", initrd, "-monitor", "none",
             "-machine", "pc,memory-backend=mem",
             "-object", "memory-backend-memfd,id=mem,size=96M,share=on",
             "-chardev", f"socket,id=c0,path={trial.sock(name)},reconnect=1",
             "-netdev", "vhost-user,id=n0,chardev=c0",
             "-device", f"virtio-net-pci,netdev=n0,mac={mac},vectors=0,romfile=",
             "-serial", f"file:{self.console}",
             "-append", f"console=ttyS0 quiet sy.ip={own_ip}/24 sy.ping={peer_ip} "
                        "sy.ping_interval=0.01"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.lock = threading.Lock()
        self.oks = []    # times of answered pings
        self.fails = []  # times of unanswered ones
        self.mark = 0.0  # reset time
        self.stopped = False
        self.what = f"guest {name} pinging {peer_ip}"
        threading.Thread(target=self._tail, daemon=True).start()

    def wait_pinging(self):
        wait_for(lambda: len(self.oks) >= 3 or self.proc.poll() is not None, 60, self.what)
        if self.proc.poll() is not None:
            raise RuntimeError(f"QEMU of {self.what} exited {self.proc.returncode}")

    @staticmethod
    def guest_files():
        out = os.path.join(BUILD_DIR, "test-guest")
        subprocess.run(["bash", os.path.join(ROOT, "tests", "guest", "build_guest.sh"), out],
                       check=True, capture_output=True)
        return os.path.join(out, "vmlinux"), os.path.join(out, "initramfs.cpio.gz")

    def _tail(self):
        with open(self.console, "rb") as f:
            pending = b""
            while not self.stopped:
                chunk = f.read()
                if not chunk:
                    time.sleep(0.002)
                    continue
                now = time.time()
                pending += chunk
                *lines, pending = pending.split(b"\n")
                with self.lock:
                    for line in lines:
                        if b"SY-PING-OK" in line:
                            self.oks.append(now)
                        elif b"SY-PING-FAIL" in line:
                            self.fails.append(now)

    def cmd(self, line):
        with self.lock:
            oks = [t for t in self.oks if t >= self.mark]
            fails = [t for t in self.fails if t >= self.mark]
        if line == "reset":
            self.mark = time.time()
            return {"ok": True}
        if line.startswith("stream stop"):
            self.stopped_at = time.time()
            return {"ok": True, "lost": len(fails)}
        if line.startswith("stream"):
            return {"ok": True}  # the guest pings from boot on
        if line == "gaps":
            gaps = [(t1 - t0, t0, t1) for t0, t1 in zip(oks, oks[1:])]
            g = max(gaps) if gaps else (0, 0, 0)
            return {"ok": True, "rx": len(oks), "first_seq": 0, "max_gap_ms": g[0] * 1e3,
                    "gap_start": g[1], "gap_end": g[2], "last_rx": oks[-1] if oks else 0}
        raise ValueError(line)

    def kill(self):
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def fmt_gap(v):
    return "never" if v == NEVER else f"{v:.0f}"


def summarize(results):
    """One row per (port, restart): medians over the repeats."""
    rows = []
    keys = []
    for r in results:
        k = (r["port"], r["restart"])
        if k not in keys:
            keys.append(k)
    for k in keys:
        rs = [r for r in results if (r["port"], r["restart"]) == k]
        row = {"port": k[0], "restart": k[1], "n": len(rs),
               "back": sum(all(d["back"] for d in r["dirs"]) for r in rs),
               "api_s": statistics.median(r["api_s"] for r in rs),
               "stop_s": statistics.median(r["stop_s"] for r in rs)}
        for key in ("restored_s", "connected_s"):
            vals = [r[key] for r in rs if r.get(key) is not None]
            row[key] = statistics.median(vals) if vals else None
        for i, d in enumerate(("ab", "ba")):
            row[f"gap_{d}"] = statistics.median(r["dirs"][i]["gap_ms"] for r in rs)
            losts = [r["dirs"][i]["lost"] for r in rs if r["dirs"][i]["lost"] is not None]
            row[f"lost_{d}"] = statistics.median(losts) if losts else None
        rows.append(row)
    return rows


def secs(v):
    return "-" if v is None else f"{v:.2f}"


def print_table(rows, args):
    print(f"\nrate {args.rate} frames/s each way; timeout {args.timeout:.0f} s; medians of "
          f"{args.repeat}; gap = longest silence at the receiver (ms); stop = old process "
          "gone, API = new one serving, restore = its 'state: restored' line, vhost = its "
          "last 'guest connected' line, each in s from the previous step / the new start")
    head = (f"{'port kind':<18} {'restart':<9} {'gap a>b':>8} {'gap b>a':>8} {'lost a>b':>9} "
            f"{'lost b>a':>9} {'back':>6} {'stop s':>7} {'API s':>6} {'restore s':>9} "
            f"{'vhost s':>7}")
    print(head)
    print("-" * len(head))
    for r in rows:
        def lost(v):
            return "-" if v is None else f"{v:.0f}"
        print(f"{r['port']:<18} {r['restart']:<9} {fmt_gap(r['gap_ab']):>8} "
              f"{fmt_gap(r['gap_ba']):>8} {lost(r['lost_ab']):>9} {lost(r['lost_ba']):>9} "
              f"{r['back']:>3}/{r['n']:<2} {r['stop_s']:>7.2f} {r['api_s']:>6.2f} "
              f"{secs(r['restored_s']):>9} {secs(r['connected_s']):>7}")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ports", default=",".join(PORT_KINDS))
    ap.add_argument("--restarts", default=",".join(RESTART_KINDS))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--rate", type=int, default=1000, help="frames a second each way")
    ap.add_argument("--timeout", type=float, default=15, help="s after the restart: 'never'")
    ap.add_argument("--before", type=float, default=1, help="s of streaming before the restart")
    ap.add_argument("--after", type=float, default=3, help="s of streaming once traffic is back")
    ap.add_argument("--upgrade-binary", default=sylib.DAEMON,
                    help="switchyardd build started by the 'upgrade' restart")
    ap.add_argument("--quick", action="store_true",
                    help="ctest variant: vhost-client, tap and kernel-afpacket, crash and "
                         "graceful, short timings (unless --ports/--restarts are given)")
    ap.add_argument("--max-gap-ms", type=float, help="exit 1 if a median gap is longer")
    ap.add_argument("--json", help="write every trial's result to this file")
    args = ap.parse_args()
    if args.quick:
        if "--ports" not in sys.argv:
            args.ports = "vhost-client,tap,kernel-afpacket"
        if "--restarts" not in sys.argv:
            args.restarts = "graceful,crash"
        args.timeout, args.before, args.after = 5, 0.5, 1
    if os.geteuid() != 0:
        print("restart_outage: needs root (namespaces, TAPs, vhost-user)", file=sys.stderr)
        return 77
    ports = args.ports.split(",")
    restarts = args.restarts.split(",")
    for p in ports:
        if p not in PORT_KINDS:
            ap.error(f"unknown port kind {p}; one of {', '.join(PORT_KINDS)}")
    for r in restarts:
        if r not in RESTART_KINDS:
            ap.error(f"unknown restart kind {r}; one of {', '.join(RESTART_KINDS)}")

    results = []
    for n in range(args.repeat):
        for port in ports:
            for how in restarts:
                trial = Trial(port, args)
                try:
                    trial.setup()
                    r = trial.run(how)
                    if not all(d["back"] for d in r["dirs"]):
                        r["log"] = trial.diagnose()
                    results.append(r)
                    log(f"[{n + 1}/{args.repeat}] {port} {how}: "
                        + " ".join(f"{fmt_gap(d['gap_ms'])}ms lost {d['lost']}"
                                   for d in r["dirs"])
                        + f" (stop {r['stop_s']}s, API {r['api_s']}s)")
                    for line in r.get("log", []):
                        log(f"    | {line}")
                except Exception as e:
                    log(f"[{n + 1}/{args.repeat}] {port} {how}: trial failed: {e}")
                    for line in trial.diagnose():
                        log(f"    | {line}")
                    results.append({"port": port, "restart": how, "error": str(e),
                                    "dirs": [{"gap_ms": NEVER, "lost": None, "back": False}] * 2,
                                    "stop_s": 0, "api_s": 0})
                finally:
                    trial.release()
    rows = summarize(results)
    print_table(rows, args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "rows": rows}, f, indent=1,
                      default=lambda v: None)
    if args.max_gap_ms is not None:
        bad = [r for r in rows
               if max(r["gap_ab"], r["gap_ba"]) > args.max_gap_ms or r["back"] < r["n"]]
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
