//! End-to-end: `koban vulndb import`, `koban vulns` and `koban findings` on the bundled example's
//! inventories (examples/landing-zone/inventory/) with the OSV corpora of ../shared: the same
//! vulnerable crate on an instance reachable from on-premises over the Transit Gateway, on one
//! exposed to the internet and on an unreachable one gets different adjusted scores; the lifecycle closes fixed packages; exports;
//! bad input; and a kill -9 in the middle of a run never damages the findings store.

mod common;

use common::{copy_dir, edit_json};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const APP_A: &str = "i-0a1a2b3c4d5e6f7a1";
const BATCH_B: &str = "i-0a1a2b3c4d5e6f7b2";
const REGEX: &str = "RUSTSEC-2022-0013";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example() -> PathBuf {
    root().join("examples/landing-zone")
}

fn osv() -> PathBuf {
    root().join("../shared/corpora/osv")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_koban")).args(args).output().expect("run koban");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn json(args: &[&str]) -> (i32, Value, String) {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let (code, out, err) = run(&a);
    (code, serde_json::from_str(&out).unwrap_or(Value::Null), err)
}

/// The RustSec and Go corpora imported once (a fresh copy per test keeps tests independent).
fn vulndb() -> PathBuf {
    static DB: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, p) = DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("vulndb.sqlite");
        let (code, v, err) = json(&["vulndb", "import", s(&osv().join("rustsec/crates")), s(&osv().join("go/osv")), "--vulndb", s(&p)]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(v["schema"], "koban/vulndb-import/v1");
        assert_eq!(v["total"], 5497);
        (dir, p)
    });
    p.clone()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn vulns(inventory: &Path, store: &Path, extra: &[&str]) -> (i32, Value, String) {
    let db = vulndb();
    let mut args = vec!["vulns", s(inventory), "--vulndb", s(&db), "--db", s(store)];
    args.extend_from_slice(extra);
    json(&args)
}

fn finding<'a>(v: &'a Value, resource: &str, advisory: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource"] == resource && f["evidence"]["packageVulnerabilityDetails"]["vulnerabilityId"] == advisory)
        .unwrap_or_else(|| panic!("no {advisory} finding on {resource} in {v}"))
}

