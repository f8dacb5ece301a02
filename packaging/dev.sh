#!/usr/bin/env bash
# Verbatim developer entry point: setup | build | test | demo | bench | fuzz
#   packaging/dev.sh demo            set up, build, run the demo
#   packaging/dev.sh test            set up, build, run every test through ctest, then a short
#                                    run of every fuzz target (VERBATIM_FUZZ_SECONDS each, 0: none)
#   packaging/dev.sh test --sanitize same, with an ASan+UBSan build
#   packaging/dev.sh fuzz [TARGET [SECONDS]]  a libFuzzer campaign (all targets without TARGET)
#   packaging/dev.sh package         the Debian packages in build/packages/, checked by lintian
#   packaging/dev.sh i18n            update the German catalogue from the sources, list what
#                                    still needs German (README "Languages")
#   packaging/test-install.sh        installs them in a fresh Debian 12 root (needs the network)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
THIRD="$ROOT/third_party"          # ignored by git: fetched at set-up time, never committed
SQLCIPHER_PKG="@commapp/sqlcipher-amalgamation@4.5.5"
SQLCIPHER_DIR="$THIRD/sqlcipher-4.5.5"

DEB_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git lld
  libssl-dev libboost-dev libsignal-protocol-c-dev libexpected-dev
  protobuf-compiler libprotobuf-dev
  qt6-base-dev qt6-declarative-dev libgl-dev qt6-qpa-plugins
  qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
  qml6-module-qtquick-window qml6-module-qtquick-templates qml6-module-qtqml-workerscript
  qml6-module-qttest qml6-module-qtquick-dialogs qml6-module-qt-labs-folderlistmodel libqrencode-dev
  python3-cryptography-vectors python3-jsonschema zlib1g-dev zip libjemalloc-dev libmagic-dev
  clang libclang-rt-14-dev llvm clang-format
  postgresql libpq-dev
  chromium dbus-daemon
  fonts-noto-color-emoji
  libopus-dev qt6-multimedia-dev
  qt6-tools-dev qt6-l10n-tools qt6-translations-l10n
  fonts-material-design-icons-iconfont
)
# fonts-material-design-icons-iconfont: the app's icons (issue 23); qml/common/CMakeLists.txt
# builds its Material Icons font (Apache-2.0) into the app's resources, and tst_contrast checks
# qml/common/Icons.qml against its codepoint list.
# qt6-tools-dev and qt6-l10n-tools: Qt Linguist's CMake package, lupdate and lrelease; the build
# compiles the app's German (client/qt/translations/verbatim_de.ts) and tests/lint checks it is
# complete. qt6-translations-l10n: Qt's own German (a dialog's OK, Cancel, Close).
# lld: links the dev and fuzz builds (CMakeLists.txt, VERBATIM_SPLIT_DWARF) with their debug
# sections compressed; the name tables GCC leaves in each executable kept a full build at tens of GiB.
# libopus-dev: voice notes' Opus codec (client/media); qt6-multimedia-dev: the app records and
# plays them through Qt Multimedia (QAudioSource, QAudioSink).
# chromium: tests/e2e/tst_invite_page loads the relay's invite page (/i/) in headless chromium.
# fonts-noto-color-emoji: the app draws reactions and the emoji picker in colour with it
# (tests/app/tst_app_reactions checks it is installed).
# dbus-daemon: tests/app/tst_notifications_app starts a private session bus for its fake
# freedesktop notification server.
# postgresql and libpq-dev: the relay's PostgreSQL store and the throwaway clusters its tests
# start (initdb, pg_ctl from /usr/lib/postgresql/15/bin; no system service is used).
# clang and libclang-rt-14-dev (libclang_rt.fuzzer, ASan, UBSan) build the fuzz targets;
# llvm brings llvm-symbolizer for readable crash reports.

log() { printf '[dev.sh] %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Only `package` needs these (not CI's test runs): lintian checks the .deb files.
PACKAGE_DEB_PACKAGES=(lintian)

