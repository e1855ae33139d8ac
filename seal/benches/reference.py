#!/usr/bin/env python3
"""The plain Python reference for `seal compute --jsonl`, `--seal-only`
and `verify --jsonl` (Sips JSON, HMAC-SHA-256): json + hmac from the
standard library, written the way a merchant's script would be.
Usage: reference.py KEYFILE [compute|seal-only|verify] < in > out"""
import hashlib, hmac, json, sys

key = open(sys.argv[1], "rb").read().rstrip(b"\n")
mode = sys.argv[2] if len(sys.argv) > 2 else "compute"
EXCLUDED = {"seal", "keyVersion", "sealAlgorithm"}

def values(v, out):
    if isinstance(v, dict):
        for k in sorted(v):
            values(v[k], out)
    elif isinstance(v, list):
        for x in v:
            values(x, out)
    elif v is None or v == "":
        pass
    elif isinstance(v, bool):
        out.append("true" if v else "false")
    else:
        out.append(str(v))

w = sys.stdout.write
for line in sys.stdin:
    if not line.strip():
        continue
    o = json.loads(line)
    parts = []
    for k in sorted(o):
        if k not in EXCLUDED:
            values(o[k], parts)
    seal = hmac.new(key, "".join(parts).encode(), hashlib.sha256).hexdigest()
    if mode == "seal-only":
        w(seal + "\n")
    elif mode == "verify":
        w(json.dumps({"valid": hmac.compare_digest(seal, o.get("seal", ""))}) + "\n")
    else:
        o["seal"] = seal
        w(json.dumps(o, separators=(",", ":"), ensure_ascii=False) + "\n")
