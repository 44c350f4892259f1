"""Integration: network modes (nat, routed, isolated) and private ports.

Each host is a namespace of the test's own:
  sw:   switchyardd. Uplink up0 on veth "u0", underlay 10.99.0.1/24; guest
        ports on veths to the guest namespaces.
  out:  the outside: 10.99.0.2/24 on the uplink's veth, an HTTP server that
        answers with the address it sees the client at.
  g1..: guests, each a namespace on a veth.
"""
import os
import socket
import subprocess
import textwrap
import time
import unittest

from sylib import SwitchTestCase, pb, run_in, wait_for

NAT, ROUTED, ISOLATED, BRIDGE = (pb.network.NETWORK_MODE_NAT, pb.network.NETWORK_MODE_ROUTED,
                                 pb.network.NETWORK_MODE_ISOLATED, pb.network.NETWORK_MODE_BRIDGE)
TCP = pb.network.FORWARD_PROTOCOL_TCP
# The outside namespace's addresses (10.99.0.2, and 10.99.0.3 some tests
# add): hosts of the uplink's subnet, which guests reach only when allowed.
OUTSIDE = ["10.99.0.2/31"]

# Answers GET with the client's address; many connections at once.
WHOAMI = textwrap.dedent("""
    import http.server, socketserver, sys
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = self.client_address[0].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *args):
            pass
    class S(http.server.ThreadingHTTPServer):
        request_queue_size = 512
        def server_bind(self):  # no getfqdn(): no DNS lookup from a test namespace
            socketserver.TCPServer.server_bind(self)
            self.server_name, self.server_port = self.server_address[:2]
    S((sys.argv[1], int(sys.argv[2])), H).serve_forever()
""")

# N connections at once, each a GET; prints how many got their answer.
PARALLEL = textwrap.dedent("""
    import concurrent.futures, sys, urllib.request
    url, n = sys.argv[1], int(sys.argv[2])
    def get(_):
        try:
            return urllib.request.urlopen(url, timeout=20).read().decode()
        except Exception as e:
            return "error " + str(e)
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        got = list(pool.map(get, range(n)))
    print(sum(1 for g in got if not g.startswith("error")), set(got))
""")

# A connected UDP socket learns of ICMP port unreachable as ECONNREFUSED.
UDP_REFUSED = textwrap.dedent("""
    import socket, sys
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((sys.argv[1], int(sys.argv[2])))
    s.send(b"x")
    try:
        s.recv(10)
        print("answered")
    except ConnectionRefusedError:
        print("refused")
    except socket.timeout:
        print("timeout")
""")

# udhcpc's hook: configure the address and route, and note what was offered.
UDHCPC_SCRIPT = textwrap.dedent("""\
    #!/bin/sh
    case "$1" in
      deconfig) ip -4 addr flush dev "$interface" ;;
      bound|renew)
        ip -4 addr flush dev "$interface"
        ip addr add "$ip/$mask" dev "$interface"
        [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
        echo "ip=$ip mask=$mask router=$router dns=$dns lease=$lease hostname=$hostname" > "$OUT"
        ;;
    esac
""")


def kernel_port(name, dev, network="", underlay=None, private=False):
    port = pb.port.Port(name=name, network=network, kernel=pb.port.Kernel(netdev=dev),
                        private_port=private)
    if underlay:
        port.underlay.CopyFrom(pb.port.Underlay(address=underlay))
    return pb.port.CreatePortRequest(port=port)


def ping(ns, ip, count=2, timeout=1):
    return subprocess.run(["ip", "netns", "exec", ns, "ping", "-c", str(count), "-i", "0.2",
                           "-W", str(timeout), ip], capture_output=True).returncode == 0


def no_ipv6(ns):
    for conf in ("all", "default"):
        run_in(ns, "sysctl", "-qw", f"net.ipv6.conf.{conf}.disable_ipv6=1")


