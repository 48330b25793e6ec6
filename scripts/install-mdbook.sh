#!/usr/bin/env bash
# Installs mdbook (crates.io, without its serve/watch features, which only the live preview
# needs) into a directory cached outside the clone (default ~/.cache/rasch/mdbook;
# RASCH_CACHE_DIR moves it), for crates/rasch/tests/book.rs, which renders docs/ as a book.
# Idempotent: ~1.5 min on 2 cores the first time, nothing after. Prints the binary's path.
set -euo pipefail
CACHE=${RASCH_CACHE_DIR:-$HOME/.cache/rasch}
VERSION=0.5.4
ROOT="$CACHE/mdbook"
BIN="$ROOT/bin/mdbook"
if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "v$VERSION"; then
    echo "$BIN"
    exit 0
fi
mkdir -p "$ROOT"
cargo install mdbook --version "=$VERSION" --no-default-features --locked --root "$ROOT" >&2
echo "$BIN"
