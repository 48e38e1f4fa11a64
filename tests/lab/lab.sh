# A private Postfix instance plus an SMTP sink on loopback, for tests.
# Sourced (POSIX sh), not run. See tests/lab/README.md.
#
#   lab_can_run                        0 when root and /usr/sbin/postfix exist;
#                                      else prints the reason, returns 1
#   lab_start DIR                      configures and starts the lab under DIR;
#                                      exports LAB_CONFIG LAB_LOG LAB_SMTPD_PORT
#                                      (and LAB_DIR LAB_SINK_PORT LAB_TARPIT_PORT
#                                      LAB_REFUSED_PORT LAB_SINK_LOG)
#   lab_stop DIR                       stops all of it; idempotent
#   lab_send DIR SENDER RCPT...        submits one small message with sendmail
#   lab_wait_queue DIR COUNT [QUEUE] [TIMEOUT]
#                                      waits for exactly COUNT queued messages
#   lab_ids DIR RCPT [QUEUE [COUNT TIMEOUT]]
#                                      ids of the messages to RCPT, one a line;
#                                      with COUNT, waits until there are COUNT
#   lab_queue_of DIR ID                the queue ID is in, or "gone"
#   lab_reload DIR                     postfix reload, and waits until the old
#                                      daemons are gone
#   lab_route DIR DOMAIN sink|refused|tarpit
#                                      sends DOMAIN's mail there from now on
#   lab_flush DIR off|on               takes the flush service (postqueue -f,
#                                      -i, -s) out of master.cf, or back
#
# Set before sourcing, if needed:
#   LAB_HOME    directory of sink.py and labtool.py (default: "$(dirname "$0")/lab",
#               right for scripts in tests/)
#   LAB_PYTHON  Python 3 interpreter (default python3)
#
# Everything listens on 127.0.0.1 only, on ports picked at start. Shell
# variables used here start with lab_; all values reach commands as arguments.

: "${LAB_HOME:=$(dirname "$0")/lab}"
: "${LAB_PYTHON:=python3}"
lab_sbin=/usr/sbin
# The interpreter itself, not a wrapper (a pyenv shim costs 0.5 s a call).
lab_py=$("$LAB_PYTHON" -c 'import sys; print(sys.executable)' 2>/dev/null) ||
    lab_py=$LAB_PYTHON
[ -n "$lab_py" ] || lab_py=$LAB_PYTHON

lab_can_run() {
    if [ "$(id -u)" != 0 ]; then
        echo "the Postfix lab needs root (running as uid $(id -u))"
        return 1
    fi
    for lab_prog in postfix postconf postqueue postsuper sendmail; do
        if [ ! -x "$lab_sbin/$lab_prog" ]; then
            echo "$lab_sbin/$lab_prog not found: install the postfix package"
            return 1
        fi
    done
    if ! id postfix >/dev/null 2>&1; then
        echo "no postfix user on this machine"
        return 1
    fi
    if ! "$LAB_PYTHON" -c 'import asyncio' >/dev/null 2>&1; then
        echo "no Python 3 ($LAB_PYTHON) for the lab's SMTP sink"
        return 1
    fi
    if [ ! -f "$LAB_HOME/sink.py" ] || [ ! -f "$LAB_HOME/labtool.py" ]; then
        echo "sink.py/labtool.py not found in LAB_HOME=$LAB_HOME"
        return 1
    fi
    return 0
}

# lab_dir DIR: prints DIR as an absolute path; fails for characters that
# main.cf would interpret ($, spaces, commas, ...).
lab_dir() {
    lab_abs=$(cd "$1" 2>/dev/null && pwd -P) || {
        echo "lab: no such directory: $1" >&2
        return 1
    }
    case $lab_abs in
    *[!A-Za-z0-9._/-]*)
        echo "lab: directory name not usable in main.cf: $lab_abs" >&2
        return 1
        ;;
    esac
    printf '%s\n' "$lab_abs"
}

lab_tool() {
    "$lab_py" "$LAB_HOME/labtool.py" "$@"
}

