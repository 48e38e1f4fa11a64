#!/bin/sh
# The mailroom binary from the outside: list output read back by real JSON
# and CSV parsers, bad arguments and bad sources, files left unchanged.
#
#   cli.sh MAILROOM MAILROOM_GEN PYTHON
set -u

MAILROOM=$1
GEN=$2
PYTHON=$3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroom-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
export MAILROOM_NOW=1795435200 TZ=UTC

. "$(dirname "$0")/tap.sh"
# error_is TEXT NAME: stderr is exactly one line, and it is TEXT
error_is() {
    [ "$(wc -l <"$TMP/err")" -eq 1 ] && [ "$(cat "$TMP/err")" = "$1" ]
    ok $? "$2: one-line error"
    [ "$(cat "$TMP/err")" = "$1" ] || { echo "#   got:  $(cat "$TMP/err")"; echo "#   want: $1"; }
}

run 0 "--version" "$MAILROOM" --version
grep -qx 'mailroom [0-9][0-9.]*' "$TMP/out"; ok $? "--version prints the version"
run 0 "--help" "$MAILROOM" --help
grep -q '^usage: mailroom' "$TMP/out" && grep -q 'sqlite:PATH' "$TMP/out"
ok $? "--help shows usage and sources"

# --- list on the demo ------------------------------------------------------
run 0 "list --json --demo" "$MAILROOM" list --json --demo
cp "$TMP/out" "$TMP/demo.jsonl"
"$PYTHON" - "$TMP/demo.jsonl" <<'EOF'
import json, sys
msgs = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
keys = {"source", "queue_id", "queue_name", "arrival_time", "message_size", "sender",
        "priority", "forced_expire", "attempts", "next_retry", "recipients"}
rkeys = {"address", "original_address", "state", "reason", "attempts", "last_attempt",
         "next_retry", "diagnosis"}
dkeys = {"basic_code", "enhanced_code", "stage", "host", "address", "port", "temporary",
         "category", "sisimai", "provider", "title", "explanation", "advice"}
assert len(msgs) == 300, len(msgs)
assert all(set(m) == keys for m in msgs), "message fields"
rcpts = [r for m in msgs for r in m["recipients"]]
assert all(set(r) == rkeys for r in rcpts), "recipient fields"
assert len({m["queue_id"] for m in msgs}) == 300, "unique ids"
assert {m["queue_name"] for m in msgs} >= {"deferred", "hold", "active", "bounced"}
for m in msgs:
    for r in m["recipients"]:
        if r["state"] in ("deferred", "bounced"):
            assert r["reason"], (m["queue_id"], r)
        if m["queue_name"] == "deferred":
            assert r["state"] == "deferred" and r["reason"], m["queue_id"]
assert any(len(m["recipients"]) > 1 for m in msgs), "several recipients somewhere"
for r in rcpts:
    d = r["diagnosis"]
    assert (d is None) == (r["reason"] is None), r
    if d is not None:
        assert set(d) == dkeys, d
        assert d["explanation"] and d["advice"] and d["category"], d
        if d["basic_code"] is not None:
            assert str(d["basic_code"]) in r["reason"], r
cats = {r["diagnosis"]["category"] for r in rcpts if r["diagnosis"]}
assert len(cats) >= 10, cats
assert "unknown" not in cats, [r["reason"] for r in rcpts
                               if r["diagnosis"] and r["diagnosis"]["category"] == "unknown"]
reasons = " ".join(r["reason"] or "" for r in rcpts)
for needle in ("Greylist", "4.2.2", "5.1.1", "spamhaus", "DMARC", "TLS",
               "Name service error", "Connection refused", "timed out"):
    assert needle in reasons, "demo lacks a reason with " + needle
print("# %d messages, %d recipients read back" % (len(msgs), len(rcpts)))
EOF
ok $? "list --json: a JSON parser reads back every message, recipient and reason"

run 0 "list --csv --demo" "$MAILROOM" list --csv --demo
"$PYTHON" - "$TMP/out" "$TMP/demo.jsonl" <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
msgs = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8")]
want = sum(max(1, len(m["recipients"])) for m in msgs)
assert len(rows) == want, (len(rows), want)
by_json = {(m["queue_id"], r["address"]): r["reason"] or ""
           for m in msgs for r in m["recipients"]}
for row in rows:
    if row["recipient"]:
        assert by_json[(row["queue_id"], row["recipient"])] == row["reason"], row
        assert bool(row["category"]) == bool(row["reason"]), row
EOF
ok $? "list --csv: one row per recipient, reasons equal to the JSON's"

run 0 "list --demo (table)" "$MAILROOM" list --demo
[ "$(wc -l <"$TMP/out")" -eq 301 ] && head -1 "$TMP/out" | grep -q '^ID  *QUEUE  *AGE  *SIZE  *PRIO  *SENDER  *RECIPIENT  *CAUSE  *REASON$'
ok $? "list table: a header (PRIO: the demo is an SQLite queue) and one line per message"

# --- list --filter ------------------------------------------------------------
# Each filter's messages, next to the same question asked of the whole listing
# in Python: the ids must be the same.
"$MAILROOM" list --json --demo >"$TMP/all.jsonl" 2>"$TMP/err"
for expr in 'queue:hold' 'cat:greylisting' 'domain:gmail.com cat:rate-limited' \
    'age:>1d' 'size:>100K' 'from:<>' 'code:4.7.*' '-queue:deferred' \
    'queue:deferred (domain:gmail.com or domain:outlook.com)'; do
    "$MAILROOM" list --json --demo --filter "$expr" >"$TMP/filtered.jsonl" 2>"$TMP/err"
    "$PYTHON" - "$expr" "$TMP/all.jsonl" "$TMP/filtered.jsonl" >"$TMP/check" 2>&1 <<'EOF'
