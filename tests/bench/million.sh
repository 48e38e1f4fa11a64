#!/bin/sh
# A million messages: mailroom's commands next to what a user would run
# instead, on a generated postqueue -j listing and a generated SQLite queue
# (mailroom-gen, fixed seed), interleaved and best of three, with the
# physical floor (reading the file once, from the page cache) beside them. Prints tables;
# asserts nothing.
#
#   tests/bench/million.sh [MAILROOM] [MAILROOM_GEN] [COUNT]
#
# Needs jq, sqlite3 and GNU time (/usr/bin/time) for the references and the
# memory figures. Wall-clock seconds and the largest resident set (MB).
set -u
HERE=$(cd "$(dirname "$0")/../.." && pwd -P)
MAILROOM=${1:-$HERE/build/tui/mailroom}
GEN=${2:-$HERE/build/tools/mailroom-gen}
COUNT=${3:-1000000}
for tool in jq sqlite3 /usr/bin/time; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "million: $tool is needed for the references" >&2
        exit 1
    }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroom-million.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
export XDG_STATE_HOME="$TMP/state"
Q=$TMP/q.jsonl DB=$TMP/q.db

"$GEN" --seed 11 --postqueue-json --count "$COUNT" "$Q" >&2 || exit 1
"$GEN" --seed 11 --count "$COUNT" "$DB" >&2 || exit 1
echo "million: $COUNT messages; listing $(($(wc -c <"$Q") / 1048576)) MB, $(wc -l <"$Q") lines;" \
    "SQLite $(($(wc -c <"$DB") / 1048576)) MB"

# run NAME COMMAND...: one run, its output to /dev/null; appends "NAME SECONDS MB"
run() {
    name=$1
    shift
    /usr/bin/time -f "%e %M" -o "$TMP/time" "$@" >/dev/null 2>"$TMP/err" || {
        echo "million: $name failed: $(head -c 300 "$TMP/err")" >&2
        return 1
    }
    read -r secs kb <"$TMP/time"
    echo "$name $secs $((kb / 1024))" >>"$TMP/runs"
}
# best NAME: the best time of NAME's runs and the memory of that run
best() {
    awk -v n="$1" '$1 == n && (b == "" || $2 < b) { b = $2; m = $3 } END { printf "%s s, %s MB", b, m }' \
        "$TMP/runs"
}
: >"$TMP/runs"

# The references a user would run (jq 1.6 reads the listing as postqueue -j
# writes it; sqlite3 selects the same rows mailroom lists).
CSV_JQ='. as $m | .recipients[] | [$m.queue_id, $m.queue_name, $m.arrival_time, $m.message_size, $m.sender, .address, (.delay_reason // "")] | @csv'
# The filter: messages with a Gmail recipient whose reply says Gmail limits
# the rate, every recipient of theirs written (as mailroom's filter selects
# messages by a recipient that matches every term); the same messages both
# ways (counted below).
FILTER_MR='domain:gmail.com reason:/rate limited|receiving mail at a rate/'
FILTER_JQ='select(any(.recipients[]; (.address | endswith("@gmail.com")) and ((.delay_reason // "") | test("rate limited|receiving mail at a rate")))) | . as $m | .recipients[] | [$m.queue_id, $m.queue_name, $m.arrival_time, $m.message_size, $m.sender, .address, (.delay_reason // "")] | @csv'
SUMMARY_JQ='reduce (inputs | .recipients[].address | split("@")[1]) as $d ({}; .[$d] += 1)'
SQL_LIST='SELECT m.queue_id, m.queue, m.arrival_time, m.size, m.sender, r.address, r.state, r.reason, r.attempts, r.last_attempt, r.next_retry FROM message m JOIN recipient r ON r.message = m.id ORDER BY m.id, r.position'
ONE=$(sqlite3 "$DB" "SELECT queue_id FROM message WHERE queue = 'deferred' LIMIT 1 OFFSET 500000")
[ -n "$ONE" ] || ONE=$(sqlite3 "$DB" "SELECT queue_id FROM message WHERE queue = 'deferred' LIMIT 1")

for round in 1 2 3; do
    # dd reads the file through read(2) (GNU cat may splice to /dev/null
    # without reading)
    run floor dd if="$Q" bs=1M status=none
    run floor-db dd if="$DB" bs=1M status=none
    run mr-csv "$MAILROOM" list --csv "$Q"
    run jq-csv jq -r "$CSV_JQ" "$Q"
    run mr-json "$MAILROOM" list --json "$Q"
    run mr-filter "$MAILROOM" list --csv --filter "$FILTER_MR" "$Q"
    run jq-filter jq -r "$FILTER_JQ" "$Q"
    run mr-summary "$MAILROOM" summary --json "$Q"
    run jq-summary jq -n "$SUMMARY_JQ" "$Q"
    run db-mr-csv "$MAILROOM" list --csv "$DB"
    run db-sqlite3 sqlite3 "$DB" "$SQL_LIST"
    run db-mr-summary "$MAILROOM" summary --json "$DB"
    cp "$DB" "$TMP/act.db" && sync # the copy on disk: its fsync is not the action's
    run db-mr-prio "$MAILROOM" act priority-up --yes --no-audit "$ONE" "$TMP/act.db"
    cp "$DB" "$TMP/act.db" && sync
    run db-mr-hold "$MAILROOM" act hold --yes --no-audit "$ONE" "$TMP/act.db"
done

echo
echo "million: $COUNT-message postqueue -j listing (best of 3)"
echo "  reading the file once (dd)           $(best floor)"
echo "  list --csv                           mailroom $(best mr-csv)   jq $(best jq-csv)"
echo "  list --json                          mailroom $(best mr-json)"
echo "  list --csv --filter gmail+rate limit  mailroom $(best mr-filter)   jq $(best jq-filter)"
mr_rows=$("$MAILROOM" list --csv --filter "$FILTER_MR" "$Q" | tail -n +2 | wc -l)
jq_rows=$(jq -r "$FILTER_JQ" "$Q" | wc -l)
echo "    (rows written: mailroom $mr_rows, jq $jq_rows)"
echo "  summary --json (per domain)          mailroom $(best mr-summary)   jq $(best jq-summary)"
echo
echo "million: $COUNT-message SQLite queue (best of 3)"
echo "  reading the file once (dd)           $(best floor-db)"
echo "  list --csv                           mailroom $(best db-mr-csv)   sqlite3 select $(best db-sqlite3)"
echo "  summary --json                       mailroom $(best db-mr-summary)"
echo "  act priority-up ONE                  mailroom $(best db-mr-prio)"
echo "  act hold ONE                         mailroom $(best db-mr-hold)"
