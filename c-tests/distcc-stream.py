#!/usr/bin/env python3
"""Checks that the bytes a distcc server sent to a client are exactly distcc's protocol.

  distcc-stream.py FILE nothing|handshake|denied|admitted|compiled

nothing: no byte at all. handshake: the `*` answer only. denied / admitted: `*`, one or more
`TLEN%08x` GSS-API tokens, then `n` / `y`, and nothing after. compiled: as admitted, then
distccd's answer to one compile: DONE, STAT 0, SERR, SOUT and DOTO, and nothing after.
"""
import sys


def token(data, pos, name):
    """The value of the 12-byte token `name` at pos."""
    header = data[pos:pos + 12]
    if len(header) != 12 or header[:4] != name:
        sys.exit(f"at byte {pos}: expected a {name.decode()} token, got {header!r}")
    return int(header[4:], 16)


def main():
    path, expected = sys.argv[1], sys.argv[2]
    data = open(path, "rb").read()
    if expected == "nothing":
        if data:
            sys.exit(f"expected no byte, got {data[:200]!r}")
        return
    if data[:1] != b"*":
        sys.exit(f"expected the `*` handshake first, got {data[:200]!r}")
    if expected == "handshake":
        if data != b"*":
            sys.exit(f"expected the handshake only, got {data[:200]!r}")
        return
    pos, tokens = 1, 0
    while data[pos:pos + 4] == b"TLEN":
        pos += 12 + token(data, pos, b"TLEN")
        tokens += 1
    if tokens == 0 or pos >= len(data):
        sys.exit(f"expected GSS-API tokens and a verdict, got {data[:200]!r}")
    verdict = data[pos:pos + 1]
    pos += 1
    if verdict != (b"n" if expected == "denied" else b"y"):
        sys.exit(f"unexpected verdict {verdict!r} (expected {expected})")
    if expected == "compiled":
        for name in (b"DONE", b"STAT", b"SERR", b"SOUT", b"DOTO"):
            value = token(data, pos, name)
            pos += 12
            if name == b"STAT" and value != 0:
                sys.exit(f"compile status {value:#x}")
            if name in (b"SERR", b"SOUT", b"DOTO"):
                pos += value
    if pos != len(data):
        sys.exit(f"{len(data) - pos} bytes after the protocol: {data[pos:pos + 200]!r}")


if __name__ == "__main__":
    main()