class ModesTestCase(SwitchTestCase):
    """A switch with an uplink to an outside namespace."""

    def setUp(self):
        super().setUp()
        self.sw_ns, self.out = self.netns("msw"), self.netns("mout")
        no_ipv6(self.out)
        self.veth(self.sw_ns, "u0", self.out, "eth0")
        run_in(self.out, "ethtool", "-K", "eth0", "tx", "off")  # AF_XDP takes no offloads
        run_in(self.out, "ip", "addr", "add", "10.99.0.2/24", "dev", "eth0")
        self.serve(self.out, "10.99.0.2", 8000)
        sw = self.start_switch(netns=self.sw_ns)
        sw.api.ports.CreatePort(kernel_port("up0", "u0", underlay="10.99.0.1/24"), timeout=10)
        self.wait_port_link("up0", "up")

    def serve(self, ns, ip, port):
        script = os.path.join(self.workdir, "whoami.py")
        with open(script, "w") as f:
            f.write(WHOAMI)
        log = open(os.path.join(self.workdir, f"{ns}-{port}.log"), "w")
        self.addCleanup(log.close)
        proc = subprocess.Popen(["ip", "netns", "exec", ns, "python3", script, ip, str(port)],
                                stdout=subprocess.DEVNULL,
                                stderr=log)
        self.addCleanup(lambda: (proc.kill(), proc.wait()))
        listening = lambda: f"{ip}:{port} " in run_in(ns, "ss", "-ltn")
        try:
            wait_for(listening, 10, f"server on {ip}:{port}")
        except AssertionError:
            with open(os.path.join(self.workdir, f"{ns}-{port}.log")) as f:
                raise AssertionError(f"server on {ip}:{port} did not start: {f.read()}")

    def guest(self, tag, network, address=None, private=False):
        """A namespace on a veth port of `network`; `address` static, else none yet."""
        ns = self.netns(tag)
        no_ipv6(ns)
        dev = tag[:8] + "p"
        self.veth(self.sw_ns, dev, ns, "eth0")
        # The interface is made from the root namespace, whose defaults it takes.
        run_in(ns, "sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=1")
        run_in(ns, "ethtool", "-K", "eth0", "tx", "off")
        self.switch.api.ports.CreatePort(kernel_port(tag, dev, network, private=private),
                                         timeout=10)
        self.wait_port_link(tag, "up")
        if address:
            run_in(ns, "ip", "addr", "add", address, "dev", "eth0")
            gw = address.rsplit(".", 1)[0] + ".1"
            run_in(ns, "ip", "route", "add", "default", "via", gw)
        return ns

    def run_script(self, ns, script, *args, timeout=60):
        path = os.path.join(self.workdir, f"s{abs(hash(script))}.py")
        with open(path, "w") as f:
            f.write(script)
        return run_in(ns, "python3", path, *args, timeout=timeout).strip()

    def get(self, ns, url):
        return run_in(ns, "curl", "-s", "-m", "5", url).strip()

    def network(self, name):
        return self.switch.api.networks.GetNetwork(pb.network.GetNetworkRequest(name=name),
                                                   timeout=10)

    def update(self, name, **fields):
        return self.switch.api.networks.UpdateNetwork(
            pb.network.UpdateNetworkRequest(name=name, **fields), timeout=10)

    def drops(self, port, reason):
        stats = self.switch.api.get_stats()
        return next(p for p in stats.ports if p.name == port).counters.drops[reason]

    def dhcp(self, ns):
        script = os.path.join(self.workdir, "udhcpc.sh")
        with open(script, "w") as f:
            f.write(UDHCPC_SCRIPT)
        os.chmod(script, 0o755)
        out = os.path.join(self.workdir, ns + ".lease")
        run_in(ns, "env", f"OUT={out}", "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f",
               "-t", "5", "-T", "1", "-s", script, "-x", "hostname:" + ns[:10], timeout=30)
        with open(out) as f:
            return dict(kv.split("=", 1) for kv in f.read().split())