#[test]
fn same_package_scored_by_reachability() {
    let tmp = tempfile::tempdir().unwrap();
    let lz = example();
    let (code, v, err) = vulns(&lz.join("inventory"), &tmp.path().join("f.db"), &["--twin", s(&lz.join("snapshot"))]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["schema"], "koban/vulns/v1");
    assert_eq!(v["reachability"][APP_A], "on-premises");
    assert_eq!(v["reachability"][BATCH_B], "no-path");

    let a = finding(&v, APP_A, REGEX);
    let b = finding(&v, BATCH_B, REGEX);
    for f in [a, b] {
        assert_eq!(f["type"], "PACKAGE_VULNERABILITY");
        assert_eq!(f["status"], "ACTIVE");
        assert_eq!(f["title"], "CVE-2022-24713 - regex");
        let p = &f["evidence"]["packageVulnerabilityDetails"]["vulnerablePackages"][0];
        assert_eq!(
            (p["name"].as_str(), p["version"].as_str(), p["fixedInVersion"].as_str(), p["packageManager"].as_str()),
            (Some("regex"), Some("1.5.4"), Some("1.5.5"), Some("CARGO"))
        );
        assert_eq!(f["evidence"]["adjusted"]["base_score"], 7.5);
    }
    // app-a: reachable from on-premises through the Transit Gateway: counted, base kept.
    assert_eq!(a["evidence"]["adjusted"]["adjusted_score"], 7.5);
    assert_eq!(a["evidence"]["inspectorSeverity"], "HIGH");
    assert!(a["evidence"]["adjusted"]["explanation"].as_str().unwrap().contains("through the Transit Gateway"));
    assert!(a["evidence"]["reachability"]["entries"][0]["path"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["resource"] == "tgw-0a1a2b3c4d5e6f701"));
    // batch-b: no path from outside the VPC: CVSS environmental score with MAV:A.
    assert_eq!(b["evidence"]["adjusted"]["adjusted_score"], 6.5);
    assert_eq!(b["evidence"]["inspectorSeverity"], "MEDIUM");
    assert!(b["evidence"]["adjusted"]["explanation"].as_str().unwrap().contains("MAV:A"));
    assert!(a["severity"]["value"].as_f64() > b["severity"]["value"].as_f64());
    // The resource of the SBOM came from its metadata property, the app's from its path.
    assert!(b["evidence"]["inventory"]["file"].as_str().unwrap().ends_with("batch-b.cdx.json"));
    assert!(a["evidence"]["inventory"]["file"].as_str().unwrap().ends_with("srv/orders-api/Cargo.lock"));

    // Network reachability with the Transit Gateway path, which Inspector does not see.
    let net: Vec<&Value> = v["findings"].as_array().unwrap().iter().filter(|f| f["type"] == "NETWORK_REACHABILITY").collect();
    let app443 = net.iter().find(|f| f["resource"] == APP_A).expect("app-a tcp/443 from on-premises");
    assert_eq!(app443["evidence"]["networkReachabilityDetails"]["openPortRange"], serde_json::json!({"begin": 443, "end": 443}));
    assert_eq!(app443["evidence"]["networkReachabilityDetails"]["protocol"], "TCP");
    assert!(app443["title"].as_str().unwrap().contains("Transit Gateway tgw-0a1a2b3c4d5e6f701"));
    assert!(!net.iter().any(|f| f["resource"] == BATCH_B), "batch-b is unreachable");

    // The SSM inventory of app-a was read (Debian 12 packages, with the platform from AWS:InstanceInformation).
    let readers: Vec<&str> = v["inventory"]["files"].as_array().unwrap().iter().map(|f| f["reader"].as_str().unwrap()).collect();
    assert!(readers.contains(&"ssm list-inventory-entries") && readers.contains(&"cyclonedx") && readers.contains(&"Cargo.lock"));
    assert_eq!(v["inventory"]["errors"], serde_json::json!([]));

    // Without a twin, nothing is assessed: both keep the base score.
    let (_, plain, _) = vulns(&lz.join("inventory"), &tmp.path().join("g.db"), &[]);
    assert_eq!(finding(&plain, APP_A, REGEX)["evidence"]["adjusted"]["adjusted_score"], 7.5);
    assert_eq!(finding(&plain, BATCH_B, REGEX)["evidence"]["adjusted"]["reach"], "not-assessed");
}

