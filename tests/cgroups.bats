#!/usr/bin/env bats
# cgroups: placement, linux.resources (read back from the container's
# cgroup files and checked by their effect), update, pause/resume, ps,
# events, kill --all, and removal.  Runs on a v1/hybrid host and, through
# /work/shared/tools/cgroup2-vm, on a v2-only kernel:
#   cgroup2-vm -- bats tests/cgroups.bats

load helpers

setup_file() {
  common_setup_file
  local p src
  for p in cg_fork cg_res; do
    src=$BATS_TEST_DIRNAME/probes/$p.c
    if [[ ! -x $PROBES/$p || $src -nt $PROBES/$p ]]; then
      gcc -static -O2 -Wall -Wextra -Werror -o "$PROBES/$p" "$src"
    fi
  done
}
setup() {
  common_setup
  [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] && V2=1 || V2=
  LOOPS=()
  UNDO=()
}
teardown() {
  common_teardown
  local id l u
  for id in "${IDS[@]}"; do
    echo "$id" >>"$BATS_FILE_TMPDIR/ids"
    ! ls -d /sys/fs/cgroup/cell/"$id" /sys/fs/cgroup/*/cell/"$id" 2>/dev/null ||
      fail "cgroup of $id left behind"
  done
  # host changes a test made, undone once its containers are gone
  for u in "${UNDO[@]}"; do eval "$u" || true; done
  for l in "${LOOPS[@]}"; do
    echo none >"/sys/block/${l#/dev/}/queue/scheduler" 2>/dev/null
    losetup -d "$l" || true
  done
}

# unmount_hierarchy DIR OPTS: a v1 hierarchy lives on, unmounted, while a
# container's mount namespace still holds it (it goes soon after) or when
# a child cgroup remained at umount (then it stays, and containerd's cgroup
# library fails every stats call).  So: clear children, umount, wait for
# it to go; if it lingers, mount it again (which reuses it) and retry.
unmount_hierarchy() {
  local m=$1 opts=$2 try i
  for ((try = 0; try < 3; try++)); do
    find "$m" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
    umount "$m" 2>/dev/null
    for ((i = 0; i < 25; i++)); do
      grep -q ":$opts:" /proc/self/cgroup || break 2
      sleep 0.2
    done
    mount -t cgroup -o "$opts" cgroup "$m" || break
  done
  rmdir "$m" 2>/dev/null
  ! grep -q ":$opts:" /proc/self/cgroup || fail "hierarchy $opts lingers unmounted"
}

# loop_dev: a loop device over an 8 MiB file, with bfq as its scheduler so
# per-device weights apply; sets LOOP (/dev/loopN), MAJ and MIN.
loop_dev() {
  [[ -e /dev/loop-control ]] || busybox modprobe loop 2>/dev/null
  grep -qw bfq /sys/block/loop*/queue/scheduler 2>/dev/null ||
    busybox modprobe bfq 2>/dev/null
  truncate -s 8M "$T/disk.img"
  LOOP=$(losetup -f --show "$T/disk.img") || return 1
  LOOPS+=("$LOOP")
  echo bfq >"/sys/block/${LOOP#/dev/}/queue/scheduler" || return 1
  IFS=: read -r MAJ MIN <"/sys/block/${LOOP#/dev/}/dev"
}

# run_rejected WORD: a run of this bundle fails, naming WORD.
run_rejected() {
  new_id
  run_cell run --bundle "$BUNDLE" "$ID"
  echo "status=$status stderr=$stderr" >&2
  [ "$status" -eq 1 ] || fail "status $status"
  [[ $stderr == *"$1"* ]] || fail "message does not name $1"
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
  ! grep -q "$ID" /proc/self/mountinfo || fail "a mount of $ID is left"
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
  # /dev/kmsg opened write-only needs no capability: only the device
  # cgroup can refuse it
  make_bundle /bin/sh -c '(: >/kmsg) && echo opened; echo x > /dev/null && echo null-ok'
  cfg '.mounts += [{"destination": "/kmsg", "type": "bind", "source": "/dev/kmsg", "options": ["bind"]}]
       | .linux.resources.devices = [{"allow": false, "access": "rwm"}]'
  new_id
  run_bundle "$ID"
  echo "$output $stderr"
  [[ $output != *opened* ]]
  [[ $output == *null-ok* ]]
  # the same device opens when the rules allow it: the check can fail
  cfg '.linux.resources.devices = [{"allow": true, "access": "rwm"}]'
  new_id
  run_bundle "$ID"
  [[ $output == *opened* ]]
}

