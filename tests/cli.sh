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
        "priority", "forced_expire", "state", "state_why", "attempts", "next_retry",
        "recipients", "last_attempt", "history", "history_complete"}
rkeys = {"address", "original_address", "state", "reason", "attempts", "last_attempt",
         "next_retry", "diagnosis"}
dkeys = {"basic_code", "enhanced_code", "stage", "host", "address", "port", "temporary",
         "category", "sisimai_reason", "confidence", "evidence", "waiting_helps", "provider",
         "title", "explanation", "advice"}
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
# expired by the operator and still queued: "expiring", why said, the
# recipients' states and reasons as they were
for m in msgs:
    expiring = m["forced_expire"] and m["queue_name"] not in ("bounced", "hold")
    assert m["state"] == ("expiring" if expiring else m["queue_name"]), m["queue_id"]
    assert (m["state_why"] is not None) == m["forced_expire"], m["queue_id"]
    if expiring:
        assert m["state_why"].startswith("expired by the operator (postsuper -e)"), m
        assert all(r["state"] in ("pending", "deferred") for r in m["recipients"]), m
assert any(m["state"] == "expiring" and m["recipients"][0]["reason"] for m in msgs), \
    "an expiring message with its last failure"
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
state = {m["queue_id"]: m["state"] for m in msgs}
assert all(row["message_state"] == state[row["queue_id"]] for row in rows)
assert any(row["message_state"] == "expiring" for row in rows)
EOF
ok $? "list --csv: one row per recipient, reasons and message states equal to the JSON's"

run 0 "list --demo (table)" "$MAILROOM" list --demo
[ "$(wc -l <"$TMP/out")" -eq 301 ] && head -1 "$TMP/out" | grep -q '^ID  *QUEUE  *AGE  *SIZE  *PRIO  *SENDER  *RECIPIENT  *CAUSE  *REASON$'
ok $? "list table: a header (PRIO: the demo is an SQLite queue) and one line per message"

# --- list --filter ------------------------------------------------------------
# Each filter's messages, next to the same question asked of the whole listing
# in Python: the ids must be the same.
"$MAILROOM" list --json --demo >"$TMP/all.jsonl" 2>"$TMP/err"
for expr in 'queue:hold' 'cat:greylisting' 'domain:gmail.com cat:rate-limited' \
    'age:>1d' 'size:>100K' 'from:<>' 'code:4.7.*' '-queue:deferred' \
    'queue:deferred (domain:gmail.com or domain:outlook.com)' 'state:expiring' \
    'state:deferred' 'queue:deferred -state:deferred'; do
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
    # expired by the operator, still queued, not held
    "state:expiring": lambda m, r: m["forced_expire"] and m["queue_name"] not in ("hold", "bounced"),
    "state:deferred": lambda m, r: m["queue_name"] == "deferred" and not m["forced_expire"],
    "queue:deferred -state:deferred": lambda m, r: m["queue_name"] == "deferred" and m["forced_expire"],
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

# What a real Postfix 3.7 logged (tests/lab/), one reason per line on stdin.
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
    (421, "4.7.0", "rcpt", "too-many-connections", True, None),
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
ok $? "explain --json -: every reason real Postfix logged decodes right"

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
    "Provider replies" "Phrase rules (first match wins)" \
    "Reply codes at a stage (when neither words nor status code say)" \
    "Single words (the last resort: a guess)"; do
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
# An id listed twice (Postfix does it when qmgr moves a message while
# postqueue -j reads the queue): the first line stands, a warning names the
# id and the line, and the listing succeeds.
head -3 "$TMP/pq.jsonl" >"$TMP/twice.jsonl"
sed -n 2p "$TMP/pq.jsonl" | sed 's/"queue_name": "[a-z]*"/"queue_name": "active"/' >>"$TMP/twice.jsonl"
twice_id=$("$PYTHON" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[1])["queue_id"])' "$TMP/pq.jsonl")
run 0 "an id listed twice" "$MAILROOM" list --json "$TMP/twice.jsonl"
error_is "mailroom: $TMP/twice.jsonl: line 4: queue id $twice_id again; the first line of it is kept (normal when Postfix moved the message while postqueue -j read the queue)" \
    "an id listed twice: one warning naming the id and the line"
"$PYTHON" - "$TMP/pq.jsonl" "$TMP/out" >"$TMP/check" 2>&1 <<'EOF2'
import json, sys
first = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")][:3]
got = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert [m["queue_id"] for m in got] == [m["queue_id"] for m in first], got
assert [m["queue_name"] for m in got] == [m["queue_name"] for m in first], "the first line stands"
EOF2
okd $? "an id listed twice: listed once, as its first line says" "$TMP/check"
# --- a line without end ------------------------------------------------------------
# Two lines of a listing, then one that never ends, through a pipe (standard
# input) and through a named pipe given as the file: refused at 64 MiB with
# the input and the line named, the writer cut off, memory bounded.
mkfifo "$TMP/endless.jsonl"
head -2 "$TMP/pq.jsonl" >"$TMP/two.jsonl"
for how in stdin fifo; do
    "$PYTHON" - "$MAILROOM" "$how" "$TMP/two.jsonl" "$TMP/endless.jsonl" >"$TMP/endless.out" <<'EOF'
