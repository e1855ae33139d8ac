#!/usr/bin/env python3
"""Plain Python reference for the xmlbatch benchmark (standard library only).

  reference.py build  < rows.csv   > question.xml   # CSV -> Question XML
  reference.py status < status.xml > answers.csv    # status XML -> CSV

Does the same job as `xmlbatch build` / `xmlbatch status` for the
benchmark's input: reads the CSV with the csv module, checks amounts,
currencies, Luhn and expiry, writes the XML with escaping; reads the status
XML with ElementTree.iterparse (streaming) and writes CSV.
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


if __name__ == "__main__":
    {"build": build, "status": status}[sys.argv[1]]()
