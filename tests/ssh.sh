#!/bin/sh
# mailroom over SSH: a private sshd on 127.0.0.1 (tests/lab/sshlab.sh) in
# front of the private Postfix instance (tests/lab/lab.sh), logged in as the
# lab account whose sudo is limited to the Postfix tools. The real binary, a
# real sshd, real key files and known_hosts files. Needs root, postfix and
# openssh-server; without them it prints "1..0 # SKIP".
#
#   ssh.sh MAILROOM PYTHON TEST_SSH_TRANSPORT
set -u

MAILROOM=$1
PYTHON=$2
TEST_SSH_TRANSPORT=$3
HERE=$(cd "$(dirname "$0")" && pwd -P)
LAB_HOME=$HERE/lab
SSHLAB_HOME=$HERE/lab
LAB_PYTHON=$PYTHON
export LAB_HOME LAB_PYTHON SSHLAB_HOME
# shellcheck source=tests/tap.sh
. "$HERE/tap.sh"
# shellcheck source=tests/lab/lab.sh
. "$LAB_HOME/lab.sh"
# shellcheck source=tests/lab/sshlab.sh
. "$LAB_HOME/sshlab.sh"

if ! reason=$(lab_can_run 2>&1) || ! reason=$(sshlab_can_run 2>&1); then
    echo "1..0 # SKIP $reason"
    exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroom-ssh.XXXXXX")
