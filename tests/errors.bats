#!/usr/bin/env bats
# Bad input and lifecycle errors: exit status 1, one "cell: " line naming
# the field or path (cell only), and nothing left behind (state, mounts,
# processes).

load helpers

setup_file() { common_setup_file; }
setup() {
  common_setup
  make_bundle /bin/sleep 1000
  mounts_snapshot
}
teardown() { common_teardown; }

# rejects WORD CREATE-ARGS...: create (and run) of this bundle fail cleanly.
rejects() {
  local word=$1
  shift
  new_id
  run_cell create --bundle "$BUNDLE" "$@" "$ID"
  assert_rejected "$word"
  new_id
  run_cell run --bundle "$BUNDLE" "$@" "$ID"
  assert_rejected "$word"
}

# --- malformed config ------------------------------------------------------

@test "errors: malformed JSON in config.json" {
  echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
  rejects config.json
}

@test "errors: config.json is missing" {
  rm "$BUNDLE/config.json"
  rejects config.json
}

@test "errors: wrong type: process.args is a string" {
  cfg '.process.args = "/bin/true"'
  rejects args
}

@test "errors: wrong type: process.user.uid is a string" {
  cfg '.process.user.uid = "root"'
  rejects uid
}

@test "errors: wrong type: linux.namespaces is an object" {
  cfg '.linux.namespaces = {"type":"pid"}'
  rejects namespaces
}

@test "errors: missing rootfs" {
  cfg '.root.path = "no-such-rootfs"'
  rejects no-such-rootfs
}

@test "errors: bundle directory does not exist" {
  new_id
  run_cell create --bundle "$BUNDLE/nope" "$ID"
  assert_rejected "$BUNDLE/nope"
}

@test "errors: mount destination escaping the rootfs (/../../x)" {
  [[ $CELL_NAME != runc ]] || skip "runc clamps the destination into the rootfs instead of refusing"
  name=cell-escape-$$-$RANDOM
  cfg '.mounts += [{"destination":$d,"type":"tmpfs","source":"tmpfs"}]' \
    --arg d "/../../$name"
  rejects "/../../$name"
  [ ! -e "/$name" ]
  [ ! -e "$TEST_TOP/$name" ]
  [ ! -e "$BUNDLE/$name" ]
}

@test "errors: relative mount destination" {
  [[ $CELL_NAME != runc ]] || skip "runc 1.1 only warns about relative destinations"
  cfg '.mounts += [{"destination":"mnt/rel","type":"tmpfs","source":"tmpfs"}]'
  rejects mnt/rel
}

@test "errors: duplicate namespaces" {
  cfg '.linux.namespaces += [{"type":"pid"}]'
  rejects pid
}

@test "errors: unknown namespace type" {
  cfg '.linux.namespaces += [{"type":"bogus"}]'
  rejects bogus
}

@test "errors: unknown rlimit" {
  cfg '.process.rlimits += [{"type":"RLIMIT_BOGUS","soft":1,"hard":1}]'
  rejects RLIMIT_BOGUS
}

@test "errors: unknown capability" {
  [[ $CELL_NAME != runc ]] || skip "runc 1.1 only warns about unknown capabilities"
  cfg '.process.capabilities.bounding += ["CAP_BOGUS"]'
  rejects CAP_BOGUS
}

@test "errors: process.args missing" {
  cfg 'del(.process.args)'
  rejects args
}

# --- container ids -----------------------------------------------------------

@test "errors: invalid ids are refused" {
  long=$(printf 'a%.0s' {1..300})
  for bad in "a/b" ".." "." "" "$long" "a b" 'a*b' $'a\nb' "../x"; do
    run_cell create --bundle "$BUNDLE" "$bad"
    assert_rejected ""
    if is_cell; then [[ $stderr == *" id"* || $stderr == *"$bad"* ]] || fail "message names neither the id nor the path"; fi
    run_cell run --bundle "$BUNDLE" "$bad"
    assert_rejected ""
    # nothing appeared next to --root either
    [ ! -e "$(dirname "$ROOT")/x" ]
  done
}

# --- lifecycle errors -----------------------------------------------------------

@test "errors: create with an id that exists fails, the first stays" {
  new_id
  cell_create "$ID"
  pid=$(state_field "$ID" .pid)
  run_cell create --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 1 ]
  if is_cell; then [[ $stderr == "cell: "*"$ID"* ]]; fi
  [ "$(state_field "$ID" .status)" = created ]
  [ "$(state_field "$ID" .pid)" = "$pid" ]
  pid_alive "$pid"
  # exactly one init in the bundle
  [ "$(procs_in "$BUNDLE/rootfs" | wc -l)" -eq 1 ]
}

