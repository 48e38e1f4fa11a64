#!/usr/bin/env python3
"""Small helpers for lab.sh (standard library only). Not meant to be run by hand.

    labtool.py free-ports N                 N distinct free ports on 127.0.0.1
    labtool.py wait-ports free|listening TIMEOUT PORT...
                                            waits until every PORT is free (no
                                            listener) or listening; exit 1 on timeout
    labtool.py wait-queue POSTQUEUE CONFIG COUNT QUEUE TIMEOUT
                                            polls `POSTQUEUE -c CONFIG -j` until it
                                            lists exactly COUNT distinct messages (in
                                            QUEUE unless QUEUE is ""); exit 1 on timeout
                                            with what it saw on stderr
    labtool.py queue-show POSTQUEUE CONFIG  one line per queued message
    labtool.py ids POSTQUEUE CONFIG RCPT QUEUE [COUNT TIMEOUT]
                                            the ids of the messages to RCPT (in QUEUE
                                            unless QUEUE is ""), sorted, one a line;
                                            with COUNT, polls until there are exactly
                                            COUNT (exit 1 on timeout, what it saw on
                                            stderr)
    labtool.py queue-of POSTQUEUE CONFIG ID the queue ID is in, or "gone"
    labtool.py comm PID                     the process name (/proc/PID/comm)
    labtool.py stop-pids TIMEOUT FILE|PID:COMM...
                                            SIGTERM to each live PID whose name is
                                            still COMM, SIGKILL after TIMEOUT s; FILE
                                            holds PID:COMM lines (lab.sh's DIR/pids)
    labtool.py check-traverse DIR [WHO]     fails (with the reason) unless every
                                            directory above DIR is searchable by
                                            others (WHO, by default the postfix
                                            user, must reach DIR)
    labtool.py stop-lab DIR DAEMON_DIR      after `postfix stop`: stop-pids 5 DIR/pids,
                                            then waits (10 s, then SIGKILL) for the
                                            instance's daemons, then wait-ports free
                                            10 for the ports in DIR/ports
    labtool.py instance-procs SPOOL DAEMON_DIR
                                            live processes of a Postfix instance:
                                            cwd == SPOOL and executable in DAEMON_DIR

For sshlab.sh (a private sshd; DIR/sshlab.pids holds PID:COMM lines, the
sshd first, DIR/sshlab.port its port):

    labtool.py wait-ssh TIMEOUT PORT PID    waits until 127.0.0.1:PORT sends an SSH
                                            banner; exit 1 on timeout or as soon as
                                            PID (the sshd) is gone
    labtool.py stop-sshlab DIR              SIGTERM to the sshd (only if it is still
                                            an sshd running DIR/sshd_config) and to
                                            its descendants (per-connection sshd
                                            processes, user commands), SIGKILL after
                                            5 s; then waits until the port is free
    labtool.py sshlab-guard PARENT DIR      runs until the sshd of DIR is gone; if
                                            PARENT (the shell that started it) goes
                                            first, does stop-sshlab DIR
"""

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"


def free_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
        print(" ".join(str(s.getsockname()[1]) for s in socks))
    finally:
        for s in socks:
            s.close()


def port_listening(port):
    """True when something listens on 127.0.0.1:port (or on 0.0.0.0:port)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # SO_REUSEADDR: connections in TIME_WAIT do not count as "in use".
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((HOST, port))
        return False
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            return True
        raise
    finally:
        s.close()


def wait_ports(want, timeout, ports):
    deadline = time.monotonic() + timeout
    while True:
        bad = [p for p in ports if port_listening(p) != (want == "listening")]
        if not bad:
            return 0
        if time.monotonic() >= deadline:
            print("labtool: ports not %s after %gs: %s" % (want, timeout,
                  " ".join(map(str, bad))), file=sys.stderr)
            return 1
        time.sleep(0.05)


def snapshot(postqueue, config):
    """{queue_id: message} from one `postqueue -c CONFIG -j` run."""
    out = subprocess.run([postqueue, "-c", config, "-j"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    msgs = {}
    for line in out.stdout.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line:
            m = json.loads(line)
            # A snapshot taken while qmgr moves files can list an ID twice.
            msgs[m["queue_id"]] = m
    return msgs, out.returncode, out.stderr.decode("utf-8", "replace").strip()


def show(msgs, file=sys.stdout):
    for qid, m in sorted(msgs.items()):
        rcpts = m.get("recipients") or []
        print("  %s %s from=<%s> %s" % (qid, m.get("queue_name"), m.get("sender"),
              "; ".join("%s (%s)" % (r.get("address"), r.get("delay_reason", "no attempt yet"))
                        for r in rcpts)), file=file)


def wait_queue(postqueue, config, count, queue, timeout):
    deadline = time.monotonic() + timeout
    while True:
        msgs, rc, err = snapshot(postqueue, config)
        got = sum(1 for m in msgs.values() if not queue or m.get("queue_name") == queue)
        if got == count:
            return 0
        if time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    by_queue = {}
    for m in msgs.values():
        by_queue[m.get("queue_name")] = by_queue.get(m.get("queue_name"), 0) + 1
    print("lab_wait_queue: want %d message(s)%s, saw %d after %gs (%s; postqueue exit %d%s)"
          % (count, " in " + queue if queue else "", got, timeout,
             ", ".join("%s %d" % kv for kv in sorted(by_queue.items())) or "queue empty",
             rc, ": " + err if err else ""), file=sys.stderr)
    show(msgs, sys.stderr)
    return 1


def ids_to(postqueue, config, rcpt, queue, count=None, timeout=0.0):
    deadline = time.monotonic() + timeout
    while True:
        msgs = snapshot(postqueue, config)[0]
        found = sorted(qid for qid, m in msgs.items()
                       if any(r.get("address") == rcpt for r in m.get("recipients") or [])
                       and (not queue or m.get("queue_name") == queue))
        if count is None or len(found) == count:
            print("\n".join(found))
            return 0
        if time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    print("lab_ids: want %d message(s) to %s%s, saw %d after %gs"
          % (count, rcpt, " in " + queue if queue else "", len(found), timeout),
          file=sys.stderr)
    show(msgs, sys.stderr)
    return 1


def queue_of(postqueue, config, qid):
    m = snapshot(postqueue, config)[0].get(qid)
    print(m.get("queue_name") if m else "gone")


def proc_state(pid):
    """'Z' for a zombie, None when gone, else the state letter."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None
    except OSError:
        try:
            os.kill(pid, 0)
            return "?"
        except ProcessLookupError:
            return None
        except PermissionError:
            return "?"


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def alive(pid):
    state = proc_state(pid)
    return state is not None and state != "Z"


