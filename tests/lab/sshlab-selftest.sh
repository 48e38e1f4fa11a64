#!/bin/sh
# Self-test of the SSH lab (sshlab.sh) with the OpenSSH client: a private
# sshd on 127.0.0.1 in a scratch directory, the keys and known_hosts files it
# writes, sudo through it, and that sshlab_stop leaves nothing running.
# Prints TAP; without root, sshd, ssh or python3 it prints "1..0 # SKIP".
# When the Postfix lab can run too, a private Postfix instance is started
# for the sudo postqueue check (the system's Postfix may not be running).
#
#   sh tests/lab/sshlab-selftest.sh
set -u

HERE=$(cd "$(dirname "$0")" && pwd -P)
LAB_HOME=$HERE
SSHLAB_HOME=$HERE
export LAB_HOME SSHLAB_HOME
# shellcheck source=tests/tap.sh
. "$HERE/../tap.sh"
# shellcheck source=tests/lab/lab.sh
. "$HERE/lab.sh"
# shellcheck source=tests/lab/sshlab.sh
. "$HERE/sshlab.sh"

if ! why=$(sshlab_can_run 2>&1); then
    echo "1..0 # SKIP $why"
    exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sshlab-selftest.XXXXXX")
bg_pid=
cleanup() {
    trap - EXIT INT TERM
    # Everything by PID: the background ssh client, the sshd (sshlab_stop:
    # only if still the lab's sshd), the Postfix instance and its sink.
    [ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null
    sshlab_stop "$TMP/ssh" >&2
    lab_stop "$TMP/postfix" >&2
    rm -rf "$TMP"
}
trap 'cleanup' EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
chmod 755 "$TMP" # mailroom-lab reads DIR/authorized_keys, postfix DIR/spool

# diag FILE: FILE's lines as TAP comments
diag() {
    sed 's/^/#   /' "$1"
}
# okd STATUS NAME: ok STATUS NAME, and the last command's stdout and stderr
# as comments when it failed
okd() {
    okd_status=$1
    ok "$1" "$2"
    if [ "$okd_status" -ne 0 ]; then
        echo "#   exit status: $rc; stdout:"
        diag "$TMP/out"
        echo "#   stderr:"
        diag "$TMP/err"
    fi
}
# run CMD...: runs it with stdout in $TMP/out, stderr in $TMP/err, status in rc
run() {
    "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
}
# remote_err: the remote stderr without sshd's line about the account's
# missing home directory (/nonexistent: see README, "Things to know")
remote_err() {
    grep -v '^Could not chdir to home directory ' "$TMP/err"
}

# --- start -------------------------------------------------------------------
run sshlab_start "$TMP/ssh"
okd $rc "sshlab_start (private sshd on 127.0.0.1)"
if [ -z "${SSHLAB_PORT:-}" ]; then
    tap_end
    exit 1
fi
echo "# SSHLAB_DIR=$SSHLAB_DIR port=$SSHLAB_PORT pid=$SSHLAB_PID"

if command -v ss >/dev/null 2>&1; then
    run ss -Hltn "sport = :$SSHLAB_PORT"
    [ "$(awk '{print $4}' "$TMP/out")" = "127.0.0.1:$SSHLAB_PORT" ]
    okd $? "one listener on the port, on 127.0.0.1 only"
else
    ok 0 "one listener on the port, on 127.0.0.1 only # SKIP no ss"
fi

K=$SSHLAB_KEY
KH=$SSHLAB_KNOWN_HOSTS

# --- keys ----------------------------------------------------------------------
run sshlab_ssh "$K" "$KH" 'echo hi; exit 7'
[ "$rc" -eq 7 ] && [ "$(cat "$TMP/out")" = hi ]
okd $? "ed25519 key: prints hi, exit status 7 comes back"
if [ -s "$TMP/err" ]; then
    echo "# remote stderr of a plain command (sshd, the account's home):"
    diag "$TMP/err"
fi

run sshlab_ssh "$K" "$KH" 'echo out; echo err >&2'
[ "$rc" -eq 0 ] && [ "$(cat "$TMP/out")" = out ] && [ "$(remote_err)" = err ]
okd $? "remote stdout and stderr come back apart"

printf 'a\nb\nc\n' >"$TMP/in"
sshlab_ssh "$K" "$KH" 'wc -l' <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(tr -d ' ' <"$TMP/out")" = 3 ]
okd $? "stdin passes through (3 lines counted remotely)"

run sshlab_ssh "$SSHLAB_KEY_ECDSA" "$KH" 'echo ecdsa'
[ "$rc" -eq 0 ] && [ "$(cat "$TMP/out")" = ecdsa ]
okd $? "ecdsa key accepted"

# The OpenSSH client signs with rsa-sha2-512: accepted. libssh2 1.10 signs
# RSA user auth with SHA-1 (ssh-rsa), which this sshd refuses; the client
# restricted to ssh-rsa shows the same refusal.
run sshlab_ssh "$SSHLAB_KEY_RSA" "$KH" 'echo rsa'
[ "$rc" -eq 0 ] && [ "$(cat "$TMP/out")" = rsa ]
okd $? "rsa key accepted (OpenSSH client: rsa-sha2 signature)"
run sshlab_ssh "$SSHLAB_KEY_RSA" "$KH" -o PubkeyAcceptedAlgorithms=ssh-rsa 'echo rsa'
[ "$rc" -eq 255 ] && grep -q 'Permission denied (publickey)' "$TMP/err" &&
    grep -q 'signature algorithm ssh-rsa not in PubkeyAcceptedAlgorithms' "$SSHLAB_LOG"
okd $? "rsa key with a SHA-1 (ssh-rsa) signature refused, as libssh2 1.10 would be"

run sshlab_ssh "$SSHLAB_KEY_PASS" "$KH" 'echo pass'
[ "$rc" -eq 255 ] && grep -q 'Permission denied (publickey)' "$TMP/err"
okd $? "passphrase key unusable without its passphrase (BatchMode)"
printf '#!/bin/sh\necho %s\n' "$SSHLAB_PASSPHRASE" >"$TMP/askpass"
chmod 700 "$TMP/askpass"
(
    SSH_ASKPASS=$TMP/askpass SSH_ASKPASS_REQUIRE=force
    export SSH_ASKPASS SSH_ASKPASS_REQUIRE
    sshlab_ssh "$SSHLAB_KEY_PASS" "$KH" -o BatchMode=no 'echo pass'
) </dev/null >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(cat "$TMP/out")" = pass ]
okd $? "passphrase key accepted with passphrase $SSHLAB_PASSPHRASE"

run sshlab_ssh "$SSHLAB_KEY_WRONG" "$KH" 'echo wrong'
[ "$rc" -eq 255 ] && [ ! -s "$TMP/out" ] && grep -q 'Permission denied (publickey)' "$TMP/err"
okd $? "id_wrong refused: Permission denied (publickey)"

run ssh -F /dev/null -p "$SSHLAB_PORT" -i "$K" -o IdentitiesOnly=yes \
    -o UserKnownHostsFile="$KH" -o GlobalKnownHostsFile=/dev/null \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=10 \
    root@127.0.0.1 'echo root'
[ "$rc" -eq 255 ] && [ ! -s "$TMP/out" ] && grep -q 'Permission denied' "$TMP/err"
okd $? "root refused (AllowUsers $SSHLAB_USER)"

# --- host keys -------------------------------------------------------------------
run sshlab_ssh "$K" "$SSHLAB_KNOWN_HOSTS_WRONG" 'echo mismatch'
[ "$rc" -eq 255 ] && [ ! -s "$TMP/out" ] &&
    grep -q 'REMOTE HOST IDENTIFICATION HAS CHANGED' "$TMP/err" &&
    grep -q 'Host key verification failed' "$TMP/err"
okd $? "known_hosts.wrong: host key mismatch, no login"

run sshlab_ssh "$K" "$SSHLAB_KNOWN_HOSTS_HASHED" 'echo hashed'
[ "$rc" -eq 0 ] && [ "$(cat "$TMP/out")" = hashed ] &&
    ! grep -q '127.0.0.1' "$SSHLAB_KNOWN_HOSTS_HASHED"
okd $? "known_hosts.hashed (hashed names) accepted"

# --- sudo through ssh ------------------------------------------------------------
run sshlab_ssh "$K" "$KH" 'sudo -n /usr/sbin/postqueue -p'
[ "$rc" -ne 255 ] && ! remote_err | grep -q '^sudo:'
okd $? "sudo -n /usr/sbin/postqueue -p: sudo runs it (system queue; exit $rc)"
if [ "$rc" -ne 0 ]; then
    echo "# postqueue -p on the system's Postfix said (not sudo's doing):"
    remote_err | sed 's/^/#   /'
fi
if lab_reason=$(lab_can_run); then
    if mkdir "$TMP/postfix" && lab_start "$TMP/postfix" >"$TMP/lab.out" 2>&1; then
        run sshlab_ssh "$K" "$KH" sudo -n /usr/sbin/postqueue -c "$LAB_CONFIG" -p
        [ "$rc" -eq 0 ] && grep -q 'Mail queue is empty' "$TMP/out"
        okd $? "sudo -n /usr/sbin/postqueue -c LAB_CONFIG -p through ssh: Mail queue is empty"
    else
        ok 1 "the Postfix lab starts (for sudo postqueue through ssh)"
        diag "$TMP/lab.out"
    fi
else
    ok 0 "sudo postqueue on the Postfix lab # SKIP $lab_reason"
fi
run sshlab_ssh "$K" "$KH" 'sudo -n /usr/sbin/postfix status'
[ "$rc" -eq 1 ] && grep -q 'sudo: a password is required' "$TMP/err"
okd $? "sudo -n /usr/sbin/postfix refused: only the Postfix queue tools"

# --- stop ------------------------------------------------------------------------
# A session still running when sshlab_stop comes: it is ended with the sshd.
sessions=$(grep -c 'Starting session: command' "$SSHLAB_LOG")
sshlab_ssh "$K" "$KH" 'sleep 120' </dev/null >"$TMP/bg.out" 2>&1 &
bg_pid=$!
i=0
while [ "$(grep -c 'Starting session: command' "$SSHLAB_LOG")" -le "$sessions" ] &&
    [ "$i" -lt 100 ]; do
    i=$((i + 1))
    sleep 0.1
done
pid=$SSHLAB_PID
run sshlab_stop "$SSHLAB_DIR"
okd $rc "sshlab_stop"
[ ! -d "/proc/$pid" ] || [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$pid/stat" 2>/dev/null)" = Z ]
ok $? "the sshd (PID $pid) is gone"
if command -v ss >/dev/null 2>&1; then
    [ -z "$(ss -Hltn "sport = :$SSHLAB_PORT")" ]
    ok $? "nothing listens on 127.0.0.1:$SSHLAB_PORT"
else
    ok 0 "nothing listens on the port # SKIP no ss"
fi
# The client of the running session returns when its server side is gone.
i=0
while kill -0 "$bg_pid" 2>/dev/null && [ "$i" -lt 50 ]; do
    i=$((i + 1))
    sleep 0.1
done
! kill -0 "$bg_pid" 2>/dev/null
ok $? "a session still running was ended by sshlab_stop"
wait "$bg_pid" 2>/dev/null
bg_pid=
run sshlab_stop "$SSHLAB_DIR"
okd $rc "sshlab_stop again: nothing to do, status 0"
mkdir "$TMP/empty"
run sshlab_stop "$TMP/empty"
okd $rc "sshlab_stop on a directory where nothing was started: status 0"
run sshlab_stop "$TMP/no-such-dir"
okd $rc "sshlab_stop on a missing directory: status 0"

tap_end
