#!/usr/bin/env bash
# Detection benchmark — the one command:
#
#     bash bench/detect.sh [MEGABYTES=1100] [THREADS=nproc] [SEED=42]
#
# 1. Flow logs: generates MEGABYTES of seeded, realistic VPC flow logs (AWS's default text
#    format, crates/detect/examples/gen_flows.rs) into bench/out/detect/flows (cached per
#    size and seed), then times koban's port-scan + brute-force detection
#    (`koban detect --detectors portscan,brute-force`) and DuckDB (`pip install duckdb`)
#    loading the same files and running the same two SQL statements (printed by
#    crates/detect/examples/detect_sql.rs) with the same thread count. Both timings are wall
#    clock of the whole job (read, parse, plan, run), best of 3. Prints both, the ratio
#    (DuckDB time / koban time) and koban's MB/s per core, and checks both found the same
#    scans and brute-force attacks.
# 2. Sigma: the SigmaHQ AWS rules (../shared/corpora/sigma/aws) over the CloudTrail corpora
#    (Stratus + Invictus, 3,210 records, repeated to 100x as JSON Lines) with koban
#    (`koban detect --detectors sigma`) and the rsigma CLI (`cargo install rsigma` into
#    bench/out/tools), best of 3, and the ratio; and checks both count the same matches.
#    `rsigma engine eval` reads and evaluates events on one thread (it has no thread option),
#    so the ratio compares it with koban on one thread (`--threads 1`); koban on THREADS
#    threads is printed beside it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MB=${1:-1100}
THREADS=${2:-$(nproc)}
SEED=${3:-42}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
KOBAN=$TARGET_DIR/release/koban
OUT=bench/out/detect
SHARED=../shared/corpora
mkdir -p "$OUT"

# The workspace's feature set (as CI builds it), so that an existing release build is reused.
bash bench/build.sh --quiet
if ! python3 -c 'import duckdb' 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check duckdb
fi
RSIGMA=bench/out/tools/bin/rsigma
if [ ! -x "$RSIGMA" ]; then
    cargo install --quiet --locked rsigma --version 0.23.0 --no-default-features --features cef --root bench/out/tools
fi

best_of_3() { # prints the best wall time in seconds of "$@" (stdout to $LAST_OUT)
    local best=""
    for _ in 1 2 3; do
        local t0 t1 t
        t0=$(date +%s.%N)
        "$@" > "$LAST_OUT"
        t1=$(date +%s.%N)
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    echo "$best"
}

# ---- flow logs: koban vs DuckDB ---------------------------------------------------------
FLOWS=$OUT/flows-$MB-$SEED
if [ ! -f "$FLOWS.done" ]; then
    rm -rf "$FLOWS"
    "$TARGET_DIR/release/examples/gen_flows" "$FLOWS" "$MB" "$SEED" > "$FLOWS.gen.json"
    touch "$FLOWS.done"
fi
BYTES=$(du -sb "$FLOWS" | cut -f1)
"$TARGET_DIR/release/examples/detect_sql" > "$OUT/detect.sql"

LAST_OUT=$OUT/koban-flows.json
K_S=$(best_of_3 "$KOBAN" detect --no-store --format json --threads "$THREADS" --detectors portscan,brute-force --logs "$FLOWS")
LAST_OUT=$OUT/duckdb-flows.json
D_S=$(best_of_3 python3 bench/detect_duckdb.py "$FLOWS" "$OUT/detect.sql" "$THREADS")

