# A private sshd on 127.0.0.1 for tests, with its own host keys, client keys
# and known_hosts files in a scratch directory. Sourced (POSIX sh), not run,
# after lab.sh (it uses lab_sudo_user and lab_tail_logs). See tests/lab/README.md.
#
#   sshlab_can_run          0 when everything needed is there; else says on
#                           stderr what is missing and returns 1
#   sshlab_start DIR        keys, sshd_config and known_hosts files in DIR
#                           (created if missing), the account made usable for
#                           key login, sshd started on a free port; exports
#                           SSHLAB_* (below)
#   sshlab_stop DIR         stops that sshd and its per-connection processes
#                           by PID; idempotent
#   sshlab_ssh KEY KNOWN_HOSTS [-o OPTION]... COMMAND...
#                           the OpenSSH client as SSHLAB_USER@127.0.0.1 with
#                           only KEY, only KNOWN_HOSTS, strict host key
#                           checking, BatchMode (the -o options given here
#                           come first and win); the remote shell parses
#                           COMMAND, joined with spaces, as ssh does
#
# Exported by sshlab_start: SSHLAB_DIR SSHLAB_HOST (127.0.0.1) SSHLAB_PORT
# SSHLAB_USER SSHLAB_PID SSHLAB_LOG SSHLAB_KNOWN_HOSTS SSHLAB_KNOWN_HOSTS_WRONG
# SSHLAB_KNOWN_HOSTS_HASHED SSHLAB_KEY (ed25519) SSHLAB_KEY_ECDSA SSHLAB_KEY_RSA
# SSHLAB_KEY_PASS SSHLAB_PASSPHRASE SSHLAB_KEY_WRONG.
#
# Set before sourcing, if needed:
#   SSHLAB_HOME   directory of labtool.py (default: LAB_HOME, else
#                 "$(dirname "$0")/lab" as in lab.sh)
#   LAB_PYTHON    Python 3 interpreter (default python3)
# Set before sshlab_start, if needed:
#   SSHLAB_PERMIT_OPEN  HOST:PORT this sshd may open for its sessions (a jump
#                 host for ProxyJump tests); without it, no forwarding at all
#   SSHLAB_SETENV NAME=VALUE set in every session (sshd's SetEnv, which
#                 comes after sshd's own PATH): a PATH with a tool first
#
# Only 127.0.0.1. Shell variables used here start with sshlab_ (tests/tap.sh
# counts in `n`; nothing here touches it).

: "${SSHLAB_HOME:=${LAB_HOME:-$(dirname "$0")/lab}}"
: "${LAB_PYTHON:=python3}"
sshlab_sshd=/usr/sbin/sshd
SSHLAB_USER=${LAB_SUDO_USER:-mailroom-lab}
SSHLAB_HOST=127.0.0.1
SSHLAB_PASSPHRASE=lab-passphrase
# The interpreter itself, not a wrapper (as in lab.sh: a pyenv shim costs 0.5 s).
sshlab_py=$("$LAB_PYTHON" -c 'import sys; print(sys.executable)' 2>/dev/null) ||
    sshlab_py=$LAB_PYTHON
[ -n "$sshlab_py" ] || sshlab_py=$LAB_PYTHON

sshlab_can_run() {
    sshlab_missing=
    if [ "$(id -u)" != 0 ]; then
        sshlab_missing="$sshlab_missing, root (running as uid $(id -u))"
    fi
    if [ ! -x "$sshlab_sshd" ]; then
        sshlab_missing="$sshlab_missing, $sshlab_sshd (package openssh-server)"
    fi
    for sshlab_prog in ssh-keygen ssh; do
        if ! command -v "$sshlab_prog" >/dev/null 2>&1; then
            sshlab_missing="$sshlab_missing, $sshlab_prog (package openssh-client)"
        fi
    done
    for sshlab_prog in sudo visudo usermod; do
        if ! command -v "$sshlab_prog" >/dev/null 2>&1; then
            sshlab_missing="$sshlab_missing, $sshlab_prog"
        fi
    done
    if ! "$LAB_PYTHON" -c 'import socket' >/dev/null 2>&1; then
        sshlab_missing="$sshlab_missing, python3 ($LAB_PYTHON)"
    fi
    if [ ! -f "$SSHLAB_HOME/labtool.py" ]; then
        sshlab_missing="$sshlab_missing, labtool.py in SSHLAB_HOME=$SSHLAB_HOME"
    fi
    if ! command -v lab_sudo_user >/dev/null 2>&1; then
        sshlab_missing="$sshlab_missing, lab_sudo_user (source lab.sh before sshlab.sh)"
    fi
    [ -z "$sshlab_missing" ] && return 0
    echo "the SSH lab needs: ${sshlab_missing#, }" >&2
    return 1
}

