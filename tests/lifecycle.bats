#!/usr/bin/env bats
# Lifecycle: create/start/state/kill/delete/run/list and their observable
# effects on the container's process.

load helpers

setup_file() { common_setup_file; }
setup() { common_setup; }
teardown() { common_teardown; }

# A container init that exits 0 on SIGTERM (pid 1 ignores it otherwise) and
# leaves a mark in its rootfs saying which signal it saw.
TRAP_SCRIPT='trap "echo TERM > /tmp/got; exit 0" TERM; echo ready > /tmp/ready; while :; do sleep 1 & wait; done'

@test "lifecycle: create, start, state moves created -> running -> stopped" {
  make_bundle /bin/sh -c "$TRAP_SCRIPT"
  cfg '.annotations = {"org.cell.test": "a b", "k": "v"}'
  new_id
  cell_create "$ID"
  run_cell state "$ID"
  [ "$status" -eq 0 ]
  echo "$output" | jq -e --arg id "$ID" --arg b "$BUNDLE" '
    .id == $id and .status == "created" and (.pid | type) == "number"
    and .pid > 0 and .bundle == $b and (.ociVersion | type) == "string"
    and .annotations == {"org.cell.test": "a b", "k": "v"}'
  pid=$(echo "$output" | jq .pid)
  # created: the init exists, inside the bundle's rootfs, user code not run
  pid_alive "$pid"
  in_dir "$(root_of "$pid")" "$BUNDLE/rootfs"
  [ ! -e "$BUNDLE/rootfs/tmp/ready" ]

  run_cell start "$ID"
  [ "$status" -eq 0 ]
  wait_for test -e "$BUNDLE/rootfs/tmp/ready"
  [ "$(state_field "$ID" .status)" = running ]
  [ "$(state_field "$ID" .pid)" = "$pid" ]

  run_cell kill "$ID" TERM
  [ "$status" -eq 0 ]
  wait_status "$ID" stopped
  [ "$(cat "$BUNDLE/rootfs/tmp/got")" = TERM ]
  wait_for eval "! pid_alive $pid"

  run_cell delete "$ID"
  [ "$status" -eq 0 ]
  run_cell state "$ID"
  [ "$status" -ne 0 ]
  [ -z "$(ls -A "$ROOT")" ]
}

@test "lifecycle: kill accepts SIGTERM, TERM and 15" {
  make_bundle /bin/sh -c "$TRAP_SCRIPT"
  for sig in SIGTERM TERM 15; do
    new_id
    rm -f "$BUNDLE/rootfs/tmp/got" "$BUNDLE/rootfs/tmp/ready"
    cell_create "$ID"
    cell_as start "$ID"
    wait_for test -e "$BUNDLE/rootfs/tmp/ready"
    run_cell kill "$ID" "$sig"
    [ "$status" -eq 0 ]
    wait_status "$ID" stopped
    [ "$(cat "$BUNDLE/rootfs/tmp/got")" = TERM ]
    cell_as delete "$ID"
  done
}

@test "lifecycle: kill without a signal sends SIGTERM" {
  make_bundle /bin/sh -c "$TRAP_SCRIPT"
  new_id
  cell_create "$ID"
  cell_as start "$ID"
  wait_for test -e "$BUNDLE/rootfs/tmp/ready"
  run_cell kill "$ID"
  [ "$status" -eq 0 ]
  wait_status "$ID" stopped
  [ "$(cat "$BUNDLE/rootfs/tmp/got")" = TERM ]
}

@test "lifecycle: kill KILL stops an init that ignores TERM" {
  make_bundle /bin/sleep 1000
  new_id
  cell_create "$ID"
  cell_as start "$ID"
  pid=$(state_field "$ID" .pid)
  run_cell kill "$ID" KILL
  [ "$status" -eq 0 ]
  wait_status "$ID" stopped
  wait_for eval "! pid_alive $pid"
}

