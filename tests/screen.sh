#!/bin/sh
# The real mailroom binary in a real terminal: a detached tmux of fixed size
# with LANG=C.UTF-8, keys sent, screens captured as text and compared with
# the golden screens in tests/screens/. MAILROOM_NOW and TZ pin the clock so
# ages and times are the same on every run.
#
#   screen.sh MAILROOM SCREENS_DIR [MAILROOM_GEN PYTHON]
#
# MAILROOM_UPDATE_SCREENS=1 rewrites the golden screens from this run
# (then read every changed screen before committing it).
set -u

MAILROOM=$1
SCREENS=$2
GEN=${3:-}
PYTHON=${4:-}

. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/tmux.sh"
tmux_setup screen

# --- the demo: list, move, detail of a message with several recipients ---
start demo 100 30 "" --demo
expect_screen demo list-start "the demo opens on the queue list"
T send-keys -t demo j j j j j j j j j j j j j j j j j j j j
expect_screen demo list-moved "j moves the cursor down"
T send-keys -t demo Enter
expect_screen demo detail "Enter shows a message with 39 recipients, each with its reason"
T send-keys -t demo j j j j
expect_screen demo detail-scrolled "j scrolls the detail"
T send-keys -t demo PageDown PageDown
expect_screen demo detail-pagedown "PgDn pages through the recipients"
T send-keys -t demo m
expect_screen demo content "m shows the message's headers and body"
T send-keys -t demo q
expect_screen demo detail-pagedown "q goes back to the detail, where it was"
T send-keys -t demo q
expect_screen demo list-moved "q returns to the list, cursor kept"
T send-keys -t demo '?'
expect_screen demo help "? shows the help generated from the key table"
T send-keys -t demo Escape
expect_screen demo list-moved "Esc closes the help"
T send-keys -t demo G
expect_screen demo list-end "G goes to the last message"
T send-keys -t demo PageUp
expect_screen demo list-pageup "PgUp moves a page up"
T send-keys -t demo Home
expect_screen demo list-start "Home goes to the first message"
T resize-window -t demo -x 80 -y 24
expect_screen demo list-80x24 "a resize to 80x24 lays the list out again"
T resize-window -t demo -x 100 -y 30
expect_screen demo list-start "and back to 100x30"
T send-keys -t demo t t t
expect_screen demo list-tagged "t tags three messages: marked, counted in the status line"
T send-keys -t demo s
expect_screen demo list-sorted "s sorts by the next column (id), the cursor on its message"
T send-keys -t demo S
expect_screen demo list-sorted-reverse "S reverses the order"
# id, then queue size sender recipient cause attempts next-retry priority
# (source skipped: one source) and round to age.
T send-keys -t demo u s s s s s s s s s S g
expect_screen demo list-start "u removes the tags; s back round to the age order, g to the top"
T send-keys -t demo Escape Left h
expect_screen demo list-nothing-to-close "Esc, Left and h close nothing on the first view, and never quit"
T send-keys -t demo q
expect_exit demo 0 "q on the list quits with status 0"

# --- an incident on the demo queue: the prompt, tags, actions ------------
# Greylisted mail for one domain is found with a filter typed at the '/'
# prompt (Tab completes the category), tagged, held; the outcome is said,
# listed, and logged; then a destructive action asks first.
start incident 100 30 "" --demo
expect_screen incident list-start "incident: the demo queue"
T send-keys -t incident /
T send-keys -t incident -l 'cat:grey'
T send-keys -t incident Tab
expect_screen incident prompt-completed "Tab completes the category; the list follows the typing"
T send-keys -t incident -l 'domain:hartmann-logistik.de age:>1d'
T send-keys -t incident BSpace
expect_screen incident prompt-error "an error in the filter is shown with its column while typing"
T send-keys -t incident -l 'd'
T send-keys -t incident Enter
expect_screen incident incident-filtered "Enter keeps the filter, shown in the status line"
T send-keys -t incident T H
expect_screen incident incident-hold-confirm "T tags all shown, H asks first: messages and recipients"
T send-keys -t incident y
expect_screen incident incident-held "y holds them: the count and the outcome"
T send-keys -t incident o
expect_screen incident incident-outcomes "o lists the outcome of each message"
T send-keys -t incident q / C-u
T send-keys -t incident -l 'cat:greylisting'
T send-keys -t incident Enter T D
expect_screen incident incident-confirm "D asks first, with the count and a sample"
T send-keys -t incident n
expect_screen incident incident-not-done "anything but y leaves the mail alone"
T send-keys -t incident :
T send-keys -t incident -l 'rel'
T send-keys -t incident Tab Enter y
expect_screen incident incident-released "a command typed at : (Tab completes it) acts on the tagged; one was not held"
T send-keys -t incident / Up Up
expect_screen incident prompt-history "Up in the prompt goes back through the filters typed"
T send-keys -t incident Escape Q
expect_exit incident 0 "Esc leaves the prompt; Q quits"
grep -q "	hold	done 1	" "$TMP/state/mailroom/actions.log" &&
    grep -q "	release	done 1, failed 1	" "$TMP/state/mailroom/actions.log"
