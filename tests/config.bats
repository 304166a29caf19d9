#!/usr/bin/env bats
# config.json options, each checked by what the container itself observes.

load helpers

setup_file() { common_setup_file; }
setup() { common_setup; }
teardown() { common_teardown; }

# Runs the bundle in the foreground, expecting success.
run_ok() {
  new_id
  run_bundle "$ID"
  echo "status=$status stderr=$stderr" >&2
  echo "output: $output" >&2
  [ "$status" -eq 0 ]
}

# --- namespaces ---------------------------------------------------------

@test "namespaces: pid: the process sees itself as PID 1" {
  make_bundle /probes/pid
  run_ok
  [ "$output" = "pid=1 ppid=0" ]
}

@test "namespaces: each requested namespace differs from the host's" {
  make_bundle /bin/sh -c 'for n in pid ipc uts net mnt cgroup; do echo $n $(readlink /proc/self/ns/$n); done'
  cfg '.linux.namespaces = [{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"network"},{"type":"mount"},{"type":"cgroup"}]'
  run_ok
  for n in pid ipc uts net mnt cgroup; do
    inside=$(echo "$output" | awk -v n=$n '$1 == n { print $2 }')
    [ -n "$inside" ]
    [ "$inside" != "$(readlink /proc/self/ns/$n)" ]
  done
}

@test "namespaces: ipc and net not requested are shared with the host" {
  make_bundle /bin/sh -c 'readlink /proc/self/ns/ipc; readlink /proc/self/ns/net'
  cfg '.linux.namespaces |= map(select(.type != "ipc" and .type != "network"))'
  run_ok
  [ "${lines[0]}" = "$(readlink /proc/self/ns/ipc)" ]
  [ "${lines[1]}" = "$(readlink /proc/self/ns/net)" ]
}

@test "namespaces: uts: hostname is set" {
  make_bundle /bin/sh -c 'hostname; cat /proc/sys/kernel/hostname'
  cfg '.hostname = "cell-test-host"'
  run_ok
  [ "${lines[0]}" = cell-test-host ]
  [ "${lines[1]}" = cell-test-host ]
}

@test "namespaces: uts: domainname is set" {
  [[ $CELL_NAME != runc ]] || skip "runc 1.1 does not implement domainname"
  make_bundle /bin/cat /proc/sys/kernel/domainname
  cfg '.hostname = "h" | .domainname = "cell.example"'
  run_ok
  [ "$output" = cell.example ]
}

@test "namespaces: net: only lo" {
  make_bundle /bin/cat /proc/net/dev
  run_ok
  ifaces=$(echo "$output" | awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }')
  [ "$ifaces" = lo ]
}

@test "namespaces: user: uid_map and gid_map as asked" {
  make_bundle /bin/sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g'
  cfg '.linux.namespaces += [{"type":"user"}]
       | .linux.uidMappings = [{"containerID":0,"hostID":200000,"size":65536}]
       | .linux.gidMappings = [{"containerID":0,"hostID":300000,"size":1000}]
       | .mounts |= map(select(.type != "cgroup"))'
  # the mapped root must be able to read the rootfs
  chown -R 200000:300000 "$BUNDLE/rootfs"
  run_ok
  [ "$(echo "${lines[0]}" | tr -s ' ' | sed 's/^ //')" = "0 200000 65536" ]
  [ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "0 300000 1000" ]
  [ "${lines[2]}" = 0 ]
  [ "${lines[3]}" = 0 ]
}

# create+start (not run): the init waits on the exec fifo.  Its mapped
# root (host uid 200000) cannot search the root-owned state directory, so
# the parent opens the fifo for it (podman --userns=auto found this;
# the build before the fix fails here: open exec fifo: Permission denied).
@test "namespaces: user: create and start with root mapped to another host uid" {
  make_bundle /bin/sh -c 'cat /proc/self/uid_map; id -u'
  cfg '.linux.namespaces += [{"type":"user"}]
       | .linux.uidMappings = [{"containerID":0,"hostID":200000,"size":65536}]
       | .linux.gidMappings = [{"containerID":0,"hostID":200000,"size":65536}]
       | .mounts |= map(select(.type != "cgroup"))'
  chown -R 200000:200000 "$BUNDLE/rootfs"
  new_id
  cell_create "$ID" || fail "$(cat "$T/$ID.err")"
  cell_as start "$ID"
  wait_status "$ID" stopped
  [ "$(head -1 "$T/$ID.out" | tr -s ' ' | sed 's/^ //')" = "0 200000 65536" ]
  [ "$(sed -n 2p "$T/$ID.out")" = 0 ]
}

