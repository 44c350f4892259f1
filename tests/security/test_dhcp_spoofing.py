"""Security: one guest speaking for another to the DHCP server (issue 15,
item 4).

The server took the client hardware address (chaddr) at its word: a guest
could release or decline another guest's lease, take its address, or
drain the pool with DISCOVERs for made-up clients. A client now speaks only
for the MAC it sends from; anything else goes unanswered and is counted
(NetworkStatus.dhcp_spoofed).

A guest could still drain the pool by making up MACs and sending from
each of them. Each port now holds at most dhcp.leases_per_port clients;
new ones beyond go unanswered (NetworkStatus.dhcp_port_limited).
"""
import random
import unittest

import dot1q
from attack import (DHCP_DECLINE, DHCP_DISCOVER, DHCP_RELEASE, DHCP_REQUEST, dhcp,
                    random_mac)
from sylib import pb, run_in, wait_for
from test_modes import NAT, OUTSIDE, ModesTestCase


class DhcpSpoofingTest(ModesTestCase):

    def leases(self):
        return {(l.mac, l.address) for l in self.switch.api.networks.ListLeases(
            pb.network.ListLeasesRequest(network="lan"), timeout=10).leases}

    def test_a_guest_cannot_release_take_or_drain_others_leases(self):
        # A small pool: 8 addresses.
        self.switch.api.create_network(
            "lan", mode=NAT, gateway="192.168.50.1/24", uplink="up0", underlay_allow=OUTSIDE,
            dhcp=pb.network.Dhcp(range_start="192.168.50.100", range_end="192.168.50.107",
                                 lease_seconds=600))
        victim = self.guest("dv", "lan")
        attacker = self.guest("da", "lan")
        victim_ip = self.dhcp(victim)["ip"]
        victim_mac = run_in(victim, "cat", "/sys/class/net/eth0/address").strip()
        attacker_mac = run_in(attacker, "cat", "/sys/class/net/eth0/address").strip()
        self.assertEqual(self.leases(), {(victim_mac, victim_ip)})

        rnd = random.Random(7)
        frames = [dhcp(attacker_mac, victim_mac, DHCP_RELEASE, ciaddr=victim_ip,
                       server_id="192.168.50.1"),
                  dhcp(attacker_mac, victim_mac, DHCP_DECLINE, requested=victim_ip,
                       server_id="192.168.50.1"),
                  dhcp(attacker_mac, victim_mac, DHCP_REQUEST, requested=victim_ip,
                       server_id="192.168.50.1")]
        # Made-up clients, more than the pool, fewer than the port's punt
        # burst (policing would count the rest as punt_policed instead).
        frames += [dhcp(attacker_mac, random_mac(rnd), DHCP_DISCOVER) for _ in range(60)]
        dot1q.send(attacker, "eth0", *frames)
        before = {(victim_mac, victim_ip)}
        wait_for(lambda: (self.network("lan").status.dhcp_spoofed == len(frames)
                          or self.leases() != before), 10,
                 f"{len(frames)} spoofed DHCP messages counted")
        self.assertEqual(self.leases(), before, "the victim's lease changed")
        self.assertEqual(self.network("lan").status.dhcp_spoofed, len(frames))
        # The pool is whole: the attacker, as itself, and a third guest get one each.
        third = self.guest("dt", "lan")
        self.assertTrue(self.dhcp(third)["ip"].startswith("192.168.50.10"))
        self.assertTrue(self.dhcp(attacker)["ip"].startswith("192.168.50.10"))
        self.assertEqual(len(self.leases()), 3)

    def test_a_guest_making_up_macs_cannot_drain_the_pool(self):
        # 32 addresses, 8 clients a port.
        self.switch.api.create_network(
            "lan", mode=NAT, gateway="192.168.50.1/24", uplink="up0", underlay_allow=OUTSIDE,
            dhcp=pb.network.Dhcp(range_start="192.168.50.100", range_end="192.168.50.131",
                                 lease_seconds=600, leases_per_port=8))
        attacker = self.guest("dm", "lan")
        rnd = random.Random(11)
        # 60 made-up clients, each from its own MAC (so chaddr matches),
        # fewer than the port's punt burst.
        macs = [random_mac(rnd) for _ in range(60)]
        dot1q.send(attacker, "eth0", *[dhcp(mac, mac, DHCP_DISCOVER) for mac in macs])
        wait_for(lambda: self.network("lan").status.dhcp_replies >= 8, 10,
                 "the first clients offered addresses")
        wait_for(lambda: self.network("lan").status.dhcp_port_limited == len(macs) - 8, 10,
                 f"{len(macs) - 8} clients over the port's limit counted")
        self.assertEqual(self.network("lan").status.dhcp_replies, 8)
        # Another guest still gets an address.
        victim = self.guest("dw", "lan")
        self.assertTrue(self.dhcp(victim)["ip"].startswith("192.168.50.1"))


if __name__ == "__main__":
    unittest.main()