@test "lifecycle: kill --all signals every process of the container" {
  make_bundle /bin/sh -c 'sleep 1000 & sleep 1001 & echo ready > /tmp/ready; wait'
  new_id
  cell_create "$ID"
  cell_as start "$ID"
  wait_for test -e "$BUNDLE/rootfs/tmp/ready"
  wait_for eval '[ $(procs_in "$BUNDLE/rootfs" | wc -l) -ge 3 ]'
  run_cell kill --all "$ID" KILL
  [ "$status" -eq 0 ]
  wait_status "$ID" stopped
  wait_for eval '[ -z "$(procs_in "$BUNDLE/rootfs")" ]'
}

@test "lifecycle: state after the init died by itself is stopped" {
  make_bundle /bin/sh -c 'exit 0'
  new_id
  cell_create "$ID"
  pid=$(state_field "$ID" .pid)
  cell_as start "$ID"
  wait_status "$ID" stopped
  ! pid_alive "$pid"
  run_cell delete "$ID"
  [ "$status" -eq 0 ]
  [ -z "$(ls -A "$ROOT")" ]
}

@test "lifecycle: delete --force of a running container kills it" {
  make_bundle /bin/sleep 1000
  new_id
  cell_create "$ID"
  cell_as start "$ID"
  pid=$(state_field "$ID" .pid)
  pid_alive "$pid"
  run_cell delete --force "$ID"
  [ "$status" -eq 0 ]
  wait_for eval "! pid_alive $pid"
  [ -z "$(procs_in "$BUNDLE/rootfs")" ]
  run_cell state "$ID"
  [ "$status" -ne 0 ]
  [ -z "$(ls -A "$ROOT")" ]
}

@test "lifecycle: delete --force of a created (not started) container" {
  make_bundle /bin/sleep 1000
  new_id
  cell_create "$ID"
  pid=$(state_field "$ID" .pid)
  run_cell delete --force "$ID"
  [ "$status" -eq 0 ]
  wait_for eval "! pid_alive $pid"
  [ -z "$(ls -A "$ROOT")" ]
}

@test "lifecycle: --pid-file holds the container's init pid" {
  make_bundle /bin/sleep 1000
  new_id
  cell_create "$ID" --pid-file "$T/pidfile"
  pid=$(cat "$T/pidfile")
  [ "$pid" = "$(state_field "$ID" .pid)" ]
  in_dir "$(root_of "$pid")" "$BUNDLE/rootfs"
  # the file holds a bare number
  [[ $(cat "$T/pidfile") =~ ^[0-9]+$ ]]
}

@test "run: foreground, output and exit status 0 pass through" {
  make_bundle /bin/sh -c 'echo hello from $(hostname)'
  cfg '.hostname = "runhost"'
  new_id
  run_bundle "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from runhost" ]
  # run deletes the container when it exits
  run_cell state "$ID"
  [ "$status" -ne 0 ]
}

@test "run: exit 3 gives exit status 3" {
  make_bundle /bin/sh -c 'exit 3'
  new_id
  run_bundle "$ID"
  [ "$status" -eq 3 ]
}

@test "run: a process killed by signal N gives 128+N" {
  # no pid namespace: the shell is not an init and can kill itself
  make_bundle /bin/sh -c 'kill -USR1 $$; sleep 5'
  cfg '.linux.namespaces |= map(select(.type != "pid"))'
  new_id
  run_bundle "$ID"
  [ "$status" -eq $((128 + 10)) ]
}

@test "run: init killed from outside with KILL gives 137" {
  make_bundle /bin/sh -c 'echo ready > /tmp/ready; sleep 1000'
  new_id
  (rc=0
    cell_as run --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>&1 || rc=$?
    echo "$rc" >"$T/rc") &
  wait_for test -e "$BUNDLE/rootfs/tmp/ready"
  cell_as kill "$ID" KILL
  wait_for test -s "$T/rc"
  [ "$(cat "$T/rc")" -eq 137 ]
}

@test "run --detach: returns while the container keeps running" {
  make_bundle /bin/sh -c 'echo ready > /tmp/ready; sleep 1000'
  new_id
  cell_run_detached "$ID"
  [ "$(state_field "$ID" .status)" = running ]
  pid=$(state_field "$ID" .pid)
  pid_alive "$pid"
  wait_for test -e "$BUNDLE/rootfs/tmp/ready"
  in_dir "$(root_of "$pid")" "$BUNDLE/rootfs"
}

