"""Security: port security (issue 15, item 5).

Without it, one guest's gratuitous ARP ("192.168.50.10 is at my MAC")
overwrote the gateway's neighbour entry for another guest, and the
attacker received the SYNs meant for the victim's port forward. With port
security (as OVS's port_security, libvirt's clean-traffic) a port sends
only from its MACs and addresses: ARP claiming another address, IPv4 from
another address and frames from another MAC are dropped and counted
(port_security_arp, port_security_ip, port_security_mac). DHCP snooping
binds the address the network's DHCP server leases.
"""
import os
import unittest

import dot1q
from sylib import Capture, pb, run_in, wait_for
from test_modes import NAT, OUTSIDE, TCP, ModesTestCase, ping

VICTIM_IP, ATTACKER_IP = "192.168.50.10", "192.168.50.11"


class PortSecurityTest(ModesTestCase):

    def setUp(self):
        super().setUp()
        self.switch.api.create_network(
            "lan", mode=NAT, gateway="192.168.50.1/24", uplink="up0", underlay_allow=OUTSIDE,
            dhcp=pb.network.Dhcp(range_start="192.168.50.100", range_end="192.168.50.120"),
            forwards=[pb.network.PortForward(protocol=TCP, outside_port=8080,
                                             guest_address=VICTIM_IP, guest_port=80)])
        self.gw_mac = self.network("lan").status.gateway_mac

    def mac(self, ns):
        return run_in(ns, "cat", "/sys/class/net/eth0/address").strip()

    def secure(self, port, mac, *ips, snooping=False):
        self.switch.api.ports.UpdatePort(pb.port.UpdatePortRequest(
            name=port, security=pb.port.PortSecurity(macs=[mac], ipv4_addresses=ips,
                                                     dhcp_snooping=snooping)), timeout=10)

    def test_a_guest_cannot_take_anothers_address_and_its_forwarded_traffic(self):
        victim = self.guest("pv", "lan", VICTIM_IP + "/24")
        attacker = self.guest("pa", "lan", ATTACKER_IP + "/24")
        self.serve(victim, VICTIM_IP, 80)
        a_mac = self.mac(attacker)
        self.secure("pv", self.mac(victim), VICTIM_IP)
        self.secure("pa", a_mac, ATTACKER_IP)
        self.assertTrue(ping(victim, "10.99.0.2"))  # the gateway knows the victim
        self.assertTrue(ping(attacker, "10.99.0.2"))

        cap = Capture(attacker, os.path.join(self.workdir, "attacker.pcap"))
        claim = dot1q.arp_request(a_mac, VICTIM_IP, VICTIM_IP)  # gratuitous: .10 is at a_mac
        spoofed_ip = dot1q.icmp_echo(self.gw_mac, a_mac, VICTIM_IP, "10.99.0.2", 99)
        spoofed_mac = dot1q.icmp_echo(self.gw_mac, "02:00:00:00:66:66", ATTACKER_IP,
                                      "10.99.0.2", 98)
        rx = self.switch.port("pa")["rx_packets"]
        dot1q.send(attacker, "eth0", *([claim] * 5), spoofed_ip, spoofed_mac)
        wait_for(lambda: self.switch.port("pa")["rx_packets"] >= rx + 7, 5,
                 "the switch to take the attacker's frames")
        # The forward still reaches the victim, not the attacker.
        for _ in range(3):
            self.assertEqual(run_in(self.out, "curl", "-s", "-m", "3", "http://10.99.0.1:8080/",
                                    check=False).strip(), "10.99.0.2")
        dot1q.send(attacker, "eth0", claim)
        lines = cap.stop()
        self.assertTrue(any(f"tell {VICTIM_IP}" in ln for ln in lines), lines)  # own claims
        self.assertEqual([ln for ln in lines if f"> {VICTIM_IP}.80" in ln], [],
                         "the attacker received the victim's forwarded connection")
        self.assertEqual((self.drops("pa", "port_security_arp"),
                          self.drops("pa", "port_security_ip"),
                          self.drops("pa", "port_security_mac")), (6, 1, 1))
        # The attacker's own traffic is untouched.
        self.assertTrue(ping(attacker, "10.99.0.2"))

    def test_dhcp_snooping_binds_the_leased_address_only(self):
        g = self.guest("ps", "lan")
        self.secure("ps", self.mac(g), snooping=True)
        # Before a lease: IPv4 from any address is refused, DHCP passes.
        run_in(g, "ip", "addr", "add", "192.168.50.77/24", "dev", "eth0")
        self.assertFalse(ping(g, "192.168.50.1", count=1))
        self.assertGreater(self.drops("ps", "port_security_arp") +
                           self.drops("ps", "port_security_ip"), 0)
        run_in(g, "ip", "addr", "flush", "dev", "eth0")
        self.dhcp(g)  # configures the lease and the default route
        wait_for(lambda: ping(g, "10.99.0.2", count=1), 10, "the leased address bound")
        # Another address is still refused.
        before = self.drops("ps", "port_security_ip")
        dot1q.send(g, "eth0", dot1q.icmp_echo(self.gw_mac, self.mac(g), "192.168.50.99",
                                              "10.99.0.2", 7))
        wait_for(lambda: self.drops("ps", "port_security_ip") == before + 1, 5,
                 "a port_security_ip drop")


if __name__ == "__main__":
    unittest.main()