sshlab_tool() {
    "$sshlab_py" "$SSHLAB_HOME/labtool.py" "$@"
}

# sshlab_dir DIR: prints DIR as an absolute path; fails for characters that
# sshd_config would interpret (spaces, quotes, % tokens in AuthorizedKeysFile).
sshlab_dir() {
    sshlab_abs=$(cd "$1" 2>/dev/null && pwd -P) || {
        echo "sshlab: no such directory: $1" >&2
        return 1
    }
    case $sshlab_abs in
    *[!A-Za-z0-9._/-]*)
        echo "sshlab: directory name not usable in sshd_config: $sshlab_abs" >&2
        return 1
        ;;
    esac
    printf '%s\n' "$sshlab_abs"
}

# sshlab_account: the sudo account of lab.sh, made usable for key login only.
# useradd --system gave it /usr/sbin/nologin and a locked password (`!`).
# sshd runs every command through the login shell (nologin refuses it), and
# with UsePAM no it refuses a locked account outright ("User ... not allowed
# because account is locked"). Shell /bin/sh and password `*` (not locked, and
# no password hashes to `*`) allow keys and nothing else. These changes stay
# (README: "What stays on the machine"); only the needed ones are made.
sshlab_account() {
    lab_sudo_user || return 1
    sshlab_shell=$(getent passwd "$SSHLAB_USER" | cut -d: -f7)
    if [ "$sshlab_shell" != /bin/sh ]; then
        usermod -s /bin/sh "$SSHLAB_USER" >&2 || {
            echo "sshlab_start: usermod -s /bin/sh $SSHLAB_USER failed" >&2
            return 1
        }
    fi
    sshlab_pw=$(getent shadow "$SSHLAB_USER" | cut -d: -f2)
    if [ "$sshlab_pw" != '*' ]; then
        usermod -p '*' "$SSHLAB_USER" >&2 || {
            echo "sshlab_start: usermod -p '*' $SSHLAB_USER failed" >&2
            return 1
        }
    fi
    return 0
}

# sshlab_keygen FILE TYPE PASSPHRASE: a fresh key pair (an old one would make
# ssh-keygen ask whether to overwrite).
sshlab_keygen() {
    rm -f "$1" "$1.pub"
    case $2 in
    rsa) set -- "$1" "$2" "$3" -b 3072 ;;
    ecdsa) set -- "$1" "$2" "$3" -b 256 ;;
    *) set -- "$1" "$2" "$3" ;;
    esac
    sshlab_kf=$1 sshlab_kt=$2 sshlab_kp=$3
    shift 3
    ssh-keygen -q -t "$sshlab_kt" "$@" -N "$sshlab_kp" -C "sshlab-${sshlab_kf##*/}" \
        -f "$sshlab_kf" </dev/null >&2
}

# sshlab_known_hosts PORT PUBFILE...: known_hosts lines for [127.0.0.1]:PORT
# from the public key files themselves (no ssh-keyscan over the network).
sshlab_known_hosts() {
    sshlab_kport=$1
    shift
    for sshlab_f in "$@"; do
        read -r sshlab_type sshlab_blob _ <"$sshlab_f" || return 1
        printf '[127.0.0.1]:%s %s %s\n' "$sshlab_kport" "$sshlab_type" "$sshlab_blob"
    done
}

