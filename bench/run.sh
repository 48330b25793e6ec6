#!/usr/bin/env bash
# Builds the benchmarks in release mode and runs each at parallelism 1 and 2.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p rasch-bench
B=./target/release/rasch-bench
RECORDS=${RECORDS:-50000000}
WORDS=${WORDS:-50000000}
TMP=${TMPDIR:-/tmp}/rasch-bench
mkdir -p "$TMP"
[ -f "$TMP/words.txt" ] || $B gen-words --output "$TMP/words.txt" --words "$WORDS"
for p in 1 2; do
  $B passthrough --records "$RECORDS" --parallelism $p | tail -1
  $B filter-project --records "$RECORDS" --parallelism $p | tail -1
  $B wordcount --input "$TMP/words.txt" --output "$TMP/counts.txt" --parallelism $p | tail -1
done
# Apache Flink 1.20's batch WordCount on the same file (a Python venv with apache-flink==1.20.*).
if [ -n "${FLINK_PYTHON:-}" ]; then
  for p in 1 2; do
    "$FLINK_PYTHON" bench/flink/wordcount.py --input "$TMP/words.txt" --parallelism $p | tail -1
  done
fi
for p in 1 2; do
  $B window-count --records "$RECORDS" --parallelism $p | tail -1
  $B sliding-count --records "$RECORDS" --parallelism $p | tail -1
  $B session-count --records $((RECORDS / 10)) --parallelism $p | tail -1
done
$B checkpoint --keys ${KEYS:-1000000} --parallelism 1 | tail -1
$B net-exchange --records "$RECORDS" | tail -1
$B net-exchange --records $((RECORDS / 2)) --payload words | tail -1
