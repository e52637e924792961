#!/usr/bin/env python3
"""Load test of one server side: many authentications, many at once, good and bad clients mixed.

  stress.py gss GSS_SERVER GSS_CLIENT                  (in the test realm)
  stress.py distcc DISTCC_AUTH_INETD TEST_DISTCC_CLIENT (in the test realm)
  stress.py cvs CVS_PSERVERD                           (as root: the repository's system user)
  stress.py hostauth HOSTAUTH_SERVER HOSTAUTH_CLIENT

Starts the server on 127.0.0.1, runs TOTAL (default 1000) authentications from CONCURRENCY
(default 32) threads, a quarter of them bad (a wrong password, a mangled token), and checks
that every good one was accepted and every bad one refused. The server's own process is
measured after a warm-up and at the end: its open descriptors must be the same and its
resident memory may not grow by more than 256 KiB; no child may be left behind. Prints the
counts and the measurements; exits 1 on any failure.
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import peers
from peers import free_port

TOTAL = int(os.environ.get("STRESS_TOTAL", "1000"))
CONCURRENCY = int(os.environ.get("STRESS_CONCURRENCY", "32"))
WARMUP = 100
RSS_SLACK_KB = 256
work = tempfile.mkdtemp(prefix="daemonauth-stress-")


def start(argv, port, env=None):
    return peers.start(argv, port, os.path.join(work, "server.log"), env)


def measure(pid):
    """(open descriptors, resident KiB, live children) of process pid."""
    fds = len(os.listdir("/proc/%d/fd" % pid))
    rss = next(int(line.split()[1]) for line in open("/proc/%d/status" % pid) if line.startswith("VmRSS:"))
    return fds, rss, peers.children(pid)


def run_client(argv, env=None):
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=dict(os.environ, **(env or {})), cwd=work, timeout=60)
    return result.returncode, result.stdout.decode(errors="replace")


def raw(port, send, read_until_close=True):
    """Sends bytes on a fresh connection; returns everything the server sent before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(send)
        got = b""
        while read_until_close:
            data = s.recv(4096)
            if not data:
                break
            got += data
        return got


def drive(server, attempt, settle=lambda: None):
    """Runs attempt(index) -> (good, accepted, detail) TOTAL times from CONCURRENCY threads:
    WARMUP of them, a measurement of the quiet server, the rest, a measurement again."""
    lock = threading.Lock()
    counts = {"good accepted": 0, "bad refused": 0}
    wrong = []

    def run_range(first, last):
        state = {"next": first}

        def worker():
            while True:
                with lock:
                    index = state["next"]
                    if index >= last:
                        return
                    state["next"] += 1
                try:
                    good, accepted, detail = attempt(index)
                except Exception as e:  # noqa: BLE001 - every failure is reported
                    good, accepted, detail = index % 4 != 3, None, "%s: %s" % (type(e).__name__, e)
                with lock:
                    if accepted is not None and good == accepted:
                        counts["good accepted" if good else "bad refused"] += 1
                    else:
                        wrong.append("attempt %d (%s): %s" % (index, "good" if good else "bad", detail[-300:]))
        threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        settle()
        time.sleep(0.2)
        return measure(server.pid)

    started = time.monotonic()
    fds0, rss0, _ = run_range(0, WARMUP)
    fds1, rss1, children = run_range(WARMUP, TOTAL)
    elapsed = time.monotonic() - started
    print("%d authentications from %d threads in %.1f s: %d good accepted, %d bad refused, %d wrong"
          % (TOTAL, CONCURRENCY, elapsed, counts["good accepted"], counts["bad refused"], len(wrong)))
    print("server after %d: %d descriptors, %d KiB resident; at the end: %d descriptors, %d KiB, %d children"
          % (WARMUP, fds0, rss0, fds1, rss1, children))
    problems = wrong[:10]
    if len(wrong) > 10:
        problems.append("... and %d more" % (len(wrong) - 10))
    if fds1 != fds0:
        problems.append("descriptors grew from %d to %d" % (fds0, fds1))
    if rss1 - rss0 > RSS_SLACK_KB:
        problems.append("resident memory grew by %d KiB" % (rss1 - rss0))
    if children:
        problems.append("%d children left behind" % children)
    server.kill()
    server.wait()
    for p in problems:
        print("FAIL: " + p)
    if problems:
        print("--- server log (end)")
        print(open(os.path.join(work, "server.log"), errors="replace").read()[-3000:])
    return not problems


