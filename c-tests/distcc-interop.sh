#!/usr/bin/env bash
# distcc's authentication against Debian's real distcc 3.4 (built with GSS-API): the real
# client through the distcc-auth-inetd example, our client (test_distcc_client, the drop-in
# ABI) against the real distccd --auth, denials and broken peers, each with distcc's exit
# code and within a bounded time (the example's timeouts set by its options); the example run as inetd runs it, with the connection as
# descriptors 0, 1 and 2, the bytes each client received checked against the protocol. Runs
# inside a throwaway realm (scripts/realm exec); everything listens on 127.0.0.1 or ::1.
#
#   distcc-interop.sh CASE DISTCC_AUTH_INETD TEST_DISTCC_CLIENT
set -uo pipefail
case_name=$1 inetd=$2 our_client=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
chmod 755 "$work"   # distccd drops root to user distccd: it must read the lists
pids=()
cleanup() { local pid; for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT

fail() { echo "FAIL ($case_name): $*"; echo "--- client output"; cat "$work/client.out" 2>/dev/null
         echo "--- server output"; cat "$work/server.out" 2>/dev/null; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 200); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; fail "no server started"; }
expect_client() { grep -qF -- "$1" "$work/client.out" || fail "client output lacks: $1"; }
expect_server() { grep -qF -- "$1" "$work/server.out" || fail "server output lacks: $1"; }

# wait_children PID N: waits (10 s at most) until process PID has exactly N children.
wait_children() {
  for _ in $(seq 1 100); do [ "$(pgrep -c -P "$1")" -eq "$2" ] && return 0; sleep 0.1; done
  fail "$1 has $(pgrep -c -P "$1") children, not $2"
}

# distccd's service principal is distccd/localhost; the realm's replay cache directory is not
# writable by user distccd, so the daemons run without one (tests only).
export DISTCCD_PRINCIPAL=distccd@localhost KRB5RCACHETYPE=none

# start_distccd [OPTIONS...]: Debian's distccd on a fresh port ($port) of $address (127.0.0.1).
start_distccd() {
  port=$(free_port) address=${address:-127.0.0.1}
  distccd --daemon --no-detach --listen "$address" --allow "$address" --port "$port" --log-stderr \
    --log-level info "$@" >>"$work/server.out" 2>&1 &
  pids+=($!)
  wait_for "$work/server.out" "listening on $address:$port"
}
# start_inetd [OPTIONS...]: the example on a fresh port, running distccd --inetd per client.
start_inetd() {
  port=$(free_port)
  "$inetd" -listen "$port" "$@" -- distccd --inetd --allow 127.0.0.1 --log-stderr --log-level info \
    >>"$work/server.out" 2>&1 &
  pids+=($!)
  wait_for "$work/server.out" "starting... listening on 127.0.0.1:$port"
}
# start_under_inetd [OPTIONS...]: the example without -listen under inetd.py (the connection
# as descriptors 0, 1 and 2), distccd --inetd after it; both log to syslog, kept in
# $work/syslog; the bytes sent to client N in $sent.N, the example's exit status in $sent.N.status.
start_under_inetd() {
  port=$(free_port) sent=$work/sent-$port
  rm -f "$work/peer.out"
  python3 "$here/inetd.py" --syslog "$work/syslog" --record "$sent" "$port" \
    "$inetd" "$@" -- ${command:-distccd} --inetd --allow 127.0.0.1 --log-level info 2>"$work/peer.out" &
  pids+=($!)
  wait_for "$work/peer.out" "starting\.\.\."
}
# sent_was N KIND [STATUS]: client N of the last start_under_inetd received exactly distcc's
# protocol of KIND (see distcc-stream.py) and the example exited with STATUS (if given).
sent_was() {
  for _ in $(seq 1 200); do [ -e "$sent.$1.status" ] && break; sleep 0.05; done
  [ -e "$sent.$1.status" ] || fail "connection $1 did not end"
  python3 "$here/distcc-stream.py" "$sent.$1" "$2" || fail "connection $1: not exactly the protocol ($2)"
  [ -z "${3:-}" ] || [ "$(cat "$sent.$1.status")" = "$3" ] || fail "connection $1: exit status $(cat "$sent.$1.status"), expected $3"
}
expect_syslog() { grep -qF -- "$1" "$work/syslog" || { cat "$work/syslog"; fail "syslog lacks: $1"; }; }
# real_client HOST_OPTIONS: Debian's distcc compiles x.c on 127.0.0.1:$port; sets $client_rc.
real_client() {
  printf 'int daemonauth_answer(void) { return 42; }\n' >"$work/x.c"
  rm -f "$work/x.o"; rm -rf "$work/distcc-dir"; mkdir "$work/distcc-dir"
  (cd "$work" && DISTCC_DIR=$work/distcc-dir DISTCC_FALLBACK=0 DISTCC_VERBOSE=1 \
     DISTCC_PRINCIPAL=distccd DISTCC_HOSTS="127.0.0.1:$port/1$1" timeout 60 distcc gcc -c x.c -o x.o) \
     >"$work/client.out" 2>&1
  client_rc=$?
  [ "$client_rc" -ne 124 ] || fail "the real client hung"
}
# our_client AUTH_NAME EXPECTED_CODE [compile]: the drop-in client; fails unless it exits 0
# (its exit code was the expected one) within 15 s.
our_client() {
  local started=$SECONDS
  DISTCC_PRINCIPAL=${service:-distccd} timeout 60 "$our_client" "$port" "$@" >"$work/client.out" 2>&1 \
    || fail "our client: expected exit code $2"
  [ $((SECONDS - started)) -le 15 ] || fail "our client took $((SECONDS - started)) s"
}

