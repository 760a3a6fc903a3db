//! A seeded generator of typical policy requests in the `iam-simulate` peer's JSON Lines
//! format: role sessions and users of a landing zone reading secrets, objects, keys,
//! parameters and queues, assuming roles and putting events — with identity policies
//! (wildcards, Deny statements, tag and region conditions, policy variables), permissions
//! boundaries, resource policies locked to a VPC endpoint or the organization, three SCP
//! levels, RCPs and endpoint policies, and the context keys such requests carry.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

const ACCOUNTS: [&str; 3] = ["111111111111", "222222222222", "444444444444"];
const ORG: &str = "o-a1b2c3d4e5";
const VPCES: [&str; 2] = ["vpce-0a1a2b3c4d5e6f7c1", "vpce-0b2b3c4d5e6f7a8d2"];
const TEAMS: [&str; 4] = ["payments", "ledger", "platform", "analytics"];

/// One kind of request: action, resource ARN template (`ACCT` replaced), whether the
/// service takes resource policies, sibling actions for near misses.
struct Target {
    action: &'static str,
    resource: &'static str,
    resource_policy: bool,
    siblings: &'static [&'static str],
}

const TARGETS: &[Target] = &[
    Target {
        action: "secretsmanager:GetSecretValue",
        resource: "arn:aws:secretsmanager:eu-west-1:ACCT:secret:prod/db-Xk3pQ9",
        resource_policy: true,
        siblings: &["secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue"],
    },
    Target {
        action: "secretsmanager:DescribeSecret",
        resource: "arn:aws:secretsmanager:eu-west-1:ACCT:secret:TEAM/api-key-Lq8Rt2",
        resource_policy: true,
        siblings: &["secretsmanager:GetSecretValue"],
    },
    Target {
        action: "s3:GetObject",
        resource: "arn:aws:s3:::artifacts-ACCT/TEAM/build.zip",
        resource_policy: true,
        siblings: &["s3:PutObject", "s3:GetObjectVersion"],
    },
    Target {
        action: "s3:PutObject",
        resource: "arn:aws:s3:::logs-ACCT/app/2024/06/01.log",
        resource_policy: true,
        siblings: &["s3:GetObject"],
    },
    Target {
        action: "kms:Decrypt",
        resource: "arn:aws:kms:eu-west-1:ACCT:key/7c1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6",
        resource_policy: true,
        siblings: &["kms:Encrypt", "kms:GenerateDataKey"],
    },
    Target {
        action: "ssm:GetParameter",
        resource: "arn:aws:ssm:eu-west-1:ACCT:parameter/TEAM/config",
        resource_policy: false,
        siblings: &["ssm:PutParameter"],
    },
    Target {
        action: "sqs:SendMessage",
        resource: "arn:aws:sqs:eu-west-1:ACCT:TEAM-jobs",
        resource_policy: true,
        siblings: &["sqs:ReceiveMessage"],
    },
    Target {
        action: "dynamodb:GetItem",
        resource: "arn:aws:dynamodb:eu-west-1:ACCT:table/TEAM-orders",
        resource_policy: false,
        siblings: &["dynamodb:PutItem"],
    },
    Target {
        action: "logs:PutLogEvents",
        resource: "arn:aws:logs:eu-west-1:ACCT:log-group:/app/TEAM:log-stream:i-1",
        resource_policy: false,
        siblings: &["logs:CreateLogStream"],
    },
    Target {
        action: "sts:AssumeRole",
        resource: "arn:aws:iam::ACCT:role/TEAM-deploy",
        resource_policy: true,
        siblings: &["sts:TagSession"],
    },
];

fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn fill(template: &str, account: &str, team: &str) -> String {
    template.replace("ACCT", account).replace("TEAM", team)
}

/// The resource pattern an identity statement uses for a target: exact, a prefix wildcard,
/// a policy variable, `*`, or another resource (a miss).
fn resource_pattern(rng: &mut ChaCha8Rng, resource: &str) -> Value {
    match rng.gen_range(0..10) {
        0..=3 => json!(resource),
        4..=5 => json!(format!("{}*", &resource[..resource.len().saturating_sub(6)])),
        6 => json!("*"),
        7 => json!(resource.replace("prod", "${aws:PrincipalTag/env}")),
        _ => json!(format!("{resource}-other")),
    }
}

