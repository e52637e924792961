#!/usr/bin/env bash
# The installed shared object ships without debug info, and its debug info is installed beside
# it where a debugger finds it: LIBDIR/.debug/NAME, named by the object's .gnu_debuglink, with
# the CRC the link records (gdb ignores a file whose CRC differs).
#
#   check-debug-split.sh LIBDIR/libdaemonauth.so
set -euo pipefail
lib=$(readlink -f "$1")
fail() { echo "FAIL: $*"; exit 1; }
sections() { readelf -S --wide "$1" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\./) print $i}'; }
sections "$lib" | grep -qx '.debug_info' && fail "$lib carries debug info"
sections "$lib" | grep -qx '.gnu_debuglink' || fail "$lib has no .gnu_debuglink"
link=$(mktemp); trap 'rm -f "$link"' EXIT
objcopy --dump-section .gnu_debuglink="$link" "$lib" /dev/null 2>/dev/null ||
  objcopy -O binary --only-section=.gnu_debuglink "$lib" "$link"
python3 - "$link" "$(dirname "$lib")" <<'PY' || exit 1
import os, struct, sys, zlib
data = open(sys.argv[1], "rb").read()
name = data.split(b"\0", 1)[0]
crc = struct.unpack("<I", data[-4:])[0]
path = os.path.join(sys.argv[2].encode(), b".debug", name)
if not os.path.isfile(path):
    sys.exit("FAIL: the debug file %r named by the link is not installed" % path)
if zlib.crc32(open(path, "rb").read()) & 0xFFFFFFFF != crc:
    sys.exit("FAIL: %r does not have the CRC the link records" % path)
print("debug info in", path.decode(errors="replace"))
PY
sections "$(dirname "$lib")/.debug/$(python3 -c 'import sys; print(open(sys.argv[1],"rb").read().split(b"\0",1)[0].decode())' "$link")" |
  grep -qx '.debug_info' || fail "the debug file holds no .debug_info"
echo "ok: $(stat -c %s "$lib") bytes shipped, no debug info"
