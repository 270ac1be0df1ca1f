#!/usr/bin/env bash
# Configures and builds epmock in build/ (RelWithDebInfo). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
# Debian's ccache, when present, keeps rebuilds (and CI on the same machine) short.
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@" >/dev/null
cmake --build build --parallel "$(nproc)"
