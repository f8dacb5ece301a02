#!/usr/bin/env bash
# Verbatim developer entry point: setup | build | test | demo | bench
#   packaging/dev.sh demo            set up, build, run the demo
#   packaging/dev.sh test            set up, build, run every test through ctest
#   packaging/dev.sh test --sanitize same, with an ASan+UBSan build
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
THIRD="$ROOT/third_party"          # ignored by git: fetched at set-up time, never committed
SQLCIPHER_PKG="@commapp/sqlcipher-amalgamation@4.5.5"
SQLCIPHER_DIR="$THIRD/sqlcipher-4.5.5"

DEB_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libssl-dev libboost-dev libsignal-protocol-c-dev libexpected-dev
  protobuf-compiler libprotobuf-dev
  qt6-base-dev qt6-declarative-dev libgl-dev qt6-qpa-plugins
  qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
  qml6-module-qtquick-window qml6-module-qtquick-templates qml6-module-qtqml-workerscript
  qml6-module-qttest qml6-module-qtquick-dialogs libqrencode-dev
  python3-cryptography-vectors python3-jsonschema
)

log() { printf '[dev.sh] %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

setup_packages() {
  local missing=()
  for p in "${DEB_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  # npm fetches the SQLCipher amalgamation; some images ship Node.js with its own npm.
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    need_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

setup_sqlcipher() {
  if [ -f "$SQLCIPHER_DIR/sqlite3.c" ] && [ -f "$SQLCIPHER_DIR/.verified" ]; then
    return
  fi
  log "fetching $SQLCIPHER_PKG from the npm registry"
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent --json "$SQLCIPHER_PKG" >pack.json)
  local tgz integrity
  tgz="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["filename"])' "$tmp/pack.json")"
  integrity="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["integrity"])' "$tmp/pack.json")"
  # Check the tarball against the registry's sha512 integrity and our pinned value.
  local actual="sha512-$(openssl dgst -sha512 -binary "$tmp/$tgz" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    log "integrity mismatch for $tgz: registry says $integrity, file is $actual"; exit 1
  fi
  if [ -f "$ROOT/packaging/sqlcipher.sha512" ] && [ "$(cat "$ROOT/packaging/sqlcipher.sha512")" != "$actual" ]; then
    log "integrity mismatch for $tgz: pinned $(cat "$ROOT/packaging/sqlcipher.sha512"), got $actual"; exit 1
  fi
  mkdir -p "$SQLCIPHER_DIR"
  tar -xzf "$tmp/$tgz" -C "$tmp"
  local src; src="$(dirname "$(find "$tmp/package" -name sqlite3.c | head -n1)")"
  cp "$src/sqlite3.c" "$src/sqlite3.h" "$SQLCIPHER_DIR/"
  echo "$actual" >"$SQLCIPHER_DIR/.verified"
  rm -rf "$tmp"
}

cmd_setup() {
  setup_packages
  setup_sqlcipher
}

PRESET=dev
BUILD_DIR="$ROOT/build/dev"

cmd_build() {
  cd "$ROOT"
  cmake --preset "$PRESET" >/dev/null
  cmake --build --preset "$PRESET"
}

parse_common() {
  for a in "$@"; do
    case "$a" in
      --sanitize) PRESET=asan; BUILD_DIR="$ROOT/build/asan" ;;
    esac
  done
}

cmd_test() {
  cmd_setup; cmd_build
  cd "$ROOT"
  # Two test processes at a time: the machine has two cores.
  ctest --preset "$PRESET" -j2 "$@"
}

cmd_demo() {
  cmd_setup; cmd_build
  "$BUILD_DIR/tests/bench/verbatim-bench" demo
}

cmd_bench() {
  cmd_setup; cmd_build
  "$BUILD_DIR/tests/bench/verbatim-bench" "$@"
}

main() {
  local sub="${1:-}"; shift || true
  local rest=()
  for a in "$@"; do [ "$a" = "--sanitize" ] && parse_common "$a" || rest+=("$a"); done
  case "$sub" in
    setup) cmd_setup ;;
    build) cmd_setup; cmd_build ;;
    test)  cmd_test "${rest[@]}" ;;
    demo)  cmd_demo "${rest[@]}" ;;
    bench) cmd_bench "${rest[@]}" ;;
    *) echo "usage: packaging/dev.sh setup|build|test [--sanitize]|demo|bench" >&2; exit 2 ;;
  esac
}
main "$@"