@test "namespaces: time: timeOffsets visible in /proc/self/timens_offsets" {
  [[ $CELL_NAME != runc ]] || skip "runc 1.1 does not implement the time namespace"
  [ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
  make_bundle /bin/cat /proc/self/timens_offsets
  cfg '.linux.namespaces += [{"type":"time"}]
       | .linux.timeOffsets = {"monotonic":{"secs":86400,"nanosecs":5},
                               "boottime":{"secs":-1000,"nanosecs":0}}'
  run_ok
  echo "$output" | grep -E '^monotonic +86400 +5$'
  echo "$output" | grep -E '^boottime +-1000 +0$'
}

@test "namespaces: join a network namespace by path" {
  ns=cellt-$$-$RANDOM
  ip netns add "$ns"
  NETNS+=("$ns")
  # a fresh netns has lo down: bringing it up marks this one
  ip netns exec "$ns" ip link set lo up
  make_bundle /bin/sh -c 'readlink /proc/self/ns/net; ip link show lo'
  cfg '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
    --arg p "/run/netns/$ns"
  run_ok
  [ "${lines[0]}" = "net:[$(stat -L -c %i "/run/netns/$ns")]" ]
  echo "${lines[1]}" | grep -q '<LOOPBACK,UP,LOWER_UP>'
}

# --- mounts ---------------------------------------------------------------

@test "mounts: bind with ro,nosuid,nodev,noexec shows in mountinfo and holds" {
  mkdir -p "$T/src"
  echo hostdata >"$T/src/f"
  make_bundle /bin/sh -c 'cat /proc/self/mountinfo; cat /mnt/b/f; echo x > /mnt/b/g && echo WROTE'
  cfg '.mounts += [{"destination":"/mnt/b","type":"bind","source":$s,
                    "options":["rbind","ro","nosuid","nodev","noexec"]}]' --arg s "$T/src"
  new_id
  run_bundle "$ID"
  opts=$(mount_opts_of /mnt/b | cut -d' ' -f1)
  for o in ro nosuid nodev noexec; do
    [[ ,$opts, == *,$o,* ]] || fail "/mnt/b lacks $o: $opts"
  done
  echo "$output" | grep -qx hostdata
  ! echo "$output" | grep -q WROTE
  [ ! -e "$T/src/g" ]
}

@test "mounts: /sys/fs/cgroup holds each hierarchy read-only, at the container's own cgroup" {
  [[ $(stat -f -c %T /sys/fs/cgroup) != cgroup2fs ]] ||
    skip "v1 and hybrid: a v2 host mounts one cgroup2"
  # mountinfo lines "MOUNTPOINT OPTIONS FSTYPE" of the cgroup mounts below
  # /sys/fs/cgroup (the fstype follows the "-" after optional fields)
  cgmounts() {
    awk '{ for (i = 7; i < NF && $i != "-"; i++); }
      $5 ~ "^/sys/fs/cgroup/" && $(i + 1) ~ /^cgroup2?$/ { print $5, $6, $(i + 1) }'
  }
  local want
  want=$(cgmounts </proc/self/mountinfo | wc -l)
  make_bundle /bin/sh -c '
    grep " /sys/fs/cgroup/" /proc/self/mountinfo
    echo "procs $(cat /sys/fs/cgroup/pids/cgroup.procs | xargs)"
    echo "dirs $(find /sys/fs/cgroup/pids -mindepth 1 -type d | wc -l)"
    touch /sys/fs/cgroup/pids/x 2>/dev/null && echo WROTE; true'
  # with a cgroup namespace (fresh cgroup mounts) and without (binds)
  local ns m
  for ns in cgroup none; do
    cfg '.linux.namespaces |= map(select(.type != "cgroup")) + (if $ns == "cgroup" then [{"type": "cgroup"}] else [] end)' --arg ns "$ns"
    new_id
    run_bundle "$ID"
    echo "$ns: $output" >&2
    [ "$status" -eq 0 ]
    m=$(cgmounts <<<"$output")
    [ "$(wc -l <<<"$m")" -eq "$want" ]
    ! grep -v '^[^ ]* ro,' <<<"$m" || fail "$ns: a hierarchy is writable"
    # the container's processes alone (the shell is pid 1), no host cgroups
    [[ $(grep '^procs ' <<<"$output") =~ ^procs\ 1(\ [0-9]+)*$ ]]
    [ "$(grep '^procs ' <<<"$output" | wc -w)" -le 6 ]
    grep -qx 'dirs 0' <<<"$output"
    ! grep -q WROTE <<<"$output"
  done
}

