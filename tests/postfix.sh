#!/bin/sh
# mailroom against a real Postfix: a private instance in a scratch directory
# relaying to an SMTP sink on loopback (tests/lab/), filled with deferred mail.
# Needs root and the postfix package; without them it prints "1..0 # SKIP".
#
#   postfix.sh MAILROOM TEST_POSTFIX PYTHON
#
# TEST_POSTFIX is a TAP program run as TEST_POSTFIX LAB_CONFIG LAB_LOG; its
# ok/not ok lines are renumbered into this script's plan.
set -u

MAILROOM=$1
TEST_POSTFIX=$2
PYTHON=$3
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

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroom-postfix.XXXXXX")
cleanup() {
    trap - EXIT INT TERM
    # The tmux server of the screen flow, by its PID (mailroom runs inside it).
    if [ -s "$TMP/tmux.pid" ]; then
        kill "$(cat "$TMP/tmux.pid")" 2>/dev/null
    fi
    lab_stop "$TMP/lab" >&2
    rm -rf "$TMP"
}
trap 'cleanup' EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
chmod 755 "$TMP" # the postfix user must reach $TMP/lab/spool
mkdir "$TMP/lab"


# --- the lab ------------------------------------------------------------------
lab_start "$TMP/lab" 2>"$TMP/err"
okd $? "lab starts (private Postfix instance + sink on 127.0.0.1)" "$TMP/err"
if [ -z "${LAB_CONFIG:-}" ]; then
    tap_end
    exit 1
fi
echo "# LAB_CONFIG=$LAB_CONFIG smtpd=127.0.0.1:$LAB_SMTPD_PORT sink=127.0.0.1:$LAB_SINK_PORT"

# The sender is at sink.test, so the DSN for nouser@ goes to the sink (accepted).
S=mqtest@sink.test
sent=0
for rcpts in greylist@sink.test greylist@sink.test greylist@sink.test full@sink.test \
    user@refused.test "greylist@sink.test full@sink.test" nouser@sink.test user@tarpit.test; do
    # shellcheck disable=SC2086 # the list above: one or two addresses
    lab_send "$TMP/lab" "$S" $rcpts 2>>"$TMP/err" && sent=$((sent + 1))
done
[ "$sent" -eq 8 ]
ok $? "8 messages submitted with sendmail"

# tarpit.test never greets: deferred after the slow transport's 5 s timeout.
lab_wait_queue "$TMP/lab" 7 deferred 60 2>"$TMP/err"
okd $? "7 messages in deferred" "$TMP/err"
lab_wait_queue "$TMP/lab" 7 "" 30 2>"$TMP/err"
okd $? "nothing else queued (the bounce left, its DSN was delivered)" "$TMP/err"
grep -q 'to=<nouser@sink.test>.*status=bounced' "$LAB_LOG" &&
    grep -q "$(printf '^accepted\t\t%s\t' "$S")" "$LAB_SINK_LOG"
ok $? "nouser@ bounced, the DSN reached the sink"

/usr/sbin/postqueue -c "$LAB_CONFIG" -j >"$TMP/postqueue.jsonl" 2>"$TMP/err"
okd $? "postqueue -j on the lab" "$TMP/err"

# check WHAT: the Python checks below, each one TAP line
check() {
    "$PYTHON" - "$1" "$TMP/postqueue.jsonl" "$TMP/list.jsonl" >"$TMP/check" 2>&1 <<'EOF'
import json, sys

what, postqueue_file, mailroom_file = sys.argv[1:4]

def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]

pq = {m["queue_id"]: m for m in load(postqueue_file)}
want = {
    "greylist@sink.test": ("450 4.2.0 Greylisted", "greylisting"),
    "full@sink.test": ("452 4.2.2 Mailbox full", "mailbox-full"),
    "user@refused.test": ("Connection refused", "connection-refused"),
    "user@tarpit.test": ("timed out while receiving the initial server greeting", "network"),
}
if what == "lab":
    # The lab itself: what Postfix reports, before mailroom reads it.
    rcpts = [r for m in pq.values() for r in m["recipients"]]
    assert len(pq) == 7 and all(m["queue_name"] == "deferred" for m in pq.values()), pq
    assert sorted(r["address"] for r in rcpts) == sorted(
        ["greylist@sink.test"] * 4 + ["full@sink.test"] * 2 + ["user@refused.test",
                                                                "user@tarpit.test"]), rcpts
    for r in rcpts:
        assert want[r["address"]][0] in r.get("delay_reason", ""), r
    sys.exit(0)

msgs = [m for m in load(mailroom_file) if m["queue_name"] != "bounced"]
bounced = [m for m in load(mailroom_file) if m["queue_name"] == "bounced"]
got = {m["queue_id"] for m in msgs}
if what == "ids":
    assert len(got) == len(msgs), "duplicate queue_id in mailroom's list"
    assert got == set(pq), "only mailroom: %s; only postqueue: %s" % (
        sorted(got - set(pq)), sorted(set(pq) - got))
elif what == "bounced":
    # Gone from the queue, found in the mail log.
    assert len(bounced) == 1, bounced
    r = bounced[0]["recipients"]
    assert [x["address"] for x in r] == ["nouser@sink.test"], r
    assert r[0]["state"] == "bounced" and "550 5.1.1 User unknown" in r[0]["reason"], r
    assert r[0]["diagnosis"]["category"] == "unknown-user", r
elif what == "reasons":
    rcpts = [r for m in msgs for r in m["recipients"]]
    deferred = [r for r in rcpts if r.get("state") == "deferred"]
    assert len(deferred) == 8, "%d deferred recipients, want 8: %s" % (len(deferred), rcpts)
    for r in deferred:
        assert isinstance(r.get("reason"), str) and r["reason"].strip(), r
elif what == "categories":
    seen = 0
    for m in msgs:
        for r in m["recipients"]:
            if r["address"] in want:
                seen += 1
                d = r.get("diagnosis") or {}
                assert d.get("category") == want[r["address"]][1], (
                    "%s: category %r, want %r (reason %r)"
                    % (r["address"], d.get("category"), want[r["address"]][1], r.get("reason")))
    assert seen == 8, "%d of the 8 recipients found" % seen
EOF
}

check lab
okd $? "postqueue shows the 7 deferred recipients with the sink's replies" "$TMP/check"

# --- mailroom list --json -------------------------------------------------------
"$MAILROOM" list --json "postfix:$LAB_CONFIG" >"$TMP/list.jsonl" 2>"$TMP/err"
okd $? "mailroom list --json postfix:LAB_CONFIG exits 0" "$TMP/err"
check ids
okd $? "mailroom lists the same queue IDs as postqueue -j" "$TMP/check"
check reasons
okd $? "every deferred recipient has a reason" "$TMP/check"
check categories
okd $? "diagnosis: greylisting, mailbox-full, connection-refused" "$TMP/check"
check bounced
okd $? "the bounce, gone from the queue, is listed from the mail log" "$TMP/check"