def terminate(pids, timeout, who):
    """SIGTERM to each PID, SIGKILL to those still alive after timeout
    seconds; returns those alive 5 seconds after that."""
    def signal_each(targets, sig):
        for pid in targets:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def wait_gone(targets, seconds):
        deadline = time.monotonic() + seconds
        while any(alive(p) for p in targets) and time.monotonic() < deadline:
            time.sleep(0.05)
        return [p for p in targets if alive(p)]

    signal_each(pids, signal.SIGTERM)
    left = wait_gone(pids, timeout)
    for pid in left:
        print("%s: PID %d (%s) ignored SIGTERM; SIGKILL" % (who, pid, comm(pid)),
              file=sys.stderr)
    signal_each(left, signal.SIGKILL)
    return wait_gone(left, 5)


def stop_pids(timeout, args):
    specs = []
    for arg in args:
        if ":" in arg or arg.isdigit():
            specs.append(arg)
        elif os.path.exists(arg):
            with open(arg) as f:
                specs.extend(line.strip() for line in f if line.strip())
    pids = []
    for spec in specs:
        pid, _, name = spec.partition(":")
        pid = int(pid)
        if pid <= 1 or pid == os.getpid():
            continue
        # A PID that now belongs to another program is left alone.
        if alive(pid) and (not name or comm(pid) == name):
            pids.append(pid)
    terminate(pids, timeout, "labtool")
    return 0


def stop_lab(lab, daemon_dir):
    rc = 0
    if os.path.exists(os.path.join(lab, "pids")):
        stop_pids(5, [os.path.join(lab, "pids")])
    spool = os.path.join(lab, "spool")
    if os.path.isdir(spool):
        deadline = time.monotonic() + 10
        while True:
            left = find_instance_procs(spool, daemon_dir)
            if not left:
                break
            if time.monotonic() >= deadline:
                print("lab_stop: Postfix processes still running: %s; SIGKILL"
                      % " ".join(left), file=sys.stderr)
                stop_pids(0, left)
                rc = 1
                break
            time.sleep(0.05)
    ports = []
    try:
        with open(os.path.join(lab, "ports")) as f:
            ports = [int(line.split("=", 1)[1]) for line in f if "=" in line]
    except (OSError, ValueError):
        pass
    if ports and wait_ports("free", 10, ports) != 0:
        rc = 1
    return rc


def instance_procs(spool, daemon_dir):
    print(" ".join(find_instance_procs(spool, daemon_dir)))


def find_instance_procs(spool, daemon_dir):
    spool = os.path.realpath(spool)
    daemon_dir = os.path.realpath(daemon_dir)
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            cwd = os.readlink("/proc/%d/cwd" % pid)
            exe = os.readlink("/proc/%d/exe" % pid)
        except OSError:
            continue
        if cwd == spool and os.path.dirname(exe) == daemon_dir and alive(pid):
            found.append("%d:%s" % (pid, comm(pid)))
    return found


def check_traverse(path, who="the postfix user"):
    path = os.path.realpath(path)
    while True:
        parent = os.path.dirname(path)
        if parent == path:
            return 0
        path = parent
        if not os.stat(path).st_mode & 0o001:
            print("%s is not searchable by others (mode %o): %s cannot "
                  "reach the lab below it" % (path, os.stat(path).st_mode & 0o7777, who))
            return 1


