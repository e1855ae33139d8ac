#!/usr/bin/env python3
"""Write N Sips cardOrder-like JSON objects (about 400 bytes each), one per
line, in one of the shapes users have: compact (the default), spaced
(Python's default json.dumps: a space after ':' and ','), sealed (already
carrying a seal: a re-seal or a verify), nested (containers and lists).
Usage: gen.py N [SHAPE]"""
import hashlib, hmac, json, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
shape = sys.argv[2] if len(sys.argv) > 2 else "compact"
KEY = b"secret123"

def values(v, out):
    if isinstance(v, dict):
        for k in sorted(v):
            values(v[k], out)
    elif isinstance(v, list):
        for x in v:
            values(x, out)
    elif v is None or v == "":
        pass
    else:
        out.append(str(v))

out = sys.stdout
for i in range(n):
    o = {
        "amount": str(1000 + i % 90000),
        "captureDay": "0",
        "captureMode": "AUTHOR_CAPTURE",
        "cardCSCValue": "000",
        "cardExpiryDate": "202912",
        "cardNumber": "1234123412341234",
        "currencyCode": "978",
        "customerContact": {"email": f"customer{i % 1000}@email.com"},
        "interfaceVersion": "IR_WS_2.3",
        "keyVersion": "1",
        "merchantId": "011223344550000",
        "orderChannel": "INTERNET",
        "orderId": f"ORD{i:09d}",
        "returnContext": "ReturnContext",
        "transactionOrigin": "SO_WEBAPPLI",
        "transactionReference": f"TREF{i:012d}",
    }
    if shape == "nested":
        o["customerAddress"] = {"city": "Paris", "street": {"name": "rue X", "number": str(i % 200)}}
        o["paymentMeanBrandList"] = ["VISA", "MASTERCARD", "CB"]
        o["instalmentData"] = {"amountsList": ["500", "500"], "datesList": ["20261201", "20270101"]}
    if shape == "sealed":
        parts = []
        for k in sorted(o):
            if k not in ("seal", "keyVersion", "sealAlgorithm"):
                values(o[k], parts)
        o["seal"] = hmac.new(KEY, "".join(parts).encode(), hashlib.sha256).hexdigest()
    if shape == "spaced":
        out.write(json.dumps(o) + "\n")
    else:
        out.write(json.dumps(o, separators=(",", ":")) + "\n")
