#!/usr/bin/env bats
# The six hook kinds: what they receive, where and when they run, and how
# their failures are treated.

load helpers

setup_file() { common_setup_file; }
setup() {
  common_setup
  H=$T/hooks
  mkdir -p "$H"
}
teardown() { common_teardown; }

# hook KIND DIR [PATH] [extra jq for the hook object]: appends a hookdump
# hook that records into DIR/KIND.*.
add_hook() {
  local kind=$1 dir=$2 path=${3:-$PROBES/hookdump}
  cfg '.hooks[$k] += [{"path":$p,"args":["hookdump",$d,$k,"x y"],
                       "env":["HOOKVAR=v 1","OTHER="]}]' \
    --arg k "$kind" --arg d "$dir" --arg p "$path"
}

# check_state FILE STATUS...: the state JSON a hook got names this container.
check_state() {
  local f=$1
  shift
  cat "$f" >&2
  local pid=$PID
  # runc/crun give the hooks that run inside the container the pid as the
  # container sees it (1 or 0); the spec's state has the host's pid
  if ! is_cell && [[ $f == *Container.stdin ]]; then pid=null; fi
  jq -e --arg id "$ID" --arg b "$BUNDLE" --argjson pid "$pid" '
    .id == $id and ($pid == null or .pid == $pid) and .bundle == $b
    and (.ociVersion | type) == "string"' "$f"
  local s ok= want
  s=$(jq -r .status "$f")
  for want in "$@"; do [[ $s == "$want" ]] && ok=1; done
  [[ -n $ok ]] || fail "$f: status '$s', expected one of: $*"
}

@test "hooks: all six kinds run in order with state, args and env" {
  make_bundle /bin/sh -c '[ -e /tmp/startContainer.stdin ] && echo yes > /tmp/saw-start-hook; echo ready > /tmp/ready; sleep 1000'
  for k in createRuntime createContainer prestart poststart poststop; do
    add_hook $k "$H"
  done
  add_hook startContainer /tmp /probes/hookdump
  new_id
  cell_create "$ID"
  PID=$(state_field "$ID" .pid)

  # after create: the three creation hooks ran, the others did not
  for k in createRuntime createContainer prestart; do
    [ -e "$H/$k.stdin" ] || fail "$k did not run at create"
  done
  [ ! -e "$BUNDLE/rootfs/tmp/startContainer.stdin" ]
  # runc 1.1 runs poststart hooks at create time, against the spec
  [[ $CELL_NAME == runc ]] || [ ! -e "$H/poststart.stdin" ]
  check_state "$H/createRuntime.stdin" creating created
  check_state "$H/createContainer.stdin" creating created
  check_state "$H/prestart.stdin" creating created

  # args and env exactly as configured
  for k in createRuntime createContainer prestart; do
    [ "$(cat "$H/$k.argv")" = "$(printf '%s\n' hookdump "$H" $k 'x y')" ]
    [ "$(cat "$H/$k.env")" = "$(printf '%s\n' 'HOOKVAR=v 1' 'OTHER=')" ]
  done

  cell_as start "$ID"
  wait_for test -e "$BUNDLE/rootfs/tmp/ready"
  wait_for test -e "$H/poststart.pid"
  S=$BUNDLE/rootfs/tmp
  check_state "$S/startContainer.stdin" created running
  check_state "$H/poststart.stdin" running created
  [ "$(cat "$S/startContainer.argv")" = "$(printf '%s\n' hookdump /tmp startContainer 'x y')" ]
  [ "$(cat "$S/startContainer.env")" = "$(printf '%s\n' 'HOOKVAR=v 1' 'OTHER=')" ]
  # startContainer ran before the container's process was exec'd
  [ "$(cat "$S/saw-start-hook")" = yes ]
  [ ! -e "$H/poststop.stdin" ]

  cell_as kill "$ID" KILL
  wait_status "$ID" stopped
  cell_as delete "$ID"
  [ -e "$H/poststop.stdin" ]
  jq -e --arg id "$ID" '.id == $id and .status == "stopped"' "$H/poststop.stdin"
}