# --- the screen: an incident, as an operator handles it ---------------------------
# The real binary in a real terminal (a detached tmux of fixed size, its own
# socket): the greylisted mail is found with a filter typed at '/', tagged
# with T and held with H; the outcome is said, the list shows it held,
# postqueue agrees, actions.log records it; Q quits. Queue ids differ each run,
# so the screen is polled for what it must show, not compared whole. The held
# mail is released afterwards: test_postfix expects the 7 deferred.
SOCKET=$TMP/tmux.sock
T() { tmux -S "$SOCKET" -f /dev/null "$@"; }

# rows QUEUE: the sorted ids of the rows on $TMP/screen in QUEUE ("" = any)
rows() {
    awk -v q="$1" 'length($1) >= 10 && $1 ~ /^[0-9A-Za-z]+$/ && (q == "" || $2 == q) {
        print $1 }' "$TMP/screen" | sort
}
# wait_screen CHECK...: captures the pane into $TMP/screen until the command
# CHECK succeeds, for up to 10 s; its status is CHECK's last one
wait_screen() {
    ws_i=0
    while :; do
        T capture-pane -p -t pf >"$TMP/screen" 2>&1
        "$@" && return 0
        [ $ws_i -ge 100 ] && return 1
        sleep 0.1
        ws_i=$((ws_i + 1))
    done
}
# okd for a screen check: the screen as comments when it failed
oks() {
    okd "$1" "screen: $2" "$TMP/screen"
}

# What Postfix says, before mailroom is asked: every queued id, and those
# with a greylisted recipient (one of them also has full@).
"$PYTHON" - "$TMP/postqueue.jsonl" "$TMP/all.ids" "$TMP/grey.ids" <<'EOF'
import json, sys
pq = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
with open(sys.argv[2], "w") as f:
    f.writelines(sorted(m["queue_id"] + "\n" for m in pq))
with open(sys.argv[3], "w") as f:
    f.writelines(sorted(m["queue_id"] + "\n" for m in pq if any(
        "Greylisted" in r.get("delay_reason", "") for r in m["recipients"])))
EOF
n_all=$(grep -c '' "$TMP/all.ids")
n_grey=$(grep -c '' "$TMP/grey.ids")
grey_ids=$(tr '\n' ' ' <"$TMP/grey.ids")

if ! command -v tmux >/dev/null 2>&1; then
    ok 1 "screen: tmux is not installed, so the screen flow on the lab did not run"
elif [ "$n_all" -ne 7 ] || [ "$n_grey" -ne 4 ]; then
    ok 1 "screen: the lab has 7 queued and 4 greylisted (got $n_all and $n_grey): not run"
else
    # The prompt's history and the actions log go to the test's own directory.
    LANG=C.UTF-8 T new-session -d -s pf -x 120 -y 30 \
        "cd '$TMP' && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC XDG_STATE_HOME='$TMP/state' \
'$MAILROOM' 'postfix:$LAB_CONFIG'; echo \$? >'$TMP/pf.status'; sleep 60" 2>"$TMP/screen" &&
        T display -p '#{pid}' >"$TMP/tmux.pid" 2>>"$TMP/screen"
    listed() {
        rows deferred | cmp -s - "$TMP/all.ids" && grep -q " $n_all deferred " "$TMP/screen"
    }
    wait_screen listed
    oks $? "mailroom postfix:LAB_CONFIG in tmux lists the $n_all deferred messages"

    T send-keys -t pf /
    T send-keys -t pf -l 'cat:greylisting'
    T send-keys -t pf Enter
    filtered() {
        rows "" | cmp -s - "$TMP/grey.ids" &&
            grep -q "^ $n_grey messages match .*/cat:greylisting" "$TMP/screen"
    }
    wait_screen filtered
    oks $? "/cat:greylisting + Enter shows just the $n_grey greylisted, the filter in the status line"

    T send-keys -t pf T H
    # The recipients of the greylisted messages, as postqueue -j lists them.
    n_rcpts=$("$PYTHON" - "$TMP/postqueue.jsonl" "$TMP/grey.ids" <<'EOF'
import json, sys
grey = set(open(sys.argv[2], encoding="utf-8").read().split())
ms = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
print(sum(len(m["recipients"]) for m in ms if m["queue_id"] in grey))
EOF
)
    asked() {
        grep -q "^ hold $n_grey messages, $n_rcpts recipients on postfix:.*? \[y/N\]" \
            "$TMP/screen"
    }
    wait_screen asked
    oks $? "T tags all shown, H asks first: 'hold $n_grey messages, $n_rcpts recipients ... [y/N]'"
    T send-keys -t pf y
    said() {
        grep -q "^ hold: $n_grey done, 0 delivered, 0 not found, 0 failed (o lists them) " \
            "$TMP/screen"
    }
    wait_screen said
    oks $? "y holds them: 'hold: $n_grey done, 0 delivered, 0 not found, 0 failed'"
    held() { rows hold | cmp -s - "$TMP/grey.ids" && [ -z "$(rows deferred)" ]; }
    wait_screen held
    oks $? "the list shows the $n_grey in the hold queue"

    /usr/sbin/postqueue -c "$LAB_CONFIG" -j >"$TMP/held.jsonl" 2>"$TMP/err" &&
        "$PYTHON" - "$TMP/postqueue.jsonl" "$TMP/held.jsonl" "$TMP/grey.ids" >"$TMP/err" 2>&1 <<'EOF'
import json, sys
def load(path):
    with open(path, encoding="utf-8") as f:
        return {m["queue_id"]: m["queue_name"] for m in map(json.loads, filter(str.strip, f))}
