#!/bin/sh
# Listing a real 10,000-message deferred queue over SSH: mailroom next to the
# OpenSSH client running postqueue -j on the same host, through a private
# sshd on 127.0.0.1 (tests/lab/sshlab.sh) in front of a private Postfix
# (tests/lab/lab.sh). Needs root, postfix and openssh-server. Prints
# figures; asserts nothing.
#
#   tests/bench/ssh-list.sh [MAILROOM] [COUNT]
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd -P)
MAILROOM=${1:-$HERE/../build/tui/mailroom}
COUNT=${2:-10000}
LAB_HOME=$HERE/lab
SSHLAB_HOME=$HERE/lab
export LAB_HOME SSHLAB_HOME
. "$LAB_HOME/lab.sh"
. "$LAB_HOME/sshlab.sh"
if ! reason=$(lab_can_run 2>&1) || ! reason=$(sshlab_can_run 2>&1); then
    echo "ssh-list: $reason" >&2
    exit 1
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroom-bench.XXXXXX")
trap 'sshlab_stop "$TMP/ssh" >&2; lab_stop "$TMP/lab" >&2; rm -rf "$TMP"' EXIT INT TERM
chmod 755 "$TMP"
mkdir "$TMP/lab" "$TMP/ssh"
lab_start "$TMP/lab" >&2 || exit 1
sshlab_start "$TMP/ssh" >&2 || exit 1

start=$(date +%s)
lab_fill "$TMP/lab" "$COUNT" || exit 1
echo "ssh-list: $COUNT messages deferred in $(($(date +%s) - start)) s"

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
CONF

# best of five runs each, wall clock
best() {
    "$LAB_PYTHON" "$HERE/bench/best-of.py" "$@"
}
# The instance's directory is not in the default main.cf's
# alternate_config_directories: postqueue -c needs root, so sudo -n, as
# mailroom runs it.
ssh=$(best ssh -F "$HOME/.ssh/config" lab sudo -n /usr/sbin/postqueue -c "$LAB_CONFIG" -j)
mr=$(best "$MAILROOM" list --json "ssh://lab$LAB_CONFIG")
mrt=$(best "$MAILROOM" list "ssh://lab$LAB_CONFIG")
echo "ssh-list: ssh lab sudo -n postqueue -c DIR -j >/dev/null: $ssh s"
echo "ssh-list: mailroom list --json ssh://lab/DIR >/dev/null: $mr s"
echo "ssh-list: mailroom list ssh://lab/DIR >/dev/null (table): $mrt s"
"$LAB_PYTHON" -c "import sys; print('ssh-list: ratio %.2fx (json), %.2fx (table)' % (float(sys.argv[2]) / float(sys.argv[1]), float(sys.argv[3]) / float(sys.argv[1])))" "$ssh" "$mr" "$mrt"
