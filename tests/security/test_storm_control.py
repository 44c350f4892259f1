"""Security: broadcast storms (issue 15, item 9).

A guest flooding broadcast (or multicast, or unicast to unknown MACs) at
line rate reaches every other port of its network and slows them all. A
port's flood limit (storm control) bounds the floods it may start each
second; the rest are dropped and counted (storm_control), and unicast
between others goes on.
"""
import os
import time
import unittest

import dot1q
from attack import blast
from sylib import Capture, pb, run_in
from test_modes import BRIDGE, ModesTestCase, ping

LIMIT = 500  # floods a second


class StormControlTest(ModesTestCase):

    def test_a_broadcast_storm_reaches_others_only_at_the_ports_flood_limit(self):
        api = self.switch.api
        api.create_network("lan", mode=BRIDGE)
        attacker = self.guest("sa", "lan")
        b = self.guest("sb", "lan", "192.168.93.2/24")
        self.guest("sc", "lan", "192.168.93.3/24")
        port = api.ports.UpdatePort(pb.port.UpdatePortRequest(name="sa", flood_limit=LIMIT),
                                    timeout=10)
        self.assertEqual(port.flood_limit, LIMIT)
        a_mac = run_in(attacker, "cat", "/sys/class/net/eth0/address").strip()
        storm = dot1q.arp_request(a_mac, "192.168.93.66", "192.168.93.99")
        cap = Capture(b, os.path.join(self.workdir, "b.pcap"))
        rx = self.switch.port("sa")["rx_packets"]
        seconds = 3
        flood = blast(attacker, "eth0", seconds, storm)
        self.addCleanup(lambda: (flood.kill(), flood.wait()))
        self.assertTrue(ping(b, "192.168.93.3", count=5), "unicast between others goes on")
        flood.communicate(timeout=30)
        lines = cap.stop()
        received = len([ln for ln in lines if "tell 192.168.93.66" in ln])
        taken = self.switch.port("sa")["rx_packets"] - rx
        self.assertGreater(taken, 10 * LIMIT * (seconds + 1), "the storm was a storm")
        # Second windows: at most LIMIT in each of the seconds the storm touched.
        self.assertGreater(received, 0)
        self.assertLessEqual(received, LIMIT * (seconds + 2))
        self.assertGreaterEqual(self.drops("sa", "storm_control"), taken - LIMIT * (seconds + 2))


if __name__ == "__main__":
    unittest.main()