# cell spec's config has no linux.resources: the device cgroup must still
# deny what is not a default device, or CAP_MKNOD reaches every host disk.
@test "cgroups: without linux.resources, CAP_MKNOD cannot make or open a host device" {
  make_bundle /bin/sh -c 'grep CapEff /proc/self/status; mknod /tmp/disk b 7 0 && echo made; (: >/kmsg) && echo opened; echo x >/dev/null && echo null-ok'
  cfg 'del(.linux.resources)
       | .process.capabilities |= with_entries(.value += ["CAP_MKNOD"])
       | .mounts += [{"destination": "/kmsg", "type": "bind", "source": "/dev/kmsg", "options": ["bind"]},
                     {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}]'
  new_id
  run_bundle "$ID"
  echo "$output $stderr"
  [[ $output == *null-ok* ]]
  [[ $output != *made* ]]
  [[ $output != *opened* ]]
  # CAP_MKNOD (27) is effective: the refusals are the device cgroup's
  eff=$(echo "$output" | awk '/^CapEff/ {print $2}')
  (( (0x$eff >> 27) & 1 ))
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

@test "cgroups: blockIO weights and throttles are written and a read is throttled" {
  loop_dev
  make_bundle /bin/sleep 100
  cfg '.linux.devices += [{"path": "/dev/xdisk", "type": "b", "major": $ma, "minor": $mi}]
       | .linux.resources.blockIO = {"weight": 300,
           "weightDevice": [{"major": $ma, "minor": $mi, "weight": 200}],
           "throttleReadBpsDevice": [{"major": $ma, "minor": $mi, "rate": 1048576}],
           "throttleWriteBpsDevice": [{"major": $ma, "minor": $mi, "rate": 2097152}],
           "throttleReadIOPSDevice": [{"major": $ma, "minor": $mi, "rate": 1000}],
           "throttleWriteIOPSDevice": [{"major": $ma, "minor": $mi, "rate": 2000}]}' \
    --argjson ma "$MAJ" --argjson mi "$MIN"
  # the host's own disk too, where it has one (throttles need no bfq)
  disk=$(lsblk -dno MAJ:MIN,TYPE 2>/dev/null | awk '$2 == "disk" && $1 !~ /^(7|1|253):/ {print $1; exit}')
  if [[ -n $disk ]]; then
    cfg '.linux.resources.blockIO.throttleReadBpsDevice += [{"major": $ma, "minor": $mi, "rate": 4194304}]' \
      --argjson ma "${disk%:*}" --argjson mi "${disk#*:}"
  fi
  new_id
  cell_run_detached "$ID"
  cat "$T/$ID.err"
  d=$(cgdir blkio)
  if [[ -n $V2 ]]; then
    grep -qx "default 300" "$d/io.bfq.weight"
    grep -qx "$MAJ:$MIN 200" "$d/io.bfq.weight"
    grep -qx "$MAJ:$MIN rbps=1048576 wbps=2097152 riops=1000 wiops=2000" "$d/io.max"
    [[ -z $disk ]] || grep -q "^$disk rbps=4194304 " "$d/io.max"
  else
    [ "$(cat "$d/blkio.bfq.weight")" = 300 ]
    grep -qx "$MAJ:$MIN 200" "$d/blkio.bfq.weight_device"
    grep -qx "$MAJ:$MIN 1048576" "$d/blkio.throttle.read_bps_device"
    grep -qx "$MAJ:$MIN 2097152" "$d/blkio.throttle.write_bps_device"
    grep -qx "$MAJ:$MIN 1000" "$d/blkio.throttle.read_iops_device"
    grep -qx "$MAJ:$MIN 2000" "$d/blkio.throttle.write_iops_device"
    [[ -z $disk ]] || grep -qx "$disk 4194304" "$d/blkio.throttle.read_bps_device"
  fi
  # effect: 4 MiB of direct reads at 1 MiB/s take about 3 s
  t0=$(date +%s%N)
  run_cell exec "$ID" dd if=/dev/xdisk of=/dev/null bs=256k count=16 iflag=direct
  t1=$(date +%s%N)
  echo "exec: $status $stderr; $(((t1 - t0) / 1000000)) ms"
  [ "$status" -eq 0 ]
  [ $(((t1 - t0) / 1000000)) -ge 2500 ]
}

@test "cgroups: blockIO leaf weights are refused naming the file" {
  make_bundle /bin/true
  cfg '.linux.resources.blockIO.leafWeight = 100'
  run_rejected blkio.leaf_weight
  loop_dev
  cfg 'del(.linux.resources.blockIO.leafWeight)
       | .linux.resources.blockIO.weightDevice = [{"major": $ma, "minor": $mi, "leafWeight": 100}]' \
    --argjson ma "$MAJ" --argjson mi "$MIN"
  run_rejected leaf_weight
}

@test "cgroups: hugepage limits (and reservations) hold" {
  make_bundle /cg_res huge 2
  cp "$PROBES/cg_res" "$BUNDLE/rootfs/"
  cfg '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 2097152}]'
  # v1 without a hugetlb hierarchy (Debian 12's default here): refused,
  # naming the file; then mounted for the rest of the test, as crun needs
  local m=/sys/fs/cgroup/hugetlb
  if [[ -z $V2 ]] &&
    ! awk '$9 == "cgroup" && $NF ~ /hugetlb/ { f = 1 } END { exit !f }' /proc/self/mountinfo; then
    run_rejected "hugetlb.*.limit_in_bytes"
    mkdir "$m"
    UNDO+=("unmount_hierarchy $m hugetlb")
    mount -t cgroup -o hugetlb cgroup "$m"
  fi
  # two free 2 MiB pages for the probe, given back afterwards
  nr=/proc/sys/vm/nr_hugepages
  old=$(cat $nr)
  UNDO+=("echo $old >$nr")
  echo $((old + 2)) >$nr
  [ "$(cat $nr)" -ge $((old + 2)) ] || skip "the host could not give 2 huge pages"
  new_id
  cell_run_detached "$ID"
  wait_for grep -qE 'map1=|map0=[^o]' "$T/$ID.out"
  cat "$T/$ID.out"
  d=$(cgdir hugetlb)
  if [[ -n $V2 ]]; then f=hugetlb.2MB.max rf=hugetlb.2MB.rsvd.max; else
    f=hugetlb.2MB.limit_in_bytes rf=hugetlb.2MB.rsvd.limit_in_bytes
  fi
  [ "$(cat "$d/$f")" = 2097152 ]
  [[ ! -e $d/$rf ]] || [ "$(cat "$d/$rf")" = 2097152 ]
  grep -qx 'map0=ok' "$T/$ID.out"
  # the second page is over the limit: refused at mmap (rsvd) or at touch
  ! grep -qx 'map1=ok' "$T/$ID.out"
}

@test "cgroups: network classID and priorities" {
  make_bundle /bin/sleep 100
  cfg '.linux.resources.network = {"classID": 1048577}'
  run_rejected net_cls.classid
  cfg '.linux.resources.network = {"priorities": [{"name": "lo", "priority": 5}]}'
  run_rejected net_prio.ifpriomap
  [[ -z $V2 ]] || return 0
  # v1: mount the two controllers for this test, as a systemd host does
  # (an unmounted hierarchy can linger after umount; mounting it again
  # reuses it)
  m=/sys/fs/cgroup/net_cls,net_prio
  if ! awk '$9 == "cgroup" && $NF ~ /net_(cls|prio)/ { f = 1 } END { exit !f }' /proc/self/mountinfo; then
    mkdir "$m"
    UNDO+=("unmount_hierarchy $m net_cls,net_prio")
    mount -t cgroup -o net_cls,net_prio cgroup "$m"
  fi
  [[ -d $m/cell || -w $m ]] || skip "net_cls and net_prio are mounted elsewhere"
  cfg '.linux.resources.network = {"classID": 1048577, "priorities": [{"name": "lo", "priority": 5}]}'
  new_id
  cell_run_detached "$ID" || fail "$(cat "$T/$ID.err")"
  [ "$(cat "$m/cell/$ID/net_cls.classid")" = 1048577 ]
  grep -qx 'lo 5' "$m/cell/$ID/net_prio.ifpriomap"
}

@test "cgroups: rdma limits are written or refused naming rdma.max" {
  make_bundle /bin/true
  cfg '.linux.resources.rdma = {"mlx4_0": {"hcaHandles": 2, "hcaObjects": 3}}'
  if [[ -n $V2 && -n $(ls /sys/class/infiniband 2>/dev/null) ]]; then
    skip "an rdma device exists: not covered"
  fi
  # no such device here: the kernel refuses the line (v2), or there is no
  # rdma hierarchy at all (v1)
  run_rejected rdma.max
}

@test "cgroups: cpu realtime runtime and period" {
  make_bundle /cg_res rt
  cp "$PROBES/cg_res" "$BUNDLE/rootfs/"
  cfg '.process.capabilities.bounding += ["CAP_SYS_NICE"]
       | .process.capabilities.effective += ["CAP_SYS_NICE"]
       | .process.capabilities.permitted += ["CAP_SYS_NICE"]
       | .linux.resources.cpu = {"realtimeRuntime": 10000, "realtimePeriod": 500000}'
  if [[ -n $V2 ]]; then
    run_rejected cpu.rt_runtime_us
    return 0
  fi
  [[ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]] || skip "no RT group scheduling"
  # the parent /cell has no rt budget of its own: the kernel says EINVAL
  parent=/sys/fs/cgroup/cpu/cell
  mkdir -p $parent
  if [ "$(cat $parent/cpu.rt_runtime_us)" = 0 ]; then
    run_rejected cpu.rt_runtime_us
    # (retried: a removed child keeps its budget for a moment)
    UNDO+=("for i in {1..50}; do echo 0 2>/dev/null >$parent/cpu.rt_runtime_us && break; sleep 0.1; done")
    echo 20000 >$parent/cpu.rt_runtime_us
  fi
  new_id
  run_bundle "$ID"
  echo "$output $stderr"
  [ "$output" = fifo=ok ]
  # without a budget SCHED_FIFO is refused
  cfg '.linux.resources.cpu = {"realtimePeriod": 500000}'
  new_id
  run_bundle "$ID"
  echo "$output $stderr"
  [ "$output" = "fifo=Operation not permitted" ]
  cfg '.process.args = ["/bin/sleep", "100"]
       | .linux.resources.cpu = {"realtimeRuntime": 10000, "realtimePeriod": 500000}'
  new_id
  cell_run_detached "$ID"
  [ "$(cat "$(cgdir cpu)/cpu.rt_runtime_us")" = 10000 ]
  [ "$(cat "$(cgdir cpu)/cpu.rt_period_us")" = 500000 ]
}

@test "cgroups: cpu burst and idle" {
  make_bundle /bin/sleep 100
  cfg '.linux.resources.cpu = {"quota": 50000, "period": 100000, "burst": 20000, "idle": 1}'
  new_id
  cell_run_detached "$ID"
  cat "$T/$ID.err"
  [ "$(cgval cpu cpu.cfs_burst_us cpu.max.burst)" = 20000 ]
  [ "$(cgval cpu cpu.idle cpu.idle)" = 1 ]
  [ "$(cgval cpu cpu.cfs_quota_us cpu.max)" = "$([[ -n $V2 ]] && echo '50000 100000' || echo 50000)" ]
}

@test "cgroups: memory swap, swappiness, kernel limits and their v2 refusals" {
  make_bundle /bin/sleep 100
  if [[ -n $V2 ]]; then
    for kv in swappiness=10 kernel=67108864 kernelTCP=8388608 disableOOMKiller=true; do
      cfg '.linux.resources.memory = ({"limit": 33554432} + {($k): ($v | fromjson)})' \
        --arg k "${kv%=*}" --arg v "${kv#*=}"
      case ${kv%=*} in
      swappiness) f=memory.swappiness ;; kernel) f=memory.kmem.limit_in_bytes ;;
      kernelTCP) f=memory.kmem.tcp.limit_in_bytes ;; *) f=memory.oom_control ;;
      esac
      run_rejected "$f"
    done
    # swap below the limit has no v2 meaning
    cfg '.linux.resources.memory = {"limit": 33554432, "swap": 16777216}'
    run_rejected memory.swap.max
    cfg '.linux.resources.memory = {"limit": 33554432, "swap": 67108864, "reservation": 16777216}'
  else
    cfg '.linux.resources.memory = {"limit": 33554432, "swap": 67108864, "reservation": 16777216,
         "swappiness": 10, "kernel": 67108864, "kernelTCP": 8388608, "disableOOMKiller": false}'
  fi
  new_id
  cell_run_detached "$ID"
  cat "$T/$ID.err"
  d=$(cgdir memory)
  if [[ -n $V2 ]]; then
    # v1's swap is memory+swap, v2's swap alone
    [ "$(cat "$d/memory.swap.max")" = 33554432 ]
    [ "$(cat "$d/memory.low")" = 16777216 ]
    echo '{"memory": {"limit": 33554432, "swap": -1}}' >"$T/r.json"
    run_cell update --resources "$T/r.json" "$ID"
    [ "$status" -eq 0 ]
    [ "$(cat "$d/memory.swap.max")" = max ]
  else
    [ "$(cat "$d/memory.memsw.limit_in_bytes")" = 67108864 ]
    [ "$(cat "$d/memory.soft_limit_in_bytes")" = 16777216 ]
    [ "$(cat "$d/memory.swappiness")" = 10 ]
    [ "$(cat "$d/memory.kmem.tcp.limit_in_bytes")" = 8388608 ]
    grep -qx 'oom_kill_disable 0' "$d/memory.oom_control"
    # kmem.limit_in_bytes: since Linux 6.1 the write is accepted and ignored
  fi
}