case "$case_name" in
  real-client-via-inetd)
    start_inetd; real_client ",auth=localhost"
    [ "$client_rc" -eq 0 ] && [ -s "$work/x.o" ] || fail "the compile failed (rc $client_rc)"
    expect_server "authenticated alice@DAEMONAUTH.TEST"; expect_client "completed ok" ;;
  one-write-notification)
    # The last context token and the `y` leave in one write (two cost the client a delayed ACK
    # per connection): strace the server through a real compile and look at what it sent.
    port=$(free_port)
    strace -f -qq -e trace=write,sendto,sendmsg -s 1000000 -xx -o "$work/strace" \
      "$inetd" -listen "$port" -once -- distccd --inetd --allow 127.0.0.1 --log-stderr >>"$work/server.out" 2>&1 &
    traced=$!
    wait_for "$work/server.out" "starting... listening on 127.0.0.1:$port"
    real_client ",auth=localhost"
    [ "$client_rc" -eq 0 ] || fail "the compile failed (rc $client_rc)"
    wait "$traced"   # -once: the server and strace end after this connection
    python3 - "$work/strace" <<'PY' || fail "the last token and the notification were not one write"
import re, sys
sends = [bytes.fromhex(m.group(1).replace("\\x", ""))
         for m in re.finditer(r'(?:write|sendto)\(\d+, "((?:\\x[0-9a-f]{2})*)"', open(sys.argv[1]).read())]
