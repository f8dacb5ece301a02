#!/usr/bin/env python3
"""Validates an RSMF 2.0 file (.rsmf) or a bare rsmf_manifest.json.

  validate_rsmf.py SCHEMA FILE [--dump]

For an .rsmf file: the RFC 5322 message must carry X-RSMF-Version 2.0.0, a text body and an
attachment rsmf.zip holding rsmf_manifest.json and every file the manifest names. The manifest
must validate against the JSON schema (draft-07, Debian's python3-jsonschema) and its references
must resolve: unique participant and conversation ids, every event's participant and conversation
known, every conversation participant and custodian known, every attachment in the zip.
Exit 0 valid, 1 invalid (reasons on stderr), 2 usage. --dump prints the manifest on stdout.
"""
import email
import email.policy
import io
import json
import sys
import zipfile

import jsonschema


def fail(reasons):
    for r in reasons:
        print("invalid: " + r, file=sys.stderr)
    sys.exit(1)


def load_rsmf(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    reasons = []
    if msg.get("X-RSMF-Version") != "2.0.0":
        reasons.append("X-RSMF-Version header is not 2.0.0")
    count = msg.get("X-RSMF-EventCount")
    body = msg.get_body(preferencelist=("plain",))
    if body is None or not body.get_content().strip():
        reasons.append("no readable text body")
    zips = [p for p in msg.iter_attachments() if p.get_filename() == "rsmf.zip"]
    if len(zips) != 1:
        fail(reasons + ["expected exactly one rsmf.zip attachment, found %d" % len(zips)])
    archive = zipfile.ZipFile(io.BytesIO(zips[0].get_content()))
    bad = archive.testzip()
    if bad is not None:
        reasons.append("rsmf.zip entry %s fails its CRC" % bad)
    names = set(archive.namelist())
    if "rsmf_manifest.json" not in names:
        fail(reasons + ["rsmf.zip has no rsmf_manifest.json"])
    manifest = json.loads(archive.read("rsmf_manifest.json").decode("utf-8"))
    if count is not None and isinstance(manifest.get("events"), list) and int(count) != len(manifest["events"]):
        reasons.append("X-RSMF-EventCount %s but %d events" % (count, len(manifest["events"])))
    return manifest, names, reasons


def references(manifest, names):
    reasons = []
    people = [p.get("id") for p in manifest.get("participants", []) if isinstance(p, dict)]
    if len(set(map(str, people))) != len(people):
        reasons.append("duplicate participant id")
    people = set(people)
    convs = [c.get("id") for c in manifest.get("conversations", []) if isinstance(c, dict)]
    if len(set(map(str, convs))) != len(convs):
        reasons.append("duplicate conversation id")
    convs = set(convs)
    for c in manifest.get("conversations", []):
        for p in c.get("participants", []):
            if p not in people:
                reasons.append("conversation %s names unknown participant %r" % (c.get("id"), p))
        if "custodian" in c and c["custodian"] not in people:
            reasons.append("conversation %s has unknown custodian" % c.get("id"))
    for i, e in enumerate(manifest.get("events", [])):
        if "participant" in e and e["participant"] not in people:
            reasons.append("event %d names unknown participant %r" % (i, e["participant"]))
        if "conversation" in e and e["conversation"] not in convs:
            reasons.append("event %d names unknown conversation %r" % (i, e["conversation"]))
        for key in ("edits", "read_receipts"):
            for x in e.get(key, []):
                if x.get("participant") not in people:
                    reasons.append("event %d %s names unknown participant" % (i, key))
        for r in e.get("reactions", []):
            for p in r.get("participants", []):
                if p not in people:
                    reasons.append("event %d reaction names unknown participant" % i)
        for a in e.get("attachments", []):
            if names is not None and a.get("id") not in names:
                reasons.append("event %d attachment %r is not in rsmf.zip" % (i, a.get("id")))
    return reasons


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    schema = json.load(open(args[0], encoding="utf-8"))
    if args[1].endswith(".json"):
        manifest, names, reasons = json.load(open(args[1], encoding="utf-8")), None, []
    else:
        manifest, names, reasons = load_rsmf(args[1])
    # Formats are annotations in draft-07 (the published sample.rsmf has zone-less timestamps).
    validator = jsonschema.Draft7Validator(schema)
    for err in sorted(validator.iter_errors(manifest), key=lambda e: list(e.path)):
        reasons.append("schema: %s at /%s" % (err.message, "/".join(map(str, err.path))))
    if not reasons:
        reasons = references(manifest, names)
    if reasons:
        fail(reasons)
    if "--dump" in sys.argv:
        json.dump(manifest, sys.stdout, ensure_ascii=False)
    else:
        print("valid: %d participants, %d conversations, %d events" % (
            len(manifest["participants"]), len(manifest["conversations"]), len(manifest["events"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
