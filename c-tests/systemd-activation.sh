#!/usr/bin/env bash
# The daemons started the way systemd starts them (socket activation: LISTEN_FDS/LISTEN_PID,
# one socket as descriptor 3), through systemd's own systemd-socket-activate: with -a
# (Accept=yes: a process per connection, handed the connection) and without (Accept=no: the
# daemon accepts on the listening socket itself), each with a real client authenticating
# through it — MIT's gss-client, Debian's cvs, Debian's distcc, hostauth-client. Under -a the
# daemon writes nothing to descriptors 1 and 2 (systemd may have put the journal or the socket
# there): every message goes to syslog, collected by with-syslog.py. Also: a LISTEN_PID that is
# not the daemon's is ignored; two descriptors, or one of the wrong kind, are refused with exit
# status 2 and a message in syslog; the PAM files of dist/pam.d work and are the daemons'
# defaults; the units of dist/systemd pass systemd-analyze verify.
# The gss-* and distcc-* cases run inside the throwaway realm (scripts/realm exec); cvs-* and
# hostauth-pam run as root (they create system users). Everything listens on 127.0.0.1 or a
# Unix socket in a private directory.
#
#   systemd-activation.sh CASE GSS_SERVER CVS_PSERVERD DISTCC_AUTH_INETD HOSTAUTH_SERVER HOSTAUTH_CLIENT
set -uo pipefail
case_name=$1 gss_server=$2 pserverd=$3 distcc_inetd=$4 hostauth_server=$5 hostauth_client=$6
here=$(cd "$(dirname "$0")" && pwd)
dist=$here/../dist
work=$(mktemp -d)
chmod 755 "$work"   # distccd and cvs server run as other users
pids=()
cleanup() { local pid; for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL ($case_name): $*"; echo "--- client output"; cat "$work/client.out" 2>/dev/null
         echo "--- activator output"; cat "$work/activator.out" 2>/dev/null
         echo "--- syslog"; cat "$work/syslog" 2>/dev/null; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
expect() { grep -qF -- "$1" "$work/client.out" || fail "client output lacks: $1"; }
expect_syslog() {
  for _ in $(seq 1 100); do grep -qF -- "$1" "$work/syslog" 2>/dev/null && return 0; sleep 0.05; done
  fail "syslog lacks: $1"
}

# activate [-a] LISTEN_ADDRESS PROGRAM ARGS...: systemd-socket-activate listening on
# LISTEN_ADDRESS (127.0.0.1:PORT or a Unix socket path) runs PROGRAM on the first connection
# (Accept=no) or on each (-a, Accept=yes), with the environment variables in $pass (its -E;
# systemd-socket-activate, like systemd, passes no others). Syslog in $work/syslog, the
# activator's and the program's descriptors 1 and 2 in $work/activator.out.
activate() {
  local accept=() setenv=() name
  [ "$1" = -a ] && { accept=(-a); shift; }
  for name in ${pass:-}; do setenv+=(-E "$name"); done
  rm -f "$work/activator.out"
  python3 "$here/with-syslog.py" "$work/syslog" systemd-socket-activate "${accept[@]}" "${setenv[@]}" -l "$1" \
    "${@:2}" >"$work/activator.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 200); do grep -q "^Listening on $1 as 3" "$work/activator.out" 2>/dev/null && return 0; sleep 0.05; done
  fail "systemd-socket-activate did not listen on $1"
}
# quiet_program: under Accept=yes the program wrote nothing to descriptors 1 and 2: only
# systemd-socket-activate's own lines are there.
quiet_program() {
  grep -v -e "^Listening on " -e "^Communication attempt on fd" -e "^Connection from " -e "^Spawned " \
    -e "^Execing " -e "^Child [0-9]* died with code" -e "^Accepted new connection" "$work/activator.out" \
    >"$work/program.out"
  [ ! -s "$work/program.out" ] || fail "the program wrote to descriptor 1 or 2: $(cat "$work/program.out")"
}
# run_as_systemd FDS PID PROGRAM ARGS...: PROGRAM with LISTEN_FDS (the number of entries in
# FDS) and LISTEN_PID its own process id (PID "own") or another's (PID "other"). FDS is a
# comma-separated list of what descriptors 3, 4, ... are: "listen" (a TCP socket listening on
# 127.0.0.1), "unbound" (a TCP socket neither listening nor connected), "udp", "file" (/dev/null)
# or "none" (left closed). Syslog in $work/syslog, descriptors 1 and 2 in
# $work/activator.out; sets $rc (within 30 s).
run_as_systemd() {
  timeout 30 python3 "$here/with-syslog.py" "$work/syslog" python3 -c '
import os, socket, sys
kinds, pid, argv = sys.argv[1].split(","), sys.argv[2], sys.argv[3:]
for fd, kind in enumerate(kinds, 3):
    if kind == "listen":
        made = socket.create_server(("127.0.0.1", 0)).detach()
    elif kind == "unbound":
        made = socket.socket().detach()
    elif kind == "udp":
        made = socket.socket(socket.AF_INET, socket.SOCK_DGRAM).detach()
    elif kind == "file":
        made = os.open("/dev/null", os.O_RDONLY)
    else:
        continue
    if made != fd:
        os.dup2(made, fd)
        os.close(made)
    os.set_inheritable(fd, True)
os.environ["LISTEN_FDS"] = str(len(kinds))
os.environ["LISTEN_PID"] = str(os.getpid() if pid == "own" else 1)
os.execvp(argv[0], argv)' "$@" </dev/null >"$work/activator.out" 2>&1
  rc=$?
  [ "$rc" -ne 124 ] || fail "$3 hung"
}

# The realm's environment, which systemd would give through Environment=.
realm_env="KRB5_CONFIG KRB5_KTNAME KRB5CCNAME KRB5RCACHEDIR"

# gss: MIT's gss-client says hello; the server answered with a MIC it verified.
gss_client() {
  timeout 60 /usr/bin/gss-client -port "$port" localhost host@localhost hello >"$work/client.out" 2>&1 \
    || fail "gss-client failed"
  expect "Signature verified."
}

# cvs: a repository where alice (password "secret") works as the system user daemonauth-cvs.
cvs_repository() {
  [ "$(id -u)" = 0 ] || fail "must run as root (switches to a system user)"
  sysuser=daemonauth-cvs
  getent passwd "$sysuser" >/dev/null || useradd -M -r -d /nonexistent -s /usr/sbin/nologin "$sysuser" \
    || fail "cannot create $sysuser"
  repo=$work/repo
  cvs -d "$repo" init || fail "cvs init"
  printf 'alice:%s:%s\n' "$(openssl passwd -6 -salt daemonau secret)" "$sysuser" >"$repo/CVSROOT/passwd"
  echo "SystemAuth=no" >>"$repo/CVSROOT/config"
  chown -R "$sysuser" "$repo"
  export CVS_PASSFILE=$work/cvspass HOME=$work
}
# cvs_client ARGS...: Debian's cvs with a 60 s guard; sets $rc.
cvs_client() { timeout 60 cvs -f "$@" >"$work/client.out" 2>&1; rc=$?; [ "$rc" -ne 124 ] || fail "cvs hung"; }
# cvs_session: cvs login, a checkout of CVSROOT and logout through the server on $port.
cvs_session() {
  cvs_client -d ":pserver:alice:secret@localhost:$port$repo" login; [ "$rc" -eq 0 ] || fail "cvs login failed"
  (cd "$work" && cvs_client -d ":pserver:alice@localhost:$port$repo" checkout -d wc CVSROOT)
  [ -s "$work/wc/config" ] || fail "cvs checkout failed"
  rm -rf "$work/wc"
  cvs_client -d ":pserver:alice:wrong@localhost:$port$repo" login; [ "$rc" -ne 0 ] || fail "a wrong password was accepted"
}

# distcc: Debian's distcc compiles through the server on $port (see distcc-interop.sh).
export DISTCCD_PRINCIPAL=distccd@localhost KRB5RCACHETYPE=none
distcc_compile() {
  printf 'int daemonauth_answer(void) { return 42; }\n' >"$work/x.c"
  rm -f "$work/x.o"; rm -rf "$work/distcc-dir"; mkdir "$work/distcc-dir"
  (cd "$work" && DISTCC_DIR=$work/distcc-dir DISTCC_FALLBACK=0 DISTCC_VERBOSE=1 DISTCC_PRINCIPAL=distccd \
     DISTCC_HOSTS="127.0.0.1:$port/1,auth=localhost" timeout 60 distcc gcc -c x.c -o x.o) >"$work/client.out" 2>&1 \
    || fail "the compile through distcc-auth-inetd failed"
  nm "$work/x.o" | grep -q " T daemonauth_answer" || fail "the object file lacks the compiled function"
}

# hostauth: the daemon's key, a password file (alice, "secret"), the client's rc and answers.
hostauth_files() {
  "$hostauth_server" -generate-key "$work/key" >"$work/public" || fail "generating a key"
  printf 'alice:%s\n' "$(openssl passwd -6 -salt daemonau secret)" >"$work/passwd"
  printf 'default %s\n' "$1" >"$work/access"
  printf 'default list %s\n' "$1" >"$work/authrc"
  printf 'password=secret\n' >"$work/answers"; chmod 600 "$work/answers"
}
# hostauth_client USER ARGS...: hostauth-client as USER (-port or -unix in ARGS); sets $rc.
hostauth_client() {
  ROOTAUTHRC=$work/authrc timeout 60 "$hostauth_client" -answers "$work/answers" -timeout-ms 10000 -user "$1" \
    -pin "$(cat "$work/public")" "${@:2}" localhost >"$work/client.out" 2>&1 </dev/null
  rc=$?
}
hostauth_server_args() { echo -key "$work/key" -access "$work/access" -passwords "file:$work/passwd" -fail-delay-ms 100; }

# pam_file SERVICE NAME: dist/pam.d/SERVICE installed as /etc/pam.d/NAME until the test ends.
pam_file() {
  [ -e "/etc/pam.d/$2" ] && fail "/etc/pam.d/$2 exists already"
  cp "$dist/pam.d/$1" "/etc/pam.d/$2" || fail "cannot install /etc/pam.d/$2"
  pam_files+=("/etc/pam.d/$2")
}
pam_files=()
trap 'rm -f "${pam_files[@]}"; cleanup' EXIT
# system_user NAME PASSWORD: a system user with that password (locked again at the end).
system_user() {
  [ "$(id -u)" = 0 ] || fail "must run as root (creates a user)"
  getent passwd "$1" >/dev/null || useradd -M -r -d /nonexistent -s /usr/sbin/nologin "$1" || fail "cannot create $1"
  echo "$1:$2" | chpasswd || fail "chpasswd"
  trap 'usermod -p "!" "'"$1"'"; rm -f "${pam_files[@]}"; cleanup' EXIT
}

port=$(free_port)
case "$case_name" in
  gss-accept)
    pass=$realm_env activate -a "127.0.0.1:$port" "$gss_server" host
    gss_client; gss_client
    quiet_program ;;
  gss-listen)
    # Accept=no: the server accepts on systemd's socket itself, as its standalone mode does
    # (and writes its trace to standard output, the journal under systemd).
    pass=$realm_env activate "127.0.0.1:$port" "$gss_server" host
    gss_client; gss_client
    grep -qF 'Accepted connection: "alice@DAEMONAUTH.TEST"' "$work/activator.out" || fail "the server did not trace the client" ;;
  cvs-accept)
    cvs_repository
    activate -a "127.0.0.1:$port" "$pserverd" -root "$repo" -fail-delay-ms 100
    cvs_session
    expect_syslog "login refused for alice"
    quiet_program ;;
  cvs-listen)
    cvs_repository
    activate "127.0.0.1:$port" "$pserverd" -root "$repo" -fail-delay-ms 100 -syslog
    cvs_session
    expect_syslog "login refused for alice" ;;
  cvs-pam)
    # dist/pam.d/cvs-pserverd checks system passwords; with no -pam-service cvs-pserverd asks
    # for the service cvs-pserverd (a file there that denies everyone refuses the right password).
    cvs_repository
    sed -i '/^SystemAuth=no$/d' "$repo/CVSROOT/config"
    system_user "$sysuser" Sys-Secret-3
    pam_file cvs-pserverd "daemonauth-test-$$"
    activate -a "127.0.0.1:$port" "$pserverd" -root "$repo" -system-passwords pam -pam-service "daemonauth-test-$$" \
      -fail-delay-ms 100
    cvs_client -d ":pserver:$sysuser:Sys-Secret-3@localhost:$port$repo" login
    [ "$rc" -eq 0 ] || fail "the system password was refused through dist/pam.d/cvs-pserverd"
    cvs_client -d ":pserver:$sysuser:wrong@localhost:$port$repo" login
    [ "$rc" -ne 0 ] || fail "a wrong system password was accepted"
    if [ -e /etc/pam.d/cvs-pserverd ]; then
      echo "note: /etc/pam.d/cvs-pserverd is installed here; the default service name was not checked"
    else
      printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >/etc/pam.d/cvs-pserverd
      pam_files+=(/etc/pam.d/cvs-pserverd)
      port=$(free_port)
      activate -a "127.0.0.1:$port" "$pserverd" -root "$repo" -system-passwords pam -fail-delay-ms 100
      cvs_client -d ":pserver:$sysuser:Sys-Secret-3@localhost:$port$repo" login
      [ "$rc" -ne 0 ] || fail "cvs-pserverd did not use the PAM service cvs-pserverd by default"
    fi ;;
  distcc-accept)
    # Accept=yes, the authenticated connection exec'd into distccd --inetd, which must not
    # find LISTEN_PID/LISTEN_FDS (it keeps the process id they name).
    pass="$realm_env DISTCCD_PRINCIPAL KRB5RCACHETYPE" activate -a "127.0.0.1:$port" "$distcc_inetd" -- \
      sh -c 'env >"$0"; exec distccd --inetd --allow 127.0.0.1 --log-level info' "$work/backend.env"
    distcc_compile
    expect_syslog "authenticated alice@DAEMONAUTH.TEST"
    [ -s "$work/backend.env" ] || fail "the backend did not run"
    ! grep -q "^LISTEN_" "$work/backend.env" || fail "the backend inherited $(grep "^LISTEN_" "$work/backend.env")"
    quiet_program ;;
  distcc-listen)
    # Accept=no, relaying to a distccd daemon on loopback (the documented deployment).
    backend=$(free_port)
    distccd --daemon --no-detach --listen 127.0.0.1 --allow 127.0.0.1 --port "$backend" --log-stderr --log-level info \
      >"$work/distccd.out" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 200); do grep -q "listening on 127.0.0.1:$backend" "$work/distccd.out" && break; sleep 0.05; done
    grep -q "listening on 127.0.0.1:$backend" "$work/distccd.out" || fail "distccd did not start"
    pass="$realm_env DISTCCD_PRINCIPAL" activate "127.0.0.1:$port" "$distcc_inetd" -relay "127.0.0.1:$backend"
    distcc_compile; distcc_compile
    expect_syslog "authenticated alice@DAEMONAUTH.TEST" ;;
  hostauth-accept)
    hostauth_files usrpwd
    activate -a "127.0.0.1:$port" "$hostauth_server" $(hostauth_server_args)
    hostauth_client alice -port "$port"; [ "$rc" -eq 0 ] || fail "hostauth-client failed ($rc)"
    expect "method=usrpwd login=alice"
    printf 'password=wrong\n' >"$work/answers"
    hostauth_client alice -port "$port"; [ "$rc" -eq 1 ] || fail "a wrong password was not refused ($rc)"
    expect_syslog "authenticated alice as alice by usrpwd"
    quiet_program ;;
  hostauth-listen)
    # Accept=no on a Unix socket: the kernel vouches for the client's uid (uidgid).
    hostauth_files uidgid
    me=$(id -un)
    activate "$work/hostauth.sock" "$hostauth_server" $(hostauth_server_args)
    hostauth_client "$me" -unix "$work/hostauth.sock"; [ "$rc" -eq 0 ] || fail "hostauth-client failed ($rc)"
    expect "method=uidgid login=$me"
    hostauth_client "$me" -unix "$work/hostauth.sock"; [ "$rc" -eq 0 ] || fail "a second session failed ($rc)"
    grep -q "authenticated $me as $me by uidgid" "$work/activator.out" || fail "the daemon did not log the session" ;;
  hostauth-pam)
    # dist/pam.d/hostauth-server checks system passwords; -passwords pam (and no -passwords at
    # all) asks for the service hostauth-server.
    hostauth_files usrpwd
    user=daemonauth-ha
    system_user "$user" Ha-Secret-4
    pam_file hostauth-server "daemonauth-test-$$"
    printf 'password=Ha-Secret-4\n' >"$work/answers"
    activate -a "127.0.0.1:$port" "$hostauth_server" -key "$work/key" -access "$work/access" \
      -passwords "pam:daemonauth-test-$$" -fail-delay-ms 100
    hostauth_client "$user" -port "$port"; [ "$rc" -eq 0 ] || fail "the system password was refused through dist/pam.d/hostauth-server"
    printf 'password=wrong\n' >"$work/answers"
    hostauth_client "$user" -port "$port"; [ "$rc" -eq 1 ] || fail "a wrong system password was not refused ($rc)"
    if [ -e /etc/pam.d/hostauth-server ]; then
      echo "note: /etc/pam.d/hostauth-server is installed here; the default service name was not checked"
    else
      printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >/etc/pam.d/hostauth-server
      pam_files+=(/etc/pam.d/hostauth-server)
      printf 'password=Ha-Secret-4\n' >"$work/answers"
      for passwords in "-passwords pam" ""; do
        port=$(free_port)
        # shellcheck disable=SC2086
        activate -a "127.0.0.1:$port" "$hostauth_server" -key "$work/key" -access "$work/access" $passwords -fail-delay-ms 100
        hostauth_client "$user" -port "$port"
        [ "$rc" -eq 1 ] || fail "hostauth-server ${passwords:-without -passwords} did not use the PAM service hostauth-server ($rc)"
      done
    fi ;;
  wrong-pid)
    # LISTEN_FDS for another process: the daemon ignores it (and descriptor 3) and runs as its
    # options say; with its own LISTEN_PID those options are refused.
    hostauth_files usrpwd
    (run_as_systemd listen other "$hostauth_server" $(hostauth_server_args) -port "$port" -once; exit "$rc") &
    pids+=($!)
    for _ in $(seq 1 200); do grep -q "starting\.\.\." "$work/activator.out" 2>/dev/null && break; sleep 0.05; done
    hostauth_client alice -port "$port"; [ "$rc" -eq 0 ] || fail "the daemon did not serve its own -port ($rc)"
    wait "${pids[-1]}" || fail "the daemon did not exit 0 after one good session"
    run_as_systemd listen own "$hostauth_server" $(hostauth_server_args) -port "$port" -once
    [ "$rc" -eq 2 ] || fail "-port with a socket from systemd: status $rc, not 2"
    # (Given a listening socket, the daemon logs as its standalone mode does: to standard error.)
    grep -qF -- "-port cannot be used with a socket from systemd" "$work/activator.out" || fail "no message for -port"
    # Without any option saying where to listen, a LISTEN_PID of another process is no socket.
    run_as_systemd listen other "$pserverd" -root "$work"
    [ "$rc" -eq 2 ] && grep -q "usage: cvs-pserverd" "$work/activator.out" || fail "cvs-pserverd took another process's socket ($rc)" ;;
  refused-fds)
    # Two sockets, a datagram socket, a socket neither listening nor connected, a file, a
    # closed descriptor: each daemon exits with status 2 and says why in syslog, writing
    # nothing to descriptors 1 and 2.
    hostauth_files usrpwd
    for daemon in gss cvs distcc hostauth; do
      case $daemon in
        gss) argv=("$gss_server" host) ;;
        cvs) argv=("$pserverd" -root "$work") ;;
        distcc) argv=("$distcc_inetd" -relay 127.0.0.1:1) ;;
        hostauth) argv=("$hostauth_server" $(hostauth_server_args)) ;;
      esac
      for fds in listen,listen udp unbound file none; do
        rm -f "$work/syslog"
        run_as_systemd "$fds" own "${argv[@]}"
        [ "$rc" -eq 2 ] || fail "$daemon with $fds: status $rc, not 2"
        [ ! -s "$work/activator.out" ] || fail "$daemon with $fds wrote to descriptor 1 or 2: $(cat "$work/activator.out")"
        case $fds in
          listen,listen) expect_syslog "socket activation: LISTEN_FDS=2: the daemon serves exactly one socket" ;;
          udp) expect_syslog "socket activation: descriptor 3 is not a stream socket" ;;
          unbound) expect_syslog "socket activation: descriptor 3 is neither listening nor connected" ;;
          file) expect_syslog "socket activation: descriptor 3: Socket operation on non-socket" ;;
          none) expect_syslog "socket activation: descriptor 3: Bad file descriptor" ;;
        esac
      done
    done ;;
  units-verify)
    # Each unit of dist/systemd passes systemd-analyze verify without a single warning, its
    # ExecStart pointed at the program under test; each Accept=yes socket has its template
    # service, each Accept=no socket its plain service.
    mkdir "$work/units"
    for unit in "$dist"/systemd/*; do
      sed -e "s|/usr/sbin/daemonauth-gss-server|$gss_server|" -e "s|/usr/sbin/cvs-pserverd|$pserverd|" \
          -e "s|/usr/sbin/distcc-auth-inetd|$distcc_inetd|" -e "s|/usr/sbin/hostauth-server|$hostauth_server|" \
          "$unit" >"$work/units/$(basename "$unit")"
    done
    for socket in "$work"/units/*.socket; do
      name=$(basename "$socket" .socket)
      if grep -qx "Accept=yes" "$socket"; then service=$name@.service; else service=$name.service; fi
      [ -e "$work/units/$service" ] || fail "$name.socket has no $service"
    done
    [ "$(ls "$work"/units/*.socket | wc -l)" -eq 4 ] || fail "expected a socket unit per daemon"
    for unit in "$work"/units/*; do
      SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "$unit" >"$work/client.out" 2>&1 \
        || fail "systemd-analyze verify $(basename "$unit") failed"
      [ ! -s "$work/client.out" ] || fail "systemd-analyze verify $(basename "$unit") warned"
    done ;;
  *) fail "unknown case" ;;
esac
echo "ok ($case_name)"
