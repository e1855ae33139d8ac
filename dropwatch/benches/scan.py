#!/usr/bin/env python3
"""Plain Python reference for a full scan: walk the tree and stat every file
(what watch --once and sweep --dry-run must do at least)."""
import os, sys
n = 0
for root, dirs, files in os.walk(sys.argv[1]):
    for f in files:
        os.lstat(os.path.join(root, f)); n += 1
print(n)