import os, resource, subprocess, sys
mailroom, how, head, fifo = sys.argv[1:5]
args = [mailroom, "list", "--json", "-" if how == "stdin" else "postqueue-json:" + fifo]
p = subprocess.Popen(args, stdin=subprocess.PIPE if how == "stdin" else subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
out = p.stdin if how == "stdin" else open(fifo, "wb")
written, chunk = 0, b"x" * (1 << 20)
try:
    out.write(open(head, "rb").read() + b'{"queue_id": "')
    while written < (4 << 30):  # an endless line, as far as mailroom can tell
        out.write(chunk)
        written += len(chunk)
    out.close()
except BrokenPipeError:
    pass
err = p.stderr.read().decode()
status = p.wait()
rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print("exit status\t%d\t1" % status)
print("the error\t%s\t%s" % (err.strip(), "mailroom: %s: line 3: longer than 64 MiB"
      % ("standard input" if how == "stdin" else fifo)))
print("stopped reading soon after 64 MiB\t%s\tTrue" % (written < (80 << 20)))
print("memory bounded (peak RSS %d MiB)\t%s\tTrue" % (rss_mib, rss_mib < 200))
EOF
    while IFS='	' read -r name got want; do
        is "$got" "$want" "an endless line ($how): $name"
    done <"$TMP/endless.out"
done

printf '{"queue_name": "deferred", "queue_id": "A1", "recipients": [}\n' >"$TMP/broken.jsonl"
run 1 "a broken postqueue -j file" "$MAILROOM" list "$TMP/broken.jsonl"
error_is "mailroom: $TMP/broken.jsonl: line 1: expected '{' (at byte 61)" \
    "a broken postqueue -j file"

# --- a listing written as it is read ---------------------------------------
# One source and --json, --csv or --csv-raw: list writes each batch of
# messages as the source reads it. Cut into batches of 7 messages (1 for the
# demo's 300) and the default (4096), the output, the warnings and the
# status are those of the whole listing (MAILROOM_LIST_BATCH=0 reads it
# whole), with and without a filter, for a saved listing (with an id listed
# again thousands of lines later, in another batch), standard input, SQLite
# and the demo.
run 0 "mailroom-gen: 6000 messages" "$GEN" --seed 11 --now 1795435200 --postqueue-json --count 6000 "$TMP/st.jsonl"
sed -n 5p "$TMP/st.jsonl" | sed 's/"queue_name": "[a-z]*"/"queue_name": "active"/' >>"$TMP/st.jsonl"
run 0 "mailroom-gen: 6000 messages in SQLite" "$GEN" --seed 11 --now 1795435200 --count 6000 "$TMP/st.db"
# standard input: "-", read from a file the shell opens
stream_list() { # SOURCE BATCH ARGS...: stdout, stderr and status in $TMP/st.*
    sl_src=$1 sl_batch=$2
    shift 2
    if [ "$sl_src" = "-" ]; then
        MAILROOM_LIST_BATCH=$sl_batch "$MAILROOM" list "$@" - <"$TMP/st.jsonl" >"$TMP/st.out" 2>"$TMP/st.err"
    else
        MAILROOM_LIST_BATCH=$sl_batch "$MAILROOM" list "$@" "$sl_src" >"$TMP/st.out" 2>"$TMP/st.err"
    fi
    echo $? >"$TMP/st.status"
}
same_as_whole() { # SOURCE ARGS...
    src=$1
    shift
    stream_list "$src" 0 "$@"
    for f in out err status; do mv "$TMP/st.$f" "$TMP/whole.$f"; done
    batches="7 default"
    [ "$src" = "demo:" ] && batches="1 7 default"
    for batch in $batches; do
        [ "$batch" = default ] && b= || b=$batch
        stream_list "$src" "$b" "$@"
        cmp -s "$TMP/whole.out" "$TMP/st.out" && cmp -s "$TMP/whole.err" "$TMP/st.err" &&
            cmp -s "$TMP/whole.status" "$TMP/st.status"
        ok $? "list $* $(basename "$src") in batches of $batch: the whole listing's bytes"
    done
}
for src in "$TMP/st.jsonl" "$TMP/st.db" - demo:; do
    for format in --json --csv --csv-raw; do
        same_as_whole "$src" "$format"
        [ "$src" = - ] && continue # the same reader as a file's
        same_as_whole "$src" "$format" --filter 'domain:gmail.com cat:rate-limited'
        [ "$src" = demo: ] && continue
        same_as_whole "$src" "$format" --filter 'age:>2d or reason:/4\.7\.[0-9]+/'
    done
done
for expr in 'domain:gmail.com cat:rate-limited' 'age:>2d or reason:/4\.7\.[0-9]+/'; do
    stream_list "$TMP/st.jsonl" 7 --json --filter "$expr"
    lines=$(wc -l <"$TMP/st.out")
    [ "$lines" -gt 20 ] && [ "$lines" -lt 6000 ]
    ok $? "--filter '$expr' compared on some messages, not all ($lines)"
done
stream_list "$TMP/st.jsonl" 7 --json
grep -q 'line 6001: queue id .* again; the first line of it is kept' "$TMP/st.err" &&
    [ "$(wc -l <"$TMP/st.out")" -eq 6000 ]
ok $? "an id listed again in another batch: found, warned about, listed once"
# Long queue ids (enable_long_queue_ids) are kept as text, short ones as
# numbers: an id listed again is found either way.
"$GEN" --seed 3 --now 1795435200 --long-ids --postqueue-json --count 3000 "$TMP/long.jsonl"
sed -n 2p "$TMP/long.jsonl" >>"$TMP/long.jsonl"
same_as_whole "$TMP/long.jsonl" --json
grep -q 'line 3001: queue id .* again' "$TMP/whole.err" && [ "$(wc -l <"$TMP/st.out")" -eq 3000 ]
ok $? "a long id listed again in another batch: found, warned about, listed once"
# A listing that fails part way (a line that is not a message): the error
# and the status of the whole listing; the batches written before it stay.
mkdir "$TMP/cut"
head -2999 "$TMP/st.jsonl" >"$TMP/cut/st.jsonl"
echo '{"queue_name": "deferred", "queue_id": "A1", "recipients": [}' >>"$TMP/cut/st.jsonl"
sed -n '3000,3005p' "$TMP/st.jsonl" >>"$TMP/cut/st.jsonl"
(cd "$TMP/cut" && MAILROOM_LIST_BATCH=0 "$MAILROOM" list --json st.jsonl >"$TMP/whole.out" 2>"$TMP/whole.err")
is "$?:$(wc -c <"$TMP/whole.out")" "1:0" "a listing that fails, read whole: nothing written, status 1"
(cd "$TMP/cut" && MAILROOM_LIST_BATCH=1000 "$MAILROOM" list --json st.jsonl >"$TMP/st.out" 2>"$TMP/st.err")
is "$?" 1 "a listing that fails part way, streamed: status 1"
cmp -s "$TMP/whole.err" "$TMP/st.err"
ok $? "a listing that fails part way, streamed: the same error"
(cd "$TMP" && "$MAILROOM" list --json st.jsonl | head -2000) >"$TMP/first.out"
cmp -s "$TMP/first.out" "$TMP/st.out"
ok $? "a listing that fails part way, streamed: the 2 whole batches before the error, written"

# --- bad arguments ---------------------------------------------------------
run 2 "list --bogus" "$MAILROOM" list --bogus --demo
error_is 'mailroom: list: unknown option "--bogus" (try mailroom list --help)' "list --bogus"
# No source is the local Postfix, which is not running here (the tests
# start a private one of their own): a clear error, not an empty queue.
run 1 "list without a source" "$MAILROOM" list --json
[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -Eq '^mailroom: (Postfix is not running on this machine|postqueue: cannot run it)' "$TMP/err"
ok $? "list without a source: the local Postfix, not running: one-line error"
# Every command names the option it refuses as it was typed, a cluster of
# letters too (getopt leaves no trace of which argument held it), and says
# when an option's value is missing rather than calling the option unknown.
for cmd in list act summary explain codes; do
    case $cmd in act) args="act hold -xyz A1" ;; *) args="$cmd -xyz" ;; esac
    # shellcheck disable=SC2086
    run 2 "$cmd -xyz" "$MAILROOM" $args
    error_is "mailroom: $cmd: unknown option \"-xyz\" (try mailroom $cmd --help)" "$cmd -xyz"
