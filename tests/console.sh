#!/bin/sh
# The console's hard moments, on the real binary in a real terminal (tmux):
# a listing that falls due while a line is typed or a question is open, a
# key pressed during a long action, commands with their arguments, tagged
# messages the filter hides, the detail acting on its own message, the
# viewport after a filter, searching a text, the prompt's Ctrl-R, a big
# queue's summary and its first listing's progress line, 80x24. Each check
# is against what the screen shows and, where the queue changed, against
# the queue itself.
#
#   console.sh MAILROOM SCREENS_DIR MAILROOM_GEN PYTHON
#
# MAILROOM_UPDATE_SCREENS=1 rewrites the golden screens it compares with.
set -u

MAILROOM=$1
SCREENS=$2
GEN=$3
PYTHON=$4

. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/tmux.sh"
tmux_setup console

# ids QUEUE.db [FILTER]: the queued ids mailroom lists, one a line.
ids() {
    "$MAILROOM" list --json ${2:+--filter "$2"} "sqlite:$1" |
        "$PYTHON" -c 'import json, sys; [print(json.loads(l)["queue_id"]) for l in sys.stdin]'
}
# row N SESSION: the queue id on row N of the list (1 is the first).
row() { capture "$2" | sed -n "$(($1 + 1))p" | cut -d' ' -f1; }

# --- a listing falls due while a line is typed -------------------------------------
# Listed every second; the operator types slowly. The line stays, every
# key goes into it (q and Q never reach the list), and the list behind it
# follows the queue: a message another program deletes goes from it.
"$GEN" --seed 5 --now 1795435200 --count 20 "$TMP/q.db" 2>/dev/null
start prompt 100 24 "" --refresh 1 q.db
wait_for prompt "20 messages"
ok $? "a queue of 20, listed every second"
gone=$(row 2 prompt)
T send-keys -t prompt /
T send-keys -t prompt -l 'cat:'
sleep 2.5
T send-keys -t prompt -l 'qQ'
wait_for prompt '^/cat:qQ$'
ok $? "after two listings were due, the line is still open and holds every key typed (q and Q too)"
"$MAILROOM" act delete --yes "$gone" "sqlite:$TMP/q.db" >"$TMP/out" 2>&1
i=0
while [ $i -lt 30 ]; do
    capture prompt >"$TMP/got"
    if ! grep -q "^$gone " "$TMP/got"; then break; fi
    sleep 0.1
    i=$((i + 1))
done
! grep -q "^$gone " "$TMP/got" && grep -q '^/cat:qQ$' "$TMP/got"
okd $? "another program deletes $gone: the list behind the open line drops it, the line stays" "$TMP/got"
T send-keys -t prompt Escape
wait_for prompt "19 messages" && [ ! -s "$TMP/prompt.status" ]
okd $? "Esc closes the line; mailroom still runs, with 19 messages" "$TMP/got"

# --- a listing falls due while a question is open ----------------------------------
# The question is about the queue as it was asked: nothing is listed while
# it is open, the question stays, and the listing comes after the answer.
T send-keys -t prompt /
T send-keys -t prompt -l 'queue:deferred'
T send-keys -t prompt Enter
wait_for prompt "messages match"
asked=$(row 1 prompt)
also=$(row 3 prompt)
T send-keys -t prompt D
wait_for prompt "delete 1 message, .* \[y/N\]"
ok $? "D asks: 'delete 1 message, N recipients ... [y/N]'"
"$MAILROOM" act delete --yes "$also" "sqlite:$TMP/q.db" >"$TMP/out" 2>&1
sleep 2.5
capture prompt >"$TMP/got"
grep -q "^$also " "$TMP/got" && [ "$(status_line prompt | cut -c1-18)" = " delete 1 message," ]
okd $? "2.5 s later (two listings due): the question is still open, the list as it was asked about" "$TMP/got"
T send-keys -t prompt n
wait_for prompt "delete: not done"
ok $? "n: not done"
i=0
while [ $i -lt 30 ]; do
    capture prompt >"$TMP/got"
    if ! grep -q "^$also " "$TMP/got"; then break; fi
    sleep 0.1
    i=$((i + 1))
