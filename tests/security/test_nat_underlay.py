"""Security: a NAT guest speaking as the host's tunnel endpoint (issue 15,
item 1, in part).

NAT gives a guest the uplink's address, which is also this host's VXLAN
and GRE endpoint: a guest's UDP to a peer's port 4789 (or GRE) carrying an
inner frame for any VNI would reach the peer as this host's own tunnel
traffic and be decapsulated into another tenant's network. Such traffic,
and anything for the uplink's tunnel endpoints or its own address, is now
refused at the gateway (underlay_refused).

The same path let a guest reach any host of the underlay subnet (other
hypervisors, storage, management) with the hypervisor's own address. A NAT
or routed network's guests now reach only the underlay hosts the operator
allows (Network.underlay_allow), and a NAT network can leave by an address
of its own (Network.nat_address), which is not the tunnel endpoint.
"""
import os
import re
import struct
import unittest

import dot1q
from sylib import Capture, pb, run_in, wait_for
from test_modes import NAT, OUTSIDE, ModesTestCase, ping

GUEST_IP = "192.168.50.10"


class NatUnderlayTest(ModesTestCase):

    def test_a_guest_cannot_send_tunnel_traffic_as_the_host(self):
        self.switch.api.create_network("lan", mode=NAT, gateway="192.168.50.1/24", uplink="up0", underlay_allow=OUTSIDE)
        g = self.guest("gu", "lan", GUEST_IP + "/24")
        gw_mac = self.network("lan").status.gateway_mac
        g_mac = run_in(g, "cat", "/sys/class/net/eth0/address").strip()
        up_mac = self.switch.api.ports.GetPort(pb.port.GetPortRequest(name="up0"),
                                               timeout=10).status.uplink_mac
        # An inner frame for VNI 42: a broadcast ARP of a made-up host.
        inner = dot1q.arp_request("02:00:00:00:42:42", "172.16.0.66", "172.16.0.1")
        vxlan = struct.pack("!II", 0x08000000, 42 << 8) + inner
        frames = [dot1q.ipv4(gw_mac, g_mac, GUEST_IP, "10.99.0.2", 17,
                             struct.pack("!HHHH", 40000, port, 8 + len(vxlan), 0) + vxlan)
                  for port in (4789, 8472)]
        frames.append(dot1q.ipv4(gw_mac, g_mac, GUEST_IP, "10.99.0.2", 47,
                                 struct.pack("!HHI", 0x2000, 0x6558, 42) + inner))
        cap = Capture(self.out, os.path.join(self.workdir, "out.pcap"))
        self.assertTrue(ping(g, "10.99.0.2"))  # the capture's control: NAT works
        rx = self.switch.port("gu")["rx_packets"]
        dot1q.send(g, "eth0", *frames)
        wait_for(lambda: self.switch.port("gu")["rx_packets"] >= rx + 3, 5,
                 "the switch to take the guest's frames")
        lines = cap.stop()
        from_uplink = [ln for ln in lines if ln.split()[1] == up_mac]
        self.assertTrue(any("ICMP echo request" in ln for ln in from_uplink), lines)
        # (Matched after the addresses: a timestamp may hold ".8472".)
        tunnel = [ln for ln in from_uplink
                  if re.search(r"> 10\.99\.0\.2\.(4789|8472):|: GREv0|ethertype IPv4.*proto GRE", ln)
                  or "OTV" in ln or "VXLAN" in ln]
        self.assertEqual(tunnel, [], "a guest's tunnel traffic left as the host's")
        net = next(n for n in self.switch.api.get_stats().networks if n.name == "lan")
        self.assertEqual(net.counters.drops["underlay_refused"], 3)

    def test_a_guest_reaches_only_allowed_underlay_hosts_and_leaves_by_its_own_address(self):
        # 10.99.0.2 (the outside namespace) allowed, 10.99.0.3 (a second
        # address of it: another hypervisor) not; the network leaves as
        # 10.99.0.50.
        run_in(self.out, "ip", "addr", "add", "10.99.0.3/24", "dev", "eth0")
        self.serve(self.out, "10.99.0.3", 8000)
        self.switch.api.create_network("lan", mode=NAT, gateway="192.168.50.1/24", uplink="up0",
                                       underlay_allow=["10.99.0.2/32"],
                                       nat_address="10.99.0.50")
        g = self.guest("gv", "lan", GUEST_IP + "/24")
        cap = Capture(self.out, os.path.join(self.workdir, "out.pcap"))
        self.assertEqual(self.get(g, "http://10.99.0.2:8000/"), "10.99.0.50")
        self.assertTrue(ping(self.out, "10.99.0.50"), "the NAT address answers")
        refused = run_in(g, "curl", "-s", "-m", "3", "http://10.99.0.3:8000/", check=False)
        lines = cap.stop()
        self.assertEqual(refused.strip(), "", "a guest reached an underlay host not allowed")
        self.assertEqual([ln for ln in lines if "> 10.99.0.3." in ln], [], lines)
        self.assertEqual([ln for ln in lines if "10.99.0.1." in ln and " > " in ln
                          and "ARP" not in ln], [], "a guest left as the tunnel endpoint")
        net = next(n for n in self.switch.api.get_stats().networks if n.name == "lan")
        self.assertGreaterEqual(net.counters.drops["underlay_refused"], 1)
        # Allowing it by name opens it.
        self.update("lan", underlay_allow=pb.network.UnderlayAllow(
            prefixes=["10.99.0.2/32", "10.99.0.3/32"]))
        self.assertEqual(self.get(g, "http://10.99.0.3:8000/"), "10.99.0.50")


if __name__ == "__main__":
    unittest.main()
