#!/usr/bin/env bash
# A minimal Debian 12 root, made slim as Debian's debian:12-slim image is, kept outside the
# clone and reused: the base of epmock's image (imported as localhost/debian:12-slim) and
# the root the portable build is proven in (it has none of epmock's library packages).
#
#   root=$(scripts/slim-root.sh)          # prints its path; builds it first if needed
#   scripts/slim-root.sh --import         # and makes sure the image debian:12-slim is it
#
# Made with debootstrap --variant=minbase from the mirror apt already uses (no image
# registry is reached). Rebuilt when this script changes: its hash names the root.
# EPMOCK_ROOT_CACHE: where roots are kept (/var/cache/epmock by default).
set -euo pipefail
cd "$(dirname "$0")/.."
import=false
[[ "${1:-}" == "--import" ]] && import=true
cache="${EPMOCK_ROOT_CACHE:-/var/cache/epmock}"
key=$(sha256sum scripts/slim-root.sh | cut -c1-12)
root="$cache/debian12-slim-$key"

if [[ ! -f "$root/.epmock-complete" ]]; then
  command -v debootstrap >/dev/null || ./scripts/setup.sh --with-image >&2
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror="${mirror:-http://deb.debian.org/debian}"
  mkdir -p "$cache"
  rm -rf "$root.partial"
  echo "slim-root: debootstrap --variant=minbase bookworm from $mirror (a minute or two, once)" >&2
  debootstrap --variant=minbase bookworm "$root.partial" "$mirror" >"$cache/debootstrap-$key.log" 2>&1 ||
    { tail -20 "$cache/debootstrap-$key.log" >&2; exit 1; }
  # What Debian's slim images exclude, for this root and every package installed into it
  # later (the image's own apt-get installs): documentation, man pages, other locales.
  cat >"$root.partial/etc/dpkg/dpkg.cfg.d/docker-slim" <<'RULES'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
RULES
  find "$root.partial/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$root.partial/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root.partial"/usr/share/{man,groff,info,lintian,linda}/*
  find "$root.partial/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  # apt's lists and caches: an image updates them when it installs something.
  rm -rf "$root.partial"/var/lib/apt/lists/* "$root.partial"/var/cache/apt/*.bin "$root.partial"/var/cache/apt/archives/*.deb
  rm -rf "$root.partial"/var/log/* "$root.partial"/tmp/* "$root.partial"/root/.cache
  # The mirror apt used here, for the image's own installs.
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$mirror" "$mirror" >"$root.partial/etc/apt/sources.list"
  touch "$root.partial/.epmock-complete"
  rm -rf "$root"
  mv "$root.partial" "$root"
  # Older roots of older versions of this script.
  find "$cache" -maxdepth 1 -name 'debian12-slim-*' -not -name "debian12-slim-$key" -exec rm -rf {} +
fi

if $import; then
  command -v podman >/dev/null || ./scripts/setup.sh --with-image >&2
  have=$(podman image inspect --format '{{index .Labels "epmock.root"}}' localhost/debian:12-slim 2>/dev/null || true)
  if [[ "$have" != "$key" ]]; then
    echo "slim-root: importing $root as localhost/debian:12-slim" >&2
    tar -C "$root" --exclude=./.epmock-complete -c . |
      podman import --quiet --change "LABEL epmock.root=$key" --change 'CMD ["bash"]' - localhost/debian:12-slim >/dev/null
  fi
fi
echo "$root"
