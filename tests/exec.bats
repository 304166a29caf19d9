#!/usr/bin/env bats
# exec: a new process in a running container.  Each test checks the effect
# from inside the process, against what the host sees of the init.

load helpers

NS_TYPES="pid mnt net ipc uts user cgroup"

setup_file() { common_setup_file; }
setup() {
  common_setup
  mounts_snapshot
}
teardown() {
  [[ -n ${ROOT:-} ]] && rm -rf "$ROOT/.seccomp-cache"
  common_teardown
}

# start_ctr [--rootless]: a detached container sleeping, with a cgroup
# namespace too and a marker file in its root; sets ID and INIT.
start_ctr() {
  make_bundle "$@" /bin/sleep 1000 || return 1
  cfg '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
  touch "$BUNDLE/rootfs/exec-marker"
  [[ -n ${ROOTLESS:-} ]] && chown "$ROOTLESS_USER:" "$BUNDLE/rootfs/exec-marker"
  new_id
  cell_run_detached "$ID" || { cat "$T/$ID.err" >&2; return 1; }
  INIT=$(state_field "$ID" .pid)
  pid_alive "$INIT"
}

# ns_lines PID: "type inode" of each namespace, as readlink prints them.
ns_lines() {
  local n
  for n in $NS_TYPES; do echo "$n $(readlink "/proc/$1/ns/$n")"; done
}

status_field() {
  awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

# exec_ok ARGS...: foreground exec that must succeed.
exec_ok() {
  run_cell exec "$@"
  echo "status=$status output=$output stderr=$stderr" >&2
  [ "$status" -eq 0 ]
}

# exec_failed WORD: after run_cell, a refusal: status 1 (runc: any
# failure), and for cell one stderr line "cell: ..." naming WORD.
exec_failed() {
  echo "status=$status stderr=$stderr" >&2
  if ! is_cell; then
    [ "$status" -ne 0 ]
    return
  fi
  [ "$status" -eq 1 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ $stderr == "cell: "*"$1"* ]]
}

# Processes in the init's pid namespace (the init included).
procs_in_pidns() {
  local ref p n=0
  ref=$(readlink "/proc/$INIT/ns/pid")
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/ns/pid" 2>/dev/null) == "$ref" ]] && ((n++))
  done
  echo "$n"
}

@test "exec: joins every namespace of the init and sees the container's root" {
  start_ctr
  exec_ok "$ID" /bin/sh -c \
    'for n in '"$NS_TYPES"'; do echo "$n $(readlink /proc/self/ns/$n)"; done; ls /exec-marker; echo pid=$$'
  ns_lines "$INIT" >"$T/want"
  printf '%s\n' "${lines[@]}" | head -n 7 >"$T/got"
  diff "$T/want" "$T/got"
  [ "${lines[7]}" = /exec-marker ]
  # a new process of the container's pid namespace, not its init
  [[ ${lines[8]} =~ ^pid=[0-9]+$ ]]
  [ "${lines[8]}" != pid=1 ]
}

@test "exec: the process is in the container's cgroup" {
  start_ctr
  exec_ok -d --pid-file "$T/pid" "$ID" /bin/sleep 1000
  pid=$(cat "$T/pid")
  diff <(cat "/proc/$INIT/cgroup") <(cat "/proc/$pid/cgroup")
  # inside the cgroup namespace it is the root of each hierarchy
  exec_ok "$ID" /bin/cat /proc/self/cgroup
  for l in "${lines[@]}"; do [[ $l == *:/ ]]; done
}

