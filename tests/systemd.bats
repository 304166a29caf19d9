#!/usr/bin/env bats
# The systemd cgroup driver (--systemd-cgroup).  It needs systemd running.
# This machine has none, so setup_file boots the host's systemd as PID 1
# of a cell container (its own cgroup namespace, the host's /usr and /etc
# read-only), and every test drives an inner cell inside it: systemd
# there is a real system manager.  CI runs the file twice: on this host
# (cgroup v1 hybrid: systemd runs in hybrid mode) and in
# /work/shared/tools/cgroup2-vm (cgroup v2).
#   bats tests/systemd.bats; cgroup2-vm -- bats tests/systemd.bats
# Without a systemd binary, only the refusal test applies.

load helpers

SYSTEMD=/lib/systemd/systemd

# in_sd CMD...: runs CMD in the systemd container (its pid namespace).
in_sd() {
  "$CELL" --root "$SD_ROOT" exec "$SD_ID" "$@"
}

# inner ARGS...: the cell under test, inside, with the systemd driver.
inner() {
  in_sd "$CELL" --systemd-cgroup --root /run/cell-in "$@"
}

boot_systemd() {
  local b=$TEST_TOP/sd-bundle all here bnd
  rm -rf --one-file-system "$b"
  mkdir -p "$b/rootfs"
  (cd "$b/rootfs" && mkdir -p usr etc var run tmp proc sys dev &&
    ln -s usr/bin bin && ln -s usr/sbin sbin && ln -s usr/lib lib &&
    ln -s usr/lib64 lib64)
  (cd "$b" && "$CELL" spec) || return 1
  # every capability cell knows that this host's bounding set has
  bnd=$(capsh --decode="0x$(awk '/^CapBnd/ {print $2}' /proc/self/status)" |
    sed 's/.*=//' | tr 'a-z,' 'A-Z\n' | jq -R . | jq -s -c .)
  all=$("$CELL" features |
    jq -c --argjson b "$bnd" '[.linux.capabilities[] | select(. as $c | $b | index($c))]')
  here=$(dirname "$CELL")
  # systemd needs a writable cgroup tree of its own (cgroupns, rw mount);
  # resources on the outer container enable memory, pids and cpu for it
  jq --argjson all "$all" --arg top "$TEST_TOP" --arg here "$here" \
    --arg sd "$SYSTEMD" '
    .root.readonly = false | .process.terminal = false |
    .process.args = [$sd, "--unit=basic.target"] |
    .process.env = ["container=cell", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"] |
    .process.capabilities = {"bounding": $all, "effective": $all,
                             "permitted": $all} |
    .process.noNewPrivileges = false |
    del(.linux.seccomp) | .linux.maskedPaths = [] | .linux.readonlyPaths = [] |
    .linux.resources = {"memory": {"limit": 1073741824},
                        "pids": {"limit": 10000}, "cpu": {"shares": 1024}} |
    .linux.namespaces = [{"type":"pid"},{"type":"mount"},{"type":"ipc"},
                         {"type":"uts"},{"type":"cgroup"}] |
    .mounts |= map(if .destination == "/sys/fs/cgroup" or .destination == "/sys"
                   then .options = ["nosuid","noexec","nodev","rw"] else . end) |
    .mounts += [
      {"destination":"/run","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","mode=755"]},
      {"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev"]},
      {"destination":"/var","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev"]},
      {"destination":"/usr","type":"bind","source":"/usr","options":["rbind","ro"]},
      {"destination":"/etc","type":"bind","source":"/etc","options":["rbind","ro"]},
      {"destination":$top,"type":"bind","source":$top,"options":["rbind","rw"]},
      {"destination":$here,"type":"bind","source":$here,"options":["rbind","ro"]}]' \
    "$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
  "$CELL" --root "$SD_ROOT" run -d --bundle "$b" "$SD_ID" \
    </dev/null >"$TEST_TOP/sd.out" 2>&1 || return 1
  local i
  for ((i = 0; i < 240; i++)); do
    in_sd test -S /run/systemd/private 2>/dev/null && break
    sleep 0.5
  done
  # "degraded" (a unit of the host's failed in here) still has a working
  # manager: list what failed, for the log
  local st
  st=$(timeout 120 "$CELL" --root "$SD_ROOT" exec "$SD_ID" \
    systemctl is-system-running --wait </dev/null)
  echo "systemd in the container: $st" >&2
  [[ $st == degraded ]] && in_sd systemctl --failed --no-pager >&2
  [[ $st == running || $st == degraded ]]
}

