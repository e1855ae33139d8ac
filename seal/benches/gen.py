#!/usr/bin/env python3
"""Write N Sips cardOrder-like JSON objects (about 400 bytes each), one per
line, in one of the shapes users have:

  compact   the default
  spaced    Python's default json.dumps: a space after ':' and ','
  sealed    already carrying a seal: a re-seal or a verify
  nested    containers and lists
  raw       French text (names, address, cart, context) written as UTF-8
  escaped   the same text written as \\u00e8 escapes (json.dumps' default)
  shuffled  the French text escaped, keys in random order at every level
  cart      a shopping cart: a list of 2-5 items, each an object with
            French text (Sips' shoppingCartDetail)

Usage: gen.py N [SHAPE]. The same N and SHAPE give the same file."""
import hashlib, hmac, json, random, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
shape = sys.argv[2] if len(sys.argv) > 2 else "compact"
KEY = b"secret123"
# Seeded: a benchmark reruns on the same bytes.
rng = random.Random(27)

FIRST = ["Hélène", "François", "Zoë", "Jérôme", "Cécile", "Noël", "Loïc", "Anaïs"]
LAST = ["Lefèvre", "Bréchet", "Dupré", "Mégret", "Thérond", "Faÿ", "Gaëtan", "Crémieux"]
CITY = ["Besançon", "Orléans", "Nîmes", "Évry", "Sète", "Mâcon", "Châlons", "Pontoise"]
PRODUCTS = [
    ("Crème brûlée", "Dessert à la vanille de Madagascar", "CB-01", "450"),
    ("Pâté en croûte", "Recette du Périgord, 250 g", "PC-02", "1290"),
    ("Bûche de Noël", "Chocolat noir, éclats de noisette", "BN-03", "2400"),
    ("Café crème", "Torréfié à Évian", "CC-04", "320"),
    ("Thé à la menthe", "Menthe fraîche, sucre de canne", "TM-05", "280"),
    ("Gâteau basque", "Crème pâtissière, cerises noires", "GB-06", "1850"),
]

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

def shuffled(v):
    """The same object, its keys in random order at every level."""
    if isinstance(v, dict):
        keys = list(v)
        rng.shuffle(keys)
        return {k: shuffled(v[k]) for k in keys}
    if isinstance(v, list):
        return [shuffled(x) for x in v]
    return v

french = shape in ("raw", "escaped", "shuffled", "cart")
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
    if french:
        o["customerContact"].update(
            {"firstname": FIRST[i % 8], "lastname": LAST[(i // 8) % 8]})
        o["customerAddress"] = {"city": CITY[i % 8], "street": "rue de l'Église",
                                "addressAdditional1": f"bâtiment {i % 9}, 2ᵉ étage"}
        o["returnContext"] = f"commande passée à {i % 24}h, réf. n° {i}"
    if shape == "cart":
        items = []
        for j in range(2 + i % 4):
            name, desc, code, price = PRODUCTS[(i + j) % len(PRODUCTS)]
            items.append({"productName": name, "productDescription": desc,
                          "productCode": code, "productUnitAmount": price,
                          "productQuantity": str(1 + j), "productCategory": "ALIMENTATION"})
        o["shoppingCartDetail"] = {
            "shoppingCartTotalAmount": str(sum(int(it["productUnitAmount"]) * int(it["productQuantity"]) for it in items)),
            "shoppingCartTotalQuantity": str(sum(int(it["productQuantity"]) for it in items)),
            "shoppingCartItemList": items,
        }
    if shape == "nested":
        o["customerAddress"] = {"city": "Paris", "street": {"name": "rue X", "number": str(i % 200)}}
        o["paymentMeanBrandList"] = ["VISA", "MASTERCARD", "CB"]
        o["instalmentData"] = {"amountsList": ["500", "500"], "datesList": ["20261201", "20270101"]}
    if shape == "shuffled":
        o = shuffled(o)
    if shape == "sealed":
        parts = []
        for k in sorted(o):
            if k not in ("seal", "keyVersion", "sealAlgorithm"):
                values(o[k], parts)
        o["seal"] = hmac.new(KEY, "".join(parts).encode(), hashlib.sha256).hexdigest()
    if shape == "spaced":
        out.write(json.dumps(o) + "\n")
    elif shape in ("raw", "cart"):
        out.write(json.dumps(o, separators=(",", ":"), ensure_ascii=False) + "\n")
    else:
        out.write(json.dumps(o, separators=(",", ":")) + "\n")
