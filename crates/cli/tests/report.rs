//! `koban report` end to end: the report of the bundled landing zone (and of a damaged copy of
//! it) opened in headless Chromium (Debian's `chromium`, driven by the Node script in
//! crates/report/tests/browser/ with playwright-core). Needs Graphviz's `dot`, Node.js,
//! Chromium and `npm ci` in that directory (scripts/test.sh installs them); without them the
//! browser tests are skipped, unless KOBAN_REQUIRE_PEERS is set, when they fail.
//!
//! Screenshots go to target/report-artifacts/.

mod common;

use common::copy_dir;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn koban() -> Command {
    Command::new(env!("CARGO_BIN_EXE_koban"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example() -> PathBuf {
    root().join("examples/landing-zone")
}

fn artifacts() -> PathBuf {
    let d = root().join("target/report-artifacts");
    let _ = std::fs::create_dir_all(&d);
    d
}

fn browser_dir() -> PathBuf {
    root().join("crates/report/tests/browser")
}

/// What the browser tests need, or why they cannot run.
fn browser_ready() -> Result<(), String> {
    let dot = Command::new(std::env::var("KOBAN_DOT").unwrap_or_else(|_| "dot".into())).arg("-V").output();
    if dot.is_err() {
        return Err("Graphviz's dot is not installed (apt-get install graphviz)".into());
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Err("Node.js is not installed".into());
    }
    if !Path::new(&chromium()).exists() {
        return Err(format!("{} is missing (apt-get install chromium)", chromium()));
    }
    if !browser_dir().join("node_modules/playwright-core").is_dir() {
        return Err(format!("run npm ci in {}", browser_dir().display()));
    }
    Ok(())
}

fn chromium() -> String {
    std::env::var("KOBAN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// True when the browser tests can run; false (skip) otherwise, a failure under KOBAN_REQUIRE_PEERS.
fn require_browser() -> bool {
    match browser_ready() {
        Ok(()) => true,
        Err(why) => {
            if std::env::var_os("KOBAN_REQUIRE_PEERS").is_some() {
                panic!("KOBAN_REQUIRE_PEERS is set but the browser test cannot run: {why}");
            }
            eprintln!("skipping the browser test: {why}");
            false
        }
    }
}

/// Every `*.json` file under `dir`.
fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().map(|x| x == "json").unwrap_or(false) {
            out.push(p);
        }
    }
}

/// Ids read straight from the snapshot's AWS CLI files (not through koban): every subnet,
/// NAT gateway, Transit Gateway attachment and Gateway Load Balancer endpoint.
fn example_ids(snapshot: &Path) -> Vec<String> {
    let mut files = Vec::new();
    json_files(snapshot, &mut files);
    let mut ids = std::collections::BTreeSet::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else { continue };
        let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
        let list = |key: &str| v.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
        for s in list("Subnets") {
            ids.extend(s["SubnetId"].as_str().map(str::to_string));
        }
        for n in list("NatGateways") {
            ids.extend(n["NatGatewayId"].as_str().map(str::to_string));
        }
        for key in ["TransitGatewayAttachments", "TransitGatewayVpcAttachments"] {
            for a in list(key) {
                ids.extend(a["TransitGatewayAttachmentId"].as_str().map(str::to_string));
            }
        }
        for e in list("VpcEndpoints") {
            if e["VpcEndpointType"] == "GatewayLoadBalancer" {
                ids.extend(e["VpcEndpointId"].as_str().map(str::to_string));
            }
        }
    }
    ids.into_iter().collect()
}

fn run_browser(html: &Path, expect: &Value) -> Value {
    let name = expect["name"].as_str().unwrap_or("report").to_string();
    let expect_file = artifacts().join(format!("{name}.expect.json"));
    std::fs::write(&expect_file, expect.to_string()).expect("write the expectations");
    let out = Command::new("node")
        .arg(browser_dir().join("check.mjs"))
        .args(["--html", &html.display().to_string(), "--expect", &expect_file.display().to_string()])
        .args(["--out", &artifacts().display().to_string(), "--chromium", &chromium()])
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("browser ({name}): {stdout}{stderr}");
    assert!(out.status.success(), "the browser check of {name} failed:\n{stderr}");
    serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap_or(Value::Null)
}

fn reach_hops(from: &str, to: &str) -> (Vec<Value>, bool) {
    let out = koban()
        .arg("reach")
        .arg(example())
        .args(["--from", from, "--to", to, "--protocol", "tcp", "--port", "443", "--format", "json"])
        .output()
        .expect("run koban reach");
    let v: Value = serde_json::from_slice(&out.stdout).expect("reach JSON");
    let paths = v["paths"].as_array().cloned().unwrap_or_default();
    let inspected = !paths.is_empty() && paths.iter().all(|p| p["inspected"] == true);
    let hops = paths
        .iter()
        .flat_map(|p| p["hops"].as_array().cloned().unwrap_or_default())
        .map(|h| json!({ "resource": h["resource"], "interface": h.get("interface").cloned().unwrap_or(Value::Null) }))
        .collect();
    (hops, inspected)
}

#[test]
fn the_landing_zone_report_opens_in_chromium_and_draws_the_reach_paths() {
    let html = artifacts().join("landing-zone.html");
    let out = koban()
        .arg("report")
        .arg(example())
        .args(["--protocol", "tcp", "--port", "443", "-o"])
        .arg(&html)
        .output()
        .expect("run koban report");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "the example has findings: exit 1\n{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("landing-zone.html"));
    let page = std::fs::read_to_string(&html).expect("the report was written");
    assert!(page.contains("id=\"koban-data\""));
    if !require_browser() {
        return;
    }
    let (hops, inspected) = reach_hops("onprem", "i-0a1a2b3c4d5e6f7a1");
    assert!(!hops.is_empty(), "koban reach finds the on-premises path");
    let ids = example_ids(&example().join("snapshot"));
    assert!(ids.len() >= 16, "the example's subnets, NAT gateways, attachments and GWLB endpoints: {ids:?}");
    let metrics = run_browser(
        &html,
        &json!({
            "name": "landing-zone",
            "ids": ids,
            "pair": { "from": "onprem", "to": "i-0a1a2b3c4d5e6f7a1", "hops": hops, "inspected": inspected },
            "finding": { "source": "KBN-NET-001", "resource": "subnet-0aa0000000000a006" },
            "expand": true
        }),
    );
    assert!(metrics["highlighted_edges"].as_u64().unwrap_or(0) > 0);
    assert!(artifacts().join("landing-zone.png").is_file(), "screenshot saved");
}

#[test]
fn a_damaged_copy_still_renders_and_lists_what_could_not_be_read() {
    let dir = std::env::temp_dir().join(format!("koban-report-damaged-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&example(), &dir);
    let acct = dir.join("snapshot/111111111111/eu-west-1");
    // A truncated file, and a NAT gateway whose subnet is of the wrong type.
    let ngw = std::fs::read_to_string(acct.join("NatGateways.json")).expect("NatGateways.json");
    std::fs::write(acct.join("NatGateways.json"), &ngw[..ngw.len() / 2]).expect("truncate");
    let igw = std::fs::read_to_string(acct.join("InternetGateways.json")).expect("InternetGateways.json");
    std::fs::write(acct.join("InternetGateways.json"), igw.replacen("\"InternetGatewayId\"", "\"InternetGatewayId\": 42, \"Ignored\"", 1))
        .expect("damage");
    let html = artifacts().join("landing-zone-damaged.html");
    let out = koban().arg("report").arg(&dir).arg("-o").arg(&html).args(["--format", "json"]).output().expect("run koban report");
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "the report is written despite the damage\n{stderr}");
    let data: Value = serde_json::from_slice(&out.stdout).expect("report JSON on stdout");
    assert_eq!(data["schema"], "koban/report/v1");
    assert_eq!(data["complete"], false);
    let diags = data["diagnostics"].as_array().cloned().unwrap_or_default();
    assert!(diags.iter().any(|d| d["origin"]["file"].as_str().unwrap_or("").ends_with("NatGateways.json")), "{diags:?}");
    assert!(diags.iter().any(|d| d["origin"]["file"].as_str().unwrap_or("").ends_with("InternetGateways.json")), "{diags:?}");
    let page = std::fs::read_to_string(&html).expect("the report was written");
    assert!(page.contains("NatGateways.json") && page.contains("incomplete"));
    // What survived is still drawn.
    assert!(page.contains("data-resource=\"subnet-0aa0000000000a006\""));
    if !require_browser() {
        return;
    }
    run_browser(
        &html,
        &json!({
            "name": "landing-zone-damaged",
            "ids": ["subnet-0aa0000000000a001", "vpce-0a1a2b3c4d5e6f7a1", "tgw-attach-0a1a2b3c4d5e6f7a1"],
            "unknowns": ["NatGateways.json", "InternetGateways.json"]
        }),
    );
}

#[test]
fn report_rejects_bad_usage_and_names_missing_graphviz() {
    let out = koban().arg("report").arg(example()).args(["--protocol", "icmp", "--port", "1", "-o", "/dev/null"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = koban().arg("report").arg(example()).args(["-o", "/dev/null"]).env("KOBAN_DOT", "/nonexistent/dot").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("graphviz") && stderr.contains("apt-get install graphviz"), "{stderr}");
}

#[test]
fn logs_given_with_report_are_run_through_detection() {
    let logs = root().join("crates/cli/tests/fixtures/detect/flow-portscan.log");
    let html = artifacts().join("landing-zone-logs.html");
    let out = koban()
        .arg("report")
        .arg(example())
        .arg("--logs")
        .arg(&logs)
        .arg("-o")
        .arg(&html)
        .args(["--format", "json"])
        .output()
        .expect("run koban report");
    let data: Value = serde_json::from_slice(&out.stdout).expect("report JSON");
    assert_eq!(data["detection"]["available"], true, "{}", data["detection"]);
    assert_eq!(data["detection"]["logs"][0], logs.display().to_string());
    let findings = data["detection"]["findings"].as_array().cloned().unwrap_or_default();
    assert!(findings.iter().any(|f| f["type"].as_str().unwrap_or("").contains("Portscan")), "{findings:?}");
    let page = std::fs::read_to_string(&html).expect("the report was written");
    assert!(page.contains("Portscan"));
}
