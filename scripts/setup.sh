#!/usr/bin/env bash
# Installs what epmock needs to build and test on Debian 12, from Debian's packages.
# Does nothing (and needs no network) when everything is already there.
set -euo pipefail

# What `epmock serve` needs to build (scripts/serve.sh): nothing more.
packages=(
  build-essential cmake ninja-build pkg-config ccache
  libcpp-httplib-dev nlohmann-json3-dev libvalijson-dev libre2-dev libyaml-cpp-dev libssl-dev libcli11-dev
)
for flag in "$@"; do
  if [[ "$flag" == "--with-tests" || "$flag" == "--with-peers" ]]; then
    # The test suite, the harness and the benchmarks; the format and layer checks; curl for
    # the README's shell examples, which a test runs.
    packages+=(libgtest-dev libgmock-dev libbenchmark-dev clang-format python3 curl)
    # The Debian package and its man pages (cpack, dpkg-shlibdeps, help2man).
    packages+=(dpkg-dev help2man)
  fi
  if [[ "$flag" == "--with-peers" ]]; then
    # The peer tests' real clients and brokers: Node.js for the official JS SDKs (npm),
    # Debian's boto3 and stomp.py, and ActiveMQ (run from its jar by the test itself).
    command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
    packages+=(python3 python3-boto3 python3-stomp activemq)
    # The Python kit's tests: a venv over Debian's python3, built without PyPI, pytest, mypy.
    packages+=(python3-venv python3-setuptools python3-wheel python3-pytest python3-mypy)
    # The dashboard's browser test: Debian's Chromium, driven headless by playwright-core.
    packages+=(chromium)
  fi
  if [[ "$flag" == "--with-bench" ]]; then
    packages+=(wrk gnuplot-nox)
    command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
  fi
  if [[ "$flag" == "--with-image" ]]; then
    # The container image and the portable build's proof: a Debian root made with
    # debootstrap, the image built and run with buildah (chroot isolation), podman to import.
    packages+=(debootstrap buildah podman)
  fi
  if [[ "$flag" == "--with-fuzz" ]]; then
    # libFuzzer comes with clang's runtime libraries.
    packages+=(clang libclang-rt-14-dev python3)
  fi
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