#[test]
fn internet_exposed_instance_scores_above_an_unreachable_one() {
    let tmp = tempfile::tempdir().unwrap();
    let snapshot = tmp.path().join("snapshot");
    copy_dir(&example().join("snapshot"), &snapshot);
    // A web server in the public subnet with a public address and tcp/443 open to the world.
    let prod = snapshot.join("111111111111/eu-west-1");
    const WEB: &str = "i-0a1a2b3c4d5e6f7f1";
    edit_json(&prod.join("SecurityGroups.json"), |v| {
        v["SecurityGroups"].as_array_mut().unwrap().push(serde_json::json!({
            "Description": "web", "GroupName": "web-sg", "GroupId": "sg-0aa0000000000f001", "OwnerId": "111111111111",
            "VpcId": "vpc-0a1a2b3c4d5e6f701",
            "IpPermissions": [{"FromPort": 443, "ToPort": 443, "IpProtocol": "tcp", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}],
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}]
        }));
    });
    edit_json(&prod.join("NetworkInterfaces.json"), |v| {
        v["NetworkInterfaces"].as_array_mut().unwrap().push(serde_json::json!({
            "AvailabilityZone": "eu-west-1a", "Description": "web", "Groups": [{"GroupName": "web-sg", "GroupId": "sg-0aa0000000000f001"}],
            "InterfaceType": "interface", "NetworkInterfaceId": "eni-0aa0000000000f001", "OwnerId": "111111111111",
            "PrivateIpAddress": "10.10.0.80", "Association": {"PublicIp": "52.50.10.80", "IpOwnerId": "amazon"},
            "PrivateIpAddresses": [{"PrivateIpAddress": "10.10.0.80", "Primary": true, "Association": {"PublicIp": "52.50.10.80", "IpOwnerId": "amazon"}}],
            "Attachment": {"AttachmentId": "eni-attach-0aa0000000000f001", "DeviceIndex": 0, "InstanceId": WEB, "Status": "attached"},
            "RequesterManaged": false, "SourceDestCheck": true, "Status": "in-use", "SubnetId": "subnet-0aa0000000000a001", "VpcId": "vpc-0a1a2b3c4d5e6f701"
        }));
    });
    edit_json(&prod.join("Reservations.json"), |v| {
        v["Reservations"].as_array_mut().unwrap().push(serde_json::json!({"OwnerId": "111111111111", "Instances": [{
            "InstanceId": WEB, "State": {"Name": "running"}, "SubnetId": "subnet-0aa0000000000a001", "VpcId": "vpc-0a1a2b3c4d5e6f701",
            "PrivateIpAddress": "10.10.0.80", "PublicIpAddress": "52.50.10.80",
            "NetworkInterfaces": [{"NetworkInterfaceId": "eni-0aa0000000000f001"}], "SecurityGroups": [{"GroupId": "sg-0aa0000000000f001", "GroupName": "web-sg"}]
        }]}));
    });
    // The web server runs the same orders-api build (regex 1.5.4) as app-a; batch-b's SBOM has it too.
    let inventory = tmp.path().join("inventory");
    let lock = example().join("inventory").join(APP_A).join("srv/orders-api/Cargo.lock");
    std::fs::create_dir_all(inventory.join(WEB).join("srv/orders-api")).unwrap();
    std::fs::copy(&lock, inventory.join(WEB).join("srv/orders-api/Cargo.lock")).unwrap();
    std::fs::copy(example().join("inventory/batch-b.cdx.json"), inventory.join("batch-b.cdx.json")).unwrap();

    let (code, v, err) = vulns(&inventory, &tmp.path().join("f.db"), &["--twin", s(&snapshot)]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["reachability"][WEB], "internet", "{}", v["reachability"]);
    assert_eq!(v["reachability"][BATCH_B], "no-path");
    let web = finding(&v, WEB, REGEX);
    let batch = finding(&v, BATCH_B, REGEX);
    assert_eq!(web["evidence"]["adjusted"]["base_score"], 7.5);
    assert_eq!(batch["evidence"]["adjusted"]["base_score"], 7.5);
    // Internet: base + 1.0; no path: the CVSS environmental score with MAV:A.
    assert_eq!(web["evidence"]["adjusted"]["adjusted_score"], 8.5);
    assert!(web["evidence"]["adjusted"]["explanation"].as_str().unwrap().contains("reachable from the internet"), "{web}");
    assert!(web["evidence"]["reachability"]["entries"][0]["path"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["resource"] == "igw-0a1a2b3c4d5e6f701"));
    assert_eq!(batch["evidence"]["adjusted"]["adjusted_score"], 6.5);
    assert!(batch["evidence"]["adjusted"]["explanation"].as_str().unwrap().contains("MAV:A"));
    assert!(web["severity"]["value"].as_f64() > batch["severity"]["value"].as_f64());
    // The open port shows as an Inspector NETWORK_REACHABILITY finding through the internet gateway.
    let open = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["type"] == "NETWORK_REACHABILITY" && f["resource"] == WEB)
        .expect("web tcp/443 from the internet");
    assert_eq!(open["evidence"]["networkReachabilityDetails"]["openPortRange"], serde_json::json!({"begin": 443, "end": 443}));
}

/// Copy the example inventory to a temporary directory.
fn inventory_copy(dir: &Path) -> PathBuf {
    let dst = dir.join("inventory");
    for e in walk(&example().join("inventory")) {
        let rel = e.strip_prefix(example().join("inventory")).unwrap();
        let to = dst.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&e, &to).unwrap();
    }
    dst
}

