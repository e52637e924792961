#!/usr/bin/env bash
# Checks that an installed tree can be moved: its daemonauth.pc names libdir and includedir
# through ${prefix}, so `pkg-config --define-prefix` finds the moved files. Copies the tree
# under LIBDIR/.. elsewhere, builds a C program from the moved header and library through
# pkg-config alone, and runs it.
#
#   check-relocatable.sh LIBDIR
set -euo pipefail
libdir=$1
fail() { echo "check-relocatable: $*" >&2; exit 1; }
pc=$libdir/pkgconfig/daemonauth.pc
grep -qx 'libdir=${prefix}/lib' "$pc" || fail "libdir is not written through \${prefix}: $(grep ^libdir= "$pc")"
grep -qx 'includedir=${prefix}/include' "$pc" || fail "includedir is not written through \${prefix}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -a "$(dirname "$libdir")" "$work/moved"
printf '#include <daemonauth.h>\n#include <stdio.h>\nint main(void) { puts(daemonauth_version()); return 0; }\n' >"$work/p.c"
flags=$(PKG_CONFIG_PATH=$work/moved/lib/pkgconfig pkg-config --define-prefix --cflags --libs daemonauth)
case "$flags" in *"$work/moved/include"*"$work/moved/lib"*) ;; *) fail "pkg-config did not follow the move: $flags" ;; esac
# shellcheck disable=SC2086
cc -o "$work/p" "$work/p.c" $flags -Wl,-rpath,"$work/moved/lib"
out=$("$work/p")
[ -n "$out" ] || fail "the program printed no version"
echo "check-relocatable: built and ran against the moved tree (version $out): ok"
