#!/usr/bin/env bats
# containerd 1.6 and ctr drive the runtime under test through the runc v2
# shim (io.containerd.runc.v2, BinaryName = $CELL). A private containerd
# runs for this file only: its root, state, socket, runtime --root and
# FIFOs live under TEST_TOP; the image is built here from the busybox
# rootfs. Containers get a network namespace of their own (only lo): no CNI.

load helpers

CTR_NS=cellt-ctrd
IMAGE=localhost/cell-busybox:latest
# the memory limit in `ctr task metrics --format json`: cgroup v1, v2
MEM_LIMIT='.memory.usage.limit // .memory.usage_limit'

# ctrc ARGS...: ctr against the private instance, bounded.
ctrc() {
  timeout -k 5 60 ctr -a "$CTRD/c.sock" -n "$CTR_NS" "$@"
}

# ctr_run ARGS...: `ctr run` with the shim's BinaryName set to the runtime.
ctr_run() {
  ctrc run --runc-binary "$CELL" --runc-root "$CTRD/runc" \
    --fifo-dir "$CTRD/fifo" "$@"
}

ctr_exec() {
  ctrc task exec --fifo-dir "$CTRD/fifo" "$@"
}

# The runtime itself, on the state the shim gave it (--root).
# runs a bash script on a terminal of its own (script(1)); SHELL is set
# because script runs the command with it, and CI may not have it set
tty_run() {
  SHELL=/bin/bash timeout -k 5 60 script -qec "bash $1" /dev/null </dev/null
}

rt() {
  timeout -k 5 30 "$CELL" --root "$CTRD/runc/$CTR_NS" "$@"
}

# One layer (the suite's rootfs template), its config, manifest and index,
# as an OCI image layout in a tar: what `ctr image import` reads.
build_image() {
  local d=$CTRD/img b l c m ls cs ms
  b=$d/blobs/sha256
  mkdir -p "$b"
  tar -C "$TEST_TOP/rootfs-template" --exclude=./.stamp --numeric-owner \
    --owner=0 --group=0 -cf "$d/layer" . || return 1
  l=$(sha256sum "$d/layer" | cut -d' ' -f1)
  ls=$(stat -c %s "$d/layer")
  mv "$d/layer" "$b/$l"
  jq -nc --arg l "sha256:$l" --arg a "$(dpkg --print-architecture)" \
    '{architecture: $a, os: "linux",
      config: {Env: ["PATH=/bin"], Cmd: ["/bin/sh"]},
      rootfs: {type: "layers", diff_ids: [$l]}}' >"$d/config" || return 1
  c=$(sha256sum "$d/config" | cut -d' ' -f1)
  cs=$(stat -c %s "$d/config")
  mv "$d/config" "$b/$c"
  jq -nc --arg c "sha256:$c" --argjson cs "$cs" --arg l "sha256:$l" \
    --argjson ls "$ls" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json",
               digest: $c, size: $cs},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar",
                digest: $l, size: $ls}]}' >"$d/manifest" || return 1
  m=$(sha256sum "$d/manifest" | cut -d' ' -f1)
  ms=$(stat -c %s "$d/manifest")
  mv "$d/manifest" "$b/$m"
  jq -nc --arg m "sha256:$m" --argjson ms "$ms" --arg n "$IMAGE" \
    '{schemaVersion: 2, manifests: [{
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: $m, size: $ms,
      annotations: {"io.containerd.image.name": $n,
                    "org.opencontainers.image.ref.name": "latest"}}]}' \
    >"$d/index.json" || return 1
  echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
  tar -C "$d" -cf "$CTRD/image.tar" oci-layout index.json blobs
}

# write_config FILE [EXTRA]: a containerd config private to this file.
# The CRI plugin is off unless EXTRA brings its own table.
write_config() {
  local disabled='disabled_plugins = ["io.containerd.grpc.v1.cri"]'
  [[ -n ${2:-} ]] && disabled=''
  cat >"$1" <<EOF
version = 2
root = "$CTRD/root"
state = "$CTRD/state"
$disabled

[grpc]
  address = "$CTRD/c.sock"

[ttrpc]
  address = "$CTRD/c.sock.ttrpc"

[debug]
  level = "debug"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CTRD/opt"
${2:-}
EOF
}

