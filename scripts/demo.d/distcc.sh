# shellcheck shell=bash
# The distcc part of the demo: Debian's real distcc client, with `,auth`, compiles a C file
# through the distcc-auth-inetd example (libdaemonauth's server side) in front of
# `distccd --inetd`, inside the throwaway realm.
#
#   . scripts/demo.d/distcc.sh
#   demo_distcc REALM_DIR [PREFIX]
#
# REALM_DIR is a running scripts/realm directory; PREFIX/sbin holds distcc-auth-inetd (default:
# the staged install target/stage). Prints each step; returns non-zero if the compile
# did not produce an object file.
demo_distcc() {
  local realm=$1 prefix=${2:-$(pwd)/target/stage}
  local work port inetd_pid status=0
  work=$(mktemp -d); chmod 755 "$work"; mkdir "$work/.distcc"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  (
    # shellcheck disable=SC1091
    . "$realm/env"
    export DISTCCD_PRINCIPAL=distccd@localhost KRB5RCACHETYPE=none
    echo "distcc: distcc-auth-inetd listens on 127.0.0.1:$port as $DISTCCD_PRINCIPAL, then runs distccd --inetd"
    "$prefix/sbin/distcc-auth-inetd" -listen "$port" -- distccd --inetd --allow 127.0.0.1 --log-stderr \
      >"$work/server.log" 2>&1 &
    inetd_pid=$!
    for _ in $(seq 1 100); do grep -q "starting" "$work/server.log" && break; sleep 0.05; done
    printf 'int answer(void) { return 42; }\n' >"$work/hello.c"
    echo "distcc: DISTCC_HOSTS='127.0.0.1:$port/1,auth=localhost' DISTCC_PRINCIPAL=distccd distcc gcc -c hello.c"
    (cd "$work" && DISTCC_DIR=$work/.distcc DISTCC_FALLBACK=0 DISTCC_PRINCIPAL=distccd \
       DISTCC_HOSTS="127.0.0.1:$port/1,auth=localhost" timeout 60 distcc gcc -c hello.c -o hello.o)
    status=$?
    kill "$inetd_pid" 2>/dev/null; wait "$inetd_pid" 2>/dev/null || true
    grep "distcc-auth-inetd:" "$work/server.log" | sed 's/^/distcc: server: /'
    if [ "$status" -eq 0 ] && [ -s "$work/hello.o" ]; then
      echo "distcc: hello.o compiled remotely ($(wc -c <"$work/hello.o") bytes)"
    else
      echo "distcc: the authenticated compile FAILED (status $status)"; status=1
    fi
    exit "$status"
  )
  status=$?
  rm -rf "$work"
  return "$status"
}
