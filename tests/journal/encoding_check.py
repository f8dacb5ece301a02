#!/usr/bin/env python3
"""Parses what tst_export_encoding wrote with Python's own parsers and prints what they saw.

stdin: JSON {"cases": [{"raw": HEX, "json": TEXT, "csv": TEXT, "eml": HEX}]}: a value's bytes,
its jsonString(), a CSV file of its csvField() and an RFC 5322 message whose Subject is its
headerLine() and whose one attachment carries its attachmentFileName() as mimeParameter()s.
stdout: JSON {"cases": [{"replaced": str, "json": str, "csv": [[...]], "subject": str,
"filename": str, "content_type": [str], "defects": [...], "raw_ok": bool}]}, where `replaced` is the value decoded as
Python decodes invalid UTF-8 (bytes.decode("utf-8", "replace")).
"""
import csv
import email
import email.policy
import io
import json
import sys


def main():
    data = json.load(sys.stdin)
    out = []
    for case in data["cases"]:
        raw = bytes.fromhex(case["raw"])
        eml = bytes.fromhex(case["eml"])
        msg = email.message_from_bytes(eml, policy=email.policy.default)
        defects = []
        for part in msg.walk():
            defects += [type(d).__name__ for d in part.defects]
            for _, value in part.items():
                defects += [type(d).__name__ for d in getattr(value, "defects", ())]
        files = [p.get_filename() for p in msg.iter_attachments()]
        out.append({
            "replaced": raw.decode("utf-8", "replace"),
            "json": json.loads(case["json"]),
            "csv": list(csv.reader(io.StringIO(case["csv"], newline=""), strict=True)),
            "subject": str(msg["subject"]),
            "filename": files[0] if len(files) == 1 else None,
            "content_type": [p.get_content_type() for p in msg.iter_attachments()],
            "attachments": len(files),
            "defects": defects,
            "raw_ok": b"\x00" not in eml and b"\r" not in eml.replace(b"\r\n", b"")
            and b"\n" not in eml.replace(b"\r\n", b"")
            and max(len(l) for l in eml.split(b"\r\n")) <= 78,
        })
    json.dump({"cases": out}, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
