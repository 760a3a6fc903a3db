#!/usr/bin/env bash
# The test command (README.md): installs what the tests need, then runs every test of the
# workspace in the release profile (the profile the benchmarks use, so one build serves both).
#
#   bash scripts/test.sh
#
# Needs: the Rust toolchain; Node.js + npm for the policy peer (../shared/peers/iam-simulate).
# Environment: KOBAN_DIFF_CASES (policy differential cases, default 10000 here).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

peer=../shared/peers/iam-simulate
if [ -d "$peer" ]; then
    if ! command -v node >/dev/null 2>&1; then
        echo "test: installing Node.js for the policy peer" >&2
        apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
    fi
    if [ ! -d "$peer/node_modules/@cloud-copilot/iam-simulate" ]; then
        echo "test: npm ci in $peer" >&2
        (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    export KOBAN_REQUIRE_PEERS=1
fi
export KOBAN_DIFF_CASES=${KOBAN_DIFF_CASES:-10000}
cargo test --release --workspace --locked