@test "errors: start of a running container" {
  new_id
  cell_create "$ID"
  cell_as start "$ID"
  run_cell start "$ID"
  [ "$status" -eq 1 ]
  if is_cell; then [[ $stderr == "cell: "* ]]; fi
  [ "$(state_field "$ID" .status)" = running ]
}

@test "errors: start of a stopped container" {
  cfg '.process.args = ["/bin/true"]'
  new_id
  cell_create "$ID"
  cell_as start "$ID"
  wait_status "$ID" stopped
  run_cell start "$ID"
  [ "$status" -eq 1 ]
  [ "$(state_field "$ID" .status)" = stopped ]
}

@test "errors: delete of a running container without --force" {
  new_id
  cell_create "$ID"
  cell_as start "$ID"
  pid=$(state_field "$ID" .pid)
  run_cell delete "$ID"
  [ "$status" -eq 1 ]
  if is_cell; then [[ $stderr == "cell: "* ]]; fi
  [ "$(state_field "$ID" .status)" = running ]
  pid_alive "$pid"
}

@test "errors: kill of a stopped container" {
  cfg '.process.args = ["/bin/true"]'
  new_id
  cell_create "$ID"
  cell_as start "$ID"
  wait_status "$ID" stopped
  run_cell kill "$ID" KILL
  [ "$status" -eq 1 ]
  if is_cell; then [[ $stderr == "cell: "* ]]; fi
}

@test "errors: kill with an unknown signal" {
  new_id
  cell_create "$ID"
  run_cell kill "$ID" SIGBOGUS
  [ "$status" -eq 1 ]
  if is_cell; then [[ $stderr == "cell: "*SIGBOGUS* ]]; fi
  [ "$(state_field "$ID" .status)" = created ]
}

@test "errors: state, start, kill and delete of an unknown id" {
  for cmd in state start kill delete; do
    run_cell $cmd no-such-container
    [ "$status" -eq 1 ] || fail "$cmd: status $status"
    [ -n "$stderr" ]
    if is_cell; then
      [[ $stderr == "cell: "*no-such-container* ]] || fail "$cmd: $stderr"
      [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    fi
  done
  [ -z "$(ls -A "$ROOT")" ]
}

# A program that exists but cannot be executed fails create, as a missing
# one does: after start nobody would hear the init's exec error.
@test "errors: a non-executable program is refused at create" {
  make_bundle /etc/notexec
  echo 'echo hi' >"$BUNDLE/rootfs/etc/notexec"
  chmod 644 "$BUNDLE/rootfs/etc/notexec"
  new_id
  run_cell create --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 1 ]
  if is_cell; then
    [[ $stderr == "cell: exec: \`/etc/notexec\`: Permission denied" ]]
  fi
  assert_nothing_left
}

# The program's own exec fails (a script without #!): the exec shim
# (src/shim) sends the errno back over the sync socket, so `run` and `exec`
# name the program and the reason, as they would without a shim.
@test "errors: an exec format error reaches run and exec through the shim" {
  make_bundle /noshebang
  printf 'echo hi\n' >"$BUNDLE/rootfs/noshebang"
  chmod 755 "$BUNDLE/rootfs/noshebang"
  new_id
  run_cell run --bundle "$BUNDLE" "$ID"
  assert_rejected noshebang
  if is_cell; then
    [[ $stderr == "cell: exec \`/noshebang\`: Exec format error" ]]
  fi
  set_args /bin/sleep 1000
  new_id
  cell_run_detached "$ID"
  run_cell exec "$ID" /noshebang
  echo "status=$status stderr=$stderr" >&2
  [ "$status" -eq 1 ]
  [[ -z $output ]]
  if is_cell; then
    [[ $stderr == "cell: exec \`/noshebang\`: Exec format error" ]]
  fi
  # the container is not disturbed, and its exec'd processes see no shim
  run_cell exec "$ID" /bin/sh -c 'readlink /proc/self/exe; ls /proc/self/fd'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = /bin/busybox ]
  [ "$(echo "${lines[@]:1}" | tr -s ' ' '\n' | sort -n | xargs)" = "0 1 2 3" ]
  cell_as delete --force "$ID"
}
