#!/usr/bin/env bash
# Debian's real cvs client through cvs-pserverd (libdaemonauth + Debian's `cvs server`):
# login, checkout, commit, logout, refusals, and :gserver: with Kerberos (plain, -x, -a: checkout,
# commit, update, a 5 MB file; -z with -x refused).
# Runs as root (it creates the unprivileged system user daemonauth-cvs if absent); the
# gserver cases run inside the throwaway realm (scripts/realm exec). Only 127.0.0.1.
#
#   cvs-interop.sh CASE CVS_PSERVERD CVS_TOOL
set -uo pipefail
case_name=$1 pserverd=$2 tool=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
chmod 755 "$work"
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL ($case_name): $*"; echo "--- client output"; cat "$work/client.out" 2>/dev/null
         echo "--- server output"; cat "$work/server.out" 2>/dev/null; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root (switches to a system user)"
sysuser=daemonauth-cvs
getent passwd "$sysuser" >/dev/null || useradd -M -r -d /nonexistent -s /usr/sbin/nologin "$sysuser" \
  || fail "cannot create $sysuser"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The repository: alice (password "secret") works as daemonauth-cvs, rooty maps to root.
repo=$work/repo
cvs -d "$repo" init || fail "cvs init"
hash=$(python3 -c 'import crypt; print(crypt.crypt("secret", "$6$daemonau$"))' 2>/dev/null \
       || openssl passwd -6 -salt daemonau secret)
printf 'alice:%s:%s\nrooty:%s:root\n' "$hash" "$sysuser" "$hash" >"$repo/CVSROOT/passwd"
echo "SystemAuth=no" >>"$repo/CVSROOT/config"
chown -R "$sysuser" "$repo"

port=$(free_port)
start_server() {
  DAEMONAUTH_LOG_LEVEL=debug "$pserverd" -port "$port" -root "$repo" -fail-delay-ms 100 -timeout-ms 10000 "$@" >"$work/server.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 200); do grep -q "starting\.\.\." "$work/server.out" 2>/dev/null && return 0; sleep 0.05; done
  fail "no server started"
}
# A server for gserver: alice@REALM maps to the system user through an auth_to_local rule in
# the server's copy of the realm's krb5.conf.
start_gserver() {
  sed "s|^\( *kdc = .*\)$|\1\n        auth_to_local = RULE:[1:\$1@\$0](^alice@DAEMONAUTH[.]TEST\$)s/.*/$sysuser/\n        auth_to_local = DEFAULT|" \
    "$KRB5_CONFIG" >"$work/krb5.conf"
  KRB5_CONFIG=$work/krb5.conf start_server -keytab "$DAEMONAUTH_TEST_KEYTAB" "$@"
}
export CVS_PASSFILE=$work/cvspass HOME=$work
# cvs_client ARGS...: the real cvs client with a 60 s guard; output in client.out; sets $rc.
cvs_client() { timeout 60 cvs -f "$@" >"$work/client.out" 2>&1; rc=$?; [ "$rc" -ne 124 ] || fail "cvs hung"; }
expect() { grep -qF -- "$1" "$work/client.out" || fail "client output lacks: $1"; }
pserver=":pserver:alice@localhost:$port$repo"

# start_inetd [OPTIONS...]: cvs-pserverd -inetd under inetd.py on a fresh $port, the
# connection as descriptors 0, 1 and 2; syslog in $work/syslog, the bytes sent to client N
# in $sent.N and the exit status in $sent.N.status.
start_inetd() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  port=$(free_port) sent=$work/sent-$port pserver=":pserver:alice@localhost:$port$repo"
  rm -f "$work/peer.out"
  DAEMONAUTH_LOG_LEVEL=debug python3 "$here/inetd.py" --syslog "$work/syslog" --record "$sent" "$port" \
    "$pserverd" -inetd "$@" 2>"$work/peer.out" &
  server_pid=$!
  for _ in $(seq 1 200); do grep -q "starting\.\.\." "$work/peer.out" 2>/dev/null && return 0; sleep 0.05; done
  fail "no inetd started"
}
# expect_sent N REGEX STATUS: client N received exactly bytes matching REGEX (a Python
# regular expression over the whole stream) and cvs-pserverd exited with STATUS.
expect_sent() {
  for _ in $(seq 1 200); do [ -e "$sent.$1.status" ] && break; sleep 0.05; done
  [ -e "$sent.$1.status" ] || fail "connection $1 did not end"
  python3 -c 'import re, sys; data = open(sys.argv[1], "rb").read()
sys.exit(0 if re.fullmatch(sys.argv[2].encode(), data) else "sent %r" % data)' "$sent.$1" "$2" \
    || fail "connection $1: not exactly the protocol ($2)"
  [ "$(cat "$sent.$1.status")" = "$3" ] || fail "connection $1: exit status $(cat "$sent.$1.status"), expected $3"
}
expect_syslog() { grep -qF -- "$1" "$work/syslog" || { cat "$work/syslog"; fail "syslog lacks: $1"; }; }
# raw_session FORMAT ARGS...: sends printf FORMAT ARGS to the server (on $address, default
# 127.0.0.1), the answer in client.out.
raw_session() {
  # shellcheck disable=SC2059
  printf "$@" | timeout 20 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[2], int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read()); s.shutdown(socket.SHUT_WR)
