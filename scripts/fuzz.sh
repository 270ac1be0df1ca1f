#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang, ASan and UBSan (build-fuzz/), seeds each
# corpus from contracts/, and runs each target for a bounded time:
#   ./scripts/fuzz.sh            # 60 s per target
#   ./scripts/fuzz.sh 600        # longer
# A crash, a leak, a sanitizer report or a failed property stops the run and leaves the
# input in build-fuzz/crashes/<target>/ (replay: build-fuzz/fuzz/<target> FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
./scripts/setup.sh --with-fuzz
# ccache keys on absolute paths and, with debug info, the working directory; relative to the
# source tree, a fresh clone elsewhere (as CI makes) still hits what an earlier build cached.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
  -DEPMOCK_FUZZ=ON -DEPMOCK_SANITIZE=address,undefined -DEPMOCK_BUILD_TESTS=OFF -DEPMOCK_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz --parallel "$(nproc)" --target fuzz_request_validation fuzz_sqs_protocols fuzz_stomp_frame fuzz_sigv4 fuzz_catalog_extension fuzz_story_file fuzz_schema_patterns
rm -rf build-fuzz/seeds
python3 fuzz/seed_corpus.py contracts build-fuzz/seeds
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
for target in fuzz_request_validation fuzz_sqs_protocols fuzz_stomp_frame fuzz_sigv4 fuzz_catalog_extension fuzz_story_file fuzz_schema_patterns; do
  mkdir -p "build-fuzz/corpus/$target" "build-fuzz/crashes/$target"
  echo "fuzz: $target for ${seconds}s"
  log="build-fuzz/$target.log"
  if ! "build-fuzz/fuzz/$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="build-fuzz/crashes/$target/" -print_final_stats=1 \
      "build-fuzz/corpus/$target" "build-fuzz/seeds/$target" >"$log" 2>&1; then
    tail -60 "$log" >&2
    echo "fuzz: $target failed; the input is in build-fuzz/crashes/$target/" >&2
    exit 1
  fi
  grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$log" | sed "s/^/  /"
done
