"""The attacker's side of the security tests: real frames written onto a
guest's own interface from inside its namespace, with a packet socket.

Frames are built in the namespace by a short script, so a flood of 10,000
frames is one process and no long argument list.
"""
import random
import socket
import struct
import subprocess
import sys

import dot1q

# argv: ifname, count, dst MAC (hex), seed. Each frame: dst, a random
# locally administered unicast source MAC, an ARP request for 10.255.x.y;
# about 50,000 frames a second.
_FLOOD = """
import random, socket, struct, sys, time
ifname, count, dst, seed = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(seed)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
for i in range(count):
    src = bytes([0x02 | (rnd.randrange(256) & 0xfc)] + [rnd.randrange(256) for _ in range(5)])
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src, bytes([10, 255, i >> 8 & 255, i & 255]),
                      bytes(6), bytes([10, 255, 0, 1]))
    s.send(dst + src + b"\\x08\\x06" + arp + bytes(18))
    if i % 128 == 127:
        time.sleep(0.002)  # fast, but within what a veth's rings hold
print(count)
"""


def flood_random_macs(ns, ifname, count, dst="ff:ff:ff:ff:ff:ff", seed=1):
    """Sends `count` frames, each from a new random source MAC; returns how many."""
    out = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", _FLOOD, ifname,
                          str(count), dst.replace(":", ""), str(seed)],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    return int(out)

# argv: ifname, count, dst MAC, src MAC, src IP, dst IP, dst port. TCP SYNs
# with valid checksums from source ports 10000 up, wrapping at 60000.
_SYN_FLOOD = """
import socket, struct, sys, time
ifname, count = sys.argv[1], int(sys.argv[2])
dst_mac, src_mac = bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4])
src_ip, dst_ip = socket.inet_aton(sys.argv[5]), socket.inet_aton(sys.argv[6])
dport = int(sys.argv[7])
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0x4000, 64, 6, 0, src_ip, dst_ip)
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
head = dst_mac + src_mac + b"\\x08\\x00" + ip
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
for i in range(count):
    sport = 10000 + i % 50000
    tcp = struct.pack("!HHIIBBHHH", sport, dport, i * 7919, 0, 0x50, 0x02, 64240, 0, 0)
    sum_ = csum(src_ip + dst_ip + struct.pack("!BBH", 0, 6, 20) + tcp)
    s.send(head + tcp[:16] + struct.pack("!H", sum_) + tcp[18:] + bytes(6))
    if i % 128 == 127:
        time.sleep(0.002)
print(count)
"""


def syn_flood(ns, ifname, count, dst_mac, src_mac, src_ip, dst_ip, dst_port):
    """Sends `count` TCP SYNs from `src_ip` (ports 10000-59999) to dst_ip:dst_port."""
    out = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", _SYN_FLOOD, ifname,
                          str(count), dst_mac.replace(":", ""), src_mac.replace(":", ""), src_ip,
                          dst_ip, str(dst_port)],
                         check=True, capture_output=True, text=True, timeout=300).stdout
    return int(out)


DHCP_DISCOVER, DHCP_REQUEST, DHCP_DECLINE, DHCP_RELEASE = 1, 3, 4, 7


def dhcp(src_mac, chaddr, msg_type, ciaddr="0.0.0.0", requested=None, server_id=None):
    """A DHCP client message sent from `src_mac` for the client `chaddr`."""
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 0, random.getrandbits(32), 0,
                        0, socket.inet_aton(ciaddr), bytes(4), bytes(4), bytes(4),
                        dot1q.mac_bytes(chaddr), bytes(64), bytes(128), 0x63825363)
    bootp += bytes([53, 1, msg_type])
    if requested:
        bootp += bytes([50, 4]) + socket.inet_aton(requested)
    if server_id:
        bootp += bytes([54, 4]) + socket.inet_aton(server_id)
    bootp += bytes([255])
    udp = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0) + bootp
    return dot1q.ipv4("ff:ff:ff:ff:ff:ff", src_mac, ciaddr, "255.255.255.255", 17, udp)


def random_mac(rnd):
    return ":".join(f"{b:02x}" for b in [0x02] + [rnd.randrange(256) for _ in range(5)])


# argv: ifname, seconds, frame (hex). Sends the frame as fast as it can.
_BLAST = """
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
frame, end, n = bytes.fromhex(sys.argv[3]), time.monotonic() + float(sys.argv[2]), 0
while time.monotonic() < end:
    for _ in range(256):
        try:
            s.send(frame)
            n += 1
        except OSError:  # the device's queue is full: go on
            pass
print(n)
"""


def blast(ns, ifname, seconds, frame):
    """Starts sending `frame` from `ns` as fast as one core can for
    `seconds`; returns the process (its stdout: how many were sent)."""
    return subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", _BLAST, ifname,
                             str(seconds), frame.hex()], stdout=subprocess.PIPE, text=True)
