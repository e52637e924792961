# shellcheck shell=bash
# Host-auth demo step (issues 12 and 13), to be sourced by scripts/demo:
#
#   demo_hostauth REALM_DIR PREFIX
#
# BINDIR holds the installed hostauth-server, hostauth-client and hostauth-srp-passwd; the
# realm's environment is set (scripts/demo sources it) for the strong methods.
# Makes a daemon key, a password file (alice, password "secret"), a reuse secret, an access
# file `default usrpwd uidgid` and a client rc file `default list uidgid usrpwd`; starts
# hostauth-server on 127.0.0.1 and runs hostauth-client with the key pinned: uidgid is refused
# over TCP and the client falls back to usrpwd; the second session reuses the token without a
# password; the token is revoked. Then uidgid over a Unix socket. Then the strong methods: srp
# with a verifier file made by hostauth-srp-passwd, and krb5 with a ticket of a principal named
# as the local user (added to the realm), which the daemon maps and names. Says what it does as
# it goes; and ssh: a key made by ssh-keygen, in a private ssh-agent, listed in an
# authorized-keys file of the demo's own.
demo_hostauth() (
  local prefix=$2 work port pid me status=0
  say() { printf '  hostauth demo: %s\n' "$*"; }
  work=$(mktemp -d)
  "$prefix/sbin/hostauth-server" -generate-key "$work/key" >"$work/public"
  say "daemon key $work/key, public key $(cat "$work/public") (clients pin it)"
  printf 'alice:%s\n' "$(openssl passwd -6 secret)" >"$work/passwd"
  printf '1 %s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$work/secret"
  printf 'password=secret\n' >"$work/answers"
  chmod 600 "$work/secret" "$work/answers"
  echo "default usrpwd uidgid" >"$work/access"
  echo "default list uidgid usrpwd" >"$work/rootauthrc"
  say "access file: $(cat "$work/access"); client rc file: $(cat "$work/rootauthrc")"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  DAEMONAUTH_LOG_LEVEL=info "$prefix/sbin/hostauth-server" -key "$work/key" -port "$port" -access "$work/access" \
    -passwords "file:$work/passwd" -secret "$work/secret" >"$work/server.log" 2>&1 &
  pid=$!
  sleep 0.5
  (
    set -e
    say "hostauth-client -port $port -user alice -pin <key> -repeat 2 -revoke localhost"
    ROOTAUTHRC=$work/rootauthrc timeout 60 "$prefix/bin/hostauth-client" -port "$port" -user alice \
      -pin "$(cat "$work/public")" -answers "$work/answers" -repeat 2 -revoke localhost </dev/null
    kill "$pid"; wait "$pid" 2>/dev/null || true
    say "the daemon logged:"; sed 's/^/    /' "$work/server.log"
    "$prefix/sbin/hostauth-server" -key "$work/key" -unix "$work/sock" -once -access "$work/access" \
      >"$work/unix.log" 2>&1 &
    pid=$!
    sleep 0.5
    say "over a Unix socket, uidgid (SO_PEERCRED): hostauth-client -unix $work/sock -user $(id -un) localhost"
    ROOTAUTHRC=$work/rootauthrc timeout 60 "$prefix/bin/hostauth-client" -unix "$work/sock" -user "$(id -un)" \
      -pin "$(cat "$work/public")" localhost </dev/null
    wait "$pid" 2>/dev/null || true

    me=$(id -un)
    say "strong methods: hostauth-srp-passwd -answers <file> $work/srp alice (a verifier, never the password)"
    "$prefix/sbin/hostauth-srp-passwd" -answers "$work/answers" "$work/srp" alice
    kadmin.local -r "$DAEMONAUTH_TEST_REALM" -q "addprinc -pw demo-Passw0rd $me" >/dev/null 2>&1 || true
    kadmin.local -r "$DAEMONAUTH_TEST_REALM" -q "cpw -pw demo-Passw0rd $me" >/dev/null
    echo demo-Passw0rd | KRB5CCNAME=FILE:$work/ccache kinit "$me" >/dev/null
    say "a ticket for $me@$DAEMONAUTH_TEST_REALM in $work/ccache"
    echo "default krb5 globus srp usrpwd" >"$work/access"
    DAEMONAUTH_LOG_LEVEL=info "$prefix/sbin/hostauth-server" -key "$work/key" -port "$port" -access "$work/access" \
      -passwords "file:$work/passwd" -srp "$work/srp" >"$work/strong.log" 2>&1 &
    pid=$!
    sleep 0.5
    echo "default list srp" >"$work/rootauthrc"
    say "srp (mutual, bound to the channel): hostauth-client -port $port -user alice localhost"
    ROOTAUTHRC=$work/rootauthrc timeout 60 "$prefix/bin/hostauth-client" -port "$port" -user alice \
      -pin "$(cat "$work/public")" -answers "$work/answers" localhost </dev/null
    echo "default list krb5" >"$work/rootauthrc"
    say "krb5 (GSS-API, mutual, channel bindings): hostauth-client -port $port -user $me localhost"
    KRB5CCNAME=FILE:$work/ccache ROOTAUTHRC=$work/rootauthrc timeout 60 "$prefix/bin/hostauth-client" -port "$port" \
      -user "$me" -pin "$(cat "$work/public")" localhost </dev/null
    say "ssh (a signature of the channel by an ssh-agent key in the user's authorized keys)"
    ssh-keygen -q -t ed25519 -N '' -C demo -f "$work/id_demo"
    mkdir -m 755 "$work/keys"; cp "$work/id_demo.pub" "$work/keys/$me"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "default ssh usrpwd" >"$work/access"
    DAEMONAUTH_LOG_LEVEL=info "$prefix/sbin/hostauth-server" -key "$work/key" -port "$port" -access "$work/access" \
      -passwords "file:$work/passwd" -authorized-keys "$work/keys/%u" >>"$work/strong.log" 2>&1 &
    pid=$!
    sleep 0.5
    echo "default list ssh" >"$work/rootauthrc"
    (
      eval "$(ssh-agent -s -a "$work/agent.sock")" >/dev/null
      trap 'kill "$SSH_AGENT_PID"' EXIT
      ssh-add -q "$work/id_demo" 2>/dev/null
      ROOTAUTHRC=$work/rootauthrc timeout 60 "$prefix/bin/hostauth-client" -port "$port" -user "$me" \
        -pin "$(cat "$work/public")" localhost </dev/null
    )
    kill "$pid"; wait "$pid" 2>/dev/null || true
    say "the daemon logged:"; sed 's/^/    /' "$work/strong.log"
  ) || status=1
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  rm -rf "$work"
  [ "$status" -eq 0 ] && say "done" || say "FAILED (see above)"
  return "$status"
)
