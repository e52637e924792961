#!/usr/bin/env bash
# Checks a built libdaemonauth.so: its soname is versioned, and the dynamic symbols it defines
# are exactly the functions and data the installed headers declare (plus, for a test-hooks
# build, the known test exports) -- no Rust-mangled name, no stray C symbol.
#
#   check-exports.sh LIBRARY INCLUDEDIR [--test-hooks]
set -euo pipefail
lib=$1 includedir=$2 hooks=${3:-}
fail() { echo "check-exports: $*" >&2; exit 1; }

soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libdaemonauth.so.0" ] || fail "soname is '$soname', expected libdaemonauth.so.0"

exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' \
           | grep -v '^DAEMONAUTH_[0-9]*$' | sort -u)
[ -n "$exported" ] || fail "no symbols exported"
mangled=$(grep -E '^(_ZN|_R)' <<<"$exported" || true)
[ -z "$mangled" ] || fail "Rust-mangled symbols exported: $(head -5 <<<"$mangled" | tr '\n' ' ')"

declared=$("$(dirname "$0")/../scripts/public-symbols" "$includedir")
if [ "$hooks" = "--test-hooks" ]; then
  declared=$(printf '%s\n%s\n' "$declared" "daemonauth_test_panic
daemonauth_test_string_argument
daemonauth_test_hostauth_token_take
daemonauth_test_hostauth_token_put
daemonauth_test_hostauth_token_prove" | sort -u)
fi

unexpected=$(comm -23 <(echo "$exported") <(echo "$declared"))
missing=$(comm -13 <(echo "$exported") <(echo "$declared"))
[ -z "$unexpected" ] || fail "exported but not declared in a public header: $(tr '\n' ' ' <<<"$unexpected")"
[ -z "$missing" ] || fail "declared in a header but not exported: $(tr '\n' ' ' <<<"$missing")"
echo "check-exports: $(wc -l <<<"$exported") symbols, soname $soname: ok"
