//! End-to-end: the IAM landing-zone checks of `koban check`, each on a passing and a failing
//! fixture (`tests/fixtures/iam/<check>-{pass,fail}/`, AWS CLI output shapes), plus damaged
//! IAM and secret data: invalid policy JSON, URL-encoded documents, policies AWS rejects.

mod common;

use common::{copy_dir, edit_json as edit};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iam").join(name)
}

fn check(dir: &Path) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_koban")).arg("check").arg(dir).args(["--format", "json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(v["schema"], "koban/check/v1", "{}", String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), v)
}

fn status(report: &Value, id: &str) -> String {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .map(|c| c["status"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

fn findings<'a>(report: &'a Value, id: &str) -> Vec<&'a Value> {
    report["findings"].as_array().unwrap().iter().filter(|f| f["source"] == id).collect()
}

/// The pass fixture passes `id`; the fail fixture fails it with one finding on `resource`
/// whose description mentions `mention`.
fn pass_and_fail(id: &str, resource: &str, mention: &str) -> Value {
    let lower = id.to_ascii_lowercase();
    let (_, pass) = check(&fixture(&format!("{lower}-pass")));
    assert_eq!(status(&pass, id), "pass", "{id} pass fixture: {}", pass["findings"]);
    assert!(findings(&pass, id).is_empty());
    let (code, fail) = check(&fixture(&format!("{lower}-fail")));
    assert_eq!(code, 1);
    assert_eq!(status(&fail, id), "fail");
    let f = findings(&fail, id);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["resource"], resource);
    assert!(f[0]["description"].as_str().unwrap().contains(mention), "{}", f[0]["description"]);
    assert!(!f[0]["remediation"].as_str().unwrap().is_empty());
    f[0].clone()
}

const SECRET: &str = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:app/token-Ab12Cd";

#[test]
fn kbn_iam_001_secret_policy_must_restrict() {
    // pass: a Deny outside 203.0.113.0/24 (a CIDR lock); fail: only an Allow for one role
    let f = pass_and_fail("KBN-IAM-001", SECRET, "does not deny a request from outside any VPC endpoint");
    assert_eq!(f["evidence"]["probe"]["decision"], "allow");
    assert_eq!(f["type"], "koban:IAM/SecretPolicyUnrestricted");
}

#[test]
fn kbn_iam_002_secret_not_readable_from_the_internet() {
    // pass: Deny unless aws:SourceVpce; fail: locked to a role only, which can read it from anywhere
    let f = pass_and_fail("KBN-IAM-002", SECRET, "arn:aws:iam::111111111111:role/token-reader");
    let who: Vec<&str> = f["evidence"]["principals"].as_array().unwrap().iter().map(|p| p["principal"].as_str().unwrap()).collect();
    assert_eq!(who, vec!["arn:aws:iam::111111111111:role/token-reader"]);
    assert_eq!(f["severity"]["label"], "HIGH");
    // the CIDR-locked secret is readable from the internet only from 203.0.113.0/24: conditional
    let (_, cidr) = check(&fixture("kbn-iam-001-pass"));
    let c = findings(&cidr, "KBN-IAM-002");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0]["severity"]["label"], "MEDIUM");
    assert!(c[0]["description"].as_str().unwrap().contains("if aws:SourceIp"), "{}", c[0]["description"]);
}

#[test]
fn kbn_iam_003_cross_account_trust_needs_org_or_external_id() {
    let f = pass_and_fail("KBN-IAM-003", "arn:aws:iam::111111111111:role/partner-audit-role", "222233334444");
    assert_eq!(f["evidence"]["statement"], "arn:aws:iam::111111111111:role/partner-audit-role:trust-policy#PartnerAccount");
}

#[test]
fn kbn_iam_004_cognito_trust_needs_aud_and_amr() {
    let f = pass_and_fail("KBN-IAM-004", "arn:aws:iam::111111111111:role/app-authenticated-role", "cognito-identity.amazonaws.com:amr");
    assert_eq!(f["evidence"]["missing"], json!(["cognito-identity.amazonaws.com:amr"]));
}