# --- sshlab.sh ---------------------------------------------------------------

def wait_ssh(timeout, port, pid):
    """An SSH banner on the port, not merely a bound socket: the sshd is ready
    for clients (and it is an SSH server that answers, not something else)."""
    deadline = time.monotonic() + timeout
    last = "nothing tried"
    while True:
        if not alive(pid):
            print("labtool: sshd (PID %d) exited" % pid, file=sys.stderr)
            return 1
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                banner = s.recv(256)
            if banner.startswith(b"SSH-"):
                return 0
            last = "unexpected greeting %r" % banner[:40]
        except OSError as e:
            last = str(e)
        if time.monotonic() >= deadline:
            print("labtool: no SSH banner on %s:%d after %gs (%s)" % (HOST, port, timeout, last),
                  file=sys.stderr)
            return 1
        time.sleep(0.05)


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def is_lab_sshd(pid, config):
    """PID is still the lab's listening sshd: named sshd and started with
    -f CONFIG (a reused PID, or the system's sshd, is left alone). The
    listener retitles itself: its cmdline becomes one string, "sshd:
    /usr/sbin/sshd -D -f CONFIG -E LOG [listener] 0 of 100-100 startups"."""
    args = " ".join(cmdline(pid)) + " "
    return alive(pid) and comm(pid) == "sshd" and ("-f " + config + " ") in args


def descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.append(child)
                todo.append(child)
    return found


def read_sshlab(lab):
    """([(pid, comm)] from DIR/sshlab.pids, port or None)."""
    specs, port = [], None
    try:
        with open(os.path.join(lab, "sshlab.pids")) as f:
            for line in f:
                pid, _, name = line.strip().partition(":")
                if pid.isdigit():
                    specs.append((int(pid), name))
    except OSError:
        pass
    try:
        with open(os.path.join(lab, "sshlab.port")) as f:
            port = int(f.read().strip())
    except (OSError, ValueError):
        pass
    return specs, port


def stop_sshlab(lab):
    lab = os.path.realpath(lab)
    config = os.path.join(lab, "sshd_config")
    specs, port = read_sshlab(lab)
    rc = 0
    targets = []
    for i, (pid, name) in enumerate(specs):
        if pid <= 1 or pid == os.getpid():
            continue
        if i == 0:  # the sshd
            if not alive(pid):
                continue
            if not is_lab_sshd(pid, config):
                print("sshlab_stop: PID %d is no longer the lab's sshd (%s: %s); left alone"
                      % (pid, comm(pid), " ".join(cmdline(pid))), file=sys.stderr)
                continue
            # Its per-connection children (and their commands) are found
            # through the parent PID, so before the listener goes: after that
            # they belong to PID 1.
            targets.append(pid)
            targets.extend(descendants(pid))
        elif alive(pid) and (not name or comm(pid) == name):
            targets.append(pid)
    left = terminate(targets, 5, "sshlab_stop")
    if left:
        print("sshlab_stop: still running after SIGKILL: %s"
              % " ".join(map(str, left)), file=sys.stderr)
        rc = 1
    if port and wait_ports("free", 10, [port]) != 0:
        print("sshlab_stop: something still listens on %s:%d" % (HOST, port), file=sys.stderr)
        rc = 1
    return rc


def sshlab_guard(parent, lab):
    """Stops the lab's sshd when the shell that started it is gone without
    calling sshlab_stop (SIGKILLed, say); the sshd would otherwise stay."""
    specs, _ = read_sshlab(lab)
    if not specs:
        return 1
    sshd = specs[0][0]
    while alive(sshd):
        if not alive(parent):
            return stop_sshlab(lab)
        time.sleep(0.5)
    return 0


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "free-ports":
        free_ports(int(args[0]))
    elif cmd == "wait-ports":
        return wait_ports(args[0], float(args[1]), [int(p) for p in args[2:]])
    elif cmd == "wait-queue":
        return wait_queue(args[0], args[1], int(args[2]), args[3], float(args[4]))
    elif cmd == "queue-show":
        show(snapshot(args[0], args[1])[0])
    elif cmd == "ids":
        if len(args) == 6:
            return ids_to(args[0], args[1], args[2], args[3], int(args[4]), float(args[5]))
        return ids_to(*args[:4])
    elif cmd == "queue-of":
        queue_of(*args[:3])
    elif cmd == "comm":
        print(comm(int(args[0])))
    elif cmd == "stop-pids":
        return stop_pids(float(args[0]), args[1:])
    elif cmd == "check-traverse":
        return check_traverse(*args[:2])
    elif cmd == "stop-lab":
        return stop_lab(args[0], args[1])
    elif cmd == "instance-procs":
        instance_procs(args[0], args[1])
    elif cmd == "wait-ssh":
        return wait_ssh(float(args[0]), int(args[1]), int(args[2]))
    elif cmd == "stop-sshlab":
        return stop_sshlab(args[0])
    elif cmd == "sshlab-guard":
        return sshlab_guard(int(args[0]), args[1])
    else:
        print("labtool: unknown command %s" % cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
