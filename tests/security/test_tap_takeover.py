"""Security: taking over a TAP the switch did not make (issue 15, item 10).

`port add --tap NAME` opened any TAP of that name: a VM's or one another
tool made, and deleting the port then deleted the device from under its
owner. The switch now marks the TAPs it makes (ifalias "switchyard") and
takes over only those (a restart keeps a running guest's TAP); any other
TAP is refused (FAILED_PRECONDITION) unless the port says tap.adopt, and an
adopted TAP is left in place when the port goes.
"""
import os
import unittest

from sylib import SwitchTestCase, code_of, pb, run_in


class TapTakeoverTest(SwitchTestCase):

    def exists(self, ns, dev):
        return run_in(ns, "ip", "link", "show", dev, check=False) != ""

    def alias(self, ns, dev):
        return run_in(ns, "cat", f"/sys/class/net/{dev}/ifalias").strip()

    def test_only_the_switchs_own_taps_are_taken_over_unless_asked(self):
        ns = self.netns("tko")
        # Another tool's TAP, persistent, as `ip tuntap` makes them.
        run_in(ns, "ip", "tuntap", "add", "vmtap", "mode", "tap")
        sw = self.start_switch(netns=ns)
        sw.api.create_network("lan0")
        tap = lambda name, dev, **kw: lambda: sw.api.ports.CreatePort(  # noqa: E731
            pb.port.CreatePortRequest(port=pb.port.Port(
                name=name, network="lan0", tap=pb.port.Tap(name=dev, **kw))), timeout=10)

        self.assertEqual(code_of(tap("t1", "vmtap")), "FAILED_PRECONDITION")
        self.assertEqual([p.name for p in sw.api.list_ports()], [])
        self.assertTrue(self.exists(ns, "vmtap"))
        # Asked to: adopted, and left in place when the port goes.
        self.assertEqual(code_of(tap("t1", "vmtap", adopt=True)), "OK")
        self.assertEqual(self.alias(ns, "vmtap"), "")
        sw.api.delete_port("t1")
        self.assertTrue(self.exists(ns, "vmtap"), "the switch deleted a TAP it did not make")

        # Its own TAP is marked, survives a crash, is taken over at restart
        # and deleted with its port.
        self.assertEqual(code_of(tap("t2", "swtap")), "OK")
        self.assertEqual(self.alias(ns, "swtap"), "switchyard")
        sw.kill9()
        self.assertTrue(self.exists(ns, "swtap"))
        sw.start().wait_running()
        self.assertEqual([p.name for p in sw.api.list_ports()], ["t2"])
        self.assertIn("tap swtap: taken over", sw.log())
        sw.api.delete_port("t2")
        self.assertFalse(self.exists(ns, "swtap"))


if __name__ == "__main__":
    unittest.main()