done
run 2 "list --json -xyz" "$MAILROOM" list --json -xyz --demo
error_is 'mailroom: list: unknown option "-xyz" (try mailroom list --help)' "list --json -xyz"
run 2 "act with -nq after the ids" "$MAILROOM" act hold A1 B2 -nq --demo
error_is 'mailroom: act: unknown option "-nq" (try mailroom act --help)' "act -nq after the ids"
run 2 "the screen -xyz" "$MAILROOM" -xyz
error_is 'mailroom: unknown option "-xyz" (try mailroom --help)' "the screen -xyz"
# needs_value COMMAND OPTION ARGS...: the last of ARGS is OPTION, with no value
needs_value() {
    nv_cmd=$1 nv_opt=$2
    shift 2
    run 2 "$* (no value)" "$MAILROOM" "$@"
    if [ -n "$nv_cmd" ]; then
        error_is "mailroom: $nv_cmd: $nv_opt needs a value (try mailroom $nv_cmd --help)" "$* (no value)"
    else
        error_is "mailroom: $nv_opt needs a value (try mailroom --help)" "$* (no value)"
    fi
}
needs_value list --filter list --demo --filter
needs_value act --filter act hold --filter
needs_value act -f act hold A1 -f
needs_value summary --top summary --demo --top
needs_value summary --filter summary --filter
needs_value "" --refresh --demo --refresh
# --refresh takes whole seconds from 0 to a day (86400); anything else is
# refused before the screen starts: the option, the range and the value on
# one line. Both ends of the range get past it, to the terminal check.
for v in -1 86401 abc 10s '' 99999999999999999999 ' 5' '+5'; do
    run 2 "--refresh \"$v\"" "$MAILROOM" --refresh "$v" --demo
    error_is "mailroom: --refresh takes a number from 0 to 86400 (got \"$v\")" "--refresh \"$v\""
done
for v in 0 86400; do
    run 2 "--refresh $v, no terminal" "$MAILROOM" --refresh "$v" --demo </dev/null
    error_is 'mailroom: the screen needs a terminal; use "mailroom list" to print the queue' \
        "--refresh $v: taken, then the screen needs a terminal"
done
run 2 "list --json --csv" "$MAILROOM" list --json --csv --demo
error_is 'mailroom: list: --json, --csv and --csv-raw exclude each other' "list --json --csv"
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

# --- CSV and formulas ----------------------------------------------------------
# A field a spreadsheet would take for a formula (= + - @ TAB CR first) gets a
# leading ', as OWASP advises; --csv-raw writes every text exactly; numbers
# mailroom writes are never touched. Python's csv module reads both back and
# compares them with the database.
"$GEN" --count 3 --seed 4 --now 1795435200 "$TMP/formula.db" 2>/dev/null
"$PYTHON" - "$TMP/formula.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO message (queue_id, queue, arrival_time, size, sender, priority) VALUES "
           "('F1', 'deferred', 1795430000, 100, ?, -7)", ('=HYPERLINK("http://evil.example","x")',))
mid = db.execute("SELECT id FROM message WHERE queue_id = 'F1'").fetchone()[0]
rows = [("+cmd|' /C calc'!A0@x.example", "@SUM(1+1)", "-2+3 said: 550, \"no\"\nsecond line"),
        ("\tv@victim.example", None, "\rcarriage first"),
        ("plain@example.org", None, "host said: 450 = not a formula")]
for pos, (address, original, reason) in enumerate(rows):
    db.execute("INSERT INTO recipient (message, position, address, original_address, state, reason) "
               "VALUES (?, ?, ?, ?, 'deferred', ?)", (mid, pos, address, original, reason))
