#!/usr/bin/env bash
# Proves the three Debian packages install on a clean Debian 12 and run a firm there.
#
#   packaging/test-install.sh [MIRROR]
#
# Builds a minimal Debian 12 (bookworm) root with mmdebstrap from the Debian archive (MIRROR,
# default http://deb.debian.org/debian), installs build/packages/*.deb into it with apt (so a
# missing Depends fails here), then, inside that root, runs the installed programs through a
# firm: relay init and serve (with /etc/verbatim/relay.conf, as the `verbatim` user the package
# created), enrol a lawyer and a compliance officer, a client joins by invite, send, receive,
# journal pull and verify. Needs the network and root (or unprivileged user namespaces, for
# mmdebstrap's unshare mode). Not part of CI. Builds the packages first when they are missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACKAGES="$ROOT/build/packages"
MIRROR="${1:-http://deb.debian.org/debian}"

log() { printf '[test-install] %s\n' "$*" >&2; }

if ! compgen -G "$PACKAGES/verbatim-relay_*.deb" >/dev/null; then
  log "no packages in $PACKAGES: building them"
  "$ROOT/packaging/dev.sh" package
fi
if ! command -v mmdebstrap >/dev/null 2>&1; then
  log "installing mmdebstrap"
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq --no-install-recommends mmdebstrap
  else sudo apt-get install -y -qq --no-install-recommends mmdebstrap; fi
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
debs=("$PACKAGES"/verbatim-relay_*.deb "$PACKAGES"/verbatim_*.deb "$PACKAGES"/verbatim-journal_*.deb)

# What runs inside the installed system. Ports away from the defaults: in root mode the new
# system shares this machine's network.
cat >"$WORK/firm.sh" <<'FIRM'
#!/bin/sh
set -eu
say() { printf '[inside] %s\n' "$*" >&2; }
PORT=28443; ADMIN=29443
export VERBATIM_PASSPHRASE="test-install passphrase, long enough"
# setpriv execs the program (runuser would stay as its parent).
as_relay() { setpriv --reuid verbatim --regid verbatim --init-groups -- "$@"; }
unlock=/etc/verbatim/relay.unlock

say "what the packages installed"
id verbatim
ls -ld /var/lib/verbatim /etc/verbatim /etc/verbatim/relay.conf "$unlock"
test "$(stat -c %a:%U /var/lib/verbatim)" = "700:verbatim"
test "$(stat -c %a:%U:%G "$unlock")" = "640:root:verbatim"
test -f /lib/systemd/system/verbatim-relay.service
test -f /usr/share/applications/verbatim.desktop
for p in verbatim-relay verbatim-cli verbatim-journal verbatim; do command -v "$p"; done
verbatim-relay --help >/dev/null
man -w verbatim-relay >/dev/null 2>&1 || test -f /usr/share/man/man1/verbatim-relay.1.gz

say "compliance key (offline in a real firm)"
mkdir -p /root/firm && chmod 700 /root/firm
verbatim-journal keygen --out /root/firm/journal >/dev/null
install -m 0644 /root/firm/journal/journal.pub /tmp/journal.pub

say "relay init as the verbatim user"
as_relay verbatim-relay init --data /var/lib/verbatim --unlock-file "$unlock" --firm "Install Test LLP" \
  --journal-key /tmp/journal.pub --root-key-out /tmp/firm-root.key --address "127.0.0.1:$PORT" >/dev/null
mv /tmp/firm-root.key /root/firm/

say "serve with the shipped relay.conf (ports from the command line)"
# exec: $! is then the relay itself, which the SIGHUP below must reach.
(exec setpriv --reuid verbatim --regid verbatim --init-groups -- verbatim-relay serve --config /etc/verbatim/relay.conf \
  --unlock-file "$unlock" --listen "127.0.0.1:$PORT" --admin-listen "127.0.0.1:$ADMIN" >/tmp/relay.log 2>&1) &
relay=$!
trap 'kill $relay 2>/dev/null || true' EXIT
i=0
until grep -q "listening on" /tmp/relay.log; do
  i=$((i + 1)); [ $i -lt 100 ] || { cat /tmp/relay.log >&2; exit 1; }
  kill -0 $relay 2>/dev/null || { cat /tmp/relay.log >&2; exit 1; }
  sleep 0.1
done

say "enrol a lawyer, invite a client"
link="$(as_relay verbatim-relay admin --data /var/lib/verbatim --unlock-file "$unlock" enroll alice --role lawyer --name "Alice Adams")"
verbatim-cli --profile /root/lawyer join "$link" --platform desktop >/dev/null
invite="$(verbatim-cli --profile /root/lawyer invite --matter "Estate of Doe")"
verbatim-cli --profile /root/client join "$invite" --name "Carol Smith" --accept-notice --platform desktop >/dev/null

say "send and receive"
verbatim-cli --profile /root/lawyer send "Estate of Doe" "Installed from the packages." >/dev/null
verbatim-cli --profile /root/client sync >/dev/null
verbatim-cli --profile /root/client history "Estate of Doe" | grep -q "Installed from the packages."
verbatim-cli --profile /root/client send "Estate of Doe" "Received." >/dev/null
verbatim-cli --profile /root/lawyer sync >/dev/null
verbatim-cli --profile /root/lawyer history "Estate of Doe" | grep -q "Received."

say "compliance: pull the journal and verify it"
link="$(as_relay verbatim-relay admin --data /var/lib/verbatim --unlock-file "$unlock" enroll casey --role compliance --name "Casey")"
verbatim-cli --profile /root/compliance join "$link" --platform desktop >/dev/null
verbatim-journal pull --profile /root/compliance --archive /root/firm/firm.archive --key /root/firm/journal/journal.key >/dev/null
verbatim-journal verify /root/firm/firm.archive --key /root/firm/journal/journal.key | tail -n 1
verbatim-journal search /root/firm/firm.archive "Installed from the packages" --key /root/firm/journal/journal.key | grep -q .

say "SIGHUP keeps the relay serving"
kill -HUP $relay; sleep 0.5; kill -0 $relay
grep -q "event=relay.tls_reloaded" /tmp/relay.log
kill $relay; wait $relay || true
trap - EXIT
say "a firm ran on the installed packages"
FIRM
chmod 755 "$WORK/firm.sh"

log "building a Debian 12 root from $MIRROR and installing ${debs[*]##*/}"
# The .deb files are installed inside the new root by its own apt, which resolves their
# Depends from the archive as on a real system.
mmdebstrap --variant=apt \
  --customize-hook='mkdir -p "$1/tmp/debs"' \
  --customize-hook='copy-in '"${debs[*]}"' /tmp/debs' \
  --customize-hook='chroot "$1" sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/debs/*.deb"' \
  --customize-hook='copy-in "'"$WORK"'/firm.sh" /usr/local/bin' \
  --customize-hook='chroot "$1" /usr/local/bin/firm.sh' \
  bookworm "$WORK/root.tar" "$MIRROR"
log "passed: the packages install on Debian 12 and a firm runs on them"