def wait_for_children(server):
    """Returns once the forking server has reaped every child (or after 10 s)."""
    def settle():
        for _ in range(1000):
            if peers.children(server.pid) == 0:
                return
            time.sleep(0.01)
    return settle


def gss(server_prog, client_prog):
    port = free_port()
    server = start([server_prog, "-port", str(port), "host"], port)
    bad_token = b"\x02" + struct.pack(">I", 40) + b"\x60\x26" + os.urandom(38)

    def attempt(i):
        if i % 4 == 3:   # a context token that is not one: refused, the connection closed
            got = raw(port, bad_token)
            return False, got != b"", repr(got[:80])
        prog = client_prog if i % 2 == 0 else "/usr/bin/gss-client"
        rc, out = run_client([prog, "-port", str(port), "localhost", "host@localhost", "stress %d" % i])
        return True, rc == 0 and "Signature verified" in out, out
    return drive(server, attempt)


def distcc(inetd_prog, client_prog):
    port = free_port()
    server = start([inetd_prog, "-listen", str(port), "-max-children", "256", "-max-failures", "100000",
                    "-timeout-ms", "5000", "--", "/bin/true"], port, {"DISTCCD_PRINCIPAL": "distccd@localhost"})

    def attempt(i):
        if i % 4 == 3:   # the handshake, then a token header that is not hexadecimal: refused
            got = raw(port, b"*TLENzzzzzzzz")
            return False, b"y" in got[1:], repr(got[:80])
        rc, out = run_client([client_prog, str(port), "localhost", "0"], {"DISTCC_PRINCIPAL": "distccd"})
        return True, rc == 0 and "exit code 0" in out, out
    return drive(server, attempt, wait_for_children(server))


def cvs(pserverd_prog):
    repo = peers.cvs_repository(work)
    port = free_port()
    server = start([pserverd_prog, "-port", str(port), "-root", repo, "-max-children", "256",
                    "-max-failures", "100000", "-fail-delay-ms", "1"], port)

    def attempt(i):
        good = i % 4 != 3
        # A wrong password, scrambled as cvs does.
        got = raw(port, peers.verification_request(repo, "AZdh d," if good else "A;i.a0h"))
        return good, got == b"I LOVE YOU\n", repr(got[:80])
    return drive(server, attempt, wait_for_children(server))


def hostauth(server_prog, client_prog):
    key, pin = peers.hostauth_files(work, server_prog)
    port = free_port()
    server = start([server_prog, "-key", key, "-port", str(port), "-access", os.path.join(work, "access"),
                    "-passwords", "file:" + os.path.join(work, "passwd"), "-fail-delay-ms", "1"], port)

    def attempt(i):
        good = i % 4 != 3
        rc, out = run_client([client_prog, "-port", str(port), "-user", "alice", "-pin", pin,
                              "-answers", os.path.join(work, "good" if good else "bad"), "localhost"],
                             {"ROOTAUTHRC": os.path.join(work, "authrc")})
        return good, rc == 0 and "login=alice" in out, out
    return drive(server, attempt, wait_for_children(server))


def main():
    kinds = {"gss": gss, "distcc": distcc, "cvs": cvs, "hostauth": hostauth}
    if len(sys.argv) < 3 or sys.argv[1] not in kinds:
        sys.exit(__doc__)
    ok = kinds[sys.argv[1]](*sys.argv[2:])
    subprocess.run(["rm", "-rf", work])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