last_token = [b for b in sends if b.startswith(b"TLEN")][-1]
sys.exit(0 if last_token.endswith(b"y") and b"y" not in sends else 1)
PY
    ;;
  relay-to-daemon)
    # The documented deployment: the example authenticates, then relays to a distccd daemon
    # without --auth on loopback. A real compile through it, as a listener and under inetd
    # (descriptors 0, 1 and 2); a denied client is told `n` and never reaches the daemon.
    start_distccd; backend=$port
    port=$(free_port)
    "$inetd" -listen "$port" -relay "127.0.0.1:$backend" >>"$work/server.out" 2>&1 &
    pids+=($!)
    wait_for "$work/server.out" "starting... listening on 127.0.0.1:$port"
    # Six compiles: one more than the failures that throttle an address (a served client is
    # no failure).
    for _ in 1 2 3 4 5 6; do
      real_client ",auth=localhost"
      [ "$client_rc" -eq 0 ] && [ -s "$work/x.o" ] || fail "the compile through the relay failed (rc $client_rc)"
      nm "$work/x.o" | grep -q " T daemonauth_answer" || fail "the object file lacks the compiled function"
      expect_client "completed ok"
    done
    expect_server "authenticated alice@DAEMONAUTH.TEST"
    [ "$(grep -c "COMPILE_OK" "$work/server.out")" -eq 6 ] || fail "distccd did not serve exactly six compiles"
    echo alice >"$work/list"; chmod 644 "$work/list"
    port=$(free_port)
    "$inetd" -listen "$port" -relay "$backend" -blacklist "$work/list" >>"$work/server.out" 2>&1 &
    pids+=($!)
    wait_for "$work/server.out" "starting... listening on 127.0.0.1:$port"
    real_client ",auth=localhost"
    [ "$client_rc" -ne 0 ] && [ ! -e "$work/x.o" ] || fail "a blacklisted client compiled through the relay"
    expect_client "Access denied by server"
    [ "$(grep -c "COMPILE_OK" "$work/server.out")" -eq 6 ] || fail "a denied client reached distccd"
    port=$(free_port) sent=$work/sent-$port
    python3 "$here/inetd.py" --syslog "$work/syslog" --record "$sent" "$port" "$inetd" -relay "$backend" \
      2>"$work/peer.out" &
    pids+=($!)
    wait_for "$work/peer.out" "starting\.\.\."
    real_client ",auth=localhost"
    [ "$client_rc" -eq 0 ] && [ -s "$work/x.o" ] || fail "the compile through the relay under inetd failed (rc $client_rc)"
    sent_was 1 compiled 0; expect_syslog "authenticated alice@DAEMONAUTH.TEST"
    # -relay and a command are exclusive; either one is required.
    "$inetd" -relay "$backend" -- distccd --inetd 2>"$work/usage.out" </dev/null && fail "-relay with a command was accepted"
    "$inetd" -listen "$port" -principal x 2>"$work/usage.out" </dev/null && fail "no backend was accepted"
    true ;;
  relay-idle)
    # An authenticated client that then sends nothing: the relay closes the connection after
    # -relay-idle-ms (distccd itself would wait 300 s), and logs why. A bad value is refused.
    start_distccd; backend=$port
    port=$(free_port)
    "$inetd" -listen "$port" -relay "127.0.0.1:$backend" -relay-idle-ms 500 >>"$work/server.out" 2>&1 &
    pids+=($!)
    wait_for "$work/server.out" "starting... listening on 127.0.0.1:$port"
    our_client localhost 0 stall
    expect_client "closed by the server"
    expect_server "relay: nothing moved for 500 ms, closing the connection"
    for bad in 0 -1 x 4294967296; do
      "$inetd" -listen "$port" -relay "$backend" -relay-idle-ms "$bad" 2>"$work/usage.out" </dev/null \
        && fail "-relay-idle-ms $bad was accepted"
      grep -q "not a positive number" "$work/usage.out" || fail "-relay-idle-ms $bad: no clear error"
    done ;;
  relay-client-gone)
    # A client that goes away while distccd is still sending: the relay's write fails and it
    # says so (a write to the closed connection must not kill it silently with SIGPIPE).
    backend=$(free_port)
    python3 - "$backend" >"$work/backend.out" 2>&1 <<'PY' &
import socket, sys, time
listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
print("starting...", flush=True)
connection, _ = listener.accept()
time.sleep(0.5)  # the client has authenticated and gone by now
try:
    for _ in range(256):
        connection.sendall(b"x" * 65536)
except OSError as err:
    print("backend:", err, flush=True)
