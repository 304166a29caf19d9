# shellcheck shell=bash
# Shared setup for the integration suite: real busybox bundles, the binary
# under test ($CELL), per-test --root dirs, rootless user, leftover checks.

bats_require_minimum_version 1.5.0

CELL=${CELL:-$BATS_TEST_DIRNAME/../cell}
if [[ $CELL != */* ]]; then
  CELL=$(command -v "$CELL" || echo "$CELL")
fi
# absolute: the tests cd into bundles (CELL=./cell must still work)
[[ -e $CELL ]] && CELL=$(realpath "$CELL")
CELL_NAME=$(basename "$CELL")
PROBES_SRC=$BATS_TEST_DIRNAME/probes
PROBES=$PROBES_SRC/bin
# Everything a test makes lives under TEST_TOP, so zz_leftovers.bats can
# look for mounts, state and processes that point into it.
TEST_TOP=${CELL_TEST_TOP:-/tmp/cell-tests}
ROOTLESS_USER=${CELL_ROOTLESS_USER:-celltest}
PROBE_NAMES="fds pid sched hookdump recvtty recvfd"

fail() {
  echo "FAIL: $*" >&2
  return 1
}

is_cell() { [[ $CELL_NAME == cell* ]]; }

# For behaviour that only cell promises (runc differs or lacks it).
requires_cell() {
  is_cell || skip "cell-specific: $*"
}

build_probes() {
  mkdir -p "$PROBES"
  local p
  for p in $PROBE_NAMES; do
    if [[ ! -x $PROBES/$p || $PROBES_SRC/$p.c -nt $PROBES/$p ]]; then
      gcc -static -O2 -Wall -Wextra -Werror -D_GNU_SOURCE \
        -o "$PROBES/$p.tmp" "$PROBES_SRC/$p.c" || return 1
      mv "$PROBES/$p.tmp" "$PROBES/$p"
    fi
  done
}

# One busybox + probes rootfs per run, copied into each bundle.
build_template() {
  local t=$TEST_TOP/rootfs-template p
  build_probes || return 1
  if [[ -e $t/.stamp ]]; then
    for p in $PROBE_NAMES; do
      [[ $PROBES/$p -nt $t/.stamp ]] && rm -rf --one-file-system "$t"
    done
  fi
  [[ -e $t/.stamp ]] && return 0
  rm -rf --one-file-system "$t.new"
  mkdir -p "$t.new"/{bin,dev,proc,sys,tmp,etc,root,mnt,probes}
  chmod 1777 "$t.new/tmp"
  cp /bin/busybox "$t.new/bin/busybox"
  local a
  for a in $(/bin/busybox --list); do
    [[ $a == busybox ]] || ln -s busybox "$t.new/bin/$a"
  done
  for p in $PROBE_NAMES; do cp "$PROBES/$p" "$t.new/probes/$p"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' \
    >"$t.new/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$t.new/etc/group"
  touch "$t.new/.stamp"
  rm -rf --one-file-system "$t"
  mv "$t.new" "$t"
}

common_setup_file() {
  [[ $(id -u) == 0 ]] || skip "the suite runs as root"
  mkdir -p "$TEST_TOP"
  chmod 755 "$TEST_TOP"
  build_template
}

common_setup() {
  [[ -x $CELL ]] || skip "no runtime binary at $CELL (set CELL=)"
  mkdir -p "$TEST_TOP"
  ROOT=$(mktemp -d "$TEST_TOP/root.XXXXXX")
  IDS=()
  BUNDLES=()
  BG_PIDS=()
  NETNS=()
  ROOTLESS=
  T=$BATS_TEST_TMPDIR
}

# new_id: sets ID to a fresh container id and remembers it for teardown.
new_id() {
  ID="c$BATS_TEST_NUMBER-$$-$RANDOM"
  IDS+=("$ID")
}

common_teardown() {
  local id p
  for id in "${IDS[@]}"; do
    cell_as delete --force "$id" >/dev/null 2>&1 </dev/null || true
  done
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${NETNS[@]}"; do ip netns del "$p" 2>/dev/null || true; done
  # Bundles go; a --root with state left in it stays for zz_leftovers.
  for p in "${BUNDLES[@]}"; do rm -rf --one-file-system "$p" 2>/dev/null; done
  [[ -n ${ROOT:-} ]] && rmdir "$ROOT" 2>/dev/null
  if [[ -n ${ROOT:-} && -d $ROOT ]] && [[ -z $(ls -A "$ROOT") ]]; then
    rm -rf "$ROOT"
  fi
  return 0
}

# cfg FILTER [jq args...]: edits $BUNDLE/config.json in place.
cfg() {
  local f=$1
  shift
  jq "$f" "$BUNDLE/config.json" "$@" >"$BUNDLE/config.json.new" &&
    mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# set_args ARGS...: process.args = ARGS (each may start with "-").
set_args() {
  local a json
  json=$(for a in "$@"; do jq -n --arg a "$a" '$a'; done | jq -s -c .)
  cfg '.process.args = $a' --argjson a "$json"
}

# make_bundle [--rootless] [ARGS...]: sets BUNDLE; process.args = ARGS.
make_bundle() {
  local rootless=
  if [[ ${1:-} == --rootless ]]; then
    rootless=1
    shift
  fi
  BUNDLE=$(mktemp -d "$TEST_TOP/bundle.XXXXXX")
  chmod 755 "$BUNDLE"
  BUNDLES+=("$BUNDLE")
  cp -a "$TEST_TOP/rootfs-template" "$BUNDLE/rootfs"
  if [[ -n $rootless ]]; then
    chown -R "$ROOTLESS_USER:" "$BUNDLE"
    (cd "$BUNDLE" && as_user "$CELL" spec --rootless) || return 1
  else
    (cd "$BUNDLE" && "$CELL" spec) || return 1
  fi
  cfg '.process.terminal = false | .root.readonly = false'
  if (($#)); then
    set_args "$@"
  fi
}

# Runs the runtime with this test's --root (as the rootless user when
# ROOTLESS is set); stdio as given by the caller.
# Each call is bounded (CELL_CMD_TIMEOUT, 30 s): a runtime that deadlocks
# fails its test (status 124) instead of hanging the suite.
cell_as() {
  local t=(timeout -k 5 "${CELL_CMD_TIMEOUT:-30}")
  if [[ -n ${ROOTLESS:-} ]]; then
    "${t[@]}" runuser -u "$ROOTLESS_USER" -- env -i \
      PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="/home/$ROOTLESS_USER" \
      XDG_RUNTIME_DIR="$XDG_DIR" "$CELL" --root "$ROOT" "$@"
  else
    "${t[@]}" "$CELL" --root "$ROOT" "$@"
  fi
}

# run_cell ARGS...: like bats `run --separate-stderr` (sets status, output,
# lines, stderr) but through files, not a pipe: a container that a runtime
# wrongly started keeps its stdio open and would hang a $(...) for good.
run_cell() {
  status=0
  cell_as "$@" </dev/null >"$T/run.out" 2>"$T/run.err" || status=$?
  output=$(cat "$T/run.out")
  stderr=$(cat "$T/run.err")
  mapfile -t lines <"$T/run.out"
  mapfile -t stderr_lines <"$T/run.err"
}

# create and run -d leave the container holding the runtime's stdio, so they
# must never write into bats' $(...) pipe: the container's stdout/stderr go to
# $T/ID.out and $T/ID.err.
cell_create() {
  local id=$1
  shift
  cell_as create --bundle "$BUNDLE" "$@" "$id" \
    </dev/null >"$T/$id.out" 2>"$T/$id.err"
}

cell_run_detached() {
  local id=$1
  shift
  cell_as run --detach --bundle "$BUNDLE" "$@" "$id" \
    </dev/null >"$T/$id.out" 2>"$T/$id.err"
}

# Foreground run of this bundle: output/stderr/status as bats' run sets them.
run_bundle() {
  run_cell run --bundle "$BUNDLE" "$@"
}

state_field() {
  cell_as state "$1" </dev/null | jq -r "$2"
}

# wait_status ID STATUS: polls `state` (bounded, 10 s).
wait_status() {
  local i s
  for ((i = 0; i < 200; i++)); do
    s=$(cell_as state "$1" 2>/dev/null </dev/null | jq -r .status 2>/dev/null)
    [[ $s == "$2" ]] && return 0
    sleep 0.05
  done
  fail "container $1 is '$s', expected '$2'"
}

# wait_for CMD...: until CMD succeeds, for up to 30 s (a loaded 2-core
# machine has taken over 10 s for a container to reach a state).
wait_for() {
  local i
  for ((i = 0; i < 600; i++)); do
    "$@" && return 0
    sleep 0.05
  done
  fail "timed out waiting for: $*"
}

pid_alive() {
  [[ -e /proc/$1 ]] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# root_of PID: the host path of the process's root (the source of its "/"
# mount, which is the bundle's rootfs for a container after pivot_root;
# readlink /proc/PID/root only says "/" across mount namespaces).
root_of() {
  awk '$5 == "/" { r = $4 } END { print r }' "/proc/$1/mountinfo" 2>/dev/null
}

# in_dir PATH DIR: PATH is DIR or below it (PATH may be relative to the
# filesystem holding DIR, as mountinfo roots are).
in_dir() {
  local rel="/$(basename "$TEST_TOP")${2#"$TEST_TOP"}"
  [[ $1 == "$2" || $1 == "$2"/* || $1 == *"$rel" || $1 == *"$rel"/* ]]
}

# Pids of processes whose root or cwd is inside DIR.
procs_in() {
  local d=$1 p r c
  for p in /proc/[0-9]*; do
    r=$(root_of "${p#/proc/}") || continue
    c=$(readlink "$p/cwd" 2>/dev/null)
    if [[ $r != / && -n $r ]] && in_dir "$r" "$d"; then
      echo "${p#/proc/}"
    elif [[ -n $c ]] && in_dir "$c" "$d"; then
      echo "${p#/proc/}"
    fi
  done
}

# Mount table of this (the host's) mount namespace, minus lines that
# unrelated activity on a shared machine can change.
mounts_now() {
  grep -v -e ' /run/netns' -e ' /run/user/' -e ' /proc/sys/fs/binfmt_misc' \
    /proc/self/mountinfo
}

mounts_snapshot() {
  mounts_now >"$T/mounts.before"
}

mounts_unchanged() {
  mounts_now >"$T/mounts.after"
  diff "$T/mounts.before" "$T/mounts.after" >&2 ||
    fail "mount table changed"
}

# The container's view of its own mount at DEST: "mountopts superopts".
# Reads mountinfo output captured in $output.
mount_opts_of() {
  awk -v d="$1" '$5 == d { for (i = 7; $i != "-"; i++); print $6, $(i + 3) }' \
    <<<"$output" | tail -n1
}

# --- rootless ---------------------------------------------------------

setup_rootless_user() {
  if ! id "$ROOTLESS_USER" >/dev/null 2>&1; then
    useradd -m -s /bin/sh "$ROOTLESS_USER" || return 1
  fi
  local f
  for f in /etc/subuid /etc/subgid; do
    grep -q "^$ROOTLESS_USER:" "$f" 2>/dev/null ||
      echo "$ROOTLESS_USER:300000:65536" >>"$f"
  done
  ROOTLESS_UID=$(id -u "$ROOTLESS_USER")
  ROOTLESS_GID=$(id -g "$ROOTLESS_USER")
  XDG_DIR=$TEST_TOP/xdg.$ROOTLESS_UID
  mkdir -p "$XDG_DIR"
  chown "$ROOTLESS_USER:" "$XDG_DIR"
  chmod 700 "$XDG_DIR"
}

as_user() {
  runuser -u "$ROOTLESS_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    HOME="/home/$ROOTLESS_USER" XDG_RUNTIME_DIR="$XDG_DIR" "$@"
}

# Switches this test to the rootless user: own --root owned by the user.
use_rootless() {
  setup_rootless_user || return 1
  ROOTLESS=1
  chown "$ROOTLESS_USER:" "$ROOT"
}

# --- bad input ----------------------------------------------------------

# assert_rejected WORD: after a run_cell of bad input, checks status 1, one
# stderr line "cell: ..." naming WORD (cell only), and nothing left behind.
assert_rejected() {
  local word=$1
  echo "status=$status stderr=$stderr" >&2
  [[ $status -eq 1 ]] || fail "exit status $status, expected 1"
  [[ -n $stderr ]] || fail "no message on stderr"
  if is_cell; then
    [[ $(printf '%s\n' "$stderr" | wc -l) -eq 1 ]] ||
      fail "message is not one line"
    [[ $stderr == "cell: "* ]] || fail "message does not start with 'cell: '"
    [[ -z $word || $stderr == *"$word"* ]] ||
      fail "message does not name '$word'"
  fi
  assert_nothing_left
}

assert_nothing_left() {
  [[ -z $(ls -A "$ROOT" 2>/dev/null) ]] ||
    fail "state left under $ROOT: $(ls -A "$ROOT")"
  mounts_unchanged
  local procs
  procs=$(procs_in "$BUNDLE")
  [[ -z $procs ]] || fail "processes left in $BUNDLE: $procs"
}
