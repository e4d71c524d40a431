#!/usr/bin/env bash
# SendMessage requests/s over HTTP, fanlab next to fauxqs (an SQS emulator
# on npm, Node.js + Fastify), under the same load: `fanlab bench http
# --endpoint` (16 keep-alive connections, 100-byte bodies, AWS JSON
# protocol) against each server in turn, each in its own process on a
# loopback port the OS picks.
#
#   bench/peers/fauxqs.sh [--json] [--seconds S] [--warmup S] [FANLAB]
#
# FANLAB defaults to build/release/fanlab. fauxqs is installed from npm
# into a scratch folder that is removed afterwards (the newest 2.x on
# Node.js >= 22.5, 1.9.2 before: 2.x needs node:sqlite). Without node the
# script says so and exits 0. Each load is preceded by 2 s not counted
# (--warmup: Node.js's JIT compiles fauxqs's hot paths in that time on a
# quiet machine; on a busy one it needs longer, else fauxqs's CPU per
# request still counts the compiling). Prints both
# figures, their server CPU time per request (from /proc: it holds when
# other work shares the machine) and fanlab / fauxqs by each. Then the
# floor under both, in the same session: the raw loopback TCP server of
# `fanlab bench http` (a fixed answer per fixed-size request, no parsing;
# epoll, and io_uring where available) under the same load. When that
# floor costs more server CPU per request than fauxqs / 10, no server on
# this machine can be 10x fauxqs over loopback TCP.
set -euo pipefail

json=0
seconds=3
warmup=2
fanlab=""
while [ $# -gt 0 ]; do
  case "$1" in
    --json) json=1 ;;
    --seconds) seconds="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    *) fanlab="$1" ;;
  esac
  shift
