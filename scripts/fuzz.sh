#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ in the asan preset's build-asan/ (clang, ASan and
# UBSan, the library instrumented for coverage: the same build the ASan pass tests), seeds
# each corpus from contracts/, and runs each target for a bounded time, as many at once as
# there are cores:
#   ./scripts/fuzz.sh            # 60 s per target
#   ./scripts/fuzz.sh 600        # longer
# A crash, a leak, a sanitizer report or a failed property fails the run and leaves the
# input in build-asan/crashes/<target>/ (replay: build-asan/fuzz/<target> FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
targets=(fuzz_request_validation fuzz_sqs_protocols fuzz_stomp_frame fuzz_sigv4 fuzz_catalog_extension
         fuzz_story_file fuzz_schema_patterns fuzz_http_response fuzz_init_file fuzz_rfc3339)
./scripts/setup.sh --with-tests --with-fuzz
# ccache keys on absolute paths and, with debug info, the working directory; relative to the
# source tree, a fresh clone elsewhere (as CI makes) still hits what an earlier build cached.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# The peer tests are the ASan pass's business (scripts/sanitize.sh asan turns them back on).
cmake --preset asan -DEPMOCK_PEER_TESTS=OFF "${launcher[@]}" >/dev/null
out=build-asan
cmake --build "$out" --parallel "$(nproc)" --target "${targets[@]}"
rm -rf "$out/seeds"
python3 fuzz/seed_corpus.py contracts "$out/seeds"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# fuzz_one TARGET: runs it, its output in $out/TARGET.log and its exit status in
# $out/TARGET.status.
fuzz_one() {
  local target="$1" status=0
  mkdir -p "$out/corpus/$target" "$out/crashes/$target"
  "$out/fuzz/$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/crashes/$target/" -print_final_stats=1 \
    "$out/corpus/$target" "$out/seeds/$target" >"$out/$target.log" 2>&1 || status=$?
  echo "$status" >"$out/$target.status"
}
for target in "${targets[@]}"; do
  rm -f "$out/$target.status"
  echo "fuzz: $target for ${seconds}s"
  fuzz_one "$target" &
  while (( $(jobs -rp | wc -l) >= $(nproc) )); do wait -n || true; done
done
wait
failed=0
for target in "${targets[@]}"; do
  status=$(cat "$out/$target.status" 2>/dev/null || echo missing)
  echo "fuzz: $target exited $status"
  grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$out/$target.log" | sed "s/^/  /" || true
  if [[ "$status" != 0 ]]; then
    tail -60 "$out/$target.log" >&2
    echo "fuzz: $target failed; the input is in $out/crashes/$target/" >&2
    failed=1
  fi
done
exit "$failed"