@test "list: table, --format json and --quiet" {
  make_bundle /bin/sleep 1000
  new_id
  id1=$ID
  cell_create "$id1"
  new_id
  id2=$ID
  cell_create "$id2"
  cell_as start "$id2"
  pid1=$(state_field "$id1" .pid)
  pid2=$(state_field "$id2" .pid)

  run_cell list
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == ID*PID*STATUS*BUNDLE* ]]
  echo "$output" | grep -E "^$id1 +$pid1 +created +$BUNDLE "
  echo "$output" | grep -E "^$id2 +$pid2 +running +$BUNDLE "
  [ "${#lines[@]}" -eq 3 ]

  run_cell list --format json
  [ "$status" -eq 0 ]
  echo "$output" | jq -e --arg a "$id1" --arg b "$id2" --arg bu "$BUNDLE" \
    --argjson p1 "$pid1" --argjson p2 "$pid2" '
    length == 2 and
    (map(select(.id == $a))[0] | .status == "created" and .pid == $p1 and .bundle == $bu) and
    (map(select(.id == $b))[0] | .status == "running" and .pid == $p2 and .bundle == $bu)'

  run_cell list --quiet
  [ "$status" -eq 0 ]
  [ "$(printf '%s\n' "${lines[@]}" | sort)" = "$(printf '%s\n' "$id1" "$id2" | sort)" ]
}

@test "list: an empty --root lists nothing" {
  run_cell list --quiet
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

# The create holds the container's lock for its whole length; state and
# list only peek, so they answer "creating" instead of waiting.  When the
# create dies (SIGKILL) mid-way its init exits with it, state says
# stopped, and delete leaves nothing (state, cgroup, process).  (Before
# state peeked, it blocked on the lock until the create ended: the
# timeout 5 below failed.)
@test "state: creating while a hook runs; stopped after cell is killed mid-way" {
  make_bundle /bin/sleep 100
  new_id
  cfg '.hooks.createRuntime = [{"path":"/bin/sh",
         "args":["sh","-c","touch \"$0\"; sleep 5","'"$T"'/hook.started"]}]'
  mounts_snapshot
  "$CELL" --root "$ROOT" create --bundle "$BUNDLE" "$ID" \
    </dev/null >/dev/null 2>"$T/create.err" &
  local creator=$!
  wait_for test -e "$T/hook.started"
  run timeout 5 "$CELL" --root "$ROOT" state "$ID"
  [ "$status" -eq 0 ]
  [ "$(jq -r .status <<<"$output")" = creating ]
  local init
  init=$(jq -r .pid <<<"$output")
  [[ $init =~ ^[0-9]+$ ]]
  run timeout 5 "$CELL" --root "$ROOT" list --format json
  [ "$(jq -r '.[0].status' <<<"$output")" = creating ]
  kill -KILL "$creator"
  wait "$creator" || true
  wait_status "$ID" stopped
  ! pid_alive "$init"
  cell_as delete "$ID"
  [[ ! -e /sys/fs/cgroup/pids/cell/$ID && ! -e /sys/fs/cgroup/cell/$ID ]]
  # the orphaned hook ends by itself; then nothing is left
  # ([h] keeps pgrep from matching its own command line)
  wait_for bash -c "! pgrep -f '[h]ook.started' >/dev/null"
  assert_nothing_left
}

# --rootless is runc's: true makes even root use a rootless cgroup setup
# (on this v1 host: none, with a warning); false makes cell place the
# container as root does.  Checked from the host: the init's cgroup.
@test "global --rootless true|false decides the cgroup setup" {
  requires_cell
  [[ -d /sys/fs/cgroup/pids ]] || skip "no v1 pids hierarchy (the check reads it)"
  make_bundle /bin/sleep 100
  new_id
  # output to files: the init keeps a pipe open (bats' run would wait)
  cell_as --rootless true create --bundle "$BUNDLE" "$ID" \
    </dev/null >"$T/out" 2>"$T/err"
  grep -q "running without one" "$T/err"
  local pid
  pid=$(state_field "$ID" .pid)
  [[ $(grep ':pids:' "/proc/$pid/cgroup") != *"/cell/$ID"* ]]
  cell_as delete --force "$ID"
  new_id
  cell_as --rootless false create --bundle "$BUNDLE" "$ID" \
    </dev/null >"$T/out" 2>"$T/err"
  pid=$(state_field "$ID" .pid)
  [[ $(grep ':pids:' "/proc/$pid/cgroup") == *":/cell/$ID" ]]
  cell_as delete --force "$ID"
  run "$CELL" --rootless maybe state "$ID"
  [ "$status" -eq 1 ]
  [[ $output == "cell: --rootless: expected auto, true or false, got \`maybe\`" ]]
}

