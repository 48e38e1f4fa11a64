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
# (Its prompt's history is its own: the incident below counts its lines.)
start demo 100 30 "XDG_STATE_HOME=$TMP/demo-state" --demo
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
# The same order typed as a command: :sort id first (not reversed), then
# :sort id reverse comes back to what S showed.
T send-keys -t demo :
T send-keys -t demo -l 'sort id'
T send-keys -t demo Enter
wait_for demo '^ sorted by id  .* by id  '
okd $? ":sort id: sorted by id, not reversed" "$TMP/got"
T send-keys -t demo :
T send-keys -t demo -l 'sort id reverse'
T send-keys -t demo Enter
expect_screen demo list-sorted-reverse ":sort id reverse: the order S gave, said to be reversed"
# id, then queue size sender recipient cause attempts: sorted by attempts,
# TRIES and LAST show even at 100 columns, where the reason keeps them out.
T send-keys -t demo u s s s s s s
expect_screen demo list-sorted-attempts "sorted by attempts (reversed): TRIES and LAST take room from the reason"
# last-attempt next-retry priority (source skipped: one source) and round
# to age, unreversed.
T send-keys -t demo s s s s S g
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
# qshape's other views: s counts messages by sender domain (qshape -s), Tab
# goes round the queues (every one, qshape's incoming and active, then each).
T send-keys -t views s
expect_screen views summary-senders "s: messages by sender domain, the null sender as MAILER-DAEMON"
T send-keys -t views Tab
expect_screen views summary-qshape "Tab: the incoming and active queues, qshape's own default"
T send-keys -t views Tab Tab Tab Tab
expect_screen views summary-hold "Tab round to the hold queue, by sender domain"
T send-keys -t views h h Enter
expect_screen views summary-hold-applied "Enter on the total lists the held mail of that sender domain"
T send-keys -t views q l l s Tab k j
expect_screen views summary-cell "q, s and Tab come back round to every queue by recipient domain"
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

# --- Ctrl-L: every row drawn again --------------------------------------
# Another program writes on the terminal behind the screen's back (wall,
# a background job): curses does not know, and draws only what it changes;
# Ctrl-L draws the whole screen again.
start redraw 100 30 "" --demo
expect_screen redraw list-start "redraw: the demo queue"
printf '\033[5;10HGARBAGE from elsewhere\033[12;1H\033[2K\033[30;1H\033[2K' \
    >"$(T display -p -t redraw '#{pane_tty}')"
wait_for redraw '^757F11326GARBAGE from elsewhere' &&
    [ "$(sed -n 12p "$TMP/got")" = "" ] && [ "$(sed -n 30p "$TMP/got")" = "" ]
okd $? "text written to the terminal from outside: a row overwritten, two erased" "$TMP/got"
T send-keys -t redraw C-l
expect_screen redraw list-start "Ctrl-L draws the screen again, exactly as it was"
T send-keys -t redraw Q
expect_exit redraw 0 "Q quits"

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
# Once the row is selected the click is over: the wheel's notches that
# follow are not taken for a second click.
wait_for mouse ' 21/300  '
okd $? "a click selects the 21st row" "$TMP/got"
mouse mouse 65 5 21; mouse mouse 65 5 21
expect_screen mouse list-wheel-down "two notches of the wheel down: 3 rows each, to the 27th"
mouse mouse 64 5 21; mouse mouse 64 5 21
expect_screen mouse list-moved "two notches up come back to the 21st"
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

# --- the prompt keeps the last 500 lines of each kind ----------------------
# A history of 501 filters, oldest first: the first is dropped as it is
# read; Up walks back to the second and no further. One more typed drops
# the second too, and the file is written with 500.
mkdir -p "$TMP/hist/mailroom"
i=1
while [ $i -le 501 ]; do
    printf '/domain:d%03d.example\n' $i
    i=$((i + 1))
