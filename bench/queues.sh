#!/usr/bin/env bash
# Queue figures in one run: the embedded SQS endpoint's send+receive+delete cycles, STOMP
# throughput on epmock's broker and on ActiveMQ side by side, and trigger-to-message
# latency for aws_sqs and stomp integrations.
#
#   ./bench/queues.sh [sqs_cycles=20000] [stomp_messages=50000]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --with-peers
./scripts/build.sh -DEPMOCK_BUILD_BENCH=ON >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
exec /usr/bin/python3 tests/peers/activemq.py "$port" -- ./build/bench/queue_bench "${1:-20000}" "${2:-50000}" "$port"