import fnmatch, json, sys
expr, everything, filtered = sys.argv[1], sys.argv[2], sys.argv[3]
now = 1795435200  # the demo's clock
def domain(a, d):
    dom = a.rsplit("@", 1)[-1].lower()
    return dom == d or dom.endswith("." + d)
def code(r, pattern):  # the patterns used here only
    d = r["diagnosis"]
    return d is not None and d["enhanced_code"] is not None and fnmatch.fnmatch(d["enhanced_code"], pattern)
def cat(r, name):
    return r["diagnosis"] is not None and r["diagnosis"]["category"] == name
tests = {
    "queue:hold": lambda m, r: m["queue_name"] == "hold",
    "cat:greylisting": lambda m, r: cat(r, "greylisting"),
    "domain:gmail.com cat:rate-limited": lambda m, r: domain(r["address"], "gmail.com") and cat(r, "rate-limited"),
    "age:>1d": lambda m, r: m["arrival_time"] is not None and now - m["arrival_time"] > 86400,
    "size:>100K": lambda m, r: m["message_size"] > 102400,
    "from:<>": lambda m, r: m["sender"] == "",
    "code:4.7.*": lambda m, r: code(r, "4.7.*"),
    "-queue:deferred": lambda m, r: m["queue_name"] != "deferred",
    "queue:deferred (domain:gmail.com or domain:outlook.com)":
        lambda m, r: m["queue_name"] == "deferred" and (domain(r["address"], "gmail.com") or domain(r["address"], "outlook.com")),
}
want = []
for line in open(everything, encoding="utf-8"):
    m = json.loads(line)
    if any(tests[expr](m, r) for r in m["recipients"]):
        want.append(m["queue_id"])
got = [json.loads(l)["queue_id"] for l in open(filtered, encoding="utf-8")]
assert got == want, (len(got), len(want), sorted(set(got) ^ set(want))[:5])
assert 0 < len(got) < 300, len(got)
print(len(got), "messages")
EOF
    status=$?
    ok $status "list --filter '$expr': the messages Python finds ($(tail -1 "$TMP/check"))"
    [ "$status" -eq 0 ] || sed 's/^/#   /' "$TMP/check"
done
# The table names the recipient the filter picked, with its cause: under
# 'domain:gmail.com cat:rate-limited' the first Gmail recipient that is rate
# limited, not the message's first recipient.
expr='domain:gmail.com cat:rate-limited'
"$MAILROOM" list --demo --filter "$expr" >"$TMP/table.txt" 2>"$TMP/err"
"$PYTHON" - "$TMP/all.jsonl" "$TMP/table.txt" >"$TMP/check" 2>&1 <<'EOF'
import json, sys
everything, table = sys.argv[1], sys.argv[2]
def picked(r):
    d = r["diagnosis"]
    dom = r["address"].rsplit("@", 1)[-1].lower()
    return (dom == "gmail.com" or dom.endswith(".gmail.com")) and d is not None and d["category"] == "rate-limited"
want = {}
for line in open(everything, encoding="utf-8"):
    m = json.loads(line)
    first = [r for r in m["recipients"] if picked(r)]
    if first:
        want[m["queue_id"]] = first[0]["address"]
# ID QUEUE AGE SIZE [PRIO] SENDER RECIPIENT [+N] CAUSE REASON: no field before
# the reason has a blank in it (a long sender pushes its line out of alignment).
lines = open(table, encoding="utf-8").read().splitlines()
at = lines[0].split().index("RECIPIENT")
rows = [l.split() for l in lines[1:]]
got = {f[0]: f[at] for f in rows}
causes = {f[at + 2] if f[at + 1].startswith("+") else f[at + 1] for f in rows}
assert got == want, sorted((k, got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k))[:5]
assert causes == {"rate"}, causes
others = sum(1 for l in open(everything, encoding="utf-8") if json.loads(l)["queue_id"] in want and
             not picked(json.loads(l)["recipients"][0]))
assert others > 0, "no message whose first recipient is another"
print(len(got), "rows,", others, "of them not their first recipient")
EOF
status=$?
ok $status "list table under '$expr': each row names the recipient the filter picked ($(tail -1 "$TMP/check"))"
[ "$status" -eq 0 ] || sed 's/^/#   /' "$TMP/check"
run 2 "list --filter with an error" "$MAILROOM" list --demo --filter 'queue:deferred age:>2'
error_is 'mailroom: list: --filter: column 20: age: give a unit, s, m, h, d or w (age:>2h) (in "queue:deferred age:>2")' \
    "list --filter with an error"

# --- explain and codes -----------------------------------------------------
run 0 "explain" "$MAILROOM" explain "host 127.0.0.1[127.0.0.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command)"
grep -q '^  Facts  *452 4.2.2, at RCPT TO, 127.0.0.1 \[127.0.0.1\], temporary$' "$TMP/out" &&
    grep -q '^  Cause  *mailbox full (mailbox-full; Sisimai: mailboxfull)$' "$TMP/out" &&
    grep -q '^  Advice ' "$TMP/out" && grep -q '^  Status  *4.2.2: ' "$TMP/out"
