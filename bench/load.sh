#!/usr/bin/env bash
# Whole-server figures, epmock side by side with Prism (@stoplight/prism-cli, pinned in
# bench/package.json) in the same run on the same machine:
#   start-to-ready (exec to first answered request, median of N runs),
#   GET one integration and POST a validated create (wrk, 16 keep-alive connections),
#   p50/p99 latency, RSS after each load, and the ratios.
# Writes results.json, results.md and chart.png to $OUT (default bench/results).
#
#   ./bench/load.sh                 # 10 s per load, 10 start-ups each
#   DURATION=3 STARTS=3 ./bench/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
STARTS=${STARTS:-10}
CONNECTIONS=${CONNECTIONS:-16}
OUT=${OUT:-bench/results}
mkdir -p "$OUT"

./scripts/setup.sh --with-bench
./scripts/build.sh -DEPMOCK_BUILD_BENCH=ON >/dev/null
(cd bench && npm ci --no-audit --no-fund --loglevel=error)
EPMOCK=build/epmock
PROBE=build/bench/startup_probe
PRISM="node bench/node_modules/@stoplight/prism-cli/dist/index.js"
PUBLISHED=schemas/published/integrations.openapi.yaml
CORRECTED="$OUT/corrected.openapi.json"
"$EPMOCK" schema > "$CORRECTED"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
to_ms() { # wrk latency "330.00us" / "1.39ms" / "1.2s" -> ms
  awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v); print v+0} else {sub(/s/,"",v); print v*1000}}'
}
wait_ready() { # url
  for _ in $(seq 1 600); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "not ready: $1" >&2; return 1
}
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; }
PIDS=()
trap cleanup EXIT

# wrk run -> "rps p50_ms p99_ms non2xx"
run_wrk() { # url token [lua]
  local args=(-t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $2")
  [[ -n "${3:-}" ]] && args+=(-s "$3")
  local out; out=$(wrk "${args[@]}" "$1")
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
  p99=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
  bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); bad=${bad:-0}
  echo "$rps $p50 $p99 $bad"
}

POST_LUA="$OUT/post.lua"
cat > "$POST_LUA" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"data":{"type":"integration","name":"Order shipping notification","description":"Send a shipping notification via email with discount code.","enabled":true,"observes":["order.fulfilled"],"integration_type":"webhook","configuration":{"url":"https://yourwebsite.com/order-created-notification"}}}'
LUA

