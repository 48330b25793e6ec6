"""Apache Flink's batch WordCount on the file `rasch-bench gen-words` writes, for side-by-side
comparison with `rasch-bench wordcount` (same input, same machine, same parallelism).

Runs PyFlink's Table API in BATCH mode on the local MiniCluster: every operator is Flink's own
Java code (no Python UDF on the record path), so this measures Flink itself.

    python bench/flink/wordcount.py --input /tmp/rasch-bench/words.txt --parallelism 2

Prints one JSON line like rasch-bench: records (words counted), seconds (job run time from
submission to completion, JVM start excluded) and records_per_sec.
"""

import argparse
import json
import os
import shutil
import tempfile
import time

from pyflink.table import EnvironmentSettings, TableEnvironment


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--parallelism", type=int, default=1)
    ap.add_argument("--output", default=None, help="directory for the word,count files (a temporary one by default)")
    args = ap.parse_args()

    out = args.output or tempfile.mkdtemp(prefix="flink-wordcount-")
    shutil.rmtree(out, ignore_errors=True)
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    conf = env.get_config()
    conf.set("parallelism.default", str(args.parallelism))
    conf.set("taskmanager.numberOfTaskSlots", str(max(args.parallelism, 1)))
    env.execute_sql(
        f"CREATE TABLE lines (line STRING) WITH ('connector'='filesystem','path'='{os.path.abspath(args.input)}','format'='raw')"
    )
    env.execute_sql(
        f"CREATE TABLE counts (word STRING, cnt BIGINT) WITH ('connector'='filesystem','path'='{out}','format'='csv')"
    )
    t0 = time.time()
    result = env.execute_sql(
        "INSERT INTO counts SELECT w, COUNT(*) FROM lines CROSS JOIN UNNEST(SPLIT(line, ' ')) AS T(w) WHERE w <> '' GROUP BY w"
    )
    result.wait()
    seconds = time.time() - t0
    words = distinct = 0
    for root, _, files in os.walk(out):
        for name in files:
            if name.startswith("."):
                continue
            with open(os.path.join(root, name)) as f:
                for row in f:
                    if row.strip():
                        words += int(row.rsplit(",", 1)[1])
                        distinct += 1
    if args.output is None:
        shutil.rmtree(out, ignore_errors=True)
    print(
        json.dumps(
            {
                "bench": "flink-wordcount",
                "engine": "Apache Flink 1.20 (PyFlink Table API, BATCH)",
                "parallelism": args.parallelism,
                "records": words,
                "distinct_words": distinct,
                "seconds": round(seconds, 3),
                "records_per_sec": round(words / seconds) if seconds > 0 else 0,
            }
        )
    )


if __name__ == "__main__":
    main()
