//! A seeded generator of a large IAM account in snapshot form, for timing `koban who-can`:
//! `get-account-authorization-details` with N roles (trust, one inline policy, two attached
//! managed policies, a permissions boundary on some, tags) and M customer managed policies
//! (a few statements each over common services; some grant reads of the account's secrets,
//! with and without conditions), the secrets with their resource policies, and an
//! organization with SCPs and an RCP.

use crate::error::{BenchError, Result};
use crate::gen::write::Written;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::path::Path;

pub const ACCOUNT: &str = "111111111111";
const MANAGEMENT: &str = "999999999999";
const ORG: &str = "o-b3c4d5e6f7";
const ROOT: &str = "r-b3c4";
const OU: &str = "ou-b3c4-0a1b2c3d";
const VPCE: &str = "vpce-0a1a2b3c4d5e6f7c1";
const TEAMS: [&str; 8] = ["payments", "ledger", "platform", "analytics", "search", "identity", "billing", "risk"];

/// The secret `who-can` is asked about.
pub fn secret_arn() -> String {
    format!("arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:prod/payments/db-Xk3pQ9")
}

fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

const PLAIN: &[(&str, &str)] = &[
    ("s3:GetObject", "arn:aws:s3:::artifacts-111111111111/TEAM/*"),
    ("s3:PutObject", "arn:aws:s3:::logs-111111111111/TEAM/*"),
    ("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:111111111111:table/TEAM-*"),
    ("dynamodb:PutItem", "arn:aws:dynamodb:eu-west-1:111111111111:table/TEAM-*"),
    ("sqs:SendMessage", "arn:aws:sqs:eu-west-1:111111111111:TEAM-*"),
    ("logs:PutLogEvents", "*"),
    ("ssm:GetParameter", "arn:aws:ssm:eu-west-1:111111111111:parameter/TEAM/*"),
    ("kms:Decrypt", "*"),
    ("cloudwatch:PutMetricData", "*"),
    ("ec2:DescribeInstances", "*"),
];

fn statement(rng: &mut ChaCha8Rng, team: &str, secrets_share: f64) -> Value {
    if rng.gen_bool(secrets_share) {
        let resource = match rng.gen_range(0..4) {
            0 => json!("*"),
            1 => json!(format!("arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:prod/{team}/*")),
            2 => json!(format!("arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:prod/*")),
            _ => json!(secret_arn()),
        };
        let mut s =
            json!({"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "Resource": resource});
        match rng.gen_range(0..4) {
            0 => s["Condition"] = json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
            1 => s["Condition"] = json!({"StringEquals": {"aws:PrincipalTag/team": team}}),
            _ => {}
        }
        return s;
    }
    let (action, resource) = PLAIN.choose(rng).copied().unwrap_or(PLAIN[0]);
    json!({"Effect": "Allow", "Action": action, "Resource": resource.replace("TEAM", team)})
}

fn policy(name: &str, document: Value, attachments: u64) -> Value {
    json!({"PolicyName": name, "PolicyId": format!("ANPA{:017}", name.len() as u64 * 7919 + attachments), "Arn": format!("arn:aws:iam::{ACCOUNT}:policy/{name}"),
        "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": attachments, "PermissionsBoundaryUsageCount": 0, "IsAttachable": true,
        "CreateDate": "2024-01-10T10:00:00+00:00", "UpdateDate": "2024-01-10T10:00:00+00:00",
        "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": "2024-01-10T10:00:00+00:00"}]})
}

/// What was generated.
pub struct AccountSummary {
    pub roles: usize,
    pub managed_policies: usize,
    pub inline_policies: usize,
    pub written: Written,
}

