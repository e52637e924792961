#!/usr/bin/env bash
# The host-auth session examples against each other (hostauth-server, hostauth-client), driven
# by their rc files: negotiation, usrpwd through a password file and through PAM, uidgid over a
# Unix socket and refused over TCP, reuse tokens (reused, expired, revoked), pinned and wrong
# daemon keys, inetd mode with syslog; krb5 and globus (the krb5* and globus cases, run in the
# throwaway realm: scripts/realm exec). Only 127.0.0.1 and Unix sockets in a private directory.
# The pam case runs as root (it creates the system user daemonauth-ha and a PAM service file).
#
#   hostauth-interop.sh CASE HOSTAUTH_SERVER HOSTAUTH_CLIENT [HOSTAUTH_SRP_PASSWD]
set -uo pipefail
case_name=$1 server=$2 client=$3 srp_passwd=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL ($case_name): $*"; echo "--- client output"; cat "$work/client.out" 2>/dev/null
         echo "--- server output"; cat "$work/server.out" 2>/dev/null; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
me=$(id -un)

# The daemon's key, password file (alice and the current user, password "secret"), reuse
# secret; the client's answer file.
"$server" -generate-key "$work/key" >"$work/public" || fail "generating a key"
pub=$(cat "$work/public")
hash=$(openssl passwd -6 -salt daemonau secret)
printf 'alice:%s\n%s:%s\n' "$hash" "$me" "$hash" >"$work/passwd"
printf '1 %s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$work/secret"
chmod 600 "$work/secret"
answers() { printf 'password=%s\n' "$1" >"$work/answers"; chmod 600 "$work/answers"; }
answers secret
# access LINE: the daemon access file; methods LIST: the client's rc file (`default list ...`).
access() { printf '%s\n' "$1" >"$work/access"; }
methods() { printf 'default list %s\n' "$1" >"$work/authrc"; }
access "default usrpwd uidgid"; methods "usrpwd"

port=$(free_port) sock=$work/hostauth.sock
# start_server ARGS...: hostauth-server on TCP $port and on the Unix socket $sock.
start_server() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  DAEMONAUTH_LOG_LEVEL=info "$server" -key "$work/key" -access "$work/access" -passwords "file:$work/passwd" \
    -secret "$work/secret" -timeout-ms 10000 -fail-delay-ms 100 "$@" >"$work/server.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 200); do grep -q "starting\.\.\." "$work/server.out" 2>/dev/null && return 0; sleep 0.05; done
  fail "no server started"
}
# start_inetd PREFIX ARGS...: hostauth-server -inetd ARGS under inetd.py on $port, what it sends
# each client recorded in PREFIX.N (and its status in PREFIX.N.status), syslog in $work/syslog.
start_inetd() {
  local prefix=$1; shift
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  DAEMONAUTH_LOG_LEVEL=info python3 "$here/inetd.py" --syslog "$work/syslog" --record "$prefix" "$port" \
    "$server" -inetd "$@" >"$work/server.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 200); do grep -q "starting\.\.\." "$work/server.out" 2>/dev/null && return 0; sleep 0.05; done
  fail "no inetd started"
}
# run_client ARGS...: hostauth-client with the rc file, answers and pin; rc in $rc.
run_client() {
  ROOTAUTHRC=$work/authrc "$client" -answers "$work/answers" -timeout-ms 10000 "$@" localhost \
    >"$work/client.out" 2>&1 </dev/null
  rc=$?
}
expect() { grep -qF -- "$1" "$work/client.out" || fail "client output lacks: $1"; }
expect_server() {
  for _ in $(seq 1 100); do grep -qF -- "$1" "$work/server.out" && return 0; sleep 0.05; done
  fail "server output lacks: $1"
}
# expect_sequence LINE...: the daemon's host-auth log lines are exactly these, in this order.
expect_sequence() {
  local want got
  want=$(printf '%s\n' "$@")
  got=$(sed -n 's/^daemonauth\[[0-9]*\]: [a-z]*: host-auth: //p' "$work/server.out")
  [ "$got" = "$want" ] || fail "the daemon's negotiation was
$got
not
$want"
}
# wait_for FILE: until FILE exists (inetd.py writes a status file when a connection is over).
wait_for() { for _ in $(seq 1 100); do [ -e "$1" ] && return 0; sleep 0.05; done; fail "no $1"; }
# only_frames FILE: FILE is nothing but whole frames of the protocol (kind 1-4, 2-byte length,
# body): no stray text, no truncated frame.
only_frames() {
  python3 - "$1" <<'PY' || fail "$1 holds something other than protocol frames"
import sys
data = open(sys.argv[1], "rb").read()
at = 0
while at < len(data):
    if data[at] not in (1, 2, 3, 4) or at + 3 > len(data):
        sys.exit(1)
    at += 3 + int.from_bytes(data[at + 1:at + 3], "big")
sys.exit(0 if at == len(data) and data else 1)
PY
}
ok() { [ "$rc" -eq 0 ] || fail "the client failed (status $rc)"; }
# In the realm: a principal named as the local user (the krb5 local-name rules need a local
# user) with password $me_password; my_ticket puts its ticket in $work/ccache.
me_password=me-Passw0rd
my_principal() {
  [ -n "${DAEMONAUTH_TEST_REALM:-}" ] || fail "needs the realm (scripts/realm exec)"
  kadmin.local -r "$DAEMONAUTH_TEST_REALM" -q "addprinc -pw $me_password $me" >/dev/null 2>&1
  kadmin.local -r "$DAEMONAUTH_TEST_REALM" -q "cpw -pw $me_password $me" >/dev/null 2>&1 || fail "kadmin.local"
}
my_ticket() { echo "$me_password" | KRB5CCNAME=FILE:$work/ccache kinit "$me" >/dev/null || fail "kinit $me"; }
principal="$me@${DAEMONAUTH_TEST_REALM:-}"
refused() { [ "$rc" -eq 1 ] || fail "the client was not refused (status $rc)"; }

