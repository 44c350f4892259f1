"""Security: filling the NAT table from outside (issue 15, item 2).

An outside host sends SYNs through a port forward; the guest answers each
with a SYN-ACK, and the final ACK never comes. Such a connection used to
count as established (24 h), and a full table dropped nothing, so 100,000
SYNs shut every guest of the network out of new connections. Now only a
finished handshake is established, half-open ones expire in 10 s, and a
full table drops its longest idle connection that is not established to
make room (nat_early_drops).

The flood comes from 10.99.0.3, an address of the outside namespace whose
RSTs to the forward (answering the SYN-ACKs) a routing rule black-holes, as
a spoofing attacker's would never come.
"""
import unittest

from attack import syn_flood
from sylib import pb, run_in, wait_for
from test_modes import NAT, OUTSIDE, TCP, ModesTestCase

TABLE = 1024
FLOOD = 100000


class NatSynFloodTest(ModesTestCase):

    def test_a_syn_flood_through_a_forward_leaves_guests_able_to_connect(self):
        api = self.switch.api
        # The whole table for the forward: the flood meets the table's own
        # early drop (test_nat_share has the forward's share).
        api.create_network("lan", mode=NAT, gateway="192.168.50.1/24", uplink="up0",
                           underlay_allow=OUTSIDE, nat_max_connections=TABLE,
                           nat_max_per_forward=TABLE,
                           forwards=[pb.network.PortForward(protocol=TCP, outside_port=8080,
                                                            guest_address="192.168.50.10",
                                                            guest_port=80)])
        g = self.guest("gs", "lan", "192.168.50.10/24")
        self.serve(g, "192.168.50.10", 80)
        run_in(self.out, "ip", "addr", "add", "10.99.0.3/24", "dev", "eth0")
        run_in(self.out, "ip", "rule", "add", "from", "10.99.0.3", "ipproto", "tcp", "dport",
               "8080", "blackhole")
        self.assertEqual(self.get(g, "http://10.99.0.2:8000/"), "10.99.0.1")
        up_mac = api.ports.GetPort(pb.port.GetPortRequest(name="up0"),
                                   timeout=10).status.uplink_mac
        out_mac = run_in(self.out, "cat", "/sys/class/net/eth0/address").strip()

        self.assertEqual(syn_flood(self.out, "eth0", FLOOD, up_mac, out_mac, "10.99.0.3",
                                   "10.99.0.1", 8080), FLOOD)
        # Right after the flood, with the table full of half-open
        # connections: the guest opens new ones, and the forward serves.
        self.assertEqual(self.get(g, "http://10.99.0.2:8000/"), "10.99.0.1")
        wait_for(lambda: run_in(self.out, "curl", "-s", "-m", "3", "http://10.99.0.1:8080/",
                                check=False).strip() == "10.99.0.2", 10, "the forward again")
        status = self.network("lan").status
        self.assertEqual(status.connections, TABLE, "the flood filled the table")
        self.assertGreater(status.nat_early_drops, FLOOD // 2, status)
        self.assertEqual(status.nat_table_full, 0)

if __name__ == "__main__":
    unittest.main()