#[test]
fn the_bundled_landing_zone_fails_only_its_deliberate_iam_mistakes() {
    let (_, r) = check(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/landing-zone/snapshot"));
    let on = |id: &str| findings(&r, id).iter().map(|f| f["resource"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let legacy = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:legacy/api-key-Lq8Rt2".to_string();
    assert_eq!(on("KBN-IAM-001"), vec![legacy.clone()], "prod/db is locked to its endpoint");
    assert_eq!(on("KBN-IAM-002"), vec![legacy]);
    assert_eq!(on("KBN-IAM-003"), vec!["arn:aws:iam::111111111111:role/vendor-monitoring-role"], "cicd-deploy-role has aws:PrincipalOrgID");
    assert_eq!(status(&r, "KBN-IAM-004"), "pass");
    assert!(r["diagnostics"].as_array().unwrap().is_empty(), "{}", r["diagnostics"]);
}

fn koban(dir: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_koban")).arg(args[0]).arg(dir).args(&args[1..]).args(["--format", "json"]).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn diagnostics(a: &Value) -> Vec<String> {
    a["diagnostics"]
        .as_array()
        .map(|d| {
            d.iter().map(|x| format!("{} {} {} {}", x["severity"], x["origin"]["file"], x["origin"]["location"], x["message"])).collect()
        })
        .unwrap_or_default()
}

#[test]
fn damaged_policies_are_reported_with_file_and_json_path() {
    let dir = std::env::temp_dir().join(format!("koban-iam-damaged-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/landing-zone/snapshot"), &dir);
    let iam = dir.join("111111111111/iam/AccountAuthorizationDetails.json");
    edit(&iam, |v| {
        for r in v["RoleDetailList"].as_array_mut().unwrap() {
            match r["RoleName"].as_str() {
                // not JSON at all
                Some("batch-role") => r["RolePolicyList"][0]["PolicyDocument"] = json!("{\"Version\": \"2012-10-17\", \"Statement\": ["),
                // URL-encoded, as the IAM API returns it: read as the same document
                Some("app-role") => {
                    let text = r["RolePolicyList"][0]["PolicyDocument"].to_string();
                    let encoded: String = text
                        .bytes()
                        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
                        .collect();
                    r["RolePolicyList"][0]["PolicyDocument"] = json!(encoded);
                }
                // grammar AWS accepts, but a condition operator it rejects
                Some("cicd-deploy-role") => {
                    r["AssumeRolePolicyDocument"]["Statement"][0]["Condition"] =
                        json!({"StringEqualz": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})
                }
                // a wrong type where a policy grammar wants a string
                Some("vendor-monitoring-role") => r["AssumeRolePolicyDocument"]["Statement"][0]["Effect"] = json!(42),
                _ => {}
            }
        }
    });
    let secret = dir.join("111111111111/eu-west-1/SecretPolicies/prod-db.json");
    edit(&secret, |v| v["ResourcePolicy"] = json!(17));

    let a = koban(
        &dir,
        &[
            "can",
            "--from",
            "i-0a1a2b3c4d5e6f7a1",
            "--action",
            "secretsmanager:GetSecretValue",
            "--resource",
            "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-Xk3pQ9",
        ],
    );
    let d = diagnostics(&a);
    let has = |file: &str, path: &str, what: &str| d.iter().any(|x| x.contains(file) && x.contains(path) && x.contains(what));
    assert!(has("AccountAuthorizationDetails.json", "/RoleDetailList/1/RolePolicyList/0/PolicyDocument", "not valid JSON"), "{d:#?}");
    assert!(
        has(
            "AccountAuthorizationDetails.json",
            "/RoleDetailList/2/AssumeRolePolicyDocument/Statement/0/Condition/StringEqualz",
            "AWS would reject"
        ),
        "{d:#?}"
    );
    assert!(
        has("AccountAuthorizationDetails.json", "/RoleDetailList/4/AssumeRolePolicyDocument/Statement/0/Effect", "policy grammar"),
        "{d:#?}"
    );
    assert!(has("prod-db.json", "/ResourcePolicy", "expected a policy document"), "{d:#?}");
    // the URL-encoded inline policy still grants; the unreadable secret policy is not assumed
    // to be absent silently: the answer lists it
    assert_eq!(a["decision"], "allow");
    assert!(a["decided_by"].to_string().contains("ReadDbSecret"), "{}", a["decided_by"]);
    assert!(a["unknowns"].to_string().contains("prod/db-Xk3pQ9"), "{}", a["unknowns"]);

    // who-can and check still answer, listing what they could not read
    let w = koban(&dir, &["who-can", "--action", "sts:AssumeRole", "--resource", "arn:aws:iam::111111111111:role/vendor-monitoring-role"]);
    assert_eq!(w["schema"], "koban/who-can/v1");
    assert!(w["unknowns"].to_string().contains("trust policy"), "{}", w["unknowns"]);
    let (_, c) = check(&dir);
    assert_eq!(status(&c, "KBN-IAM-003"), "unknown", "{}", c["checks"]);
    let _ = std::fs::remove_dir_all(&dir);
}
