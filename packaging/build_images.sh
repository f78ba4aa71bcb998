#!/usr/bin/env bash
# `make images`: build the Docker images of the four connectors with docker (when its daemon answers) or
# podman. Not part of `make test`.
#
#   make images                                   # all four, Airbyte's pinned python-connector-base
#   make images BASE_IMAGE=python:3.11-slim       # any Python 3.11 image
#   make images BASE_IMAGE=local                  # the debootstrapped Debian base (made if missing)
#   make images CONNECTORS="source-stampli-sftp"  # a subset
#
# Steps per connector: (1) on the host, `pip wheel` the connector, the local libraries it depends on and all
# their dependencies into .images/wheels/<connector>/; (2) build packaging/Dockerfile (one template for all
# connectors) with --build-arg CONNECTOR=<connector>, the repository root as context and --network none: the
# image installs only those wheels; (3) remove the untagged builder-stage images the build left (podman keeps
# them, ~450 MB per connector), found by their label. When BASE_IMAGE is not given and the pinned Airbyte base
# cannot be pulled (no registry access), the local base is used instead, loudly.
# Image names: <dockerRepository>:<dockerImageTag> and <dockerRepository>:dev, from <connector>/metadata.yaml.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# shellcheck source=packaging/engine.sh
source packaging/engine.sh

ALL_CONNECTORS="source-stampli-sftp destination-dynamics-nav source-dynamics-nav destination-stampli-sftp"
read -r -a connectors <<<"${CONNECTORS:-$ALL_CONNECTORS}"
LOCAL_BASE_IMAGE="${LOCAL_BASE_IMAGE:-localhost/python-3.11-bookworm-base:local}"

if [[ -x "$ROOT/.venv/bin/python" ]]; then PY="$ROOT/.venv/bin/python"; else PY="${PYTHON:-python3.11}"; fi
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "build_images.sh: $PY is not Python 3.11; the wheels must match the images' Python 3.11" >&2
  exit 1
fi

ENGINE="$(container_engine)" || {
  echo "build_images.sh: no container engine: neither a docker daemon nor podman answers." >&2
  echo "  On a Debian machine without Docker: sudo bash packaging/setup_podman.sh (see packaging/README.md)" >&2
  exit 1
}
echo "==> container engine: $ENGINE"

image_exists() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }
# A top-level key of `data:` in <connector>/metadata.yaml (plain scalars; no YAML library needed on the host).
metadata_field() {
  local value
  value="$(sed -n "s/^  $2: *//p" "$1/metadata.yaml" | head -n 1)"
  [[ -n "$value" ]] || { echo "build_images.sh: $1/metadata.yaml has no data.$2" >&2; return 1; }
  echo "$value"
}

DOCKERFILE=packaging/Dockerfile
default_base="$(sed -n 's/^ARG BASE_IMAGE=//p' "$DOCKERFILE")"
base="${BASE_IMAGE:-}"
if [[ "$base" == local ]]; then
  base="$LOCAL_BASE_IMAGE"
elif [[ -z "$base" ]]; then
  base="$default_base"
  if ! image_exists "$base" && ! timeout 300 "$ENGINE" pull "$base"; then
    echo "!!! cannot pull $base (no registry access?)." >&2
    echo "!!! Falling back to the local Debian bookworm Python 3.11 base $LOCAL_BASE_IMAGE." >&2
    echo "!!! Images for release must be built on the pinned Airbyte base (set BASE_IMAGE to force one)." >&2
    base="$LOCAL_BASE_IMAGE"
  fi
fi
if [[ "$base" == "$LOCAL_BASE_IMAGE" ]] && ! image_exists "$base"; then
  BASE_IMAGE_TAG="$base" bash packaging/make_local_base_image.sh
fi
echo "==> base image: $base"

mkdir -p .images
: >.images/built.txt
for connector in "${connectors[@]}"; do
  [[ -f "$connector/metadata.yaml" ]] || { echo "build_images.sh: no $connector/metadata.yaml" >&2; exit 1; }
  repository="$(metadata_field "$connector" dockerRepository)"
  version="$(metadata_field "$connector" dockerImageTag)"
  # Digest first: if code changes while the wheels build, the label claims the older code and image tests
  # call the image stale, never fresh with old content.
  digest="$("$PY" packaging/local_deps.py --digest "$connector")"
  wheels=".images/wheels/$connector"
  rm -rf "$wheels"
  mkdir -p "$wheels"
  mapfile -t folders < <("$PY" packaging/local_deps.py "$connector")
  echo "==> $connector: wheels of ${folders[*]} and their dependencies"
  "$PY" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$wheels" "${folders[@]/#/./}"
  echo "==> $connector: building $repository:$version"
  "$ENGINE" build --network none \
    --file "$DOCKERFILE" \
    --build-arg "CONNECTOR=$connector" \
    --build-arg "BASE_IMAGE=$base" \
    --label "io.airbyte.name=$repository" \
    --label "io.airbyte.version=$version" \
    --label "io.stampli-nav.source-digest=$digest" \
    --tag "$repository:$version" --tag "$repository:dev" \
    "$ROOT"
  echo "$repository:$version" >>.images/built.txt
  # Only this build's leftovers: untagged images of the builder stage carry io.stampli-nav.builder-stage (the
  # final stage starts afresh from the base, so the tagged image does not). Other dangling images are not ours.
  "$ENGINE" image prune --force --filter "label=io.stampli-nav.builder-stage=$connector" >/dev/null
done

echo
echo "==> built images (uncompressed size)"
while read -r image; do
  printf '%-55s %s\n' "$image" "$("$ENGINE" image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}')"
done <.images/built.txt
printf '%-55s %s\n' "base: $base" "$("$ENGINE" image inspect --format '{{.Size}}' "$base" | awk '{printf "%.0f MB", $1 / 1e6}')"
