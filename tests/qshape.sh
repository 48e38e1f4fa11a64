#!/bin/sh
# mailroom summary against the real qshape (/usr/sbin/qshape, Postfix's own
# Perl script) on the same private Postfix queue (tests/lab/): every queue
# qshape can be asked about, by recipient domain and by sender domain (-s),
# at several clocks, compared number by number.
#
#   qshape.sh MAILROOM PYTHON
#
# The queue holds mail from several senders (the null sender too) in
# deferred, hold, incoming and active. To keep incoming and active still
# while both programs read them, the queue manager is taken out of master.cf
# (postconf -M#, as an operator would) before the last messages are sent:
# cleanup leaves them in incoming, and two of their queue files are moved to
# active as qmgr itself would move them (a rename in the queue directory).
# qshape's clock is pinned by running the script itself under perl with
# time() overridden (nothing else of it changes), and mailroom's with
# MAILROOM_NOW, so ages land in chosen buckets, on their borders too.
# Needs root and the postfix package; without them it prints "1..0 # SKIP".
set -u

MAILROOM=$1
PYTHON=$2
HERE=$(cd "$(dirname "$0")" && pwd -P)
LAB_HOME=$HERE/lab
LAB_PYTHON=$PYTHON
export LAB_HOME LAB_PYTHON
# shellcheck source=tests/tap.sh
. "$HERE/tap.sh"
# shellcheck source=tests/lab/lab.sh
. "$LAB_HOME/lab.sh"

if ! reason=$(lab_can_run); then
    echo "1..0 # SKIP $reason"
    exit 0
fi
if [ ! -x /usr/sbin/qshape ]; then
    echo "1..0 # SKIP no /usr/sbin/qshape (the postfix package has it)"
    exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroom-qshape.XXXXXX")
cleanup() {
    trap - EXIT INT TERM
    lab_stop "$TMP/lab" >&2
    rm -rf "$TMP"
}
trap 'cleanup' EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
chmod 755 "$TMP"
mkdir "$TMP/lab"

lab_start "$TMP/lab" 2>"$TMP/err"
okd $? "lab starts (private Postfix instance + sink on 127.0.0.1)" "$TMP/err"
if [ -z "${LAB_CONFIG:-}" ]; then
    tap_end
    exit 1
fi
SPOOL=$TMP/lab/spool
PQ="/usr/sbin/postqueue -c $LAB_CONFIG"

# --- deferred mail from several senders, a second apart (distinct arrivals) ---
sent=0
send() { # SENDER RCPT...
    lab_send "$TMP/lab" "$@" && sent=$((sent + 1))
}
send a@one.test greylist@sink.test full@sink.test
send a@one.test greylist@sink.test
sleep 1
send B@Two.TEST greylist@sink.test user@refused.test
send '<>' greylist@sink.test
sleep 1
send c@one.test full@Other.Test
send '<>' full@sink.test greylist@other.test
send d@mail.two.test greylist@sink.test
lab_wait_queue "$TMP/lab" "$sent" deferred 60 >"$TMP/err" 2>&1
okd $? "$sent messages deferred" "$TMP/err"