done >"$TMP/hist/mailroom/history"
start hist 100 24 "XDG_STATE_HOME=$TMP/hist" --demo
wait_for hist "300 messages"
T send-keys -t hist / Up
wait_for hist '^/domain:d501\.example$'
okd $? "Up in the prompt: the latest line of the history" "$TMP/got"
T send-keys -t hist -N 499 Up
wait_for hist '^/domain:d002\.example$' 300
okd $? "499 more: the second line of the file, the 500th back" "$TMP/got"
T send-keys -t hist Up Down
wait_for hist '^/domain:d003\.example$'
okd $? "Up goes no further (the first line was dropped): Down then shows the third" "$TMP/got"
T send-keys -t hist C-u
T send-keys -t hist -l 'domain:d502.example'
T send-keys -t hist Enter Q
expect_exit hist 0 "Q quits, the history written"
h=$TMP/hist/mailroom/history
is "$(grep -c '' "$h") $(head -n 1 "$h") $(tail -n 1 "$h")" \
    "500 /domain:d003.example /domain:d502.example" \
    "the file keeps 500 lines: the third to the one typed last"

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
    # 150 columns: the sender's column holds all of "s^@den@x.example"
    # beside TRIES and LAST.
    start loose 150 24 "" loose.db
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

    # --- a locale without UTF-8: ASCII stands in for the rest ---------------
    # LANG=C: a character the locale cannot show is a '?' (drawn as an
    # escape), a cut is '~' at the start of an address and '>' at the end of
    # a text.
    "$GEN" --seed 13 --now 1795435200 --count 3 "$TMP/ascii.db" 2>/dev/null
    "$PYTHON" - "$TMP/ascii.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO message (queue_id, queue, arrival_time, size, sender) VALUES "
           "('UTF8A', 'deferred', 1795431000, 2000, 'zoë@café.fr')")
mid = db.execute("SELECT id FROM message WHERE queue_id = 'UTF8A'").fetchone()[0]
db.execute("INSERT INTO recipient (message, position, address, state, reason, attempts) VALUES "
           "(?, 0, 'jürgen@müller.de', 'deferred', ?, 2)",
           (mid, "host mx.mueller.de[192.0.2.9] said: 450 4.2.1 Postfach “jürgen” "
                 "vorübergehend gesperrt — später erneut versuchen (in reply to RCPT TO command)"))
db.execute("INSERT INTO recipient (message, position, address, state, reason, attempts) VALUES "
           "(?, 1, 'ana@ñandú.example', 'deferred', '451 4.3.0 ñandú: Temporärer Fehler', 2)", (mid,))
