#!/usr/bin/env bash
# Refreshes the dashboard's screenshots under docs/dashboard/ (the README and docs/DASHBOARD.md
# show them) by running the browser tests with their screenshots written there. Needs a build
# with the peer tests (./scripts/test.sh has made one) and Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/dashboard
(cd tests/peers && EPMOCK_BIN="$PWD/../../build/epmock" EPMOCK_SCREENSHOTS="$PWD/../../docs/dashboard" \
  node --test --test-concurrency=1 dashboard.browser.test.js dashboard-items.browser.test.js)
ls -l docs/dashboard