ok $? "explain: facts, cause, advice and the meaning of the codes"

# FACTS §2.4: what a real Postfix 3.7 logged, one reason per line on stdin.
cat >"$TMP/facts.txt" <<'EOF'
host 127.0.0.1[127.0.0.1] said: 450 4.2.0 Greylisted, please try again later (in reply to RCPT TO command)
host 127.0.0.1[127.0.0.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command)
host 127.0.0.1[127.0.0.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)
host 127.0.0.1[127.0.0.1] said: 554 5.7.1 Message rejected as spam (in reply to RCPT TO command)
host 127.0.0.1[127.0.0.1] said: 421 4.7.0 Too many connections (in reply to RCPT TO command)

connect to 127.0.0.1[127.0.0.1]:2599: Connection refused
connect to 127.0.0.1[127.0.0.1]:2527: Connection timed out
conversation with 127.0.0.1[127.0.0.1] timed out while receiving the initial server greeting
delivery temporarily suspended: connect to 127.0.0.1[127.0.0.1]:2599: Connection refused
EOF
run 0 "explain --json -" sh -c '"$1" explain --json - <"$2"' sh "$MAILROOM" "$TMP/facts.txt"
"$PYTHON" - "$TMP/out" <<'EOF'
import json, sys
got = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
want = [  # basic, enhanced, stage, category, temporary, port
    (450, "4.2.0", "rcpt", "greylisting", True, None),
    (452, "4.2.2", "rcpt", "mailbox-full", True, None),
    (550, "5.1.1", "rcpt", "unknown-user", False, None),
    (554, "5.7.1", "rcpt", "spam", False, None),
    (421, "4.7.0", "rcpt", "rate-limited", True, None),
    (None, None, "connect", "connection-refused", True, 2599),
    (None, None, "connect", "network", True, 2527),
    (None, None, "greeting", "network", True, None),
    (None, None, "connect", "connection-refused", True, 2599),
]
assert len(got) == len(want), len(got)
for g, w in zip(got, want):
    d = g["diagnosis"]
    have = (d["basic_code"], d["enhanced_code"], d["stage"], d["category"], d["temporary"],
            d["port"])
    assert have == w, (g["reason"], have, w)
    assert d["host"] == "127.0.0.1" and d["address"] == "127.0.0.1", d
EOF
ok $? "explain --json -: every reason real Postfix logged (FACTS 2.4) decodes right"

run 0 "explain hostile text" "$MAILROOM" explain "$(printf '550 \033[2J\033]0;x\007 blocked')"
! LC_ALL=C grep -q "$(printf '\033')" "$TMP/out" && grep -q '550 ^\[\[2J' "$TMP/out"
ok $? "explain: the quoted reason is made visible"
run 2 "explain without text" "$MAILROOM" explain
error_is 'mailroom: explain: no reason given (a text, or - to read one per line)' "explain without text"

run 0 "codes 5.7.26" "$MAILROOM" codes 5.7.26
grep -q '^  X.7.26 ' "$TMP/out"
ok $? "codes: an enhanced code finds its registry entry"
run 0 "codes 45x" "$MAILROOM" codes 45x
grep -q '^  450 ' "$TMP/out" && grep -q '^  452 ' "$TMP/out" && ! grep -q '^  550 ' "$TMP/out"
ok $? "codes: 45x lists the 45x basic codes"
run 0 "codes (all)" "$MAILROOM" codes
missing=0
for section in "Cause categories" "Basic reply codes" "Enhanced status codes" \
    "Provider replies" "Phrase rules (first match wins)"; do
    grep -qx "$section" "$TMP/out" || { echo "# missing section: $section"; missing=1; }
done
[ "$missing" -eq 0 ]
ok $? "codes: every section of the knowledge base is listed"
run 1 "codes nothing" "$MAILROOM" codes "no such thing at all"
error_is 'mailroom: codes: nothing in the knowledge base matches "no such thing at all"' "codes nothing"

# --- a saved postqueue -j listing --------------------------------------------
run 0 "mailroom-gen --postqueue-json" "$GEN" --seed 7 --now 1795435200 --postqueue-json --count 500 "$TMP/pq.jsonl"
run 0 "list a saved postqueue -j file" "$MAILROOM" list --json "$TMP/pq.jsonl"
"$PYTHON" - "$TMP/pq.jsonl" "$TMP/out" <<'EOF'
import json, sys
saved = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
listed = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(saved) == 500 and len(listed) == 500, (len(saved), len(listed))
for s, m in zip(saved, listed):
    assert s["queue_id"] == m["queue_id"] and s["queue_name"] == m["queue_name"]
    assert [r["address"] for r in s["recipients"]] == [r["address"] for r in m["recipients"]]
    for r, mr in zip(s["recipients"], m["recipients"]):
        assert r.get("delay_reason") == mr["reason"], (r, mr)
        assert (mr["diagnosis"] is None) == ("delay_reason" not in r)
    assert m["source"] == sys.argv[1], m["source"]
EOF
ok $? "saved postqueue -j: every message, recipient and reason, decoded"
run 0 "list - (standard input)" sh -c '"$1" list --json - <"$2"' sh "$MAILROOM" "$TMP/pq.jsonl"
[ "$(wc -l <"$TMP/out")" -eq 500 ]
ok $? "saved postqueue -j from standard input"
run 0 "mailroom's own listing, read back" "$MAILROOM" list --json "postqueue-json:$TMP/demo.jsonl"
"$PYTHON" - "$TMP/demo.jsonl" "$TMP/out" <<'EOF'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
b = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(a) == len(b) == 300
for x, y in zip(a, b):
    assert (x["queue_id"], x["queue_name"], x["sender"]) == (y["queue_id"], y["queue_name"], y["sender"])
    assert [(r["address"], r["state"], r["reason"]) for r in x["recipients"]] == \
        [(r["address"], r["state"], r["reason"]) for r in y["recipients"]]
