#!/usr/bin/env bats
# podman 4.3 (with conmon) driving cell end to end: `podman --runtime $CELL`
# with contrib/containers.conf, a private storage, and a busybox image made
# by `podman import`.  Every test checks the effect inside or outside the
# container, not only podman's exit status.
# shellcheck disable=SC2016 # $... in single quotes runs in the container

load helpers

IMG=localhost/cell-test-busybox:latest

# Runs podman with cell; bounded, and without bats' fd 3 (conmon would
# hold it and hang bats).
pm() {
  timeout -k 5 "${PODMAN_TIMEOUT:-60}" podman --runtime "$CELL" "$@" 3>&-
}

# pm_tty CMD: a podman command line run under a pty of 33 rows x 101 cols.
pm_tty() {
  timeout -k 5 60 script -qec "stty rows 33 cols 101; podman --runtime $CELL $1" \
    /dev/null </dev/null 3>&-
}

# Host paths that podman writes outside its --root/--runroot; removed at
# the end when this file made them.  cell keeps its default state root:
# podman 4.3 drops --runtime-flag root=... from conmon's exit command, so
# the cleanup's `delete` would look in /run/cell anyway.
HOST_DIRS="/var/lib/containers /run/containers /run/cell"

# Why this file cannot run here, or nothing (bats 1.8 cannot skip in
# setup_file: each test skips in setup).
why_skip() {
  if ! command -v podman >/dev/null; then
    echo "podman is not installed (contrib/deps.sh --test installs it)"
  elif ! command -v conmon >/dev/null; then
    echo "conmon is not installed"
  elif [[ $(id -u) != 0 ]]; then
    echo "the suite runs as root"
  elif [[ ! -x $CELL ]]; then
    echo "no runtime binary at $CELL (set CELL=)"
  fi
}

