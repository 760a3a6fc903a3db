#!/usr/bin/env bash
# koban network benchmark — the one command:
#
#     bash bench/run.sh [--no-koban] [SIZE...]        (default sizes: 1k 10k 100k)
#
# SIZE is an ENI count: 1k, 10k, 100k, 2500, ... For each size it generates a synthetic
# organisation into bench/out/<size>/ (cached: regenerated only when the seed, the size or
# the generator's sources change), measures the serde_json parse floor of those files, runs
# `koban exposure` and one `koban reach` on them, and prints a table plus PASS/MISS against
# the 100k targets. See bench/README.md for the columns.
#
# Exit status: 0 when every command ran (even if targets are missed — this is a measurement,
# not a gate); non-zero when a build, the generator or koban fails.
#
# Environment: KOBAN_BENCH_SEED (default 42), KOBAN_BENCH_REPEAT (parse-floor repetitions,
# default 3), CARGO_TARGET_DIR (default target/), KOBAN_BENCH_KOBAN (measure this koban
# binary instead of building the workspace's).
# --no-koban: only generate and measure the parse floor (koban columns show "-").
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SEED=${KOBAN_BENCH_SEED:-42}
REPEAT=${KOBAN_BENCH_REPEAT:-3}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BENCH=$TARGET_DIR/release/koban-bench
KOBAN=${KOBAN_BENCH_KOBAN:-$TARGET_DIR/release/koban}
OUT=bench/out

# targets at 100k ENIs
T_EXPOSURE_MS=10000
T_RATIO=3
T_RSS_MIB=2048
T_REACH_MS=100

die() { echo "bench: error: $*" >&2; exit 1; }

run_koban=1
sizes=()
for arg in "$@"; do
    case $arg in
        --no-koban) run_koban=0 ;;
        -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $arg (try --help)" ;;
        *) sizes+=("$arg") ;;
    esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(1k 10k 100k)

# "10k" -> 10000
to_enis() {
    case $1 in
        *[kK]) [[ ${1%?} =~ ^[0-9]+$ ]] && echo $((${1%?} * 1000)) ;;
        *[mM]) [[ ${1%?} =~ ^[0-9]+$ ]] && echo $((${1%?} * 1000000)) ;;
        *) [[ $1 =~ ^[0-9]+$ ]] && echo "$1" ;;
    esac
}
for s in "${sizes[@]}"; do
    [ -n "$(to_enis "$s")" ] || die "bad size '$s' (expected e.g. 1k, 10k, 100k or 2500)"
done

