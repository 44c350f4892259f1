"""Integration: VXLAN and GRE overlays, with the Linux kernel and between switches.

Interop (VxlanInteropTest), each host a namespace:
  sw:  switchyardd. Uplink up0 on veth "u0" (underlay 10.77.0.1/24), guest
       port ga on a veth to namespace ga (10.88.0.1/24).
  rh:  the remote host: eth0 10.77.0.2/24 on the underlay, a Linux vxlan
       device (VNI 42) bridged with a veth to namespace gb (10.88.0.2/24).
Multi-host (MultiHostTest): three switchyardd, each in its own namespace
acting as a host, their uplinks on a Linux bridge in an underlay namespace
(10.78.0.1-3), one VXLAN network across all with a guest on each host.
"""
import json
import os
import subprocess
import time
import unittest

from sylib import Switch, SwitchTestCase, pb, run_in, wait_for

VXLAN, GRE = pb.network.TUNNEL_TYPE_VXLAN, pb.network.TUNNEL_TYPE_GRE


def kernel_port(name, dev, network="", underlay=None):
    port = pb.port.Port(name=name, network=network, kernel=pb.port.Kernel(netdev=dev))
    if underlay:
        port.underlay.CopyFrom(pb.port.Underlay(address=underlay))
    return pb.port.CreatePortRequest(port=port)


def tunnel(kind, tid, uplink, *remotes):
    return pb.network.Tunnel(type=kind, id=tid, uplink=uplink, remotes=list(remotes))


def ping(ns, ip, count=3, size=None, timeout=2):
    """True when `ip` answered every echo from `ns`."""
    extra = ["-s", str(size), "-M", "do"] if size else []
    return subprocess.run(["ip", "netns", "exec", ns, "ping", "-c", str(count), "-i", "0.2",
                           "-W", str(timeout), *extra, ip], capture_output=True).returncode == 0


def iperf(client, server, server_ip, port, seconds=2):
    """Gbit/s of an iperf3 TCP run from `client` to `server`."""
    run_in(server, "iperf3", "-s", "-D", "-1", "-p", str(port))
    time.sleep(0.5)
    out = json.loads(run_in(client, "iperf3", "-c", server_ip, "-p", str(port), "-t",
                            str(seconds), "-J", timeout=60))
    return out["end"]["sum_received"]["bits_per_second"] / 1e9


def mac_of(ns, dev="eth0"):
    return run_in(ns, "cat", f"/sys/class/net/{dev}/address").strip()


def drops(sw, name, reason, endpoint=False):
    stats = sw.api.get_stats()
    ports = stats.tunnel_endpoints if endpoint else stats.ports
    return next(p for p in ports if p.name == name).counters.drops[reason]


def endpoint_status(sw, network):
    n = sw.api.networks.GetNetwork(pb.network.GetNetworkRequest(name=network), timeout=10)
    return {e.remote: e for e in n.status.endpoints}


def fdb_ports(sw, network):
    return {e.mac: e.port for e in sw.api.fdb_entries(network)}


def no_ipv6(ns):
    # IPv6's own multicast would muddle exact drop counts.
    for conf in ("all", "default"):
        run_in(ns, "sysctl", "-qw", f"net.ipv6.conf.{conf}.disable_ipv6=1")


