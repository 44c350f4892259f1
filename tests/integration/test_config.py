"""Integration: the whole desired state at once (Config.Get and Config.Apply)
and Watch streams that resume from a revision, driven from Python stubs and
from yardctl.

An apply is all or nothing (a port that cannot open undoes the rest), a dry
run changes neither the datapath nor state.json, a stale expected revision is
refused, and a watcher that reconnects from the last revision it saw gets
every change it missed exactly once; one that asks for a revision no longer
kept gets OUT_OF_RANGE and lists again.
"""
import os
import subprocess
import threading
import time
import unittest

import grpc

from sylib import YARDCTL, SwitchTestCase, code_of, pb, wait_for

A, B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"


def vhost_port(name, network, socket, **fields):
    return pb.port.Port(name=name, network=network, vhost_user=pb.port.VhostUser(
        socket_path=socket, mode=pb.port.VHOST_USER_MODE_SERVER), **fields)


class ConfigTest(SwitchTestCase):
    def setUp(self):
        super().setUp()
        self.sw = self.start_switch()
        self.api = self.sw.api

    def state(self, networks=(), ports=(), static_macs=()):
        return pb.config.DesiredState(
            networks=[pb.network.Network(name=n) if isinstance(n, str) else n for n in networks],
            ports=list(ports), static_macs=list(static_macs))

    def apply(self, state, dry_run=False, expected=None):
        req = pb.config.ApplyConfigRequest(state=state, dry_run=dry_run)
        if expected is not None:
            req.expected_revision = expected
        return self.api.config.Apply(req, timeout=30)

    def get(self):
        return self.api.config.Get(pb.config.GetConfigRequest(), timeout=10)

    def state_json(self):
        with open(os.path.join(self.sw.state_dir, "state.json")) as f:
            return f.read()

    def base(self):
        return self.state(["lan0"], [vhost_port("a", "lan0", self.sock("a")),
                                     vhost_port("b", "lan0", self.sock("b"))])

    def test_apply_creates_changes_and_deletes_with_one_revision_each(self):
        r = self.apply(self.base())
        self.assertEqual(r.revision, 1)
        self.assertEqual([(c.kind, c.action, c.name) for c in r.changes],
                         [(pb.config.OBJECT_KIND_NETWORK, pb.config.CHANGE_ACTION_CREATE, "lan0"),
                          (pb.config.OBJECT_KIND_PORT, pb.config.CHANGE_ACTION_CREATE, "a"),
                          (pb.config.OBJECT_KIND_PORT, pb.config.CHANGE_ACTION_CREATE, "b")])
        got = self.get()
        self.assertEqual(got.revision, 1)
        self.assertEqual([p.name for p in got.state.ports], ["a", "b"])
        # The same state again changes nothing and makes no revision.
        self.assertEqual(len(self.apply(self.base()).changes), 0)
        self.assertEqual(self.get().revision, 1)
        # Traffic between a and b keeps flowing while b moves VLAN live and a
        # third port comes: one apply, one revision.
        a, b = self.guest("a", A), self.guest("b", B)
        a.wait_link()
        b.wait_link()
        nxt = self.base()
        nxt.ports.append(vhost_port("c", "lan0", self.sock("c")))
        nxt.static_macs.append(pb.config.StaticMac(network="lan0", mac=B, port="b"))
        r = self.apply(nxt)
        self.assertEqual(r.revision, 2)
        self.assertEqual(sorted(c.name for c in r.changes), ["c", "lan0/0/" + B])
        a.send(B, 50)
        wait_for(lambda: b.stats()["by_src"].get(A, 0) >= 50, 10, "a's frames at b")
        self.assertTrue(any(e.static and e.mac == B for e in self.api.fdb_entries("lan0")))
        # A port the state no longer names is deleted, with its static MAC.
        r = self.apply(self.state(["lan0"], [vhost_port("a", "lan0", self.sock("a"))]))
        self.assertEqual(r.revision, 3)
        self.assertEqual([p.name for p in self.api.list_ports()], ["a"])
        self.assertEqual(len(self.get().state.static_macs), 0)
        # The file carries the revision; a restart keeps it.
        self.sw.stop()
        self.sw = self.start_switch()
        self.api = self.sw.api
        self.assertEqual(self.get().revision, 3)

    def test_dry_run_changes_nothing_and_lists_every_refusal(self):
        self.apply(self.base())
        before = (self.state_json(), [p.name for p in self.api.list_ports()], self.get())
        bad = self.state(["lan0", pb.network.Network(name="t0", tunnel=pb.network.Tunnel(
            type=pb.network.TUNNEL_TYPE_VXLAN, id=5, uplink="nope", remotes=["10.0.0.2"]))],
            [vhost_port("a", "lan0", self.sock("a")),
             vhost_port("x", "missing", self.sock("x"))])
        r = self.apply(bad, dry_run=True)
        refusals = {c.name: c.refusal for c in r.changes if c.refusal}
        self.assertIn("port 'nope' does not exist", refusals["t0"])
        self.assertIn("'missing' does not exist", refusals["x"])
        self.assertEqual(r.revision, 1)
        # A good dry run plans without doing.
        r = self.apply(self.state(["lan0"]), dry_run=True)
        self.assertEqual(sorted((c.action, c.name) for c in r.changes),
                         [(pb.config.CHANGE_ACTION_DELETE, "a"),
                          (pb.config.CHANGE_ACTION_DELETE, "b")])
        after = (self.state_json(), [p.name for p in self.api.list_ports()], self.get())
        self.assertEqual(before, after)
        # The real apply of the bad state is refused with the first reason.
        with self.assertRaises(grpc.RpcError) as e:
            self.apply(bad)
        self.assertIn("more refusal", e.exception.details())
        self.assertEqual(before[0], self.state_json())

    def test_a_port_that_cannot_open_undoes_the_whole_apply(self):
        self.apply(self.base())
        before = (self.state_json(), self.get())
        nxt = self.state(["lan0", "lan1"],
                         [vhost_port("a", "lan1", self.sock("a")),  # a move, applied first
                          vhost_port("b", "lan0", self.sock("b")),
                          vhost_port("z", "lan0", "/nonexistent-dir/z.sock")])
        self.assertEqual(code_of(lambda: self.apply(nxt)), "FAILED_PRECONDITION")
        self.assertEqual(before, (self.state_json(), self.get()))
        ports = {p.name: p.network for p in self.api.list_ports()}
        self.assertEqual(ports, {"a": "lan0", "b": "lan0"})
        self.assertEqual([n.name for n in self.api.networks.ListNetworks(
            pb.network.ListNetworksRequest(), timeout=10).networks], ["lan0"])

    def test_a_stale_expected_revision_is_refused(self):
        self.apply(self.base(), expected=0)
        self.api.create_network("other")  # someone else's change: revision 2
        self.assertEqual(code_of(lambda: self.apply(self.base(), expected=1)), "ABORTED")
        self.assertIn("other", [n.name for n in self.get().state.networks])
        self.assertEqual(self.apply(self.base(), expected=2).revision, 3)

    def watch(self, from_revision, got, until_sync=None):
        stream = self.api.events.Watch(pb.events.WatchRequest(
            from_revision=from_revision, types=[pb.events.EVENT_TYPE_CONFIG_CHANGED]))
        done = threading.Event()

        def reader():
            try:
                for e in stream:
                    got.append(e)
            except grpc.RpcError as err:
                got.append(err)
            done.set()
        threading.Thread(target=reader, daemon=True).start()
        return stream, done

    def test_watch_lists_then_resumes_without_missing_or_repeating(self):
        self.apply(self.base())
        got = []
        stream, _ = self.watch(0, got)
        wait_for(lambda: any(getattr(e, "type", 0) == pb.events.EVENT_TYPE_SYNC for e in got),
                 10, "the list's SYNC")
        listed = [e.change.name for e in got if e.type == pb.events.EVENT_TYPE_CONFIG_CHANGED]
        self.assertEqual(listed, ["lan0", "a", "b"])
        self.assertEqual(got[-1].revision, 1)
        self.api.create_network("n2")  # revision 2, seen live
        wait_for(lambda: got[-1].revision == 2, 10, "revision 2 live")
        last = got[-1].revision
        stream.cancel()
        # Changes while nobody watches.
        self.api.create_network("n3")
        self.api.delete_port("b")
        self.api.create_network("n4")
        got2 = []
        stream, _ = self.watch(last, got2)
        wait_for(lambda: any(getattr(e, "type", 0) == pb.events.EVENT_TYPE_SYNC for e in got2),
                 10, "the resume's SYNC")
        resumed = [(e.revision, e.change.action, e.change.name) for e in got2
                   if e.type == pb.events.EVENT_TYPE_CONFIG_CHANGED]
        self.assertEqual(resumed, [(3, pb.config.CHANGE_ACTION_CREATE, "n3"),
                                   (4, pb.config.CHANGE_ACTION_DELETE, "b"),
                                   (5, pb.config.CHANGE_ACTION_CREATE, "n4")])
        self.assertEqual(got2[-1].revision, 5)  # SYNC at the config's revision
        self.api.create_network("n5")
        wait_for(lambda: got2[-1].revision == 6, 10, "revision 6 live after the resume")
        self.assertEqual(got2[-1].change.network.name, "n5")
        stream.cancel()

    def test_a_revision_no_longer_kept_is_out_of_range_then_relist(self):
        self.apply(self.base())
        self.api.create_network("n2")
        # A restart keeps the state and its revision, not the history.
        self.sw.stop()
        self.sw = self.start_switch()
        self.api = self.sw.api
        for from_revision in (1, 99):
            got = []
            _, done = self.watch(from_revision, got)
            self.assertTrue(done.wait(10))
            self.assertIsInstance(got[-1], grpc.RpcError)
            self.assertEqual(got[-1].code(), grpc.StatusCode.OUT_OF_RANGE)
        got = []
        stream, _ = self.watch(0, got)
        wait_for(lambda: any(getattr(e, "type", 0) == pb.events.EVENT_TYPE_SYNC for e in got),
                 10, "the relist's SYNC")
        self.assertEqual(sorted(e.change.name for e in got
                                if e.type == pb.events.EVENT_TYPE_CONFIG_CHANGED),
                         ["a", "b", "lan0", "n2"])
        self.assertEqual(got[-1].revision, 2)
        stream.cancel()
        # The current revision itself resumes: nothing missed, just SYNC.
        got = []
        stream, _ = self.watch(2, got)
        wait_for(lambda: got and getattr(got[-1], "type", 0) == pb.events.EVENT_TYPE_SYNC, 10,
                 "SYNC at once")
        stream.cancel()

    def yardctl(self, *args, stdin=None):
        return subprocess.run([YARDCTL, "--socket", self.sw.socket, *args], input=stdin,
                              capture_output=True, text=True, timeout=60)

    def test_yardctl_apply_and_get_config_round_trip(self):
        doc = f"""
networks:
  - name: lan0
    fdb_max_entries: 1024
ports:
  - name: a
    network: lan0
    vhost_user: {{socket_path: {self.sock("a")}, mode: VHOST_USER_MODE_SERVER}}
    vlan: {{mode: VLAN_MODE_ACCESS, tag: 10}}
  - name: "007"
    network: lan0
    vhost_user: {{socket_path: {self.sock("b")}, mode: VHOST_USER_MODE_SERVER}}
"""
        path = os.path.join(self.workdir, "state.yaml")
        with open(path, "w") as f:
            f.write(doc)
        r = self.yardctl("apply", "-f", path, "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("create port 007", r.stdout)
        self.assertIn("nothing changed (revision 0)", r.stdout)
        self.assertEqual(self.api.list_ports(), [])
        r = self.yardctl("apply", "-f", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("applied: revision 1", r.stdout)
        got = self.yardctl("get", "config")
        self.assertEqual(got.returncode, 0, got.stderr)
        self.assertIn("revision 1", got.stdout)
        # What get config prints applies back as no change at all.
        r = self.yardctl("apply", "-f", "-", stdin=got.stdout)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("nothing to change (revision 1)", r.stdout)
        # So does its JSON, and a stale revision is refused.
        js = self.yardctl("--json", "get", "config")
        self.assertEqual(js.returncode, 0, js.stderr)
        r = self.yardctl("apply", "-f", "-", "--expected-revision", "0", stdin=js.stdout)
        self.assertEqual(r.returncode, 1)
        self.assertIn("ABORTED", r.stderr)
        r = self.yardctl("apply", "-f", "-", stdin="ports: [ {name: x, network: lan0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not YAML or JSON", r.stderr)
        r = self.yardctl("apply", "-f", "-", stdin="networks: [{name: lan0, colour: red}]")
        self.assertEqual(r.returncode, 1)
        self.assertIn("colour", r.stderr)
        self.assertEqual(self.get().revision, 1)


if __name__ == "__main__":
    unittest.main()
