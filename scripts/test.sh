#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to every test: installs what is missing
# (Debian packages; the peer tests' pinned npm packages), builds, and runs the whole suite
# (unit, integration, contract and peer tests) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --with-peers
./scripts/build.sh
(cd tests/peers && npm ci --no-audit --no-fund --loglevel=error)
cd build
ctest --output-on-failure --parallel "$(nproc)" --timeout 300
