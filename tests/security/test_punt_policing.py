"""Security: control-plane policing (issue 15, item 8).

ARP, DHCP and pings for the switch go to one control thread through one
ring per PMD, shared by every network. One tenant flooding its gateway
with ARP used to crowd out every other tenant's ARP and DHCP. Now each
punt needs a token of its ingress port's bucket and of its network's (or
uplink's), and the rest is dropped and counted (punt_policed): the other
network's DHCP and ARP still answer, and the API stays responsive.
"""
import subprocess
import time
import unittest

import dot1q
from attack import blast
from sylib import YARDCTL, pb, run_in, wait_for
from test_modes import NAT, OUTSIDE, ModesTestCase, ping


class PuntPolicingTest(ModesTestCase):

    def test_one_tenants_flood_leaves_anothers_arp_dhcp_and_the_api_answering(self):
        api = self.switch.api
        for name, net in (("lana", "192.168.51"), ("lanb", "192.168.52")):
            api.create_network(name, mode=NAT, gateway=f"{net}.1/24", uplink="up0", underlay_allow=OUTSIDE,
                               dhcp=pb.network.Dhcp(range_start=f"{net}.100",
                                                    range_end=f"{net}.150"))
        attacker = self.guest("fa", "lana")
        victim = self.guest("fv", "lanb")
        a_mac = run_in(attacker, "cat", "/sys/class/net/eth0/address").strip()
        rx = self.switch.port("fa")["rx_packets"]
        flood = blast(attacker, "eth0", 6,
                      dot1q.arp_request(a_mac, "192.168.51.66", "192.168.51.1"))
        self.addCleanup(lambda: (flood.kill(), flood.wait()))
        time.sleep(1)  # the flood is on
        # The other tenant: a lease, then ARP and pings for its gateway.
        lease = self.dhcp(victim)
        self.assertTrue(lease["ip"].startswith("192.168.52."), lease)
        run_in(victim, "ip", "neigh", "flush", "all")
        out = subprocess.run(["ip", "netns", "exec", victim, "ping", "-c", "20", "-i", "0.05",
                              "-W", "1", "192.168.52.1"], capture_output=True, text=True)
        self.assertIn(" 0% packet loss", out.stdout, out.stdout)
        # The API answers within 100 ms, every time.
        worst = 0.0
        for _ in range(10):
            t0 = time.monotonic()
            subprocess.run([YARDCTL, "--socket", self.switch.socket, "health"], check=True,
                           capture_output=True, timeout=10)
            worst = max(worst, time.monotonic() - t0)
        self.assertLess(worst, 0.1, f"yardctl health took {worst * 1000:.0f} ms")
        flood.communicate(timeout=30)
        # At most 200 a second (and a burst of 100) of the attacker's got through.
        taken = self.switch.port("fa")["rx_packets"] - rx
        policed = self.drops("fa", "punt_policed")
        self.assertGreater(taken, 10000)
        self.assertGreaterEqual(policed, taken - 100 - 200 * 8, f"{policed} of {taken} policed")
        self.assertEqual(self.drops("fv", "punt_policed"), 0)


if __name__ == "__main__":
    unittest.main()
