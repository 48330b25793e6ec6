#!/usr/bin/env bash
# Installs Apache Flink 1.20.3's own command line client, from PyPI's `apache-flink==1.20.3`
# (its `pyflink/bin/flink` script and `pyflink/lib/flink-dist-1.20.3.jar`, which also carries
# Flink's web dashboard under `web/`), into a virtualenv cached outside the clone
# (default ~/.cache/rasch/flink-1.20.3; RASCH_CACHE_DIR moves it), so repeated CI runs reuse it.
# Only the client is needed, so PyFlink's Python dependencies (Beam, pandas, pyarrow …) are
# not installed (`--no-deps`). The client needs Java 11+ on the PATH.
# Idempotent. Prints the Flink home (the `pyflink` directory) on its last line.
# Exit status 3: PyPI cannot be reached (the acceptance tests then say loudly they skipped).
set -euo pipefail
CACHE=${RASCH_CACHE_DIR:-$HOME/.cache/rasch}
VERSION=1.20.3
VENV="$CACHE/flink-$VERSION"
PYTHON=${PYTHON:-python3}
home() { "$VENV/bin/python" -c 'import os, pyflink; print(os.path.dirname(pyflink.__file__))' 2>/dev/null; }
if [ -x "$VENV/bin/python" ] && FLINK_HOME=$(home) && [ -x "$FLINK_HOME/bin/flink" ] \
    && [ -f "$FLINK_HOME/lib/flink-dist-$VERSION.jar" ]; then
    echo "$FLINK_HOME"
    exit 0
fi
INDEX=${PIP_INDEX_URL:-https://pypi.org/simple}
if ! "$PYTHON" - "$INDEX" <<'PY'
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1].rstrip("/") + "/apache-flink/", timeout=20).read(1)
except Exception as e:
    print(f"cannot reach the package index {sys.argv[1]}: {e}", file=sys.stderr)
    sys.exit(1)
PY
then
    exit 3
fi
rm -rf "$VENV"
mkdir -p "$CACHE"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    "apache-flink==$VERSION" "apache-flink-libraries==$VERSION" >&2
FLINK_HOME=$(home)
[ -x "$FLINK_HOME/bin/flink" ] || { echo "apache-flink installed no bin/flink in $FLINK_HOME" >&2; exit 1; }
echo "installed Flink $VERSION's client in $VENV" >&2
echo "$FLINK_HOME"
