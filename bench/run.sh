#!/bin/bash
# Start-up benchmark: `run` of /bin/true and create+start+delete, N times
# each, for cell and (when installed) crun and runc.  Runtimes alternate
# every iteration, so a slow moment of the host (on this kernel the first
# write to a v1 cgroup.procs after an idle spell can stall 10-15 ms) hits
# them all alike instead of one runtime's whole series.
#   bench/run.sh [N]          (default 50; env CELL= picks the binary)
# Raw samples go to bench/results/; see bench/README.md for how to read it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
N=${1:-${N:-50}}
CELL=${CELL:-$here/../cell}
out=$here/results
mkdir -p "$out"
[[ $(id -u) == 0 ]] || { echo "bench/run.sh: run as root" >&2; exit 1; }

# bench/measure.c: fork/exec + wait4 rusage of the whole tree (subreaper)
measure=$out/measure
if [[ ! -x $measure || $here/measure.c -nt $measure ]]; then
  gcc -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$measure" "$here/measure.c"
fi

work=$(mktemp -d /tmp/cell-bench.XXXXXX)
cleanup() {
  local rt
  for rt in "${runtimes[@]}"; do
    "$(bin_of "$rt")" --root "$work/root-$rt" list -q 2>/dev/null |
      while read -r id; do
        "$(bin_of "$rt")" --root "$work/root-$rt" delete --force "$id" >/dev/null 2>&1 || true
      done
  done
  rm -rf --one-file-system "$work"
  # Leave the host as found.  A v1 hierarchy unmounted while it still has
  # child cgroups lingers unmounted, which breaks tools that look for its
  # mount (containerd's stats): remove the children first, or keep it.
  if [[ -n $mounted_hugetlb ]]; then
    find /sys/fs/cgroup/hugetlb -mindepth 1 -depth -type d \
      -exec rmdir {} \; 2>/dev/null
    # a removed cgroup stays a child until the kernel frees it, and an
    # unmount that still sees one keeps the hierarchy alive: wait for
    # /proc/cgroups to count the root alone
    local n
    for n in $(seq 100); do
      [[ $(awk '$1 == "hugetlb" { print $3 }' /proc/cgroups) == 1 ]] && break
      sleep 0.05
    done
    if [[ -z $(find /sys/fs/cgroup/hugetlb -mindepth 1 -type d) ]]; then
      umount /sys/fs/cgroup/hugetlb && rmdir /sys/fs/cgroup/hugetlb
    else
      echo "note: left the hugetlb hierarchy mounted: it still has cgroups"
    fi
  fi
}
mounted_hugetlb=
runtimes=()
trap cleanup EXIT

bin_of() {
  case $1 in
  cell) echo "$CELL" ;;
  *) command -v "$1" ;;
  esac
}

[[ -x $CELL ]] && runtimes+=(cell) || echo "note: no cell binary at $CELL, skipping it"
command -v crun >/dev/null && runtimes+=(crun)
command -v runc >/dev/null && runtimes+=(runc)

# crun 1.8.1 refuses a hybrid cgroup host unless hugetlb is mounted as v1.
if [[ " ${runtimes[*]} " == *" crun "* ]] &&
  ! grep -q ' /sys/fs/cgroup/hugetlb ' /proc/self/mountinfo; then
  mkdir -p /sys/fs/cgroup/hugetlb
  if mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb; then
    mounted_hugetlb=1
    echo "note: mounted the v1 hugetlb hierarchy at /sys/fs/cgroup/hugetlb for crun's sake (cell does not need it)"
  fi
fi

# One busybox bundle per runtime, config from the runtime's own `spec`.
make_bundle() {
  local rt=$1 b=$work/bundle-$rt
  mkdir -p "$b/rootfs/bin" "$work/root-$rt"
  cp /bin/busybox "$b/rootfs/bin/busybox"
  ln -s busybox "$b/rootfs/bin/true"
  ln -s busybox "$b/rootfs/bin/sh"
  (cd "$b" && "$(bin_of "$rt")" spec)
  jq '.process.args = ["/bin/true"] | .process.terminal = false' \
    "$b/config.json" >"$b/config.json.new"
  mv "$b/config.json.new" "$b/config.json"
}

working=()
for rt in "${runtimes[@]}"; do
  make_bundle "$rt"
  if "$(bin_of "$rt")" --root "$work/root-$rt" run --bundle "$work/bundle-$rt" \
    probe-$rt </dev/null >/dev/null 2>"$work/$rt.err"; then
    working+=("$rt")
  else
    echo "note: $rt cannot run the bundle here, skipping it: $(head -c 300 "$work/$rt.err")"
  fi
