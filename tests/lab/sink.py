#!/usr/bin/env python3
"""SMTP sink for the Postfix lab (loopback only, standard library only).

    sink.py [--port P] [--tarpit-port P] [--writes-pid FILE] [--ready FILE]
            [--log FILE] [--parent PID]

--port P         an SMTP server that answers RCPT TO by the recipient's local
                 part (+extension ignored, case ignored):
                   greylist  450 4.2.0 Greylisted, please try again later
                   full      452 4.2.2 Mailbox full
                   nouser    550 5.1.1 User unknown
                   spam      554 5.7.1 Message rejected as spam
                   toomany   421 4.7.0 Too many connections (then closes)
                   other     250 2.1.5 Ok; after DATA 250 2.0.0 Ok: queued
--tarpit-port P  accepts connections and never greets (greeting timeout).
                 Each flag is one listening socket on 127.0.0.1; at least one
                 is needed. Port 0 picks a free port (see --ready).
--writes-pid F   writes the process ID to F.
--ready F        written (atomically) once every socket listens; it holds
                 "port=N" and "tarpit_port=N" lines with the bound ports.
--log F          appends one line per accepted message and per rejected
                 recipient (tab-separated: event, MAIL FROM, RCPT TO, detail).
--parent PID     exits when process PID is gone (no leftover sink when the
                 test shell is killed with SIGKILL).
SIGTERM or SIGINT: closes the sockets and exits with status 0.
"""

import argparse
import asyncio
import os
import signal
import sys

HOST = "127.0.0.1"
NAME = "sink.lab.localdomain"
MAX_LINE = 64 * 1024
IDLE_TIMEOUT = 300

REPLIES = {
    "greylist": "450 4.2.0 Greylisted, please try again later",
    "full": "452 4.2.2 Mailbox full",
    "nouser": "550 5.1.1 User unknown",
    "spam": "554 5.7.1 Message rejected as spam",
    "toomany": "421 4.7.0 Too many connections",
}
EHLO_KEYWORDS = ("PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES")


class Log:
    def __init__(self, path):
        self.path = path

    def write(self, *fields):
        if not self.path:
            return
        clean = [str(f).replace("\t", " ").replace("\n", " ") for f in fields]
        with open(self.path, "a", encoding="utf-8", errors="replace") as f:
            f.write("\t".join(clean) + "\n")


def path_of(arg):
    """The address inside "TO:<addr> PARAMS" / "FROM:<addr> PARAMS"."""
    arg = arg.strip()
    if arg.startswith("<"):
        end = arg.find(">")
        return arg[1:end] if end > 0 else arg[1:]
    return arg.split(" ", 1)[0]


def local_part(address):
    local = address.rsplit("@", 1)[0] if "@" in address else address
    if local.startswith('"') and local.endswith('"') and len(local) >= 2:
        local = local[1:-1]
    return local.split("+", 1)[0].lower()


async def send(writer, *lines):
    writer.write("".join(line + "\r\n" for line in lines).encode("utf-8"))
    await writer.drain()


