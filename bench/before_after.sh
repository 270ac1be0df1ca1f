#!/usr/bin/env bash
# Two builds of epmock on the same machine in the same run, alternating (old, new, old, ...)
# RUNS times, and the median of each measure: how a change is shown to cost nothing.
#
#   bench/before_after.sh OLD_BUILD_DIR NEW_BUILD_DIR [RUNS=5]
#
# Each build directory was configured with -DEPMOCK_BUILD_BENCH=ON and holds epmock,
# bench/trigger_bench and bench/delivery_bench. Measures: Server::Trigger events/s on 1 and
# 2 threads, trigger to webhook received p50/p99, fan-out deliveries/s, and GET one
# integration and POST a validated create under wrk (16 connections, DURATION s, 5 by
# default). Prints a Markdown table. Loopback only.
set -euo pipefail
old=${1:?usage: bench/before_after.sh OLD_BUILD_DIR NEW_BUILD_DIR [RUNS]}
new=${2:?usage: bench/before_after.sh OLD_BUILD_DIR NEW_BUILD_DIR [RUNS]}
runs=${3:-5}
DURATION=${DURATION:-5}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
wait_ready() {
  for _ in $(seq 1 600); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "not ready: $1" >&2
  return 1
}

cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"data":{"type":"integration","name":"Order shipping notification","enabled":true,"observes":["order.fulfilled"],"integration_type":"webhook","configuration":{"url":"https://yourwebsite.com/order-created-notification"}}}'
LUA

# One round of every measure for the build in $1, appended to $work/<name>.<measure>.
measure() {
  local build=$1 name=$2
  "$build/bench/trigger_bench" --benchmark_min_time=1 --benchmark_filter='threads:(1|2)$' \
    --benchmark_format=json 2>/dev/null > "$work/trigger.json"
  python3 - "$work/trigger.json" "$work/$name" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
for b in runs:
    threads = b["name"].rsplit("threads:", 1)[1]
    with open(f"{sys.argv[2]}.trigger_{threads}", "a") as f:
        f.write(f'{b["items_per_second"]}\n')
PY
  local out
  out=$("$build/bench/delivery_bench" 2000 3000 10)
  sed -n 's/.*p50=\([0-9.]*\).*/\1/p' <<<"$out" >> "$work/$name.p50"
  sed -n 's/.*p99=\([0-9.]*\).*/\1/p' <<<"$out" >> "$work/$name.p99"
  sed -n 's/.* = \([0-9.]*\) deliveries\/s.*/\1/p' <<<"$out" >> "$work/$name.fanout"

  local port token id
  port=$(free_port)
  "$build/epmock" serve --port "$port" --sqs-port 0 --stomp-port 0 --integration-limit 0 >/dev/null 2>&1 &
  pids+=($!)
  local pid=$!
  wait_ready "http://127.0.0.1:$port/__admin/health"
  token=$(curl -s -X POST "http://127.0.0.1:$port/oauth/access_token" -d grant_type=client_credentials \
    -d client_id=bench -d client_secret=s | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  id=$(curl -s -X POST "http://127.0.0.1:$port/v2/integrations" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' --data "$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$work/post.lua")" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
  wrk -t2 -c16 -d"${DURATION}s" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v2/integrations/$id" |
    awk '/Requests\/sec/ {print $2}' >> "$work/$name.get"
  wrk -t2 -c16 -d"${DURATION}s" -H "Authorization: Bearer $token" -s "$work/post.lua" \
    "http://127.0.0.1:$port/v2/integrations" | awk '/Requests\/sec/ {print $2}' >> "$work/$name.post"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

for i in $(seq 1 "$runs"); do
  echo "round $i of $runs" >&2
  measure "$old" old
  measure "$new" new
done

row() {  # label measure unit better(higher|lower)
  local a b
  a=$(median < "$work/old.$2")
  b=$(median < "$work/new.$2")
  awk -v l="$1" -v a="$a" -v b="$b" -v u="$3" -v better="$4" 'BEGIN {
    c = (a > 0) ? (b - a) / a * 100 : 0
    worse = (better == "higher") ? -c : c
    f = (u == "") ? "%.0f" : "%.3f"  # rates whole, latencies to the microsecond
    printf "| %s | " f "%s | " f "%s | %+.0f%%%s |\n", l, a, u, b, u, c, (worse > 10) ? " (worse)" : ""
  }'
}
echo "| measure (median of $runs, alternating) | before | after | change |"
echo "|---|---|---|---|"
row "Server::Trigger, 1 thread, events/s" trigger_1 "" higher
row "Server::Trigger, 2 threads, events/s" trigger_2 "" higher
row "trigger to webhook received, p50" p50 " ms" lower
row "trigger to webhook received, p99" p99 " ms" lower
row "fan-out, deliveries/s" fanout "" higher
row "GET one integration, requests/s (wrk, 16 connections)" get "" higher
row "POST a create, requests/s" post "" higher
