#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running fake API:
# installs what is missing, builds, and runs `epmock serve` (flags are passed through).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Only the CLI and the library under it: no tests, benchmarks or harness to wait for.
./scripts/build.sh --target epmock_cli -- -DEPMOCK_BUILD_TESTS=OFF -DEPMOCK_BUILD_BENCH=OFF >&2
exec ./build/epmock serve "$@"
