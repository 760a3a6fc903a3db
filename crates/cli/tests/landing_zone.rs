//! End-to-end: the `koban` binary on the bundled example landing zone
//! (`examples/landing-zone/`, see its README for the architecture and the expected answers).

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/landing-zone")
}

fn koban(args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_koban")).args(args).arg("--format").arg("json").output().expect("run koban");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).to_string())
}

fn reach(from: &str, to: &str, extra: &[&str]) -> (i32, Value) {
    let lz = example();
    let mut args = vec!["reach", lz.to_str().unwrap_or_default(), "--from", from, "--to", to];
    args.extend_from_slice(extra);
    let (code, json, stderr) = koban(&args);
    assert!(code == 0 || code == 1, "koban failed: {stderr}");
    (code, json)
}

fn hop_ids(path: &Value) -> Vec<String> {
    path["hops"].as_array().map(|h| h.iter().map(|x| x["resource"].as_str().unwrap_or_default().to_string()).collect()).unwrap_or_default()
}

fn hop_types(path: &Value) -> Vec<String> {
    path["hops"].as_array().map(|h| h.iter().map(|x| x["type"].as_str().unwrap_or_default().to_string()).collect()).unwrap_or_default()
}

const APP_A: &str = "i-0a1a2b3c4d5e6f7a1";
const APP_B: &str = "i-0a1a2b3c4d5e6f7b1";
const LEGACY_A: &str = "i-0a1a2b3c4d5e6f7a2";
const BATCH_B: &str = "i-0a1a2b3c4d5e6f7b2";

#[test]
fn onprem_reaches_app_through_tgw_attachment_and_gwlb_endpoint() {
    let (code, a) = reach("onprem", APP_A, &["--protocol", "tcp", "--port", "443"]);
    assert_eq!(code, 0);
    assert_eq!(a["schema"], "koban/reach/v1");
    assert_eq!(a["reachable"], true);
    let paths = a["paths"].as_array().expect("paths");
    assert!(!paths.is_empty());
    for p in paths {
        let ids = hop_ids(p);
        let types = hop_types(p);
        // TGW -> attachment -> GWLB endpoint -> instance, in that order
        let pos = |t: &str| types.iter().position(|x| x == t).unwrap_or_else(|| panic!("no {t} hop in {ids:?}"));
        assert!(pos("transit-gateway") < types.iter().rposition(|x| x == "transit-gateway-attachment").unwrap_or(0));
        let vpc_attachment = ids.iter().position(|x| x == "tgw-attach-0a1a2b3c4d5e6f7a1").expect("VPC attachment hop");
        let endpoint = pos("gateway-load-balancer-endpoint");
        assert!(vpc_attachment < endpoint, "{ids:?}");
        assert!(ids[endpoint].starts_with("vpce-0a1a2b3c4d5e6f7"), "{ids:?}");
        assert_eq!(ids.last().map(String::as_str), Some(APP_A));
        assert_eq!(ids.first().map(String::as_str), Some("onprem"));
        assert!(ids.contains(&"vpn-0a1a2b3c4d5e6f701".to_string()));
        assert_eq!(p["inspected"], true);
        assert_eq!(p["reply_inspected"], true);
        // the instance's security group rule that admitted it is named
        let last = &p["hops"].as_array().unwrap()[ids.len() - 1];
        let ev = last["evidence"].to_string();
        assert!(ev.contains("sg-0aa0000000000a001") && ev.contains("tcp/443"), "{ev}");
    }
}

#[test]
fn app_reaches_internet_through_endpoint_nat_and_igw() {
    let (code, a) = reach(APP_A, "internet", &["--protocol", "tcp", "--port", "443"]);
    assert_eq!(code, 0);
    let p = &a["paths"][0];
    let ids = hop_ids(p);
    let find = |id: &str| ids.iter().position(|x| x == id).unwrap_or_else(|| panic!("no {id} in {ids:?}"));
    let endpoint = find("vpce-0a1a2b3c4d5e6f7a1");
    let nat = find("nat-0a1a2b3c4d5e6f70a");
    let igw = find("igw-0a1a2b3c4d5e6f701");
    assert!(endpoint < nat && nat < igw, "{ids:?}");
    assert_eq!(ids.last().map(String::as_str), Some("internet"));
    assert_eq!(p["inspected"], true);
    // NAT and IGW translations are evidence
    let text = p.to_string();
    assert!(text.contains("10.10.10.10 -> 10.10.0.10"), "NAT translation shown");
    assert!(text.contains("10.10.0.10 -> 52.50.10.10"), "IGW translation shown");
}