cleanup() {
    trap - EXIT INT TERM
    # Postfix first: its master is a daemon outside this process group, and
    # a test runner that sends SIGTERM follows with SIGKILL half a second
    # later (meson does); what else runs here dies with the group then.
    lab_stop "$TMP/lab" >&2
    # The relay and the tmux server of the screen checks, by their PIDs.
    for pidfile in "$TMP/proxy.pid" "$TMP/tmux.pid"; do
        [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
    done
    sshlab_stop "$TMP/jump" >&2
    sshlab_stop "$TMP/sudowarn" >&2
    sshlab_stop "$TMP/ssh" >&2
    rm -rf "$TMP"
}
trap 'cleanup' EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
chmod 755 "$TMP" # the postfix user and the lab account must reach $TMP/lab
mkdir "$TMP/lab" "$TMP/ssh"


# The screen checks: the real binary in tmux sessions of one server.
SOCKET="$TMP/tmux.sock"
T() { tmux -S "$SOCKET" -f /dev/null "$@"; }
screen_on() { # SESSION PATTERN: waits up to 10 s for PATTERN in SESSION
    i=0
    while [ $i -lt 100 ]; do
        T capture-pane -p -t "$1" >"$TMP/screen" 2>/dev/null
        grep -q "$2" "$TMP/screen" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# --- the lab: Postfix with deferred mail, and sshd in front of it -------------
lab_start "$TMP/lab" 2>"$TMP/err"
okd $? "lab starts (private Postfix instance + sink on 127.0.0.1)" "$TMP/err"
sshlab_start "$TMP/ssh" 2>"$TMP/err"
okd $? "sshd starts on 127.0.0.1 with its own host keys" "$TMP/err"
if [ -z "${LAB_CONFIG:-}" ] || [ -z "${SSHLAB_PORT:-}" ]; then
    tap_end
    exit 1
fi
echo "# LAB_CONFIG=$LAB_CONFIG sshd=127.0.0.1:$SSHLAB_PORT"
S=mqtest@sink.test
for rcpts in greylist@sink.test greylist@sink.test greylist@sink.test full@sink.test \
    "greylist@sink.test full@sink.test" nouser@sink.test; do
    # shellcheck disable=SC2086 # one or two addresses
    lab_send "$TMP/lab" "$S" $rcpts 2>>"$TMP/err"
done
lab_wait_queue "$TMP/lab" 5 deferred 60 2>"$TMP/err"
okd $? "5 messages in deferred" "$TMP/err"

# The operator's home: ~/.ssh/config names the lab as "lab".
export HOME="$TMP/home"
mkdir -p "$HOME/.ssh"
host_block() { # NAME PORT KEY KNOWN_HOSTS: a Host of the lab's account on 127.0.0.1
    cat <<CONF
Host $1
    HostName 127.0.0.1
    Port $2
    User $SSHLAB_USER
    IdentityFile $3
    IdentitiesOnly yes
    UserKnownHostsFile $4
CONF
}
write_config() { # KEY KNOWN_HOSTS: the lab's sshd as "lab"
    {
        echo "# the lab's sshd"
        host_block lab "$SSHLAB_PORT" "$1" "$2"
        echo "    ServerAliveInterval 5"
    } >"$HOME/.ssh/config"
}
write_config "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS"
REMOTE="ssh://lab$LAB_CONFIG"

# ids PYTHON-readable listing FILE -> sorted "id queue" lines
ids() {
    "$PYTHON" -c 'import json, sys
for l in sorted(json.loads(l)["queue_id"] + " " + json.loads(l)["queue_name"] for l in open(sys.argv[1])): print(l)' "$1"
}

# --- listing ------------------------------------------------------------------
# Here the mail log adds what bounced; over SSH the lab's account may not
# read it (below), and the listing says so.
"$MAILROOM" list --json --filter -queue:bounced "postfix:$LAB_CONFIG" >"$TMP/local.jsonl" 2>"$TMP/err"
"$MAILROOM" list --json --filter -queue:bounced "$REMOTE" >"$TMP/remote.jsonl" 2>"$TMP/err"
okd $? "list --json $REMOTE exits 0" "$TMP/err"
ids "$TMP/local.jsonl" >"$TMP/local.ids"
ids "$TMP/remote.jsonl" >"$TMP/remote.ids"
[ "$(wc -l <"$TMP/remote.ids")" -eq 5 ] && cmp -s "$TMP/local.ids" "$TMP/remote.ids"
okd $? "over SSH: the same 5 messages as listed here ($(wc -l <"$TMP/remote.ids"))" "$TMP/remote.ids"
"$PYTHON" -c 'import json, sys
ms = [json.loads(l) for l in open(sys.argv[1])]
cats = sorted(r["diagnosis"]["category"] for m in ms for r in m["recipients"] if r.get("diagnosis"))
assert cats.count("greylisting") == 4, cats
print(len(cats), "recipients decoded")' "$TMP/remote.jsonl" >"$TMP/check" 2>&1
okd $? "the remote reasons are decoded ($(tail -1 "$TMP/check"))" "$TMP/check"
grep -q "Accepted publickey for $SSHLAB_USER from 127.0.0.1" "$SSHLAB_LOG"
okd $? "sshd logged the key login of $SSHLAB_USER" "$SSHLAB_LOG"

# --- the transport: commands of two threads at once on one session -----------
# (a listing reads the mail log while postqueue runs). The lab's account
# writes the first command's awaited file in a directory of its own.
mkdir "$TMP/shared" && chmod 1777 "$TMP/shared"
run_tap "$(basename "$TEST_SSH_TRANSPORT")" "$TEST_SSH_TRANSPORT" "$SSHLAB_PORT" "$SSHLAB_USER" \
    "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS" "$TMP/shared"

# --- the mail log, read there ------------------------------------------------
# The lab's maillog_file, readable by root only: the lab's account may not
# read it (nor through sudo, which allows it the Postfix tools only), and
# the listing says so, naming what it tried. Readable by all: read over
# SSH (tail -c there), with the bounced mail and each message's history
# that the same log gives here. The tests below compare the queue: they
# leave the bounced mail out.
log_mode=$(stat -c %a "$LAB_LOG")
chmod 600 "$LAB_LOG"
"$MAILROOM" list --json "$REMOTE" >"$TMP/remote.jsonl" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
    grep -q "^mailroom: no mail log readable (tried: maillog_file $LAB_LOG: .*Permission denied, and sudo -n refused it: .*, /var/log/mail.log: .*, the journal" "$TMP/err"
okd $? "over SSH, the log unreadable there: listed (exit $rc), one line saying what was tried" "$TMP/err"
chmod 644 "$LAB_LOG"
"$MAILROOM" list --json "postfix:$LAB_CONFIG" >"$TMP/local.jsonl" 2>"$TMP/err.local"
"$MAILROOM" list --json "$REMOTE" >"$TMP/remote.jsonl" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ]
okd $? "over SSH, the log readable there: listed (exit $rc), nothing said" "$TMP/err"
"$PYTHON" - "$TMP/local.jsonl" "$TMP/remote.jsonl" >"$TMP/check" 2>&1 <<'EOF'
import json, sys
def view(path):
    ms = [json.loads(l) for l in open(path, encoding="utf-8")]
    return ({m["queue_id"]: [(a["time"], a["recipient"], a["status"]) for a in m["history"]]
             for m in ms if m["queue_name"] != "bounced"},
            sorted(m["queue_id"] for m in ms if m["queue_name"] == "bounced"))
(here, here_b), (there, there_b) = view(sys.argv[1]), view(sys.argv[2])
assert there_b and there_b == here_b, (here_b, there_b)
both = set(here) & set(there)
assert len(both) >= 4 and all(there[i] == here[i] and there[i] for i in both), (here, there)
print(len(both), "histories,", len(there_b), "bounced")
EOF
okd $? "over SSH: the bounced mail and every history as read here ($(tail -1 "$TMP/check"))" "$TMP/check"
chmod "$log_mode" "$LAB_LOG"

# --- actions, each routed through sudo -n on the other side -------------------
act() { # ACTION FILTER
    "$MAILROOM" act "$1" --yes --filter "$2" "$REMOTE" >"$TMP/out" 2>"$TMP/err"
}
queue_of() { # the queues of the remote listing, as "deferred:N hold:N"
    "$MAILROOM" list --json --filter -queue:bounced "$REMOTE" 2>/dev/null | "$PYTHON" -c 'import json, sys, collections
c = collections.Counter(json.loads(l)["queue_name"] for l in sys.stdin)
print(" ".join(f"{k}:{c[k]}" for k in sorted(c)))'
}
act hold cat:greylisting
okd $? "act hold cat:greylisting over SSH" "$TMP/err"
grep -q "hold: 4 done, 0 delivered, 0 not found, 0 failed" "$TMP/out"
okd $? "hold: 4 done" "$TMP/out"
[ "$(queue_of)" = "deferred:1 hold:4" ]
ok $? "the remote queue has the 4 held ($(queue_of))"
[ "$(/usr/sbin/postqueue -c "$LAB_CONFIG" -j | grep -c '"queue_name": "hold"')" -eq 4 ]
ok $? "postqueue on the server agrees: 4 in hold"
act release queue:hold
grep -q "release: 4 done" "$TMP/out" && [ "$(queue_of)" = "deferred:5" ]
okd $? "act release: 4 done, all deferred again" "$TMP/out"
act retry cat:mailbox-full
grep -q "retry: 2 done" "$TMP/out"
okd $? "act retry over SSH (postqueue -i): 2 done" "$TMP/out"
act expire cat:mailbox-full
grep -q "expire: 2 done" "$TMP/out"
okd $? "act expire over SSH: 2 done" "$TMP/out"
one=$("$PYTHON" -c 'import json, sys
print(next(json.loads(l)["queue_id"] for l in open(sys.argv[1]) if "greylist@sink.test" in l and "full@" not in l))' "$TMP/remote.jsonl")
"$MAILROOM" act delete --yes "$one" "$REMOTE" >"$TMP/out" 2>"$TMP/err"
grep -q "delete: 1 done" "$TMP/out" && ! /usr/sbin/postqueue -c "$LAB_CONFIG" -j | grep -q "\"$one\""
okd $? "act delete $one over SSH: gone from the server's queue" "$TMP/out"
# Requeued mail goes through pickup again and gets new ids.
act requeue cat:greylisting
grep -Eq "requeue: [1-9][0-9]* done, 0 delivered, 0 not found, 0 failed" "$TMP/out"
okd $? "act requeue over SSH: $(tail -1 "$TMP/out")" "$TMP/out"

# Retry over SSH, judged by the remote listings: mail that can be delivered
# now is delivered and gone, an id that is not queued is not found.
lab_send "$TMP/lab" "$S" user@later.test 2>"$TMP/err" &&
    lab_send "$TMP/lab" "$S" user@later.test 2>>"$TMP/err" &&
    lab_ids "$TMP/lab" user@later.test deferred 2 30 >"$TMP/later.ids" 2>>"$TMP/err" &&
    lab_route "$TMP/lab" later.test sink 2>>"$TMP/err"
okd $? "two messages to later.test deferred, then later.test routed to the sink" "$TMP/err"
L1=$(sed -n 1p "$TMP/later.ids") L2=$(sed -n 2p "$TMP/later.ids")
# field ID N: the Nth tab-separated field of ID's outcome line
field() { awk -F'\t' -v id="$1" -v f="$2" '$1 == id { print $f }' "$TMP/out"; }
"$MAILROOM" act retry "$L1" "$REMOTE" >"$TMP/out" 2>"$TMP/err"
is "$?" 0 "act retry $L1 over SSH: exit 0"
sed 's/^/#   /' "$TMP/out"
is "$(field "$L1" 2)" "delivered" "act retry over SSH: $L1 delivered"
is "$(tail -n 1 "$TMP/out")" "retry: 0 done, 1 delivered, 0 not found, 0 failed" \
    "act retry over SSH: the summary line"
is "$(lab_queue_of "$TMP/lab" "$L1")" "gone" "act retry over SSH: $L1 gone from the server's queue"
"$MAILROOM" act retry 00000ABCDEF "$L2" "$REMOTE" >"$TMP/out" 2>"$TMP/err"
is "$?" 1 "act retry of an id not queued and one deliverable over SSH: exit 1"
is "$(cut -f1-2 "$TMP/out" | sed '$d' | tr '\t\n' ' /')" "00000ABCDEF not found/$L2 delivered/" \
    "act retry over SSH: not found, then delivered"
is "$(lab_queue_of "$TMP/lab" "$L2")" "gone" "act retry over SSH: $L2 gone from the server's queue"

# Bulk over SSH: one channel per part of the batch, never one per id (sshd
# logs "Starting session: command" for each), with each id's own outcome.
B=greylist+ssh@sink.test
"$lab_sbin/smtp-source" -s 4 -m 150 -f "$S" -t "$B" "127.0.0.1:$LAB_SMTPD_PORT" >"$TMP/err" 2>&1 &&
    lab_ids "$TMP/lab" "$B" deferred 150 120 >"$TMP/bulk.ids" 2>>"$TMP/err"
okd $? "bulk: 150 messages to $B deferred" "$TMP/err"
# shellcheck disable=SC2046 # ids: letters and digits
set -- $(cat "$TMP/bulk.ids")
GONE=$1
/usr/sbin/postsuper -c "$LAB_CONFIG" -d "$GONE" >"$TMP/err" 2>&1
okd $? "bulk: $GONE deleted on the server (it vanished)" "$TMP/err"
sessions() { grep -c "Starting session: command for $SSHLAB_USER" "$SSHLAB_LOG"; }
before=$(sessions)
"$MAILROOM" act retry "$@" "$REMOTE" >"$TMP/out" 2>"$TMP/err"
is "$(tail -n 1 "$TMP/out")" "retry: 149 done, 0 delivered, 1 not found, 0 failed" \
    "bulk retry of 150 over SSH (one vanished): 149 done, 1 not found"
is "$(field "$GONE" 2)" "not found" "bulk retry over SSH: the vanished id is not found, never done"
is "$(awk -F'\t' '$2 == "done" && $3 ~ /deferred again/' "$TMP/out" | wc -l | tr -d ' ')" 149 \
    "bulk retry over SSH: each of the 149 tried and deferred again"
channels=$(($(sessions) - before))
echo "# bulk retry of 150 over SSH: $channels channels (two parts of the script, the listings)"
[ "$channels" -ge 4 ] && [ "$channels" -le 25 ]
ok $? "bulk retry over SSH: $channels channels for 150 ids (2 parts, a listing before, the watch's listings)"
shift
before=$(sessions)
"$MAILROOM" act hold "$@" "$REMOTE" >"$TMP/out" 2>"$TMP/err"
is "$(tail -n 1 "$TMP/out")" "hold: 149 done, 0 delivered, 0 not found, 0 failed" "bulk hold of 149 over SSH"
# The listing takes two: postqueue -c DIR refuses the lab's directory
# without sudo, and mailroom runs it through sudo -n from then on.
is "$(($(sessions) - before))" 3 \
    "bulk hold over SSH: 3 channels (one postsuper for 149 ids, the listing after it)"
"$MAILROOM" act release-retry "$1" "$2" "$REMOTE" >"$TMP/out" 2>"$TMP/err"
is "$(tail -n 1 "$TMP/out")" "release-retry: 2 done, 0 delivered, 0 not found, 0 failed" \
    "release-retry over SSH: both done"
has "$(field "$1" 3)" "released from hold; tried, deferred again" "release-retry over SSH: released and tried"
is "$(lab_queue_of "$TMP/lab" "$1")" deferred "release-retry over SSH: no longer held"
"$MAILROOM" act expire-now --yes "$3" "$REMOTE" >"$TMP/out" 2>"$TMP/err"
is "$(tail -n 1 "$TMP/out")" "expire-now: 1 done, 0 delivered, 0 not found, 0 failed" \
    "expire-now over SSH: done"
has "$(field "$3" 3)" "returned to the sender" "expire-now over SSH: returned to the sender"
is "$(lab_queue_of "$TMP/lab" "$3")" gone "expire-now over SSH: gone from the server's queue"
# The rest of the tests expect the queue as it was.
printf '%s\n' "$@" | /usr/sbin/postsuper -c "$LAB_CONFIG" -d - >/dev/null 2>&1

fails_with() { # WHAT TEXT COMMAND...: exit 1 and TEXT on stderr
    fw_what=$1 fw_text=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    fw_status=$?
    [ "$fw_status" -eq 1 ] && grep -qF -- "$fw_text" "$TMP/err" && [ "$(wc -l <"$TMP/err")" -eq 1 ]
    okd $? "$fw_what (exit $fw_status)" "$TMP/err"
}

# --- the operator's per-host setting: host PATTERNS sudo auto|always|never ------
# "never": the tools run as the login itself, which may not read the lab's
# instance (postqueue -c needs root for it); the last matching line decides.
mkdir -p "$HOME/.config/mailroom"
printf 'host lab sudo never\n' >"$HOME/.config/mailroom/config"
fails_with "host lab sudo never: postqueue runs without sudo, and is refused" \
    "postqueue: specify \"alternate_config_directories = $LAB_CONFIG\"" "$MAILROOM" list --json "$REMOTE"
printf 'host *,!lab sudo never\n' >"$HOME/.config/mailroom/config"
"$MAILROOM" list --json "$REMOTE" >/dev/null 2>"$TMP/err"
okd $? "host *,!lab sudo never: lab is not matched, sudo -n as before" "$TMP/err"
printf 'host l* sudo never\nhost lab sudo auto\n' >"$HOME/.config/mailroom/config"
"$MAILROOM" list --json "$REMOTE" >/dev/null 2>"$TMP/err"
okd $? "the last matching line decides (auto)" "$TMP/err"
printf 'host lab sudo sometimes\n' >"$HOME/.config/mailroom/config"
fails_with "a bad host line: named with file and line" \
    "$HOME/.config/mailroom/config:1: sudo: \"sometimes\" is not auto, always or never" \
    "$MAILROOM" list --json "$REMOTE"
rm -r "$HOME/.config"

# --- host keys ----------------------------------------------------------------
write_config "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS_WRONG"
fails_with "a changed host key is refused, with the fingerprint and the line" \
    "THE HOST KEY HAS CHANGED: the server's ED25519 key is SHA256:" \
    "$MAILROOM" list --accept-new "$REMOTE"
grep -qF "$SSHLAB_KNOWN_HOSTS_WRONG line 1 says otherwise" "$TMP/err"
okd $? "the mismatch names the known_hosts line" "$TMP/err"
fp=$(ssh-keygen -lf "$SSHLAB_DIR/ssh_host_ed25519_key.pub" | cut -d' ' -f2)
grep -qF "$fp" "$TMP/err"
okd $? "the fingerprint shown is the server's, as ssh-keygen -l prints it ($fp)" "$TMP/err"
write_config "$SSHLAB_KEY" "$HOME/.ssh/known_hosts"
fails_with "an unknown host is refused without --accept-new" \
    "unknown host: its ED25519 key is $fp" "$MAILROOM" list "$REMOTE"
[ ! -s "$HOME/.ssh/known_hosts" ]
ok $? "nothing was added to known_hosts"
"$MAILROOM" list --accept-new "$REMOTE" >/dev/null 2>"$TMP/err" &&
    grep -q "^\[127.0.0.1\]:$SSHLAB_PORT ssh-ed25519 " "$HOME/.ssh/known_hosts"
okd $? "--accept-new lists and adds the key to known_hosts" "$TMP/err"
"$MAILROOM" list "$REMOTE" >/dev/null 2>"$TMP/err"
okd $? "then the host is known without --accept-new" "$TMP/err"
write_config "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS_HASHED"
"$MAILROOM" list "$REMOTE" >/dev/null 2>"$TMP/err"
okd $? "a hashed known_hosts entry is found" "$TMP/err"

# --- settings mailroom does not follow: said, not ignored ----------------------
# The configuration is the one ssh -G prints; a setting that would change the
# connection and that mailroom does not follow is named in a warning.
write_config "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS"
echo "    HostKeyAlias lab-key" >>"$HOME/.ssh/config"
"$MAILROOM" list --json "$REMOTE" >/dev/null 2>"$TMP/err"
status=$?
[ "$status" -eq 0 ] && grep -q "^mailroom: ssh configuration for lab (as ssh -G reads it): HostKeyAlias is not supported by mailroom (ignored)$" "$TMP/err"
okd $? "HostKeyAlias: named in a warning, and the listing goes on" "$TMP/err"
T new-session -d -s warn -x 200 -y 20 \
    "env HOME=$HOME LANG=C.UTF-8 $MAILROOM --refresh 0 $REMOTE; sleep 30"
T display -p '#{pid}' >"$TMP/tmux.pid"
# Before curses the line is printed; then the screen's status line says it.
i=0
# The status line is the row above the key bar.
while [ $i -lt 100 ] && ! T capture-pane -p -t warn 2>/dev/null | tail -2 | head -1 |
    grep -q "HostKeyAlias"; do
    sleep 0.1
    i=$((i + 1))
done
T capture-pane -p -t warn >"$TMP/screen"
tail -2 "$TMP/screen" | head -1 |
    grep -q "HostKeyAlias is not supported by mailroom" &&
    grep -q "QUEUE" "$TMP/screen"
okd $? "the screen shows the warning on its status line when it starts" "$TMP/screen"
T send-keys -t warn q
# When opening fails, the first warning goes with the error: it may be why.
write_config "$SSHLAB_KEY_WRONG" "$SSHLAB_KNOWN_HOSTS"
echo "    IdentityAgent $TMP/agent.sock" >>"$HOME/.ssh/config"
fails_with "a failure and a warning: the warning goes with the error, on its line" \
    "(tried: $SSHLAB_KEY_WRONG (refused)) (also: ssh configuration for lab (as ssh -G reads it): IdentityAgent" \
    "$MAILROOM" list "$REMOTE"

# --- the configuration is OpenSSH's own: tricky ones -----------------------------
# Each configuration reaches the lab's sshd only if it is read as ssh reads
# it (Include with a glob, Match, negated patterns, tokens); a mailroom that
# read it otherwise would go to the wrong port, user or key and fail.
tricky() { # NAME: writes ~/.ssh/config (and its parts) for "lab"
    rm -rf "$HOME/.ssh/conf.d" "$HOME/.ssh/keys"
    case $1 in
    include)
        mkdir -p "$HOME/.ssh/conf.d"
        printf 'Include ~/.ssh/conf.d/*.conf\n' >"$HOME/.ssh/config"
        host_block lab "$SSHLAB_PORT" "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS" \
            >"$HOME/.ssh/conf.d/10-lab.conf"
        printf 'Host lab\n    Port 1\n' >"$HOME/.ssh/conf.d/20-late.conf" ;;
    match-host)
        printf 'Host lab\n    HostName 127.0.0.1\n' >"$HOME/.ssh/config"
        printf 'Match host 127.0.0.1\n' >>"$HOME/.ssh/config"
        host_block x "$SSHLAB_PORT" "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS" | sed 1d \
            >>"$HOME/.ssh/config" ;;
    match-user)
        printf 'Host lab\n    HostName 127.0.0.1\n    User %s\n' "$SSHLAB_USER" >"$HOME/.ssh/config"
        printf 'Match user %s\n    Port %s\n    IdentityFile %s\n    IdentitiesOnly yes\n    UserKnownHostsFile %s\n' \
            "$SSHLAB_USER" "$SSHLAB_PORT" "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS" >>"$HOME/.ssh/config" ;;
    negated)
        printf 'Host * !lab\n    Port 1\n' >"$HOME/.ssh/config"
        host_block lab "$SSHLAB_PORT" "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS" >>"$HOME/.ssh/config" ;;
    tokens)
        mkdir -p "$HOME/.ssh/keys"
        cp "$SSHLAB_KEY" "$HOME/.ssh/keys/${SSHLAB_USER}_127.0.0.1_$SSHLAB_PORT"
        host_block lab "$SSHLAB_PORT" "~/.ssh/keys/%r_%h_%p" "$SSHLAB_KNOWN_HOSTS" \
            >"$HOME/.ssh/config" ;;
    esac
}
for case in include match-host match-user negated tokens; do
    tricky $case
    logins=$(grep -c "Accepted publickey for $SSHLAB_USER" "$SSHLAB_LOG")
    "$MAILROOM" list --json --filter -queue:bounced "$REMOTE" >"$TMP/tricky.jsonl" 2>"$TMP/err"
    okd $? "$case: mailroom connects where ssh -G says" "$TMP/err"
    "$MAILROOM" list --json --filter -queue:bounced "postfix:$LAB_CONFIG" >"$TMP/here.jsonl"
    ids "$TMP/here.jsonl" >"$TMP/here.ids"
    ids "$TMP/tricky.jsonl" | cmp -s - "$TMP/here.ids" && [ -s "$TMP/here.ids" ]
    ok $? "$case: the same messages as listed here"
    [ "$(grep -c "Accepted publickey for $SSHLAB_USER" "$SSHLAB_LOG")" -eq $((logins + 1)) ]
    ok $? "$case: the lab's sshd logged the login as $SSHLAB_USER"
