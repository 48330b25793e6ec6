#!/usr/bin/env bash
# Runs every check a change must pass: formatting, clippy (warnings are errors) and all tests
# (unit, integration, example binaries). This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
