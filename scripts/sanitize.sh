#!/usr/bin/env bash
# Builds epmock and its whole test suite under a sanitizer and runs it:
#   ./scripts/sanitize.sh asan    # AddressSanitizer + UndefinedBehaviorSanitizer with clang
#                                 # (build-asan/, which also holds the fuzz targets)
#   ./scripts/sanitize.sh tsan    # ThreadSanitizer with gcc (build-tsan/, tests/tsan.supp)
# The CMake presets of the same names (CMakePresets.json) are what it uses. Any error a
# sanitizer reports fails the test that triggered it.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:?usage: scripts/sanitize.sh asan|tsan}"
case "$preset" in asan|tsan) ;; *) echo "usage: scripts/sanitize.sh asan|tsan" >&2; exit 2 ;; esac
./scripts/setup.sh --with-peers --with-fuzz
for dir in tests/peers clients/node examples/node; do
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
done
# ccache keys on absolute paths and, with debug info, the working directory; relative to the
# source tree, a fresh clone elsewhere (as CI makes) still hits what an earlier build cached.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake --preset "$preset" "${launcher[@]}" >/dev/null
cmake --build --preset "$preset" --parallel "$(nproc)"
ctest --preset "$preset" --parallel "$(nproc)" --timeout 600
