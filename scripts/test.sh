#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to every test: installs what is missing
# (Debian packages; the peer tests' pinned npm packages), builds, and runs the whole suite
# (unit, integration, contract, hostile-input, soak and peer tests) with CTest, then
# installs epmock under build/install and builds and tests examples/ against it.
#
#   ./scripts/test.sh          # the above (~5 minutes from scratch on 2 cores)
#   ./scripts/test.sh --all    # then the whole suite again under ASan+UBSan and under TSan,
#                              # and every fuzz target for 45 s: what CI runs (~30 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
all=false
case "${1:-}" in
  --all) all=true ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--all]" >&2; exit 2 ;;
esac
./scripts/setup.sh --with-peers
./scripts/check-format.sh
python3 scripts/check-layers.py
(cd tests/peers && npm ci --no-audit --no-fund --loglevel=error)
./scripts/build.sh -DEPMOCK_BUILD_TESTS=ON -DEPMOCK_BUILD_BENCH=ON -DEPMOCK_BUILD_TESTING=ON -DEPMOCK_PEER_TESTS=ON
(cd build && ctest --output-on-failure --parallel "$(nproc)" --timeout 300)

# The examples, built against the installed package the way another project would use it.
rm -rf build/install build/examples
cmake --install build --prefix build/install >/dev/null
cmake -S examples -B build/examples -G Ninja -DCMAKE_PREFIX_PATH="$PWD/build/install" >/dev/null
cmake --build build/examples --parallel "$(nproc)"
ctest --test-dir build/examples --output-on-failure --parallel "$(nproc)" --timeout 300
# A project that links only epmock::epmock builds and runs with no GTest to be found.
rm -rf build/engine-only
cmake -S examples/engine-only -B build/engine-only -G Ninja -DCMAKE_PREFIX_PATH="$PWD/build/install" \
  -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON >/dev/null
cmake --build build/engine-only
ctest --test-dir build/engine-only --output-on-failure --timeout 60

if $all; then
  ./scripts/sanitize.sh asan
  ./scripts/sanitize.sh tsan
  ./scripts/fuzz.sh 45
fi
