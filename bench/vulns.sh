#!/usr/bin/env bash
# Vulnerability benchmark: generate a full-ecosystem-sized OSV export (the shared RustSec and
# Go corpora plus seeded generated advisories of the same shape, as all.zip), import it into
# koban's vulnerability database, then match 10,000 packages with koban's indexed lookup and
# with a naive scan-every-advisory baseline; prints the table and the ratio.
#
#   bash bench/vulns.sh [ADVISORIES=100000] [PACKAGES=10000] [SEED=42]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash bench/build.sh --quiet
"${CARGO_TARGET_DIR:-target}/release/examples/bench" "${1:-100000}" "${2:-10000}" "${3:-42}" bench/out/vulns
