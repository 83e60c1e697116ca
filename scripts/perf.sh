#!/usr/bin/env bash
# Run every benchmark under tests/perf/ (built as bench_* in BUILD/tests/perf) and print
# their reports one after another. Benchmarks print numbers and ratios; they never fail on
# timing, so this script only fails when a benchmark crashes.
set -u
build=${1:-build}
dir="$build/tests/perf"
if [ ! -d "$dir" ]; then
  echo "perf: no benchmarks built in $dir (run: make perf)" >&2
  exit 1
fi
rc=0
for b in "$dir"/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" || { echo "perf: $(basename "$b") exited with $?" >&2; rc=1; }
  echo
done
exit $rc