EOF
ok $? "list --json output reads back as a saved listing: same messages, states, reasons"
printf '{"queue_name": "deferred", "queue_id": "A1", "recipients": [}\n' >"$TMP/broken.jsonl"
run 1 "a broken postqueue -j file" "$MAILROOM" list "$TMP/broken.jsonl"
error_is "mailroom: $TMP/broken.jsonl: postqueue -j output, line 1: expected '{' (at byte 61)" \
    "a broken postqueue -j file"

# --- bad arguments ---------------------------------------------------------
run 2 "list --bogus" "$MAILROOM" list --bogus --demo
error_is 'mailroom: list: unknown option "--bogus" (try mailroom list --help)' "list --bogus"
# No source is the local Postfix, which is not running here (the tests
# start a private one of their own): a clear error, not an empty queue.
run 1 "list without a source" "$MAILROOM" list --json
[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -Eq '^mailroom: (Postfix is not running on this machine|postqueue: cannot run it)' "$TMP/err"
ok $? "list without a source: the local Postfix, not running: one-line error"
run 2 "list --json --csv" "$MAILROOM" list --json --csv --demo
error_is 'mailroom: list: --json and --csv exclude each other' "list --json --csv"
run 2 "the same source twice" "$MAILROOM" list --demo demo:
error_is 'mailroom: demo: is named twice' "the same source twice"
run 2 "unknown option" "$MAILROOM" --frobnicate
error_is 'mailroom: unknown option "--frobnicate" (try mailroom --help)' "unknown option"
run 2 "no source, no terminal" "$MAILROOM"
error_is 'mailroom: the screen needs a terminal; use "mailroom list" to print the queue' \
    "no source, no terminal"
run 2 "screen without a terminal" "$MAILROOM" --demo </dev/null
error_is 'mailroom: the screen needs a terminal; use "mailroom list" to print the queue' \
    "screen without a terminal"
MAILROOM_NOW=yesterday run 2 "bad MAILROOM_NOW" "$MAILROOM" list --demo
error_is 'mailroom: MAILROOM_NOW: expected Unix seconds, got "yesterday"' "bad MAILROOM_NOW"
run 1 "demo:abc" "$MAILROOM" list demo:abc
error_is 'mailroom: demo:abc: expected a message count from 1 to 2000000' "demo:abc"

# --- bad sources -----------------------------------------------------------
run 1 "missing file" "$MAILROOM" list "$TMP/nonexistent.db"
error_is "mailroom: $TMP/nonexistent.db: No such file or directory" "missing file"
run 1 "unknown scheme" "$MAILROOM" list imap://mail.example.org
error_is 'mailroom: imap://mail.example.org: unknown kind of source (this mailroom opens postfix:[DIR], ssh://[USER@]HOST[:PORT][/DIR], postqueue-json:FILE, sqlite:PATH, demo:)' \
    "unknown scheme"
printf 'From: someone\n\nnot a database\n' >"$TMP/mbox"
cp "$TMP/mbox" "$TMP/mbox.orig"
run 1 "a text file" "$MAILROOM" list "$TMP/mbox"
error_is "mailroom: $TMP/mbox: not a mailroom queue database (not an SQLite file)" "a text file"
cmp -s "$TMP/mbox" "$TMP/mbox.orig"; ok $? "a text file: unchanged"

"$PYTHON" - "$TMP/places.sqlite" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
db.execute("INSERT INTO moz_places (url) VALUES ('https://example.org/')")
db.commit()
db.close()
EOF
cp "$TMP/places.sqlite" "$TMP/places.orig"
run 1 "a foreign SQLite file" "$MAILROOM" list --json "$TMP/places.sqlite"
error_is "mailroom: $TMP/places.sqlite: an SQLite database, but not a mailroom queue (application_id 0x00000000, expected 0x4D52514D); left unchanged" \
    "a foreign SQLite file"
cmp -s "$TMP/places.sqlite" "$TMP/places.orig" && ! ls "$TMP"/places.sqlite-* >/dev/null 2>&1
ok $? "a foreign SQLite file: byte for byte unchanged, no journal"

# --- generated queues ------------------------------------------------------
run 0 "mailroom-gen 2000" "$GEN" --seed 5 --now 1795435200 --count 2000 "$TMP/q1.db"
run 0 "mailroom-gen again" "$GEN" --seed 5 --now 1795435200 --count 2000 "$TMP/q2.db"
"$MAILROOM" list --json "$TMP/q1.db" | sed 's/"source":"[^"]*"//' >"$TMP/q1.jsonl"
"$MAILROOM" list --json "sqlite:$TMP/q2.db" | sed 's/"source":"[^"]*"//' >"$TMP/q2.jsonl"
[ "$(wc -l <"$TMP/q1.jsonl")" -eq 2000 ] && cmp -s "$TMP/q1.jsonl" "$TMP/q2.jsonl"
ok $? "mailroom-gen: 2000 messages, the same for the same seed"
run 1 "mailroom-gen refuses to overwrite" "$GEN" --count 10 "$TMP/q1.db"
error_is "mailroom-gen: $TMP/q1.db: already exists; not overwriting it" "mailroom-gen overwrite"

# --- prio: ------------------------------------------------------------------------
# A generated queue (priorities -4 to 4 on some messages) with the extremes of
# a signed 32-bit priority set by SQL; each filter's messages are the ones
# Python selects from the database itself, not from mailroom's listing.
"$GEN" --seed 8 --now 1795435200 --count 1500 "$TMP/prio.db" 2>/dev/null
"$PYTHON" - "$TMP/prio.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in db.execute("SELECT id FROM message ORDER BY id")]
for key, p in zip(ids[::97], [2147483647, -2147483648, 1000, -1000, 1, -1]):
    db.execute("UPDATE message SET priority = ? WHERE id = ?", (p, key))
db.commit()
EOF
for expr in 'prio:>0' 'prio:<0' 'prio:0' 'priority:>=3' 'prio:<=-1' 'prio:-4' \
    '-prio:>0' 'prio:>1000 or prio:<-1000' 'prio:>0 queue:deferred'; do
    "$MAILROOM" list --json --filter "$expr" "$TMP/prio.db" >"$TMP/filtered.jsonl" 2>"$TMP/err"
    "$PYTHON" - "$expr" "$TMP/prio.db" "$TMP/filtered.jsonl" >"$TMP/check" 2>&1 <<'EOF'
import json, sqlite3, sys
expr, path, filtered = sys.argv[1:4]
tests = {
    "prio:>0": lambda p, q: p > 0,
    "prio:<0": lambda p, q: p < 0,
    "prio:0": lambda p, q: p == 0,
    "priority:>=3": lambda p, q: p >= 3,
    "prio:<=-1": lambda p, q: p <= -1,
    "prio:-4": lambda p, q: p == -4,
    "-prio:>0": lambda p, q: not p > 0,
    "prio:>1000 or prio:<-1000": lambda p, q: p > 1000 or p < -1000,
    "prio:>0 queue:deferred": lambda p, q: p > 0 and q == "deferred",
}
db = sqlite3.connect(path)
rows = db.execute("SELECT queue_id, priority, queue FROM message").fetchall()
want = sorted(i for i, p, q in rows if tests[expr](p, q))
got = [json.loads(l)["queue_id"] for l in open(filtered, encoding="utf-8")]
assert len(got) == len(set(got)), "an id twice"
assert sorted(got) == want, (len(got), len(want), sorted(set(got) ^ set(want))[:5])
assert 0 < len(got) < len(rows), len(got)
print(len(got), "of", len(rows), "messages")
EOF
    okd $? "list --filter '$expr' on SQLite: the messages Python selects from the database ($(tail -1 "$TMP/check"))" "$TMP/check"
done
# Postfix keeps no priority: no prio: comparison takes its mail, a negation all.
"$MAILROOM" list --json --filter 'prio:>=-2147483648' "$TMP/pq.jsonl" >"$TMP/none.jsonl" 2>"$TMP/err"
"$MAILROOM" list --json --filter '-prio:>0' "$TMP/pq.jsonl" >"$TMP/all-pq.jsonl" 2>>"$TMP/err"
[ ! -s "$TMP/none.jsonl" ] && [ "$(wc -l <"$TMP/all-pq.jsonl")" -eq 500 ] && [ ! -s "$TMP/err" ]
ok $? "prio: on a saved postqueue -j listing: no message has a priority, -prio:>0 takes all 500"
# The table's PRIO column: each message's priority as the database holds it;
# none for Postfix, whose table is as it always was.
run 0 "list (table) of an SQLite queue" "$MAILROOM" list "$TMP/prio.db"
"$PYTHON" - "$TMP/prio.db" "$TMP/out" >"$TMP/check" 2>&1 <<'EOF'
import sqlite3, sys
want = dict(sqlite3.connect(sys.argv[1]).execute("SELECT queue_id, priority FROM message"))
lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
assert lines[0].split()[:6] == ["ID", "QUEUE", "AGE", "SIZE", "PRIO", "SENDER"], lines[0]
got = {f[0]: int(f[4]) for f in (l.split() for l in lines[1:])}
assert got == want, sorted((k, got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k))[:5]
assert min(got.values()) == -2147483648 and max(got.values()) == 2147483647
print(len(got), "rows")
EOF
okd $? "list table of an SQLite queue: PRIO is each message's priority in the database ($(tail -1 "$TMP/check"))" "$TMP/check"
run 0 "list (table) of a saved postqueue -j listing" "$MAILROOM" list "$TMP/pq.jsonl"
[ "$(wc -l <"$TMP/out")" -eq 501 ] && head -1 "$TMP/out" | grep -q '^ID  *QUEUE  *AGE  *SIZE  *SENDER  *RECIPIENT  *CAUSE  *REASON$'
ok $? "list table of a postqueue -j listing: no PRIO column (Postfix keeps no priority)"
run 2 "list --filter with a prio: error" "$MAILROOM" list --filter 'queue:hold prio:high' "$TMP/prio.db"
error_is 'mailroom: list: --filter: column 17: prio: give a number, as in prio:>0 (in "queue:hold prio:high")' \
    "list --filter with a prio: error"

# --- act ---------------------------------------------------------------------
# On a generated SQLite queue: each outcome is checked in a fresh listing, and
# every action is in actions.log.
export XDG_STATE_HOME="$TMP/state"
"$GEN" --seed 9 --now 1795435200 --count 300 "$TMP/act.db" 2>/dev/null
sel='cat:rate-limited domain:gmail.com queue:deferred'
"$MAILROOM" list --json --filter "$sel" "$TMP/act.db" >"$TMP/before.jsonl"
run 0 "act hold --filter" "$MAILROOM" act hold --filter "$sel" "$TMP/act.db"
held=$(wc -l <"$TMP/before.jsonl")
[ "$held" -gt 0 ] && [ "$(tail -1 "$TMP/out")" = "hold: $held done, 0 delivered, 0 not found, 0 failed" ] &&
    [ "$(grep -c '	done$' "$TMP/out")" -eq "$held" ]
ok $? "act hold: one 'done' line per message and the count ($held)"
"$MAILROOM" list --json --filter 'queue:hold' "$TMP/act.db" >"$TMP/held.jsonl"
"$PYTHON" - "$TMP/before.jsonl" "$TMP/held.jsonl" <<'EOF'
import json, sys
before = {json.loads(l)["queue_id"] for l in open(sys.argv[1], encoding="utf-8")}
held = {json.loads(l)["queue_id"] for l in open(sys.argv[2], encoding="utf-8")}
assert before and before <= held, (len(before), len(before - held))
EOF
ok $? "act hold: the messages are on hold in a fresh listing"
log="$XDG_STATE_HOME/mailroom/actions.log"
[ "$(wc -l <"$log")" -eq 1 ] &&
    awk -F'\t' -v n="$held" -v src="$TMP/act.db" -v me="$(id -un)" \
        '$1 ~ /^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]+Z$/ && $2 == me && $3 == src &&
         $4 == "hold" && $5 == "done " n && split($6, ids, " ") == n' "$log" | grep -q .
ok $? "act hold: one line in actions.log: time, user, source, action, outcomes, ids"
first=$("$PYTHON" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["queue_id"])' "$TMP/before.jsonl")
run 1 "act hold: ids, one gone" "$MAILROOM" act hold "$first" NOSUCH1 "$TMP/act.db"
grep -q "^$first	done	was already on hold$" "$TMP/out" && grep -q '^NOSUCH1	not found	' "$TMP/out" &&
    [ "$(tail -1 "$TMP/out")" = "hold: 1 done, 0 delivered, 1 not found, 0 failed" ]
ok $? "act hold by id: one already held (said so), one not in the queue"
tail -1 "$log" | grep -q 'NOSUCH1=not-found'
ok $? "act: the outcomes of ids not done are in actions.log"
run 1 "act delete without --yes or a terminal" "$MAILROOM" act delete --filter 'queue:hold' "$TMP/act.db"
grep -q "^mailroom: act: delete cannot be undone: add --yes to delete [0-9]* messages (" "$TMP/err" &&
    [ "$(wc -l <"$TMP/err")" -eq 1 ] && [ "$("$MAILROOM" list --json --filter queue:hold "$TMP/act.db" | wc -l)" -gt 0 ]
ok $? "act delete: refused without --yes, nothing deleted"
run 0 "act delete --dry-run" "$MAILROOM" act delete --dry-run --filter 'queue:hold' "$TMP/act.db"
n_hold=$("$MAILROOM" list --json --filter queue:hold "$TMP/act.db" | wc -l)
[ "$(tail -1 "$TMP/out")" = "delete: would act on $n_hold messages (dry run)" ]
ok $? "act --dry-run: the ids and the count, nothing done ($n_hold on hold still)"
run 0 "act delete --yes" "$MAILROOM" act delete --yes --filter 'queue:hold' "$TMP/act.db"
[ "$("$MAILROOM" list --json --filter queue:hold "$TMP/act.db" | wc -l)" -eq 0 ]
ok $? "act delete --yes: the held mail is gone from a fresh listing"
"$MAILROOM" list --json --filter 'domain:yahoo.com queue:deferred' "$TMP/act.db" >"$TMP/p0.jsonl"
run 0 "act priority-up" "$MAILROOM" act priority-up --filter 'domain:yahoo.com queue:deferred' "$TMP/act.db"
"$MAILROOM" list --json --filter 'domain:yahoo.com queue:deferred' "$TMP/act.db" >"$TMP/p1.jsonl"
"$PYTHON" - "$TMP/p0.jsonl" "$TMP/p1.jsonl" <<'EOF'
import json, sys
p0 = {m["queue_id"]: m["priority"] for m in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
p1 = {m["queue_id"]: m["priority"] for m in map(json.loads, open(sys.argv[2], encoding="utf-8"))}
assert p0 and p0.keys() == p1.keys() and all(p1[k] == p0[k] + 1 for k in p0), (p0, p1)
EOF
ok $? "act priority-up: each message one step up from where it was"
run 2 "act with both --filter and ids" "$MAILROOM" act hold --filter queue:hold ABC123 "$TMP/act.db"
error_is "mailroom: act: give either --filter EXPR or queue ids" "act with both"
run 2 "act with an unknown action" "$MAILROOM" act frobnicate ABC123 "$TMP/act.db"
error_is 'mailroom: act: no action "frobnicate" (retry, hold, release, delete, requeue, expire, priority-up, priority-down)' \
    "act with an unknown action"
unset XDG_STATE_HOME

# --- summary -------------------------------------------------------------------
run 0 "summary --json --demo" "$MAILROOM" summary --json --demo --top 5
cp "$TMP/out" "$TMP/summary.json"
"$PYTHON" - "$TMP/summary.json" "$TMP/all.jsonl" <<'EOF'
import collections, json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
ms = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
rcpts = [r for m in ms for r in m["recipients"]]
assert s["messages"] == len(ms) and s["recipients"] == len(rcpts)
assert s["total"][0]["recipients"] == len(rcpts) and sum(s["total"][0]["ages"]) == len(rcpts)
domains = collections.Counter(r["address"].rsplit("@", 1)[-1].lower() for r in rcpts)
top = [d["label"] for d in s["domains"][:5]]
assert [d for d, _ in domains.most_common(5)] == top or \
    sorted(domains[d] for d in top) == sorted(c for _, c in domains.most_common(5)), top
for d in s["domains"][:5]:
    assert d["recipients"] == domains[d["label"]] == sum(d["ages"]), d
assert s["domains"][5]["label"] == "(other)"
assert sum(d["recipients"] for d in s["domains"]) == len(rcpts)
cats = collections.Counter(r["diagnosis"]["category"] for r in rcpts if r["diagnosis"])
assert {c["label"]: c["recipients"] for c in s["categories"]} == dict(cats)
assert len(s["reasons"]) == 5 and all(r["filter"].startswith("cat:") for r in s["reasons"])
print("# " + json.dumps([s["domains"][0]["filter"], s["reasons"][0]["filter"]]))
EOF
ok $? "summary --json: totals, domains, causes as Python counts them"
# A row's filter selects its mail.
dfilter=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["domains"][0]["filter"])' "$TMP/summary.json")
dcount=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["domains"][0]["recipients"])' "$TMP/summary.json")
"$MAILROOM" summary --json --demo --filter "$dfilter" >"$TMP/s2.json" 2>"$TMP/err"
"$PYTHON" - "$TMP/s2.json" "$dcount" "$dfilter" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
d = {x["label"]: x["recipients"] for x in s["domains"]}
dom = sys.argv[3].split("@", 1)[1]
assert d[dom] == int(sys.argv[2]), (d, sys.argv[2])
EOF
ok $? "summary: the top domain's filter ($dfilter) selects its recipients' mail"
"$PYTHON" - "$TMP/s2.json" "$dcount" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
assert s["recipients"] == int(sys.argv[2]), (s["recipients"], sys.argv[2])
assert [x["label"] for x in s["domains"]] == [s["domains"][0]["label"]], s["domains"]
EOF
ok $? "summary --filter counts the recipients the filter holds for, not the others of their messages"
"$PYTHON" -c 'import json,sys; [print(x["filter"]) for x in json.load(open(sys.argv[1]))["reasons"]]' \
    "$TMP/s2.json" >"$TMP/rfilters"
