#!/usr/bin/env python3
"""An inetd stand-in for the interop tests (loopback only, runs as root).

  inetd.py [--syslog FILE] [--record PREFIX] [--once] PORT CMD...

Listens on 127.0.0.1:PORT and prints "starting..." to stderr. For each connection it runs CMD
with a connected TCP socket as descriptors 0, 1 AND 2, as inetd, xinetd and systemd
(StandardError=socket) do. Between the client and that socket it relays the bytes, keeping
every byte the program sent to the client in PREFIX.N (N counting connections from 1) and
the program's exit status in PREFIX.N.status, once the connection and the program ended.

--syslog FILE: the program runs in a mount namespace of its own whose /dev (the usual device
nodes bind-mounted) has a /dev/log socket of ours; each syslog message lands in FILE, one a
line. Without it syslog messages are lost, as on a host without a syslog daemon.
--once: serve one connection, then exit with the program's status.
"""
import argparse
import ctypes
import os
import socket
import subprocess
import sys
import tempfile
import threading

CLONE_NEWNS = 0x00020000
DEVICES = ["null", "zero", "full", "random", "urandom", "tty"]


def private_dev_with_log(log_file):
    """Gives this process a mount namespace whose /dev has a /dev/log socket that appends to
    log_file."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    old = tempfile.mkdtemp(prefix="inetd-olddev-")
    subprocess.run(["mount", "--bind", "/dev", old], check=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", "/dev"], check=True)
    for name in DEVICES:
        open(f"/dev/{name}", "w").close()
        subprocess.run(["mount", "--bind", f"{old}/{name}", f"/dev/{name}"], check=True)
    for name, target in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")]:
        os.symlink(target, f"/dev/{name}")
    os.mkdir("/dev/shm")
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/dev/shm"], check=True)
    subprocess.run(["umount", "-l", old], check=True)
    os.rmdir(old)
    log = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    log.bind("/dev/log")
    os.chmod("/dev/log", 0o666)

    def collect():
        with open(log_file, "ab", buffering=0) as out:
            while True:
                out.write(log.recv(65536).rstrip(b"\0\n") + b"\n")

    threading.Thread(target=collect, daemon=True).start()


def pump(source, sink, record=None):
    """Copies source to sink until end of file, then half-closes sink."""
    while True:
        try:
            data = source.recv(65536)
        except OSError:
            data = b""
        if not data:
            break
        if record:
            record.write(data)
        try:
            sink.sendall(data)
        except OSError:
            break
    try:
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(client, command, record_prefix, number):
    """Runs command on a socket (descriptors 0, 1, 2) relayed to client; returns its status."""
    pair_listener = socket.create_server(("127.0.0.1", 0))
    ours = socket.create_connection(pair_listener.getsockname())
    theirs, _ = pair_listener.accept()
    pair_listener.close()
    fd = theirs.fileno()
    child = subprocess.Popen(command, stdin=fd, stdout=fd, stderr=fd, close_fds=True)
    theirs.close()
    record = open(f"{record_prefix}.{number}", "wb", buffering=0) if record_prefix else None
    upstream = threading.Thread(target=pump, args=(client, ours))
    upstream.start()
    pump(ours, client, record)
    status = child.wait()
    client.close()
    upstream.join()
    ours.close()
    if record:
        record.close()
        with open(f"{record_prefix}.{number}.status", "w") as out:
            out.write(f"{status}\n")
    return status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--syslog")
    parser.add_argument("--record")
    parser.add_argument("--once", action="store_true")
    parser.add_argument("port", type=int)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.syslog:
        private_dev_with_log(args.syslog)
    listener = socket.create_server(("127.0.0.1", args.port))
    print("starting...", file=sys.stderr, flush=True)
    number = 0
    while True:
        client, _ = listener.accept()
        number += 1
        if args.once:
            sys.exit(serve(client, args.command, args.record, number))
        threading.Thread(target=serve, args=(client, args.command, args.record, number), daemon=True).start()


if __name__ == "__main__":
    main()
