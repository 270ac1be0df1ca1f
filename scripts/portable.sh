#!/usr/bin/env bash
# A relocatable epmock for any x86-64 Linux with glibc 2.36 or newer:
#   build-portable/epmock-VERSION-linux-x86_64.tar.gz
#     bin/epmock     Release, stripped, schemas compiled in, run path $ORIGIN/../lib
#     lib/           every shared object it loads beyond the C library (found with ldd)
# Unpack it anywhere and run bin/epmock; nothing else is needed. Proven by
# tests/portable/portable_test.sh in a minimal Debian root without epmock's libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
out=build-portable
# DT_RPATH, not DT_RUNPATH (--disable-new-dtags): it also serves the bundled libraries'
# own dependencies (libssl's libcrypto, brotli's common part), which carry no run path.
cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEPMOCK_BUILD_TESTS=OFF -DEPMOCK_BUILD_BENCH=OFF \
  -DEPMOCK_BUILD_TESTING=OFF -DEPMOCK_MAN_PAGES=OFF \
  -DCMAKE_SKIP_BUILD_RPATH=ON '-DCMAKE_EXE_LINKER_FLAGS=-Wl,--disable-new-dtags -Wl,-rpath,\$ORIGIN/../lib' \
  "${launcher[@]}" >/dev/null
cmake --build "$out" --parallel "$(nproc)" --target epmock_cli
version=$("$out/epmock" --version | awk '{print $2}')
name="epmock-$version-linux-x86_64"
stage="$out/$name"
rm -rf "$stage" "$out/$name.tar.gz"
mkdir -p "$stage/bin" "$stage/lib"
strip --strip-unneeded -o "$stage/bin/epmock" "$out/epmock"
# The C library's own objects stay the system's: they must match its loader.
glibc='^(linux-vdso|ld-linux-x86-64|libc|libm|libdl|libpthread|librt|libresolv|libutil|libanl|libnsl)\.so'
ldd "$out/epmock" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | while read -r soname path; do
  [[ "$soname" =~ $glibc ]] && continue
  cp -L "$path" "$stage/lib/$soname"
  chmod 0644 "$stage/lib/$soname"
done
cat >"$stage/README" <<TEXT
epmock $version for x86-64 Linux with glibc 2.36 or newer (Debian 12, Ubuntu 22.10,
Fedora 37, RHEL 10 and later). Run bin/epmock from wherever this folder is unpacked:
  bin/epmock serve
lib/ holds the libraries it loads beyond the C library (from Debian 12's packages, with
their licences in their Debian packages). https receivers are verified against the
system's CA bundle wherever the distribution keeps it; --ca-file adds one.
TEXT
tar -C "$out" -czf "$out/$name.tar.gz" "$name"
echo "$out/$name.tar.gz"