db.commit()
EOF
run 0 "list --csv with formulas" "$MAILROOM" list --csv "$TMP/formula.db"
cp "$TMP/out" "$TMP/formula.csv"
run 0 "list --csv-raw" "$MAILROOM" list --csv-raw "$TMP/formula.db"
cp "$TMP/out" "$TMP/formula-raw.csv"
"$PYTHON" - "$TMP/formula.db" "$TMP/formula.csv" "$TMP/formula-raw.csv" >"$TMP/csv.values" <<'EOF'
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
want = db.execute("SELECT m.queue_id, m.sender, r.address, r.original_address, r.reason, m.priority "
                  "FROM recipient r JOIN message m ON m.id = r.message "
                  "ORDER BY m.id, r.position").fetchall()
def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return [(r["queue_id"], r["sender"], r["recipient"], r["original_recipient"],
                 r["reason"], r["priority"]) for r in csv.DictReader(f)]
def visible(s):  # the C0 controls the rows above hold, as the screen shows them
    return "".join("^" + chr(ord(c) + 64) if ord(c) < 32 else c for c in s)
def guard(s):
    return "" if s is None else ("'" if s[:1] and s[:1] in "=+-@\t\r" else "") + visible(s)
csv_rows, raw_rows = read(sys.argv[2]), read(sys.argv[3])
print("rows\t%d %d\t%d %d" % (len(csv_rows), len(raw_rows), len(want), len(want)))
formulas = 0
for i, (got, w) in enumerate(zip(csv_rows, want)):
    for name, g, v in zip(("sender", "recipient", "original", "reason"), got[1:5], w[1:5]):
        if v is not None and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
            formulas += 1
        print("csv row %d (%s) %s\t%r\t%r" % (i + 1, w[0], name, g, guard(v)))
    print("csv row %d (%s) priority, a number: untouched\t%s\t%s" % (i + 1, w[0], got[5], w[5]))
# F1's sender on its three rows, + @ - in the first, TAB and CR in the second.
print("formula-like fields in the database\t%d\t8" % formulas)
for i, (got, w) in enumerate(zip(raw_rows, want)):
    for name, g, v in zip(("sender", "recipient", "original", "reason"), got[1:5], w[1:5]):
        print("csv-raw row %d (%s) %s\t%r\t%r" % (i + 1, w[0], name, g, "" if v is None else v))
EOF
while IFS='	' read -r name got want; do
    is "$got" "$want" "$name"
done <"$TMP/csv.values"

# --- NUL inside a field ------------------------------------------------------------
# A \u0000 (or a NUL byte in an SQLite text) once ended the field there, in
# the table, JSON, CSV and on the screen. It is kept as a NUL: \u0000 in
# JSON, ^@ where text is made visible, a NUL byte in --csv-raw; nothing after
# it is lost.
"$PYTHON" - "$TMP/nul.jsonl" <<'EOF'
import json, sys
m = {"queue_name": "deferred", "queue_id": "NUL1", "arrival_time": 1795430000,
     "message_size": 10, "forced_expire": False, "sender": "s\x00hidden@x.example",
     "recipients": [{"address": "r\x00tail@x.example",
                     "delay_reason": "450 4.2.0 try\x00 later (after the NUL)"}]}
open(sys.argv[1], "w").write(json.dumps(m) + "\n")
EOF
"$GEN" --count 1 --seed 3 --now 1795435200 "$TMP/nul.db" 2>/dev/null
"$PYTHON" - "$TMP/nul.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO message (queue_id, queue, arrival_time, size, sender) VALUES "
           "('NUL1', 'deferred', 1795430000, 10, ?)", ("s\x00hidden@x.example",))
mid = db.execute("SELECT id FROM message WHERE queue_id = 'NUL1'").fetchone()[0]
db.execute("INSERT INTO recipient (message, position, address, state, reason) VALUES "
           "(?, 0, ?, 'deferred', ?)", (mid, "r\x00tail@x.example", "450 4.2.0 try\x00 later (after the NUL)"))
db.commit()
EOF
for src in "$TMP/nul.jsonl" "$TMP/nul.db"; do
    kind=${src##*.}
    "$MAILROOM" list --json "$src" >"$TMP/nul.json" 2>"$TMP/err"
    "$MAILROOM" list --csv "$src" >"$TMP/nul.csv" 2>>"$TMP/err"
    "$MAILROOM" list --csv-raw "$src" >"$TMP/nul-raw.csv" 2>>"$TMP/err"
    "$MAILROOM" list "$src" >"$TMP/nul.txt" 2>>"$TMP/err"
    "$PYTHON" - "$TMP/nul.json" "$TMP/nul.csv" "$TMP/nul-raw.csv" >"$TMP/nul.values" <<'EOF'
import csv, json, sys
m = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if '"NUL1"' in l][0]
r = m["recipients"][0]
print("json sender\t%r\t%r" % (m["sender"], "s\x00hidden@x.example"))
print("json address\t%r\t%r" % (r["address"], "r\x00tail@x.example"))
print("json reason\t%r\t%r" % (r["reason"], "450 4.2.0 try\x00 later (after the NUL)"))
print("json: written as \\u0000\t%s\tTrue" % ("\\u0000" in open(sys.argv[1]).read()))
def row(path):
    with open(path, encoding="utf-8", newline="") as f:
        return [x for x in csv.DictReader(f) if x["queue_id"] == "NUL1"][0]
