#!/usr/bin/env bats
# linux.seccomp: every effect is observed inside the container, by busybox
# or by the seccomp_sys probe (one "NAME: ok|errno N|killed by signal N"
# line per syscall it makes).

load helpers

SC_PROBES="seccomp_sys seccomp_listener"
PODMAN_PROFILE=/usr/share/containers/seccomp.json

setup_file() {
  common_setup_file
  local p
  for p in $SC_PROBES; do
    if [[ ! -x $PROBES/$p || $PROBES_SRC/$p.c -nt $PROBES/$p ]]; then
      gcc -static -O2 -Wall -Wextra -Werror -D_GNU_SOURCE \
        -o "$PROBES/$p.tmp" "$PROBES_SRC/$p.c" || return 1
      mv "$PROBES/$p.tmp" "$PROBES/$p"
    fi
  done
}

setup() {
  common_setup
  mounts_snapshot
}

teardown() {
  # the BPF cache is not container state: it outlives containers
  [[ -n ${ROOT:-} ]] && rm -rf "$ROOT/.seccomp-cache"
  common_teardown
}

# sc_bundle ARGS...: a bundle with the probe; process.args = ARGS.
sc_bundle() {
  make_bundle "$@" || return 1
  cp "$PROBES/seccomp_sys" "$BUNDLE/rootfs/probes/"
}

# set_seccomp JSON: linux.seccomp = JSON.
set_seccomp() {
  cfg '.linux.seccomp = $s' --argjson s "$1"
}

# The docker-format profile podman ships, as an OCI linux.seccomp for an
# x86_64 container with the bundle's capabilities: entries whose
# includes/excludes (arches, caps) do not fit are dropped.
podman_seccomp() {
  [[ -r $PODMAN_PROFILE ]] ||
    fail "$PODMAN_PROFILE missing (contrib/deps.sh --test installs it)" ||
    return 1
  local caps
  caps=$(jq -c '.process.capabilities.bounding // []' "$BUNDLE/config.json")
  jq -c --argjson caps "$caps" '
    def has_any($l): any($l[]; . as $x | $caps | index($x));
    {defaultAction, defaultErrnoRet,
     architectures: [.archMap[] | select(.architecture == "SCMP_ARCH_X86_64")
                     | .architecture, .subArchitectures[]],
     syscalls: [.syscalls[]
       | select((.includes.arches // []) as $a
                | ($a | length) == 0 or any($a[]; . == "amd64" or . == "x32"
                                                  or . == "x86"))
       | select((.includes.caps // []) as $c
                | all($c[]; . as $x | $caps | index($x)))
       | select(has_any(.excludes.caps // []) | not)
       | {names, action}
         + (if .errnoRet then {errnoRet} else {} end)
         + (if (.args // []) | length > 0 then {args} else {} end)]}
  ' "$PODMAN_PROFILE"
}

@test "seccomp: podman's default profile loads and a busybox shell works" {
  sc_bundle sh -c 'echo hello; ls / >/dev/null && mkdir /tmp/d && echo mkdir ok;
    grep "^Seccomp:" /proc/self/status; /probes/seccomp_sys thread'
  local s
  s=$(podman_seccomp) || return 1
  [[ $(jq '[.syscalls[].names[]] | length' <<<"$s") -gt 300 ]] ||
    fail "profile too small"
  set_seccomp "$s"
  new_id
  run_bundle "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *hello* ]]
  [[ $output == *"mkdir ok"* ]]
  [[ $output == *$'Seccomp:\t2'* ]] || fail "no filter on the process"
  [[ $output == *"thread: ok"* ]]
}

@test "seccomp: a denied syscall returns errnoRet, defaultErrnoRet otherwise" {
  sc_bundle /probes/seccomp_sys mkdir /tmp/a
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
     "errnoRet": 42}]}'
  new_id
  run_bundle "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"mkdir: errno 42"* ]]

  # default-deny: podman's list without mkdir, and a default errno of ours
  local s
  s=$(podman_seccomp) || return 1
  s=$(jq -c '.defaultErrnoRet = 43 | .syscalls |= map(.names -= ["mkdir",
    "mkdirat"] | select(.names | length > 0))' <<<"$s")
  set_seccomp "$s"
  new_id
  run_bundle "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"mkdir: errno 43"* ]]
}

@test "seccomp: argument conditions (NE, MASKED_EQ, several on one argument)" {
  sc_bundle /probes/seccomp_sys personality ffffffff personality 8
  # everything but the query 0xffffffff is denied
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42,
     "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_NE"}]}]}'
  new_id
  run_bundle "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"personality: ok"*"personality: errno 42"* ]]

  # (arg0 & 0xff00) == 0x0800 and conditions on one argument are ORed
  set_args /probes/seccomp_sys personality 0 personality 0800 \
    personality 20000 personality 20008
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 43,
     "args": [{"index": 0, "value": 65280, "valueTwo": 2048,
               "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 44,
     "args": [{"index": 0, "value": 131072, "op": "SCMP_CMP_EQ"},
              {"index": 0, "value": 131080, "op": "SCMP_CMP_EQ"}]}]}'
  new_id
  run_bundle "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == "personality: ok"$'\n'"personality: errno 43"$'\n'"personality: errno 44"$'\n'"personality: errno 44" ]]
}

