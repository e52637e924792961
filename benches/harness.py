#!/usr/bin/env python3
"""The benchmark harness behind scripts/bench: daemonauth beside the C originals, interleaved.

  harness.py ROUNDS OUT.md      (run by scripts/bench, which builds, installs into a temporary
                                 prefix, starts a throwaway realm and sets the environment)

Environment: BENCH_PREFIX (the temporary install), BENCH_WORK (a scratch directory),
BENCH_SHIM (the NODELAY LD_PRELOAD shim), BENCH_FLOOR (the handshake-floor program), BENCH_SPAWN (spawn-cost),
BENCH_RUST_FLOOR and BENCH_RUST_FLOOR_EH (the directories of benches/rust-floor's librust_floor.so
built with Rust's defaults and with GCC's unwinder linked in), BENCH_DISTCC_CLIENT
(c-tests/test_distcc_client.c built against the library) and the
realm's variables. Every case runs once per round, the cases of a group one after the other
in the same round, so that a slow minute of the shared machine hits all of them; the table
shows the median over the rounds.
"""
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

# The servers' files and ports, shared with the load and fault tests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "c-tests"))
import peers  # noqa: E402
from peers import free_port  # noqa: E402

PREFIX = os.environ["BENCH_PREFIX"]
WORK = os.environ["BENCH_WORK"]
SHIM = os.environ["BENCH_SHIM"]
FLOOR = os.environ["BENCH_FLOOR"]
SPAWN = os.environ["BENCH_SPAWN"]
RUST_FLOOR = os.environ["BENCH_RUST_FLOOR"]
RUST_FLOOR_EH = os.environ["BENCH_RUST_FLOOR_EH"]
DISTCC_CLIENT = os.environ["BENCH_DISTCC_CLIENT"]
BIN = os.path.join(PREFIX, "bin")
SBIN = os.path.join(PREFIX, "sbin")
REALM = os.environ["DAEMONAUTH_TEST_REALM"]
CONCURRENCY = [1, 8, 32, 128]
servers = []


def start(name, argv, ready, env=None, port=None):
    """Starts a server in a process group of its own (stopped whole at the end, children
    included: distccd's workers outlive a killed parent); waits until it accepts connections
    on port (or prints `ready`)."""
    log = open(os.path.join(WORK, name + ".log"), "wb")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=dict(os.environ, **(env or {})), start_new_session=True)
    servers.append(proc)
    for _ in range(400):
        if port is not None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return proc
            except OSError:
                pass
        elif ready in open(log.name, "rb").read():
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.025)
    sys.exit("bench: %s did not start:\n%s" % (name, open(log.name, errors="replace").read()))


def acceptor(name, argv, env=None):
    """An inetd-style acceptor: each connection becomes descriptors 0, 1 and 2 of a fresh
    process running argv (no relay in between); returns its port."""
    port = free_port()
    code = r"""
import os, socket, sys
listener = socket.create_server(("127.0.0.1", %d), backlog=256)
os.set_blocking(listener.fileno(), True)
import signal; signal.signal(signal.SIGCHLD, signal.SIG_IGN)
argv = sys.argv[1:]
print("acceptor ready", flush=True)
while True:
    conn, _ = listener.accept()
    actions = [(os.POSIX_SPAWN_DUP2, conn.fileno(), fd) for fd in (0, 1, 2)]
    os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    conn.close()
""" % port
    start(name, [sys.executable, "-c", code] + argv, b"acceptor ready", env)
    return port


def run(argv, env=None, check=True):
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=dict(os.environ, **(env or {})), cwd=WORK)
    if check and result.returncode != 0:
        sys.exit("bench: %s failed (%d): %s" % (" ".join(argv), result.returncode, result.stderr.decode(errors="replace")))
    return result.returncode


def timed(fn):
    start_time = time.perf_counter()
    fn()
    return time.perf_counter() - start_time