done
runtimes=("${working[@]}")
((${#runtimes[@]})) || { echo "no runtime works" >&2; exit 1; }

# "same": every runtime runs one config, crun's own spec (else runc's), so
# that a difference in the specs' defaults (cell's masks more paths and adds
# a cgroup namespace) does not count as speed.
scenarios=(run lifecycle idle)
src=""
for rt in crun runc; do
  [[ " ${runtimes[*]} " == *" $rt "* ]] && { src=$rt; break; }
done
if [[ -n $src ]]; then
  for rt in "${runtimes[@]}"; do
    mkdir -p "$work/same-$rt"
    cp -a "$work/bundle-$rt/rootfs" "$work/same-$rt/"
    cp "$work/bundle-$src/config.json" "$work/same-$rt/config.json"
  done
  scenarios+=(same)
fi

stamp=$(date +%Y%m%d-%H%M%S)
raw=$out/raw-$stamp.tsv
echo -e "runtime\tscenario\titer\twall_us\tcpu_us\tmaxrss_kb" >"$raw"

sample() { # RT SCENARIO ITER
  local rt=$1 sc=$2 i=$3 bin r b id=b$3
  bin=$(bin_of "$rt")
  r=$work/root-$rt
  b=$work/bundle-$rt
  case $sc in
  run) set -- "$bin" --root "$r" run --bundle "$b" "$id" ;;
  same) set -- "$bin" --root "$r" run --bundle "$work/same-$rt" "$id" ;;
  idle)
    # containers seldom start back to back: after a pause the kernel's
    # RCU-synchronised locks (v1 cgroup attach) are cold again
    sleep 0.2
    set -- "$bin" --root "$r" run --bundle "$b" "$id"
    ;;
  lifecycle)
    set -- "$bin" --root "$r" create --bundle "$b" "$id" --- \
      "$bin" --root "$r" start "$id" --- \
      "$bin" --root "$r" delete --force "$id"
    ;;
  esac
  local m
  m=$("$measure" "$@" </dev/null 2>>"$work/$rt.err") ||
    { echo "$rt $sc iteration $i failed: $(tail -n3 "$work/$rt.err")" >&2; return 1; }
  echo -e "$rt\t$sc\t$i\t${m// /\\t}" >>"$raw"
}

echo "runtimes: ${runtimes[*]}; $N iterations per scenario, alternating"
for sc in "${scenarios[@]}"; do
  for ((i = 0; i < N; i++)); do
    for rt in "${runtimes[@]}"; do sample "$rt" "$sc" "$i"; done
  done
done

median() { # RT SCENARIO COLUMN
  awk -F'\t' -v rt="$1" -v sc="$2" -v c="$3" \
    'NR > 1 && $1 == rt && $2 == sc { print $c }' "$raw" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR == 0) exit; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

summary=$out/summary-$stamp.txt
{
  echo "median of $N iterations; run = 'run' of /bin/true, lifecycle = create+start+delete,"
  echo "idle = 'run' after 0.2 s of idle (not measured),"
  echo "same = 'run' with one config for all (${src:-none}'s spec)"
  echo "wall and cpu in ms; cpu = user+sys of the runtime's whole process tree;"
  echo "peak rss = ru_maxrss of the largest single process in that tree (KiB)"
  printf '%-10s %-6s %10s %10s %12s\n' scenario rt wall_ms cpu_ms peak_rss_kb
  for sc in "${scenarios[@]}"; do
    for rt in "${runtimes[@]}"; do
      w=$(median "$rt" "$sc" 4)
      c=$(median "$rt" "$sc" 5)
      m=$(median "$rt" "$sc" 6)
      printf '%-10s %-6s %10.2f %10.2f %12d\n' "$sc" "$rt" \
        "$(awk -v x="$w" 'BEGIN { print x / 1000 }')" \
        "$(awk -v x="$c" 'BEGIN { print x / 1000 }')" "${m%.*}"
    done
  done
  if [[ " ${runtimes[*]} " == *" cell "* ]]; then
    echo "ratios (cell / other; below 1 means cell is cheaper)"
    for sc in "${scenarios[@]}"; do
      for rt in crun runc; do
        [[ " ${runtimes[*]} " == *" $rt "* ]] || continue
        echo "  $sc cell/$rt: wall $(ratio "$(median cell "$sc" 4)" "$(median "$rt" "$sc" 4)")" \
          " cpu $(ratio "$(median cell "$sc" 5)" "$(median "$rt" "$sc" 5)")" \
          " peak_rss $(ratio "$(median cell "$sc" 6)" "$(median "$rt" "$sc" 6)")"
      done
    done
  fi
  echo "raw samples: $raw"
} | tee "$summary"
