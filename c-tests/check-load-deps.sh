#!/usr/bin/env bash
# Checks what loading libdaemonauth.so costs a program that links it: the objects it needs
# (DT_NEEDED) are exactly the Kerberos/GSS-API libraries and the C library: each other library
# costs a process start about 100-200 us (docs/performance.md). GCC's unwinder (for the panic
# guard) is linked in from libgcc_eh.a (build.rs), so libgcc_s is not needed; libm is not
# either (it came with num-bigint, under srp 0.6). libpam (with libaudit and libcap-ng) and
# libcrypt are opened only when a daemon first checks a system password, so they must not be
# needed at load time; a new dependency must be added here on purpose (docs/performance.md,
# load cost). Nor may the library export an unwinder symbol: it would stand in for libgcc_s's
# in every program that links it.
#
#   check-load-deps.sh LIBRARY
set -euo pipefail
lib=$1
expected="ld-linux-x86-64.so.2
libc.so.6
libgssapi_krb5.so.2
libkrb5.so.3"
needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p' | sort)
if [ "$needed" != "$expected" ]; then
  echo "check-load-deps: $lib needs:" >&2; echo "$needed" >&2
  echo "check-load-deps: expected exactly:" >&2; echo "$expected" >&2
  exit 1
fi
if nm -D --defined-only "$lib" | grep -E ' _Unwind_| __gcc_| __register_frame| __deregister_frame'; then
  echo "check-load-deps: $lib exports the unwinder symbols above" >&2
  exit 1
fi
echo "check-load-deps: needs only $(tr '\n' ' ' <<<"$needed"): ok"
