#!/bin/sh
# echo-args.sh OUT ARGS...: write the arguments after OUT, one a line.
set -eu
out=$1
shift
printf '%s\n' "$@" >"$out"