class VxlanInteropTest(SwitchTestCase):
    """switchyardd and a Linux vxlan device stretch one network."""

    def setUp(self):
        super().setUp()
        self.sw_ns, self.rh = self.netns("osw"), self.netns("orh")
        self.ga, self.gb = self.netns("oga"), self.netns("ogb")
        for ns in (self.sw_ns, self.rh, self.ga, self.gb):
            no_ipv6(ns)
        self.veth(self.sw_ns, "u0", self.rh, "eth0")
        self.veth(self.sw_ns, "ga0", self.ga, "eth0")
        # AF_XDP takes no offloads: hosts facing the switch compute their own.
        for ns in (self.rh, self.ga):
            run_in(ns, "ethtool", "-K", "eth0", "tx", "off")
        run_in(self.ga, "ip", "addr", "add", "10.88.0.1/24", "dev", "eth0")
        # The remote host: vxlan0 and gb's veth on a Linux bridge.
        run_in(self.rh, "ip", "addr", "add", "10.77.0.2/24", "dev", "eth0")
        run_in(self.rh, "ip", "link", "add", "vxlan0", "type", "vxlan", "id", "42", "local",
               "10.77.0.2", "remote", "10.77.0.1", "dstport", "4789", "dev", "eth0")
        run_in(self.rh, "ip", "link", "add", "br0", "type", "bridge")
        self.veth(self.rh, "gb0", self.gb, "eth0")
        for dev in ("vxlan0", "gb0"):
            run_in(self.rh, "ip", "link", "set", dev, "master", "br0")
        for dev in ("vxlan0", "br0"):
            run_in(self.rh, "ip", "link", "set", dev, "up")
        # gb's MTU fits the tunnel (1500 - 50), as libvirt sets a guest's.
        run_in(self.gb, "ip", "link", "set", "eth0", "mtu", "1450")
        run_in(self.gb, "ip", "addr", "add", "10.88.0.2/24", "dev", "eth0")
        sw = self.start_switch(netns=self.sw_ns)
        sw.api.ports.CreatePort(kernel_port("up0", "u0", underlay="10.77.0.1/24"), timeout=10)
        sw.api.create_network("lan0", tunnel=tunnel(VXLAN, 42, "up0", "10.77.0.2"))
        sw.api.ports.CreatePort(kernel_port("ga", "ga0", network="lan0"), timeout=10)
        for name in ("up0", "ga"):
            self.wait_port_link(name, "up")

    def test_ping_and_tcp_both_ways_with_macs_learned_on_both_sides(self):
        sw = self.switch
        self.assertTrue(ping(self.ga, "10.88.0.2", count=5), "ga -> gb over VXLAN")
        self.assertTrue(ping(self.gb, "10.88.0.1", count=5), "gb -> ga over VXLAN")
        # The remote's MAC is behind the endpoint in our FDB...
        self.assertEqual(fdb_ports(sw, "lan0").get(mac_of(self.gb)), "vxlan-10.77.0.2")
        self.assertEqual(fdb_ports(sw, "lan0").get(mac_of(self.ga)), "ga")
        # ... and ours behind 10.77.0.1 in the Linux vxlan device's.
        fdb = run_in(self.rh, "bridge", "fdb", "show", "dev", "vxlan0")
        self.assertIn(f"{mac_of(self.ga)} dst 10.77.0.1", fdb)
        # ARP resolved the next hop, and the remote host resolved us.
        ep = endpoint_status(sw, "lan0")["10.77.0.2"]
        self.assertEqual(ep.next_hop_mac, mac_of(self.rh))
        self.assertTrue(ep.up)
        self.assertEqual(ep.max_frame, 1500 + 14 - 50)
        uplink_mac = next(p for p in sw.api.list_ports() if p.name == "up0").status.uplink_mac
        self.assertIn(f"10.77.0.1 dev eth0 lladdr {uplink_mac}",
                      run_in(self.rh, "ip", "neigh", "show"))
        # TCP both ways through the tunnel.
        self.assertGreater(iperf(self.ga, self.gb, "10.88.0.2", 5301), 0.05)
        self.assertGreater(iperf(self.gb, self.ga, "10.88.0.1", 5302), 0.05)
        stats = sw.api.get_stats()
        ep_counters = next(p for p in stats.tunnel_endpoints if p.name == "vxlan-10.77.0.2")
        self.assertGreater(ep_counters.counters.tx_packets, 1000)
        self.assertGreater(ep_counters.counters.rx_packets, 1000)

    def test_what_does_not_fit_or_is_not_ours_is_counted(self):
        sw = self.switch
        self.assertTrue(ping(self.ga, "10.88.0.2"))
        # ga's MTU is 1500: a full-size frame cannot take 50 bytes more.
        before = drops(sw, "vxlan-10.77.0.2", "mtu_exceeded", endpoint=True)
        self.assertFalse(ping(self.ga, "10.88.0.2", count=3, size=1472, timeout=1))
        self.assertEqual(drops(sw, "vxlan-10.77.0.2", "mtu_exceeded", endpoint=True) - before, 3)
        self.assertTrue(ping(self.ga, "10.88.0.2", count=2, size=1422), "largest that fits")
        # A VNI no network has.
        run_in(self.rh, "ip", "link", "add", "vxlan43", "type", "vxlan", "id", "43", "local",
               "10.77.0.2", "remote", "10.77.0.1", "dstport", "4789", "dev", "eth0")
        run_in(self.rh, "ip", "addr", "add", "10.89.0.2/24", "dev", "vxlan43")
        run_in(self.rh, "ip", "link", "set", "vxlan43", "up")
        before = drops(sw, "up0", "tunnel_unknown_id")
        self.assertFalse(ping(self.rh, "10.89.0.1", count=2, timeout=1))
        self.assertGreaterEqual(drops(sw, "up0", "tunnel_unknown_id") - before, 2)  # ARP
        # The remote host, no longer a listed endpoint.
        sw.api.networks.UpdateNetwork(pb.network.UpdateNetworkRequest(
            name="lan0", tunnel=tunnel(VXLAN, 42, "up0", "10.77.0.5")), timeout=10)
        run_in(self.gb, "ip", "neigh", "flush", "all")
        before = drops(sw, "up0", "tunnel_unknown_endpoint")
        self.assertFalse(ping(self.gb, "10.88.0.1", count=2, timeout=1))
        self.assertGreaterEqual(drops(sw, "up0", "tunnel_unknown_endpoint") - before, 2)
        # 10.77.0.5 never answers ARP: what goes to it is counted, not sent.
        self.assertFalse(ping(self.ga, "10.88.0.2", count=2, timeout=1))
        wait_for(lambda: drops(sw, "vxlan-10.77.0.5", "no_neighbor", endpoint=True) > 0, 5,
                 "frames for an unresolved next hop counted")
        sw.api.networks.UpdateNetwork(pb.network.UpdateNetworkRequest(
            name="lan0", tunnel=tunnel(VXLAN, 42, "up0", "10.77.0.2")), timeout=10)
        self.assertTrue(sw.alive())
        # Still working after all that.
        wait_for(lambda: ping(self.gb, "10.88.0.1", count=1, timeout=1), 10, "gb -> ga again")

    def test_remotes_change_live_and_an_uplink_in_use_stays(self):
        sw = self.switch
        self.assertTrue(ping(self.ga, "10.88.0.2"))
        with self.assertRaises(Exception) as e:
            sw.api.delete_port("up0")
        self.assertIn("uplink of network(s) lan0", str(e.exception))
        # Without the remote the network is this host's alone...
        sw.api.networks.UpdateNetwork(pb.network.UpdateNetworkRequest(
            name="lan0", tunnel=tunnel(VXLAN, 42, "up0")), timeout=10)
        self.assertEqual(endpoint_status(sw, "lan0"), {})
        self.assertFalse(ping(self.ga, "10.88.0.2", count=2, timeout=1))
        # ... and with it back, reached again.
        sw.api.networks.UpdateNetwork(pb.network.UpdateNetworkRequest(
            name="lan0", tunnel=tunnel(VXLAN, 42, "up0", "10.77.0.2")), timeout=10)
        self.assertTrue(ping(self.ga, "10.88.0.2", count=5))
        # A tunnel needs a real uplink: refused, nothing changed.
        for bad, why in ((tunnel(VXLAN, 42, "nope", "10.77.0.2"), "does not exist"),
                         (tunnel(VXLAN, 42, "ga", "10.77.0.2"), "no uplink")):
            with self.assertRaises(Exception) as e:
                sw.api.networks.UpdateNetwork(pb.network.UpdateNetworkRequest(
                    name="lan0", tunnel=bad), timeout=10)
            self.assertIn(why, str(e.exception))
        self.assertTrue(ping(self.ga, "10.88.0.2"))
        # The tunnel survives a restart.
        sw.stop()
        sw.start()
        sw.wait_running()
        self.wait_port_link("ga", "up")
        wait_for(lambda: ping(self.ga, "10.88.0.2", count=1, timeout=1), 15,
                 "tunnel back after a restart")


