#!/usr/bin/env bash
# Interoperability of the gss-server / gss-client examples with MIT's own (Debian's
# krb5-gss-samples), in both directions, and their behaviour with broken peers.
# Runs inside a throwaway realm (scripts/realm exec); everything listens on 127.0.0.1.
#
#   gss-interop.sh CASE OUR_SERVER OUR_CLIENT
set -uo pipefail
case_name=$1 our_server=$2 our_client=$3
here=$(cd "$(dirname "$0")" && pwd)
mit_server=/usr/bin/gss-server mit_client=/usr/bin/gss-client
work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

fail() { echo "FAIL ($case_name): $*"; echo "--- client output"; cat "$work/client.out" 2>/dev/null
         echo "--- server output"; cat "$work/server.out" 2>/dev/null; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_ready FILE: a server says "starting..." once it listens (MIT's, ours, fake-peer.py);
# connecting to find out would use up a -once server's only connection.
# Callers remove FILE before starting the server: a backgrounded redirection may truncate it
# only after wait_ready has already read the previous server's line.
wait_ready() { for _ in $(seq 1 200); do grep -q "starting\.\.\." "$1" 2>/dev/null && return 0; sleep 0.05; done; fail "no server started"; }

# start_server PROGRAM [ARGS...]: a server on a fresh port ($port), output in server.out.
start_server() {
  port=$(free_port)
  rm -f "$work/server.out"
  "$1" -port "$port" "${@:2}" >"$work/server.out" 2>&1 &
  server_pid=$!
  wait_ready "$work/server.out"
}
stop_server() { sleep 0.3; kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=; }
# client PROGRAM [ARGS...]: runs a client against $port with a 60 s guard; sets $client_rc.
client() {
  local prog=$1; shift
  timeout 60 "$prog" -port "$port" "$@" >"$work/client.out" 2>&1
  client_rc=$?
  [ "$client_rc" -ne 124 ] || fail "the client hung"
}
expect_client() { grep -qF -- "$1" "$work/client.out" || fail "client output lacks: $1"; }
expect_server() { grep -qF -- "$1" "$work/server.out" || fail "server output lacks: $1"; }
count_client() { [ "$(grep -cF -- "$1" "$work/client.out")" -eq "$2" ] || fail "expected $2 x '$1' from the client"; }
ok_exchange() {   # the normal outcome of one authenticated exchange of "hello"
  [ "$client_rc" -eq 0 ] || fail "client exit status $client_rc"
  expect_client "Signature verified."
  expect_server "Accepted connection: \"alice@DAEMONAUTH.TEST\""
  expect_server "Received message: \"hello\""
}

# start_inetd ARGS...: our gss-server -inetd under inetd.py on a fresh $port, the connection as
# descriptors 0, 1 and 2; syslog in $work/syslog, the bytes sent to client N in $sent.N and
# the exit status in $sent.N.status.
start_inetd() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  port=$(free_port) sent=$work/sent-$port
  rm -f "$work/peer.out"
  python3 "$here/inetd.py" --syslog "$work/syslog" --record "$sent" "$port" "$our_server" -inetd "$@" \
    2>"$work/peer.out" &
  server_pid=$!
  wait_ready "$work/peer.out"
}
# expect_sent N nothing|tokens STATUS: client N received no byte at all, or gss-sample tokens
# (a flags byte, a 4-byte big-endian length, the bytes) and nothing else; the exit status.
expect_sent() {
  for _ in $(seq 1 200); do [ -e "$sent.$1.status" ] && break; sleep 0.05; done
  [ -e "$sent.$1.status" ] || fail "connection $1 did not end"
  python3 -c 'import sys
data, pos = open(sys.argv[1], "rb").read(), 0
while pos + 5 <= len(data):
    pos += 5 + int.from_bytes(data[pos + 1:pos + 5], "big")
sys.exit(0 if pos == len(data) and (sys.argv[2] == "tokens") == (pos > 0) else "sent %r" % data[:300])' \
    "$sent.$1" "$2" || fail "connection $1: not exactly the protocol ($2)"
  [ "$(cat "$sent.$1.status")" = "$3" ] || fail "connection $1: exit status $(cat "$sent.$1.status"), expected $3"
}
expect_syslog() { grep -qF -- "$1" "$work/syslog" || { cat "$work/syslog"; fail "syslog lacks: $1"; }; }

# pair SERVER CLIENT [CLIENT OPTIONS...]: one -once server, one client run saying "hello".
pair() {
  local server=$1 client_prog=$2; shift 2
  start_server "$server" -once host
  client "$client_prog" "$@" localhost host@localhost hello
  stop_server
}

case "$case_name" in
  mit-client-default) pair "$our_server" "$mit_client"; ok_exchange; expect_server "NOOP token" ;;
  our-client-default) pair "$mit_server" "$our_client"; ok_exchange
    expect_client "context flag: GSS_C_MUTUAL_FLAG"
    expect_client '"alice@DAEMONAUTH.TEST" to "host/localhost@DAEMONAUTH.TEST"'
    expect_client "Name type of source name is { 1 2 840 113554 1 2 2 1 }." ;;
  mit-client-v1) pair "$our_server" "$mit_client" -v1; ok_exchange ;;
  our-client-v1)
    # MIT's own server refuses v1 clients (it wants a NOOP first), MIT's client included:
    # ours must fail just as cleanly, and succeed against our server.
    pair "$mit_server" "$our_client" -v1
    [ "$client_rc" -ne 0 ] || fail "MIT's server accepted a v1 client"
    expect_server "Expected NOOP token, got 0 token instead"
    pair "$our_server" "$our_client" -v1; ok_exchange ;;
  mit-client-na) pair "$our_server" "$mit_client" -na
    [ "$client_rc" -eq 0 ] || fail "client exit status $client_rc"
    expect_client "Response received."; expect_server "Accepted unauthenticated connection."
    expect_server 'Received message: "hello"' ;;
  our-client-na) pair "$mit_server" "$our_client" -na
    [ "$client_rc" -eq 0 ] || fail "client exit status $client_rc"
    expect_client "Response received."; expect_server "Accepted unauthenticated connection." ;;
  mit-client-nw-nx-nm)
    for opt in -nw -nx -nm; do pair "$our_server" "$mit_client" $opt; [ "$client_rc" -eq 0 ] || fail "$opt failed"
      expect_server 'Received message: "hello"'; done
    expect_client "Response received." ;;
  our-client-nw-nx-nm)
    for opt in -nw -nx -nm; do pair "$mit_server" "$our_client" $opt; [ "$client_rc" -eq 0 ] || fail "$opt failed"
      expect_server 'Received message: "hello"'; done
    expect_client "Response received." ;;
  counts-both-ways)
    start_server "$our_server" host
    client "$mit_client" -ccount 3 -mcount 2 localhost host@localhost hello
    [ "$client_rc" -eq 0 ] || fail "MIT client, our server: $client_rc"; count_client "Signature verified." 6
    [ "$(grep -c 'Accepted connection' "$work/server.out")" -eq 3 ] || fail "expected 3 connections"
    stop_server
    start_server "$mit_server" host
    client "$our_client" -ccount 3 -mcount 2 localhost host@localhost hello
    [ "$client_rc" -eq 0 ] || fail "our client, MIT server: $client_rc"; count_client "Signature verified." 6
    stop_server ;;
  export-both-ways)
    start_server "$our_server" -once -export -verbose host; client "$mit_client" localhost host@localhost hello; stop_server
    ok_exchange; [ "$(grep -c 'Exported context' "$work/server.out")" -eq 3 ] || fail "expected 3 exports"
    start_server "$mit_server" -once -export host; client "$our_client" localhost host@localhost hello; stop_server
    ok_exchange ;;
  inetd-both-ways)
    port=$(free_port)
    rm -f "$work/peer.out"
    python3 "$here/fake-peer.py" inetd "$port" "$our_server" -inetd -logfile "$work/server.out" host 2>"$work/peer.out" &
    server_pid=$!; wait_ready "$work/peer.out"; client "$mit_client" localhost host@localhost hello; stop_server
    # With -inetd stdout is the connection, so "Accepted connection" goes nowhere, as in MIT's.
    [ "$client_rc" -eq 0 ] || fail "client exit status $client_rc"
    expect_client "Signature verified."; expect_server 'Received message: "hello"'; expect_server "NOOP token"
    port=$(free_port)
    rm -f "$work/peer.out"
    python3 "$here/fake-peer.py" inetd "$port" "$mit_server" -inetd -logfile "$work/server.out" host 2>"$work/peer.out" &
    server_pid=$!; wait_ready "$work/peer.out"; client "$our_client" localhost host@localhost hello; stop_server
    [ "$client_rc" -eq 0 ] || fail "client exit status $client_rc"
    expect_client "Signature verified."; expect_server 'Received message: "hello"' ;;
  inetd-fds)
    # inetd hands the connection over as descriptors 0, 1 AND 2: MIT's client works and
    # receives gss-sample tokens only; refusals send nothing; every message goes to syslog.
    start_inetd host; client "$mit_client" localhost host@localhost hello
    [ "$client_rc" -eq 0 ] || fail "client exit status $client_rc"
    expect_client "Signature verified."; expect_sent 1 tokens 0
    start_inetd -no-such-option host; client "$mit_client" localhost host@localhost hello
    expect_sent 1 nothing 1; expect_syslog "usage: gss-server"
    start_inetd -keytab "$work/no-keytab" host; client "$mit_client" localhost host@localhost hello
    expect_sent 1 nothing 1; expect_syslog "GSS-API error acquiring credentials" ;;
  bad-arguments)
    # A -port that is not a port number is a usage error for both (MIT's take atoi's answer:
    # "-port x" listens on a port the kernel picks).
    for bad in x 0 65536 -1 +5 " 5" 12x ""; do
      timeout 10 "$our_server" -port "$bad" host >"$work/server.out" 2>&1; rc=$?
      [ "$rc" -eq 1 ] && expect_server "usage:" || fail "gss-server -port '$bad': exit status $rc"
      timeout 10 "$our_client" -port "$bad" localhost host@localhost hi >"$work/client.out" 2>&1; rc=$?
      [ "$rc" -eq 1 ] && expect_client "Usage:" || fail "gss-client -port '$bad': exit status $rc"
    done
    # A server that cannot listen (the port is taken) says why and fails.
    start_server "$our_server" host
    timeout 10 "$our_server" -port "$port" host >"$work/client.out" 2>&1; rc=$?
    stop_server
    [ "$rc" -eq 1 ] || fail "a server that could not listen exited with $rc"
    expect_client "listening on socket" ;;
  listen-ipv6)
    # The server listens on IPv6 addresses too.
    start_server "$our_server" -once host; client "$our_client" ::1 host@localhost hello; stop_server; ok_exchange ;;
  spnego-both-ways)
    pair "$our_server" "$mit_client" -spnego; ok_exchange
    pair "$mit_server" "$our_client" -spnego; ok_exchange ;;
  our-client-flags)
    pair "$mit_server" "$our_client" -seq -d; ok_exchange
    expect_server "context flag: GSS_C_SEQUENCE_FLAG"; expect_client "context flag: GSS_C_DELEG_FLAG"
    pair "$mit_server" "$our_client" -nomutual -noreplay; ok_exchange
    grep -q "GSS_C_REPLAY_FLAG" "$work/client.out" && fail "-noreplay still asked for replay detection"
    pair "$mit_server" "$our_client" -krb5; ok_exchange
    echo "a file message" >"$work/msg"
    start_server "$our_server" -once host; client "$our_client" -f localhost host@localhost "$work/msg"; stop_server
    [ "$client_rc" -eq 0 ] || fail "-f failed"
    expect_server 'Received message: "a file message' ;;
  our-client-password)
    # No ticket cache at all: the client gets its own ticket with -user/-pass.
    export KRB5CCNAME=FILE:$work/empty-ccache
    pair "$mit_server" "$our_client" -user "$DAEMONAUTH_TEST_USER" -pass "$DAEMONAUTH_TEST_PASSWORD"; ok_exchange
    pair "$mit_server" "$our_client" -user "$DAEMONAUTH_TEST_USER" -pass wrong-password
    [ "$client_rc" -ne 0 ] || fail "a wrong password was accepted"
    expect_client "GSS-API error acquiring creds"; expect_client "Decrypt integrity check failed"
    # -user without -pass and no ticket: the password comes from the responder's answer file,
    # which must be private.
    printf 'password=%s\n' "$DAEMONAUTH_TEST_PASSWORD" >"$work/answers"; chmod 644 "$work/answers"
    DAEMONAUTH_ANSWER_FILE=$work/answers pair "$mit_server" "$our_client" -user "$DAEMONAUTH_TEST_USER"
    [ "$client_rc" -ne 0 ] || fail "a world-readable answer file was used"
    expect_client "group and others must have no access"
    chmod 600 "$work/answers"
    DAEMONAUTH_ANSWER_FILE=$work/answers pair "$mit_server" "$our_client" -user "$DAEMONAUTH_TEST_USER"; ok_exchange
    # Without any answer (no file, no terminal under ctest) the flow ends with a clear error.
    start_server "$mit_server" -once host
    setsid -w "$our_client" -port "$port" -user "$DAEMONAUTH_TEST_USER" localhost host@localhost hi </dev/null >"$work/client.out" 2>&1 \
      && fail "authenticated with no password from anywhere"
    stop_server; expect_client "GSS-API error acquiring creds"; expect_client "cannot open /dev/tty" ;;
  unknown-service)
    start_server "$mit_server" -once host
    client "$our_client" localhost nosuch@localhost hello; stop_server
    [ "$client_rc" -ne 0 ] || fail "authenticated to a service that does not exist"
    expect_client "GSS-API error initializing context"; expect_client "not found in Kerberos database"
    port=$(free_port)
    timeout 20 "$our_server" -port "$port" -once nosuch >"$work/server.out" 2>&1; rc=$?
    [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "a server without keys started (rc $rc)"
    expect_server "GSS-API error acquiring credentials" ;;
  no-ticket)
    export KRB5CCNAME=FILE:$work/no-such-ccache
    pair "$mit_server" "$our_client"; [ "$client_rc" -ne 0 ] || fail "authenticated without a ticket"
    expect_client "GSS-API error initializing context"; expect_client "No Kerberos credentials available" ;;
  wrong-keytab)
    printf 'addent -password -p host/localhost@%s -k 2 -e aes256-cts-hmac-sha1-96\nnot-the-key\nwkt %s\nquit\n' \
      "$DAEMONAUTH_TEST_REALM" "$work/wrong.kt" | ktutil >/dev/null 2>&1
    [ -s "$work/wrong.kt" ] || fail "could not make a wrong keytab"
    start_server "$our_server" -once -keytab "$work/wrong.kt" host
    client "$mit_client" localhost host@localhost hello; stop_server
    [ "$client_rc" -ne 0 ] || fail "a server with the wrong key authenticated"
    expect_server "GSS-API error accepting context"; expect_server "cannot decrypt ticket" ;;
  broken-clients)
    # Our server against clients that stop mid-token, announce 4 GiB, send garbage or close:
    # each a clear error, no hang, and the server still serves the next client.
    start_server "$our_server" host
    for mode in midtoken huge garbage close; do timeout 30 python3 "$here/fake-peer.py" connect "$port" "$mode" || fail "$mode peer"; done
    client "$mit_client" localhost host@localhost hello; ok_exchange
    stop_server
    expect_server "4294967295-byte token"; expect_server "closed the connection"
    expect_server "gss_accept_sec_context failed" ;;
  silent-client)
    start_server "$our_server" -once host
    timeout 60 python3 "$here/fake-peer.py" connect "$port" silent &
    peer=$!
    for _ in $(seq 1 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$server_pid" 2>/dev/null && fail "the server still waits for a silent client after 30 s"
    kill "$peer" 2>/dev/null; server_pid=
    expect_server "did not respond within 10000 ms" ;;
  broken-servers)
    # Our client against servers that close, go silent, announce 4 GiB or stop mid-token.
    for mode in close huge midtoken silent; do
      port=$(free_port)
      rm -f "$work/peer.out"
      python3 "$here/fake-peer.py" serve "$port" "$mode" 2>"$work/peer.out" & peer=$!
      wait_ready "$work/peer.out"
      started=$SECONDS
      timeout 60 "$our_client" -port "$port" localhost host@localhost hello >"$work/client.out" 2>&1; client_rc=$?
      kill "$peer" 2>/dev/null; wait "$peer" 2>/dev/null
      [ "$client_rc" -ne 0 ] && [ "$client_rc" -ne 124 ] || fail "$mode server: client rc $client_rc"
      expect_client "GSS-API error"
      [ $((SECONDS - started)) -le 15 ] || fail "$mode server: the client took $((SECONDS - started)) s"
    done ;;
  *) echo "unknown case $case_name"; exit 2 ;;
esac
echo "ok ($case_name)"
