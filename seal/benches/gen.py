#!/usr/bin/env python3
"""Write N Sips cardOrder-like JSON objects (about 400 bytes each), one per line."""
import json, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
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
    out.write(json.dumps(o, separators=(",", ":")) + "\n")
