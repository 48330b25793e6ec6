#!/usr/bin/env bash
# Starts a standalone Rasch cluster: a JobManager here, a TaskManager per line of conf/workers.
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/rasch" start-cluster "$@"