echo "== start-to-ready (median of $STARTS)" >&2
starts_epmock=(); starts_prism=()
for _ in $(seq 1 "$STARTS"); do
  p=$(free_port); starts_epmock+=("$($PROBE "http://127.0.0.1:$p/__admin/health" -- "$EPMOCK" serve --port "$p" --sqs-port 0 --stomp-port 0)")
  p=$(free_port); starts_prism+=("$($PROBE "http://127.0.0.1:$p/integrations" -- $PRISM mock -h 127.0.0.1 -p "$p" "$PUBLISHED")")
done
start_epmock=$(printf '%s\n' "${starts_epmock[@]}" | median)
start_prism=$(printf '%s\n' "${starts_prism[@]}" | median)
echo "epmock ${start_epmock} ms, prism ${start_prism} ms" >&2

echo "== epmock under load" >&2
port=$(free_port)
"$EPMOCK" serve --port "$port" --sqs-port 0 --stomp-port 0 --integration-limit 0 >/dev/null 2>&1 & PIDS+=($!); epid=$!
wait_ready "http://127.0.0.1:$port/__admin/health"
token=$(curl -s -X POST "http://127.0.0.1:$port/oauth/access_token" -d grant_type=client_credentials -d client_id=bench -d client_secret=s | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
id=$(curl -s -X POST "http://127.0.0.1:$port/v2/integrations" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data "$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$POST_LUA")" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
read -r e_get_rps e_get_p50 e_get_p99 e_get_bad <<<"$(run_wrk "http://127.0.0.1:$port/v2/integrations/$id" "$token")"
e_get_rss=$(rss_mib "$epid")
read -r e_post_rps e_post_p50 e_post_p99 e_post_bad <<<"$(run_wrk "http://127.0.0.1:$port/v2/integrations" "$token" "$POST_LUA")"
e_post_rss=$(rss_mib "$epid")
e_stored=$(curl -s "http://127.0.0.1:$port/v2/integrations?page%5Blimit%5D=1" -H "Authorization: Bearer $token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["meta"]["results"]["total"])')
kill "$epid"; wait "$epid" 2>/dev/null || true

echo "== prism under load" >&2
port=$(free_port)
$PRISM mock -h 127.0.0.1 -p "$port" "$PUBLISHED" >/dev/null 2>&1 & PIDS+=($!); ppid=$!
wait_ready "http://127.0.0.1:$port/integrations"
read -r p_get_rps p_get_p50 p_get_p99 p_get_bad <<<"$(run_wrk "http://127.0.0.1:$port/integrations/8cb9e689-ede7-4f6d-b61a-6aa970d572dd" "x")"
p_get_rss=$(rss_mib "$ppid")
kill "$ppid"; wait "$ppid" 2>/dev/null || true
# The published spec makes every create invalid (see schemas/overlay.json), so Prism
# mocks the corrected description for the POST figure: it validates and answers 201.
port=$(free_port)
$PRISM mock -h 127.0.0.1 -p "$port" "$CORRECTED" >/dev/null 2>&1 & PIDS+=($!); ppid=$!
wait_ready "http://127.0.0.1:$port/integrations"
read -r p_post_rps p_post_p50 p_post_p99 p_post_bad <<<"$(run_wrk "http://127.0.0.1:$port/integrations" "x" "$POST_LUA")"
p_post_rss=$(rss_mib "$ppid")
kill "$ppid"; wait "$ppid" 2>/dev/null || true

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b > 0) ? a / b : 0}'; }
cat > "$OUT/results.json" <<JSON
{
  "machine": "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)",
  "duration_s": $DURATION, "connections": $CONNECTIONS, "starts": $STARTS,
  "epmock": {"start_ms": $start_epmock,
             "get": {"rps": $e_get_rps, "p50_ms": $e_get_p50, "p99_ms": $e_get_p99, "non_2xx": $e_get_bad, "rss_mib": $e_get_rss},
             "post": {"rps": $e_post_rps, "p50_ms": $e_post_p50, "p99_ms": $e_post_p99, "non_2xx": $e_post_bad, "rss_mib": $e_post_rss, "stored_integrations": $e_stored}},
  "prism": {"start_ms": $start_prism,
            "get": {"rps": $p_get_rps, "p50_ms": $p_get_p50, "p99_ms": $p_get_p99, "non_2xx": $p_get_bad, "rss_mib": $p_get_rss},
            "post": {"rps": $p_post_rps, "p50_ms": $p_post_p50, "p99_ms": $p_post_p99, "non_2xx": $p_post_bad, "rss_mib": $p_post_rss}},
  "ratios": {"start": $(ratio "$start_prism" "$start_epmock"), "get_rps": $(ratio "$e_get_rps" "$p_get_rps"), "post_rps": $(ratio "$e_post_rps" "$p_post_rps")}
}
JSON
cat > "$OUT/results.md" <<MD
| measure | epmock | Prism | ratio |
|---|---|---|---|
| start to first answer (median of $STARTS) | ${start_epmock} ms | ${start_prism} ms | $(ratio "$start_prism" "$start_epmock")x faster |
| GET one integration, req/s | ${e_get_rps} | ${p_get_rps} | $(ratio "$e_get_rps" "$p_get_rps")x |
| GET p50 / p99 | ${e_get_p50} / ${e_get_p99} ms | ${p_get_p50} / ${p_get_p99} ms | |
| POST validated create, req/s | ${e_post_rps} | ${p_post_rps} | $(ratio "$e_post_rps" "$p_post_rps")x |
| POST p50 / p99 | ${e_post_p50} / ${e_post_p99} ms | ${p_post_p50} / ${p_post_p99} ms | |
| RSS after the GET load | ${e_get_rss} MiB | ${p_get_rss} MiB | |
| RSS after the POST load | ${e_post_rss} MiB (${e_stored} integrations stored) | ${p_post_rss} MiB (stores nothing) | |
| non-2xx answers (GET / POST) | ${e_get_bad} / ${e_post_bad} | ${p_get_bad} / ${p_post_bad} | |
MD

cat > "$OUT/chart.dat" <<DAT
"GET req/s" $e_get_rps $p_get_rps
"POST req/s" $e_post_rps $p_post_rps
DAT
cat > "$OUT/start.dat" <<DAT
"start to ready, ms" $start_epmock $start_prism
DAT
gnuplot <<GP
set terminal pngcairo size 1000,420 font "sans,11"
set output "$OUT/chart.png"
set multiplot layout 1,2 title "epmock vs Prism, same machine, same run ($(nproc) cores, wrk -c$CONNECTIONS, ${DURATION} s)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set grid ytics
set key top right
set ylabel "requests per second (higher is better)"
set yrange [0:*]
plot "$OUT/chart.dat" using 2:xtic(1) title "epmock" lc rgb "#1f77b4", "" using 3 title "Prism" lc rgb "#ff7f0e"
set ylabel "milliseconds (lower is better)"
plot "$OUT/start.dat" using 2:xtic(1) title "epmock" lc rgb "#1f77b4", "" using 3 title "Prism" lc rgb "#ff7f0e"
unset multiplot
GP
cat "$OUT/results.md"
echo "wrote $OUT/results.json, $OUT/results.md, $OUT/chart.png" >&2