setup_packages() {
  local missing=()
  for p in "${DEB_PACKAGES[@]}" "$@"; do
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

# Every C++ file tracked by git is formatted by .clang-format; `format --fix` rewrites them.
cmd_format() {
  cd "$ROOT"
  local files
  mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.hpp' '*.cc')
  if [ "${1:-}" = "--fix" ]; then
    clang-format -i "${files[@]}"
    return
  fi
  local bad
  bad=$(clang-format --dry-run "${files[@]}" 2>&1 | grep -o '^[^:]*:[0-9]*:[0-9]*: warning' | cut -d: -f1 | sort -u || true)
  if [ -n "$bad" ]; then
    log "these files are not formatted by .clang-format (run: packaging/dev.sh format --fix):"
    printf '  %s\n' $bad >&2
    exit 1
  fi
  log "format: ${#files[@]} files formatted"
  # Our headers must not include each other in a circle (issue 18).
  python3 "$ROOT/packaging/include-cycles.py" || exit 1
}

cmd_test() {
  cmd_setup; cmd_format; cmd_build
  cd "$ROOT"
  # Two test processes at a time: the machine has two cores.
  ctest --preset "$PRESET" -j2 "$@"
  fuzz_smoke "${VERBATIM_FUZZ_SECONDS:-15}"
}

# ---- fuzzing (tests/fuzz) ------------------------------------------------------------------
# The libFuzzer targets build in build/fuzz with clang (preset fuzz). Each run grows a working
# corpus in build/fuzz/corpus/TARGET from the seeds in tests/fuzz/corpus/TARGET and the
# regressions in tests/fuzz/regressions/TARGET; a crash is saved to build/fuzz/artifacts/.
FUZZ_DIR="$ROOT/build/fuzz"

# Every tests/fuzz/fuzz_NAME.cpp is the target NAME.
fuzz_targets() {
  local f
  for f in "$ROOT"/tests/fuzz/fuzz_*.cpp; do f="${f##*/fuzz_}"; echo "${f%.cpp}"; done
}

fuzz_build() {
  cd "$ROOT"
  mkdir -p "$FUZZ_DIR"
  cmake --preset fuzz >"$FUZZ_DIR/configure.log" 2>&1 || { cat "$FUZZ_DIR/configure.log" >&2; exit 1; }
  cmake --build --preset fuzz
}

# fuzz_run TARGET SECONDS: one bounded libFuzzer run; non-zero on a crash.
fuzz_run() {
  local t="$1" seconds="$2" work="$FUZZ_DIR/corpus/$1" tmp="$FUZZ_DIR/tmp"
  # The relay and archive targets keep SQLCipher files in TMPDIR: in memory where possible.
  [ -d /dev/shm ] && [ -w /dev/shm ] && tmp="/dev/shm"
  mkdir -p "$work" "$FUZZ_DIR/artifacts" "$tmp"
  local seeds=("$ROOT/tests/fuzz/corpus/$t")
  [ -d "$ROOT/tests/fuzz/regressions/$t" ] && seeds+=("$ROOT/tests/fuzz/regressions/$t")
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: the relay targets keep a database.
  if ! TMPDIR="$tmp" "$FUZZ_DIR/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=3072 -print_final_stats=1 -artifact_prefix="$FUZZ_DIR/artifacts/$t-" \
      "$work" "${seeds[@]}" >"$FUZZ_DIR/fuzz_$t.log" 2>&1; then
    tail -n 60 "$FUZZ_DIR/fuzz_$t.log" >&2
    log "fuzz_$t failed: the input is in $FUZZ_DIR/artifacts/ (rerun: $FUZZ_DIR/tests/fuzz/fuzz_$t FILE);"
    log "fix the parser, then add the input to tests/fuzz/regressions/$t/"
    return 1
  fi
  log "fuzz_$t: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$FUZZ_DIR/fuzz_$t.log" | tail -n1), no crash"
}

# A short run of every target, two at a time (the machine has two cores); skipped with a note
# where clang's libFuzzer is missing (the corpus and regressions still ran in ctest).
fuzz_smoke() {
  local seconds="$1"
  [ "$seconds" -gt 0 ] 2>/dev/null || return 0
  if ! command -v clang++ >/dev/null 2>&1 || ! compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null; then
    # setup installs clang and libclang-rt-14-dev: missing here means the run is incomplete.
    log "clang's libFuzzer not found: the fuzz targets cannot run (packaging/dev.sh setup installs it)"
    exit 1
  fi
  fuzz_build
  local failed=0 pids=() t
  for t in $(fuzz_targets); do
    fuzz_run "$t" "$seconds" & pids+=($!)
    if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}" || failed=1; pids=("${pids[@]:1}"); fi
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  [ "$failed" -eq 0 ] || { log "a fuzz target crashed"; exit 1; }
}

# packaging/dev.sh fuzz [TARGET [SECONDS]]: a longer campaign (default 600 s per target).
cmd_fuzz() {
  cmd_setup; fuzz_build
  local targets=("${1:-}") seconds="${2:-600}" failed=0
  [ -n "${1:-}" ] || mapfile -t targets < <(fuzz_targets)
  for t in "${targets[@]}"; do
    [ -x "$FUZZ_DIR/tests/fuzz/fuzz_$t" ] || { echo "unknown fuzz target $t; known: $(fuzz_targets | tr '\n' ' ')" >&2; exit 2; }
    fuzz_run "$t" "$seconds" || failed=1
  done
  [ "$failed" -eq 0 ]
}

