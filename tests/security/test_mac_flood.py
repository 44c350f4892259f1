"""Security: one port filling the FDB (issue 15, item 7).

An attacker floods frames from 10,000 random source MACs. Without a limit
they fill the network's FDB, after which unicast between other guests is
unknown unicast and floods to the attacker. A port's MAC limit (as
port-security maximum) keeps the attacker to its share: its new MACs are
dropped (port_mac_limit), the limit is an event, and the others' unicast
stays theirs.
"""
import os
import unittest

from attack import flood_random_macs
from sylib import Capture, pb, read_events, run_in, wait_for
from test_modes import BRIDGE, ModesTestCase, ping

LIMIT = 64
FLOOD = 10000


class MacFloodTest(ModesTestCase):

    def test_a_mac_flood_from_one_port_changes_nothing_for_the_others(self):
        api = self.switch.api
        api.create_network("lan", mode=BRIDGE, fdb_max_entries=1024)
        attacker = self.guest("fa", "lan")
        port = api.ports.UpdatePort(pb.port.UpdatePortRequest(name="fa", mac_limit=LIMIT),
                                    timeout=10)
        self.assertEqual(port.mac_limit, LIMIT)
        events = []
        stream = api.events.Watch(pb.events.WatchRequest(types=[pb.events.EVENT_TYPE_MAC_LIMIT]))
        self.addCleanup(stream.cancel)
        read_events(stream, events)
        before = self.switch.port("fa")

        self.assertEqual(flood_random_macs(attacker, "eth0", FLOOD), FLOOD)

        # Every flood frame the switch received beyond the first LIMIT new
        # MACs is dropped. (The kernel may lose some of a burst this fast
        # before the switch sees it: count what arrived.)
        def settled():
            p = self.switch.port("fa")
            rx = p["rx_packets"] - before["rx_packets"]
            dropped = p["drops"]["port_mac_limit"] - before["drops"]["port_mac_limit"]
            return rx if rx > LIMIT and dropped == rx - LIMIT else 0
        received = wait_for(settled, 10, "a port_mac_limit drop for every MAC past the limit")
        self.assertGreater(received, FLOOD // 2)
        fdb = api.fdb_entries("lan")
        self.assertEqual(sum(1 for e in fdb if e.port == "fa"), LIMIT)
        wait_for(lambda: any(e.port == "fa" for e in events), 5, "a MAC_LIMIT event for fa")

        # Guests that come after the flood still learn, and talk unicast.
        b = self.guest("fb", "lan", "192.168.90.2/24")
        c = self.guest("fc", "lan", "192.168.90.3/24")
        cap = Capture(attacker, os.path.join(self.workdir, "attacker.pcap"))
        self.assertTrue(ping(b, "192.168.90.3", count=3))
        lines = cap.stop()
        # Broadcasts still reach the attacker (the capture works), unicast not.
        self.assertTrue(any("who-has 192.168.90.3" in ln for ln in lines), lines)
        self.assertEqual([ln for ln in lines if "ICMP echo" in ln], [],
                         "unicast between two other guests reached the attacker")
        macs = {run_in(ns, "cat", "/sys/class/net/eth0/address").strip(): name
                for ns, name in ((b, "fb"), (c, "fc"))}
        learned = {e.mac: e.port for e in api.fdb_entries("lan") if e.mac in macs}
        self.assertEqual(learned, macs)

        # The attacker's own known MACs still pass; the limit can go live.
        api.ports.UpdatePort(pb.port.UpdatePortRequest(name="fa", mac_limit=0), timeout=10)
        after = self.drops("fa", "port_mac_limit")
        flood_random_macs(attacker, "eth0", 10, seed=2)
        wait_for(lambda: sum(1 for e in api.fdb_entries("lan") if e.port == "fa") == LIMIT + 10,
                 5, "10 more MACs learned without a limit")
        self.assertEqual(self.drops("fa", "port_mac_limit"), after)


if __name__ == "__main__":
    unittest.main()