@test "seccomp: i386 (int 0x80) and x32 entry points do not bypass the filter" {
  sc_bundle /probes/seccomp_sys mkdir /tmp/a i386-mkdir /tmp/b x32-mkdir /tmp/c
  # without a filter the i386 entry point works: the probe is sound
  new_id
  run_bundle "$ID"
  echo "$output"
  [[ $output == *"i386-mkdir: ok"* ]]

  # all three ABIs in the filter: the rule holds on each
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                  "errnoRet": 42}]}'
  new_id
  run_bundle "$ID"
  echo "$output"
  [[ $output == *"mkdir: errno 42"*"i386-mkdir: errno 42"*"x32-mkdir: errno 42"* ]]

  # x86_64 only: the other ABIs are a bad architecture, killed
  cfg 'del(.linux.seccomp.architectures)'
  new_id
  run_bundle "$ID"
  echo "$output"
  [[ $output == *"mkdir: errno 42"* ]]
  [[ $output == *"i386-mkdir: killed by signal 31"* ]]
  [[ $output == *"x32-mkdir: killed by signal 31"* ]]
}

# Syscalls added after clone3 (5.3): a profile without them is "older".
NEWER_THAN_CLONE3='["clone3", "close_range", "openat2", "pidfd_getfd",
  "faccessat2", "process_madvise", "epoll_pwait2", "mount_setattr",
  "quotactl_fd", "landlock_create_ruleset", "landlock_add_rule",
  "landlock_restrict_self", "memfd_secret", "process_mrelease",
  "futex_waitv", "set_mempolicy_home_node", "cachestat", "fchmodat2",
  "map_shadow_stack", "futex_wake", "futex_wait", "futex_requeue",
  "statmount", "listmount", "lsm_get_self_attr", "lsm_set_self_attr",
  "lsm_list_modules", "mseal"]'

@test "seccomp: clone3 gets ENOSYS under a profile older than clone3" {
  sc_bundle /probes/seccomp_sys clone3 thread mkdir /tmp/a
  local s
  s=$(podman_seccomp) || return 1
  s=$(jq -c --argjson new "$NEWER_THAN_CLONE3" '.defaultErrnoRet = 1
    | .syscalls |= map(.names -= $new | select(.names | length > 0))' <<<"$s")
  set_seccomp "$s"
  new_id
  run_bundle "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"clone3: errno 38"* ]]
  # glibc's pthread_create falls back to clone on ENOSYS
  [[ $output == *"thread: ok"* ]]
  [[ $output == *"mkdir: ok"* ]]

  # a profile that names a newer syscall knew clone3: the default applies
  s=$(jq -c '.syscalls += [{"names": ["faccessat2"],
    "action": "SCMP_ACT_ALLOW"}]' <<<"$s")
  set_seccomp "$s"
  new_id
  run_bundle "$ID"
  echo "$output"
  [[ $output == *"clone3: errno 1"* ]]
}

@test "seccomp: an unknown syscall name is a warning, the rest applies" {
  sc_bundle /probes/seccomp_sys mkdir /tmp/a
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["no_such_syscall_cell", "mkdir", "mkdirat"],
     "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}'
  new_id
  run_bundle "$ID"
  echo "status=$status out=$output err=$stderr"
  [ "$status" -eq 0 ]
  [[ $stderr == *warning*no_such_syscall_cell* ]]
  [[ $output == *"mkdir: errno 42"* ]]
}