PY
    pids+=($!)
    wait_for "$work/backend.out" "starting\.\.\."
    port=$(free_port)
    "$inetd" -listen "$port" -once -relay "127.0.0.1:$backend" >>"$work/server.out" 2>&1 &
    relay_pid=$!
    wait_for "$work/server.out" "starting... listening on 127.0.0.1:$port"
    our_client localhost 0
    expect_client "exit code 0"
    timeout 30 tail --pid="$relay_pid" -f /dev/null || fail "the relay did not end"
    wait "$relay_pid"
    expect_server "relay: to the client" ;;
  quick-ack-after-reads)
    # Debian's client writes a token's TLEN header and its body in two writes, and its compile
    # request in many small pieces: each piece after the first waits (Nagle) until the one
    # before is acknowledged. Every read of the client's bytes, by the library while it
    # authenticates and by the -relay afterwards, is followed by re-arming TCP_QUICKACK on that
    # socket, so the ACK leaves at once, not after the 40 ms delayed-ACK timer. Checked with
    # the exec'd distccd --inetd (the library's reads only) and through -relay (all reads).
    start_distccd; backend=$port
    for mode in exec relay; do
      port=$(free_port)
      if [ "$mode" = exec ]; then backend_args=(-- distccd --inetd --allow 127.0.0.1 --log-stderr)
      else backend_args=(-relay "127.0.0.1:$backend"); fi
      strace -f -qq -e trace=accept,accept4,read,setsockopt -o "$work/strace-$mode" \
        "$inetd" -listen "$port" -once "${backend_args[@]}" >>"$work/server.out" 2>&1 &
      traced=$!
      wait_for "$work/server.out" "starting... listening on 127.0.0.1:$port"
      real_client ",auth=localhost"
      [ "$client_rc" -eq 0 ] || fail "the compile ($mode) failed (rc $client_rc)"
      wait "$traced"
      python3 - "$work/strace-$mode" "$mode" <<'PY' || fail "a read of the client's bytes was not followed by TCP_QUICKACK ($mode)"
import re, sys
lines = [l.split(None, 1) for l in open(sys.argv[1]) if l.strip()]
conn = next(re.search(r"= (\d+)$", rest.strip()).group(1) for _, rest in lines if rest.startswith("accept"))
reads = quick = 0
for (pid, rest), following in zip(lines, lines[1:] + [("", "")]):
    if re.match(r"read\(%s, .*\)\s+=\s+[1-9]" % conn, rest):
        reads += 1
        if following[0] == pid and following[1].startswith("setsockopt(%s, SOL_TCP, TCP_QUICKACK, [1]" % conn):
            quick += 1
