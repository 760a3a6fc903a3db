#!/usr/bin/env bash
# The test command (README.md): installs what the tests need, then runs every test of the
# workspace in the release profile (the profile the benchmarks use, so one build serves both).
#
#   bash scripts/test.sh
#
# Needs: the Rust toolchain; Node.js + npm for the policy peer (../shared/peers/iam-simulate);
# python3 (packaging), dpkg and rpm for the version-ordering peers; graphviz, chromium and
# playwright-core (npm) for the report's browser test; moto (pip) for koban collect's test.
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
# Version-ordering peers of crates/vulns (tests/version_differential.rs): dpkg (on Debian),
# Python's packaging.version, and rpm's own comparison (Debian's rpm package).
if ! python3 -c 'import packaging.version' >/dev/null 2>&1; then
    echo "test: pip install packaging (PEP 440 peer)" >&2
    python3 -m pip install --quiet --disable-pip-version-check packaging
fi
if ! command -v rpm >/dev/null 2>&1; then
    echo "test: installing rpm (RPM version-ordering peer)" >&2
    apt-get update -qq && apt-get install -y -qq rpm >/dev/null
fi
# koban report (crates/cli/tests/report.rs): Graphviz's dot lays out the diagram; the page is
# opened in Debian's headless Chromium through playwright-core (crates/report/tests/browser).
if ! command -v dot >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ] || ! fc-match -f '%{file}' 'DejaVu Sans' 2>/dev/null | grep -q ttf; then
    echo "test: installing graphviz, chromium and fonts-dejavu-core (koban report)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz chromium fonts-dejavu-core >/dev/null
fi
browser=crates/report/tests/browser
if [ ! -d "$browser/node_modules/playwright-core" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
    fi
    echo "test: npm ci in $browser" >&2
    (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error)
fi
# cfn-lint lints the landing zone's CloudFormation templates (crates/cli/tests/iac_landing_zone.rs).
if ! command -v cfn-lint >/dev/null 2>&1; then
    echo "test: pip install cfn-lint (CloudFormation linter)" >&2
    python3 -m pip install --quiet --disable-pip-version-check cfn-lint
fi
# koban collect's end-to-end test (crates/cli/tests/collect.rs) runs against moto's server mode,
# populated through boto3.
if ! python3 -c 'import moto.server, boto3' >/dev/null 2>&1; then
    echo "test: pip install 'moto[server]' (AWS API peer of koban collect)" >&2
    python3 -m pip install --quiet --disable-pip-version-check 'moto[server]'
fi
export KOBAN_DIFF_CASES=${KOBAN_DIFF_CASES:-10000}
# `koban/cluster` builds the Ballista scale-out too, so crates/cli/tests/cluster.rs starts a
# scheduler and an executor on localhost and compares their findings with the embedded run's.
cargo test --release --workspace --locked --features koban/cluster