before, after = load(sys.argv[1]), load(sys.argv[2])
grey = set(open(sys.argv[3], encoding="utf-8").read().split())
assert set(after) == set(before), "queued before: %s, now: %s" % (sorted(before), sorted(after))
held = {i for i, q in after.items() if q == "hold"}
assert held == grey, "held: %s, want %s" % (sorted(held), sorted(grey))
others = {i: q for i, q in after.items() if i not in grey}
assert all(q == "deferred" for q in others.values()), "the others: %s" % others
EOF
    okd $? "postqueue -j: exactly those $n_grey in hold, the other $((n_all - n_grey)) still deferred" \
        "$TMP/err"

    log=$TMP/state/mailroom/actions.log
    [ "$(grep -c '' "$log" 2>/dev/null)" = 2 ] &&
        [ "$(head -1 "$log" | cut -f3-5)" = "$(printf 'postfix:%s\thold\tstarted %s' "$LAB_CONFIG" "$n_grey")" ] &&
        [ "$(tail -1 "$log" | cut -f3-5)" = "$(printf 'postfix:%s\thold\tdone %s' "$LAB_CONFIG" "$n_grey")" ] &&
        [ "$(tail -1 "$log" | cut -f6 | tr ' ' '\n' | sort | tr '\n' ' ')" = "$grey_ids" ]
    okd $? "actions.log in XDG_STATE_HOME: 'started $n_grey' before, then hold on the lab, 'done $n_grey', the $n_grey ids" \
        "$log"

    T send-keys -t pf Q
    i=0
    while [ ! -s "$TMP/pf.status" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    T capture-pane -p -t pf >"$TMP/screen" 2>&1
    rc=$(cat "$TMP/pf.status" 2>/dev/null)
    [ "$rc" = 0 ]
    oks $? "Q quits with status 0"
    [ "$rc" = 0 ] || echo "#   got '$rc'"
    kill "$(cat "$TMP/tmux.pid")" 2>/dev/null && rm -f "$TMP/tmux.pid"

    # Back as it was: the held mail released (no delivery attempt: it stays deferred).
    # shellcheck disable=SC2086 # the ids, one argument each
    XDG_STATE_HOME=$TMP/state "$MAILROOM" act release --yes $grey_ids "postfix:$LAB_CONFIG" \
        >"$TMP/err" 2>&1 &&
        lab_wait_queue "$TMP/lab" 7 deferred 10 2>>"$TMP/err"
    okd $? "mailroom act release: the $n_grey back in deferred, 7 deferred again" "$TMP/err"
fi

# --- the C tests against the lab --------------------------------------------------
if [ -x "$TEST_POSTFIX" ]; then
    run_tap "$(basename "$TEST_POSTFIX")" "$TEST_POSTFIX" "$LAB_CONFIG" "$LAB_LOG"
else
    ok 1 "$TEST_POSTFIX: not found or not executable"
fi

# --- retry now: what each attempt did --------------------------------------------
# Mail to later.test is refused until lab_route sends it to the sink: then a
# retry delivers user@ and returns nouser@ to the sender. With the flush
# service off, postqueue -i itself fails. The real binary, the real Postfix.
RETRY_STATE=$TMP/retry-state
# retry ID...: mailroom act retry on the lab; output in $TMP/out, status in $rc
retry() {
    XDG_STATE_HOME=$RETRY_STATE "$MAILROOM" act retry "$@" "postfix:$LAB_CONFIG" \
        >"$TMP/out" 2>"$TMP/err"
    rc=$?
}
# field ID N: the Nth tab-separated field of ID's outcome line
field() { awk -F'\t' -v id="$1" -v f="$2" '$1 == id { print $f }' "$TMP/out"; }
# queue_of ID: where postqueue -j shows ID, or "gone"
queue_of() { lab_queue_of "$TMP/lab" "$1"; }
# elapsed START: seconds since START (date +%s.%N), to one decimal
elapsed() { "$PYTHON" -c 'import sys, time; print("%.1f" % (time.time() - float(sys.argv[1])))' "$1"; }

sent=0
for rcpt in user@later.test user@later.test nouser@later.test; do
    lab_send "$TMP/lab" "$S" "$rcpt" 2>>"$TMP/err" && sent=$((sent + 1))
done
lab_ids "$TMP/lab" user@later.test deferred 2 30 >"$TMP/ids" 2>>"$TMP/err"
A1=$(sed -n 1p "$TMP/ids")
A2=$(sed -n 2p "$TMP/ids")
N1=$(lab_ids "$TMP/lab" nouser@later.test deferred 1 30 2>>"$TMP/err")
G1=$(lab_ids "$TMP/lab" greylist@sink.test deferred | sed -n 1p)
[ "$sent" -eq 3 ] && [ -n "$A1" ] && [ -n "$A2" ] && [ -n "$N1" ] && [ -n "$G1" ]
okd $? "3 messages to later.test deferred (connection refused), a greylisted one too" "$TMP/err"
echo "# user@later.test: $A1 $A2, nouser@later.test: $N1, greylist@sink.test: $G1"

# (b) The flush service off: postqueue -i fails, and says why in its own words.
lab_flush "$TMP/lab" off 2>"$TMP/err"
okd $? "lab: the flush service taken out of master.cf" "$TMP/err"
/usr/sbin/postqueue -c "$LAB_CONFIG" -i "$A1" >/dev/null 2>"$TMP/pq.err"
pq_said=$(tail -n 1 "$TMP/pq.err" | sed 's/^postqueue: fatal: //')
[ -n "$pq_said" ]
ok $? "postqueue -i itself fails without flush: '$pq_said'"
retry "$A1"
is "$rc" 1 "flush off: act retry exits 1"
is "$(field "$A1" 2)" "failed" "flush off: $A1 failed"
has "$(field "$A1" 3)" "$pq_said" "flush off: the detail is postqueue's own error"
is "$(queue_of "$A1")" "deferred" "flush off: $A1 is still deferred (postqueue -j)"
# (d) One batch, every id its own outcome: the first error stops nothing.
retry "$A1" 00000ABCDEF "$A2"
is "$(tail -n 1 "$TMP/out")" "retry: 0 done, 0 delivered, 1 not found, 2 failed" \
    "flush off, a batch of 3: the summary counts each id"
is "$(cut -f1-2 "$TMP/out" | sed '$d' | tr '\t\n' ' /')" \
    "$A1 failed/00000ABCDEF not found/$A2 failed/" "flush off, a batch of 3: each id in order"
has "$(field "$A2" 3)" "$pq_said" "flush off: the last id has postqueue's own error too"
lab_flush "$TMP/lab" on 2>"$TMP/err"
okd $? "lab: the flush service back" "$TMP/err"

# (a) Deliverable now: retried, delivered, gone.
lab_route "$TMP/lab" later.test sink 2>"$TMP/err"
okd $? "lab: later.test now goes to the sink" "$TMP/err"
start=$(date +%s.%N)
retry "$A1"
echo "# act retry $A1: $(elapsed "$start") s"
is "$rc" 0 "deliverable: act retry exits 0"
is "$(field "$A1" 2)" "delivered" "deliverable: $A1 delivered"
is "$(tail -n 1 "$TMP/out")" "retry: 0 done, 1 delivered, 0 not found, 0 failed" \
    "deliverable: the summary line counts all four outcomes"
is "$(queue_of "$A1")" "gone" "deliverable: $A1 is gone from postqueue -j"
grep -q "$(printf '^accepted\t%s\tuser@later.test\t' "$S")" "$LAB_SINK_LOG"
ok $? "deliverable: the sink accepted it"
is "$(tail -n 1 "$RETRY_STATE/mailroom/actions.log" | cut -f4-6)" \
    "$(printf 'retry\tdelivered 1\t%s=delivered' "$A1")" "deliverable: actions.log counts it delivered"

# (c) An id that is not queued.
retry 00000ABCDEF
is "$rc" 1 "an id not queued: act retry exits 1"
is "$(field 00000ABCDEF 2)" "not found" "an id not queued: not found"

# (d) A batch of everything: delivered, not found, returned to the sender,
# deferred again, on hold.
XDG_STATE_HOME=$RETRY_STATE "$MAILROOM" act hold "$G1" "postfix:$LAB_CONFIG" >"$TMP/err" 2>&1
okd $? "$G1 held" "$TMP/err"
G2=$(lab_ids "$TMP/lab" greylist@sink.test deferred | sed -n 1p)
start=$(date +%s.%N)
retry "$A2" 00000ABCDEF "$N1" "$G2" "$G1"
echo "# act retry of 5: $(elapsed "$start") s"
sed 's/^/#   /' "$TMP/out"
is "$rc" 1 "a batch of 5: act retry exits 1 (not all done or delivered)"
is "$(cut -f1-2 "$TMP/out" | sed '$d' | tr '\t\n' ' /')" \
    "$A2 delivered/00000ABCDEF not found/$N1 done/$G2 done/$G1 failed/" \
    "a batch of 5: each id its own outcome, in order"
has "$(field "$N1" 3)" "returned to the sender: 550 5.1.1 User unknown" \
    "a batch of 5: nouser@ returned to the sender, with the reason"
has "$(field "$G2" 3)" "deferred again" "a batch of 5: greylisted mail tried and deferred again"
is "$(field "$G1" 3)" "on hold: release it first" "a batch of 5: held mail is not retried"
is "$(tail -n 1 "$TMP/out")" "retry: 2 done, 1 delivered, 1 not found, 1 failed" \
    "a batch of 5: the summary line"
is "$(queue_of "$A2")/$(queue_of "$N1")/$(queue_of "$G2")/$(queue_of "$G1")" \
    "gone/gone/deferred/hold" "a batch of 5: postqueue -j agrees"
is "$(tail -n 1 "$RETRY_STATE/mailroom/actions.log" | cut -f5)" \
    "done 2, delivered 1, not found 1, failed 1" "a batch of 5: actions.log counts each outcome"
XDG_STATE_HOME=$RETRY_STATE "$MAILROOM" act release "$G1" "postfix:$LAB_CONFIG" >"$TMP/err" 2>&1
okd $? "$G1 released" "$TMP/err"

# --- long queue ids ---------------------------------------------------------------
# enable_long_queue_ids: new messages get ids like 4jXzH44BMWz81Sm.
/usr/sbin/postconf -c "$LAB_CONFIG" -e enable_long_queue_ids=yes >"$TMP/err" 2>&1 &&
    /usr/sbin/postfix -c "$LAB_CONFIG" reload </dev/null >>"$TMP/err" 2>&1 &&
    lab_send "$TMP/lab" "$S" greylist@sink.test 2>>"$TMP/err"
okd $? "long queue ids switched on, one more message sent" "$TMP/err"
long_id=""
i=0
while [ -z "$long_id" ] && [ $i -lt 50 ]; do
    "$MAILROOM" list --json "postfix:$LAB_CONFIG" >"$TMP/long.jsonl" 2>"$TMP/err"
    long_id=$("$PYTHON" -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    m = json.loads(line)
    if len(m["queue_id"]) > 12 and m["queue_name"] == "deferred":
        print(m["queue_id"])
        break
' "$TMP/long.jsonl")
    [ -n "$long_id" ] || sleep 0.2
    i=$((i + 1))
done
[ -n "$long_id" ]
okd $? "a long queue id is listed as an id ($long_id)" "$TMP/err"
"$MAILROOM" list --json "postqueue-json:-" <"$TMP/long.jsonl" >/dev/null 2>"$TMP/err"
okd $? "mailroom's own listing reads back as a saved listing" "$TMP/err"

# --- delivery history --------------------------------------------------------------
# One message to greylist@ (deferred) and nouser@sink.test (bounced at once):
# postqueue -j lists only greylist@, the mail log has both attempts. The C
# test checks the backend against the log's lines; here the JSON and the
# detail view on screen.
lab_send "$TMP/lab" "$S" greylist@sink.test nouser@sink.test 2>"$TMP/err"
okd $? "history: one message to greylist@ and nouser@sink.test sent" "$TMP/err"
if [ -x "$TEST_POSTFIX" ]; then
    run_tap "test_postfix --history" "$TEST_POSTFIX" --history "$LAB_CONFIG" "$LAB_LOG"
fi
"$MAILROOM" list --json "postfix:$LAB_CONFIG" >"$TMP/history.jsonl" 2>"$TMP/err"
okd $? "history: mailroom list --json exits 0" "$TMP/err"
"$PYTHON" - "$TMP/history.jsonl" >"$TMP/check" 2>&1 <<'EOF'
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
queued = [m for m in msgs if m["queue_name"] != "bounced"]
assert queued and all(isinstance(m["history"], list) for m in queued), "history per message"
assert all(m["history_complete"] is True for m in queued), "the lab's log begins before its mail"
keys = {"time", "recipient", "relay", "delays", "dsn", "status", "reply", "category"}
for m in queued:
    for a in m["history"]:
        assert set(a) == keys, a
        assert set(a["delays"]) == {"a", "b", "c", "d"}, a
    times = [a["time"] for a in m["history"]]
    assert times == sorted(times), m["queue_id"]
    for r in m["recipients"]:
        mine = [a for a in m["history"] if a["recipient"] == r["address"]]
        assert r["attempts"] == len(mine), (m["queue_id"], r, mine)
        assert r["last_attempt"] == (max(a["time"] for a in mine) if mine else None), r
    assert m["attempts"] == max([r["attempts"] for r in m["recipients"]] + [0]), m
    assert m["last_attempt"] == max([a["time"] for a in m["history"]] or [None]), m
mixed = [m for m in queued if [r["address"] for r in m["recipients"]] ==
         ["greylist@sink.test", "nouser@sink.test"]]
assert len(mixed) == 1, [m["recipients"] for m in queued]
m = mixed[0]
grey, nouser = m["recipients"]
assert grey["state"] == "deferred" and nouser["state"] == "bounced", m["recipients"]
assert "550 5.1.1 User unknown" in nouser["reason"], nouser
assert nouser["diagnosis"]["category"] == "unknown-user", nouser
bounced = [a for a in m["history"] if a["status"] == "bounced"]
assert len(bounced) == 1 and bounced[0]["recipient"] == "nouser@sink.test", m["history"]
assert bounced[0]["dsn"] == "5.1.1" and bounced[0]["category"] == "unknown-user", bounced
assert all(a["category"] == "greylisting" and a["dsn"] == "4.2.0"
           for a in m["history"] if a["status"] == "deferred"), m["history"]
print(m["queue_id"], m["attempts"])
EOF
okd $? "history: list --json has history[], attempts and last_attempt from it, nouser@ bounced" \
    "$TMP/check"
MIXED=$(tail -n 1 "$TMP/check" | cut -d' ' -f1)
MIXED_TRIES=$(tail -n 1 "$TMP/check" | cut -d' ' -f2)

if command -v tmux >/dev/null 2>&1 && [ -n "$MIXED" ]; then
    LANG=C.UTF-8 T new-session -d -s pf -x 120 -y 30 \
        "cd '$TMP' && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC XDG_STATE_HOME='$TMP/state' \
'$MAILROOM' 'postfix:$LAB_CONFIG'; echo \$? >'$TMP/pf.status'; sleep 60" 2>"$TMP/screen" &&
        T display -p '#{pid}' >"$TMP/tmux.pid" 2>>"$TMP/screen"
    shown() { grep -q "^ *$MIXED " "$TMP/screen"; }
    wait_screen shown
    T send-keys -t pf /
    T send-keys -t pf -l "queue:deferred nouser"
    T send-keys -t pf Enter
    one() { [ "$(rows "")" = "$MIXED" ]; }
    wait_screen one
    oks $? "history: /queue:deferred nouser shows the message to greylist@ and nouser@"
    # At 120 columns the list has TRIES and LAST: the JSON's attempt count,
    # and the latest attempt's age (seconds or minutes ago in the lab).
    tries_shown() {
        grep -q " SIZE TRIES LAST " "$TMP/screen" &&
            grep -Eq "^$MIXED +deferred +[0-9]+[smhd] +[0-9.]+[KMG]? +$MIXED_TRIES +[0-9]+[sm] " "$TMP/screen"
    }
    wait_screen tries_shown
    oks $? "history: the list's TRIES is the message's $MIXED_TRIES attempts and LAST their latest"
    T send-keys -t pf Enter G
    history_shown() {
        grep -q "^  History ([0-9]* attempts in the mail log)" "$TMP/screen" &&
            grep -Eq "^  [0-9-]+ [0-9:]+  bounced 5\.1\.1  nouser@sink\.test  relay 127\.0\.0\.1\[127\.0\.0\.1\]:[0-9]+  delays [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+" "$TMP/screen" &&
            grep -q "^      unknown user: host 127.0.0.1\[127.0.0.1\] said: 550 5.1.1 User unknown" "$TMP/screen" &&
            grep -Eq "^  [0-9-]+ [0-9:]+  deferred 4\.2\.0  greylist@sink\.test  relay " "$TMP/screen"
    }
    wait_screen history_shown
    oks $? "history: the detail view shows each attempt, its relay, delays, dsn, status and decoded reply"
    T send-keys -t pf Q
    i=0
    while [ ! -s "$TMP/pf.status" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill "$(cat "$TMP/tmux.pid")" 2>/dev/null && rm -f "$TMP/tmux.pid"
    rm -f "$TMP/pf.status"
else
    ok 1 "history: the screen check did not run (no tmux, or no message found)"
fi

# --- the mail log in every format ---------------------------------------------------
# The lab's log as it is now, written again as syslog's "Dec  7" lines, as
# rsyslog's RFC 3339 lines split over a current file, FILE.1 and FILE.2.gz,
# and as a `journalctl -o json` recording that a fake journalctl first on
# PATH prints (journald cannot run here; mailroom runs it as it runs the
# real one). Each, named with --log, gives the same bounced mail and the
# same history as the lab's own log.
mkdir -p "$TMP/logs" "$TMP/fakebin"
cp "$LAB_LOG" "$TMP/logs/lab.log"
"$PYTHON" - "$TMP/logs" <<'EOF2' >"$TMP/err" 2>&1
import gzip, json, os, sys, time
d = sys.argv[1]
now = time.localtime()
lines = []
for line in open(os.path.join(d, "lab.log"), encoding="utf-8", errors="surrogateescape"):
    stamp, rest = line[:15], line[16:].rstrip("\n")
    t = time.strptime("%d %s" % (now.tm_year, stamp), "%Y %b %d %H:%M:%S")
    when = time.mktime(t)
    if when > time.time() + 86400:  # syslog has no year: December read in January
        when = time.mktime(time.strptime("%d %s" % (now.tm_year - 1, stamp), "%Y %b %d %H:%M:%S"))
    parts = rest.split(" ", 2)
    if len(parts) < 3:
        continue
    host, ident_pid, msg = parts
    lines.append((when, host, ident_pid.rstrip(":"), msg))
assert len(lines) > 20, len(lines)
with open(os.path.join(d, "syslog.log"), "w", encoding="utf-8", errors="surrogateescape") as f:
    for when, host, ident, msg in lines:
        lt = time.localtime(when)
        f.write("%s %2d %s %s %s: %s\n" % (time.strftime("%b", lt), lt.tm_mday,
                time.strftime("%H:%M:%S", lt), host, ident, msg))
def rfc(when):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime(when))
rfc_lines = ["%s %s %s: %s\n" % (rfc(w), h, i, m) for w, h, i, m in lines]
third = len(rfc_lines) // 3
parts = [rfc_lines[:third], rfc_lines[third:2 * third], rfc_lines[2 * third:]]
with gzip.open(os.path.join(d, "rfc.log.2.gz"), "wt", encoding="utf-8", errors="surrogateescape") as f:
    f.writelines(parts[0])
with open(os.path.join(d, "rfc.log.1"), "w", encoding="utf-8", errors="surrogateescape") as f:
    f.writelines(parts[1])
with open(os.path.join(d, "rfc.log"), "w", encoding="utf-8", errors="surrogateescape") as f:
    f.writelines(parts[2])
with open(os.path.join(d, "journal.json"), "w", encoding="utf-8") as f:
    for n, (when, host, ident, msg) in enumerate(lines):
        name, _, pid = ident.rstrip("]").partition("[")
        raw = msg.encode("utf-8", "surrogateescape")
        try:
            message = raw.decode("utf-8")
        except UnicodeDecodeError:
            message = list(raw)
        f.write(json.dumps({"__CURSOR": "s=lab;i=%x" % n,
                            "__REALTIME_TIMESTAMP": str(int(when) * 1000000),
                            "__MONOTONIC_TIMESTAMP": str(n), "_BOOT_ID": "lab",
                            "_PID": pid, "SYSLOG_IDENTIFIER": name, "MESSAGE": message},
                           separators=(",", ":"), ensure_ascii=False) + "\n")
print(len(lines), "lines")
EOF2
okd $? "the lab's log written as syslog, RFC 3339 (.log, .1, .2.gz) and journalctl -o json lines" "$TMP/err"
cat >"$TMP/fakebin/journalctl" <<EOF2
#!/bin/sh
printf '%s\n' "\$@" >"$TMP/logs/journalctl.args"
exec cat "$TMP/logs/journal.json"
EOF2
chmod 755 "$TMP/fakebin/journalctl"

# log_view LOG OUT: what list --json --log LOG shows of the log: each
# message's history (time, recipient, status, dsn) and the bounced mail.
log_view() {
    PATH="$TMP/fakebin:$PATH" "$MAILROOM" list --json --log "$1" "postfix:$LAB_CONFIG" \
        >"$TMP/view.jsonl" 2>"$TMP/view.err"
    lv_rc=$?
    "$PYTHON" - "$TMP/view.jsonl" >"$2" <<'EOF2'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    m = json.loads(line)
    if m["queue_name"] == "bounced":
        print("bounced", m["queue_id"], [(r["address"], r["reason"]) for r in m["recipients"]])
    else:
        print(m["queue_id"], m["attempts"],
              [(a["time"], a["recipient"], a["status"], a["dsn"]) for a in m["history"] or []])
EOF2
    return $lv_rc
}
# same_view WANT GOT: the same bounced mail, and the same history for every
# message both listings have (the queue is live: a retry may end one).
same_view() {
    "$PYTHON" - "$1" "$2" <<'EOF2'
import sys
def load(path):
    rows = [l.rstrip("\n").split(" ", 1) for l in open(path, encoding="utf-8")]
    return {k: v for k, v in rows if k != "bounced"}, sorted(v for k, v in rows if k == "bounced")
(want, want_b), (got, got_b) = load(sys.argv[1]), load(sys.argv[2])
assert want_b == got_b, ("bounced", want_b, got_b)
both = set(want) & set(got)
assert len(both) >= 5, ("too few messages in both", sorted(want), sorted(got))
for i in sorted(both):
    assert want[i] == got[i], (i, want[i], got[i])
print(len(both), "messages and", len(want_b), "bounced the same")
EOF2
}
log_view "$TMP/logs/lab.log" "$TMP/logs/want"
okd $? "--log FILE: the lab's log copied, read" "$TMP/view.err"
grep -q "^bounced " "$TMP/logs/want" && grep -q "deferred" "$TMP/logs/want"
okd $? "--log FILE: bounced mail and deferred attempts in it" "$TMP/logs/want"
for log in syslog.log rfc.log journal; do
    case $log in journal) arg=journal ;; *) arg=$TMP/logs/$log ;; esac
    log_view "$arg" "$TMP/logs/got" && [ ! -s "$TMP/view.err" ] &&
        same_view "$TMP/logs/want" "$TMP/logs/got" >"$TMP/err" 2>&1
    okd $? "--log $log: the same bounced mail and history as the lab's log, nothing said" \
        "$TMP/err"
