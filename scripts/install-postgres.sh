#!/usr/bin/env bash
# Installs Debian's PostgreSQL server (package `postgresql`: initdb and pg_ctl under
# /usr/lib/postgresql/<version>/bin) for crates/rasch/tests/postgres_sink.rs, which starts its
# own server on 127.0.0.1 in a temporary directory and stops it again. Needs root or sudo the
# first time; idempotent. Exit status 3: Debian's package registry cannot be reached.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq || exit 3
    $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    # The package starts a cluster of its own on port 5432; the tests start their own servers.
fi
ls -d /usr/lib/postgresql/*/bin | tail -1
