#!/usr/bin/env bats
# The systemd cgroup driver (--systemd-cgroup).  It needs systemd running.
# This machine has none, so setup_file boots the host's systemd as PID 1
# of a cell container (its own cgroup namespace, the host's /usr and /etc
# read-only), and every test drives an inner cell inside it: systemd
# there is a real system manager.  CI runs the file twice: on this host
# (cgroup v1 hybrid: systemd runs in hybrid mode) and in
# /work/shared/tools/cgroup2-vm (cgroup v2).  The rootless tests (v2
# only) start the user manager (user@UID.service) of the suite's rootless
# user in there, and run the inner cell as that user.
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
  # the rootless user must be in the /etc the container binds
  setup_rootless_user || return 1
  export ROOTLESS_UID ROOTLESS_GID
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
  USER_IDS=()
}

need_systemd() {
  [[ -n ${SD_BOOTED:-} ]] || skip "needs the systemd package"
}

teardown() {
  local id
  for id in "${INNER_IDS[@]}"; do
    inner delete --force "$id" </dev/null >/dev/null 2>&1 || true
  done
  for id in "${USER_IDS[@]}"; do
    user_inner delete --force "$id" </dev/null >/dev/null 2>&1 || true
  done
  common_teardown
}

inner_id() {
  new_id
  INNER_IDS+=("$ID")
}

# --- rootless: the user manager of ROOTLESS_USER ------------------------

# as_sd_user CMD...: CMD in the systemd container as the rootless user,
# with no capabilities (setuid from root drops them), in a login's
# environment; SD_XDG overrides its XDG_RUNTIME_DIR.
as_sd_user() {
  in_sd setpriv --reuid="$ROOTLESS_UID" --regid="$ROOTLESS_GID" \
    --clear-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/ XDG_RUNTIME_DIR="${SD_XDG:-/run/user/$ROOTLESS_UID}" "$@"
}

# user_inner ARGS...: the cell under test, rootless, with the systemd
# driver; its state in this test's ROOT, which the user owns.
user_inner() {
  as_sd_user "$CELL" --systemd-cgroup --root "$ROOT" "$@"
}

user_id() {
  chown "$ROOTLESS_USER:" "$ROOT"
  ID="u$BATS_TEST_NUMBER-$$-$RANDOM"
  USER_IDS+=("$ID")
}

# Starts the user manager as logind would at login (user@UID.service of
# the system manager); the path is its cgroup.
start_user_manager() {
  local u=$ROOTLESS_UID
  timeout 120 "$CELL" --root "$SD_ROOT" exec "$SD_ID" \
    systemctl start "user@$u.service" </dev/null || {
    in_sd systemctl status --no-pager "user@$u.service" >&2
    return 1
  }
  in_sd test -S "/run/user/$u/systemd/private"
  USER_MGR=/user.slice/user-$u.slice/user@$u.service
}

# in_user_scope CMD...: CMD as the rootless user in a transient scope of
# its user manager, as a user unit or a desktop's app runs.
in_user_scope() {
  as_sd_user systemd-run --user --scope --quiet -- "$@"
}

user_unit_gone() {
  [[ $(as_sd_user systemctl --user show -p LoadState "$1" 2>/dev/null) == \
    "LoadState=not-found" ]]
}

# systemd collects an empty scope a moment after its last process left.
unit_gone() {
  [[ $(in_sd systemctl show -p LoadState "$1" 2>/dev/null) == "LoadState=not-found" ]]
}