# sshlab_config DIR PORT: writes DIR/sshd_config.
sshlab_config() {
    sshlab_forwarding=no
    [ -n "${SSHLAB_PERMIT_OPEN:-}" ] && sshlab_forwarding=local
    # SSHLAB_SETENV=NAME=VALUE: set for every session (a PATH, say).
    sshlab_setenv=
    [ -n "${SSHLAB_SETENV:-}" ] && sshlab_setenv="SetEnv $SSHLAB_SETENV"
    cat >"$1/sshd_config" <<EOF
# Private sshd for tests, written by tests/lab/sshlab.sh. Loopback only.
# Nothing from /etc/ssh is read (no Include).
Port $2
ListenAddress 127.0.0.1
AddressFamily inet
HostKey $1/ssh_host_ed25519_key
HostKey $1/ssh_host_ecdsa_key
PidFile $1/sshd.pid
LogLevel VERBOSE
UseDNS no

# Keys only, one account.
AllowUsers $SSHLAB_USER
PermitRootLogin no
PubkeyAuthentication yes
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AuthorizedKeysFile $1/authorized_keys/%u
# StrictModes no: with yes, sshd wants every directory from the key file up
# to / owned by root (or the user) and not group/world-writable. A scratch
# directory from mktemp lives under /tmp (mode 1777), so every login would
# fail with "bad ownership or modes for directory /tmp". Here the files are
# written by root, the directories are 755 and the file 644, this sshd
# listens on 127.0.0.1 only and lets in one account with the lab's keys.
StrictModes no

# Nothing that could make a session listen on a port or reach elsewhere:
# sshlab_stop relies on nothing of ours listening after the sshd is gone.
# A jump host (SSHLAB_PERMIT_OPEN=127.0.0.1:PORT when started) may open
# connections to that one address for its sessions (ProxyJump), and only
# there; it still listens on nothing.
AllowTcpForwarding $sshlab_forwarding
AllowStreamLocalForwarding no
AllowAgentForwarding no
PermitListen none
PermitOpen ${SSHLAB_PERMIT_OPEN:-none}
PermitTunnel no
X11Forwarding no
GatewayPorts no
PermitUserRC no
PermitUserEnvironment no
$sshlab_setenv
PrintMotd no
PrintLastLog no
# Tests may open many connections at once: no random refusals before 100.
MaxStartups 100
LoginGraceTime 30
# OpenSSH >= 9.8 refuses a source address for a while after repeated failed
# logins; the tests fail on purpose (wrong key, wrong host key), all from
# 127.0.0.1. Dropped by sshlab_start when this sshd does not know the option.
PerSourcePenalties no
EOF
}

# sshlab_fail DIR MESSAGE: reports why sshlab_start failed, shows the logs,
# stops what was started.
sshlab_fail() {
    echo "sshlab_start: $2" >&2
    lab_tail_logs sshlab_start "$1/sshd.out" "$1/sshd.log"
    sshlab_stop "$1" >&2
    return 1
}