done
grep -qx -- "-o" "$TMP/logs/journalctl.args" && grep -qx "json" "$TMP/logs/journalctl.args" &&
    grep -qx "SYSLOG_IDENTIFIER=postfix/smtp" "$TMP/logs/journalctl.args"
okd $? "--log journal: journalctl ran with -o json and Postfix's identifiers" \
    "$TMP/logs/journalctl.args"
# The current file alone begins after the lab's first mail: its history is
# then partial, and the bounce (in .2.gz) is not found without the rotated files.
mkdir "$TMP/logs/alone" && cp "$TMP/logs/rfc.log" "$TMP/logs/alone/"
log_view "$TMP/logs/alone/rfc.log" "$TMP/logs/got"
! same_view "$TMP/logs/want" "$TMP/logs/got" >/dev/null 2>&1
ok $? "--log rfc.log without its rotated files reads less (so the rotated ones were read)"

# --log's other choices.
"$MAILROOM" list --json --log none "postfix:$LAB_CONFIG" >"$TMP/view.jsonl" 2>"$TMP/err" &&
    [ ! -s "$TMP/err" ] && ! grep -q '"queue_name":"bounced"' "$TMP/view.jsonl" &&
    grep -q '"history":null' "$TMP/view.jsonl"
okd $? "--log none: no log read, no history, no bounced mail, nothing said" "$TMP/err"
"$MAILROOM" list --log nowhere "postfix:$LAB_CONFIG" >/dev/null 2>"$TMP/err"
rc=$?
[ "$rc" -eq 2 ] && [ "$(cat "$TMP/err")" = 'mailroom: --log nowhere: not a log source (an absolute FILE, journal or none)' ]
okd $? "--log nowhere: exit 2 ($rc), one line naming it" "$TMP/err"
"$MAILROOM" list --log "$TMP/logs/missing.log" "postfix:$LAB_CONFIG" >/dev/null 2>"$TMP/err"
rc=$?
[ "$rc" -eq 1 ] && [ "$(cat "$TMP/err")" = "mailroom: postfix:$LAB_CONFIG: --log $TMP/logs/missing.log: No such file or directory" ]
okd $? "--log MISSING: exit 1 ($rc), one line naming it" "$TMP/err"