# one held, one expired by the operator (qshape skips such a file: its mode
# has the expire bit, and qshape takes only mode 0700 files)
$PQ -j >"$TMP/q.jsonl"
held=$("$PYTHON" -c 'import json,sys
print(next(m["queue_id"] for m in map(json.loads, open(sys.argv[1])) if m["sender"] == "B@Two.TEST"))' "$TMP/q.jsonl")
expired=$("$PYTHON" -c 'import json,sys
print(next(m["queue_id"] for m in map(json.loads, open(sys.argv[1])) if m["sender"] == "c@one.test"))' "$TMP/q.jsonl")
/usr/sbin/postsuper -c "$LAB_CONFIG" -h "$held" >"$TMP/err" 2>&1 &&
    /usr/sbin/postsuper -c "$LAB_CONFIG" -e "$expired" >>"$TMP/err" 2>&1
okd $? "postsuper: $held held, $expired expired" "$TMP/err"

# --- the queue manager out: the next mail stays in incoming ------------------
/usr/sbin/postconf -c "$LAB_CONFIG" -M# qmgr/unix >"$TMP/err" 2>&1 && lab_reload "$TMP/lab" >>"$TMP/err" 2>&1
okd $? "qmgr taken out of master.cf, Postfix reloaded" "$TMP/err"
sleep 1
send e@three.test u1@sink.test u2@sink.test u3@four.test
send '<>' u4@sink.test
sleep 1
send e@three.test u5@four.test
send f@One.Test. u6@sink.test
lab_wait_queue "$TMP/lab" 4 incoming 60 >"$TMP/err" 2>&1
okd $? "4 messages wait in incoming" "$TMP/err"
# two of them to active, as qmgr would move them (a rename)
moved=0
for f in $(ls "$SPOOL/incoming" | head -2); do
    mv "$SPOOL/incoming/$f" "$SPOOL/active/$f" && moved=$((moved + 1))
done
is "$moved" 2 "two queue files moved from incoming to active"
$PQ -j >"$TMP/q.jsonl"
is "$("$PYTHON" -c 'import json,sys,collections
c = collections.Counter(m["queue_name"] for m in map(json.loads, open(sys.argv[1])))
print(" ".join("%s=%d" % (q, c[q]) for q in ("incoming", "active", "deferred", "hold")))' "$TMP/q.jsonl")" \
    "incoming=2 active=2 deferred=6 hold=1" "postqueue -j: the queue as set up"

# --- qshape and mailroom summary, side by side --------------------------------
# qshape with its clock pinned at NOW (Unix seconds); its queue names as
# arguments (none: incoming and active).
qshape_at() { # NOW ARGS...
    qs_now=$1
    shift
    QSHAPE_NOW=$qs_now PATH=/usr/sbin:/usr/bin:/bin perl -e '
        BEGIN { *CORE::GLOBAL::time = sub () { $ENV{QSHAPE_NOW} } }
        $0 = "/usr/sbin/qshape";
        do "/usr/sbin/qshape";
        die $@ if $@;' -- -w 200 -c "$LAB_CONFIG" "$@"
}
# The arrivals, for clocks on the buckets' borders.
first=$("$PYTHON" -c 'import json,sys
print(min(m["arrival_time"] for m in map(json.loads, open(sys.argv[1]))))' "$TMP/q.jsonl")
last=$("$PYTHON" -c 'import json,sys
print(max(m["arrival_time"] for m in map(json.loads, open(sys.argv[1]))))' "$TMP/q.jsonl")
# now: all under 5 minutes; the last arrival exactly 5 minutes old (the
# border: 5-10) and the others older; 7 minutes after the first, and the
# last just under 10; a day (1280+).
for now in "$last" "$((last + 300))" "$((first + 420))" "$((last + 599))" "$((first + 86400))"; do
    for queues in "" deferred hold incoming active "incoming active deferred hold"; do
        for mode in recipient sender; do
            flag=
            [ "$mode" = sender ] && flag=-s
            # shellcheck disable=SC2086 # the queue names, split
            qshape_at "$now" $flag $queues >"$TMP/qshape.txt" 2>"$TMP/err"
            qrc=$?
            mq=$(echo "${queues:-incoming active}" | tr ' ' ,)
            MAILROOM_NOW=$now "$MAILROOM" summary --json --top 1000 --by "$mode" --queue "$mq" \
                --filter -state:expiring "postfix:$LAB_CONFIG" >"$TMP/summary.json" 2>>"$TMP/err"
            mrc=$?
            "$PYTHON" - "$TMP/qshape.txt" "$TMP/summary.json" "$mode" >"$TMP/check" 2>&1 <<'EOF'
import json, sys
qshape, summary, mode = sys.argv[1], sys.argv[2], sys.argv[3]
lines = [l.split() for l in open(qshape) if l.strip()]
heads = lines[0]
assert heads[:2] == ["T", "5"] and heads[-1] == "1280+", heads
table = {}
for cols in lines[1:]:
    label, nums = cols[0], [int(x) for x in cols[1:]]
    assert len(nums) == 11, cols
    table[label] = nums
s = json.load(open(summary))
total = s["sender_total" if mode == "sender" else "total"][0]
rows = s["sender_domains" if mode == "sender" else "domains"]
got = {"TOTAL": [total["messages" if mode == "sender" else "recipients"]] + total["ages"]}
for r in rows:
    got[r["label"]] = [r["messages" if mode == "sender" else "recipients"]] + r["ages"]
if "TOTAL" not in table:  # an empty queue: qshape prints the heads alone
    table["TOTAL"] = [0] * 11
diff = sorted(k for k in set(table) | set(got) if table.get(k) != got.get(k))
for k in diff:
    print("#   %-16s qshape %s mailroom %s" % (k, table.get(k), got.get(k)))
assert not diff, "differ"
print("%d rows, %d %s" % (len(table), table["TOTAL"][0], "messages" if mode == "sender" else "recipients"))
EOF
            status=$?
            [ "$qrc" -eq 0 ] && [ "$mrc" -eq 0 ] && [ "$status" -eq 0 ]
            ok $? "now+$((now - last))s qshape ${flag:+$flag }${queues:-(incoming active)} = mailroom summary --by $mode --queue $mq ($(tail -1 "$TMP/check"))"
            if [ "$status" -ne 0 ] || [ "$qrc" -ne 0 ] || [ "$mrc" -ne 0 ]; then
                sed 's/^/#   /' "$TMP/check" "$TMP/err"
                sed 's/^/#   qshape: /' "$TMP/qshape.txt"
            fi
        done
    done
done

# The expired message: counted by mailroom in its queue, said to be
# expiring; qshape leaves its file out.
MAILROOM_NOW=$last "$MAILROOM" summary --json --by sender --queue deferred "postfix:$LAB_CONFIG" \
    >"$TMP/summary.json" 2>"$TMP/err"
qshape_at "$last" -s deferred >"$TMP/qshape.txt" 2>>"$TMP/err"
"$PYTHON" - "$TMP/qshape.txt" "$TMP/summary.json" >"$TMP/check" 2>&1 <<'EOF'
import json, sys
q = {l.split()[0]: int(l.split()[1]) for l in list(open(sys.argv[1]))[1:] if l.strip()}
s = json.load(open(sys.argv[2]))
assert s["expiring"] == 1, s["expiring"]
assert s["queues"]["deferred"] == q["TOTAL"] + 1, (s["queues"], q)
assert {r["label"]: r["messages"] for r in s["sender_domains"]}.get("one.test") == q.get("one.test", 0) + 1
EOF
okd $? "the expiring message: counted in deferred and said to be expiring; qshape skips it" "$TMP/check"
MAILROOM_NOW=$last "$MAILROOM" list --json --filter state:expiring "postfix:$LAB_CONFIG" >"$TMP/exp.jsonl" 2>"$TMP/err"
"$PYTHON" - "$TMP/exp.jsonl" "$expired" >"$TMP/check" 2>&1 <<'EOF'
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
assert [m["queue_id"] for m in msgs] == [sys.argv[2]], msgs
m = msgs[0]
assert m["queue_name"] == "deferred" and m["state"] == "expiring" and m["forced_expire"], m
assert m["state_why"].startswith("expired by the operator (postsuper -e)"), m
assert all(r["state"] == "deferred" and "4.2.2" in r["reason"] for r in m["recipients"]), m
EOF
okd $? "list --filter state:expiring: only $expired, expiring, its recipient's 4.2.2 reason kept" "$TMP/check"
MAILROOM_NOW=$last "$MAILROOM" list --filter state:expiring "postfix:$LAB_CONFIG" >"$TMP/out" 2>"$TMP/err"
grep -q "^$expired  *expiring " "$TMP/out"
okd $? "the table's QUEUE column says expiring" "$TMP/out"

tap_end