sshlab_start() {
    [ $# -eq 1 ] || { echo "usage: sshlab_start DIR" >&2; return 2; }
    if [ ! -f "$SSHLAB_HOME/labtool.py" ]; then
        echo "sshlab_start: labtool.py not found in SSHLAB_HOME=$SSHLAB_HOME" >&2
        return 1
    fi
    mkdir -p "$1" || return 1
    sshlab_d=$(sshlab_dir "$1") || return 1
    if [ -f "$sshlab_d/sshlab.pids" ]; then
        sshlab_pid=$(sed -n '1s/:.*//p' "$sshlab_d/sshlab.pids")
        if [ -n "$sshlab_pid" ] && kill -0 "$sshlab_pid" 2>/dev/null; then
            echo "sshlab_start: an sshd is already running in $sshlab_d (sshlab_stop it first)" >&2
            return 1
        fi
        rm -f "$sshlab_d/sshlab.pids"
    fi
    # sshd reads the authorized keys as the user: DIR and everything above it
    # must be searchable by others; 755 on DIR itself (private keys stay 600).
    sshlab_why=$(sshlab_tool check-traverse "$sshlab_d" "$SSHLAB_USER") || {
        echo "sshlab_start: $sshlab_why" >&2
        return 1
    }
    chmod 755 "$sshlab_d" || return 1
    sshlab_account || return 1
    # Debian's sshd exits without it: "Missing privilege separation directory:
    # /run/sshd". Normally made by the systemd unit, which does not run here.
    if [ ! -d /run/sshd ]; then
        mkdir -m 755 /run/sshd || return 1
    fi

    # 1. Keys. Host keys for the server, plus one it never uses (for a
    #    known_hosts that names the wrong key). Client keys without
    #    passphrase, one with, and one that is not authorised.
    for sshlab_k in ssh_host_ed25519_key:ed25519 ssh_host_ecdsa_key:ecdsa \
        ssh_host_other_ed25519_key:ed25519 id_ed25519:ed25519 id_ecdsa:ecdsa \
        id_rsa:rsa id_wrong:ed25519; do
        sshlab_keygen "$sshlab_d/${sshlab_k%:*}" "${sshlab_k#*:}" "" || {
            echo "sshlab_start: ssh-keygen ${sshlab_k#*:} for $sshlab_d/${sshlab_k%:*} failed" >&2
            return 1
        }
    done
    sshlab_keygen "$sshlab_d/id_ed25519_pass" ed25519 "$SSHLAB_PASSPHRASE" || {
        echo "sshlab_start: ssh-keygen for $sshlab_d/id_ed25519_pass failed" >&2
        return 1
    }
    mkdir -p "$sshlab_d/authorized_keys" && chmod 755 "$sshlab_d/authorized_keys" &&
        cat "$sshlab_d/id_ed25519.pub" "$sshlab_d/id_ecdsa.pub" "$sshlab_d/id_rsa.pub" \
            "$sshlab_d/id_ed25519_pass.pub" >"$sshlab_d/authorized_keys/$SSHLAB_USER" &&
        chmod 644 "$sshlab_d/authorized_keys/$SSHLAB_USER" || return 1

    # 2. sshd on a free port. The port is chosen before sshd binds it, so
    #    another program can take it in between: then try another (3 times).
    rm -f "$sshlab_d/sshd.pid"
    : >"$sshlab_d/sshd.log"
    sshlab_try=1
    while :; do
        sshlab_port=$(sshlab_tool free-ports 1) || {
            sshlab_fail "$sshlab_d" "no free port on 127.0.0.1"
            return 1
        }
        echo "$sshlab_port" >"$sshlab_d/sshlab.port"
        sshlab_config "$sshlab_d" "$sshlab_port"
        if ! "$sshlab_sshd" -t -f "$sshlab_d/sshd_config" >"$sshlab_d/sshd.out" 2>&1; then
            if grep -qi 'PerSourcePenalties' "$sshlab_d/sshd.out"; then
                # An sshd older than 9.8: it has no penalties to turn off.
                sed -i '/^PerSourcePenalties /d' "$sshlab_d/sshd_config"
            fi
            if ! "$sshlab_sshd" -t -f "$sshlab_d/sshd_config" >"$sshlab_d/sshd.out" 2>&1; then
                sshlab_fail "$sshlab_d" "sshd -t rejects $sshlab_d/sshd_config"
                return 1
            fi
        fi
        # -D: in the foreground, as this shell's child, so $! is its PID and
        # it stays in the caller's process group (a runner's SIGTERM to the
        # group reaches it). Its output goes to files, so it never holds the
        # caller's stdout (a TAP pipe) open.
        "$sshlab_sshd" -D -f "$sshlab_d/sshd_config" -E "$sshlab_d/sshd.log" \
            </dev/null >>"$sshlab_d/sshd.out" 2>&1 &
        sshlab_pid=$!
        echo "$sshlab_pid:sshd" >"$sshlab_d/sshlab.pids"
        if sshlab_tool wait-ssh 10 "$sshlab_port" "$sshlab_pid" 2>>"$sshlab_d/sshd.out"; then
            break
        fi
        if [ "$sshlab_try" -lt 3 ] && ! kill -0 "$sshlab_pid" 2>/dev/null &&
            grep -q 'Address already in use' "$sshlab_d/sshd.log"; then
            wait "$sshlab_pid" 2>/dev/null
            sshlab_try=$((sshlab_try + 1))
            continue
        fi
        sshlab_fail "$sshlab_d" "sshd did not answer on 127.0.0.1:$sshlab_port within 10 s (see $sshlab_d/sshd.log)"
        return 1
    done

    # 3. The guard: stops this sshd if the calling shell dies without
    #    sshlab_stop (SIGKILL); the sshd, not a child of anything of the
    #    runner's then, would otherwise stay.
    "$sshlab_py" "$SSHLAB_HOME/labtool.py" sshlab-guard "$$" "$sshlab_d" \
        </dev/null >"$sshlab_d/guard.out" 2>&1 &
    sshlab_guard=$!
    echo "$sshlab_guard:$(sshlab_tool comm "$sshlab_guard")" >>"$sshlab_d/sshlab.pids"

    # 4. known_hosts: the server's host keys; the unused key under the same
    #    name; the right ones hashed (ssh-keygen -H leaves a .old copy).
    if ! {
        sshlab_known_hosts "$sshlab_port" "$sshlab_d/ssh_host_ed25519_key.pub" \
            "$sshlab_d/ssh_host_ecdsa_key.pub" >"$sshlab_d/known_hosts" &&
            sshlab_known_hosts "$sshlab_port" "$sshlab_d/ssh_host_other_ed25519_key.pub" \
                >"$sshlab_d/known_hosts.wrong" &&
            cp "$sshlab_d/known_hosts" "$sshlab_d/known_hosts.hashed" &&
            ssh-keygen -q -H -f "$sshlab_d/known_hosts.hashed" >/dev/null 2>&1 &&
            rm -f "$sshlab_d/known_hosts.hashed.old"
    }; then
        sshlab_fail "$sshlab_d" "could not write the known_hosts files"
        return 1
    fi

    SSHLAB_DIR=$sshlab_d
    SSHLAB_PORT=$sshlab_port
    SSHLAB_PID=$sshlab_pid
    SSHLAB_LOG=$sshlab_d/sshd.log
    SSHLAB_KNOWN_HOSTS=$sshlab_d/known_hosts
    SSHLAB_KNOWN_HOSTS_WRONG=$sshlab_d/known_hosts.wrong
    SSHLAB_KNOWN_HOSTS_HASHED=$sshlab_d/known_hosts.hashed
    SSHLAB_KEY=$sshlab_d/id_ed25519
    SSHLAB_KEY_ECDSA=$sshlab_d/id_ecdsa
    SSHLAB_KEY_RSA=$sshlab_d/id_rsa
    SSHLAB_KEY_PASS=$sshlab_d/id_ed25519_pass
    SSHLAB_KEY_WRONG=$sshlab_d/id_wrong
    export SSHLAB_DIR SSHLAB_HOST SSHLAB_PORT SSHLAB_USER SSHLAB_PID SSHLAB_LOG \
        SSHLAB_KNOWN_HOSTS SSHLAB_KNOWN_HOSTS_WRONG SSHLAB_KNOWN_HOSTS_HASHED \
        SSHLAB_KEY SSHLAB_KEY_ECDSA SSHLAB_KEY_RSA SSHLAB_KEY_PASS SSHLAB_PASSPHRASE \
        SSHLAB_KEY_WRONG
    return 0
}

# sshlab_running PID: the process exists and is not a zombie.
sshlab_running() {
    sshlab_state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) &&
        [ -n "$sshlab_state" ] && [ "$sshlab_state" != Z ]
}