sys.stdout.write(s.makefile("rb").read().decode())' "$port" "${address:-127.0.0.1}" >"$work/client.out" 2>&1
}
# wait_children N: waits (10 s at most) until the server has exactly N session children.
wait_children() {
  for _ in $(seq 1 100); do [ "$(pgrep -c -P "$server_pid")" -eq "$1" ] && return 0; sleep 0.1; done
  fail "the server has $(pgrep -c -P "$server_pid") children, not $1"
}
# pty_login CVSROOT PASSWORD_FILE: Debian's cvs login, the password (the file's bytes) typed at
# its prompt on a terminal (a pty), as a person types it; output in client.out, sets $rc.
pty_login() {
  timeout 60 python3 -c '
import os, pty, sys
root, password = sys.argv[1], open(sys.argv[2], "rb").read()
pid, fd = pty.fork()
if pid == 0:
    os.execvp("cvs", ["cvs", "-f", "-d", root, "login"])
out = b""
while b"password: " not in out:
    chunk = os.read(fd, 1024)
    if not chunk:
        break
    out += chunk
os.write(fd, password + b"\n")
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))' "$1" "$2" >"$work/client.out" 2>&1
  rc=$?; [ "$rc" -ne 124 ] || fail "cvs login hung"
}
# in_dir DIR ARGS...: cvs_client in DIR (not in a subshell, so $rc and fail work).
in_dir() { local dir=$1; shift; pushd "$dir" >/dev/null || fail "no $dir"; cvs_client "$@"; popd >/dev/null || exit 1; }

# Imports a project, checks it out into $work/wc, commits a change; fails on any error.
checkout_and_commit() {
  local root=$1; shift
  mkdir -p "$work/import" && echo "one" >"$work/import/file.txt"
  in_dir "$work/import" "$@" -d "$root" import -m initial proj vendor start; [ "$rc" -eq 0 ] || fail "import failed"
  in_dir "$work" "$@" -d "$root" checkout -d wc proj; [ "$rc" -eq 0 ] || fail "checkout failed"
  [ "$(cat "$work/wc/file.txt")" = "one" ] || fail "checked-out file differs"
  echo "two" >>"$work/wc/file.txt"
  in_dir "$work/wc" "$@" commit -m change file.txt; [ "$rc" -eq 0 ] || fail "commit failed"
  grep -q "^head	1.2;" "$repo/proj/file.txt,v" || fail "the commit did not reach the repository"
  [ "$(stat -c %U "$repo/proj/file.txt,v")" = "$sysuser" ] || fail "the commit did not run as $sysuser"
  rm -rf "$work/wc" "$work/import"
}

# Protected (-x, -a) sessions with Debian's client; the 60 s guard of cvs_client turns a hang
# into a failure. gs is the gserver CVSROOT; files are compared with cmp.
gs=":gserver:localhost:$port$repo"
# make_project [BIG]: imports proj through plain gserver: a text file, an empty file, a binary
# file of 3 full 4096-byte packets and 1 byte (every byte value), and with BIG a 5 MB one.
make_project() {
  mkdir -p "$work/import"
  printf 'a\nb\nc\nd\ne\n' >"$work/import/file.txt"
  seq 1 2000 | sed 's/$/ line/; 500s/.*/c/' >"$work/import/more.txt"
  : >"$work/import/empty.txt"
  python3 -c 'import os, sys; sys.stdout.buffer.write(bytes(range(256)) * 16 + os.urandom(8193))' >"$work/import/data.bin"
  [ -z "${1:-}" ] || head -c 5242880 /dev/urandom >"$work/import/big.bin"
  in_dir "$work/import" -d "$gs" import -W "*.bin -k 'b'" -m initial proj vendor start
  [ "$rc" -eq 0 ] || fail "import failed"
}
# same_files A B FILE...: the files are byte for byte the same in A and B.
same_files() {
  local a=$1 b=$2; shift 2
  for f in "$@"; do cmp "$a/$f" "$b/$f" || fail "$f differs between $a and $b"; done
}
# repository_copy DIR: a read-only local checkout (no locks, no server) to compare with.
repository_copy() { rm -rf "$1"; (cd "$work" && cvs -Q -R -d "$repo" checkout -d "$(basename "$1")" proj) || fail "local checkout"; }
# checkout_as FLAG DIR: cvs FLAG checkout of proj into $work/DIR; fails on any error.
checkout_as() { in_dir "$work" "$1" -d "$gs" checkout -d "$2" proj; [ "$rc" -eq 0 ] || fail "cvs $1 checkout into $2 failed"; }
protection_on() {
  grep -qF "$1 protection on" "$work/server.out" || fail "the server did not turn on $1 protection"
}