@test "cgroups: disableOOMKiller leaves a hog waiting instead of killed (v1)" {
  # the hog faults from user space: only such a fault waits for memory
  # when the killer is off (dd's faults, inside read(), get ENOMEM and dd
  # exits or not depending on how close to the limit its last page lands)
  make_bundle /cg_res touch 64
  cp "$PROBES/cg_res" "$BUNDLE/rootfs/"
  cfg '.linux.resources.memory = {"limit": 16777216, "swap": 16777216, "disableOOMKiller": true}'
  if [[ -n $V2 ]]; then
    run_rejected memory.oom_control
    return 0
  fi
  new_id
  cell_run_detached "$ID"
  d=$(cgdir memory)
  grep -qx 'oom_kill_disable 1' "$d/memory.oom_control"
  wait_for grep -qx 'under_oom 1' "$d/memory.oom_control"
  [ "$(state_field "$ID" .status)" = running ]
  grep -qx 'oom_kill 0' "$d/memory.oom_control"
  run_cell delete --force "$ID"
  [ "$status" -eq 0 ]
}

@test "cgroups: checkBeforeUpdate refuses a limit below the usage" {
  make_bundle /bin/sh -c 'dd if=/dev/zero of=/dev/shm/f bs=1M count=8 2>/dev/null; touch /ready; sleep 100'
  cfg '.linux.resources.memory.limit = 67108864'
  new_id
  cell_run_detached "$ID"
  wait_for test -e "$BUNDLE/rootfs/ready"
  echo '{"memory": {"limit": 4194304, "checkBeforeUpdate": true}}' >"$T/r.json"
  run_cell update --resources "$T/r.json" "$ID"
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ $stderr == *checkBeforeUpdate* ]]
  [ "$(cgval memory memory.limit_in_bytes memory.max)" = 67108864 ]
  echo '{"memory": {"limit": 33554432, "checkBeforeUpdate": true}}' >"$T/r.json"
  run_cell update --resources "$T/r.json" "$ID"
  [ "$status" -eq 0 ]
  [ "$(cgval memory memory.limit_in_bytes memory.max)" = 33554432 ]
}