/// Write the account under `out` (`<account>/iam/…`, `<account>/eu-west-1/…`,
/// `<management>/organizations/…`).
pub fn generate(out: &Path, roles: usize, policies: usize, seed: u64) -> Result<AccountSummary> {
    let boundaries = 10;
    if policies <= boundaries {
        return Err(BenchError::Params(format!(
            "--policies {policies}: expected more than {boundaries} (the first {boundaries} are permissions boundaries)"
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut w = Written::default();
    let mut managed = Vec::with_capacity(policies);
    for i in 0..policies {
        let team = TEAMS[i % TEAMS.len()];
        if i < boundaries {
            let d = doc(vec![
                json!({"Sid": "Workloads", "Effect": "Allow", "Action": ["secretsmanager:*", "s3:*", "dynamodb:*", "sqs:*", "logs:*", "ssm:Get*", "kms:Decrypt"], "Resource": "*"}),
            ]);
            managed.push(policy(&format!("workload-boundary-{i}"), d, 0));
            continue;
        }
        let n = rng.gen_range(1..=4);
        let mut st: Vec<Value> = (0..n).map(|_| statement(&mut rng, team, 0.05)).collect();
        if rng.gen_bool(0.1) {
            st.push(json!({"Effect": "Deny", "Action": ["secretsmanager:DeleteSecret", "iam:CreateUser"], "Resource": "*"}));
        }
        managed.push(policy(&format!("{team}-policy-{i:05}"), doc(st), 1));
    }
    let mut role_list = Vec::with_capacity(roles);
    let mut inline_count = 0;
    for i in 0..roles {
        let team = TEAMS[i % TEAMS.len()];
        let name = format!("{team}-role-{i:05}");
        let trust = if rng.gen_bool(0.7) {
            doc(vec![json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})])
        } else {
            doc(vec![json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"})])
        };
        let inline: Vec<Value> = (0..rng.gen_range(1..=3)).map(|_| statement(&mut rng, team, 0.08)).collect();
        inline_count += 1;
        let attached: Vec<Value> = (0..2)
            .map(|_| {
                let p = &managed[rng.gen_range(boundaries..policies)];
                json!({"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]})
            })
            .collect();
        let mut r = json!({"Path": "/", "RoleName": name, "RoleId": format!("AROA{i:017}"), "Arn": format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
            "CreateDate": "2024-01-10T10:00:00+00:00", "AssumeRolePolicyDocument": trust, "InstanceProfileList": [],
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": doc(inline)}], "AttachedManagedPolicies": attached,
            "Tags": [{"Key": "team", "Value": team}], "RoleLastUsed": {}});
        if rng.gen_bool(0.3) {
            let b = &managed[rng.gen_range(0..boundaries)];
            r["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": b["Arn"]});
        }
        role_list.push(r);
    }
    w.write(
        &out.join(ACCOUNT).join("iam/AccountAuthorizationDetails.json"),
        &json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": role_list, "Policies": managed}),
    )?;
    let secret = secret_arn();
    w.write(
        &out.join(ACCOUNT).join("eu-west-1/SecretList.json"),
        &json!({"SecretList": [{"ARN": secret, "Name": "prod/payments/db", "Tags": [{"Key": "team", "Value": "payments"}], "CreatedDate": "2024-01-10T10:00:00+00:00"}]}),
    )?;
    let secret_policy = doc(vec![
        json!({"Sid": "DenyOutsideTheOrganization", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
               "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}}}),
        // Calls from a VPC must come through the account's endpoint; calls from outside any
        // VPC are not stopped here (a lock that denied them would leave who-can nobody in a
        // twin without networks).
        json!({"Sid": "DenyOtherEndpoints", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
               "Condition": {"StringNotEqualsIfExists": {"aws:SourceVpce": VPCE}, "Null": {"aws:SourceVpc": "false"}}}),
        json!({"Sid": "PaymentsRoles", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "secretsmanager:GetSecretValue",
               "Resource": "*", "Condition": {"ArnLike": {"aws:PrincipalArn": format!("arn:aws:iam::{ACCOUNT}:role/payments-*")}}}),
    ]);
    w.write(
        &out.join(ACCOUNT).join("eu-west-1/SecretPolicies/prod-payments-db.json"),
        &json!({"ARN": secret, "Name": "prod/payments/db", "ResourcePolicy": secret_policy.to_string()}),
    )?;
    let org = out.join(MANAGEMENT).join("organizations");
    w.write(&org.join("Organization.json"), &json!({"Organization": {"Id": ORG, "Arn": format!("arn:aws:organizations::{MANAGEMENT}:organization/{ORG}"), "FeatureSet": "ALL", "MasterAccountId": MANAGEMENT}}))?;
    w.write(&org.join("Roots.json"), &json!({"Roots": [{"Id": ROOT, "Name": "Root", "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}, {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"}]}]}))?;
    w.write(&org.join(format!("OrganizationalUnits/{ROOT}.json")), &json!({"OrganizationalUnits": [{"Id": OU, "Name": "Workloads"}]}))?;
    w.write(
        &org.join(format!("Accounts/{ROOT}.json")),
        &json!({"Accounts": [{"Id": MANAGEMENT, "Name": "management", "Status": "ACTIVE"}]}),
    )?;
    w.write(&org.join(format!("Accounts/{OU}.json")), &json!({"Accounts": [{"Id": ACCOUNT, "Name": "workloads", "Status": "ACTIVE"}]}))?;
    let scps = [
        (
            "p-FullAWSAccess",
            "FullAWSAccess",
            "SERVICE_CONTROL_POLICY",
            true,
            doc(vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})]),
            vec![ROOT, OU, ACCOUNT, MANAGEMENT],
        ),
        (
            "p-0a1b2c3d",
            "Guardrails",
            "SERVICE_CONTROL_POLICY",
            false,
            doc(vec![json!({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}})]),
            vec![ROOT],
        ),
        (
            "p-1b2c3d4e",
            "OrgPerimeter",
            "RESOURCE_CONTROL_POLICY",
            false,
            doc(vec![json!({"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
            "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}})]),
            vec![ROOT],
        ),
    ];
    let mut summaries = Vec::new();
    for (id, name, typ, managed_by_aws, content, targets) in &scps {
        let summary = json!({"Id": id, "Name": name, "Type": typ, "AwsManaged": managed_by_aws});
        summaries.push(summary.clone());
        w.write(&org.join(format!("Policy/{id}.json")), &json!({"Policy": {"PolicySummary": summary, "Content": content.to_string()}}))?;
        let t: Vec<Value> = targets.iter().map(|x| json!({"TargetId": x})).collect();
        w.write(&org.join(format!("PolicyTargets/{id}.json")), &json!({"Targets": t}))?;
    }
    w.write(&org.join("Policies.json"), &json!({"Policies": summaries}))?;
    Ok(AccountSummary { roles, managed_policies: policies, inline_policies: inline_count, written: w })
}
