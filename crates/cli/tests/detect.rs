//! End-to-end tests of `koban detect`, `koban convert` and the findings store's detection
//! side, running the built binary on attack and benign fixtures in AWS's record formats
//! (tests/fixtures/detect, made by make_fixtures.py), the OpenTelemetry flow-log fixtures and
//! the bundled landing zone.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn koban() -> Command {
    Command::new(env!("CARGO_BIN_EXE_koban"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/detect").join(name)
}

fn otel(name: &str) -> PathBuf {
    root().join("../shared/corpora/flowlogs/otel-contrib").join(name)
}

fn detect(args: &[&str]) -> (Value, Output) {
    let out = koban().args(["detect", "--format", "json", "--no-store"]).args(args).output().expect("koban runs");
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
    (v, out)
}

fn findings<'a>(v: &'a Value, ty: &str) -> Vec<&'a Value> {
    v["findings"].as_array().unwrap().iter().filter(|f| f["type"] == ty).collect()
}

fn p(x: &Path) -> &str {
    x.to_str().unwrap()
}

#[test]
fn port_scans_in_both_directions() {
    let (v, out) = detect(&["--logs", p(&fixture("flow-portscan.log"))]);
    assert_eq!(out.status.code(), Some(1));
    let outbound = findings(&v, "Recon:EC2/Portscan");
    assert_eq!(outbound.len(), 1, "{v:#}");
    assert_eq!(outbound[0]["resource"], "eni-0a1b2c3d4e5f60002");
    assert_eq!(outbound[0]["severity"]["label"], "MEDIUM");
    assert!(outbound[0]["title"].as_str().unwrap().contains("198.51.100.23"));
    let inbound = findings(&v, "koban:Recon/InboundPortscan");
    assert_eq!(inbound.len(), 1);
    assert!(inbound[0]["title"].as_str().unwrap().starts_with("203.0.113.50"));
    assert_eq!(v["findings"].as_array().unwrap().len(), 2, "nothing else fires: {v:#}");
}

#[test]
fn port_scan_sides_from_how_many_records_carry_each_address() {
    let (v, _) = detect(&["--logs", p(&fixture("flow-portscan-private.log"))]);
    // The scan of a secondary address: the ENI's busiest address is its primary, but more of
    // its records carry 10.0.1.31 than the scanner.
    let inbound = findings(&v, "koban:Recon/InboundPortscan");
    assert_eq!(inbound.len(), 1, "{v:#}");
    assert!(inbound[0]["title"].as_str().unwrap().starts_with("10.0.9.9 is port-scanning eni-0a1b2c3d4e5f60003"));
    assert_eq!(inbound[0]["evidence"]["dstaddr"], "10.0.1.31");
    let outbound = findings(&v, "Recon:EC2/Portscan");
    assert_eq!(outbound.len(), 1, "{v:#}");
    assert_eq!(outbound[0]["resource"], "eni-0a1b2c3d4e5f60004");
    assert!(outbound[0]["title"].as_str().unwrap().ends_with("against 10.0.6.6"));
    // two sources with 15 ports each of one destination: 30 for the destination, no scan
    assert_eq!(v["findings"].as_array().unwrap().len(), 2, "nothing else fires: {v:#}");
}

