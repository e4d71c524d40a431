#!/bin/sh
# Runs each scenario N times with one seed and checks that the comparison
# form of the event log (fanlab run --events-compare) is byte-identical.
# Usage: scripts/same-seed.sh FANLAB N [--seed S] [-j K] FILE...
# Prints one line per scenario ("identical N/N" or the first run that
# differs, with a diff excerpt); exit 1 when one differs. A scenario that
# runs in real time (`deterministic: false` under `run:`) follows the
# machine's clock by design: it is run once and reported "real-time, not
# compared" (docs/scenarios.md, "Determinism", says which and why).
set -u
fanlab=$1; n=$2; shift 2
extra=""
while [ $# -gt 0 ]; do
  case $1 in
    --seed|-j) extra="$extra $1 $2"; shift 2 ;;
    *) break ;;
  esac
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0
for file in "$@"; do
  if grep -Eq '^[[:space:]]+deterministic:[[:space:]]*false' "$file"; then
    if "$fanlab" run "$file" -q $extra >/dev/null 2>&1; then
      echo "$file: real-time, not compared (passed)"
    else
      echo "$file: real-time, not compared (FAILED)"
      status=1
    fi
    continue
  fi
  same=0
  first=""
  i=1
  while [ "$i" -le "$n" ]; do
    "$fanlab" run "$file" -q $extra --events-compare "$dir/run.jsonl" >/dev/null 2>&1
    if [ -z "$first" ]; then
      mv "$dir/run.jsonl" "$dir/first.jsonl"; first=1; same=1
    elif cmp -s "$dir/first.jsonl" "$dir/run.jsonl"; then
      same=$((same + 1))
    else
      echo "$file: run $i differs from run 1:"
      diff "$dir/first.jsonl" "$dir/run.jsonl" | head -6
      status=1
    fi
    i=$((i + 1))
  done
  echo "$file: identical $same/$n ($(wc -l < "$dir/first.jsonl") events)"
done
exit $status
