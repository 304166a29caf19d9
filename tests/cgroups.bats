#!/usr/bin/env bats
# cgroups: placement, linux.resources (read back from the container's
# cgroup files and checked by their effect), update, pause/resume, ps,
# events, kill --all, and removal.  Runs on a v1/hybrid host and, through
# /work/shared/tools/cgroup2-vm, on a v2-only kernel:
#   cgroup2-vm -- bats tests/cgroups.bats

load helpers

setup_file() {
  common_setup_file
  local src=$BATS_TEST_DIRNAME/probes/cg_fork.c
  if [[ ! -x $PROBES/cg_fork || $src -nt $PROBES/cg_fork ]]; then
    gcc -static -O2 -Wall -Wextra -Werror -o "$PROBES/cg_fork" "$src"
  fi
}
setup() {
  common_setup
  [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] && V2=1 || V2=
}
teardown() {
  common_teardown
  local id
  for id in "${IDS[@]}"; do
    ! ls -d /sys/fs/cgroup/cell/"$id" /sys/fs/cgroup/*/cell/"$id" 2>/dev/null ||
      fail "cgroup of $id left behind"
  done
}

# cgdir CONTROLLER: the container's cgroup directory for it.
cgdir() {
  if [[ -n $V2 ]]; then echo "/sys/fs/cgroup/cell/$ID"; else echo "/sys/fs/cgroup/$1/cell/$ID"; fi
}

# cgval V1CTL V1FILE V2FILE
cgval() {
  if [[ -n $V2 ]]; then cat "$(cgdir x)/$3"; else cat "$(cgdir "$1")/$2"; fi
}

@test "cgroups: the init is born in its own cgroup in every hierarchy" {
  make_bundle /bin/sleep 100
  new_id
  cell_run_detached "$ID"
  pid=$(state_field "$ID" .pid)
  n=0
  while IFS=: read -r _ ctl path; do
    [[ $ctl == name=* || -d /sys/fs/cgroup/$ctl || -n $V2 || -z $ctl ]] || continue
    [ "$path" = "/cell/$ID" ] || fail "hierarchy '$ctl': $path"
    n=$((n + 1))
  done <"/proc/$pid/cgroup"
  [ "$n" -ge 1 ]
  # inside its cgroup namespace the container is at the root
  run nsenter -t "$pid" -C cat /proc/self/cgroup
  [[ $output != *cell* ]]
  run_cell delete --force "$ID"
  [ "$status" -eq 0 ]
  [ ! -e "$(cgdir memory)" ]
}

@test "cgroups: cgroupsPath absolute and relative" {
  make_bundle /bin/sleep 100
  new_id
  cfg '.linux.cgroupsPath = $p' --arg p "/celltest/$ID"
  cell_run_detached "$ID"
  pid=$(state_field "$ID" .pid)
  grep -q ":/celltest/$ID\$" "/proc/$pid/cgroup"
  run_cell delete --force "$ID"
  [ "$status" -eq 0 ]
  ! grep -rl "$ID" /proc/self/mountinfo
  new_id
  cfg '.linux.cgroupsPath = $p' --arg p "reltest-$ID"
  cell_run_detached "$ID"
  pid=$(state_field "$ID" .pid)
  mine=$(awk -F: '$1 == 0 {print $3}' /proc/self/cgroup)
  grep -q "^0::${mine%/}/reltest-$ID\$" "/proc/$pid/cgroup"
  run_cell delete --force "$ID"
  rmdir /sys/fs/cgroup/celltest /sys/fs/cgroup/*/celltest 2>/dev/null || true
}

