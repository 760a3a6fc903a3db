"""DuckDB peer of bench/detect.sh: loads the flow-log files (AWS's default text format) into
a table with the columns koban's port-scan and brute-force plans read, runs the same two SQL
statements (one per line of SQL_FILE) with THREADS threads, and prints the distinct
(interface, source, destination[, port]) of the results as JSON.

    python3 bench/detect_duckdb.py FLOW_DIR SQL_FILE THREADS
"""
import json
import sys

import duckdb

flow_dir, sql_file, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
portscan_sql, brute_sql = [l for l in open(sql_file).read().splitlines() if l.strip()]
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
columns = {
    "version": "INTEGER", "account_id": "VARCHAR", "interface_id": "VARCHAR", "srcaddr": "VARCHAR",
    "dstaddr": "VARCHAR", "srcport": "INTEGER", "dstport": "INTEGER", "protocol": "INTEGER",
    "packets": "BIGINT", "bytes": "BIGINT", "start": "BIGINT", "end": "BIGINT", "action": "VARCHAR",
    "log_status": "VARCHAR",
}
con.execute(
    f"""CREATE TABLE flows AS SELECT interface_id, srcaddr, dstaddr, srcport, dstport, protocol, "start", "end", action,
           CAST(NULL AS VARCHAR) AS flow_direction
        FROM read_csv('{flow_dir}/*.log', delim = ' ', header = true, nullstr = '-', columns = {columns!r})"""
)
scans = con.execute(portscan_sql).fetchall()
brute = con.execute(brute_sql).fetchall()
print(json.dumps({
    "version": duckdb.__version__,
    "portscan": sorted({(r[0], r[1], r[2]) for r in scans}),
    "brute_force": sorted({(r[0], r[1], r[2], r[3]) for r in brute}),
}))