@test "mounts: a relative bind source is under the bundle, whatever the cwd" {
  make_bundle /bin/sh -c 'cat /mnt/rel/f /mnt/relf; grep -c " /mnt/rel" /proc/self/mountinfo'
  mkdir "$BUNDLE/data"
  echo dir-in-bundle >"$BUNDLE/data/f"
  echo file-in-bundle >"$BUNDLE/one"
  cfg '.mounts += [{"destination":"/mnt/rel","type":"bind","source":"data","options":["rbind","ro"]},
                   {"destination":"/mnt/relf","type":"bind","source":"./one","options":["bind"]}]'
  # a cwd holding the same names must not be what is bound
  mkdir -p "$T/cwd/data" && echo wrong >"$T/cwd/data/f" && echo wrong >"$T/cwd/one"
  cd "$T/cwd"
  run_ok
  [ "${lines[0]}" = dir-in-bundle ]
  [ "${lines[1]}" = file-in-bundle ]
  [ "${lines[2]}" = 2 ]
}

@test "mounts: a rw bind mount writes through to the host" {
  mkdir -p "$T/src"
  make_bundle /bin/sh -c 'echo from-container > /mnt/rw/out'
  cfg '.mounts += [{"destination":"/mnt/rw","type":"bind","source":$s,"options":["bind"]}]' \
    --arg s "$T/src"
  run_ok
  [ "$(cat "$T/src/out")" = from-container ]
}

@test "mounts: tmpfs with size= and mode=" {
  make_bundle /bin/sh -c 'cat /proc/self/mountinfo; stat -c %a /mnt/t'
  cfg '.mounts += [{"destination":"/mnt/t","type":"tmpfs","source":"tmpfs",
                    "options":["nosuid","size=64k","mode=1770"]}]'
  run_ok
  line=$(echo "$output" | awk '$5 == "/mnt/t"')
  echo "$line" | grep -q ' - tmpfs '
  echo "$line" | grep -q 'size=64k'
  echo "$line" | grep -q 'nosuid'
  [ "${lines[${#lines[@]} - 1]}" = 1770 ]
}

@test "mounts: tmpcopyup copies the rootfs content into the tmpfs" {
  make_bundle /bin/sh -c 'awk "\$5 == \"/mnt/cp\"" /proc/self/mountinfo; cat /mnt/cp/seed; cat /mnt/cp/sub/deep'
  mkdir -p "$BUNDLE/rootfs/mnt/cp/sub"
  echo seeded >"$BUNDLE/rootfs/mnt/cp/seed"
  echo deep >"$BUNDLE/rootfs/mnt/cp/sub/deep"
  cfg '.mounts += [{"destination":"/mnt/cp","type":"tmpfs","source":"tmpfs",
                    "options":["tmpcopyup","size=1m"]}]'
  run_ok
  echo "${lines[0]}" | grep -q ' - tmpfs '
  [ "${lines[1]}" = seeded ]
  [ "${lines[2]}" = deep ]
}

