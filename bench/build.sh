#!/usr/bin/env bash
# Builds every binary and example the benchmarks run, in the profile and with the features
# scripts/test.sh tests with (release, the whole workspace, `koban/cluster`, every target), so
# a machine that ran the tests reuses that build instead of compiling DataFusion again.
#
#   bash bench/build.sh [more cargo flags, e.g. --quiet]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --locked --workspace --all-targets --features koban/cluster "$@"
