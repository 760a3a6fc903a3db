//! End-to-end: the operations-readiness, organization, CI/CD and Cognito checks of `koban
//! check`, each on a passing and a failing copy of the bundled landing zone
//! (`examples/landing-zone`, AWS CLI output), changed the way an operator would change the
//! account.

mod common;

use common::{copy_dir, edit_json};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const PROD: &str = "111111111111/eu-west-1";
const ORG: &str = "555555555555/organizations";
const LEGACY: &str = "i-0a1a2b3c4d5e6f7a2";
const APP_A: &str = "i-0a1a2b3c4d5e6f7a1";
const POOL: &str = "eu-west-1_Pa7mEnt5x";
const IDENTITY_POOL: &str = "eu-west-1:3f2a8b1c-9d4e-4f6a-b7c8-0d1e2f3a4b5c";

/// A copy of the example (koban.yaml beside the snapshot) and its snapshot directory.
fn landing_zone() -> (tempfile::TempDir, PathBuf) {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/landing-zone");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&example.join("snapshot"), &dir.path().join("snapshot"));
    std::fs::copy(example.join("koban.yaml"), dir.path().join("koban.yaml")).unwrap();
    let snap = dir.path().join("snapshot");
    (dir, snap)
}

fn check(snapshot: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_koban")).arg("check").arg(snapshot).args(["--format", "json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(v["schema"], "koban/check/v1", "{}", String::from_utf8_lossy(&out.stderr));
    v
}

fn status(report: &Value, id: &str) -> String {
    let c = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == id);
    c.map(|c| c["status"].as_str().unwrap().to_string()).unwrap_or_else(|| panic!("{id} not run"))
}

fn findings<'a>(report: &'a Value, id: &str) -> Vec<&'a Value> {
    report["findings"].as_array().unwrap().iter().filter(|f| f["source"] == id).collect()
}

/// `id` fails with exactly one finding, on `resource`, whose description mentions `mention`.
fn fails_once(report: &Value, id: &str, resource: &str, mention: &str) -> Value {
    assert_eq!(status(report, id), "fail", "{id}: {}", report["checks"]);
    let f = findings(report, id);
    assert_eq!(f.len(), 1, "{id}: {f:#?}");
    assert_eq!(f[0]["resource"], resource, "{id}: {}", f[0]);
    assert!(f[0]["description"].as_str().unwrap().contains(mention), "{id}: {}", f[0]["description"]);
    assert!(!f[0]["remediation"].as_str().unwrap().is_empty());
    f[0].clone()
}

fn passes(report: &Value, id: &str) {
    assert_eq!(status(report, id), "pass", "{id}: {:#?}", findings(report, id));
}

/// Make legacy-a a managed instance: the app role's instance profile, patched, and no SSH
/// from 10.0.0.0/8.
fn fix_legacy(snap: &Path) {
    edit_json(&snap.join(PROD).join("Reservations.json"), |v| {
        for r in v["Reservations"].as_array_mut().unwrap() {
            for i in r["Instances"].as_array_mut().unwrap() {
                if i["InstanceId"] == LEGACY {
                    i["IamInstanceProfile"] =
                        json!({"Arn": "arn:aws:iam::111111111111:instance-profile/app-role", "Id": "AIPA0AA0000000000001"});
                }
            }
        }
    });
    edit_json(&snap.join(PROD).join("InstancePatchStates.json"), |v| {
        let mut s = v["InstancePatchStates"][0].clone();
        s["InstanceId"] = json!(LEGACY);
        v["InstancePatchStates"].as_array_mut().unwrap().push(s);
    });
    edit_json(&snap.join(PROD).join("SecurityGroups.json"), |v| {
        for g in v["SecurityGroups"].as_array_mut().unwrap() {
            if g["GroupName"] == "legacy-sg" {
                g["IpPermissions"].as_array_mut().unwrap().retain(|p| p["FromPort"] != 22);
            }
        }
    });
}