done
! grep -q "^$also " "$TMP/got" && grep -q "^$asked " "$TMP/got"
okd $? "then the listing comes: $also (deleted elsewhere) goes, $asked stays" "$TMP/got"
T send-keys -t prompt Q
expect_exit prompt 0 "Q quits"

# --- a key pressed during a long action ----------------------------------------------
# Another program holds the queue's write lock for 3 s; the hold waits for
# it. The keys typed meanwhile (D y q: delete, yes, quit) are dropped, and
# said to be: none of them answers a question the operator has not seen.
"$GEN" --seed 6 --now 1795435200 --count 10 "$TMP/lock.db" 2>/dev/null
start lock 140 24 "" --refresh 0 lock.db
wait_for lock "10 messages"
T send-keys -t lock /
T send-keys -t lock -l 'queue:deferred'
T send-keys -t lock Enter
wait_for lock "messages match"
target=$(row 1 lock)
"$PYTHON" - "$TMP/lock.db" "$TMP/locked" <<'EOF' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(3)
db.execute("COMMIT")
EOF
locker=$!
wait_file "$TMP/locked" 50
T send-keys -t lock H y
sleep 0.5
T send-keys -t lock D y q
wait $locker
wait_for lock "hold: 1 done, 0 delivered, 0 not found, 0 failed; 3 keys typed meanwhile ignored"
okd $? "the hold waits for the lock and is done; the 3 keys typed meanwhile are dropped, and said to be" "$TMP/got"
[ ! -s "$TMP/lock.status" ] && ids "$TMP/lock.db" queue:hold | grep -qx "$target" &&
    [ "$(ids "$TMP/lock.db" | grep -c .)" = 10 ]
ok $? "nothing was deleted, mailroom did not quit: $target is held, 10 messages queued"
T send-keys -t lock Q

# --- a long action stopped; Ctrl-C never kills the screen ------------------------------
# Three messages at three priorities: at :rate 2/s, priority-up sends them
# as three requests of one, the first waiting for the write lock another
# program holds for 3 s. Ctrl-C during the first: it finishes, the other two
# are not attempted, and said so.
"$GEN" --seed 8 --now 1795435200 --count 10 "$TMP/stop.db" 2>/dev/null
set -- $(ids "$TMP/stop.db" queue:deferred | head -3)
s1=$1 s2=$2 s3=$3
"$PYTHON" - "$TMP/stop.db" "$s1" "$s2" "$s3" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for qid, prio in zip(sys.argv[2:], (-4, 0, 2)):
    db.execute("UPDATE message SET priority = ? WHERE queue_id = ?", (prio, qid))
db.commit()
EOF
start stop 140 24 "" --refresh 0 stop.db
wait_for stop "10 messages"
T send-keys -t stop C-c
wait_for stop "Ctrl-C stops a long action or filter; q or Q quits" && [ ! -s "$TMP/stop.status" ]
okd $? "Ctrl-C on the list: said how to quit, and mailroom runs on" "$TMP/got"
T send-keys -t stop / C-c
wait_for stop "Ctrl-C stops a long action" && ! grep -q '^/' "$TMP/got"
okd $? "Ctrl-C at the prompt cancels the line" "$TMP/got"
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
T send-keys -t stop :
T send-keys -t stop -l "rate 2/s"
T send-keys -t stop Enter
T send-keys -t stop :
T send-keys -t stop -l "priority-up id:$s1 or id:$s2 or id:$s3"
T send-keys -t stop Enter
wait_for stop "\[y/N\]" && T send-keys -t stop y
sleep 1
T send-keys -t stop C-c
wait $locker
wait_for stop "priority-up: 1 done, 0 delivered, 0 not found, 0 failed, 2 not attempted; stopped"
okd $? "Ctrl-C during the first of three requests: 1 done, 2 not attempted, stopped" "$TMP/got"
# Which one went first is the list's order; exactly one moved one step.
"$MAILROOM" list --json --filter "id:$s1 or id:$s2 or id:$s3" "$TMP/stop.db" |
    "$PYTHON" -c 'import json, sys