@test "cgroups: unified values on v2, refused on v1" {
  make_bundle /bin/sleep 100
  cfg '.linux.resources.unified = {"memory.high": "52428800", "pids.max": "7"}'
  if [[ -z $V2 ]]; then
    run_rejected "needs cgroup v2"
    [[ $stderr == *unified* ]]
    return 0
  fi
  new_id
  cell_run_detached "$ID"
  cat "$T/$ID.err"
  [ "$(cgval x x memory.high)" = 52428800 ]
  [ "$(cgval x x pids.max)" = 7 ]
  run_cell delete --force "$ID"
  cfg '.linux.resources.unified = {"../escape": "1"}'
  run_rejected "unified"
  # a cgroup.* file is not a limit: cgroup.procs would move pid 1 in
  cfg '.linux.resources.unified = {"cgroup.procs": "1"}'
  run_rejected "is not a limit"
}

@test "cgroups: events reports an OOM kill" {
  make_bundle /bin/sh -c 'while [ ! -e /go ]; do sleep 0.1; done; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 100'
  cfg '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
  new_id
  cell_run_detached "$ID"
  cell_as events --interval 200ms "$ID" >"$T/ev" 2>&1 </dev/null &
  BG_PIDS+=($!)
  wait_for grep -q '"type":"stats"' "$T/ev"
  touch "$BUNDLE/rootfs/go"
  wait_for grep -q '"type":"oom"' "$T/ev"
  grep '"type":"oom"' "$T/ev" | head -n1 | jq -e --arg id "$ID" '. == {"type": "oom", "id": $id}'
  # the init survived: only the hog was killed
  [ "$(state_field "$ID" .status)" = running ]
}

