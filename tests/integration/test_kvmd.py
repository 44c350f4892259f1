"""Integration: yard-kvmd boots QEMU guests whose NICs are switchyardd ports.

Everything runs inside one namespace of the test's own: switchyardd, the
agent, and the QEMUs it launches (a TAP is opened by name, so QEMU must
share the switch's namespace). The guests are the tiny kernel + busybox
initramfs of tests/guest/build_guest.sh, under TCG (this machine's KVM
does not run Linux guests; see tests/guest/README.md). Guest A is on a
vhost-user port, guest B on a TAP port of the same network; A pings B and
prints SY-PING-OK / SY-PING-FAIL on its console.
"""
import glob
import os
import pwd
import re
import signal
import subprocess
import threading
import time
import unittest

from sylib import BUILD_DIR, SwitchTestCase, pb, unique, wait_for
import grpc

AGENT = os.path.join(BUILD_DIR, "kvm-host", "yard-kvmd")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
GUEST_DIR = os.path.join(BUILD_DIR, "test-guest")
V = pb.vms
S = V.VmState


def build_guest():
    subprocess.run(["bash", os.path.join(ROOT, "tests", "guest", "build_guest.sh"), GUEST_DIR],
                   check=True, capture_output=True)
    return os.path.join(GUEST_DIR, "vmlinux"), os.path.join(GUEST_DIR, "initramfs.cpio.gz")


class Agent:
    """A yard-kvmd in `netns`, its socket and state in `workdir`."""

    def __init__(self, workdir, netns, switch_socket):
        self.extra_args = []
        self.netns = netns
        self.socket = os.path.join(workdir, "kvmd.sock")
        self.state_dir = os.path.join(workdir, "kvmd")
        self.switch_socket = switch_socket
        self.log_path = os.path.join(workdir, "kvmd.log")
        self.proc = None
        self.start()

    def start(self):
        self._log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, AGENT, "--socket", self.socket,
             "--switch-socket", self.switch_socket, "--state-dir", self.state_dir,
             *self.extra_args],
            stdout=self._log, stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(self.socket) or self.proc.poll() is not None, 20,
                 "yard-kvmd socket")
        if self.proc.poll() is not None:
            raise AssertionError(f"yard-kvmd exited:\n{self.log()}")
        self.channel = grpc.insecure_channel("unix:" + self.socket)
        self.vms = V_grpc.VmsStub(self.channel)

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def restart(self, extra_args):
        self.stop()
        self.extra_args = list(extra_args)
        self.start()

    def stop(self):
        self.channel.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


V_grpc = pb.vms_grpc