done
# Without an ssh client, mailroom's own reader stands in, and says so.
tricky negated
mkdir -p "$TMP/nossh"
PATH=$TMP/nossh "$MAILROOM" list --json "$REMOTE" >"$TMP/tricky.jsonl" 2>"$TMP/err"
okd $? "no ssh client on PATH: listed all the same" "$TMP/err"
grep -q "no ssh client on this machine: ~/.ssh/config is read by mailroom's own reader, which follows neither Include nor Match" "$TMP/err"
okd $? "no ssh client: the warning says which reader and what it does not follow" "$TMP/err"
rm -rf "$HOME/.ssh/conf.d" "$HOME/.ssh/keys"
write_config "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS"

# --- keys ---------------------------------------------------------------------
write_config "$SSHLAB_KEY_WRONG" "$SSHLAB_KNOWN_HOSTS"
fails_with "a key the server does not know: refused, saying which was tried" \
    "no key was accepted for $SSHLAB_USER (tried: $SSHLAB_KEY_WRONG (refused))" \
    "$MAILROOM" list "$REMOTE"
write_config "$SSHLAB_KEY_RSA" "$SSHLAB_KNOWN_HOSTS"
fails_with "an RSA key: the SHA-1 refusal explained, with the remedies" \
    "libssh2 1.10 signs RSA keys with SHA-1 (ssh-rsa), which OpenSSH 8.8 and later refuse; use an ed25519 or ECDSA key" \
    "$MAILROOM" list "$REMOTE"
