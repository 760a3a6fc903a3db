#!/usr/bin/env bash
# koban policy benchmark — the one command:
#
#     bash bench/policy.sh [REQUESTS]           (default 100000)
#
# 1. Generates REQUESTS typical policy requests (koban-bench policy-requests, seeded) in the
#    iam-simulate peer's JSON Lines format: role sessions reading secrets, objects, keys,
#    parameters and queues, assuming roles, with identity policies, boundaries, resource
#    policies, SCP levels, RCPs and endpoint policies; identity policies are those of 960 roles
#    (8 per target, account and team), so documents recur as in one landing zone.
# 2. Runs the same file through `koban policy simulate --no-explain` and with explanations
#    (best of 3 each; koban answers on every core and prints how many threads it used) and
#    through the peer (`node ../shared/peers/iam-simulate/simulate.mjs --no-raw`, one run: it
#    takes minutes), each as one process reading the file and writing one answer per line.
#    `--no-explain` and `--no-raw` both answer with the decision only, so that pair is the
#    ratio checked against the target. Prints wall time, each side's start-up (an empty file),
#    CPU time, throughput with and without start-up, per thread and per CPU-second, the
#    ratios, and how many decisions agree.
# 3. Prints koban's in-process evaluation rate on one core (requests built once, `decide`
#    repeated: koban-bench policy-eval), warm (64 requests at a time, in the CPU caches;
#    checked against the target) and cold (cycling through all of them).
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
# KOBAN_BENCH_POLICIES (10000), KOBAN_BENCH_KOBAN (measure that koban binary instead of
# building one).
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

if [ -n "${KOBAN_BENCH_KOBAN:-}" ]; then
    KOBAN=$KOBAN_BENCH_KOBAN
    echo "building koban-bench (release); measuring $KOBAN…" >&2
    bash bench/build.sh --quiet
else
    echo "building koban and koban-bench (release)…" >&2
    bash bench/build.sh --quiet
fi

mkdir -p "$OUT"
REQ=$OUT/requests-v2-$N-$SEED.jsonl   # v2: identity policies from a fixed population of roles
[ -s "$REQ" ] || "$BENCH" policy-requests --count "$N" --seed "$SEED" --out "$REQ"

# One timed run: wall, user and system seconds of a command (GNU time) into $1.
timed() {
    local out=$1; shift
    /usr/bin/time -o "$out" -f '%e %U %S' "$@"
}
field() { awk -v i="$2" '{ print $i }' "$1"; }
cpu() { awk '{ printf "%.3f", $2 + $3 }' "$1"; }

# Start-up of each side (an empty request file), reported and subtracted below.
: > "$OUT/empty.jsonl"
timed "$OUT/koban-startup.time" "$KOBAN" policy simulate "$OUT/empty.jsonl" > /dev/null 2>&1
timed "$OUT/peer-startup.time" node "$PEER/simulate.mjs" --no-raw < "$OUT/empty.jsonl" > /dev/null

# Best of 3 runs of `koban policy simulate [flags]` into $OUT/koban$2.time (answers kept).
koban_best() {
    local flags=$1 tag=$2 best="" i
    for i in 1 2 3; do
        # shellcheck disable=SC2086
        timed "$OUT/koban$tag-$i.time" "$KOBAN" policy simulate $flags "$REQ" > "$OUT/koban$tag-answers.jsonl" 2> "$OUT/koban.err" \
            || die "koban policy simulate failed: $(cat "$OUT/koban.err")"
        if [ -z "$best" ] || awk -v a="$(field "$OUT/koban$tag-$i.time" 1)" -v b="$(field "$best" 1)" 'BEGIN { exit !(a < b) }'; then
            best=$OUT/koban$tag-$i.time
        fi
    done
    cp "$best" "$OUT/koban$tag.time"
}
echo "koban policy simulate --no-explain: $N requests, best of 3…" >&2
koban_best --no-explain ""
THREADS=$(sed -n 's/.* on \([0-9]*\) thread(s).*/\1/p' "$OUT/koban.err")
THREADS=${THREADS:-1}
echo "koban policy simulate (with explanations): $N requests, best of 3…" >&2
koban_best "" -explain
echo "peer (node simulate.mjs --no-raw): $N requests, one run…" >&2
timed "$OUT/peer.time" node "$PEER/simulate.mjs" --no-raw < "$REQ" > "$OUT/peer-answers.jsonl" || die "the peer failed"