empty=0
while read -r rfilter; do
    found=$("$MAILROOM" list --json --demo --filter "($dfilter) $rfilter" | grep -c '')
    [ "$found" -gt 0 ] || { empty=$((empty + 1)); echo "# no mail for ($dfilter) $rfilter"; }
done <"$TMP/rfilters"
[ -s "$TMP/rfilters" ] && [ "$empty" = 0 ]
ok $? "summary --filter: every reason's filter, added to it, still finds mail"
run 0 "summary --demo (table)" "$MAILROOM" summary --demo --top 3
grep -q '^Recipients by domain and age in minutes:$' "$TMP/out" && grep -q '^(total) ' "$TMP/out" &&
    grep -q '^(other) ' "$TMP/out" && grep -q '^Top reasons' "$TMP/out"
ok $? "summary table: qshape-like ages, causes, top reasons"
run 2 "summary --top 0" "$MAILROOM" summary --demo --top 0
error_is 'mailroom: summary: --top takes a number from 1 to 1000 (got "0")' "summary --top 0"

# --- regular expressions under limits ----------------------------------------
# A generated queue with one reason of 5,000 characters ("450 aaa...ab"), set by
# SQL. A pattern that backtracks past the limits on it fails the command with
# its column, and nothing is listed, summed up or acted on; with glibc's
# regexec it ran for ever. timeout 60 turns a hang into a failed check here.
"$GEN" --seed 4 --now 1795435200 --count 300 "$TMP/regex.db" 2>/dev/null
"$PYTHON" - "$TMP/regex.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
m, p = db.execute("SELECT r.message, r.position FROM recipient r JOIN message m ON m.id = r.message "
                  "WHERE m.queue = 'deferred' AND r.reason IS NOT NULL ORDER BY m.id LIMIT 1").fetchone()