c, raw = row(sys.argv[2]), row(sys.argv[3])
print("csv sender\t%r\t%r" % (c["sender"], "s^@hidden@x.example"))
print("csv recipient\t%r\t%r" % (c["recipient"], "r^@tail@x.example"))
print("csv reason\t%r\t%r" % (c["reason"], "450 4.2.0 try^@ later (after the NUL)"))
print("csv-raw sender\t%r\t%r" % (raw["sender"], "s\x00hidden@x.example"))
print("csv-raw reason\t%r\t%r" % (raw["reason"], "450 4.2.0 try\x00 later (after the NUL)"))
EOF
    while IFS='	' read -r name got want; do
        is "$got" "$want" "NUL ($kind): $name"
    done <"$TMP/nul.values"
    line=$(grep '^NUL1 ' "$TMP/nul.txt")
    has "$line" ' s^@hidden@x.example ' "NUL ($kind): the table's sender shows ^@ and the rest"
    has "$line" ' r^@tail@x.example ' "NUL ($kind): the table's recipient shows ^@ and the rest"
    has "$line" 'try^@ later (after the NUL)' "NUL ($kind): the table's reason goes on after ^@"
    is "$(cat "$TMP/err")" "" "NUL ($kind): no warning, no error"
done

# --- a mailroom database with a looser schema ------------------------------
# Our application_id and column names, but no STRICT, NOT NULL, CHECK or
# UNIQUE: a file made by hand or by another tool. Every value is checked as
# it is read: a NULL, a wrong type or a number no queue holds is taken as a
# safe default with one warning per row naming the row; a row without a
# queue id is left out (named by its row id), as is an id's second row.
"$PYTHON" - "$TMP/loose.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
PRAGMA application_id = 1297240397; PRAGMA user_version = 1;
CREATE TABLE message (id INTEGER PRIMARY KEY, queue_id TEXT, queue TEXT, arrival_time INTEGER,
    size INTEGER, sender TEXT, priority INTEGER, forced_expire INTEGER, headers BLOB, body BLOB);
CREATE TABLE recipient (message INTEGER, position INTEGER, address TEXT, original_address TEXT,
    state TEXT, reason TEXT, attempts INTEGER, last_attempt INTEGER, next_retry INTEGER);
CREATE TABLE action_log (id INTEGER PRIMARY KEY, time INTEGER, user TEXT, action TEXT,
    argument TEXT, queue_id TEXT, outcome TEXT, detail TEXT, new_queue_id TEXT);
