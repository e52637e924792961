#!/usr/bin/env bash
# A KDC that is down or silent, met by our gss-client (the initiator needs a service ticket,
# so it must ask the KDC): it fails, saying that no KDC could be reached, within a bounded
# time (a silent KDC costs krb5's own retries: about 27 s with MIT 1.20, which has no
# request_timeout setting yet), and never hangs. The error's class (KDC_UNREACHABLE) is
# checked by the unit tests of src/gss/status.rs. Run inside the test realm (scripts/realm exec); the user's
# ticket-granting ticket comes from the real KDC first, then krb5.conf points elsewhere.
#
#   kdc-faults.sh down|silent GSS_CLIENT GSS_SERVER
set -uo pipefail
case_name=$1 client=$2 server=$3
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL ($case_name): $*"; echo "--- client output"; cat "$work/client.out" 2>/dev/null; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A fresh ticket cache holding only alice's TGT, from the real KDC.
export KRB5CCNAME=FILE:$work/ccache
printf '%s\n' "$DAEMONAUTH_TEST_PASSWORD" | kinit "$DAEMONAUTH_TEST_USER" >/dev/null 2>&1 || fail "kinit failed"
port=$(free_port)
"$server" -port "$port" host >"$work/server.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do grep -q "starting\.\.\." "$work/server.out" 2>/dev/null && break; sleep 0.05; done

kdc_port=$(free_port)
case $case_name in
  down) ;;   # nothing listens on kdc_port
  silent)
    # Takes UDP requests and TCP connections and never answers.
    python3 -c '
import socket, sys, time
port = int(sys.argv[1])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", port))
t = socket.create_server(("127.0.0.1", port)); held = []
t.settimeout(0.1)
print("silent kdc", flush=True)
while True:
    try: held.append(t.accept()[0])
    except socket.timeout: pass
    u.settimeout(0.1)
    try: u.recv(65536)
    except socket.timeout: pass
' "$kdc_port" >"$work/kdc.out" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do grep -q "silent kdc" "$work/kdc.out" && break; sleep 0.05; done ;;
  *) fail "unknown case" ;;
esac
sed "s/^\( *kdc = \).*$/\1127.0.0.1:$kdc_port/" "$KRB5_CONFIG" >"$work/krb5.conf"
grep -q "kdc = 127.0.0.1:$kdc_port" "$work/krb5.conf" || fail "could not point krb5.conf at the fake KDC"

started=$SECONDS
KRB5_CONFIG=$work/krb5.conf timeout 90 "$client" -port "$port" localhost host@localhost "no ticket for this" \
  >"$work/client.out" 2>&1
rc=$?
elapsed=$((SECONDS - started))
[ "$rc" -ne 124 ] || fail "the client hung (90 s)"
[ "$rc" -ne 0 ] || fail "the client succeeded without a KDC"
[ "$rc" -lt 128 ] || fail "the client died of a signal ($rc)"
grep -q "Cannot contact any KDC" "$work/client.out" || fail "the error does not say that no KDC could be reached"
echo "ok ($case_name): the client failed in ${elapsed} s: $(grep -i -m1 "kdc" "$work/client.out")"
