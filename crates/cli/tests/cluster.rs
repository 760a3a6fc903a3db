//! Scale-out (feature `cluster`): starts an Apache Ballista scheduler and executor in this
//! test process on free localhost ports, runs `koban detect --cluster df://localhost:PORT` on
//! the attack fixtures and the landing zone, and asserts the findings (ids, counts, times) and
//! the inspection view equal the embedded run's.
#![cfg(feature = "cluster")]

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/detect").join(name).display().to_string()
}

fn run(extra: &[&str]) -> Value {
    let twin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/landing-zone").display().to_string();
    let list = format!("c2={}", fixture("threats-c2.txt"));
    let out = Command::new(env!("CARGO_BIN_EXE_koban"))
        .args(["detect", "--format", "json", "--no-store", "--threat-list", &list, "--twin", &twin, "--logs"])
        .args(
            [
                "flow-portscan.log",
                "flow-ssh-bruteforce.log",
                "flow-c2.log",
                "flow-landing-zone-bypass.log",
                "resolver-exfiltration.log",
                "resolver-dga.log",
                "resolver-mixed.log",
            ]
            .map(fixture),
        )
        .args(extra)
        .output()
        .expect("koban runs");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json answer")
}

fn comparable(v: &Value) -> Value {
    let mut findings: Vec<Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| serde_json::json!([f["id"], f["type"], f["resource"], f["count"], f["first_seen"], f["last_seen"], f["severity"]]))
        .collect();
    findings.sort_by_key(|f| f.to_string());
    serde_json::json!({"findings": findings, "inspected": v["inspected"]})
}

#[test]
fn ballista_cluster_finds_what_the_embedded_engine_finds() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = rt.block_on(koban_detect::cluster::start_local_cluster(2)).expect("local Ballista cluster");
    let embedded = run(&[]);
    let cluster = run(&["--cluster", &url]);
    assert_eq!(cluster["engine"], url.as_str());
    assert!(embedded["findings"].as_array().unwrap().len() >= 8, "{embedded:#}");
    assert_eq!(comparable(&embedded), comparable(&cluster));
    drop(rt);
}