reason = "host mx.example.net said: 450 " + "a" * 4969 + "b"
assert len(reason) == 5000
db.execute("UPDATE recipient SET reason = ? WHERE message = ? AND position = ?", (reason, m, p))
db.commit()
EOF
# (The checks' names spell the pattern without its backslash: echo takes \1.)
expr='reason:/(a*)*\1$/'
backref='reason:/(a*)*BACKREF$/'
said="column 8: reason:/(a*)*\\1\$/: too much backtracking: simplify it (in \"$expr\")"
run 2 "list --filter '$backref' on a 5,000-character reason" \
    timeout 60 "$MAILROOM" list --filter "$expr" "$TMP/regex.db"
error_is "mailroom: list: --filter: $said" "list --filter '$backref'"
[ ! -s "$TMP/out" ]
ok $? "list --filter '$backref': nothing listed"
run 2 "summary --filter '$backref'" timeout 60 "$MAILROOM" summary --json --filter "$expr" "$TMP/regex.db"
error_is "mailroom: summary: --filter: $said" "summary --filter '$backref'"
[ ! -s "$TMP/out" ]
ok $? "summary --filter '$backref': nothing summed up"
export XDG_STATE_HOME="$TMP/state-regex"
held=$("$MAILROOM" list --json --filter queue:hold "$TMP/regex.db" | wc -l)
run 2 "act hold --filter '$backref'" timeout 60 "$MAILROOM" act hold --filter "$expr" "$TMP/regex.db"
error_is "mailroom: act: --filter: $said" "act hold --filter '$backref'"
[ ! -s "$TMP/out" ] && [ ! -e "$XDG_STATE_HOME/mailroom/actions.log" ] &&
    [ "$("$MAILROOM" list --json --filter queue:hold "$TMP/regex.db" | wc -l)" -eq "$held" ]