@test "mounts: root.readonly makes / read-only" {
  make_bundle /bin/sh -c 'awk "\$5 == \"/\" { print \$6 }" /proc/self/mountinfo; touch /x 2>/dev/null && echo WROTE; true'
  cfg '.root.readonly = true'
  run_ok
  [[ ,${lines[0]}, == *,ro,* ]]
  ! echo "$output" | grep -q WROTE
  [ ! -e "$BUNDLE/rootfs/x" ]
}

@test "mounts: maskedPaths hide files and directories" {
  make_bundle /bin/sh -c 'stat -c "%t:%T" /proc/version; wc -c < /proc/version; ls -A /sys/firmware | wc -l; ls -A /proc/driver | wc -l'
  cfg '.linux.maskedPaths = ["/proc/version", "/sys/firmware", "/proc/driver"]'
  run_ok
  [ "${lines[0]}" = "1:3" ] # /dev/null bound over the file
  [ "${lines[1]}" = 0 ]
  [ "${lines[2]}" = 0 ]
  [ "${lines[3]}" = 0 ]
}

@test "mounts: readonlyPaths are read-only" {
  make_bundle /bin/sh -c 'awk "\$5 == \"/proc/sys\" { print \$6 }" /proc/self/mountinfo; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo WROTE; true'
  cfg '.linux.readonlyPaths = ["/proc/sys"]'
  # CAP_SYS_ADMIN would be needed to write there anyway: grant it so that
  # only the read-only mount stops the write
  cfg '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
  run_ok
  [[ ,${lines[0]}, == *,ro,* ]]
  ! echo "$output" | grep -q WROTE
}

# --- devices ---------------------------------------------------------------

@test "devices: default devices with major:minor and modes" {
  make_bundle /bin/sh -c 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done'
  run_ok
  [ "${lines[0]}" = "/dev/null character special file 1:3 666" ]
  [ "${lines[1]}" = "/dev/zero character special file 1:5 666" ]
  [ "${lines[2]}" = "/dev/full character special file 1:7 666" ]
  [ "${lines[3]}" = "/dev/random character special file 1:8 666" ]
  [ "${lines[4]}" = "/dev/urandom character special file 1:9 666" ]
  [ "${lines[5]}" = "/dev/tty character special file 5:0 666" ]
}

@test "devices: default devices work (read zero, write null)" {
  make_bundle /bin/sh -c 'head -c 4 /dev/zero | od -An -tx1; echo x > /dev/null && echo null-ok; head -c 8 /dev/urandom | wc -c'
  run_ok
  [ "$(echo "${lines[0]}" | tr -d ' ')" = 00000000 ]
  [ "${lines[1]}" = null-ok ]
  [ "${lines[2]}" = 8 ]
}

@test "devices: linux.devices creates the node with type, numbers, mode, owner" {
  make_bundle /bin/sh -c 'stat -c "%F %t:%T %a %u %g" /dev/celldev /dev/cellblk'
  cfg '.linux.devices = [
        {"path":"/dev/celldev","type":"c","major":1,"minor":9,"fileMode":416,"uid":1,"gid":2},
        {"path":"/dev/cellblk","type":"b","major":7,"minor":99,"fileMode":384,"uid":0,"gid":0}]'
  run_ok
  [ "${lines[0]}" = "character special file 1:9 640 1 2" ]
  [ "${lines[1]}" = "block special file 7:63 600 0 0" ]
}

@test "devices: /dev/fd, stdio and ptmx symlinks, /dev/pts and /dev/shm" {
  make_bundle /bin/sh -c 'for l in fd stdin stdout stderr ptmx; do echo "$l $(readlink /dev/$l)"; done; awk "\$5 ~ /^\/dev\/(pts|shm)\$/ { for (i = 7; \$i != \"-\"; i++); print \$5, \$(i + 1) }" /proc/self/mountinfo'
  run_ok
  [ "${lines[0]}" = "fd /proc/self/fd" ]
  [ "${lines[1]}" = "stdin /proc/self/fd/0" ]
  [ "${lines[2]}" = "stdout /proc/self/fd/1" ]
  [ "${lines[3]}" = "stderr /proc/self/fd/2" ]
  [ "${lines[4]}" = "ptmx pts/ptmx" ]
  echo "$output" | grep -qx '/dev/pts devpts'
  echo "$output" | grep -qx '/dev/shm tmpfs'
}

