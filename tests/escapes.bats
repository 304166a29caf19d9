#!/usr/bin/env bats
# Known container escape classes, each attacked for real.  Every test ends
# with host_untouched: the host mount table and the runtime binary's
# checksum are what they were, plus the files the attack aimed at.  Each
# test says how it was seen to fail without its defence (a scratch build
# under /tmp with the defence disabled; never committed).

load helpers
# make_bundle runs $CELL from the bundle: CELL=./cell must keep working
[[ $CELL == /* || $CELL != */* ]] || CELL=$(realpath "$CELL")

ESC_PROBES="esc_exe esc_id esc_shebang esc_swap esc_tiocsti"

build_esc_probes() {
  local p
  mkdir -p "$PROBES"
  for p in $ESC_PROBES; do
    if [[ ! -x $PROBES/$p || $PROBES_SRC/$p.c -nt $PROBES/$p ]]; then
      gcc -static -O2 -Wall -Wextra -Werror -D_GNU_SOURCE \
        -o "$PROBES/$p.tmp" "$PROBES_SRC/$p.c" || return 1
      mv "$PROBES/$p.tmp" "$PROBES/$p"
    fi
  done
}

setup_file() {
  common_setup_file
  build_esc_probes
  # A private copy: the checksum guards the binary that runs, and a
  # rebuild of the tree during the run must not look like an attack.
  mkdir -p "$TEST_TOP/esc-bin"
  cp "$CELL" "$TEST_TOP/esc-bin/$CELL_NAME.new"
  mv "$TEST_TOP/esc-bin/$CELL_NAME.new" "$TEST_TOP/esc-bin/$CELL_NAME"
  export CELL=$TEST_TOP/esc-bin/$CELL_NAME
}

teardown_file() {
  rm -rf "$TEST_TOP/esc-bin"
}

setup() {
  common_setup
  HOSTD=$(mktemp -d "$TEST_TOP/host.XXXXXX")
  echo secret >"$HOSTD/file"
  mkdir "$HOSTD/dir"
  touch "$HOSTD/dir/hostmarker"
  host_snapshot
}

teardown() {
  common_teardown
  [[ -n ${HOSTD:-} ]] && rm -rf --one-file-system "$HOSTD"
  return 0
}

# The host's view before the attack: mount table, runtime checksum, and a
# listing (names, sizes, modes, mtimes, content sums) of HOSTD.
host_listing() {
  (cd "$HOSTD" && find . -printf '%p %s %m %T@ %y\n' | sort &&
    find . -type f -exec sha256sum {} + | sort)
}

host_snapshot() {
  mounts_snapshot
  sha256sum "$CELL" | cut -d' ' -f1 >"$T/cell.sum"
  host_listing >"$T/host.before"
}

host_untouched() {
  mounts_unchanged || return 1
  [[ $(sha256sum "$CELL" | cut -d' ' -f1) == "$(cat "$T/cell.sum")" ]] ||
    fail "the runtime binary changed"
  host_listing >"$T/host.after"
  diff "$T/host.before" "$T/host.after" >&2 || fail "host files changed"
}

# make_esc_bundle ARGS...: make_bundle plus the escape probes in /probes.
make_esc_bundle() {
  make_bundle "$@" || return 1
  local p
  for p in $ESC_PROBES; do cp "$PROBES/$p" "$BUNDLE/rootfs/probes/$p"; done
}

run_show() {
  run_bundle "$@"
  echo "status=$status stderr=$stderr" >&2
  echo "output: $output" >&2
}

# --- 2. leaked fds and a cwd outside the root (CVE-2024-21626) ------------

