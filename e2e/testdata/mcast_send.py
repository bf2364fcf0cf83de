#!/usr/bin/env python3
"""A classic multicast sender: bare datagrams, as C and Python tools send.

    mcast_send.py GROUP PORT IFACE_ADDR TEXT [--gbk] [--raw-hex HEX]...

Each TEXT is sent as one datagram, UTF-8 encoded (GBK with --gbk before it);
--raw-hex sends exact bytes. Used by docs/INTEROP.md and e2e tests.
"""
import socket
import sys

group, port, ifaddr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ifaddr))
encoding = "utf-8"
args = iter(sys.argv[4:])
for arg in args:
    if arg == "--gbk":
        encoding = "gbk"
        continue
    if arg == "--raw-hex":
        s.sendto(bytes.fromhex(next(args)), (group, port))
        continue
    s.sendto(arg.encode(encoding), (group, port))
    encoding = "utf-8"
