#!/bin/sh
# Several sources as one, from the outside: generated SQLite queues, two of
# them with the same ids (as two hosts' queues can have), listed merged and
# acted on through the merged list; every outcome is checked in each queue
# listed on its own.
#
#   fleet.sh MAILROOM MAILROOM_GEN PYTHON
set -u

MAILROOM=$1
GEN=$2
PYTHON=$3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroom-fleet.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
export MAILROOM_NOW=1795435200 TZ=UTC XDG_STATE_HOME="$TMP/state"

. "$(dirname "$0")/tap.sh"

mkdir -p "$TMP/mx1" "$TMP/mx2"
# mx1 and mx2 hold the same ids (same seed), relay another queue.
"$GEN" --seed 5 --now "$MAILROOM_NOW" --count 300 "$TMP/mx1/queue.db" 2>/dev/null &&
    "$GEN" --seed 5 --now "$MAILROOM_NOW" --count 300 "$TMP/mx2/queue.db" 2>/dev/null &&
    "$GEN" --seed 6 --now "$MAILROOM_NOW" --count 200 "$TMP/relay.db" 2>/dev/null
ok $? "three generated queues"
# Named relative to the scratch directory, as they are labelled.
cd "$TMP" || exit 1
Q1=mx1/queue.db Q2=mx2/queue.db Q3=relay.db

# Each queue on its own, for comparing.
for q in 1 2 3; do
    eval "\"\$MAILROOM\" list --json \"\$Q$q\"" >"$TMP/alone$q.jsonl"
done

# --- listing ---------------------------------------------------------------
run 0 "list --json of three" "$MAILROOM" list --json "$Q1" "$Q2" "$Q3"
"$PYTHON" - "$TMP/out" "$TMP"/alone1.jsonl "$TMP"/alone2.jsonl "$TMP"/alone3.jsonl <<'EOF'
import json, sys
merged = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
labels = ["mx1/queue.db", "mx2/queue.db", "relay.db"]
assert len(merged) == 800, len(merged)
for label, path in zip(labels, sys.argv[2:]):
    alone = [json.loads(l) for l in open(path, encoding="utf-8")]
    mine = [m for m in merged if m["source"] == label]
    assert len(mine) == len(alone), (label, len(mine), len(alone))
    strip = lambda m: {k: v for k, v in m.items() if k != "source"}
    for a, b in zip(alone, mine):
        assert strip(a) == strip(b), (label, a["queue_id"])
ids1 = {m["queue_id"] for m in merged if m["source"] == "mx1/queue.db"}
ids2 = {m["queue_id"] for m in merged if m["source"] == "mx2/queue.db"}
assert ids1 == ids2 and len(ids1) == 300
EOF
ok $? "merged: every message of each queue, as listed alone, under its source's label"
[ ! -s "$TMP/err" ]
ok $? "merged: nothing on stderr"

run 0 "list (table) of three" "$MAILROOM" list "$Q1" "$Q3"
head -1 "$TMP/out" | grep -q '^SOURCE  *ID  *QUEUE' &&
    [ "$(grep -c '^mx1/queue\.db  ' "$TMP/out")" -eq 300 ] && [ "$(grep -c '^relay\.db  ' "$TMP/out")" -eq 200 ]
ok $? "table: a SOURCE column first, each row under its source"

run 0 "list --csv of two" "$MAILROOM" list --csv "$Q1" "$Q3"
"$PYTHON" - "$TMP/out" <<'EOF'
import collections, csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
count = collections.Counter((r["source"], r["queue_id"]) for r in rows)
by_source = collections.Counter(s for s, _ in count)
assert by_source == {"mx1/queue.db": 300, "relay.db": 200}, by_source
EOF
ok $? "csv: the source column names each message's queue"

run 0 "list --filter source:" "$MAILROOM" list --json --filter 'source:relay.db' "$Q1" "$Q3"
[ "$(wc -l <"$TMP/out")" -eq 200 ] && ! grep -qv '"source":"relay.db"' "$TMP/out"
ok $? "source:relay.db keeps that queue's messages only"
run 0 "list --filter -source: with a recipient term" "$MAILROOM" list --json \
    --filter '-source:mx* domain:gmail.com' "$Q1" "$Q2" "$Q3"
"$MAILROOM" list --json --filter 'domain:gmail.com' "$Q3" | wc -l >"$TMP/want"
[ "$(wc -l <"$TMP/out")" -eq "$(cat "$TMP/want")" ] && [ "$(cat "$TMP/want")" -gt 0 ]
ok $? "-source:mx* domain:gmail.com is relay's Gmail mail ($(cat "$TMP/want"))"

