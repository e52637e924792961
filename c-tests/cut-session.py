#!/usr/bin/env python3
"""A peer that goes away at every step: a recorded session cut after byte N, for every N.

  cut-session.py gss GSS_SERVER GSS_CLIENT                   (in the test realm)
  cut-session.py distcc DISTCC_AUTH_INETD TEST_DISTCC_CLIENT  (in the test realm)
  cut-session.py hostauth HOSTAUTH_SERVER HOSTAUTH_CLIENT
  cut-session.py cvs CVS_PSERVERD CVS_TOOL                    (as root)

Records one good session between the real client and the real server through a relay on
loopback, then:
- server side: for every N from 0 to the number of bytes the client sent, a connection sends
  the first N of them and closes its writing half; the server must close the connection
  within 10 s (it may answer), and afterwards still serve a good client with no child left;
- client side: for every N from 0 to the number of bytes the server sent, a fake
  server sends the first N and closes; the client must exit with a failure status (not a
  signal) within 15 s, except for a whole session, which may succeed.
Prints how many cuts were tried on each side; exits 1 on the first that misbehaves. With
DAEMONAUTH_RECORD_DIR set, the recorded session is also kept there (KIND-client, KIND-server):
fuzz/seeds holds such recordings.
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import peers
from peers import free_port

work = tempfile.mkdtemp(prefix="daemonauth-cut-")


def fail(message):
    print("FAIL: " + message)
    log = os.path.join(work, "server.log")
    if os.path.exists(log):
        print("--- server log (end)\n" + open(log, errors="replace").read()[-2000:])
    subprocess.run(["rm", "-rf", work])
    sys.exit(1)


def start(argv, port, env=None):
    return peers.start(argv, port, os.path.join(work, "server.log"), env)


def record(server_port, run_client):
    """Runs run_client(port) through a relay to server_port; returns the bytes each side sent."""
    listener = socket.create_server(("127.0.0.1", 0))
    sent = {"client": bytearray(), "server": bytearray()}

    def pump(src, dst, key):
        while True:
            data = src.recv(65536)
            if not data:
                dst.shutdown(socket.SHUT_WR)
                return
            sent[key] += data
            dst.sendall(data)

    def relay():
        conn, _ = listener.accept()
        upstream = socket.create_connection(("127.0.0.1", server_port))
        threads = [threading.Thread(target=pump, args=(conn, upstream, "client")),
                   threading.Thread(target=pump, args=(upstream, conn, "server"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        conn.close()
        upstream.close()
    t = threading.Thread(target=relay)
    t.start()
    if not run_client(listener.getsockname()[1]):
        fail("the recorded session itself failed")
    t.join(30)
    listener.close()
    return bytes(sent["client"]), bytes(sent["server"])


def cut_server_side(server, port, client_bytes, run_client):
    for n in range(len(client_bytes) + 1):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            try:
                s.sendall(client_bytes[:n])
                s.shutdown(socket.SHUT_WR)
                while s.recv(65536):
                    pass
            except socket.timeout:
                fail("server side: after the first %d of %d bytes the server kept the connection open 10 s"
                     % (n, len(client_bytes)))
            except OSError:
                pass   # the server closed first (a reset when it left bytes unread)
        if server.poll() is not None:
            fail("server side: the server died after a session cut at byte %d" % n)
    if not run_client(port):
        fail("server side: a good client was refused after the cut sessions")
    for _ in range(500):
        if peers.children(server.pid) == 0:
            break
        time.sleep(0.01)
    else:
        fail("server side: %d children left behind" % peers.children(server.pid))
    print("server side: %d cut sessions (0 to %d bytes of the client's), then a good client: ok"
          % (len(client_bytes) + 1, len(client_bytes)))


def cut_client_side(server_bytes, client_argv):
    """client_argv(port) -> (argv, env) of a client run against port."""
    for n in range(len(server_bytes) + 1):
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]

        def fake_server():
            listener.settimeout(15)
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                return
            with conn:
                conn.settimeout(15)
                try:
                    conn.sendall(server_bytes[:n])
                    conn.shutdown(socket.SHUT_WR)
                    while conn.recv(65536):
                        pass
                except OSError:
                    pass
        t = threading.Thread(target=fake_server)
        t.start()
        argv, env = client_argv(port)
        try:
            result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                    env=dict(os.environ, **env), cwd=work, timeout=15)
        except subprocess.TimeoutExpired:
            fail("client side: with the server's first %d of %d bytes the client hung" % (n, len(server_bytes)))
        t.join()
        listener.close()
        if result.returncode < 0:
            fail("client side: with the server's first %d bytes the client died of signal %d" % (n, -result.returncode))
        if result.returncode == 0 and n < len(server_bytes):
            fail("client side: with only the server's first %d of %d bytes the client succeeded" % (n, len(server_bytes)))
    print("client side: %d cut sessions (0 to %d bytes of the server's): ok" % (len(server_bytes) + 1, len(server_bytes)))


def succeeds(argv_env):
    argv, env = argv_env
    return subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, **env), cwd=work, timeout=60).returncode == 0


def session(server_argv, server_env, client_argv):
    port = free_port()
    server = start(server_argv(port), port, server_env)
    client_bytes, server_bytes = record(port, lambda p: succeeds(client_argv(p)))
    keep = os.environ.get("DAEMONAUTH_RECORD_DIR")
    if keep:
        for side, data in (("client", client_bytes), ("server", server_bytes)):
            with open(os.path.join(keep, "%s-%s" % (sys.argv[1], side)), "wb") as f:
                f.write(data)
    cut_server_side(server, port, client_bytes, lambda p: succeeds(client_argv(p)))
    server.kill()
    server.wait()
    cut_client_side(server_bytes, client_argv)


def gss(server_prog, client_prog):
    session(lambda port: [server_prog, "-port", str(port), "host"], None,
            lambda port: ([client_prog, "-port", str(port), "localhost", "host@localhost", "cut"], {}))


def distcc(inetd_prog, client_prog):
    session(lambda port: [inetd_prog, "-listen", str(port), "-max-failures", "100000", "-timeout-ms", "2000",
                          "--", "/bin/true"], {"DISTCCD_PRINCIPAL": "distccd@localhost"},
            lambda port: ([client_prog, str(port), "localhost", "0"], {"DISTCC_PRINCIPAL": "distccd"}))


def hostauth(server_prog, client_prog):
    key, pin = peers.hostauth_files(work, server_prog)
    session(lambda port: [server_prog, "-key", key, "-port", str(port), "-access", os.path.join(work, "access"),
                          "-passwords", "file:" + os.path.join(work, "passwd"), "-fail-delay-ms", "1",
                          "-timeout-ms", "2000"], None,
            lambda port: ([client_prog, "-port", str(port), "-user", "alice", "-pin", pin, "-timeout-ms", "2000",
                           "-answers", os.path.join(work, "good"), "localhost"],
                          {"ROOTAUTHRC": os.path.join(work, "authrc")}))


def cvs(pserverd_prog, tool_prog):
    repo = peers.cvs_repository(work)
    session(lambda port: [pserverd_prog, "-port", str(port), "-root", repo, "-max-failures", "100000",
                          "-fail-delay-ms", "1", "-timeout-ms", "2000"], None,
            lambda port: ([tool_prog, "pserver", str(port), ":pserver:alice@localhost:%d%s" % (port, repo),
                           "verify", "secret"], {}))


def main():
    kinds = {"gss": gss, "distcc": distcc, "hostauth": hostauth, "cvs": cvs}
    if len(sys.argv) < 3 or sys.argv[1] not in kinds:
        sys.exit(__doc__)
    kinds[sys.argv[1]](*sys.argv[2:])
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
