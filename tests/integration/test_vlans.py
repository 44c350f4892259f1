"""Integration: VLAN access and trunk ports with real kernel peers.

Hosts in namespaces of their own, on veths to the switch's namespace:
  h10: access port in VLAN 10, 10.61.10.1
  h20: access port in VLAN 20, 10.61.20.1, and a trap address 10.61.10.9
       that answers only if VLAN 10 leaks into VLAN 20
  ht:  trunk port of VLANs 10 and 20. This kernel has no 802.1Q devices,
       so ht's far end is a packet socket writing tagged ARP and ICMP
       (dot1q.py) as 10.61.10.3 and 10.61.20.3; h10's and h20's stacks answer.
tcpdump -e on every host checks what reached it, and with which tag.
"""
import os
import subprocess
import time
import unittest

import dot1q
from sylib import Capture, SwitchTestCase, pb, run_in, wait_for

AUTO, AF_PACKET = pb.port.KERNEL_DRIVER_AUTO, pb.port.KERNEL_DRIVER_AF_PACKET
UNKNOWN_MAC = "02:00:5e:aa:bb:cc"  # nobody has it: frames to it are flooded


def access(tag):
    return pb.port.Vlan(mode=pb.port.VLAN_MODE_ACCESS, tag=tag)


def trunk(*ids, native=0, native_tagged=False):
    return pb.port.Vlan(mode=pb.port.VLAN_MODE_TRUNK,
                        trunks=[pb.port.VlanRange(first=i) for i in ids],
                        native_vlan=native, native_tagged=native_tagged)