# init_cgdir CTRL: sets dir to the init's cgroup directory in the v1
# hierarchy of CTRL; skips the test where there is none.
init_cgdir() {
  local line
  line=$(grep -E "^[0-9]+:$1:" "/proc/$INIT/cgroup") ||
    skip "no v1 $1 hierarchy"
  dir=/sys/fs/cgroup/$1${line#*:"$1":}
}

@test "exec: --cgroup puts the process in a sub-cgroup of the container's" {
  requires_cell "runc 1.1 has no exec --cgroup"
  start_ctr
  init_cgdir pids
  mkdir "$dir/sub"
  exec_ok --cgroup pids:sub "$ID" /bin/grep :pids: /proc/self/cgroup
  rc=0
  [[ $output == *:pids:/sub ]] || rc=1
  run_cell exec --cgroup pids:nosuch "$ID" /bin/true
  [[ $status -eq 1 && $stderr == *nosuch* ]] || rc=1
  run_cell exec --cgroup pids:../x "$ID" /bin/true
  [[ $status -eq 1 && $stderr == *..* ]] || rc=1
  rmdir "$dir/sub"
  [ "$rc" -eq 0 ]
}

@test "exec: a cgroup the process cannot join fails exec, naming it, nothing left" {
  requires_cell "runc 1.1 has no exec --cgroup"
  start_ctr
  init_cgdir cpuset
  # a cpuset with no cpus takes no task: the helper's own move fails
  mkdir "$dir/empty"
  echo "" >"$dir/empty/cpuset.cpus"
  run_cell exec --cgroup cpuset:empty "$ID" /bin/sleep 1000
  echo "status=$status stderr=$stderr" >&2
  local rc=0
  [[ $status -eq 1 ]] || rc=1
  [[ $stderr == "cell: join cgroup \`$dir/empty\`: No space left on device" ]] || rc=1
  [[ -z $(cat "$dir/empty/tasks") ]] || rc=1
  # only the init is left in the container
  [[ $(cat "$dir/tasks" | xargs) == "$INIT" ]] || rc=1
  rmdir "$dir/empty"
  [ "$rc" -eq 0 ]
}

@test "exec: capabilities and no_new_privs equal the init's; --cap adds one" {
  start_ctr
  exec_ok "$ID" /bin/sh -c 'grep -E "^(CapEff|CapBnd|CapPrm|NoNewPrivs):" /proc/self/status'
  for k in CapEff CapBnd CapPrm NoNewPrivs; do
    want=$(status_field "$INIT" $k)
    printf '%s\n' "${lines[@]}" | grep -qx "$k:[[:space:]]*$want"
  done
  [ "$(status_field "$INIT" NoNewPrivs)" = 1 ]
  # CAP_SYS_ADMIN is bit 21
  exec_ok --cap CAP_SYS_ADMIN "$ID" /bin/sh -c 'grep -E "^CapEff:" /proc/self/status'
  eff=$(awk '{print $2}' <<<"$output")
  (((0x$eff >> 21) & 1))
  if is_cell; then # runc warns and goes on
    run_cell exec --cap CAP_NOPE "$ID" /bin/true
    exec_failed CAP_NOPE
  fi
}

@test "exec: the container's seccomp filter applies (Seccomp: 2)" {
  make_bundle /bin/sleep 1000
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
  new_id
  cell_run_detached "$ID"
  INIT=$(state_field "$ID" .pid)
  [ "$(status_field "$INIT" Seccomp)" = 2 ]
  run_cell exec "$ID" /bin/sh -c 'grep "^Seccomp:" /proc/self/status; mkdir /tmp/d && echo made'
  echo "$output $stderr" >&2
  [ "$status" -ne 0 ]
  [[ ${lines[0]} =~ ^Seccomp:[[:space:]]+2$ ]]
  [[ $output != *made* ]]
  [[ $stderr == *"Operation not permitted"* ]]
}

@test "exec: --user, --additional-gids, --env, --cwd" {
  start_ctr
  exec_ok --user 1000:1001 -g 2000 -g 2001 "$ID" /bin/sh -c \
    'grep -E "^(Uid|Gid|Groups):" /proc/self/status'
  [[ ${lines[0]} =~ ^Uid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$ ]]
  [[ ${lines[1]} =~ ^Gid:[[:space:]]+1001[[:space:]]+1001[[:space:]]+1001[[:space:]]+1001$ ]]
  [[ ${lines[2]} =~ ^Groups:[[:space:]]+2000[[:space:]]+2001 ]]
  if is_cell; then
    # a name from the container's /etc/passwd brings its group
    exec_ok -u nobody "$ID" /bin/sh -c 'id -u; id -g'
    [ "${lines[0]}" = 65534 ]
    [ "${lines[1]}" = 65534 ]
  fi
  exec_ok --env FOO=bar --cwd /tmp "$ID" /bin/sh -c 'echo $FOO; pwd'
  [ "${lines[0]}" = bar ]
  [ "${lines[1]}" = /tmp ]
  if is_cell; then
    # --env replaces the config's entry rather than adding a second one
    exec_ok -e PATH=/bin "$ID" /bin/sh -c 'echo $PATH; env | grep -c ^PATH='
    [ "${lines[0]}" = /bin ]
    [ "${lines[1]}" = 1 ]
  fi
  run_cell exec --cwd /nonexistent "$ID" /bin/true
  exec_failed /nonexistent
}

@test "exec: exit status passes through; a signal gives 128+N" {
  start_ctr
  run_cell exec "$ID" /bin/sh -c 'exit 7'
  [ "$status" -eq 7 ]
  run_cell exec "$ID" /bin/sh -c 'kill -KILL $$'
  [ "$status" -eq 137 ]
}

@test "exec: forwards signals to the process in the foreground" {
  start_ctr
  cell_as exec "$ID" /bin/sh -c 'trap "exit 3" TERM; echo up > /tmp/up; while :; do sleep 0.1; done' \
    </dev/null >"$T/fg.out" 2>&1 &
  bg=$!
  BG_PIDS+=("$bg")
  wait_for test -e "$BUNDLE/rootfs/tmp/up"
  # the cell process (timeout's child)
  cellpid=$(pgrep -P "$bg" -x "$CELL_NAME" || pgrep -P "$(pgrep -P "$bg")" -x "$CELL_NAME")
  kill -TERM "$cellpid"
  rc=0
  wait "$bg" || rc=$?
  [ "$rc" -eq 3 ]
}

@test "exec: --detach with --pid-file leaves the process running in the container" {
  start_ctr
  run_cell exec --detach --pid-file "$T/pid" "$ID" /bin/sleep 1000
  [ "$status" -eq 0 ]
  pid=$(cat "$T/pid")
  pid_alive "$pid"
  [ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink "/proc/$INIT/ns/pid")" ]
  [ "$(root_of "$pid")" = "$(root_of "$INIT")" ]
  # the pid-file is the host pid; inside it has another
  grep -q "^NSpid:[[:space:]]*$pid[[:space:]]" "/proc/$pid/status"
}

@test "exec: --process FILE is the process" {
  start_ctr
  cat >"$T/process.json" <<'EOF'
{"args": ["/bin/sh", "-c", "echo $MSG; pwd; id -u; grep ^CapEff: /proc/self/status"],
 "env": ["MSG=from-file", "PATH=/bin"], "cwd": "/tmp",
 "user": {"uid": 7, "gid": 7}}
EOF
  exec_ok --process "$T/process.json" "$ID"
  [ "${lines[0]}" = from-file ]
  [ "${lines[1]}" = /tmp ]
  [ "${lines[2]}" = 7 ]
  # no capabilities object: none
  [[ ${lines[3]} =~ ^CapEff:[[:space:]]+0+$ ]]
  echo '{"args": []}' >"$T/bad.json"
  run_cell exec --process "$T/bad.json" "$ID"
  exec_failed args
}

@test "exec: --tty with --console-socket; --tty proxied in the foreground" {
  requires_cell "runc proxies only a terminal stdin"
  start_ctr
  SOCK=$T/console.sock
  "$PROBES/recvtty" "$SOCK" >"$T/tty.out" 2>"$T/tty.err" &
  RPID=$!
  BG_PIDS+=("$RPID")
  wait_for test -S "$SOCK"
  run_cell exec -t --console-socket "$SOCK" "$ID" /bin/sh -c \
    'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo stdio-is-tty; readlink /proc/1/fd/1'
  [ "$status" -eq 0 ]
  wait_for eval "! kill -0 $RPID 2>/dev/null"
  out=$(tr -d '\r' <"$T/tty.out")
  echo "$out" >&2
  echo "$out" | grep -qx '/dev/pts/[0-9]*'
  echo "$out" | grep -qx 'stdio-is-tty'
  # foreground without a socket: cell copies the pty to its stdout
  exec_ok -t "$ID" /bin/sh -c 'tty'
  [[ $(tr -d '\r' <<<"$output") =~ ^/dev/pts/[0-9]+$ ]]
  # detached needs a socket
  run_cell exec -t -d "$ID" /bin/true
  exec_failed console-socket
}

@test "exec: a paused container is refused unless --ignore-paused" {
  start_ctr
  cell_as pause "$ID"
  run_cell exec "$ID" /bin/true
  exec_failed paused
  # joins the frozen cgroup: runs once the container is resumed
  cell_as exec --ignore-paused "$ID" /bin/sh -c 'echo ran' \
    </dev/null >"$T/ip.out" 2>"$T/ip.err" &
  bg=$!
  BG_PIDS+=("$bg")
  sleep 0.3
  cell_as resume "$ID"
  rc=0
  wait "$bg" || rc=$?
  cat "$T/ip.err" >&2
  [ "$rc" -eq 0 ]
  [ "$(cat "$T/ip.out")" = ran ]
}

@test "exec: a stopped container is refused" {
  make_bundle /bin/true
  new_id
  cell_create "$ID"
  cell_as start "$ID"
  wait_status "$ID" stopped
  run_cell exec "$ID" /bin/true
  exec_failed stopped
  run_cell exec nosuch /bin/true
  exec_failed "does not exist"
}

@test "exec: a missing program fails with its name, nothing left running" {
  start_ctr
  before=$(procs_in_pidns)
  run_cell exec "$ID" no-such-program arg
  exec_failed '`no-such-program`: executable file not found'
  [[ $stderr == *no-such-program*"not found"* ]]
  run_cell exec -d "$ID" /nope/prog
  exec_failed /nope/prog
  [[ $stderr == */nope/prog* ]]
  [ "$(procs_in_pidns)" -eq "$before" ]
  pid_alive "$INIT"
}

@test "exec: --preserve-fds passes fds 3.., and only those" {
  start_ctr
  cp "$PROBES/fds" "$BUNDLE/rootfs/probes/fds"
  run_cell exec --preserve-fds 1 "$ID" /probes/fds 3<"$BUNDLE/config.json" 4</dev/null
  # fd 3 reaches the process, fd 4 does not
  [ "$status" -eq 0 ]
  [ "$output" = "0 1 2 3" ]
  # a gap in the preserved range gets /dev/null, never a fd of cell's
  is_cell || return 0
  run_cell exec --preserve-fds 2 "$ID" /probes/fds -l 3>&- 4>&-
  [ "$status" -eq 0 ]
  echo "$output" >&2
  [[ $output == "0="*" 3=/dev/null 4=/dev/null" ]]
}

@test "exec: rootless, into the user namespace the user owns" {
  use_rootless
  start_ctr --rootless
  exec_ok "$ID" /bin/sh -c \
    'for n in '"$NS_TYPES"'; do echo "$n $(readlink /proc/self/ns/$n)"; done; id -u; ls /exec-marker'
  ns_lines "$INIT" >"$T/want"
  printf '%s\n' "${lines[@]}" | head -n 7 >"$T/got"
  diff "$T/want" "$T/got"
  [ "${lines[7]}" = 0 ]
  [ "${lines[8]}" = /exec-marker ]
  run_cell exec "$ID" /bin/sh -c 'exit 5'
  [ "$status" -eq 5 ]
}