@test "hooks: createContainer/startContainer run in the container's mount namespace, the others in the runtime's" {
  make_bundle /bin/sh -c 'echo ready > /tmp/ready; sleep 1000'
  for k in createRuntime createContainer prestart poststart; do
    add_hook $k "$H"
  done
  add_hook startContainer /tmp /probes/hookdump
  new_id
  cell_create "$ID"
  pid=$(state_field "$ID" .pid)
  cmnt=$(readlink /proc/$pid/ns/mnt)
  hmnt=$(readlink /proc/self/ns/mnt)
  [ "$cmnt" != "$hmnt" ]
  [ "$(cat "$H/createRuntime.mntns")" = "$hmnt" ]
  [ "$(cat "$H/prestart.mntns")" = "$hmnt" ]
  [ "$(cat "$H/createContainer.mntns")" = "$cmnt" ]
  cell_as start "$ID"
  wait_for test -e "$H/poststart.pid"
  # the init runs startContainer on its own after start returns
  wait_for test -s "$BUNDLE/rootfs/tmp/startContainer.mntns"
  [ "$(cat "$BUNDLE/rootfs/tmp/startContainer.mntns")" = "$cmnt" ]
  [ "$(cat "$H/poststart.mntns")" = "$hmnt" ]
}

@test "hooks: createContainer sees the container's mounts" {
  make_bundle /bin/true
  mkdir -p "$T/src"
  echo marker >"$T/src/m"
  cfg '.mounts += [{"destination":"/mnt/hookmnt","type":"bind","source":$s,"options":["bind"]}]' \
    --arg s "$T/src"
  # a host shell script: the rootfs is not yet the root, so it looks the
  # mount up in its own mountinfo
  cat >"$T/hook.sh" <<EOF
#!/bin/sh
grep -c '/mnt/hookmnt ' /proc/self/mountinfo > "$H/seen"
EOF
  chmod +x "$T/hook.sh"
  cfg '.hooks.createContainer = [{"path":$p}]' --arg p "$T/hook.sh"
  new_id
  cell_create "$ID"
  [ "$(cat "$H/seen")" -ge 1 ]
  ! grep -q '/mnt/hookmnt ' /proc/self/mountinfo
}

@test "hooks: a failing prestart hook fails create and leaves nothing" {
  make_bundle /bin/true
  cfg '.hooks.prestart = [{"path":"/bin/false"}]'
  new_id
  mounts_snapshot
  run_cell create --bundle "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  assert_nothing_left
}

@test "hooks: poststart failure is an error" {
  [[ $CELL_NAME != runc ]] || skip "runc 1.1 runs poststart hooks at create"
  make_bundle /bin/sh -c 'sleep 1000'
  cfg '.hooks.poststart = [{"path":"/bin/false"}]'
  new_id
  cell_create "$ID"
  pid=$(state_field "$ID" .pid)
  run_cell start "$ID"
  [ "$status" -ne 0 ]
  [ -n "$stderr" ]
}

@test "hooks: poststop failure is only a warning" {
  make_bundle /bin/true
  cfg '.hooks.poststop = [{"path":"/bin/false"}]'
  new_id
  cell_create "$ID"
  cell_as start "$ID"
  wait_status "$ID" stopped
  run_cell delete "$ID"
  [ "$status" -eq 0 ]
  if is_cell; then [ -n "$stderr" ]; fi # the warning
  run_cell state "$ID"
  [ "$status" -ne 0 ]
  [ -z "$(ls -A "$ROOT")" ]
}

@test "hooks: timeout kills a sleeping hook" {
  make_bundle /bin/true
  add_hook prestart "$H"
  cfg '.hooks.prestart[0].timeout = 1 | .hooks.prestart[0].env += ["HOOK_SLEEP=60"]'
  new_id
  mounts_snapshot
  start=$SECONDS
  run_cell create --bundle "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  [ $((SECONDS - start)) -lt 15 ]
  hp=$(cat "$H/prestart.pid")
  wait_for eval "! pid_alive $hp"
  assert_nothing_left
}