db.commit()
PY
    start ascii 120 24 "LANG=C LC_ALL=C" --refresh 0 ascii.db
    expect_screen ascii ascii-list "LANG=C: '?' for what ASCII cannot show, '~' and '>' where a cell is cut"
    T send-keys -t ascii G Enter
    expect_screen ascii ascii-detail "LANG=C: the detail too, the reasons wrapped whole"
    T send-keys -t ascii Q
    expect_exit ascii 0 "Q quits"

    # --- 100 messages or more: asked first, even where nothing else asks -----
    # set confirm destructive lets hold run without a question, up to 99
    # messages; from 100 on it asks. n leaves the queue as it was, y holds.
    "$GEN" --seed 3 --now 1795435200 --count 500 "$TMP/many.db" 2>/dev/null
    mkdir -p "$TMP/destructive/mailroom"
    printf 'set confirm destructive\n' >"$TMP/destructive/mailroom/config"
    held() { "$MAILROOM" list --json --filter queue:hold "$TMP/many.db" | grep -c .; }
    before=$(held)
    start many 120 30 "XDG_CONFIG_HOME=$TMP/destructive" --refresh 0 many.db
    wait_for many "many.db"
    T send-keys -t many /
    T send-keys -t many -l 'queue:deferred'
    T send-keys -t many Enter
    wait_for many '/queue:deferred .*/292 '
    T send-keys -t many g
    T send-keys -t many -N 99 t
    # Each key draws the screen again: 99 of them take a while.
    wait_for many " 99 tagged " 300
    okd $? "99 deferred messages tagged" "$TMP/got"
    T send-keys -t many H
    wait_for many '^ hold: 99 done, 0 delivered, 0 not found, 0 failed (o lists them) '
    okd $? "H on 99: not asked, held" "$TMP/got"
    is "$(held)" "$((before + 99))" "99 more messages on hold"
    T send-keys -t many g
    T send-keys -t many -N 100 t
    wait_for many " 100 tagged " 300
    okd $? "100 tagged" "$TMP/got"
    T send-keys -t many H
    expect_screen many many-confirm "H on 100: asked first, with the count and a sample"
    T send-keys -t many n
    wait_for many '^ hold: not done  .* 100 tagged '
    okd $? "n: not done, the 100 still tagged" "$TMP/got"
    is "$(held)" "$((before + 99))" "n: no message more on hold"
    T send-keys -t many H
    wait_for many '^ hold 100 messages, .* \[y/N\]' && T send-keys -t many y
    wait_for many '^ hold: 100 done, 0 delivered, 0 not found, 0 failed (o lists them) '
    okd $? "y: 100 done" "$TMP/got"
    is "$(held)" "$((before + 199))" "y: 100 more messages on hold"
    # One message: retry goes without a question; requeue, which cannot be
    # taken back (a new id, the reasons and attempts gone), asks.
    T send-keys -t many F
    wait_for many '^ retry: 1 done, 0 delivered, 0 not found, 0 failed (o lists them) '
    okd $? "set confirm destructive: F on one message is not asked" "$TMP/got"
    T send-keys -t many R
    wait_for many '^ requeue 1 message, [0-9]* recipients\{0,1\} on sqlite:many.db? \[y/N\] ('
    okd $? "set confirm destructive: R on one message asks" "$TMP/got"
    T send-keys -t many n
    wait_for many '^ requeue: not done '
    okd $? "n: not done" "$TMP/got"
    T send-keys -t many Q
    expect_exit many 0 "Q quits"

    # --- the action keys on a queue that changes: F + - E R ------------------
    # Each asks (set confirm all, the default) about the message under the
    # cursor; y does it: the status line counts the outcome, and the list,
    # the detail and the queue itself show what changed.
    "$GEN" --seed 4 --now 1795435200 --count 20 "$TMP/act.db" 2>/dev/null
    # field ID EXPR: EXPR of the message's JSON (m) in mailroom list.
    field() {
        "$MAILROOM" list --json --filter "id:$1" "$TMP/act.db" |
            "$PYTHON" -c "import json, sys; m = json.loads(sys.stdin.readline()); print($2)"
    }
    start act 120 24 "" --refresh 0 act.db
    expect_screen act act-start "act: a queue of 20, its first row a deferred message at priority 0"
    T send-keys -t act +
    expect_screen act act-priority-up-ask "+ asks about the message under the cursor"
    T send-keys -t act y
    wait_for act '^ priority-up: 1 done, 0 delivered, 0 not found, 0 failed (o lists them) ' &&
        grep -q '^1A95CEBBA48 deferred    1 ' "$TMP/got"
    okd $? "y: priority-up done, the PRIO column says 1" "$TMP/got"
    is "$(field 1A95CEBBA48 'm["priority"]')" 1 "+: the queue has it at priority 1"
    T send-keys -t act -
    wait_for act '^ priority-down 1 message, 1 recipient on sqlite:act.db? \[y/N\] (1A95CEBBA48)$'
    okd $? "- asks about the same message" "$TMP/got"
    T send-keys -t act y
    wait_for act '^ priority-down: 1 done, 0 delivered, 0 not found, 0 failed (o lists them) '
    okd $? "y: priority-down done" "$TMP/got"
    T send-keys -t act - y
    wait_for act '^1A95CEBBA48 deferred   -1 '
    okd $? "- once more: the PRIO column says -1" "$TMP/got"
    is "$(field 1A95CEBBA48 'm["priority"]')" -1 "-: the queue has it at priority -1"
    T send-keys -t act j F
    wait_for act '^ retry 1 message, 1 recipient on sqlite:act.db? \[y/N\] (5F588DB6EAC)$'
    okd $? "F asks about the second row's message" "$TMP/got"
    T send-keys -t act y
    wait_for act '^ retry: 1 done, 0 delivered, 0 not found, 0 failed (o lists them) '
    okd $? "y: retry done" "$TMP/got"
    T send-keys -t act Enter
    wait_for act '^  Next retry  2026-11-23 12:00:00  (now)$' &&
        grep -q '^     deferred, 54 attempts, last 3m 52s ago, next due now$' "$TMP/got"
    okd $? "its detail: the next retry is now, for the message and its recipient" "$TMP/got"
    is "$(field 5F588DB6EAC '{r["next_retry"] for r in m["recipients"]}')" "{1795435200}" \
        "F: the queue has its recipient due now"
    T send-keys -t act q j j j j E
    wait_for act '^ expire 1 message, 1 recipient on sqlite:act.db? \[y/N\] This cannot be undone. (8A981C9726D)$'
    okd $? "E asks, and says it cannot be undone" "$TMP/got"
    T send-keys -t act y
    wait_for act '^ expire: 1 done, 0 delivered, 0 not found, 0 failed (o lists them) '
    okd $? "y: expire done" "$TMP/got"
    T send-keys -t act Enter
    wait_for act '^  State       expiring: expired by the operator (postsuper -e): returned to the sender at the next attempt$'
    okd $? "its detail: expiring, and why" "$TMP/got"
    grep -q '^  Queue       deferred$' "$TMP/got" &&
        grep -q '^     deferred, ' "$TMP/got"
    okd $? "its detail: still in its queue, its recipient's state and reason as they were" "$TMP/got"
    is "$(field 8A981C9726D 'm["forced_expire"]')" True "E: the queue has it expired"
    T send-keys -t act q j R
    wait_for act '^ requeue 1 message, 1 recipient on sqlite:act.db? \[y/N\] (9E8BA59A0E1)$'
    okd $? "R asks about the seventh row's message" "$TMP/got"
    T send-keys -t act y
    wait_for act '^ requeue: 1 done, 0 delivered, 0 not found, 0 failed (o lists them) '
    okd $? "y: requeue done" "$TMP/got"
    new=$("$PYTHON" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(
        "SELECT new_queue_id FROM action_log WHERE action = ? AND queue_id = ?",
        ("requeue", "9E8BA59A0E1")).fetchone()[0])' "$TMP/act.db")
    ! grep -q '^9E8BA59A0E1 ' "$TMP/got" &&
        sed -n 8p "$TMP/got" | grep -q "^$new maildrop    0  13h   80K "
    okd $? "the seventh row is the message under its new id $new, in maildrop" "$TMP/got"
    is "$(field "$new" '[r["state"] for r in m["recipients"]]')" "['pending']" \
        "R: the queue has it under $new, its recipient pending"
    T send-keys -t act o
    wait_for act "^  9E8BA59A0E1    done       now $new\$"
    okd $? "o: the old id, done, now the new one" "$TMP/got"
    T send-keys -t act Q
    expect_exit act 0 "Q quits"

    # --- a message of 25,000 lines: the first 20,000 are shown ---------------
    "$GEN" --seed 11 --now 1795435200 --count 2 "$TMP/huge.db" 2>/dev/null
    "$PYTHON" - "$TMP/huge.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