case $case_name in
  negotiation)
    # The client prefers uidgid, then ssh, then usrpwd; the daemon accepts only usrpwd: uidgid
    # is refused with the daemon's list, the client skips ssh (not offered) and takes usrpwd.
    access "default usrpwd"; methods "uidgid ssh usrpwd"; start_server -port "$port"
    run_client -port "$port" -user alice -pin "$pub"; ok
    expect "method=usrpwd login=alice reused=no daemon-key=verified"
    expect_server "authenticated alice as alice by usrpwd"
    expect_sequence "uidgid not accepted for this client; offering [UsrPwd]" \
      "authenticated alice as alice by usrpwd from localhost"
    # The daemon prefers uidgid, then usrpwd; the client srp, usrpwd, uidgid: srp is refused
    # with both, the client takes ITS first of them (usrpwd, which fails: wrong password), then
    # uidgid, the only one left.
    access "default uidgid usrpwd"; methods "srp usrpwd uidgid"; answers wrong; start_server -unix "$sock"
    DAEMONAUTH_LOG_LEVEL=info run_client -unix "$sock" -user "$me" -pin "$pub"; ok
    expect "method=uidgid login=$me"
    expect "srp refused (NotAccepted); the daemon offers [UidGid, UsrPwd]"
    expect "usrpwd refused (Failed); the daemon offers [UidGid]"
    expect_server "authenticated $me as $me by uidgid"
    expect_sequence "srp not accepted for this client; offering [UidGid, UsrPwd]" \
      "usrpwd for $me: password file: Mismatch" "authenticated $me as $me by uidgid from localhost" ;;
  server-kind)
    # The daemon's own kind (-kind) picks its access rules, not the kind a client claims.
    access "default:rootd none