#[test]
fn the_example_passes_the_governance_checks_and_shows_its_legacy_bastion() {
    let (_d, snap) = landing_zone();
    let r = check(&snap);
    for id in [
        "KBN-OPS-004",
        "KBN-ORG-001",
        "KBN-ORG-002",
        "KBN-ORG-003",
        "KBN-ORG-004",
        "KBN-ORG-005",
        "KBN-ORG-006",
        "KBN-ORG-007",
        "KBN-ORG-008",
        "KBN-ORG-009",
        "KBN-CICD-001",
        "KBN-CICD-002",
        "KBN-CICD-003",
        "KBN-CICD-004",
        "KBN-COG-001",
        "KBN-COG-002",
        "KBN-COG-003",
        "KBN-COG-004",
    ] {
        passes(&r, id);
    }
    // legacy-a, the deliberate mistake: no instance profile, never patched, SSH from 10/8,
    // reachable from on-premises on SSH
    fails_once(&r, "KBN-OPS-001", LEGACY, "no instance profile");
    fails_once(&r, "KBN-OPS-005", LEGACY, "never scanned");
    let ssh = fails_once(&r, "KBN-OPS-002", "sg-0aa0000000000a002", "10.0.0.0/8");
    assert_eq!(ssh["severity"]["value"], 6.0);
    fails_once(&r, "KBN-OPS-003", LEGACY, "SSH tcp/22 from network:onprem");
}

#[test]
fn kbn_ops_session_manager_and_patching_pass_on_a_managed_instance() {
    let (_d, snap) = landing_zone();
    fix_legacy(&snap);
    let r = check(&snap);
    for id in ["KBN-OPS-001", "KBN-OPS-002", "KBN-OPS-003", "KBN-OPS-004", "KBN-OPS-005"] {
        passes(&r, id);
    }
}