was = dict(zip(sys.argv[1:], (-4, 0, 2)))
now = {m["queue_id"]: m["priority"] for m in map(json.loads, sys.stdin)}
moved = [q for q in was if now[q] == was[q] + 1]
print("moved %d, stayed %d" % (len(moved), sum(now[q] == was[q] for q in was)))
print(next(q for q in was if q not in moved))' "$s1" "$s2" "$s3" >"$TMP/prios"
is "$(head -1 "$TMP/prios")" "moved 1, stayed 2" "only the first request ran: one went a step up, two stayed"
stayed=$(tail -1 "$TMP/prios")
T send-keys -t stop o
wait_for stop "$stayed *not attempted *stopped before it was started"
okd $? "o lists the two not attempted, with why" "$TMP/got"
T send-keys -t stop q
# A crash puts the terminal back before it dies.
pane=$(T display -p -t stop '#{pane_pid}')
kill -SEGV "$(pgrep -P "$pane" | head -1)"
i=0
while [ ! -s "$TMP/stop.status" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$TMP/stop.status" ] && [ "$(cat "$TMP/stop.status")" != 0 ]
ok $? "SIGSEGV: mailroom dies (status $(cat "$TMP/stop.status" 2>/dev/null))"
is "$(T display -p -t stop '#{alternate_on}')" 0 "and the terminal is out of the alternate screen"

# --- no action without its record ----------------------------------------------------
# actions.log cannot be written (its directory is a file): the screen does
# not ask and does nothing; with --no-audit it asks, acts and says so.
mkdir -p "$TMP/noaudit"
: >"$TMP/noaudit/mailroom"
"$GEN" --seed 6 --now 1795435200 --count 10 "$TMP/audit.db" 2>/dev/null
start audit 140 24 "XDG_STATE_HOME=$TMP/noaudit" --refresh 0 audit.db
wait_for audit "10 messages"
T send-keys -t audit /
T send-keys -t audit -l 'queue:deferred'
T send-keys -t audit Enter H
wait_for audit "hold: not done: cannot record it: .*noaudit/mailroom: not a directory"
okd $? "H with actions.log unwritable: not done, not asked, the reason said" "$TMP/got"
held_before=$(ids "$TMP/audit.db" queue:hold | grep -c . || true)
T send-keys -t audit Q
start audit2 140 24 "XDG_STATE_HOME=$TMP/noaudit" --refresh 0 --no-audit audit.db
wait_for audit2 "10 messages"
T send-keys -t audit2 /
T send-keys -t audit2 -l 'queue:deferred'
T send-keys -t audit2 Enter H
wait_for audit2 "\[y/N\]" && T send-keys -t audit2 y
wait_for audit2 "hold: 1 done, 0 delivered, 0 not found, 0 failed; not recorded (--no-audit)"
okd $? "with --no-audit: asked, done, and said not to be recorded" "$TMP/got"
is "$(ids "$TMP/audit.db" queue:hold | grep -c .)" "$((held_before + 1))" "one more message held"
T send-keys -t audit2 Q

# --- commands take their arguments ------------------------------------------------------
"$MAILROOM" list --json --filter cat:greylisting --demo >"$TMP/grey.jsonl"
want=$("$PYTHON" - "$TMP/grey.jsonl" <<'EOF'
import json, sys
ms = [json.loads(l) for l in open(sys.argv[1])]
ms = [m for m in ms if m["queue_name"] != "bounced"]
print("%d message%s, %d recipient%s" % (len(ms), "" if len(ms) == 1 else "s",
      sum(len(m["recipients"]) for m in ms), "" if sum(len(m["recipients"]) for m in ms) == 1 else "s"))
EOF
)
start cmd 100 30 "" --demo
wait_for cmd "300 messages"
T send-keys -t cmd :
T send-keys -t cmd -l 'priority 7 queue:deferred domain:gmx.de'
T send-keys -t cmd Enter
"$MAILROOM" list --json --filter 'queue:deferred domain:gmx.de' --demo | grep -c . >"$TMP/n"
wait_for cmd "^ priority 7 $(cat "$TMP/n") messages, "
okd $? ":priority 7 EXPR asks about the $(cat "$TMP/n") messages it matches" "$TMP/got"
T send-keys -t cmd y
# Keys typed during an action that takes a while are dropped: / waits.
wait_for cmd "priority: .* done"
T send-keys -t cmd / C-u
T send-keys -t cmd -l 'prio:7'
T send-keys -t cmd Enter
wait_for cmd "$(cat "$TMP/n") messages match"
okd $? "then /prio:7 shows exactly those $(cat "$TMP/n")" "$TMP/got"
expect_screen cmd priority-set "the PRIO column shows them at 7"
T send-keys -t cmd : C-u
T send-keys -t cmd -l 'sort priority reverse'
T send-keys -t cmd Enter / C-u Enter
expect_screen cmd sort-priority-reverse ":sort priority reverse: the lowest priority first"
T send-keys -t cmd :
T send-keys -t cmd -l 'hold cat:greylisting'
T send-keys -t cmd Enter
wait_for cmd "^ hold $want on demo? \[y/N\]"
okd $? ":hold cat:greylisting asks about what the filter matches in the queue: $want" "$TMP/got"
T send-keys -t cmd y
n_grey=${want%% *}
wait_for cmd "hold: $n_grey done, 0 delivered, 0 not found, 0 failed"
okd $? "y: $n_grey held" "$TMP/got"
T send-keys -t cmd :
T send-keys -t cmd -l 'quit now'
expect_screen cmd command-no-argument ":quit now: the prompt says quit takes no argument"
T send-keys -t cmd Enter
wait_for cmd "quit takes no argument" && [ ! -s "$TMP/cmd.status" ]
okd $? "Enter on it: said again, and mailroom does not quit" "$TMP/got"
T send-keys -t cmd :
T send-keys -t cmd -l 'hold (cat:'
wait_for cmd "column 11: cat: expected a value"
okd $? ":hold (cat: points at its error's column while typing" "$TMP/got"
T send-keys -t cmd Escape Q

# --- tagged messages the filter hides; the detail acts on its own message ------------
start tags 100 30 "" --demo
wait_for tags "300 messages"
T send-keys -t tags j t t /
T send-keys -t tags -l 'queue:hold'
T send-keys -t tags Enter H
expect_screen tags hidden-tags "H with 2 tags the filter hides: the question says so"
T send-keys -t tags n j Enter
expect_screen tags detail-of-held "the detail of a held message, tags elsewhere"
T send-keys -t tags U
expect_screen tags detail-acts-on-own "U in the detail asks about the message shown, not the tags"
T send-keys -t tags n m U
expect_screen tags content-acts-on-own "U in the message view too"
T send-keys -t tags n Q

# --- the viewport after a filter ----------------------------------------------------------
start view 100 30 "" --demo
wait_for view "300 messages"
T send-keys -t view PageDown PageDown PageDown PageDown /
T send-keys -t view -l 'queue:incoming'
T send-keys -t view Enter G
expect_screen view filtered-last "after paging down, a filter and G: every row shown from the top, the cursor on the last"
T send-keys -t view Q

# --- searching a text: the detail, the help ------------------------------------------
start search 100 30 "" --demo
wait_for search "300 messages"
T send-keys -t search j j j j j j j j j j j j j j j j j j j j Enter /
T send-keys -t search -l 'outlook'
T send-keys -t search Enter
expect_screen search detail-search "/ in the detail goes to the first line with the text"
T capture-pane -e -p -t search | grep -q "$(printf '\033')\\[\\([0-9;]*;\\)\\{0,1\\}43m"
ok $? "the text found is drawn in the found style (black on yellow)"
T send-keys -t search n
expect_screen search detail-search-next "n goes to the next line with it"
T send-keys -t search N
expect_screen search detail-search "N back to the one before"
T send-keys -t search /
T send-keys -t search -l 'no such text here'
wait_for search "not in this text"
okd $? "a text that is not there: the note says so while typing" "$TMP/got"
T send-keys -t search Escape q '?' /
T send-keys -t search -l 'quit'
T send-keys -t search Enter
expect_screen search help-search "/ in the help finds a key"
T send-keys -t search Q

# --- the code browser opened again on its own search ----------------------------------
# c, a search kept with Enter, q, c: the browser opens on the search it kept
# (the query was freed while in use, which AddressSanitizer caught).
start codes 100 30 "" --demo
wait_for codes "300 messages"
T send-keys -t codes c /
T send-keys -t codes -l '552'
T send-keys -t codes Enter q c
wait_for codes '^Codes and causes matching "552": ' && [ ! -s "$TMP/codes.status" ]
okd $? "c / 552 Enter q c: the browser opens again on \"552\"" "$TMP/got"
T send-keys -t codes Q
expect_exit codes 0 "Q quits with status 0"

# --- the prompt's Ctrl-R ------------------------------------------------------------------
start recall 100 30 "" --demo
wait_for recall "300 messages"
for f in cat:greylisting domain:gmail.com cat:rate-limited; do
    T send-keys -t recall /
    T send-keys -t recall C-u
    T send-keys -t recall -l "$f"
    T send-keys -t recall Enter
done
T send-keys -t recall / C-u
T send-keys -t recall -l 'cat'
T send-keys -t recall C-r
wait_for recall '^/cat:rate-limited$'
okd $? "Ctrl-R: the latest line with the text typed" "$TMP/got"
T send-keys -t recall C-r
expect_screen recall prompt-recall "Ctrl-R again: the one before, the note says what is looked for"
T send-keys -t recall C-r
wait_for recall 'Ctrl-R: no more earlier line has "cat"' && grep -q '^/cat:greylisting$' "$TMP/got"
okd $? "and no further: said, the line kept" "$TMP/got"
T send-keys -t recall Escape Q

# --- a big queue's summary: columns sized from the counts -------------------------------
# 150,000 messages to one domain, all of them 2 to 4 minutes old: six-digit
# counts in the total and in an age column.
"$PYTHON" - "$TMP/big.jsonl" <<'EOF'
import json, sys
now = 1795435200
with open(sys.argv[1], "w") as f:
    for i in range(150000):
        f.write(json.dumps({"queue_name": "deferred", "queue_id": "B%010X" % i,
            "arrival_time": now - 120 - i % 100, "message_size": 1000,
            "forced_expire": False, "sender": "s@example.org",
            "recipients": [{"address": "u%d@bigdomain.example" % i,
                "delay_reason": "host mx.bigdomain.example[192.0.2.7] said: 451 4.7.1 try later"}]}) + "\n")
EOF
start big 100 30 "" --refresh 0 "postqueue-json:big.jsonl"
wait_for big "150,000 messages" 200
okd $? "a saved listing of 150,000 messages" "$TMP/got"
T send-keys -t big z
expect_screen big summary-big "z: six-digit counts in columns that do not run together"
T send-keys -t big Q

# --- the first listing of a big queue: its progress, then its front --------------
# The same 150,000 messages come through a named pipe, a part at a time,
# each part sent when the test has seen what the last one did:
# - 16,383 messages, a pause, and a line that repeats the first one's queue
#   id: the 16,384th message read (told on the progress line), then not kept
#   (16,383 in hand, so the screen does not start on them yet). Before the
#   screen starts, the terminal says what is being read and how far it is.
# - up to the 40,000th: the screen starts with the front of the queue, the
#   first 16,384 messages, and says it is still reading; what needs the
#   whole queue (an action, tagging all, the summary) says that it waits
#   for it, and moving, filtering and opening a message work.
# - the rest: all 150,000 on the screen, the repeated id's warning said.
mkfifo "$TMP/slow.jsonl"
start slow 100 24 "" --refresh 0 "postqueue-json:slow.jsonl"
(
    head -n 16383 "$TMP/big.jsonl"
    sleep 0.5
    head -n 1 "$TMP/big.jsonl"
    wait_file "$TMP/slow.front" 300
    sed -n '16384,40000p' "$TMP/big.jsonl"
    wait_file "$TMP/slow.rest" 300
    tail -n +40001 "$TMP/big.jsonl"
) >"$TMP/slow.jsonl" &
writer=$!
wait_for slow '^mailroom: reading postqueue-json:slow.jsonl: 16,384 messages ([0-9.]* s)' 100
okd $? "while a big listing is read, the terminal says how many messages are in" "$TMP/got"
touch "$TMP/slow.front"
wait_for slow 'reading, [0-9,]* so far (16,384 shown) .*1/16,384' 100 &&
    ! grep -q "^mailroom: reading" "$TMP/got"
okd $? "then the screen starts with the queue's first 16,384 messages, saying it still reads" "$TMP/got"
T send-keys -t slow H
wait_for slow "^ hold: waits until the whole queue is read ([0-9,]* messages so far)"
okd $? "H: the action waits for the whole queue" "$TMP/got"
T send-keys -t slow z
wait_for slow "^ summary: waits until the whole queue is read"
okd $? "z: so does the summary" "$TMP/got"
T send-keys -t slow T
wait_for slow "^ tag all: waits until the whole queue is read"
okd $? "T: and tagging every message shown" "$TMP/got"
T send-keys -t slow r
wait_for slow "^ still reading the queue ([0-9,]* messages so far)"
okd $? "r: the first listing still runs, and says so" "$TMP/got"
T send-keys -t slow j j
wait_for slow 'reading, [0-9,]* so far (16,384 shown) .*3/16,384'
okd $? "j j moves the cursor meanwhile" "$TMP/got"
third=$(row 3 slow)
touch "$TMP/slow.rest"
wait_for slow "queue id B0000000000 again" 200
okd $? "the rest comes: the repeated queue id is said" "$TMP/got"
T send-keys -t slow k j
wait_for slow "150,000 messages .*3/150,000" && ! grep -q "reading" "$TMP/got" &&
    [ "$(row 3 slow)" = "$third" ]
okd $? "all 150,000 messages on the screen, the cursor still on $third" "$TMP/got"
T send-keys -t slow z
wait_for slow "^Summary of 150,000 messages"
okd $? "and z opens the summary of them all" "$TMP/got"
kill "$writer" 2>/dev/null # if mailroom never read it all, the writer waits no longer
wait "$writer" 2>/dev/null
T send-keys -t slow Q

# --- the rest of a big first listing fails: the front stays, said to be a part -------
# 20,000 good lines, the screen started on their front, then a line that is
# not JSON: the listing fails. The screen keeps the messages it has, says
# why and that they are only a part, and actions still wait for a whole
# listing.
mkfifo "$TMP/broken.jsonl"
start broken 100 24 "" --refresh 0 "postqueue-json:broken.jsonl"
(
    head -n 16383 "$TMP/big.jsonl"
    sleep 0.5
    sed -n '16384,20000p' "$TMP/big.jsonl"
    wait_file "$TMP/broken.go" 300
    echo 'not a message'
) >"$TMP/broken.jsonl" &
writer=$!
wait_for broken 'reading, [0-9,]* so far (16,384 shown)' 100
okd $? "a big listing from a pipe: the screen starts on its front" "$TMP/got"
touch "$TMP/broken.go"
wait_for broken "cannot list the queue whole (r lists again): broken.jsonl: line 20001" 100
okd $? "a bad line after it: the listing fails, and the status line says so" "$TMP/got"
T send-keys -t broken j
wait_for broken "broken.jsonl: first 16,384 only (listing failed) .*2/16,384"
okd $? "the front stays, said to be only a part" "$TMP/got"
T send-keys -t broken D
wait_for broken "^ delete: only part of the queue was read (the listing failed): r lists it again"
okd $? "D: no action on a part of the queue" "$TMP/got"
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
T send-keys -t broken Q

# --- a listing that does not come: the keys are answered meanwhile -------------
# The queue is a named pipe listed every second: the first listing comes,
# the next one waits for a writer that is not there (as a host that stops
# answering would make it wait). Meanwhile the cursor moves and the help
# opens and closes; when a listing comes, the screen takes it. Then r
# starts another, which waits, and Q quits at once all the same.
head -n 50 "$TMP/big.jsonl" >"$TMP/fifty.jsonl"
head -n 49 "$TMP/big.jsonl" >"$TMP/fortynine.jsonl"
mkfifo "$TMP/stall.jsonl"
cat "$TMP/fifty.jsonl" >"$TMP/stall.jsonl" &
first=$!
start stall 100 24 "" --refresh 1 "postqueue-json:stall.jsonl"
wait_for stall "50 messages .*1/50"
okd $? "a queue of 50 from a named pipe, listed every second" "$TMP/got"
sleep 2 # the next listing is due, and waits for the pipe
T send-keys -t stall j j
wait_for stall "50 messages .*3/50"
okd $? "while the next listing waits, j j moves the cursor to the third message" "$TMP/got"
T send-keys -t stall '?'
wait_for stall "^Keys of the queue list"
okd $? "and ? opens the help" "$TMP/got"
T send-keys -t stall q
wait_for stall "50 messages .*3/50"
okd $? "q closes it, back on the third message" "$TMP/got"
cat "$TMP/fortynine.jsonl" >"$TMP/stall.jsonl" &
second=$!
wait_for stall "49 messages" 50
okd $? "when the listing comes, the screen takes it: 49 messages" "$TMP/got"
T send-keys -t stall r
wait_for stall "listing the queue again"
okd $? "r: another listing, which waits for the pipe" "$TMP/got"
T send-keys -t stall Q
expect_exit stall 0 "Q quits at once, though the listing still waits" 20
kill "$first" "$second" 2>/dev/null
wait "$first" "$second" 2>/dev/null

# --- a message with 300,000 recipients: the detail shows them a part at a time ------
"$GEN" --seed 12 --now 1795435200 --count 3 "$TMP/wide.db" 2>/dev/null
"$PYTHON" - "$TMP/wide.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO message (queue_id, queue, arrival_time, size, sender) VALUES "
           "('WIDE1', 'deferred', 1795430000, 1000, 'list@example.org')")