ok $? "the hold and the release are in actions.log, with their outcomes"
[ "$(grep -c '' "$TMP/state/mailroom/history" 2>/dev/null)" = 3 ] &&
    grep -qx '/cat:greylisting domain:hartmann-logistik.de age:>1d' "$TMP/state/mailroom/history" &&
    grep -qx ':release' "$TMP/state/mailroom/history"
ok $? "the prompt's history is kept in XDG_STATE_HOME/mailroom/history"
is "$(stat -c %a "$TMP/state/mailroom/history") $(stat -c %a "$TMP/state/mailroom")" "600 700" \
    "the history is 0600 in a 0700 directory"

# --- the summary and the code browser -----------------------------------
# The summary counts the mail shown by domain and age, by cause, by reason;
# Enter on a cell filters the list to it. The code browser searches the
# knowledge base as the query is typed.
start views 100 30 "" --demo
expect_screen views list-start "views: the demo queue"
[ "$(T display -p -t views '#{mouse_any_flag}')" = 0 ]
ok $? "the mouse is left to the terminal by default (no mouse reports asked for)"
T send-keys -t views z
expect_screen views summary "z summarises the queue: domains by age, causes, reasons"
T send-keys -t views j Right Right
expect_screen views summary-cell "arrows move over the table; the line above the status shows the filter"
T send-keys -t views Enter
expect_screen views summary-applied "Enter opens a list of that domain and age over the summary"
T send-keys -t views q
expect_screen views summary-cell "q goes back to the summary, on the same cell"
T send-keys -t views Enter
T send-keys -t views z
expect_screen views summary-of-shown "z again summarises only the mail shown"
T send-keys -t views G Enter
expect_screen views summary-reason "Enter on a reason adds its cause, code and host to the filter"
T send-keys -t views / C-u Enter g c
expect_screen views codes "c opens the code browser on the whole knowledge base"
T send-keys -t views /
T send-keys -t views -l 'quota'
expect_screen views codes-search "/ searches it as the query is typed"
T send-keys -t views Enter q
expect_screen views codes-back "q goes back to the list it was opened over"
T send-keys -t views :
T send-keys -t views -l 'codes 5.1.1'
T send-keys -t views Enter
expect_screen views codes-command ":codes QUERY opens the browser on a search"
T send-keys -t views q /
T send-keys -t views -l 'domain:nowhere.invalid'
T send-keys -t views Enter
expect_screen views list-no-match "a filter that matches nothing says so, not that the queue is empty"
T send-keys -t views q

