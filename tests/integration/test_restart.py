"""Restarts as features (issue #18): guests on every port kind keep or get
back their traffic when switchyardd stops and starts again, gracefully or
after a crash, and the saved config comes through unchanged.

Each case is a trial of tests/bench/restart_outage.py (which also measures
the outage for docs/benchmarks.md): a switch in a namespace of its own, two
ports of one kind, a peer on each streaming 1,000 frames a second to the
other. Here it is a pass or a fail: both directions flow again within the
timeout. The gaps are printed, not judged (the machine is shared).
"""
import argparse
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
import restart_outage  # noqa: E402
from sylib import DAEMON, wait_for  # noqa: E402


def trial_args(**over):
    args = argparse.Namespace(rate=1000, timeout=10, before=0.5, after=1,
                              upgrade_binary=DAEMON)
    for k, v in over.items():
        setattr(args, k, v)
    return args


def tap_exists(ns, name):
    return subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "show", name],
                          capture_output=True).returncode == 0


@unittest.skipUnless(os.geteuid() == 0, "needs root: namespaces, TAPs, vhost-user")
class RestartTest(unittest.TestCase):
    def trial(self, kind, **over):
        t = restart_outage.Trial(kind, trial_args(**over))
        self.addCleanup(t.release)
        t.setup()
        return t

    def check_comes_back(self, kind, how):
        t = self.trial(kind)
        state = os.path.join(t.switch.state_dir, "state.json")
        with open(state, "rb") as f:
            saved = f.read()
        r = t.run(how)
        gaps = " ".join(f"{d['gap_ms']}ms/{d['lost']} lost" for d in r["dirs"])
        print(f"\n  {kind} {how}: {gaps}, new switch serving after {r['api_s']} s",
              file=sys.stderr)
        for d, direction in zip(r["dirs"], ("a>b", "b>a")):
            self.assertTrue(d["back"], f"{kind} {how}: {direction} never came back:\n"
                            + "\n".join(t.diagnose()))
        with open(state, "rb") as f:
            self.assertEqual(f.read(), saved, "a restart changed state.json")
        ports = {p.name: p for p in t.switch.api.list_ports()}
        self.assertEqual(sorted(ports), ["a", "b"])

    def test_tap_ports_reattach_to_the_tap_a_guest_holds(self):
        # Before: "cannot create TAP ...: Device or resource busy", the port
        # lost until the next start.
        for how in ("graceful", "crash"):
            with self.subTest(how=how):
                self.check_comes_back("tap", how)

    def test_vhost_user_client_ports_reconnect(self):
        for how in ("graceful", "crash"):
            with self.subTest(how=how):
                self.check_comes_back("vhost-client", how)

    def test_kernel_ports_reattach(self):
        for kind in ("kernel-afpacket", "kernel-afxdp"):
            for how in ("graceful", "crash"):
                with self.subTest(kind=kind, how=how):
                    self.check_comes_back(kind, how)

    def test_qemu_on_a_vhost_user_server_port_reconnects_by_itself(self):
        # QEMU with reconnect=1; TCG when KVM cannot run vCPUs here.
        self.check_comes_back("vhost-server", "graceful")

    def test_a_stopped_switch_leaves_its_taps_and_a_deleted_port_takes_its_tap(self):
        t = self.trial("tap")
        tap = t.taps[0]
        t.switch.stop()
        self.assertTrue(tap_exists(t.sw_ns, tap), "a graceful stop deleted the guest's TAP")
        t.switch.start()
        t.switch.wait_running(timeout=30)
        # The peer still holds the TAP's only queue: deleting the port
        # deletes the TAP anyway (before: EBUSY, and the TAP was left).
        t.switch.api.delete_port("a")
        wait_for(lambda: not tap_exists(t.sw_ns, tap), 5, f"TAP {tap} gone with its port")
        # A port of that name can have a new TAP at once.
        t.create_port("a", tap=restart_outage.pb.port.Tap(name=tap))
        self.assertTrue(tap_exists(t.sw_ns, tap))

    def test_a_graceful_restart_keeps_the_learned_macs_and_a_crash_does_not(self):
        t = self.trial("kernel-afpacket")
        a, b = t.peers
        mac_a, mac_b = restart_outage.MAC_A, restart_outage.MAC_B
        a.cmd(f"stream {mac_b} 200")
        b.cmd(f"stream {mac_a} 200")
        wait_for(lambda: a.cmd("gaps")["rx"] > 10 and b.cmd("gaps")["rx"] > 10, 10,
                 "both directions flowing")
        a.cmd("stream stop")
        b.cmd("stream stop")

        def learned():
            return {e.mac for e in t.switch.api.fdb_entries("lan0")} & {mac_a, mac_b}

        self.assertEqual(learned(), {mac_a, mac_b})
        t.switch.stop()
        warm = os.path.join(t.switch.state_dir, "warm.json")
        self.assertTrue(os.path.exists(warm), "a graceful stop left no warm state")
        t.switch.start()
        t.switch.wait_running(timeout=30)
        # Known before either guest sent a frame: no flood to reach them.
        self.assertEqual(learned(), {mac_a, mac_b})
        self.assertFalse(os.path.exists(warm), "the warm state is used once")
        t.switch.kill9()
        t.switch.start()
        t.switch.wait_running(timeout=30)
        self.assertEqual(learned(), set(), "a crash brought back MACs from before it")

    def test_a_kernel_port_whose_netdev_is_missing_at_start_opens_when_it_appears(self):
        # A container's veth made after the switch started. Before: the port
        # stayed "not restored" until the next start.
        t = self.trial("kernel-afpacket")
        a, b = t.peers
        sw_dev = next(p for p in t.switch.api.list_ports() if p.name == "a").kernel.netdev
        host_ns = t.namespaces[1]  # a's peer namespace (made first)
        host_dev = subprocess.run(["ip", "netns", "exec", host_ns, "ls", "/sys/class/net"],
                                  capture_output=True, text=True).stdout.split()
        host_dev = next(d for d in host_dev if d != "lo")
        t.switch.stop()
        a.kill()
        subprocess.run(["ip", "netns", "exec", t.sw_ns, "ip", "link", "del", sw_dev], check=True)
        t.switch.start()
        t.switch.wait_running(timeout=30)
        port_a = next(p for p in t.switch.api.list_ports() if p.name == "a")
        self.assertIn(sw_dev, port_a.status.error)
        subprocess.run(["ip", "link", "add", sw_dev, "netns", t.sw_ns, "type", "veth",
                        "peer", "name", host_dev, "netns", host_ns], check=True)
        subprocess.run(["ip", "netns", "exec", t.sw_ns, "ip", "link", "set", sw_dev, "up"],
                       check=True)
        subprocess.run(["ip", "netns", "exec", host_ns, "ip", "link", "set", host_dev, "up"],
                       check=True)
        wait_for(lambda: not next(p for p in t.switch.api.list_ports()
                                  if p.name == "a").status.error, 10,
                 "port a open once its netdev exists")
        # And it forwards: a new peer on the new veth hears b.
        peer = restart_outage.LinePeer(
            ["ip", "netns", "exec", host_ns, restart_outage.PYTHON, restart_outage.STREAM_PEER,
             "--iface", host_dev, "--mac", restart_outage.MAC_A], "kernel peer a again")
        t.peers[0] = peer
        peer.cmd(f"stream {restart_outage.MAC_B} 200")
        b.cmd(f"stream {restart_outage.MAC_A} 200")
        wait_for(lambda: peer.cmd("gaps")["rx"] > 10 and b.cmd("gaps")["rx"] > 10, 10,
                 "traffic both ways through the port opened late")


if __name__ == "__main__":
    unittest.main()
