#!/bin/sh
# The man page agrees with the screen: its list of keys is the one that
# tools/keys-man makes from the bindings and the views' tables (as the
# help screen is made), and groff reads it without a warning.
#
#   keys.sh MAN_PAGE KEYS_MAN
#
# MAILROOM_UPDATE_MAN=1 writes the list into the man page instead.
set -u
MAN=$1
KEYS_MAN=$2

. "$(dirname "$0")/tap.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroom-keys.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

"$KEYS_MAN" >"$TMP/want" 2>"$TMP/err"
okd $? "keys-man makes the list of keys" "$TMP/err"
sed -n '/^\.\\" keys: begin/,/^\.\\" keys: end/p' "$MAN" | sed '1d;$d' >"$TMP/got"
if [ "${MAILROOM_UPDATE_MAN:-}" = 1 ]; then
    awk -v list="$TMP/want" '
        /^\.\\" keys: end/ { while ((getline line < list) > 0) print line; skip = 0 }
        !skip { print }
        /^\.\\" keys: begin/ { skip = 1 }' "$MAN" >"$TMP/man" && cp "$TMP/man" "$MAN"
    cp "$TMP/want" "$TMP/got"
fi
[ -s "$TMP/got" ] && cmp -s "$TMP/want" "$TMP/got"
ok $? "the man page's keys are the screen's (MAILROOM_UPDATE_MAN=1 rewrites them)"
[ -s "$TMP/got" ] && ! cmp -s "$TMP/want" "$TMP/got" && diff -u "$TMP/got" "$TMP/want" | head -40 | sed 's/^/#   /'

if command -v groff >/dev/null 2>&1; then
    groff -ww -z -man "$MAN" >"$TMP/groff" 2>&1 && [ ! -s "$TMP/groff" ]
    okd $? "groff -ww -z reads the man page without a warning" "$TMP/groff"
    # What a reader sees: no control character in the formatted page.
    MANWIDTH=80 groff -man -Tutf8 -P-c "$MAN" 2>/dev/null | col -b 2>/dev/null |
        LC_ALL=C grep -n '[[:cntrl:]]' | grep -v '	' >"$TMP/ctrl"
    [ ! -s "$TMP/ctrl" ]
    okd $? "the formatted page has no control character" "$TMP/ctrl"
else
    echo "ok 3 # SKIP groff is not installed"
    echo "ok 4 # SKIP groff is not installed"
    n=$((n + 2))
fi
tap_end