# --- process ---------------------------------------------------------------

@test "process: rlimits show in /proc/self/limits" {
  make_bundle /bin/cat /proc/self/limits
  cfg '.process.rlimits = [{"type":"RLIMIT_NOFILE","soft":123,"hard":456},
                           {"type":"RLIMIT_CORE","soft":0,"hard":4096},
                           {"type":"RLIMIT_NPROC","soft":77,"hard":88}]'
  run_ok
  echo "$output" | grep -E '^Max open files +123 +456 +files'
  echo "$output" | grep -E '^Max core file size +0 +4096 +bytes'
  echo "$output" | grep -E '^Max processes +77 +88 +processes'
}

@test "process: oomScoreAdj" {
  make_bundle /bin/cat /proc/self/oom_score_adj
  cfg '.process.oomScoreAdj = 345'
  run_ok
  [ "$output" = 345 ]
}

@test "process: personality LINUX32 makes uname -m say i686" {
  [[ $CELL_NAME != runc ]] || skip "runc 1.1 does not implement linux.personality"
  make_bundle /bin/uname -m
  cfg '.linux.personality = {"domain":"LINUX32"}'
  run_ok
  [ "$output" = i686 ]
}

@test "process: scheduler policy and nice (sched_getattr)" {
  [[ $CELL_NAME != runc ]] || skip "runc 1.1 does not implement process.scheduler"
  make_bundle /probes/sched
  cfg '.process.scheduler = {"policy":"SCHED_BATCH","nice":7}'
  run_ok
  echo "$output" | grep -qx 'policy=3'
  echo "$output" | grep -qx 'nice=7'
}

# (SCHED_FIFO/RR would need an RT budget in the container's cpu cgroup,
# which is 0 for a new v1 cgroup on kernels with RT group scheduling.)
@test "process: scheduler SCHED_IDLE" {
  [[ $CELL_NAME != runc ]] || skip "runc 1.1 does not implement process.scheduler"
  make_bundle /probes/sched
  cfg '.process.scheduler = {"policy":"SCHED_IDLE"}'
  run_ok
  echo "$output" | grep -qx 'policy=5'
}

@test "process: ioPriority class and level (ioprio_get)" {
  [[ $CELL_NAME != runc ]] || skip "runc 1.1 does not implement process.ioPriority"
  make_bundle /probes/sched
  cfg '.process.ioPriority = {"class":"IOPRIO_CLASS_BE","priority":6}'
  run_ok
  echo "$output" | grep -qx 'ioprio_class=2'
  echo "$output" | grep -qx 'ioprio_level=6'
}

@test "process: umask" {
  make_bundle /bin/sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
  cfg '.process.user.umask = 23' # 0027
  run_ok
  [ "${lines[0]}" = 0027 ]
  [ "${lines[1]}" = 640 ]
}

@test "process: user uid, gid and additionalGids" {
  make_bundle /bin/sh -c 'grep -E "^(Uid|Gid|Groups):" /proc/self/status'
  cfg '.process.user = {"uid":1000,"gid":1001,"additionalGids":[10,20,30]}'
  run_ok
  [ "$(echo "${lines[0]}" | xargs)" = "Uid: 1000 1000 1000 1000" ]
  [ "$(echo "${lines[1]}" | xargs)" = "Gid: 1001 1001 1001 1001" ]
  [ "$(echo "${lines[2]}" | xargs)" = "Groups: 10 20 30" ]
}

