"""Apache Flink 1.20's MATCH_RECOGNIZE on the events of `rasch-bench cep`, for side-by-side
comparison (same events, same machine, same parallelism).

The events are generated here with the same formula as `bench/src/cep.rs` (event `i`: key
`(h >> 32) % keys`, kind `"abcx"[(h >> 60) % 4]`, time `i / 10` ms, `h = i * 0x9E3779B97F4A7C15
mod 2^64`) into a CSV file, and read by Flink's filesystem connector. The pattern is the same
3-step `a → b → c` with relaxed contiguity and a window, in SQL:
`PATTERN (A X*? B Y*? C) WITHIN INTERVAL ...` where X is "not b" and Y "not c", which takes for
each `a` the first `b` after it and the first `c` after that, as `followed_by` does.

    python bench/flink/cep.py --records 1000000 --keys 10000 --within-ms 10000 --parallelism 1

Prints one JSON line: records, net_seconds (the job's own net runtime as Flink reports it), the
number of matches and the sha256 of the sorted `key,a_ts,b_ts,c_ts` lines (compare with
`rasch-bench cep --output FILE`).
"""

import argparse
import hashlib
import json
import os
import shutil
import tempfile
import time

T_START = time.time()

from pyflink.table import EnvironmentSettings, TableEnvironment  # noqa: E402


def generate(path, records, keys):
    with open(path, "w") as fh:
        for i in range(records):
            h = (i * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
            key = ((h >> 32) & 0xFFFFFFFF) % keys
            kind = "abcx"[(h >> 60) % 4]
            fh.write(f"{key},{kind},{i // 10}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--keys", type=int, default=10_000)
    ap.add_argument("--within-ms", type=int, default=10_000)
    ap.add_argument("--parallelism", type=int, default=1)
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="flink-cep-")
    data = os.path.join(work, "events.csv")
    generate(data, args.records, args.keys)
    out = os.path.join(work, "out")
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    conf = env.get_config()
    conf.set("parallelism.default", str(args.parallelism))
    conf.set("taskmanager.numberOfTaskSlots", str(args.parallelism))
    env.execute_sql(f"""
        CREATE TABLE events (k INT, kind STRING, ts BIGINT,
            rowtime AS TO_TIMESTAMP_LTZ(ts, 3),
            WATERMARK FOR rowtime AS rowtime - INTERVAL '0.001' SECOND)
        WITH ('connector' = 'filesystem', 'path' = '{data}', 'format' = 'csv')""")
    env.execute_sql(f"""
        CREATE TABLE cep_matches (k INT, ta BIGINT, tb BIGINT, tc BIGINT)
        WITH ('connector' = 'filesystem', 'path' = '{out}', 'format' = 'csv')""")
    seconds = args.within_ms // 1000 if args.within_ms % 1000 == 0 else args.within_ms / 1000
    result = env.execute_sql(f"""
        INSERT INTO cep_matches
        SELECT k, ta, tb, tc FROM events MATCH_RECOGNIZE (
            PARTITION BY k ORDER BY rowtime
            MEASURES A.ts AS ta, B.ts AS tb, C.ts AS tc
            ONE ROW PER MATCH
            AFTER MATCH SKIP TO NEXT ROW
            PATTERN (A X*? B Y*? C) WITHIN INTERVAL '{seconds}' SECOND
            DEFINE A AS A.kind = 'a', X AS X.kind <> 'b', B AS B.kind = 'b', Y AS Y.kind <> 'c', C AS C.kind = 'c'
        )""")
    client = result.get_job_client()
    result.wait()
    net = client.get_job_execution_result().result().get_net_runtime() / 1000.0
    lines = []
    for root, _, files in os.walk(out):
        for name in files:
            if not name.startswith("."):
                with open(os.path.join(root, name), "rb") as fh:
                    lines.extend(l for l in fh.read().split(b"\n") if l)
    lines.sort()
    digest = hashlib.sha256(b"".join(l + b"\n" for l in lines)).hexdigest()
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"bench": "flink-cep", "records": args.records, "keys": args.keys, "within_ms": args.within_ms,
                      "parallelism": args.parallelism, "net_seconds": net, "records_per_sec": round(args.records / net),
                      "wall_seconds": round(time.time() - T_START, 3), "matches": len(lines), "sha256": digest}))


if __name__ == "__main__":
    main()
