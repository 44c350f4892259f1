"""Security: VLAN hopping by double tag (issue 15, item 6).

An attacker on an access port of VLAN 10 sends a priority tag over an
802.1Q tag of VLAN 20. The switch would take it into VLAN 10 by the
priority tag and hand it to a trunk where VLAN 10 is native (untagged):
off comes the outer tag, and the next switch reads VLAN 20. Likewise a
trunk peer tagging its untagged native VLAN over another tag reaches an
access port with the inner tag on the wire. Both must be refused and
counted (vlan_double_tag), and nothing of them seen by anyone.

Hosts, each a namespace on a veth to the switch's namespace:
  h10: access VLAN 10 (the attacker in the first case)
  h20: access VLAN 20 (the victim)
  ht:  trunk of 10 and 20, native VLAN 10 untagged (a packet socket)
"""
import os
import unittest

import dot1q
from sylib import Capture, SwitchTestCase, pb, run_in, wait_for

ACCESS10 = pb.port.Vlan(mode=pb.port.VLAN_MODE_ACCESS, tag=10)
ACCESS20 = pb.port.Vlan(mode=pb.port.VLAN_MODE_ACCESS, tag=20)
TRUNK = pb.port.Vlan(mode=pb.port.VLAN_MODE_TRUNK,
                     trunks=[pb.port.VlanRange(first=10), pb.port.VlanRange(first=20)],
                     native_vlan=10)


class VlanHoppingTest(SwitchTestCase):

    def setUp(self):
        super().setUp()
        self.sw_ns = self.netns("hsw")
        self.h10, self.h20, self.ht = self.netns("h10"), self.netns("h20"), self.netns("ht")
        for host, dev in ((self.h10, "hop10"), (self.h20, "hop20"), (self.ht, "hopt")):
            for conf in ("all", "default"):  # no IPv6 chatter in the captures
                run_in(host, "sysctl", "-qw", f"net.ipv6.conf.{conf}.disable_ipv6=1")
            self.veth(self.sw_ns, dev, host, "eth0")
            run_in(host, "sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=1")
            run_in(host, "ethtool", "-K", "eth0", "tx", "off")
        self.macs = {h: run_in(h, "cat", "/sys/class/net/eth0/address").strip()
                     for h in (self.h10, self.h20, self.ht)}
        sw = self.start_switch(netns=self.sw_ns)
        sw.api.create_network("lan0")
        for name, dev, vlan in (("p10", "hop10", ACCESS10), ("p20", "hop20", ACCESS20),
                                ("pt", "hopt", TRUNK)):
            sw.api.ports.CreatePort(pb.port.CreatePortRequest(port=pb.port.Port(
                name=name, network="lan0", vlan=vlan, kernel=pb.port.Kernel(netdev=dev))),
                timeout=10)
        for name in ("p10", "p20", "pt"):
            self.wait_port_link(name, "up")
        # A veth takes a moment after its XDP program is attached before
        # frames pass: each host says hello until its port hears it.
        for host, name in ((self.h10, "p10"), (self.h20, "p20"), (self.ht, "pt")):
            hello = dot1q.arp_request(self.macs[host], "10.61.99.1", "10.61.99.2")
            wait_for(lambda: dot1q.send(host, "eth0", hello) or self.switch.port(name)[
                "rx_packets"] > 0, 10, f"{name} to hear its host")

    def drops(self, port, reason):
        return next(p for p in self.switch.api.get_stats().ports
                    if p.name == port).counters.drops[reason]

    def capture(self, *hosts):
        return {h: Capture(h, os.path.join(self.workdir, f"{h}.pcap")) for h in hosts}

    def test_a_priority_tag_over_a_vlan_tag_from_an_access_port_reaches_no_one(self):
        attacker = self.macs[self.h10]
        caps = self.capture(self.ht, self.h20)
        before = self.drops("p10", "vlan_double_tag")
        hop = [dot1q.arp_request(attacker, "10.61.20.66", "10.61.20.1", tags=[prio, 20])
               for prio in (0x0000, 0xe000)]  # priority 0 and 7, VID 0
        # The control: a plain frame from the attacker does reach the trunk.
        plain = dot1q.arp_request(attacker, "10.61.10.66", "10.61.10.3")
        dot1q.send(self.h10, "eth0", *hop, plain)
        wait_for(lambda: self.drops("p10", "vlan_double_tag") - before == 2, 5,
                 "two vlan_double_tag drops on p10")
        lines = {h: c.stop() for h, c in caps.items()}
        from_attacker = [ln for ln in lines[self.ht] if ln.split()[1] == attacker]
        self.assertTrue(any("tell 10.61.10.66" in ln for ln in from_attacker), lines[self.ht])
        self.assertEqual([ln for ln in from_attacker if "10.61.20." in ln or "vlan 20" in ln], [],
                         "the inner VLAN 20 tag reached the trunk's wire")
        self.assertEqual([ln for ln in lines[self.h20] if ln.split()[1] == attacker], [],
                         "the attacker reached VLAN 20")

    def test_an_untagged_native_vlan_tag_over_another_tag_from_a_trunk_reaches_no_one(self):
        attacker = self.macs[self.ht]
        caps = self.capture(self.h10, self.h20)
        before = self.drops("pt", "vlan_double_tag")
        dot1q.send(self.ht, "eth0",
                   dot1q.arp_request(attacker, "10.61.20.66", "10.61.20.1", tags=[10, 20]),
                   dot1q.arp_request(attacker, "10.61.10.66", "10.61.10.1"))  # the control
        wait_for(lambda: self.drops("pt", "vlan_double_tag") - before == 1, 5,
                 "a vlan_double_tag drop on pt")
        lines = {h: c.stop() for h, c in caps.items()}
        from_attacker = [ln for ln in lines[self.h10] if ln.split()[1] == attacker]
        self.assertTrue(any("tell 10.61.10.66" in ln for ln in from_attacker), lines[self.h10])
        self.assertEqual([ln for ln in from_attacker if "802.1Q" in ln or "10.61.20." in ln], [],
                         "a tagged frame reached the VLAN 10 access host")
        self.assertEqual([ln for ln in lines[self.h20] if ln.split()[1] == attacker], [])


if __name__ == "__main__":
    unittest.main()
