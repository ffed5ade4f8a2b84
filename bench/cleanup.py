#!/usr/bin/env python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Remove everything one bench run made (containers, networks, links named or labelled with its id).

Usage: cleanup.py RUN_ID   (tools/bench.sh calls it on exit, on Ctrl-C and on failure)
"""

from __future__ import annotations

import sys

import lablib

if __name__ == "__main__":
    print("bench cleanup %s: %s" % (sys.argv[1], lablib.cleanup(sys.argv[1])))
