"""Integration: yardctl against a real switchyardd, every verb, for people
and with --json, and its exit codes."""
import json
import os
import subprocess
import time
import unittest

from sylib import YARDCTL, SwitchTestCase, run_in, wait_for
A = "02:00:00:00:00:0a"


class YardctlTest(SwitchTestCase):
    def y(self, *args, expect=0, json_out=False):
        cmd = [YARDCTL, "--socket", self.switch.socket] + (["--json"] if json_out else [])
        r = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, expect, f"yardctl {' '.join(args)}: {r.stdout}{r.stderr}")
        return json.loads(r.stdout) if json_out and expect == 0 else r

    def test_every_verb(self):
        self.start_switch()
        self.assertIn("SERVING", self.y("health").stdout)
        self.assertIn("network lan0 created", self.y("network", "create", "lan0").stdout)
        self.y("network", "create", "lan1", "--fdb-aging", "60", "--fdb-max", "128")
        nets = self.y("network", "list", json_out=True)["networks"]
        self.assertEqual([(n["name"], n["fdb_aging_seconds"], n["fdb_max_entries"]) for n in nets],
                         [("lan0", 300, 8192), ("lan1", 60, 128)])
        self.assertIn("lan1", self.y("network", "show", "lan1").stdout)
        self.assertEqual(self.y("network", "set", "lan1", "--fdb-aging", "90",
                                json_out=True)["fdb_aging_seconds"], 90)

        self.y("port", "add", "vm1", "--network", "lan0", "--vhost-server", self.sock("vm1"))
        self.y("port", "add", "vm2", "--network", "lan0", "--vhost-client", self.sock("vm2"))
        table = self.y("port", "list").stdout
        self.assertIn("vm1", table)
        self.assertIn("vhost-client", table)
        ports = self.y("port", "list", "--network", "lan0", json_out=True)["ports"]
        self.assertEqual([p["name"] for p in ports], ["vm1", "vm2"])
        self.assertEqual(self.y("port", "show", "vm1", json_out=True)["vhost_user"]["socket_path"],
                         self.sock("vm1"))
        self.assertEqual(self.y("port", "set", "vm2", "--network", "lan1",
                                json_out=True)["network"], "lan1")

        self.y("fdb", "add", "lan0", A, "vm1")
        entries = self.y("fdb", "show", "lan0", json_out=True)["entries"]
        self.assertEqual([(e["mac"], e["port"], e["static"]) for e in entries], [(A, "vm1", True)])
        self.assertIn("static", self.y("fdb", "show", "lan0").stdout)
        self.y("fdb", "del", "lan0", A)
        self.y("fdb", "add", "lan0", A, "vm1")
        self.assertEqual(self.y("fdb", "flush", "lan0", "--include-static",
                                json_out=True)["flushed"], "1")
        self.assertEqual(self.y("fdb", "show", "lan0", json_out=True)["entries"], [])

        stats = self.y("stats", "--port", "vm1", json_out=True)
        self.assertEqual([p["name"] for p in stats["ports"]], ["vm1"])
        self.assertIn("port_down", stats["ports"][0]["counters"]["drops"])
        self.assertIn("CYCLES/PKT", self.y("stats").stdout)
        watch = self.y("--json", "stats", "--watch", "--interval", "1", "--count", "2")
        self.assertEqual(len(watch.stdout.strip().splitlines()), 2)

        self.y("port", "delete", "vm2")
        self.y("port", "delete", "vm1")
        self.y("network", "delete", "lan1")
        self.assertEqual([n["name"] for n in self.y("network", "list", json_out=True)["networks"]],
                         ["lan0"])

    def test_kernel_tap_and_internal_ports_with_their_options(self):
        ns = self.netns("ysw")
        other = self.netns("yh")
        self.veth(ns, "swk", other, "eth0")
        self.start_switch(netns=ns)
        self.y("network", "create", "lan0")
        self.y("port", "add", "k", "--network", "lan0", "--kernel", "swk", "--driver", "af_packet")
        self.y("port", "add", "t", "--network", "lan0", "--tap", "tp0", "--mtu", "9000",
               "--multi-queue")
        self.y("port", "add", "gw", "--network", "lan0", "--internal", "gw0", "--address",
               "10.195.0.1/24", "--address", "fd00:195::1/64", "--mtu", "1400", "--driver", "af_xdp")
        k = self.y("port", "show", "k", json_out=True)
        self.assertEqual(k["kernel"], {"netdev": "swk", "driver": "KERNEL_DRIVER_AF_PACKET"})
        self.assertEqual(k["status"]["driver"], "af_packet (tpacket_v3)")
        t = self.y("port", "show", "t", json_out=True)
        self.assertEqual((t["tap"]["name"], t["tap"]["mtu"], t["tap"]["multi_queue"]),
                         ("tp0", 9000, True))
        self.assertEqual(t["status"]["driver"], "af_packet (tpacket_v3)")  # auto on a tap
        gw = self.y("port", "show", "gw", json_out=True)
        self.assertEqual(gw["internal"]["addresses"], ["10.195.0.1/24", "fd00:195::1/64"])
        self.assertTrue(gw["status"]["driver"].startswith("af_xdp"))
        self.assertIn("driver", self.y("port", "show", "gw").stdout)
        # New addresses make the interface again with them.
        self.y("port", "set", "gw", "--internal", "gw0", "--address", "10.195.0.2/24")
        addrs = json.loads(run_in(ns, "ip", "-j", "-4", "addr", "show", "gw0"))[0]["addr_info"]
        self.assertEqual([a["local"] for a in addrs], ["10.195.0.2"])
        self.y("port", "set", "k", "--kernel", "swk", "--driver", "auto")
        self.assertTrue(self.y("port", "show", "k", json_out=True)["status"]["driver"]
                        .startswith("af_xdp"))
        for args, text in [
                (("--kernel", "swk", "--driver", "dpdk"), "is not auto, af_xdp or af_packet"),
                (("--kernel", "swk", "--mtu", "9000"), "--mtu goes with --tap or --internal"),
                (("--tap", "tp1", "--address", "10.0.0.1/24"), "--address goes with --internal"),
                (("--vhost-server", self.sock("x"), "--driver", "af_xdp"), "--driver goes with"),
                (("--kernel", "swk", "--internal", "gw1"), "exclude each other")]:
            with self.subTest(args=args):
                r = self.y("port", "add", "x", "--network", "lan0", *args, expect=2)
                self.assertIn(text, r.stderr)
        for name in ("k", "t", "gw"):
            self.y("port", "delete", name)

    def test_vlan_options_of_ports_and_static_macs(self):
        self.start_switch()
        self.y("network", "create", "lan0")
        self.y("port", "add", "acc", "--network", "lan0", "--vhost-server", self.sock("acc"),
               "--access", "10")
        self.y("port", "add", "trk", "--network", "lan0", "--vhost-server", self.sock("trk"),
               "--trunk", "10,20-29", "--native", "5", "--native-tagged")
        self.y("port", "add", "all", "--network", "lan0", "--vhost-server", self.sock("all"))
        self.assertIn("access 10", self.y("port", "show", "acc").stdout)
        table = self.y("port", "list").stdout
        self.assertIn("trunk 10,20-29 native 5 tagged", table)
        self.assertIn("trunk all", table)
        vlan = self.y("port", "show", "trk", json_out=True)["vlan"]
        self.assertEqual((vlan["mode"], vlan["trunks"], vlan["native_vlan"]),
                         ("VLAN_MODE_TRUNK", [{"first": 10, "last": 0}, {"first": 20, "last": 29}], 5))
        # Changed live; the VLAN options replace the old ones as a whole.
        self.y("port", "set", "trk", "--trunk", "all")
        self.assertIn("trunk all", self.y("port", "show", "trk").stdout)
        self.y("port", "set", "acc", "--access", "20")
        self.assertIn("access 20", self.y("port", "show", "acc").stdout)
        # Static MACs live in a VLAN the port carries.
        self.y("fdb", "add", "lan0", A, "acc", "--vlan", "20")
        entries = self.y("fdb", "show", "lan0", json_out=True)["entries"]
        self.assertEqual([(e["mac"], e["vlan"], e["port"]) for e in entries], [(A, 20, "acc")])
        r = self.y("fdb", "add", "lan0", A, "acc", "--vlan", "10", expect=1)
        self.assertIn("FAILED_PRECONDITION: vlan: port 'acc' does not carry VLAN 10", r.stderr)
        self.y("fdb", "del", "lan0", A, expect=1)  # VLAN 0: not there
        self.y("fdb", "del", "lan0", A, "--vlan", "20")
        cases = [
            (("port", "set", "acc", "--access", "0"), 1, "INVALID_ARGUMENT: port.vlan.tag"),
            (("port", "set", "acc", "--trunk", "30-20"), 1, "INVALID_ARGUMENT: port.vlan.trunks"),
            (("port", "set", "acc", "--trunk", "1x"), 2, "is not a VLAN list"),
            (("port", "set", "acc", "--access", "5", "--trunk", "6"), 2, "--access excludes"),
            (("port", "set", "acc", "--native-tagged"), 2, "--native-tagged goes with --native"),
        ]
        for args, code, text in cases:
            with self.subTest(args=args):
                self.assertIn(text, self.y(*args, expect=code).stderr)
        self.assertIn("access 20", self.y("port", "show", "acc").stdout)  # unchanged

    def test_uplinks_and_tunnels(self):
        self.start_switch()
        out = self.y("port", "add", "up0", "--underlay", "10.77.0.1/24", "--vhost-server",
                     self.sock("up0")).stdout
        self.assertIn("uplink up0 added with underlay address 10.77.0.1/24", out)
        show = self.y("port", "show", "up0").stdout
        self.assertIn("10.77.0.1/24", show)
        self.assertRegex(show, r"uplink-mac:\s+02:")
        self.assertIn("(uplink)", self.y("port", "list").stdout)
        self.y("network", "create", "lan0", "--vxlan", "42", "--uplink", "up0", "--remote",
               "10.77.0.2", "--remote", "10.77.0.3")
        self.assertIn("vxlan 42 via up0", self.y("network", "list").stdout)
        show = self.y("network", "show", "lan0").stdout
        for text in ("vxlan-10.77.0.2", "vxlan-10.77.0.3", "(resolving)", "down"):
            self.assertIn(text, show)
        net = self.y("network", "show", "lan0", json_out=True)
        self.assertEqual(net["tunnel"]["remotes"], ["10.77.0.2", "10.77.0.3"])
        self.assertEqual(len(net["status"]["endpoints"]), 2)
        self.assertIn("vxlan-10.77.0.3", self.y("stats").stdout)
        # The whole tunnel is replaced by set, or removed.
        self.y("network", "set", "lan0", "--gre", "7", "--uplink", "up0", "--remote", "10.77.0.2")
        self.assertIn("gre 7 via up0", self.y("network", "show", "lan0").stdout)
        self.y("port", "set", "up0", "--underlay", "10.77.0.9/24", "--gateway", "10.77.0.254")
        self.assertIn("10.77.0.254", self.y("port", "show", "up0").stdout)
        cases = [
            (("network", "set", "lan0", "--remote", "10.77.0.5"), 2,
             "go with --vxlan VNI or --gre KEY"),
            # Without --vxlan/--gre, --uplink is the network's own, which a bridge has not.
            (("network", "set", "lan0", "--uplink", "up0"), 1,
             "INVALID_ARGUMENT: network.uplink: a bridge network has none"),
            (("network", "set", "lan0", "--gre", "7", "--uplink", "up0", "--udp-port", "8472"), 2,
             "--udp-port goes with --vxlan"),
            (("network", "set", "lan0", "--vxlan", "5"), 2, "--uplink PORT is required"),
            (("network", "set", "lan0", "--vxlan", "5", "--uplink", "nope"), 1,
             "NOT_FOUND: network.tunnel.uplink: port 'nope' does not exist"),
            (("network", "set", "lan0", "--vxlan", "0", "--uplink", "up0"), 1,
             "INVALID_ARGUMENT: network.tunnel.id"),
            (("network", "set", "lan0", "--vxlan", "5", "--uplink", "up0", "--remote", "300.1.1.1"),
             1, "INVALID_ARGUMENT: network.tunnel.remotes"),
            (("port", "delete", "up0"), 1, "FAILED_PRECONDITION: port 'up0' is the uplink of"),
            (("port", "set", "up0", "--underlay", "10.77.0.9"), 1,
             "INVALID_ARGUMENT: port.underlay.address"),
            (("port", "add", "x", "--network", "lan0", "--underlay", "10.0.0.1/24",
              "--vhost-server", self.sock("x")), 2, "exclude each other"),
        ]
        for args, code, text in cases:
            with self.subTest(args=args):
                self.assertIn(text, self.y(*args, expect=code).stderr)
        self.assertIn("gre 7 via up0", self.y("network", "show", "lan0").stdout)  # unchanged
        self.y("network", "set", "lan0", "--no-tunnel")
        self.assertNotIn("gre-10.77.0.2", self.y("network", "show", "lan0").stdout)
        self.y("port", "delete", "up0")

    def test_network_modes_dhcp_forwards_leases_and_private_ports(self):
        ns = self.netns("ymd")
        other = self.netns("ymh")
        self.veth(ns, "upm", other, "eth0")
        sw = self.start_switch(netns=ns)
        self.y("port", "add", "up0", "--underlay", "10.78.0.1/24", "--kernel", "upm", "--driver",
               "af_packet")
        nat = ("network", "create", "nat0", "--mode", "nat", "--gateway", "192.168.150.1/24",
               "--uplink", "up0", "--dhcp-range", "192.168.150.100-192.168.150.199", "--lease",
               "600", "--dns", "192.168.150.1", "--dns", "9.9.9.9", "--dhcp-host",
               "52:54:00:00:00:01=192.168.150.10,web", "--dhcp-host",
               "52:54:00:00:00:02=192.168.150.11", "--forward", "tcp:8080=192.168.150.10:80",
               "--forward", "udp:5353=192.168.150.11:53", "--nat-max", "4096",
               "--nat-max-per-guest", "100", "--nat-address", "10.78.0.50",
               "--allow-underlay", "10.78.0.53/32", "--allow-underlay", "10.78.0.60/31")
        self.assertIn("network nat0 created", self.y(*nat).stdout)
        self.y(*nat)  # the same create again changes nothing and succeeds
        self.y("network", "create", "rt0", "--mode", "routed", "--gateway", "10.60.0.1/24",
               "--uplink", "up0")
        self.y("network", "create", "iso0", "--mode", "isolated")
        self.y("network", "create", "br0")

        n = self.y("network", "show", "nat0", json_out=True)
        self.assertEqual((n["mode"], n["gateway"], n["uplink"], n["nat_max_connections"]),
                         ("NETWORK_MODE_NAT", "192.168.150.1/24", "up0", 4096))
        self.assertEqual((n["nat_max_per_guest"], n["nat_address"], n["underlay_allow"]),
                         (100, "10.78.0.50", ["10.78.0.53/32", "10.78.0.60/31"]))
        table = self.y("network", "show", "nat0").stdout
        self.assertIn("nat limits:", table)
        self.assertIn("100 a guest port, 1024 (a quarter) a forward", table)
        self.assertIn("underlay-allowed:", table)
        self.y("network", "set", "nat0", "--no-allow-underlay", "--nat-address", "")
        n = self.y("network", "show", "nat0", json_out=True)
        self.assertEqual((n["underlay_allow"], n["nat_address"]), ([], ""))
        # One address, one network: not the uplink's, not another's.
        self.y("network", "set", "nat0", "--nat-address", "10.78.0.50")
        self.assertIn("is network nat0's already",
                      self.y("network", "create", "nat9", "--mode", "nat", "--gateway",
                             "192.168.159.1/24", "--uplink", "up0", "--nat-address",
                             "10.78.0.50", expect=1).stderr)
        self.assertIn("is the uplink up0's own address",
                      self.y("network", "set", "nat0", "--nat-address", "10.78.0.1",
                             expect=1).stderr)
        self.assertEqual(n["dhcp"], {
            "range_start": "192.168.150.100", "range_end": "192.168.150.199",
            "lease_seconds": 600, "dns": ["192.168.150.1", "9.9.9.9"],
            "hosts": [{"mac": "52:54:00:00:00:01", "address": "192.168.150.10", "hostname": "web"},
                      {"mac": "52:54:00:00:00:02", "address": "192.168.150.11", "hostname": ""}],
            "leases_per_port": 16})
        self.assertEqual(n["forwards"], [
            {"protocol": "FORWARD_PROTOCOL_TCP", "outside_port": 8080,
             "guest_address": "192.168.150.10", "guest_port": 80},
            {"protocol": "FORWARD_PROTOCOL_UDP", "outside_port": 5353,
             "guest_address": "192.168.150.11", "guest_port": 53}])
        for field in ("gateway_mac", "connections", "connections_made", "nat_table_full", "leases",
                      "dhcp_replies"):
            self.assertIn(field, n["status"])
        modes = {n["name"]: n["mode"] for n in self.y("network", "list", json_out=True)["networks"]}
        self.assertEqual(modes, {"br0": "NETWORK_MODE_BRIDGE", "iso0": "NETWORK_MODE_ISOLATED",
                                 "nat0": "NETWORK_MODE_NAT", "rt0": "NETWORK_MODE_ROUTED"})
        table = self.y("network", "list").stdout
        self.assertRegex(table, r"NAME\s+MODE\s+GATEWAY\s+FDB-AGING")
        self.assertRegex(table, r"nat0\s+nat\s+192\.168\.150\.1/24\s")
        self.assertRegex(table, r"br0\s+bridge\s+-\s")
        show = self.y("network", "show", "nat0").stdout
        for pattern in (r"mode:\s+nat\n", r"gateway:\s+192\.168\.150\.1/24\n", r"gateway-mac:\s+",
                        r"uplink:\s+up0\n", r"dhcp:\s+192\.168\.150\.100-192\.168\.150\.199, lease 600s",
                        r"dns:\s+192\.168\.150\.1, 9\.9\.9\.9", r"connections:\s+\d+ / 4096 \(",
                        r"leases:\s+\d+", r"52:54:00:00:00:01\s+192\.168\.150\.10\s+web",
                        r"tcp\s+8080\s+192\.168\.150\.10\s+80", r"udp\s+5353\s+192\.168\.150\.11\s+53"):
            self.assertRegex(show, pattern)
        self.assertRegex(self.y("network", "show", "br0").stdout, r"mode:\s+bridge\n")

        # Leases: the table's header always, each lease of the network named.
        self.assertRegex(self.y("network", "leases").stdout,
                         r"^NETWORK\s+MAC\s+ADDRESS\s+HOSTNAME\s+EXPIRES\n")
        leases = self.y("network", "leases", "nat0", json_out=True)["leases"]
        for lease in leases:
            self.assertEqual(lease["network"], "nat0")
            if lease["static"]:
                self.assertEqual(lease["expires_unix_seconds"], "0")
        self.assertIn("NOT_FOUND: network: 'nope' does not exist",
                      self.y("network", "leases", "nope", expect=1).stderr)
        self.assertIn("unexpected argument 'x'", self.y("network", "leases", "a", "x", expect=2).stderr)

        # set: a --forward list and the DHCP options replace what was there.
        fw = self.y("network", "set", "nat0", "--forward", "tcp:2222=192.168.150.10:22",
                    json_out=True)["forwards"]
        self.assertEqual([(f["outside_port"], f["guest_port"]) for f in fw], [(2222, 22)])
        d = self.y("network", "set", "nat0", "--dhcp-range", "192.168.150.50-192.168.150.60",
                   json_out=True)["dhcp"]
        self.assertEqual((d["range_start"], d["lease_seconds"], d["dns"], d["hosts"]),
                         ("192.168.150.50", 3600, [], []))
        self.assertEqual(self.y("network", "set", "nat0", "--nat-max", "1024",
                                json_out=True)["nat_max_connections"], 1024)

        def settings(name):
            net = self.y("network", "show", name, json_out=True)
            net.pop("status")
            return net

        before = {name: settings(name) for name in ("nat0", "rt0", "iso0", "br0")}
        cases = [
            (("network", "create", "bad0", "--mode", "nat", "--gateway", "192.168.151.1/24"), 1,
             "INVALID_ARGUMENT: network.uplink: required in a nat network"),
            (("network", "create", "bad0", "--mode", "routed", "--uplink", "up0"), 1,
             "INVALID_ARGUMENT: network.gateway: required in a routed network"),
            (("network", "create", "bad0", "--mode", "nat", "--gateway", "192.168.151.1/24",
              "--uplink", "nope"), 1, "NOT_FOUND: network.uplink: port 'nope' does not exist"),
            (("network", "create", "bad0", "--gateway", "192.168.151.1/24"), 1,
             "INVALID_ARGUMENT: network.gateway: a bridge network has none"),
            (("network", "create", "bad0", "--mode", "routed", "--gateway", "192.168.151.1/24",
              "--uplink", "up0", "--forward", "tcp:1=192.168.151.2:1"), 1,
             "INVALID_ARGUMENT: network.forwards: only nat networks"),
            (("network", "set", "nat0", "--gateway", "192.168.150.0/24"), 1,
             "INVALID_ARGUMENT: network.gateway: '192.168.150.0/24' is the network address"),
            (("network", "set", "nat0", "--gateway", "192.168.150.1/31"), 1,
             "INVALID_ARGUMENT: network.gateway"),
            (("network", "set", "nat0", "--dhcp-range", "192.168.150.1-192.168.150.9"), 1,
             "INVALID_ARGUMENT: network.dhcp.range_start: 192.168.150.1 is the gateway's address"),
            (("network", "set", "nat0", "--dhcp-range", "192.168.150.9-192.168.150.5"), 1,
             "INVALID_ARGUMENT: network.dhcp.range_end"),
            (("network", "set", "nat0", "--dhcp-range", "192.168.150.50-192.168.150.60",
              "--dhcp-host", "zz:zz=192.168.150.7"), 1, "INVALID_ARGUMENT: network.dhcp.hosts.mac"),
            (("network", "set", "nat0", "--dhcp-range", "192.168.150.50-192.168.150.60",
              "--dhcp-host", "52:54:00:00:00:07=10.1.1.1"), 1,
             "INVALID_ARGUMENT: network.dhcp.hosts.address"),
            (("network", "set", "nat0", "--dhcp-range", "192.168.150.50-192.168.150.60",
              "--dns", "300.1.1.1"), 1, "INVALID_ARGUMENT: network.dhcp.dns"),
            (("network", "set", "nat0", "--dhcp-range", "192.168.150.50-192.168.150.60",
              "--lease", "10"), 1, "INVALID_ARGUMENT: network.dhcp.lease_seconds"),
            (("network", "set", "nat0", "--forward", "tcp:80=192.168.150.5:80", "--forward",
              "tcp:80=192.168.150.6:80"), 1,
             "INVALID_ARGUMENT: network.forwards: tcp port 80 is forwarded twice"),
            (("network", "set", "nat0", "--forward", "tcp:80=10.9.9.9:80"), 1,
             "INVALID_ARGUMENT: network.forwards.guest_address"),
            (("network", "set", "nat0", "--forward", "udp:0=192.168.150.5:53"), 1,
             "INVALID_ARGUMENT: network.forwards.outside_port"),
            (("network", "set", "nat0", "--nat-max", "8"), 1,
             "INVALID_ARGUMENT: network.nat_max_connections"),
            (("network", "set", "nat0", "--mode", "routed"), 1,
             "INVALID_ARGUMENT: network.forwards"),
            (("network", "set", "nat0", "--uplink", "nope"), 1, "NOT_FOUND: network.uplink"),
            (("network", "set", "nat0", "--vxlan", "5", "--uplink", "up0"), 1,
             "INVALID_ARGUMENT: network.tunnel: a nat network's traffic leaves by its uplink"),
            (("network", "set", "iso0", "--vxlan", "5", "--uplink", "up0"), 1,
             "INVALID_ARGUMENT: network.tunnel: isolated networks reach no other host"),
            (("network", "set", "br0", "--dhcp-range", "10.0.0.2-10.0.0.9"), 1,
             "INVALID_ARGUMENT: network.dhcp: a bridge network has no DHCP server"),
            (("network", "set", "nat0", "--mode", "mesh"), 2,
             "--mode: 'mesh' is not bridge, nat, routed or isolated"),
            (("network", "set", "nat0", "--forward", "http:80"), 2,
             "'http:80' is not tcp|udp:OUTSIDE_PORT=GUEST_IP:GUEST_PORT"),
            (("network", "set", "nat0", "--dhcp-range", "192.168.150.50"), 2, "is not FIRST-LAST"),
            (("network", "set", "nat0", "--dhcp-range", "192.168.150.50-192.168.150.60",
              "--dhcp-host", "52:54:00:00:00:07"), 2, "is not MAC=IP[,HOSTNAME]"),
            (("network", "set", "nat0", "--dns", "1.1.1.1"), 2,
             "--lease, --dhcp-port-leases, --dns and --dhcp-host go with --dhcp-range FIRST-LAST"),
            (("network", "set", "nat0", "--no-dhcp", "--dhcp-range", "192.168.150.50-192.168.150.60"),
             2, "--no-dhcp excludes"),
            (("network", "set", "nat0", "--no-forwards", "--forward", "tcp:1=192.168.150.5:1"), 2,
             "--no-forwards and --forward exclude each other"),
            (("network", "create", "bad0", "--no-forwards"), 2, "--no-forwards goes with network set"),
            (("network", "set", "nat0", "--lease", "60x"), 2, "'60x' is not a whole number"),
            (("port", "delete", "up0"), 1,
             "FAILED_PRECONDITION: port 'up0' is the uplink of network(s) nat0, rt0"),
            (("port", "set", "up0", "--private"), 1,
             "INVALID_ARGUMENT: port.private_port: an uplink belongs to no network"),
            (("port", "add", "x", "--network", "nat0", "--vhost-server", self.sock("x"),
              "--no-private"), 2, "--no-private goes with port set"),
        ]
        for args, code, text in cases:
            with self.subTest(args=args):
                self.assertIn(text, self.y(*args, expect=code).stderr)
        self.assertEqual({name: settings(name) for name in before}, before)  # nothing changed
        self.assertNotIn("bad0", self.y("network", "list").stdout)

        # Private ports.
        self.y("port", "add", "vm1", "--network", "nat0", "--vhost-server", self.sock("vm1"),
               "--private")
        self.y("port", "add", "vm2", "--network", "nat0", "--vhost-server", self.sock("vm2"))
        self.assertTrue(self.y("port", "show", "vm1", json_out=True)["private_port"])
        self.assertRegex(self.y("port", "show", "vm1").stdout, r"private:\s+yes\n")
        table = self.y("port", "list").stdout
        self.assertRegex(table, r"VLAN\s+PRIVATE\s+LINK")
        self.assertRegex(table, r"vm1\s.*trunk all\s+yes\s")
        self.assertRegex(table, r"vm2\s.*trunk all\s+no\s")
        self.assertRegex(table, r"up0\s.*\s-\s+-\s")
        self.assertTrue(self.y("port", "set", "vm2", "--private", json_out=True)["private_port"])
        self.assertFalse(self.y("port", "set", "vm1", "--no-private", json_out=True)["private_port"])

        # Isolated keeps the gateway settings, off; the uplink may then go.
        self.y("network", "set", "rt0", "--mode", "isolated")
        self.assertRegex(self.y("network", "show", "rt0").stdout,
                         r"gateway:\s+10\.60\.0\.1/24 \(off: isolated\)")
        self.assertEqual(settings("rt0")["uplink"], "up0")

        # Everything comes back after a crash: modes, settings, private ports.
        nets = {n["name"]: settings(n["name"])
                for n in self.y("network", "list", json_out=True)["networks"]}
        ports = {p["name"]: (p["private_port"], p["network"])
                 for p in self.y("port", "list", json_out=True)["ports"]}
        sw.kill9()
        sw.start().wait_running()
        self.assertEqual({name: settings(name) for name in nets}, nets)
        self.assertEqual({p["name"]: (p["private_port"], p["network"])
                          for p in self.y("port", "list", json_out=True)["ports"]}, ports)
        self.assertEqual(self.y("network", "leases", "nat0", expect=0).returncode, 0)

        # Back to a bridge: the gateway, uplink, DHCP and forwards go with it.
        b = self.y("network", "set", "nat0", "--mode", "bridge", json_out=True)
        self.assertEqual((b["mode"], b["gateway"], b["uplink"], b.get("dhcp"), b["forwards"]),
                         ("NETWORK_MODE_BRIDGE", "", "", None, []))
        self.assertRegex(self.y("network", "show", "nat0").stdout, r"mode:\s+bridge\n")
        self.y("network", "set", "iso0", "--mode", "nat", expect=1)  # no gateway, no uplink
        # No NAT or routed network leaves by up0 now (rt0 is isolated).
        self.y("port", "delete", "up0")
        self.assertIn("NOT_FOUND: network.uplink: port 'up0' does not exist",
                      self.y("network", "set", "rt0", "--mode", "routed", expect=1).stderr)

    def test_events_stream_until_count(self):
        self.start_switch()
        self.y("network", "create", "lan0")
        ev = subprocess.Popen([YARDCTL, "--socket", self.switch.socket, "--json", "events",
                               "--type", "port-added", "--type", "config-changed", "--count", "3"],
                              stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)
        self.y("port", "add", "vm1", "--network", "lan0", "--vhost-server", self.sock("vm1"))
        self.y("network", "create", "lan9")
        out, _ = ev.communicate(timeout=15)
        self.assertEqual(ev.returncode, 0)
        types = [json.loads(line)["type"] for line in out.strip().splitlines()]
        self.assertEqual(types, ["EVENT_TYPE_PORT_ADDED", "EVENT_TYPE_CONFIG_CHANGED",
                                 "EVENT_TYPE_CONFIG_CHANGED"])

    def test_errors_exit_nonzero_with_the_servers_message(self):
        self.start_switch()
        self.y("network", "create", "lan0")
        self.y("port", "add", "vm1", "--network", "lan0", "--vhost-server", self.sock("vm1"))
        cases = [
            (("network", "create", "lan0", "--fdb-aging", "60"), 1, "ALREADY_EXISTS"),
            (("network", "delete", "lan0"), 1, "FAILED_PRECONDITION: network 'lan0' still has ports: vm1"),
            (("network", "set", "lan0", "--fdb-aging", "1"), 1, "INVALID_ARGUMENT: network.fdb_aging_seconds"),
            (("port", "add", "vm2", "--network", "nope", "--vhost-server", self.sock("vm2")), 1,
             "NOT_FOUND: port.network"),
            (("port", "add", "vm2", "--network", "lan0", "--vhost-server", "/nonexistent/x.sock"), 1,
             "FAILED_PRECONDITION: port.vhost_user.socket_path: directory /nonexistent does not exist"),
            (("fdb", "add", "lan0", "zz:zz", "vm1"), 1, "INVALID_ARGUMENT: mac"),
            (("fdb", "show", "nope"), 1, "NOT_FOUND"),
            (("network", "frobnicate"), 2, "usage"),
            (("network", "create"), 2, "missing NAME"),
            (("network", "create", "x", "--fdb-max", "12x"), 2, "12x"),
        ]
        for args, code, text in cases:
            with self.subTest(args=args):
                r = self.y(*args, expect=code)
                self.assertIn(text, r.stderr)

    def test_unreachable_daemon_names_the_socket(self):
        r = subprocess.run([YARDCTL, "--socket", self.workdir + "/none.sock", "network", "list"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn(self.workdir + "/none.sock", r.stderr)


if __name__ == "__main__":
    unittest.main()
