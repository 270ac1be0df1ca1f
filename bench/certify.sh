#!/usr/bin/env bash
# A whole webhook certification: `epmock certify webhook` of 5 event types against a fast
# consumer (examples/node/webhook-handler.js: it books order.paid and answers 200 to the
# rest at once), RUNS times, with the wall time of each and the time on certify's virtual
# clock. Then a whole SQS certification of the same 5 types, the worker
# (examples/node/sqs-worker.js) started by --run, and a whole STOMP certification, the
# python3-stomp consumer (tests/peers/stomp_consumer.py, Debian's python3-stomp) started by
# --run. No peer certifies a consumer; the goal is the issue's (under 10 s).
#
#   ./bench/certify.sh [EPMOCK_BINARY]     # default build/epmock; RUNS=5
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/epmock}
RUNS=${RUNS:-5}
STORE=4a7b2c1e-0000-4000-8000-00000000a11e
coproc HANDLER { exec node examples/node/webhook-handler.js --secret bench-secret --store-id "$STORE"; }
trap 'kill "$HANDLER_PID" 2>/dev/null || true' EXIT
read -r HOOK <&"${HANDLER[0]}"
report=$(mktemp)
# One row of a table from the run's --json report: wall and virtual time, checks, verdict,
# burst latency.
row() {
  python3 - "$report" "$@" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
burst = doc["burst_latency_ms"] or {"p50": 0, "p99": 0}
print(f'{sys.argv[4]} | {float(sys.argv[3]) - float(sys.argv[2]):.2f} | {doc["virtual_seconds"]:.0f} | '
      f'{len(doc["checks"])} | {doc["verdict"]} (exit {sys.argv[5]}) | {burst["p50"]:.1f} / {burst["p99"]:.1f}')
PY
}
echo "run | wall s | virtual s | checks | verdict | burst p50 / p99 ms"
for run in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  code=0
  "$BIN" certify webhook --url "$HOOK" --secret bench-secret --store-id "$STORE" \
    --observes order.paid,order.created,order.authorized,order.fulfilled,order.updated \
    --effects-url "${HOOK%/webhooks/order-paid}/effects" --seed "$run" --json "$report" >/dev/null || code=$?
  end=$(date +%s.%N)
  row "$start" "$end" "$run" "$code"
done
echo
echo "sqs run | wall s | virtual s | checks | verdict | burst p50 / p99 ms (sent to deleted)"
for run in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  code=0
  "$BIN" certify sqs --queue bench-orders --sqs-port 0 --run "exec node examples/node/sqs-worker.js" \
    --observes order.paid,order.created,order.authorized,order.fulfilled,order.updated \
    --seed "$run" --json "$report" >/dev/null 2>&1 || code=$?
  end=$(date +%s.%N)
  row "$start" "$end" "$run" "$code"
done
echo
echo "stomp run | wall s | virtual s | checks | verdict | burst p50 / p99 ms (sent to acked)"
for run in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  code=0
  "$BIN" certify stomp --destination /queue/bench-orders --stomp-port 0 \
    --run "exec /usr/bin/python3 tests/peers/stomp_consumer.py" \
    --observes order.paid,order.created,order.authorized,order.fulfilled,order.updated \
    --seed "$run" --json "$report" >/dev/null 2>&1 || code=$?
  end=$(date +%s.%N)
  row "$start" "$end" "$run" "$code"
done
rm -f "$report"
