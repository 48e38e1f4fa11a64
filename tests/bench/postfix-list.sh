#!/bin/sh
# Listing a real 10,000-message deferred queue: mailroom next to postqueue -j
# alone, on a private Postfix instance (tests/lab/). Needs root and postfix.
# Prints figures; asserts nothing.
#
#   tests/bench/postfix-list.sh [MAILROOM] [COUNT]
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd -P)
MAILROOM=${1:-$HERE/../build/tui/mailroom}
COUNT=${2:-10000}
LAB_HOME=$HERE/lab
export LAB_HOME
. "$LAB_HOME/lab.sh"
if ! reason=$(lab_can_run); then
    echo "postfix-list: $reason" >&2
    exit 1
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroom-bench.XXXXXX")
trap 'lab_stop "$TMP/lab" >&2; rm -rf "$TMP"' EXIT INT TERM
chmod 755 "$TMP"
mkdir "$TMP/lab"
lab_start "$TMP/lab" >&2 || exit 1

start=$(date +%s)
lab_fill "$TMP/lab" "$COUNT" || exit 1
echo "postfix-list: $COUNT messages deferred in $(($(date +%s) - start)) s"

# best of five runs each, wall clock
best() {
    "$LAB_PYTHON" "$HERE/bench/best-of.py" "$@"
}
pq=$(best /usr/sbin/postqueue -c "$LAB_CONFIG" -j)
mr=$(best "$MAILROOM" list --json "postfix:$LAB_CONFIG")
mrt=$(best "$MAILROOM" list "postfix:$LAB_CONFIG")
echo "postfix-list: postqueue -j >/dev/null: $pq s"
echo "postfix-list: mailroom list --json postfix:DIR >/dev/null: $mr s"
echo "postfix-list: mailroom list postfix:DIR >/dev/null (table): $mrt s"
"$LAB_PYTHON" -c "import sys; print('postfix-list: ratio %.2fx (json), %.2fx (table)' % (float(sys.argv[2]) / float(sys.argv[1]), float(sys.argv[3]) / float(sys.argv[1])))" "$pq" "$mr" "$mrt"
