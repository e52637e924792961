#!/usr/bin/env bash
# Checks that the package build's symbols check (dpkg-gensymbols -c4, as debian/rules runs it)
# holds the shared object in the built libdaemonauth0 package to debian/libdaemonauth0.symbols:
# it passes as committed, and fails when the library exports a symbol the file lacks (an
# added export) and when the file lists one the library lacks (a removed export).
#
#   c-tests/check-symbols-enforced.sh DEBDIR SOURCE_DIR
set -euo pipefail
debs=$(cd "$1" && pwd) symbols=$(cd "$2" && pwd)/debian/libdaemonauth0.symbols
fail() { echo "check-symbols-enforced: $*" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
deb=$(ls "$debs"/libdaemonauth0_*.deb)
dpkg-deb -x "$deb" "$work/pkg"
so=$(ls "$work"/pkg/usr/lib/*/libdaemonauth.so.0.*)
version=$(dpkg-deb -f "$deb" Version)
gensymbols() { (cd "$work" && dpkg-gensymbols -c4 -plibdaemonauth0 -v"$version" -Ppkg -I"$1" -O"$work/out" -e"$so"); }

gensymbols "$symbols" >"$work/log" 2>&1 || { cat "$work/log"; fail "the built library does not match $symbols"; }
grep -v ' daemonauth_version@' "$symbols" >"$work/added"
! gensymbols "$work/added" >/dev/null 2>&1 || fail "an export missing from the symbols file went unnoticed"
{ cat "$symbols"; echo " daemonauth_removed_export@Base 0.1.0"; } >"$work/removed"
! gensymbols "$work/removed" >/dev/null 2>&1 || fail "a symbol the library no longer exports went unnoticed"
echo "check-symbols-enforced: $(grep -c '^ ' "$symbols") symbols; additions and removals fail the build"