class NatTest(ModesTestCase):
    """Masquerade, DHCP and port forwards."""

    def setUp(self):
        super().setUp()
        self.switch.api.create_network(
            "lan", mode=NAT, gateway="192.168.50.1/24", uplink="up0", underlay_allow=OUTSIDE,
            dhcp=pb.network.Dhcp(range_start="192.168.50.100", range_end="192.168.50.150",
                                 lease_seconds=600, dns=["192.168.50.1"]),
            forwards=[pb.network.PortForward(protocol=TCP, outside_port=8080,
                                             guest_address="192.168.50.10", guest_port=80)])

    def test_a_guest_gets_a_lease_and_reaches_the_outside_as_the_uplink(self):
        g1 = self.guest("mg1", "lan")
        lease = self.dhcp(g1)
        self.assertTrue(lease["ip"].startswith("192.168.50."), lease)
        self.assertGreaterEqual(int(lease["ip"].rsplit(".", 1)[1]), 100)
        self.assertEqual((lease["mask"], lease["router"], lease["dns"], lease["lease"]),
                         ("24", "192.168.50.1", "192.168.50.1", "600"))
        # The gateway answers ping; the outside sees the uplink's address.
        self.assertTrue(ping(g1, "192.168.50.1"))
        self.assertEqual(self.get(g1, "http://10.99.0.2:8000/"), "10.99.0.1")
        self.assertTrue(ping(g1, "10.99.0.2"), "ICMP echo through NAT")
        # The lease is listed, with the hostname the guest sent.
        leases = self.switch.api.networks.ListLeases(
            pb.network.ListLeasesRequest(network="lan"), timeout=10).leases
        self.assertEqual([(l.address, l.hostname) for l in leases], [(lease["ip"], g1[:10])])
        status = self.network("lan").status
        self.assertGreater(status.connections, 0)
        self.assertEqual(status.leases, 1)
        # An ICMP error (port unreachable) finds its way back to the guest.
        self.assertEqual(self.run_script(g1, UDP_REFUSED, "10.99.0.2", "9"), "refused")
        # The outside reaches no guest but through a forward.
        before = self.drops("up0", "nat_no_connection")
        self.assertNotEqual(run_in(self.out, "curl", "-s", "-m", "2",
                                   "http://10.99.0.1:8000/", check=False), "10.99.0.1")
        self.assertGreater(self.drops("up0", "nat_no_connection"), before)
        # Leases survive a restart.
        self.switch.stop()
        self.switch.start()
        self.switch.wait_running()
        leases = self.switch.api.networks.ListLeases(
            pb.network.ListLeasesRequest(network="lan"), timeout=10).leases
        self.assertEqual([l.address for l in leases], [lease["ip"]])

    def test_200_parallel_connections_all_complete(self):
        g1 = self.guest("mg2", "lan", "192.168.50.20/24")
        out = self.run_script(g1, PARALLEL, "http://10.99.0.2:8000/", "200", timeout=120)
        self.assertEqual(out, "200 {'10.99.0.1'}")
        self.assertGreaterEqual(self.network("lan").status.connections_made, 200)

    def test_a_port_forward_reaches_the_guest(self):
        g = self.guest("mg3", "lan", "192.168.50.10/24")
        self.serve(g, "192.168.50.10", 80)
        # The guest sees the outside client's own address: only the
        # destination is translated.
        wait_for(lambda: run_in(self.out, "curl", "-s", "-m", "3", "http://10.99.0.1:8080/",
                                check=False).strip() == "10.99.0.2", 10, "forward to the guest")

    def test_a_full_table_makes_room_and_counts(self):
        self.update("lan", nat_max_connections=16)
        g = self.guest("mg4", "lan", "192.168.50.21/24")
        self.run_script(g, PARALLEL, "http://10.99.0.2:8000/", "40", timeout=120)
        # 40 at once in 16 places: connections not yet (or no longer)
        # established made room, or a table of established ones refused.
        status = self.network("lan").status
        self.assertGreater(status.nat_early_drops + status.nat_table_full, 0, status)


class RoutedTest(ModesTestCase):

    def test_the_outside_sees_the_guest_and_reaches_it(self):
        self.switch.api.create_network("rt", mode=ROUTED, gateway="192.168.60.1/24",
                                       uplink="up0", underlay_allow=OUTSIDE)
        g = self.guest("mr1", "rt", "192.168.60.10/24")
        run_in(self.out, "ip", "route", "add", "192.168.60.0/24", "via", "10.99.0.1")
        self.assertEqual(self.get(g, "http://10.99.0.2:8000/"), "192.168.60.10")
        self.assertTrue(ping(self.out, "192.168.60.10"), "outside -> guest, routed")
        self.assertTrue(ping(g, "192.168.60.1"), "the gateway answers")


class IsolatedTest(ModesTestCase):

    def test_guests_reach_each_other_and_nothing_else(self):
        self.switch.api.create_network("iso", mode=NAT, gateway="192.168.70.1/24",
                                       uplink="up0", underlay_allow=OUTSIDE)
        a = self.guest("mi1", "iso", "192.168.70.11/24")
        b = self.guest("mi2", "iso", "192.168.70.12/24")
        self.assertTrue(ping(a, "10.99.0.2"), "NAT works before")
        self.update("iso", mode=ISOLATED)
        self.assertTrue(ping(a, "192.168.70.12"), "guest to guest")
        before = self.drops("mi1", "isolated")
        self.assertFalse(ping(a, "192.168.70.1"), "no gateway")
        self.assertFalse(ping(a, "10.99.0.2"), "no outside")
        self.assertGreater(self.drops("mi1", "isolated"), before)
        self.update("iso", mode=NAT)
        wait_for(lambda: ping(b, "10.99.0.2", count=1), 10, "NAT again")


class PrivatePortTest(ModesTestCase):

    def test_private_ports_never_see_each_other(self):
        self.switch.api.create_network("pv")
        a = self.guest("mp1", "pv", "192.168.80.11/24", private=True)
        b = self.guest("mp2", "pv", "192.168.80.12/24", private=True)
        c = self.guest("mp3", "pv", "192.168.80.13/24")
        self.assertTrue(ping(a, "192.168.80.13"))
        self.assertTrue(ping(b, "192.168.80.13"))
        self.assertFalse(ping(a, "192.168.80.12"))
        self.assertGreater(self.drops("mp1", "private_port"), 0)
        # Live: made not private, they meet.
        self.switch.api.ports.UpdatePort(pb.port.UpdatePortRequest(name="mp2", private_port=False),
                                         timeout=10)
        self.assertTrue(ping(a, "192.168.80.12"))
        self.assertTrue(c)


if __name__ == "__main__":
    unittest.main()