@test "cgroups: update of cpu, memory, pids and blkio by flags and by JSON" {
  make_bundle /bin/sleep 100
  cfg '.linux.resources = {"memory": {"limit": 33554432}, "cpu": {"shares": 512}, "pids": {"limit": 10}}'
  new_id
  cell_run_detached "$ID"
  run_cell update --memory 48m --memory-swap 96m --memory-reservation 8m \
    --cpu-shares 256 --cpu-quota 30000 --cpu-period 200000 --cpuset-cpus 0 \
    --cpuset-mems 0 --pids-limit 30 --blkio-weight 400 "$ID"
  echo "$stderr"
  [ "$status" -eq 0 ]
  [ "$(cgval memory memory.limit_in_bytes memory.max)" = 50331648 ]
  [ "$(cgval memory memory.soft_limit_in_bytes memory.low)" = 8388608 ]
  [ "$(cgval memory memory.memsw.limit_in_bytes memory.swap.max)" = \
    "$([[ -n $V2 ]] && echo 50331648 || echo 100663296)" ]
  [ "$(cgval cpuset cpuset.cpus cpuset.cpus)" = 0 ]
  [ "$(cgval cpuset cpuset.mems cpuset.mems)" = 0 ]
  [ "$(cgval pids pids.max pids.max)" = 30 ]
  d=$(cgdir blkio)
  if [[ -n $V2 ]]; then
    [ "$(cat "$d/cpu.weight")" = $((1 + (254 * 9999) / 262142)) ]
    [ "$(cat "$d/cpu.max")" = "30000 200000" ]
    if [[ -e $d/io.bfq.weight ]]; then
      grep -qx 'default 400' "$d/io.bfq.weight"
    else
      grep -qx "default $((1 + 390 * 9999 / 990))" "$d/io.weight"
    fi
  else
    [ "$(cgval cpu cpu.shares x)" = 256 ]
    [ "$(cgval cpu cpu.cfs_quota_us x)" = 30000 ]
    [ "$(cgval cpu cpu.cfs_period_us x)" = 200000 ]
    [ "$(cat "$d/blkio.bfq.weight" 2>/dev/null || cat "$d/blkio.weight")" = 400 ]
  fi
  echo '{"memory": {"limit": 41943040, "swap": 83886080},
    "cpu": {"shares": 1024, "quota": -1, "period": 100000},
    "pids": {"limit": -1}, "blockIO": {"weight": 500}}' >"$T/r.json"
  run_cell update --resources "$T/r.json" "$ID"
  echo "$stderr"
  [ "$status" -eq 0 ]
  [ "$(cgval memory memory.limit_in_bytes memory.max)" = 41943040 ]
  [ "$(cgval memory memory.memsw.limit_in_bytes memory.swap.max)" = \
    "$([[ -n $V2 ]] && echo 41943040 || echo 83886080)" ]
  [ "$(cgval pids pids.max pids.max)" = max ]
  if [[ -n $V2 ]]; then
    [ "$(cat "$d/cpu.weight")" = $((1 + (1022 * 9999) / 262142)) ]
    [ "$(cat "$d/cpu.max")" = "max 100000" ]
    if [[ -e $d/io.bfq.weight ]]; then grep -qx 'default 500' "$d/io.bfq.weight"; fi
  else
    [ "$(cgval cpu cpu.shares x)" = 1024 ]
    [ "$(cgval cpu cpu.cfs_quota_us x)" = -1 ]
    [ "$(cgval cpu cpu.cfs_period_us x)" = 100000 ]
    [ "$(cat "$d/blkio.bfq.weight" 2>/dev/null || cat "$d/blkio.weight")" = 500 ]
  fi
}

