//! Prints the SQL of koban's port-scan and brute-force plans (default thresholds), one
//! statement per line, so that bench/detect.sh runs exactly the same SQL on DuckDB.

use koban_detect::detectors::flow::{brute_force_sql, portscan_sql};
use koban_detect::detectors::Params;

fn main() {
    let p = Params::default();
    println!("{}", portscan_sql(p.portscan_window_s, p.portscan_ports).replace('\n', " "));
    println!("{}", brute_force_sql(p.brute_force_window_s, p.brute_force_connections).replace('\n', " "));
}