setup_file() {
  common_setup_file
  export SD_ROOT=$TEST_TOP/sd-root SD_ID=systemd-$$
  [[ -x $SYSTEMD ]] || return 0
  [[ -e /run/systemd/system ]] && return 0 # a real systemd host: use it
  export SD_BOOTED=1
  boot_systemd
}

teardown_file() {
  if [[ -n ${SD_BOOTED:-} ]]; then
    "$CELL" --root "$SD_ROOT" delete --force "$SD_ID" 2>/dev/null
    rmdir "$SD_ROOT" 2>/dev/null
    rm -rf --one-file-system "$TEST_TOP/sd-bundle" "$TEST_TOP/sd.out"
  fi
  return 0
}

setup() {
  common_setup
  INNER_IDS=()
}

need_systemd() {
  [[ -n ${SD_BOOTED:-} ]] || skip "needs the systemd package"
}

teardown() {
  local id
  for id in "${INNER_IDS[@]}"; do
    inner delete --force "$id" </dev/null >/dev/null 2>&1 || true
  done
  common_teardown
}

inner_id() {
  new_id
  INNER_IDS+=("$ID")
}

# systemd collects an empty scope a moment after its last process left.
unit_gone() {
  [[ $(in_sd systemctl show -p LoadState "$1" 2>/dev/null) == "LoadState=not-found" ]]
}

# v2 or v1 (hybrid here): where the scope's files are, as the systemd
# container sees them (its cgroupns root is the outer container's cgroup).
sd_v2() { [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; }

# scope_file PATH V1CTL V1FILE V2FILE
scope_file() {
  if sd_v2; then echo "/sys/fs/cgroup$1/$4"; else echo "/sys/fs/cgroup/$2$1/$3"; fi
}

# in_scope PID PATH: every hierarchy's line of PID's /proc/PID/cgroup is
# PATH (v2 has one; v1 one per hierarchy, each with the scope there).
in_scope() {
  in_sd cat "/proc/$1/cgroup" |
    awk -F: -v p="$2" '{ n++; if ($3 != p) bad = 1 } END { exit bad || !n }'
}

# scope_gone PATH: no hierarchy has the scope's directory any more.
scope_gone() {
  in_sd sh -c "for d in /sys/fs/cgroup$1 /sys/fs/cgroup/*$1; do [ ! -e \$d ] || exit 1; done"
}

@test "systemd: --systemd-cgroup where systemd does not run is refused" {
  [[ -e /run/systemd/system ]] && skip "systemd runs on this host"
  mounts_snapshot
  make_bundle /bin/true
  new_id
  run_cell --systemd-cgroup run --bundle "$BUNDLE" "$ID"
  assert_rejected systemd
  [[ $stderr == *"systemd is not running"* ]]
}

@test "systemd: run -d makes a transient scope with the limits; delete removes it" {
  need_systemd
  make_bundle /bin/sleep 1000
  inner_id
  local unit="celltest-$ID.scope" path="/system.slice/celltest-$ID.scope"
  cfg '.linux.cgroupsPath = "system.slice:celltest:" + $id |
    .linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 64}}' \
    --arg id "$ID"
  inner run -d --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>"$T/err" ||
    fail "run: $(cat "$T/err")"
  local pid
  pid=$(inner state "$ID" | jq -r .pid)
  in_scope "$pid" "$path"
  run in_sd systemctl show -p ControlGroup -p Delegate -p ActiveState \
    -p MemoryMax -p TasksMax "$unit"
  echo "$output" >&2
  [[ $output == *"ControlGroup=$path"* ]]
  [[ $output == *"Delegate=yes"* ]]
  [[ $output == *"ActiveState=active"* ]]
  [[ $output == *"MemoryMax=67108864"* ]]
  [[ $output == *"TasksMax=64"* ]]
  [[ $(in_sd cat "$(scope_file "$path" memory memory.limit_in_bytes memory.max)") == 67108864 ]]
  [[ $(in_sd cat "$(scope_file "$path" pids pids.max pids.max)") == 64 ]]
  # the container's own view: its cgroup namespace is rooted at the scope
  inner exec "$ID" cat /proc/self/cgroup | awk -F: '{ n++; if ($3 != "/") bad = 1 } END { exit bad || !n }'
  # the commands that work through the cgroup: ps, pause, resume
  inner ps --format json "$ID" | jq -e --argjson p "$pid" 'index($p) != null'
  inner pause "$ID"
  [[ $(inner state "$ID" | jq -r .status) == paused ]]
  [[ $(in_sd cat "$(scope_file "$path" freezer freezer.state cgroup.freeze)") =~ ^(1|FROZEN)$ ]]
  inner resume "$ID"
  [[ $(inner state "$ID" | jq -r .status) == running ]]
  inner delete --force "$ID"
  wait_for unit_gone "$unit"
  scope_gone "$path"
}