start_containerd() {
  # fd 3 is bats' own: a daemon holding it would hang the run
  containerd --config "$CTRD/config.toml" >>"$CTRD/containerd.log" 2>&1 \
    </dev/null 3>&- &
  echo $! >"$CTRD/containerd.pid"
  local i
  for ((i = 0; i < 100; i++)); do
    ctrc version >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  tail -20 "$CTRD/containerd.log" >&2
  return 1
}

# Why every test skips, or empty (bats 1.8 cannot skip from setup_file).
why_skip() {
  if [[ $(id -u) != 0 ]]; then
    echo "containerd tests run as root"
  elif ! command -v containerd >/dev/null || ! command -v ctr >/dev/null ||
    ! command -v containerd-shim-runc-v2 >/dev/null; then
    echo "containerd, ctr or containerd-shim-runc-v2 not installed" \
      "(contrib/deps.sh --test installs the containerd package)"
  elif [[ ! -x $CELL ]]; then
    echo "no runtime binary at $CELL (set CELL=)"
  fi
}

setup_file() {
  CTRD_SKIP=$(why_skip)
  export CTRD_SKIP
  [[ -z $CTRD_SKIP ]] || return 0
  common_setup_file
  # /run/containerd/s (shim sockets) cannot be moved: remember whether it
  # was ours to remove
  [[ -e /run/containerd ]] && export CTRD_RUN_EXISTED=1
  CTRD=$(mktemp -d "$TEST_TOP/ctrd.XXXXXX")
  export CTRD
  write_config "$CTRD/config.toml"
  build_image || return 1
  start_containerd || return 1
  ctrc image import "$CTRD/image.tar" >&2 || return 1
}

# Pids of shims serving this file's containerd (by their -address).
our_shims() {
  local p
  for p in /proc/[0-9]*; do
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null |
      grep -q "containerd-shim-runc-v2 .*$CTRD/c.sock" && echo "${p#/proc/}"
  done
  return 0
}

