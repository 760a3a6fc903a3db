#!/usr/bin/env bash
# koban report benchmark: how long `koban report` takes on a synthetic organisation, and how
# the page behaves in headless Chromium.
#
#     bash bench/report.sh [SIZE...]        (default: 10k)
#
# For each SIZE (1k, 10k, 100k, 2500, ...) it generates the organisation if missing (the same
# generator and cache as bench/run.sh: bench/out/<size>/), then measures
#   1. `koban report bench/out/<size> -o bench/out/<size>/report.html --timings` under GNU time:
#      wall seconds, peak RSS, the load/analysis/output split, the page's size;
#   2. for reference, `koban check` and `koban exposure` on the same input (the analyses the
#      report contains) and the ratio of the report's time to their sum;
#   3. when Node.js, Chromium and crates/report/tests/browser/node_modules are present: the
#      page in headless Chromium (crates/report/tests/browser/check.mjs) — load time, and the
#      time to expand and collapse a VPC and an account and to pick a path.
# Target (issue 9): the 10k-ENI report in <= 10 s, and the page stays responsive.
#
# Environment: CARGO_TARGET_DIR (default target/), KOBAN_BENCH_SEED (default 42),
# KOBAN_BENCH_KOBAN (measure this koban binary instead of building one).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-target}
KOBAN=${KOBAN_BENCH_KOBAN:-$TARGET_DIR/release/koban}
T_REPORT_S=10
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10k)

die() { echo "bench/report: error: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is needed"
command -v dot >/dev/null || die "Graphviz's dot is needed by koban report (apt-get install graphviz)"

if [ -z "${KOBAN_BENCH_KOBAN:-}" ]; then
    echo "bench/report: building koban (release)..." >&2
    bash bench/build.sh >&2 || die "cargo build failed"
fi

# seconds and peak RSS (MiB) of a command, from GNU time; stdout discarded, koban exit 0/1 accepted
measure() {
    local tf; tf=$(mktemp)
    set +e
    /usr/bin/time -f '%e %M' -o "$tf" "$@" >/dev/null 2>"$tf.err"
    local rc=$?
    set -e
    if [ $rc -gt 1 ]; then cat "$tf.err" >&2; rm -f "$tf" "$tf.err"; die "$* exited $rc"; fi
    local secs rss; read -r secs rss < <(tail -1 "$tf")
    grep '^koban-timings' "$tf.err" > "$tf.timings" || true
    echo "$secs $((rss / 1024)) $(cat "$tf.timings")"
    rm -f "$tf" "$tf.err" "$tf.timings"
}

for size in "${sizes[@]}"; do
    dir=bench/out/$size
    if [ ! -d "$dir/snapshot" ]; then
        echo "bench/report: generating $size..." >&2
        bash bench/run.sh --no-koban "$size" >&2
    fi
    html=$dir/report.html
    read -r rsecs rrss rtim < <(measure "$KOBAN" report "$dir" -o "$html" --timings)
    read -r csecs _ _ < <(measure "$KOBAN" check "$dir")
    read -r esecs _ _ < <(measure "$KOBAN" exposure "$dir" --format json)
    bytes=$(stat -c %s "$html")
    ratio=$(awk -v r="$rsecs" -v c="$csecs" -v e="$esecs" 'BEGIN { printf "%.2f", r / (c + e) }')
    verdict=$(awk -v r="$rsecs" -v t="$T_REPORT_S" 'BEGIN { print (r <= t) ? "PASS" : "MISS" }')
    echo "size=$size report_s=$rsecs peak_rss_mib=$rrss html_mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }') check_s=$csecs exposure_s=$esecs ratio_to_check_plus_exposure=$ratio target_${T_REPORT_S}s=$verdict"
    echo "  $rtim"
    browser=crates/report/tests/browser
    if command -v node >/dev/null && [ -x /usr/bin/chromium ] && [ -d "$browser/node_modules/playwright-core" ]; then
        expect=$(mktemp)
        echo "{\"name\":\"report-$size\",\"expand\":true,\"collapsed\":true}" > "$expect"
        node "$browser/check.mjs" --html "$html" --expect "$expect" --out "$dir/report-artifacts" | sed 's/^/  browser: /'
        rm -f "$expect"
    else
        echo "  browser: skipped (needs node, /usr/bin/chromium and npm ci in $browser)"
    fi
done
