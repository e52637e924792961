#!/usr/bin/env bash
# The responder-kinit example as a user runs it: a ticket from a private answer file (checked
# with klist), a world-readable answer file refused, a wrong password refused.
set -uo pipefail
kinit_prog=$1
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; cat "$work/out" 2>/dev/null; exit 1; }
run() { DAEMONAUTH_ANSWER_FILE=$work/answers timeout 30 setsid -w "$kinit_prog" "$DAEMONAUTH_TEST_USER" "FILE:$work/cc" </dev/null >"$work/out" 2>&1; }

printf 'password=%s\n' "$DAEMONAUTH_TEST_PASSWORD" >"$work/answers"; chmod 600 "$work/answers"
run || fail "no ticket with the right password"
grep -q "krb5 asks: password" "$work/out" || fail "the callback did not see krb5's question"
klist -s -c "FILE:$work/cc" || fail "no ticket in the cache"

rm -f "$work/cc"; chmod 644 "$work/answers"
run && fail "a world-readable answer file was used"
grep -q "unsafe ownership or permissions" "$work/out" || fail "no clear error for the readable file"
klist -s -c "FILE:$work/cc" 2>/dev/null && fail "a ticket appeared anyway"

printf 'password=wrong\n' >"$work/answers"; chmod 600 "$work/answers"
run && fail "a wrong password got a ticket"
grep -q "authentication failed" "$work/out" || fail "no clear error for the wrong password"
echo "ok"
