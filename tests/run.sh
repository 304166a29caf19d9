#!/bin/bash
# Runs the whole bats suite (zz_leftovers.bats last) and prints one closing
# line "N passed, M failed[, K skipped]".  Exit status is non-zero when a
# test failed or bats itself broke.
#   CELL=path        binary under test (default: ./cell at the repo top)
#   CELL_TEST_COUNTS=file  also write "passed=N failed=M skipped=K" there
#   extra arguments are passed to bats (e.g. -f REGEX)
set -u
here=$(cd "$(dirname "$0")" && pwd)
export CELL=${CELL:-$here/../cell}

files=()
for f in "$here"/*.bats; do
  [[ $(basename "$f") == zz_* ]] || files+=("$f")
done
for f in "$here"/zz_*.bats; do [[ -e $f ]] && files+=("$f"); done

# zz_leftovers.bats compares the cgroups left at the end with these
top=${CELL_TEST_TOP:-/tmp/cell-tests}
mkdir -p "$top"
find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort >"$top/cgroups-before"

log=$(mktemp /tmp/cell-tests-tap.XXXXXX)
trap 'rm -f "$log"' EXIT
bats --tap "$@" "${files[@]}" | tee "$log"
bats_rc=${PIPESTATUS[0]}

passed=$(grep -E '^ok ' "$log" | grep -cvE '^ok [0-9]+ .*# skip')
skipped=$(grep -cE '^ok [0-9]+ .*# skip' "$log")
failed=$(grep -cE '^not ok ' "$log")
planned=$(sed -nE 's/^1\.\.([0-9]+)$/\1/p' "$log" | head -n1)

line="$passed passed, $failed failed"
((skipped > 0)) && line+=", $skipped skipped"
if [[ -n ${CELL_TEST_COUNTS:-} ]]; then
  printf 'passed=%s\nfailed=%s\nskipped=%s\n' "$passed" "$failed" "$skipped" \
    >"$CELL_TEST_COUNTS"
fi
echo "$line"

((failed > 0)) && exit 1
# bats broke before running everything it planned
if [[ -z $planned ]] || ((passed + skipped + failed < planned)); then
  echo "run.sh: bats ran $((passed + skipped + failed)) of ${planned:-?} tests (exit $bats_rc)" >&2
  exit 1
fi
exit 0