async def smtp_session(reader, writer, log):
    sender = None
    rcpts = []
    await send(writer, "220 %s ESMTP lab sink" % NAME)
    while True:
        raw = await asyncio.wait_for(reader.readline(), IDLE_TIMEOUT)
        if not raw:
            return
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        verb, _, arg = line.partition(" ")
        verb = verb.upper()
        if verb == "EHLO":
            sender, rcpts = None, []
            extra = ["250-" + k for k in EHLO_KEYWORDS[:-1]]
            await send(writer, "250-" + NAME, *extra, "250 " + EHLO_KEYWORDS[-1])
        elif verb == "HELO":
            sender, rcpts = None, []
            await send(writer, "250 " + NAME)
        elif verb == "MAIL" and arg.upper().startswith("FROM:"):
            if sender is not None:
                await send(writer, "503 5.5.1 Error: nested MAIL command")
                continue
            sender = path_of(arg[5:])
            rcpts = []
            await send(writer, "250 2.1.0 Ok")
        elif verb == "RCPT" and arg.upper().startswith("TO:"):
            if sender is None:
                await send(writer, "503 5.5.1 Error: need MAIL command")
                continue
            rcpt = path_of(arg[3:])
            reply = REPLIES.get(local_part(rcpt))
            if reply is None:
                rcpts.append(rcpt)
                await send(writer, "250 2.1.5 Ok")
                continue
            log.write("rejected", sender, rcpt, reply)
            await send(writer, reply)
            if reply.startswith("421"):
                return
        elif verb == "DATA":
            if sender is None:
                await send(writer, "503 5.5.1 Error: need MAIL command")
                continue
            if not rcpts:
                await send(writer, "554 5.5.1 Error: no valid recipients")
                continue
            await send(writer, "354 End data with <CR><LF>.<CR><LF>")
            size = 0
            while True:
                data = await asyncio.wait_for(reader.readline(), IDLE_TIMEOUT)
                if not data:
                    return
                if data in (b".\r\n", b".\n"):
                    break
                size += len(data)
            for rcpt in rcpts:
                log.write("accepted", sender, rcpt, "size=%d" % size)
            sender, rcpts = None, []
            await send(writer, "250 2.0.0 Ok: queued")
        elif verb == "RSET":
            sender, rcpts = None, []
            await send(writer, "250 2.0.0 Ok")
        elif verb == "NOOP":
            await send(writer, "250 2.0.0 Ok")
        elif verb == "QUIT":
            await send(writer, "221 2.0.0 Bye")
            return
        else:
            await send(writer, "502 5.5.2 Error: command not recognized")


def handler(session, log, conns):
    async def handle(reader, writer):
        task = asyncio.current_task()
        conns.add(task)
        try:
            await session(reader, writer, log)
        except (asyncio.TimeoutError, ConnectionError, asyncio.LimitOverrunError,
                ValueError):
            pass
        finally:
            conns.discard(task)
            writer.close()
    return handle


async def tarpit_session(reader, writer, log):
    # Never greet; read and drop whatever arrives until the client gives up.
    while await reader.read(4096):
        pass


def write_atomically(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="ascii") as f:
        f.write(text)
    os.replace(tmp, path)


async def main(args):
    log = Log(args.log)
    conns = set()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    servers = []
    ready = []
    if args.port is not None:
        srv = await asyncio.start_server(handler(smtp_session, log, conns), HOST,
                                         args.port, limit=MAX_LINE, reuse_address=True)
        servers.append(srv)
        ready.append("port=%d\n" % srv.sockets[0].getsockname()[1])
    if args.tarpit_port is not None:
        srv = await asyncio.start_server(handler(tarpit_session, log, conns), HOST,
                                         args.tarpit_port, reuse_address=True)
        servers.append(srv)
        ready.append("tarpit_port=%d\n" % srv.sockets[0].getsockname()[1])
    if args.writes_pid:
        write_atomically(args.writes_pid, "%d\n" % os.getpid())
    if args.ready:
        write_atomically(args.ready, "".join(ready))

    async def watch_parent():
        while True:
            await asyncio.sleep(1)
            try:
                os.kill(args.parent, 0)
            except ProcessLookupError:
                stop.set()
                return
            except PermissionError:
                pass

    watcher = asyncio.ensure_future(watch_parent()) if args.parent else None
    await stop.wait()
    if watcher:
        watcher.cancel()
    for srv in servers:
        srv.close()
    for task in list(conns):
        task.cancel()
    for srv in servers:
        await srv.wait_closed()
    await asyncio.gather(*conns, return_exceptions=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description="SMTP sink on 127.0.0.1 for the Postfix lab")
    p.add_argument("--port", type=int, help="SMTP sink port (0: any free port)")
    p.add_argument("--tarpit-port", type=int, help="port that accepts and never greets")
    p.add_argument("--writes-pid", metavar="FILE")
    p.add_argument("--ready", metavar="FILE")
    p.add_argument("--log", metavar="FILE")
    p.add_argument("--parent", type=int, metavar="PID")
    args = p.parse_args(argv)
    if args.port is None and args.tarpit_port is None:
        p.error("give --port and/or --tarpit-port")
    return args


if __name__ == "__main__":
    try:
        asyncio.run(main(parse_args(sys.argv[1:])))
    except OSError as e:
        print("sink.py: %s" % e, file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