@unittest.skipIf(subprocess.run(["ip", "link", "add", "sy-gre-probe", "type", "gretap", "local",
                                 "192.0.2.1", "remote", "192.0.2.2"],
                                capture_output=True).returncode != 0 or
                 subprocess.run(["ip", "link", "del", "sy-gre-probe"]).returncode != 0,
                 "this kernel has no gretap devices (CONFIG_NET_IPGRE); GRE is tested "
                 "between switches in MultiHostTest instead")
class GreInteropTest(SwitchTestCase):
    """The VXLAN interop test's topology with a Linux gretap device."""

    def test_ping_both_ways_over_gretap(self):
        sw_ns, rh, ga, gb = (self.netns(t) for t in ("gsw", "grh", "gga", "ggb"))
        self.veth(sw_ns, "u0", rh, "eth0")
        self.veth(sw_ns, "ga0", ga, "eth0")
        for ns in (rh, ga):
            run_in(ns, "ethtool", "-K", "eth0", "tx", "off")
        run_in(ga, "ip", "addr", "add", "10.88.0.1/24", "dev", "eth0")
        run_in(rh, "ip", "addr", "add", "10.77.0.2/24", "dev", "eth0")
        run_in(rh, "ip", "link", "add", "gre0", "type", "gretap", "local", "10.77.0.2", "remote",
               "10.77.0.1", "key", "7")
        run_in(rh, "ip", "link", "add", "br0", "type", "bridge")
        self.veth(rh, "gb0", gb, "eth0")
        for dev in ("gre0", "gb0"):
            run_in(rh, "ip", "link", "set", dev, "master", "br0")
        for dev in ("gre0", "br0"):
            run_in(rh, "ip", "link", "set", dev, "up")
        run_in(gb, "ip", "link", "set", "eth0", "mtu", "1458")
        run_in(gb, "ip", "addr", "add", "10.88.0.2/24", "dev", "eth0")
        sw = self.start_switch(netns=sw_ns)
        sw.api.ports.CreatePort(kernel_port("up0", "u0", underlay="10.77.0.1/24"), timeout=10)
        sw.api.create_network("lan0", tunnel=tunnel(GRE, 7, "up0", "10.77.0.2"))
        sw.api.ports.CreatePort(kernel_port("ga", "ga0", network="lan0"), timeout=10)
        self.wait_port_link("ga", "up")
        self.assertTrue(ping(ga, "10.88.0.2", count=5))
        self.assertTrue(ping(gb, "10.88.0.1", count=5))
        self.assertEqual(fdb_ports(sw, "lan0").get(mac_of(gb)), "gre-10.77.0.2")