KS=$(field "$OUT/koban.time" 1); PS=$(field "$OUT/peer.time" 1)
KC=$(cpu "$OUT/koban.time"); PC=$(cpu "$OUT/peer.time")
KU=$(field "$OUT/koban-startup.time" 1); PU=$(field "$OUT/peer-startup.time" 1)
KR=$(rate "$N" "$KS"); PR=$(rate "$N" "$PS")
KX=$(awk -v n="$N" -v s="$KS" -v u="$KU" 'BEGIN { d = s - u; if (d <= 0) d = s; printf "%.0f", n / d }')
PX=$(awk -v n="$N" -v s="$PS" -v u="$PU" 'BEGIN { d = s - u; if (d <= 0) d = s; printf "%.0f", n / d }')
KPC=$(awk -v r="$KR" -v t="$THREADS" 'BEGIN { printf "%.0f", r / t }')
KCR=$(rate "$N" "$KC"); PCR=$(rate "$N" "$PC")
RATIO=$(awk -v k="$KR" -v p="$PR" 'BEGIN { printf "%.1f", k / p }')
RATIO_X=$(awk -v k="$KX" -v p="$PX" 'BEGIN { printf "%.1f", k / p }')
RATIO_CORE=$(awk -v k="$KPC" -v p="$PR" 'BEGIN { printf "%.1f", k / p }')
RATIO_CPU=$(awk -v k="$KCR" -v p="$PCR" 'BEGIN { printf "%.1f", k / p }')
KES=$(field "$OUT/koban-explain.time" 1); KEC=$(cpu "$OUT/koban-explain.time")
KER=$(rate "$N" "$KES"); KECR=$(rate "$N" "$KEC")
KEPC=$(awk -v r="$KER" -v t="$THREADS" 'BEGIN { printf "%.0f", r / t }')
KEX=$(awk -v n="$N" -v s="$KES" -v u="$KU" 'BEGIN { d = s - u; if (d <= 0) d = s; printf "%.0f", n / d }')
RATIO_E=$(awk -v k="$KER" -v p="$PR" 'BEGIN { printf "%.1f", k / p }')
AGREE=$("$BENCH" policy-agree "$OUT/koban-answers.jsonl" "$OUT/peer-answers.jsonl")
AGREE_E=$("$BENCH" policy-agree "$OUT/koban-explain-answers.jsonl" "$OUT/koban-answers.jsonl")
EVAL=$("$BENCH" policy-eval "$REQ")
EPS=$(echo "$EVAL" | sed -n 's/.* evaluations_per_second=\([0-9]*\).*/\1/p')
WEPS=$(echo "$EVAL" | sed -n 's/.*warm_evaluations_per_second=\([0-9]*\).*/\1/p')

ACC=$OUT/iam-v2-$ROLES-$POLICIES-$SEED   # v2: the secret policy lets callers outside VPCs in
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
echo "| run | requests | threads | wall s | start-up s | CPU s | requests/s | requests/s w/o start-up | requests/s per thread | requests per CPU-second |"
echo "|---|---|---|---|---|---|---|---|---|---|"
echo "| koban policy simulate --no-explain (best of 3) | $(fmt "$N") | $THREADS | $KS | $KU | $KC | $(fmt "$KR") | $(fmt "$KX") | $(fmt "$KPC") | $(fmt "$KCR") |"
echo "| koban policy simulate, with explanations (best of 3) | $(fmt "$N") | $THREADS | $KES | $KU | $KEC | $(fmt "$KER") | $(fmt "$KEX") | $(fmt "$KEPC") | $(fmt "$KECR") |"
echo "| peer simulate.mjs --no-raw (one run) | $(fmt "$N") | 1 | $PS | $PU | $PC | $(fmt "$PR") | $(fmt "$PX") | $(fmt "$PR") | $(fmt "$PCR") |"
echo
echo "koban --no-explain / peer --no-raw (both decisions only): ${RATIO}x wall ($(pass "$RATIO" 100 ge) target ≥ 100x); ${RATIO_X}x without start-up; ${RATIO_CORE}x per thread; ${RATIO_CPU}x per CPU-second"
echo "koban with explanations / peer --no-raw: ${RATIO_E}x wall"
echo "decisions, koban vs peer: $AGREE; koban with vs without explanations: $AGREE_E"
echo "koban in-process decide, one core: $(fmt "$WEPS") evaluations/s warm ($(pass "$WEPS" 1000000 ge) target ≥ 1,000,000), $(fmt "$EPS") cold [$EVAL]"
echo "koban who-can, $ROLES roles and $POLICIES managed policies: ${WHO_MS} ms wall, best of 3 ($(pass "$WHO_MS" 1000 le) target ≤ 1000 ms); $PRINCIPALS; $TIMINGS"
