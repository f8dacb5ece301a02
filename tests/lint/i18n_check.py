#!/usr/bin/env python3
"""The German catalogue is complete (issue 23): every text the app's sources mark for translation
(qsTr/tr/QT_TR_NOOP/QT_TRANSLATE_NOOP in client/qt, client/app and qml) has a finished German
translation in client/qt/translations/verbatim_de.ts, and the catalogue holds nothing the sources
no longer say.

  i18n_check.py --lupdate PATH [--root DIR]            check (ctest: lint_translations)
  i18n_check.py --lupdate PATH [--root DIR] --update   rewrite the committed .ts from the sources
                                                       (packaging/dev.sh i18n); translate after
  i18n_check.py ... --sources DIR... --ts FILE --expect-failure   self-test on a fixture

The check runs lupdate over the sources into a temporary copy of the committed file and fails,
naming each string, when a message is new or unfinished (no German yet), vanished (in the
catalogue, gone from the sources), a plural (%n) lacks one of German's two forms, or a
translation drops or adds a placeholder (%1, %L1, %n) that arg() or the plural needs.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SOURCE_DIRS = ["client/qt", "client/app", "qml"]
CATALOGUE = "client/qt/translations/verbatim_de.ts"
# German has two plural forms (one, other).
NUMERUS_FORMS = 2
PLACEHOLDER = re.compile(r"%L?(?:[1-9][0-9]?|n)")


def lupdate(tool, root, sources, ts, update):
    """Runs lupdate over `sources` into `ts` (updated in place); its output on failure."""
    args = [tool, "-silent", "-locations", "none", "-I", root, "-extensions",
            "cpp,h,qml,js", "-source-language", "en", "-target-language", "de"]
    if update:
        args.append("-no-obsolete")  # a text gone from the sources leaves the catalogue
    args += sources + ["-ts", ts]
    run = subprocess.run(args, cwd=root, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"lupdate failed ({run.returncode}):\n{run.stdout}{run.stderr}")
    # lupdate warns when it cannot tell a tr() call's class: its context would then differ from
    # the one the running app asks for, and the German would never be shown.
    bad = [l for l in (run.stdout + run.stderr).splitlines()
           if "Qualifying with unknown" in l or "lacks Q_OBJECT" in l or "Cannot invoke tr()" in l]
    return bad


# lupdate's C++ reader takes "\u201cFrom" as one escape with five hex digits: the text it
# records is not the one the compiled tr() asks for, so its German would never show.
GREEDY_ESCAPE = re.compile(r"\\u[0-9A-Fa-f]{4}[0-9A-Fa-f]")


def misread_escapes(root, sources):
    """C++ lines whose \\uXXXX escape runs into a hex letter, as "path:line"."""
    out = []
    for src in sources:
        for d, _, files in os.walk(os.path.join(root, src)):
            for f in sorted(files):
                if not f.endswith((".cpp", ".h")):
                    continue
                path = os.path.join(d, f)
                with open(path, encoding="utf-8") as fh:
                    for i, line in enumerate(fh, 1):
                        if GREEDY_ESCAPE.search(line):
                            out.append(f"{os.path.relpath(path, root)}:{i}: write the character, "
                                       f"not its \\u escape, before a hex letter")
    return out


def placeholders(text):
    return sorted(set(PLACEHOLDER.findall(text or "")))


def problems(ts):
    """Every incomplete or stale message of the .ts file `ts`, one line each."""
    out = []
    root = ET.parse(ts).getroot()
    for context in root.iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            where = f"{name}: \"{source}\""
            translation = message.find("translation")
            kind = translation.get("type", "") if translation is not None else "unfinished"
            if kind in ("vanished", "obsolete"):
                out.append(f"vanished (no longer in the sources; run packaging/dev.sh i18n): {where}")
                continue
            if kind == "unfinished":
                out.append(f"not translated: {where}")
                continue
            if message.get("numerus") == "yes":
                forms = [f.text or "" for f in translation.iter("numerusform")]
                if len(forms) != NUMERUS_FORMS or not all(f.strip() for f in forms):
                    out.append(f"plural needs {NUMERUS_FORMS} German forms: {where}")
                    continue
            elif "%n" in source:
                out.append(f"%n in a text not marked as a plural (tr with a count, "
                           f"QT_TRANSLATE_N_NOOP): {where}")
                continue
            else:
                forms = [translation.text or ""]
                if not forms[0].strip():
                    out.append(f"empty translation: {where}")
                    continue
            want = placeholders(source)
            for form in forms:
                if placeholders(form) != want:
                    out.append(f"placeholders {placeholders(form)} instead of {want} in "
                               f"\"{form}\": {where}")
                    break
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lupdate", required=True)
    p.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    p.add_argument("--sources", nargs="+", default=SOURCE_DIRS)
    p.add_argument("--ts", default=CATALOGUE)
    p.add_argument("--update", action="store_true")
    p.add_argument("--expect-failure", action="store_true",
                   help="self-test: exit 0 only when problems are found")
    a = p.parse_args()
    root = os.path.abspath(a.root)
    committed = os.path.join(root, a.ts)

    if a.update:
        bad = lupdate(a.lupdate, root, a.sources, committed, True)
        for line in bad:
            print(f"warning: {line}", file=sys.stderr)
        left = problems(committed)
        print(f"{a.ts}: {len(left)} message(s) to translate", file=sys.stderr)
        for line in left:
            print(f"  {line}", file=sys.stderr)
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, os.path.basename(committed))
        shutil.copyfile(committed, copy)
        bad = lupdate(a.lupdate, root, a.sources, copy, False)
        found = ([f"lupdate cannot tell the context: {l}" for l in bad] +
                 misread_escapes(root, a.sources) + problems(copy))
    for line in found:
        print(line)
    if a.expect_failure:
        # The fixture has one text of each kind the check must name.
        kinds = ["not translated", "vanished", "plural needs", "placeholders"]
        missed = [k for k in kinds if not any(line.startswith(k) for line in found)]
        if missed:
            print(f"self-test: the check missed {missed} in a catalogue known to have them")
            return 1
        print(f"self-test: {len(found)} problem(s) found, as expected")
        return 0
    if found:
        print(f"{len(found)} problem(s) in {a.ts}: add the German (Qt Linguist or a text editor), "
              "after packaging/dev.sh i18n; see README \"Languages\"")
        return 1
    print(f"{a.ts}: every message translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
