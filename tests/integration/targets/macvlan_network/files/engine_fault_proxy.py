# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""A Docker socket that forwards to a real engine and brings about one fault at a chosen request.

The module under test talks to --listen; every byte goes on to --upstream and back unchanged. The
proxy reads the request lines and status lines as they pass and, the first time each trigger fires:

--pause-pid PID --pause-seconds N   after a network create request went on to the engine, stop that
                                    engine (SIGSTOP to PID, which must be an engine the test started)
                                    and continue it (SIGCONT) N seconds later;
--after-create CMD                  when the engine's answer to a network create comes back, run CMD
                                    (a shell line) and wait for it, then pass the answer on;
--after-failed-connect CMD          when a network connect is refused (status 4xx or 5xx), run CMD and
                                    wait for it, then pass the refusal on.

Each event is printed, one line each, to stdout. Stop it with SIGTERM.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

REQUEST = re.compile(rb"(GET|POST|PUT|DELETE|HEAD) (/\S*) HTTP/1\.[01]\r\n")
STATUS = re.compile(rb"^HTTP/1\.[01] (\d{3})")
fired: set[str] = set()
lock = threading.Lock()
paused: list[int] = []  # the engine this proxy stopped and has not continued yet


def log(text: str) -> None:
    print("%.3f %s" % (time.time(), text), flush=True)


def first_time(trigger: str) -> bool:
    with lock:
        if trigger in fired:
            return False
        fired.add(trigger)
        return True


def kind_of(path: bytes) -> str:
    path = path.split(b"?")[0]
    if re.search(rb"/networks/create$", path):
        return "create"
    if re.search(rb"/networks/[^/]+/connect$", path):
        return "connect"
    return "other"


def run_command(what: str, command: str) -> None:
    done = subprocess.run(command, shell=True, capture_output=True, text=True, check=False)
    log("%s: %r rc=%d %s %s" % (what, command, done.returncode, done.stdout.strip(), done.stderr.strip()))


def pause_engine(args) -> None:
    os.kill(args.pause_pid, signal.SIGSTOP)
    paused.append(args.pause_pid)
    log("paused engine pid %d for %ss" % (args.pause_pid, args.pause_seconds))
    threading.Timer(args.pause_seconds, resume).start()


def resume() -> None:
    while paused:
        pid = paused.pop()
        os.kill(pid, signal.SIGCONT)
        log("continued engine pid %d" % pid)


def stop(*_args) -> None:
    resume()  # never leave an engine stopped
    sys.exit(0)


def client_to_engine(args, client: socket.socket, engine: socket.socket, pending: list[str]) -> None:
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            kinds = [kind_of(m.group(2)) for m in REQUEST.finditer(data)]
            for m in REQUEST.finditer(data):
                log("request %s %s" % (m.group(1).decode(), m.group(2).decode()))
            pending.extend(kinds)
            engine.sendall(data)
            if "create" in kinds and args.pause_pid and first_time("pause"):
                pause_engine(args)
    except OSError:
        pass
    finally:
        for sock in (engine,):
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def engine_to_client(args, client: socket.socket, engine: socket.socket, pending: list[str]) -> None:
    try:
        while True:
            data = engine.recv(65536)
            if not data:
                break
            status = STATUS.match(data)
            if status and pending:
                kind = pending.pop(0)
                code = int(status.group(1))
                log("answer %d to %s" % (code, kind))
                if kind == "create" and args.after_create and first_time("after-create"):
                    run_command("after create", args.after_create)
                if kind == "connect" and code >= 400 and args.after_failed_connect and first_time("after-connect"):
                    run_command("after failed connect", args.after_failed_connect)
            try:
                client.sendall(data)
            except OSError:
                log("the client had gone; answer dropped")
    except OSError:
        pass
    finally:
        client.close()
        engine.close()


def serve(args) -> None:
    if os.path.exists(args.listen):
        os.unlink(args.listen)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(args.listen)
    server.listen(64)
    log("listening on %s, forwarding to %s" % (args.listen, args.upstream))
    while True:
        client = server.accept()[0]
        engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        engine.connect(args.upstream)
        pending: list[str] = []
        threading.Thread(target=client_to_engine, args=(args, client, engine, pending), daemon=True).start()
        threading.Thread(target=engine_to_client, args=(args, client, engine, pending), daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--pause-pid", type=int)
    parser.add_argument("--pause-seconds", type=float, default=8.0)
    parser.add_argument("--after-create")
    parser.add_argument("--after-failed-connect")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, stop)
    serve(args)


if __name__ == "__main__":
    main()
