#!/usr/bin/env python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where a module's time goes: run it by itself (no Ansible around it) with every Engine API call
timed, and the main thread under cProfile.

Usage: module_profile.py COLLECTIONS_PATH MODULE ARGS.json [TOP]
  ARGS.json holds {"ANSIBLE_MODULE_ARGS": {...}}. Prints the module's wall time, the API calls by
  endpoint (count, summed time), how much of the wall time at least one API call was in flight,
  and the TOP (default 15) functions of the main thread by cumulative time.
bench/bench.py calls it for linked_containers after the measured runs (BENCH_PROFILE=1).
"""

from __future__ import annotations

import contextlib
import cProfile
import importlib
import io
import json
import pstats
import re
import sys
import threading
import time


def trace_requests(calls: list) -> None:
    import requests  # pylint: disable=import-outside-toplevel

    original = requests.Session.send
    lock = threading.Lock()

    def send(self, request, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, request, **kwargs)
        finally:
            end = time.perf_counter()
            path = re.sub(r"^.*?(/v[\d.]+)?(/[^?]*).*$", r"\2", request.url)
            path = re.sub(r"/[0-9a-f]{12,64}(?=/|$)", "/{id}", path)
            path = re.sub(r"/(lbt[\w.-]+)(?=/|$)", "/{name}", path)
            with lock:
                calls.append((request.method + " " + path, start, end))

    requests.Session.send = send


def busy_time(calls: list) -> float:
    """Wall time during which at least one call was in flight (the union of the intervals)."""
    total, cur_start, cur_end = 0.0, None, None
    for _name, start, end in sorted(calls, key=lambda c: c[1]):
        if cur_end is None or start > cur_end:
            if cur_end is not None:
                total += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None:
        total += cur_end - cur_start
    return total


def main(collections_path: str, module: str, args_path: str, top: int = 15) -> None:
    sys.path.insert(0, collections_path)
    calls: list = []
    t0 = time.perf_counter()
    mod = importlib.import_module("ansible_collections.labnet.docker.plugins.modules." + module)
    imported = time.perf_counter() - t0
    trace_requests(calls)
    sys.argv = [module, args_path]
    out = io.StringIO()
    prof = cProfile.Profile()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        prof.enable()
        try:
            mod.main()
        except SystemExit:
            pass
        finally:
            prof.disable()
    wall = time.perf_counter() - start
    text = out.getvalue()
    try:
        result = json.loads(text[text.index("{"):])
    except ValueError:
        result = {"unparsed": text[-500:]}
    by = {}
    for name, s, e in calls:
        n, t = by.get(name, (0, 0.0))
        by[name] = (n + 1, t + e - s)
    busy = busy_time(calls)
    print("module %s: import %.3f s, main() %.3f s wall; changed=%s failed=%s" % (
        module, imported, wall, result.get("changed"), result.get("failed", False)))
    summed = sum(e - s for _n, s, e in calls)
    share = 100 * busy / wall if wall else 0
    print("engine API: %d calls, %.3f s summed, in flight %.3f s of the %.3f s (%.0f%%); "
          "outside any call %.3f s" % (len(calls), summed, busy, wall, share, wall - busy))
    for name, (n, t) in sorted(by.items(), key=lambda kv: -kv[1][1]):
        print("  %4d x %-45s %7.3f s summed, %6.1f ms each" % (n, name, t, 1000 * t / n))
    print("main thread, by cumulative time:")
    stream = io.StringIO()
    pstats.Stats(prof, stream=stream).sort_stats("cumulative").print_stats(top)
    print("\n".join(line for line in stream.getvalue().splitlines() if line.strip())[:6000])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 15)
