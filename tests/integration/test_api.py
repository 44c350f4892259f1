"""Integration: the gRPC control plane, driven from Python stubs made from
our .proto by grpc_python_plugin (a client that is not ours).

Validation codes with nothing half-applied, persisted state across kill -9,
the state-dir lock, live port churn with zero loss on other ports, the Watch
stream, static MACs, port moves, and TCP with mutual TLS, its clients
authorised by the names in their certificates.
"""
import os
import signal
import subprocess
import threading
import time
import unittest

import grpc

from sylib import (DAEMON, YARDCTL, Api, Guest, SwitchTestCase, code_of, pb, read_events,
                   unique, wait_for)

A, B, C = (f"02:00:00:00:00:0{x}" for x in "abc")
BCAST = "ff:ff:ff:ff:ff:ff"


def rx_from(guest, src):
    return guest.stats()["by_src"].get(src, 0)


class ApiTest(SwitchTestCase):
    def two_guests(self):
        """Network lan0 with server-mode ports a and b, a guest on each."""
        sw = self.switch or self.start_switch()
        sw.api.create_network("lan0")
        sw.api.create_port("a", "lan0", self.sock("a"))
        sw.api.create_port("b", "lan0", self.sock("b"))
        a, b = self.guest("a", A), self.guest("b", B)
        a.wait_link()
        b.wait_link()
        return sw, a, b

    def state_file(self):
        with open(os.path.join(self.switch.state_dir, "state.json")) as f:
            return f.read()

    def test_bad_requests_get_the_right_code_and_change_nothing(self):
        sw = self.start_switch()
        api = sw.api
        api.create_network("lan0")
        api.create_port("p0", "lan0", self.sock("p0"))
        before_state = self.state_file()
        before_ports = api.list_ports()
        port = pb.port
        net = pb.network

        def create_port(**fields):
            return lambda: api.ports.CreatePort(port.CreatePortRequest(port=port.Port(**fields)))

        vhost = lambda path, mode=port.VHOST_USER_MODE_SERVER: port.VhostUser(  # noqa: E731
            socket_path=path, mode=mode)
        cases = [
            ("INVALID_ARGUMENT", lambda: api.create_network("bad name")),
            ("INVALID_ARGUMENT", lambda: api.create_network("n1", fdb_aging_seconds=5)),
            ("INVALID_ARGUMENT", lambda: api.create_network("n1", fdb_max_entries=1 << 30)),
            ("ALREADY_EXISTS", lambda: api.create_network("lan0", fdb_aging_seconds=60)),
            ("NOT_FOUND", lambda: api.networks.GetNetwork(net.GetNetworkRequest(name="nope"))),
            ("FAILED_PRECONDITION",
             lambda: api.networks.DeleteNetwork(net.DeleteNetworkRequest(name="lan0"))),
            ("INVALID_ARGUMENT", create_port(name="p1", network="lan0")),
            ("INVALID_ARGUMENT", create_port(name="p1", network="lan0",
                                             vhost_user=vhost(self.sock("p1"), 0))),
            ("INVALID_ARGUMENT", create_port(name="p1", network="lan0",
                                             vhost_user=vhost("relative.sock"))),
            ("INVALID_ARGUMENT", create_port(name="p 1", network="lan0",
                                             vhost_user=vhost(self.sock("p1")))),
            ("NOT_FOUND", create_port(name="p1", network="nope", vhost_user=vhost(self.sock("p1")))),
            ("ALREADY_EXISTS", create_port(name="p1", network="lan0",
                                           vhost_user=vhost(self.sock("p0")))),
            ("ALREADY_EXISTS", create_port(name="p0", network="lan0",
                                           vhost_user=vhost(self.sock("other")))),
            ("FAILED_PRECONDITION",
             create_port(name="p1", network="lan0",
                         vhost_user=vhost(self.workdir + "/missing/p1.sock"))),
            ("NOT_FOUND", lambda: api.delete_port("nope")),
            ("INVALID_ARGUMENT", lambda: api.fdb.AddStaticMac(pb.fdb.AddStaticMacRequest(
                network="lan0", mac="02:00:00:00:00", port="p0"))),
            ("INVALID_ARGUMENT", lambda: api.fdb.AddStaticMac(pb.fdb.AddStaticMacRequest(
                network="lan0", mac=BCAST, port="p0"))),
            ("NOT_FOUND", lambda: api.fdb.AddStaticMac(pb.fdb.AddStaticMacRequest(
                network="lan0", mac=A, port="nope"))),
            ("NOT_FOUND", lambda: api.fdb.DeleteStaticMac(pb.fdb.DeleteStaticMacRequest(
                network="lan0", mac=A))),
            ("NOT_FOUND", lambda: api.ports.UpdatePort(port.UpdatePortRequest(
                name="p0", network="nope"))),
            ("NOT_FOUND", lambda: api.stats.GetStats(pb.stats.GetStatsRequest(ports=["nope"]))),
        ]
        for expected, call in cases:
            with self.subTest(expected=expected):
                try:
                    call()
                    self.fail(f"expected {expected}, call succeeded")
                except grpc.RpcError as e:
                    self.assertEqual(e.code().name, expected, e.details())
                    self.assertTrue(e.details(), "error without a message")
        # A field is named in the message.
        try:
            api.create_network("n1", fdb_aging_seconds=5)
        except grpc.RpcError as e:
            self.assertIn("fdb_aging_seconds", e.details())
        self.assertEqual(self.state_file(), before_state)
        self.assertEqual(api.list_ports(), before_ports)
        self.assertFalse(os.path.exists(self.sock("p1")))
        # An identical create is fine.
        self.assertEqual(code_of(lambda: api.create_network("lan0")), "OK")
        self.assertEqual(code_of(lambda: api.create_port("p0", "lan0", self.sock("p0"))), "OK")

    def test_static_macs_follow_their_port_through_moves_vlan_changes_and_restarts(self):
        sw = self.start_switch()
        sw.api.create_network("lan0")
        sw.api.create_network("lan1")
        sw.api.create_port("a", "lan0", self.sock("a"))
        sw.api.create_port("b", "lan0", self.sock("b"))

        def pin(port, mac, vlan=0):
            sw.api.fdb.AddStaticMac(pb.fdb.AddStaticMacRequest(network="lan0", mac=mac,
                                                               port=port, vlan=vlan))

        def statics(network="lan0"):
            return sorted((e.mac, e.vlan, e.port) for e in sw.api.fdb_entries(network)
                          if e.static)

        def update(**kw):
            sw.api.ports.UpdatePort(pb.port.UpdatePortRequest(**kw), timeout=10)

        pin("a", A)
        pin("a", B, vlan=10)
        pin("b", C, vlan=20)
        # a stops carrying VLAN 10: that pin goes, the untagged one stays.
        update(name="a", vlan=pb.port.Vlan(mode=pb.port.VLAN_MODE_TRUNK,
                                           trunks=[pb.port.VlanRange(first=0, last=9)]))
        self.assertEqual(statics(), [(A, 0, "a"), (C, 20, "b")])
        # A new backend keeps the pins of the port.
        update(name="a", vhost_user=pb.port.VhostUser(socket_path=self.sock("a2"),
                                                      mode=pb.port.VHOST_USER_MODE_SERVER))
        self.assertEqual(statics(), [(A, 0, "a"), (C, 20, "b")])
        # b moves to another network: its pins go.
        update(name="b", network="lan1")
        self.assertEqual(statics(), [(A, 0, "a")])
        # What was saved is what is pinned: the daemon comes back with it.
        sw.kill9()
        sw.start().wait_running()
        self.assertEqual(statics(), [(A, 0, "a")])
        self.assertEqual(statics("lan1"), [])

    def test_state_survives_kill_9_and_guests_come_back(self):
        sw = self.start_switch()
        sw.api.create_network("lan0", fdb_aging_seconds=120)
        sw.api.create_network("lan1")
        sw.api.create_port("a", "lan0", self.sock("a"))                # guest is the client
        sw.api.create_port("c", "lan0", self.sock("c"), mode="client")  # guest is the server
        sw.api.fdb.AddStaticMac(pb.fdb.AddStaticMacRequest(network="lan0", mac=B, port="a"))
        a = self.guest("a", A)
        c = self.guest("c", C, server=True)
        a.wait_link()
        c.wait_link()

        sw.kill9()
        self.assertFalse(os.path.exists(self.sock("a")) and sw.alive())
        sw.start().wait_running()
        names = [n.name for n in sw.api.networks.ListNetworks(
            pb.network.ListNetworksRequest()).networks]
        self.assertEqual(names, ["lan0", "lan1"])
        self.assertEqual(sw.api.networks.GetNetwork(
            pb.network.GetNetworkRequest(name="lan0")).fdb_aging_seconds, 120)
        self.assertEqual([p.name for p in sw.api.list_ports()], ["a", "c"])
        self.assertIn({"mac": B, "port": "a", "static": True}, sw.network("lan0")["fdb"])

        # The client-mode port reconnects to its guest by itself.
        self.wait_port_link("c", "up", timeout=20)
        c.wait_link()
        # The server-mode socket is back: the guest reconnects to it.
        a.close()
        self.guests.remove(a)
        a = self.guest("a", A)
        a.wait_link()
        self.wait_port_link("a", "up")
        a.send(C, 25)
        wait_for(lambda: rx_from(c, A) == 25, 10, "traffic after restart")

    def test_second_daemon_on_the_same_state_dir_refuses(self):
        sw = self.start_switch()
        prefix = unique("dup")
        r = subprocess.run([DAEMON, "--socket", self.workdir + "/other.sock", "--state-dir",
                            sw.state_dir, "--file-prefix", prefix],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"in use by another switchyardd (pid {sw.proc.pid})", r.stderr)
        self.assertFalse(os.path.exists(f"/var/run/dpdk/{prefix}"), "touched DPDK before refusing")
        self.assertTrue(sw.alive())

    def test_a_file_prefix_that_leaves_the_runtime_directory_is_refused(self):
        # The daemon removes /var/run/dpdk/<prefix> at exit; a prefix that
        # climbs out names a directory of this test's own, and nothing else.
        victim = os.path.join(self.workdir, "keep")
        os.makedirs(victim)
        for prefix in ("../../" + victim.lstrip("/"), "a/b", ""):
            proc = subprocess.Popen([DAEMON, "--socket", self.workdir + "/p.sock", "--state-dir",
                                     self.workdir + "/p-state", "--file-prefix", prefix],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                err = proc.communicate(timeout=10)[1]
            except subprocess.TimeoutExpired:  # it started: stop it as a user would
                proc.send_signal(signal.SIGTERM)
                err = proc.communicate(timeout=30)[1]
            self.assertEqual(proc.returncode, 2, err)
            self.assertIn("--file-prefix", err)
            self.assertTrue(os.path.isdir(victim), "the daemon removed a directory outside "
                            "/var/run/dpdk")

    def test_vhost_user_sockets_are_0660_of_the_configured_group(self):
        import grp
        group = grp.getgrnam("nogroup")
        sw = self.start_switch(extra_args=["--vhost-socket-group", "nogroup"])
        sw.api.create_network("lan0")
        sw.api.create_port("a", "lan0", self.sock("a"))
        st = os.stat(self.sock("a"))
        self.assertEqual((oct(st.st_mode & 0o777), st.st_gid), (oct(0o660), group.gr_gid))

    def test_port_churn_never_loses_traffic_between_other_ports(self):
        sw, a, b = self.two_guests()
        a.send(BCAST, 1)
        b.send(BCAST, 1)
        wait_for(lambda: sw.network("lan0")["fdb_entries"] == 2, 10, "MACs learned")
        # Reset only once each broadcast was counted, so none is counted later.
        wait_for(lambda: rx_from(a, B) == 1 and rx_from(b, A) == 1, 10, "broadcasts received")
        a.reset()
        b.reset()
        base_a, base_b = sw.port("a"), sw.port("b")

        cycles = []
        errors = []

        def churn():
            try:
                for i in range(200):
                    name = f"x{i % 4}"
                    sw.api.create_port(name, "lan0", self.sock(name))
                    sw.api.delete_port(name)
                    cycles.append(i)
            except Exception as e:  # reported below, not lost in the thread
                errors.append(e)

        t = threading.Thread(target=churn)
        t.start()
        sent = 0
        started = time.monotonic()
        while t.is_alive() or sent < 20000:
            # Paced well below what the test guest drains, so any loss is
            # the switch's: B's receive loop sleeps up to 1 ms between polls.
            sent += a.send(B, 100)
            time.sleep(0.002)
        t.join()
        print(f"churn: 200 add/remove cycles in {time.monotonic() - started:.1f} s, "
              f"{sent} frames A->B meanwhile")
        self.assertEqual(errors, [])
        self.assertEqual(len(cycles), 200)
        try:
            wait_for(lambda: rx_from(b, A) >= sent, 15, f"{sent} frames at B")
        except AssertionError:
            self.fail(f"B got {rx_from(b, A)} of {sent}; a: {sw.port('a')}; b: {sw.port('b')}")
        time.sleep(0.5)
        self.assertEqual(rx_from(b, A), sent, "frames lost or duplicated on the flowing pair")
        now_a, now_b = sw.port("a"), sw.port("b")
        self.assertEqual(now_a["rx_packets"] - base_a["rx_packets"], sent)
        self.assertEqual(now_b["tx_packets"] - base_b["tx_packets"], sent)
        self.assertEqual(sum(now_b["drops"].values()), 0)
        self.assertEqual(sum(now_a["drops"].values()), 0)

    def test_watch_streams_port_guest_mac_and_config_events(self):
        sw = self.start_switch()
        stream = sw.api.events.Watch(pb.events.WatchRequest(network="lan0"))
        got = []
        done = read_events(stream, got)
        time.sleep(0.3)
        sw, a, b = self.two_guests()
        a.send(BCAST, 1)
        b.send(A, 1)
        wait_for(lambda: len(sw.network("lan0")["fdb"]) == 2, 10, "A and B learned")
        b.close()
        self.guests.remove(b)
        # A moves behind port b: learned there now.
        b2 = self.guest("b", A)
        b2.wait_link()
        b2.send(BCAST, 1)
        # The move must happen while port a still exists (else A is learned anew).
        wait_for(lambda: {"mac": A, "port": "b", "static": False} in sw.network("lan0")["fdb"],
                 10, "A moved to port b")
        sw.api.delete_port("a")
        E = pb.events

        def types():
            return [(E.EventType.Name(e.type), e.port, e.mac) for e in got]

        want = [("EVENT_TYPE_PORT_ADDED", "a", ""), ("EVENT_TYPE_PORT_ADDED", "b", ""),
                ("EVENT_TYPE_GUEST_CONNECTED", "a", ""), ("EVENT_TYPE_PORT_UP", "b", ""),
                ("EVENT_TYPE_MAC_LEARNED", "a", A), ("EVENT_TYPE_MAC_LEARNED", "b", B),
                ("EVENT_TYPE_GUEST_DISCONNECTED", "b", ""), ("EVENT_TYPE_PORT_DOWN", "b", ""),
                ("EVENT_TYPE_MAC_MOVED", "b", A), ("EVENT_TYPE_PORT_REMOVED", "a", ""),
                ("EVENT_TYPE_CONFIG_CHANGED", "a", "")]
        try:
            wait_for(lambda: all(w in types() for w in want), 10, "events")
        except AssertionError:
            self.fail(f"missing {[w for w in want if w not in types()]}; got {types()}\n{sw.log()}")
        moved = next(e for e in got if e.type == E.EVENT_TYPE_MAC_MOVED)
        self.assertEqual(moved.previous_port, "a")
        seqs = [e.sequence for e in got]
        self.assertEqual(seqs, sorted(seqs))
        stream.cancel()
        self.assertTrue(done.wait(5))

    def test_static_macs_moves_and_flushes(self):
        sw, a, b = self.two_guests()
        api = sw.api
        api.create_network("lan1")
        # Pin C behind b: A's frames to C go to b only, and C never moves.
        api.fdb.AddStaticMac(pb.fdb.AddStaticMacRequest(network="lan0", mac=C, port="b"))
        a.send(C, 5)
        wait_for(lambda: rx_from(b, A) == 5, 10, "frames for the static MAC")
        a.cmd(f"send {B} 1 {C}")  # C shows up on a: a static entry does not move
        time.sleep(0.3)
        self.assertIn({"mac": C, "port": "b", "static": True}, sw.network("lan0")["fdb"])

        flushed = api.fdb.FlushFdb(pb.fdb.FlushFdbRequest(network="lan0")).flushed
        self.assertGreaterEqual(flushed, 1)
        self.assertEqual([e["mac"] for e in sw.network("lan0")["fdb"]], [C])
        api.fdb.DeleteStaticMac(pb.fdb.DeleteStaticMacRequest(network="lan0", mac=C))
        self.assertEqual(sw.network("lan0")["fdb"], [])

        # Moving b to lan1 cuts it off from a.
        api.ports.UpdatePort(pb.port.UpdatePortRequest(name="b", network="lan1"))
        b.reset()
        a.send(BCAST, 3)
        time.sleep(0.5)
        self.assertEqual(b.stats()["rx"], 0)
        self.assertEqual(sw.port("a")["drops"]["no_destination"], 3)
        net = api.networks.UpdateNetwork(pb.network.UpdateNetworkRequest(
            name="lan0", fdb_aging_seconds=42))
        self.assertEqual(net.fdb_aging_seconds, 42)
        self.assertEqual(net.fdb_max_entries, 8192)


class TlsTest(SwitchTestCase):
    def make_certs(self, clients=(("client", "sy-client", ""),)):
        """A throwaway CA in the test's directory, a server certificate for
        localhost, and one client certificate per (file name, CN, extra
        subjectAltName entries) of `clients`, all signed by that CA."""
        d = self.workdir
        def run(*args):
            subprocess.run(args, check=True, capture_output=True, cwd=d)
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=sy-test-ca")
        for who, cn, san in (("server", "localhost", ""), *clients):
            run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{who}.key",
                "-out", f"{who}.csr", "-subj", f"/CN={cn}")
            ext = f"{who}.ext"
            with open(os.path.join(d, ext), "w") as f:
                f.write(f"subjectAltName=DNS:localhost,IP:127.0.0.1{san}\n")
            run("openssl", "x509", "-req", "-in", f"{who}.csr", "-CA", "ca.pem", "-CAkey",
                "ca.key", "-CAcreateserial", "-days", "1", "-out", f"{who}.pem",
                "-extfile", ext)
        def read(name):
            with open(os.path.join(d, name), "rb") as f:
                return f.read()
        return read

    def test_tcp_with_mutual_tls_accepts_only_clients_with_a_certificate(self):
        read = self.make_certs()
        port = 40000 + os.getpid() % 20000
        d = self.workdir
        self.start_switch(["--listen", f"127.0.0.1:{port}", "--tls-cert", f"{d}/server.pem",
                           "--tls-key", f"{d}/server.key", "--tls-client-ca", f"{d}/ca.pem"])
        good = Api(f"localhost:{port}", grpc.ssl_channel_credentials(
            read("ca.pem"), read("client.key"), read("client.pem")))
        self.assertEqual(code_of(lambda: good.create_network("tls0")), "OK")
        good.close()
        no_cert = Api(f"localhost:{port}", grpc.ssl_channel_credentials(read("ca.pem")))
        self.assertEqual(code_of(lambda: no_cert.networks.ListNetworks(
            pb.network.ListNetworksRequest(), timeout=5)), "UNAVAILABLE")
        no_cert.close()
        plain = Api(f"127.0.0.1:{port}")
        self.assertEqual(code_of(lambda: plain.networks.ListNetworks(
            pb.network.ListNetworksRequest(), timeout=5)), "UNAVAILABLE")
        plain.close()
        # The unix socket serves too.
        names = [n.name for n in self.switch.api.networks.ListNetworks(
            pb.network.ListNetworksRequest()).networks]
        self.assertEqual(names, ["tls0"])
        # Without names, any certificate of the CA is an admin, and the log says so.
        self.assertIn("no --tls-admin-names or --tls-reader-names: every client certificate",
                      self.switch.log())

    def test_certificate_names_make_admins_and_readers_and_refuse_others(self):
        read = self.make_certs((
            ("admin", "sy-admin", ""),
            ("reader", "sy-reader", ""),
            ("stranger", "sy-stranger", ""),
            # Not by its CN: by a URI subjectAltName.
            ("monitor", "mon-7", ",URI:spiffe://switchyard.test/monitor"),
        ))
        port = 40000 + os.getpid() % 20000
        d = self.workdir
        sw = self.start_switch([
            "--listen", f"127.0.0.1:{port}", "--tls-cert", f"{d}/server.pem",
            "--tls-key", f"{d}/server.key", "--tls-client-ca", f"{d}/ca.pem",
            "--tls-admin-names", "sy-admin",
            "--tls-reader-names", "sy-reader,spiffe://switchyard.test/monitor"])
        self.assertIn("api: TLS clients by certificate name: admins [sy-admin], readers "
                      "[sy-reader, spiffe://switchyard.test/monitor]", sw.log())
        self.assertNotIn("full (admin) access", sw.log())

        def client(who):
            api = Api(f"localhost:{port}", grpc.ssl_channel_credentials(
                read("ca.pem"), read(f"{who}.key"), read(f"{who}.pem")))
            self.addCleanup(api.close)
            return api

        def failure(call):
            try:
                call()
            except grpc.RpcError as e:
                return e.code().name, e.details()
            return "OK", ""

        def listed(api):
            return [n.name for n in api.networks.ListNetworks(
                pb.network.ListNetworksRequest(), timeout=10).networks]

        admin, reader, stranger, monitor = map(client, ("admin", "reader", "stranger",
                                                        "monitor"))
        # The admin may change the switch.
        self.assertEqual(code_of(lambda: admin.create_network("tls0")), "OK")
        self.assertEqual(code_of(lambda: admin.networks.UpdateNetwork(
            pb.network.UpdateNetworkRequest(name="tls0", fdb_aging_seconds=60), timeout=10)),
            "OK")

        # The reader may read: list, get, stats, and the Watch stream (which
        # runs until its deadline).
        self.assertEqual(listed(reader), ["tls0"])
        self.assertEqual(reader.networks.GetNetwork(
            pb.network.GetNetworkRequest(name="tls0"), timeout=10).fdb_aging_seconds, 60)
        self.assertEqual(code_of(reader.get_stats), "OK")
        self.assertEqual(code_of(lambda: list(reader.events.Watch(
            pb.events.WatchRequest(), timeout=1))), "DEADLINE_EXCEEDED")
        # ... and nothing else, told who it is and what it asked for.
        code, msg = failure(lambda: reader.create_network("tls1"))
        self.assertEqual(code, "PERMISSION_DENIED")
        self.assertEqual(msg, "certificate CN=sy-reader DNS=localhost is a reader "
                         "(--tls-reader-names): /switchyard.v1.Networks/CreateNetwork changes "
                         "the switch and needs an admin name (--tls-admin-names)")
        self.assertEqual(code_of(lambda: reader.networks.DeleteNetwork(
            pb.network.DeleteNetworkRequest(name="tls0"), timeout=10)), "PERMISSION_DENIED")
        self.assertEqual(code_of(lambda: reader.fdb.FlushFdb(
            pb.fdb.FlushFdbRequest(network="tls0"), timeout=10)), "PERMISSION_DENIED")

        # A reader by its URI subjectAltName.
        self.assertEqual(listed(monitor), ["tls0"])
        code, msg = failure(lambda: monitor.networks.DeleteNetwork(
            pb.network.DeleteNetworkRequest(name="tls0"), timeout=10))
        self.assertEqual(code, "PERMISSION_DENIED")
        self.assertIn("URI=spiffe://switchyard.test/monitor is a reader", msg)

        # A certificate of the same CA with neither name may do nothing.
        for _ in range(3):
            code, msg = failure(lambda: listed(stranger))
            self.assertEqual(code, "PERMISSION_DENIED")
        self.assertEqual(msg, "certificate CN=sy-stranger DNS=localhost has none of the names "
                         "of --tls-admin-names or --tls-reader-names: "
                         "/switchyard.v1.Networks/ListNetworks refused")
        self.assertEqual(code_of(stranger.get_stats), "PERMISSION_DENIED")

        # Nothing the refused calls asked for happened.
        self.assertEqual(listed(admin), ["tls0"])
        self.assertEqual(admin.networks.GetNetwork(
            pb.network.GetNetworkRequest(name="tls0"), timeout=10).fdb_aging_seconds, 60)

        # Refusals are logged per certificate: the first, then at 2, 4, 8...
        # of its count (4 of the stranger's: logged at 1, 2 and 4).
        log = sw.log()
        stranger_lines = [l for l in log.splitlines() if "CN=sy-stranger" in l]
        self.assertEqual(len(stranger_lines), 3, log)
        self.assertIn("warn api: certificate CN=sy-stranger", stranger_lines[0])
        self.assertTrue(stranger_lines[0].endswith(
            "/switchyard.v1.Networks/ListNetworks refused (refused calls of this certificate: 1)"),
            stranger_lines[0])
        self.assertTrue(stranger_lines[2].endswith(
            "/switchyard.v1.Stats/GetStats refused (refused calls of this certificate: 4)"),
            stranger_lines[2])
        self.assertIn("CN=sy-reader DNS=localhost is a reader (--tls-reader-names): "
                      "/switchyard.v1.Networks/CreateNetwork", log)

        # The unix socket, yard-kvmd's and local yardctl's way in, is not
        # limited by certificate names: its file mode is its fence.
        self.assertEqual(code_of(lambda: sw.api.create_network("unix0")), "OK")

        # yardctl over TLS with the reader's certificate: lists, and is
        # refused a change with the server's message.
        tls = ["--server", f"localhost:{port}", "--tls-ca", f"{d}/ca.pem",
               "--tls-cert", f"{d}/reader.pem", "--tls-key", f"{d}/reader.key"]
        r = subprocess.run([YARDCTL, *tls, "network", "list"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("tls0", r.stdout)
        r = subprocess.run([YARDCTL, *tls, "network", "create", "tls2"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("PERMISSION_DENIED: certificate CN=sy-reader DNS=localhost is a reader",
                      r.stderr)
        self.assertEqual(listed(admin), ["tls0", "unix0"])

    def test_certificate_names_need_mutual_tls_and_well_formed_lists(self):
        self.make_certs()
        d = self.workdir
        tls = ["--listen", "127.0.0.1:1", "--tls-cert", f"{d}/server.pem", "--tls-key",
               f"{d}/server.key", "--tls-client-ca", f"{d}/ca.pem"]
        for args, message in (
                (["--tls-admin-names", "a"], "need --listen"),
                (["--listen", "127.0.0.1:1", "--insecure-tcp", "--tls-reader-names", "a"],
                 "exclude each other"),
                ([*tls, "--tls-admin-names", "a,,b"], "--tls-admin-names: empty name in 'a,,b'"),
                ([*tls, "--tls-admin-names", "a", "--tls-reader-names", "b,a"],
                 "'a' is in both --tls-admin-names and --tls-reader-names")):
            r = subprocess.run([DAEMON, "--socket", d + "/u.sock", "--state-dir", d + "/u-state",
                                *args], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(message, r.stderr)


if __name__ == "__main__":
    unittest.main()