class AgentOptionsTest(unittest.TestCase):
    """yard-kvmd's command line: --help, and bad options refused before it starts."""

    def run_agent(self, *args):
        if not os.path.exists(AGENT):
            self.skipTest("yard-kvmd not built")
        return subprocess.run([AGENT, *args], capture_output=True, text=True, timeout=30)

    def test_help_lists_every_option(self):
        r = self.run_agent("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("usage: yard-kvmd", r.stdout)
        for option in ("--socket PATH", "--switch-socket PATH", "--state-dir DIR",
                       "--qemu BINARY", "--console-log-size BYTES", "--console-log-files N",
                       "--qemu-user USER"):
            self.assertIn(option, r.stdout)

    def test_bad_options_exit_2_naming_the_option(self):
        for args, message in (
                (["--bogus", "1"], "unknown option --bogus"),
                (["--console-log-size", "4095"], "--console-log-size: takes bytes from 4096"),
                (["--console-log-size", "2G"], "--console-log-size: takes bytes from 4096"),
                (["--console-log-size", "1T"], "--console-log-size: takes bytes from 4096"),
                (["--console-log-files", "0"], "--console-log-files: takes 1 to 100, not 0"),
                (["--console-log-files", "101"], "--console-log-files: takes 1 to 100"),
                (["--qemu-user", ""], "--qemu-user: needs a user name"),
                (["--state-dir"], "--state-dir")):
            r = self.run_agent(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(message, r.stderr)
            self.assertIn("usage:", r.stderr)


class KvmdTest(SwitchTestCase):

    def setUp(self):
        super().setUp()
        if not os.path.exists(AGENT):
            self.skipTest("yard-kvmd not built")
        self.kernel, self.initrd = build_guest()
        self.ns = self.netns("kv")
        sw = self.start_switch(netns=self.ns)
        sw.api.create_network("lan0")
        self.agent = Agent(self.workdir, self.ns, sw.socket)
        self.addCleanup(self.destroy_all)

    def destroy_all(self):
        # Guests are stopped by the test (they outlive an agent on purpose).
        # Also called early by a cleanup that needs them gone: may run twice.
        if self.agent.proc.poll() is not None:
            return
        try:
            for vm in self.call("ListVms", V.ListVmsRequest()).vms:
                if vm.status.pid:
                    os.kill(vm.status.pid, signal.SIGKILL)
        except Exception:
            pass
        self.agent.stop()

    def call(self, rpc, request, timeout=90):
        return getattr(self.agent.vms, rpc)(request, timeout=timeout)

    def define(self, name, kind, cmdline, disks=()):
        # The guest's address (sy.ip=A/N) is the NIC's too: port security
        # lets the port send from it.
        ips = [w.split("=", 1)[1].split("/")[0] for w in cmdline.split() if w.startswith("sy.ip=")]
        spec = V.VmSpec(name=name, memory_mib=96, kernel=self.kernel, initrd=self.initrd,
                        cmdline="console=ttyS0 quiet " + cmdline,
                        accelerator=V.ACCELERATOR_TCG, disks=list(disks),
                        nics=[V.Nic(network="lan0", kind=kind, ipv4_addresses=ips)])
        return self.call("DefineVm", V.DefineVmRequest(spec=spec))

    def state(self, name):
        return self.call("GetVm", V.VmRequest(name=name)).status.state

    def console(self, name):
        path = self.call("GetVm", V.VmRequest(name=name)).status.console_log
        with open(path, errors="replace") as f:
            return f.read()

    def wait_state(self, name, state, timeout=30):
        wait_for(lambda: self.state(name) == state, timeout,
                 f"{name} {S.Name(state)} (agent log:\n{self.agent.log()})")

    def ping_oks(self, name):
        return self.console(name).count("SY-PING-OK")

    def console_files(self, name):
        """The console log's files: {path: size}."""
        run = os.path.join(self.agent.state_dir, "run", name)
        return {p: os.path.getsize(p) for p in glob.glob(os.path.join(run, "console.log*"))}

    def whole_console(self, name):
        """console.log.1 then console.log, as the guest wrote them."""
        path = self.call("GetVm", V.VmRequest(name=name)).status.console_log
        text = ""
        for p in (path + ".1", path):
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    text += f.read()
        return text

    def test_a_guest_flooding_its_console_leaves_at_most_the_cap_on_disk(self):
        cap = 64 << 10
        self.agent.restart(["--console-log-size", "64K", "--console-log-files", "2"])
        # 1 MiB of console lines, then a failing ping (no NIC) twice a second.
        spec = V.VmSpec(name="vf", memory_mib=96, kernel=self.kernel, initrd=self.initrd,
                        cmdline="console=ttyS0 quiet sy.flood=1024 sy.ping=10.9.9.9 "
                                "sy.ping_interval=0.5",
                        accelerator=V.ACCELERATOR_TCG)
        self.call("DefineVm", V.DefineVmRequest(spec=spec))
        self.call("StartVm", V.VmRequest(name="vf"))
        wait_for(lambda: "SY-FLOOD-DONE 1024" in self.whole_console("vf"), 90,
                 f"the flood written (agent log:\n{self.agent.log()})")
        files = self.console_files("vf")
        self.assertEqual({os.path.basename(p) for p in files}, {"console.log", "console.log.1"})
        self.assertTrue(all(size <= cap for size in files.values()), files)
        status = self.call("GetVm", V.VmRequest(name="vf")).status
        self.assertGreater(status.console_bytes, 1 << 20)
        self.assertGreaterEqual(status.console_rotations, 16)
        self.assertGreaterEqual(status.console_dropped_bytes, status.console_bytes - 2 * cap)
        # What is kept is the newest output: the flood's last lines.
        line = "SY-FLOOD 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
        self.assertGreater(self.whole_console("vf").splitlines().count(line), 100)
        # The agent away: QEMU drops the console, nothing on disk grows, and
        # the guest goes on (its UART does not stall).
        pid = status.pid
        last_seq = max(wait_for(lambda: self.ping_seqs("vf"), 10, "ping lines after the flood"))
        self.agent.stop()
        before = self.console_files("vf")
        time.sleep(3)
        self.assertEqual(self.console_files("vf"), before, "the log grew without the agent")
        with open(f"/proc/{pid}/status") as f:
            self.assertNotIn("zombie", f.read())
        # Back: the agent reads the console again, within the same cap.
        self.agent.start()
        self.wait_state("vf", S.Value("VM_STATE_RUNNING"))
        wait_for(lambda: max(self.ping_seqs("vf")) > last_seq, 20,
                 f"console lines after the agent's restart (agent log:\n{self.agent.log()})")
        # The pings of those 3 s (two a second) went on, their lines dropped:
        # not held back by a stalled UART and delivered now.
        first_after = min(seq for seq in self.ping_seqs("vf") if seq > last_seq)
        self.assertGreaterEqual(first_after, last_seq + 3)
        self.assertGreater(self.call("GetVm", V.VmRequest(name="vf")).status.console_bytes, 0)
        self.assertTrue(all(size <= cap for size in self.console_files("vf").values()))
        self.call("DestroyVm", V.VmRequest(name="vf"))

    def ping_seqs(self, name):
        return [int(n) for n in re.findall(r"SY-PING-FAIL \S+ seq=(\d+)", self.whole_console(name))]

    def make_system_user(self):
        """A system user (and its group) of this test's own, deleted at the end."""
        name = unique("q")
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name],
                       check=True, capture_output=True)

        def remove():  # runs before the other cleanups: the user's QEMUs go first
            self.destroy_all()
            if subprocess.run(["userdel", name], capture_output=True).returncode != 0:
                subprocess.run(["userdel", "--force", name], capture_output=True)
            if subprocess.run(["getent", "group", name], capture_output=True).returncode == 0:
                subprocess.run(["groupdel", name], capture_output=True)
        self.addCleanup(remove)
        return pwd.getpwnam(name)

    def start_error(self, name):
        with self.assertRaises(grpc.RpcError) as e:
            self.call("StartVm", V.VmRequest(name=name))
        self.assertEqual(e.exception.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertNotIn(name + "-n0", {p.name for p in self.switch.api.list_ports()})
        return e.exception.details()

    def test_qemu_runs_as_the_qemu_user_and_the_vms_still_talk(self):
        user = self.make_system_user()
        self.agent.restart(["--qemu-user", user.pw_name])
        # A disk the agent makes is the user's.
        disk = os.path.join(self.workdir, "va.qcow2")
        self.define("va", V.NIC_KIND_VHOST_USER, "sy.ip=10.0.0.1/24 sy.ping=10.0.0.2",
                    disks=[V.Disk(path=disk, create_size_bytes=16 << 20)])
        st = os.stat(disk)
        self.assertEqual((st.st_uid, st.st_gid, oct(st.st_mode & 0o777)),
                         (user.pw_uid, user.pw_gid, oct(0o600)))
        self.define("vb", V.NIC_KIND_TAP, "sy.ip=10.0.0.2/24")
        # QEMU could not reopen its disk nor reach its vhost-user socket
        # again once it is the user (the switch restarts): the VM does not
        # start, and says why.
        self.assertIn(f"disk 0: {user.pw_name} cannot enter {self.workdir} (mode 0700",
                      self.start_error("va"))
        os.chmod(self.workdir, 0o711)
        why = self.start_error("va")
        self.assertIn("nic 0: ", why)
        self.assertIn(f"{user.pw_name} cannot write", why)
        self.assertIn("--vhost-socket-group", why)
        # The switch's sockets of the user's group: it starts.
        self.switch.stop()
        self.switch.extra_args = ["--vhost-socket-group", user.pw_name]
        self.switch.start().wait_running()
        for name in ("vb", "va"):
            vm = self.call("StartVm", V.VmRequest(name=name))
            self.assertEqual(vm.status.state, S.Value("VM_STATE_RUNNING"), vm.status.error)
            with open(f"/proc/{vm.status.pid}/status") as f:
                ids = {line.split(":")[0]: line.split()[1:]
                       for line in f if line.startswith(("Uid:", "Gid:"))}
            self.assertEqual(ids, {"Uid": [str(user.pw_uid)] * 4, "Gid": [str(user.pw_gid)] * 4})
        wait_for(lambda: self.ping_oks("va") >= 2, 60, "va pings vb through the switch")
        # The switch restarts: QEMU, no longer root, connects to the new
        # socket by itself.
        self.switch.stop()
        self.switch.start().wait_running()
        wait_for(lambda: (self.switch.port("va-n0") or {}).get("connects", 0) >= 1, 30,
                 "va's QEMU connected again")
        self.wait_port_link("va-n0", "up", 30)
        for name in ("va", "vb"):
            self.assertEqual(self.call("DestroyVm", V.VmRequest(name=name)).status.state,
                             S.Value("VM_STATE_SHUTOFF"))

    def test_two_vms_ping_through_the_switch_and_every_state_shows(self):
        a = self.define("va", V.NIC_KIND_VHOST_USER, "sy.ip=10.0.0.1/24 sy.ping=10.0.0.2")
        self.define("vb", V.NIC_KIND_TAP, "sy.ip=10.0.0.2/24")
        self.assertTrue(a.spec.nics[0].mac.startswith("52:54:00:"))
        for name in ("vb", "va"):
            vm = self.call("StartVm", V.VmRequest(name=name))
            self.assertEqual(vm.status.state, S.Value("VM_STATE_RUNNING"))
            self.assertEqual(vm.status.accelerator, "tcg")
            self.assertEqual(list(vm.status.ports), [name + "-n0"])
        ports = {p.name: p for p in self.switch.api.list_ports()}
        self.assertLessEqual({"va-n0", "vb-n0"}, set(ports))
        # The agent's ports have port security: the NIC's MAC and address.
        security = ports["va-n0"].security
        self.assertEqual((list(security.macs), list(security.ipv4_addresses),
                          security.dhcp_snooping), ([a.spec.nics[0].mac], ["10.0.0.1"], True))
        wait_for(lambda: self.ping_oks("va") >= 2, 60, "va pings vb through the switch")
        # Pause: B stops answering; resume: it answers again.
        self.assertEqual(self.call("PauseVm", V.VmRequest(name="vb")).status.state,
                         S.Value("VM_STATE_PAUSED"))
        fails = self.console("va").count("SY-PING-FAIL")
        wait_for(lambda: self.console("va").count("SY-PING-FAIL") > fails, 20,
                 "pings fail while vb is paused")
        self.assertEqual(self.call("ResumeVm", V.VmRequest(name="vb")).status.state,
                         S.Value("VM_STATE_RUNNING"))
        oks = self.ping_oks("va")
        wait_for(lambda: self.ping_oks("va") > oks, 20, "pings again after resume")
        # Shutdown: ACPI, the guest powers off, its port goes.
        vm = self.call("ShutdownVm", V.ShutdownVmRequest(name="vb", timeout_seconds=30))
        self.assertEqual(vm.status.state, S.Value("VM_STATE_STOPPING"))
        self.wait_state("vb", S.Value("VM_STATE_SHUTOFF"))
        self.assertNotIn("vb-n0", {p.name for p in self.switch.api.list_ports()})
        # QEMU killed: crashed, port freed.
        pid = self.call("GetVm", V.VmRequest(name="va")).status.pid
        os.kill(pid, signal.SIGKILL)
        self.wait_state("va", S.Value("VM_STATE_CRASHED"))
        self.assertNotIn("va-n0", {p.name for p in self.switch.api.list_ports()})
        self.assertIn("killed", self.call("GetVm", V.VmRequest(name="va")).status.error)

    def test_a_vm_started_while_the_switch_restarts_waits_for_it(self):
        self.define("vw", V.NIC_KIND_VHOST_USER, "sy.ip=10.0.0.5/24 sy.ping=10.0.0.6")
        self.define("vx", V.NIC_KIND_TAP, "sy.ip=10.0.0.6/24")
        self.call("StartVm", V.VmRequest(name="vx"))
        self.switch.stop()
        # Before: StartVm failed UNAVAILABLE and the VM stayed off.
        vm = self.call("StartVm", V.VmRequest(name="vw"))
        self.assertEqual(vm.status.state, S.Value("VM_STATE_WAITING"))
        self.assertIn("does not answer", vm.status.error)
        self.assertEqual(vm.status.pid, 0)
        # Destroying a waiting VM ends the wait.
        vm = self.call("DestroyVm", V.VmRequest(name="vw"))
        self.assertEqual(vm.status.state, S.Value("VM_STATE_SHUTOFF"))
        vm = self.call("StartVm", V.VmRequest(name="vw"))
        self.assertEqual(vm.status.state, S.Value("VM_STATE_WAITING"))
        self.switch.start()
        self.switch.wait_running()
        self.wait_state("vw", S.Value("VM_STATE_RUNNING"), 60)
        # vx's TAP port came back with the switch, without the agent.
        wait_for(lambda: self.ping_oks("vw") >= 2, 60, "vw pings vx after the switch restart")
        self.assertEqual(self.state("vx"), S.Value("VM_STATE_RUNNING"))

    def test_a_stale_pidfile_never_takes_an_unrelated_process(self):
        self.define("vs", V.NIC_KIND_VHOST_USER, "sy.ip=10.0.0.9/24")
        self.agent.stop()
        # A process of someone else's that calls itself QEMU now has the pid
        # the pidfile names (a pid recycled while the agent was away).
        other = subprocess.Popen(["bash", "-c", "exec -a qemu-system-x86_64 sleep 60"])
        self.addCleanup(lambda: (other.kill(), other.wait()))
        run = os.path.join(self.agent.state_dir, "run", "vs")
        os.makedirs(run, exist_ok=True)
        with open(os.path.join(run, "qemu.pid"), "w") as f:
            f.write(f"{other.pid}\n")
        self.agent.start()
        vm = self.call("GetVm", V.VmRequest(name="vs"))
        self.assertEqual((vm.status.state, vm.status.pid), (S.Value("VM_STATE_SHUTOFF"), 0))
        self.call("UndefineVm", V.VmRequest(name="vs"))
        self.agent.stop()
        self.assertIsNone(other.poll(), "the agent signalled a process it did not start")

    def test_the_agent_deletes_only_ports_it_made(self):
        self.define("vo", V.NIC_KIND_VHOST_USER, "sy.ip=10.0.0.8/24")
        self.agent.stop()
        # An operator's port with the name the agent would give the NIC.
        self.switch.api.create_port("vo-n0", "lan0", self.sock("operator"))
        self.agent.start()  # finds "vo" not running: would free its ports
        self.assertIn("vo-n0", {p.name for p in self.switch.api.list_ports()})
        self.assertIn("not this agent's", self.agent.log())

    def test_an_agent_restart_keeps_guests_running(self):
        self.define("vc", V.NIC_KIND_VHOST_USER, "sy.ip=10.0.0.3/24")
        pid = self.call("StartVm", V.VmRequest(name="vc")).status.pid
        self.agent.stop()
        self.agent.start()
        self.wait_state("vc", S.Value("VM_STATE_RUNNING"))
        self.assertEqual(self.call("GetVm", V.VmRequest(name="vc")).status.pid, pid)
        vm = self.call("DestroyVm", V.VmRequest(name="vc"))
        self.assertEqual(vm.status.state, S.Value("VM_STATE_SHUTOFF"))

    def test_autostart_watch_reboot_and_disks(self):
        disk = os.path.join(self.workdir, "ve.qcow2")
        spec = V.VmSpec(name="ve", memory_mib=96, kernel=self.kernel, initrd=self.initrd,
                        cmdline="console=ttyS0 quiet sy.ip=10.0.0.5/24",
                        accelerator=V.ACCELERATOR_TCG, autostart=True,
                        disks=[V.Disk(path=disk, create_size_bytes=64 << 20)],
                        nics=[V.Nic(network="lan0")])
        self.call("DefineVm", V.DefineVmRequest(spec=spec))
        with open(disk, "rb") as f:
            self.assertEqual(f.read(4), b"QFI\xfb", "a new qcow2 image")
        # The image's format is checked: raw is refused for a qcow2 image.
        bad = V.VmSpec(name="vf", memory_mib=96, disks=[V.Disk(path=disk, format="raw")])
        with self.assertRaises(grpc.RpcError) as e:
            self.call("DefineVm", V.DefineVmRequest(spec=bad))
        self.assertIn("not raw", e.exception.details())
        # Autostart: started when the agent starts.
        self.agent.stop()
        self.agent.start()
        events = []
        stream = self.agent.vms.WatchVms(V.WatchVmsRequest(name="ve"))
        threading.Thread(target=self.collect, args=(stream, events), daemon=True).start()
        self.wait_state("ve", S.Value("VM_STATE_RUNNING"))
        wait_for(lambda: "SY-GUEST-READY" in self.console("ve"), 30, "ve booted")
        boots = self.console("ve").count("SY-GUEST-READY")
        vm = self.call("RebootVm", V.VmRequest(name="ve"))
        self.assertEqual(vm.status.state, S.Value("VM_STATE_RUNNING"))
        wait_for(lambda: self.console("ve").count("SY-GUEST-READY") > boots, 30,
                 "ve booted again after a reboot")
        self.call("PauseVm", V.VmRequest(name="ve"))
        self.call("ResumeVm", V.VmRequest(name="ve"))
        self.call("DestroyVm", V.VmRequest(name="ve"))
        wait_for(lambda: [(S.Name(e.previous), S.Name(e.state)) for e in events][-4:] == [
            ("VM_STATE_RUNNING", "VM_STATE_PAUSED"), ("VM_STATE_PAUSED", "VM_STATE_RUNNING"),
            ("VM_STATE_RUNNING", "VM_STATE_STOPPING"), ("VM_STATE_STOPPING", "VM_STATE_SHUTOFF")],
            10, f"WatchVms told each change: {events}")
        stream.cancel()

    @staticmethod
    def collect(stream, events):
        try:
            for e in stream:
                events.append(e)
        except grpc.RpcError:
            pass  # cancelled

    def test_auto_uses_kvm_only_when_it_runs_the_guest(self):
        spec = V.VmSpec(name="vg", memory_mib=96, kernel=self.kernel, initrd=self.initrd,
                        cmdline="console=ttyS0 quiet sy.ip=10.0.0.7/24",
                        accelerator=V.ACCELERATOR_AUTO, nics=[V.Nic(network="lan0")])
        self.call("DefineVm", V.DefineVmRequest(spec=spec))
        vm = self.call("StartVm", V.VmRequest(name="vg"))
        self.assertIn(vm.status.accelerator, ("kvm", "tcg"))
        self.assertTrue(vm.status.accelerator_reason.startswith("auto:"),
                        vm.status.accelerator_reason)
        # Whichever it took, the guest boots, and the status says which.
        wait_for(lambda: "SY-GUEST-READY" in self.console("vg"), 60,
                 f"vg booted ({self.agent.log()})")
        vm = self.call("GetVm", V.VmRequest(name="vg"))
        if vm.status.accelerator == "tcg":
            self.assertIn("TCG", vm.status.accelerator_reason)
        else:
            wait_for(lambda: "runs the guest" in self.call(
                "GetVm", V.VmRequest(name="vg")).status.accelerator_reason, 30,
                "the KVM trial passed")

    def test_bad_requests_are_refused_and_change_nothing(self):
        with self.assertRaises(grpc.RpcError) as e:
            self.call("DefineVm", V.DefineVmRequest(spec=V.VmSpec(name="bad/name")))
        self.assertEqual(e.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("vm.name", e.exception.details())
        with self.assertRaises(grpc.RpcError) as e:
            self.call("StartVm", V.VmRequest(name="nope"))
        self.assertEqual(e.exception.code(), grpc.StatusCode.NOT_FOUND)
        # A NIC on a network the switch does not have: no QEMU, no port.
        spec = V.VmSpec(name="vd", memory_mib=96, kernel=self.kernel, initrd=self.initrd,
                        accelerator=V.ACCELERATOR_TCG,
                        nics=[V.Nic(network="lan0"), V.Nic(network="missing")])
        self.call("DefineVm", V.DefineVmRequest(spec=spec))
        with self.assertRaises(grpc.RpcError) as e:
            self.call("StartVm", V.VmRequest(name="vd"))
        self.assertEqual(e.exception.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertIn("missing", e.exception.details())
        self.assertNotIn("vd-n0", {p.name for p in self.switch.api.list_ports()})
        self.assertEqual(self.state("vd"), S.Value("VM_STATE_SHUTOFF"))
        self.call("UndefineVm", V.VmRequest(name="vd"))
        self.assertEqual(len(self.call("ListVms", V.ListVmsRequest()).vms), 0)


if __name__ == "__main__":
    unittest.main()
