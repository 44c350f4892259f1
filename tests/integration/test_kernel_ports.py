"""Integration: kernel ports over AF_XDP with our XDP program, with real
kernel peers. Every device lives in namespaces the test makes: the switch
runs in its own, each host in another, joined by veth pairs.
"""
import json
import os
import subprocess
import sys
import time
import unittest

from sylib import BUILD_DIR, SwitchTestCase, code_of, pb, read_events, run_in, wait_for

FOREIGN_XDP = os.path.join(BUILD_DIR, "tests", "integration", "bpf", "foreign_xdp.bpf.o")
AUTO, AF_XDP, AF_PACKET = (pb.port.KERNEL_DRIVER_AUTO, pb.port.KERNEL_DRIVER_AF_XDP,
                           pb.port.KERNEL_DRIVER_AF_PACKET)


def link_stats(ns, dev):
    info = json.loads(run_in(ns, "ip", "-s", "-j", "link", "show", dev))[0]
    return info["stats64"]


def xdp_prog_name(ns, dev):
    """Name of the XDP program on `dev`, or None."""
    info = json.loads(run_in(ns, "ip", "-d", "-j", "link", "show", dev))[0]
    xdp = info.get("xdp")
    if not xdp:
        return None
    prog = xdp.get("prog") or next((a["prog"] for a in xdp.get("attached", []) if "prog" in a),
                                   {})
    return prog.get("name")


class KernelTopology(SwitchTestCase):
    HOSTS = (("a", "swa", "10.199.0.1"), ("b", "swb", "10.199.0.2"), ("c", "swc", "10.199.0.3"))

    def topology(self, extra_args=(), driver=AUTO, mtus=(1500, 1500), tx_offload=(),
                 before_ports=None):
        """Switch namespace with ports a, b (, c) on veths to hosts h1
        (10.199.0.1), h2 (.2) (and h3, .3): one per entry of `mtus`, the MTU
        of both ends. Hosts listed in `tx_offload` keep their checksum and
        segmentation offloads; the others turn them off, which AF_XDP
        needs: it gets no offload metadata (as OVS's AF_XDP docs say)."""
        self.sw_ns = self.netns("ksw")
        self.hosts = [self.netns("kh") for _ in mtus]
        self.h1, self.h2 = self.hosts[0], self.hosts[1]
        for host, (port, dev, ip), mtu in zip(self.hosts, self.HOSTS, mtus):
            self.veth(self.sw_ns, dev, host, "eth0")
            run_in(self.sw_ns, "ip", "link", "set", dev, "mtu", str(mtu))
            run_in(host, "ip", "link", "set", "eth0", "mtu", str(mtu))
            run_in(host, "ip", "addr", "add", ip + "/24", "dev", "eth0")
            if port not in tx_offload:
                run_in(host, "ethtool", "-K", "eth0", "tx", "off")
        sw = self.start_switch(extra_args, netns=self.sw_ns)
        sw.api.create_network("lan0")
        if before_ports:
            before_ports()
        for (name, dev, _), _ in zip(self.HOSTS, mtus):
            self.create_kernel_port(name, dev, driver)
        return sw

    def create_kernel_port(self, name, dev, driver=AUTO):
        return self.switch.api.ports.CreatePort(pb.port.CreatePortRequest(port=pb.port.Port(
            name=name, network="lan0", kernel=pb.port.Kernel(netdev=dev, driver=driver))),
            timeout=10)

    def ping(self, count=3):
        run_in(self.h1, "ping", "-c", str(count), "-i", "0.2", "-W", "2", "10.199.0.2")

    def status(self, port):
        return next(p.status for p in self.switch.api.list_ports() if p.name == port)

    def iperf(self, client, server, server_ip, seconds, port, reverse=False):
        """Gbit/s of an iperf3 TCP run from `client` to `server`."""
        run_in(server, "iperf3", "-s", "-D", "-1", "-p", str(port))
        time.sleep(0.5)
        out = json.loads(run_in(client, "iperf3", "-c", server_ip, "-p", str(port), "-t",
                                str(seconds), "-J", *(["-R"] if reverse else []), timeout=60))
        return out["end"]["sum_received"]["bits_per_second"] / 1e9