# v2 or v1 (hybrid here): where the scope's files are, as the systemd
# container sees them (its cgroupns root is the outer container's cgroup).
sd_v2() { [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; }

# scope_dir PATH: the scope's directory on v2 (the rootless tests).
scope_dir() { echo "/sys/fs/cgroup$1"; }

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

# unit_shows PATH: $output of `systemctl show` (ControlGroup, Delegate,
# ActiveState, MemoryMax, TasksMax) names an active delegated scope at
# PATH with the limits these tests set.
unit_shows() {
  [[ $output == *"ControlGroup=$1"* ]] &&
    [[ $output == *"Delegate=yes"* ]] &&
    [[ $output == *"ActiveState=active"* ]] &&
    [[ $output == *"MemoryMax=67108864"* ]] &&
    [[ $output == *"TasksMax=64"* ]]
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
  unit_shows "$path"
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

@test "systemd: rootless on a v1 or hybrid host is refused, nothing left" {
  need_systemd
  sd_v2 && skip "a cgroup v2 host"
  make_bundle --rootless /bin/true
  user_id
  mounts_snapshot
  status=0
  user_inner run --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>"$T/err" ||
    status=$?
  stderr=$(cat "$T/err")
  assert_rejected "--systemd-cgroup: rootless needs a cgroup v2 host"
  run in_sd systemctl list-units --all --no-legend "cell-$ID.scope"
  [[ -z $output ]]
}

@test "systemd: rootless where no user manager runs is refused, nothing left" {
  need_systemd
  sd_v2 || skip "rootless: cgroup v2 only (CI: in cgroup2-vm)"
  in_sd systemctl stop "user@$ROOTLESS_UID.service"
  make_bundle --rootless /bin/true
  user_id
  mounts_snapshot
  # $XDG_RUNTIME_DIR elsewhere (su, runuser): /run/user/UID is tried too
  SD_XDG=/nonexistent-xdg
  status=0
  user_inner run --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>"$T/err" ||
    status=$?
  stderr=$(cat "$T/err")
  assert_rejected "--systemd-cgroup: no systemd user manager runs for uid $ROOTLESS_UID"
  [[ $stderr == *"\`/nonexistent-xdg/systemd/private\`"* ]]
  [[ $stderr == *"\`/run/user/$ROOTLESS_UID/systemd/private\`"* ]]
  # nothing was asked of the system manager either
  run in_sd systemctl list-units --all --no-legend "cell-$ID.scope"
  [[ -z $output ]]
  run in_sd sh -c 'for p in /proc/[0-9]*; do readlink "$p/exe"; done'
  [[ $output != *"$CELL"* ]]
}

@test "systemd: rootless puts the container in a user manager's scope; ps, kill, exec, update, pause, delete" {
  need_systemd
  sd_v2 || skip "rootless: cgroup v2 only (CI: in cgroup2-vm)"
  start_user_manager
  # USR1 is caught (PID 1 gets only signals it handles): it shows kill
  make_bundle --rootless /bin/sh -c 'trap "echo got-usr1" USR1
    cat /proc/self/cgroup; while :; do sleep 1 & wait; done'
  cfg '.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 64}}'
  user_id
  local unit="cell-$ID.scope" path="$USER_MGR/user.slice/cell-$ID.scope" pid
  user_inner run -d --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>"$T/err" ||
    fail "run: $(cat "$T/err")"
  pid=$(user_inner state "$ID" | jq -r .pid)
  [[ $(in_sd cat "/proc/$pid/cgroup") == "0::$path" ]]
  # the container's own view: its cgroup namespace is rooted at the scope
  wait_for grep -qx "0::/" "$T/out"
  # the user manager's unit, in its default slice, with the limits
  run as_sd_user systemctl --user show -p ControlGroup -p Delegate \
    -p ActiveState -p Slice -p MemoryMax -p TasksMax "$unit"
  echo "$output" >&2
  unit_shows "$path"
  [[ $output == *"Slice=user.slice"* ]]
  # which features now tells
  "$CELL" features | jq -e '.linux.cgroup.systemdUser == true'
  # the system manager has no such unit: it is the user manager's
  run in_sd systemctl list-units --all --no-legend "$unit"
  [[ -z $output ]]
  # delegated to the user, and the limits are in the scope's files
  [[ $(in_sd stat -c %u "$(scope_dir "$path")") == "$ROOTLESS_UID" ]]
  [[ $(in_sd cat "$(scope_dir "$path")/memory.max") == 67108864 ]]
  [[ $(in_sd cat "$(scope_dir "$path")/pids.max") == 64 ]]
  # ps, kill (the init, then every process through the cgroup)
  user_inner ps --format json "$ID" | jq -e --argjson p "$pid" 'index($p) != null'
  user_inner kill "$ID" USR1
  wait_for grep -q got-usr1 "$T/out"
  user_inner kill --all "$ID" USR1
  wait_for test "$(grep -c got-usr1 "$T/out")" -ge 2
  # exec joins the scope: from a cgroup of the user manager, as the
  # kernel lets the user move a process only within what it owns; from
  # elsewhere it fails, naming the file, rather than run outside
  [[ $(in_user_scope "$CELL" --systemd-cgroup --root "$ROOT" exec "$ID" \
    cat /proc/self/cgroup) == "0::/" ]]
  run user_inner exec "$ID" true
  echo "$output" >&2
  [ "$status" -eq 1 ]
  [[ $output == "cell: join cgroup \`"*"cell-$ID.scope\`: Permission denied" ]]
  # update writes the scope's files
  user_inner update --memory 33554432 --pids-limit 32 "$ID"
  [[ $(in_sd cat "$(scope_dir "$path")/memory.max") == 33554432 ]]
  [[ $(in_sd cat "$(scope_dir "$path")/pids.max") == 32 ]]
  # pause, resume
  user_inner pause "$ID"
  [[ $(user_inner state "$ID" | jq -r .status) == paused ]]
  [[ $(in_sd cat "$(scope_dir "$path")/cgroup.freeze") == 1 ]]
  user_inner resume "$ID"
  [[ $(user_inner state "$ID" | jq -r .status) == running ]]
  [[ $(in_sd cat "$(scope_dir "$path")/cgroup.freeze") == 0 ]]
  # delete kills what runs there; the user manager drops the scope
  user_inner delete --force "$ID"
  run user_inner state "$ID"
  [ "$status" -ne 0 ]
  wait_for user_unit_gone "$unit"
  run in_sd test -e "$(scope_dir "$path")"
  [ "$status" -ne 0 ]
  run in_sd test -e "/proc/$pid"
  [ "$status" -ne 0 ]
}

# Rootless podman runs the runtime as root of a user namespace it made:
# systemd sees the user who made it, so that user's manager is the one.
@test "systemd: root of a user namespace (rootless podman's way) uses the user manager" {
  need_systemd
  sd_v2 || skip "rootless: cgroup v2 only (CI: in cgroup2-vm)"
  start_user_manager
  make_bundle --rootless /bin/sleep 1000
  # the maps are relative to the user namespace cell runs in
  cfg '.linux.uidMappings[0].hostID = 0 | .linux.gidMappings[0].hostID = 0
       | .linux.resources = {"pids": {"limit": 32}}'
  user_id
  local unit="cell-$ID.scope" path="$USER_MGR/user.slice/cell-$ID.scope" pid
  as_sd_user unshare --user --map-root-user "$CELL" --systemd-cgroup \
    --root "$ROOT" run -d --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>"$T/err" ||
    fail "run: $(cat "$T/err")"
  pid=$(user_inner state "$ID" | jq -r .pid)
  [[ $(in_sd cat "/proc/$pid/cgroup") == "0::$path" ]]
  run as_sd_user systemctl --user show -p TasksMax -p Delegate "$unit"
  echo "$output" >&2
  [[ $output == *"TasksMax=32"* ]]
  [[ $output == *"Delegate=yes"* ]]
  [[ $(in_sd cat "$(scope_dir "$path")/pids.max") == 32 ]]
  as_sd_user unshare --user --map-root-user "$CELL" --systemd-cgroup \
    --root "$ROOT" delete --force "$ID"
  wait_for user_unit_gone "$unit"
  run in_sd test -e "$(scope_dir "$path")"
  [ "$status" -ne 0 ]
}

@test "systemd: rootless, cell passes through the scope (time offsets) only from the user manager's cgroup" {
  need_systemd
  sd_v2 || skip "rootless: cgroup v2 only (CI: in cgroup2-vm)"
  start_user_manager
  make_bundle --rootless /bin/sleep 1000
  cfg '.linux.namespaces += [{"type": "time"}] |
    .linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 0}}'
  user_id
  # from the systemd container's init.scope: cell could not move back
  mounts_snapshot
  status=0
  user_inner run -d --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>"$T/err" ||
    status=$?
  stderr=$(cat "$T/err")
  assert_rejected "run cell in a cgroup of the user manager"
  [[ $stderr == *"pass through its scope and back, and \`/sys/fs/cgroup/cgroup.procs\` is not writable"* ]]
  run as_sd_user systemctl --user list-units --all --no-legend "cell-$ID.scope"
  [[ -z $output ]]
  # from a scope of the user manager it can, so the create succeeds
  in_user_scope "$CELL" --systemd-cgroup --root "$ROOT" run -d \
    --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>"$T/err" ||
    fail "run: $(cat "$T/err")"
  local pid
  pid=$(user_inner state "$ID" | jq -r .pid)
  [[ $(in_sd cat "/proc/$pid/cgroup") == "0::$USER_MGR/user.slice/cell-$ID.scope" ]]
  user_inner delete --force "$ID"
  wait_for user_unit_gone "cell-$ID.scope"
}
