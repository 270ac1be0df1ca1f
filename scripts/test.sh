#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to every test: installs what is missing
# (Debian packages; the peer tests' pinned npm packages), builds, and runs the whole suite
# (unit, integration, contract and peer tests) with CTest, then installs epmock under
# build/install and builds and tests examples/ against that installed package.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --with-peers
./scripts/build.sh
(cd tests/peers && npm ci --no-audit --no-fund --loglevel=error)
(cd build && ctest --output-on-failure --parallel "$(nproc)" --timeout 300)

# The examples, built against the installed package the way another project would use it.
rm -rf build/install build/examples
cmake --install build --prefix build/install >/dev/null
cmake -S examples -B build/examples -G Ninja -DCMAKE_PREFIX_PATH="$PWD/build/install" >/dev/null
cmake --build build/examples --parallel "$(nproc)"
ctest --test-dir build/examples --output-on-failure --parallel "$(nproc)" --timeout 300
