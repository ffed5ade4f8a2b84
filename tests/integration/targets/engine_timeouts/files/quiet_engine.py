# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""A Docker socket that accepts connections and then does not answer.

--mode silent   never answers anything: the client cannot even learn the API version;
--mode stall    answers GET /version and HEAD or GET /_ping as a 20.10 engine does, so that a client
                connects, and never answers any other request.

Every connection is held open until the process ends. Usage:
python3 quiet_engine.py --socket /run/x.sock --mode stall
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import sys
import threading

VERSION = {"Version": "20.10.24", "ApiVersion": "1.41", "MinAPIVersion": "1.12", "Os": "linux", "Arch": "amd64"}
REQUEST = re.compile(rb"^(GET|HEAD|POST|PUT|DELETE) (/\S*) HTTP/1\.[01]\r\n", re.M)


def answer(body: bytes, content_type: str, head: bool = False) -> bytes:
    headers = ("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
               % (content_type, len(body)))
    return headers.encode() + (b"" if head else body)


def reply_for(method: bytes, path: bytes) -> bytes | None:
    path = path.split(b"?")[0]
    if re.fullmatch(rb"(/v[0-9.]+)?/_ping", path):
        return answer(b"OK", "text/plain", head=method == b"HEAD")
    if re.fullmatch(rb"(/v[0-9.]+)?/version", path):
        return answer(json.dumps(VERSION).encode(), "application/json")
    return None


def hold(conn: socket.socket, mode: str) -> None:
    """Read requests; answer those the mode answers; from the first other one on, say nothing."""
    buffered = b""
    while True:
        try:
            data = conn.recv(65536)
        except OSError:
            return
        if not data:
            return
        if mode == "silent":
            continue
        buffered += data
        while b"\r\n\r\n" in buffered:
            head, _sep, buffered = buffered.partition(b"\r\n\r\n")
            match = REQUEST.match(head + b"\r\n")
            reply = reply_for(match.group(1), match.group(2)) if match else None
            if reply is None:
                mode = "silent"  # a request this engine does not answer: hang from here on
                break
            conn.sendall(reply)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True)
    parser.add_argument("--mode", choices=["silent", "stall"], default="silent")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(args.socket)
    server.listen(64)
    print("listening on %s (%s)" % (args.socket, args.mode), flush=True)
    while True:
        conn = server.accept()[0]
        threading.Thread(target=hold, args=(conn, args.mode), daemon=True).start()


if __name__ == "__main__":
    main()
