#!/usr/bin/env bash
# Checks that the installed libdaemonauth.a links into a C program with what
# `pkg-config --static` says a static link needs (Libs.private, Requires.private), and that the
# program runs without libdaemonauth.so: it imports a GSS-API name and prints the version.
#
#   check-static-link.sh LIBDIR
set -euo pipefail
libdir=$1
fail() { echo "check-static-link: $*" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/p.c" <<'C'
#include <daemonauth.h>
#include <stdio.h>
int main(void) {
    daemonauth_gss_name *name = NULL;
    if (daemonauth_gss_name_import("host@localhost", DAEMONAUTH_GSS_NAME_TYPE_HOST_BASED_SERVICE, &name) !=
        DAEMONAUTH_RESULT_OK)
        return 1;
    daemonauth_gss_name_free(name);
    puts(daemonauth_version());
    return 0;
}
C
export PKG_CONFIG_PATH=$libdir/pkgconfig
libs=$(pkg-config --static --libs daemonauth)
# The archive instead of the shared object, everything else as pkg-config says.
# shellcheck disable=SC2086
cc -o "$work/p" "$work/p.c" $(pkg-config --cflags daemonauth) ${libs/-ldaemonauth/-l:libdaemonauth.a} \
  || fail "linking libdaemonauth.a with pkg-config --static --libs failed: $libs"
! readelf -d "$work/p" | grep -q "libdaemonauth" || fail "the program still needs libdaemonauth.so"
out=$("$work/p") || fail "the statically linked program failed"
echo "check-static-link: linked with '$libs' (the archive for -ldaemonauth), ran: version $out: ok"