def add(queue_id, size, headers, body):
    db.execute("INSERT INTO message (queue_id, queue, arrival_time, size, sender, headers, body) "
               "VALUES (?, 'deferred', 1795430000, ?, 'big@example.org', ?, ?)",
               (queue_id, size, headers, body))
    mid = db.execute("SELECT id FROM message WHERE queue_id = ?", (queue_id,)).fetchone()[0]
    db.execute("INSERT INTO recipient (message, position, address, state, reason) VALUES "
               "(?, 0, 'r@example.net', 'deferred', '451 4.7.1 try later')", (mid,))
add("HUGE1", 500000, b"Subject: many lines\r\nFrom: big@example.org\r\n",
    b"".join(b"body line %05d\r\n" % i for i in range(1, 25001)))
# One line of 3 MB: wrapped at 100 columns it is 30,000 screen lines.
add("HUGE2", 3000000, b"Subject: one long line\r\n", b"y" * 3000000 + b"\r\nlast line\r\n")
db.commit()
PY
    start huge 100 24 "" --refresh 0 huge.db
    wait_for huge "^HUGE1 "
    T send-keys -t huge /
    T send-keys -t huge -l 'id:HUGE1'
    T send-keys -t huge Enter m
    # Laying out 20,000 lines is work: with the sanitizers on a loaded
    # machine it takes seconds, so these waits are long (they end as soon as
    # the screen shows what is waited for).
    wait_for huge '^body line 00001$' 300 && grep -q '^Content of HUGE1 (415K)$' "$TMP/got"
    okd $? "m on a message of 25,000 lines: its start" "$TMP/got"
    T send-keys -t huge G
    wait_for huge '^(the first 20,000 lines are shown' 300
    expect_screen huge content-cut "G: the 20,000th line (two headers and the empty line, then the body), and how much is not shown"
    T send-keys -t huge Q
    expect_exit huge 0 "Q quits" 300
    start huge2 100 24 "" --refresh 0 huge.db
    wait_for huge2 "^HUGE2 "
    T send-keys -t huge2 /
    T send-keys -t huge2 -l 'id:HUGE2'
    T send-keys -t huge2 Enter m
    wait_for huge2 '^yyyy' 300
    T send-keys -t huge2 G
    wait_for huge2 'the last of them goes on, and 11 more after it are not' 300 &&
        grep -q '^yyyy' "$TMP/got" && ! grep -q 'last line' "$TMP/got"
    okd $? "one line of 3 MB: cut at 20,000 screen lines, and the note says the line goes on" "$TMP/got"
    T send-keys -t huge2 Q
    expect_exit huge2 0 "Q quits" 300
fi

tap_end
