"""Integration: yardctl against a real switchyardd, every verb, for people
and with --json, and its exit codes."""
import json
import os
import subprocess
import time
import unittest

from sylib import BUILD_DIR, SwitchTestCase, run_in, wait_for

YARDCTL = os.path.join(BUILD_DIR, "control", "cli", "yardctl")
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
            (("network", "set", "lan0", "--uplink", "up0"), 2, "go with --vxlan VNI or --gre KEY"),
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
