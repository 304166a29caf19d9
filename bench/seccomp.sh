#!/bin/bash
# The seccomp BPF cache: `cell run` of /bin/true under podman's default
# profile (converted to OCI linux.seccomp), with a cold cache (the entry
# removed before each run: libseccomp compiles) and a warm one (the entry
# is loaded).  Cold and warm alternate every iteration so a slow moment
# of the host hits both.  Prints the medians of the wall and CPU time of
# the whole run (bench/measure.c) and of the time cell itself reports
# (--debug) for compile or fetch.  CPU time is the steadier figure on a
# busy host.
#   bench/seccomp.sh [N]      (default 30; env CELL= picks the binary)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
N=${1:-30}
CELL=${CELL:-$here/../cell}
PROFILE=/usr/share/containers/seccomp.json
[[ $(id -u) == 0 ]] || { echo "bench/seccomp.sh: run as root" >&2; exit 1; }
[[ -r $PROFILE ]] || { echo "bench/seccomp.sh: no $PROFILE" >&2; exit 1; }

work=$(mktemp -d /tmp/cell-bench-seccomp.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
measure=$work/measure
gcc -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$measure" "$here/measure.c"

b=$work/bundle
mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys"
cp /bin/busybox "$b/rootfs/bin/"
ln -s busybox "$b/rootfs/bin/true"
(cd "$b" && "$CELL" spec)
# docker-format profile -> OCI, for x86_64 and the default capabilities
jq --slurpfile p "$PROFILE" '
  .process.capabilities.bounding as $caps
  | .process.terminal = false | .process.args = ["/bin/true"]
  | .linux.seccomp = ($p[0] | {defaultAction, defaultErrnoRet,
      architectures: [.archMap[] | select(.architecture == "SCMP_ARCH_X86_64")
                      | .architecture, .subArchitectures[]],
      syscalls: [.syscalls[]
        | select((.includes.arches // []) as $a | ($a | length) == 0
                 or any($a[]; . == "amd64" or . == "x32" or . == "x86"))
        | select((.includes.caps // []) as $c
                 | all($c[]; . as $x | $caps | index($x)))
        | select(any((.excludes.caps // [])[]; . as $x | $caps | index($x))
                 | not)
        | {names, action} + (if .errnoRet then {errnoRet} else {} end)
          + (if (.args // []) | length > 0 then {args} else {} end)]})
' "$b/config.json" >"$b/config.new"
mv "$b/config.new" "$b/config.json"

root=$work/root
run_once() { # LOG ID -> "wall_us cpu_us"
  "$measure" "$CELL" --root "$root" --debug --log "$1" run --bundle "$b" "$2" |
    awk '{print $1, $2}'
}

: >"$work/cold.log"
: >"$work/warm.log"
run_once "$work/warm.log" warmup >/dev/null # first entry, page cache
for ((i = 0; i < N; i++)); do
  rm -rf "$root/.seccomp-cache"
  run_once "$work/cold.log" "c$i" >>"$work/cold.wall"
  run_once "$work/warm.log" "w$i" >>"$work/warm.wall"
done

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
col() { awk -v c="$1" '{print $c}' "$2" | median; }
cold_in=$(sed -n 's/.*seccomp: compiled .* in \([0-9]*\) us.*/\1/p' \
  "$work/cold.log" | median)
warm_in=$(sed -n 's/.*seccomp: cache hit, .* in \([0-9]*\) us.*/\1/p' \
  "$work/warm.log" | median)
insns=$(sed -n 's/.*seccomp: compiled \([0-9]*\) instructions.*/\1/p' \
  "$work/cold.log" | head -n1)
echo "podman default profile: $(jq '[.linux.seccomp.syscalls[].names[]] | length' "$b/config.json") syscall names, $insns BPF instructions, N=$N"
printf '%-22s %12s %12s\n' "" "cold cache" "warm cache"
printf '%-22s %10s us %10s us\n' "compile or fetch" "$cold_in" "$warm_in"
printf '%-22s %10s us %10s us\n' "cell run: wall" \
  "$(col 1 "$work/cold.wall")" "$(col 1 "$work/warm.wall")"
printf '%-22s %10s us %10s us\n' "cell run: cpu" \
  "$(col 2 "$work/cold.wall")" "$(col 2 "$work/warm.wall")"
