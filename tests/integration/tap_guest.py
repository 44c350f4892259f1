"""Plays QEMU on a TAP the switch made: opens it by name (as `-netdev
tap,ifname=NAME` does), sends COUNT frames to DST, then counts the frames it
receives for SECONDS and prints that number.

usage: tap_guest.py IFNAME OWN_MAC DST_MAC COUNT SECONDS
"""
import fcntl
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def mac(text):
    return bytes.fromhex(text.replace(":", ""))


def main():
    ifname, own, dst, count, seconds = sys.argv[1:6]
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TAP | IFF_NO_PI))
    time.sleep(0.5)  # the switch sees the carrier come up
    for i in range(int(count)):
        os.write(fd, mac(dst) + mac(own) + b"\x88\xb5" + struct.pack("!I", i) + bytes(46))
    got = 0
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            os.read(fd, 65536)
            got += 1
    print(got, flush=True)


if __name__ == "__main__":
    main()