@test "systemd: a memory hog in the scope is OOM-killed (137)" {
  need_systemd
  make_bundle /bin/dd if=/dev/zero of=/dev/null bs=64M count=1
  inner_id
  # (v1 swap limits need swap accounting, which this host's kernel lacks)
  cfg '.linux.cgroupsPath = "system.slice:celltest:" + $id |
    .linux.resources.memory = {"limit": 16777216} |
    if $v2 == "1" then .linux.resources.memory.swap = 16777216 else . end' \
    --arg id "$ID" --arg v2 "$(sd_v2 && echo 1)"
  run inner run --bundle "$BUNDLE" "$ID" </dev/null
  echo "$output" >&2
  [ "$status" -eq 137 ]
  wait_for unit_gone "celltest-$ID.scope"
}

@test "systemd: a nested slice name is placed as systemd places it" {
  need_systemd
  make_bundle /bin/sleep 1000
  inner_id
  cfg '.linux.cgroupsPath = "celltest-sub.slice:p:" + $id' --arg id "$ID"
  inner run -d --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>"$T/err" ||
    fail "run: $(cat "$T/err")"
  local pid
  pid=$(inner state "$ID" | jq -r .pid)
  in_scope "$pid" "/celltest.slice/celltest-sub.slice/p-$ID.scope"
  run in_sd systemctl show -p Slice "p-$ID.scope"
  [[ $output == "Slice=celltest-sub.slice" ]]
}

@test "systemd: a bad cgroupsPath, or a unit that exists, fails and leaves nothing" {
  need_systemd
  make_bundle /bin/sleep 1000
  inner_id
  local first=$ID
  cfg '.linux.cgroupsPath = "/not/systemd/form"'
  run inner run -d --bundle "$BUNDLE" "$first" </dev/null
  echo "$output" >&2
  [ "$status" -eq 1 ]
  [[ $output == "cell: linux.cgroupsPath: \`/not/systemd/form\`"* ]]
  cfg '.linux.cgroupsPath = "bad/slice.slice:p:x"'
  run inner run -d --bundle "$BUNDLE" "$first" </dev/null
  [ "$status" -eq 1 ]
  [[ $output == *"linux.cgroupsPath"* ]]
  run inner state "$first"
  [ "$status" -ne 0 ]
  # the same unit twice: systemd refuses the second
  cfg '.linux.cgroupsPath = "system.slice:celltest:dup" + $id' --arg id "$first"
  inner run -d --bundle "$BUNDLE" "$first" </dev/null >"$T/out" 2>"$T/err" ||
    fail "run: $(cat "$T/err")"
  inner_id
  run inner run -d --bundle "$BUNDLE" "$ID" </dev/null
  echo "$output" >&2
  [ "$status" -eq 1 ]
  [[ $output == *"start unit \`celltest-dup$first.scope\`"* ]]
  run inner state "$ID"
  [ "$status" -ne 0 ]
  [[ $(inner state "$first" | jq -r .status) == running ]]
  # no process of the failed create (cell's binary) is left in there
  run in_sd sh -c 'for p in /proc/[0-9]*; do readlink "$p/exe"; done'
  [[ $output != *"$CELL"* ]]
}
