#!/usr/bin/env bash
# Build a minimal local Python 3.11 base image without any container registry:
# debootstrap a Debian bookworm (whose python3 is 3.11) with python3 + venv, strip docs and caches, and
# `podman import` (or `docker import`) the root file system. Pass the result to `make images` as BASE_IMAGE
# where the official airbyte/python-connector-base cannot be pulled.
#
#   bash packaging/make_local_base_image.sh            # -> localhost/python-3.11-bookworm-base:local
#   BASE_IMAGE_TAG=my/base:1 MIRROR=http://... bash packaging/make_local_base_image.sh
#
# Needs root (debootstrap), debootstrap, and Debian package mirror access. Idempotent: an existing image with
# the same tag is kept unless FORCE=1.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BASE_IMAGE_TAG="${BASE_IMAGE_TAG:-localhost/python-3.11-bookworm-base:local}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
SUITE="${SUITE:-bookworm}"
WORK="${WORK:-$ROOT/.images/base}"

# shellcheck source=packaging/engine.sh
source "$ROOT/packaging/engine.sh"
ENGINE="$(container_engine)" || { echo "make_local_base_image.sh: no working container engine (docker daemon or podman)" >&2; exit 1; }

if [[ "${FORCE:-0}" != 1 ]] && "$ENGINE" image inspect "$BASE_IMAGE_TAG" >/dev/null 2>&1; then
  echo "base image $BASE_IMAGE_TAG already exists (FORCE=1 rebuilds it)"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "make_local_base_image.sh: debootstrap needs root" >&2
  exit 1
fi
command -v debootstrap >/dev/null || { echo "make_local_base_image.sh: install debootstrap (apt-get install debootstrap)" >&2; exit 1; }

rootfs="$WORK/rootfs"
rm -rf "$rootfs"
mkdir -p "$rootfs"
# minbase = essential + apt only; python3-venv brings ensurepip (a bundled pip wheel) so `python3 -m venv`
# works without network; ca-certificates for TLS to Business Central and tzdata for explicit time zones.
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,tzdata \
  "$SUITE" "$rootfs" "$MIRROR"

# Strip what a connector never needs at run time (the image is read by humans only through logs).
rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/lintian "$rootfs"/tmp/*
ln -sf /usr/share/zoneinfo/Etc/UTC "$rootfs/etc/localtime"
echo "Etc/UTC" >"$rootfs/etc/timezone"

tar -C "$rootfs" --numeric-owner -c . | "$ENGINE" import \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV TZ=Etc/UTC' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["python3"]' \
  - "$BASE_IMAGE_TAG"
rm -rf "$rootfs"
"$ENGINE" run --rm --network none "$BASE_IMAGE_TAG" python3 --version
