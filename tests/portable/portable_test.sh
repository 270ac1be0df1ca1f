#!/usr/bin/env bash
# The portable tarball in a minimal Debian 12 root that has none of epmock's library
# packages (scripts/slim-root.sh): it loads only what it carries beyond the C library,
# prints its ready line, creates an integration and delivers to it.
#   tests/portable/portable_test.sh ROOT TARBALL
set -euo pipefail
root_src="${1:?usage: portable_test.sh ROOT TARBALL}"
tarball="$(realpath "${2:?usage: portable_test.sh ROOT TARBALL}")"
scratch=$(mktemp -d /tmp/epmock-portable.XXXXXX)
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  umount "$scratch/root/proc" 2>/dev/null || true
  rm -rf --one-file-system "$scratch"
}
trap cleanup EXIT
root="$scratch/root"
cp -a "$root_src" "$root"
for package in libssl3 libcpp-httplib0.11 libyaml-cpp0.7 libre2-9 libbrotli1; do
  if chroot "$root" dpkg -s "$package" >/dev/null 2>&1; then
    echo "portable: the test root has $package; it proves nothing" >&2
    exit 1
  fi
done
tar -C "$root/opt" -xzf "$tarball"
# The loader finds $ORIGIN through /proc/self/exe, as on any running system.
mount -t proc proc "$root/proc"
dir=$(basename "$tarball" .tar.gz)
bin="/opt/$dir/bin/epmock"

# Every library beyond the C library's comes from the tarball.
chroot "$root" ldd "$bin" >"$scratch/ldd"
if grep -q "not found" "$scratch/ldd"; then cat "$scratch/ldd" >&2; exit 1; fi
outside=$(awk '$2 == "=>" && $3 !~ "^/opt/" {print $1}' "$scratch/ldd" |
  grep -Ev '^(libc|libm|ld-linux-x86-64)\.so' || true)
if [[ -n "$outside" ]]; then
  echo "portable: loaded from the system: $outside" >&2
  exit 1
fi
echo "portable: $(chroot "$root" "$bin" --version)"

mkfifo "$scratch/out"
chroot "$root" "$bin" serve --port 0 --sqs-port 0 --stomp-port 0 >"$scratch/out" 2>"$scratch/err" &
pid=$!
exec 3<"$scratch/out"
ready=""
read -r -t 20 ready <&3 || true
[[ "$ready" == "epmock ready api=http://127.0.0.1:"* ]] || { echo "portable: no ready line: '$ready'" >&2; cat "$scratch/err" >&2; exit 1; }
echo "portable: $ready"
api=${ready#epmock ready api=}
api=${api%% *}
token=$(curl -sf "$api/oauth/access_token" -d grant_type=client_credentials -d client_id=portable -d client_secret=x |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
auth=(-H "Authorization: Bearer $token" -H "Content-Type: application/json")
curl -sf "${auth[@]}" "$api/v2/integrations" -d '{"data": {"type": "integration", "name": "portable",
  "integration_type": "webhook", "enabled": true, "observes": ["order.paid"],
  "configuration": {"url": "'"$api"'/__sink/webhook/portable"}}}' >/dev/null
curl -sf "${auth[@]}" "$api/__admin/events" -d '{"type": "order.paid"}' >/dev/null
status=$(curl -sf "${auth[@]}" "$api/__admin/wait?deliveries=1&timeout_ms=10000" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["deliveries"][0]["status_code"])')
[[ "$status" == 200 ]] || { echo "portable: the delivery answered $status" >&2; exit 1; }
echo "portable: created an integration and delivered order.paid to it (200)"
