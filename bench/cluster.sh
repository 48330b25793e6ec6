#!/usr/bin/env bash
# Cluster benchmark (release builds): cluster start time (command → TaskManagers registered),
# idle memory of the JobManager and TaskManagers, submit → first output on a running cluster,
# and a keyed shuffle (WordCount, parallelism 2) across two worker processes against the same
# job in one process. Prints one line per figure and a final JSON object.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p rasch-cli -p rasch-bench
cargo build --release -q -p rasch --example word_count
R=$PWD/target/release/rasch
WC=$PWD/target/release/examples/word_count
WORDS=${WORDS:-20000000}
TMP=${TMPDIR:-/tmp}/rasch-bench-cluster
rm -rf "$TMP/conf" "$TMP/log" "$TMP/pid" "$TMP/out"* && mkdir -p "$TMP/conf"
[ -f "$TMP/words.txt" ] || ./target/release/rasch-bench gen-words --output "$TMP/words.txt" --words "$WORDS" > /dev/null
REST=${REST_PORT:-18581}
cat > "$TMP/conf/config.yaml" <<EOF
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: ${RPC_PORT:-16523}
rest.port: $REST
taskmanager.numberOfTaskSlots: 1
blob.storage.directory: $TMP/blobs
env.log.dir: $TMP/log
env.pid.dir: $TMP/pid
EOF
printf 'localhost\nlocalhost\n' > "$TMP/conf/workers"
export RASCH_CONF_DIR=$TMP/conf
ms() { echo $(( $(date +%s%N) / 1000000 )); }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
trap '$R stop-cluster > /dev/null 2>&1 || true' EXIT

t0=$(ms); $R start-cluster > /dev/null; t1=$(ms)
start_ms=$((t1 - t0))
echo "cluster start (start-cluster → 2 TaskManagers registered): ${start_ms} ms"
sleep 1
idle_kb=0
for f in "$TMP"/pid/*.pid; do for p in $(cat "$f"); do idle_kb=$((idle_kb + $(rss_kb "$p"))); done; done
echo "idle memory (JobManager + 2 TaskManagers, RSS): $((idle_kb / 1024)) MB"

# Submit → first output: the job prints; the first printed line lands in a TaskManager log.
$R run -p 1 "$WC" -- --execution-mode streaming > /dev/null  # uploads the binary once
printed() { cat "$TMP"/log/rasch-taskmanager-* | grep -cE '^([0-9]+> )?[a-z]+,[0-9]+$' || true; }
before=$(printed)
t0=$(ms)
$R run -d -p 1 "$WC" -- --execution-mode streaming > /dev/null
deadline=$(( $(ms) + 30000 ))
while [ "$(printed)" -le "$before" ] && [ "$(ms)" -lt "$deadline" ]; do sleep 0.002; done
t1=$(ms)
first_ms=$((t1 - t0))
echo "submit → first output (running cluster, binary already uploaded): ${first_ms} ms"

# Keyed shuffle: WordCount at parallelism 2, in one process vs across two workers.
t0=$(ms); "$WC" --input "$TMP/words.txt" --output "$TMP/out-local" --parallelism 2 2> /dev/null; t1=$(ms)
local_ms=$((t1 - t0))
t0=$(ms); $R run -p 2 "$WC" -- --input "$TMP/words.txt" --output "$TMP/out-cluster" > /dev/null; t1=$(ms)
cluster_ms=$((t1 - t0))
local_rate=$((WORDS * 1000 / local_ms))
cluster_rate=$((WORDS * 1000 / cluster_ms))
echo "keyed shuffle, WordCount p=2: in one process ${local_rate} words/s (${local_ms} ms), across two workers ${cluster_rate} words/s (${cluster_ms} ms incl. submission)"
cmp <(sort "$TMP"/out-local/* 2>/dev/null || sort "$TMP/out-local") <(sort "$TMP"/out-cluster/* 2>/dev/null || sort "$TMP/out-cluster") > /dev/null && echo "outputs identical"
busy_kb=0
for f in "$TMP"/pid/*.pid; do for p in $(cat "$f"); do busy_kb=$((busy_kb + $(rss_kb "$p"))); done; done
echo "{\"cluster_start_ms\":$start_ms,\"idle_memory_mb\":$((idle_kb / 1024)),\"memory_after_jobs_mb\":$((busy_kb / 1024)),\"submit_to_first_output_ms\":$first_ms,\"shuffle_words_per_sec_in_process\":$local_rate,\"shuffle_words_per_sec_cross_process\":$cluster_rate}"
