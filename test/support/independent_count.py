"""Reads claim files with Python's csv and json modules: a reader independent of claimflow's.

Input (stdin): a JSON list of {"path": ..., "format": "csv" | "ndjson"}; gzip is told by content.
Output (stdout): a JSON list, one per file, of {"records": n | null, "values": {row: [claim_id, paid_amount]}}:
records is null when Python cannot read the file as the format (a lone CR in a CSV record), and
values holds, per data row number (CSV: the record's position after the header, blank lines not
counted; NDJSON: the line number), the source text of claim_id and paid_amount.
"""

import csv
import gzip
import json
import re
import sys

csv.field_size_limit(1 << 30)
BLANK = re.compile(r"^[ \t]*$")


def text_of(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode("utf-8", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def delimiter_of(header):
    """claimflow's documented rule: the most frequent of , | tab outside quotes in the header line."""
    outside = re.sub(r'"[^"]*"', "", header)
    counts = {d: outside.count(d) for d in [",", "|", "\t"]}
    return max(counts, key=lambda d: (counts[d], d == ","))


def csv_file(text):
    lines = [line + "\n" for line in text.split("\n")]
    if lines and lines[-1] == "\n":
        lines.pop()
    delimiter = delimiter_of(lines[0].rstrip("\r\n")) if lines else ","
    try:
        rows = [
            r
            for r in csv.reader(lines, delimiter=delimiter, strict=False)
            if not (len(r) <= 1 and BLANK.match((r or [""])[0].rstrip("\r")))
        ]
    except csv.Error:
        return {"records": None, "values": {}}
    if not rows:
        return {"records": 0, "values": {}}
    header, data = rows[0], rows[1:]
    values = {}
    if "claim_id" in header and "paid_amount" in header:
        ci, pa = header.index("claim_id"), header.index("paid_amount")
        for n, r in enumerate(data, start=1):
            if len(r) == len(header):
                values[n] = [r[ci], r[pa]]
    return {"records": len(data), "values": values}


def ndjson_file(text):
    # claimflow's documented rule: a file whose first line ends with CRLF has CRLF line ends; in
    # any other, CR and LF each end a line (so a CRLF inside an LF file is a line and a blank one).
    first = re.search(r"\r\n|\r|\n", text)
    crlf = first is not None and first.group(0) == "\r\n"
    lines = re.split(r"\r\n|\r|\n" if crlf else r"\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    values = {}
    records = 0
    for n, line in enumerate(lines, start=1):
        if BLANK.match(line):
            continue
        records += 1
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(record, dict) and isinstance(record.get("claim_id"), str):
            amount = record.get("paid_amount")
            values[n] = [record["claim_id"], amount if isinstance(amount, str) or amount is None else json.dumps(amount)]
    return {"records": records, "values": values}


def main():
    files = json.load(sys.stdin)
    out = []
    for f in files:
        text = text_of(f["path"])
        out.append(csv_file(text) if f["format"] == "csv" else ndjson_file(text))
    json.dump(out, sys.stdout)


main()