#[test]
fn internet_reaches_no_instance_even_where_a_security_group_allows_it() {
    // app-sg admits tcp/443 from 0.0.0.0/0, yet nothing on the internet can address the instances
    for i in [APP_A, APP_B, LEGACY_A, BATCH_B] {
        let (code, a) = reach("internet", i, &["--protocol", "tcp", "--port", "443"]);
        assert_eq!(code, 1, "{i}");
        assert_eq!(a["reachable"], false, "{i}");
        assert!(a["blocked"].to_string().contains("no public IPv4 address"), "{i}: {}", a["blocked"]);
    }
    let (code, a, _) = koban(&["exposure", example().to_str().unwrap_or_default()]);
    assert_eq!(code, 1, "on-prem exposure is reported");
    let internet = a["sources"].as_array().unwrap().iter().find(|s| s["source"] == "internet").expect("internet source");
    assert_eq!(internet["exposed"].as_array().map(Vec::len), Some(0));
}

#[test]
fn exposure_to_onprem_lists_ports_with_witness_paths() {
    let (_, a, _) = koban(&["exposure", example().to_str().unwrap_or_default()]);
    assert_eq!(a["schema"], "koban/exposure/v1");
    let onprem = a["sources"].as_array().unwrap().iter().find(|s| s["source"] == "network:onprem").expect("onprem");
    let exposed = onprem["exposed"].as_array().unwrap();
    let get = |owner: &str| exposed.iter().find(|e| e["owner"] == owner);
    let app = get(APP_A).expect("app-a exposed to on-prem");
    assert_eq!(app["ports"], serde_json::json!([{"protocol": "tcp", "ranges": ["443"]}]));
    assert_eq!(app["inspected"], true);
    let legacy = get(LEGACY_A).expect("legacy-a exposed to on-prem");
    assert_eq!(legacy["ports"], serde_json::json!([{"protocol": "tcp", "ranges": ["22", "8080"]}]));
    // legacy's replies skip the endpoint (its table sends 10.0.0.0/8 straight to the TGW)
    assert_eq!(legacy["reply_inspected"], false);
    // batch-b sits in the CIDR the TGW does not route
    assert!(get(BATCH_B).is_none());
    // the interface endpoints admit only the VPC's CIDRs
    assert!(exposed.iter().all(|e| !e["owner"].as_str().unwrap_or_default().starts_with("vpce-0a1a2b3c4d5e6f7c")));
}

#[test]
fn check_reports_the_bypassing_subnet_with_a_witness_path() {
    let (code, a, _) = koban(&["check", example().to_str().unwrap_or_default()]);
    assert_eq!(code, 1);
    assert_eq!(a["schema"], "koban/check/v1");
    let findings = a["findings"].as_array().unwrap();
    let bypass: Vec<&Value> = findings.iter().filter(|f| f["source"] == "KBN-NET-001").collect();
    assert!(!bypass.is_empty());
    assert!(bypass.iter().all(|f| f["resource"] == "subnet-0aa0000000000a006"), "only legacy-a bypasses: {bypass:?}");
    let internet = bypass.iter().find(|f| f["evidence"]["to"] == "internet").expect("outbound internet bypass");
    let witness: Vec<&str> = internet["evidence"]["witness"].as_array().unwrap().iter().map(|h| h["resource"].as_str().unwrap()).collect();
    assert_eq!(
        witness,
        vec![
            "subnet-0aa0000000000a006",
            "vpc-0a1a2b3c4d5e6f701",
            "nat-0a1a2b3c4d5e6f70a",
            "subnet-0aa0000000000a001",
            "vpc-0a1a2b3c4d5e6f701",
            "igw-0a1a2b3c4d5e6f701",
            "internet"
        ]
    );
    assert!(bypass.iter().any(|f| f["evidence"]["to"] == "network:onprem"));
    let onprem = findings.iter().find(|f| f["source"] == "KBN-NET-004").expect("non-routable subnet");
    assert_eq!(onprem["resource"], "subnet-0aa0000000000b007");
    assert!(onprem["description"].as_str().unwrap().contains("no route in tgw-rtb-0a1a2b3c4d5e6f7b1"));
    let ids: Vec<&str> = findings.iter().map(|f| f["id"].as_str().unwrap()).collect();
    let (_, again, _) = koban(&["check", example().to_str().unwrap_or_default()]);
    let ids2: Vec<&str> = again["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ids2, "finding ids are stable");
    let statuses: Vec<(&str, &str)> =
        a["checks"].as_array().unwrap().iter().map(|c| (c["id"].as_str().unwrap(), c["status"].as_str().unwrap())).collect();
    assert!(statuses.contains(&("KBN-NET-002", "pass")) || statuses.contains(&("KBN-NET-002", "unknown")));
    assert!(statuses.contains(&("KBN-NET-003", "pass")) || statuses.contains(&("KBN-NET-003", "unknown")));
}

#[test]
fn text_output_and_exit_codes() {
    let out = Command::new(env!("CARGO_BIN_EXE_koban")).args(["check", example().to_str().unwrap_or_default()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL     KBN-NET-001"), "{text}");
    let out = Command::new(env!("CARGO_BIN_EXE_koban"))
        .args(["reach", "/nonexistent", "--from", "internet", "--to", "internet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent"));
    let out = Command::new(env!("CARGO_BIN_EXE_koban"))
        .args(["reach", example().to_str().unwrap_or_default(), "--from", "i-doesnotexist", "--to", "internet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("i-doesnotexist"));
}
