#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to every test: installs what is missing
# (Debian packages; the peer tests' pinned npm packages), builds, and runs the whole suite
# (unit, integration, contract, hostile-input, soak and peer tests) with CTest, then
# installs epmock under build/install and builds and tests examples/ against it.
#
#   ./scripts/test.sh          # the above (2 cores: ~11 minutes cold, ~7 warm)
#   ./scripts/test.sh --all    # then the whole suite again under ASan+UBSan and under TSan,
#                              # and every fuzz target for 45 s: what CI runs (2 cores:
#                              # 31 minutes with the compiler cache warm, 46 when the
#                              # sanitizer builds compile everything again)
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
python3 scripts/check-waits.py
for dir in tests/peers clients/node examples/node; do
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
done
./scripts/build.sh -DEPMOCK_BUILD_TESTS=ON -DEPMOCK_BUILD_BENCH=ON -DEPMOCK_BUILD_TESTING=ON -DEPMOCK_PEER_TESTS=ON
(cd build && ctest --output-on-failure --parallel "$(nproc)" --timeout 300)

# The examples, built against the installed package the way another project would use it.
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
rm -rf build/install build/examples
cmake --install build --prefix build/install >/dev/null
cmake -S examples -B build/examples -G Ninja -DCMAKE_PREFIX_PATH="$PWD/build/install" "${launcher[@]}" >/dev/null
cmake --build build/examples --parallel "$(nproc)"
ctest --test-dir build/examples --output-on-failure --parallel "$(nproc)" --timeout 300
# The same examples with epmock pulled in as a subproject (FetchContent from this checkout):
# epmock's own tests stay out of it, its harness and targets come in.
rm -rf build/examples-fetch
cmake -S examples -B build/examples-fetch -G Ninja -DEPMOCK_FETCH_FROM="$PWD" "${launcher[@]}" >/dev/null
cmake --build build/examples-fetch --parallel "$(nproc)" --target order_consumers_test
ctest --test-dir build/examples-fetch --output-on-failure --parallel "$(nproc)" --timeout 300

# The Debian package: its dependencies resolve, and unpacked into a scratch root (never the
# machine's own /usr) its epmock serves to the ready line and the examples build against it.
(cd build && cpack -G DEB >/dev/null)
deb=$(ls build/epmock_*_amd64.deb)
echo "package: $deb ($(du -h "$deb" | cut -f1))"
apt-get install --simulate --no-install-recommends "./$deb" >build/deb-simulate.log || { cat build/deb-simulate.log; exit 1; }
rm -rf build/deb-root build/examples-deb
dpkg-deb -x "$deb" build/deb-root
for page in epmock epmock-serve epmock-trigger epmock-story epmock-story-run epmock-asyncapi; do
  test -s "build/deb-root/usr/share/man/man1/$page.1" || { echo "no man page $page(1) in the package" >&2; exit 1; }
done
coproc PACKAGED { exec build/deb-root/usr/bin/epmock serve --port 0 --sqs-port 0 --stomp-port 0; }
ready=""
read -r -t 20 ready <&"${PACKAGED[0]}" || true
kill "$PACKAGED_PID" 2>/dev/null || true
wait "$PACKAGED_PID" || true
[[ "$ready" == "epmock ready api=http://"* ]] || { echo "the packaged epmock did not get ready: '$ready'" >&2; exit 1; }
echo "packaged: $ready"
cmake -S examples -B build/examples-deb -G Ninja -DCMAKE_PREFIX_PATH="$PWD/build/deb-root/usr" "${launcher[@]}" >/dev/null
cmake --build build/examples-deb --parallel "$(nproc)"
ctest --test-dir build/examples-deb --output-on-failure --parallel "$(nproc)" --timeout 300

# The container image: built from Containerfile on a debian:12-slim made here (no registry is
# reached; scripts/slim-root.sh), then run as the README's docker run lines say, translated
# to buildah's chroot isolation (tests/image/image_test.py). Then the portable tarball, proven
# in the same minimal root, which has none of epmock's libraries. A stage of its own, never
# in the sanitizer passes.
./scripts/setup.sh --with-image
root=$(./scripts/slim-root.sh --import)
image_start=$(date +%s)
buildah bud --isolation chroot --format docker --layers -t localhost/epmock:test -f Containerfile . \
  >build/image-build.log 2>&1 || { tail -40 build/image-build.log >&2; exit 1; }
echo "image: built in $(( $(date +%s) - image_start )) s"
python3 tests/image/image_test.py localhost/epmock:test localhost/debian:12-slim build/image-figures.json
# The build stage's layers are the next build's cache; older ones than three days go.
podman image prune -f --filter until=72h >/dev/null 2>&1 || true
tarball=$(./scripts/portable.sh | tail -1)
bash tests/portable/portable_test.sh "$root" "$tarball"

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
