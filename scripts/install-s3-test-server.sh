#!/usr/bin/env bash
# Installs an S3-compatible test server (moto) into target/s3-venv for
# crates/rasch-storage/tests/s3.rs. Idempotent: does nothing if it is already installed.
# Needs python3 (3.9+) with the venv module and access to PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/s3-venv
if [ -x "$VENV/bin/moto_server" ] && "$VENV/bin/python" -c 'import moto.server' 2>/dev/null; then
    echo "moto already installed in $VENV"
    exit 0
fi
PYTHON=${PYTHON:-python3}
mkdir -p target
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check 'moto[server]>=5,<6'
"$VENV/bin/python" -c 'import moto.server' >/dev/null
echo "installed moto $("$VENV/bin/python" -c 'import moto; print(moto.__version__)') in $VENV; run: cargo test -p rasch-storage --test s3"