# runs the runtime as the rootless user from inside cgroup $1
cell_from_cg() {
  local cg=$1
  shift
  timeout -k 5 "${CELL_CMD_TIMEOUT:-30}" sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" \
    runuser -u "$ROOTLESS_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    HOME="/home/$ROOTLESS_USER" XDG_RUNTIME_DIR="$XDG_DIR" "$CELL" --root "$ROOT" "$@" \
    </dev/null >"$T/cg.out" 2>"$T/cg.err"
}

@test "cgroups: rootless: a delegated v2 subtree (v1: refused)" {
  use_rootless
  if [[ -z $V2 ]]; then
    # v1 has no safe delegation: limits are refused, none runs without
    make_bundle --rootless /bin/true
    cfg '.linux.resources.pids.limit = 9'
    run_rejected "no writable cgroup v2"
    cfg 'del(.linux.resources.pids)'
    new_id
    run_bundle "$ID"
    [ "$status" -eq 0 ]
    [[ $stderr == *"without one"* ]]
    return 0
  fi
  # a delegated subtree: the user owns it and its procs/subtree files; cell
  # runs in its leaf "run"
  deleg=/sys/fs/cgroup/celltest-$$
  UNDO+=("rmdir $deleg/run $deleg")
  mkdir -p "$deleg/run"
  chown "$ROOTLESS_USER" "$deleg" "$deleg"/cgroup.{procs,threads,subtree_control}
  chown -R "$ROOTLESS_USER" "$deleg/run"
  make_bundle --rootless /bin/sleep 100
  # no resources: the container goes below the caller's own cgroup
  new_id
  cell_from_cg "$deleg/run" run --detach --bundle "$BUNDLE" "$ID" || {
    cat "$T/cg.err"
    false
  }
  pid=$(state_field "$ID" .pid)
  grep -qx "0::/celltest-$$/run/cell-$ID" "/proc/$pid/cgroup"
  run_cell delete --force "$ID"
  [ "$status" -eq 0 ]
  [ ! -e "$deleg/run/cell-$ID" ]
  # limits, in a sibling of the caller's leaf (a cgroup holding processes
  # cannot enable controllers for its children)
  new_id
  cfg '.linux.cgroupsPath = $p | .linux.resources = {"memory": {"limit": 33554432}, "pids": {"limit": 9}}' \
    --arg p "/celltest-$$/$ID"
  cell_from_cg "$deleg/run" run --detach --bundle "$BUNDLE" "$ID" || {
    cat "$T/cg.err"
    false
  }
  [ "$(cat "$deleg/$ID/memory.max")" = 33554432 ]
  [ "$(cat "$deleg/$ID/pids.max")" = 9 ]
  [ "$(stat -c %U "$deleg/$ID")" = "$ROOTLESS_USER" ]
  # outside the delegation the user can do nothing
  new_id
  cfg '.linux.cgroupsPath = $p' --arg p "/cell-notmine-$ID"
  cell_from_cg "$deleg/run" run --bundle "$BUNDLE" "$ID" && false
  cat "$T/cg.err"
  grep -q "cell-notmine-$ID" "$T/cg.err"
  [ ! -e "/sys/fs/cgroup/cell-notmine-$ID" ]
  run_cell delete --force "${IDS[1]}"
  [ "$status" -eq 0 ]
  [ ! -e "$deleg/$ID" ]
}