@test "cgroups: a create that fails late leaves no cgroup" {
  make_bundle /bin/true
  cfg '.process.cwd = "/no/such/dir" | .linux.resources.pids.limit = 10'
  new_id
  run_cell run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 1 ]
  [[ $stderr == *cwd* ]]
  ! ls -d /sys/fs/cgroup/cell/"$ID" /sys/fs/cgroup/*/cell/"$ID" 2>/dev/null
}

@test "cgroups: memory limit is set and a hog is OOM-killed" {
  make_bundle /bin/dd if=/dev/zero of=/dev/null bs=64M count=1
  cfg '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
  new_id
  run_bundle "$ID"
  echo "$output $stderr"
  [ "$status" -eq 137 ]
}

@test "cgroups: a container runs under a 512 KiB memory limit" {
  make_bundle /bin/true
  cfg '.linux.resources.memory.limit = 524288'
  new_id
  run_bundle "$ID"
  [ "$status" -eq 0 ]
}

@test "cgroups: limits are read back from the cgroup files" {
  make_bundle /bin/sleep 100
  cfg '.linux.resources = {"memory": {"limit": 33554432, "reservation": 16777216},
        "cpu": {"shares": 512, "quota": 20000, "period": 100000, "cpus": "0"},
        "pids": {"limit": 42}}'
  new_id
  cell_run_detached "$ID"
  [ "$(cgval memory memory.limit_in_bytes memory.max)" = 33554432 ]
  [ "$(cgval memory memory.soft_limit_in_bytes memory.low)" = 16777216 ]
  [ "$(cgval pids pids.max pids.max)" = 42 ]
  [ "$(cgval cpuset cpuset.cpus cpuset.cpus)" = 0 ]
  if [[ -n $V2 ]]; then
    # 1 + ((512 - 2) * 9999) / 262142
    [ "$(cgval cpu x cpu.weight)" = 20 ]
    [ "$(cgval cpu x cpu.max)" = "20000 100000" ]
  else
    [ "$(cgval cpu cpu.shares x)" = 512 ]
    [ "$(cgval cpu cpu.cfs_quota_us x)" = 20000 ]
  fi
}

@test "cgroups: a fork bomb stops at pids.max" {
  make_bundle /cg_fork
  cp "$PROBES/cg_fork" "$BUNDLE/rootfs/"
  cfg '.linux.resources.pids.limit = 10'
  new_id
  run_bundle "$ID"
  echo "$output"
  # the init is one of the 10
  [[ $output == *"forks=9 error=Resource temporarily unavailable"* ]]
}

@test "cgroups: a device outside the allow list cannot be opened" {
  make_bundle /bin/sh -c '(: >/kmsg) && echo opened; echo x > /dev/null && echo null-ok'
  cfg '.mounts += [{"destination": "/kmsg", "type": "bind", "source": "/dev/kmsg", "options": ["bind"]}]
       | .linux.resources.devices = [{"allow": false, "access": "rwm"}]'
  new_id
  run_bundle "$ID"
  echo "$output $stderr"
  [[ $output != *opened* ]]
  [[ $output == *null-ok* ]]
}

@test "cgroups: update replaces the device rules" {
  make_bundle /bin/sh -c 'while :; do if (: >/kmsg) 2>/dev/null; then echo yes >/r; else echo no >/r; fi; sleep 0.05; done'
  cfg '.mounts += [{"destination": "/kmsg", "type": "bind", "source": "/dev/kmsg", "options": ["bind"]}]
       | .linux.resources.devices = [{"allow": false, "access": "rwm"}]'
  new_id
  cell_run_detached "$ID"
  wait_for grep -qx no "$BUNDLE/rootfs/r"
  echo '{"devices": [{"allow": false, "access": "rwm"},
    {"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]}' >"$T/d.json"
  run_cell update --resources "$T/d.json" "$ID"
  [ "$status" -eq 0 ]
  wait_for grep -qx yes "$BUNDLE/rootfs/r"
}

@test "cgroups: update changes live values" {
  make_bundle /bin/sleep 100
  cfg '.linux.resources.memory.limit = 33554432'
  new_id
  cell_run_detached "$ID"
  run_cell update --memory 64m --pids-limit 20 "$ID"
  [ "$status" -eq 0 ]
  [ "$(cgval memory memory.limit_in_bytes memory.max)" = 67108864 ]
  [ "$(cgval pids pids.max pids.max)" = 20 ]
  echo '{"pids": {"limit": 25}}' >"$T/r.json"
  run_cell update --resources "$T/r.json" "$ID"
  [ "$status" -eq 0 ]
  [ "$(cgval pids pids.max pids.max)" = 25 ]
}

@test "cgroups: pause freezes, resume thaws, state says paused" {
  make_bundle /bin/sh -c 'i=0; while :; do i=$((i+1)); echo $i >/cnt; sleep 0.05; done'
  new_id
  cell_run_detached "$ID"
  wait_for test -s "$BUNDLE/rootfs/cnt"
  run_cell pause "$ID"
  [ "$status" -eq 0 ]
  [ "$(state_field "$ID" .status)" = paused ]
  a=$(cat "$BUNDLE/rootfs/cnt")
  sleep 0.5
  [ "$(cat "$BUNDLE/rootfs/cnt")" = "$a" ]
  run_cell resume "$ID"
  [ "$status" -eq 0 ]
  [ "$(state_field "$ID" .status)" = running ]
  sleep 0.3
  [ "$(cat "$BUNDLE/rootfs/cnt")" != "$a" ]
  # a paused container can be force-deleted
  run_cell pause "$ID"
  run_cell delete --force "$ID"
  [ "$status" -eq 0 ]
}

@test "cgroups: ps, events --stats and kill --all" {
  make_bundle /bin/sh -c 'sleep 100 & sleep 100 & wait'
  cfg '.linux.resources.memory.limit = 67108864'
  new_id
  cell_run_detached "$ID"
  pid=$(state_field "$ID" .pid)
  wait_for eval '[ "$(cell_as ps --format json "$ID" | jq length)" = 3 ]'
  cell_as ps --format json "$ID" | jq -e --argjson p "$pid" 'index($p) != null'
  run_cell ps "$ID"
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == *PID* ]]
  [ "${#lines[@]}" -eq 4 ]
  run_cell events --stats "$ID"
  [ "$status" -eq 0 ]
  echo "$output" | jq -e --arg id "$ID" '.type == "stats" and .id == $id
    and .data.memory.usage.limit == 67108864 and .data.pids.current == 3'
  run_cell kill --all "$ID" KILL
  [ "$status" -eq 0 ]
  wait_status "$ID" stopped
  [ -z "$(cat "$(cgdir pids)/cgroup.procs")" ]
}

@test "cgroups: a value the host cannot apply names the file" {
  make_bundle /bin/true
  if [[ -n $V2 ]]; then
    cfg '.linux.resources.memory.swappiness = 10'
    word=memory.swappiness
  else
    cfg '.linux.resources.network.classID = 1'
    word=net_cls.classid
  fi
  new_id
  run_cell run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 1 ]
  [[ $stderr == *"$word"* ]]
}
