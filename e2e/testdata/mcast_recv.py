#!/usr/bin/env python3
"""A classic multicast receiver: prints each datagram's bytes in hex.

    mcast_recv.py GROUP PORT IFACE_ADDR COUNT TIMEOUT_SECONDS

Prints "ready" once joined, then one hex line per datagram, then "timeout"
if fewer than COUNT arrived in time. Used by docs/INTEROP.md and e2e tests.
"""
import socket
import struct
import sys

group, port, ifaddr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
count, timeout = int(sys.argv[4]), float(sys.argv[5])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port))
mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(ifaddr))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
s.settimeout(timeout)
print("ready", flush=True)
try:
    for _ in range(count):
        data, _ = s.recvfrom(65535)
        print(data.hex(), flush=True)
except socket.timeout:
    print("timeout", flush=True)
