#!/usr/bin/env python3
"""Control-plane latency of a switchyardd build, for before/after figures.

- port add to first forwarded frame: a sender in one namespace floods a
  marked frame every ~0.1 ms into a kernel port of lan0; a kernel port to a
  second namespace is added (and deleted) again and again; each round is
  the time from the start of the CreatePort call to the first marked frame
  the second namespace receives (CLOCK_MONOTONIC is shared by the processes).
- N ports: N vhost-user server ports added by N CreatePort calls, and (when
  the build has Config.Apply) in one Apply, then deleted the same way.

Usage: SY_BUILD_DIR=build tests/bench/control_latency.py [--rounds R] [--ports N]
                                                        [--driver auto|af_packet]
Last line: add_to_frame_p50_ms=.. add_to_frame_p99_ms=.. create_n_s=.. apply_n_s=..
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import grpc  # noqa: E402

from sylib import Switch, add_netns, pb, run_in, unique, wait_for  # noqa: E402

SENDER = r"""
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\xaa" + b"\x88\xb5" + b"x" * 46
while True:
    s.send(frame)
    time.sleep(0.0001)
"""

# Prints the arrival time of the first marked frame after a silence of
# 50 ms or more: one line per round.
RECEIVER = r"""
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.bind((sys.argv[1], 0))
print("ready", flush=True)
last = 0.0
while True:
    s.recv(2048)
    now = time.monotonic()
    if now - last > 0.05:
        print(now, flush=True)
    last = now
"""


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--ports", type=int, default=200)
    ap.add_argument("--driver", choices=("auto", "af_packet"), default="auto",
                    help="of the kernel port added each round")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix=unique("lat") + "-", dir="/tmp")
    namespaces, procs, sw = [], [], None
    try:
        for tag in ("s", "a", "b"):
            namespaces.append(add_netns("lat" + tag))
        ns_s, ns_a, ns_b = namespaces
        for sw_end, peer, ns in (("swa", "a0", ns_a), ("swb", "b0", ns_b)):
            subprocess.run(["ip", "link", "add", sw_end, "netns", ns_s, "type", "veth", "peer",
                            "name", peer, "netns", ns], check=True)
            run_in(ns_s, "ip", "link", "set", sw_end, "up")
            run_in(ns, "ip", "link", "set", peer, "up")
        sw = Switch(work, ["--pmd-idle-sleep-max-us", "0"], netns=ns_s).wait_running()
        api = sw.api
        api.create_network("lan0")

        driver = (pb.port.KERNEL_DRIVER_AF_PACKET if args.driver == "af_packet"
                  else pb.port.KERNEL_DRIVER_AUTO)

        def kernel_port(name, dev):
            return pb.port.CreatePortRequest(port=pb.port.Port(
                name=name, network="lan0", kernel=pb.port.Kernel(netdev=dev, driver=driver)))
        api.ports.CreatePort(kernel_port("pa", "swa"), timeout=10)
        receiver = subprocess.Popen(["ip", "netns", "exec", ns_b, sys.executable, "-c", RECEIVER,
                                     "b0"], stdout=subprocess.PIPE, text=True)
        procs.append(receiver)
        assert receiver.stdout.readline().strip() == "ready"
        procs.append(subprocess.Popen(["ip", "netns", "exec", ns_a, sys.executable, "-c", SENDER,
                                       "a0"]))
        latencies, calls = [], []
        for _ in range(args.rounds):
            time.sleep(0.2)  # silence: pb is not there
            t0 = time.monotonic()
            api.ports.CreatePort(kernel_port("pb", "swb"), timeout=10)
            calls.append((time.monotonic() - t0) * 1000)
            t1 = float(receiver.stdout.readline())
            latencies.append((t1 - t0) * 1000)
            api.delete_port("pb")
        print("add to first frame (ms): " + " ".join(f"{x:.1f}" for x in latencies))
        print("of which the call (ms): " + " ".join(f"{x:.1f}" for x in calls))

        names = [f"v{i}" for i in range(args.ports)]

        def vhost(name):
            return pb.port.Port(name=name, network="lan0", vhost_user=pb.port.VhostUser(
                socket_path=os.path.join(work, name + ".sock"),
                mode=pb.port.VHOST_USER_MODE_SERVER))
        t0 = time.monotonic()
        for n in names:
            api.ports.CreatePort(pb.port.CreatePortRequest(port=vhost(n)), timeout=30)
        create_s = time.monotonic() - t0
        for n in names:
            api.delete_port(n)
        apply_s = 0.0
        if hasattr(pb, "config"):
            try:
                state = api.config.Get(pb.config.GetConfigRequest(), timeout=10).state
                base = pb.config.DesiredState()
                base.CopyFrom(state)
                state.ports.extend(vhost(n) for n in names)
                t0 = time.monotonic()
                api.config.Apply(pb.config.ApplyConfigRequest(state=state), timeout=60)
                apply_s = time.monotonic() - t0
                api.config.Apply(pb.config.ApplyConfigRequest(state=base), timeout=60)
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.UNIMPLEMENTED:
                    raise
        print(f"add_to_frame_p50_ms={percentile(latencies, 50):.2f} "
              f"add_to_frame_p99_ms={percentile(latencies, 99):.2f} "
              f"create_{args.ports}_s={create_s:.3f} apply_{args.ports}_s={apply_s:.3f}")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        if sw:
            sw.stop()
        for ns in namespaces:
            subprocess.run(["ip", "netns", "del", ns])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
