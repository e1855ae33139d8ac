#!/usr/bin/env python3
"""Plain Python reference for the xmlbatch benchmark (standard library only).

  reference.py build  < rows.csv   > question.xml   # CSV -> Question XML
  reference.py status < status.xml > answers.csv    # status XML -> CSV
  reference.py build-lyra  < rows.csv > PAY.REQ       # CSV -> Lyra PAY REQ
  reference.py status-lyra < PAY.ANS  > answers.csv   # Lyra PAY ANS -> CSV

Does the same job as `xmlbatch build` / `xmlbatch status` for the
benchmark's input: reads the CSV with the csv module, checks amounts,
currencies, Luhn and expiry, writes the XML with escaping; reads the status
XML with ElementTree.iterparse (streaming) and writes CSV. For Lyra: checks
each payment line's fields (transaction id 6 digits and unique in the
file, amount, currency, token, no `;` or line break), writes the header,
the lines and the trailer; reads the ANS with the csv module and writes
the codes and their meaning.
"""
import csv
import sys
from xml.etree.ElementTree import iterparse
from xml.sax.saxutils import escape, quoteattr

CURRENCIES = {"EUR": "978", "978": "978", "USD": "840", "840": "840"}
TYPES = {"authorize_capture": "00003", "00003": "00003", "capture": "00002", "00002": "00002"}
NS = "{http://www.paybox.com/PayboxBatchStatus}"


def luhn(pan):
    total = 0
    for i, c in enumerate(reversed(pan)):
        d = ord(c) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def build():
    out = sys.stdout
    rows = csv.DictReader(sys.stdin)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write('<PayboxBatch xmlns="http://www.paybox.com/PayboxBatch" BatchNumber="1" '
              'CreatedOn="2026-11-22T10:15:00+01:00">\n  <Merchant Site="1999888" Rank="032">\n')
    bad = 0
    for n, row in enumerate(rows, 1):
        t = TYPES.get(row["type"])
        amount = row["amount"]
        cur = CURRENCIES.get(row["currency"])
        pan = row["pan"]
        exp = row["expiry"]
        if not t or not amount.isdigit() or len(amount) > 10 or not cur:
            bad += 1
            continue
        if not (pan.isdigit() and 12 <= len(pan) <= 19 and luhn(pan)):
            bad += 1
            continue
        if not (len(exp) == 4 and exp.isdigit() and 1 <= int(exp[:2]) <= 12 and (int(exp[2:]), int(exp[:2])) >= (26, 11)):
            bad += 1
            continue
        out.write('    <Question Number=%s Type="%s">\n' % (quoteattr("%010d" % n), t))
        out.write("      <Amount>%s</Amount>\n      <Currency>%s</Currency>\n" % (amount, cur))
        out.write("      <Reference>%s</Reference>\n" % escape(row["reference"]))
        out.write("      <Date>22112026101500</Date>\n")
        out.write("      <Card>\n        <CB>\n          <PAN>%s</PAN>\n          <Expiry>%s</Expiry>\n"
                  "          <CVV>%s</CVV>\n        </CB>\n      </Card>\n    </Question>\n" % (pan, exp, row["cvv"]))
    out.write("  </Merchant>\n</PayboxBatch>\n")
    if bad:
        sys.exit(1)


def status():
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["question", "operation", "reference", "amount", "currency", "response_code",
                "authorization", "call_id", "transaction_id", "card_country"])
    for _, el in iterparse(sys.stdin.buffer, events=("end",)):
        if el.tag == NS + "Answer":
            g = lambda name: (el.findtext(NS + name) or el.findtext(name) or "")
            w.writerow([el.get("Number"), el.get("Type"), g("Reference"), g("Amount"), g("Currency"),
                        g("ResponseCode"), g("Authorization"), g("CallId"), g("TransactionId"),
                        g("CardCountryCode")])
            el.clear()


LYRA_CODES = {"00": "accepted", "05": "do not honour", "51": "insufficient funds",
              "54": "card expired", "59": "suspected fraud", "30": "format error",
              "96": "system malfunction"}
LYRA_RETRY = {"19", "68", "90", "91", "97", "98"}
ADDITIONAL = {"00": "all risk checks passed"}


def build_lyra():
    out = sys.stdout
    rows = csv.DictReader(sys.stdin)
    out.write("00;PAY;06;12345678;TEST;20261123;101500;\n")
    seen = set()
    bad = 0
    n = 0
    for n, row in enumerate(rows, 1):
        tid, amount, token = row["transaction_id"], row["amount"], row["token"]
        cur = CURRENCIES.get(row["currency"])
        ref = row.get("reference", "")
        if any(c in v for v in row.values() for c in ";\r\n"):
            bad += 1
            continue
        if not (len(tid) == 6 and tid.isdigit()) or tid in seen:
            bad += 1
            continue
        if not amount.isdigit() or len(amount) > 13 or not cur or not token or len(token) > 64:
            bad += 1
            continue
        seen.add(tid)
        out.write("02;%d;20261123;101500;%s;CD;%s;%s;;;%s;;%s;;;\n" % (n, tid, amount, cur, token, ref))
    out.write("01;%d\n" % n)
    if bad:
        sys.exit(1)


def status_lyra():
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["sequence", "transaction_id", "date", "time", "amount", "currency", "return_code",
                "meaning", "outcome", "additional_code", "additional_meaning", "reference"])
    for cols in csv.reader(sys.stdin, delimiter=";"):
        if cols and cols[0] == "02":
            code, extra = cols[18], cols[24]
            outcome = "accepted" if code == "00" else "retry" if code in LYRA_RETRY else "refused"
            w.writerow([cols[1], cols[4], cols[2], cols[3], cols[6], cols[7], code,
                        LYRA_CODES.get(code, "unknown return code"), outcome, extra,
                        ADDITIONAL.get(extra, extra), ""])


if __name__ == "__main__":
    {"build": build, "status": status, "build-lyra": build_lyra,
     "status-lyra": status_lyra}[sys.argv[1]]()
