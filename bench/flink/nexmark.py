"""Apache Flink 1.20's run of a Nexmark query, for side-by-side comparison with
`rasch-bench nexmark` (same files, same machine).

Runs `settings_<mode>.sql` + `ddl.sql` + `qN.sql` (placeholders substituted) through PyFlink's
`TableEnvironment.execute_sql` on the local MiniCluster at the given parallelism. Only Flink's
own Java operators are on the record path.

    python bench/flink/nexmark.py --query q0 --input /tmp/rasch-bench/nexmark-100000.jsonl \
        --queries ../shared/nexmark/queries --parallelism 2 [--mode batch|streaming]

Prints one JSON line: the query, events, `net_seconds` (the job's own net runtime as Flink
reports it, JVM start and planning excluded), `wall_seconds` (this script from start to end),
the sha256 of the sorted output lines and its row count.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import tempfile
import time

T_START = time.time()

from pyflink.table import EnvironmentSettings, TableEnvironment  # noqa: E402


def statements(text):
    text = "\n".join(l for l in text.splitlines() if not l.strip().startswith("--"))
    return [s.strip() for s in text.split(";") if s.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--query", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--parallelism", type=int, default=2)
    ap.add_argument("--mode", default="batch")
    args = ap.parse_args()

    out = tempfile.mkdtemp(prefix="flink-nexmark-")
    settings = EnvironmentSettings.in_batch_mode() if args.mode == "batch" else EnvironmentSettings.in_streaming_mode()
    env = TableEnvironment.create(settings)
    conf = env.get_config()
    conf.set("parallelism.default", str(args.parallelism))
    conf.set("taskmanager.numberOfTaskSlots", str(args.parallelism))
    script = ""
    for f in [f"settings_{args.mode}.sql", "ddl.sql", f"{args.query}.sql"]:
        with open(os.path.join(args.queries, f)) as fh:
            script += fh.read() + "\n"
    script = script.replace("${NEXMARK_INPUT}", os.path.abspath(args.input)).replace("${OUTPUT_DIR}", out)
    net = None
    for s in statements(script):
        m = re.match(r"SET\s+'([^']+)'\s*=\s*'([^']*)'", s, re.I)
        if m:
            conf.set(m.group(1), m.group(2))
            continue
        result = env.execute_sql(s)
        client = result.get_job_client()
        if client is not None:
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
    shutil.rmtree(out, ignore_errors=True)
    events = sum(1 for _ in open(args.input, "rb"))
    print(json.dumps({"bench": "flink-nexmark", "query": args.query, "events": events, "parallelism": args.parallelism,
                      "net_seconds": net, "wall_seconds": round(time.time() - T_START, 3), "rows": len(lines), "sha256": digest}))


if __name__ == "__main__":
    main()