fn identity_statement(rng: &mut ChaCha8Rng, t: &Target, resource: &str, team: &str) -> Value {
    let service = t.action.split(':').next().unwrap_or("s3");
    let action = match rng.gen_range(0..6) {
        0 => json!(format!("{service}:*")),
        1 => json!([t.action, t.siblings.choose(rng).copied().unwrap_or(t.action)]),
        2 => json!(t.siblings.choose(rng).copied().unwrap_or(t.action)),
        _ => json!(t.action),
    };
    let mut s = json!({"Effect": "Allow", "Action": action, "Resource": resource_pattern(rng, resource)});
    match rng.gen_range(0..8) {
        0 => s["Condition"] = json!({"StringEquals": {"aws:PrincipalTag/team": team}}),
        1 => s["Condition"] = json!({"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}),
        2 => s["Condition"] = json!({"Bool": {"aws:SecureTransport": "true"}}),
        _ => {}
    }
    s
}

fn identity_policies(rng: &mut ChaCha8Rng, t: &Target, resource: &str, team: &str) -> Vec<Value> {
    let n = rng.gen_range(1..=3);
    (0..n)
        .map(|_| {
            let mut st: Vec<Value> = (0..rng.gen_range(1..=4)).map(|_| identity_statement(rng, t, resource, team)).collect();
            for (j, s) in st.iter_mut().enumerate() {
                if rng.gen_bool(0.3) {
                    s["Sid"] = json!(format!("Statement{j}"));
                }
            }
            if rng.gen_bool(0.25) {
                st.push(json!({"Sid": "NoDeletes", "Effect": "Deny", "Action": ["secretsmanager:DeleteSecret", "s3:DeleteBucket", "kms:ScheduleKeyDeletion"], "Resource": "*"}));
            }
            if rng.gen_bool(0.1) {
                st.push(json!({"Effect": "Deny", "Action": t.action, "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}));
            }
            doc(st)
        })
        .collect()
}

fn resource_policy(rng: &mut ChaCha8Rng, t: &Target, role_arn: &str, account: &str) -> Value {
    let service = t.action.split(':').next().unwrap_or("s3");
    if service == "sts" {
        return doc(vec![
            json!({"Effect": "Allow", "Principal": {"AWS": if rng.gen_bool(0.5) { json!(role_arn) } else { json!(format!("arn:aws:iam::{account}:root")) }},
            "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}}}),
        ]);
    }
    let mut st = vec![];
    match rng.gen_range(0..3) {
        0 => st.push(
            json!({"Sid": "DenyUnlessFromEndpoint", "Effect": "Deny", "Principal": "*", "Action": format!("{service}:*"), "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": VPCES[0]}}}),
        ),
        1 => st.push(json!({"Sid": "DenyOutsideOrg", "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}, "Bool": {"aws:PrincipalIsAWSService": "false"}}})),
        _ => {}
    }
    st.push(json!({"Sid": "Readers", "Effect": "Allow",
        "Principal": {"AWS": if rng.gen_bool(0.5) { json!(role_arn) } else { json!(format!("arn:aws:iam::{account}:root")) }},
        "Action": t.action, "Resource": "*"}));
    doc(st)
}

fn scps(rng: &mut ChaCha8Rng) -> Value {
    let full = doc(vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})]);
    let guard = doc(vec![
        json!({"Sid": "DenyLeavingTheOrganization", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}),
        json!({"Sid": "DenyOutsideApprovedRegions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "organizations:*", "support:*"], "Resource": "*",
               "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}}),
    ]);
    let protect = doc(vec![
        json!({"Sid": "ProtectSecrets", "Effect": "Deny", "Action": ["secretsmanager:DeleteSecret", "secretsmanager:PutResourcePolicy"],
        "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/platform-admin"}}}),
    ]);
    let ou = if rng.gen_bool(0.5) { json!([full.clone(), protect]) } else { json!([full.clone()]) };
    json!([[full.clone(), guard], ou, [full]])
}

/// Roles per (target, account, team): a request's identity policies are those of one of
/// them, so the same documents recur across requests as they do when one landing zone's
/// roles make many calls (10 targets × 3 accounts × 4 teams × 8 = 960 roles).
pub const ROLES_PER_TARGET: u64 = 8;

/// One request; `seed` seeds the roles' identity policies.
pub fn request(rng: &mut ChaCha8Rng, id: usize, seed: u64) -> Value {
    let ti = rng.gen_range(0..TARGETS.len());
    let t = &TARGETS[ti];
    let ai = rng.gen_range(0..ACCOUNTS.len());
    let account = ACCOUNTS[ai];
    let caller_account = if rng.gen_bool(0.85) { account } else { *ACCOUNTS.choose(rng).unwrap_or(&ACCOUNTS[0]) };
    let mi = rng.gen_range(0..TEAMS.len());
    let team = TEAMS[mi];
    let role_name = format!("{team}-app");
    // The calling role's identity policies: its own random stream, the same in every request.
    let role_stream = ((ti * ACCOUNTS.len() + ai) * TEAMS.len() + mi) as u64 * ROLES_PER_TARGET + rng.gen_range(0..ROLES_PER_TARGET);
    let mut role_rng = ChaCha8Rng::seed_from_u64(seed);
    role_rng.set_stream(role_stream);
    let role_arn = format!("arn:aws:iam::{caller_account}:role/{role_name}");
    let principal = if rng.gen_bool(0.9) {
        format!("arn:aws:sts::{caller_account}:assumed-role/{role_name}/i-0{:015x}", rng.gen::<u64>() >> 4)
    } else {
        format!("arn:aws:iam::{caller_account}:user/{team}-ci")
    };
    let resource = fill(t.resource, account, team);
    let mut context = serde_json::Map::new();
    context.insert("aws:PrincipalOrgID".into(), json!(ORG));
    context.insert("aws:PrincipalTag/team".into(), json!(if rng.gen_bool(0.9) { team } else { "other" }));
    context.insert("aws:PrincipalTag/env".into(), json!("prod"));
    context.insert("aws:SecureTransport".into(), json!("true"));
    context.insert("aws:RequestedRegion".into(), json!(if rng.gen_bool(0.95) { "eu-west-1" } else { "us-east-1" }));
    let through_endpoint = rng.gen_bool(0.6);
    if through_endpoint {
        let vpce = if rng.gen_bool(0.85) { VPCES[0] } else { VPCES[1] };
        context.insert("aws:SourceVpce".into(), json!(vpce));
        context.insert("aws:SourceVpc".into(), json!("vpc-0a1a2b3c4d5e6f701"));
        context.insert("aws:VpcSourceIp".into(), json!(format!("10.10.{}.{}", rng.gen_range(10..12), rng.gen_range(4..250))));
    } else {
        context.insert("aws:SourceIp".into(), json!(format!("52.50.10.{}", rng.gen_range(10..12))));
    }
    let mut r = json!({
        "id": format!("r{id}"),
        "principal": principal,
        "action": t.action,
        "resource": resource,
        "resourceAccount": account,
        "context": Value::Object(context),
        "deriveContext": true,
        "identityPolicies": identity_policies(&mut role_rng, t, &resource, team),
    });
    if rng.gen_bool(0.3) {
        let service = t.action.split(':').next().unwrap_or("s3");
        r["permissionBoundaries"] =
            json!([doc(vec![json!({"Effect": "Allow", "Action": [format!("{service}:*"), "logs:*"], "Resource": "*"})])]);
    }
    if t.resource_policy && (rng.gen_bool(0.6) || caller_account != account || t.action.starts_with("sts:")) {
        r["resourcePolicy"] = resource_policy(rng, t, &role_arn, caller_account);
    }
    if rng.gen_bool(0.6) {
        r["scps"] = scps(rng);
    }
    if rng.gen_bool(0.3) {
        r["rcps"] = json!([[doc(vec![
            json!({"Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*", "Action": ["secretsmanager:*", "kms:*", "s3:*", "sqs:*", "sts:AssumeRole"],
            "Resource": "*", "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}})
        ])]]);
    }
    if through_endpoint && rng.gen_bool(0.5) {
        r["vpcEndpointPolicy"] =
            doc(vec![json!({"Sid": "OrgPrincipals", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}}})]);
    }
    r
}

/// `count` requests from `seed`, one JSON document per line.
pub fn generate(count: usize, seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = String::with_capacity(count * 1600);
    for i in 0..count {
        out.push_str(&request(&mut rng, i, seed).to_string());
        out.push('\n');
    }
    out
}
