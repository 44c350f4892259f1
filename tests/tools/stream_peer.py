"""stream_peer: sy_guest's stream and gap commands for kernel-side peers.

A TAP guest (it opens the TAP by name and holds its fd, as QEMU's `-netdev
tap,ifname=NAME` does) or a host behind a netdev (a raw AF_PACKET socket on
it, e.g. a veth's end in a namespace). Run it in the device's namespace:

  stream_peer.py (--tap IFNAME | --iface IFNAME) --mac MAC

The protocol is sy_guest's (tests/tools/sy_guest.cc): one command per line on
stdin, one JSON object per line on stdout; {"ok":true,"ready":true,...} once
the device is open. Commands: `stream DST_MAC RATE`, `stream stop`, `gaps`,
`reset` and `quit` (or EOF), with the same replies and the same frames:
ethertype 0x88b6, a big-endian 32-bit sequence number, zeros to 60 bytes;
sent open loop at RATE a second (a frame the device refuses is counted in
tx_dropped, never retried), every received one timestamped.
"""
import argparse
import errno
import fcntl
import json
import os
import select
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
STREAM_ETHERTYPE = 0x88B6
FRAME_LEN = 60


def mac_bytes(text):
    raw = bytes.fromhex(text.replace(":", ""))
    if len(raw) != 6 or text.count(":") != 5:
        raise ValueError(f"bad MAC {text}")
    return raw


class Gaps:
    """The receive side, as sy_guest's GapTracker."""

    def __init__(self):
        self.rx = 0
        self.first_seq = 0
        self.max_seq = 0
        self.last_rx = 0.0
        self.max_gap = 0.0
        self.gap_start = 0.0
        self.gap_end = 0.0

    def on_frame(self, seq, now):
        if self.rx == 0:
            self.first_seq = self.max_seq = seq
        elif now - self.last_rx > self.max_gap:
            self.max_gap = now - self.last_rx
            self.gap_start, self.gap_end = self.last_rx, now
        self.rx += 1
        self.max_seq = max(self.max_seq, seq)
        self.last_rx = now

    def report(self):
        expected = self.max_seq - self.first_seq + 1 if self.rx else 0
        return {"ok": True, "rx": self.rx, "first_seq": self.first_seq,
                "last_seq": self.max_seq, "lost": expected - self.rx,
                "max_gap_ms": round(self.max_gap * 1e3, 3), "gap_start": self.gap_start,
                "gap_end": self.gap_end, "last_rx": self.last_rx, "now": time.time()}


class Device:
    """A TAP fd or an AF_PACKET socket: fileno(), send(frame), recv() -> bytes|None."""

    def __init__(self, tap=None, iface=None):
        if tap:
            self.fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
            fcntl.ioctl(self.fd, TUNSETIFF, struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI))
            self.sock = None
        else:
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                      socket.htons(STREAM_ETHERTYPE))
            self.sock.bind((iface, STREAM_ETHERTYPE))
            self.sock.setblocking(False)
            self.fd = self.sock.fileno()

    def fileno(self):
        return self.fd

    def send(self, frame):
        try:
            if self.sock:
                self.sock.send(frame)
            else:
                os.write(self.fd, frame)
            return True
        except OSError as e:  # a full queue or a device going away: a loss
            if e.errno in (errno.EAGAIN, errno.ENOBUFS, errno.EIO, errno.ENETDOWN, errno.ENXIO):
                return False
            raise

    def recv(self):
        try:
            if self.sock:
                data, addr = self.sock.recvfrom(2048)
                return None if addr[2] == socket.PACKET_OUTGOING else data
            return os.read(self.fd, 65536)
        except BlockingIOError:
            return None
        except OSError as e:
            if e.errno in (errno.EIO, errno.ENETDOWN, errno.ENXIO):
                return None
            if e.errno == errno.EBADFD:  # the TAP was deleted under us, as QEMU sees it
                print("stream_peer: the TAP was deleted", file=sys.stderr)
                sys.exit(0)
            raise


class Peer:
    def __init__(self, device, own_mac):
        self.dev = device
        self.own = mac_bytes(own_mac)
        self.gaps = Gaps()
        self.stream = None  # (dst, rate, start, generated)
        self.sent = self.dropped = self.next_seq = 0
        self.quit = False

    def reply(self, obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    def stream_tx(self):
        if not self.stream:
            return
        dst, rate, start, generated = self.stream
        due = int((time.monotonic() - start) * rate)
        while generated < due:
            generated += 1
            frame = (dst + self.own + struct.pack("!HI", STREAM_ETHERTYPE, self.next_seq)).ljust(
                FRAME_LEN, b"\0")
            self.next_seq = (self.next_seq + 1) & 0xFFFFFFFF
            if self.dev.send(frame):
                self.sent += 1
            else:
                self.dropped += 1
        self.stream = (dst, rate, start, generated)

    def poll_rx(self):
        got = 0
        now = time.time()
        while got < 64:
            data = self.dev.recv()
            if data is None:
                break
            got += 1
            if (len(data) >= 18 and data[:6] == self.own
                    and struct.unpack("!H", data[12:14])[0] == STREAM_ETHERTYPE):
                self.gaps.on_frame(struct.unpack("!I", data[14:18])[0], now)
        return got

    def handle(self, line):
        words = line.split()
        if not words:
            return
        cmd = words[0]
        if cmd == "stream" and words[1:] == ["stop"]:
            self.stream = None
            self.reply({"ok": True, "sent": self.sent, "tx_dropped": self.dropped,
                        "next_seq": self.next_seq})
        elif cmd == "stream" and len(words) == 3:
            try:
                dst, rate = mac_bytes(words[1]), int(words[2])
            except ValueError as e:
                return self.reply({"ok": False, "error": str(e)})
            if not 1 <= rate <= 100000:
                return self.reply({"ok": False, "error": "RATE must be in [1, 100000]"})
            self.stream = (dst, rate, time.monotonic(), 0)
            self.sent = self.dropped = 0
            self.reply({"ok": True})
        elif cmd == "gaps":
            self.reply(self.gaps.report())
        elif cmd == "reset":
            self.gaps = Gaps()
            self.reply({"ok": True})
        elif cmd == "quit":
            self.reply({"ok": True})
            self.quit = True
        else:
            self.reply({"ok": False, "error": f"unknown command {line.strip()}"})

    def run(self):
        self.reply({"ok": True, "ready": True, "mac": ":".join(f"{b:02x}" for b in self.own)})
        pending = b""
        stdin = sys.stdin.fileno()
        while not self.quit:
            self.stream_tx()
            # Wake for the next frame due (1 ms at most), a command or rx.
            ready, _, _ = select.select([stdin, self.dev], [], [], 0.001)
            if self.dev in ready:
                self.poll_rx()
            if stdin in ready:
                chunk = os.read(stdin, 4096)
                if not chunk:
                    break  # EOF: whoever drives us is gone
                pending += chunk
                while b"\n" in pending and not self.quit:
                    line, pending = pending.split(b"\n", 1)
                    self.handle(line.decode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    dev = ap.add_mutually_exclusive_group(required=True)
    dev.add_argument("--tap", help="open this TAP by name and hold it, as QEMU does")
    dev.add_argument("--iface", help="a raw AF_PACKET socket on this netdev")
    ap.add_argument("--mac", required=True)
    args = ap.parse_args()
    Peer(Device(tap=args.tap, iface=args.iface), args.mac).run()


if __name__ == "__main__":
    main()