@test "seccomp: bad names are refused before anything is created" {
  requires_cell "error wording"
  sc_bundle /bin/true
  local base='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
  # "JQ-EDIT @@ WORDS THE MESSAGE MUST HAVE"
  local -a cases=(
    '.syscalls[1].action = "SCMP_ACT_FOO" @@ linux.seccomp.syscalls[1].action: unknown action "SCMP_ACT_FOO"'
    '.defaultAction = "SCMP_ACT_BAR" @@ linux.seccomp.defaultAction: unknown action'
    '.syscalls[1].args = [{"index": 0, "value": 1, "op": "SCMP_CMP_XX"}] @@ linux.seccomp.syscalls[1].args[0].op'
    '.syscalls[1].args = [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}] @@ linux.seccomp.syscalls[1].args[0].index'
    '.architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"] @@ linux.seccomp.architectures[1]'
    '.flags = ["SECCOMP_FILTER_FLAG_NOPE"] @@ linux.seccomp.flags[0]: unknown flag'
    '.syscalls[0].errnoRet = 5 @@ linux.seccomp.syscalls[0].errnoRet'
    '.syscalls[1].action = "SCMP_ACT_NOTIFY" @@ linux.seccomp.listenerPath'
    '.listenerPath = "/x" | .syscalls[1] |= {names: ["sendmsg"], action: "SCMP_ACT_NOTIFY"} @@ linux.seccomp.syscalls[1].names[0]'
    '.defaultAction = "SCMP_ACT_NOTIFY" | .listenerPath = "/x" @@ linux.seccomp.defaultAction'
    '.syscalls[1].errnoRet = 70000 @@ linux.seccomp.syscalls[1].errnoRet'
  )
  local c
  for c in "${cases[@]}"; do
    set_seccomp "$(jq -c "${c%% @@ *}" <<<"$base")"
    new_id
    run_cell run --bundle "$BUNDLE" "$ID"
    assert_rejected "${c#* @@ }"
    [[ ! -e $ROOT/.seccomp-cache ]] || fail "cache made for a bad profile"
  done
}

@test "seccomp: flags are accepted and features tells them" {
  run_cell features
  [ "$status" -eq 0 ]
  local f
  f=$(jq -c '.linux.seccomp' <<<"$output")
  echo "$f"
  [[ $(jq '.enabled' <<<"$f") == true ]]
  jq -e '.actions | index("SCMP_ACT_NOTIFY")' <<<"$f"
  jq -e '.operators | index("SCMP_CMP_MASKED_EQ")' <<<"$f"
  jq -e '.archs | index("SCMP_ARCH_X32")' <<<"$f"
  jq -e '.knownFlags | index("SECCOMP_FILTER_FLAG_TSYNC")' <<<"$f"
  local flags
  flags=$(jq -c '[.supportedFlags[] | select(. !=
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")]' <<<"$f")
  sc_bundle /probes/seccomp_sys mkdir /tmp/a
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": '"$flags"',
    "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO",
                  "errnoRet": 42}]}'
  new_id
  run_bundle "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"mkdir: errno 42"* ]]
}