grep -q "signature algorithm ssh-rsa not in PubkeyAcceptedAlgorithms" "$SSHLAB_LOG"
okd $? "sshd's log agrees: ssh-rsa refused" "$SSHLAB_LOG"
write_config "$SSHLAB_KEY_PASS" "$SSHLAB_KNOWN_HOSTS"
fails_with "a key with a passphrase and no terminal to ask on: skipped, and said" \
    "$SSHLAB_KEY_PASS (it needs a passphrase, none given)" \
    "$MAILROOM" list "$REMOTE"
write_config "$SSHLAB_KEY_ECDSA" "$SSHLAB_KNOWN_HOSTS"
"$MAILROOM" list "$REMOTE" >/dev/null 2>"$TMP/err"
okd $? "an ECDSA key logs in" "$TMP/err"

# --- what is typed ------------------------------------------------------------
write_config "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS"
# The default instance there: listed when it runs, else said to be down.
"$MAILROOM" list --json "$SSHLAB_USER@lab" >/dev/null 2>"$TMP/err"
[ ! -s "$TMP/err" ] || grep -q "Postfix is not running on $SSHLAB_USER@127.0.0.1:$SSHLAB_PORT" "$TMP/err"
okd $? "USER@HOST reaches the same host through ~/.ssh/config" "$TMP/err"
(cd "$HOME" && "$MAILROOM" list --json lab) >/dev/null 2>"$TMP/err"
[ ! -s "$TMP/err" ] || grep -q "Postfix is not running on $SSHLAB_USER@127.0.0.1:$SSHLAB_PORT" "$TMP/err"
okd $? "a bare Host of ~/.ssh/config is that host" "$TMP/err"
(cd "$HOME" && "$MAILROOM" list --json labx) >/dev/null 2>"$TMP/err"
grep -q "^mailroom: labx: No such file or directory$" "$TMP/err"
okd $? "a bare name that is neither a file nor a Host: no such file" "$TMP/err"
fails_with "a host that starts with '-' never reaches anything" \
    "a host name may not start with '-'" "$MAILROOM" list "ssh://-oProxyCommand=touch%20x"
