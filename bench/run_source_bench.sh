#!/usr/bin/env bash
# Source benchmark (make bench-source): source-stampli-sftp vs Airbyte's source-sftp-bulk on the same 200k-line
# invoices CSV over SFTP. sftp-bulk gets its own virtualenv (bench/.venv-sftp-bulk): its pins must not touch ours.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
BULK_VENV=bench/.venv-sftp-bulk
BULK_VERSION="${SFTP_BULK_VERSION:-1.9.3}"
if [[ ! -x "$BULK_VENV/bin/source-sftp-bulk" ]]; then
  echo "installing airbyte-source-sftp-bulk==$BULK_VERSION into $BULK_VENV ..."
  "$PYTHON" -m venv "$BULK_VENV"
  "$BULK_VENV/bin/python" -m pip install --quiet --upgrade pip
  "$BULK_VENV/bin/python" -m pip install --quiet "airbyte-source-sftp-bulk==$BULK_VERSION"
fi
exec .venv/bin/python bench/bench_source.py --sftp-bulk "$BULK_VENV/bin/source-sftp-bulk" "$@"
