# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hold a packet socket with PACKET_MR_PROMISC membership on a NIC, as tcpdump does.

Usage: hold_promisc.py NIC READY_FILE. Writes READY_FILE once the membership is in place, then
sleeps until killed (at most five minutes, so that a lost test never leaves it behind for long).
"""
import socket
import struct
import sys
import time

SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1
ETH_P_ALL = 0x0003

nic, ready = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
sock.bind((nic, 0))
mreq = struct.pack("iHH8s", socket.if_nametoindex(nic), PACKET_MR_PROMISC, 0, b"")
sock.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
with open(ready, "w") as f:
    f.write("ready\n")
time.sleep(300)