run 0 "summary of three" "$MAILROOM" summary --json "$Q1" "$Q2" "$Q3"
"$PYTHON" - "$TMP/out" "$TMP"/alone1.jsonl "$TMP"/alone2.jsonl "$TMP"/alone3.jsonl <<'PYEOF' 2>"$TMP/err"
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
ms = [json.loads(l) for p in sys.argv[2:] for l in open(p, encoding="utf-8")]
gone = [m for m in ms if m["queue_name"] == "bounced"]
assert len(ms) == 800 and gone, (len(ms), len(gone))
assert s["messages"] == 800 - len(gone), s["messages"]
assert s["not_counted"]["messages"] == len(gone), s["not_counted"]
PYEOF
ok $? "summary: over all three, the queue (800 messages less the bounced, said not counted)"
cp "$TMP/out" "$TMP/summary3.json"
"$PYTHON" - "$TMP/summary3.json" "$TMP"/alone1.jsonl "$TMP"/alone2.jsonl "$TMP"/alone3.jsonl <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
labels = ["mx1/queue.db", "mx2/queue.db", "relay.db"]
want = {}
for label, path in zip(labels, sys.argv[2:]):
    ms = [json.loads(l) for l in open(path, encoding="utf-8")]
    want[label] = sum(len(m["recipients"]) for m in ms if m["queue_name"] != "bounced")
got = {r["label"]: r["recipients"] for r in s["sources"]}
assert got == want, (got, want)
counts = [r["recipients"] for r in s["sources"]]
assert counts == sorted(counts, reverse=True), counts
for r in s["sources"]:
    assert r["filter"] == "source:" + r["label"] and sum(r["ages"]) == r["recipients"], r
assert [sum(c) for c in zip(*(r["ages"] for r in s["sources"]))] == s["total"][0]["ages"]
PYEOF
ok $? "summary by source: each queue's recipients, by age, most first, with its filter"
"$PYTHON" -c 'import json,sys; [print(r["filter"], r["recipients"]) for r in json.load(open(sys.argv[1]))["sources"]]' \
    "$TMP/summary3.json" >"$TMP/sfilters"
bad=0
while read -r sfilter scount; do
    "$MAILROOM" summary --json --filter "$sfilter" "$Q1" "$Q2" "$Q3" >"$TMP/s1.json" &&
        "$PYTHON" -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["recipients"] == int(sys.argv[2]) and [r["filter"] for r in s["sources"]] == [sys.argv[3]], s["sources"]' \
            "$TMP/s1.json" "$scount" "$sfilter" || {
        bad=$((bad + 1))
        echo "# $sfilter did not select its $scount recipients"
    }
done <"$TMP/sfilters"
[ "$(grep -c '' "$TMP/sfilters")" -eq 3 ] && [ "$bad" -eq 0 ]
ok $? "summary: each source row's filter selects that source's mail, and only it"
run 0 "summary of one source" "$MAILROOM" summary --json "$Q1"
"$PYTHON" -c 'import json,sys; assert json.load(open(sys.argv[1]))["sources"] == []' "$TMP/out"
ok $? "summary of one source: no rows by source"
run 0 "summary (table) of two" "$MAILROOM" summary "$Q1" "$Q3"
sed -n '/^Recipients by source and age in minutes:$/,/^$/p' "$TMP/out" >"$TMP/by-source"
[ "$(grep -c '^mx1/queue\.db  ' "$TMP/by-source")" -eq 1 ] && [ "$(grep -c '^relay\.db  ' "$TMP/by-source")" -eq 1 ] &&
    [ "$(grep -c '' "$TMP/by-source")" -eq 5 ]
ok $? "summary table: a table by source and age, a row per source"

# A source that cannot be opened: the others are printed, it is named, and
# the exit status says the listing is partial.
run 1 "list with a missing source" "$MAILROOM" list --json "$Q1" "$TMP/gone.db" "$Q3"
[ "$(wc -l <"$TMP/out")" -eq 500 ] && [ "$(cat "$TMP/err")" = "mailroom: $TMP/gone.db: No such file or directory" ]
ok $? "missing source: the other 500 messages printed, one line naming it"
run 1 "list with no source that opens" "$MAILROOM" list "$TMP/gone.db" "$TMP/gone2.db"
[ ! -s "$TMP/out" ] &&
    [ "$(cat "$TMP/err")" = "mailroom: $TMP/gone.db: No such file or directory; $TMP/gone2.db: No such file or directory" ]
ok $? "no source opens: nothing printed, both named on one line"
run 2 "the same source twice" "$MAILROOM" list "$Q1" "$Q3" "$Q1"
[ "$(cat "$TMP/err")" = "mailroom: $Q1 is named twice" ]
ok $? "the same source twice: refused, named"