@test "cli: COMMAND --help prints its usage; a --help for the container is passed on" {
  local c
  for c in create start state kill delete run list spec features update pause \
    resume ps events exec; do
    run_cell "$c" --help
    [ "$status" -eq 0 ] || fail "$c --help: status $status"
    [[ ${lines[0]} == "usage: cell $c"* ]] || fail "$c --help: ${lines[0]}"
    [[ $output == *"cell-$c(8)"* ]]
  done
  # podman probes `checkpoint --help`: a command cell lacks must fail
  run_cell checkpoint --help
  [ "$status" -eq 1 ]
  [[ $stderr == *"unknown command"* ]]
  make_bundle /bin/sleep 1000
  new_id
  cell_run_detached "$ID"
  run_cell exec "$ID" /bin/echo --help
  [ "$status" -eq 0 ]
  [ "$output" = --help ]
}

# runc's --pidfd-socket: the listener gets a pidfd of the container's init
# (create) or of the exec'd process; recvfd prints the pid that the fd's
# fdinfo names (only a pidfd has one) and sees the process end through it.
@test "cli: --pidfd-socket sends a pidfd of the init (create) and of an exec'd process" {
  build_probes
  make_bundle /bin/sleep 1000
  new_id
  "$PROBES/recvfd" "$T/p1.sock" >"$T/p1.out" 2>"$T/p1.err" &
  BG_PIDS+=($!)
  wait_for test -S "$T/p1.sock"
  cell_create "$ID" --pidfd-socket "$T/p1.sock" || fail "create: $(cat "$T/$ID.err")"
  wait_for grep -q 'name=' "$T/p1.out"
  local pid
  pid=$(state_field "$ID" .pid)
  grep -qx "name=pidfd pid=$pid" "$T/p1.out" || fail "got: $(cat "$T/p1.out")"
  cell_as start "$ID"
  "$PROBES/recvfd" "$T/p2.sock" wait >"$T/p2.out" 2>"$T/p2.err" &
  BG_PIDS+=($!)
  wait_for test -S "$T/p2.sock"
  run_cell exec -d --pidfd-socket "$T/p2.sock" --pid-file "$T/exec.pid" \
    "$ID" /bin/sleep 1
  [ "$status" -eq 0 ]
  wait_for grep -q 'exited' "$T/p2.out"
  grep -qx "name=pidfd pid=$(cat "$T/exec.pid")" "$T/p2.out"
  # nobody listening: create fails, names the flag, leaves nothing
  new_id
  run_cell create --bundle "$BUNDLE" --pidfd-socket "$T/none.sock" "$ID"
  [ "$status" -eq 1 ]
  [[ $stderr == *"--pidfd-socket"* ]]
  run_cell state "$ID"
  [ "$status" -ne 0 ]
}

# runc's run --keep: the foreground run returns the status, the stopped
# container stays for state, and delete (with its poststop hook) removes it.
@test "cli: run --keep leaves the stopped container until delete" {
  make_bundle /bin/sh -c 'exit 3'
  cfg '.hooks.poststop = [{"path":"/bin/sh","args":["sh","-c","touch $0",$f]}]' \
    --arg f "$T/poststop"
  new_id
  run_cell run --keep --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 3 ]
  [ "$(state_field "$ID" .status)" = stopped ]
  [ ! -e "$T/poststop" ]
  cell_as delete "$ID"
  [ -e "$T/poststop" ]
  run_cell state "$ID"
  [ "$status" -ne 0 ]
  [ -z "$(ls -A "$ROOT")" ]
  new_id
  run_cell run --keep --detach --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 1 ]
  [[ $stderr == *"--keep"* ]]
}