sshlab_stop() {
    [ $# -eq 1 ] || { echo "usage: sshlab_stop DIR" >&2; return 2; }
    sshlab_d=$(sshlab_dir "$1" 2>/dev/null) || return 0 # no DIR: nothing runs
    [ -f "$sshlab_d/sshlab.pids" ] || return 0
    sshlab_rc=0
    # By PID: the sshd only if it still is an sshd started with this
    # DIR/sshd_config, with its per-connection processes; the guard; then
    # the port must be free.
    sshlab_tool stop-sshlab "$sshlab_d" || sshlab_rc=1
    # Reap them when they are this shell's children (no <defunct> left);
    # only those that have ended: `wait` would block on one left alone.
    while IFS=: read -r sshlab_pid _; do
        case $sshlab_pid in *[!0-9]* | '') continue ;; esac
        [ "$sshlab_pid" != "$$" ] && ! sshlab_running "$sshlab_pid" &&
            wait "$sshlab_pid" 2>/dev/null
    done <"$sshlab_d/sshlab.pids"
    [ "$sshlab_rc" -eq 0 ] && rm -f "$sshlab_d/sshlab.pids"
    return $sshlab_rc
}

sshlab_ssh() {
    [ $# -ge 3 ] || {
        echo "usage: sshlab_ssh KEY KNOWN_HOSTS [-o OPTION]... COMMAND..." >&2
        return 2
    }
    sshlab_key=$1
    sshlab_kh=$2
    shift 2
    # Leading -o OPTION pairs go first: for ssh the first value given wins, so
    # they override the defaults (-o BatchMode=no for the passphrase key).
    # Built by rotating the positional parameters: no eval, any words.
    sshlab_total=$#
    sshlab_moved=0
    while [ "$sshlab_moved" -lt "$sshlab_total" ] && [ $# -ge 2 ] && [ "$1" = -o ]; do
        set -- "$@" "$1" "$2"
        shift 2
        sshlab_moved=$((sshlab_moved + 2))
    done
    sshlab_words=$((sshlab_total - sshlab_moved))
    [ "$sshlab_words" -gt 0 ] || {
        echo "sshlab_ssh: no remote command" >&2
        return 2
    }
    # -F /dev/null: neither ~/.ssh/config nor /etc/ssh/ssh_config applies.
    set -- "$@" -F /dev/null -p "$SSHLAB_PORT" -i "$sshlab_key" -o IdentitiesOnly=yes \
        -o UserKnownHostsFile="$sshlab_kh" -o GlobalKnownHostsFile=/dev/null \
        -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=10 \
        "$SSHLAB_USER@127.0.0.1"
    while [ "$sshlab_words" -gt 0 ]; do
        set -- "$@" "$1"
        shift
        sshlab_words=$((sshlab_words - 1))
    done
    ssh "$@"
}