# ---------------------------------------------------------------- gss-sample pairings
def gss_cases():
    shim = {"LD_PRELOAD": SHIM}
    ports = {}
    for server, prog, env in [("ours", SBIN + "/daemonauth-gss-server", None), ("mit", "/usr/bin/gss-server", None),
                              ("mit+nd", "/usr/bin/gss-server", shim)]:
        ports[server] = free_port()
        # (MIT's gss-server crashes with -logfile /dev/null: it seeks in its log)
        start("gss-" + server, [prog, "-port", str(ports[server]), "-logfile",
                                os.path.join(WORK, "gss-%s.messages" % server), "host"],
              None, env, ports[server])
    pairs = [("ours", "ours", None), ("mit", "mit", None), ("ours", "mit", None), ("mit", "ours", None),
             ("mit+nd", "mit+nd", shim), ("ours", "mit+nd", None), ("mit+nd", "ours", shim)]
    cases = []
    for mcount in (1, 5):
        for client, server, env in pairs:
            prog = BIN + "/daemonauth-gss-client" if client == "ours" else "/usr/bin/gss-client"
            ccount = 20 if client == server == "ours" or "nd" in client + server else 3
            if client == "ours" and server == "ours":
                ccount = 20

            def case(prog=prog, port=ports[server], ccount=ccount, mcount=mcount, env=env):
                argv = [prog, "-q", "-port", str(port), "-ccount", str(ccount), "-mcount", str(mcount),
                        "localhost", "host@localhost", "benchmark message"]
                return timed(lambda: run(argv, env)) / ccount * 1e3
            cases.append(("gss-sample %s client -> %s server, %d msg" % (client, server, mcount), "ms/conn", case))
    # Throughput: both gss-servers serve one connection at a time (MIT's design), so clients
    # queue; MIT's only with the NODELAY shim (without it, 88 ms a connection).
    for server, env in [("ours", None), ("mit+nd", shim)]:
        prog = BIN + "/daemonauth-gss-client" if server == "ours" else "/usr/bin/gss-client"
        for level in CONCURRENCY[1:]:
            label = "gss-sample connections/s, %d clients -> %s server, 1 msg" % (level, server)

            def connect_once(prog=prog, port=ports[server], env=env):
                run([prog, "-q", "-port", str(port), "localhost", "host@localhost", "benchmark message"], env)
            cases.append((label, "/s", lambda f=connect_once, level=level, label=label:
                          parallel(f, level, max(1, 64 // level), label)))
    return cases


# ---------------------------------------------------------------- handshake floor
def floor_cases():
    cases = []
    for mode in ("inprocess", "socketpair-raw", "socketpair-library"):
        def case(mode=mode):
            out = subprocess.run([FLOOR, mode, "200"], capture_output=True, check=True).stdout
            return float(out.split()[0])
        cases.append(("handshake + wrap/unwrap: " + mode, "us", case))
    return cases


# ---------------------------------------------------------------- distcc
def distcc_cases():
    env = {"DISTCCD_PRINCIPAL": "distccd@localhost", "KRB5RCACHETYPE": "none"}
    daemon = ["distccd", "--daemon", "--no-detach", "--listen", "127.0.0.1", "--allow", "127.0.0.1",
              "--log-stderr", "--jobs", "8"]
    ports = {name: free_port() for name in ("plain", "auth", "front-exec", "front-relay")}
    start("distccd-plain", daemon + ["--port", str(ports["plain"])], None, env, ports["plain"])
    start("distccd-auth", daemon + ["--auth", "--port", str(ports["auth"])], None, env, ports["auth"])
    start("front-exec", [SBIN + "/distcc-auth-inetd", "-listen", str(ports["front-exec"]), "-max-children", "256",
                         "--", "distccd", "--inetd", "--allow", "127.0.0.1", "--log-stderr"],
          b"starting", env)
    start("front-relay", [SBIN + "/distcc-auth-inetd", "-listen", str(ports["front-relay"]), "-max-children", "256",
                          "-relay", "127.0.0.1:%d" % ports["plain"]], b"starting", env)
    with open(os.path.join(WORK, "x.c"), "w") as f:
        f.write("int answer(void) { return 42; }\n")
    labels = {"plain": "distccd, no auth (floor)", "auth": "Debian distccd --auth daemon",
              "front-exec": "distcc-auth-inetd -- distccd --inetd", "front-relay": "distcc-auth-inetd -relay distccd"}
    cases = []
    for name, port in ports.items():
        auth = "" if name == "plain" else ",auth=localhost"
        cenv = {"DISTCC_HOSTS": "127.0.0.1:%d/200%s" % (port, auth), "DISTCC_FALLBACK": "0",
                "DISTCC_PRINCIPAL": "distccd", "DISTCC_BACKOFF_PERIOD": "0", "DISTCC_DIR": os.path.join(WORK, "distcc-" + name)}
        os.makedirs(cenv["DISTCC_DIR"], exist_ok=True)

        def compile_once(cenv=cenv, n=[0], name=name):
            n[0] += 1
            output = "x-%s-%d-%d.o" % (name, threading.get_ident(), n[0])
            result = subprocess.run(["distcc", "gcc", "-c", "x.c", "-o", output], capture_output=True,
                                    env=dict(os.environ, **cenv), cwd=WORK)
            if result.returncode != 0:
                raise SystemExit("bench: a compile through %s failed: %s" % (labels[name], result.stderr.decode()))

        if name in ("plain", "front-relay"):
            # The library on both sides: distcc's client-side calls through the drop-in ABI (or
            # no authentication, against the daemon without it), then a compile request.
            def dropin_once(port=port, auth="none" if name == "plain" else "localhost"):
                run([DISTCC_CLIENT, str(port), auth, "0", "compile"], {"DISTCC_PRINCIPAL": "distccd"})
            cases.append(("distcc request, the library's drop-in client -> " + labels[name], "ms/compile",
                          lambda f=dropin_once: sum(timed(f) for _ in range(5)) / 5 * 1e3))
        compiles = 1 if name == "front-exec" else 3
        cases.append(("distcc compile, Debian client -> " + labels[name], "ms/compile",
                      lambda f=compile_once, k=compiles: sum(timed(f) for _ in range(k)) / k * 1e3))
        for level in CONCURRENCY[1:]:
            if name == "front-exec" and level > 8:
                continue   # 1 s per compile: nothing more to learn, minutes to wait

            label = "distcc compiles/s, %d clients -> %s" % (level, labels[name])

            def throughput(f=compile_once, level=level, name=name, label=label):
                per = 1 if name == "front-exec" else max(1, 64 // level)
                return parallel(f, level, per, label)
            cases.append((label, "/s", throughput))
    return cases


failures = {}   # label -> (failed calls, one of the errors)


def parallel(fn, level, per_thread, label):
    """Runs fn per_thread times in each of `level` threads at once; returns the successful
    calls per second. Failed calls are counted under label (the table reports them)."""
    errors = []

    def worker():
        for _ in range(per_thread):
            try:
                fn()
            except BaseException as e:  # noqa: B036 - counted and reported
                errors.append(e)
    threads = [threading.Thread(target=worker) for _ in range(level)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        count, _ = failures.get(label, (0, None))
        failures[label] = (count + len(errors), str(errors[0]).strip().splitlines()[-1][:200])
    return (level * per_thread - len(errors)) / elapsed


# ---------------------------------------------------------------- CVS pserver verification
def cvs_cases():
    repo = peers.cvs_repository(WORK)
    request = peers.verification_request(repo)
    pserverd = SBIN + "/cvs-pserverd"
    ports = {
        "debian-inetd": acceptor("cvs-debian", ["/usr/bin/cvs", "-f", "--allow-root=" + repo, "pserver"]),
        "ours-inetd": acceptor("cvs-ours-inetd", [pserverd, "-inetd", "-root", repo]),
        "ours-daemon": free_port(),
    }
    start("cvs-ours-daemon", [pserverd, "-port", str(ports["ours-daemon"]), "-root", repo,
                              "-max-children", "256"], b"starting")
    labels = {"debian-inetd": "Debian cvs pserver under an inetd acceptor",
              "ours-inetd": "cvs-pserverd -inetd under the same acceptor",
              "ours-daemon": "cvs-pserverd as a daemon"}
    cases = []
    for name, port in ports.items():
        def verify(port=port):
            with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
                s.sendall(request)
                answer = b""
                while not answer.endswith(b"\n"):
                    data = s.recv(100)
                    if not data:
                        break
                    answer += data
                if answer != b"I LOVE YOU\n":
                    raise SystemExit("bench: CVS verification on port %d answered %r" % (port, answer))
        verify()
        for level in CONCURRENCY:
            label = "CVS verifications/s, %d clients -> %s" % (level, labels[name])
            cases.append((label, "/s", lambda f=verify, level=level, label=label: parallel(f, level, max(4, 128 // level),
                                                                                        label)))
    return cases


# ---------------------------------------------------------------- host authentication
def hostauth_cases():
    """usrpwd against a password file holding a SHA-512 crypt hash (`openssl passwd -6`, 5000
    rounds, as system databases hold): a full authentication every session (a daemon without a
    reuse secret) against re-authentication with the reuse token of the client's first session
    (a daemon with -secret)."""
    ha = os.path.join(WORK, "hostauth")
    os.makedirs(ha)
    key, pin = peers.hostauth_files(ha, SBIN + "/hostauth-server")
    with open(os.path.join(ha, "secret"), "w") as f:
        f.write("1 %s\n" % os.urandom(32).hex())
    os.chmod(os.path.join(ha, "secret"), 0o600)
    ports = {"full": free_port(), "reuse": free_port()}
    for name, port in ports.items():
        extra = ["-secret", os.path.join(ha, "secret")] if name == "reuse" else []
        start("hostauth-" + name, [SBIN + "/hostauth-server", "-key", key, "-port", str(port),
                                   "-access", os.path.join(ha, "access"),
                                   "-passwords", "file:" + os.path.join(ha, "passwd")] + extra,
              None, None, port)
    labels = {"full": "a full usrpwd authentication every session",
              "reuse": "re-authentication with the reuse token"}
    env = {"ROOTAUTHRC": os.path.join(ha, "authrc")}

    def sessions(port, repeat):
        run([BIN + "/hostauth-client", "-port", str(port), "-user", "alice", "-pin", pin,
             "-answers", os.path.join(ha, "good"), "-repeat", str(repeat), "localhost"], env)
    cases = []
    for name, port in ports.items():
        # One client process: 21 sessions minus 1 session, so that neither the process start
        # nor the first session (always full) is counted.
        cases.append(("host-auth session, %s" % labels[name], "ms/session",
                      lambda port=port: (timed(lambda: sessions(port, 21)) - timed(lambda: sessions(port, 1)))
                      / 20 * 1e3))
        for level in CONCURRENCY[1:]:
            label = "host-auth sessions/s, %d clients -> %s" % (level, labels[name])
            per = max(1, 64 // level)
            cases.append((label, "/s", lambda port=port, level=level, per=per, label=label:
                          parallel(lambda: sessions(port, 8), level, per, label) * 8))
    return cases


# ---------------------------------------------------------------- load cost and size
def load_cases():
    # The programs that use GSS-API import a host-based name and release it: the same calls
    # straight to libgssapi_krb5 and through the library (whose first GSS-API call opens it).
    gss_source = ("#include <gssapi/gssapi.h>\n#include <string.h>\n"
                  "int main(void) { OM_uint32 minor; gss_name_t name = GSS_C_NO_NAME; "
                  "gss_buffer_desc text = { strlen(\"host@localhost\"), \"host@localhost\" }; "
                  "if (gss_import_name(&minor, &text, GSS_C_NT_HOSTBASED_SERVICE, &name)) return 1; "
                  "return gss_release_name(&minor, &name) != 0; }")
    daemonauth_gss_source = ("#include <daemonauth.h>\n"
                             "int main(void) { daemonauth_gss_name *name = 0; "
                             "if (daemonauth_gss_name_import(\"host@localhost\", "
                             "DAEMONAUTH_GSS_NAME_TYPE_HOST_BASED_SERVICE, &name)) return 1; "
                             "daemonauth_gss_name_free(name); return 0; }")
    floor_source = "const char *rust_floor_version(void);\nint main(void) { return rust_floor_version() == 0; }"
    # Each Rust library is named by its full path (as scripts/bench does for the programs that
    # link libdaemonauth): found at once, as an installed library is, with no search.
    daemonauth = ("libdaemonauth.so.0", PREFIX + "/lib/libdaemonauth.so.0")
    progs = {}
    for name, source, libs, library in [
            ("plain", "int main(void) { return 0; }", [], None),
            ("gssapi", "#include <gssapi/gssapi.h>\nint main(void) { OM_uint32 m; gss_release_buffer(&m, GSS_C_NO_BUFFER); return 0; }",
             ["-lgssapi_krb5"], None),
            ("gssapi-name", gss_source, ["-lgssapi_krb5"], None),
            ("rust-floor", floor_source, ["-L" + RUST_FLOOR, "-lrust_floor"],
             ("librust_floor.so", RUST_FLOOR + "/librust_floor.so")),
            ("rust-floor-eh", floor_source, ["-L" + RUST_FLOOR_EH, "-lrust_floor"],
             ("librust_floor.so", RUST_FLOOR_EH + "/librust_floor.so")),
            ("daemonauth", "#include <daemonauth.h>\nint main(void) { return daemonauth_version() == 0; }",
             ["-L" + PREFIX + "/lib", "-ldaemonauth"], daemonauth),
            ("daemonauth-gss", daemonauth_gss_source, ["-L" + PREFIX + "/lib", "-ldaemonauth"], daemonauth)]:
        src = os.path.join(WORK, "load-%s.c" % name)
        with open(src, "w") as f:
            f.write(source + "\n")
        progs[name] = os.path.join(WORK, "load-" + name)
        subprocess.run(["cc", "-O2", "-I" + PREFIX + "/include", "-o", progs[name], src] + libs, check=True)
        if library:
            subprocess.run(["patchelf", "--replace-needed", library[0], library[1], progs[name]], check=True)
    labels = {"plain": "a program linking nothing", "gssapi": "linking only libgssapi_krb5",
              "gssapi-name": "linking only libgssapi_krb5, one GSS-API name",
              "rust-floor": "linking a Rust cdylib doing nothing (with libgcc_s)",
              "rust-floor-eh": "linking a Rust cdylib doing nothing (unwinder linked in)",
              "daemonauth": "linking libdaemonauth",
              "daemonauth-gss": "linking libdaemonauth, one GSS-API name (opens Kerberos)"}
    # One spawn-cost run a round measures every program, one spawn of each in turn (a busy
    # moment of the machine hits them all alike); the first case of the round starts it.
    latest = {}

    def run_all():
        out = subprocess.run([SPAWN, "300"] + list(progs.values()), capture_output=True, check=True).stdout
        latest.update(zip(progs, (line.split() for line in out.decode().splitlines())))
    first = next(iter(progs))
    cases = []
    for name in progs:
        def spawn(name=name):
            if name == first:
                run_all()
            return float(latest[name][0])
        cases.append(("spawn+exit, " + labels[name], "us", spawn))
    for name in progs:
        cases.append(("peak RSS, " + labels[name], "MB", lambda name=name: int(latest[name][1]) / 1024))
    return cases


def sizes():
    lib = os.path.realpath(os.path.join(PREFIX, "lib", "libdaemonauth.so"))
    debug = os.path.join(PREFIX, "lib", ".debug", os.path.basename(lib) + ".debug")
    exports = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, check=True).stdout
    return [("libdaemonauth.so as installed", "MB", os.path.getsize(lib) / 1e6),
            ("its split debug info (.debug/)", "MB", os.path.getsize(debug) / 1e6 if os.path.exists(debug) else 0),
            ("exported symbols", "", len([l for l in exports.splitlines() if b" T " in l or b" D " in l or b" B " in l]))]


def instruction_counts():
    """Instructions per handshake + wrap/unwrap, counted by callgrind (exact and repeatable,
    unlike times on a shared machine): the difference between 30 and 10 handshakes, over 20."""
    def count(mode, n):
        out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", FLOOR, mode, str(n)],
                             capture_output=True, text=True, check=True).stderr
        return int(next(l for l in out.splitlines() if "Collected" in l).split(":")[-1])
    return [("instructions per handshake + wrap/unwrap: " + mode, "",
             (count(mode, 30) - count(mode, 10)) / 20) for mode in ("socketpair-raw", "socketpair-library")]


def main():
    rounds, out = int(sys.argv[1]), sys.argv[2]
    only = os.environ.get("BENCH_ONLY")
    groups = [("gss-sample pairings (ms per connection)", gss_cases),
              ("handshake floor (us per handshake + one wrap/unwrap)", floor_cases),
              ("distcc (Debian's client, a one-line file)", distcc_cases),
              ("CVS pserver verification (DES hash)", cvs_cases),
              ("host authentication (usrpwd, SHA-512 crypt hash)", hostauth_cases),
              ("load cost", load_cases)]
    selected = [(title, make) for title, make in groups if not only or only in title]
    groups = [(title, make()) for title, make in selected]
    samples = {}
    for r in range(rounds):
        print("bench: round %d of %d" % (r + 1, rounds), file=sys.stderr, flush=True)
        for _, cases in groups:
            for label, _, fn in cases:
                samples.setdefault(label, []).append(fn())
    lines = ["| case | unit | median | min | max |", "|---|---|---:|---:|---:|"]
    for title, cases in groups:
        lines.append("| **%s** | | | | |" % title)
        for label, unit, _ in cases:
            s = samples[label]
            lines.append("| %s | %s | %.3g | %.3g | %.3g |" % (label, unit, statistics.median(s), min(s), max(s)))
    exact = instruction_counts() if any(make is floor_cases for _, make in selected) else []
    if exact:
        lines.append("| **instructions (callgrind: exact, one run)** | | | | |")
        for label, unit, value in exact:
            lines.append("| %s | %s | %.4g | | |" % (label, unit, value))
    lines.append("| **size** | | | | |")
    for label, unit, value in sizes():
        lines.append("| %s | %s | %.3g | | |" % (label, unit, value))
    if failures:
        lines.append("")
        lines.append("Failed calls (not counted in the rates above):")
        lines.append("")
        for label, (count, error) in failures.items():
            lines.append("- %s: %d failed over all rounds (%s)" % (label, count, error))
    med = {label: statistics.median(s) for label, s in samples.items()}
    med.update({label: value for label, _, value in exact})
    ratios = ratio_lines(med)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    machine = "%s, %d cores (shared with other work), Linux %s, %s; %d interleaved rounds, %s" % (
        cpu, os.cpu_count(), platform.release(), subprocess.run(["gcc", "-dumpfullversion"], capture_output=True,
                                                               text=True).stdout.strip() and "gcc " +
        subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True).stdout.strip(),
        rounds, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    text = "Machine: %s.\n\n%s\n\nRatios (daemonauth / the original or floor; below 1 is faster):\n\n%s\n" % (
        machine, "\n".join(lines), "\n".join(ratios))
    print(text)
    write_between_markers(out, text)


BEGIN, END = "<!-- bench:begin (scripts/bench writes this part) -->", "<!-- bench:end -->"


def write_between_markers(path, text):
    """Puts text between the bench markers of the file at path, keeping what surrounds them
    (the whole file when it has no markers yet)."""
    try:
        old = open(path).read()
    except FileNotFoundError:
        old = ""
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
    else:
        head, tail = "# Performance\n\n", "\n"
    with open(path, "w") as f:
        f.write("%s%s\n%s%s%s" % (head, BEGIN, text, END, tail))


def ratio_lines(med):
    def pick(fragment, *more):
        for label, value in med.items():
            if fragment in label and all(m in label for m in more):
                return value
        return None
    rows = []

    def ratio(what, ours, theirs):
        if ours is not None and theirs:
            rows.append("- %s: %.2f" % (what, ours / theirs))
    for m in (1, 5):
        ratio("gss-sample ours/ours vs MIT/MIT, %d msg" % m, pick("ours client -> ours server, %d" % m),
              pick("mit client -> mit server, %d" % m))
        ratio("gss-sample ours/ours vs MIT/MIT both with NODELAY, %d msg" % m,
              pick("ours client -> ours server, %d" % m), pick("mit+nd client -> mit+nd server, %d" % m))
    ratio("library handshake vs raw GSS over the same socketpair", pick("handshake + wrap/unwrap: socketpair-library"),
          pick("handshake + wrap/unwrap: socketpair-raw"))
    ratio("library handshake vs raw GSS over the same socketpair, in instructions (exact)",
          pick("instructions per handshake + wrap/unwrap: socketpair-library"),
          pick("instructions per handshake + wrap/unwrap: socketpair-raw"))
    ratio("distcc front end (relay) vs Debian distccd --auth, per compile", pick("compile, Debian client -> distcc-auth-inetd -relay"),
          pick("compile, Debian client -> Debian distccd --auth"))
    ratio("distcc through the relay vs the no-auth floor, Debian's client", pick("compile, Debian client -> distcc-auth-inetd -relay"),
          pick("compile, Debian client -> distccd, no auth"))
    ours, floor = pick("drop-in client -> distcc-auth-inetd -relay"), pick("drop-in client -> distccd, no auth")
    if ours and floor:
        rows.append("- distcc authentication overhead, the library on both sides (drop-in client through -relay, "
                    "against the same client without auth): %+.1f ms per compile" % (ours - floor))
    ratio("distcc front end (exec distccd --inetd) vs Debian distccd --auth, per compile",
          pick("compile, Debian client -> distcc-auth-inetd --"), pick("compile, Debian client -> Debian distccd --auth"))
    for level in CONCURRENCY:
        ratio("CVS verifications/s at %d clients, cvs-pserverd -inetd vs Debian (higher is faster)" % level,
              pick("verifications/s, %d clients -> cvs-pserverd -inetd" % level),
              pick("verifications/s, %d clients -> Debian" % level))
        ratio("CVS verifications/s at %d clients, cvs-pserverd daemon vs Debian under inetd (higher is faster)" % level,
              pick("verifications/s, %d clients -> cvs-pserverd as a daemon" % level),
              pick("verifications/s, %d clients -> Debian" % level))
    ratio("host-auth session, reuse token vs full usrpwd authentication", pick("host-auth session, re-auth"),
          pick("host-auth session, a full"))
    def spawn(label):
        return med.get("spawn+exit, " + label)
    a, ag = spawn("linking libdaemonauth"), spawn("linking libdaemonauth, one GSS-API name (opens Kerberos)")
    g, gn, p = spawn("linking only libgssapi_krb5"), spawn("linking only libgssapi_krb5, one GSS-API name"), \
        spawn("a program linking nothing")
    r, e = (spawn("linking a Rust cdylib doing nothing (%s)" % how) for how in ("with libgcc_s", "unwinder linked in"))
    if None not in (a, ag, g, gn, p, r, e):
        rows.append("- spawn+exit: libdaemonauth %+.0f us over linking libgssapi_krb5 alone (%+.0f us over nothing); "
                    "with one GSS-API name through it (which opens Kerberos) %+.0f us over the same straight through "
                    "libgssapi_krb5; a Rust cdylib doing nothing costs %+.0f us over nothing with the unwinder "
                    "linked in as libdaemonauth's is, %+.0f us as Rust links it by default (with libgcc_s)"
                    % (a - g, a - p, ag - gn, e - p, r - p))
    return rows


if __name__ == "__main__":
    try:
        main()
    finally:
        for proc in servers:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
