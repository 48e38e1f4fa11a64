#!/bin/sh
# A walk through every view of the screen and every key its help lists, on
# a 5,000-message demo queue listed again every second, in a real terminal
# (tmux). Each key is followed by n (which answers any question no, and is
# harmless elsewhere) and Esc until the list is back, so every prompt is
# opened and cancelled and no action runs. In the build with
# AddressSanitizer and UndefinedBehaviorSanitizer their reports go to files
# of the test's own: the walk passes when there are none and mailroom
# quits with status 0 at the end.
#
#   walk.sh MAILROOM
set -u

MAILROOM=$1
SCREENS=/nonexistent # no golden screens here

. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/tmux.sh"
tmux_setup walk

mkdir "$TMP/reports"
reports="log_path=$TMP/reports/report"
asan="${ASAN_OPTIONS:+$ASAN_OPTIONS:}$reports"
ubsan="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}$reports"

# How a view is reached from the list, by its name in the help's title.
path_to() {
    case $1 in
    "the queue list") echo "" ;;
    "a message's envelope"*) echo "Enter" ;;
    "a message's headers"*) echo "m" ;;
    "the mail shown by domain"*) echo "z" ;;
    "the reply codes"*) echo "c" ;;
    "the help") echo "?" ;;
    "the outcomes"*) echo "o" ;;
    "each source's state"*) echo "w" ;;
    esac
}

# A key as the help names it, sent as tmux sends it.
press() {
    case $1 in
    ?) T send-keys -t walk -l "$1" ;;
    PgDn) T send-keys -t walk NPage ;;
    PgUp) T send-keys -t walk PPage ;;
    Esc) T send-keys -t walk Escape ;;
    Ins) T send-keys -t walk IC ;;
    Del) T send-keys -t walk DC ;;
    Backspace) T send-keys -t walk BSpace ;;
    Shift-Tab) T send-keys -t walk BTab ;;
    Ctrl-?) T send-keys -t walk "C-$(printf %s "${1#Ctrl-}" | tr 'A-Z' 'a-z')" ;;
    *) T send-keys -t walk "$1" ;;
    esac
}

# Back to the list from anywhere: n answers a question, Esc closes a
# prompt or a view and never quits.
home() {
    T send-keys -t walk n
    T send-keys -t walk Escape Escape Escape Escape Escape
}

# The keys the help lists on the screen (one per line), from a capture.
help_keys() {
    # "  j, Down               Move down one line": key names (no blanks in
    # them) joined by ", ", then two blanks or more; the notes below the
    # keys have single blanks between words.
    sed -n 's/^  \([^ ,]\{1,\}\(, [^ ,]\{1,\}\)*\)  .*/\1/p' "$1" | sed 's/, /\n/g'
}

start walk 120 60 "ASAN_OPTIONS=$asan UBSAN_OPTIONS=$ubsan" --refresh 1 demo:5000
wait_for walk "5,000 messages" 200
okd $? "demo:5000 opens, listed every second" "$TMP/got"
# An action first, so that the outcomes view has lines to walk.
T send-keys -t walk j H
wait_for walk "\[y/N\]" && T send-keys -t walk y
wait_for walk "hold: 1 done"
okd $? "one message held, for the outcomes view" "$TMP/got"

views=0
keys=0
for view in "the queue list" "a message's envelope" "a message's headers" \
    "the mail shown by domain" "the reply codes" "the help" "the outcomes" \
    "each source's state"; do
    path=$(path_to "$view")
    for k in $path; do press "$k"; done
    T send-keys -t walk '?'
    if ! wait_for walk "^Keys of $view"; then
        ok 1 "the help of $view opens"
        diag "$TMP/got"
        home
        continue
    fi
    cp "$TMP/got" "$TMP/help"
    help_keys "$TMP/help" >"$TMP/keys"
    home
    views=$((views + 1))
    while IFS= read -r key; do
        # q and Q quit from the list; Q from anywhere: left for the end.
        if [ "$key" = Q ] || { [ "$key" = q ] && [ -z "$path" ]; }; then
            continue
        fi
        for k in $path; do press "$k"; done
        press "$key"
        sleep 0.05
        home
        keys=$((keys + 1))
        if [ $((keys % 40)) = 0 ]; then
            # Now and then a resize, with whatever is open.
            T resize-window -t walk -x 80 -y 24
            sleep 0.1
            T resize-window -t walk -x 120 -y 60
        fi
    done <"$TMP/keys"
    # The first view's key bar is the only one with "q Quit".
    wait_for walk "^ID " && wait_for walk " q Quit *$"
    okd $? "after every key of $view ($(grep -c . "$TMP/keys") listed): back on the list" "$TMP/got"
done
[ "$views" = 8 ]
ok $? "every view's help was walked ($views views, $keys keys)"
T send-keys -t walk Q
expect_exit walk 0 "Q quits with status 0 after the walk"
# A report is an error of ASan, LSan or UBSan; LeakSanitizer also writes
# the list of suppressions it used (tests/lsan.supp), which is none.
grep -l "ERROR: \|runtime error" "$TMP"/reports/* >"$TMP/found" 2>/dev/null
[ ! -s "$TMP/found" ]
ok $? "no sanitizer report"
while read -r r; do
    head -40 "$r" | sed 's/^/#   /'
done <"$TMP/found"

tap_end