print("%s: reads of the client's bytes: %d, followed by TCP_QUICKACK: %d" % (sys.argv[2], reads, quick))
# Through the relay, the request is read after the authentication's reads.
sys.exit(0 if reads >= (4 if sys.argv[2] == "relay" else 2) and quick == reads else 1)
PY
    done ;;
  our-client-real-server)
    start_distccd --auth; our_client localhost 0 compile
    expect_client "STAT 0"; expect_client "DOTO"; expect_server "Successfully authenticated alice@DAEMONAUTH.TEST" ;;
  reverse-lookup)
    # No ,auth=NAME: the server's name is the reverse lookup of 127.0.0.1 (localhost).
    start_distccd --auth; our_client - 0 compile; expect_client "STAT 0" ;;
  blacklisted)
    echo alice >"$work/list"; chmod 644 "$work/list"
    start_distccd --auth --blacklist="$work/list"; our_client localhost 113
    expect_server "alice blacklisted"
    start_inetd -blacklist "$work/list"; real_client ",auth=localhost"
    [ "$client_rc" -ne 0 ] && [ ! -e "$work/x.o" ] || fail "a blacklisted client compiled"
    expect_server "access denied to alice@DAEMONAUTH.TEST"; expect_client "Access denied by server" ;;
  not-whitelisted)
    echo bob >"$work/list"; chmod 644 "$work/list"
    start_distccd --auth --whitelist="$work/list"; our_client localhost 113
    expect_server "alice not whitelisted"
    start_inetd -whitelist "$work/list"; real_client ",auth=localhost"
    [ "$client_rc" -ne 0 ] && [ ! -e "$work/x.o" ] || fail "a client not whitelisted compiled"
    expect_server "access denied"
    # Realm-qualified entries, opt-in: alice of this realm only.
    echo alice@DAEMONAUTH.TEST >"$work/list"
    start_inetd -whitelist "$work/list" -realm-entries; real_client ",auth=localhost"
    [ "$client_rc" -eq 0 ] && [ -s "$work/x.o" ] || fail "a realm-qualified whitelist entry did not match" ;;
  server-without-auth)
    # distcc's default: 1 s for the handshake, then EXIT_TIMEOUT; configurable.
    start_distccd; started=$SECONDS; our_client localhost 118; expect_client "exit code 118"
    DAEMONAUTH_DISTCC_HANDSHAKE_TIMEOUT_MS=3000 our_client localhost 118
    [ $((SECONDS - started)) -ge 3 ] || fail "the handshake timeout was not raised" ;;
  client-without-auth)
    start_inetd; started=$SECONDS; real_client ""
    [ "$client_rc" -ne 0 ] && [ ! -e "$work/x.o" ] || fail "a client without authentication compiled"
    [ $((SECONDS - started)) -le 15 ] || fail "took $((SECONDS - started)) s"
    expect_server "no client handshake" ;;
  wrong-service)
    start_distccd --auth; service=nosuch our_client localhost 119
    grep -q "not found in Kerberos database" "$work/client.out" || fail "no reason given" ;;
  broken-servers)
    for pair in distcc-garbage:109 distcc-huge:109 distcc-midtoken:107 silent:118 close:107; do
      port=$(free_port); rm -f "$work/peer.out"   # the background job truncates it only later
      python3 "$here/fake-peer.py" serve "$port" "${pair%%:*}" 2>"$work/peer.out" & pids+=($!)
      wait_for "$work/peer.out" "starting\.\.\."
      our_client localhost "${pair##*:}" || fail "${pair%%:*} server"
    done ;;
  max-children)
    # Two stalled connections fill -max-children 2: the third is closed at once, unserved;
    # once the stalled ones go, a client gets the handshake again.
    start_inetd -max-children 2
    inetd_pid=${pids[-1]}
    "$here/limits-client.py" hold "$port" 2 >"$work/hold.out" 2>&1 &
    holder=$!; pids+=("$holder")
    wait_children "$inetd_pid" 2
    "$here/limits-client.py" talk "$port" 127.0.0.1 '*' >"$work/client.out" 2>&1
    [ "$(cat "$work/client.out")" = "[closed]" ] || fail "the third connection was not closed unserved"
    expect_server "connection refused"
    kill "$holder"
    wait_children "$inetd_pid" 0
    "$here/limits-client.py" talk "$port" 127.0.0.1 '*' >"$work/client.out" 2>&1
    expect_client "*" ;;
  failure-throttle)
    # -max-failures 2: two failed authentications from 127.0.0.1 close that address's next
    # connection unserved; 127.0.0.2 still gets the handshake.
    start_inetd -max-failures 2
    for _ in 1 2; do
      "$here/limits-client.py" talk "$port" 127.0.0.1 'DIST00000001' >"$work/client.out" 2>&1
    done
    "$here/limits-client.py" talk "$port" 127.0.0.1 '*' >"$work/client.out" 2>&1
    [ "$(cat "$work/client.out")" = "[closed]" ] || fail "a throttled address was served"
    expect_server "throttled: 2 failed attempts from 127.0.0.1"
    "$here/limits-client.py" talk "$port" 127.0.0.2 '*' >"$work/client.out" 2>&1
    expect_client "*" ;;
  broken-clients)
    # Clients that send garbage, announce 4 GiB, stop mid-token, close or fall silent: each
    # refused with a clear error within the configured time; the server keeps serving.
    # (Five failures from one address would throttle it: the failure-throttle case tests that.)
    # The example's -timeout-ms wins over the environment's 60 s.
    export DAEMONAUTH_DISTCC_IO_TIMEOUT_MS=60000 DAEMONAUTH_DISTCC_EXCHANGE_TIMEOUT_MS=60000
    start_inetd -max-failures 100 -timeout-ms 2000
    for mode in distcc-garbage distcc-huge distcc-midtoken close; do
      timeout 30 python3 "$here/fake-peer.py" connect "$port" "$mode" || fail "$mode peer"
    done
    timeout 60 python3 "$here/fake-peer.py" connect "$port" silent & pids+=($!)
    for _ in $(seq 1 100); do grep -q "did not respond within 2000 ms" "$work/server.out" && break; sleep 0.1; done
    expect_server "did not respond within 2000 ms"
    expect_server 'expected a TLEN token header'; expect_server "invalid TLEN token length 4294967295"
    expect_server "closed the connection"
    real_client ",auth=localhost"
    [ "$client_rc" -eq 0 ] && [ -s "$work/x.o" ] || fail "the server stopped serving (rc $client_rc)"
    # A client trickling a token a byte every 100 ms, within a 10 s token timeout: cut at
    # -exchange-timeout-ms (not the environment's 60 s).
    start_inetd -timeout-ms 10000 -exchange-timeout-ms 1500
    timeout 60 python3 "$here/fake-peer.py" connect "$port" distcc-trickle || fail "trickle peer"
    expect_server "the exchange did not finish within its limit of 1500 ms" ;;
  inetd-fds-compile)
    # inetd hands the example the connection as descriptors 0, 1 and 2: the real client's
    # compile works and receives distcc's protocol and nothing else.
    start_under_inetd; real_client ",auth=localhost"
    [ "$client_rc" -eq 0 ] && [ -s "$work/x.o" ] || fail "the compile failed (rc $client_rc)"
    sent_was 1 compiled; expect_syslog "authenticated alice@DAEMONAUTH.TEST" ;;
  inetd-fds-refusals)
    # Every refusal, with the connection as descriptors 0, 1 and 2: the client receives the
    # protocol's refusal bytes only, the reason goes to syslog.
    echo alice >"$work/list"; chmod 644 "$work/list"
    start_under_inetd -blacklist "$work/list"
    real_client ",auth=localhost"; [ "$client_rc" -ne 0 ] && [ ! -e "$work/x.o" ] || fail "a blacklisted client compiled"
    sent_was 1 denied 113; expect_syslog "access denied to alice@DAEMONAUTH.TEST"
    real_client ""; [ "$client_rc" -ne 0 ] || fail "a client without authentication compiled"
    sent_was 2 nothing; expect_syslog "no client handshake"
    for mode in distcc-garbage distcc-huge distcc-midtoken; do
      timeout 30 python3 "$here/fake-peer.py" connect "$port" "$mode" || fail "$mode peer"
    done
    sent_was 3 handshake; sent_was 4 handshake; sent_was 5 handshake
    expect_syslog "invalid TLEN token length 4294967295"
    # Refused before any byte: an unknown option, no usable principal.
    start_under_inetd -no-such-option; real_client ",auth=localhost"
    sent_was 1 nothing 2; expect_syslog "usage: distcc-auth-inetd"
    DISTCCD_PRINCIPAL=nosuch@localhost start_under_inetd; real_client ",auth=localhost"
    sent_was 1 nothing 1
    # Authenticated, but the command cannot be run: `y`, then the connection closes.
    command=/nonexistent/distccd start_under_inetd; real_client ",auth=localhost"
    sent_was 1 admitted 1; expect_syslog "exec: No such file or directory" ;;
  listen-ipv6)
    # -listen [::1]:PORT, our client over IPv6 through the example and distccd --inetd.
    port=$(free_port)
    "$inetd" -listen "[::1]:$port" -- distccd --inetd --allow ::1 --log-stderr --log-level info >>"$work/server.out" 2>&1 &
    pids+=($!)
    wait_for "$work/server.out" "starting... listening on \[::1\]:$port"
    TEST_DISTCC_ADDRESS=::1 our_client localhost 0 compile; expect_client "STAT 0"
    expect_server "authenticated alice@DAEMONAUTH.TEST" ;;
  reverse-lookup-ipv6)
    # No ,auth=NAME and an IPv6 peer: the server's name is the reverse lookup of ::1, which a
    # hosts file of this test's own (a mount namespace) makes known. Named localhost, the
    # realm has its principal; named otherwise, the client asks the KDC for that other name.
    address=::1 start_distccd --auth
    for name in localhost v6only.daemonauth.invalid; do
      printf '127.0.0.1 localhost\n::1 %s\n' "$name" >"$work/hosts"
      unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$work/hosts" \
        env TEST_DISTCC_ADDRESS=::1 DISTCC_PRINCIPAL=distccd timeout 60 "$our_client" "$port" - \
        "$([ "$name" = localhost ] && echo 0 || echo 119)" compile >"$work/client.out" 2>&1 \
        || fail "reverse lookup of ::1 as $name"
    done
    # The KDC was asked about the realm of that name's domain.
    expect_client "krbtgt/DAEMONAUTH.INVALID@" ;;
  *) echo "unknown case $case_name"; exit 2 ;;
esac
echo "ok ($case_name)"
