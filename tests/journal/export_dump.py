#!/usr/bin/env python3
"""Parses a compliance export with real parsers and prints what they saw, as JSON.

  export_dump.py rsmf|eml|jsonl|csv FILE

eml, rsmf: Python's email package (policy=default): the top-level headers, the decoded
Subject, the text body, every attachment (content type, file name, bytes as hex), every defect
the parser registered, and the raw-bytes checks (no NUL, no bare CR or LF, longest line). rsmf
also opens rsmf.zip with zipfile: its names, CRC check, the manifest (json) and every file.
jsonl: the file must be strict UTF-8; one json.loads per line. csv: csv.reader over the file
read as UTF-8 with its byte-order mark. Output is ASCII JSON on stdout; exit 1 with the reason
on stderr when a parser refuses the file.
"""
import csv
import email
import email.policy
import io
import json
import sys
import zipfile


def raw_checks(raw):
    lines = raw.split(b"\r\n")
    return {
        "has_nul": b"\x00" in raw,
        "bare_cr_or_lf": b"\r" in raw.replace(b"\r\n", b"") or b"\n" in raw.replace(b"\r\n", b""),
        "longest_line": max(len(l) for l in lines),
        "longest_header_line": max(len(l) for l in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")),
    }


def mail(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects = []
    parts = 0
    for part in msg.walk():
        parts += 1
        defects += [type(d).__name__ + ": " + str(d) for d in part.defects]
        for _, value in part.items():
            defects += [type(d).__name__ for d in getattr(value, "defects", ())]
    body = msg.get_body(preferencelist=("plain",))
    attachments = []
    for p in msg.iter_attachments():
        attachments.append({
            "content_type": p.get_content_type(),
            "filename": p.get_filename(),
            "disposition": p.get_content_disposition(),
            "data": p.get_payload(decode=True).hex(),
        })
    out = {
        "headers": [[k, str(v)] for k, v in msg.items()],
        "subject": str(msg["subject"]),
        "content_type": msg.get_content_type(),
        "body": body.get_content() if body is not None else None,
        "attachments": attachments,
        "parts": parts,
        "defects": defects,
    }
    out.update(raw_checks(raw))
    return msg, out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    kind, path = sys.argv[1], sys.argv[2]
    raw = open(path, "rb").read()
    if kind in ("eml", "rsmf"):
        msg, out = mail(raw)
        if kind == "rsmf":
            zips = [p for p in msg.iter_attachments() if p.get_filename() == "rsmf.zip"]
            if len(zips) != 1:
                print("expected one rsmf.zip, found %d" % len(zips), file=sys.stderr)
                return 1
            z = zipfile.ZipFile(io.BytesIO(zips[0].get_payload(decode=True)))
            out["zip_bad_crc"] = z.testzip()
            out["zip_names"] = z.namelist()
            out["manifest"] = json.loads(z.read("rsmf_manifest.json").decode("utf-8"))
            out["zip_files"] = {n: z.read(n).hex() for n in z.namelist() if n != "rsmf_manifest.json"}
    elif kind == "jsonl":
        text = raw.decode("utf-8")  # strict: invalid UTF-8 fails here
        out = {"records": [json.loads(line) for line in text.split("\n") if line != ""],
               "trailing_newline": text.endswith("\n")}
    elif kind == "csv":
        with open(path, encoding="utf-8-sig", errors="strict", newline="") as f:
            out = {"rows": list(csv.reader(f, strict=True)), "bom": raw.startswith(b"\xef\xbb\xbf")}
    else:
        print(__doc__, file=sys.stderr)
        return 2
    json.dump(out, sys.stdout, ensure_ascii=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
