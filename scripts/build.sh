#!/usr/bin/env bash
# Configures and builds epmock in build/ (RelWithDebInfo).
#   ./scripts/build.sh [-DVAR=VALUE ...]                      configure with these, build all
#   ./scripts/build.sh --target T [-- -DVAR=VALUE ...]         build only target T
set -euo pipefail
cd "$(dirname "$0")/.."
target=()
if [[ "${1:-}" == "--target" ]]; then
  target=(--target "$2")
  shift 2
  [[ "${1:-}" == "--" ]] && shift
fi
# ccache keys on absolute paths and, with debug info, the working directory; relative to the
# source tree, a fresh clone elsewhere (as CI makes) still hits what an earlier build cached.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
launcher=()
# Debian's ccache, when present, keeps rebuilds (and CI on the same machine) short.
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@" >/dev/null
cmake --build build --parallel "$(nproc)" "${target[@]}"