#[test]
fn kbn_ops_001_session_manager_needs_the_role_permissions_and_the_endpoints() {
    // the app role loses AmazonSSMManagedInstanceCore: the policy engine denies the agent
    let (_d, snap) = landing_zone();
    fix_legacy(&snap);
    edit_json(&snap.join("111111111111/iam/AccountAuthorizationDetails.json"), |v| {
        for r in v["RoleDetailList"].as_array_mut().unwrap() {
            if r["RoleName"] == "app-role" {
                r["AttachedManagedPolicies"].as_array_mut().unwrap().retain(|p| p["PolicyName"] != "AmazonSSMManagedInstanceCore");
            }
        }
    });
    let r = check(&snap);
    let f = findings(&r, "KBN-OPS-001");
    let ids: Vec<&str> = f.iter().map(|f| f["resource"].as_str().unwrap()).collect();
    assert_eq!(ids, [APP_A, LEGACY, "i-0a1a2b3c4d5e6f7b1"], "{f:#?}");
    let failures = f[0]["evidence"]["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 6);
    assert!(failures.iter().all(|x| x["decision"] == "implicit-deny"), "{failures:#?}");

    // the endpoints' security group no longer admits the instance subnets: the agent's calls
    // go to the interface endpoints (private DNS) and stop at their security group
    let (_d, snap) = landing_zone();
    fix_legacy(&snap);
    edit_json(&snap.join(PROD).join("SecurityGroups.json"), |v| {
        for g in v["SecurityGroups"].as_array_mut().unwrap() {
            if g["GroupName"] == "vpce-sg" {
                g["IpPermissions"] = json!([]);
            }
        }
    });
    let r = check(&snap);
    let f = findings(&r, "KBN-OPS-001");
    assert!(f.iter().any(|f| f["resource"] == APP_A), "{f:#?}");
    let app = f.iter().find(|f| f["resource"] == APP_A).unwrap();
    let failures = app["evidence"]["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 6);
    assert!(failures.iter().all(|x| x["via"] == "unreachable"), "{failures:#?}");
    assert!(app["description"].as_str().unwrap().contains("unreachable"), "{}", app["description"]);
}

#[test]
fn kbn_ops_002_003_ssh_from_anywhere_makes_a_bastion() {
    let (_d, snap) = landing_zone();
    fix_legacy(&snap);
    edit_json(&snap.join(PROD).join("SecurityGroups.json"), |v| {
        for g in v["SecurityGroups"].as_array_mut().unwrap() {
            if g["GroupName"] == "app-sg" {
                g["IpPermissions"].as_array_mut().unwrap().push(json!({"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}));
            }
        }
    });
    let r = check(&snap);
    let f = fails_once(&r, "KBN-OPS-002", "sg-0aa0000000000a001", "RDP on tcp/3389 from 0.0.0.0/0");
    assert_eq!(f["severity"]["value"], 8.0);
    // on-premises (10.100.0.0/16) now reaches app-a and app-b on RDP through the TGW
    let b: Vec<&str> = findings(&r, "KBN-OPS-003").iter().map(|f| f["resource"].as_str().unwrap()).collect();
    assert_eq!(b, [APP_A, "i-0a1a2b3c4d5e6f7b1"]);
}

#[test]
fn kbn_ops_004_repository_networks_must_be_reachable() {
    let (d, snap) = landing_zone();
    fix_legacy(&snap);
    let yaml = std::fs::read_to_string(d.path().join("koban.yaml")).unwrap();
    let more = "  mirror:\n    cidrs: [172.16.0.0/16]\n    via: [vpn-0a1a2b3c4d5e6f701]\npatching:\n  repositories: [mirror]\n";
    std::fs::write(
        d.path().join("koban.yaml"),
        yaml.replace("    via: [vpn-0a1a2b3c4d5e6f701]\n", &format!("    via: [vpn-0a1a2b3c4d5e6f701]\n{more}")),
    )
    .unwrap();
    let r = check(&snap);
    let f = findings(&r, "KBN-OPS-004");
    assert_eq!(f.len(), 4, "{f:#?}");
    assert!(f[0]["description"].as_str().unwrap().contains("the repository networks mirror"));
}

#[test]
fn kbn_ops_005_missing_patches() {
    let (_d, snap) = landing_zone();
    fix_legacy(&snap);
    edit_json(&snap.join(PROD).join("InstancePatchStates.json"), |v| v["InstancePatchStates"][0]["MissingCount"] = json!(3));
    let r = check(&snap);
    fails_once(&r, "KBN-OPS-005", APP_A, "3 missing");
}

#[test]
fn kbn_org_001_workloads_in_the_management_account() {
    let (_d, snap) = landing_zone();
    edit_json(&snap.join(ORG).join("Organization.json"), |v| {
        v["Organization"]["MasterAccountId"] = json!("111111111111");
        v["Organization"]["MasterAccountArn"] = json!("arn:aws:organizations::111111111111:account/o-a1b2c3d4e5/111111111111");
    });
    let r = check(&snap);
    fails_once(&r, "KBN-ORG-001", "111111111111", APP_A);
}

/// Move account `id` from one `list-accounts-for-parent` file to another.
fn move_account(snap: &Path, id: &str, from: &str, to: &str) {
    let mut moved = Value::Null;
    edit_json(&snap.join(ORG).join("Accounts").join(format!("{from}.json")), |v| {
        let list = v["Accounts"].as_array_mut().unwrap();
        let i = list.iter().position(|a| a["Id"] == id).unwrap();
        moved = list.remove(i);
    });
    edit_json(&snap.join(ORG).join("Accounts").join(format!("{to}.json")), |v| v["Accounts"].as_array_mut().unwrap().push(moved));
}

#[test]
fn kbn_org_002_003_accounts_under_the_root_and_mixed_environments() {
    let (_d, snap) = landing_zone();
    move_account(&snap, "444444444444", "ou-a1b2-1f7a3c4d", "r-a1b2");
    move_account(&snap, "666666666666", "ou-a1b2-de7a1b2c", "ou-a1b2-9f0d1e2f");
    let r = check(&snap);
    fails_once(&r, "KBN-ORG-002", "444444444444", "child of root r-a1b2");
    fails_once(&r, "KBN-ORG-003", "ou-a1b2-9f0d1e2f", "development accounts 666666666666");
}

#[test]
fn kbn_org_004_no_log_archive_account() {
    let (_d, snap) = landing_zone();
    edit_json(&snap.join(ORG).join("Accounts/ou-a1b2-5ec4a1b2.json"), |v| {
        v["Accounts"].as_array_mut().unwrap().retain(|a| a["Id"] != "777777777777");
    });
    let r = check(&snap);
    let f = fails_once(&r, "KBN-ORG-004", "o-a1b2c3d4e5", "log-archive role");
    assert_eq!(f["title"], "the organization has no log-archive account");
}

#[test]
fn kbn_org_005_guardrail_scps_by_the_policy_engine() {
    let (_d, snap) = landing_zone();
    edit_json(&snap.join(ORG).join("Policy/p-9a8b7c6d.json"), |v| {
        let mut content: Value = serde_json::from_str(v["Policy"]["Content"].as_str().unwrap()).unwrap();
        content["Statement"]
            .as_array_mut()
            .unwrap()
            .retain(|s| s["Sid"] != "ProtectSecurityServices" && s["Sid"] != "DenyOutsideApprovedRegions");
        v["Policy"]["Content"] = json!(content.to_string());
    });
    let r = check(&snap);
    let f = findings(&r, "KBN-ORG-005");
    let accounts: Vec<&str> = f.iter().map(|f| f["resource"].as_str().unwrap()).collect();
    assert_eq!(accounts, ["111111111111", "222222222222", "333333333333", "444444444444", "666666666666", "777777777777"]);
    let d = f[0]["description"].as_str().unwrap();
    for what in [
        "deny disabling GuardDuty",
        "deny stopping CloudTrail",
        "deny stopping AWS Config",
        "deny deleting VPC flow logs",
        "restrict regions",
    ] {
        assert!(d.contains(what), "{what}: {d}");
    }
    assert!(!d.contains("leaving the organization"), "{d}");
}

#[test]
fn kbn_org_006_007_guardduty_and_inspector_everywhere() {
    let (_d, snap) = landing_zone();
    edit_json(&snap.join("333333333333/eu-west-1/GuardDutyMembers.json"), |v| {
        for m in v["Members"].as_array_mut().unwrap() {
            if m["AccountId"] == "666666666666" {
                m["RelationshipStatus"] = json!("Removed");
            }
        }
    });
    edit_json(&snap.join("333333333333/eu-west-1/InspectorAccountStatus.json"), |v| {
        v["accounts"][1]["state"]["status"] = json!("DISABLED");
    });
    let r = check(&snap);
    fails_once(&r, "KBN-ORG-006", "666666666666", "relationship Removed");
    fails_once(&r, "KBN-ORG-007", "222222222222", "Amazon Inspector is DISABLED");
    // no delegated administrator at all
    let (_d, snap) = landing_zone();
    edit_json(&snap.join(ORG).join("DelegatedAdministrators/guardduty.amazonaws.com.json"), |v| v["DelegatedAdministrators"] = json!([]));
    let r = check(&snap);
    fails_once(&r, "KBN-ORG-006", "o-a1b2c3d4e5", "No account administers GuardDuty");
}

#[test]
fn kbn_org_008_009_flow_logs_and_the_organization_trail() {
    let (_d, snap) = landing_zone();
    edit_json(&snap.join(PROD).join("FlowLogs.json"), |v| v["FlowLogs"][0]["TrafficType"] = json!("REJECT"));
    edit_json(&snap.join("555555555555/eu-west-1/TrailStatus/org-trail.json"), |v| v["IsLogging"] = json!(false));
    let r = check(&snap);
    fails_once(&r, "KBN-ORG-008", "vpc-0a1a2b3c4d5e6f701", "captures only REJECT");
    fails_once(&r, "KBN-ORG-009", "o-a1b2c3d4e5", "org-trail (organization, all regions, not logging)");
    // without describe-flow-logs output the check cannot tell
    let (_d, snap) = landing_zone();
    std::fs::remove_file(snap.join(PROD).join("FlowLogs.json")).unwrap();
    let r = check(&snap);
    assert_eq!(status(&r, "KBN-ORG-008"), "unknown");
}

/// Add `principal` to the trust policy of production role `role`.
fn trust(snap: &Path, role: &str, principal: &str) {
    edit_json(&snap.join("111111111111/iam/AccountAuthorizationDetails.json"), |v| {
        for r in v["RoleDetailList"].as_array_mut().unwrap() {
            if r["RoleName"] == role {
                r["AssumeRolePolicyDocument"]["Statement"].as_array_mut().unwrap().push(json!({
                    "Sid": "Extra", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"
                }));
            }
        }
    });
}

#[test]
fn kbn_cicd_001_002_deploy_role_trusted_by_a_development_account() {
    let (_d, snap) = landing_zone();
    trust(&snap, "cicd-deploy-role", "arn:aws:iam::666666666666:role/dev-runner");
    let r = check(&snap);
    let role = "arn:aws:iam::111111111111:role/cicd-deploy-role";
    let f = fails_once(&r, "KBN-CICD-001", role, "arn:aws:iam::666666666666:role/dev-runner");
    assert!(!f["evidence"]["deploy_actions"].as_array().unwrap().is_empty());
    fails_once(&r, "KBN-CICD-002", role, "arn:aws:iam::666666666666:role/dev-runner can assume");
    // the network account may assume the vendor role, which cannot deploy: not a deploy role
    let (_d, snap) = landing_zone();
    trust(&snap, "vendor-monitoring-role", "222222222222");
    let r = check(&snap);
    passes(&r, "KBN-CICD-001");
}

#[test]
fn kbn_cicd_002_development_principals_on_production_data() {
    let (_d, snap) = landing_zone();
    let key = snap.join(PROD).join("KmsKeyPolicies/7c1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6.json");
    edit_json(&key, |v| {
        let mut p: Value = serde_json::from_str(v["Policy"].as_str().unwrap()).unwrap();
        p["Statement"].as_array_mut().unwrap().push(json!({
            "Sid": "DevDecrypt", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::666666666666:role/dev-app"},
            "Action": "kms:Decrypt", "Resource": "*"
        }));
        v["Policy"] = json!(p.to_string());
    });
    let r = check(&snap);
    let f = findings(&r, "KBN-CICD-002");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0]["resource"].as_str().unwrap().contains(":key/7c1e2f3a"), "{}", f[0]["resource"]);
    assert!(f[0]["description"].as_str().unwrap().contains("arn:aws:iam::666666666666:role/dev-app"));
}

#[test]
fn kbn_cicd_003_004_event_buses_and_findings_routing() {
    let (_d, snap) = landing_zone();
    edit_json(&snap.join("333333333333/eu-west-1/EventBuses.json"), |v| {
        v["EventBuses"][1]["Policy"] = json!(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"AnyonePutFindings","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"arn:aws:events:eu-west-1:333333333333:event-bus/security-findings"}]}"#
        );
    });
    edit_json(&snap.join(PROD).join("EventRuleTargets/findings-to-security.json"), |v| {
        v["Targets"][0]["Arn"] = json!("arn:aws:events:eu-west-1:111111111111:event-bus/default");
    });
    let r = check(&snap);
    fails_once(&r, "KBN-CICD-003", "arn:aws:events:eu-west-1:333333333333:event-bus/security-findings", "AnyonePutFindings");
    // GuardDuty findings reach the security account through its administrator; Inspector's do not
    fails_once(&r, "KBN-CICD-004", "111111111111", "aws.inspector2");
}

#[test]
fn kbn_cog_user_pools_and_identity_pools() {
    let (_d, snap) = landing_zone();
    edit_json(&snap.join(PROD).join(format!("CognitoUserPools/{POOL}.json")), |v| {
        v["UserPool"]["MfaConfiguration"] = json!("OFF");
        v["UserPool"]["Policies"]["PasswordPolicy"]["MinimumLength"] = json!(6);
        v["UserPool"]["Policies"]["PasswordPolicy"]["RequireSymbols"] = json!(false);
        v["UserPool"]["UserPoolAddOns"]["AdvancedSecurityMode"] = json!("AUDIT");
    });
    edit_json(&snap.join(PROD).join("CognitoIdentityPools/eu-west-1_3f2a8b1c.json"), |v| v["AllowUnauthenticatedIdentities"] = json!(true));
    edit_json(&snap.join(PROD).join("CognitoIdentityPoolRoles/eu-west-1_3f2a8b1c.json"), |v| {
        v["Roles"]["unauthenticated"] = json!("arn:aws:iam::111111111111:role/mobile-app-authenticated-role");
    });
    let r = check(&snap);
    fails_once(&r, "KBN-COG-001", POOL, "MfaConfiguration OFF");
    fails_once(&r, "KBN-COG-002", POOL, "minimum length 6 (< 8), symbols not required");
    let f = fails_once(&r, "KBN-COG-003", POOL, "only logged");
    assert_eq!(f["severity"]["value"], 3.0);
    let f = fails_once(&r, "KBN-COG-004", IDENTITY_POOL, "s3:PutObject");
    assert!(!f["description"].as_str().unwrap().contains("s3:GetObject"), "reads are not writes: {}", f["description"]);
}

#[test]
fn checks_without_their_data_are_skipped_or_unknown_never_passed() {
    let (_d, snap) = landing_zone();
    std::fs::remove_dir_all(snap.join(ORG)).unwrap();
    for dir in ["CognitoUserPools", "CognitoIdentityPools", "CognitoIdentityPoolRoles"] {
        std::fs::remove_dir_all(snap.join(PROD).join(dir)).unwrap();
    }
    std::fs::remove_file(snap.join("555555555555/eu-west-1/Trails.json")).unwrap();
    std::fs::remove_file(snap.join("555555555555/eu-west-1/TrailStatus/org-trail.json")).unwrap();
    let r = check(&snap);
    for id in ["KBN-ORG-001", "KBN-ORG-002", "KBN-ORG-005", "KBN-COG-001", "KBN-COG-004", "KBN-CICD-001"] {
        assert_eq!(status(&r, id), "skipped", "{id}");
    }
    assert_eq!(status(&r, "KBN-ORG-009"), "unknown");
    let notes = r["notes"].as_array().unwrap();
    assert!(notes.iter().any(|n| n.as_str().unwrap().starts_with("KBN-ORG-001: no AWS Organizations data")), "{notes:?}");
}