""")
now = 1795435200
msgs = [  # id, queue_id, queue, arrival, size, sender, priority, forced_expire
    (1, "G1", "deferred", now - 3600, 2048, "ok@example.org", 0, 0),
    (2, "N1", "hold", now - 7200, 100, None, 0, 0),
    (3, "S1", "deferred", -99999999999, 1e300, "s@example.org", 0, 0),
    (4, "T1", "sideways", "yesterday", "big", "t@example.org", 2**40, 7),
    (5, "B1", "deferred", now - 60, 10, b"\x00\xff", 0, 0),
    (6, "R1", "deferred", now - 60, 10, "r@example.org", 0, 0),
    (10, "Z1", "deferred", 5000000000, -5, "z@example.org", -2**31, 1),
    (7, None, "deferred", now, 1, "x@example.org", 0, 0),
    (8, "../etc", "deferred", now, 1, "x@example.org", 0, 0),
    (9, "G1", "hold", now, 1, "second@example.org", 0, 0),
]
db.executemany("INSERT INTO message (id, queue_id, queue, arrival_time, size, sender, priority, "
               "forced_expire) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", msgs)
good = "host mx[192.0.2.1] said: 450 4.2.0 Greylisted (in reply to RCPT TO command)"
rcpts = [  # message, position, address, original, state, reason, attempts, last, next
    (1, 0, "a@example.org", None, "deferred", good, 2, now - 600, now + 600),
    (2, 0, "b@example.org", None, "pending", None, 0, None, None),
    (3, 0, "b@example.org", None, "pending", None, 0, None, None),
    (4, 0, "b@example.org", None, "pending", None, 0, None, None),
    (5, 0, "b@example.org", None, "pending", None, 0, None, None),
    (6, 0, None, b"x", "lost", b"550 x", -3, 10**18, "soon"),
    (6, 1, "c@example.org", None, None, good, 99999, None, None),
    (7, 0, "gone@example.org", None, "pending", None, 0, None, None),
    (9, 0, "second@example.org", None, "pending", None, 0, None, None),
    (999, 0, "orphan@example.org", None, "pending", None, 0, None, None),
]
db.executemany("INSERT INTO recipient VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rcpts)
db.commit()
EOF
L="mailroom: $TMP/loose.db"
cat >"$TMP/loose.want" <<EOF
$L: message N1: sender is NULL (taken as the null sender)
$L: message S1: arrival_time -99999999999 is not a time from 1980 to 2100 (taken as unknown); size is a real number (taken as 0 bytes)
$L: message T1: queue "sideways" is not a queue mailroom knows (taken as corrupt); arrival_time is text (taken as unknown); size is text (taken as 0 bytes); priority 1099511627776 is not a 32-bit whole number (taken as 0); forced_expire 7 is not 0 or 1 (taken as 0)
$L: message B1: sender is a blob (taken as the null sender)
$L: message R1, recipient at position 0: address is NULL (taken as empty); original_address is a blob (taken as none); reason is a blob (taken as none); state "lost" is not pending, deferred or bounced (taken as pending); attempts -3 is not from 0 to 32767 (taken as unknown); last_attempt 1000000000000000000 is not a time from 1980 to 2100 (taken as unknown); next_retry is text (taken as unknown)
$L: message R1, recipient at position 1: state is NULL (taken as deferred, as it has a reason); attempts 99999 is not from 0 to 32767 (taken as unknown)
$L: message row id=7: queue id is NULL; left out with its recipients
$L: message row id=8: queue id "../etc" is not one (1 to 64 of 0-9, A-Z, a-z); left out with its recipients
$L: message row id=9: queue id G1 is another row's too; the first is kept
$L: message Z1: arrival_time 5000000000 is not a time from 1980 to 2100 (taken as unknown); size -5 is not from 0 to 1 TiB (taken as 0 bytes)
$L: 1 recipient row of no message; left out
EOF
for args in "list" "list --json" "list --csv" "list --filter from:<>" \
    "act hold --dry-run --filter from:<>"; do
    # shellcheck disable=SC2086
    run 0 "loose schema: $args" "$MAILROOM" $args "$TMP/loose.db"
    diff "$TMP/loose.want" "$TMP/err" >"$TMP/check"
    okd $? "loose schema: $args: one warning per bad row, naming it and what was wrong" "$TMP/check"
done
"$MAILROOM" list --json "$TMP/loose.db" >"$TMP/loose.jsonl" 2>/dev/null
# Each value as listed, next to what it must be: the safe default.
"$PYTHON" - "$TMP/loose.jsonl" >"$TMP/loose.values" <<'EOF'
import json, sys
ms = {m["queue_id"]: m for m in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
print("ids\t%s\tB1 G1 N1 R1 S1 T1 Z1" % " ".join(sorted(ms)))
print("G1: the first of two rows\t%s\tdeferred ok@example.org" % " ".join([ms["G1"]["queue_name"], ms["G1"]["sender"]]))
r0, r1 = ms["R1"]["recipients"]
for name, got, want in [
    ("N1 sender", ms["N1"]["sender"], ""),
    ("S1 arrival_time", ms["S1"]["arrival_time"], None),
    ("S1 message_size", ms["S1"]["message_size"], 0),
    ("T1 queue_name", ms["T1"]["queue_name"], "corrupt"),
    ("T1 arrival_time", ms["T1"]["arrival_time"], None),
    ("T1 message_size", ms["T1"]["message_size"], 0),
    ("T1 priority", ms["T1"]["priority"], 0),
    ("T1 forced_expire", ms["T1"]["forced_expire"], False),
    ("B1 sender", ms["B1"]["sender"], ""),
    ("Z1 arrival_time", ms["Z1"]["arrival_time"], None),
    ("Z1 message_size", ms["Z1"]["message_size"], 0),
    ("Z1 priority (the lowest there is, kept)", ms["Z1"]["priority"], -2**31),
    ("Z1 forced_expire", ms["Z1"]["forced_expire"], True),
    ("R1 rcpt 0 address", r0["address"], ""),
    ("R1 rcpt 0 original_address", r0["original_address"], None),
    ("R1 rcpt 0 reason", r0["reason"], None),
    ("R1 rcpt 0 state", r0["state"], "pending"),
    ("R1 rcpt 0 attempts", r0["attempts"], None),
    ("R1 rcpt 0 last_attempt", r0["last_attempt"], None),
    ("R1 rcpt 0 next_retry", r0["next_retry"], None),
    ("R1 rcpt 1 state", r1["state"], "deferred"),
    ("R1 rcpt 1 attempts", r1["attempts"], None),
]:
    print("%s\t%s\t%s" % (name, json.dumps(got), json.dumps(want)))
EOF
while IFS='	' read -r name got want; do
    is "$got" "$want" "loose schema: $name"
done <"$TMP/loose.values"
"$MAILROOM" list "$TMP/loose.db" >"$TMP/loose.txt" 2>/dev/null
is "$(awk '$1 == "S1" { print $3, $4 }' "$TMP/loose.txt")" "- 0" \
    "loose schema: the table shows an unknown age as - and a size out of range as 0"

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
is "$(wc -l <"$log" | tr -d ' ')" 2 "act hold: two lines in actions.log, before and after"
awk -F'\t' -v n="$held" -v src="$TMP/act.db" -v me="$(id -un)" \
    'NR == 1 && $1 ~ /^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]+Z$/ && $2 == me && $3 == src &&
     $4 == "hold" && $5 == "started " n && split($6, ids, " ") == n' "$log" | grep -q .
ok $? "act hold: the first line, written before it ran: time, user, source, action, 'started $held', ids"
awk -F'\t' -v n="$held" -v src="$TMP/act.db" -v me="$(id -un)" \
    'NR == 2 && $1 ~ /^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]+Z$/ && $2 == me && $3 == src &&
     $4 == "hold" && $5 == "done " n && split($6, ids, " ") == n' "$log" | grep -q .
ok $? "act hold: the second line: time, user, source, action, outcomes, ids"
is "$(stat -c %a "$log") $(stat -c %a "$XDG_STATE_HOME/mailroom")" "600 700" \
    "actions.log is 0600 in a 0700 directory"
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
[ "$(tail -1 "$TMP/out")" = "delete: would act on $n_hold messages on sqlite:$TMP/act.db (dry run)" ]
ok $? "act --dry-run: the ids, the count and the source, nothing done ($n_hold on hold still)"

# An argument meant as a host that mailroom does not know is not a Postfix
# queue id either: nothing is done on the local queue (the queue is not
# touched: the refusal comes before any Postfix tool runs).
run 2 "act hold ID mx1, mx1 not a known host" "$MAILROOM" act hold A1B2C3D4E5 mx1
is "$(cat "$TMP/err")" 'mailroom: act: "mx1" is not a queue id of postfix, nor a source mailroom knows, so nothing was done (a host is named ssh://HOST, USER@HOST or by a Host of ~/.ssh/config)' \
    "act hold ID mx1: the error names mx1 and what it would take"
is "$(cat "$TMP/out")" "" "act hold ID mx1: nothing printed, nothing done"

# --- explain - : bounded lines, NUL shown ---------------------------------------
printf '550 5.1.1 user\000 unknown here\n' | "$MAILROOM" explain - >"$TMP/out" 2>"$TMP/err"
is "$(head -1 "$TMP/out")" "  Reason     550 5.1.1 user^@ unknown here" "explain -: a NUL is shown as ^@ and hides nothing"
"$PYTHON" -c 'import sys; sys.stdout.write("x" * (65 << 20) + "\n550 5.1.1 unknown\n")' |
    "$MAILROOM" explain - >"$TMP/out" 2>"$TMP/err"
is $? 1 "explain - with a line over 64 MiB: exit status 1"
is "$(cat "$TMP/err")" "mailroom: explain: standard input: line 1: longer than 64 MiB" \
    "explain -: the line too long is named"

# --- a queue another program holds, or left files of another user in ---------
# A rollback-journal database another program is writing: "locked", not
# "damaged", once the busy timeout has passed.
"$GEN" --seed 13 --now 1795435200 --count 5 "$TMP/journal.db" 2>/dev/null
"$PYTHON" -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA journal_mode=DELETE"); db.close()' "$TMP/journal.db"
rm -f "$TMP/locked"
"$PYTHON" - "$TMP/journal.db" "$TMP/locked" <<'EOF' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
db.execute("UPDATE message SET size = size")
open(sys.argv[2], "w").close()
time.sleep(7)
db.execute("COMMIT")
EOF
locker=$!
wait_file "$TMP/locked" 50
run 1 "list of a rollback-journal queue being written" "$MAILROOM" list "$TMP/journal.db"
is "$(cat "$TMP/err")" "mailroom: $TMP/journal.db: locked by another program (waited 5000 ms); try again when it has finished writing" \
    "the queue being written: locked, not damaged"
wait $locker
# Files another user left beside the queue (-wal, -shm after a crash): the
# queue opens read-only and says why, instead of every action failing as
# "readonly database". Needs an account that is not root.
if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    chmod 755 "$TMP" # nobody reaches its directory
    mkdir -p "$TMP/other"
    chmod 777 "$TMP/other"
    "$GEN" --seed 14 --now 1795435200 --count 5 "$TMP/other/q.db" 2>/dev/null
    some=$("$MAILROOM" list --json "$TMP/other/q.db" | "$PYTHON" -c 'import json, sys; print(json.loads(sys.stdin.readline())["queue_id"])')
    "$PYTHON" -c 'import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("UPDATE message SET size = size")
os._exit(0)  # as a crash: the -wal and -shm stay' "$TMP/other/q.db"
    chown nobody "$TMP/other/q.db"
    chmod 644 "$TMP/other/q.db-wal" "$TMP/other/q.db-shm"
    runuser -u nobody -- env XDG_STATE_HOME="$TMP/other/st" "$MAILROOM" act hold "$some" "$TMP/other/q.db" \
        >"$TMP/out" 2>"$TMP/err"
    is $? 1 "another user's -wal: act hold as the owner of the queue exits 1"
    has "$(cat "$TMP/err")" "read-only: $TMP/other/q.db-wal belongs to root (uid 0) and is not writable: a program of that user left it" \
        "another user's -wal: named, with its owner, not 'readonly database'"
else
    echo "ok $((n + 1)) # SKIP another user's files: needs root, runuser and a nobody account"
    echo "ok $((n + 2)) # SKIP another user's files: needs root, runuser and a nobody account"
    n=$((n + 2))
fi

# --- Ctrl-C stops an action between two requests ------------------------------
# priority-up --rate 2/s on three messages is three requests of one, the
# first waiting for the write lock another program holds for 3 s; SIGINT
# during the first: it finishes, the rest are not attempted, recorded and
# printed as such.
"$GEN" --seed 8 --now 1795435200 --count 10 "$TMP/stop.db" 2>/dev/null
"$MAILROOM" list --json --filter queue:deferred "$TMP/stop.db" |
    "$PYTHON" -c 'import json, sys; [print(json.loads(l)["queue_id"]) for l in sys.stdin]' |
    head -3 >"$TMP/stop.ids"
set -- $(cat "$TMP/stop.ids")
s1=$1 s2=$2 s3=$3
"$PYTHON" - "$TMP/stop.db" "$s1" "$s2" "$s3" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for qid, prio in zip(sys.argv[2:], (-4, 0, 2)):
    db.execute("UPDATE message SET priority = ? WHERE queue_id = ?", (prio, qid))
db.commit()
EOF
rm -f "$TMP/locked"
"$PYTHON" - "$TMP/stop.db" "$TMP/locked" <<'EOF' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(3)
db.execute("COMMIT")
EOF
locker=$!
wait_file "$TMP/locked" 50
XDG_STATE_HOME=$TMP/s5 "$MAILROOM" act priority-up --rate 2/s "$s1" "$s2" "$s3" "$TMP/stop.db" \
    >"$TMP/out" 2>"$TMP/err" &
actor=$!
sleep 1
kill -INT $actor
wait $actor
is $? 1 "act interrupted: exit status 1"
wait $locker
is "$(tail -1 "$TMP/out")" "priority-up: 1 done, 0 delivered, 0 not found, 0 failed, 2 not attempted" \
    "act interrupted: the first request done, the two others not attempted"
has "$(cat "$TMP/err")" "act: stopped (Ctrl-C): 2 not attempted" "act interrupted: said on stderr"
is "$(tail -1 "$TMP/s5/mailroom/actions.log" | cut -f5)" "done 1, not attempted 2" \
    "act interrupted: actions.log records what was done and what was not"

# --- no action without its record ---------------------------------------------
# When actions.log cannot be written, nothing is done (unless --no-audit);
# the record is written before the outcomes are printed, so a closed output
# cannot lose it; the log is never written through a link.
# 10,000 messages: the printout of a release is more than a pipe holds.
"$GEN" --seed 11 --now 1795435200 --count 10000 "$TMP/audit.db" 2>/dev/null
n_audit=$("$MAILROOM" list --json "$TMP/audit.db" | grep -c .)
deferred=$("$MAILROOM" list --json --filter queue:deferred "$TMP/audit.db" | grep -c .)
mkdir -p "$TMP/a1"
: >"$TMP/a1/mailroom" # the log's directory is a file
XDG_STATE_HOME=$TMP/a1 run 1 "act delete with actions.log's directory a file" \
    "$MAILROOM" act delete --yes --filter queue:deferred "$TMP/audit.db"
has "$(cat "$TMP/err")" "cannot record the action, so nothing was done (--no-audit acts without a record)" \
    "act delete: the error says nothing was done and why"
is "$("$MAILROOM" list --json "$TMP/audit.db" | grep -c .)" "$n_audit" "act delete: nothing deleted"
run 1 "act hold with neither HOME nor XDG_STATE_HOME" \
    env -u HOME -u XDG_STATE_HOME "$MAILROOM" act hold --filter queue:deferred "$TMP/audit.db"
has "$(cat "$TMP/err")" "neither XDG_STATE_HOME nor HOME is set" "act hold without HOME: the error says why"
is "$("$MAILROOM" list --json --filter queue:deferred "$TMP/audit.db" | grep -c .)" "$deferred" \
    "act hold without HOME: nothing held"
mkdir -p "$TMP/a2/mailroom"
: >"$TMP/a2/elsewhere"
ln -s "$TMP/a2/elsewhere" "$TMP/a2/mailroom/actions.log"
XDG_STATE_HOME=$TMP/a2 run 1 "act hold with actions.log a symbolic link" \
    "$MAILROOM" act hold --filter queue:deferred "$TMP/audit.db"
has "$(cat "$TMP/err")" "a symbolic link: not followed" "act hold: the link is named, not followed"
[ ! -s "$TMP/a2/elsewhere" ]
ok $? "act hold: nothing was written where the link points"
mkdir -p "$TMP/a3"
ln -s "$TMP/a2" "$TMP/a3/mailroom"
XDG_STATE_HOME=$TMP/a3 run 1 "act hold with the log's directory a symbolic link" \
    "$MAILROOM" act hold --filter queue:deferred "$TMP/audit.db"
has "$(cat "$TMP/err")" "$TMP/a3/mailroom: a symbolic link: not followed" "act hold: the linked directory is not followed"
XDG_STATE_HOME=$TMP/a1 run 0 "act hold --no-audit with the log's directory a file" \
    "$MAILROOM" act hold --no-audit --filter queue:deferred "$TMP/audit.db"
is "$("$MAILROOM" list --json --filter queue:deferred "$TMP/audit.db" | grep -c . || true)" 0 \
    "act hold --no-audit: done without a record"
# A closed output (| head -1): the record is complete all the same, and the
# loss of the printout is said on one line that names the record.
export XDG_STATE_HOME="$TMP/a4"
n_held=$("$MAILROOM" list --json --filter queue:hold "$TMP/audit.db" | grep -c .)
( LC_ALL=C "$MAILROOM" act release --filter queue:hold "$TMP/audit.db" 2>"$TMP/err"
    echo $? >"$TMP/status" ) | head -1 >"$TMP/out"
released=$("$MAILROOM" list --json --filter queue:hold "$TMP/audit.db" | grep -c . || true)
is "$released" 0 "act release | head -1: every held message released"
is "$(cut -f4-5 "$TMP/a4/mailroom/actions.log" | tr '\t\n' ' |')" \
    "release started $n_held|release done $n_held|" \
    "act release | head -1: both lines in actions.log, the outcomes too"
is "$(cat "$TMP/status")" 1 "act release | head -1: exit status 1 (the printout was lost)"
is "$(cat "$TMP/err")" \
    "mailroom: act: the outcomes could not all be printed (standard output: Broken pipe); $TMP/a4/mailroom/actions.log has them all" \
    "act release | head -1: one line on stderr says the printout was lost and where the outcomes are"
is "$(cut -f2 "$TMP/out")" "done" "act release | head -1: the line read is an outcome, as printed"
export XDG_STATE_HOME="$TMP/state"
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
error_is 'mailroom: act: no action "frobnicate" (retry, hold, release, delete, requeue, expire, priority-up, priority-down, release-retry, expire-now)' \
    "act with an unknown action"
unset XDG_STATE_HOME

# --- summary -------------------------------------------------------------------
run 0 "summary --json --demo" "$MAILROOM" summary --json --demo --top 5
cp "$TMP/out" "$TMP/summary.json"
"$PYTHON" - "$TMP/summary.json" "$TMP/all.jsonl" <<'EOF'
import collections, json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
every = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
# The queue is counted; the bounced mail from the log is said not to be.
ms = [m for m in every if m["queue_name"] != "bounced"]
gone = [m for m in every if m["queue_name"] == "bounced"]
assert gone, "the demo has bounced mail"
assert s["counted"] == "queue" and s["scope"] == "-queue:bounced", s["counted"]
assert s["not_counted"] == {"messages": len(gone),
                            "recipients": sum(len(m["recipients"]) for m in gone)}, s["not_counted"]
assert s["queues"]["bounced"] == 0
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
run 0 "summary --json --bounced --demo" "$MAILROOM" summary --json --bounced --demo
"$PYTHON" - "$TMP/out" "$TMP/all.jsonl" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
every = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
gone = [m for m in every if m["queue_name"] == "bounced"]
kept = [m for m in every if m["queue_name"] != "bounced"]
assert s["counted"] == "bounced" and s["scope"] == "queue:bounced", s["counted"]
assert s["messages"] == len(gone) == s["queues"]["bounced"], (s["messages"], len(gone))
assert s["recipients"] == sum(len(m["recipients"]) for m in gone)
assert s["not_counted"]["messages"] == len(kept)
EOF
ok $? "summary --bounced: only the bounced mail from the log, the queue said not to be counted"
run 0 "summary --demo (table)" "$MAILROOM" summary --demo --top 3
grep -q '^Counted: the queue; not counted: [0-9]* bounced messages, [0-9]* recipients, from the mail log (--bounced counts them)$' "$TMP/out" &&
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