ok $? "act hold --filter '$backref': nothing held ($held on hold before and after), nothing logged"
unset XDG_STATE_HOME
# Patterns whose compiled form would be too large: refused when parsed (glibc's
# regcomp overflowed its stack on the first and took 1.2 GB for the second).
for expr in 'reason:/(.*){1,32000}(.*){1,32000}b/' 'reason:/((a{1,100}){1,100}){1,100}/'; do
    run 2 "list --filter '$expr'" timeout 60 "$MAILROOM" list --filter "$expr" "$TMP/regex.db"
    error_is "mailroom: list: --filter: column 8: $expr: too large once its repeats are written out (over 32768 bytes compiled): use smaller counts in {n,m} (in \"$expr\")" \
        "list --filter '$expr'"
done
# Ordinary expressions take what Python's re takes, case ignored, the long
# reason too.
for expr in 'reason:/a{4969}b$/' 'reason:/^host [^ ]*(google|outlook)/' \
    'reason:/4\.[27]\.[0-9]+ /' 'reason:/(greylist|try again)/' \
    'reason:/^connect to .*: (connection refused|connection timed out)/' \
    'reason:/(^|[^a-z])MAILBOX .*full/'; do
    "$MAILROOM" list --json --filter "$expr" "$TMP/regex.db" >"$TMP/filtered.jsonl" 2>"$TMP/err"
    "$PYTHON" - "$expr" "$TMP/regex.db" "$TMP/filtered.jsonl" >"$TMP/check" 2>&1 <<'EOF'
