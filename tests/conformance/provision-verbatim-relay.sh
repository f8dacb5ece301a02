#!/bin/sh
# Provisioning for the conformance suite against our own relay (tests/conformance/README.md):
#   provision-verbatim-relay.sh RELAY_BIN DATA_DIR UNLOCK_FILE enroll USER ROLE
# prints the enrollment link `verbatim-relay admin enroll` makes. Another relay implementation
# gives the suite its own command with the same contract (--provision 'CMD').
set -eu
if [ "$#" -ne 6 ] || [ "$4" != enroll ]; then
    echo "usage: $0 RELAY_BIN DATA_DIR UNLOCK_FILE enroll USER lawyer|compliance" >&2
    exit 2
fi
relay=$1 data=$2 unlock=$3 user=$5 role=$6
case "$role" in
    lawyer|compliance) ;;
    *) echo "$0: unknown role '$role'" >&2; exit 2 ;;
esac
exec "$relay" admin --data "$data" --unlock-file "$unlock" enroll "$user" --role "$role" --name "$user"