fails_with "a configuration directory with shell syntax is refused" \
    "not a configuration directory mailroom will pass on" "$MAILROOM" list "ssh://lab/etc/\$(reboot)"
free_port=$(lab_tool free-ports 1 2>/dev/null || echo 1)
fails_with "nothing listening: the connection refused, named" \
    "cannot connect to 127.0.0.1 port $free_port: Connection refused" \
    "$MAILROOM" list "ssh://$SSHLAB_USER@127.0.0.1:$free_port"

# A server that accepts and never speaks (the lab's tarpit): ConnectTimeout.
cat >>"$HOME/.ssh/config" <<CONF
Host tarpit
    HostName 127.0.0.1
    Port $LAB_TARPIT_PORT
    User $SSHLAB_USER
    ConnectTimeout 2
CONF
start=$(date +%s)
fails_with "a server that never greets: the handshake gives up" \
    "ssh $SSHLAB_USER@127.0.0.1:$LAB_TARPIT_PORT: the SSH handshake failed: no answer in 2 s (ConnectTimeout)" \
    timeout 60 "$MAILROOM" list ssh://tarpit
took=$(($(date +%s) - start))
[ "$took" -le 5 ]
ok $? "after ConnectTimeout 2 (took $took s)"

# --- ProxyJump: through a second sshd that may connect to the first ----------
# Started in a subshell so that its SSHLAB_* stay there; its files and PIDs
# are in $TMP/jump for sshlab_stop.
(
    SSHLAB_PERMIT_OPEN="127.0.0.1:$SSHLAB_PORT"
    sshlab_start "$TMP/jump" && echo "$SSHLAB_PORT" >"$TMP/jump.port"
) >/dev/null 2>"$TMP/err"
okd $? "a jump host starts (an sshd that may open 127.0.0.1:$SSHLAB_PORT only)" "$TMP/err"
jump_port=$(cat "$TMP/jump.port" 2>/dev/null)
jump_block() { # the jump host's sshd as "jumphost"
    host_block jumphost "$jump_port" "$TMP/jump/id_ed25519" "$TMP/jump/known_hosts"
}
jump_config() { # PROXYJUMP
    {
        jump_block
        host_block behind "$SSHLAB_PORT" "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS"
        echo "    ProxyJump $1"
    } >"$HOME/.ssh/config"
}
jump_config jumphost
"$MAILROOM" list --json --filter -queue:bounced "postfix:$LAB_CONFIG" >"$TMP/local.jsonl" 2>/dev/null
ids "$TMP/local.jsonl" >"$TMP/local.ids"
jump_logins=$(grep -c "Accepted publickey" "$TMP/jump/sshd.log")
"$MAILROOM" list --json --filter -queue:bounced "ssh://behind$LAB_CONFIG" >"$TMP/jumped.jsonl" 2>"$TMP/err"
okd $? "ProxyJump jumphost: listed through the jump host" "$TMP/err"
ids "$TMP/jumped.jsonl" >"$TMP/jumped.ids"
cmp -s "$TMP/local.ids" "$TMP/jumped.ids" && [ -s "$TMP/jumped.ids" ]
okd $? "the same messages as listed here ($(wc -l <"$TMP/jumped.ids"))" "$TMP/jumped.ids"
[ "$(grep -c "Accepted publickey" "$TMP/jump/sshd.log")" -eq $((jump_logins + 1)) ]
okd $? "the jump host logged the login" "$TMP/jump/sshd.log"
jump_config "$SSHLAB_USER@127.0.0.1:$jump_port"
cp "$TMP/jump/known_hosts" "$HOME/.ssh/known_hosts"
"$MAILROOM" list --json "ssh://behind$LAB_CONFIG" >/dev/null 2>"$TMP/err"
grep -q "no key was accepted\|unknown host" "$TMP/err"
okd $? "ProxyJump user@host:port: the jump host resolved with ssh's defaults (here: no key for it)" "$TMP/err"
rm -f "$HOME/.ssh/known_hosts"
jump_config "jumphost,jumphost"
fails_with "two hops: refused, said" "ProxyJump jumphost,jumphost: mailroom jumps through one host only" \
    "$MAILROOM" list "ssh://behind$LAB_CONFIG"
jump_config jumphost
sed -i "s/^    Port $SSHLAB_PORT\$/    Port $jump_port/" "$HOME/.ssh/config"
fails_with "a target the jump host may not open: said, naming both" \
    "the jump host would not connect to 127.0.0.1 port $jump_port" \
    "$MAILROOM" list "ssh://behind$LAB_CONFIG"
write_config "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS"

# --- several hosts at once -------------------------------------------------------
# The lab's sshd and the jump host's are two hosts in front of the same
# queue: the merged list has every message twice, once per host, with the
# same ids. Which host an action went to is read from each sshd's log
# (LogLevel VERBOSE logs every command's session).
write_config "$SSHLAB_KEY" "$SSHLAB_KNOWN_HOSTS"
jump_block >>"$HOME/.ssh/config"
cat >>"$HOME/.ssh/config" <<CONF
Host tarpit
    HostName 127.0.0.1
    Port $LAB_TARPIT_PORT
    User $SSHLAB_USER
    ConnectTimeout 6
CONF
LAB2="ssh://jumphost$LAB_CONFIG"
sessions() { grep -c "Starting session: command for $SSHLAB_USER" "$1"; }
"$MAILROOM" list --json --filter -queue:bounced "$REMOTE" "$LAB2" >"$TMP/both.jsonl" 2>"$TMP/err"
okd $? "list of two hosts exits 0" "$TMP/err"
"$PYTHON" - "$TMP/both.jsonl" "$TMP/local.ids" "lab$LAB_CONFIG" "jumphost$LAB_CONFIG" <<'PY' >"$TMP/check" 2>&1
import json, sys
ms = [json.loads(l) for l in open(sys.argv[1])]
want = sorted(l.split()[0] for l in open(sys.argv[2]))
for label in sys.argv[3:]:
    got = sorted(m["queue_id"] for m in ms if m["source"] == label)
    assert got == want, (label, got, want)
