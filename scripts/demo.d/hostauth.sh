# shellcheck shell=bash
# Host-auth demo step (issue 12), to be sourced by scripts/demo:
#
#   demo_hostauth REALM_DIR BINDIR
#
# BINDIR holds the installed hostauth-server and hostauth-client (the realm is not needed).
# Makes a daemon key, a password file (alice, password "secret"), a reuse secret, an access
# file `default usrpwd uidgid` and a client rc file `default list uidgid usrpwd`; starts
# hostauth-server on 127.0.0.1 and runs hostauth-client with the key pinned: uidgid is refused
# over TCP and the client falls back to usrpwd; the second session reuses the token without a
# password; the token is revoked. Then uidgid over a Unix socket. Says what it does as it goes.
demo_hostauth() (
  local bindir=$2 work port pid status=0
  say() { printf '  hostauth demo: %s\n' "$*"; }
  work=$(mktemp -d)
  "$bindir/hostauth-server" -generate-key "$work/key" >"$work/public"
  say "daemon key $work/key, public key $(cat "$work/public") (clients pin it)"
  printf 'alice:%s\n' "$(openssl passwd -6 secret)" >"$work/passwd"
  printf '1 %s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$work/secret"
  printf 'password=secret\n' >"$work/answers"
  chmod 600 "$work/secret" "$work/answers"
  echo "default usrpwd uidgid" >"$work/access"
  echo "default list uidgid usrpwd" >"$work/rootauthrc"
  say "access file: $(cat "$work/access"); client rc file: $(cat "$work/rootauthrc")"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  DAEMONAUTH_LOG_LEVEL=info "$bindir/hostauth-server" -key "$work/key" -port "$port" -access "$work/access" \
    -passwords "file:$work/passwd" -secret "$work/secret" >"$work/server.log" 2>&1 &
  pid=$!
  sleep 0.5
  (
    set -e
    say "hostauth-client -port $port -user alice -pin <key> -repeat 2 -revoke localhost"
    ROOTAUTHRC=$work/rootauthrc timeout 60 "$bindir/hostauth-client" -port "$port" -user alice \
      -pin "$(cat "$work/public")" -answers "$work/answers" -repeat 2 -revoke localhost </dev/null
    kill "$pid"; wait "$pid" 2>/dev/null || true
    say "the daemon logged:"; sed 's/^/    /' "$work/server.log"
    "$bindir/hostauth-server" -key "$work/key" -unix "$work/sock" -once -access "$work/access" \
      >"$work/unix.log" 2>&1 &
    pid=$!
    sleep 0.5
    say "over a Unix socket, uidgid (SO_PEERCRED): hostauth-client -unix $work/sock -user $(id -un) localhost"
    ROOTAUTHRC=$work/rootauthrc timeout 60 "$bindir/hostauth-client" -unix "$work/sock" -user "$(id -un)" \
      -pin "$(cat "$work/public")" localhost </dev/null
  ) || status=1
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  rm -rf "$work"
  [ "$status" -eq 0 ] && say "done" || say "FAILED (see above)"
  return "$status"
)