stop_containerd() {
  local pid i
  pid=$(cat "$CTRD/containerd.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  # a zombie counts as gone: its parent may be bats' file-level shell
  for ((i = 0; i < 100; i++)); do
    pid_alive "$pid" || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$CTRD/containerd.pid"
  return 0
}

teardown_file() {
  [[ -n ${CTRD:-} && -d $CTRD ]] || return 0
  local c p d
  if [[ -e $CTRD/containerd.pid ]]; then
    for c in $(ctrc task ls -q 2>/dev/null); do
      ctrc task rm -f "$c" >/dev/null 2>&1 || true
    done
    for c in $(ctrc container ls -q 2>/dev/null); do
      ctrc container rm "$c" >/dev/null 2>&1 || true
    done
    ctrc image rm "$IMAGE" >/dev/null 2>&1 || true
  fi
  stop_containerd
  for p in $(our_shims); do kill -9 "$p" 2>/dev/null || true; done
  # what the runtime or the shim made outside CTRD, only when now empty
  for d in /sys/fs/cgroup/*/"$CTR_NS" /sys/fs/cgroup/"$CTR_NS"; do
    [[ ! -d $d ]] || rmdir "$d" 2>/dev/null || true
  done
  if [[ -z ${CTRD_RUN_EXISTED:-} ]]; then
    rmdir /run/containerd/runc/"$CTR_NS" /run/containerd/runc \
      /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null ||
      true
  fi
  # a mount left under CTRD stays, for zz_leftovers to report
  grep -qF "$CTRD" /proc/self/mountinfo || rm -rf --one-file-system "$CTRD"
  return 0
}

setup() {
  [[ -z $CTRD_SKIP ]] || skip "$CTRD_SKIP"
  common_setup
  CIDS=()
}

teardown() {
  [[ -z $CTRD_SKIP ]] || return 0
  local c p
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for c in "${CIDS[@]}"; do
    ctrc task rm -f "$c" >/dev/null 2>&1 || true
    ctrc container rm "$c" >/dev/null 2>&1 || true
  done
  common_teardown
}

new_cid() {
  CID="c$BATS_TEST_NUMBER-$RANDOM"
  CIDS+=("$CID")
}

# run_quiet CMD ARGS...: status, output and stderr as bats' run sets them,
# but through files: no container may hold a pipe of bats'.
run_quiet() {
  status=0
  "$@" </dev/null >"$T/ctr.out" 2>"$T/ctr.err" || status=$?
  output=$(cat "$T/ctr.out")
  stderr=$(cat "$T/ctr.err")
  mapfile -t lines <"$T/ctr.out"
}

run_ctr() { run_quiet ctrc "$@"; }
run_ctr_run() { run_quiet ctr_run "$@"; }

# task_field ID COLUMN: PID (2) or STATUS (3) from `ctr task ls`.
task_field() {
  ctrc task ls 2>/dev/null | awk -v id="$1" -v f="$2" '$1 == id { print $f }'
}

task_is() {
  [[ $(task_field "$1" 3) == "$2" ]]
}

# run_detached ID [CTR-FLAGS...] -- CMD...: run -d with stdio discarded.
run_detached() {
  local id=$1 flags=()
  shift
  while [[ $1 != -- ]]; do
    flags+=("$1")
    shift
  done
  shift
  ctr_run -d --null-io "${flags[@]}" "$IMAGE" "$id" "$@" >"$T/$id.out" \
    2>"$T/$id.err" </dev/null || {
    cat "$T/$id.err" >&2
    return 1
  }
  wait_for task_is "$id" RUNNING
}

@test "containerd: ctr run in the foreground passes output and exit status" {
  new_cid
  run_ctr_run --rm "$IMAGE" "$CID" sh -c \
    'echo out-$((6 * 7)); echo err >&2; exit 3'
  echo "$output / $stderr" >&2
  [ "$status" -eq 3 ]
  [ "$output" = out-42 ]
  [[ $stderr == *err* ]]
  # --rm: the runtime's state, the container record and the rootfs are gone
  [ ! -e "$CTRD/runc/$CTR_NS/$CID" ]
  [ -z "$(ctrc container ls -q | grep -x "$CID")" ]
  run ! grep -qF "/$CID/rootfs" /proc/self/mountinfo
}

@test "containerd: own pid, net, uts, ipc and mount namespaces; only lo" {
  new_cid
  run_ctr_run --rm "$IMAGE" "$CID" sh -c 'echo $$; ls /sys/class/net
    for n in pid net uts ipc mnt; do readlink /proc/self/ns/$n; done'
  echo "$output" >&2
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1 ]
  # only loopback: no CNI network is made
  [ "${lines[1]}" = lo ]
  local n inside=$output
  for n in pid net uts ipc mnt; do
    grep -qx "$n:.*" <<<"$inside"
    run ! grep -qx "$(readlink /proc/self/ns/$n)" <<<"$inside"
  done
}

@test "containerd: task kill -s KILL: ctr run returns 128+9" {
  new_cid
  ctr_run --rm --null-io "$IMAGE" "$CID" sleep 1000 \
    </dev/null >"$T/fg.out" 2>"$T/fg.err" &
  local fg=$! rc=0
  BG_PIDS+=("$fg")
  wait_for task_is "$CID" RUNNING
  run_ctr task kill -s KILL "$CID"
  [ "$status" -eq 0 ]
  wait "$fg" || rc=$?
  [ "$rc" -eq 137 ]
}

@test "containerd: a missing program fails create with the runtime's message" {
  new_cid
  run_ctr_run --rm "$IMAGE" "$CID" /nonexistent
  echo "$stderr" >&2
  [ "$status" -ne 0 ]
  # the shim reports the last error record of the runtime's JSON --log
  [[ $stderr == *"OCI runtime create failed"* ]]
  [[ $stderr == *nonexistent* ]]
  [ ! -e "$CTRD/runc/$CTR_NS/$CID" ]
  [ -z "$(ctrc task ls -q | grep -x "$CID")" ]
}

@test "containerd: run -d then task exec: output, status, user and cwd" {
  new_cid
  run_detached "$CID" -- sh -c 'echo ready >/tmp/ready; exec sleep 1000'
  run_quiet ctr_exec --exec-id e1 "$CID" cat /tmp/ready
  [ "$status" -eq 0 ]
  [ "$output" = ready ]
  run_quiet ctr_exec --exec-id e2 "$CID" sh -c 'exit 5'
  [ "$status" -eq 5 ]
  run_quiet ctr_exec --exec-id e3 --user 65534 --cwd /tmp "$CID" \
    sh -c 'echo $(id -u):$(id -g):$(pwd)'
  echo "$output $stderr" >&2
  [ "$status" -eq 0 ]
  [ "$output" = 65534:65534:/tmp ]
  # the exec joins the init's pid namespace
  run_quiet ctr_exec --exec-id e4 "$CID" sh -c 'cat /proc/1/comm'
  [ "$output" = sleep ]
  # a missing program: the runtime's message, the task unharmed
  run_quiet ctr_exec --exec-id e5 "$CID" /nonexistent
  echo "$stderr" >&2
  [ "$status" -ne 0 ]
  [[ $stderr == *"OCI runtime exec failed"*nonexistent* ]]
  task_is "$CID" RUNNING
  # the runtime sees the task as running
  [ "$(rt state "$CID" | jq -r .status)" = running ]
  [ "$(rt state "$CID" | jq -r .pid)" = "$(task_field "$CID" 2)" ]
}

@test "containerd: task kill sends SIGTERM and the task exits" {
  new_cid
  local share=$T/share
  mkdir -p "$share"
  ctr_run --null-io --mount "type=bind,src=$share,dst=/share,options=rbind:rw" \
    "$IMAGE" "$CID" sh -c \
    'trap "exit 7" TERM; touch /share/trap; while :; do sleep 0.1; done' \
    </dev/null >"$T/fg.out" 2>"$T/fg.err" &
  local fg=$!
  BG_PIDS+=("$fg")
  wait_for test -e "$share/trap"
  run_ctr task kill "$CID"
  [ "$status" -eq 0 ]
  local rc=0
  wait "$fg" || rc=$?
  [ "$rc" -eq 7 ]
  # ctr run (no --rm) deletes the task, the container stays
  [ -z "$(task_field "$CID" 3)" ]
  [ ! -e "$CTRD/runc/$CTR_NS/$CID" ]
  ctrc container ls -q | grep -qx "$CID"
}

@test "containerd: task kill --all reaches every process, exec'd ones too" {
  new_cid
  run_detached "$CID" -- sh -c 'sleep 1000 & exec sleep 1001'
  ctr_exec -d --exec-id bg "$CID" sleep 1002 </dev/null >/dev/null 2>&1
  local pids p
  wait_for eval '[[ $(ctrc task ps "$CID" | tail -n +2 | wc -l) -ge 3 ]]'
  pids=$(ctrc task ps "$CID" | awk 'NR > 1 { print $1 }')
  run_ctr task kill --all -s KILL "$CID"
  [ "$status" -eq 0 ]
  wait_for task_is "$CID" STOPPED
  for p in $pids; do wait_for eval "! pid_alive $p"; done
}

@test "containerd: task pause freezes the task, resume thaws it" {
  new_cid
  local share=$T/share a b
  mkdir -p "$share"
  run_detached "$CID" \
    --mount "type=bind,src=$share,dst=/share,options=rbind:rw" -- \
    sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/share/n.new
           mv /share/n.new /share/n; sleep 0.05; done'
  wait_for test -s "$share/n"
  run_ctr task pause "$CID"
  [ "$status" -eq 0 ]
  task_is "$CID" PAUSED
  [ "$(rt state "$CID" | jq -r .status)" = paused ]
  a=$(cat "$share/n")
  sleep 0.5
  b=$(cat "$share/n")
  echo "paused: $a -> $b" >&2
  [ "$a" = "$b" ]
  run_ctr task resume "$CID"
  [ "$status" -eq 0 ]
  task_is "$CID" RUNNING
  [ "$(rt state "$CID" | jq -r .status)" = running ]
  wait_for eval '[[ $(cat "$share/n") -gt $b ]]'
}

@test "containerd: task ps lists the task's pids, exec'd process by id" {
  new_cid
  run_detached "$CID" -- sh -c 'sleep 1000 & exec sleep 1001'
  ctr_exec -d --exec-id psx "$CID" sleep 1002 </dev/null >/dev/null 2>&1
  wait_for eval '[[ $(ctrc task ps "$CID" | tail -n +2 | wc -l) -eq 3 ]]'
  run_ctr task ps "$CID"
  echo "$output" >&2
  [ "$status" -eq 0 ]
  local init p ns
  init=$(task_field "$CID" 2)
  ns=$(readlink "/proc/$init/ns/pid")
  grep -q "^$init " <<<"$output"
  grep -q "ExecID:psx" <<<"$output"
  for p in $(awk 'NR > 1 { print $1 }' <<<"$output"); do
    [ "$(readlink "/proc/$p/ns/pid")" = "$ns" ]
  done
  # the same set as the runtime's own ps
  [ "$(rt ps --format json "$CID" | jq -r '.[]' | sort -n | xargs)" = \
    "$(awk 'NR > 1 { print $1 }' <<<"$output" | sort -n | xargs)" ]
}

@test "containerd: limits from ctr run are set; task metrics reads them" {
  new_cid
  run_detached "$CID" --memory-limit 33554432 --cpus 0.5 -- \
    sh -c 'sleep 1000 & while :; do :; done'
  local init cg
  init=$(task_field "$CID" 2)
  cg=$(awk -F: '$2 ~ /(^|,)cpu(,|$)/ { print $3 }' "/proc/$init/cgroup")
  if [[ -n $cg ]]; then
    [ "$(cat "/sys/fs/cgroup/cpu$cg/cpu.cfs_quota_us")" = 50000 ]
  else
    cg=$(awk -F: '$1 == 0 { print $3 }' "/proc/$init/cgroup")
    [ "$(cat "/sys/fs/cgroup$cg/cpu.max")" = "50000 100000" ]
  fi
  sleep 0.3
  run_ctr task metrics --format json "$CID"
  [ "$status" -eq 0 ]
  echo "$output" | head -c 2000 >&2
  local pids mem cpu
  pids=$(jq -r '.pids.current' <<<"$output")
  mem=$(jq -r '.memory.usage.usage // .memory.usage' <<<"$output")
  cpu=$(jq -r '.cpu.usage.total // .cpu.usage_usec' <<<"$output")
  [ "$pids" -eq 2 ]
  [ "$(jq -r "$MEM_LIMIT" <<<"$output")" = 33554432 ]
  [ "$mem" -gt 0 ]
  [ "$cpu" -gt 0 ]
}

@test "containerd: update --resources - and events --stats on a shim's task" {
  # ctr 1.6 has no update command; this is the shim's Update call:
  # LinuxResources JSON on stdin, under the --root the shim uses
  new_cid
  run_detached "$CID" -- sleep 1000
  local r
  r=$(echo '{"memory":{"limit":67108864},"pids":{"limit":42}}' |
    rt update --resources - "$CID" 2>&1) || fail "update: $r"
  run_ctr task metrics --format json "$CID"
  echo "$output" | head -c 1500 >&2
  [ "$(jq -r '.pids.limit' <<<"$output")" = 42 ]
  [ "$(jq -r "$MEM_LIMIT" <<<"$output")" = 67108864 ]
  [[ $CELL_NAME != crun ]] || return 0 # crun has no events command
  run rt events --stats "$CID"
  [ "$status" -eq 0 ]
  [ "$(jq -r .type <<<"$output")" = stats ]
  [ "$(jq -r .id <<<"$output")" = "$CID" ]
}

@test "containerd: task delete and container delete leave nothing" {
  new_cid
  run_detached "$CID" -- sleep 1000
  local init cg
  init=$(task_field "$CID" 2)
  cg=$(awk -F: '$2 ~ /(^|,)pids(,|$)/ { print $3 }' "/proc/$init/cgroup")
  [ -n "$cg" ] && [ -d "/sys/fs/cgroup/pids$cg" ]
  grep -qF "/$CID/rootfs" /proc/self/mountinfo
  # a running task: the shim's delete --force path
  run_ctr task rm -f "$CID"
  [ "$status" -eq 0 ]
  run_ctr container rm "$CID"
  [ "$status" -eq 0 ]
  run ! pid_alive "$init"
  [ ! -e "$CTRD/runc/$CTR_NS/$CID" ]
  [ ! -e "/sys/fs/cgroup/pids$cg" ]
  run ! grep -qF "/$CID/rootfs" /proc/self/mountinfo
  [ -z "$(ctrc container ls -q | grep -x "$CID")" ]
  run rt state "$CID"
  [ "$status" -ne 0 ]
}

@test "containerd: run -t gives the task a terminal (console socket)" {
  command -v script >/dev/null || skip "script(1) not installed (bsdutils)"
  new_cid
  local rc=0
  # ctr sets the size just after start: the task waits for it (5 s at most)
  cat >"$T/tty.sh" <<EOF
stty rows 24 cols 80
exec ctr -a "$CTRD/c.sock" -n "$CTR_NS" run --rm -t \\
  --runc-binary "$CELL" --runc-root "$CTRD/runc" --fifo-dir "$CTRD/fifo" \\
  "$IMAGE" "$CID" sh -c 'tty; i=0
    while [ "\$(stty size 2>/dev/null)" != "24 80" ] && [ \$i -lt 50 ]; do
      sleep 0.1; i=\$((i + 1)); done
    stty size; exit 4'
EOF
  # ctr -t needs a terminal of its own: script(1) gives it one.  timeout
  # stays outside: inside, it would put ctr in a background process group
  # of that terminal, and ctr's tcsetattr would stop it with SIGTTOU.
  tty_run "$T/tty.sh" >"$T/tty.out" 2>&1 || rc=$?
  cat -v "$T/tty.out" >&2
  [ "$rc" -eq 4 ]
  grep -q '/dev/pts/[0-9]' "$T/tty.out"
  grep -q '24 80' "$T/tty.out"
  # exec -t: a console socket for an exec'd process
  run_detached "$CID" -- sleep 1000
  cat >"$T/tty.sh" <<EOF
exec ctr -a "$CTRD/c.sock" -n "$CTR_NS" task exec -t \\
  --fifo-dir "$CTRD/fifo" --exec-id tty1 "$CID" sh -c 'tty; exit 6'
EOF
  rc=0
  tty_run "$T/tty.sh" >"$T/tty.out" 2>&1 || rc=$?
  cat -v "$T/tty.out" >&2
  [ "$rc" -eq 6 ]
  grep -q '/dev/pts/[0-9]' "$T/tty.out"
}

@test "containerd: contrib/containerd-config.toml loads in the CRI plugin" {
  local snip=$BATS_TEST_DIRNAME/../contrib/containerd-config.toml
  [ -f "$snip" ]
  # the snippet with BinaryName pointing at the binary under test, in a
  # second private instance with the CRI plugin on
  local extra
  extra=$(sed -e "s|/usr/local/bin/cell|$CELL|" -e '/^version *=/d' \
    -e "s|/run/containerd/cell|$CTRD/cri-cell|" "$snip")
  grep -q "BinaryName = \"$CELL\"" <<<"$extra"
  stop_containerd
  write_config "$CTRD/config.toml" "$extra"
  local ok=0
  start_containerd || ok=1
  [ $ok -eq 0 ] || {
    tail -30 "$CTRD/containerd.log" >&2
    false
  }
  run_ctr plugins ls
  echo "$output" | grep -E 'cri|runtime' >&2
  grep -E 'io.containerd.grpc.v1 +cri +.* ok' <<<"$output"
  # the daemon's own view of the merged config names cell for the runtime
  run containerd --config "$CTRD/config.toml" config dump
  [ "$status" -eq 0 ]
  grep -q "BinaryName = \"$CELL\"" <<<"$output"
  grep -q 'default_runtime_name = "cell"' <<<"$output"
}
