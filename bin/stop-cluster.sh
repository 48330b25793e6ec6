#!/usr/bin/env bash
# Stops the TaskManagers (conf/workers) and the JobManager started by start-cluster.sh.
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/rasch" stop-cluster "$@"
