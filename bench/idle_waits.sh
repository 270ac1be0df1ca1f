#!/usr/bin/env bash
# What open streams and long polls cost a server with nothing to say: 16 SSE streams
# (GET /__admin/stream) and 16 long polls (GET /__admin/wait, a condition that never holds)
# held for DURATION seconds against `epmock serve`, the server's CPU time over that window
# read from /proc/<pid>/stat (utime + stime), as a percentage of one core.
#
#   ./bench/idle_waits.sh [EPMOCK_BINARY ...]     # default build/epmock; several: side by side
#   DURATION=60 ./bench/idle_waits.sh build/epmock /tmp/old/build/epmock
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-60}
STREAMS=${STREAMS:-16}
WAITS=${WAITS:-16}
[ $# -gt 0 ] || set -- build/epmock
TICKS=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

measure() { # binary
  local bin=$1 log pid api token pids=()
  log=$(mktemp)
  "$bin" serve --port 0 --sqs-port 0 --stomp-port 0 --max-streams 64 >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do grep -q "epmock ready" "$log" && break; sleep 0.05; done
  api=$(sed -n 's/^epmock ready api=\([^ ]*\).*/\1/p' "$log")
  token=$(curl -s -X POST "$api/oauth/access_token" -d grant_type=client_credentials -d client_id=idle \
    -d client_secret=s | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  for _ in $(seq 1 "$STREAMS"); do
    curl -s -N -o /dev/null --max-time $((DURATION + 5)) "$api/__admin/stream" -H "Authorization: Bearer $token" &
    pids+=($!)
  done
  for _ in $(seq 1 "$WAITS"); do
    curl -s -o /dev/null --max-time $((DURATION + 5)) \
      "$api/__admin/wait?deliveries=100000&timeout_ms=$((DURATION * 1000 + 2000))" -H "Authorization: Bearer $token" &
    pids+=($!)
  done
  sleep 1  # every stream and poll open
  local before after
  before=$(cpu_ticks "$pid")
  sleep "$DURATION"
  after=$(cpu_ticks "$pid")
  kill "${pids[@]}" 2>/dev/null || true
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
  python3 -c "print(f'$bin: {($after - $before) / $TICKS:.2f} s of CPU in $DURATION s with $STREAMS streams and $WAITS waits open: {100 * ($after - $before) / $TICKS / $DURATION:.2f}% of one core')"
}

for bin in "$@"; do measure "$bin"; done