import json, re, sqlite3, sys
expr, path, filtered = sys.argv[1:4]
pattern = re.compile(expr[len("reason:/"):-1], re.I | re.S)
db = sqlite3.connect(path)
rows = db.execute("SELECT m.queue_id, r.reason FROM message m "
                  "JOIN recipient r ON r.message = m.id").fetchall()
want = sorted({i for i, reason in rows if reason is not None and pattern.search(reason)})
got = [json.loads(l)["queue_id"] for l in open(filtered, encoding="utf-8")]
assert sorted(got) == want, (len(got), len(want), sorted(set(got) ^ set(want))[:5])
assert 0 < len(got) < 300, len(got)
print(len(got), "messages")
EOF
    okd $? "list --filter '$expr': the messages Python's re finds ($(tail -1 "$TMP/check"))" "$TMP/check"
done

# --- hostile queue content -------------------------------------------------
"$GEN" --count 3 "$TMP/hostile.db" 2>/dev/null
"$PYTHON" - "$TMP/hostile.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO message (queue_id, queue, arrival_time, size, sender) VALUES "
           "('EVIL1', 'deferred', 1795430000, 100, ?)", ("x\x1b]0;pwned\x07\x1b[2J@evil.example",))
mid = db.execute("SELECT id FROM message WHERE queue_id = 'EVIL1'").fetchone()[0]
db.execute("INSERT INTO recipient (message, position, address, state, reason) VALUES "
           "(?, 0, 'v@victim.example', 'deferred', ?)",
           (mid, "host mx[192.0.2.1] said: 450 \x1b[31mred\u202egnp.exe\x9b (in reply to RCPT TO command)"))
db.commit()
EOF
run 0 "list hostile (table)" "$MAILROOM" list "$TMP/hostile.db"
! LC_ALL=C grep -q "$(printf '\033')" "$TMP/out" && ! LC_ALL=C grep -q "$(printf '\007')" "$TMP/out" &&
    grep -q 'x^\[\]0;pwned^G^\[\[2J@evil.example' "$TMP/out" &&
    grep -q '450 ^\[\[31mred<U+202E>gnp.exe<U+009B>' "$TMP/out"
ok $? "list table: escapes and bidi controls made visible, none sent raw"
run 0 "list hostile (csv)" "$MAILROOM" list --csv "$TMP/hostile.db"
! LC_ALL=C grep -q "$(printf '\033')" "$TMP/out"
ok $? "list csv: no raw escape"
run 0 "list hostile (json)" "$MAILROOM" list --json "$TMP/hostile.db"
"$PYTHON" - "$TMP/out" <<'EOF'
import json, sys
raw = open(sys.argv[1], "rb").read()
assert b"\x1b" not in raw and b"\x07" not in raw
msgs = [json.loads(l) for l in raw.decode().splitlines()]
evil = [m for m in msgs if m["queue_id"] == "EVIL1"][0]
assert evil["sender"] == "x\x1b]0;pwned\x07\x1b[2J@evil.example", evil["sender"]
assert "\x1b[31mred\u202egnp.exe\x9b" in evil["recipients"][0]["reason"]
EOF
ok $? "list json: exact strings, escaped as JSON requires"

tap_end
