#!/bin/sh
# Runs each scenario N times with one seed and checks that the comparison
# form of the event log (fanlab run --events-compare) is byte-identical.
# Usage: scripts/same-seed.sh FANLAB N [--seed S] [-j K] FILE...
# Prints one line per scenario ("identical N/N", or each run that differs
# from the first with a diff excerpt, then how many distinct logs the runs
# gave and how many runs gave each); exit 1 when one differs. A scenario that
# runs in real time (`deterministic: false` under `run:`) is compared the
# same way: its comparison form leaves out the wall times (docs/scenarios.md,
# "Determinism"), so only a run whose order follows the machine differs.
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
  same=0
  first=""
  : > "$dir/sums"
  i=1
  while [ "$i" -le "$n" ]; do
    "$fanlab" run "$file" -q $extra --events-compare "$dir/run.jsonl" >/dev/null 2>&1
    cksum < "$dir/run.jsonl" >> "$dir/sums"
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
  distinct=""
  if [ "$same" -ne "$n" ]; then
    distinct=", $(sort "$dir/sums" | uniq -c | sort -rn | awk '{printf "%s%s", sep, $1; sep="+"} END {printf " runs over %d distinct logs", NR}')"
  fi
  echo "$file: identical $same/$n ($(wc -l < "$dir/first.jsonl") events$distinct)"
done
exit $status