class MultiHostTest(SwitchTestCase):
    """Three switchyardd hosts on one underlay, one network across them."""

    HOSTS = 3

    def setUp(self):
        super().setUp()
        self.under = self.netns("mun")
        run_in(self.under, "ip", "link", "add", "br0", "type", "bridge")
        run_in(self.under, "ip", "link", "set", "br0", "up")
        self.switches, self.guests_ns = [], []
        addresses = [f"10.78.0.{i + 1}" for i in range(self.HOSTS)]
        for i in range(self.HOSTS):
            host, guest = self.netns(f"mh{i}"), self.netns(f"mg{i}")
            no_ipv6(guest)
            self.veth(host, "u0", self.under, f"u{i}")
            run_in(self.under, "ip", "link", "set", f"u{i}", "master", "br0")
            run_in(self.under, "ethtool", "-K", f"u{i}", "tx", "off")
            self.veth(host, "g0", guest, "eth0")
            run_in(guest, "ethtool", "-K", "eth0", "tx", "off")
            run_in(guest, "ip", "link", "set", "eth0", "mtu", "1450")
            run_in(guest, "ip", "addr", "add", f"10.91.0.{i + 1}/24", "dev", "eth0")
            workdir = os.path.join(self.workdir, f"host{i}")
            os.makedirs(workdir)
            sw = Switch(workdir, netns=host).wait_running()
            self.switches.append(sw)
            self.guests_ns.append(guest)
            sw.api.ports.CreatePort(kernel_port("up0", "u0", underlay=f"{addresses[i]}/24"),
                                    timeout=10)
            others = [a for a in addresses if a != addresses[i]]
            sw.api.create_network("lan0", tunnel=tunnel(VXLAN, 100, "up0", *others))
            sw.api.ports.CreatePort(kernel_port("g", "g0", network="lan0"), timeout=10)
        for sw in self.switches:
            wait_for(lambda: all(p.status.link == pb.port.LINK_STATE_UP
                                 for p in sw.api.list_ports()), 15, "ports up")

    def _release(self):
        for sw in getattr(self, "switches", []):
            sw.stop()
        super()._release()

    def test_guests_on_every_host_reach_each_other_and_survive_a_host_going(self):
        g = self.guests_ns
        for i in range(self.HOSTS):
            for j in range(self.HOSTS):
                if i != j:
                    self.assertTrue(ping(g[i], f"10.91.0.{j + 1}", count=3),
                                    f"guest {i} -> guest {j}")
        # Each host learned each remote guest behind the right endpoint.
        for i, sw in enumerate(self.switches):
            fdb = fdb_ports(sw, "lan0")
            for j in range(self.HOSTS):
                want = "g" if i == j else f"vxlan-10.78.0.{j + 1}"
                self.assertEqual(fdb.get(mac_of(g[j])), want, f"host {i}, guest {j}")
        # Frames from one remote were never relayed to another: no loops.
        for sw in self.switches:
            for ep in sw.api.get_stats().tunnel_endpoints:
                self.assertEqual(ep.counters.drops["split_horizon"], 0)
        self.switches[2].stop()
        self.assertTrue(ping(g[0], "10.91.0.2", count=5), "host 0 -> host 1 without host 2")
        self.assertTrue(ping(g[1], "10.91.0.1", count=5), "host 1 -> host 0 without host 2")
        self.assertFalse(ping(g[0], "10.91.0.3", count=2, timeout=1))
        self.assertTrue(all(sw.alive() for sw in self.switches[:2]))


class GreBetweenSwitchesTest(MultiHostTest):
    """Two switchyardd hosts over GRE: this kernel may have no gretap peer."""

    HOSTS = 2

    def setUp(self):
        super().setUp()
        for i, sw in enumerate(self.switches):
            other = f"10.78.0.{2 - i}"
            sw.api.networks.UpdateNetwork(pb.network.UpdateNetworkRequest(
                name="lan0", tunnel=tunnel(GRE, 0xfeed, "up0", other)), timeout=10)

    def test_guests_on_every_host_reach_each_other_and_survive_a_host_going(self):
        g = self.guests_ns
        self.assertTrue(ping(g[0], "10.91.0.2", count=5))
        self.assertTrue(ping(g[1], "10.91.0.1", count=5))
        self.assertEqual(fdb_ports(self.switches[0], "lan0").get(mac_of(g[1])), "gre-10.78.0.2")
        self.assertGreater(iperf(g[0], g[1], "10.91.0.2", 5303), 0.05)


if __name__ == "__main__":
    unittest.main()
