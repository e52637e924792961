#!/usr/bin/env python3
"""Misbehaving peers and an inetd stand-in for the interop tests (loopback only).

  fake-peer.py serve PORT MODE     accept one connection on 127.0.0.1:PORT and misbehave
  fake-peer.py connect PORT MODE   connect to 127.0.0.1:PORT and misbehave
  fake-peer.py inetd PORT CMD...   accept one connection and run CMD with it as stdin/stdout

MODEs: silent (send nothing, wait 30 s), close (close at once), huge (announce a 4 GiB
gss-sample token), midtoken (start a context token and close half-way), garbage (bytes that
are no token at all); for distcc's protocol, after its `*` handshake: distcc-garbage (no
TLEN), distcc-huge (TLEN announcing 0xffffffff bytes), distcc-midtoken (a 100-byte token cut
off after 10), distcc-trickle (a 256-byte token announced, then one byte every 100 ms).
"""
import socket
import subprocess
import sys
import time

MODES = {
    "silent": None,
    "close": b"",
    # A NOOP|CONTEXT_NEXT token, then a CONTEXT token announcing 0xffffffff bytes.
    "huge": b"\x11\x00\x00\x00\x00" + b"\x02\xff\xff\xff\xff",
    # A NOOP|CONTEXT_NEXT token, then a CONTEXT token of 100 bytes cut off after 10.
    "midtoken": b"\x11\x00\x00\x00\x00" + b"\x02\x00\x00\x00\x64" + b"\x60" * 10,
    # A NOOP|CONTEXT_NEXT token, then a CONTEXT token that is no GSS token at all.
    "garbage": b"\x11\x00\x00\x00\x00" + b"\x02\x00\x00\x00\x08notatokn",
    "distcc-garbage": b"*GARBAGE00001",
    "distcc-huge": b"*TLENffffffff",
    "distcc-midtoken": b"*TLEN00000064" + b"\x60" * 10,
    "distcc-trickle": b"*TLEN00000100",
}


def trickle(conn):
    """Sends the announced token a byte every 100 ms, each well within any per-read timeout."""
    try:
        for _ in range(256):
            conn.sendall(b"\x60")
            time.sleep(0.1)
    except OSError:
        pass  # the server gave up on us, as it should


def misbehave(conn, mode):
    payload = MODES[mode]
    if payload is None:
        time.sleep(30)
    elif payload:
        conn.sendall(payload)
        if mode == "distcc-trickle":
            trickle(conn)
        time.sleep(0.5)
    conn.close()


def listener(port):
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", int(port)))
    sock.listen(1)
    sock.settimeout(60)
    print("starting...", file=sys.stderr, flush=True)
    return sock


def main():
    role, port = sys.argv[1], sys.argv[2]
    if role == "serve":
        conn, _ = listener(port).accept()
        misbehave(conn, sys.argv[3])
    elif role == "connect":
        conn = socket.create_connection(("127.0.0.1", int(port)), timeout=60)
        misbehave(conn, sys.argv[3])
    elif role == "inetd":
        conn, _ = listener(port).accept()
        sys.exit(subprocess.call(sys.argv[3:], stdin=conn.fileno(), stdout=conn.fileno()))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
