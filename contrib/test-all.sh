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
# a test dir of this run's own: the leftover checks look only at it
own_top=""
if [ -z "${CELL_TEST_TOP:-}" ]; then
  own_top=$(mktemp -d /tmp/cell-tests.XXXXXX)
  export CELL_TEST_TOP=$own_top
fi
CELL_TEST_COUNTS=$counts tests/run.sh
bats_rc=$?
# what zz_leftovers.bats left on purpose: the rootfs template
[ -n "$own_top" ] && rm -rf --one-file-system "$own_top"
bpass=0 bfail=1 bskip=0
# shellcheck disable=SC1090
[ -s "$counts" ] && . "$counts" && bpass=$passed bfail=$failed bskip=$skipped
rm -f "$counts"
[ $bats_rc -ne 0 ] && [ "${bfail:-0}" -eq 0 ] && bfail=1

# cgroup v2: the cgroup tests again, and the systemd driver's (systemd
# booted in a container there), in a VM whose kernel has only v2
# (shared/tools/cgroup2-vm, beside the clone in CI).  The probes were built
# on the host by the run above; the VM shares this directory.
vpass=0 vfail=0
vm=${CGROUP2_VM:-$top/../shared/tools/cgroup2-vm}
if [ -x "$vm" ]; then
  "$vm" --timeout 1800 -- bats --tap tests/cgroups.bats tests/systemd.bats \
    >/tmp/cell-vm.tap 2>/tmp/cell-vm.err
  vm_rc=$?
  cat /tmp/cell-vm.tap
  vpass=$(grep -cE '^ok ' /tmp/cell-vm.tap)
  vfail=$(grep -cE '^not ok ' /tmp/cell-vm.tap)
  if [ $vm_rc -ne 0 ] && [ "$vfail" -eq 0 ]; then
    tail -20 /tmp/cell-vm.err
    vfail=1
  fi
else
  echo "cgroup2-vm not found at $vm: cgroup v2 tests not run"
  vfail=1
fi

pass=$(( ${upass:-0} + ${bpass:-0} + vpass ))
fail=$(( ${ufail:-0} + ${bfail:-0} + vfail ))
echo "unit: ${upass:-0} passed, $ufail failed; integration: $bpass passed, $bfail failed, ${bskip:-0} skipped; cgroup v2 VM: $vpass passed, $vfail failed"
# the last line is exactly "N passed, M failed"; skips are told before it
[ "${bskip:-0}" -gt 0 ] &&
  echo "skipped on this host: ${bskip} (each names what it needs; see above)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
