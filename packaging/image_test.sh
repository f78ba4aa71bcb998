#!/usr/bin/env bash
# `make image-test`: in each image built by `make images`, run `spec` (validated with the CDK's spec checks and
# the contract field names of acceptance-test-config.yml) and `check` against an unreachable host (a well-formed
# FAILED CONNECTION_STATUS, no secret in the output), and inspect the image (non-root user, entrypoint,
# AIRBYTE_ENTRYPOINT, labels, no tests, no secrets, no pip, size).
#
# These are the `image_tests` of tests/test_packaging.py. Here a missing engine or a missing or stale image is a
# failure (STAMPLI_NAV_IMAGE_TESTS=require); inside `make test` the same tests skip in those cases.
#   make image-test                                  # all four
#   bash packaging/image_test.sh -k source-stampli-sftp   # extra pytest arguments
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
[[ -x "$PY" ]] || { echo "image_test.sh: run 'make install' first (needs .venv)" >&2; exit 1; }

STAMPLI_NAV_IMAGE_TESTS=require exec "$PY" -m pytest -q -p no:randomly -p no:xdist -s -m image_tests \
  tests/test_packaging.py "$@"