fn walk(d: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn edit(path: &Path, from: &str, to: &str) {
    let t = std::fs::read_to_string(path).unwrap();
    assert!(t.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, t.replace(from, to)).unwrap();
}

#[test]
fn lifecycle_dedupe_close_suppress() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("findings.sqlite");
    let inv = inventory_copy(tmp.path());
    let (_, first, _) = vulns(&inv, &store, &[]);
    let a_id = finding(&first, APP_A, REGEX)["id"].as_str().unwrap().to_string();
    let b_id = finding(&first, BATCH_B, REGEX)["id"].as_str().unwrap().to_string();

    // Same inventory again: deduplicated, counted.
    let (_, second, _) = vulns(&inv, &store, &[]);
    assert_eq!(finding(&second, APP_A, REGEX)["id"], a_id.as_str());
    assert_eq!(finding(&second, APP_A, REGEX)["count"], 2);

    // Suppress batch-b's finding.
    let (code, _, err) = json(&["findings", "suppress", &b_id, "--reason", "batch runs offline", "--db", s(&store)]);
    assert_eq!(code, 0, "{err}");

    // A newer inventory of app-a: regex upgraded to the fixed version.
    edit(
        &inv.join(APP_A).join("srv/orders-api/Cargo.lock"),
        "name = \"regex\"\nversion = \"1.5.4\"",
        "name = \"regex\"\nversion = \"1.5.5\"",
    );
    edit(&inv.join(APP_A).join("ssm-application.json"), "2024-05-02T08:30:12Z", "2024-06-01T08:30:12Z");
    let (code, third, _) = vulns(&inv, &store, &[]);
    assert_eq!(code, 0, "the remaining finding is suppressed: nothing active");
    assert_eq!(third["closed"], serde_json::json!([a_id]));
    assert_eq!(finding(&third, BATCH_B, REGEX)["status"], "SUPPRESSED");

    let (_, closed, _) = json(&["findings", "list", "--status", "CLOSED", "--db", s(&store)]);
    assert_eq!(closed["findings"][0]["id"], a_id.as_str());
    assert!(closed["findings"][0]["status_reason"].as_str().unwrap().contains("2024-06-01T08:30:12Z"));

    // An older inventory (the original one) does not reopen or close anything on app-a.
    edit(&inv.join(APP_A).join("ssm-application.json"), "2024-06-01T08:30:12Z", "2024-04-01T08:30:12Z");
    let (_, stale, _) = vulns(&inv, &store, &[]);
    assert!(stale["stale"].as_array().unwrap().iter().any(|r| r == APP_A));

    // show: the history of the closed finding; close by hand; unknown ids are usage errors.
    let (code, shown, _) = json(&["findings", "show", &a_id[..12], "--db", s(&store)]);
    assert_eq!(code, 0);
    let to: Vec<&str> = shown["history"].as_array().unwrap().iter().map(|h| h["to"].as_str().unwrap()).collect();
    assert_eq!(to, ["ACTIVE", "CLOSED"]);
    let (code, _, _) = json(&["findings", "close", &b_id, "--reason", "decommissioned", "--db", s(&store)]);
    assert_eq!(code, 0);
    let (code, _, err) = json(&["findings", "close", "0123456789abcdef", "--db", s(&store)]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn exports_inspector_sarif_vex() {
    let tmp = tempfile::tempdir().unwrap();
    let lz = example();
    let store = tmp.path().join("f.db");
    let snapshot = lz.join("snapshot");
    let twin = ["--twin", s(&snapshot)];
    let (code, out, err) = run(&[
        &["vulns", s(&lz.join("inventory")), "--vulndb", s(&vulndb()), "--db", s(&store), "--output-format", "inspector"][..],
        &twin[..],
    ]
    .concat());
    assert_eq!(code, 1, "{err}");
    let insp: Value = serde_json::from_str(&out).unwrap();
    let f = insp["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resources"][0]["id"] == BATCH_B && f["type"] == "PACKAGE_VULNERABILITY")
        .unwrap();
    assert_eq!(f["resources"][0]["type"], "AWS_EC2_INSTANCE");
    assert_eq!(f["packageVulnerabilityDetails"]["vulnerabilityId"], REGEX);
    assert_eq!(f["packageVulnerabilityDetails"]["relatedVulnerabilities"][0], "CVE-2022-24713");
    assert_eq!(f["inspectorScore"], 6.5);
    assert_eq!(f["severity"], "MEDIUM");
    assert_eq!(f["fixAvailable"], "YES");
    assert_eq!(f["status"], "ACTIVE");
    assert!(insp["findings"].as_array().unwrap().iter().any(|f| f["networkReachabilityDetails"]["openPortRange"]["begin"] == 443));

    let (_, out, _) = run(&["findings", "list", "--db", s(&store), "--output-format", "sarif"]);
    let sarif: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let r = results.iter().find(|r| r["ruleId"] == REGEX && r["properties"]["resource"] == APP_A).unwrap();
    assert_eq!(r["level"], "error");
    assert!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().ends_with("Cargo.lock"));
    assert!(sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().iter().any(|x| x["id"] == REGEX));

    let (_, out, _) = run(&["findings", "list", "--db", s(&store), "--type", "PACKAGE_VULNERABILITY", "--output-format", "vex"]);
    let vex: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((vex["bomFormat"].as_str(), vex["specVersion"].as_str()), (Some("CycloneDX"), Some("1.6")));
    let v = vex["vulnerabilities"].as_array().unwrap().iter().find(|v| v["id"] == REGEX).unwrap();
    assert_eq!(v["affects"].as_array().unwrap().len(), 2, "both instances");
    assert_eq!(v["analysis"]["state"], "exploitable", "app-a is reachable from on-premises");
    assert_eq!(v["ratings"][0]["method"], "CVSSv31");
    assert_eq!(vex["components"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_inventory_records_are_reported_and_the_rest_used() {
    let tmp = tempfile::tempdir().unwrap();
    let inv = tmp.path().join("inv");
    std::fs::create_dir_all(inv.join(APP_A)).unwrap();
    std::fs::write(
        inv.join(APP_A).join("ssm.json"),
        r#"{"TypeName":"AWS:Application","InstanceId":"i-0a1a2b3c4d5e6f7a1","CaptureTime":"2024-05-02T08:30:12Z","Entries":[
            {"Name":"curl","PackageId":"curl_7.88.1-10+deb12u5_amd64.deb"},
            "not an object",
            {"Name":"bash","Version":"5.2.15-2+b2","PackageId":"bash_5.2.15-2+b2_amd64.deb"}]}"#,
    )
    .unwrap();
    std::fs::write(
        inv.join("sbom.cdx.json"),
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"properties":[{"name":"instanceId","value":"i-0a1a2b3c4d5e6f7b2"}]},
            "components":[{"type":"library","name":"x","purl":"cargo/regex@1.5.4"},{"type":"library","name":"regex","purl":"pkg:cargo/regex@1.5.4"}]}"#,
    )
    .unwrap();
    std::fs::write(inv.join("requirements.txt"), "Django==3.2.1\nflask==2.0.x\n").unwrap();
    let (code, v, err) = vulns(&inv, &tmp.path().join("f.db"), &[]);
    assert_eq!(code, 1, "{err}");
    let errors: Vec<(String, String)> = v["inventory"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                Path::new(e["file"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned(),
                e["at"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(errors.contains(&("ssm.json".into(), "$.Entries[0].Version".into())), "{errors:?}");
    assert!(errors.contains(&("ssm.json".into(), "$.Entries[1]".into())), "{errors:?}");
    assert!(errors.contains(&("sbom.cdx.json".into(), "$.components[0].purl".into())), "{errors:?}");
    assert!(errors.contains(&("requirements.txt".into(), "line 2".into())), "{errors:?}");
    // The rest was used: the SBOM's valid regex entry matched on batch-b.
    finding(&v, BATCH_B, REGEX);
    assert_eq!(v["inventory"]["packages"], 3, "bash, regex, Django");

    // Text output names the file and place on stderr.
    let (_, _, err) = run(&["vulns", s(&inv), "--vulndb", s(&vulndb()), "--db", s(&tmp.path().join("g.db"))]);
    assert!(err.contains("ssm.json: $.Entries[0].Version"), "{err}");

    // Nothing readable at all, or no database: exit 2.
    std::fs::write(tmp.path().join("junk.json"), "{\"hello\": 1}").unwrap();
    let (code, _, err) = vulns(&tmp.path().join("junk.json"), &tmp.path().join("h.db"), &[]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = json(&["vulns", s(&inv), "--vulndb", s(&tmp.path().join("none.sqlite")), "--db", s(&tmp.path().join("h.db"))]);
    assert_eq!(code, 2);
    assert!(err.contains("koban vulndb import"), "{err}");
}

#[test]
fn vulndb_import_reports_malformed_advisories() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("osv");
    std::fs::create_dir(&src).unwrap();
    std::fs::copy(osv().join("go/osv/GO-2022-0969.json"), src.join("GO-2022-0969.json")).unwrap();
    std::fs::write(src.join("bad.json"), r#"{"id":"GO-X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"v1..2"}]}]}]}"#).unwrap();
    let (code, v, err) = json(&["vulndb", "import", s(&src), "--vulndb", s(&tmp.path().join("db.sqlite"))]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["added"], 1);
    assert_eq!(v["errors"][0]["path"], "$.affected[0].ranges[0].events[1]");
    assert!(v["errors"][0]["file"].as_str().unwrap().ends_with("bad.json"));
    let (code, out, _) = run(&["vulndb", "show", "CVE-2022-27664", "--vulndb", s(&tmp.path().join("db.sqlite"))]);
    assert_eq!(code, 0);
    assert!(out.contains("GO-2022-0969"));
}

/// An inventory big enough that storing its findings takes a while: `n` instances, each with
/// the vulnerable crates of the corpus at an affected version.
fn big_inventory(dir: &Path, n: usize) -> PathBuf {
    let inv = dir.join("big");
    std::fs::create_dir_all(&inv).unwrap();
    let crates =
        [("regex", "1.5.4"), ("tokio", "1.8.3"), ("smallvec", "1.6.0"), ("time", "0.1.44"), ("h2", "0.3.23"), ("openssl", "0.10.54")];
    for i in 0..n {
        let mut comps = Vec::new();
        for (name, v) in crates {
            comps.push(serde_json::json!({"type": "library", "name": name, "version": v, "purl": format!("pkg:cargo/{name}@{v}")}));
        }
        let doc = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
            "metadata": {"properties": [{"name": "instanceId", "value": format!("i-{i:017x}")}]}, "components": comps});
        std::fs::write(inv.join(format!("sbom-{i}.cdx.json")), doc.to_string()).unwrap();
    }
    inv
}

#[test]
fn kill_9_mid_run_never_corrupts_or_loses_stored_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("findings.sqlite");
    // What is stored before the runs that get killed.
    let (_, before, _) = vulns(&example().join("inventory"), &store, &[]);
    let kept: Vec<String> = before["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect();
    assert!(!kept.is_empty());
    let inv = big_inventory(tmp.path(), 800);
    let db = vulndb();
    let bin = env!("CARGO_BIN_EXE_koban");
    // How long an uninterrupted run takes (the faster of two: the first reads cold files), to
    // spread the kills across it.
    let mut total = std::time::Duration::MAX;
    let mut full = None;
    for _ in 0..2 {
        let t = std::time::Instant::now();
        let out = Command::new(bin)
            .args(["vulns", s(&inv), "--vulndb", s(&db), "--db", s(&tmp.path().join("timing.sqlite")), "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        total = total.min(t.elapsed());
        full = Some(out);
    }
    let full = full.unwrap();
    let run_findings = serde_json::from_slice::<Value>(&full.stdout).unwrap()["findings"].as_array().unwrap().len();
    assert!(run_findings >= 800 * 6);
    let mut killed = 0;
    for k in 1..=5u32 {
        let mut child = Command::new(bin)
            .args(["vulns", s(&inv), "--vulndb", s(&db), "--db", s(&store), "--format", "json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(total * k / 7);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        child.wait().unwrap();
        // The store opens, passes SQLite's integrity check, and still has every earlier finding.
        let (code, listed, err) = json(&["findings", "list", "--db", s(&store)]);
        assert_eq!(code, 1, "{err}");
        let ids: Vec<&str> = listed["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
        for id in &kept {
            assert!(ids.contains(&id.as_str()), "finding {id} lost after kill {k}");
        }
        let n = listed["findings"].as_array().unwrap().len();
        assert!(n == kept.len() || n == kept.len() + run_findings, "a run's findings are stored whole or not at all: {n}");
    }
    assert!(killed >= 3, "most runs were killed mid-way ({killed})");
    let check = rusqlite_integrity(&store);
    assert_eq!(check, "ok");
}

fn rusqlite_integrity(store: &Path) -> String {
    let conn = rusqlite::Connection::open(store).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}
