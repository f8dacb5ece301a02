#!/usr/bin/env python3
"""CP-14: constant-time comparison lint.

Secrets and authenticators (MACs, tags, tokens, signatures, commitments, keys) must be compared
with CRYPTO_memcmp / verbatim::constantTimeEqual, never with memcmp or ==/!=, which stop at the
first differing byte. This scans C++ sources and fails on:
  * any call to memcmp / bcmp / strcmp on a line naming a secret-like variable, and any bare memcmp;
  * ==/!= where an operand's name contains mac, tag, token, signature, commitment, secret or key.
A line may opt out with a trailing `// ct-ok: <reason>` comment.

Usage: ct_lint.py DIR... [--expect-failure]
"""
import pathlib
import re
import sys

SECRETISH = r"(?:mac|tag|token|signature|sig|commitment|secret|key|password|passphrase)"
BARE_MEMCMP = re.compile(r"(?<![A-Za-z_])(?:memcmp|bcmp|timingsafe_bcmp)\s*\(")
NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|->|::)[A-Za-z_][A-Za-z0-9_]*|\(\))*"
CMP = re.compile(r"(" + NAME + r")\s*[!=]=\s*(" + NAME + r")")
SUFFIX = re.compile(r"(?i)" + SECRETISH + r"(?:s|id|ids|len|size|count|version|type|name)?$")


def secret_operand(expr: str) -> bool:
    # Only the last identifier counts: `keys.size()` and `keyId` are not secrets by name.
    last = re.split(r"\.|->|::", expr.replace("()", ""))[-1]
    if "::" in expr and last[:1].isupper():
        return False  # an enumerator such as Type::PreKey, not a value
    if re.match(r"^k[A-Z]", last):
        return False  # a named constant such as kTokenInvite (a kind, not a token)
    if re.search(r"(?i)(len|size|count|version|type|name|id|ids|index|kind|state|fault|code)$", last):
        return False
    return re.search(r"(?i)" + SECRETISH, last) is not None


def scan(paths):
    problems = []
    for root in paths:
        for f in sorted(pathlib.Path(root).rglob("*")):
            if f.suffix not in (".cpp", ".h", ".hpp", ".cc") or not f.is_file():
                continue
            for no, line in enumerate(f.read_text(errors="replace").splitlines(), 1):
                code = line.split("//")[0]
                if "ct-ok:" in line:
                    continue
                if BARE_MEMCMP.search(code):
                    problems.append(f"{f}:{no}: memcmp on data; use CRYPTO_memcmp/constantTimeEqual")
                    continue
                for m in CMP.finditer(code):
                    a, b = m.group(1), m.group(2)
                    if a in ("nullptr", "NULL") or b in ("nullptr", "NULL"):
                        continue
                    if secret_operand(a) or secret_operand(b):
                        problems.append(f"{f}:{no}: ==/!= on a secret-like value ({a} vs {b}); "
                                        "use constantTimeEqual")
    return problems


def main(argv):
    expect_failure = "--expect-failure" in argv
    paths = [a for a in argv if not a.startswith("--")]
    problems = scan(paths)
    for p in problems:
        print(p)
    if expect_failure:
        if not problems:
            print("lint self-test FAILED: the fixture's violations were not found")
            return 1
        print(f"lint self-test ok: {len(problems)} violations found in the fixture")
        return 0
    print(f"constant-time lint: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
