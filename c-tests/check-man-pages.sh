#!/usr/bin/env bash
# Checks the installed man pages against the installed programs: every program in PREFIX/bin
# (section 1) and PREFIX/sbin (section 8) has its page in PREFIX/share/man, every option the
# program accepts is an item of the page's OPTIONS section, and man(1) reports no warning
# for any installed page.
#
#   check-man-pages.sh PREFIX SOURCE_DIR
#
# The options come from the program's source, SOURCE_DIR/examples/NAME.c (the installed
# daemonauth-gss-server and -client are gss-server.c and gss-client.c): every
# strcmp(..., "-option") there, plus those of the examples/daemon-common.h helpers the
# program calls (daemon_limit_option). Not from running the programs: their usage texts
# leave options out (MIT's gss-client text lists neither -krb5 nor -iakerb), in inetd mode
# they go to syslog, and a new strcmp is what adds an option.
set -euo pipefail
prefix=$1 source_dir=$2
fail=0
problem() { echo "check-man-pages: $*" >&2; fail=1; }
render() { LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$1"; }

# The option names compared in a C file's text.
options_in() { grep -o 'strcmp([^,]*, *"-[a-z][a-z0-9-]*")' "$@" | sed 's/.*"\(-[^"]*\)")$/\1/' | sort -u; }

# The options of the daemon-common.h helpers the program source $1 calls.
helper_options() {
  awk -v source="$1" '
    BEGIN { while ((getline line < source) > 0) text = text line "\n" }
    /^static inline/ { match($0, /[a-z_]+\(/); name = substr($0, RSTART, RLENGTH) }
    name != "" && index(text, name) && match($0, /strcmp\([^,]*, *"-[a-z][a-z0-9-]*"\)/) {
      option = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", option); sub(/"\)$/, "", option); print option
    }' "$source_dir/examples/daemon-common.h"
}

# The item names of a rendered page's OPTIONS section, one a line.
documented_options() {
  render "$1" 2>/dev/null | sed 's/\xe2\x80[\x90\x91]/-/g' |
    awk '/^[A-Z]/ { in_options = ($0 == "OPTIONS") } in_options && /^       -/ { print $1 }'
}

for dir in bin:1 sbin:8; do
  for program in "$prefix/${dir%:*}"/*; do
    [ -x "$program" ] || continue
    name=$(basename "$program") section=${dir#*:}
    page=$prefix/share/man/man$section/$name.$section
    [ -f "$page" ] || { problem "$name has no page ($page)"; continue; }
    source=$source_dir/examples/$name.c
    [ -f "$source" ] || source=$source_dir/examples/${name#daemonauth-}.c
    [ -f "$source" ] || { problem "$name: no source examples/$name.c to read its options from"; continue; }
    documented=$(documented_options "$page")
    for option in $( (options_in "$source"; helper_options "$source") | sort -u); do
      grep -qxF -- "$option" <<<"$documented" || problem "$name: option $option is not in the OPTIONS of $page"
    done
  done
done

for page in "$prefix"/share/man/man*/*; do
  warnings=$(render "$page" 2>&1 >/dev/null)
  [ -z "$warnings" ] || problem "$page: man warns: $warnings"
done
[ "$fail" = 0 ] || exit 1
echo "check-man-pages: every program has its page, every option is documented, no warnings: ok"