# Two containers, one cgroupsPath: the second create must fail without
# touching the first (its cleanup would otherwise kill the first's init).
@test "cgroups: a cgroupsPath that holds another container's processes is refused" {
  make_bundle /bin/sleep 1000
  cfg '.linux.cgroupsPath = "/cell-shared-" + $n' --arg n "$$"
  new_id
  local first=$ID
  cell_run_detached "$first"
  local pid
  pid=$(state_field "$first" .pid)
  new_id
  run_cell run -d --bundle "$BUNDLE" "$ID"
  echo "status=$status stderr=$stderr" >&2
  [ "$status" -eq 1 ]
  [[ $stderr == *"cell-shared-$$"*"holds processes already"* ]]
  run_cell state "$ID"
  [ "$status" -ne 0 ]
  pid_alive "$pid"
  [ "$(state_field "$first" .status)" = running ]
  cell_as delete --force "$first"
  ! ls -d /sys/fs/cgroup/cell-shared-$$ /sys/fs/cgroup/*/cell-shared-$$ 2>/dev/null
}

@test "cgroups: v1: a cgroup the init cannot join fails create, naming it, nothing left" {
  [[ -z $V2 && -d /sys/fs/cgroup/cpuset ]] ||
    skip "v1 cpuset only (an empty v2 cpuset uses its parent's cpus)"
  # a cpuset parent with no cpus: its child gets none, and the kernel
  # refuses any task there (ENOSPC) when the init moves itself in
  local top=celltest-empty-$$
  mkdir "/sys/fs/cgroup/cpuset/$top"
  make_bundle /bin/true
  cfg '.linux.cgroupsPath = $p' --arg p "/$top/c"
  mounts_snapshot
  run_rejected "join cgroup \`/sys/fs/cgroup/cpuset/$top/c\`: No space left on device"
  [[ $(printf '%s\n' "$stderr" | wc -l) -eq 1 ]]
  assert_nothing_left
  local left
  left=$(ls -d /sys/fs/cgroup/*/"$top"/c 2>/dev/null || true)
  rmdir /sys/fs/cgroup/*/"$top"
  [[ -z $left ]] || fail "cgroups left: $left"
}

@test "cgroups: the suite left no cgroup behind" {
  [[ -s $BATS_FILE_TMPDIR/ids ]] || skip "no container ids recorded"
  while read -r id; do
    ! ls -d /sys/fs/cgroup/*/"$id" /sys/fs/cgroup/*/*/"$id" /sys/fs/cgroup/*/*/*/"$id" 2>/dev/null ||
      fail "cgroup of $id left"
  done <"$BATS_FILE_TMPDIR/ids"
  ! ls -d /sys/fs/cgroup/net_cls,net_prio /sys/fs/cgroup/celltest-* 2>/dev/null
}

