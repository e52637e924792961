#!/usr/bin/env bash
# Benchmark: daemonauth's gss-client/gss-server against MIT's, side by side, on loopback in a
# throwaway realm. Each run makes CCOUNT connections of MCOUNT wrapped messages with a MIC
# reply; the table shows the mean wall time per connection for each client/server pairing.
#
#   benches/gss-sample-roundtrip.sh [CCOUNT [MCOUNT]]     (after scripts/test or scripts/install)
#
# MIT's pair writes each token's header and body in separate send() calls; with Nagle and
# delayed ACKs that costs about 40 ms per exchange on Linux loopback. daemonauth writes a
# token in one call.
set -euo pipefail
cd "$(dirname "$0")/.."
ccount=${1:-20} mcount=${2:-5}
prefix=$(mktemp -d)
scripts/install --prefix "$prefix" >/dev/null
ours_client=$prefix/bin/daemonauth-gss-client ours_server=$prefix/sbin/daemonauth-gss-server
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; scripts/realm stop "$work/realm"; rm -rf "$work" "$prefix"; }
trap cleanup EXIT
scripts/realm start "$work/realm" >/dev/null
# shellcheck disable=SC1091
. "$work/realm/env"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

declare -A port
for server in ours mit; do
  prog=$ours_server; [ "$server" = mit ] && prog=/usr/bin/gss-server
  port[$server]=$(free_port)
  "$prog" -port "${port[$server]}" -logfile "$work/$server.log" host >/dev/null 2>"$work/$server.err" & pids+=($!)
  for _ in $(seq 1 100); do grep -q starting "$work/$server.err" && break; sleep 0.05; done
done

printf '%-8s %-8s %12s\n' client server "ms/connection"
for client in ours mit; do
  prog=$ours_client; [ "$client" = mit ] && prog=/usr/bin/gss-client
  for server in ours mit; do
    start=$(date +%s%N)
    "$prog" -q -port "${port[$server]}" -ccount "$ccount" -mcount "$mcount" localhost host@localhost \
      "benchmark message" >/dev/null
    end=$(date +%s%N)
    printf '%-8s %-8s %12.1f\n' "$client" "$server" "$(echo "($end - $start) / 1000000 / $ccount" | bc -l)"
  done
done