case "$case_name" in
  login-checkout-commit-logout)
    start_server
    cvs_client -d ":pserver:alice:secret@localhost:$port$repo" login
    [ "$rc" -eq 0 ] || fail "login failed"
    grep -qxF "/1 :pserver:alice@localhost:$port$repo Ay=0=a%0bZ" "$CVS_PASSFILE" 2>/dev/null \
      || grep -q "^/1 :pserver:alice@localhost:$port$repo A" "$CVS_PASSFILE" || fail "no pass file entry"
    [ "$(stat -c %a "$CVS_PASSFILE")" = 600 ] || fail "pass file mode"
    checkout_and_commit "$pserver"
    cvs_client -d "$pserver" logout; [ "$rc" -eq 0 ] || fail "logout failed"
    ! grep -q "alice@localhost" "$CVS_PASSFILE" || fail "logout left the entry" ;;
  inetd)
    # inetd hands the connection over as descriptors 0, 1 AND 2 (inetd.py): logins, checkout
    # and commit work, and each refusal sends the client the protocol's bytes and nothing
    # else; every message goes to syslog.
    start_inetd -root "$repo" -fail-delay-ms 100 -timeout-ms 10000
    cvs_client -d ":pserver:alice:secret@localhost:$port$repo" login; expect_sent 1 'I LOVE YOU\n' 0
    checkout_and_commit "$pserver"
    ! grep -l -e "cvs-pserverd" -e "daemonauth\[" "$sent".[0-9]* || fail "a message reached a client"
    n=$(ls "$sent".* | grep -vc status)
    cvs_client -d ":pserver:alice:wrong@localhost:$port$repo" login; [ "$rc" -ne 0 ] || fail "a wrong password was accepted"
    expect_sent $((n + 1)) 'I HATE YOU\n' 1
    cvs_client -d ":pserver:alice:secret@localhost:$port/elsewhere" login; [ "$rc" -ne 0 ] || fail "an unknown repository was accepted"
    expect_sent $((n + 2)) '(error 0 [^\n]*\n)+I HATE YOU\n' 1
    cvs_client -d ":pserver:carol:secret@localhost:$port$repo" login; [ "$rc" -ne 0 ] || fail "an unknown user was accepted"
    expect_sent $((n + 3)) '(error 0 [^\n]*\n)+(I HATE YOU\n)?' 1
    raw_session 'BEGIN AUTH REQUEST\n%s\n' "$repo"; expect_sent $((n + 4)) '(error 0 [^\n]*\n)*(I HATE YOU\n)?' 1
    expect_syslog "login refused for alice"
    # Option errors, before any other line: nothing on the socket, the reason in syslog.
    start_inetd -no-such-option; raw_session 'BEGIN AUTH REQUEST\n'; expect_sent 1 '' 2
    expect_syslog "usage: cvs-pserverd"
    start_inetd -root-regexp '('; raw_session 'BEGIN AUTH REQUEST\n'; expect_sent 1 '' 2
    expect_syslog "-root-regexp: cvs_auth_server_config_builder_add_allowed_root_regexp: invalid regular expression" ;;
  listen-ipv6)
    # -listen takes an IPv6 address.
    start_server -listen ::1
    address=::1 raw_session 'BEGIN VERIFICATION REQUEST\n%s\nalice\n%s\nEND VERIFICATION REQUEST\n' "$repo" 'AZdh d,'
    expect "I LOVE YOU" ;;
  wrong-password)
    start_server
    cvs_client -d ":pserver:alice:wrong@localhost:$port$repo" login
    [ "$rc" -ne 0 ] || fail "a wrong password was accepted"; expect "authorization failed"
    [ ! -s "$CVS_PASSFILE" ] || ! grep -q alice "$CVS_PASSFILE" || fail "a refused login was stored" ;;
  unknown-repository)
    start_server
    cvs_client -d ":pserver:alice:secret@localhost:$port/elsewhere" login
    [ "$rc" -ne 0 ] || fail "an unknown repository was accepted"; expect "/elsewhere: no such repository" ;;
  unknown-user)
    start_server
    cvs_client -d ":pserver:carol:secret@localhost:$port$repo" login
    [ "$rc" -ne 0 ] || fail "an unknown user was accepted"; expect "no such user carol in CVSROOT/passwd" ;;
  root-refused)
    start_server
    cvs_client -d ":pserver:rooty:secret@localhost:$port$repo" login
    [ "$rc" -ne 0 ] || fail "a root-mapped user was accepted"; expect "root not allowed" ;;
  other-root-refused)
    # Authenticated for $repo, then asking for another repository in the CVS protocol.
    mkdir -p "$work/other" && cvs -d "$work/other" init && chown -R "$sysuser" "$work/other"
    start_server
    raw_session 'BEGIN AUTH REQUEST\n%s\nalice\nAZdh d,\nEND AUTH REQUEST\nRoot %s\n' "$repo" "$work/other"
    expect "I LOVE YOU"; expect "not allowed"
    # A command before any Root (cvs init sends none) is refused too.
    raw_session 'BEGIN AUTH REQUEST\n%s\nalice\nAZdh d,\nEND AUTH REQUEST\nArgument %s\ninit\n' "$repo" "$work/new"
    expect "I LOVE YOU"; expect "Argument before Root"
    [ ! -e "$work/new" ] || fail "a repository was created" ;;
  client-stops-reading)
    # An authenticated client asks for a 32 MB checkout and never reads: the session's child
    # and its cvs server must be gone soon after the idle limit (2 s here), not an hour later.
    mkdir -p "$work/import" && yes "a line of the big file, repeated" | head -c 32M >"$work/import/big.txt"
    (cd "$work/import" && cvs -Q -d "$repo" import -m big big vendor start) || fail "local import"
    chown -R "$sysuser" "$repo"
    start_server -idle-ms 2000
    python3 -c '
