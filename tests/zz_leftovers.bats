#!/usr/bin/env bats
# Runs last: nothing the suite made may survive it.  Teardowns delete every
# container they created; what remains here is a runtime leak.

load helpers

@test "leftovers: no mount in the host namespace points into the test dirs" {
  run grep -F "$TEST_TOP" /proc/self/mountinfo
  [ -z "$output" ] || fail "leftover mounts: $output"
}

@test "leftovers: no state left under any test --root" {
  local r left=
  for r in "$TEST_TOP"/root.*; do
    [[ -e $r && -n $(ls -A "$r") ]] || continue
    left+="$r: $(ls -A "$r" | xargs) "
  done
  [ -z "$left" ] || fail "leftover state: $left"
}

@test "leftovers: no process runs in (or has its cwd in) the test dirs" {
  local p procs
  procs=$(procs_in "$TEST_TOP")
  for p in $procs; do ps -o pid=,args= -p "$p" >&2 || true; done
  [ -z "$procs" ] || fail "leftover processes: $procs"
}

@test "leftovers: no network namespace made by the suite" {
  run bash -c "ip netns list | grep '^cellt-' || true"
  [ -z "$output" ] || fail "leftover netns: $output"
}

@test "leftovers: no cgroup made by the suite" {
  local before=$TEST_TOP/cgroups-before
  [[ -e $before ]] || skip "needs the list of cgroups that tests/run.sh takes first"
  local new left d
  new=$(find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort |
    comm -13 "$before" -)
  # cell keeps its parent of default cgroupsPaths, as it keeps its --root;
  # the suite removes the ones it made, once they are empty
  left=$(grep -vE '^/sys/fs/cgroup/([^/]+/)?cell$' <<<"$new" || true)
  [ -z "$left" ] || fail "leftover cgroups: ${left//$'\n'/ }"
  while read -r d; do
    [[ -z $d ]] || rmdir "$d" || fail "cell's parent cgroup $d is not empty"
  done <<<"$new"
}

@test "leftovers: clean up the test dirs" {
  # only when everything above was clean, so a leak stays to be looked at
  [[ -z $(grep -F "$TEST_TOP" /proc/self/mountinfo) ]] || skip "mounts left"
  [[ -z $(procs_in "$TEST_TOP") ]] || skip "processes left"
  for r in "$TEST_TOP"/root.*; do
    [[ -e $r ]] || continue
    [[ -z $(ls -A "$r") ]] || skip "state left"
  done
  rm -rf --one-file-system "$TEST_TOP"/bundle.* "$TEST_TOP"/root.* \
    "$TEST_TOP"/host.* "$TEST_TOP"/xdg.* "$TEST_TOP"/cgroups-before
  [ -z "$(ls -A "$TEST_TOP" | grep -v '^rootfs-template$')" ]
}