setup_file() {
  PODMAN_SKIP=$(why_skip)
  export PODMAN_SKIP
  [[ -z $PODMAN_SKIP ]] || return 0
  mkdir -p "$TEST_TOP"
  PM=$(mktemp -d "$TEST_TOP/podman.XXXXXX")
  export PM
  local d
  : >"$PM/host-dirs-made"
  for d in $HOST_DIRS; do [[ -e $d ]] || echo "$d" >>"$PM/host-dirs-made"; done
  # podman (cgroupfs manager) keeps conmon in libpod_parent and never
  # removes it: the ones that are not there yet are the suite's to remove
  for d in /sys/fs/cgroup /sys/fs/cgroup/*/; do
    [[ -e ${d%/}/libpod_parent ]] || echo "${d%/}/libpod_parent"
  done >"$PM/cgroups-made"
  # --userns=auto takes its ranges from the `containers` entries
  local f
  : >"$PM/subid-added"
  for f in /etc/subuid /etc/subgid; do
    if ! grep -q '^containers:' "$f" 2>/dev/null; then
      echo "containers:2147483647:2147483648" >>"$f"
      echo "$f" >>"$PM/subid-added"
    fi
  done
  cat >"$PM/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PM/storage"
runroot = "$PM/run"
EOF
  # contrib/containers.conf, with this run's cell and private state dirs
  sed -e "s|^cell = \[.*|cell = [\"$CELL\"]|" \
    -e "/^\[engine\]\$/a tmp_dir = \"$PM/tmp\"" \
    -e "/^\[network\]\$/a network_config_dir = \"$PM/networks\"" \
    "$BATS_TEST_DIRNAME/../contrib/containers.conf" >"$PM/containers.conf"
  export CONTAINERS_CONF=$PM/containers.conf
  export CONTAINERS_STORAGE_CONF=$PM/storage.conf
  # the image: busybox-static and its applets, and a few files the tests use
  local r=$PM/rootfs a
  mkdir -p "$r"/{bin,dev,proc,sys,tmp,etc,root,mnt,data}
  chmod 1777 "$r/tmp"
  cp /bin/busybox "$r/bin/busybox"
  for a in $(/bin/busybox --list); do
    [[ $a == busybox ]] || ln -s busybox "$r/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' \
    >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  # eatmem: holds ~100 MB in the shell itself (the OOM killer's pick)
  printf '#!/bin/sh\nx=$(head -c 100000000 /dev/zero | tr "\\0" a)\necho survived\n' \
    >"$r/bin/eatmem"
  chmod 755 "$r/bin/eatmem"
  tar -C "$r" -c . | pm import -q - "$IMG" >/dev/null ||
    fail "podman import failed"
}

teardown_file() {
  [[ -n ${PM:-} && -d $PM ]] || return 0
  pm rm -a -f -t 0 >/dev/null 2>&1
  pm rmi -a -f >/dev/null 2>&1
  local f d
  while read -r f; do
    [[ -n $f ]] && sed -i '/^containers:2147483647:2147483648$/d' "$f"
  done <"$PM/subid-added"
  while read -r d; do
    # only podman's empty dirs, its cache, and cell's filter cache
    [[ $d == /run/cell ]] && rm -rf "$d/.seccomp-cache"
    [[ $d == /var/lib/containers ]] && rm -rf "$d/cache"
    [[ $d == /run/containers ]] && rmdir "$d/networks" 2>/dev/null
    rmdir "$d" 2>/dev/null
  done <"$PM/host-dirs-made"
  # deepest first; a cgroup still in use stays, for zz_leftovers to report
  while read -r d; do
    [[ ! -d $d ]] || find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done <"$PM/cgroups-made"
  # nothing of the storage stays mounted; zz_leftovers checks again
  grep -q " $PM/" /proc/self/mountinfo ||
    rm -rf --one-file-system "$PM"
  return 0
}

setup() {
  [[ -z $PODMAN_SKIP ]] || skip "$PODMAN_SKIP"
  T=$BATS_TEST_TMPDIR
  # conmon writes a file `oom` into its (podman's) cwd on an OOM kill
  cd "$T" || return 1
}

teardown() {
  [[ -n $PODMAN_SKIP ]] || pm rm -a -f -t 0 >/dev/null 2>&1 || true
}

# run_pm ARGS...: status, output (stdout) and stderr of one podman call.
run_pm() {
  status=0
  pm "$@" </dev/null >"$T/pm.out" 2>"$T/pm.err" || status=$?
  output=$(cat "$T/pm.out")
  stderr=$(cat "$T/pm.err")
  echo "podman $*: status=$status" >&2
  echo "stdout: $output" >&2
  echo "stderr: $stderr" >&2
}

# A cgroup value as the container sees it: v1 path, else the v2 file.
cg() {
  echo "for f in /sys/fs/cgroup/$1 /sys/fs/cgroup/$2; do [ -e \$f ] && cat \$f && break; done"
}

# The container's host pid.
ctr_pid() {
  pm inspect -f '{{.State.Pid}}' "$1"
}

status_of() {
  pm inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$1"
}

# ---------------------------------------------------------------------------

@test "podman: the container runs under cell, and podman reads cell's JSON errors" {
  run_pm run --rm --network none "$IMG" sh -c 'echo hello'
  [[ $status -eq 0 && $output == hello* ]] || fail "run failed"
  run_pm run --name which --network none "$IMG" true
  run_pm inspect -f '{{.OCIRuntime}}' which
  [[ $output == "$CELL" ]] || fail "OCI runtime is '$output'"
  # --log FILE --log-format=json: podman quotes the runtime's own record
  run_pm run --rm --network none "$IMG" /nonexistent
  [[ $status -eq 127 ]] || fail "missing program: status $status, expected 127"
  if is_cell; then
    [[ $stderr == *'exec: `/nonexistent`: No such file or directory'* ]] ||
      fail "podman did not report cell's message"
  fi
  run_pm run --rm --network none "$IMG" /etc/passwd
  [[ $status -eq 126 ]] || fail "not executable: status $status, expected 126"
}

@test "podman run: exit status, --rm, --init and a signal death" {
  run_pm run --rm --network none "$IMG" sh -c 'exit 3'
  [[ $status -eq 3 ]] || fail "exit 3 gave $status"
  run_pm run --rm --cidfile "$T/cid" --name gone --network none "$IMG" true
  [[ $status -eq 0 ]] || fail "run --rm failed"
  run_pm container exists gone
  [[ $status -eq 1 ]] || fail "--rm left the container"
  [[ ! -e /run/cell/$(cat "$T/cid") ]] || fail "cell state left for --rm"
  # --init: catatonit is PID 1; a child killed by SIGKILL gives 137
  run_pm run --rm --init --network none "$IMG" \
    sh -c 'tr "\0" " " </proc/1/cmdline; echo; echo $$'
  [[ $status -eq 0 && $output == "/run/podman-init -- sh"* ]] ||
    fail "PID 1 is not podman's init"
  [[ ${output##*$'\n'} != 1 ]] || fail "the command is PID 1"
  run_pm run --rm --init --network none "$IMG" sh -c 'kill -9 $$'
  [[ $status -eq 137 ]] || fail "SIGKILL gave $status, expected 137"
}

@test "podman run -t: a terminal of the caller's size" {
  command -v script >/dev/null || skip "script (util-linux) is missing"
  run pm_tty "run --rm -t --network none $IMG sh -c 'tty; stty size; [ -t 0 ] && [ -t 1 ] && echo both-tty; exit 5'"
  echo "$output" >&2
  [[ $status -eq 5 ]] || fail "status $status, expected 5"
  output=${output//$'\r'/}
  [[ $output == *"/dev/pts/0"* ]] || fail "no pts"
  [[ $output == *"33 101"* ]] || fail "terminal size not passed on"
  [[ $output == *both-tty* ]] || fail "stdin/stdout are not the terminal"
}

@test "podman run -i: stdin piped through" {
  head -c 1000000 /dev/urandom >"$T/in"
  local want got
  want=$(md5sum <"$T/in" | cut -d' ' -f1)
  got=$(pm run --rm -i --network none "$IMG" md5sum <"$T/in" | cut -d' ' -f1)
  [[ $got == "$want" ]] || fail "stdin arrived as $got, sent $want"
  run bash -c "printf 'a\nb\nc\n' | podman --runtime '$CELL' run --rm -i --network none $IMG wc -l 3>&-"
  [[ $status -eq 0 && $output == 3 ]] || fail "wc -l saw '$output'"
}

@test "podman run -d, ps, top, logs, stop (TERM)" {
  run_pm run -d --name d1 --network none "$IMG" \
    sh -c 'echo started; trap "echo got-term; exit 7" TERM; while :; do sleep 0.1; done'
  [[ $status -eq 0 ]] || fail "run -d failed"
  wait_for bash -c "podman logs d1 2>/dev/null | grep -q started"
  run_pm ps --format '{{.Names}} {{.Status}}'
  [[ $output == *"d1 Up"* ]] || fail "ps does not show d1 up"
  run_pm top d1 pid args
  [[ $output == *"sh -c echo started"* && $output == *"sleep 0.1"* ]] ||
    fail "top misses the processes"
  local t0=$SECONDS
  run_pm stop -t 10 d1
  ((SECONDS - t0 < 8)) || fail "stop waited for the timeout"
  [[ $(status_of d1) == "exited 7" ]] || fail "after stop: $(status_of d1)"
  run_pm logs d1
  [[ $output == *got-term* ]] || fail "the TERM trap did not run"
}

@test "podman stop: SIGKILL after the timeout" {
  run_pm run -d --name s1 --network none "$IMG" \
    sh -c 'trap "" TERM; echo ready; while :; do sleep 0.1; done'
  wait_for bash -c "podman logs s1 2>/dev/null | grep -q ready"
  local t0=$SECONDS
  run_pm stop -t 2 s1
  [[ $status -eq 0 ]] || fail "stop failed"
  ((SECONDS - t0 >= 2)) || fail "KILL came before the timeout"
  [[ $stderr == *"resorting to SIGKILL"* ]] || fail "no SIGKILL warning"
  [[ $(status_of s1) == "exited 137" ]] || fail "after stop: $(status_of s1)"
}

@test "podman kill and wait" {
  run_pm run -d --name k1 --network none "$IMG" \
    sh -c 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.1; done'
  wait_for bash -c "podman logs k1 2>/dev/null | grep -q ready"
  run_pm kill -s USR1 k1
  wait_for bash -c "podman logs k1 2>/dev/null | grep -q got-usr1"
  [[ $(status_of k1) == "running 0" ]] || fail "USR1 stopped it"
  pm wait k1 >"$T/wait.out" 2>&1 &
  local w=$!
  sleep 0.3
  run_pm kill k1
  wait "$w" || fail "podman wait failed"
  [[ $(cat "$T/wait.out") == 137 ]] || fail "wait printed $(cat "$T/wait.out")"
  [[ $(status_of k1) == "exited 137" ]] || fail "after kill: $(status_of k1)"
  run_pm run -d --name w1 --network none "$IMG" sh -c 'sleep 0.5; exit 5'
  run_pm wait w1
  [[ $output == 5 ]] || fail "wait printed '$output', expected 5"
}

@test "podman restart: the same container runs again" {
  run_pm run -d --name r1 --network none "$IMG" \
    sh -c 'echo run >>/count; echo started; while :; do sleep 0.1; done'
  wait_for bash -c "podman logs r1 2>/dev/null | grep -q started"
  local pid1 pid2
  pid1=$(ctr_pid r1)
  run_pm restart -t 1 r1
  [[ $status -eq 0 ]] || fail "restart failed"
  pid2=$(ctr_pid r1)
  [[ $pid2 != "$pid1" && $pid2 -gt 0 ]] || fail "no new init ($pid1 -> $pid2)"
  run_pm exec r1 wc -l /count
  [[ $output == "2 /count" ]] || fail "the command ran '$output' times"
}

@test "podman pause and unpause: the container stops running" {
  run_pm run -d --name p1 --network none "$IMG" \
    sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done'
  wait_for bash -c "[[ \$(podman logs p1 2>/dev/null | wc -l) -gt 2 ]]"
  run_pm pause p1
  [[ $status -eq 0 ]] || fail "pause failed"
  [[ $(status_of p1) == "paused 0" ]] || fail "not paused: $(status_of p1)"
  local pid cgp n1 n2 n3
  pid=$(ctr_pid p1)
  cgp=$(awk -F: '$2 == "freezer" { print $3 }' "/proc/$pid/cgroup")
  if [[ -n $cgp && -e /sys/fs/cgroup/freezer$cgp/freezer.state ]]; then
    [[ $(cat "/sys/fs/cgroup/freezer$cgp/freezer.state") == FROZEN ]] ||
      fail "freezer.state is not FROZEN"
  fi
  sleep 0.3
  n1=$(pm logs p1 | wc -l)
  sleep 0.5
  n2=$(pm logs p1 | wc -l)
  [[ $n1 -eq $n2 ]] || fail "output went on while paused ($n1 -> $n2)"
  run_pm unpause p1
  [[ $(status_of p1) == "running 0" ]] || fail "not running: $(status_of p1)"
  sleep 0.5
  n3=$(pm logs p1 | wc -l)
  [[ $n3 -gt $n2 ]] || fail "no output after unpause"
}

@test "podman exec: -u 1000, -t, -d, status and namespaces" {
  run_pm run -d --name e1 --network none "$IMG" sleep 1000
  run_pm exec -u 1000 e1 sh -c 'id -u; grep CapEff /proc/self/status'
  [[ $(head -n1 "$T/pm.out") == 1000 ]] || fail "exec -u 1000 ran as '$output'"
  [[ $output == *"CapEff:"*0000000000000000* ]] || fail "uid 1000 kept capabilities"
  run_pm exec e1 sh -c 'tr "\0" " " </proc/1/cmdline; exit 4'
  [[ $status -eq 4 ]] || fail "exec status $status, expected 4"
  [[ $output == "sleep 1000 " ]] || fail "exec is not in the container's pid namespace"
  run_pm exec e1 /nonexistent
  [[ $status -eq 127 ]] || fail "exec of a missing program: $status"
  run_pm exec e1 /etc/passwd
  [[ $status -eq 126 ]] || fail "exec of a non-executable file: $status"
  run_pm exec -d e1 sh -c 'sleep 0.2; echo from-exec-d >/tmp/x'
  [[ $status -eq 0 ]] || fail "exec -d failed"
  wait_for bash -c "podman --runtime '$CELL' exec e1 cat /tmp/x 2>/dev/null | grep -q from-exec-d"
  if command -v script >/dev/null; then
    # podman 4.3 puts no consoleSize in the exec process: it resizes
    # through conmon once attached, racing the program (crun loses too)
    run pm_tty "exec -t e1 sh -c 'sleep 0.5; tty; stty size; [ -t 0 ] && echo tty0'"
    output=${output//$'\r'/}
    echo "$output" >&2
    [[ $output == *"/dev/pts/"* && $output == *"33 101"* && $output == *tty0* ]] ||
      fail "exec -t has no terminal of the right size"
  fi
}

@test "podman update: memory and cpu limits change in place" {
  run_pm run -d --name u1 --network none --memory 128m "$IMG" sleep 1000
  run_pm update --memory 64m --cpus 0.5 u1
  [[ $status -eq 0 ]] || fail "update failed"
  run_pm exec u1 sh -c "$(cg memory/memory.limit_in_bytes memory.max)"
  [[ $output == 67108864 ]] || fail "memory limit is $output"
  run_pm exec u1 sh -c "$(cg cpu/cpu.cfs_quota_us cpu.max)"
  [[ $output == 50000* ]] || fail "cpu quota is $output"
}

@test "podman stats --no-stream" {
  run_pm run -d --name st1 --network none --memory 64m "$IMG" sleep 1000
  run_pm stats --no-stream --format '{{.Name}}|{{.MemUsage}}|{{.PIDs}}' st1
  [[ $status -eq 0 ]] || fail "stats failed"
  local name mem pids
  IFS='|' read -r name mem pids <<<"$output"
  [[ $name == st1 ]] || fail "stats names '$name'"
  [[ $mem == *"/ 67.11MB" && $mem != 0B* ]] || fail "memory '$mem'"
  [[ $pids == 1 ]] || fail "pids '$pids'"
}

@test "podman --memory: the OOM killer, exit 137" {
  run_pm run --rm --network none --memory 32m --memory-swap 32m "$IMG" \
    sh -c "$(cg memory/memory.limit_in_bytes memory.max); exec eatmem"
  [[ $status -eq 137 ]] || fail "status $status, expected 137"
  [[ $output == 33554432* ]] || fail "the limit was not set"
  [[ $output != *survived* ]] || fail "nothing was killed"
  # a child killed: the cgroup counts the kill
  run_pm run --rm --network none --memory 32m --memory-swap 32m "$IMG" \
    sh -c 'eatmem; echo child=$?; cat /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events 2>/dev/null'
  [[ $output == *child=137* ]] || fail "the child was not killed"
  [[ $output =~ oom_kill\ [1-9] ]] || fail "no oom_kill counted"
}

@test "podman --pids-limit: fork fails at the limit" {
  run_pm run --rm --network none --pids-limit 10 "$IMG" \
    sh -c "$(cg pids/pids.max pids.max); for i in \$(seq 20); do sleep 2 & done; echo end"
  [[ ${output%%$'\n'*} == 10 ]] || fail "pids.max is not 10"
  [[ $stderr == *"can't fork"* || $output == *"can't fork"* ]] ||
    fail "20 forks passed a limit of 10"
}

@test "podman --cpus: CFS quota" {
  run_pm run --rm --network none --cpus 1.5 "$IMG" \
    sh -c "$(cg cpu/cpu.cfs_quota_us cpu.max); $(cg cpu/cpu.cfs_period_us cpu.max)"
  [[ ${output%%[$'\n' ]*} == 150000 ]] || fail "quota is not 150000"
  [[ $output == *100000* ]] || fail "period is not 100000"
}

@test "podman --cap-drop" {
  run_pm run --rm --network none --cap-drop CHOWN --cap-drop NET_RAW "$IMG" \
    sh -c 'grep CapEff /proc/self/status; chown 5 /tmp && echo chowned'
  local eff
  eff=$(awk '/CapEff/ { print $2 }' <<<"$output")
  [[ -n $eff ]] || fail "no CapEff"
  (((0x$eff & 1) == 0)) || fail "CAP_CHOWN still there ($eff)"
  (((0x$eff & (1 << 13)) == 0)) || fail "CAP_NET_RAW still there ($eff)"
  (((0x$eff & 2) != 0)) || fail "CAP_DAC_OVERRIDE went too ($eff)"
  [[ $output != *chowned* ]] || fail "chown worked without CAP_CHOWN"
}

@test "podman --read-only" {
  run_pm run --rm --network none --read-only "$IMG" \
    sh -c 'touch /x || echo ro-root; touch /tmp/y && echo tmp-rw; grep " / / " /proc/self/mountinfo'
  [[ $output == *ro-root* ]] || fail "the root is writable"
  [[ $output == *tmp-rw* ]] || fail "/tmp is not writable"
  [[ $output == *" / / ro,"* ]] || fail "/ is not mounted ro"
}

@test "podman run -u 1000" {
  run_pm run --rm --network none -u 1000:1000 "$IMG" \
    sh -c 'id -u; id -g; grep CapEff /proc/self/status; touch /etc/x || echo denied'
  [[ ${output%%$'\n'*} == 1000 ]] || fail "uid is not 1000"
  [[ $output == *$'\n'1000$'\n'* ]] || fail "gid is not 1000"
  [[ $output == *0000000000000000* ]] || fail "uid 1000 has capabilities"
  [[ $output == *denied* ]] || fail "uid 1000 wrote to /etc"
}

@test "podman seccomp: the default profile, and unconfined" {
  run_pm run --rm --network none "$IMG" grep Seccomp: /proc/self/status
  [[ $output == "Seccomp:"*2 ]] || fail "default profile not loaded: $output"
  run_pm run --rm --network none --security-opt seccomp=unconfined "$IMG" \
    grep Seccomp: /proc/self/status
  [[ $output == "Seccomp:"*0 ]] || fail "unconfined has a filter: $output"
}

@test "podman --privileged" {
  run_pm run --rm --network none --privileged "$IMG" \
    sh -c 'grep -E "CapEff|Seccomp:" /proc/self/status; mount -t tmpfs t /mnt && echo mounted; grep " /sys " /proc/self/mountinfo; ls /dev | wc -l'
  local eff
  eff=$(awk '/CapEff/ { print $2 }' <<<"$output")
  (((0x$eff & (1 << 21)) != 0)) || fail "no CAP_SYS_ADMIN ($eff)"
  [[ $output == *"Seccomp:"*0* ]] || fail "a seccomp filter is loaded"
  [[ $output == *mounted* ]] || fail "mount failed"
  [[ $output == *" /sys rw,"* ]] || fail "/sys is not read-write"
  [[ ${output##*$'\n'} -gt 30 ]] || fail "host devices are missing from /dev"
}

@test "podman --userns=auto" {
  grep -q '^containers:' /etc/subuid || skip "no containers entry in /etc/subuid"
  run_pm run -d --name ua --network none --userns=auto "$IMG" \
    sh -c 'cat /proc/self/uid_map; id -u; sleep 1000'
  [[ $status -eq 0 ]] || fail "run --userns=auto failed"
  wait_for bash -c "podman logs ua 2>/dev/null | grep -q '^0$'"
  local map inside outside start
  map=$(pm logs ua | head -n1)
  read -r inside outside _ <<<"$map"
  start=$(awk -F: '$1 == "containers" { print $2; exit }' /etc/subuid)
  [[ $inside == 0 && $outside -ge $start ]] || fail "uid map '$map'"
  [[ $(awk '/^Uid:/ { print $2 }' "/proc/$(ctr_pid ua)/status") == "$outside" ]] ||
    fail "the init does not run as host uid $outside"
}

@test "podman --uidmap/--gidmap" {
  run_pm run -d --name um --network none --uidmap 0:300000:65536 \
    --gidmap 0:300000:65536 "$IMG" sh -c 'cat /proc/self/uid_map /proc/self/gid_map; touch /made; sleep 1000'
  wait_for bash -c "podman logs um 2>/dev/null | grep -q 300000"
  run_pm logs um
  [[ $(wc -w <<<"$output") -eq 6 && $output == *"0"*"300000"*"65536"* ]] ||
    fail "maps: $output"
  local pid
  pid=$(ctr_pid um)
  [[ $(awk '/^Uid:/ { print $2 }' "/proc/$pid/status") == 300000 ]] ||
    fail "the init is not host uid 300000"
  [[ $(awk '/^Gid:/ { print $2 }' "/proc/$pid/status") == 300000 ]] ||
    fail "the init is not host gid 300000"
  wait_for test -e "/proc/$pid/root/made"
  [[ $(stat -c %u "/proc/$pid/root/made") == 300000 ]] ||
    fail "a file of the container's root is not host uid 300000"
}

@test "podman -v: a host directory, rw and ro" {
  mkdir -p "$T/vol"
  echo host-data >"$T/vol/in"
  run_pm run --rm --network none -v "$T/vol:/data" "$IMG" \
    sh -c 'cat /data/in; echo ctr-data >/data/out'
  [[ $output == host-data ]] || fail "host file not seen"
  [[ $(cat "$T/vol/out") == ctr-data ]] || fail "container write not on the host"
  run_pm run --rm --network none -v "$T/vol:/data:ro" "$IMG" \
    sh -c 'echo x >/data/out2 || echo refused'
  [[ $output == *refused* && ! -e $T/vol/out2 ]] || fail ":ro volume was writable"
}

@test "podman --tmpfs" {
  run_pm run --rm --network none --tmpfs /scratch:size=1m,mode=1777 "$IMG" \
    sh -c 'grep " /scratch " /proc/self/mountinfo; stat -c %a /scratch; head -c 2000000 /dev/zero >/scratch/f || echo full'
  [[ $output == *" /scratch "*" tmpfs "*size=1024k* ]] || fail "no 1 MiB tmpfs"
  [[ $output == *$'\n'1777$'\n'* ]] || fail "mode is not 1777"
  [[ $output == *full* ]] || fail "the size limit did not hold"
}

@test "podman --network none and host" {
  local host_ns
  host_ns=$(readlink /proc/self/ns/net)
  run_pm run --rm --network none "$IMG" sh -c 'readlink /proc/self/ns/net; ls /sys/class/net'
  [[ ${output%%$'\n'*} != "$host_ns" ]] || fail "none shares the host's netns"
  [[ $(tail -n +2 <<<"$output") == lo ]] || fail "none has more than lo"
  run_pm run --rm --network host "$IMG" sh -c 'readlink /proc/self/ns/net; ls /sys/class/net'
  [[ ${output%%$'\n'*} == "$host_ns" ]] || fail "host is not the host's netns"
  local want
  want=$(cd /sys/class/net && printf '%s\n' * | sort | tr '\n' ' ')
  [[ $(tail -n +2 <<<"$output" | sort | tr '\n' ' ') == "$want" ]] ||
    fail "host interfaces differ"
}

@test "podman: nothing left behind" {
  pm rm -a -f -t 0 >/dev/null 2>&1
  run_pm ps -a -q
  [[ -z $output ]] || fail "containers left: $output"
  local m
  m=$(grep " $PM/" /proc/self/mountinfo || true)
  [[ -z $m ]] || fail "mounts left: $m"
  local p left=
  for p in $(pgrep -x conmon); do
    grep -q "$PM" "/proc/$p/cmdline" 2>/dev/null && left+="$p "
  done
  [[ -z $left ]] || fail "conmon processes left: $left"
  if [[ -d /run/cell ]]; then
    local d
    for d in /run/cell/*; do
      [[ -e $d ]] || continue
      grep -qs "$PM" "$d/state.json" && fail "cell state left: $d"
    done
  fi
  return 0
}
