#!/usr/bin/env python3
"""Rename-into-place -> event latency of a watcher command.

Usage: latency.py N DIR CMD...   (CMD prints one line per file renamed into DIR)

Writes each file under a temporary name, renames it into place, and times the
moment the watcher's line naming it is read. Prints median, p99, max in ms.
"""
import json, os, signal, subprocess, sys, threading, time, statistics

n = int(sys.argv[1]); d = sys.argv[2]; cmd = sys.argv[3:]
os.makedirs(d, exist_ok=True)
seen = {}
ready = threading.Event()

# Own process group, so that the whole pipeline is killed at the end.
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
                        start_new_session=True)

def reader():
    for line in proc.stdout:
        t = time.monotonic()
        if "READY" in line:
            ready.set()
            continue
        line = line.strip()
        name = json.loads(line).get("name", "") if line.startswith("{") else line
        i = index.get(name)
        if i is not None and i not in seen:
            seen[i] = t

index = {}
threading.Thread(target=reader, daemon=True).start()
# Wait until the watcher is up: rename a sentinel until it is reported.
for _ in range(200):
    name = "20261123.99999999.PAY.REQ.T.01"
    tmp = os.path.join(d, ".sentinel.part")
    with open(tmp, "w") as f:
        f.write("x")
    os.rename(tmp, os.path.join(d, name))
    if ready.wait(0.05):
        break
    os.unlink(os.path.join(d, name))
starts = {}
for i in range(n):
    name = "20261123.%08d.PAY.REQ.T.01" % (10000000 + i)
    index[name] = i
    tmp = os.path.join(d, ".up-%d.part" % i)
    with open(tmp, "w") as f:
        f.write("00;PAY;06\n")
    starts[i] = time.monotonic()
    os.rename(tmp, os.path.join(d, name))
    time.sleep(0.005)
deadline = time.monotonic() + 10
while len(seen) < n and time.monotonic() < deadline:
    time.sleep(0.01)
os.killpg(proc.pid, signal.SIGKILL)
proc.wait()
lat = sorted((seen[i] - starts[i]) * 1000 for i in seen)
if not lat:
    print("no events"); sys.exit(1)
p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
print("events=%d/%d median=%.2fms p99=%.2fms max=%.2fms" % (len(lat), n, statistics.median(lat), p99, lat[-1]))