python3 - "$OUT/koban-flows.json" "$OUT/duckdb-flows.json" "$BYTES" "$K_S" "$D_S" "$THREADS" "$FLOWS.gen.json" <<'EOF'
import json, sys
k = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))
size, ks, ds, threads = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
gen = json.load(open(sys.argv[7]))
scans = {(f["evidence"]["interface_id"], f["evidence"]["srcaddr"], f["evidence"]["dstaddr"]) for f in k["findings"] if f["type"] in ("Recon:EC2/Portscan", "koban:Recon/InboundPortscan")}
brute = {(f["evidence"]["interface_id"], f["evidence"]["srcaddr"], f["evidence"]["dstaddr"], f["evidence"]["dstport"]) for f in k["findings"] if "BruteForce" in f["type"]}
same = scans == {tuple(x) for x in d["portscan"]} and brute == {tuple(x) for x in d["brute_force"]}
mb = size / 1e6
print(f"flow logs: {mb:,.0f} MB, {gen['records']:,} records, {gen['files']} files, {threads} threads (seed {gen['seed']}; injected {gen['portscans']} scans, {gen['brute_forces']} brute-force attacks)")
print(f"| engine | seconds (best of 3) | MB/s | MB/s per core | port scans | brute force |")
print(f"|---|---|---|---|---|---|")
print(f"| koban | {ks:.2f} | {mb/ks:,.0f} | {mb/ks/threads:,.0f} | {len(scans)} | {len(brute)} |")
print(f"| DuckDB {d['version']} | {ds:.2f} | {mb/ds:,.0f} | {mb/ds/threads:,.0f} | {len(d['portscan'])} | {len(d['brute_force'])} |")
print(f"ratio (DuckDB time / koban time): {ds/ks:.2f}x (goal >= 1.0x); koban per core: {mb/ks/threads:,.0f} MB/s (goal >= 200); same findings: {same}")
if not same:
    sys.exit("koban and DuckDB disagree")
EOF

# ---- Sigma: koban vs rsigma -----------------------------------------------------------------
EVENTS=$OUT/cloudtrail-100x.jsonl
if [ ! -f "$EVENTS" ]; then
    python3 - "$SHARED/cloudtrail" "$EVENTS" <<'EOF'
import json, os, sys
recs = []
for root, _, files in os.walk(sys.argv[1]):
    for f in sorted(files):
        if not f.endswith(".json"):
            continue
        doc = json.load(open(os.path.join(root, f)))
        recs.extend(doc["Records"] if isinstance(doc, dict) else doc)
with open(sys.argv[2], "w") as out:
    for _ in range(100):
        for r in recs:
            out.write(json.dumps(r, separators=(",", ":")) + "\n")
print(len(recs), "records x 100", file=sys.stderr)
EOF
fi
EV_BYTES=$(stat -c %s "$EVENTS")
LAST_OUT=$OUT/koban-sigma-1.json
KS1_S=$(best_of_3 "$KOBAN" detect --no-store --format json --threads 1 --detectors sigma --rules "$SHARED/sigma/aws" --logs "$EVENTS")
LAST_OUT=$OUT/koban-sigma.json
KS_S=$(best_of_3 "$KOBAN" detect --no-store --format json --threads "$THREADS" --detectors sigma --rules "$SHARED/sigma/aws" --logs "$EVENTS")
LAST_OUT=$OUT/rsigma.jsonl
RS_S=$(best_of_3 "$RSIGMA" engine eval --rules "$SHARED/sigma/aws" --event "@$EVENTS" --output-format ndjson --quiet)
python3 - "$OUT/koban-sigma-1.json" "$OUT/koban-sigma.json" "$OUT/rsigma.jsonl" "$EV_BYTES" "$KS1_S" "$KS_S" "$RS_S" "$THREADS" <<'EOF'
import json, sys
def matches(path):
    k = json.load(open(path))
    return k, sum(f["count"] for f in k["findings"] if f["type"].startswith("koban:Sigma/"))
k1, k1matches = matches(sys.argv[1])
k, kmatches = matches(sys.argv[2])
rmatches = sum(1 for l in open(sys.argv[3]) if l.strip().startswith("{"))
mb, ks1, ks, rs, threads = int(sys.argv[4]) / 1e6, float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8])
print(f"sigma: {len(k['findings'])} findings; {k['sigma']['rules']} rules; {mb:,.0f} MB of CloudTrail JSON Lines ({k['read']['cloudtrail']['records']:,} records)")
print("| engine | threads | seconds (best of 3) | MB/s per core | matches |")
print("|---|---|---|---|---|")
print(f"| koban | 1 | {ks1:.2f} | {mb/ks1:,.0f} | {k1matches} |")
print(f"| koban | {threads} | {ks:.2f} | {mb/ks/threads:,.0f} | {kmatches} |")
print(f"| rsigma 0.23.0 | 1 | {rs:.2f} | {mb/rs:,.0f} | {rmatches} |")
print(f"ratio (rsigma time / koban time, both on 1 thread): {rs/ks1:.2f}x (goal >= 1.0x); with koban on {threads} threads: {rs/ks:.2f}x; same match count: {k1matches == kmatches == rmatches}")
EOF