import socket, sys, time
port, repo = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.sendall(("BEGIN AUTH REQUEST\n%s\nalice\nAZdh d,\nEND AUTH REQUEST\n" % repo).encode())
s.sendall(("Root %s\nValid-responses ok error Valid-requests Checked-in New-entry Checksum Copy-file "
           "Updated Created Update-existing Merged Patched Rcs-diff Mode Mod-time Removed Remove-entry "
           "Set-static-directory Clear-static-directory Set-sticky Clear-sticky Template Notified "
           "Module-expansion Wrapper-rcsOption M Mbinary E F MT\nvalid-requests\nArgument big\n"
           "Directory .\n%s\nco\n" % (repo, repo)).encode())
time.sleep(60)' "$port" "$repo" >"$work/client.out" 2>&1 &
    client_pid=$!
    # Wait for the session to run its cvs server, then for the session to end.
    wait_children 1
    session=$(pgrep -P "$server_pid")
    for _ in $(seq 1 100); do pgrep -P "$session" >/dev/null && break; sleep 0.1; done
    pgrep -P "$session" >/dev/null || fail "the session runs no cvs server"
    started=$(date +%s)
    while kill -0 "$session" 2>/dev/null; do
      [ $(( $(date +%s) - started )) -lt 20 ] || fail "the session outlived the idle limit by far (20 s)"
      sleep 0.2
    done
    pgrep -P "$server_pid" >/dev/null && fail "a session child is left"
    kill "$client_pid" 2>/dev/null
    grep -q "relay: .*did not take what was written within 2000 ms" "$work/server.out" || fail "the server did not report the dropped relay"
    echo "session ended $(( $(date +%s) - started )) s after streaming began" ;;
  max-children)
    # Two stalled pre-auth connections fill -max-children 2: the third gets the protocol's
    # error at once; once the stalled ones go, logins work again.
    start_server -max-children 2
    "$here/limits-client.py" hold "$port" 2 >"$work/hold.out" 2>&1 &
    holder=$!
    wait_children 2
    "$here/limits-client.py" talk "$port" 127.0.0.1 'BEGIN VERIFICATION REQUEST\n' >"$work/client.out" 2>&1
    expect "error 0 cvs-pserverd: too many connections, try again later"; expect "[closed]"
    grep -q "connection refused" "$work/server.out" || fail "the refusal was not logged"
    kill "$holder"; wait "$holder" 2>/dev/null
    wait_children 0
    cvs_client -d ":pserver:alice:secret@localhost:$port$repo" login; [ "$rc" -eq 0 ] || fail "login after the stall" ;;
  failure-throttle)
    # -max-failures 3: three wrong passwords for alice from 127.0.0.1 throttle that address and
    # that user (even the right password is refused); bob from 127.0.0.2 is unaffected.
    printf 'bob:%s:%s\n' "$hash" "$sysuser" >>"$repo/CVSROOT/passwd"
    start_server -max-failures 3
    verify() {  # verify SOURCE USER SCRAMBLED EXPECTED
      "$here/limits-client.py" talk "$port" "$1" \
        "BEGIN VERIFICATION REQUEST\n$repo\n$2\n$3\nEND VERIFICATION REQUEST\n" >"$work/client.out" 2>&1
      expect "$4"
    }
    for _ in 1 2 3; do verify 127.0.0.1 alice 'AZdh d' "I HATE YOU"; done   # "secre"
    verify 127.0.0.1 alice 'AZdh d,' "I HATE YOU"                            # "secret", throttled
    verify 127.0.0.2 alice 'AZdh d,' "I HATE YOU"                            # the user is throttled
    verify 127.0.0.1 bob 'AZdh d,' "I HATE YOU"                              # the address is
    verify 127.0.0.2 bob 'AZdh d,' "I LOVE YOU"
    grep -q "throttled: 3 failed attempts from 127.0.0.1" "$work/server.out" || fail "no address throttle logged"
    grep -q "throttled: 3 failed attempts for alice" "$work/server.out" || fail "no user throttle logged" ;;
  passfile-shared)
    # Real cvs login writes the pass file; the library reads it. The library writes an entry;
    # the real cvs client logs in with it (no password anywhere else) and checks out.
    start_server
    cvs_client -d ":pserver:alice:secret@LOCALHOST:$port$repo" login; [ "$rc" -eq 0 ] || fail "login failed"
    [ "$("$tool" lookup "$CVS_PASSFILE" "$pserver")" = "AZdh d," ] || fail "the library did not read cvs's entry"
    cvs_client -d "$pserver" logout; [ "$rc" -eq 0 ] || fail "logout failed"
    "$tool" store "$CVS_PASSFILE" ":pserver:alice@LocalHost:$port$repo/" secret || fail "the library could not store"
    grep -qxF "/1 $pserver AZdh d," "$CVS_PASSFILE" || fail "the stored line is not cvs's format"
    in_dir "$work" -d "$pserver" checkout -d wc CVSROOT; [ "$rc" -eq 0 ] || fail "cvs did not use the library's entry"
    cvs_client -d "$pserver" logout; [ "$rc" -eq 0 ] || fail "cvs could not remove the library's entry"
    ! grep -q alice "$CVS_PASSFILE" || fail "the entry is still there" ;;
  non-ascii-passwords)
    # Real cvs login typed in a pty with a UTF-8 and a Latin-1 password, beside entries other
    # programs wrote in other bytes; the library stores and removes entries and every other
    # byte stays; its scramble is the bytes cvs wrote; cvs checks out with both passwords.
    printf 'p\303\244ssw\303\266rd' >"$work/utf8.pw"; printf 'p\344ssw\366rd' >"$work/latin1.pw"
    { printf 'alice:%s:%s\n' "$(openssl passwd -6 -salt daemonau -stdin <"$work/utf8.pw")" "$sysuser"
      printf 'bob:%s:%s\n' "$(openssl passwd -6 -salt daemonau -stdin <"$work/latin1.pw")" "$sysuser"; } \
      >"$repo/CVSROOT/passwd"
    printf '/1 :pserver:zed@elsewhere:2401/x A\351\377\200\n:pserver:old@elsewhere:/y Aabc\r\n' >"$CVS_PASSFILE"
    start_server
    bob=":pserver:bob@localhost:$port$repo"
    pty_login "$pserver" "$work/utf8.pw"; [ "$rc" -eq 0 ] || fail "cvs login with a UTF-8 password failed"
    pty_login "$bob" "$work/latin1.pw"; [ "$rc" -eq 0 ] || fail "cvs login with a Latin-1 password failed"
    cp "$CVS_PASSFILE" "$work/after-login"
    for who in utf8:"$pserver" latin1:"$bob"; do
      { printf '/1 %s ' "${who#*:}"; "$tool" scramble "$(cat "$work/${who%%:*}.pw")"; } >"$work/expected-line"
      grep -aF "/1 ${who#*:} " "$work/after-login" >"$work/cvs-line"
      cmp "$work/expected-line" "$work/cvs-line" || fail "the library's scramble differs from cvs's (${who%%:*})"
      "$tool" lookup "$CVS_PASSFILE" "${who#*:}" >"$work/looked-up" || fail "lookup (${who%%:*})"
      cut -d' ' -f3- "$work/cvs-line" | cmp - "$work/looked-up" || fail "lookup returned other bytes (${who%%:*})"
    done
    carol=":pserver:carol@localhost:$port$repo"
    "$tool" store "$CVS_PASSFILE" "$carol" "$(cat "$work/latin1.pw")" || fail "the library could not store"
    { cat "$work/after-login"; printf '/1 %s ' "$carol"; "$tool" scramble "$(cat "$work/latin1.pw")"; } >"$work/expected"
    cmp "$work/expected" "$CVS_PASSFILE" || fail "storing an entry changed other bytes"
    "$tool" remove "$CVS_PASSFILE" "$carol" || fail "the library could not remove"
    cmp "$work/after-login" "$CVS_PASSFILE" || fail "removing an entry changed other bytes"
    "$tool" remove "$CVS_PASSFILE" ":pserver:zed@elsewhere:/x" || fail "the library could not remove zed"
    grep -av '^/1 :pserver:zed@' "$work/after-login" | cmp - "$CVS_PASSFILE" || fail "removing zed changed other bytes"
    in_dir "$work" -d "$pserver" checkout -d wc CVSROOT; [ "$rc" -eq 0 ] || fail "checkout with the UTF-8 password"
    rm -rf "$work/wc"
    in_dir "$work" -d "$bob" checkout -d wc CVSROOT; [ "$rc" -eq 0 ] || fail "checkout with the Latin-1 password" ;;
  pam-rhost)
    # PAM gets the client's address as PAM_RHOST: a service that admits only rhost 127.0.0.1
    # lets the login in, one that admits only 192.0.2.1 refuses it.
    sed -i '/^SystemAuth=no$/d' "$repo/CVSROOT/config"
    for allowed in 127.0.0.1 192.0.2.1; do
      printf 'auth requisite pam_succeed_if.so quiet rhost = %s\nauth required pam_permit.so\naccount required pam_permit.so\n' \
        "$allowed" >"/etc/pam.d/daemonauth-rhost-$$-$allowed"
    done
    trap 'rm -f /etc/pam.d/daemonauth-rhost-$$-*; cleanup' EXIT
    start_server -system-passwords pam -pam-service "daemonauth-rhost-$$-127.0.0.1"
    cvs_client -d ":pserver:$sysuser:anything@localhost:$port$repo" login
    [ "$rc" -eq 0 ] || fail "PAM did not see rhost 127.0.0.1"
    kill "$server_pid"; wait "$server_pid" 2>/dev/null
    start_server -system-passwords pam -pam-service "daemonauth-rhost-$$-192.0.2.1"
    cvs_client -d ":pserver:$sysuser:anything@localhost:$port$repo" login
    [ "$rc" -ne 0 ] || fail "a PAM rule for another rhost let the login in"; expect "authorization failed" ;;
  system-password-crypt|system-password-pam)
    # A user missing from CVSROOT/passwd, with SystemAuth on: the system password decides,
    # through crypt(3) on the shadow entry or through PAM (cvs-pserverd's default service,
    # cvs-pserverd; without /etc/pam.d/cvs-pserverd that is Debian's "other").
    sed -i '/^SystemAuth=no$/d' "$repo/CVSROOT/config"
    echo "$sysuser:Sys-Secret-1" | chpasswd || fail "chpasswd"
    trap 'usermod -p "!" "$sysuser"; cleanup' EXIT
    start_server -system-passwords "${case_name#system-password-}"
    cvs_client -d ":pserver:$sysuser:Sys-Secret-1@localhost:$port$repo" login
    [ "$rc" -eq 0 ] || fail "the system password was refused"
    cvs_client -d ":pserver:$sysuser:wrong@localhost:$port$repo" login
    [ "$rc" -ne 0 ] || fail "a wrong system password was accepted"; expect "authorization failed"
    cvs_client -d ":pserver:nosuchuser:x@localhost:$port$repo" login
    [ "$rc" -ne 0 ] || fail "an unknown system user was accepted" ;;
  library-client)
    start_server
    "$tool" pserver "$port" "$pserver" verify secret >"$work/client.out" 2>&1 || fail "verification failed"
    "$tool" pserver "$port" "$pserver" auth secret >"$work/client.out" 2>&1 || fail "auth failed"
    ! "$tool" pserver "$port" "$pserver" verify wrong >"$work/client.out" 2>&1 || fail "a wrong password passed"
    expect "rejected access to $repo for user alice"
    ! "$tool" pserver "$port" ":pserver:carol@localhost:$port$repo" verify x >"$work/client.out" 2>&1 || fail "carol passed"
    expect "server says: no such user carol in CVSROOT/passwd"
    ! "$tool" pserver "$port" ":pserver:alice@localhost:$port/nowhere" verify x >"$work/client.out" 2>&1 || fail "/nowhere passed"
    expect "server says: /nowhere: no such repository" ;;
  library-gserver-x|library-gserver-a)
    # The library's client through the relay: packets both ways, replies of any packet size.
    start_gserver
    mode=encrypt; [ "$case_name" = library-gserver-a ] && mode=authenticate
    "$tool" gserver "$port" ":gserver:localhost:$port$repo" "$mode" "$repo" >"$work/client.out" 2>&1 \
      || fail "gserver $mode failed"
    expect "wrapped reply: ok"
    grep -qF "$( [ $mode = encrypt ] && echo encryption || echo integrity) protection on" "$work/server.out" \
      || fail "the server did not turn on protection" ;;
  library-gserver-password)
    # No ticket in the cache: the library gets one with alice's password from a responder file.
    start_gserver
    printf 'password=%s\n' "$DAEMONAUTH_TEST_PASSWORD" >"$work/answers" && chmod 600 "$work/answers"
    KRB5CCNAME=FILE:$work/empty-ccache CVS_TOOL_ANSWERS=$work/answers \
      "$tool" gserver "$port" ":gserver:alice@localhost:$port$repo" encrypt "$repo" >"$work/client.out" 2>&1 \
      || fail "gserver with a password from the responder failed"
    expect "wrapped reply: ok"
    KRB5CCNAME=FILE:$work/empty-ccache "$tool" gserver "$port" ":gserver:alice@localhost:$port$repo" encrypt "$repo" \
      >"$work/client.out" 2>&1 && fail "gserver without a ticket or a responder succeeded"
    true ;;
  gserver-trickle)
    # -timeout-ms 3000 covers the whole request: the first line just before it ends, then a
    # GSS-API token a byte every 200 ms. Each token once had the full 3 s of its own (cut at
    # about 5.5 s); now the connection ends at 3 s.
    start_gserver -timeout-ms 3000
    timeout 30 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