[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is needed to measure peak RSS"
if [ $run_koban = 1 ] && [ -n "${KOBAN_BENCH_KOBAN:-}" ]; then
    [ -x "$KOBAN_BENCH_KOBAN" ] || die "KOBAN_BENCH_KOBAN=$KOBAN_BENCH_KOBAN is not executable"
fi

echo "bench: building (release)..." >&2
bash bench/build.sh || die "cargo build failed"

# The cache key: generator sources + size + seed.
src_hash=$(find bench/src bench/Cargo.toml -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$OUT"

# field KEY: the number after ` KEY=` (or `KEY=` at the start of a line) on stdin
field() { sed -n "s/^\\(.* \\)\\{0,1\\}$1=\\([0-9.]*\\).*/\\2/p" | head -n1; }
# json_num KEY TEXT: the number after `"KEY":` in TEXT
json_num() { printf '%s\n' "$2" | sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\\([-0-9.eE+]*\\).*/\\1/p" | head -n1; }
# json_str KEY FILE: the string after `"KEY":` in FILE
json_str() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" "$2" | head -n1; }

# run_koban NAME OUTFILE ARGS...: runs koban with --timings under GNU time; sets
# K_LOAD_MS, K_ANALYSIS_MS, K_RSS_KIB, K_WALL_S. Exit codes 0 and 1 are answers (1 = findings).
run_koban() {
    local name=$1 out=$2
    shift 2
    local err=$tmp/$name.err tim=$tmp/$name.time rc=0
    /usr/bin/time -f '%M %e' -o "$tim" "$KOBAN" "$@" --timings >"$out" 2>"$err" || rc=$?
    if [ $rc -gt 1 ]; then
        echo "bench: error: koban $name failed with exit status $rc:" >&2
        echo "    $KOBAN $* --timings" >&2
        tail -n 20 "$err" | sed 's/^/    | /' >&2
        exit 1
    fi
    local line
    line=$(grep -m1 '^koban-timings ' "$err") || {
        echo "bench: error: koban $name printed no 'koban-timings {...}' line on stderr" >&2
        echo "    (does this koban support the global --timings flag?)" >&2
        tail -n 20 "$err" | sed 's/^/    | /' >&2
        exit 1
    }
    K_LOAD_MS=$(json_num load_ms "$line")
    K_ANALYSIS_MS=$(json_num analysis_ms "$line")
    [ -n "$K_LOAD_MS" ] && [ -n "$K_ANALYSIS_MS" ] || die "cannot read timings from: $line"
    read -r K_RSS_KIB K_WALL_S < <(tail -n1 "$tim")
}

results=$tmp/results.tsv
: >"$results"
for size in "${sizes[@]}"; do
    enis=$(to_enis "$size")
    dir=$OUT/$size
    stampfile=$OUT/$size.gen
    stamp="enis=$enis seed=$SEED src=$src_hash"
    if [ -d "$dir" ] && [ -f "$stampfile" ] && [ "$(head -n1 "$stampfile")" = "$stamp" ]; then
        echo "bench: $size: using cached $dir" >&2
    else
        echo "bench: $size: generating $dir ..." >&2
        rm -rf "$dir" "$stampfile"
        "$BENCH" gen --enis "$enis" --seed "$SEED" --out "$dir" 2>"$tmp/gen.err" || {
            cat "$tmp/gen.err" >&2
            die "koban-bench gen failed for $size"
        }
        cat "$tmp/gen.err" >&2
        { echo "$stamp"; cat "$tmp/gen.err"; } >"$stampfile"
    fi
    real_enis=$(tail -n +2 "$stampfile" | field enis)

    echo "bench: $size: parse floor (best of $REPEAT) ..." >&2
    "$BENCH" parse-floor "$dir/snapshot" --repeat "$REPEAT" >"$tmp/floor" || die "parse-floor failed for $size"
    floor_ms=$(field parse_floor_ms <"$tmp/floor")
    files=$(field files <"$tmp/floor")
    bytes=$(field bytes <"$tmp/floor")

    load_ms=- expo_ms=- check_ms=- reach_ms=- rss_mib=- reach_ok=-
    if [ $run_koban = 1 ]; then
        echo "bench: $size: koban exposure ..." >&2
        run_koban exposure /dev/null exposure "$dir/snapshot" --format json
        load_ms=$K_LOAD_MS expo_ms=$K_ANALYSIS_MS rss_kib=$K_RSS_KIB

        echo "bench: $size: koban check (every landing-zone check) ..." >&2
        run_koban check /dev/null check "$dir/snapshot" --format json
        check_ms=$K_ANALYSIS_MS
        [ "$K_RSS_KIB" -gt "$rss_kib" ] && rss_kib=$K_RSS_KIB

        from=$(json_str reach_from "$dir/bench-queries.json")
        to=$(json_str reach_to "$dir/bench-queries.json")
        [ -n "$from" ] && [ -n "$to" ] || die "$dir/bench-queries.json lacks reach_from/reach_to"
        echo "bench: $size: koban reach $from -> $to tcp/443 ..." >&2
        run_koban reach "$tmp/reach.json" reach "$dir/snapshot" --from "$from" --to "$to" \
            --protocol tcp --port 443 --format json
        reach_ms=$K_ANALYSIS_MS
        [ "$K_RSS_KIB" -gt "$rss_kib" ] && rss_kib=$K_RSS_KIB
        rss_mib=$(awk -v k="$rss_kib" 'BEGIN { printf "%.0f", k / 1024 }')
        if grep -q '"reachable"[[:space:]]*:[[:space:]]*true' "$tmp/reach.json"; then
            reach_ok=yes
        else
            reach_ok=no
            echo "bench: warning: $size: koban says $from cannot reach $to on tcp/443; the" \
                "generator built that path to be open" >&2
        fi
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$real_enis" "$files" "$bytes" \
        "$floor_ms" "$load_ms" "$expo_ms" "$reach_ms" "$rss_mib" "$reach_ok" "$check_ms" >>"$results"
done

cp "$results" "$OUT/results.tsv"
echo
awk -F'\t' -v t_expo=$T_EXPOSURE_MS -v t_ratio=$T_RATIO -v t_rss=$T_RSS_MIB -v t_reach=$T_REACH_MS '
function num(x) { return x != "-" && x != "" }
function f(x, fmt) { return num(x) ? sprintf(fmt, x) : "-" }
BEGIN {
    hdr = "%-6s | %7s | %5s | %8s | %14s | %9s | %11s | %16s | %5s | %8s | %13s | %9s | %11s\n"
    printf hdr, "size", "ENIs", "files", "MB", "parse floor ms", "load ms", "exposure ms",
        "load+exposure ms", "ratio", "reach ms", "peak RSS MiB", "check ms", "check/expo"
    printf "%s\n", "-------+---------+-------+----------+----------------+-----------+-------------+------------------+-------+----------+---------------+-----------+------------"
}
{
    size[NR] = $1; enis[NR] = $2; floor = $5; load = $6; expo = $7
    total = (num(load) && num(expo)) ? load + expo : "-"
    ratio = (num(total) && floor > 0) ? total / floor : "-"
    chk = $11; cratio = (num(chk) && num(expo) && expo > 0) ? chk / expo : "-"
    tot[NR] = total; rat[NR] = ratio; ex[NR] = expo; rss[NR] = $9; reach[NR] = $8; ok[NR] = $10; cr[NR] = cratio; ck[NR] = chk
    printf hdr, $1, $2, $3, sprintf("%.1f", $4 / 1048576), sprintf("%.1f", floor), f(load, "%.1f"),
        f(expo, "%.1f"), f(total, "%.1f"), f(ratio, "%.2f"), f($8, "%.1f"), $9, f(chk, "%.1f"), f(cratio, "%.2f")
}
END {
    n = NR
    if (n >= 2 && num(tot[1]) && num(tot[n]) && tot[1] > 0) {
        g = (tot[n] / enis[n]) / (tot[1] / enis[1])
        printf "\nload+exposure per ENI, %s -> %s: x%.2f (1.00 = linear growth)\n", size[1], size[n], g
    }
    row = 0
    for (i = 1; i <= n; i++) if (enis[i] >= 98000 && enis[i] <= 102000) row = i
    if (!row) { print "\ntargets apply to the 100k row, which was not run"; exit }
    if (!num(ex[row])) { print "\ntargets: koban was not run (--no-koban)"; exit }
    printf "\ntargets at %s ENIs:\n", size[row]
    printf "  %-4s exposure %.0f ms <= %d ms\n", (ex[row] <= t_expo ? "PASS" : "MISS"), ex[row], t_expo
    printf "  %-4s (load+exposure)/parse floor %.2f <= %d\n", (rat[row] <= t_ratio ? "PASS" : "MISS"), rat[row], t_ratio
    printf "  %-4s peak RSS %d MiB <= %d MiB\n", (rss[row] <= t_rss ? "PASS" : "MISS"), rss[row], t_rss
    printf "  %-4s reach %.1f ms <= %d ms\n", (reach[row] <= t_reach ? "PASS" : "MISS"), reach[row], t_reach
    if (num(cr[row])) printf "  %-4s checks %.0f ms <= 2 x exposure (%.2f x)\n", (cr[row] <= 2 ? "PASS" : "MISS"), ck[row], cr[row]
    if (ok[row] == "no") print "  note: the reach query answered unreachable (expected reachable)"
}' "$results"
