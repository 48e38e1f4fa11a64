# The real mailroom in a real terminal, for the screen tests; sourced, not
# run. A private tmux server (its own socket, stopped by its PID when the
# test ends, however it ends), sessions of fixed size with LANG=C.UTF-8,
# MAILROOM_NOW and TZ pinned so that ages and times are the same on every
# run, and the operator's files (history, actions log, configuration) in
# the test's own directory.
#
#   tmux_setup NAME     makes $TMP, starts nothing yet; skips without tmux
#   start SESSION WIDTH HEIGHT EXTRA_ENV ARGS...
#                       mailroom ARGS in a new session; its exit status
#                       lands in $TMP/SESSION.status
#   capture SESSION     the screen as text
#   expect_screen SESSION GOLDEN WHAT
#                       polls until the screen equals $SCREENS/GOLDEN.txt (5 s
#                       at most), then checks it; MAILROOM_UPDATE_SCREENS=1
#                       rewrites the golden from this run instead
#   wait_for SESSION PATTERN [TENTHS]
#                       polls until a line of the screen matches the grep
#                       pattern (default 5 s); the screen is left in $TMP/got
#   expect_exit SESSION STATUS WHAT
#   status_line SESSION the status line (the row above the key bar)
#
# Needs $MAILROOM and $SCREENS set, and tap.sh sourced.

tmux_setup() {
    if ! command -v tmux >/dev/null 2>&1; then
        echo "1..0 # SKIP tmux is not installed"
        exit 0
    fi
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroom-$1.XXXXXX")
    SOCKET="$TMP/tmux.sock"
    trap tmux_cleanup EXIT INT TERM
    # The prompt's history and the actions log go to the test's own
    # directory, and the configuration is read from it (none there:
    # share/config alone).
    ENVIRONMENT="MAILROOM_NOW=1795435200 TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 XDG_STATE_HOME=$TMP/state XDG_CONFIG_HOME=$TMP/config"
}

T() { tmux -S "$SOCKET" -f /dev/null "$@"; }

tmux_cleanup() {
    # The tmux server this test started, by its PID.
    if [ -s "$TMP/server.pid" ]; then
        kill "$(cat "$TMP/server.pid")" 2>/dev/null
    fi
    rm -rf "$TMP"
}

start() {
    session=$1 width=$2 height=$3 extra=$4
    shift 4
    cmd="cd $TMP && env $ENVIRONMENT $extra $MAILROOM $*; echo \$? >$TMP/$session.status; sleep 60"
    if [ ! -S "$SOCKET" ]; then
        LANG=C.UTF-8 T new-session -d -s "$session" -x "$width" -y "$height" "$cmd"
        T display -p '#{pid}' >"$TMP/server.pid"
    else
        T new-session -d -s "$session" -x "$width" -y "$height" "$cmd"
    fi
}

capture() { T capture-pane -p -t "$1"; }

expect_screen() {
    session=$1 golden=$2 what=$3
    file="$SCREENS/$golden.txt"
    i=0
    while [ $i -lt 50 ]; do
        capture "$session" >"$TMP/got"
        if [ -f "$file" ] && cmp -s "$TMP/got" "$file"; then
            break
        fi
        sleep 0.1
        i=$((i + 1))
    done
    if [ "${MAILROOM_UPDATE_SCREENS:-}" = 1 ]; then
        sleep 0.5
        capture "$session" >"$file"
    fi
    cmp -s "$TMP/got" "$file"
    status=$?
    ok $status "$what (screen $golden)"
    if [ $status -ne 0 ]; then
        diff -u "$file" "$TMP/got" | head -40 | sed 's/^/#   /'
    fi
}

wait_for() {
    session=$1 pattern=$2 tenths=${3:-50}
    i=0
    while [ $i -lt "$tenths" ]; do
        capture "$session" >"$TMP/got"
        if grep -q -- "$pattern" "$TMP/got"; then
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

expect_exit() {
    session=$1 want=$2 what=$3 tenths=${4:-50}
    i=0
    while [ ! -s "$TMP/$session.status" ] && [ $i -lt "$tenths" ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ "$(cat "$TMP/$session.status" 2>/dev/null)" = "$want" ]
    ok $? "$what"
}

status_line() { capture "$1" | tail -n 2 | head -n 1; }