default:proofd usrpwd"; start_server -port "$port" -kind proofd
    run_client -port "$port" -server proofd -user alice -pin "$pub"; ok; expect "method=usrpwd login=alice"
    run_client -port "$port" -server rootd -user alice -pin "$pub"; refused ;;
  none)
    access "default none"; start_server -port "$port"
    run_client -port "$port" -user alice -pin "$pub"; refused
    expect "the daemon accepts no method from this host and user"
    expect_server "no method accepted" ;;
  user-deny)
    # usrpwd for everyone but alice: alice has nothing left, bob gets in.
    access "default usrpwd:-alice"; printf 'bob:%s\n' "$hash" >>"$work/passwd"; start_server -port "$port"
    run_client -port "$port" -user alice -pin "$pub"; refused
    expect "accepts no method"
    run_client -port "$port" -user bob -pin "$pub"; ok; expect "login=bob" ;;
  fallback)
    # A wrong password fails usrpwd; the daemon still accepts uidgid and the client has it next.
    methods "usrpwd uidgid"; answers wrong; start_server -unix "$sock"
    run_client -unix "$sock" -user "$me" -pin "$pub"; ok
    expect "method=uidgid login=$me"
    expect_server "password file: Mismatch" ;;
  usrpwd)
    start_server -port "$port"
    run_client -port "$port" -user alice -pin "$pub"; ok; expect "method=usrpwd login=alice"
    answers wrong; run_client -port "$port" -user alice -pin "$pub"; refused
    expect "refused"; expect_server "usrpwd for alice"
    answers secret; run_client -port "$port" -user carol -pin "$pub"; refused ;;
  pam)
    # A PAM service file of the test's own (pam_unix) and a system user with a password.
    [ "$(id -u)" = 0 ] || fail "must run as root (creates a user and a PAM service)"
    service=daemonauth-hostauth-test user=daemonauth-ha
    getent passwd "$user" >/dev/null || useradd -M -r -d /nonexistent -s /usr/sbin/nologin "$user" \
      || fail "cannot create $user"
    echo "$user:Ha-Secret-1" | chpasswd || fail "chpasswd"
    printf 'auth required pam_unix.so\naccount required pam_unix.so\n' >"/etc/pam.d/$service"
    trap 'rm -f "/etc/pam.d/$service"; usermod -p "!" "$user"; cleanup' EXIT
    start_server -port "$port" -passwords "pam:$service"
    answers Ha-Secret-1; run_client -port "$port" -user "$user" -pin "$pub"; ok; expect "login=$user"
    answers wrong; run_client -port "$port" -user "$user" -pin "$pub"; refused ;;
  uidgid-unix)
    access "default uidgid"; methods "uidgid"; start_server -unix "$sock"
    run_client -unix "$sock" -user "$me" -pin "$pub"; ok; expect "method=uidgid login=$me"
    other=root; [ "$me" = root ] && other=nobody
    run_client -unix "$sock" -user "$other" -pin "$pub"; refused
    expect_server "uidgid: the peer is uid" ;;
  uidgid-tcp)
    access "default uidgid"; methods "uidgid"; start_server -port "$port"
    run_client -port "$port" -user "$me" -pin "$pub"; refused
    expect "uidgid: refused over TCP, it needs a Unix-domain socket"
    expect_server "uidgid is refused over TCP" ;;
  reuse)
    # The second session proves the token from the first without a password; -revoke revokes it.
    start_server -port "$port"
    run_client -port "$port" -user alice -pin "$pub" -repeat 2 -revoke; ok
    expect "reused=no"; expect "method=usrpwd login=alice reused=yes"; expect "revoked"
    expect_server "(reused token)"; expect_server "revoked a reuse token of alice"
    [ -s "$work/secret.revoked" ] || fail "no revocation recorded" ;;
  reuse-expired)
    # Tokens live one second; one client process, two sessions two seconds apart: the first
    # session's token has expired by the second, which authenticates with the password again.
    # (The client drops a token its clock says expired, so the daemon never sees it here; the
    # daemon's own check of an expired token presented anyway is in test_hostauth_tokens.)
    start_server -port "$port" -max-validity-s 1
    run_client -port "$port" -user alice -pin "$pub" -repeat 2 -pause-ms 2000; ok
    [ "$(grep -c "method=usrpwd login=alice reused=no" "$work/client.out")" = 2 ] || fail "a session reused the token"
    for _ in $(seq 1 100); do
      [ "$(grep -c "^hostauth-server: authenticated alice as alice by usrpwd from" "$work/server.out")" = 2 ] && break; sleep 0.05
    done
    [ "$(grep -c "^hostauth-server: authenticated alice as alice by usrpwd from" "$work/server.out")" = 2 ] \
      || fail "the daemon did not authenticate twice with the password"
    ! grep -qF "(reused token)" "$work/server.out" || fail "the daemon accepted an expired token" ;;
  bad-options)
    # Numbers are positive decimals, -port and -unix exclude each other: status 2, nothing runs.
    for args in "-port $port -timeout-ms abc" "-port $port -max-validity-s 10s" "-port $port -fail-delay-ms -1" \
                "-port $port -unix $sock"; do
      # shellcheck disable=SC2086
      timeout 10 "$server" -key "$work/key" $args >"$work/server.out" 2>&1; rc=$?
      [ "$rc" -eq 2 ] || fail "hostauth-server $args: status $rc, not 2"
    done
    "$server" -key "$work/key" -port "$port" -fail-delay-ms -1 >"$work/server.out" 2>&1
    grep -qF -- "-fail-delay-ms: -1 is not a positive number" "$work/server.out" || fail "no message for a bad number"
    for args in "-repeat x" "-repeat 0" "-pause-ms 12abc" "-timeout-ms 99999999999" "-port $port -unix $sock"; do
      # shellcheck disable=SC2086
      run_client $args -pin "$pub"; [ "$rc" -eq 2 ] || fail "hostauth-client $args: status $rc, not 2"
      expect "usage: hostauth-client"
    done ;;
  inetd-refusal)
    # Under inetd, a refused client (wrong password) gets only protocol frames, and a daemon
    # started with a bad option sends nothing at all; every message goes to syslog.
    start_inetd "$work/sent" -key "$work/key" -access "$work/access" -passwords "file:$work/passwd" -fail-delay-ms 1
    answers wrong; run_client -port "$port" -user alice -pin "$pub"; refused
    wait_for "$work/sent.1.status"; only_frames "$work/sent.1"
    grep -q "usrpwd for alice" "$work/syslog" || fail "the refusal is not in syslog"
    start_inetd "$work/bad" -key "$work/key" -access "$work/access" -timeout-ms soon
    answers secret; run_client -port "$port" -user alice -pin "$pub"; [ "$rc" -ne 0 ] || fail "a client got in"
    wait_for "$work/bad.1.status"
    [ "$(cat "$work/bad.1.status")" = 2 ] || fail "the misconfigured daemon exited with $(cat "$work/bad.1.status")"
    [ ! -s "$work/bad.1" ] || fail "the misconfigured daemon sent $(wc -c <"$work/bad.1") bytes to the client"
    grep -q -- "-timeout-ms: soon is not a positive number" "$work/syslog" || fail "the bad option is not in syslog" ;;
  listen-once)
    # -listen 127.0.0.2 -once: nothing on 127.0.0.1; one session on 127.0.0.2, then the daemon
    # exits with that session's status.
    start_server -port "$port" -listen 127.0.0.2 -once
    run_client -port "$port" -user alice -pin "$pub"; [ "$rc" -eq 2 ] || fail "127.0.0.1 answered (status $rc)"
    expect "cannot connect"
    ROOTAUTHRC=$work/authrc "$client" -answers "$work/answers" -port "$port" -user alice -pin "$pub" 127.0.0.2 \
      >"$work/client.out" 2>&1 </dev/null || fail "no session on 127.0.0.2"
    expect "method=usrpwd login=alice"
    wait "$server_pid"; status=$?; server_pid=
    [ "$status" -eq 0 ] || fail "the daemon exited with $status after one good session" ;;
  crypt)
    # -passwords crypt: a throwaway system user whose shadow entry holds the hash (root only).
    [ "$(id -u)" = 0 ] || fail "must run as root (creates a user)"
    user=daemonauth-hc
    getent passwd "$user" >/dev/null || useradd -M -r -d /nonexistent -s /usr/sbin/nologin "$user" \
      || fail "cannot create $user"
    trap 'userdel "$user" 2>/dev/null; cleanup' EXIT
    echo "$user:Hc-Secret-2" | chpasswd -c SHA512 || fail "chpasswd"
    getent shadow "$user" | grep -q ':\$6\$' || fail "no SHA-512 hash in the shadow file"
    start_server -port "$port" -passwords crypt
    answers Hc-Secret-2; run_client -port "$port" -user "$user" -pin "$pub"; ok; expect "login=$user"
    answers wrong; run_client -port "$port" -user "$user" -pin "$pub"; refused
    expect_server "usrpwd for $user" ;;
  anonymous)
    # ROOT's anonymous mode: off by default; with -anonymous, user anonymous and an e-mail
    # address as password.
    answers me@example.org; start_server -port "$port"
    run_client -port "$port" -user anonymous -pin "$pub"; refused
    expect_server "anonymous logins are disabled"
    start_server -port "$port" -anonymous
    run_client -port "$port" -user anonymous -pin "$pub"; ok; expect "method=usrpwd login=anonymous"
    answers no-address; run_client -port "$port" -user anonymous -pin "$pub"; refused
    expect_server "anonymous login without an e-mail address" ;;
  netrc)
    # Passwords from a netrc file: -netrc FILE, else $HOME/.netrc as ROOT's clients read it; a
    # file others can read fails the session.
    start_server -port "$port"
    printf 'machine localhost login alice password secret\n' >"$work/netrc"; chmod 600 "$work/netrc"
    netrc_client() {
      ROOTAUTHRC=$work/authrc "$client" -port "$port" -user alice -pin "$pub" "$@" localhost >"$work/client.out" 2>&1 \
        </dev/null
      rc=$?
    }
    netrc_client -netrc "$work/netrc"; ok; expect "method=usrpwd login=alice"
    mkdir "$work/home"; cp -p "$work/netrc" "$work/home/.netrc"
    HOME=$work/home netrc_client; ok; expect "method=usrpwd login=alice"
    chmod 644 "$work/netrc"; netrc_client -netrc "$work/netrc"; refused; expect "0644" ;;
  wrong-pin)
    # A client pinned to another key refuses the daemon (a man in the middle looks the same).
    start_server -port "$port"
    run_client -port "$port" -user alice -pin "$(printf '%064d' 0)"; refused
    expect "is not the pinned key"
    printf 'localhost %s\n' "$pub" >"$work/known_hosts"
    run_client -port "$port" -user alice -known-hosts "$work/known_hosts"; ok; expect "daemon-key=verified"
    run_client -port "$port" -user alice; ok; expect "daemon-key=UNVERIFIED"; expect "man in the middle" ;;
  inetd)
    # The connection as descriptors 0, 1 and 2 (inetd.py); messages go to syslog only.
    start_inetd "$work/sent" -key "$work/key" -access "$work/access" -passwords "file:$work/passwd"
    run_client -port "$port" -user alice -pin "$pub"; ok; expect "login=alice"
    for _ in $(seq 1 100); do grep -q "authenticated alice" "$work/syslog" 2>/dev/null && break; sleep 0.05; done
    grep -q "authenticated alice as alice by usrpwd" "$work/syslog" || fail "nothing in syslog"
    ! grep -l -e "hostauth-server" -e "daemonauth\[" "$work"/sent.[0-9]* || fail "a message reached the client" ;;
  krb5)
    # A ticket of the local user's principal: the daemon proves its key (mutual), maps the
    # principal to the user (krb5_kuserok), names it, and issues a reuse token (ru:1) that the
    # second session uses.
    my_principal; my_ticket
    access "default krb5 usrpwd"; printf 'default method krb5 pt:no ru:1\n' >"$work/authrc"
    start_server -port "$port"
    KRB5CCNAME=FILE:$work/ccache run_client -port "$port" -user "$me" -pin "$pub" -repeat 2; ok
    expect "method=krb5 login=$me reused=no"; expect "method=krb5 login=$me reused=yes"
    expect_server "authenticated $me as $me by krb5 (principal $principal) from"
    # The principal may not log in as alice; the daemon offers usrpwd, which is not the client's.
    KRB5CCNAME=FILE:$work/ccache run_client -port "$port" -user alice -pin "$pub"; refused
    expect "krb5: failed"; expect_server "may not log in as alice" ;;
  krb5-responder)
    # No ticket: the principal's password comes through the responder (the answer file).
    my_principal; answers "$me_password"
    access "default krb5"; printf 'default method krb5 pt:no ru:0 pp:%s\n' "$me" >"$work/authrc"
    start_server -port "$port"
    KRB5CCNAME=FILE:$work/no-ccache run_client -port "$port" -user "$me" -pin "$pub"; ok
    expect "method=krb5 login=$me"; expect_server "(principal $principal)"
    answers wrong; KRB5CCNAME=FILE:$work/no-ccache run_client -port "$port" -user "$me" -pin "$pub"; refused
    expect "krb5: " ;;
  krb5-wrong-service)
    # The daemon accepts as host@localhost; a client asking for cvs@localhost (known to the KDC,
    # in the keytab) is refused by the daemon, one asking for an unknown service fails at once.
    my_principal; my_ticket
    access "default krb5"; methods "krb5"; start_server -port "$port" -gss-acceptor host@localhost
    KRB5CCNAME=FILE:$work/ccache run_client -port "$port" -user "$me" -pin "$pub" -gss-service cvs; refused
    expect "krb5: failed"; expect_server "krb5: gss_accept_sec_context failed"
    KRB5CCNAME=FILE:$work/ccache run_client -port "$port" -user "$me" -pin "$pub" -gss-service nosuch; refused
    expect "not found in Kerberos database"
    KRB5CCNAME=FILE:$work/ccache run_client -port "$port" -user "$me" -pin "$pub" -gss-service host; ok
    expect "method=krb5" ;;
  globus)
    # globus is any GSS-API mechanism: SPNEGO by default, or the one the mech: detail names.
    my_principal; my_ticket
    access "default globus"; printf 'default method globus pt:no ru:1\n' >"$work/authrc"
    start_server -port "$port"
    KRB5CCNAME=FILE:$work/ccache run_client -port "$port" -user "$me" -pin "$pub" -repeat 2; ok
    expect "method=globus login=$me reused=no"; expect "method=globus login=$me reused=yes"
    expect_server "by globus (principal $principal)"
    printf 'default method globus pt:no ru:0 mech:1.2.840.113554.1.2.2\n' >"$work/authrc"
    KRB5CCNAME=FILE:$work/ccache run_client -port "$port" -user "$me" -pin "$pub"; ok; expect "method=globus"
    printf 'default method globus pt:no ru:0 mech:1.2.3.4\n' >"$work/authrc"
    KRB5CCNAME=FILE:$work/ccache run_client -port "$port" -user "$me" -pin "$pub"; refused ;;
  krb5-fallback)
    # No ticket and a wrong principal password: krb5 fails on the client's side and the client
    # goes on to usrpwd, which the daemon also accepts.
    my_principal
    access "default krb5 usrpwd"; printf 'default list krb5 usrpwd\ndefault method krb5 pt:no ru:0 pp:%s\n' "$me" \
      >"$work/authrc"
    start_server -port "$port"
    KRB5CCNAME=FILE:$work/no-ccache run_client -port "$port" -user alice -pin "$pub"; ok
    expect "method=usrpwd login=alice" ;;
  srp)
    # Verifiers made by hostauth-srp-passwd (the password from its answer file); srp with the
    # right password (then a reuse token), a wrong one, an unknown user; a changed password.
    [ -n "$srp_passwd" ] || fail "needs hostauth-srp-passwd"
    "$srp_passwd" -answers "$work/answers" "$work/srp" alice >"$work/client.out" 2>&1 || fail "setting a verifier"
    [ "$(stat -c %a "$work/srp")" = 600 ] || fail "the verifier file is not private"
    ! grep -q secret "$work/srp" || fail "the password is in the verifier file"
    access "default srp"; printf 'default method srp pt:no ru:1\n' >"$work/authrc"
    start_server -port "$port" -srp "$work/srp"
    run_client -port "$port" -user alice -pin "$pub" -repeat 2; ok
    expect "method=srp login=alice reused=no"; expect "method=srp login=alice reused=yes"
    printf 'default method srp pt:no ru:0\n' >"$work/authrc"
    answers wrong; run_client -port "$port" -user alice -pin "$pub"; refused; expect "srp: failed"
    expect_server "srp for alice: a wrong proof"
    answers secret; run_client -port "$port" -user carol -pin "$pub"; refused; expect_server "no verifier for carol"
    answers new-secret; "$srp_passwd" -bits 3072 -answers "$work/answers" "$work/srp" alice >/dev/null 2>&1 \
      || fail "changing a verifier"
    grep -q '^alice:3072:' "$work/srp" || fail "no 3072-bit verifier"
    run_client -port "$port" -user alice -pin "$pub"; ok; expect "method=srp login=alice"
    answers secret; run_client -port "$port" -user alice -pin "$pub"; refused
    "$srp_passwd" -bits 1024 -answers "$work/answers" "$work/srp" alice >/dev/null 2>&1 && fail "a 1024-bit group" ;;
  srp-fallback)
    # The daemon has no verifier file: srp is unavailable and the client takes usrpwd.
    access "default srp usrpwd"; methods "srp usrpwd"; start_server -port "$port"
    run_client -port "$port" -user alice -pin "$pub"; ok; expect "method=usrpwd login=alice"
    expect_server "srp: this daemon has no verifier file" ;;
  ssh)
    # Keys from ssh-keygen; the daemon reads $work/keys/%u (its -authorized-keys); the client
    # signs with a real ssh-agent (SSH_AUTH_SOCK) or a key file whose passphrase comes from the
    # answer file (a wrong one fails). A key not listed is refused; usrpwd after it is the fallback.
    mkdir -m 755 "$work/keys"
    ssh-keygen -q -t ed25519 -N '' -C listed -f "$work/listed" || fail "ssh-keygen"
    ssh-keygen -q -t ecdsa -N 'key-pass' -C locked -f "$work/locked" || fail "ssh-keygen"
    ssh-keygen -q -t ed25519 -N '' -C stranger -f "$work/stranger" || fail "ssh-keygen"
    cat "$work/listed.pub" "$work/locked.pub" >"$work/keys/$me"
    access "default ssh usrpwd"; start_server -port "$port" -authorized-keys "$work/keys/%u"
    eval "$(ssh-agent -s -a "$work/agent.sock")" >/dev/null || fail "ssh-agent"
    trap 'kill "$SSH_AGENT_PID" 2>/dev/null; cleanup' EXIT
    ssh-add "$work/stranger" "$work/listed" 2>/dev/null || fail "ssh-add"
    printf 'default method ssh pt:no ru:1\n' >"$work/authrc"
    run_client -port "$port" -user "$me" -pin "$pub" -repeat 2; ok
    expect "method=ssh login=$me reused=no"; expect "method=ssh login=$me reused=yes"
    expect_server "authenticated $me as $me by ssh"
    printf 'default method ssh pt:no ru:0 kf:%s\n' "$work/locked" >"$work/authrc"
    printf 'passphrase=key-pass\n' >"$work/answers"
    run_client -port "$port" -user "$me" -pin "$pub"; ok; expect "method=ssh"
    printf 'passphrase=wrong\n' >"$work/answers"
    run_client -port "$port" -user "$me" -pin "$pub"; refused; expect "a wrong passphrase"
    # Only a key the user's file does not list: refused; with usrpwd after it, the fallback.
    ssh-add -D 2>/dev/null; ssh-add "$work/stranger" 2>/dev/null
    printf 'default method ssh pt:no ru:0\n' >"$work/authrc"
    answers secret; run_client -port "$port" -user "$me" -pin "$pub"; refused; expect "ssh: failed"
    expect_server "no offered key is accepted"
    printf 'default list ssh usrpwd\ndefault method ssh pt:no ru:0\n' >"$work/authrc"
    run_client -port "$port" -user "$me" -pin "$pub"; ok; expect "method=usrpwd login=$me" ;;
  backlog)
    # The listening sockets queue SOMAXCONN connections (ss shows a listener's backlog as
    # Send-Q): a short queue overflows under a burst of clients and each dropped SYN costs a
    # client a 1 s retransmission. The same helper listens for cvs-pserverd and distcc-auth-inetd.
    somaxconn=$(cat /proc/sys/net/core/somaxconn)
    start_server -port "$port"
    backlog=$(ss -Hltn "sport = :$port" | awk '{print $3}')
    [ "$backlog" = "$somaxconn" ] || fail "TCP listener backlog is '$backlog', not SOMAXCONN ($somaxconn)"
    start_server -unix "$sock"
    backlog=$(ss -Hlx "src $sock" | awk '{print $4}')
    [ "$backlog" = "$somaxconn" ] || fail "Unix listener backlog is '$backlog', not SOMAXCONN ($somaxconn)" ;;
  *) fail "unknown case" ;;
esac
echo ok