# Defence: process_set_cwd() (process.c) checks getcwd after chdir; fds
# past 2 (+ preserved) are close-on-exec (init_prepare_fds).  Without the
# getcwd check (scratch build) N=7 with a leaked host directory gave the
# container the host directory as cwd: `ls` listed hostmarker and `touch`
# wrote into it, so both loops below failed.
@test "2 fds: process.cwd /proc/self/fd/N, N=3..20, never lands outside the root" {
  make_esc_bundle /bin/sh -c 'pwd; ls; touch escaped'
  local n
  for leak in no yes; do
    for ((n = 3; n <= 20; n++)); do
      cfg '.process.cwd = $c' --arg c "/proc/self/fd/$n"
      new_id
      if [[ $leak == yes ]]; then
        # the caller leaks a host directory on every fd 3..20 (perl: bash
        # makes fds past 9 close-on-exec)
        status=0
        timeout -k 5 30 perl -MPOSIX -e 'my $d = POSIX::open(shift, O_RDONLY) // die;
          POSIX::dup2($d, $_) for 3 .. 20; exec @ARGV or die' \
          "$HOSTD/dir" "$CELL" --root "$ROOT" run --bundle "$BUNDLE" "$ID" \
          </dev/null >"$T/run.out" 2>&1 || status=$?
        output=$(cat "$T/run.out")
        mapfile -t lines <"$T/run.out"
      else
        run_cell run --bundle "$BUNDLE" "$ID"
      fi
      echo "leak=$leak N=$n status=$status out=$output" >&2
      [[ $output != *hostmarker* ]] || fail "N=$n: cwd is the host directory"
      if ((status == 0)); then
        [[ ${lines[0]:-/} == /* ]] || fail "N=$n: cwd unreachable"
      elif [[ $leak == yes ]] && is_cell; then
        [[ $output == *"outside the container root"* ||
          $output == *"Not a directory"* ]] || fail "N=$n: unexpected error"
      fi
    done
  done
  host_untouched
}

# Defence: init_prepare_fds (container.c).  Scratch build without it:
# the leaked fds reached the probe and the test failed.
@test "2 fds: only 0-2 and preserved fds reach the container, leaked dirs too" {
  make_esc_bundle /probes/fds -l
  new_id
  (exec 5<"$HOSTD/dir" 6<"$HOSTD/file" 9<"$HOSTD/dir"
    cell_as run --preserve-fds 1 --bundle "$BUNDLE" "$ID" </dev/null \
      >"$T/out" 2>"$T/err" 3<"$HOSTD/file")
  cat "$T/out" "$T/err" >&2
  [[ $(tr ' ' '\n' <"$T/out" | cut -d= -f1 | xargs) == "0 1 2 3" ]]
  host_untouched
}

# --- 5. kernel filesystems and devices replaced by symlinks ---------------

# Defence: every mount destination is opened with openat2(RESOLVE_IN_ROOT)
# (open_in_root, rootfs_path.c): an absolute symlink resolves inside the
# rootfs.  Scratch build with openat2's resolve flags at 0 (the path
# followed as the host would): proc went onto the host's $HOSTD/dir, the
# container had no /proc/self/mountinfo and this test failed.
@test "5 symlinks: /proc, /sys, /dev pointing at host paths stay in the root" {
  local what
  for what in proc sys dev; do
    make_esc_bundle /bin/sh -c 'cat /proc/self/mountinfo; ls /dev'
    rm -rf "${BUNDLE:?}/rootfs/$what"
    ln -s "$HOSTD/dir" "$BUNDLE/rootfs/$what"
    new_id
    run_show "$ID"
    [ "$status" -eq 0 ]
    # the mount sits on the rootfs's copy of the path, not the host's
    grep -q " $HOSTD/dir " <<<"$output"
    [[ -e $BUNDLE/rootfs$HOSTD/dir ]]
  done
  host_untouched
}

# Defence: make_node (devices.c) unlinks what the image put at a device
# path and mknods there (a symlink is replaced, never followed); in a user
# namespace rootfs_mkfile_at refuses a symlink (ELOOP).  The same scratch
# build as above still passed: these paths never go through a lookup
# that follows the last component, so this test guards that design.
@test "5 symlinks: /dev/null, /dev/zero, /dev/tty as symlinks to a host file" {
  local dev
  for dev in null zero tty; do
    for userns in no yes; do
      make_esc_bundle /bin/sh -c "echo pwned >/dev/$dev; ls -l /dev/$dev"
      # no /dev tmpfs: the image's own /dev is used
      cfg 'del(.mounts[] | select(.destination == "/dev"))'
      if [[ $userns == yes ]]; then
        cfg '.linux.namespaces += [{"type":"user"}] |
          .linux.uidMappings = [{"containerID":0,"hostID":200000,"size":65536}] |
          .linux.gidMappings = [{"containerID":0,"hostID":200000,"size":65536}] |
          .mounts |= map(select(.type != "cgroup" and .destination != "/dev/pts"))'
        chown -R 200000:200000 "$BUNDLE/rootfs"
      fi
      ln -s "$HOSTD/file" "$BUNDLE/rootfs/dev/$dev"
      new_id
      run_show "$ID"
      # either refused or a real device node in the container
      if ((status == 0)); then
        [[ $output == c* ]] || fail "/dev/$dev is not a device"
      fi
    done
  done
  [[ $(cat "$HOSTD/file") == secret ]]
  host_untouched
}

# Defence: rootfs_mkfile_at (O_NOFOLLOW, refuses a symlink) for
# /dev/console; not shown failing by a scratch build (as above).
@test "5 symlinks: /dev/console as a symlink to a host file (terminal)" {
  make_esc_bundle /bin/sh -c 'echo pwned >/dev/console'
  cfg 'del(.mounts[] | select(.destination == "/dev"))'
  ln -s "../../../../../../../..$HOSTD/file" "$BUNDLE/rootfs/dev/console"
  cfg '.process.terminal = true'
  new_id
  run_show "$ID"
  [ "$status" -ne 0 ]
  [[ $stderr == *console* ]]
  [[ $(cat "$HOSTD/file") == secret ]]
  host_untouched
}

# Defence: mask_path/readonly_path run after pivot_root and resolve with
# open_in_root, so a symlink in the image names a file of the rootfs.
# Not discriminating today (a scratch build without masks still passes:
# after pivot_root the host file is out of reach anyway); it guards a
# move of masking before pivot_root.
@test "5 symlinks: a masked path that is a symlink to a host file" {
  make_esc_bundle /bin/sh -c 'cat /etc/mlink /etc/rlink; echo x >/etc/rlink; cat /etc/target'
  mkdir -p "$BUNDLE/rootfs$HOSTD"
  echo inroot >"$BUNDLE/rootfs$HOSTD/file"
  echo t >"$BUNDLE/rootfs/etc/target"
  ln -s "$HOSTD/file" "$BUNDLE/rootfs/etc/mlink"
  ln -s "$HOSTD/file" "$BUNDLE/rootfs/etc/rlink"
  cfg '.linux.maskedPaths += ["/etc/mlink"] | .linux.readonlyPaths += ["/etc/rlink"]'
  new_id
  run_show "$ID"
  [[ $output != *secret* ]]
  [[ $(cat "$HOSTD/file") == secret ]]
  host_untouched
}

# --- 6. ".." in paths from the config ----------------------------------

# Defence: rootfs_validate (rootfs.c) refuses any path whose ".." climbs
# above "/", before anything is created; what is left is cleaned and then
# resolved with RESOLVE_IN_ROOT, which clamps ".." met through symlinks.
# Scratch build with check_path() returning 0: the escaping masked path
# was accepted (status 0) and the test failed.
@test "6 dotdot: escaping mount, masked, readonly and device paths are refused" {
  local f
  for f in \
    '.mounts += [{"destination":("/../../../.." + $h + "/dir/x"),"type":"tmpfs","source":"tmpfs"}]' \
    '.mounts += [{"destination":("/tmp/../../.." + $h + "/dir/x"),"type":"bind","source":"/etc","options":["bind"]}]' \
    '.linux.maskedPaths += ["/proc/../../..\($h)/file"]' \
    '.linux.readonlyPaths += ["/../\($h)/file"]' \
    '.linux.devices += [{"path":"/dev/../../..\($h)/dir/n","type":"c","major":1,"minor":3}]' \
    '.linux.devices += [{"path":"/dev/../\($h)/dir/n","type":"c","major":1,"minor":3}]'; do
    make_esc_bundle true
    cfg "$f" --arg h "$HOSTD"
    new_id
    run_cell run --bundle "$BUNDLE" "$ID"
    assert_rejected ""
  done
  host_untouched
}

# ".." inside the root, and through a symlink the image planted, stays in.
# Scratch build with openat2's resolve flags at 0: the tmpfs was mounted
# on the host's $HOSTD/dir/x (outside the new root), the container's
# mountinfo lacked it and the test failed.
@test "6 dotdot: .. through image symlinks in a destination and cwd stays inside" {
  make_esc_bundle /bin/sh -c 'pwd; ls; cat /proc/self/mountinfo'
  ln -s ../../../../../../../.. "$BUNDLE/rootfs/up"
  mkdir -p "$BUNDLE/rootfs$HOSTD/dir"
  cfg '.mounts += [{"destination":("/up/../up" + $h + "/dir/x"),"type":"tmpfs","source":"tmpfs"}] |
    .process.cwd = ("/../../" + $h + "/dir")' --arg h "$HOSTD"
  new_id
  run_show "$ID"
  [ "$status" -eq 0 ]
  [[ $output != *hostmarker* ]]
  [[ ${lines[0]} == "$HOSTD/dir" ]]
  grep -q " $HOSTD/dir/x .* - tmpfs " <<<"$output"
  [[ -d $BUNDLE/rootfs$HOSTD/dir/x ]]
  host_untouched
}

# A startContainer hook runs in the container, after pivot_root: its
# path, ".." and all, names a file of the rootfs, so the host script does
# not run.  Not shown failing by a scratch build (it would take moving the
# hook before pivot_root); it guards that order.
@test "6 dotdot: a startContainer hook path with .. does not run a host file" {
  printf '#!/bin/sh\ntouch %s/ran\n' "$HOSTD" >"$HOSTD/hook"
  chmod 755 "$HOSTD/hook"
  host_snapshot
  make_esc_bundle true
  cfg '.hooks.startContainer = [{"path":("/../../../.." + $h + "/hook")}]' \
    --arg h "$HOSTD"
  new_id
  run_show "$ID"
  [ "$status" -ne 0 ]
  [[ ! -e $HOSTD/ran ]]
  host_untouched
}

# --- 3. inheritable and ambient capabilities (CVE-2022-29162) -------------

# setcap cap_net_raw+ei on a copy of esc_id: a process whose inheritable
# set holds CAP_NET_RAW gains it at exec.
fcap_probe() {
  command -v setcap >/dev/null || skip "setcap (libcap2-bin) not installed"
  cp "$PROBES/esc_id" "$BUNDLE/rootfs/probes/esc_fcap"
  setcap cap_net_raw+ei "$BUNDLE/rootfs/probes/esc_fcap"
}

# Defence: process_set_user_and_caps (caps.c) sets the inheritable set to
# what process.capabilities.inheritable says (nothing by default) and
# clears the ambient set.  Scratch build passing the bounding mask as the
# inheritable one (runc's bug): CapInh was 0000000000002000... and the
# file-capability probe printed raw=ok, failing the first half.
@test "3 caps: CapInh/CapAmb are 0 unless asked; inheritable file caps gain nothing" {
  make_esc_bundle /probes/esc_fcap
  fcap_probe
  cfg '.process.user = {"uid":1000,"gid":1000} | .process.noNewPrivileges = false |
    .process.capabilities.bounding += ["CAP_NET_RAW"]'
  new_id
  run_show "$ID"
  [ "$status" -eq 0 ]
  [[ $output == *" Inh=0000000000000000 "* ]]
  [[ $output == *" Prm=0000000000000000 "* ]]
  [[ $output == *" Amb=0000000000000000 "* ]]
  [[ $output == *" raw=EPERM"* ]]
  # root's sets too: no inheritable or ambient ones
  cfg '.process.user = {"uid":0,"gid":0}'
  new_id
  run_show "$ID"
  [[ $output == *" Inh=0000000000000000 "* && $output == *" Amb=0000000000000000 "* ]]
  # the discriminating half: asked for, the same file gains CAP_NET_RAW
  cfg '.process.user = {"uid":1000,"gid":1000} |
    .process.capabilities.inheritable = ["CAP_NET_RAW"]'
  new_id
  run_show "$ID"
  [[ $output == *" Inh=0000000000002000 "* && $output == *" raw=ok"* ]]
  host_untouched
}

# --- 11. no_new_privs ----------------------------------------------------

# Defence: process_set_no_new_privs (caps.c), prctl(PR_SET_NO_NEW_PRIVS)
# before exec.  The noNewPrivileges=false half shows the setuid bit works
# on this rootfs, so the test discriminates; a scratch build with the
# prctl removed printed euid=0 in the first half.
@test "11 nnp: a setuid-root binary gains nothing with noNewPrivileges" {
  make_esc_bundle /probes/esc_suid
  cp "$PROBES/esc_id" "$BUNDLE/rootfs/probes/esc_suid"
  chown 0:0 "$BUNDLE/rootfs/probes/esc_suid"
  chmod 4755 "$BUNDLE/rootfs/probes/esc_suid"
  cfg '.process.user = {"uid":1000,"gid":1000} | .process.noNewPrivileges = true'
  new_id
  run_show "$ID"
  [ "$status" -eq 0 ]
  [[ $output == "uid=1000 euid=1000 "* && $output == *" nnp=1 "* ]]
  cfg '.process.noNewPrivileges = false'
  new_id
  run_show "$ID"
  [[ $output == "uid=1000 euid=0 "* && $output == *" nnp=0 "* ]]
  host_untouched
}

# --- 9. masked and read-only kernel interfaces ----------------------------

# `cell spec` masks at least what runc's and crun's `spec` mask.
@test "9 masked: cell spec covers runc's and crun's masked and read-only paths" {
  requires_cell "compares cell spec with the others"
  local rt d
  for rt in runc crun; do
    command -v $rt >/dev/null || continue
    d=$T/spec-$rt
    mkdir -p "$d"
    (cd "$d" && $rt spec)
    jq -r '.linux.maskedPaths[], .linux.readonlyPaths[]' "$d/config.json" \
      | sort >"$d/theirs"
    (cd "$d" && rm config.json && "$CELL" spec)
    jq -r '.linux.maskedPaths[], .linux.readonlyPaths[]' "$d/config.json" \
      | sort >"$d/ours"
    comm -23 "$d/theirs" "$d/ours" >"$d/missing"
    [[ ! -s $d/missing ]] || fail "$rt masks what cell does not: $(cat "$d/missing")"
  done
}

# Defence: rootfs_finalize (rootfs.c), masks and read-only binds after
# pivot_root.  Scratch build skipping mask_path and readonly_path:
# /proc/keys, /proc/timer_list, /proc/interrupts gave bytes, /sys/firmware
# was listed and /proc/sys, /proc/irq were writable; the test failed.
@test "9 masked: the container cannot read or write the masked kernel interfaces" {
  make_esc_bundle /bin/sh -c '
    for p in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug \
             /proc/interrupts /proc/latency_stats /proc/timer_stats; do
      [ -e $p ] || continue
      n=$(head -c 64 $p 2>/dev/null | wc -c); echo "read $p $n"
    done
    for p in /proc/acpi /proc/scsi /proc/asound /sys/firmware \
             /sys/kernel/debug /sys/devices/virtual/powercap; do
      [ -d $p ] || continue
      echo "list $p $(ls -A $p | wc -l)"
      touch $p/x 2>/dev/null && echo "WROTE $p"
    done
    for p in /proc/sysrq-trigger /proc/sys/kernel/domainname \
             /proc/sys/vm/drop_caches /proc/irq/default_smp_affinity; do
      (printf "" >$p) 2>/dev/null && echo "WROTE $p"
    done
    echo done'
  # the spec's read-only root stays off (make_bundle): kernel paths only
  cfg '.process.capabilities.bounding += ["CAP_SYS_ADMIN","CAP_DAC_OVERRIDE"] |
    .process.capabilities.effective = .process.capabilities.bounding |
    .process.capabilities.permitted = .process.capabilities.bounding'
  new_id
  run_show "$ID"
  [ "$status" -eq 0 ]
  [[ ${lines[-1]} == done ]]
  if grep -E '^(read .* [1-9]|list .* [1-9]|WROTE)' <<<"$output"; then
    fail "a masked path was readable or a read-only one writable"
  fi
  host_untouched
}

# --- 1. the runtime binary through /proc/PID/exe (CVE-2019-5736) ----------

# Each variant shows a container process a process that runs cell's code
# and lets esc_exe try /proc/PID/exe: open for writing (ETXTBSY or worse),
# and an O_PATH fd kept to reopen for writing once cell's code is gone.
# esc_exe never writes; "opened" anywhere is the failure.
assert_exe_denied() {
  grep -q 'direct=' <<<"$1" || fail "the probe did not run"
  [[ $1 != *opened* ]] || fail "the runtime binary was reachable: $1"
}

# Defence: the init clears PR_SET_DUMPABLE right after entering its
# namespaces (init_main, container.c): its /proc/PID/exe is then only for
# CAP_SYS_PTRACE in the host user namespace.  A startContainer hook is a
# container program run by the init while it is still cell.  Scratch build
# without the prctl: "path=opened" and "direct=ETXTBSY" (the hook has the
# same capabilities as the init at that point).
@test "1 exe: a startContainer hook cannot open the init's executable" {
  make_esc_bundle true
  cfg '.hooks.startContainer = [{"path":"/probes/esc_exe","args":["esc_exe","ppid"]}]'
  new_id
  run_show "$ID"
  [ "$status" -eq 0 ]
  assert_exe_denied "$output"
  host_untouched
}

# A second container joining a created container's pid namespace sees its
# init (pid 1, still cell, waiting for start) and keeps trying to reopen
# its exe for writing until after `cell start` exits.  Scratch build
# without the prctl: path=opened, then reopen=opened once start was done.
@test "1 exe: a process in a created container's pid namespace cannot reach cell" {
  make_esc_bundle sleep 2
  local a=$BUNDLE
  new_id
  local ida=$ID
  cell_create "$ida"
  local pid
  pid=$(state_field "$ida" .pid)
  make_esc_bundle /probes/esc_exe 1 4
  cfg '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)' \
    --arg p "/proc/$pid/ns/pid"
  new_id
  cell_run_detached "$ID"
  wait_for grep -q 'path=' "$T/$ID.out"
  BUNDLE=$a cell_as start "$ida"
  wait_for grep -q 'reopen=' "$T/$ID.out"
  cat "$T/$ID.out" "$T/$ID.err" >&2
  assert_exe_denied "$(cat "$T/$ID.out")"
  host_untouched
}

# No pid namespace: the container sees the `cell run` process itself.  It
# is root with every capability; the kernel's ptrace check (the caller's
# permitted set must cover the target's) refuses the container's reduced
# set.  Shown to discriminate by giving the container every capability:
# then path=opened and direct=ETXTBSY.
@test "1 exe: without a pid namespace the container cannot open cell run's exe" {
  make_esc_bundle true
  new_id
  set_args /probes/esc_exe "cmd=$ID"
  cfg '.linux.namespaces |= map(select(.type != "pid"))'
  run_show "$ID"
  [ "$status" -eq 0 ]
  [[ $output != *pid=-1* ]] || fail "cell run not found"
  assert_exe_denied "$output"
  host_untouched
}

# The published attack: the image's program becomes `#!/proc/self/exe`, so
# the process that execs it (cell's, at `exec`) starts cell's own binary
# in the container, dumpable and as the container's root.  esc_shebang
# (PID 1) holds its exe and reopens it for writing once `cell exec` ended.
# The interpreter argument makes that cell block on a log FIFO until the
# probe has its exe, so the race is always won when there is one.
# Defence: the exec shim (src/shim): the program is exec'd by a sealed
# memfd, so the script's interpreter is that memfd, which refuses to run
# without cell's marker.  cell before the shim failed this test with
# "found=2 reopen=opened": the host binary was open for writing.
@test "1 exe: #!/proc/self/exe in the image does not run cell in the container" {
  local devino
  devino=$(stat -c '%d %i' "$CELL")
  # shellcheck disable=SC2086
  make_esc_bundle /probes/esc_shebang $devino 6 /tmp/log.fifo
  printf '#!/proc/self/exe --log=/tmp/log.fifo\n' >"$BUNDLE/rootfs/bin/victim"
  chmod 755 "$BUNDLE/rootfs/bin/victim"
  mkfifo "$BUNDLE/rootfs/tmp/log.fifo"
  new_id
  cell_run_detached "$ID"
  local rc=0
  cell_as exec "$ID" /bin/victim </dev/null >"$T/exec.out" 2>"$T/exec.err" || rc=$?
  wait_for grep -q 'reopen=' "$T/$ID.out"
  cat "$T/exec.out" "$T/exec.err" "$T/$ID.out" >&2
  ((rc != 0))
  grep -q 'found=none' "$T/$ID.out" || fail "cell's binary ran in the container"
  [[ $(cat "$T/$ID.out") != *opened* ]]
  cell_as delete --force "$ID"
  host_untouched
}

# --- 4. a symlink swapped into a mount destination (CVE-2021-30465) -------

# Defence: the destination is resolved once, inside the root
# (rootfs_mkpath_in_root -> openat2 RESOLVE_IN_ROOT), and the mount goes
# onto that O_PATH fd (/proc/self/fd/N), so a swap after the lookup moves
# nothing; a swap before it resolves the symlink inside the rootfs.
# A mount that lands on a host path happens in the container's private
# namespace and pivot_root hides it, so the host mount table alone cannot
# see a won race: a createContainer hook (run in the container's mount
# namespace before pivot_root) records the mount points there, and none
# may lie outside the rootfs unless the host has it too.  Scratch build
# with openat2's resolve flags at 0 (paths relative to the rootfs fd,
# symlinks followed as the host would): the bind landed on $HOSTD/dir and
# this test failed; without the hook it had passed.
@test "4 race: renameat2 swaps of a destination with a host symlink, 200 runs" {
  make_esc_bundle /bin/sh -c 'touch /mnt/d/pwned 2>/dev/null; true'
  mkdir -p "$BUNDLE/rootfs/mnt/d" "$T/mi"
  ln -s "$HOSTD/dir" "$BUNDLE/rootfs/mnt/l"
  cfg '.mounts += [{"destination":"/mnt/d","type":"bind","source":$s,"options":["bind"]}] |
    .hooks.createContainer = [{"path":"/bin/sh",
      "args":["sh","-c","cat /proc/self/mountinfo >\"$(mktemp \"$0/mi.XXXXXX\")\"",$mi]}]' \
    --arg s "$T/src" --arg mi "$T/mi"
  mkdir -p "$T/src"
  "$PROBES/esc_swap" "$BUNDLE/rootfs/mnt/d" "$BUNDLE/rootfs/mnt/l" "$T/stop" \
    >"$T/swaps" &
  BG_PIDS+=($!)
  local i ok=0
  new_id # a foreground run removes its state: one id does for all
  for ((i = 0; i < 200; i++)); do
    run_cell run --bundle "$BUNDLE" "$ID"
    ((status == 0)) && ok=$((ok + 1))
  done
  touch "$T/stop"
  wait "${BG_PIDS[-1]}"
  echo "runs ok: $ok, swaps: $(cat "$T/swaps"), hook records: $(ls "$T/mi" | wc -l)" >&2
  (($(cat "$T/swaps") > 0))
  ((ok > 0 && $(ls "$T/mi" | wc -l) >= ok))
  # mount points seen before pivot_root that are neither in the rootfs nor
  # on the host
  local stray
  stray=$(comm -13 <(awk '{ print $5 }' /proc/self/mountinfo | sort -u) \
    <(cat "$T"/mi/* | awk '{ print $5 }' | sort -u) |
    grep -v "^$BUNDLE/rootfs\(/\|$\)" || true)
  [[ -z $stray ]] || fail "mounts landed outside the rootfs: $stray"
  [[ -z $(ls -A "$ROOT") ]]
  [[ ! -e $HOSTD/dir/pwned ]]
  host_untouched
}

# --- 7. TIOCSTI into the caller's terminal --------------------------------

# script(1) gives `cell run` a pty as stdin; after the run the same shell
# reads its terminal: anything the container pushed with TIOCSTI would be
# there.  Defence: setsid() in init_main (the container has no controlling
# terminal, and TIOCSTI on another tty needs CAP_SYS_ADMIN); with
# process.terminal the container's own pty is the only one it can push
# into.  The control run (the probe straight under script, in the shell's
# session) shows the harness reads an injection back; a scratch build
# without the setsid failed the test.
@test "7 tiocsti: the container cannot push keystrokes into the caller's tty" {
  command -v script >/dev/null || skip "no script(1)"
  local old
  old=$(sysctl -n dev.tty.legacy_tiocsti 2>/dev/null || echo none)
  # the kernel's own block would hide cell's: test with TIOCSTI allowed
  [[ $old == 0 ]] && sysctl -qw dev.tty.legacy_tiocsti=1
  make_esc_bundle /probes/esc_tiocsti "echo INJECTED"
  # script(1) writes ^D (VEOF) into the tty once its stdin ends: as NUL
  # in canonical mode, as itself after `stty -icanon`, depending on how
  # fast the run before was.  Neither is an injection: both are dropped.
  P=$PROBES/esc_tiocsti timeout 30 script -q -e -c '"$P" "echo INJECTED"
    stty -icanon min 0 time 5
    got=$(dd bs=1 count=64 2>/dev/null | tr -d "\000\004")
    echo "outer-read=[$got]"' /dev/null </dev/null \
    >"$T/tty.control" 2>&1 || true
  local term
  for term in false true; do
    cfg '.process.terminal = ($t == "true")' --arg t "$term"
    new_id
    CELL_T=$CELL ROOT_T=$ROOT B=$BUNDLE I=$ID timeout 30 script -q -e -c '
      "$CELL_T" --root "$ROOT_T" run --bundle "$B" "$I" 2>&1
      echo "rc=$?"
      stty -icanon min 0 time 5
      got=$(dd bs=1 count=64 2>/dev/null | tr -d "\000\004")
      echo "outer-read=[$got]"' /dev/null </dev/null >"$T/tty.$term" 2>&1 ||
      true
    tr -d '\r' <"$T/tty.$term" >&2
  done
  [[ $old == 0 ]] && sysctl -qw dev.tty.legacy_tiocsti=0
  grep -q 'outer-read=\[echo INJECTED' "$T/tty.control" ||
    fail "control: the harness did not see a real injection"
  grep -q 'tiocsti=EPERM' "$T/tty.false"
  grep -q 'rc=0' "$T/tty.true"
  for term in false true; do
    grep -q 'outer-read=\[\]' "$T/tty.$term" || fail "terminal=$term: injected"
  done
  host_untouched
}

# --- 10. rootless gains nothing its user lacks ----------------------------

# Defence: the user namespace (host root is unmapped: root in the
# container is the caller, "other" on a root-owned directory).  The probe
# is uid 0 in its namespace, yet every write is EACCES.
@test "10 rootless: a root-owned host directory bind-mounted rw cannot be written" {
  setup_rootless_user
  chmod 755 "$HOSTD" "$HOSTD/dir"
  host_snapshot
  use_rootless
  make_bundle --rootless /bin/sh -c 'touch /mnt/h/new; echo x >>/mnt/h/hostmarker; rm -f /mnt/h/hostmarker; id -u'
  cfg '.mounts += [{"destination":"/mnt/h","type":"bind","source":$s,"options":["rbind","rw"]}]' \
    --arg s "$HOSTD/dir"
  new_id
  run_show "$ID"
  [ "${lines[-1]}" = 0 ]
  [[ $stderr == *"Permission denied"* ]]
  host_untouched
}

# Defence: newuidmap checks /etc/subuid; cell turns its refusal into a
# failed create that removes what it made (container_destroy).  Checked
# without the defence by pointing the map inside the range: the run works.
@test "10 rootless: uidMappings beyond the user's subuid range are refused" {
  setup_rootless_user
  use_rootless
  local start count
  IFS=: read -r _ start count < <(grep "^$ROOTLESS_USER:" /etc/subuid | head -n1)
  make_bundle --rootless true
  cfg '.linux.uidMappings = [{"containerID":0,"hostID":$u,"size":1},
      {"containerID":1,"hostID":$s,"size":($c + 1000)}]' \
    --argjson u "$ROOTLESS_UID" --argjson s "$start" --argjson c "$count"
  new_id
  run_cell run --bundle "$BUNDLE" "$ID"
  echo "status=$status stderr=$stderr" >&2
  [ "$status" -eq 1 ]
  # newuidmap says why on its own line; cell's line comes last
  [[ ${stderr_lines[-1]} == *newuidmap* ]]
  assert_nothing_left
  # the control: the range itself is accepted
  cfg '.linux.uidMappings[1].size = $c' --argjson c "$count"
  new_id
  run_show "$ID"
  [ "$status" -eq 0 ]
  host_untouched
}

# --- extras ---------------------------------------------------------------

# Defence: the state directory is only reached through fds that are
# close-on-exec (the exec fifo, the state dirfd closed before pivot_root),
# and pivot_root detaches the host.  Scratch build with the fifo opened
# without O_CLOEXEC and no init_prepare_fds: the test failed.
@test "extras: the state directory is unreachable from the container" {
  make_esc_bundle true
  new_id
  set_args /bin/sh -c "ls -d '$ROOT' '$ROOT/$ID' 2>&1; /probes/fds -l"
  cell_create "$ID"
  cell_as start "$ID"
  wait_status "$ID" stopped
  cat "$T/$ID.out" "$T/$ID.err" >&2
  grep -q "No such file" "$T/$ID.out"
  [[ $(tail -n1 "$T/$ID.out" | tr ' ' '\n' | cut -d= -f1 | xargs) == "0 1 2" ]]
  if grep -q "$ROOT" <<<"$(tail -n1 "$T/$ID.out")"; then
    fail "an fd names the state directory"
  fi
  host_untouched
}

# A sound observable for PR_SET_DUMPABLE: the /proc/PID files of a
# non-dumpable process belong to root, those of a dumpable one to its
# user.  A rootless init waiting in `created` (still cell's code, holding
# the fifo) must show root; after start, the user's program is dumpable
# again and shows the caller.  Scratch build without the prctl: the
# created init's files belonged to celltest.
@test "extras: the created init is not dumpable while it runs cell's code" {
  setup_rootless_user
  use_rootless
  make_bundle --rootless sleep 100
  new_id
  cell_create "$ID"
  local pid
  pid=$(state_field "$ID" .pid)
  [ "$(stat -c %u "/proc/$pid/environ")" = 0 ]
  cell_as start "$ID"
  wait_for test "$(stat -c %u "/proc/$pid/environ")" = "$ROOTLESS_UID"
  cell_as kill "$ID" KILL
  wait_status "$ID" stopped
  host_untouched
}

# In its own pid namespace the container cannot see or signal `cell run`:
# kill -9 -1 reaches only its own processes and run reports the status.
@test "extras: signals from the container cannot reach cell run" {
  make_esc_bundle /bin/sh -c 'kill -9 -1; cat /proc/[0-9]*/cmdline | tr "\0" " "; echo; exit 3'
  new_id
  run_show "$ID"
  [ "$status" -eq 3 ]
  [[ $output != *"$CELL_NAME"* ]]
  host_untouched
}