assert len(ms) == 2 * len(want)
print(len(ms), "messages,", len(want), "from each host")
PY
okd $? "two hosts merged: each one's messages under its label, the same ids on both ($(tail -1 "$TMP/check"))" "$TMP/check"

# An action goes only to the host the message is on.
one_host=$(sessions "$TMP/jump/sshd.log")
"$MAILROOM" list --json "$LAB2" >/dev/null 2>&1
per_listing=$(($(sessions "$TMP/jump/sshd.log") - one_host))
# What was acted on is what the outcome lines say (Postfix moves mail
# between queues as it runs); each of those ids is then checked.
lab_before=$(sessions "$SSHLAB_LOG") jump_before=$(sessions "$TMP/jump/sshd.log")
"$MAILROOM" act hold --yes --filter "source:lab* queue:deferred" "$REMOTE" "$LAB2" >"$TMP/out" 2>"$TMP/err"
okd $? "act hold --filter 'source:lab* queue:deferred' on two hosts" "$TMP/err"
n_held=$(grep -c "^lab$LAB_CONFIG	[0-9A-Za-z]*	done\$" "$TMP/out")
[ "$n_held" -gt 0 ] && grep -q "^hold: $n_held done, 0 delivered, 0 not found, 0 failed\$" "$TMP/out" && ! grep -q "^jumphost" "$TMP/out"
okd $? "hold: $n_held done, every one on lab, none on jumphost" "$TMP/out"
lab_delta=$(($(sessions "$SSHLAB_LOG") - lab_before))
jump_delta=$(($(sessions "$TMP/jump/sshd.log") - jump_before))
[ "$jump_delta" -eq "$per_listing" ] && [ "$lab_delta" -gt "$per_listing" ]
ok $? "sshd logs: jumphost only listed ($jump_delta commands), lab listed and acted ($lab_delta)"
cut -f2 "$TMP/out" | grep -v '^$' | grep -v ' ' | sort >"$TMP/acted.ids"
"$MAILROOM" list --json --filter queue:hold "postfix:$LAB_CONFIG" >"$TMP/held.jsonl" 2>/dev/null
ids "$TMP/held.jsonl" | cut -d' ' -f1 | sort >"$TMP/held.ids"
[ "$(comm -23 "$TMP/acted.ids" "$TMP/held.ids" | wc -l)" -eq 0 ]
okd $? "the queue itself has those $n_held messages on hold" "$TMP/held.ids"
lab_before=$(sessions "$SSHLAB_LOG") jump_before=$(sessions "$TMP/jump/sshd.log")
"$MAILROOM" act release --yes --filter "source:jumphost* queue:hold" "$REMOTE" "$LAB2" >"$TMP/out" 2>"$TMP/err"
k=$(grep -c "^jumphost$LAB_CONFIG	[0-9A-Za-z]*	done\$" "$TMP/out")
[ "$k" -gt 0 ] && ! grep -q "^lab" "$TMP/out" &&
    [ $(($(sessions "$SSHLAB_LOG") - lab_before)) -eq "$per_listing" ] &&
    [ $(($(sessions "$TMP/jump/sshd.log") - jump_before)) -gt "$per_listing" ]
okd $? "act release through jumphost: $k done there, lab only listed" "$TMP/out"
held_id=$(head -1 "$TMP/held.ids")
"$MAILROOM" act hold --yes "$held_id" "$REMOTE" "$LAB2" >"$TMP/out" 2>"$TMP/err"
grep -q "^$held_id	failed	on lab$LAB_CONFIG and jumphost$LAB_CONFIG, different messages with the same id: name the one source" "$TMP/out"
okd $? "an id both hosts hold: refused, not guessed" "$TMP/out"

# A host that never answers does not hold up the others.
start=$(date +%s)
"$MAILROOM" list --json --filter -queue:bounced "$REMOTE" ssh://tarpit "$LAB2" >"$TMP/out" 2>"$TMP/err"
status=$? took=$(($(date +%s) - start))
[ "$status" -eq 1 ] && [ "$(wc -l <"$TMP/out")" -eq "$(wc -l <"$TMP/both.jsonl")" ] &&
    grep -q "^mailroom: ssh $SSHLAB_USER@127.0.0.1:$LAB_TARPIT_PORT: the SSH handshake failed: no answer in 6 s" "$TMP/err" &&
    [ "$(grep -vc "no mail log readable" "$TMP/err")" -eq 1 ]
okd $? "list with a dead host: the others printed, it named on one line, exit 1" "$TMP/err"
[ "$took" -le 9 ]
ok $? "in parallel: $took s, about the dead host's ConnectTimeout (6 s), not more"
# The screen starts with the hosts that answered, says one is still
# listing, and then that it failed; w shows why.
T new-session -d -s fleet -x 160 -y 20 \
    "env HOME=$HOME LANG=C.UTF-8 $MAILROOM --refresh 0 $REMOTE tarpit $LAB2; sleep 30"
T display -p '#{pid}' >"$TMP/tmux.pid"
start=$(date +%s)
screen_on fleet "(1 listing)"
okd $? "the screen starts with two hosts' messages, the third still listing" "$TMP/screen"
shown=$(($(date +%s) - start))
grep -q "^SOURCE " "$TMP/screen" && grep -q "^jumphost/" "$TMP/screen" && grep -q "^lab/" "$TMP/screen"
okd $? "a SOURCE column, both hosts in it (after $shown s, before the dead one's 6)" "$TMP/screen"
screen_on fleet "(1 of 3 failed, w shows why)\|(1 failed)"
okd $? "then the dead host is said to have failed" "$TMP/screen"
T send-keys -t fleet w
screen_on fleet "no answer in 6 s (ConnectTimeout)" && grep -q "Sources: 3, 1 failed" "$TMP/screen"
okd $? "w: the sources, the dead one's error" "$TMP/screen"
T send-keys -t fleet q q
# An empty queue and the dead host: the empty list says why, not "empty".
"$PYTHON" -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript(open(sys.argv[2]).read())
db.executescript("PRAGMA application_id = 0x4D52514D; PRAGMA user_version = 1;")
db.close()' "$TMP/empty.db" "$HERE/../share/sqlite/schema-1.sql"
T new-session -d -s dead -x 100 -y 10 \
    "env HOME=$HOME LANG=C.UTF-8 $MAILROOM --refresh 0 $TMP/empty.db tarpit; sleep 30"
screen_on dead "No message yet: 1 of 2 sources still listing\."
okd $? "an empty queue and a dead host: the list says one is still listing" "$TMP/screen"
screen_on dead "No message listed: 1 of 2 sources failed\."
okd $? "then that it failed, not that the queue is empty" "$TMP/screen"
T send-keys -t dead q

