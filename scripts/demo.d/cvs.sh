# shellcheck shell=bash
# CVS demo step (issue #6), to be sourced by scripts/demo:
#
#   demo_cvs REALM_DIR PREFIX
#
# REALM_DIR is a running throwaway realm (scripts/realm), BINDIR holds the installed
# cvs-pserverd. As root: makes a repository whose CVSROOT/passwd maps the CVS user alice
# (password "secret") to the unprivileged system user daemonauth-cvs, starts cvs-pserverd on
# 127.0.0.1, and runs Debian's real cvs client: login (pass file written), checkout, a commit,
# logout; then a :gserver: checkout with alice's Kerberos ticket. Says what it does as it goes.
demo_cvs() (   # a subshell: the realm's environment stays in here
  local realm=$1 prefix=$2 work port pid status=0
  say() { printf '  cvs demo: %s\n' "$*"; }
  work=$(mktemp -d) && chmod 755 "$work"
  getent passwd daemonauth-cvs >/dev/null || useradd -M -r -d /nonexistent -s /usr/sbin/nologin daemonauth-cvs
  say "cvs init $work/repo; CVSROOT/passwd: alice -> system user daemonauth-cvs"
  cvs -d "$work/repo" init
  printf 'alice:%s:daemonauth-cvs\n' "$(openssl passwd -6 secret)" >"$work/repo/CVSROOT/passwd"
  echo "SystemAuth=no" >>"$work/repo/CVSROOT/config"
  mkdir -p "$work/repo/demo" && chown -R daemonauth-cvs "$work/repo"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # shellcheck disable=SC1091
  . "$realm/env"
  sed "s|^\( *kdc = .*\)$|\1\n        auth_to_local = RULE:[1:\$1@\$0](^alice@DAEMONAUTH[.]TEST\$)s/.*/daemonauth-cvs/\n        auth_to_local = DEFAULT|" \
    "$KRB5_CONFIG" >"$work/krb5.conf"
  say "cvs-pserverd -port $port -root $work/repo (pserver and gserver, keytab $KRB5_KTNAME)"
  KRB5_CONFIG=$work/krb5.conf "$prefix/sbin/cvs-pserverd" -port "$port" -root "$work/repo" -keytab "$KRB5_KTNAME" \
    >"$work/server.log" 2>&1 &
  pid=$!
  sleep 0.5
  local root=":pserver:alice@localhost:$port$work/repo"
  (
    set -e
    export CVS_PASSFILE=$work/cvspass
    cd "$work"
    say "cvs -d :pserver:alice:secret@localhost:$port$work/repo login"
    timeout 60 cvs -f -d ":pserver:alice:secret@localhost:$port$work/repo" login
    say "pass file: $(cut -d' ' -f1-2 "$CVS_PASSFILE") A<scrambled>"
    say "cvs -d $root checkout demo; add and commit a file"
    timeout 60 cvs -f -Q -d "$root" checkout demo
    echo "hello from the daemonauth demo" >demo/hello.txt
    (cd demo && timeout 60 cvs -f -Q add hello.txt && timeout 60 cvs -f -Q commit -m "demo commit" hello.txt)
    say "committed as $(stat -c %U "$work/repo/demo/hello.txt,v") (the system user)"
    timeout 60 cvs -f -d "$root" logout
    say "cvs -d :gserver:localhost:$port$work/repo checkout demo (Kerberos ticket of alice)"
    rm -rf demo && timeout 60 cvs -f -Q -d ":gserver:localhost:$port$work/repo" checkout demo
    say "checked out over gserver: $(cat demo/hello.txt)"
  ) || status=1
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  rm -rf "$work"
  [ "$status" -eq 0 ] && say "done" || say "FAILED (see above)"
  return "$status"
)
