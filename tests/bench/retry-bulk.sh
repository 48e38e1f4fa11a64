#!/bin/sh
# Retrying many deferred messages at once, locally and over SSH: mailroom
# act retry next to one postqueue -i process per id (what a shell loop does,
# and what mailroom did), on a private Postfix (tests/lab/lab.sh) behind a
# private sshd on 127.0.0.1 (tests/lab/sshlab.sh). Needs root, postfix and
# openssh-server. Prints the cost per id; asserts nothing.
#
#   tests/bench/retry-bulk.sh [MAILROOM] [COUNT] [SSH_LOOP_COUNT]
#
# mailroom's figures are the whole action: the listing before, the
# retries, and the watch until the retried mail has left incoming and
# active (at most 5 s) with its last listing. As root here the retries are
# requests to the flush service's socket (what postqueue -i sends); as the
# lab's account, here and over SSH, postqueue -i through sudo -n. Between
# runs the queue is left to settle back into deferred.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd -P)
MAILROOM=${1:-$HERE/../build/tui/mailroom}
COUNT=${2:-1000}
SSH_LOOP=${3:-100}
LAB_HOME=$HERE/lab
SSHLAB_HOME=$HERE/lab
export LAB_HOME SSHLAB_HOME
. "$LAB_HOME/lab.sh"
. "$LAB_HOME/sshlab.sh"
if ! reason=$(lab_can_run 2>&1) || ! reason=$(sshlab_can_run 2>&1); then
    echo "retry-bulk: $reason" >&2
    exit 1
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroom-bench.XXXXXX")
trap 'sshlab_stop "$TMP/ssh" >&2; lab_stop "$TMP/lab" >&2; rm -rf "$TMP"' EXIT INT TERM
chmod 755 "$TMP"
mkdir "$TMP/lab" "$TMP/ssh"
lab_start "$TMP/lab" >&2 || exit 1
sshlab_start "$TMP/ssh" >&2 || exit 1
lab_fill "$TMP/lab" "$COUNT" || exit 1
# shellcheck disable=SC2046
set -- $(lab_ids "$TMP/lab" greylist@sink.test deferred)
echo "retry-bulk: $# deferred messages (greylisted: each retry is deferred again)"

export HOME="$TMP/home"
mkdir -p "$HOME/.ssh"
cat >"$HOME/.ssh/config" <<CONF
Host lab
    HostName 127.0.0.1
    Port $SSHLAB_PORT
    User $SSHLAB_USER
    IdentityFile $SSHLAB_KEY
    IdentitiesOnly yes
    UserKnownHostsFile $SSHLAB_KNOWN_HOSTS
    ControlPath $TMP/ssh-control
CONF

now() { "$LAB_PYTHON" -c 'import time; print(time.monotonic())'; }
per_id() { # START END N: milliseconds per id
    "$LAB_PYTHON" -c 'import sys; a, b, n = map(float, sys.argv[1:]); print("%.1f" % ((b - a) * 1000 / n))' "$@"
}
settle() { lab_wait_queue "$TMP/lab" "$COUNT" deferred 300 >/dev/null 2>&1; sleep 1; }

# 1. One postqueue -i process per id, here.
settle
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
a=$(now)
for id do
    /usr/sbin/postqueue -c "$LAB_CONFIG" -i "$id"
done
b=$(now)
loop_local=$(per_id "$a" "$b" $#)

# 2. mailroom, here.
settle
a=$(now)
"$MAILROOM" act retry --yes --no-audit "postfix:$LAB_CONFIG" "$@" >"$TMP/local.out" 2>&1
b=$(now)
mr_local=$(per_id "$a" "$b" $#)

# 2b. mailroom here as the lab's account, which runs postqueue -c DIR
#     through sudo -n as the SSH login does: the same work, without SSH.
settle
# a copy the account can run (the build may be in a directory it cannot reach)
mkdir -p "$TMP/bin" && cp "$MAILROOM" "$TMP/bin/mailroom" && chmod 755 "$TMP/bin" "$TMP/bin/mailroom"
a=$(now)
setpriv --reuid="$SSHLAB_USER" --regid="$SSHLAB_USER" --init-groups env HOME=/nonexistent \
    "$TMP/bin/mailroom" act retry --yes --no-audit "postfix:$LAB_CONFIG" "$@" \
    >"$TMP/local-sudo.out" 2>&1
b=$(now)
mr_local_sudo=$(per_id "$a" "$b" $#)

# 3. mailroom over SSH (the lab account: postqueue -c DIR through sudo -n).
settle
a=$(now)
"$MAILROOM" act retry --yes --no-audit "ssh://lab$LAB_CONFIG" "$@" >"$TMP/ssh.out" 2>&1
b=$(now)
mr_ssh=$(per_id "$a" "$b" $#)

# 4. One channel per id over one SSH connection (OpenSSH's ControlMaster,
#    as mailroom did before), on the first SSH_LOOP ids.
settle
ssh -F "$HOME/.ssh/config" -o ControlMaster=yes -o ControlPersist=60 -fN lab
n=0
a=$(now)
for id do
    [ "$n" -ge "$SSH_LOOP" ] && break
    ssh -F "$HOME/.ssh/config" -o ControlMaster=no lab sudo -n /usr/sbin/postqueue -c "$LAB_CONFIG" -i "$id" 2>/dev/null
    n=$((n + 1))
done
b=$(now)
ssh -F "$HOME/.ssh/config" -O exit lab 2>/dev/null
loop_ssh=$(per_id "$a" "$b" "$n")

echo "retry-bulk: outcomes here:    $(tail -1 "$TMP/local.out")"
echo "retry-bulk: outcomes here as $SSHLAB_USER: $(tail -1 "$TMP/local-sudo.out")"
echo "retry-bulk: outcomes over SSH: $(tail -1 "$TMP/ssh.out")"
echo "retry-bulk: load average before the runs: $LOAD (the machine's other work shares its cores)"
echo "retry-bulk: ms per id      one postqueue -i each   mailroom act retry ($# ids)"
echo "retry-bulk: here           $loop_local                    $mr_local (as root: a request to the flush service per id)"
echo "retry-bulk: here, sudo -n   -                       $mr_local_sudo (as $SSHLAB_USER, sudo -n postqueue as over SSH)"
echo "retry-bulk: over SSH       $loop_ssh ($n ids)           $mr_ssh (as $SSHLAB_USER, sudo -n postqueue)"
"$LAB_PYTHON" -c 'import sys; l, u, s, p = map(float, sys.argv[1:]); print("retry-bulk: mailroom over SSH / here as root: %.2fx; / here with the same sudo: %.2fx; here as root / one postqueue -i each: %.2fx" % (s / l, s / u, l / p))' "$mr_local" "$mr_local_sudo" "$mr_ssh" "$loop_local"