# --- a connection that drops, or stops answering --------------------------------
# A relay between mailroom and sshd (tests/lab/tcpproxy.py) breaks the
# session after a chosen number of bytes from the server.
mkdir "$TMP/proxy"
"$PYTHON" "$LAB_HOME/tcpproxy.py" "$TMP/proxy" "$SSHLAB_PORT" $$ &
echo $! >"$TMP/proxy.pid"
i=0
while [ ! -s "$TMP/proxy/proxy.port" ] && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
proxy_port=$(cat "$TMP/proxy/proxy.port" 2>/dev/null)
sed "s/^\[127.0.0.1\]:$SSHLAB_PORT /[127.0.0.1]:$proxy_port /" "$SSHLAB_KNOWN_HOSTS" \
    >"$HOME/.ssh/known_hosts.proxy"
{
    host_block relay "$proxy_port" "$SSHLAB_KEY" "$HOME/.ssh/known_hosts.proxy"
    echo "    ServerAliveInterval 1"
    echo "    ServerAliveCountMax 2"
} >"$HOME/.ssh/config"
RELAY="ssh://relay$LAB_CONFIG"
logins() { grep -c "Accepted publickey for $SSHLAB_USER" "$SSHLAB_LOG"; }
echo pass >"$TMP/proxy/proxy.mode"
"$MAILROOM" list --json --log none "$RELAY" >"$TMP/relayed.jsonl" 2>"$TMP/err"
okd $? "through the relay, the listing works" "$TMP/err"
total=$(tail -1 "$TMP/proxy/proxy.bytes" 2>/dev/null || echo 0)
[ "$total" -gt 3000 ]
ok $? "the whole session brought $total bytes from the server"
# The listing is the last thing the server sends (--log none: no mail log
# is read beside it): 700 bytes short of the end is in the middle of
# postqueue's output.
echo "cut $((total - 700))" >"$TMP/proxy/proxy.mode"
before=$(logins)
fails_with "a connection cut during the listing: said, with what to do" \
    "the connection dropped while postqueue ran" "$MAILROOM" list --json --log none "$RELAY"
grep -qF "it was not sent again: list the queue to see what it did" "$TMP/err"
okd $? "the listing was not sent again" "$TMP/err"
[ "$(logins)" -eq $((before + 1)) ]
ok $? "no second login after the drop ($before, then $(logins))"
echo "freeze $((total - 700))" >"$TMP/proxy/proxy.mode"
start=$(date +%s)
fails_with "a server that stops answering: gone after ServerAliveCountMax keepalives" \
    "the connection dropped while postqueue ran (no answer from the server for 2 s)" \
    timeout 60 "$MAILROOM" list --json --log none "$RELAY"
took=$(($(date +%s) - start))
[ "$took" -le 10 ]
ok $? "and not stuck: it gave up after $took s"

# Between two commands: the screen lists, every connection is dropped, r
# lists again on a new session.
echo pass >"$TMP/proxy/proxy.mode"
T new-session -d -s relay -x 120 -y 20 \
    "env HOME=$HOME LANG=C.UTF-8 $MAILROOM --refresh 0 --log none $RELAY; sleep 30"
T display -p '#{pid}' >"$TMP/tmux.pid"
screen_on relay "relay$LAB_CONFIG.* 5 messages\|relay.* [0-9]* messages"
okd $? "the screen lists the queue through the relay" "$TMP/screen"
before=$(logins)
# The relay notes each connection it closes in proxy.bytes: the drop is done
# once the screen's connection is noted there.
drops=$(wc -l <"$TMP/proxy/proxy.bytes")
kill -USR1 "$(cat "$TMP/proxy.pid")"
i=0
while [ "$(wc -l <"$TMP/proxy/proxy.bytes")" -le "$drops" ] && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
[ "$(wc -l <"$TMP/proxy/proxy.bytes")" -gt "$drops" ]
ok $? "the relay dropped the screen's connection"
# r says "listed again" once the new listing is in; the status line shows no
# such note before it. (The listing's time, to the second, cannot tell two
# listings of the same second apart.) A new login and a listing can take
# seconds on a loaded machine: wait up to 30 s, polling.
T capture-pane -p -t relay >"$TMP/screen" 2>/dev/null
! grep -q "listed again" "$TMP/screen"
okd $? "before r: no note of a new listing yet" "$TMP/screen"
T send-keys -t relay r
i=0
until grep -q "listed again" "$TMP/screen" || [ $i -ge 300 ]; do
    sleep 0.1
    T capture-pane -p -t relay >"$TMP/screen" 2>/dev/null
    i=$((i + 1))
done
grep -q "listed again: [0-9]* messages" "$TMP/screen"
okd $? "r after the drop: listed again" "$TMP/screen"
! grep -q "dropped\|cannot" "$TMP/screen"
okd $? "r after the drop: no error on the screen" "$TMP/screen"
is "$(logins)" $((before + 1)) "r after the drop: one new login"
T send-keys -t relay q

# --- the questions the screen asks on the terminal -----------------------------
# An unknown host: its fingerprint, then "yes" adds it and the queue is shown.
write_config "$SSHLAB_KEY" "$HOME/.ssh/known_hosts.asked"
T new-session -d -s ask -x 200 -y 20 \
    "env HOME=$HOME LANG=C.UTF-8 $MAILROOM --refresh 0 $REMOTE; echo exit \$?; sleep 30"
T send-keys -t relay q
screen_on ask "is not a known host. Its key's fingerprint is $fp" &&
    screen_on ask "Trust it and add it to known_hosts (yes/no)?"
okd $? "an unknown host: the screen asks first, with the SHA256 fingerprint" "$TMP/screen"
T send-keys -t ask yes Enter
screen_on ask " 5 messages\| [0-9] messages" &&
    grep -q "^\[127.0.0.1\]:$SSHLAB_PORT ssh-ed25519 " "$HOME/.ssh/known_hosts.asked"
okd $? "yes: the key is added to known_hosts and the queue is shown" "$TMP/screen"
T send-keys -t ask q
# A key with a passphrase: asked without echo, then the queue is shown.
write_config "$SSHLAB_KEY_PASS" "$SSHLAB_KNOWN_HOSTS"
T new-session -d -s pass -x 120 -y 20 \
    "env HOME=$HOME LANG=C.UTF-8 $MAILROOM --refresh 0 $REMOTE; echo exit \$?; sleep 30"
screen_on pass "passphrase for $SSHLAB_KEY_PASS:"
okd $? "a key with a passphrase: the screen asks for it" "$TMP/screen"
# The question is written once echo is off: the terminal says so.
stty -F "$(T display -p -t pass '#{pane_tty}')" -a 2>&1 | tr ' ' '\n' |
    grep -x -- '-\?echo' >"$TMP/echo"
is "$(cat "$TMP/echo")" "-echo" "while the passphrase is asked, the terminal does not echo"
T send-keys -t pass "$SSHLAB_PASSPHRASE"
# Echo, were it on, would come from the terminal as the keys arrive: watched
# for a second (it ends at once if the passphrase shows), then the question's
# line must hold the question alone.
i=0
while [ $i -lt 10 ]; do
    T capture-pane -p -t pass >"$TMP/screen"
    grep -qF -- "$SSHLAB_PASSPHRASE" "$TMP/screen" && break
    sleep 0.1
    i=$((i + 1))
done
is "$(grep -F "passphrase for $SSHLAB_KEY_PASS:" "$TMP/screen" | sed 's/ *$//')" \
    "mailroom: passphrase for $SSHLAB_KEY_PASS:" \
    "the passphrase is not echoed as it is typed: its line holds the question alone"