started = time.monotonic()
time.sleep(2.5)
s.sendall(b"BEGIN GSSAPI REQUEST\n\x01\x00")
s.settimeout(0.2)
reply = b""
for _ in range(100):
    try:
        s.send(b"\x60")
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
    except socket.timeout:
        continue
    except OSError:
        break
print("ended after %.1f s: %r" % (time.monotonic() - started, reply))
sys.exit(0 if time.monotonic() - started < 4.5 else 1)' "$port" >"$work/client.out" 2>&1 \
      || fail "the trickling gserver client was not cut at the request deadline"
    grep -q "exchange did not finish within its limit of 3000 ms" "$work/server.out" \
      || fail "the server did not report the request deadline" ;;
  gserver)
    start_gserver
    checkout_and_commit "$gs" ;;
  gserver-x-checkout|gserver-a-checkout)
    # Also a Template response (CVSROOT/rcsinfo names a 5000-byte log template) and Mbinary
    # (checkout -p of the binary file).
    start_gserver
    flag=-x kind=encryption; [ "$case_name" = gserver-a-checkout ] && flag=-a kind=integrity
    make_project
    python3 -c 'print("template line\n" * 357, end="")' >"$work/template"
    echo "ALL $work/template" >"$repo/CVSROOT/rcsinfo"
    checkout_as "$flag" wc
    protection_on "$kind"
    same_files "$work/import" "$work/wc" file.txt empty.txt data.bin
    cmp "$work/template" "$work/wc/CVS/Template" || fail "CVS/Template differs"
    in_dir "$work" -Q "$flag" -d "$gs" checkout -p proj/data.bin; [ "$rc" -eq 0 ] || fail "checkout -p failed"
    cmp "$work/import/data.bin" "$work/client.out" || fail "checkout -p (Mbinary) differs" ;;
  gserver-x-commit)
    # A changed text file and a new binary file committed with -x, then compared with the
    # repository's own (local, read-only) checkout.
    start_gserver
    make_project
    checkout_as -x wc
    echo "f" >>"$work/wc/file.txt"
    python3 -c 'import os, sys; sys.stdout.buffer.write(os.urandom(20000) + b"\0\r\n\xff")' >"$work/wc/new.bin"
    in_dir "$work/wc" -x add -kb new.bin; [ "$rc" -eq 0 ] || fail "cvs -x add failed"
    in_dir "$work/wc" -x commit -m change file.txt new.bin; [ "$rc" -eq 0 ] || fail "cvs -x commit failed"
    protection_on encryption
    grep -q "^head	1.2;" "$repo/proj/file.txt,v" || fail "the change did not reach the repository"
    [ "$(stat -c %U "$repo/proj/new.bin,v")" = "$sysuser" ] || fail "the commit did not run as $sysuser"
    repository_copy "$work/check"
    same_files "$work/wc" "$work/check" file.txt new.bin data.bin ;;
  gserver-x-update)
    # Two -x working copies; the second commits, the first updates: Update-existing (a binary
    # file, a formerly empty file), Rcs-diff (a one-line change in a long text file), Merged
    # and Copy-file (a file with its own local change).
    start_gserver
    make_project
    checkout_as -x wc1
    checkout_as -x wc2
    sed -i 's/^a$/A/' "$work/wc2/file.txt"
    head -c 9000 /dev/urandom >"$work/wc2/data.bin"
    echo "not empty" >"$work/wc2/empty.txt"
    sed -i 's/^c$/C/' "$work/wc2/more.txt"
    in_dir "$work/wc2" -x commit -m other; [ "$rc" -eq 0 ] || fail "cvs -x commit from wc2 failed"
    sed -i 's/^e$/E/' "$work/wc1/file.txt"
    in_dir "$work/wc1" -x update; [ "$rc" -eq 0 ] || fail "cvs -x update failed"
    expect "M file.txt"
    same_files "$work/wc2" "$work/wc1" data.bin empty.txt more.txt
    [ "$(cat "$work/wc1/file.txt")" = "$(printf 'A\nb\nc\nd\nE')" ] || fail "the merge result is wrong: $(cat "$work/wc1/file.txt")" ;;
  gserver-a-5mb)
    start_gserver
    make_project big
    checkout_as -a wc
    protection_on integrity
    same_files "$work/import" "$work/wc" big.bin data.bin file.txt ;;
  gserver-x-compressed-refused)
    # -z with -x: refused with a clear message, not a hang.
    start_gserver
    make_project
    in_dir "$work" -z3 -x -d "$gs" checkout -d wc proj
    [ "$rc" -ne 0 ] || fail "a compressed protected checkout was accepted"
    expect "compression (-z) is not available on a protected (-x, -a) stream"
    grep -qF "asked for Gzip-stream on a protected stream" "$work/server.out" || fail "the server did not log the refusal" ;;
  gserver-a-compressed-fails)
    # -z with -a: cvs 1.12.13 sends Gzip-stream before Gssapi-authenticate, so the protection
    # request reaches cvs server inside the compressed stream, where it cannot be granted: the
    # session fails at once, and nothing is transferred unprotected.
    start_gserver
    make_project
    in_dir "$work" -z3 -a -d "$gs" checkout -d wc proj
    [ "$rc" -ne 0 ] || fail "a compressed -a checkout was accepted"
    [ ! -e "$work/wc/file.txt" ] || fail "a file was checked out"
    ! grep -qF "protection on" "$work/server.out" || fail "protection was turned on" ;;
  gserver-protection-before-root)
    # Protection asked before the checked Root: refused in plain text, protection stays off.
    start_gserver
    "$tool" gserver "$port" "$gs" encrypt - >"$work/client.out" 2>&1 || fail "the tool failed"
    expect "error  Gssapi-encrypt before Root"
    ! grep -qF "protection on" "$work/server.out" || fail "protection was turned on"
    # After the checked Root, a second Root inside the protected stream is refused by cvs.
    "$tool" gserver "$port" "$gs" encrypt "$repo" 'Root /elsewhere\nnoop\n' >"$work/client.out" 2>&1 \
      || fail "the tool failed"
    expect "Duplicate Root request"; expect "wrapped reply: E Protocol error" ;;
  passfile-full-disk)
    # Storing into a pass file on a full file system fails and leaves the old file exactly as
    # it was, with no temporary file behind (a private mount namespace with a 64 KiB tmpfs).
    mkdir "$work/small"
    unshare -m bash -c '
      set -u
      tool=$1 dir=$2 saved=$3
      mount -t tmpfs -o size=64k tmpfs "$dir" || exit 10
      "$tool" store "$dir/.cvspass" ":pserver:alice@cvs.example.org:/cvsroot" secret || exit 11
      cp "$dir/.cvspass" "$saved"
      dd if=/dev/zero of="$dir/filler" bs=4k 2>/dev/null
      if "$tool" store "$dir/.cvspass" ":pserver:bob@cvs.example.org:/other" other 2>"$saved.err"; then exit 12; fi
      cmp -s "$dir/.cvspass" "$saved" || exit 13
      [ "$(ls -A "$dir")" = "$(printf ".cvspass\nfiller")" ] || exit 14
      exit 0' _ "$tool" "$work/small" "$work/saved"
    rc=$?
    case $rc in
      0) grep -q "No space left on device" "$work/saved.err" || fail "the error does not say the disk is full: $(cat "$work/saved.err")" ;;
      10) fail "could not mount a tmpfs in a private namespace" ;;
      11) fail "the first store failed" ;;
      12) fail "a store on a full disk reported success" ;;
      13) fail "the old pass file changed" ;;
      14) fail "a temporary file was left behind" ;;
      *) fail "unexpected status $rc" ;;
    esac ;;
  *) fail "unknown case" ;;
esac
echo "ok ($case_name)"