# --- the mouse: a click selects, a double click opens, the wheel scrolls ---
# Raw X10 mouse reports (ESC [ M button x y, each + 32, 1-based) typed into
# the pane, as the terminal would send them.
mouse() { # mouse SESSION BUTTON X Y (0-based cell)
    T send-keys -t "$1" -H 1b 5b 4d "$(printf %x $((32 + $2)))" \
        "$(printf %x $((33 + $3)))" "$(printf %x $((33 + $4)))"
}
T send-keys -t views Q
mkdir -p "$TMP/mouse/mailroom"
printf 'set mouse yes\n' >"$TMP/mouse/mailroom/config"
start mouse 100 30 "XDG_CONFIG_HOME=$TMP/mouse" --demo
expect_screen mouse list-start "mouse: the demo queue"
[ "$(T display -p -t mouse '#{mouse_any_flag}')" = 1 ]
ok $? "set mouse yes: mouse reports asked for"
mouse mouse 0 5 21; mouse mouse 3 5 21
sleep 0.5 # longer than a double click takes
mouse mouse 65 5 21; mouse mouse 65 5 21; mouse mouse 64 5 21; mouse mouse 64 5 21
expect_screen mouse list-moved "a click selects the 21st row; two notches of the wheel down and two up come back"
mouse mouse 0 5 21; mouse mouse 3 5 21; mouse mouse 0 5 21; mouse mouse 3 5 21
expect_screen mouse detail "a double click opens the message"
T send-keys -t mouse Q
expect_exit mouse 0 "Q quits"

# --- the configuration: share/config, then the operator's own ------------
mkdir -p "$TMP/config/mailroom"
printf '# mine\nbind generic x act-hold\nbind list j none\ncolor status black green bold\nset refresh 0\n' \
    >"$TMP/config/mailroom/config"
# The SGR codes that start the status line (the row above the key bar),
# sorted: what the terminal was told to draw it with.
status_sgr() {
    T capture-pane -e -p -t "$1" | tail -n 2 | head -n 1 |
        sed -e "s/^\(\($(printf '\033')\[[0-9;]*m\)*\).*/\1/" | tr -c '0-9' '\n' |
        grep -v '^$' | sort -n | tr '\n' ' '
}
start config 100 30 "" --demo
expect_screen config list-start "config: the demo queue with the operator's configuration"
sgr=$(status_sgr config)
[ "$sgr" = "1 30 42 " ]
ok $? "color status black green bold reaches the terminal (SGR: $sgr)"
T send-keys -t config j Down x
expect_screen config config-bound "j unbound in the list does nothing (it says so); x holds, as bound, asking first"
T send-keys -t config n '?'
expect_screen config config-help "the help shows the keys as configured"
T send-keys -t config Q
expect_exit config 0 "Q quits"
printf 'bind generic j mvoe-down\n' >>"$TMP/config/mailroom/config"
start badconfig 100 30 "" --demo
expect_exit badconfig 2 "a bad configuration: mailroom does not start, exit status 2"
capture badconfig | grep -q "^mailroom: $TMP/config/mailroom/config:6: no request \"mvoe-down\""
ok $? "the error names the file, the line and the word"
rm -rf "$TMP/config/mailroom"

# --- colours: present by default, none with NO_COLOR ----------------------
has_colour() { # SGR foreground/background colour codes in the capture
    T capture-pane -e -p -t "$1" | grep -Eq "$(printf '\033')\\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5;[0-9]+)(;[0-9;]*)?m"
}
start colour 100 30 "" --demo
expect_screen colour list-start "colour session shows the same text"
has_colour colour
ok $? "colours are used when the terminal has them"
sgr=$(status_sgr colour)
[ "$sgr" = "37 44 " ]
ok $? "the status line as share/config colours it, white on blue (SGR: $sgr)"
T send-keys -t colour q
start nocolour 100 30 "NO_COLOR=1" --demo
expect_screen nocolour list-start "NO_COLOR session shows the same text"
! has_colour nocolour
ok $? "NO_COLOR=1: no colour at all"
T capture-pane -e -p -t nocolour | grep -q "$(printf '\033')\\[7m"
ok $? "NO_COLOR=1: the cursor row is still marked (reverse video)"
T send-keys -t nocolour q

# --- hostile queue content never reaches the terminal raw ----------------
if [ -n "$GEN" ] && [ -n "$PYTHON" ]; then
    "$GEN" --seed 9 --now 1795435200 --count 2 "$TMP/hostile.db" 2>/dev/null
    "$PYTHON" - "$TMP/hostile.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO message (queue_id, queue, arrival_time, size, sender) VALUES "
           "('EVIL1', 'deferred', 1795430000, 100, ?)",
           ("x\x1b]2;pwned\x07\x1b[2J\x1b[31m@evil.example",))
