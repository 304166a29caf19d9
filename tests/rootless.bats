#!/usr/bin/env bats
# Rootless: an unprivileged user runs a `spec --rootless` bundle.

load helpers

setup_file() {
  common_setup_file
  setup_rootless_user
}
setup() {
  common_setup
  use_rootless
}
teardown() { common_teardown; }

run_ok_rootless() {
  new_id
  run_bundle "$ID"
  echo "status=$status stderr=$stderr output=$output" >&2
  [ "$status" -eq 0 ]
}

@test "rootless: a spec --rootless bundle runs; uid_map maps the caller to 0" {
  make_bundle --rootless /bin/sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g'
  run_ok_rootless
  [ "$(echo "${lines[0]}" | xargs)" = "0 $ROOTLESS_UID 1" ]
  [ "$(echo "${lines[1]}" | xargs)" = "0 $ROOTLESS_GID 1" ]
  [ "${lines[2]}" = 0 ]
  [ "${lines[3]}" = 0 ]
}

@test "rootless: the spec has a user namespace and no host-only options" {
  make_bundle --rootless
  jq -e '.linux.namespaces | map(.type) | index("user") != null' "$BUNDLE/config.json"
  jq -e '.linux.uidMappings[0].hostID == $u and .linux.gidMappings[0].hostID == $g' \
    --argjson u "$ROOTLESS_UID" --argjson g "$ROOTLESS_GID" "$BUNDLE/config.json"
}

@test "rootless: create, start, state, kill, delete as the user" {
  make_bundle --rootless /bin/sh -c 'echo ready > /tmp/ready; sleep 1000'
  new_id
  cell_create "$ID"
  [ "$(state_field "$ID" .status)" = created ]
  pid=$(state_field "$ID" .pid)
  # the container's init runs with the caller's uid on the host
  [ "$(awk '/^Uid:/ { print $2 }' /proc/$pid/status)" = "$ROOTLESS_UID" ]
  cell_as start "$ID"
  wait_for test -e "$BUNDLE/rootfs/tmp/ready"
  [ "$(stat -c %u "$BUNDLE/rootfs/tmp/ready")" = "$ROOTLESS_UID" ]
  cell_as kill "$ID" KILL
  wait_status "$ID" stopped
  cell_as delete "$ID"
  [ -z "$(ls -A "$ROOT")" ]
}

@test "rootless: a root-owned host file bind-mounted in cannot be written" {
  # under TEST_TOP: the user must be able to reach the source
  hostdir=$(mktemp -d "$TEST_TOP/host.XXXXXX")
  BUNDLES+=("$hostdir")
  chmod 755 "$hostdir"
  echo original >"$hostdir/f"
  chmod 644 "$hostdir/f"
  make_bundle --rootless /bin/sh -c 'cat /mnt/h/f; echo changed > /mnt/h/f && echo WROTE; touch /mnt/h/new && echo CREATED; true'
  cfg '.mounts += [{"destination":"/mnt/h","type":"bind","source":$s,"options":["rbind"]}]' \
    --arg s "$hostdir"
  run_ok_rootless
  [ "${lines[0]}" = original ]
  ! echo "$output" | grep -q -e WROTE -e CREATED
  [ "$(cat "$hostdir/f")" = original ]
  [ ! -e "$hostdir/new" ]
}

@test "rootless: bad input is refused cleanly" {
  make_bundle --rootless /bin/true
  mounts_snapshot
  cfg '.process.rlimits += [{"type":"RLIMIT_BOGUS","soft":1,"hard":1}]'
  new_id
  run_cell run --bundle "$BUNDLE" "$ID"
  assert_rejected RLIMIT_BOGUS
  echo '{' >"$BUNDLE/config.json"
  new_id
  run_cell create --bundle "$BUNDLE" "$ID"
  assert_rejected config.json
}

@test "rootless: rlimits and capabilities within the user's reach" {
  make_bundle --rootless /bin/sh -c 'grep "Max open files" /proc/self/limits; grep -E "^Cap(Eff|Bnd):" /proc/self/status'
  cfg '.process.rlimits = [{"type":"RLIMIT_NOFILE","soft":100,"hard":200}]
       | .process.noNewPrivileges = true
       | .process.capabilities = {"bounding":["CAP_KILL"],"permitted":["CAP_KILL"],"effective":["CAP_KILL"]}'
  run_ok_rootless
  echo "${lines[0]}" | grep -E '^Max open files +100 +200 '
  [ "$(echo "${lines[1]}" | xargs)" = "CapEff: 0000000000000020" ]
  [ "$(echo "${lines[2]}" | xargs)" = "CapBnd: 0000000000000020" ]
}

# Rootless podman runs the runtime as root of a user namespace it made:
# that root owns no cgroup, so it is rootless as well (--rootless auto).
@test "rootless: root of a user namespace (as rootless podman runs cell) is rootless too" {
  make_bundle --rootless /bin/sh -c 'cat /proc/self/uid_map; echo ran'
  # the maps are relative to the user namespace cell runs in
  cfg '.linux.uidMappings[0].hostID = 0 | .linux.gidMappings[0].hostID = 0'
  new_id
  status=0
  as_user unshare --user --map-root-user --mount \
    "$CELL" --root "$ROOT" run --bundle "$BUNDLE" "$ID" \
    </dev/null >"$T/out" 2>"$T/err" || status=$?
  cat "$T/out" "$T/err" >&2
  [ "$status" -eq 0 ]
  grep -qx ran "$T/out"
  [ "$(xargs <"$T/out" | cut -d' ' -f1-3)" = "0 0 1" ]
  if [[ $(stat -f -c %T /sys/fs/cgroup) != cgroup2fs ]]; then
    # v1: no cgroup the user may write, so none, with a warning
    grep -q "rootless: no writable cgroup, running without one" "$T/err"
  fi
  ! ls -d /sys/fs/cgroup/*/cell/"$ID" /sys/fs/cgroup/cell/"$ID" 2>/dev/null
}
