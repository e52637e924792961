#!/usr/bin/env bash
# Benchmark: the cost of stream protection through cvs-pserverd with Debian's cvs client. A
# module of NFILES small files and one BIG_MB MB file is checked out over :gserver: plain, with
# -a (integrity) and with -x (encryption), in a throwaway realm on loopback. Prints the bytes
# the server sent and received (counted by a relay in front of it) and the best wall time of
# RUNS checkouts each (made directly, without the counting relay), with ratios to plain.
#
#   benches/cvs-protected-checkout.sh [NFILES [BIG_MB [RUNS]]]     (as root; defaults 1000 5 3)
#
# DAEMONAUTH_PREFIX=DIR uses an existing install (scripts/install --prefix DIR) instead of
# installing into a temporary one.
set -euo pipefail
cd "$(dirname "$0")/.."
nfiles=${1:-1000} big_mb=${2:-5} runs=${3:-3}
[ "$(id -u)" = 0 ] || { echo "run as root (cvs-pserverd switches to a system user)" >&2; exit 1; }
work=$(mktemp -d); chmod 755 "$work"; pids=()
prefix=${DAEMONAUTH_PREFIX:-}
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  scripts/realm stop "$work/realm" 2>/dev/null || true
  rm -rf "$work"
  [ -n "${DAEMONAUTH_PREFIX:-}" ] || rm -rf "$prefix"
}
trap cleanup EXIT
if [ -z "$prefix" ]; then prefix=$(mktemp -d); scripts/install --prefix "$prefix" >/dev/null; fi
pserverd=$prefix/sbin/cvs-pserverd
[ -x "$pserverd" ] || pserverd=$prefix/libexec/daemonauth/cvs-pserverd
[ -x "$pserverd" ] || { echo "no cvs-pserverd under $prefix" >&2; exit 1; }
scripts/realm start "$work/realm" >/dev/null
# shellcheck disable=SC1091
. "$work/realm/env"
export KRB5_CONFIG KRB5_KDC_PROFILE KRB5CCNAME KRB5_KTNAME KRB5RCACHEDIR HOME=$work
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The repository, owned by the unprivileged user alice@REALM maps to.
sysuser=daemonauth-cvs
getent passwd "$sysuser" >/dev/null || useradd -M -r -d /nonexistent -s /usr/sbin/nologin "$sysuser"
repo=$work/repo
cvs -Q -d "$repo" init
mkdir -p "$work/import"
python3 - "$work/import" "$nfiles" "$big_mb" <<'PY'
import os, sys
d, n, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    with open(os.path.join(d, "f%04d.txt" % i), "w") as f:
        f.write("small file %d\n" % i * 8)
with open(os.path.join(d, "big.bin"), "wb") as f:
    f.write(os.urandom(mb * 1024 * 1024))
PY
(cd "$work/import" && cvs -Q -d "$repo" import -W "*.bin -k 'b'" -m bench proj vendor start)
chown -R "$sysuser" "$repo"

sed "s|^\( *kdc = .*\)$|\1\n        auth_to_local = RULE:[1:\$1@\$0](^alice@DAEMONAUTH[.]TEST\$)s/.*/$sysuser/\n        auth_to_local = DEFAULT|" \
  "$KRB5_CONFIG" >"$work/krb5.conf"
port=$(free_port) counted=$(free_port)
KRB5_CONFIG=$work/krb5.conf "$pserverd" -port "$port" -root "$repo" -keytab "$DAEMONAUTH_TEST_KEYTAB" \
  -timeout-ms 60000 >"$work/server.out" 2>&1 & pids+=($!)
# A counting relay: per connection, appends "BYTES_TO_SERVER BYTES_FROM_SERVER" to counts.
python3 - "$counted" "$port" "$work/counts" >"$work/counter.out" <<'PY' & pids+=($!)
import selectors, socket, sys
listen = socket.create_server(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
while True:
    client, _ = listen.accept()
    server = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    sel = selectors.DefaultSelector()
    sel.register(client, selectors.EVENT_READ, server)
    sel.register(server, selectors.EVENT_READ, client)
    count = {client: 0, server: 0}
    open_ends = 2
    while open_ends:
        for key, _ in sel.select():
            data = key.fileobj.recv(65536)
            if data:
                key.data.sendall(data)
                count[key.fileobj] += len(data)
            else:
                sel.unregister(key.fileobj)
                key.data.shutdown(socket.SHUT_WR)
                open_ends -= 1
    client.close(); server.close()
    with open(sys.argv[3], "a") as f:
        f.write("%d %d\n" % (count[client], count[server]))
PY
for _ in $(seq 1 200); do
  grep -q "starting" "$work/server.out" 2>/dev/null && grep -q ready "$work/counter.out" 2>/dev/null && break
  sleep 0.05
done

checkout() {   # checkout PORT FLAG: one checkout into a fresh directory; fails on any error
  rm -rf "$work/wc"
  (cd "$work" && timeout 600 cvs -Q -f ${2:+"$2"} -d ":gserver:localhost:$1$repo" checkout -d wc proj)
  cmp "$work/import/big.bin" "$work/wc/big.bin"
}
printf '%-6s %14s %14s %10s %10s %10s\n' mode "to server" "from server" "wire x" "best s" "time x"
base_bytes= base_time=
for flag in "" -a -x; do
  : >"$work/counts"
  checkout "$counted" "$flag"
  for _ in $(seq 1 50); do [ -s "$work/counts" ] && break; sleep 0.1; done
  read -r up down <"$work/counts"
  best=
  for _ in $(seq 1 "$runs"); do
    start=$(date +%s%N); checkout "$port" "$flag"; end=$(date +%s%N)
    t=$(echo "($end - $start) / 1000000000" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  total=$((up + down))
  [ -n "$base_bytes" ] || { base_bytes=$total; base_time=$best; }
  printf '%-6s %14d %14d %10.2f %10.2f %10.2f\n' "${flag:-plain}" "$up" "$down" \
    "$(echo "$total / $base_bytes" | bc -l)" "$best" "$(echo "$best / $base_time" | bc -l)"
done
echo "($nfiles small files and one ${big_mb} MB file; wire x: all bytes both ways against plain)"
