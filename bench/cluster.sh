#!/usr/bin/env bash
# Cluster benchmark (release builds): cluster start time (command → TaskManagers registered),
# idle memory of the JobManager and TaskManagers, submit → first output on a running cluster,
# a keyed shuffle (WordCount, parallelism 2) across two worker processes against the same
# job in one process, and the JobManager's peak memory while a job holding 1 M keys checkpoints
# every second to a checkpoint directory. Prints one line per figure and a final JSON object.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p rasch-cli -p rasch-bench
cargo build --release -q -p rasch --example word_count --example rolling_sum
R=$PWD/target/release/rasch
WC=$PWD/target/release/examples/word_count
SUMS=$PWD/target/release/examples/rolling_sum
WORDS=${WORDS:-20000000}
TMP=${TMPDIR:-/tmp}/rasch-bench-cluster
rm -rf "$TMP/conf" "$TMP/log" "$TMP/pid" "$TMP/out"* "$TMP/checkpoints" "$TMP/sums" && mkdir -p "$TMP/conf"
[ -f "$TMP/words.txt" ] || ./target/release/rasch-bench gen-words --output "$TMP/words.txt" --words "$WORDS" > /dev/null
REST=${REST_PORT:-18581}
cat > "$TMP/conf/config.yaml" <<EOF
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: ${RPC_PORT:-16523}
rest.port: $REST
taskmanager.numberOfTaskSlots: 1
blob.storage.directory: $TMP/blobs
execution.checkpointing.dir: $TMP/checkpoints
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

# Checkpoints of 1 M keys every second: tasks write their state files, the JobManager only
# handles. Its peak RSS (VmHWM) over ~20 s of checkpointing, and the state size per checkpoint.
JM_PID=$(head -1 "$TMP"/pid/rasch-*-jobmanager.pid)
jm_before_kb=$(awk '/VmHWM/ {print $2}' "/proc/$JM_PID/status")
echo "JobManager peak RSS before the checkpointing job: $((jm_before_kb / 1024)) MB"
job=$($R run -d -p 2 "$SUMS" -- --output "$TMP/sums" --count 4000000000 --keys 1000000 --rate 2000000 --checkpoint-interval 1000 \
  | sed -n 's/^Job has been submitted with JobID //p')
sleep ${CHECKPOINT_SECONDS:-20}
stats=$(curl -s "http://127.0.0.1:$REST/jobs/$job/checkpoints")
completed=$(echo "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["completed"])')
state_mb=$(echo "$stats" | python3 -c 'import json,sys; c=json.load(sys.stdin)["latest"]["completed"]; print(round((c or {}).get("state_size",0)/1e6,1))')
jm_peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$JM_PID/status")
$R cancel "$job" > /dev/null
echo "checkpoints of 1 M keys every 1 s: $completed completed, ${state_mb} MB each; JobManager peak RSS $((jm_peak_kb / 1024)) MB"
echo "{\"cluster_start_ms\":$start_ms,\"idle_memory_mb\":$((idle_kb / 1024)),\"memory_after_jobs_mb\":$((busy_kb / 1024)),\"submit_to_first_output_ms\":$first_ms,\"shuffle_words_per_sec_in_process\":$local_rate,\"shuffle_words_per_sec_cross_process\":$cluster_rate,\"checkpoints_completed\":$completed,\"checkpoint_state_mb\":$state_mb,\"jobmanager_peak_rss_mb\":$((jm_peak_kb / 1024))}"
