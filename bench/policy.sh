#!/usr/bin/env bash
# koban policy benchmark — the one command:
#
#     bash bench/policy.sh [REQUESTS]           (default 100000)
#
# 1. Generates REQUESTS typical policy requests (koban-bench policy-requests, seeded) in the
#    iam-simulate peer's JSON Lines format: role sessions reading secrets, objects, keys,
#    parameters and queues, assuming roles, with identity policies, boundaries, resource
#    policies, SCP levels, RCPs and endpoint policies.
# 2. Runs the same file through `koban policy simulate` and through the peer
#    (`node ../shared/peers/iam-simulate/simulate.mjs --no-raw`), each as one process reading
#    the file and writing one answer per line, and prints both throughputs and the ratio, and
#    how many decisions agree.
# 3. Prints koban's in-process evaluation rate on one core (requests built once, `decide`
#    repeated: koban-bench policy-eval).
# 4. Generates an IAM account with 5,000 roles and 10,000 managed policies
#    (koban-bench iam-account) and times `koban who-can` on its secret.
#
# Targets: koban ≥ 100× the peer; ≥ 1,000,000 evaluations/s/core; who-can ≤ 1 s.
# Exit status: 0 when every command ran (a measurement, not a gate); non-zero when a build,
# a generator, koban or the peer fails. Needs node and `npm ci` in the peer's folder
# (scripts/test.sh installs it).
#
# Environment: KOBAN_BENCH_SEED (default 42), CARGO_TARGET_DIR (default target/),
# KOBAN_IAM_PEER_DIR (default ../shared/peers/iam-simulate), KOBAN_BENCH_ROLES (5000),
# KOBAN_BENCH_POLICIES (10000).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=${1:-100000}
SEED=${KOBAN_BENCH_SEED:-42}
ROLES=${KOBAN_BENCH_ROLES:-5000}
POLICIES=${KOBAN_BENCH_POLICIES:-10000}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
PEER=${KOBAN_IAM_PEER_DIR:-../shared/peers/iam-simulate}
OUT=bench/out/policy
KOBAN=$TARGET_DIR/release/koban
BENCH=$TARGET_DIR/release/koban-bench

die() { echo "bench/policy: error: $*" >&2; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
fmt() { printf "%'d" "$1" 2>/dev/null || printf "%d" "$1"; }

command -v node >/dev/null || die "node is needed for the peer (scripts/test.sh installs it)"
[ -d "$PEER/node_modules/@cloud-copilot/iam-simulate" ] || die "the peer is not installed: (cd $PEER && npm ci)"

echo "building koban and koban-bench (release)…" >&2
bash bench/build.sh --quiet

mkdir -p "$OUT"
REQ=$OUT/requests-$N-$SEED.jsonl
[ -s "$REQ" ] || "$BENCH" policy-requests --count "$N" --seed "$SEED" --out "$REQ"

echo "koban policy simulate: $N requests…" >&2
t0=$(now)
"$KOBAN" policy simulate "$REQ" > "$OUT/koban-answers.jsonl" 2>/dev/null
t1=$(now)
echo "peer (node simulate.mjs --no-raw): $N requests…" >&2
node "$PEER/simulate.mjs" --no-raw < "$REQ" > "$OUT/peer-answers.jsonl"
t2=$(now)

KS=$(secs "$t0" "$t1"); PS=$(secs "$t1" "$t2")
KR=$(rate "$N" "$KS"); PR=$(rate "$N" "$PS")
RATIO=$(awk -v k="$KR" -v p="$PR" 'BEGIN { printf "%.1f", k / p }')
AGREE=$("$BENCH" policy-agree "$OUT/koban-answers.jsonl" "$OUT/peer-answers.jsonl")
EVAL=$("$BENCH" policy-eval "$REQ")
EPS=$(echo "$EVAL" | sed -n 's/.*evaluations_per_second=\([0-9]*\).*/\1/p')

ACC=$OUT/iam-$ROLES-$POLICIES-$SEED
if [ ! -d "$ACC" ]; then
    "$BENCH" iam-account --roles "$ROLES" --policies "$POLICIES" --seed "$SEED" --out "$ACC" > "$OUT/iam-account.txt"
fi
SECRET="arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/payments/db-Xk3pQ9"
"$KOBAN" who-can "$ACC" --action secretsmanager:GetSecretValue --resource "$SECRET" --format json > /dev/null 2>&1 || true   # warm the page cache
best=""
for _ in 1 2 3; do
    t0=$(now)
    code=0
    "$KOBAN" who-can "$ACC" --action secretsmanager:GetSecretValue --resource "$SECRET" --format json --timings \
        > "$OUT/who-can.json" 2> "$OUT/who-can.err" || code=$?
    t1=$(now)
    [ "$code" -le 1 ] || die "koban who-can failed ($code): $(cat "$OUT/who-can.err")"
    s=$(secs "$t0" "$t1")
    best=$(awk -v a="${best:-$s}" -v b="$s" 'BEGIN { print (b < a ? b : a) }')
done
WHO_MS=$(awk -v s="$best" 'BEGIN { printf "%.0f", s * 1000 }')
TIMINGS=$(grep koban-timings "$OUT/who-can.err" || true)
PRINCIPALS=$(node -e 'const a = JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(`${a.principals.length} principal(s) can, ${a.evaluated} of ${a.considered} evaluated`)' "$OUT/who-can.json")

pass() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN { ok = (dir == "ge") ? v >= t : v <= t; print ok ? "PASS" : "MISS" }'; }
echo
echo "| run | requests | seconds | requests/s |"
echo "|---|---|---|---|"
echo "| koban policy simulate | $(fmt "$N") | $KS | $(fmt "$KR") |"
echo "| peer simulate.mjs --no-raw | $(fmt "$N") | $PS | $(fmt "$PR") |"
echo
echo "koban / peer: ${RATIO}x ($(pass "$RATIO" 100 ge) target ≥ 100x); decisions: $AGREE"
echo "koban in-process decide, one core: $(fmt "$EPS") evaluations/s ($(pass "$EPS" 1000000 ge) target ≥ 1,000,000) [$EVAL]"
echo "koban who-can, $ROLES roles and $POLICIES managed policies: ${WHO_MS} ms wall, best of 3 ($(pass "$WHO_MS" 1000 le) target ≤ 1000 ms); $PRINCIPALS; $TIMINGS"
