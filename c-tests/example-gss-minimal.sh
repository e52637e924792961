#!/usr/bin/env bash
# The gss-minimal example as a user runs it, inside a throwaway realm: its server and client
# authenticate and exchange one message each way; a client without a ticket fails clearly.
set -uo pipefail
prog=$1
work=$(mktemp -d); server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; cat "$work/server.out" "$work/client.out" 2>/dev/null; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() {
  port=$(free_port)
  timeout 60 "$prog" server "$port" >"$work/server.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do grep -q listening "$work/server.out" 2>/dev/null && return; sleep 0.05; done
  fail "the server did not start"
}

start_server
timeout 60 "$prog" client localhost "$port" host >"$work/client.out" 2>&1 || fail "the client failed"
wait "$server_pid" || fail "the server failed"; server_pid=
grep -qx "the server says \"welcome\"" "$work/client.out" || fail "no reply at the client"
grep -qx "$DAEMONAUTH_TEST_USER@DAEMONAUTH.TEST says \"hello\"" "$work/server.out" || fail "no message at the server"

start_server
KRB5CCNAME=FILE:$work/none timeout 60 "$prog" client localhost "$port" host >"$work/client.out" 2>&1 \
  && fail "a client without a ticket succeeded"
grep -q "gss-minimal: authenticating: .*No credentials" "$work/client.out" || fail "no clear error without a ticket"
echo ok