# No log readable: said once on stderr, and on the screen.
printf '#!/bin/sh\nexit 0\n' >"$TMP/fakebin/journalctl"
no_log="no mail log readable (tried: the journal (--log journal): the journal has no lines of postfix's programs)"
PATH="$TMP/fakebin:$PATH" "$MAILROOM" list --json --log journal "postfix:$LAB_CONFIG" \
    >"$TMP/view.jsonl" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(cat "$TMP/err")" = "mailroom: $no_log" ] && [ -s "$TMP/view.jsonl" ]
okd $? "no log readable: the queue listed (exit $rc), the line once on stderr" "$TMP/err"
if command -v tmux >/dev/null 2>&1; then
    LANG=C.UTF-8 T new-session -d -s pf -x 200 -y 30 \
        "cd '$TMP' && env PATH='$TMP/fakebin:$PATH' LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC XDG_STATE_HOME='$TMP/state' \
'$MAILROOM' --log journal 'postfix:$LAB_CONFIG'; echo \$? >'$TMP/pf.status'; sleep 60" 2>"$TMP/screen" &&
        T display -p '#{pid}' >"$TMP/tmux.pid" 2>>"$TMP/screen"
    no_log_shown() { grep -qF " $no_log" "$TMP/screen"; }
    wait_screen no_log_shown
    oks $? "no log readable: the status line says so, and what was tried"
    T send-keys -t pf w
    sources_say() { grep -qF "$no_log" "$TMP/screen" && grep -q "^ *Source" "$TMP/screen"; }
    wait_screen sources_say
    oks $? "no log readable: w (the source) still says so after a key"
    T send-keys -t pf Q
    i=0
    while [ ! -s "$TMP/pf.status" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill "$(cat "$TMP/tmux.pid")" 2>/dev/null && rm -f "$TMP/tmux.pid"
    rm -f "$TMP/pf.status"
else
    ok 1 "no log readable: tmux is not installed, so the screen check did not run"
fi

# --- not root ---------------------------------------------------------------------
# The C tests again, as other users (setpriv): one that may run the Postfix
# tools through sudo -n, one that may not. Their binary is copied where any
# user can run it.
mkdir "$TMP/bin" && cp "$TEST_POSTFIX" "$TMP/bin/test_postfix" &&
    chmod 755 "$TMP/bin" "$TMP/bin/test_postfix"
lab_sudo_user 2>"$TMP/err"
okd $? "a user ($LAB_SUDO_USER) whose sudo allows only the Postfix tools" "$TMP/err"
run_tap "test_postfix as $LAB_SUDO_USER" setpriv --reuid="$LAB_SUDO_USER" --regid="$LAB_SUDO_USER" --init-groups \
    "$TMP/bin/test_postfix" --unprivileged sudo "$LAB_CONFIG"
run_tap "test_postfix as nobody" setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$TMP/bin/test_postfix" --unprivileged refused "$LAB_CONFIG"

# --- bulk actions: one process per part, paced, stopped --------------------------
# 40 messages to greylist+bulk@ (greylisted: each retry defers them again).
# strace counts the programs mailroom starts: one postsuper per part of the
# batch; as root no program at all for retries (each id's request goes to
# the flush service's socket, as postqueue -i would send it), and as another
# user one shell per part running postqueue -i (through sudo -n) for every
# id; never one process of mailroom's per id.
BULK_STATE=$TMP/bulk-state
B=greylist+bulk@sink.test
"$lab_sbin/smtp-source" -s 4 -m 40 -f "$S" -t "$B" "127.0.0.1:$LAB_SMTPD_PORT" >"$TMP/err" 2>&1 &&
    lab_ids "$TMP/lab" "$B" deferred 40 60 >"$TMP/bulk.ids" 2>>"$TMP/err"
okd $? "bulk: 40 messages to $B deferred" "$TMP/err"
# shellcheck disable=SC2046 # ids: letters and digits
set -- $(cat "$TMP/bulk.ids")
# bulk ACTION ARGS...: mailroom act ACTION ARGS... on the lab under strace;
# output in $TMP/out and $TMP/err, status in $rc, the programs started in
# $TMP/trace
bulk() {
    # LeakSanitizer cannot work under ptrace: at exit it aborts (status 134)
    # in the sanitizer build, so leaks are looked for in the other runs.
    XDG_STATE_HOME=$BULK_STATE ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
        strace -f -qq -e trace=execve,connect -e signal=none -o "$TMP/trace" \
        "$MAILROOM" act "$@" "postfix:$LAB_CONFIG" >"$TMP/out" 2>"$TMP/err"
    rc=$?
}
# started PROGRAM [ARG]: how many times PROGRAM was started (with ARG among
# its arguments)
started() {
    # a line per execve, "<unfinished ...>" when another process's call
    # came between (its result then on a "resumed" line); a failed one
    # ends "= -1 ERRNO (...)"
    grep "execve(\"$1\"" "$TMP/trace" | grep -v ' = -1 ' | grep -c -- "${2:-}"
}
# flush_requests: how many times a process connected to the flush service
flush_requests() {
    grep 'connect(.*"[^"]*/public/flush"' "$TMP/trace" | grep -c -v ' = -1 '
}
if ! command -v strace >/dev/null 2>&1; then
    ok 1 "bulk: strace is not installed, so the programs started cannot be counted"
else
    # One id vanishes first: deleted, so not queued when the action lists.
    GONE=$1
    /usr/sbin/postsuper -c "$LAB_CONFIG" -d "$GONE" >"$TMP/err" 2>&1
    okd $? "bulk: $GONE deleted with postsuper -d (it vanished)" "$TMP/err"
    bulk retry --yes "$@"
    is "$rc" 1 "bulk retry of 40 (one vanished): exit 1"
    is "$(tail -n 1 "$TMP/out")" "retry: 39 done, 0 delivered, 1 not found, 0 failed" \
        "bulk retry: 39 done, the vanished one not found"
    is "$(field "$GONE" 2)" "not found" "bulk retry: the vanished id is not found, never done"
    is "$(awk -F'\t' '$2 == "done" && $3 ~ /deferred again/' "$TMP/out" | wc -l | tr -d ' ')" 39 \
        "bulk retry: each of the 39 tried and deferred again (its own outcome)"
    is "$(started /bin/sh)/$(started /usr/sbin/postqueue '"-i"')" 0/0 \
        "bulk retry as root: no shell and no postqueue -i"
    is "$(flush_requests)" 39 "bulk retry as root: one request to the flush service per queued id"
    is "$(lab_ids "$TMP/lab" "$B" deferred | wc -l | tr -d ' ')" 39 \
        "bulk retry: postqueue -j shows the 39 deferred again"
    shift # the vanished one

    bulk hold "$@"
    is "$(tail -n 1 "$TMP/out")" "hold: 39 done, 0 delivered, 0 not found, 0 failed" \
        "bulk hold of 39: each done"
    is "$(started /usr/sbin/postsuper)" 1 "bulk hold: one postsuper for the 39 ids"
    is "$(lab_ids "$TMP/lab" "$B" hold | wc -l | tr -d ' ')" 39 "bulk hold: postqueue -j shows 39 held"

    # --rate 40/s: parts of 10 (a quarter of a second's worth), so four
    # postsuper runs spread over at least three quarters of a second.
    start=$(date +%s.%N)
    bulk release --rate 40/s "$@"
    took=$(elapsed "$start")
    is "$(tail -n 1 "$TMP/out")" "release: 39 done, 0 delivered, 0 not found, 0 failed" \
        "bulk release --rate 40/s: each done"
    is "$(started /usr/sbin/postsuper)" 4 "bulk release --rate 40/s: four postsuper runs of 10"
    "$PYTHON" -c 'import sys; sys.exit(float(sys.argv[1]) < 0.75)' "$took"
    ok $? "bulk release --rate 40/s: paced (took $took s, at least 0.75)"
    for bad in abc 0/s -5/s 10/h 10; do
        XDG_STATE_HOME=$BULK_STATE "$MAILROOM" act hold --rate "$bad" "$1" "postfix:$LAB_CONFIG" \
            >"$TMP/out" 2>"$TMP/err"
        rc=$?
        [ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
            grep -q "^mailroom: act: --rate: \"$bad\" is not a rate" "$TMP/err"
        okd $? "--rate $bad: exit 2 and one line naming it (got $rc)" "$TMP/err"
    done
    is "$(lab_queue_of "$TMP/lab" "$1")" deferred "--rate with a bad value: nothing was held"

    # SIGINT during a long action: at 4 a second, 39 retries take ten
    # seconds; stopped after about two, the ids done keep their outcomes,
    # the rest are not attempted, here and in actions.log.
    XDG_STATE_HOME=$BULK_STATE "$MAILROOM" act retry --rate 4/s "$@" "postfix:$LAB_CONFIG" \
        >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    sleep 2
    kill -INT "$pid"
    wait "$pid"
    rc=$?
    sed 's/^/#   /' "$TMP/err"
    is "$rc" 1 "SIGINT during act retry --rate 4/s: exit 1"
    n_done=$(awk -F'\t' '$2 == "done"' "$TMP/out" | wc -l | tr -d ' ')
    n_not=$(awk -F'\t' '$2 == "not attempted"' "$TMP/out" | wc -l | tr -d ' ')
    [ "$n_done" -ge 1 ] && [ "$n_not" -ge 20 ] && [ $((n_done + n_not)) -eq 39 ]
    okd $? "SIGINT: $n_done done, $n_not not attempted, nothing else" "$TMP/out"
    grep -q "stopped (Ctrl-C): $n_not not attempted" "$TMP/err"
    okd $? "SIGINT: standard error says it stopped and how many were not attempted" "$TMP/err"
    tail -n 1 "$BULK_STATE/mailroom/actions.log" | cut -f5 >"$TMP/logged"
    grep -q "^done $n_done, not attempted $n_not" "$TMP/logged"
    okd $? "SIGINT: actions.log has the outcomes, not attempted included" "$TMP/logged"

    # release-retry: held mail released and tried at once.
    XDG_STATE_HOME=$BULK_STATE "$MAILROOM" act hold "$1" "$2" "postfix:$LAB_CONFIG" >"$TMP/err" 2>&1
    okd $? "bulk: $1 and $2 held again" "$TMP/err"
    bulk release-retry "$1" "$2" 00000ABCDEF
    is "$(tail -n 1 "$TMP/out")" "release-retry: 2 done, 0 delivered, 1 not found, 0 failed" \
        "release-retry: the two held done, an id not queued not found"
    has "$(field "$1" 3)" "released from hold; tried, deferred again" \
        "release-retry: $1 released and tried (deferred again by the greylist)"
    is "$(lab_queue_of "$TMP/lab" "$1")/$(lab_queue_of "$TMP/lab" "$2")" deferred/deferred \
        "release-retry: postqueue -j shows them deferred, no longer held"
    is "$(started /usr/sbin/postsuper '"-H"')/$(started /bin/sh)/$(flush_requests)" 1/0/2 \
        "release-retry: one postsuper -H, then a flush request for each of the two"
    # expire-now: returned to the sender at once (the DSN goes to the sink).
    bulk expire-now "$3" "$4"
    is "$rc/$(lab_queue_of "$TMP/lab" "$3")" 1/deferred \
        "expire-now without --yes and without a terminal: refused, nothing expired"
    bulk expire-now --yes "$3" "$4"
    is "$(tail -n 1 "$TMP/out")" "expire-now: 2 done, 0 delivered, 0 not found, 0 failed" \
        "expire-now: both done"
    has "$(field "$3" 3)" "returned to the sender" "expire-now: $3 returned to the sender"
    is "$(lab_queue_of "$TMP/lab" "$3")/$(lab_queue_of "$TMP/lab" "$4")" gone/gone \
        "expire-now: both gone from postqueue -j at once"
    grep -Eq "$3: from=<$S>, status=(force-)?expired, returned to sender" "$LAB_LOG"
    ok $? "expire-now: the mail log says $3 expired, returned to sender"

    # Not root: postqueue -i applies authorized_flush_users, so it runs, in
    # one shell for the part, through sudo -n (postqueue refuses the lab's
    # configuration directory to other users).
    cp "$MAILROOM" "$TMP/bin/mailroom" && chmod 755 "$TMP/bin/mailroom"
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
        strace -f -qq -e trace=execve,connect -e signal=none -o "$TMP/trace" \
        setpriv --reuid="$LAB_SUDO_USER" --regid="$LAB_SUDO_USER" --init-groups env HOME=/nonexistent \
        "$TMP/bin/mailroom" act retry --yes --no-audit "$5" "$6" "$7" "postfix:$LAB_CONFIG" >"$TMP/out" 2>"$TMP/err"
    is "$(tail -n 1 "$TMP/out")" "retry: 3 done, 0 delivered, 0 not found, 0 failed" \
        "retry as $LAB_SUDO_USER: 3 done"
    is "$(started /bin/sh)/$(started /usr/bin/sudo '"-i"')" 1/3 \
        "retry as $LAB_SUDO_USER: one shell, sudo -n postqueue -i once per id"
fi

# A key pressed during a long action on the screen: :rate 4/s, the bulk
# mail tagged and retried; the status line counts the ids done, Esc stops
# it, and the outcomes list the rest as not attempted.
if command -v tmux >/dev/null 2>&1 && [ $# -ge 30 ]; then
    LANG=C.UTF-8 T new-session -d -s pf -x 160 -y 30 \
        "cd '$TMP' && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC XDG_STATE_HOME='$BULK_STATE' \
'$MAILROOM' 'postfix:$LAB_CONFIG'; echo \$? >'$TMP/pf.status'; sleep 60" 2>"$TMP/screen" &&
        T display -p '#{pid}' >"$TMP/tmux.pid" 2>>"$TMP/screen"
    loaded() { grep -Eq " [0-9]+ deferred" "$TMP/screen"; }
    wait_screen loaded
    T send-keys -t pf /
    T send-keys -t pf -l "to:$B"
    T send-keys -t pf Enter :
    T send-keys -t pf -l "rate 4/s"
    T send-keys -t pf Enter
    paced() { grep -q "actions take at most 4 messages a second" "$TMP/screen"; }
    wait_screen paced
    oks $? "bulk: :rate 4/s is said on the status line"
    T send-keys -t pf T F
    asked() { grep -q "^ *retry [0-9]* messages, [0-9]* recipients on .*At most 4 a second" "$TMP/screen"; }
    wait_screen asked
    oks $? "bulk: F on the tagged mail asks, saying the rate"
    T send-keys -t pf y
    progress() { grep -Eq "^ *retry: [1-9][0-9]* of [0-9]+ done\.\.\. \(Esc or Ctrl-C stops it\)" "$TMP/screen"; }
    wait_screen progress
    oks $? "bulk: the status line shows how many ids are done of how many"
    T send-keys -t pf Escape
    stopped() { grep -Eq "^ *retry: [0-9]+ done, 0 delivered, 0 not found, 0 failed, [1-9][0-9]* not attempted; stopped" "$TMP/screen"; }
    wait_screen stopped
    oks $? "bulk: Esc stops it: the status line counts the outcomes, not attempted included"
    T send-keys -t pf o
    listed_not() { grep -Eq " not attempted +stopped before postqueue -i ran" "$TMP/screen"; }
    wait_screen listed_not
    oks $? "bulk: o lists the ids not attempted"
    T send-keys -t pf Q
    i=0
    while [ ! -s "$TMP/pf.status" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill "$(cat "$TMP/tmux.pid")" 2>/dev/null && rm -f "$TMP/tmux.pid"
    rm -f "$TMP/pf.status"
    tail -n 1 "$BULK_STATE/mailroom/actions.log" | cut -f5 >"$TMP/logged"
    grep -Eq "^done [0-9]+, not attempted [0-9]+" "$TMP/logged"
    okd $? "bulk: actions.log has the screen's outcomes, not attempted included" "$TMP/logged"
else
    ok 1 "bulk: the screen check did not run (no tmux, or too few messages)"
fi

# --- Postfix stopped --------------------------------------------------------------
/usr/sbin/postfix -c "$LAB_CONFIG" stop </dev/null >"$TMP/err" 2>&1
okd $? "postfix -c LAB_CONFIG stop" "$TMP/err"
i=0
while /usr/sbin/postfix -c "$LAB_CONFIG" status </dev/null >/dev/null 2>&1 && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
"$MAILROOM" list "postfix:$LAB_CONFIG" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 1 ]
ok $? "mailroom list with Postfix stopped: exit status 1"
[ "$rc" -eq 1 ] || echo "#   got $rc"
[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "Postfix is not running" "$TMP/err"
okd $? "mailroom list with Postfix stopped: one-line error 'Postfix is not running'" \
    "$TMP/err"

tap_end