lab_daemon_dir() {
    "$lab_sbin/postconf" -c "$1/etc" -h daemon_directory 2>/dev/null ||
        echo /usr/lib/postfix/sbin
}

# lab_tail_logs WHO FILE...: the last lines of each FILE that is not empty,
# on stderr, each under "WHO: --- FILE (last lines)" (lab_fail, sshlab_fail).
lab_tail_logs() {
    lab_who=$1
    shift
    for lab_f in "$@"; do
        if [ -s "$lab_f" ]; then
            echo "$lab_who: --- $lab_f (last lines)" >&2
            tail -n 20 "$lab_f" >&2
        fi
    done
}

# lab_fail DIR MESSAGE: reports why lab_start failed, shows the log, cleans up.
lab_fail() {
    echo "lab_start: $2" >&2
    lab_tail_logs lab_start "$1/postfix-cmd.log" "$1/sink.out" "$1/postfix.log"
    lab_stop "$1" >&2
    return 1
}

lab_start() {
    [ $# -eq 1 ] || { echo "usage: lab_start DIR" >&2; return 2; }
    if [ ! -f "$LAB_HOME/sink.py" ] || [ ! -f "$LAB_HOME/labtool.py" ]; then
        echo "lab_start: sink.py/labtool.py not found in LAB_HOME=$LAB_HOME" >&2
        return 1
    fi
    lab_d=$(lab_dir "$1") || return 1
    if [ -f "$lab_d/pids" ]; then
        echo "lab_start: a lab is already running in $lab_d (lab_stop it first)" >&2
        return 1
    fi
    # Postfix daemons (user postfix) must reach DIR/spool and DIR/data.
    lab_why=$(lab_tool check-traverse "$lab_d") || {
        echo "lab_start: $lab_why" >&2
        return 1
    }
    chmod 755 "$lab_d" || return 1
    mkdir -p "$lab_d/etc" "$lab_d/spool" "$lab_d/data" || return 1
    chown postfix "$lab_d/data" || return 1
    : >"$lab_d/pids"
    : >"$lab_d/sink.log"
    rm -f "$lab_d/sink.ready"

    # 1. The sink: SMTP on one port, tarpit on another; it picks free ports
    #    itself (port 0) and reports them in the ready file: no race.
    "$lab_py" "$LAB_HOME/sink.py" --port 0 --tarpit-port 0 \
        --ready "$lab_d/sink.ready" --log "$lab_d/sink.log" --parent $$ \
        </dev/null >"$lab_d/sink.out" 2>&1 &
    lab_sink_pid=$!
    lab_i=0
    while [ ! -f "$lab_d/sink.ready" ]; do
        if ! kill -0 "$lab_sink_pid" 2>/dev/null; then
            lab_fail "$lab_d" "the sink did not start"
            return 1
        fi
        lab_i=$((lab_i + 1))
        if [ "$lab_i" -gt 200 ]; then
            echo "$lab_sink_pid:$(lab_tool comm "$lab_sink_pid")" >>"$lab_d/pids"
            lab_fail "$lab_d" "the sink was not ready after 10 s"
            return 1
        fi
        sleep 0.05
    done
    echo "$lab_sink_pid:$(lab_tool comm "$lab_sink_pid")" >>"$lab_d/pids"
    lab_sink_port=$(sed -n 's/^port=//p' "$lab_d/sink.ready")
    lab_tarpit_port=$(sed -n 's/^tarpit_port=//p' "$lab_d/sink.ready")

    # 2. Two more free ports: smtpd's listener, and one where nothing listens.
    lab_ports=$(lab_tool free-ports 2) || {
        lab_fail "$lab_d" "no free ports"
        return 1
    }
    lab_smtpd_port=${lab_ports% *}
    lab_refused_port=${lab_ports#* }
    {
        echo "smtpd=$lab_smtpd_port"
        echo "sink=$lab_sink_port"
        echo "tarpit=$lab_tarpit_port"
        echo "refused=$lab_refused_port"
    } >"$lab_d/ports"

    # 3. Configuration. Written from scratch (not copied from /etc/postfix) so
    #    that the local system's settings cannot leak in.
    cat >"$lab_d/etc/main.cf" <<EOF
# Private Postfix lab instance, written by tests/lab/lab.sh. Loopback only.
compatibility_level = 3.6
queue_directory = $lab_d/spool
data_directory = $lab_d/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $lab_d/postfix.log
maillog_file_prefixes = $lab_d

myhostname = lab.localdomain
myorigin = \$myhostname
mydestination = \$myhostname, localhost.localdomain, localhost
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8

# Every remote domain ends at a bracketed IP: no DNS, no name lookup.
relayhost = [127.0.0.1]:$lab_sink_port
default_transport = smtp
relay_transport = smtp
transport_maps = texthash:$lab_d/etc/transport
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtpd_tls_security_level = none

# Local domains: accepted and discarded (nothing is written to /var/mail).
local_transport = discard:lab
local_recipient_maps =
alias_maps =
alias_database =

# Retries: the first attempt happens at once; the next only after 300 s, so
# deferred mail stays put while a test looks at it (postqueue -f / -i retry
# on demand). Nothing expires during a test.
queue_run_delay = 300s
minimal_backoff_time = 300s
maximal_backoff_time = 600s
maximal_queue_lifetime = 1d
bounce_queue_lifetime = 1d
in_flow_delay = 0
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0

biff = no
append_dot_mydomain = no
readme_directory = no
EOF
    cat >"$lab_d/etc/master.cf" <<EOF
# Private Postfix lab instance, written by tests/lab/lab.sh. No chroot.
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$lab_smtpd_port inet n - n - - smtpd
pickup     unix  n       -       n       60      1       pickup
cleanup    unix  n       -       n       -       0       cleanup
qmgr       unix  n       -       n       300     1       qmgr
rewrite    unix  -       -       n       -       -       trivial-rewrite
bounce     unix  -       -       n       -       0       bounce
defer      unix  -       -       n       -       0       bounce
trace      unix  -       -       n       -       0       bounce
verify     unix  -       -       n       -       1       verify
flush      unix  n       -       n       1000?   0       flush
proxymap   unix  -       -       n       -       -       proxymap
proxywrite unix  -       -       n       -       1       proxymap
smtp       unix  -       -       n       -       -       smtp
relay      unix  -       -       n       -       -       smtp
  -o syslog_name=postfix/\$service_name
slow       unix  -       -       n       -       -       smtp
  -o smtp_connect_timeout=3s
  -o smtp_helo_timeout=5s
showq      unix  n       -       n       -       -       showq
error      unix  -       -       n       -       -       error
retry      unix  -       -       n       -       -       error
discard    unix  -       -       n       -       -       discard
local      unix  -       n       n       -       -       local
virtual    unix  -       n       n       -       -       virtual
lmtp       unix  -       -       n       -       -       lmtp
anvil      unix  -       -       n       -       1       anvil
scache     unix  -       -       n       -       1       scache
postlog    unix-dgram n  -       n       -       1       postlogd
EOF
    cat >"$lab_d/etc/transport" <<EOF
# domain       next hop
sink.test      smtp:[127.0.0.1]:$lab_sink_port
refused.test   smtp:[127.0.0.1]:$lab_refused_port
tarpit.test    slow:[127.0.0.1]:$lab_tarpit_port
later.test     smtp:[127.0.0.1]:$lab_refused_port
EOF

    # 4. Postfix itself. With maillog_file set it prints nothing: exit codes
    #    count, messages are in the log.
    if ! "$lab_sbin/postfix" -c "$lab_d/etc" check </dev/null >"$lab_d/postfix-cmd.log" 2>&1; then
        lab_fail "$lab_d" "postfix -c $lab_d/etc check failed"
        return 1
    fi
    if ! "$lab_sbin/postfix" -c "$lab_d/etc" start </dev/null >>"$lab_d/postfix-cmd.log" 2>&1; then
        lab_fail "$lab_d" "postfix -c $lab_d/etc start failed"
        return 1
    fi
    lab_i=0
    until "$lab_sbin/postfix" -c "$lab_d/etc" status </dev/null >/dev/null 2>&1 &&
        [ -s "$lab_d/spool/pid/master.pid" ]; do
        lab_i=$((lab_i + 1))
        if [ "$lab_i" -gt 100 ]; then
            lab_fail "$lab_d" "Postfix not running 10 s after postfix start"
            return 1
        fi
        sleep 0.1
    done
    lab_master_pid=$(tr -d ' \n' <"$lab_d/spool/pid/master.pid")
    echo "$lab_master_pid:$(lab_tool comm "$lab_master_pid")" >>"$lab_d/pids"
    if ! lab_tool wait-ports listening 10 "$lab_smtpd_port"; then
        lab_fail "$lab_d" "smtpd is not listening on 127.0.0.1:$lab_smtpd_port"
        return 1
    fi

    LAB_DIR=$lab_d
    LAB_CONFIG=$lab_d/etc
    LAB_LOG=$lab_d/postfix.log
    LAB_SINK_LOG=$lab_d/sink.log
    LAB_SMTPD_PORT=$lab_smtpd_port
    LAB_SINK_PORT=$lab_sink_port
    LAB_TARPIT_PORT=$lab_tarpit_port
    LAB_REFUSED_PORT=$lab_refused_port
    export LAB_DIR LAB_CONFIG LAB_LOG LAB_SINK_LOG LAB_SMTPD_PORT LAB_SINK_PORT \
        LAB_TARPIT_PORT LAB_REFUSED_PORT
    return 0
}

lab_stop() {
    [ $# -eq 1 ] || { echo "usage: lab_stop DIR" >&2; return 2; }
    lab_d=$(lab_dir "$1" 2>/dev/null) || return 0 # nothing there: nothing runs
    lab_rc=0
    # postfix stop first and without a status check: when a test runner sends
    # SIGTERM and SIGKILL 0.5 s later (meson does), the master must already
    # have been told; it is a daemon outside the runner's process group.
    if [ -f "$lab_d/etc/main.cf" ] && [ -s "$lab_d/spool/pid/master.pid" ]; then
        if ! "$lab_sbin/postfix" -c "$lab_d/etc" stop </dev/null >>"$lab_d/postfix-cmd.log" 2>&1 &&
            "$lab_sbin/postfix" -c "$lab_d/etc" status </dev/null >/dev/null 2>&1; then
            echo "lab_stop: postfix -c $lab_d/etc stop failed" >&2
            lab_rc=1
        fi
    fi
    # Then, by PID, the master and the sink (a recorded PID whose program name
    # changed since is left alone); then the instance's daemons (cwd = its
    # spool, program from daemon_directory) are waited for; then the ports.
    lab_tool stop-lab "$lab_d" "$(lab_daemon_dir "$lab_d")" || lab_rc=1
    if [ -f "$lab_d/pids" ]; then
        # Reap the sink if it is this shell's child (no <defunct> left behind).
        while IFS=: read -r lab_pid _; do
            case $lab_pid in *[!0-9]* | '') continue ;; esac
            [ "$lab_pid" != "$$" ] && wait "$lab_pid" 2>/dev/null
        done <"$lab_d/pids"
    fi
    rm -f "$lab_d/pids"
    return $lab_rc
}

# lab_sudo_user: makes sure the account LAB_SUDO_USER exists (a system
# account: no home, no login shell, no password) and may run the Postfix tools
# mailroom uses as root through sudo, and nothing else
# (/etc/sudoers.d/mailroom-lab, checked with visudo before it is put in
# place). Both stay, for the next run and for the SSH tests; to remove them:
#   userdel mailroom-lab; rm /etc/sudoers.d/mailroom-lab
LAB_SUDO_USER=mailroom-lab
lab_sudo_user() {
    if ! command -v sudo >/dev/null 2>&1 || ! command -v visudo >/dev/null 2>&1; then
        echo "lab_sudo_user: sudo is not installed" >&2
        return 1
    fi
    if ! id "$LAB_SUDO_USER" >/dev/null 2>&1 &&
        ! useradd --system --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$LAB_SUDO_USER" >&2; then
        echo "lab_sudo_user: useradd $LAB_SUDO_USER failed" >&2
        return 1
    fi
    lab_rule="$LAB_SUDO_USER ALL=(root) NOPASSWD: $lab_sbin/postqueue, $lab_sbin/postsuper, $lab_sbin/postcat, $lab_sbin/postkick"
    lab_rules=/etc/sudoers.d/mailroom-lab
    [ "$(cat "$lab_rules" 2>/dev/null)" = "$lab_rule" ] && return 0
    # sudo skips files in sudoers.d whose names hold a dot: the draft is inert.
    lab_draft=$(mktemp /etc/sudoers.d/.mailroom-lab.XXXXXX) || return 1
    printf '%s\n' "$lab_rule" >"$lab_draft" && chmod 440 "$lab_draft" &&
        visudo -cqf "$lab_draft" >&2 && mv "$lab_draft" "$lab_rules" && return 0
    rm -f "$lab_draft"
    echo "lab_sudo_user: could not install $lab_rules" >&2
    return 1
}

lab_send() {
    [ $# -ge 3 ] || { echo "usage: lab_send DIR SENDER RCPT..." >&2; return 2; }
    lab_d=$(lab_dir "$1") || return 1
    lab_sender=$2
    shift 2
    lab_n=1
    [ -f "$lab_d/sent" ] && lab_n=$(($(wc -l <"$lab_d/sent") + 1))
    echo "$lab_n" >>"$lab_d/sent"
    printf 'From: <%s>\nSubject: lab test message %s\n\nA test message from the Postfix lab.\n' \
        "$lab_sender" "$lab_n" |
        "$lab_sbin/sendmail" -C "$lab_d/etc" -f "$lab_sender" -- "$@"
}

lab_wait_queue() {
    [ $# -ge 2 ] || { echo "usage: lab_wait_queue DIR COUNT [QUEUE] [TIMEOUT]" >&2; return 2; }
    lab_d=$(lab_dir "$1") || return 1
    lab_tool wait-queue "$lab_sbin/postqueue" "$lab_d/etc" "$2" "${3:-}" "${4:-60}"
}

lab_ids() {
    [ $# -eq 2 ] || [ $# -eq 3 ] || [ $# -eq 5 ] ||
        { echo "usage: lab_ids DIR RCPT [QUEUE [COUNT TIMEOUT]]" >&2; return 2; }
    lab_d=$(lab_dir "$1") || return 1
    shift
    lab_tool ids "$lab_sbin/postqueue" "$lab_d/etc" "$1" "${2:-}" ${3:+"$3"} ${4:+"$4"}
}

lab_queue_of() {
    [ $# -eq 2 ] || { echo "usage: lab_queue_of DIR ID" >&2; return 2; }
    lab_d=$(lab_dir "$1") || return 1
    lab_tool queue-of "$lab_sbin/postqueue" "$lab_d/etc" "$2"
}

# lab_reload DIR: postfix reload. Every daemon of the instance ends after
# its current task and the next request starts a fresh one with the new
# configuration; until the old qmgr and trivial-rewrite are gone they may
# still route mail the old way, and an old flush may still answer, so those
# are waited for (10 s). A delivery agent in the middle of a delivery (to the
# tarpit: minutes) is not: it routes nothing.
lab_reload() {
    [ $# -eq 1 ] || { echo "usage: lab_reload DIR" >&2; return 2; }
    lab_d=$(lab_dir "$1") || return 1
    lab_master=$(tr -d ' \n' <"$lab_d/spool/pid/master.pid" 2>/dev/null)
    lab_old=$(lab_tool instance-procs "$lab_d/spool" "$(lab_daemon_dir "$lab_d")")
    if ! "$lab_sbin/postfix" -c "$lab_d/etc" reload </dev/null >>"$lab_d/postfix-cmd.log" 2>&1; then
        echo "lab_reload: postfix -c $lab_d/etc reload failed" >&2
        return 1
    fi
    lab_i=0
    for lab_p in $lab_old; do
        lab_pid=${lab_p%%:*}
        [ "$lab_pid" = "$lab_master" ] && continue
        case ${lab_p#*:} in qmgr | trivial-rewrite | flush) ;; *) continue ;; esac
        while kill -0 "$lab_pid" 2>/dev/null; do
            lab_i=$((lab_i + 1))
            if [ "$lab_i" -gt 200 ]; then
                echo "lab_reload: $lab_p still runs 10 s after postfix reload" >&2
                return 1
            fi
            sleep 0.05
        done
    done
    return 0
}

# lab_route DIR DOMAIN sink|refused|tarpit: DOMAIN's line of the transport
# map (added if missing) names that port from now on, and Postfix is
# reloaded (texthash is read when a daemon starts). Mail deferred before
# goes there at its next attempt: later.test starts at "refused", so mail to
# it waits in deferred until "lab_route DIR later.test sink".
lab_route() {
    [ $# -eq 3 ] || { echo "usage: lab_route DIR DOMAIN sink|refused|tarpit" >&2; return 2; }
    lab_d=$(lab_dir "$1") || return 1
    case $3 in
    sink | refused) lab_hop="smtp:[127.0.0.1]:$(sed -n "s/^$3=//p" "$lab_d/ports")" ;;
    tarpit) lab_hop="slow:[127.0.0.1]:$(sed -n 's/^tarpit=//p' "$lab_d/ports")" ;;
    *)
        echo "lab_route: $3 is not sink, refused or tarpit" >&2
        return 2
        ;;
    esac
    case $2 in
    *[!A-Za-z0-9.-]* | '')
        echo "lab_route: not a domain: $2" >&2
        return 2
        ;;
    esac
    awk -v d="$2" '$1 != d' "$lab_d/etc/transport" >"$lab_d/etc/transport.new" &&
        printf '%-14s %s\n' "$2" "$lab_hop" >>"$lab_d/etc/transport.new" &&
        mv "$lab_d/etc/transport.new" "$lab_d/etc/transport" &&
        lab_reload "$lab_d"
}

# lab_flush DIR off|on: "off" comments the flush service out of master.cf
# (postconf -M#), as an operator who disabled it would, so that postqueue -i
# fails with its own "mail system is down"; "on" puts the lab's line back.
# Either way Postfix is reloaded.
lab_flush() {
    [ $# -eq 2 ] || { echo "usage: lab_flush DIR off|on" >&2; return 2; }
    lab_d=$(lab_dir "$1") || return 1
    case $2 in
    off) "$lab_sbin/postconf" -c "$lab_d/etc" -M# flush/unix ;;
    on) "$lab_sbin/postconf" -c "$lab_d/etc" -Me 'flush/unix=flush unix n - n 1000? 0 flush' ;;
    *)
        echo "lab_flush: $2 is not off or on" >&2
        return 2
        ;;
    esac </dev/null >>"$lab_d/postfix-cmd.log" 2>&1 || {
        echo "lab_flush: postconf -c $lab_d/etc could not turn flush $2" >&2
        return 1
    }
    lab_reload "$lab_d"
}

# lab_fill DIR COUNT: COUNT messages to the greylisting recipient, sent with
# smtp-source (postfix package) over 4 SMTP sessions, and waited for in
# deferred (600 s at most): the sink defers each one. After lab_start DIR
# in this shell (LAB_SMTPD_PORT). For the benchmarks.
lab_fill() {
    [ $# -eq 2 ] || { echo "usage: lab_fill DIR COUNT" >&2; return 2; }
    "$lab_sbin/smtp-source" -s 4 -m "$2" -f bench@sink.test -t greylist@sink.test \
        "127.0.0.1:$LAB_SMTPD_PORT" || return 1
    lab_wait_queue "$1" "$2" deferred 600 >&2
}
