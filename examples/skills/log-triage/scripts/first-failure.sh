#!/usr/bin/env bash
# Print the first ERROR line of a log with up to five lines of context before it.
set -euo pipefail
log=${1:?usage: first-failure.sh FILE}
line=$(grep -n -m1 ' ERROR ' "$log" | cut -d: -f1 || true)
if [ -z "$line" ]; then
  echo "no ERROR line in $log"
  exit 0
fi
start=$(( line > 5 ? line - 5 : 1 ))
sed -n "${start},${line}p" "$log"
