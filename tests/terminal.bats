#!/usr/bin/env bats
# process.terminal with --console-socket: the pty master reaches the peer
# (probes/recvtty), the container's stdio is the pty slave.

load helpers

setup_file() { common_setup_file; }
setup() { common_setup; }
teardown() { common_teardown; }

# start_recvtty [INPUT]: listens on $SOCK, output to $T/tty.out.
start_recvtty() {
  SOCK=$T/console.sock
  "$PROBES/recvtty" "$SOCK" "$@" >"$T/tty.out" 2>"$T/tty.err" &
  RPID=$!
  BG_PIDS+=("$RPID")
  wait_for test -S "$SOCK"
}

# wait_recvtty: bounded wait for the peer to see the pty hang up.
wait_recvtty() {
  wait_for eval "! kill -0 $RPID 2>/dev/null"
  wait "$RPID"
  cat "$T/tty.out" >&2
}

@test "terminal: console socket gets the pty; consoleSize, tty and /dev/console" {
  make_bundle /bin/sh -c 'stty size; tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo stdio-is-tty; stat -c "%F" /dev/console'
  cfg '.process.terminal = true | .process.consoleSize = {"height":37,"width":101}'
  start_recvtty
  new_id
  cell_create "$ID" --console-socket "$SOCK"
  cell_as start "$ID"
  wait_recvtty
  out=$(tr -d '\r' <"$T/tty.out")
  echo "$out" | grep -qx '37 101'
  echo "$out" | grep -qx '/dev/pts/[0-9]*'
  echo "$out" | grep -qx 'stdio-is-tty'
  echo "$out" | grep -qx 'character special file'
}

@test "terminal: typed input runs in the container's shell" {
  make_bundle /bin/sh
  cfg '.process.terminal = true'
  # the result only appears if the shell evaluated the line
  start_recvtty $'echo "v=$((6 * 7))"\nexit\n'
  new_id
  cell_create "$ID" --console-socket "$SOCK"
  cell_as start "$ID"
  wait_recvtty
  tr -d '\r' <"$T/tty.out" | grep -qx 'v=42'
}

@test "terminal: no /dev/console without a terminal" {
  make_bundle /bin/sh -c '[ -e /dev/console ] && echo console || echo none; [ -t 1 ] && echo tty || echo notty'
  new_id
  run_bundle "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = none ]
  [ "${lines[1]}" = notty ]
}
