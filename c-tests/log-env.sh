#!/usr/bin/env bash
# The default log sink and level come from the environment when the library loads:
# DAEMONAUTH_LOG_LEVEL=debug shows every recorded error on stderr in the documented format;
# DAEMONAUTH_LOG=off silences it; an unknown value falls back to the defaults without failing.
#   log-env.sh TEST_ERRORS_PROGRAM
set -uo pipefail
prog=$1
out=$(mktemp); trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }

DAEMONAUTH_LOG_LEVEL=debug "$prog" >/dev/null 2>"$out" || fail "the program failed with debug logging"
grep -Eq '^daemonauth\[[0-9]+\]: debug: daemonauth_set_log_level: 99 is not a log level' "$out" || fail "no debug line on stderr"
DAEMONAUTH_LOG=off DAEMONAUTH_LOG_LEVEL=debug "$prog" >/dev/null 2>"$out" || fail "the program failed with logging off"
[ ! -s "$out" ] || fail "DAEMONAUTH_LOG=off still logged"
DAEMONAUTH_LOG=bogus DAEMONAUTH_LOG_LEVEL=shouting "$prog" >/dev/null 2>"$out" || fail "unknown values broke loading"
[ ! -s "$out" ] || fail "the default level (warn) printed debug lines"
echo ok
