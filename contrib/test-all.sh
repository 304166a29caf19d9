#!/bin/bash
# Installs, builds and runs every test: the libocispec unit tests (make
# check) and the bats integration suite.  Ends with one line
# "N passed, M failed" and fails when any test failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
contrib/deps.sh --test || { echo "0 passed, 1 failed"; exit 1; }
contrib/build.sh || { echo "0 passed, 1 failed"; exit 1; }

make -s check >/tmp/cell-check.out 2>&1
check_rc=$?
cat /tmp/cell-check.out
upass=$(awk '/^# PASS:/ {print $3}' /tmp/cell-check.out | tail -1)
ufail=$(awk '/^# (FAIL|ERROR|XPASS):/ {s += $3} END {print s + 0}' /tmp/cell-check.out)
[ $check_rc -ne 0 ] && [ "$ufail" -eq 0 ] && ufail=1

counts=$(mktemp)
CELL_TEST_COUNTS=$counts tests/run.sh
bats_rc=$?
bpass=0 bfail=1 bskip=0
# shellcheck disable=SC1090
[ -s "$counts" ] && . "$counts" && bpass=$passed bfail=$failed bskip=$skipped
rm -f "$counts"
[ $bats_rc -ne 0 ] && [ "${bfail:-0}" -eq 0 ] && bfail=1

pass=$(( ${upass:-0} + ${bpass:-0} ))
fail=$(( ${ufail:-0} + ${bfail:-0} ))
echo "unit: ${upass:-0} passed, $ufail failed; integration: $bpass passed, $bfail failed, ${bskip:-0} skipped"
if [ "${bskip:-0}" -gt 0 ]; then
  echo "$pass passed, $fail failed, ${bskip} skipped"
else
  echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
