"""Soak and churn (issue 16): ports of every kind added and deleted, guests
connecting and leaving, and switchyardd killed with -9 under traffic and
config changes; after each round nothing leaked and the config is what the
API acknowledged.

What is counted before and after: the daemon's file descriptors and RSS,
netdevs, DPDK runtime directories, namespaces. CI runs short rounds
(SY_SOAK_SCALE=1); `SY_SOAK_SCALE=50 python3 -m unittest test_churn` runs
the long ones. Each round prints its figures.
"""
import glob
import json
import os
import signal
import subprocess
import time
import unittest

from sylib import Guest, SwitchTestCase, pb, run_in, unique, wait_for

SCALE = int(os.environ.get("SY_SOAK_SCALE", "1"))
A, B = "02:00:00:00:50:0a", "02:00:00:00:50:0b"
MBUF_SLACK = 64


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def netdevs(ns=None):
    cmd = ["ip", "-o", "link", "show"]
    out = run_in(ns, *cmd) if ns else subprocess.run(cmd, capture_output=True, text=True).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}


def xdp_attached(ns):
    """Netdevs of `ns` with an XDP program attached."""
    links = json.loads(run_in(ns, "ip", "-d", "-j", "link", "show") or "[]")
    return sorted(link["ifname"] for link in links if "xdp" in link)


class ChurnTest(SwitchTestCase):

    def setUp(self):
        super().setUp()
        self.ns = self.netns("soak")
        self.sw = self.start_switch(netns=self.ns)
        self.sw.api.create_network("lan0")

    def snapshot(self):
        pid = self.sw.proc.pid
        stats = self.sw.api.get_stats()
        return {"fds": fds(pid), "rss": rss_kib(pid), "netdevs": netdevs(self.ns),
                "dpdk": set(glob.glob("/var/run/dpdk/*")), "mbufs": stats.mbufs_in_use,
                "heap": stats.dpdk_heap_allocated_bytes,
                "xdp": xdp_attached(self.ns)}

    def assert_no_leak(self, before, after, what, rss_slack_kib):
        self.assertEqual(after["fds"], before["fds"], f"{what}: file descriptors")
        self.assertEqual(after["netdevs"], before["netdevs"], f"{what}: netdevs")
        self.assertLessEqual(after["rss"] - before["rss"], rss_slack_kib, f"{what}: RSS (KiB)")
        self.assertEqual(after["xdp"], before["xdp"], f"{what}: XDP programs attached")
        # What DPDK's heap has allocated comes back exactly (its pages stay
        # resident once touched: that, not a leak, is the RSS growth).
        if after["heap"] != before["heap"]:
            wait_for(lambda: self.snapshot()["heap"] == before["heap"], 10,
                     f"{what}: DPDK heap back to {before['heap']} B")
        # Buffers held by a port's rings come back with the port; a few may
        # be on their way through a PMD.
        self.assertLessEqual(after["mbufs"] - before["mbufs"], MBUF_SLACK,
                             f"{what}: packet buffers in use")
        print(f"\n{what}: fds {before['fds']} -> {after['fds']}, "
              f"RSS {before['rss']} -> {after['rss']} KiB, "
              f"mbufs in use {before['mbufs']} -> {after['mbufs']}, "
              f"DPDK heap {before['heap']} -> {after['heap']} B", flush=True)

    def test_ports_of_every_kind_come_and_go_without_leaks(self):
        api = self.sw.api
        # Warm up once: first-use allocations are not leaks.
        self.cycle_ports(1)
        before = self.snapshot()
        t0 = time.monotonic()
        n = self.cycle_ports(50 * SCALE)
        seconds = time.monotonic() - t0
        wait_for(lambda: self.snapshot()["fds"] == before["fds"], 10, "descriptors back")
        self.assert_no_leak(before, self.snapshot(), f"{n} port add/delete cycles in "
                            f"{seconds:.1f} s", rss_slack_kib=4096)
        self.assertEqual([p.name for p in api.list_ports()], [])

    def cycle_ports(self, rounds):
        api = self.sw.api
        n = 0
        for i in range(rounds):
            api.create_port("v", "lan0", self.sock("v"))
            api.delete_port("v")
            api.ports.CreatePort(pb.port.CreatePortRequest(port=pb.port.Port(
                name="t", network="lan0", tap=pb.port.Tap(name="sytap0"))), timeout=10)
            api.delete_port("t")
            api.ports.CreatePort(pb.port.CreatePortRequest(port=pb.port.Port(
                name="i", network="lan0", internal=pb.port.Internal(name="syint0"))), timeout=10)
            api.delete_port("i")
            run_in(self.ns, "ip", "link", "add", "syk0", "type", "veth", "peer", "name", "syk1")
            api.ports.CreatePort(pb.port.CreatePortRequest(port=pb.port.Port(
                name="k", network="lan0", kernel=pb.port.Kernel(netdev="syk0"))), timeout=10)
            api.delete_port("k")
            run_in(self.ns, "ip", "link", "del", "syk0")
            n += 4
        return n

    def test_guests_connect_and_leave_without_leaks(self):
        api = self.sw.api
        api.create_port("a", "lan0", self.sock("a"))
        api.create_port("b", "lan0", self.sock("b"))
        b = self.guest("b", B)
        b.wait_link()

        def visit():
            g = Guest(self.sock("a"), A)
            try:
                g.wait_link()
                rx = self.sw.port("a")["rx_packets"]
                g.send(B, 5)
                # Leave once the switch has them: a guest that quits at once
                # takes what is still in its ring along.
                wait_for(lambda: self.sw.port("a")["rx_packets"] >= rx + 5, 10, "frames taken")
            finally:
                g.close()
            wait_for(lambda: self.sw.port("a")["link"] == "down", 10, "guest a gone")

        visit()
        before = self.snapshot()
        rounds = 10 * SCALE
        for _ in range(rounds):
            visit()
        after = self.snapshot()
        self.assert_no_leak(before, after, f"{rounds} guest connect/leave cycles",
                            rss_slack_kib=4096)
        wait_for(lambda: b.stats()["by_src"].get(A, 0) == 5 * (rounds + 1), 10,
                 "every visit's frames at b")
        self.assertEqual(self.sw.port("a")["connects"], rounds + 1)

    def test_kill_9_under_traffic_and_changes_keeps_what_was_acknowledged(self):
        api = self.sw.api
        api.create_port("a", "lan0", self.sock("a"))
        api.create_port("b", "lan0", self.sock("b"))
        acknowledged = {"a", "b"}
        rounds = 3 * SCALE
        for i in range(rounds):
            a, b = self.guest("a", A), self.guest("b", B)
            a.wait_link()
            b.wait_link()
            a.send(B, 10)  # forwarding works in this life of the switch
            wait_for(lambda: b.stats()["by_src"].get(A, 0) >= 10, 10, f"round {i}: forwarding")
            a.cmd("send " + B + " 2000")  # and traffic is in flight at the kill
            name = f"c{i}"
            api.create_port(name, "lan0", self.sock(name))
            acknowledged.add(name)
            self.sw.kill9()
            for g in (a, b):
                g.kill()
                self.guests.remove(g)
            self.assertFalse(os.path.exists(f"/var/run/dpdk/{self.sw.prefix}"))
            self.sw.start()
            self.sw.wait_running()
            api = self.sw.api
            self.assertEqual({p.name for p in api.list_ports()}, acknowledged,
                             f"round {i}: the config is what the API acknowledged")
        print(f"\n{rounds} kill -9 restarts: the config kept, forwarding each time", flush=True)

if __name__ == "__main__":
    unittest.main()
