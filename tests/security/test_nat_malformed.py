"""Security: malformed L4 through NAT, and what an uplink counts (issue 15,
item 9).

The router checked only that 8 (UDP) or 20 (TCP) bytes were there, so UDP
whose length is 0, 3 or 65535 and TCP whose data offset is 2 or 15 were
translated and delivered both ways, uncounted. And on a NAT uplink that
carries no tunnel, fragments, UDP to port 4789 and GRE were counted as
tunnel errors. Now the first are dropped as ip_bad_header, and the others
by the router's own reasons.
"""
import os
import struct
import unittest

import dot1q
from sylib import Capture, pb, run_in, wait_for
from test_modes import NAT, OUTSIDE, TCP, ModesTestCase

GUEST_IP, OUTSIDE_IP, UPLINK_IP = "192.168.50.10", "10.99.0.2", "10.99.0.1"


def udp(sport, dport, length):
    return struct.pack("!HHHH", sport, dport, length, 0) + b"malformed-udp!"


def tcp(sport, dport, words):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, words << 4, 0x02, 1024, 0, 0)


MALFORMED = [(17, udp, n) for n in (0, 3, 65535)] + [(6, tcp, n) for n in (2, 15)]


class NatMalformedTest(ModesTestCase):

    def setUp(self):
        super().setUp()
        self.switch.api.create_network(
            "lan", mode=NAT, gateway="192.168.50.1/24", uplink="up0", underlay_allow=OUTSIDE,
            forwards=[pb.network.PortForward(protocol=pb.network.FORWARD_PROTOCOL_UDP, outside_port=5353,
                                             guest_address=GUEST_IP, guest_port=53),
                      pb.network.PortForward(protocol=TCP,
                                             outside_port=8080, guest_address=GUEST_IP,
                                             guest_port=80)])
        self.g = self.guest("gm", "lan", GUEST_IP + "/24")
        self.gw_mac = self.network("lan").status.gateway_mac
        self.up_mac = self.switch.api.ports.GetPort(pb.port.GetPortRequest(name="up0"),
                                                    timeout=10).status.uplink_mac
        self.g_mac = run_in(self.g, "cat", "/sys/class/net/eth0/address").strip()
        self.out_mac = run_in(self.out, "cat", "/sys/class/net/eth0/address").strip()

    def gateway_drops(self, reason):
        net = next(n for n in self.switch.api.get_stats().networks if n.name == "lan")
        return net.counters.drops[reason]

    def test_malformed_udp_and_tcp_are_dropped_both_ways_and_counted(self):
        out_cap = Capture(self.out, os.path.join(self.workdir, "out.pcap"))
        guest_cap = Capture(self.g, os.path.join(self.workdir, "guest.pcap"))
        before_out, before_in = self.gateway_drops("ip_bad_header"), self.drops("up0",
                                                                                  "ip_bad_header")
        dot1q.send(self.g, "eth0", *[
            dot1q.ipv4(self.gw_mac, self.g_mac, GUEST_IP, OUTSIDE_IP, proto, make(40000, 9, n))
            for proto, make, n in MALFORMED])
        forward = {17: 5353, 6: 8080}
        dot1q.send(self.out, "eth0", *[
            dot1q.ipv4(self.up_mac, self.out_mac, OUTSIDE_IP, UPLINK_IP, proto,
                       make(7000, forward[proto], n))
            for proto, make, n in MALFORMED])
        wait_for(lambda: self.drops("up0", "ip_bad_header") - before_in == len(MALFORMED), 5,
                 "ip_bad_header drops on up0")
        # The gateway's own drops count in the network's counters.
        wait_for(lambda: self.gateway_drops("ip_bad_header") - before_out == len(MALFORMED), 5,
                 "ip_bad_header drops at the gateway")
        out_lines, guest_lines = out_cap.stop(), guest_cap.stop()
        # Each capture holds what its own host sent (so it captured).
        self.assertTrue(any(f"{OUTSIDE_IP}.7000 > {UPLINK_IP}" in ln for ln in out_lines))
        self.assertTrue(any(f"{GUEST_IP}.40000 > {OUTSIDE_IP}" in ln for ln in guest_lines))
        self.assertEqual([ln for ln in out_lines if ln.split()[1] == self.up_mac
                          and "ARP" not in ln], [], "malformed datagrams left by NAT")
        self.assertEqual([ln for ln in guest_lines if ln.split()[1] == self.gw_mac
                          and "ARP" not in ln], [],
                         "malformed datagrams reached the guest through a forward")

    def test_a_nat_uplink_without_tunnels_counts_lookalikes_by_their_own_reason(self):
        names = ("ip_fragment", "nat_no_connection", "nat_unsupported", "tunnel_fragment",
                 "tunnel_bad_header", "tunnel_unsupported")
        before = {r: self.drops("up0", r) for r in names}
        vxlan = struct.pack("!HHHH", 40000, 4789, 8 + 8 + 14, 0) + bytes([8, 0, 0, 0, 0, 0, 1, 0])
        dot1q.send(self.out, "eth0",
                   dot1q.ipv4(self.up_mac, self.out_mac, OUTSIDE_IP, UPLINK_IP, 17,
                              udp(53, 5000, 22), frag=0x2000),  # first fragment, MF
                   dot1q.ipv4(self.up_mac, self.out_mac, OUTSIDE_IP, UPLINK_IP, 17,
                              vxlan + bytes(14)),
                   dot1q.ipv4(self.up_mac, self.out_mac, OUTSIDE_IP, UPLINK_IP, 47,
                              bytes([0x20, 0, 0x65, 0x58, 0, 0, 0, 7]) + bytes(14)))
        want = {"ip_fragment": 1, "nat_no_connection": 1, "nat_unsupported": 1,
                "tunnel_fragment": 0, "tunnel_bad_header": 0, "tunnel_unsupported": 0}
        wait_for(lambda: {r: self.drops("up0", r) - before[r] for r in names} == want, 5,
                 f"drops {want}")


if __name__ == "__main__":
    unittest.main()
