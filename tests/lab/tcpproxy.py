#!/usr/bin/env python3
"""A TCP relay on 127.0.0.1 that can break the connections it carries, so
that tests can drop or stall an SSH session at a chosen point.

    tcpproxy.py DIR TARGET_PORT PARENT_PID

Listens on a free port of 127.0.0.1 (written to DIR/proxy.port once it
listens) and relays each connection to 127.0.0.1:TARGET_PORT. What it does
with a connection is read from DIR/proxy.mode when the connection is
accepted (no file: pass):

    pass        relay everything
    cut N       close both sides once N bytes came from the server
    freeze N    after N bytes from the server, relay nothing more either
                way but keep both sockets open (a stalled network)

When a connection ends, the bytes it carried from the server are appended
to DIR/proxy.bytes, one line each. SIGUSR1 closes every open connection
(a session dropped between commands). It exits on SIGTERM, or within a
second once PARENT_PID is gone. Only 127.0.0.1, standard library only.
"""
import os
import selectors
import signal
import socket
import sys


class Relay:
    def __init__(self, client, server, mode, limit):
        self.client, self.server = client, server
        self.mode, self.limit = mode, limit
        self.from_server = 0
        self.frozen = False


def read_mode(path):
    try:
        words = open(path).read().split()
    except FileNotFoundError:
        return "pass", None
    if not words or words[0] == "pass":
        return "pass", None
    if words[0] in ("cut", "freeze") and len(words) == 2 and words[1].isdigit():
        return words[0], int(words[1])
    sys.exit(f"tcpproxy: {path}: expected pass, cut N or freeze N")


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    lab, target, parent = argv[1], int(argv[2]), int(argv[3])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, None)
    relays = []
    drop_all = [False]
    signal.signal(signal.SIGUSR1, lambda *_: drop_all.__setitem__(0, True))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = os.path.join(lab, "proxy.port.tmp")
    with open(tmp, "w") as f:
        f.write(f"{listener.getsockname()[1]}\n")
    os.rename(tmp, os.path.join(lab, "proxy.port"))

    def close(relay):
        for s in (relay.client, relay.server):
            try:
                sel.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()
        relays.remove(relay)
        with open(os.path.join(lab, "proxy.bytes"), "a") as f:
            f.write(f"{relay.from_server}\n")

    while True:
        if drop_all[0]:
            drop_all[0] = False
            for relay in list(relays):
                close(relay)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            return 0
        for key, _ in sel.select(timeout=0.2):
            if key.data is None:
                client, _ = listener.accept()
                server = socket.create_connection(("127.0.0.1", target))
                mode, limit = read_mode(os.path.join(lab, "proxy.mode"))
                relay = Relay(client, server, mode, limit)
                relays.append(relay)
                sel.register(client, selectors.EVENT_READ, (relay, True))
                sel.register(server, selectors.EVENT_READ, (relay, False))
                continue
            relay, from_client = key.data
            if relay not in relays or relay.frozen:
                continue
            src = relay.client if from_client else relay.server
            dst = relay.server if from_client else relay.client
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                close(relay)
                continue
            if not from_client and relay.limit is not None:
                room = relay.limit - relay.from_server
                if len(data) >= room:
                    dst.sendall(data[:room])
                    relay.from_server += room
                    if relay.mode == "cut":
                        close(relay)
                    else:
                        # Nothing more is read: the sockets stay open and
                        # full, as on a network that stopped carrying.
                        relay.frozen = True
                        sel.unregister(relay.client)
                        sel.unregister(relay.server)
                    continue
            dst.sendall(data)
            if not from_client:
                relay.from_server += len(data)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