@test "process: the five capability sets, non-root user (exact hex)" {
  make_bundle /bin/grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status
  # CHOWN=0 (0x1) KILL=5 (0x20) NET_BIND_SERVICE=10 (0x400).  After execve a
  # non-root process keeps inheritable and bounding; permitted and
  # effective become the ambient set.
  cfg '.process.user = {"uid":1000,"gid":1000} | .process.noNewPrivileges = true
       | .process.capabilities = {
           "bounding":["CAP_CHOWN","CAP_KILL","CAP_NET_BIND_SERVICE"],
           "permitted":["CAP_CHOWN","CAP_KILL","CAP_NET_BIND_SERVICE"],
           "effective":["CAP_CHOWN","CAP_KILL"],
           "inheritable":["CAP_KILL","CAP_NET_BIND_SERVICE"],
           "ambient":["CAP_KILL"]}'
  run_ok
  [ "$(echo "${lines[0]}" | xargs)" = "CapInh: 0000000000000420" ]
  [ "$(echo "${lines[1]}" | xargs)" = "CapPrm: 0000000000000020" ]
  [ "$(echo "${lines[2]}" | xargs)" = "CapEff: 0000000000000020" ]
  [ "$(echo "${lines[3]}" | xargs)" = "CapBnd: 0000000000000421" ]
  [ "$(echo "${lines[4]}" | xargs)" = "CapAmb: 0000000000000020" ]
}

@test "process: an ambient cap outside inheritable is skipped with a warning" {
  make_bundle /bin/grep -E '^Cap(Inh|Amb):' /proc/self/status
  # crun's own `spec` asks for this; the kernel cannot raise it, and runc
  # and crun go on without it
  cfg '.process.noNewPrivileges = true | .process.capabilities = {
           "bounding":["CAP_KILL"], "permitted":["CAP_KILL"],
           "effective":["CAP_KILL"], "ambient":["CAP_KILL"]}'
  run_ok
  [ "$(echo "${lines[0]}" | xargs)" = "CapInh: 0000000000000000" ]
  [ "$(echo "${lines[1]}" | xargs)" = "CapAmb: 0000000000000000" ]
  if [[ $(basename "$CELL") == cell ]]; then
    [[ $stderr == *'ambient: "CAP_KILL" is not in both'* ]]
  fi
}

@test "process: capability sets of root (exact hex)" {
  make_bundle /bin/grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status
  # with noNewPrivileges execve gains nothing: permitted stays as given
  # and root's effective becomes its permitted
  cfg '.process.noNewPrivileges = true | .process.capabilities = {
           "bounding":["CAP_CHOWN","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT"],
           "permitted":["CAP_CHOWN","CAP_KILL"],
           "effective":["CAP_CHOWN"]}'
  run_ok
  [ "$(echo "${lines[0]}" | xargs)" = "CapInh: 0000000000000000" ]
  [ "$(echo "${lines[1]}" | xargs)" = "CapPrm: 0000000000000021" ]
  [ "$(echo "${lines[2]}" | xargs)" = "CapEff: 0000000000000021" ]
  [ "$(echo "${lines[3]}" | xargs)" = "CapBnd: 0000000000040421" ]
  [ "$(echo "${lines[4]}" | xargs)" = "CapAmb: 0000000000000000" ]
}

@test "process: noNewPrivileges true and false" {
  make_bundle /bin/grep NoNewPrivs /proc/self/status
  cfg '.process.noNewPrivileges = true'
  run_ok
  [ "$(echo "$output" | xargs)" = "NoNewPrivs: 1" ]
  cfg '.process.noNewPrivileges = false'
  run_ok
  [ "$(echo "$output" | xargs)" = "NoNewPrivs: 0" ]
}

@test "process: sysctl in the container's net and ipc namespaces" {
  make_bundle /bin/sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax'
  cfg '.linux.sysctl = {"net.ipv4.ip_forward":"1","kernel.shmmax":"123456789"}'
  host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
  host_shm=$(cat /proc/sys/kernel/shmmax)
  run_ok
  [ "${lines[0]}" = 1 ]
  [ "${lines[1]}" = 123456789 ]
  # the host's values did not change
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
  [ "$(cat /proc/sys/kernel/shmmax)" = "$host_shm" ]
}

@test "process: cwd" {
  make_bundle /bin/pwd
  mkdir -p "$BUNDLE/rootfs/work/dir"
  cfg '.process.cwd = "/work/dir"'
  run_ok
  [ "$output" = /work/dir ]
}