# --- acting ----------------------------------------------------------------
# By filter: each message is held in the queue it is on, nowhere else.
sel='cat:rate-limited queue:deferred'
"$MAILROOM" list --json --filter "$sel" "$Q1" "$Q3" >"$TMP/sel.jsonl"
n_sel=$(wc -l <"$TMP/sel.jsonl")
run 0 "act hold --filter on two" "$MAILROOM" act hold --filter "$sel" "$Q1" "$Q3"
[ "$n_sel" -gt 0 ] && [ "$(tail -1 "$TMP/out")" = "hold: $n_sel done, 0 delivered, 0 not found, 0 failed" ] &&
    [ "$(grep -c '^mx1/queue\.db	[0-9A-Za-z]*	done$' "$TMP/out")" -gt 0 ] &&
    [ "$(grep -c '^relay\.db	[0-9A-Za-z]*	done$' "$TMP/out")" -gt 0 ]
ok $? "act hold: $n_sel done, each line naming its source"
"$MAILROOM" list --json --filter queue:hold "$Q1" >"$TMP/h1.jsonl"
"$MAILROOM" list --json --filter queue:hold "$Q2" >"$TMP/h2.jsonl"
"$MAILROOM" list --json --filter queue:hold "$Q3" >"$TMP/h3.jsonl"
"$PYTHON" - "$TMP/sel.jsonl" "$TMP/h1.jsonl" "$TMP/h3.jsonl" "$TMP/alone2.jsonl" "$TMP/h2.jsonl" <<'EOF'
import json, sys
load = lambda p: [json.loads(l) for l in open(p, encoding="utf-8")]
sel = load(sys.argv[1])
want1 = {m["queue_id"] for m in sel if m["source"] == "mx1/queue.db"}
want3 = {m["queue_id"] for m in sel if m["source"] == "relay.db"}
held1 = {m["queue_id"] for m in load(sys.argv[2])}
held3 = {m["queue_id"] for m in load(sys.argv[3])}
assert want1 and want3 and want1 <= held1 and want3 <= held3, (len(want1), len(want3))
# mx2 holds the same ids as mx1 and was not named: untouched.
before2 = {m["queue_id"] for m in load(sys.argv[4]) if m["queue_name"] == "hold"}
held2 = {m["queue_id"] for m in load(sys.argv[5])}
assert held2 == before2, (len(held2), len(before2))
EOF
ok $? "act hold: held in mx1 and relay, each its own; mx2 (same ids, not named) untouched"
log="$XDG_STATE_HOME/mailroom/actions.log"
[ "$(wc -l <"$log")" -eq 4 ] && awk -F'\t' '$5 !~ /^started /' "$log" | cut -f3 | tr '\n' ' ' |
    grep -qx "$Q1 $Q3 " && awk -F'\t' '$5 ~ /^started /' "$log" | cut -f3 | tr '\n' ' ' |
    grep -qx "$Q1 $Q3 "
ok $? "act hold: actions.log has a line per source, under the name given, before and after"

# By id: an id on both mx1 and mx2 is two messages; it is not guessed.
both=$("$PYTHON" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["queue_id"])' "$TMP/alone1.jsonl")
cp "$Q1" "$TMP/q1.before" && cp "$Q2" "$TMP/q2.before"
run 1 "act by an id two sources hold" "$MAILROOM" act delete --yes "$both" "$Q1" "$Q2"
grep -q "^$both	failed	on mx1/queue.db and mx2/queue.db, different messages with the same id: name the one source$" "$TMP/out" &&
    cmp -s "$Q1" "$TMP/q1.before" && cmp -s "$Q2" "$TMP/q2.before"
ok $? "an id on two sources: refused, both queues unchanged"
run 0 "act by id, one source has it" "$MAILROOM" act delete --yes "$both" "$Q2" "$Q3"
grep -q "^mx2/queue.db	$both	done$" "$TMP/out" &&
    [ "$("$MAILROOM" list --json "$Q2" | grep -c "\"queue_id\":\"$both\"")" -eq 0 ] &&
    [ "$("$MAILROOM" list --json "$Q1" | grep -c "\"queue_id\":\"$both\"")" -eq 1 ]
ok $? "an id one of the sources has: deleted there (mx2), still in mx1"
run 1 "act by an id no source has" "$MAILROOM" act hold NOSUCH9 "$Q1" "$Q3"
grep -q '^NOSUCH9	not found	in none of the queues listed$' "$TMP/out"
ok $? "an id no source has: not found, said so"
run 0 "act --dry-run on two" "$MAILROOM" act release --dry-run --filter queue:hold "$Q1" "$Q3"
n_held=$(($(wc -l <"$TMP/h1.jsonl") + $(wc -l <"$TMP/h3.jsonl")))
[ "$(tail -1 "$TMP/out")" = "release: would act on $n_held messages on $Q1, $Q3 (dry run)" ] &&
    [ "$(grep -c '^mx1/queue\.db	' "$TMP/out")" -eq "$(wc -l <"$TMP/h1.jsonl")" ]
ok $? "act --dry-run: source and id per line, the count over both ($n_held) and the sources"

tap_end