# A demo firm on this machine: a relay with a throwaway journal key, a lawyer enrolled with the
# admin CLI, a client invited to a matter, a short conversation seeded with verbatim-cli, then
# two app windows (lawyer and client) chatting live. Without a display the windows are rendered
# offscreen into PNGs instead. Everything lives in build/demo/ and is recreated each time.
cmd_demo() {
  cmd_setup; cmd_build
  "$BUILD_DIR/tests/bench/verbatim-bench" demo   # the crypto walk-through (journal, chain, tamper)
  local demo="$ROOT/build/demo" relay="$BUILD_DIR/relay/verbatim-relay" cli="$BUILD_DIR/client/verbatim-cli"
  local app="$BUILD_DIR/client/app/verbatim" port admin
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  admin="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  rm -rf "$demo"; mkdir -p "$demo"; chmod 700 "$demo"
  export VERBATIM_PASSPHRASE="demo passphrase, not for real use"
  printf '%s\n' "$VERBATIM_PASSPHRASE" > "$demo/passphrase"; chmod 600 "$demo/passphrase"
  "$BUILD_DIR/client/verbatim-journal" keygen --out "$demo/journal" >/dev/null   # compliance, offline
  cp "$demo/journal/journal.pub" "$demo/journal.pub"
  # The relay's private keys are sealed under an unlock secret that lives outside its data
  # directory (init creates it; serve and admin read it from here).
  export VERBATIM_RELAY_UNLOCK_FILE="$demo/relay.unlock"
  "$relay" init --data "$demo/relay" --firm "Doe & Partners LLP" --journal-key "$demo/journal.pub" \
      --root-key-out "$demo/firm-root.key" --address "127.0.0.1:$port" \
      --unlock-file "$VERBATIM_RELAY_UNLOCK_FILE" >/dev/null
  "$relay" serve --data "$demo/relay" --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$admin" \
      > "$demo/relay.log" 2>&1 &
  DEMO_RELAY_PID=$!
  trap 'kill "$DEMO_RELAY_PID" 2>/dev/null || true' EXIT
  for _ in $(seq 50); do
    grep -q listening "$demo/relay.log" 2>/dev/null && break
    kill -0 "$DEMO_RELAY_PID" 2>/dev/null || { cat "$demo/relay.log" >&2; exit 1; }
    sleep 0.1
  done
  local enroll invite
  enroll="$("$relay" admin --data "$demo/relay" enroll alice --role lawyer --name "Alice Adams")"
  "$cli" --profile "$demo/lawyer" join "$enroll" --platform desktop >/dev/null
  invite="$("$cli" --profile "$demo/lawyer" invite --matter "Estate of Doe")"
  "$cli" --profile "$demo/client" join "$invite" --name "Carol Smith" --accept-notice --platform desktop >/dev/null
  "$cli" --profile "$demo/lawyer" send "Estate of Doe" "Hello Carol, thank you for instructing us on your late father's estate." >/dev/null
  "$cli" --profile "$demo/client" sync >/dev/null
  "$cli" --profile "$demo/client" send "Estate of Doe" "Thank you. I have found a second copy of the will, dated 2019." >/dev/null
  "$cli" --profile "$demo/lawyer" sync >/dev/null
  local wrong; wrong="$("$cli" --profile "$demo/lawyer" send "Estate of Doe" "Could you send a scan of it? The meeting is on Monday.")"
  "$cli" --profile "$demo/lawyer" edit "$wrong" "Could you send a scan of it? The meeting is on Tuesday at 10." >/dev/null
  printf 'Draft: will of J. Doe, 2019 (demo file)\n' > "$demo/will-2019.txt"
  "$cli" --profile "$demo/client" sync >/dev/null
  "$cli" --profile "$demo/client" attach "Estate of Doe" "$demo/will-2019.txt" --caption "Here is the scan." >/dev/null
  "$cli" --profile "$demo/lawyer" sync >/dev/null
  local oops; oops="$("$cli" --profile "$demo/client" send "Estate of Doe" "My account for the estate is 12-34-56 87654321.")"
  "$cli" --profile "$demo/client" retract "$oops" >/dev/null   # deleted for everyone; the journal keeps it
  "$cli" --profile "$demo/lawyer" sync >/dev/null
  # Compliance: a compliance account pulls the journal, verifies it and exports the matter.
  local journal="$BUILD_DIR/client/verbatim-journal"
  enroll="$("$relay" admin --data "$demo/relay" enroll casey --role compliance --name "Casey Compliance")"
  "$cli" --profile "$demo/compliance" join "$enroll" --platform desktop >/dev/null
  "$journal" pull --profile "$demo/compliance" --archive "$demo/firm.archive" --key "$demo/journal/journal.key" >/dev/null
  "$journal" verify "$demo/firm.archive" --key "$demo/journal/journal.key" | tail -n 1
  "$journal" search "$demo/firm.archive" 87654321 --key "$demo/journal/journal.key" 2>/dev/null
  "$journal" export "$demo/firm.archive" --format rsmf --out "$demo/estate-of-doe.rsmf" --matter "Estate of Doe" \
      --key "$demo/journal/journal.key" >/dev/null
  echo "compliance: archive $demo/firm.archive, RSMF export $demo/estate-of-doe.rsmf"
  echo "demo firm ready in $demo (relay on 127.0.0.1:$port, passphrase in $demo/passphrase)"
  local common=(--passphrase-file "$demo/passphrase" --open "Estate of Doe")
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    mkdir -p "$demo/screenshots"
    for who in lawyer client; do
      QT_QPA_PLATFORM=offscreen "$app" --profile "$demo/$who" "${common[@]}" --size 1280x800 \
          --screenshot "$demo/screenshots/$who-laptop.png" >/dev/null
      QT_QPA_PLATFORM=offscreen "$app" --profile "$demo/$who" "${common[@]}" --size 390x844 --dark \
          --screenshot "$demo/screenshots/$who-phone-dark.png" >/dev/null
    done
    echo "no display: the two windows were rendered offscreen; screenshots in $demo/screenshots/"
  else
    "$app" --profile "$demo/lawyer" "${common[@]}" --window-title "Verbatim - Alice Adams (lawyer)" &
    "$app" --profile "$demo/client" "${common[@]}" --size 390x844 --window-title "Verbatim - Carol Smith (client)" &
    echo "two windows open (lawyer and client); close them to stop the demo relay"
    wait %2 %3 2>/dev/null || wait
  fi
}