@test "seccomp: the compiled program is cached; a corrupt entry is recompiled" {
  requires_cell "the BPF cache"
  sc_bundle /probes/seccomp_sys mkdir /tmp/a
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
     "errnoRet": 42}]}'
  local log=$T/cell.log entry
  new_id
  run_cell --debug --log "$log" run --bundle "$BUNDLE" "$ID"
  [[ $output == *"mkdir: errno 42"* ]]
  grep -q 'seccomp: compiled' "$log"
  entry=$(ls "$ROOT"/.seccomp-cache/*)
  [[ -f $entry ]] || fail "no cache entry"
  cp "$entry" "$T/entry.good"

  # the same profile, spelled differently: a hit, the same effect
  cfg '.linux.seccomp.syscalls[0].names = ["mkdir", "mkdirat"] | .linux.seccomp |= (. as $s | {syscalls: $s.syscalls, defaultAction: $s.defaultAction})'
  : >"$log"
  new_id
  run_cell --debug --log "$log" run --bundle "$BUNDLE" "$ID"
  [[ $output == *"mkdir: errno 42"* ]]
  grep -q 'seccomp: cache hit' "$log"
  ! grep -q 'seccomp: compiled' "$log"
  [[ $(ls "$ROOT"/.seccomp-cache | wc -l) -eq 1 ]]

  # an entry whose first instruction now says "allow everything" (the
  # checksum no longer matches) must not be loaded
  local klen
  klen=$(od -An -t u4 -j 8 -N 4 "$entry" | tr -d ' ')
  printf '\x06\x00\x00\x00\x00\x00\xff\x7f' |
    dd of="$entry" bs=1 seek=$((24 + klen)) conv=notrunc status=none
  ! cmp -s "$entry" "$T/entry.good"
  : >"$log"
  new_id
  run_cell --debug --log "$log" run --bundle "$BUNDLE" "$ID"
  echo "$output"
  cat "$log"
  [[ $output == *"mkdir: errno 42"* ]]
  grep -q 'corrupt (bad checksum), recompiling' "$log"
  cmp "$entry" "$T/entry.good" || fail "entry not rewritten"

  # a truncated entry too
  truncate -s 30 "$entry"
  : >"$log"
  new_id
  run_cell --debug --log "$log" run --bundle "$BUNDLE" "$ID"
  [[ $output == *"mkdir: errno 42"* ]]
  grep -q 'corrupt' "$log"
  cmp "$entry" "$T/entry.good"
}

@test "seccomp: SCMP_ACT_NOTIFY hands the listener to listenerPath" {
  requires_cell "listener protocol"
  sc_bundle sh -c 'mkdir /tmp/n; echo "rc=$?"; [ -d /tmp/n ] && echo exists || echo absent'
  local sock=$T/listener.sock out=$T/listener.json
  "$PROBES/seccomp_listener" "$sock" "$out" 0 2>"$T/listener.err" &
  BG_PIDS+=($!)
  wait_for test -S "$sock"
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
    "listenerPath": "'"$sock"'", "listenerMetadata": "hello-agent",
    "syscalls": [{"names": ["mkdir", "mkdirat"],
                  "action": "SCMP_ACT_NOTIFY"}]}'
  new_id
  run_bundle "$ID"
  echo "status=$status out=$output err=$stderr"
  cat "$T/listener.err" >&2 || true
  [ "$status" -eq 0 ]
  # the agent made mkdir "succeed" without running it
  [[ $output == *"rc=0"* ]]
  [[ $output == *absent* ]]
  wait_for test -s "$out"
  cat "$out"
  jq -e '.ociVersion and .fds == ["seccompFd"] and .pid > 0' "$out"
  jq -e '.metadata == "hello-agent"' "$out"
  jq -e --arg id "$ID" '.state.id == $id and .state.status == "creating"' \
    "$out"
  grep -q '^nr=83$' "$out.log"
}

@test "seccomp: SCMP_ACT_NOTIFY with create/start, and an agent's errno" {
  requires_cell "listener protocol"
  sc_bundle /probes/seccomp_sys mkdir /tmp/a
  local sock=$T/listener.sock out=$T/listener.json
  "$PROBES/seccomp_listener" "$sock" "$out" 42 2>"$T/listener.err" &
  BG_PIDS+=($!)
  wait_for test -S "$sock"
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
    "listenerPath": "'"$sock"'",
    "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
  new_id
  cell_create "$ID"
  wait_for test -s "$out"
  jq -e --arg id "$ID" '.state.id == $id and (has("metadata") | not)' "$out"
  cell_as start "$ID"
  wait_status "$ID" stopped
  cat "$T/$ID.out"
  [[ $(cat "$T/$ID.out") == *"mkdir: errno 42"* ]]
}

@test "seccomp: without noNewPrivileges the filter is loaded while privileged" {
  sc_bundle /probes/seccomp_sys mkdir /tmp/a
  cfg '.process.noNewPrivileges = false | .process.user = {"uid": 1000, "gid": 1000}'
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
     "errnoRet": 42}]}'
  new_id
  run_bundle "$ID"
  echo "status=$status out=$output err=$stderr"
  [ "$status" -eq 0 ]
  [[ $output == *"mkdir: errno 42"* ]]
}

@test "seccomp: rootless, the filter applies in a user namespace" {
  setup_rootless_user || return 1
  use_rootless || return 1
  make_bundle --rootless /probes/seccomp_sys mkdir /tmp/a clone3
  cp "$PROBES/seccomp_sys" "$BUNDLE/rootfs/probes/"
  chown "$ROOTLESS_USER:" "$BUNDLE/rootfs/probes/seccomp_sys"
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
     "errnoRet": 42}]}'
  new_id
  run_bundle "$ID"
  echo "status=$status out=$output err=$stderr"
  [ "$status" -eq 0 ]
  [[ $output == *"mkdir: errno 42"* ]]
  # the cache lives in the user's own state root
  [[ -n $(ls "$ROOT/.seccomp-cache") ]]
}

# The exec shim (src/shim) is exec'd with execveat after the filter is
# loaded.  A profile that denies execveat must not break the container:
# cell then execs the program directly (the shim's protection is lost for
# that container, the program runs as it would without a shim).
@test "seccomp: a profile that denies execveat still runs the program" {
  sc_bundle sh -c 'echo ran; grep "^Seccomp:" /proc/self/status'
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["execveat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
  new_id
  run_bundle "$ID"
  echo "$output $stderr"
  [ "$status" -eq 0 ]
  [[ $output == *ran* ]]
  [[ $output == *$'Seccomp:\t2'* ]]
}
