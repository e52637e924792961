#!/usr/bin/env bash
# N concurrent MIT gss-clients against test_gss_threads (one shared options object and
# credential, one thread per client), optionally under a valgrind thread checker.
# Runs inside a throwaway realm (scripts/realm exec).
#
#   gss-threads.sh N TEST_PROGRAM [VALGRIND_TOOL_ARGS...]
set -uo pipefail
clients=$1 program=$2; shift 2
work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- server"; cat "$work/server.out"; exit 1; }

"$@" "$program" "$clients" "$work/port" >"$work/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || fail "the server did not start"
port=$(cat "$work/port")
for i in $(seq 1 "$clients"); do
  timeout 300 /usr/bin/gss-client -port "$port" localhost host@localhost "message $i" >"$work/client$i.out" 2>&1 &
done
wait_clients=0
for job in $(jobs -p); do
  [ "$job" = "$server_pid" ] && continue
  wait "$job" || wait_clients=$((wait_clients + 1))
done
wait "$server_pid"; server_rc=$?; server_pid=
cat "$work/server.out"
for i in $(seq 1 "$clients"); do
  grep -q "Signature verified" "$work/client$i.out" || { cat "$work/client$i.out"; fail "client $i was not served"; }
done
[ "$wait_clients" -eq 0 ] || fail "$wait_clients clients failed"
[ "$server_rc" -eq 0 ] || fail "the server (or the thread checker) reported a problem: exit status $server_rc"
grep -q "$clients of $clients clients accepted" "$work/server.out" || fail "not every client was accepted"
echo "gss threads: $clients clients, ok"