# Debian packages (cmake/Packaging.cmake): a build in build/package with Debian's hardening
# flags (dpkg-buildflags), CPack into build/packages/, then lintian: an error fails; each
# warning left is overridden, with the reason, in packaging/debian/*.lintian-overrides.
cmd_package() {
  cmd_setup
  setup_packages "${PACKAGE_DEB_PACKAGES[@]}"
  cd "$ROOT"
  eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh)"
  # CMake reads CFLAGS/CXXFLAGS/LDFLAGS (at the first configure) but not CPPFLAGS.
  export CFLAGS="$CFLAGS $CPPFLAGS" CXXFLAGS="$CXXFLAGS $CPPFLAGS" LDFLAGS
  cmake --preset package >/dev/null
  cmake --build --preset package
  rm -rf "$ROOT/build/packages"
  (cd "$ROOT/build/package" && cpack -G DEB >/dev/null)
  rm -rf "$ROOT/build/packages/_CPack_Packages"
  lintian --fail-on error,warning --display-info "$ROOT"/build/packages/*.deb
  for f in "$ROOT"/build/packages/*.deb; do
    log "$(basename "$f"): $(du -k "$f" | cut -f1) KiB, installed $(dpkg-deb -f "$f" Installed-Size) KiB"
  done
}

# The German catalogue (client/qt/translations/verbatim_de.ts) from the sources: new texts are
# added unfinished, texts gone from the sources are removed, translations are kept. Lists every
# text still without German; ctest's lint_translations fails until each has it.
cmd_i18n() {
  local lupdate=/usr/lib/qt6/bin/lupdate
  [ -x "$lupdate" ] || lupdate="$(command -v lupdate || true)"
  [ -n "$lupdate" ] || { log "lupdate not found (packaging/dev.sh setup installs qt6-l10n-tools)"; exit 1; }
  python3 "$ROOT/tests/lint/i18n_check.py" --lupdate "$lupdate" --root "$ROOT" --update
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
    format) cmd_format "${rest[@]}" ;;
    demo)  cmd_demo "${rest[@]}" ;;
    bench) cmd_bench "${rest[@]}" ;;
    package) cmd_package ;;
    fuzz)  cmd_fuzz "${rest[@]}" ;;
    i18n)  setup_packages; cmd_i18n ;;
    *) echo "usage: packaging/dev.sh setup|build|test [--sanitize]|format [--fix]|demo|bench|fuzz [TARGET [SECONDS]]|package|i18n" >&2; exit 2 ;;
  esac
}
main "$@"
