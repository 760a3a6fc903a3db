//! End-to-end: `koban can` and `koban who-can` on the bundled landing zone
//! (`examples/landing-zone/`, see its README): the app instance reads `prod/db` through the
//! Secrets Manager endpoint; the same role over the NAT path is explicitly denied by the
//! secret's policy; a role without the identity permission is implicitly denied.

mod common;

use common::copy_dir;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SECRET: &str = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-Xk3pQ9";
const LEGACY_SECRET: &str = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:legacy/api-key-Lq8Rt2";
const APP_A: &str = "i-0a1a2b3c4d5e6f7a1";
const BATCH_B: &str = "i-0a1a2b3c4d5e6f7b2";
const ENDPOINT: &str = "vpce-0a1a2b3c4d5e6f7c1";
const DENY_STATEMENT: &str =
    "resource:arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-Xk3pQ9#DenyUnlessFromSecretsManagerEndpoint";

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/landing-zone/snapshot")
}

fn koban_in(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_koban")).arg(args[0]).arg(dir).args(&args[1..]).args(["--format", "json"]).output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).to_string())
}

fn can(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["can", "--action", "secretsmanager:GetSecretValue", "--resource", SECRET];
    args.extend_from_slice(extra);
    let (code, a, err) = koban_in(dir, &args);
    assert!(code == 0 || code == 1, "koban can failed ({code}): {err}");
    assert_eq!(a["schema"], "koban/can/v1");
    (code, a)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

#[test]
fn app_instance_reads_the_secret_through_the_endpoint() {
    let (code, a) = can(&example(), &["--from", APP_A]);
    assert_eq!(code, 0, "{a}");
    assert_eq!(a["decision"], "allow");
    assert_eq!(a["allowed"], true);
    // the instance profile's role, as EC2 names its sessions
    assert_eq!(a["caller"], format!("arn:aws:sts::111111111111:assumed-role/app-role/{APP_A}"));
    assert_eq!(strings(&a["decided_by"]), vec!["identity:arn:aws:iam::111111111111:role/app-role:inline/ReadDbSecret#ReadDbSecret"]);
    let net = &a["network"];
    assert_eq!(net["via"], "interface-endpoint");
    assert_eq!(net["endpoint"], ENDPOINT);
    assert_eq!(net["hops"].as_array().and_then(|h| h.last()).map(|h| h["resource"].clone()), Some(Value::from(ENDPOINT)));
    let cx = &a["context"];
    assert_eq!(cx["aws:SourceVpce"], ENDPOINT);
    assert_eq!(cx["aws:SourceVpc"], "vpc-0a1a2b3c4d5e6f701");
    assert_eq!(cx["aws:VpcSourceIp"], "10.10.10.10");
    assert!(cx.get("aws:SourceIp").is_none(), "no aws:SourceIp through an endpoint: {cx}");
    assert_eq!(cx["aws:PrincipalOrgID"], "o-a1b2c3d4e5");
    assert_eq!(cx["aws:PrincipalArn"], "arn:aws:iam::111111111111:role/app-role");
    // every policy type took part: the endpoint policy (which needs aws:PrincipalOrgID), the
    // boundary, the secret's policy, SCPs along root -> Workloads -> Prod -> account, RCPs
    let p = &a["policies"];
    assert_eq!(strings(&p["vpce"]), vec![ENDPOINT]);
    assert_eq!(strings(&p["boundary"]), vec!["arn:aws:iam::111111111111:policy/workload-boundary"]);
    assert_eq!(p["resource"], SECRET);
    let scp_levels: Vec<&str> = p["scp"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(scp_levels, vec!["r-a1b2", "ou-a1b2-90c1d2e3", "ou-a1b2-9f0d1e2f", "111111111111"]);
    assert!(a["explanation"]["vpce"]["allow"].to_string().contains("OrgPrincipalsReadSecrets"), "{}", a["explanation"]["vpce"]);
    assert!(a.get("conditional").is_none(), "nothing unsettled: {}", a["conditional"]);
}

#[test]
fn the_same_role_over_the_nat_path_is_denied_by_the_secret_policy() {
    // A copy of the landing zone whose VPC has no Secrets Manager endpoint: the SDK's call
    // goes to the public endpoint through the inspection endpoint, the NAT gateway and the
    // internet gateway.
    let dir = std::env::temp_dir().join(format!("koban-access-nat-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&example(), &dir);
    let endpoints = dir.join("111111111111/eu-west-1/VpcEndpoints.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&endpoints).unwrap()).unwrap();
    v["VpcEndpoints"].as_array_mut().unwrap().retain(|e| e["VpcEndpointId"] != ENDPOINT);
    std::fs::write(&endpoints, serde_json::to_string(&v).unwrap()).unwrap();

    let (code, a) = can(&dir, &["--from", APP_A]);
    assert_eq!(code, 1);
    assert_eq!(a["decision"], "explicit-deny");
    assert_eq!(strings(&a["decided_by"]), vec![DENY_STATEMENT]);
    let net = &a["network"];
    assert_eq!(net["via"], "internet");
    assert_eq!(strings(&net["public_ips"]), vec!["52.50.10.10"], "the NAT gateway's Elastic IP");
    let ids: Vec<&str> = net["hops"].as_array().unwrap().iter().map(|h| h["resource"].as_str().unwrap()).collect();
    assert!(ids.contains(&"nat-0a1a2b3c4d5e6f70a") && ids.contains(&"igw-0a1a2b3c4d5e6f701"), "{ids:?}");
    let cx = &a["context"];
    assert_eq!(cx["aws:SourceIp"], "52.50.10.10");
    for k in ["aws:SourceVpce", "aws:SourceVpc", "aws:VpcSourceIp"] {
        assert!(cx.get(k).is_none(), "{k} on the internet path: {cx}");
    }
    assert!(a["policies"]["vpce"].as_array().is_none_or(|v| v.is_empty()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_context_override_puts_the_request_on_the_internet() {
    let (code, a) = can(&example(), &["--principal", "arn:aws:iam::111111111111:role/app-role", "--context", "aws:SourceIp=52.50.10.10"]);
    assert_eq!(code, 1);
    assert_eq!(a["decision"], "explicit-deny");
    assert_eq!(strings(&a["decided_by"]), vec![DENY_STATEMENT]);
    assert!(a.get("conditional").is_none(), "aws:SourceIp settles the VPC keys as absent: {}", a["conditional"]);
    // without any network context, the decision is reported as depending on the endpoint
    let (_, a) = can(&example(), &["--principal", "app-role"]);
    assert_eq!(a["decision"], "explicit-deny");
    assert_eq!(strings(&a["conditional"]["keys"]), vec!["aws:SourceVpce"]);
    assert_eq!(a["conditional"]["at_best"], "allow");
}

#[test]
fn a_role_without_the_identity_permission_is_implicitly_denied() {
    let (code, a) = can(&example(), &["--from", BATCH_B]);
    assert_eq!(code, 1);
    assert_eq!(a["caller"], format!("arn:aws:sts::111111111111:assumed-role/batch-role/{BATCH_B}"));
    assert_eq!(a["decision"], "implicit-deny");
    assert_eq!(a["network"]["via"], "interface-endpoint", "batch-b reaches the endpoint (vpce-sg admits 100.64.0.0/16)");
    assert_eq!(strings(&a["explanation"]["missingAllow"]), vec!["identity"]);
    assert!(strings(&a["decided_by"]).is_empty());
}

#[test]
fn text_output_names_the_decision_and_statement() {
    let out = Command::new(env!("CARGO_BIN_EXE_koban"))
        .args(["can", example().to_str().unwrap(), "--from", APP_A, "--action", "secretsmanager:GetSecretValue", "--resource", SECRET])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ALLOWED") && text.contains("ReadDbSecret#ReadDbSecret") && text.contains(ENDPOINT), "{text}");
}

#[test]
fn bad_questions_exit_2_naming_what_was_expected() {
    for (args, expect) in [
        (vec!["--principal", "no-such-role"], "not in the twin"),
        (vec!["--from", "i-0a1a2b3c4d5e6f7a2"], "no instance profile"),
        (vec!["--principal", "app-role", "--context", "nonsense"], "expected key=value"),
        (vec!["--principal", "app-role", "--from", "vpc-0a1a2b3c4d5e6f701"], "expected an instance, network interface or subnet"),
    ] {
        let (code, _, err) = {
            let mut a = vec!["can", "--action", "secretsmanager:GetSecretValue", "--resource", SECRET];
            a.extend(args.iter());
            koban_in(&example(), &a)
        };
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
    }
}

#[test]
fn who_can_read_the_secret_and_from_where() {
    let (code, a, err) = koban_in(&example(), &["who-can", "--action", "secretsmanager:GetSecretValue", "--resource", SECRET]);
    assert_eq!(code, 1, "someone can: {err}");
    assert_eq!(a["schema"], "koban/who-can/v1");
    let who: Vec<&str> = a["principals"].as_array().unwrap().iter().map(|p| p["principal"].as_str().unwrap()).collect();
    assert_eq!(
        who,
        vec![
            "arn:aws:iam::111111111111:role/app-role",
            "arn:aws:iam::111111111111:root",
            "arn:aws:iam::111111111111:user/breakglass-admin"
        ]
    );
    for p in a["principals"].as_array().unwrap() {
        let origins: Vec<&str> = p["origins"].as_array().unwrap().iter().map(|o| o["origin"].as_str().unwrap()).collect();
        assert_eq!(origins, vec![format!("{ENDPOINT} in vpc-0a1a2b3c4d5e6f701")], "only through the endpoint: {p}");
        assert_eq!(p["access"], "allowed");
    }
    let app = &a["principals"][0];
    assert_eq!(
        strings(&app["origins"][0]["decided_by"]),
        vec!["identity:arn:aws:iam::111111111111:role/app-role:inline/ReadDbSecret#ReadDbSecret"]
    );
    // the origins: every live instance reaches the endpoint; the internet outside the twin
    let endpoint_origin = &a["origins"][0];
    assert_eq!(strings(&endpoint_origin["instances"]).len(), 4);
    assert!(a["origins"].as_array().unwrap().iter().any(|o| o["origin"] == "internet (outside the twin)"));
    assert!(a["evaluated"].as_u64() < a["considered"].as_u64());
}

#[test]
fn who_can_read_the_unlocked_secret_includes_the_internet() {
    let (code, a, _) = koban_in(&example(), &["who-can", "--action", "secretsmanager:GetSecretValue", "--resource", LEGACY_SECRET]);
    assert_eq!(code, 1);
    let admin = a["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["principal"] == "arn:aws:iam::111111111111:user/breakglass-admin")
        .expect("admin");
    let origins: Vec<&str> = admin["origins"].as_array().unwrap().iter().map(|o| o["origin"].as_str().unwrap()).collect();
    assert!(origins.contains(&"internet (outside the twin)"), "{origins:?}");
    // app-role's identity policy covers prod/db only
    assert!(!a["principals"].to_string().contains("role/app-role"));
}
