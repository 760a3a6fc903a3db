#!/usr/bin/env bash
# koban infrastructure-as-code load benchmark — the one command:
#
#     bash bench/iac.sh [RESOURCES] [ENIS]          (defaults: 5000 resources, 100000 ENIs)
#
# Generates a CloudFormation template of RESOURCES resources (YAML, short-form tags) and the
# seeded synthetic organisation of ENIS interfaces rendered as Terraform state (the JSON of
# `terraform show -json`), into bench/out/iac/; then times koban loading each into a twin
# beside merely parsing the same text (YAML events with saphyr-parser; serde_json into a
# Value), best of KOBAN_BENCH_REPEAT runs (default 3), and prints the table with the ratio
# (goal: load <= 2x the parse floor).
#
# Environment: KOBAN_BENCH_SEED (default 42), KOBAN_BENCH_REPEAT, CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RESOURCES=${1:-5000}
ENIS=${2:-100000}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
bash bench/build.sh --quiet
"$TARGET_DIR/release/koban-bench" iac --resources "$RESOURCES" --enis "$ENIS" --seed "${KOBAN_BENCH_SEED:-42}" \
    --repeat "${KOBAN_BENCH_REPEAT:-3}" --out bench/out/iac