@test "process: env is exactly what config.json says (no host leak)" {
  make_bundle /bin/env
  cfg '.process.env = ["PATH=/bin", "FOO=bar baz", "EMPTY=", "HOME=/root"]'
  CELL_HOST_LEAK=1 run_ok
  [ "$(echo "$output" | sort)" = "$(printf '%s\n' 'EMPTY=' 'FOO=bar baz' 'HOME=/root' 'PATH=/bin' | sort)" ]
}

@test "process: args are passed exactly" {
  make_bundle /bin/sh -c 'for a in "$@"; do echo "[$a]"; done' argv0 'a b' '' '-c' '*'
  run_ok
  [ "$output" = "$(printf '[%s]\n' 'a b' '' '-c' '*')" ]
}

# --- file descriptors ------------------------------------------------------

@test "fds: only 0, 1 and 2 reach the container" {
  make_bundle /probes/fds
  new_id
  echo f >"$T/f"
  (exec 5<"$T/f" 7<"$T/f" 9<"$T/f"
    cell_as run --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>"$T/err")
  cat "$T/out" "$T/err" >&2
  [ "$(cat "$T/out")" = "0 1 2" ]
}

@test "fds: --preserve-fds N passes exactly 3..3+N-1" {
  make_bundle /probes/fds -l
  new_id
  echo a >"$T/a"
  echo b >"$T/b"
  echo c >"$T/c"
  (exec 3<"$T/a" 4<"$T/b" 5<"$T/c" 8<"$T/c"
    cell_as run --preserve-fds 2 --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>"$T/err")
  cat "$T/out" "$T/err" >&2
  fds=$(tr ' ' '\n' <"$T/out" | cut -d= -f1 | xargs)
  [ "$fds" = "0 1 2 3 4" ]
  tr ' ' '\n' <"$T/out" | grep -qx "3=$T/a"
  tr ' ' '\n' <"$T/out" | grep -qx "4=$T/b"
}

@test "fds: a preserved fd the caller has not open gets /dev/null, never cell's own" {
  make_bundle /probes/fds -l
  new_id
  # fds 3..5 closed in the caller: cell's own fds (state directory, sync
  # socket) would otherwise take those numbers and reach the container
  # (checked: without reserve_preserved_fds the container got fd 5 =
  # cell's sync socket)
  (exec 3>&- 4>&- 5>&-
    cell_as run --preserve-fds 3 --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>"$T/err")
  cat "$T/out" "$T/err" >&2
  fds=$(tr ' ' '\n' <"$T/out" | cut -d= -f1 | xargs)
  [ "$fds" = "0 1 2 3 4 5" ]
  for n in 3 4 5; do
    tr ' ' '\n' <"$T/out" | grep -qx "$n=/dev/null"
  done
}

@test "fds: LISTEN_FDS/LISTEN_PID are honoured" {
  make_bundle /bin/sh -c '/probes/fds; echo "$LISTEN_FDS $LISTEN_PID"'
  new_id
  echo a >"$T/a"
  (exec 3<"$T/a" 4<"$T/a" 6<"$T/a"
    # LISTEN_PID names the runtime itself: exec keeps bash's pid
    timeout -k 5 30 bash -c 'export LISTEN_FDS=2 LISTEN_PID=$$; exec "$@"' _ \
      "$CELL" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>"$T/err")
  cat "$T/out" "$T/err" >&2
  [ "$(sed -n 1p "$T/out")" = "0 1 2 3 4" ]
  [ "$(sed -n 2p "$T/out")" = "2 1" ]
}

@test "fds: LISTEN_FDS for another pid passes nothing" {
  make_bundle /probes/fds
  new_id
  echo a >"$T/a"
  (exec 3<"$T/a" 4<"$T/a"
    LISTEN_FDS=2 LISTEN_PID=1 cell_as run --bundle "$BUNDLE" "$ID" \
      </dev/null >"$T/out" 2>"$T/err")
  cat "$T/out" "$T/err" >&2
  [ "$(cat "$T/out")" = "0 1 2" ]
}
