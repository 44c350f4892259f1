"""Security: a guest claiming the gateway's MAC (issue 15, item 3).

In a NAT network the gateway's MAC was found through a static FDB entry
that `fdb flush --include-static`, a new fdb_max or a full FDB removed;
a guest could then send from the gateway's MAC, be learned there, and
receive every other guest's routed traffic. The gateway's and the
uplinks' MACs are the switch's own: a guest frame from one is dropped
(infra_src_mac), frames to the gateway reach it whatever the FDB holds,
and the operator cannot pin or delete them.

Namespaces: the switch (uplink up0, 10.99.0.1/24), the outside
(10.99.0.2), a victim guest 192.168.50.10 and an attacker 192.168.50.11.
"""
import os
import unittest

import dot1q
from attack import flood_random_macs
from sylib import Capture, code_of, pb, run_in, wait_for
from test_modes import NAT, OUTSIDE, ModesTestCase, ping


class GatewayMacTest(ModesTestCase):

    def setUp(self):
        super().setUp()
        self.switch.api.create_network("lan", mode=NAT, gateway="192.168.50.1/24", uplink="up0", underlay_allow=OUTSIDE)
        self.victim = self.guest("gv", "lan", "192.168.50.10/24")
        self.attacker = self.guest("ga", "lan", "192.168.50.11/24")
        self.gw_mac = self.network("lan").status.gateway_mac
        self.assertTrue(self.gw_mac)
        self.attacker_mac = run_in(self.attacker, "cat", "/sys/class/net/eth0/address").strip()

    def claim_gateway(self, count=20):
        """Gratuitous ARPs: 192.168.50.1 is at the gateway's MAC, sent from it."""
        frame = dot1q.arp_request(self.gw_mac, "192.168.50.1", "192.168.50.1")
        dot1q.send(self.attacker, "eth0", *([frame] * count))

    def assert_victim_traffic_stays_off_the_attacker(self):
        cap = Capture(self.attacker, os.path.join(self.workdir, "attacker.pcap"))
        self.claim_gateway()
        ok = ping(self.victim, "10.99.0.2", count=3)
        self.claim_gateway()
        lines = cap.stop()
        # The capture works: it holds the attacker's own claims, going out.
        self.assertTrue(any(ln.split()[1] == self.gw_mac for ln in lines), lines)
        stolen = [ln for ln in lines if "192.168.50.10 > 10.99.0.2" in ln]
        self.assertEqual(stolen, [], "the attacker received the victim's routed traffic")
        self.assertTrue(ok, "the victim lost its gateway")

    def fdb_gateway_entries(self):
        return [(e.port, e.static) for e in self.switch.api.fdb_entries("lan")
                if e.mac == self.gw_mac]

    def test_after_a_flush_of_static_entries(self):
        self.assertTrue(ping(self.victim, "10.99.0.2"))
        self.switch.api.fdb.FlushFdb(pb.fdb.FlushFdbRequest(network="lan", include_static=True),
                                     timeout=10)
        before = self.drops("ga", "infra_src_mac")
        self.assert_victim_traffic_stays_off_the_attacker()
        self.assertGreaterEqual(self.drops("ga", "infra_src_mac") - before, 40)
        self.assertEqual(len(self.fdb_gateway_entries()), 1, "the gateway's entry is listed")
        self.assertTrue(self.fdb_gateway_entries()[0][1])

    def test_after_a_new_fdb_size(self):
        self.update("lan", fdb_max_entries=64)
        self.assert_victim_traffic_stays_off_the_attacker()
        self.assertEqual(len(self.fdb_gateway_entries()), 1)

    def test_with_a_full_fdb(self):
        self.update("lan", fdb_max_entries=16)
        flood_random_macs(self.attacker, "eth0", 64)
        self.assert_victim_traffic_stays_off_the_attacker()

    def test_the_operator_cannot_repin_or_delete_it(self):
        pin = pb.fdb.AddStaticMacRequest(network="lan", mac=self.gw_mac, port="ga")
        self.assertEqual(code_of(lambda: self.switch.api.fdb.AddStaticMac(pin, timeout=10)),
                         "FAILED_PRECONDITION")
        delete = pb.fdb.DeleteStaticMacRequest(network="lan", mac=self.gw_mac)
        self.assertEqual(code_of(lambda: self.switch.api.fdb.DeleteStaticMac(delete, timeout=10)),
                         "FAILED_PRECONDITION")
        self.assert_victim_traffic_stays_off_the_attacker()


if __name__ == "__main__":
    unittest.main()