T send-keys -t pass Enter
screen_on pass " 5 messages\| [0-9] messages"
okd $? "the right passphrase logs in and the queue is shown" "$TMP/screen"
T send-keys -t pass q
T new-session -d -s badpass -x 120 -y 20 \
    "env HOME=$HOME LANG=C.UTF-8 $MAILROOM --refresh 0 $REMOTE; echo exit \$?; sleep 30"
screen_on badpass "passphrase for" && T send-keys -t badpass "not-it" Enter
screen_on badpass "exit 1" && grep -q "wrong passphrase" "$TMP/screen"
okd $? "a wrong passphrase: refused, said, exit 1" "$TMP/screen"
# Ctrl-C at the passphrase: mailroom ends and the terminal echoes again.
# (The pane's shell catches SIGINT itself, so it lives on to tell.)
T new-session -d -s intr -x 120 -y 20 \
    "trap : INT; env HOME=$HOME LANG=C.UTF-8 $MAILROOM --refresh 0 $REMOTE; echo exit \$?; stty -a | tr ' ' '\\n' | grep -x -- '-\\?echo'; sleep 30"
screen_on intr "passphrase for" && T send-keys -t intr C-c
screen_on intr "exit 130" && screen_on intr "^echo *$"
okd $? "Ctrl-C at the passphrase: exit 130, and echo is on again" "$TMP/screen"

# --- no home, and a sudo that talks on stderr ----------------------------------
# The lab account's home is /nonexistent: every session's stderr begins with
# sshd's "Could not chdir to home directory /nonexistent: No such file or
# directory". A second sshd sets a PATH (SetEnv) whose first sudo writes what
# sudo writes on a host whose name does not resolve, and its lecture, to
# stderr, and then runs the real sudo. The listing, the message view and the
# actions through it must take neither for a failure.
home=$(getent passwd "$SSHLAB_USER" | cut -d: -f6)
[ -n "$home" ] && [ ! -e "$home" ]
ok $? "the lab account has no home directory ($home)"
mkdir "$TMP/warnbin"
cat >"$TMP/warnbin/sudo" <<SUDO
#!/bin/sh
echo "\$*" >>"$TMP/warnbin/calls"
cat >&2 <<'LECTURE'
sudo: unable to resolve host lab-host: Name or service not known

We trust you have received the usual lecture from the local System
Administrator. It usually boils down to these three things:

    #1) Respect the privacy of others.
    #2) Think before you type.
    #3) With great power comes great responsibility.

LECTURE
exec /usr/bin/sudo "\$@"
SUDO
: >"$TMP/warnbin/calls"
chmod 755 "$TMP/warnbin" "$TMP/warnbin/sudo" && chmod 666 "$TMP/warnbin/calls"
(
    SSHLAB_SETENV="PATH=$TMP/warnbin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
    sshlab_start "$TMP/sudowarn" && echo "$SSHLAB_PORT" >"$TMP/sudowarn.port"
) >/dev/null 2>"$TMP/err"
okd $? "an sshd whose sessions find a talkative sudo first on their PATH starts" "$TMP/err"
host_block talky "$(cat "$TMP/sudowarn.port" 2>/dev/null)" "$TMP/sudowarn/id_ed25519" \
    "$TMP/sudowarn/known_hosts" >"$HOME/.ssh/config"
TALKY="ssh://talky$LAB_CONFIG"
"$MAILROOM" list --json --filter -queue:bounced "postfix:$LAB_CONFIG" >"$TMP/local.jsonl" 2>/dev/null
ids "$TMP/local.jsonl" >"$TMP/local.ids"
"$MAILROOM" list --json --filter -queue:bounced "$TALKY" >"$TMP/talky.jsonl" 2>"$TMP/err"
okd $? "no home, talkative sudo: list exits 0" "$TMP/err"
ids "$TMP/talky.jsonl" >"$TMP/talky.ids"
cmp -s "$TMP/local.ids" "$TMP/talky.ids" && [ -s "$TMP/talky.ids" ]
okd $? "no home, talkative sudo: the same messages as listed here ($(wc -l <"$TMP/talky.ids"))" \
    "$TMP/talky.ids"
! grep -q "resolve host\|lecture\|chdir" "$TMP/err"
okd $? "no home, talkative sudo: neither sshd's nor sudo's words reach the listing's stderr" "$TMP/err"
[ -s "$TMP/warnbin/calls" ]
okd $? "the talkative sudo ran ($(wc -l <"$TMP/warnbin/calls") times)" "$TMP/warnbin/calls"
# A message to greylist@ alone: still queued after a retry (the mail to
# full@ was expired above, and a retry returns it to its sender).
one=$("$PYTHON" -c 'import json, sys
ms = [json.loads(l) for l in open(sys.argv[1])]
print(next(m["queue_id"] for m in ms if m["queue_name"] == "deferred"
           and {r["address"] for r in m["recipients"]} == {"greylist@sink.test"}))' "$TMP/talky.jsonl")
"$MAILROOM" act hold "$one" "$TALKY" >"$TMP/out" 2>"$TMP/err"
is "$(tail -n 1 "$TMP/out")" "hold: 1 done, 0 delivered, 0 not found, 0 failed" \
    "no home, talkative sudo: act hold $one"
is "$(lab_queue_of "$TMP/lab" "$one")" "hold" "no home, talkative sudo: $one is in hold on the server"
"$MAILROOM" act release "$one" "$TALKY" >"$TMP/out" 2>"$TMP/err"
is "$(tail -n 1 "$TMP/out")" "release: 1 done, 0 delivered, 0 not found, 0 failed" \
    "no home, talkative sudo: act release $one"
"$MAILROOM" act retry "$one" "$TALKY" >"$TMP/out" 2>"$TMP/err"
is "$(cut -f1-2 "$TMP/out" | sed -n 1p)" "$one	done" "no home, talkative sudo: act retry $one done"
# The message view runs postcat through the same sudo; the list is
# filtered to that message first.
T new-session -d -s talky -x 120 -y 30 \
    "env HOME=$HOME LANG=C.UTF-8 $MAILROOM --refresh 0 $TALKY; sleep 30"
screen_on talky "QUEUE" && T send-keys -t talky / && T send-keys -t talky -l "id:$one" &&
    T send-keys -t talky Enter && screen_on talky "^$one " && T send-keys -t talky m &&
    screen_on talky "^Subject: lab test message" &&
    grep -q "^A test message from the Postfix lab\.$" "$TMP/screen" &&
    ! grep -q "no longer\|resolve host\|lecture\|chdir" "$TMP/screen"
okd $? "no home, talkative sudo: m shows the message's headers and body" "$TMP/screen"
T send-keys -t talky q q
# Each of the listing, hold, release, retry and postcat ran through it.
[ "$(wc -l <"$TMP/warnbin/calls")" -ge 5 ] && grep -q "postcat" "$TMP/warnbin/calls" &&
    grep -q "postsuper" "$TMP/warnbin/calls"
okd $? "the talkative sudo ran postqueue, postsuper and postcat ($(wc -l <"$TMP/warnbin/calls") calls)" \
    "$TMP/warnbin/calls"

tap_end