mid = db.execute("SELECT id FROM message WHERE queue_id = 'EVIL1'").fetchone()[0]
db.execute("INSERT INTO recipient (message, position, address, state, reason) VALUES "
           "(?, 0, 'v@victim.example', 'deferred', ?)",
           (mid, "host mx[192.0.2.1] said: 450 \x1b[1;1Hcaught\u202etxt.exe (in reply to RCPT TO command)"))
db.execute("UPDATE message SET headers = ?, body = ? WHERE queue_id != 'EVIL1'",
           (b"Subject: \x1b]2;pwned\x07hi\r\nX-Tab:\tone\ttwo\r\n",
            b"line \x1b[2Jone\r\n\r\n\xff\xfe bytes\tand \xe2\x80\xae reversed\r\n"))
db.commit()
EOF
    start hostile 100 24 "" hostile.db
    expect_screen hostile hostile "escape sequences and bidi controls are shown, not obeyed"
    [ "$(T display -p -t hostile '#{pane_title}')" != pwned ]
    ok $? "the queue could not set the terminal title"
    T send-keys -t hostile j Enter
    expect_screen hostile hostile-detail "the detail view shows them visibly too"
    T send-keys -t hostile m
    expect_screen hostile hostile-no-content "m on a message whose content is not kept says so"
    T send-keys -t hostile q k m
    expect_screen hostile hostile-content "headers and body are shown with escapes visible, tabs expanded"
    [ "$(T display -p -t hostile '#{pane_title}')" != pwned ]
    ok $? "the message's content could not set the terminal title"
    T send-keys -t hostile q
    T send-keys -t hostile Q
    expect_exit hostile 0 "Q quits from the detail view"

    # --- a mailroom file with a looser schema (no STRICT, no NOT NULL) -----
    # A NULL sender once crashed the screen: it is taken as the null sender,
    # and the row's warning is on the last line when the screen starts.
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
INSERT INTO message VALUES (1, 'N1', 'hold', 1795431600, 100, NULL, 0, 0, NULL, NULL);
INSERT INTO recipient VALUES (1, 0, 'b@example.org', NULL, 'pending', NULL, 0, NULL, NULL);
""")
# A NUL inside a sender, a reason and the message's content.
db.execute("INSERT INTO message VALUES (2, 'N2', 'deferred', 1795432000, 100, ?, 0, 0, ?, ?)",
           ("s\x00hidden@x.example", b"Subject: a\x00b\r\n", b"before\x00after\r\n"))
db.execute("INSERT INTO recipient VALUES (2, 0, 'c@example.org', NULL, 'deferred', ?, 1, NULL, NULL)",
           ("450 try\x00 later",))
db.commit()
EOF
    start loose 120 24 "" loose.db
    wait_for loose 'message N1: sender is NULL (taken as the null sender)'
    ok $? "a NULL sender: the screen starts and says what it took it as"
    T send-keys -t loose Enter
    wait_for loose 'Queue  *hold'
    ok $? "a NULL sender: the message's detail opens"
    T send-keys -t loose q
    wait_for loose '^N2 .* s^@.*den@x.example .* 450 try^@ later'
    okd $? "a NUL in a sender and a reason: shown as ^@, and what follows it too" "$TMP/got"
    T send-keys -t loose j m
    wait_for loose '^before^@after$'
    okd $? "a NUL in a message's body: ^@, and the rest of the line" "$TMP/got"
    grep -q '^Subject: a^@b$' "$TMP/got"
    okd $? "a NUL in a header: ^@, and the rest of the line" "$TMP/got"
    T send-keys -t loose Q
    expect_exit loose 0 "a NULL sender: Q quits, no crash"

    # --- the list follows the queue: automatic refresh ---------------------
    # A message tagged on the screen is deleted by another program; within
    # the interval the list drops it and says a tag went with it.
    "$GEN" --seed 5 --now 1795435200 --count 20 "$TMP/refresh.db" 2>/dev/null
    start refresh 100 24 "" --refresh 1 refresh.db
    expect_screen refresh refresh-start "a queue of 20 listed every second"
    first=$(capture refresh | sed -n 2p | cut -d' ' -f1)
    T send-keys -t refresh t
    "$MAILROOM" act delete --yes "$first" "sqlite:$TMP/refresh.db" >"$TMP/act.out" 2>&1
    ok $? "another program deletes the tagged message $first"
    expect_screen refresh refresh-left "the next listing drops it and counts the lost tag"
    T send-keys -t refresh : C-u
    T send-keys -t refresh -l 'refresh off'
    T send-keys -t refresh Enter
    expect_screen refresh refresh-off ":refresh off: listed again only on r"
    T send-keys -t refresh Q
    expect_exit refresh 0 "Q quits"

    # --- several sources as one -------------------------------------------
    # Two generated queues with the same ids: a SOURCE column, the source:
    # filter completed by Tab, rate-limited mail held on both at once, each
    # outcome under its source, the detail naming it, w the sources.
    mkdir -p "$TMP/mx1" "$TMP/mx2"
    "$GEN" --seed 7 --now 1795435200 --count 40 "$TMP/mx1/queue.db" 2>/dev/null
    "$GEN" --seed 7 --now 1795435200 --count 40 "$TMP/mx2/queue.db" 2>/dev/null
    start fleet 110 24 "" mx1/queue.db mx2/queue.db
    expect_screen fleet fleet-list "two sources in one list, a SOURCE column first"
    T send-keys -t fleet z
    expect_screen fleet fleet-summary "z with two sources: recipients by source and age as well"
    T send-keys -t fleet j j j j j j j j j j j j Right
    expect_screen fleet fleet-summary-source "the cursor on a source's cell, its filter shown"
    T send-keys -t fleet Enter
    expect_screen fleet fleet-summary-applied "Enter filters the list to that source and age"
    T send-keys -t fleet / C-u Enter
    T send-keys -t fleet /
    T send-keys -t fleet -l 'source:mx2'
    T send-keys -t fleet Tab
    T send-keys -t fleet -l ' cat:rate'
    T send-keys -t fleet Tab Enter
    expect_screen fleet fleet-filtered "source: (Tab completes the source) keeps mx2's rate-limited mail"
    T send-keys -t fleet / C-u
    T send-keys -t fleet -l 'cat:rate-limited'
    T send-keys -t fleet Enter T H y
    # Keys typed during an action that takes a while are dropped: o waits.
    wait_for fleet "hold: .* done"
    T send-keys -t fleet o
    expect_screen fleet fleet-outcomes "T H y on both sources: each outcome under its source"
    T send-keys -t fleet q Enter
    expect_screen fleet fleet-detail "the detail names the message's source"
    T send-keys -t fleet w
    i=0
    while [ $i -lt 50 ] && ! capture fleet | grep -q '^Sources: 2, 0 failed'; do
        sleep 0.1
        i=$((i + 1))
    done
    capture fleet >"$TMP/got"
    grep -q '^Sources: 2, 0 failed, 0 listing now' "$TMP/got" &&
        grep -q '^  mx1/queue.db  40 messages, listed at 12:00:00 in [0-9.]* s$' "$TMP/got" &&
        grep -q '^  mx2/queue.db  40 messages, listed at ' "$TMP/got"
    ok $? "w: each source, its count and when it was listed"
    T send-keys -t fleet q Q
    expect_exit fleet 0 "Q quits"
    held1=$("$MAILROOM" list --json --filter 'queue:hold cat:rate-limited' "$TMP/mx1/queue.db" | wc -l)
    held2=$("$MAILROOM" list --json --filter 'queue:hold cat:rate-limited' "$TMP/mx2/queue.db" | wc -l)
    [ "$held1" -gt 0 ] && [ "$held2" -gt 0 ] &&
        grep -q "	mx1/queue.db	hold	done $held1	" "$TMP/state/mailroom/actions.log" &&
        grep -q "	mx2/queue.db	hold	done $held2	" "$TMP/state/mailroom/actions.log"
    ok $? "held in each queue ($held1, $held2), a line per source in actions.log"
fi

tap_end