#[test]
fn ssh_brute_force_against_an_instance() {
    let (v, out) = detect(&["--logs", p(&fixture("flow-ssh-bruteforce.log"))]);
    assert_eq!(out.status.code(), Some(1));
    let b = findings(&v, "UnauthorizedAccess:EC2/SSHBruteForce");
    assert_eq!(b.len(), 1, "{v:#}");
    assert_eq!(b[0]["severity"]["value"], 2.0, "the instance is the target: low");
    assert!(b[0]["title"].as_str().unwrap().starts_with("203.0.113.77"));
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn benign_traffic_and_lookups_stay_quiet() {
    let (v, out) = detect(&["--logs", p(&fixture("flow-benign-v5.log")), p(&fixture("resolver-mixed.log"))]);
    assert_eq!(v["findings"].as_array().unwrap().len(), 0, "{v:#}");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(v["read"]["flow"]["records"], 703);
    assert_eq!(v["read"]["resolver"]["records"], 124);
    assert_eq!(v["incomplete"], false);
}

#[test]
fn command_and_control_address_and_domain_from_a_threat_list() {
    let list = format!("c2={}", p(&fixture("threats-c2.txt")));
    let (v, _) = detect(&["--logs", p(&fixture("flow-c2.log")), p(&fixture("resolver-mixed.log")), "--threat-list", &list]);
    let c2 = findings(&v, "Backdoor:EC2/C&CActivity.B");
    assert_eq!(c2.len(), 1, "{v:#}");
    assert_eq!(c2[0]["severity"]["value"], 8.0);
    assert!(c2[0]["title"].as_str().unwrap().contains("192.0.2.66"));
    assert_eq!(c2[0]["evidence"]["threat_list_entry"]["indicator"], "192.0.2.66");
    let dns = findings(&v, "Backdoor:EC2/C&CActivity.B!DNS");
    assert_eq!(dns.len(), 1);
    assert_eq!(dns[0]["resource"], "i-0a1b2c3d4e5f60002");
    assert_eq!(v["findings"].as_array().unwrap().len(), 2, "198.51.100.80 is not listed: {v:#}");
    // The same list without a category gives the custom-list type.
    let (v, _) = detect(&["--logs", p(&fixture("flow-c2.log")), "--threat-list", p(&fixture("threats-c2.txt"))]);
    assert_eq!(findings(&v, "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom").len(), 1);
}

#[test]
fn dns_exfiltration_and_dga() {
    let (v, _) = detect(&["--logs", p(&fixture("resolver-exfiltration.log")), p(&fixture("resolver-dga.log"))]);
    let ex = findings(&v, "Trojan:EC2/DNSDataExfiltration");
    assert_eq!(ex.len(), 1, "{v:#}");
    assert_eq!(ex[0]["resource"], "i-0a1b2c3d4e5f60002");
    assert!(ex[0]["title"].as_str().unwrap().contains("exfil-example.net"));
    let dga = findings(&v, "Trojan:EC2/DGADomainRequest.B");
    assert_eq!(dga.len(), 1);
    assert_eq!(dga[0]["resource"], "i-0a1b2c3d4e5f60003");
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn landing_zone_flow_that_bypasses_the_inspection_endpoint() {
    let twin = root().join("examples/landing-zone");
    let (v, out) = detect(&["--logs", p(&fixture("flow-landing-zone-bypass.log")), "--twin", p(&twin)]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let b = findings(&v, "koban:Network/InspectionBypassObserved");
    assert_eq!(b.len(), 1, "{v:#}");
    let f = b[0];
    assert_eq!(f["resource"], "i-0a1a2b3c4d5e6f7a2");
    assert_eq!(f["evidence"]["instance_eni"], "eni-0aa00000000000a61");
    assert_eq!(f["evidence"]["egress_enis"], serde_json::json!(["eni-0aa00000000000a01"]));
    let title = f["title"].as_str().unwrap();
    assert!(title.contains("eni-0aa00000000000a61") && title.contains("eni-0aa00000000000a01"), "{title}");
    assert!(f["description"].as_str().unwrap().contains("eni-0aa00000000000a02"));
    // app-a crossed the endpoint: its traffic is in the inspection view, per direction.
    let ins = v["inspected"].as_array().unwrap();
    let out_a =
        ins.iter().find(|t| t["endpoint_eni"] == "eni-0aa00000000000a02" && t["direction"] == "outbound").expect("outbound through a02");
    assert_eq!(out_a["from"], "i-0a1a2b3c4d5e6f7a1");
    assert_eq!(out_a["to"], "internet");
    assert_eq!(out_a["bytes"], 4 * 1500);
    let in_a = ins.iter().find(|t| t["endpoint_eni"] == "eni-0aa00000000000a02" && t["direction"] == "inbound").unwrap();
    assert_eq!(in_a["bytes"], 4 * 7000);
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn otel_flow_log_fixtures_read_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let out = koban()
        .args(["convert", "--format", "json", "-o", p(dir.path())])
        .args([
            otel("valid_vpc_flow_log.log"),
            otel("valid_vpc_flow_log_multi.log"),
            otel("valid_vpc_flow_log_ecs.log"),
            otel("valid_tgw_flow_log.log"),
            otel("valid_vpc_flow_cw.json"),
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert_eq!(v["read"]["flow"]["records"], 1 + 2 + 1 + 1 + 2);
    assert_eq!(v["read"]["flow"]["malformed"], 0);
    assert_eq!(v["files"][0]["table"], "flows");
    // Malformed lines are named by file and line; the rest is read.
    let (v, out) = detect(&[
        "--logs",
        p(&otel("vpc_flow_log_too_few_fields.log")),
        p(&otel("vpc_flow_log_too_many_fields.log")),
        p(&otel("valid_vpc_flow_log_multi.log")),
    ]);
    assert_eq!(v["read"]["flow"]["malformed"], 2);
    assert_eq!(v["incomplete"], true);
    let diags: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{}:{} {}", d["origin"]["file"], d["origin"]["location"], d["message"]))
        .collect();
    assert!(diags.iter().any(|d| d.contains("too_few_fields.log") && d.contains("line 2") && d.contains("13 fields")), "{diags:?}");
    assert!(diags.iter().any(|d| d.contains("too_many_fields.log") && d.contains("line 2") && d.contains("15 fields")), "{diags:?}");
    assert_eq!(out.status.code(), Some(0));
    // A custom headerless format needs --flow-format.
    let (v, _) = detect(&["--logs", p(&otel("valid_vpc_flow_cw_custom.json")), p(&otel("valid_vpc_flow_log_multi.log"))]);
    assert!(v["diagnostics"].as_array().unwrap().iter().any(|d| d["message"].as_str().unwrap().contains("--flow-format")), "{v:#}");
    let (v, _) =
        detect(&["--logs", p(&otel("valid_vpc_flow_cw_custom.json")), "--flow-format", "${version} ${interface-id} ${srcaddr} ${dstaddr}"]);
    assert_eq!(v["read"]["flow"]["records"], 2);
}

#[test]
fn truncated_gzip_is_an_error_for_that_file_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.log.gz"), gzip(&std::fs::read(fixture("flow-ssh-bruteforce.log")).unwrap())).unwrap();
    let whole = gzip(&std::fs::read(fixture("flow-portscan.log")).unwrap());
    std::fs::write(dir.path().join("cut.log.gz"), &whole[..whole.len() / 2]).unwrap();
    let (v, out) = detect(&["--logs", p(dir.path())]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(findings(&v, "UnauthorizedAccess:EC2/SSHBruteForce").len(), 1, "the good file is read");
    assert_eq!(v["incomplete"], true);
    assert_eq!(v["read"]["failed_files"], 1);
    assert!(v["diagnostics"].as_array().unwrap().iter().any(
        |d| d["origin"]["file"].as_str().unwrap().ends_with("cut.log.gz") && d["message"].as_str().unwrap().contains("truncated gzip")
    ));
}

/// Gzip with the system's gzip (as AWS delivers flow logs to S3).
fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child =
        Command::new("gzip").arg("-c").stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn().expect("gzip");
    child.stdin.take().unwrap().write_all(data).unwrap();
    child.wait_with_output().unwrap().stdout
}

#[test]
fn unreadable_inputs_exit_2() {
    let out = koban().args(["detect", "--no-store", "--logs", "/nonexistent/koban"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/koban"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.bin"), b"\x00\x01 hello").unwrap();
    let out = koban().args(["detect", "--no-store", "--logs", p(dir.path())]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = koban().args(["detect", "--no-store", "--detectors", "nope", "--logs", p(&fixture("flow-c2.log"))]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown detector"));
}

#[test]
fn parquet_conversion_gives_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let out = koban()
        .args(["convert", "-o", p(dir.path())])
        .args([fixture("flow-portscan.log"), fixture("flow-ssh-bruteforce.log"), fixture("resolver-exfiltration.log")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("flows.parquet").is_file() && dir.path().join("dns.parquet").is_file());
    let ids = |v: &Value| {
        let mut x: Vec<String> = v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect();
        x.sort();
        x
    };
    let (text, _) = detect(&[
        "--logs",
        p(&fixture("flow-portscan.log")),
        p(&fixture("flow-ssh-bruteforce.log")),
        p(&fixture("resolver-exfiltration.log")),
    ]);
    let (parquet, _) = detect(&["--logs", p(dir.path())]);
    assert_eq!(ids(&text), ids(&parquet));
    assert_eq!(ids(&text).len(), 4);
}

#[test]
fn findings_are_stored_deduplicated_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.sqlite");
    for _ in 0..2 {
        let out = koban().args(["detect", "--db", p(&db), "--logs", p(&fixture("flow-portscan.log"))]).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
    }
    let list = koban().args(["findings", "list", "--format", "json", "--db", p(&db)]).output().unwrap();
    let v: Value = serde_json::from_slice(&list.stdout).unwrap();
    let fs = v["findings"].as_array().unwrap();
    assert_eq!(fs.len(), 2);
    assert!(fs.iter().all(|f| f["count"] == 2 && f["status"] == "ACTIVE"));
    assert!(fs.iter().all(|f| f["evidence"]["observed"]["first_seen"].as_str().unwrap().starts_with("2024-06-10")));
    // A suppression rule with GuardDuty criteria archives the inbound scan, now and later.
    let rule = r#"{"Criterion": {"type": {"Eq": ["koban:Recon/InboundPortscan"]}, "severity": {"Lt": 4}}}"#;
    let out = koban()
        .args(["findings", "suppress", "--rule", "scanners", "--criteria", rule, "--reason", "internet noise", "--db", p(&db)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    koban().args(["detect", "--db", p(&db), "--logs", p(&fixture("flow-portscan.log"))]).output().unwrap();
    let gd = koban().args(["findings", "export", "--format", "guardduty", "--db", p(&db)]).output().unwrap();
    let lines: Vec<Value> = String::from_utf8_lossy(&gd.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    let scan = lines.iter().find(|l| l["type"] == "Recon:EC2/Portscan").unwrap();
    assert_eq!(scan["schemaVersion"], "2.0");
    assert_eq!(scan["resource"]["resourceType"], "Instance");
    assert_eq!(scan["service"]["action"]["actionType"], "NETWORK_CONNECTION");
    assert_eq!(scan["service"]["count"], 3);
    assert_eq!(scan["service"]["archived"], false);
    assert!(scan["service"]["eventFirstSeen"].as_str().unwrap().starts_with("2024-06-10"));
    let inbound = lines.iter().find(|l| l["type"] == "koban:Recon/InboundPortscan").unwrap();
    assert_eq!(inbound["service"]["archived"], true);
    let eb = koban().args(["findings", "export", "--format", "eventbridge", "--status", "ACTIVE", "--db", p(&db)]).output().unwrap();
    let ev: Vec<Value> = String::from_utf8_lossy(&eb.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["detail-type"], "GuardDuty Finding");
    assert_eq!(ev[0]["detail"]["type"], "Recon:EC2/Portscan");
    let sarif = koban().args(["findings", "export", "--format", "sarif", "--db", p(&db)]).output().unwrap();
    let s: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(s["version"], "2.1.0");
    assert_eq!(s["runs"][0]["results"].as_array().unwrap().len(), 2);
    let text = koban().args(["findings", "export", "--db", p(&db)]).output().unwrap();
    assert_eq!(text.status.code(), Some(2), "export needs a document format");
}

#[test]
fn guardduty_samples_import_deduplicated_and_export_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.sqlite");
    let gd = root().join("../shared/corpora/guardduty/foxsec-pipeline");
    let out = koban()
        .args(["findings", "import", "--format", "json", "--db", p(&db), p(&gd.join("guardduty-sample-findings.txt"))])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["read"].as_u64(), v["distinct"].as_u64()), (Some(20), Some(20)));
    let dup_db = dir.path().join("d.sqlite");
    let out = koban()
        .args(["findings", "import", "--format", "json", "--db", p(&dup_db), p(&gd.join("guardduty-sample-findings-with-duplicates.txt"))])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["read"].as_u64(), v["distinct"].as_u64()), (Some(5), Some(2)));
    let list = koban().args(["findings", "list", "--format", "json", "--db", p(&dup_db)]).output().unwrap();
    let l: Value = serde_json::from_slice(&list.stdout).unwrap();
    let mut counts: Vec<u64> = l["findings"].as_array().unwrap().iter().map(|f| f["count"].as_u64().unwrap()).collect();
    counts.sort();
    assert_eq!(counts, vec![2, 3]);
    // Exported GuardDuty findings keep type, severity, resource type and action type.
    let exp = koban().args(["findings", "export", "--format", "guardduty", "--db", p(&db)]).output().unwrap();
    let exported: Vec<Value> = String::from_utf8_lossy(&exp.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(exported.len(), 20);
    for line in std::fs::read_to_string(gd.join("guardduty-sample-findings.txt")).unwrap().lines() {
        let orig: Value = serde_json::from_str(line).unwrap();
        let d = &orig["detail"];
        let e = exported.iter().find(|x| x["id"] == d["id"]).unwrap();
        assert_eq!(e["type"], d["type"]);
        assert_eq!(e["severity"], d["severity"]);
        assert_eq!(e["resource"]["resourceType"], d["resource"]["resourceType"]);
        assert_eq!(e["service"]["action"]["actionType"], d["service"]["action"]["actionType"]);
    }
}

#[test]
fn kill_9_never_corrupts_or_loses_stored_findings() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.sqlite");
    // A log with many findings so that the store's transaction takes a while.
    let mut log = String::from(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n",
    );
    for h in 0..1500 {
        for port in 1..=26 {
            log.push_str(&format!(
                "2 123456789012 eni-0a1b2c3d4e5f6{h:04} 198.18.{}.{} 10.0.{}.{} 40000 {port} 6 1 44 1718000000 1718000060 REJECT OK\n",
                h / 250,
                h % 250,
                h / 250,
                h % 250
            ));
        }
    }
    let big = dir.path().join("many.log");
    std::fs::write(&big, log).unwrap();
    let out = koban().args(["detect", "--db", p(&db), "--logs", p(&fixture("flow-portscan.log"))]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let before = 2;
    for (i, delay_ms) in [30u64, 80, 150, 250, 400, 600, 900, 1300].into_iter().enumerate() {
        let mut child = koban()
            .args(["detect", "--db", p(&db), "--logs", p(&big)])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let store = koban_findings::store::Store::open(&db).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok", "after kill {i}");
        let n = store.list(&Default::default()).unwrap().len();
        assert!(n == before || n == before + 1500, "after kill {i} at {delay_ms} ms: {n} findings (all or nothing of a run)");
    }
    // A run that completes still records everything.
    let out = koban().args(["detect", "--db", p(&db), "--logs", p(&big)]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let store = koban_findings::store::Store::open(&db).unwrap();
    assert_eq!(store.list(&Default::default()).unwrap().len(), before + 1500);
}
