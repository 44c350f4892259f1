"""Integration: DPDK virtio-user guests on vhost-user ports of one network.

User scenarios for the switch core: learning, unicast to one port only,
floods that never return to the sender, guests that crash and come back in
both vhost-user modes, ports added and removed at run time, bad input.
"""
import os
import subprocess
import time
import unittest

from sylib import DAEMON, SwitchTestCase, unique, wait_for

A, B, C, D = (f"02:00:00:00:00:0{x}" for x in "abcd")
BCAST = "ff:ff:ff:ff:ff:ff"


def rx_from(guest, src):
    return guest.stats()["by_src"].get(src, 0)


class VhostBridgeTest(SwitchTestCase):
    def setup_ports(self, ports, network="lan0"):
        """Starts a switch with one network and `ports` [(name, mode)]."""
        sw = self.switch or self.start_switch()
        sw.api.create_network(network, fdb_aging_seconds=300)
        for name, mode in ports:
            sw.api.create_port(name, network, self.sock(name), mode)
        return sw

    def three_guests(self):
        """a, b: switch is server; c: switch is client of a guest server."""
        sw = self.setup_ports([("a", "server"), ("b", "server"), ("c", "client")])
        a, b = self.guest("a", A), self.guest("b", B)
        c = self.guest("c", C, server=True)
        for g in (a, b, c):
            g.wait_link()
        for p in "abc":
            self.wait_port_link(p, "up")
        return sw, a, b, c

    def learn_all(self, *guests):
        """Each guest broadcasts once so the switch learns every MAC; then,
        once every broadcast has reached every other guest (none is left in
        a ring to be counted later), the guests' counters are reset."""
        for g in guests:
            g.send(BCAST, 1)
        wait_for(lambda: self.switch.network("lan0")["fdb_entries"] == len(guests), 10,
                 "all MACs learned")
        for g in guests:
            others = [o.mac for o in guests if o is not g]
            wait_for(lambda g=g, others=others: all(rx_from(g, m) >= 1 for m in others), 10,
                     f"broadcasts at {g.mac}")
        for g in guests:
            g.reset()

    def test_unicast_reaches_only_its_destination_and_floods_skip_the_sender(self):
        sw, a, b, c = self.three_guests()

        # Broadcast from A reaches B and C, never A.
        self.assertEqual(a.send(BCAST, 10), 10)
        wait_for(lambda: rx_from(b, A) == 10 and rx_from(c, A) == 10, 10, "broadcast at B and C")
        time.sleep(0.5)
        self.assertEqual(a.stats()["rx"], 0, "a flood came back to its sender")

        self.learn_all(a, b, c)
        fdb = {e["mac"]: e["port"] for e in sw.network("lan0")["fdb"]}
        self.assertEqual(fdb, {A: "a", B: "b", C: "c"})

        before = {p: sw.port(p) for p in "abc"}
        unicast_before = sw.network("lan0")["unicast"]
        self.assertEqual(a.send(B, 100), 100)
        wait_for(lambda: rx_from(b, A) == 100, 10, "100 frames at B")
        time.sleep(0.5)
        self.assertEqual(c.stats()["rx"], 0, "unicast for B leaked to C")
        self.assertEqual(a.stats()["rx"], 0)
        after = {p: sw.port(p) for p in "abc"}
        self.assertEqual(after["a"]["rx_packets"] - before["a"]["rx_packets"], 100)
        self.assertEqual(after["b"]["tx_packets"] - before["b"]["tx_packets"], 100)
        self.assertEqual(after["c"]["tx_packets"] - before["c"]["tx_packets"], 0)
        self.assertEqual(after["b"]["tx_bytes"] - before["b"]["tx_bytes"], 100 * 64)
        self.assertEqual(sw.network("lan0")["unicast"] - unicast_before, 100)

        # Unknown unicast floods like broadcast.
        a.send("02:00:00:00:00:99", 5)
        wait_for(lambda: rx_from(b, A) == 105 and rx_from(c, A) == 5, 10, "unknown unicast flood")

    def test_invalid_source_mac_is_dropped_and_counted(self):
        sw, a, b, c = self.three_guests()
        a.cmd(f"send {B} 7 {BCAST}")
        wait_for(lambda: sw.port("a")["drops"]["invalid_src_mac"] == 7, 10, "invalid_src_mac drops")
        time.sleep(0.3)
        self.assertEqual(b.stats()["rx"] + c.stats()["rx"], 0)

    def test_client_mode_guest_killed_and_restarted_reconnects(self):
        sw, a, b, c = self.three_guests()
        self.learn_all(a, b, c)
        a.send(C, 50)
        wait_for(lambda: rx_from(c, A) == 50, 10, "50 frames at C")

        c.kill()
        self.wait_port_link("c", "down")
        # Frames for the gone guest are dropped and counted; others flow.
        a.send(C, 20)
        wait_for(lambda: sw.port("c")["drops"]["port_down"] >= 20, 10, "port_down drops")
        a.send(B, 10)
        wait_for(lambda: rx_from(b, A) == 10, 10, "B still reachable")

        c.start()
        c.wait_link()
        self.wait_port_link("c", "up")
        self.assertEqual(sw.port("c")["connects"], 2)
        a.send(C, 30)
        wait_for(lambda: rx_from(c, A) == 30, 10, "traffic to C resumed")
        self.assertTrue(sw.alive())

    def test_server_mode_guest_killed_and_restarted_reconnects(self):
        sw, a, b, c = self.three_guests()
        self.learn_all(a, b, c)
        b.kill()
        self.wait_port_link("b", "down")
        a.send(C, 5)
        wait_for(lambda: rx_from(c, A) == 5, 10, "A to C while B is gone")
        b.start()
        b.wait_link()
        self.wait_port_link("b", "up")
        a.send(B, 40)
        wait_for(lambda: rx_from(b, A) == 40, 10, "traffic to B resumed")
        self.assertTrue(sw.alive())

    def test_ports_added_and_removed_at_run_time(self):
        sw = self.setup_ports([("a", "server"), ("b", "server")])
        a, b = self.guest("a", A), self.guest("b", B)
        a.wait_link()
        b.wait_link()
        self.learn_all(a, b)

        sw.api.create_port("d", "lan0", self.sock("d"))
        d = self.guest("d", D)
        d.wait_link()
        a.send(BCAST, 3)
        wait_for(lambda: rx_from(d, A) == 3 and rx_from(b, A) == 3, 10, "flood reaches new port")

        # Removing b closes its socket and forgets its MACs; a and d go on.
        sw.api.delete_port("b")
        self.assertIsNone(sw.port("b"))
        self.assertFalse(os.path.exists(self.sock("b")))
        self.assertNotIn(B, [e["mac"] for e in sw.network("lan0")["fdb"]])
        d.reset()
        a.send(B, 4)  # now unknown: flooded to d
        wait_for(lambda: rx_from(d, A) == 4, 10, "flood after removal")
        self.assertTrue(sw.alive())