done
root="$(cd "$(dirname "$0")/../.." && pwd)"
fanlab="${fanlab:-$root/build/release/fanlab}"
[ -x "$fanlab" ] || { echo "fauxqs.sh: no fanlab at $fanlab" >&2; exit 2; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "fauxqs.sh: skipped: node and npm are not installed"
  exit 0
fi

version=1.9.2
if node -e 'const [a, b] = process.versions.node.split(".").map(Number);
            process.exit(a > 22 || (a === 22 && b >= 5) ? 0 : 1)'; then
  version=2.4.1
fi

scratch="$(mktemp -d -t fanlab-fauxqs-XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT

echo "fauxqs.sh: installing fauxqs@$version into $scratch" >&2
(cd "$scratch" && npm init -y >/dev/null &&
 npm install --no-audit --no-fund --loglevel=error "fauxqs@$version" \
   >/dev/null 2>"$scratch/npm.log") || {
  echo "fauxqs.sh: npm install fauxqs@$version failed:" >&2
  cat "$scratch/npm.log" >&2
  exit 1
}

# Waits up to 20 s for a line matching $2 in file $1; prints its URL.
wait_for_url() {
  for _ in $(seq 200); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$1" | head -1 || true)
    [ -n "$url" ] && { echo "$url"; return 0; }
    sleep 0.1
  done
  echo "fauxqs.sh: no address from $2:" >&2
  cat "$1" >&2
  return 1
}

(cd "$scratch" && exec node --input-type=module -e '
  import { startFauxqs } from "fauxqs";
  const server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
  console.log(server.address);
  process.on("SIGTERM", async () => { await server.stop(); process.exit(0); });
') >"$scratch/fauxqs.out" 2>&1 &
pids+=($!)
fauxqs_pid=$!
fauxqs_url=$(wait_for_url "$scratch/fauxqs.out" fauxqs)

"$fanlab" serve --bind inproc://bench --http 127.0.0.1:0 \
  >"$scratch/fanlab.out" 2>&1 &
pids+=($!)
fanlab_pid=$!
fanlab_url=$(wait_for_url "$scratch/fanlab.out" "fanlab serve")

# field NAME JSON: a number from `fanlab bench http --json`.
field() { sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p" <<<"$2"; }
load() {
  "$fanlab" bench http --endpoint "$1" --server-pid "$2" --seconds "$seconds" \
    --warmup-seconds "$warmup" --json
}
fauxqs_json=$(load "$fauxqs_url" "$fauxqs_pid")
fanlab_json=$(load "$fanlab_url" "$fanlab_pid")
floor_json=$("$fanlab" bench http --seconds "$seconds" --json)
fauxqs_rps=$(field send_message_requests_per_second "$fauxqs_json")
fanlab_rps=$(field send_message_requests_per_second "$fanlab_json")
fauxqs_us=$(field send_server_cpu_us_per_request "$fauxqs_json")
fanlab_us=$(field send_server_cpu_us_per_request "$fanlab_json")
fauxqs_cpu=$(field send_server_cpu "$fauxqs_json")
fanlab_cpu=$(field send_server_cpu "$fanlab_json")
ratio=$(awk -v a="$fanlab_rps" -v b="$fauxqs_rps" \
  'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
# The same comparison in server CPU per request: it holds when other work
# shares the machine, when requests/s do not.
cpu_ratio=$(awk -v a="$fauxqs_us" -v b="$fanlab_us" \
  'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
floor_us=$(field raw_tcp_server_cpu_us_per_request "$floor_json")
uring_us=$(field raw_uring_server_cpu_us_per_request "$floor_json")
# The least server CPU per request over loopback TCP: io_uring's floor
# where it ran, else epoll's.
best_us=$(awk -v a="$floor_us" -v b="$uring_us" \
  'BEGIN { printf "%.2f", (b > 0 && b < a ? b : a) }')
tenth_us=$(awk -v f="$fauxqs_us" 'BEGIN { printf "%.2f", f / 10 }')
reachable=$(awk -v b="$best_us" -v t="$tenth_us" \
  'BEGIN { print (b <= t ? "true" : "false") }')

if [ "$json" = 1 ]; then
  printf '{"fauxqs_version": "%s", "node_version": "%s", "fanlab_requests_per_second": %s, "fauxqs_requests_per_second": %s, "fanlab_vs_fauxqs": %s, "target_fanlab_vs_fauxqs": 10, "fanlab_server_cpu_us_per_request": %s, "fauxqs_server_cpu_us_per_request": %s, "fanlab_vs_fauxqs_by_cpu": %s, "fanlab_server_cpu": %s, "fauxqs_server_cpu": %s, "raw_tcp_server_cpu_us_per_request": %s, "raw_uring_server_cpu_us_per_request": %s, "fauxqs_over_10_us": %s, "ten_x_reachable_over_loopback": %s}\n' \
    "$version" "$(node --version)" "$fanlab_rps" "$fauxqs_rps" "$ratio" \
    "$fanlab_us" "$fauxqs_us" "$cpu_ratio" "$fanlab_cpu" "$fauxqs_cpu" \
    "$floor_us" "$uring_us" "$tenth_us" "$reachable"
else
  verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 10 ? "ok" : "BELOW") }')
  printf 'SendMessage over HTTP, 16 keep-alive connections, 100-byte bodies\n'
  printf '  %-36s %10s %14s %10s\n' "server" "requests/s" "CPU us/request" "CPU share"
  printf '  %-36s %10s %14s %10s\n' "fanlab serve --http" "$fanlab_rps" "$fanlab_us" "$fanlab_cpu"
  printf '  %-36s %10s %14s %10s\n' "fauxqs $version (node $(node --version))" "$fauxqs_rps" "$fauxqs_us" "$fauxqs_cpu"
  printf '  %-36s %10s %14s  (target 10 in requests/s: %s)\n' "fanlab / fauxqs" "$ratio" "$cpu_ratio" "$verdict"
  printf '  %-36s %10s %14s\n' "raw TCP floor (epoll)" "-" "$floor_us"
  if [ "$uring_us" != "0.00" ]; then
    printf '  %-36s %10s %14s\n' "raw TCP floor (io_uring)" "-" "$uring_us"
  fi
  printf '  %-36s %10s %14s  (10x reachable over loopback: %s)\n' "fauxqs / 10" "-" "$tenth_us" "$reachable"
fi
