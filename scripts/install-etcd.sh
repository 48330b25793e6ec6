#!/usr/bin/env bash
# Installs Debian's etcd server (package `etcd-server`: /usr/bin/etcd) for the high-availability
# tests, which start their own etcd on free 127.0.0.1 ports in a temporary directory and stop it
# by PID, plus `protobuf-compiler` and `libprotobuf-dev`, which the `etcd-client` crate (feature
# `etcd` of rasch-cluster) needs to build. Needs root or sudo the first time; idempotent.
# Exit status 3: Debian's package registry cannot be reached.
set -euo pipefail
if ! command -v etcd >/dev/null 2>&1 || ! command -v protoc >/dev/null 2>&1 \
    || [ ! -f /usr/include/google/protobuf/descriptor.proto ]; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq || exit 3
    $SUDO apt-get install -y -qq --no-install-recommends etcd-server protobuf-compiler libprotobuf-dev >/dev/null
    # The package may start a system etcd on 2379; the tests start their own on free ports.
fi
command -v etcd