class BadStartTest(SwitchTestCase):
    def run_daemon(self, *args):
        prefix = unique("bad")
        try:
            return subprocess.run([DAEMON, "--file-prefix", prefix, "--memory-mb", "256", *args],
                                  capture_output=True, text=True, timeout=60)
        finally:
            subprocess.run(["rm", "-rf", f"/var/run/dpdk/{prefix}"])

    def test_unknown_option_prints_usage(self):
        r = self.run_daemon("--bogus", "1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown option --bogus", r.stderr)
        self.assertIn("usage:", r.stderr)

    def test_help_lists_every_option(self):
        r = self.run_daemon("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("usage: switchyardd", r.stdout)
        for option in ("--socket PATH", "--state-dir DIR", "--listen HOST:PORT", "--tls-cert FILE",
                       "--tls-key FILE", "--tls-client-ca FILE", "--tls-admin-names LIST",
                       "--tls-reader-names LIST", "--insecure-tcp", "--control-cpu N",
                       "--pmd-cpus LIST", "--pmd-idle-sleep-max-us N", "--link-poll-ms N",
                       "--file-prefix NAME", "--memory-mb N", "--hugepages auto|on|off",
                       "--mbufs N", "--vhost-socket-group NAME", "--dpdk-log-level LEVEL"):
            self.assertIn(option, r.stdout)

    def test_bad_values_exit_2_naming_the_option(self):
        for args, message in (
                (["--control-cpu", "4096"], "--control-cpu: not a CPU number: 4096"),
                (["--control-cpu", "0x1"], "--control-cpu: not a CPU number: 0x1"),
                (["--pmd-cpus", "1,x"], "--pmd-cpus: not a CPU list: 1,x"),
                (["--pmd-idle-sleep-max-us", "100001"], "--pmd-idle-sleep-max-us: expected"),
                (["--link-poll-ms", "0"], "--link-poll-ms: expected 1..60000: 0"),
                (["--memory-mb", "63"], "--memory-mb: expected >= 64: 63"),
                (["--mbufs", "1022"], "--mbufs: expected >= 1023: 1022"),
                (["--hugepages", "maybe"], "--hugepages: expected auto, on or off: maybe"),
                (["--vhost-socket-group", "no-such-group"], "no such group: no-such-group"),
                (["--dpdk-log-level"], "--dpdk-log-level")):
            r = self.run_daemon(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(message, r.stderr)
            self.assertIn("usage:", r.stderr)

    def test_tcp_without_tls_needs_the_insecure_flag(self):
        r = self.run_daemon("--listen", "127.0.0.1:50999", "--state-dir", self.workdir + "/s")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--insecure-tcp", r.stderr)

    def test_api_socket_in_use_is_refused(self):
        sw = self.start_switch()
        r = self.run_daemon("--socket", sw.socket, "--state-dir", self.workdir + "/other")
        self.assertEqual(r.returncode, 1)
        self.assertIn("in use", r.stderr)
        self.assertTrue(sw.alive())


if __name__ == "__main__":
    unittest.main()