class VlanTest(SwitchTestCase):
    DRIVER = AUTO  # AF_XDP on veths

    def setUp(self):
        super().setUp()
        self.sw_ns = self.netns("vsw")
        self.h10, self.h20, self.ht = self.netns("v10"), self.netns("v20"), self.netns("vt")
        for host, dev in ((self.h10, "sw10"), (self.h20, "sw20"), (self.ht, "swt")):
            # No IPv6: its unsolicited multicast would muddle exact drop counts.
            for conf in ("all", "default"):
                run_in(host, "sysctl", "-qw", f"net.ipv6.conf.{conf}.disable_ipv6=1")
            self.veth(self.sw_ns, dev, host, "eth0")
            if self.DRIVER != AF_PACKET:
                run_in(host, "ethtool", "-K", "eth0", "tx", "off")  # AF_XDP takes no offloads
        run_in(self.h10, "ip", "addr", "add", "10.61.10.1/24", "dev", "eth0")
        run_in(self.h20, "ip", "addr", "add", "10.61.20.1/24", "dev", "eth0")
        run_in(self.h20, "ip", "addr", "add", "10.61.10.9/24", "dev", "eth0")
        self.macs = {h: self.mac(h) for h in (self.h10, self.h20, self.ht)}
        sw = self.start_switch(netns=self.sw_ns)
        sw.api.create_network("lan0")
        for name, dev, vlan in (("p10", "sw10", access(10)), ("p20", "sw20", access(20)),
                                ("pt", "swt", trunk(10, 20))):
            sw.api.ports.CreatePort(pb.port.CreatePortRequest(port=pb.port.Port(
                name=name, network="lan0", vlan=vlan,
                kernel=pb.port.Kernel(netdev=dev, driver=self.DRIVER))), timeout=10)
        for name in ("p10", "p20", "pt"):
            self.wait_port_link(name, "up")

    @staticmethod
    def mac(ns):
        return run_in(ns, "cat", "/sys/class/net/eth0/address").strip()

    def ping(self, ns, ip, count=3):
        """True when `ip` answered from `ns`."""
        return subprocess.run(["ip", "netns", "exec", ns, "ping", "-c", str(count), "-i", "0.2",
                               "-W", "1", ip], capture_output=True).returncode == 0

    def capture(self, *hosts):
        return {h: Capture(h, os.path.join(self.workdir, f"{h}.pcap")) for h in hosts}

    def drops(self, port, reason):
        p = next(p for p in self.switch.api.get_stats().ports if p.name == port)
        return p.counters.drops[reason]

    def trunk_send(self, *frames):
        dot1q.send(self.ht, "eth0", *frames)

    def test_each_vlan_reaches_its_members_and_nothing_leaks(self):
        mt, m10, m20 = self.macs[self.ht], self.macs[self.h10], self.macs[self.h20]
        caps = self.capture(self.h10, self.h20, self.ht)
        # Trunk to access: ARP in each VLAN, and for the trap in VLAN 10.
        self.trunk_send(dot1q.arp_request(mt, "10.61.10.3", "10.61.10.1", tags=[10]),
                        dot1q.arp_request(mt, "10.61.20.3", "10.61.20.1", tags=[20]),
                        dot1q.arp_request(mt, "10.61.10.3", "10.61.10.9", tags=[10]))
        time.sleep(0.3)
        self.trunk_send(dot1q.icmp_echo(m10, mt, "10.61.10.3", "10.61.10.1", 77, tags=[10]))
        # Access to access across VLANs: the trap must stay silent.
        self.assertFalse(self.ping(self.h10, "10.61.10.9", count=2), "VLAN 10 reached VLAN 20")
        # Unknown unicast, flooded in VLAN 10 only.
        run_in(self.h10, "ip", "neigh", "replace", "10.61.10.77", "lladdr", UNKNOWN_MAC, "dev",
               "eth0")
        self.ping(self.h10, "10.61.10.77", count=2)
        lines = {h: c.stop() for h, c in caps.items()}

        def frames_from(host, mac):
            return [ln for ln in lines[host] if ln.split()[1] == mac]

        # The trunk got h10's answers tagged 10 and h20's tagged 20, never untagged.
        from10, from20 = frames_from(self.ht, m10), frames_from(self.ht, m20)
        self.assertTrue(any("Reply 10.61.10.1 is-at" in ln for ln in from10), lines[self.ht])
        self.assertTrue(any("ICMP echo reply" in ln for ln in from10), lines[self.ht])
        self.assertTrue(any("Reply 10.61.20.1 is-at" in ln for ln in from20), lines[self.ht])
        self.assertTrue(all("vlan 10," in ln for ln in from10), from10)
        self.assertTrue(all("vlan 20," in ln for ln in from20), from20)
        self.assertFalse(any("10.61.10.9 is-at" in ln for ln in lines[self.ht]), "trap answered")
        flooded = [ln for ln in lines[self.ht] if f"> {UNKNOWN_MAC}" in ln]
        self.assertTrue(flooded and all("vlan 10," in ln for ln in flooded), flooded)
        # Access ports get untagged frames of their own VLAN only.
        self.assertTrue(any("tell 10.61.10.3" in ln for ln in frames_from(self.h10, mt)))
        self.assertTrue(any("tell 10.61.20.3" in ln for ln in frames_from(self.h20, mt)))
        for host in (self.h10, self.h20):
            self.assertEqual([ln for ln in lines[host] if "802.1Q" in ln], [],
                             f"tagged frames on access host {host}")
        self.assertEqual(frames_from(self.h10, m20), [])
        leaks = [ln for ln in lines[self.h20] if ln.split()[1] == m10 or UNKNOWN_MAC in ln
                 or "tell 10.61.10." in ln]
        self.assertEqual(leaks, [], "VLAN 10 frames reached the VLAN 20 access port")
        # The FDB keeps each MAC in its VLAN; the trunk host's in both.
        fdb = {(e.mac, e.vlan) for e in self.switch.api.fdb_entries("lan0")}
        self.assertTrue({(m10, 10), (m20, 20), (mt, 10), (mt, 20)} <= fdb, fdb)

    def test_frames_a_port_may_not_carry_are_dropped_and_counted(self):
        mt, m10 = self.macs[self.ht], self.macs[self.h10]
        before = {k: self.drops(*k) for k in (("p10", "vlan_filtered"), ("pt", "vlan_filtered"),
                                               ("pt", "qinq_unsupported"))}
        caps = self.capture(self.h10, self.h20)
        dot1q.send(self.h10, "eth0", dot1q.arp_request(m10, "10.61.10.1", "10.61.10.3",
                                                       tags=[10]))  # tagged on an access port
        self.trunk_send(dot1q.arp_request(mt, "10.61.30.3", "10.61.30.1", tags=[30]),  # not trunked
                        dot1q.arp_request(mt, "10.61.10.3", "10.61.10.1"),  # untagged, no native
                        dot1q.arp_request(mt, "10.61.10.3", "10.61.10.1", tags=[10, 10],
                                          tpids=[0x88a8, 0x8100]))  # 802.1ad outer tag
        expect = {("p10", "vlan_filtered"): 1, ("pt", "vlan_filtered"): 2,
                  ("pt", "qinq_unsupported"): 1}
        wait_for(lambda: all(self.drops(*k) - before[k] == n for k, n in expect.items()), 5,
                 f"drops {expect}")
        lines = {h: c.stop() for h, c in caps.items()}
        self.assertEqual([ln for ln in lines[self.h10] + lines[self.h20]
                          if ln.split()[1] == mt], [], "a refused frame got through")

    def test_vlan_change_is_live_and_shown(self):
        self.assertFalse(self.ping(self.h10, "10.61.10.9", count=2))
        port = self.switch.api.ports.UpdatePort(
            pb.port.UpdatePortRequest(name="p20", vlan=access(10)), timeout=10)
        self.assertEqual(port.vlan.tag, 10)
        self.assertTrue(self.ping(self.h10, "10.61.10.9"), "h20's port moved to VLAN 10")
        got = self.switch.api.ports.GetPort(pb.port.GetPortRequest(name="p20"), timeout=10)
        self.assertEqual((got.vlan.mode, got.vlan.tag), (pb.port.VLAN_MODE_ACCESS, 10))
        bad = pb.port.UpdatePortRequest(name="p20", vlan=access(4095))
        with self.assertRaises(Exception) as ctx:
            self.switch.api.ports.UpdatePort(bad, timeout=10)
        self.assertIn("port.vlan.tag", str(ctx.exception))
        got = self.switch.api.ports.GetPort(pb.port.GetPortRequest(name="p20"), timeout=10)
        self.assertEqual(got.vlan.tag, 10)  # the bad update changed nothing
        self.assertTrue(self.ping(self.h10, "10.61.10.9"))


class VlanAfPacketTest(VlanTest):
    DRIVER = AF_PACKET



if __name__ == "__main__":
    unittest.main()
