"""802.1Q frames for tests, sent from inside a namespace with a packet socket.

The kernel on this machine is built without 802.1Q (no `ip link add ...
type vlan`), so a trunk's far end is played by a packet socket: it writes
tagged ARP and ICMP frames, and the real kernel stacks behind access ports
answer them. tcpdump -e shows what came back, and with which tag.
"""
import socket
import struct
import subprocess
import sys


def mac_bytes(mac):
    return bytes.fromhex(mac.replace(":", ""))


def ethernet(dst, src, ethertype, payload, tags=(), tpids=None):
    """A frame with 802.1Q tags (TCIs, outermost first); `tpids` overrides
    each tag's TPID (0x88a8 for an 802.1ad outer tag)."""
    head = mac_bytes(dst) + mac_bytes(src)
    for i, tci in enumerate(tags):
        tpid = tpids[i] if tpids else 0x8100
        head += struct.pack("!HH", tpid, tci)
    frame = head + struct.pack("!H", ethertype) + payload
    return frame + bytes(max(0, 60 - len(frame)))


def arp_request(src_mac, src_ip, target_ip, tags=(), tpids=None):
    payload = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac_bytes(src_mac),
                          socket.inet_aton(src_ip), bytes(6), socket.inet_aton(target_ip))
    return ethernet("ff:ff:ff:ff:ff:ff", src_mac, 0x0806, payload, tags, tpids)


def _checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(dst_mac, src_mac, src_ip, dst_ip, proto, l4, ident=1, frag=0, tags=()):
    """An IPv4 frame around `l4` as given (its checksums are the caller's)."""
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, frag, 64, proto, 0,
                     socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return ethernet(dst_mac, src_mac, 0x0800, ip + l4, tags)


def icmp_echo(dst_mac, src_mac, src_ip, dst_ip, ident, tags=()):
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"switchyard-vlan-test"
    icmp = icmp[:2] + struct.pack("!H", _checksum(icmp)) + icmp[4:]
    return ipv4(dst_mac, src_mac, src_ip, dst_ip, 1, icmp, ident=ident, tags=tags)


_SENDER = ("import socket,sys\n"
           "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\n"
           "s.bind((sys.argv[1],0))\n"
           "for h in sys.argv[2:]: s.send(bytes.fromhex(h))\n")


def send(ns, ifname, *frames):
    """Writes `frames` as they are onto `ifname` in namespace `ns`."""
    subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", _SENDER, ifname,
                    *(f.hex() for f in frames)], check=True, timeout=30)
