#!/usr/bin/env bash
# Checks what loading libdaemonauth.so costs a program that links it: the only object it needs
# (DT_NEEDED) is the C library (and the dynamic loader, for thread-local storage), since each
# other library costs a process start about 100 us (docs/performance.md). MIT's GSS-API and
# krb5 libraries (which bring five more), libpam (with libaudit and libcap-ng) and libcrypt
# are opened at their first use (src/dynlib.rs); GCC's unwinder (for the panic guard) is
# linked in from libgcc_eh.a (build.rs), so libgcc_s is not needed; libm is not either (it
# came with num-bigint, under srp 0.6). A new dependency must be added here on purpose
# (docs/performance.md, load cost). Nor may the library export an unwinder symbol: it would
# stand in for libgcc_s's in every program that links it.
#
#   check-load-deps.sh LIBRARY
set -euo pipefail
lib=$1
expected="ld-linux-x86-64.so.2
libc.so.6"
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
