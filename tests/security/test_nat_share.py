"""Security: one guest or one port forward taking the whole NAT table
(issue 15, item 2).

Established connections are never dropped for new ones, so a guest that
opens (and gets answers on) as many connections as the table holds, or an
outside host that opens as many real connections through a port forward,
shut every other guest of the network out of new connections. Each guest
port may now open at most nat_max_per_guest connections and each forward
carry at most nat_max_per_forward (both a quarter of the table unless set);
beyond that a new connection is refused and counted (nat_guest_limit on
the guest's port, nat_forward_limit on the uplink).
"""
import os
import subprocess
import textwrap
import unittest

from sylib import pb, run_in, wait_for
from test_modes import NAT, OUTSIDE, TCP, ModesTestCase

TABLE = 64
FLOWS = 100

# Echoes every datagram: the outside answering each of the guest's flows.
UDP_ECHO = textwrap.dedent("""
    import socket, sys
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], int(sys.argv[2])))
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(data, peer)
""")
# N flows from N source ports, one at a time; prints how many were answered.
# The ports are chosen, not ephemeral: the kernel may hand a closed socket's
# port out again, and a flow on an answered flow's port is that flow, not a
# new one (about one run in twenty counted an answer too many).
UDP_FLOWS = textwrap.dedent("""
    import socket, sys
    answered = 0
    for i in range(int(sys.argv[3])):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.3)
        s.bind(("", 20000 + i))
        s.sendto(b"x", (sys.argv[1], int(sys.argv[2])))
        try:
            s.recv(16)
            answered += 1
        except socket.timeout:
            pass
        s.close()
    print(answered)
""")
# Opens N TCP connections and holds them open; prints how many connected.
HOLD_TCP = textwrap.dedent("""
    import socket, sys, time
    held = []
    for i in range(int(sys.argv[3])):
        s = socket.socket()
        s.settimeout(0.5)
        try:
            s.connect((sys.argv[1], int(sys.argv[2])))
            held.append(s)
        except OSError:
            s.close()
    print(len(held), flush=True)
    time.sleep(120)
""")


class NatShareTest(ModesTestCase):

    def background(self, ns, script, *args):
        path = os.path.join(self.workdir, f"bg{abs(hash(script))}.py")
        with open(path, "w") as f:
            f.write(script)
        proc = subprocess.Popen(["ip", "netns", "exec", ns, "python3", path, *args],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(lambda: (proc.kill(), proc.wait(), proc.stdout.close()))
        return proc

    def test_a_guest_cannot_take_the_whole_table(self):
        self.switch.api.create_network("lan", mode=NAT, gateway="192.168.50.1/24",
                                       uplink="up0", underlay_allow=OUTSIDE, nat_max_connections=TABLE)
        attacker = self.guest("na", "lan", "192.168.50.20/24")
        victim = self.guest("nv", "lan", "192.168.50.21/24")
        self.background(self.out, UDP_ECHO, "10.99.0.2", "7")
        wait_for(lambda: "10.99.0.2:7 " in run_in(self.out, "ss", "-lun"), 10, "the echo")
        # Every flow answered, so established: none can be dropped early.
        answered = int(self.run_script(attacker, UDP_FLOWS, "10.99.0.2", "7", str(FLOWS)))
        self.assertEqual(self.get(victim, "http://10.99.0.2:8000/"), "10.99.0.1",
                         "the victim could not open a connection")
        self.assertEqual(answered, TABLE // 4)
        self.assertEqual(self.drops("na", "nat_guest_limit"), FLOWS - TABLE // 4)
        self.assertEqual(self.network("lan").status.nat_table_full, 0)

    def test_a_port_forward_cannot_take_the_whole_table(self):
        self.switch.api.create_network(
            "lan", mode=NAT, gateway="192.168.50.1/24", uplink="up0", underlay_allow=OUTSIDE,
            nat_max_connections=TABLE,
            forwards=[pb.network.PortForward(protocol=TCP, outside_port=8080,
                                             guest_address="192.168.50.10", guest_port=80)])
        server = self.guest("ns", "lan", "192.168.50.10/24")
        self.serve(server, "192.168.50.10", 80)
        victim = self.guest("nw", "lan", "192.168.50.22/24")
        # An outside host opens and holds real connections through the forward.
        hold = self.background(self.out, HOLD_TCP, "10.99.0.1", "8080", str(FLOWS))
        held = int(hold.stdout.readline())
        self.assertEqual(self.get(victim, "http://10.99.0.2:8000/"), "10.99.0.1",
                         "the victim could not open a connection")
        self.assertEqual(held, TABLE // 4)
        self.assertGreaterEqual(self.drops("up0", "nat_forward_limit"), FLOWS - TABLE // 4)
        self.assertEqual(self.network("lan").status.nat_table_full, 0)


if __name__ == "__main__":
    unittest.main()
