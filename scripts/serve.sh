#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running fake API:
# installs what is missing, builds, and runs `epmock serve` (flags are passed through).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh >&2
exec ./build/epmock serve "$@"