class KernelPortTest(KernelTopology):
    def counts(self, sw, port, host):
        """(host tx, xdp rx, xdp redirected, switch rx + socket drops, xdp drops).

        Under iperf3 the switch can fall behind: the kernel then drops frames
        the program redirected at the socket (rx ring full), and says so in
        the socket statistics. Every frame is accounted for either way."""
        p = next(p for p in sw.api.get_stats().ports if p.name == port)
        x = p.backend_counters
        return (link_stats(host, "eth0")["tx"]["packets"], x["xdp_rx_packets"],
                x["xdp_redirected"], p.counters.rx_packets + x["xsk_rx_dropped"] +
                x["xsk_rx_ring_full"],
                x["xdp_drop_malformed"] + x["xdp_drop_no_xsk"])

    def test_ping_and_tcp_between_namespaces_and_counters_agree(self):
        sw = self.topology()
        # Hosts sent a frame or two before the XDP program was there (IPv6
        # neighbour discovery at link-up): count from a quiet moment after.
        time.sleep(1)
        base = {"a": self.counts(sw, "a", self.h1), "b": self.counts(sw, "b", self.h2)}
        self.ping(5)
        run_in(self.h2, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.199.0.1")
        # iperf3 TCP, both directions.
        self.assertGreater(self.iperf(self.h1, self.h2, "10.199.0.2", 2, 5201), 0.05)
        self.iperf(self.h2, self.h1, "10.199.0.1", 1, 5202, reverse=True)
        fdb = {e["port"] for e in sw.network("lan0")["fdb"]}
        self.assertEqual(fdb, {"a", "b"})

        # What the hosts sent, the XDP program saw, and the switch received
        # since the baseline agree (once the last stray frame is in).
        for port, host in (("a", self.h1), ("b", self.h2)):
            def delta(port=port, host=host):
                now = self.counts(sw, port, host)
                return tuple(n - b for n, b in zip(now, base[port]))
            with self.subTest(port=port):
                try:
                    wait_for(lambda: len(set(delta()[:4])) == 1, 10, "counters agree")
                except AssertionError:
                    self.fail(f"{port}: host tx, xdp rx, xdp redirected, switch rx, xdp drops"
                              f" since the baseline: {delta()}")
                self.assertEqual(delta()[4], 0)
                self.assertGreater(delta()[0], 1000)

    def test_link_down_and_up_change_status_and_emit_events(self):
        sw = self.topology()
        stream = sw.api.events.Watch(pb.events.WatchRequest(
            types=[pb.events.EVENT_TYPE_PORT_UP, pb.events.EVENT_TYPE_PORT_DOWN]))
        got = []
        read_events(stream, got)
        time.sleep(0.3)
        run_in(self.h1, "ip", "link", "set", "eth0", "down")
        self.wait_port_link("a", "down")
        run_in(self.h1, "ip", "link", "set", "eth0", "up")
        self.wait_port_link("a", "up")
        def after_down():
            seen = [(pb.events.EventType.Name(e.type), e.port) for e in got]
            first = seen.index(("EVENT_TYPE_PORT_DOWN", "a")) if (
                "EVENT_TYPE_PORT_DOWN", "a") in seen else len(seen)
            return [ev for ev in seen[first:] if ev[1] == "a"]
        wait_for(lambda: after_down() == [("EVENT_TYPE_PORT_DOWN", "a"),
                                          ("EVENT_TYPE_PORT_UP", "a")], 5, "link events")
        stream.cancel()
        self.ping(2)

    def test_link_changes_arrive_through_rtnetlink_not_the_poll(self):
        # With polling once a minute, only the libnl3 watcher can be this fast.
        self.topology(["--link-poll-ms", "60000"])
        self.wait_port_link("a", "up", timeout=3)
        run_in(self.h1, "ip", "link", "set", "eth0", "down")
        self.wait_port_link("a", "down", timeout=3)
        run_in(self.h1, "ip", "link", "set", "eth0", "up")
        self.wait_port_link("a", "up", timeout=3)

    def test_a_netdev_that_goes_away_and_comes_back_is_attached_again(self):
        sw = self.topology()
        self.ping(2)
        # The container goes: its veth pair with it.
        run_in(self.h1, "ip", "link", "del", "eth0")
        self.wait_port_link("a", "down")
        self.assertEqual([p.name for p in sw.api.list_ports()], ["a", "b"])
        # It comes back with a new veth of the same name.
        self.veth(self.sw_ns, "swa", self.h1, "eth0")
        run_in(self.h1, "ip", "addr", "add", "10.199.0.1/24", "dev", "eth0")
        run_in(self.h1, "ethtool", "-K", "eth0", "tx", "off")
        self.wait_port_link("a", "up")
        wait_for(lambda: "netdev swa came back, attached again" in sw.log(), 5, "reattach")
        self.assertEqual(xdp_prog_name(self.sw_ns, "swa"), "sy_xdp_port")
        self.ping(3)
        # Link counts carry over (the new peer's setup may flap it once more).
        port = next(p for p in sw.api.list_ports() if p.name == "a")
        self.assertGreaterEqual(port.status.guest_connects, 2)

    def test_kill_9_leaves_no_stale_program_after_restart_and_delete_restores_the_netdev(self):
        sw = self.topology()
        self.assertEqual(xdp_prog_name(self.sw_ns, "swa"), "sy_xdp_port")
        sw.kill9()
        sw.start().wait_running()
        self.assertIn("removed a stale sy_xdp_port", sw.log())
        self.assertEqual([p.name for p in sw.api.list_ports()], ["a", "b"])
        self.ping(2)
        sw.api.delete_port("a")
        self.assertIsNone(xdp_prog_name(self.sw_ns, "swa"))
        self.assertEqual(xdp_prog_name(self.sw_ns, "swb"), "sy_xdp_port")
        sw.stop()
        self.assertIsNone(xdp_prog_name(self.sw_ns, "swb"))

    def test_bad_netdevs_are_refused(self):
        sw = self.topology()
        k = lambda name, dev: lambda: sw.api.ports.CreatePort(  # noqa: E731
            pb.port.CreatePortRequest(port=pb.port.Port(
                name=name, network="lan0", kernel=pb.port.Kernel(netdev=dev))), timeout=10)
        self.assertEqual(code_of(k("c", "nosuchdev")), "NOT_FOUND")
        self.assertEqual(code_of(k("c", "swa")), "ALREADY_EXISTS")
        self.assertEqual(code_of(k("c", "bad/name")), "INVALID_ARGUMENT")
        self.assertEqual(code_of(k("c", "x" * 16)), "INVALID_ARGUMENT")
        self.assertEqual([p.name for p in sw.api.list_ports()], ["a", "b"])


class AfPacketPortTest(KernelTopology):
    def test_tcp_with_the_peers_offloads_on_crosses_as_super_frames(self):
        sw = self.topology(driver=AF_PACKET, tx_offload=("a", "b"))
        self.assertEqual(self.status("a").driver, "af_packet (tpacket_v3)")
        self.assertEqual(self.status("a").fallback_reason, "")
        self.ping(3)
        self.assertGreater(self.iperf(self.h1, self.h2, "10.199.0.2", 2, 5201), 0.1)
        self.assertGreater(self.iperf(self.h2, self.h1, "10.199.0.1", 1, 5202), 0.1)
        a, b = sw.port("a"), sw.port("b")
        # The senders' TCP stacks left segmentation to "hardware": frames
        # far larger than the 1500 MTU crossed the switch whole.
        self.assertGreater(a["rx_bytes"] / a["rx_packets"], 3000)
        self.assertGreater(b["tx_bytes"] / b["tx_packets"], 3000)
        for p in (a, b):
            self.assertEqual(p["drops"].get("gso_failed", 0), 0)
            self.assertEqual(p["drops"].get("mtu_exceeded", 0), 0)
        stats = {p.name: p.backend_counters for p in sw.api.get_stats().ports}
        self.assertEqual(stats["a"]["rx_bad_offload"], 0)
        self.assertEqual(stats["a"]["rx_truncated"], 0)

    def test_jumbo_frames_pass_and_frames_over_the_egress_mtu_are_counted(self):
        # h1 and h2 on MTU 9000: driver auto picks AF_PACKET. h3 on 1500
        # stays on AF_XDP, so TCP from h1 to h3 is cut by the switch.
        sw = self.topology(mtus=(9000, 9000, 1500), tx_offload=("a", "b"))
        self.assertEqual(self.status("a").driver, "af_packet (tpacket_v3)")
        self.assertIn("MTU 9000 is more than AF_XDP carries", self.status("a").fallback_reason)
        self.assertTrue(self.status("c").driver.startswith("af_xdp"))
        h3 = self.hosts[2]
        run_in(self.h1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "-M", "do", "-s", "8972",
               "10.199.0.2")
        run_in(self.h1, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.199.0.3")  # small: fine
        before = sw.port("c")["drops"].get("mtu_exceeded", 0)
        big = run_in(self.h1, "ping", "-c", "3", "-i", "0.2", "-W", "1", "-M", "do", "-s", "8972",
                     "10.199.0.3", check=False)
        self.assertIn("100% packet loss", big)
        wait_for(lambda: sw.port("c")["drops"].get("mtu_exceeded", 0) - before >= 3, 5,
                 "mtu_exceeded on port c")
        # TCP from a 9000 host to a 1500 host: super-frames of 1448-byte
        # segments, cut in the switch for the AF_XDP port.
        self.assertGreater(self.iperf(self.h1, h3, "10.199.0.3", 2, 5203), 0.05)
        self.assertGreater(sw.port("a")["rx_bytes"] / sw.port("a")["rx_packets"], 1600)
        self.assertEqual(sw.port("a")["drops"].get("gso_failed", 0), 0)

    def test_auto_yields_to_another_xdp_program_and_says_why(self):
        def foreign_program():
            run_in(self.sw_ns, "ip", "link", "set", "dev", "swa", "xdpgeneric", "obj",
                   FOREIGN_XDP, "sec", "xdp")
            # Asked for by name, AF_XDP fails and leaves nothing behind.
            self.assertEqual(code_of(lambda: self.create_kernel_port("x", "swa", AF_XDP)),
                             "FAILED_PRECONDITION")
        sw = self.topology(before_ports=foreign_program)
        self.assertEqual(self.status("a").driver, "af_packet (tpacket_v3)")
        self.assertIn("another XDP program", self.status("a").fallback_reason)
        self.assertTrue(self.status("b").driver.startswith("af_xdp"))
        self.ping(3)
        sw.api.delete_port("a")
        self.assertEqual(xdp_prog_name(self.sw_ns, "swa"), "other_xdp_pass")
        self.assertEqual([p.name for p in sw.api.list_ports()], ["b"])


class TapPortTest(SwitchTestCase):
    def test_a_qemu_style_tap_guest_talks_to_a_veth_host(self):
        sw_ns, host = self.netns("tsw"), self.netns("th")
        self.veth(sw_ns, "swa", host, "eth0")
        run_in(host, "ip", "addr", "add", "10.198.0.1/24", "dev", "eth0")
        sw = self.start_switch(netns=sw_ns)
        sw.api.create_network("lan0")
        sw.api.ports.CreatePort(pb.port.CreatePortRequest(port=pb.port.Port(
            name="a", network="lan0", kernel=pb.port.Kernel(netdev="swa"))), timeout=10)
        port = sw.api.ports.CreatePort(pb.port.CreatePortRequest(port=pb.port.Port(
            name="vm1", network="lan0",
            tap=pb.port.Tap(name="tapvm1", owner_uid=4242, mtu=9000))), timeout=10)
        self.assertEqual(port.tap.name, "tapvm1")
        link = json.loads(run_in(sw_ns, "ip", "-d", "-j", "link", "show", "tapvm1"))[0]
        self.assertEqual(link["mtu"], 9000)
        self.assertEqual(link["linkinfo"]["info_data"]["user"], 4242)
        self.wait_port_link("vm1", "down")  # no guest has it open: no carrier

        host_mac = json.loads(run_in(host, "ip", "-j", "link", "show", "eth0"))[0]["address"]
        rx_before = link_stats(host, "eth0")["rx"]["packets"]
        guest = subprocess.Popen(
            ["ip", "netns", "exec", sw_ns, sys.executable, "tap_guest.py", "tapvm1",
             "02:00:00:00:00:77", host_mac, "20", "4"], stdout=subprocess.PIPE, text=True)
        try:
            self.wait_port_link("vm1", "up")
            # The host's broadcasts reach the guest through the switch...
            run_in(host, "ping", "-c", "3", "-i", "0.2", "-W", "1", "10.198.0.77", check=False)
            out, _ = guest.communicate(timeout=30)
        finally:
            if guest.poll() is None:
                guest.kill()
                guest.wait()
        self.assertGreaterEqual(int(out), 3, "ARP requests of the host at the guest")
        # ...and the guest's 20 frames reach the host.
        self.assertGreaterEqual(link_stats(host, "eth0")["rx"]["packets"] - rx_before, 20)
        self.wait_port_link("vm1", "down")  # the guest closed the TAP

        sw.api.delete_port("vm1")
        self.assertEqual(subprocess.run(["ip", "netns", "exec", sw_ns, "ip", "link", "show",
                                         "tapvm1"], capture_output=True).returncode, 1,
                         "the TAP outlived its port")

    def test_tap_name_clashes_are_refused(self):
        sw_ns, host = self.netns("tsw"), self.netns("th")
        self.veth(sw_ns, "swa", host, "eth0")
        sw = self.start_switch(netns=sw_ns)
        sw.api.create_network("lan0")
        tap = lambda name, dev, **kw: lambda: sw.api.ports.CreatePort(  # noqa: E731
            pb.port.CreatePortRequest(port=pb.port.Port(
                name=name, network="lan0", tap=pb.port.Tap(name=dev, **kw))), timeout=10)
        self.assertEqual(code_of(tap("t1", "swa")), "ALREADY_EXISTS")  # a veth, not a TAP
        self.assertEqual(code_of(tap("t1", "tap1", mtu=20)), "INVALID_ARGUMENT")
        self.assertEqual(code_of(tap("t1", "tap1")), "OK")
        self.assertEqual(code_of(tap("t2", "tap1")), "ALREADY_EXISTS")  # another port's
        self.assertEqual([p.name for p in sw.api.list_ports()], ["t1"])


class InternalPortTest(SwitchTestCase):
    def test_the_host_reaches_the_network_through_its_internal_port(self):
        sw_ns, host = self.netns("isw"), self.netns("ih")
        self.veth(sw_ns, "swa", host, "eth0")
        run_in(host, "ip", "addr", "add", "10.196.0.1/24", "dev", "eth0")
        run_in(host, "ethtool", "-K", "eth0", "tx", "off")
        sw = self.start_switch(netns=sw_ns)
        sw.api.create_network("lan0")
        sw.api.ports.CreatePort(pb.port.CreatePortRequest(port=pb.port.Port(
            name="a", network="lan0", kernel=pb.port.Kernel(netdev="swa"))), timeout=10)
        sw.api.ports.CreatePort(pb.port.CreatePortRequest(port=pb.port.Port(
            name="gw", network="lan0", internal=pb.port.Internal(
                name="gw0", addresses=["10.196.0.254/24", "fd00:196::fe/64"]))), timeout=10)
        addrs = json.loads(run_in(sw_ns, "ip", "-j", "addr", "show", "gw0"))[0]["addr_info"]
        self.assertIn(("10.196.0.254", 24), [(a["local"], a["prefixlen"]) for a in addrs])
        self.assertIn(("fd00:196::fe", 64), [(a["local"], a["prefixlen"]) for a in addrs])
        self.wait_port_link("gw", "up")

        # The host stack behind gw0 answers the namespace host, TCP included.
        run_in(host, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.196.0.254")
        run_in(sw_ns, "iperf3", "-s", "-D", "-1", "-B", "10.196.0.254", "-p", "5401")
        time.sleep(0.5)
        out = json.loads(run_in(host, "iperf3", "-c", "10.196.0.254", "-p", "5401", "-t", "1",
                                "-J", timeout=60))
        self.assertGreater(out["end"]["sum_received"]["bits_per_second"], 1e6)

        sw.api.delete_port("gw")
        for dev in ("gw0", "gw0.sw"):
            self.assertEqual(subprocess.run(["ip", "netns", "exec", sw_ns, "ip", "link", "show",
                                             dev], capture_output=True).returncode, 1,
                             f"{dev} outlived its port")

    def test_bad_internal_ports_are_refused(self):
        sw_ns = self.netns("isw")
        sw = self.start_switch(netns=sw_ns)
        sw.api.create_network("lan0")
        internal = lambda name, dev, addrs=(): lambda: sw.api.ports.CreatePort(  # noqa: E731
            pb.port.CreatePortRequest(port=pb.port.Port(
                name=name, network="lan0",
                internal=pb.port.Internal(name=dev, addresses=list(addrs)))), timeout=10)
        self.assertEqual(code_of(internal("g", "gw0", ["10.0.0.1"])), "INVALID_ARGUMENT")
        self.assertEqual(code_of(internal("g", "gw0", ["10.0.0.1/33"])), "INVALID_ARGUMENT")
        self.assertEqual(code_of(internal("g", "gw0", ["nonsense/24"])), "INVALID_ARGUMENT")
        self.assertEqual(code_of(internal("g", "thirteen-char")), "INVALID_ARGUMENT")
        self.assertEqual(code_of(internal("g", "lo")), "ALREADY_EXISTS")
        self.assertEqual(sw.api.list_ports(), [])
        self.assertEqual(code_of(internal("g", "gw0", ["10.0.0.1/24"])), "OK")


if __name__ == "__main__":
    unittest.main()