mid = db.execute("SELECT id FROM message WHERE queue_id = 'WIDE1'").fetchone()[0]
db.executemany("INSERT INTO recipient (message, position, address, state, reason) VALUES "
               "(?, ?, ?, 'deferred', '451 4.7.1 try later')",
               ((mid, i, "r%d@example.net" % i) for i in range(300000)))
db.commit()
EOF
start wide 100 30 "" --refresh 0 wide.db
wait_for wide "4 messages" 300
T send-keys -t wide /
T send-keys -t wide -l 'id:WIDE1'
T send-keys -t wide Enter Enter
wait_for wide "Recipients 1 to 200 of 300,000" 300 && grep -q "part 1 of 1,500: \] shows the next part" "$TMP/got"
okd $? "Enter on 300,000 recipients: the first 200, and how to see the others" "$TMP/got"
T send-keys -t wide ]
# A capture can catch the terminal between two of ncurses' writes (the new
# number beside the old address): wait for the whole new row, then check the
# heading of the same capture.
wait_for wide "^ *201\. r200@example.net" && grep -q "Recipients 201 to 400 of 300,000" "$TMP/got"
okd $? "] shows the next 200" "$TMP/got"
T send-keys -t wide [ [
wait_for wide "Recipients 1 to 200 of 300,000" && wait_for wide "no part before this one"
okd $? "[ goes back; before the first there is none, said" "$TMP/got"
T send-keys -t wide Q

# --- a regular expression that backtracks: never unbounded on a keystroke -------
# Twenty reasons of 5,000 characters; (a|a){1,16}b takes a second or two on
# each (PCRE2 stops it at its match limit, which is a lot of steps): typing
# it does not freeze the screen, Enter can be stopped with Esc; one that only
# backtracks is refused with its column.
# slow_queue NAME N: a queue database $TMP/NAME.db of two generated messages
# and N more (SLOW0...) whose reasons of 5,000 characters make (a|a){1,16}b
# backtrack for a second or two each.
slow_queue() {
    "$GEN" --seed 16 --now 1795435200 --count 2 "$TMP/$1.db" 2>/dev/null
    "$PYTHON" - "$TMP/$1.db" "$2" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for i in range(int(sys.argv[2])):
    db.execute("INSERT INTO message (queue_id, queue, arrival_time, size, sender) VALUES "
               "(?, 'deferred', 1795430000, 100, 'who@example.org')", ("SLOW%d" % i,))
    mid = db.execute("SELECT id FROM message WHERE queue_id = ?", ("SLOW%d" % i,)).fetchone()[0]
    db.execute("INSERT INTO recipient (message, position, address, state, reason) VALUES "
               "(?, 0, 'x@example.net', 'deferred', ?)", (mid, "451 " + "a" * 5000 + "c b" + str(i)))
db.commit()
EOF
}
slow_queue regex 20
start regex 100 24 "" --refresh 0 regex.db
wait_for regex "22 messages"
T send-keys -t regex /
T send-keys -t regex -l 'reason:/(a|a){1,16}b/'
wait_for regex "takes longer than a keystroke: Enter applies it"
okd $? "a slow expression typed: its preview stops, and the line says Enter applies it" "$TMP/got"
T send-keys -t regex Enter
wait_for regex "filtering... (Esc or Ctrl-C stops it)"
okd $? "Enter: the status line says it is filtering and how to stop it" "$TMP/got"
T send-keys -t regex Escape
wait_for regex "filter: stopped, not applied; the one before stays" && grep -q "^SLOW" "$TMP/got"
okd $? "Esc stops it: not applied, every message still shown" "$TMP/got"
T send-keys -t regex /
T send-keys -t regex -l 'reason:/(a*)*\1$/'
wait_for regex 'column 8: reason:/(a\*)\*\\1\$/: too much backtracking: simplify it'
okd $? "an expression that only backtracks: refused with its column while typing" "$TMP/got"
T send-keys -t regex Escape Q
expect_exit regex 0 "Q quits with status 0"

# --- keys typed while a filter is applied: every one kept, in order ---------------
# Three reasons that (a|a){1,16}b takes a second or two each: ':' and 80
# letters typed while it runs (more than the 64 it keeps aside) all reach
# the command line after it.
slow_queue ahead 3
start ahead 100 24 "" --refresh 0 ahead.db
wait_for ahead "5 messages"
T send-keys -t ahead /
T send-keys -t ahead -l 'reason:/(a|a){1,16}b/'
wait_for ahead "takes longer than a keystroke: Enter applies it"
T send-keys -t ahead Enter
wait_for ahead "filtering... (Esc or Ctrl-C stops it)" 100
okd $? "Enter: filtering" "$TMP/got"
T send-keys -t ahead :
T send-keys -t ahead -N 80 x
wait_for ahead "^:$(printf '%080d' 0 | tr 0 x)\$" 300
okd $? "the 81 keys typed meanwhile: the command line holds ':' and the 80 letters" "$TMP/got"
T send-keys -t ahead Escape Q
expect_exit ahead 0 "Q quits with status 0"

# --- a message whose arrival is not known: its age is "-", not decades -----------
"$GEN" --seed 15 --now 1795435200 --count 2 "$TMP/noage.db" 2>/dev/null
"$PYTHON" - "$TMP/noage.db" <<'EOF'
import re, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
# A looser table as a hand-made queue may have: no NOT NULL on the arrival.
sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'message'").fetchone()[0]
loose = re.sub(r"arrival_time\s+INTEGER NOT NULL", "arrival_time INTEGER", sql)
assert loose != sql
db.executescript("PRAGMA foreign_keys=OFF; PRAGMA writable_schema=ON;")
db.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'message'", (loose,))
db.commit()
db.close()
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO message (queue_id, queue, arrival_time, size, sender) VALUES "
           "('NOAGE1', 'deferred', NULL, 100, 'who@example.org')")
db.commit()
EOF
start noage 100 24 "" --refresh 0 noage.db
wait_for noage "^NOAGE1 " && grep "^NOAGE1 " "$TMP/got" | grep -q "^NOAGE1 *deferred *0 *- "
okd $? "a message without a known arrival: its age is -" "$TMP/got"
T send-keys -t noage Q

# --- 80x24 ---------------------------------------------------------------------------------
start small 80 24 "" --demo
wait_for small "300 messages\|demo:"
T send-keys -t small z
expect_screen small summary-80x24 "the summary at 80x24"
T send-keys -t small q j j j j j j j j j j j j j j j j j j j j Enter
expect_screen small detail-80x24 "the detail at 80x24"
T send-keys -t small '?'
expect_screen small help-80x24 "the help at 80x24"
T send-keys -t small Q

# --- the key bar can be turned off -----------------------------------------------------------
mkdir -p "$TMP/nobar/mailroom"
printf 'set keybar no\n' >"$TMP/nobar/mailroom/config"
start nobar 100 30 "XDG_CONFIG_HOME=$TMP/nobar" --demo
expect_screen nobar list-no-keybar "set keybar no: one more row of the list, no key bar"
T send-keys -t nobar Q

tap_end
