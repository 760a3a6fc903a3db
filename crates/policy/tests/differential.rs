//! Differential test against the `iam-simulate` peer (`shared/peers/iam-simulate/`): a
//! seeded generator of random but valid policies and requests covering the policy language
//! (every policy type, Principal/NotPrincipal forms, NotAction/NotResource, wildcards,
//! policy variables, every condition operator family with IfExists and set operators, SCP
//! and RCP levels, same- and cross-account callers of every type) is run through koban and
//! through `node simulate.mjs` as a separate process. Every disagreement must carry a tag
//! listed in `tests/DIFFERENCES.md`, where each entry cites the AWS documentation that
//! shows which side is right.
//!
//! `KOBAN_DIFF_CASES` sets the number of cases (default 2000; CI runs ≥ 10000),
//! `KOBAN_DIFF_SEED` the seed. Skipped with a message when `node` or the peer's
//! `node_modules` (installed by `npm ci` in the peer's folder) is missing.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

fn peer_dir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("KOBAN_IAM_PEER_DIR") {
        return Some(PathBuf::from(d));
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/peers/iam-simulate"))
        .find(|d| d.join("simulate.mjs").is_file())
}

/// SplitMix64: small, seedable, reproducible across platforms.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const A: &str = "111111111111";
const B: &str = "222222222222";

/// (action, resource ARN with ACCT placeholder, needs resourceAccount, other actions of the
/// same service for near misses)
const TARGETS: &[(&str, &str, &[&str])] = &[
    ("s3:GetObject", "arn:aws:s3:::data-bucket/reports/q1.csv", &["s3:PutObject", "s3:GetObjectAcl"]),
    ("s3:PutObject", "arn:aws:s3:::data-bucket/logs/app.log", &["s3:GetObject", "s3:DeleteObject"]),
    ("s3:ListBucket", "arn:aws:s3:::data-bucket", &["s3:GetBucketPolicy", "s3:DeleteBucket"]),
    (
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:eu-west-1:ACCT:secret:prod/db-AbCdEf",
        &["secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"],
    ),
    ("sqs:SendMessage", "arn:aws:sqs:eu-west-1:ACCT:queue1", &["sqs:ReceiveMessage", "sqs:DeleteMessage"]),
    ("sns:Publish", "arn:aws:sns:eu-west-1:ACCT:topic1", &["sns:Subscribe", "sns:GetTopicAttributes"]),
    ("kms:Decrypt", "arn:aws:kms:eu-west-1:ACCT:key/1234abcd-12ab-34cd-56ef-1234567890ab", &["kms:Encrypt", "kms:DescribeKey"]),
    ("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:ACCT:table/Orders", &["dynamodb:PutItem", "dynamodb:Query"]),
    ("lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:ACCT:function:fn1", &["lambda:GetFunction", "lambda:UpdateFunctionCode"]),
    ("events:PutEvents", "arn:aws:events:eu-west-1:ACCT:event-bus/default", &["events:PutRule", "events:DescribeEventBus"]),
    ("ec2:DescribeInstances", "*", &["ec2:DescribeVpcs", "ec2:RunInstances"]),
    ("sts:AssumeRole", "arn:aws:iam::ACCT:role/deploy", &["sts:TagSession", "sts:AssumeRoleWithWebIdentity"]),
];

struct Case {
    action: &'static str,
    service: &'static str,
    resource: String,
    resource_account: &'static str,
    caller: String,
    caller_kind: &'static str,
    near: &'static [&'static str],
}

fn resource_patterns(rng: &mut Rng, c: &Case) -> Value {
    let r = &c.resource;
    let acct = c.resource_account;
    let mut options: Vec<String> = vec!["*".into(), r.clone()];
    if r != "*" {
        let svc = c.service;
        options.push(format!("arn:aws:{svc}:*:*:*"));
        match svc {
            "s3" => {
                options.extend([
                    "arn:aws:s3:::data-bucket/*".into(),
                    "arn:aws:s3:::data-*".into(),
                    "arn:aws:s3:::other-bucket/*".into(),
                    "arn:aws:s3:::data-bucket/${aws:username}/*".into(),
                    "arn:aws:s3:::data-bucket/reports/q?.csv".into(),
                    "arn:aws:s3:::*log*".into(),
                ]);
            }
            _ => {
                let (head, _) = r.rsplit_once([':', '/']).unwrap_or((r.as_str(), ""));
                options.push(format!("{head}*"));
                options.push(r.replace(acct, if acct == A { B } else { A }));
                options.push(r.replace("eu-west-1", "us-east-1"));
                options.push(r.replace("eu-west-1", "*"));
                options.push(format!("{r}-${{aws:username}}"));
            }
        }
    }
    let n = 1 + rng.below(2);
    let list: Vec<Value> = (0..n).map(|_| Value::String(rng.pick(&options).clone())).collect();
    if list.len() == 1 && rng.chance(50) {
        list[0].clone()
    } else {
        Value::Array(list)
    }
}

fn action_patterns(rng: &mut Rng, c: &Case) -> Value {
    let (svc, name) = c.action.split_once(':').unwrap_or(("", ""));
    let options: Vec<String> = vec![
        c.action.to_string(),
        c.action.to_string(),
        format!("{svc}:*"),
        format!("{svc}:{}*", &name[..3.min(name.len())]),
        format!("{}:{}", svc.to_uppercase(), name.to_lowercase()),
        format!("{svc}:{}?{}", &name[..2], &name[3..]),
        "*".into(),
        (*rng.pick(c.near)).to_string(),
        "iam:PassRole".into(),
        "s3:Get*".into(),
    ];
    let n = 1 + rng.below(2);
    let list: Vec<Value> = (0..n).map(|_| Value::String(rng.pick(&options).clone())).collect();
    if list.len() == 1 && rng.chance(50) {
        list[0].clone()
    } else {
        Value::Array(list)
    }
}

/// A condition block and the context keys it reads, with values that sometimes match.
fn condition(rng: &mut Rng, ctx: &mut BTreeMap<String, Value>) -> Value {
    let if_exists = if rng.chance(20) { "IfExists" } else { "" };
    let mut put = |rng: &mut Rng, key: &str, value: Value| {
        if rng.chance(80) {
            ctx.insert(key.to_string(), value);
        }
    };
    match rng.below(12) {
        0 => {
            let op = rng.pick(&["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"]);
            let vals = ["vpce-1a2b3c4d", "vpce-9z8y7x6w", "VPCE-1A2B3C4D"];
            let v = json!(rng.pick(&vals));
            put(rng, "aws:SourceVpce", v);
            let v: Vec<&str> = (0..1 + rng.below(2)).map(|_| *rng.pick(&vals)).collect();
            json!({ format!("{op}{if_exists}"): {"aws:SourceVpce": v} })
        }
        1 => {
            let op = rng.pick(&["StringLike", "StringNotLike"]);
            let vals = ["blue", "blue-team", "red", "green"];
            let v = json!(rng.pick(&vals));
            put(rng, "aws:PrincipalTag/team", v);
            let pats = ["blue*", "b?ue", "red", "*-team", "${aws:username}"];
            json!({ format!("{op}{if_exists}"): {"aws:PrincipalTag/team": rng.pick(&pats)} })
        }
        2 => {
            let op = rng.pick(&["IpAddress", "NotIpAddress"]);
            let ips = ["203.0.113.7", "198.51.100.20", "10.1.2.3", "2001:db8::1"];
            let v = json!(rng.pick(&ips));
            put(rng, "aws:SourceIp", v);
            let cidrs = ["203.0.113.0/24", "10.0.0.0/8", "198.51.100.20", "2001:db8::/32"];
            let v: Vec<&str> = (0..1 + rng.below(2)).map(|_| *rng.pick(&cidrs)).collect();
            json!({ format!("{op}{if_exists}"): {"aws:SourceIp": v} })
        }
        3 => {
            let v = json!(rng.pick(&["true", "false"]));
            put(rng, "aws:SecureTransport", v);
            let v = if rng.chance(50) { json!(true) } else { json!(rng.pick(&["true", "false"])) };
            json!({ format!("Bool{if_exists}"): {"aws:SecureTransport": v} })
        }
        4 => {
            let op = rng.pick(&[
                "NumericLessThan",
                "NumericGreaterThanEquals",
                "NumericEquals",
                "NumericNotEquals",
                "NumericLessThanEquals",
                "NumericGreaterThan",
            ]);
            let v = json!(rng.pick(&["300", "3600", "7200"]));
            put(rng, "aws:MultiFactorAuthAge", v);
            let v = if rng.chance(50) { json!(3600) } else { json!("3600") };
            json!({ format!("{op}{if_exists}"): {"aws:MultiFactorAuthAge": v} })
        }
        5 => {
            let op = rng.pick(&[
                "DateLessThan",
                "DateGreaterThan",
                "DateEquals",
                "DateNotEquals",
                "DateLessThanEquals",
                "DateGreaterThanEquals",
            ]);
            let times = ["2024-06-01T12:00:00Z", "2019-01-01T00:00:00Z", "2030-01-01T00:00:00Z"];
            let v = json!(rng.pick(&times));
            put(rng, "aws:CurrentTime", v);
            json!({ format!("{op}{if_exists}"): {"aws:CurrentTime": rng.pick(&["2024-06-01T12:00:00Z", "2025-01-01T00:00:00Z", "2020-01-01T00:00:00Z"])} })
        }
        6 => {
            let set = rng.pick(&["ForAnyValue", "ForAllValues"]);
            let op = rng.pick(&["StringEquals", "StringLike", "StringNotEquals"]);
            let keys = ["env", "team", "cost-center"];
            if rng.chance(85) {
                let n = rng.below(3);
                let v: Vec<&str> = (0..n).map(|_| *rng.pick(&keys)).collect();
                ctx.insert("aws:TagKeys".into(), json!(v));
            }
            let v: Vec<&str> = (0..1 + rng.below(2)).map(|_| *rng.pick(&["env", "team", "c*"])).collect();
            let ife = if rng.chance(10) { if_exists } else { "" };
            json!({ format!("{set}:{op}{ife}"): {"aws:TagKeys": v} })
        }
        7 => {
            let op = rng.pick(&["ArnLike", "ArnEquals", "ArnNotLike", "ArnNotEquals"]);
            let arns = ["arn:aws:sns:eu-west-1:111111111111:topic1", "arn:aws:sns:eu-west-1:222222222222:topic2"];
            let v = json!(rng.pick(&arns));
            put(rng, "aws:SourceArn", v);
            let pats = ["arn:aws:sns:*:111111111111:*", "arn:aws:sns:eu-west-1:222222222222:topic2", "arn:aws:s*:*:*:topic?"];
            json!({ format!("{op}{if_exists}"): {"aws:SourceArn": rng.pick(&pats)} })
        }
        8 => {
            let key = rng.pick(&["aws:SourceVpce", "aws:PrincipalTag/team", "aws:TokenIssueTime"]);
            if rng.chance(50) {
                ctx.insert(key.to_string(), json!("x"));
            }
            json!({"Null": {key.to_string(): rng.pick(&["true", "false"])}})
        }
        9 => {
            let op = rng.pick(&["StringEquals", "StringNotEquals"]);
            json!({ format!("{op}{if_exists}"): {"aws:PrincipalOrgID": rng.pick(&["o-abc123", "o-zzz999"])} })
        }
        10 => {
            let set = rng.pick(&["ForAnyValue", "ForAllValues"]);
            let op = rng.pick(&["StringLike", "StringNotLike"]);
            if rng.chance(80) {
                ctx.insert(
                    "aws:PrincipalOrgPaths".into(),
                    json!([rng.pick(&["o-abc123/r-ab12/ou-ab12-11111111/", "o-abc123/r-ab12/ou-ab12-22222222/"])]),
                );
            }
            json!({ format!("{set}:{op}"): {"aws:PrincipalOrgPaths": [rng.pick(&["o-abc123/r-ab12/ou-ab12-11111111/*", "o-abc123/*"])]} })
        }
        _ => {
            let op = rng.pick(&["StringEquals", "StringLike", "StringNotEquals"]);
            json!({ format!("{op}{if_exists}"): {"aws:PrincipalAccount": rng.pick(&[A, B, "${aws:ResourceAccount}"])} })
        }
    }
}

fn conditions(rng: &mut Rng, ctx: &mut BTreeMap<String, Value>) -> Option<Value> {
    if !rng.chance(40) {
        return None;
    }
    let mut merged = serde_json::Map::new();
    for _ in 0..1 + rng.below(2) {
        if let Value::Object(block) = condition(rng, ctx) {
            for (op, keys) in block {
                let entry = merged.entry(op).or_insert_with(|| json!({}));
                if let (Value::Object(e), Value::Object(k)) = (entry, keys) {
                    e.extend(k);
                }
            }
        }
    }
    Some(Value::Object(merged))
}

fn version(rng: &mut Rng) -> Option<&'static str> {
    match rng.below(20) {
        0 => Some("2008-10-17"),
        1 => None,
        _ => Some("2012-10-17"),
    }
}

fn document(statements: Vec<Value>, rng: &mut Rng) -> Value {
    let mut doc = serde_json::Map::new();
    if let Some(v) = version(rng) {
        doc.insert("Version".into(), json!(v));
    }
    doc.insert("Statement".into(), Value::Array(statements));
    Value::Object(doc)
}

fn effect(rng: &mut Rng, allow_percent: u64) -> &'static str {
    if rng.chance(allow_percent) {
        "Allow"
    } else {
        "Deny"
    }
}

fn identity_statement(rng: &mut Rng, c: &Case, ctx: &mut BTreeMap<String, Value>, allow_percent: u64, index: usize) -> Value {
    let mut s = serde_json::Map::new();
    if rng.chance(30) {
        s.insert("Sid".into(), json!(format!("S{index}x{}", rng.below(100))));
    }
    s.insert("Effect".into(), json!(effect(rng, allow_percent)));
    let key = if rng.chance(12) { "NotAction" } else { "Action" };
    s.insert(key.into(), action_patterns(rng, c));
    let key = if rng.chance(10) { "NotResource" } else { "Resource" };
    s.insert(key.into(), resource_patterns(rng, c));
    if let Some(cond) = conditions(rng, ctx) {
        s.insert("Condition".into(), cond);
    }
    Value::Object(s)
}

fn identity_policy(rng: &mut Rng, c: &Case, ctx: &mut BTreeMap<String, Value>, allow_percent: u64) -> Value {
    let n = 1 + rng.below(3);
    let stmts = (0..n).map(|i| identity_statement(rng, c, ctx, allow_percent, i)).collect();
    document(stmts, rng)
}

fn principal_element(rng: &mut Rng, c: &Case) -> (&'static str, Value) {
    let caller_acct = if c.caller.contains(B) { B } else { A };
    let itself = match c.caller_kind {
        "service" => json!({"Service": c.caller.clone()}),
        "anonymous" => json!({"AWS": "*"}),
        _ => json!({"AWS": c.caller.clone()}),
    };
    let options = vec![
        json!("*"),
        json!({"AWS": "*"}),
        itself,
        json!({"AWS": format!("arn:aws:iam::{caller_acct}:role/app")}),
        json!({"AWS": format!("arn:aws:iam::{caller_acct}:role/ops/App")}),
        json!({"AWS": format!("arn:aws:iam::{caller_acct}:user/alice")}),
        json!({"AWS": caller_acct}),
        json!({"AWS": format!("arn:aws:iam::{caller_acct}:root")}),
        json!({"AWS": [format!("arn:aws:iam::{}:root", if caller_acct == A { B } else { A }), "arn:aws:iam::333333333333:role/x"]}),
        json!({"Service": ["sns.amazonaws.com", "events.amazonaws.com"]}),
        json!({"AWS": format!("arn:aws:sts::{caller_acct}:assumed-role/app/s1"), "Service": "lambda.amazonaws.com"}),
    ];
    if rng.chance(6) {
        let layers =
            json!({"AWS": [c.caller.clone(), format!("arn:aws:iam::{caller_acct}:root"), format!("arn:aws:iam::{caller_acct}:role/app")]});
        let partial = json!({"AWS": c.caller.clone()});
        return ("NotPrincipal", if rng.chance(50) { layers } else { partial });
    }
    ("Principal", rng.pick(&options).clone())
}

fn resource_policy(rng: &mut Rng, c: &Case, ctx: &mut BTreeMap<String, Value>) -> Value {
    let n = 1 + rng.below(2);
    let stmts = (0..n)
        .map(|_| {
            let mut s = serde_json::Map::new();
            s.insert("Effect".into(), json!(effect(rng, 70)));
            let (k, p) = principal_element(rng, c);
            s.insert(k.into(), p);
            s.insert("Action".into(), action_patterns(rng, c));
            s.insert(if rng.chance(8) { "NotResource" } else { "Resource" }.into(), resource_patterns(rng, c));
            if let Some(cond) = conditions(rng, ctx) {
                s.insert("Condition".into(), cond);
            }
            Value::Object(s)
        })
        .collect();
    document(stmts, rng)
}

fn full_access() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
}

fn scp_levels(rng: &mut Rng, c: &Case, ctx: &mut BTreeMap<String, Value>) -> Value {
    let levels = 1 + rng.below(3);
    let out: Vec<Value> = (0..levels)
        .map(|li| {
            let mut policies = Vec::new();
            if rng.chance(85) {
                policies.push(full_access());
            } else {
                policies.push(identity_policy(rng, c, ctx, 90));
            }
            if rng.chance(30) {
                let mut p = identity_policy(rng, c, ctx, 0);
                if let Some(Value::Array(stmts)) = p.get_mut("Statement") {
                    for s in stmts {
                        s["Resource"] = json!("*");
                        if let Value::Object(m) = s {
                            m.remove("NotResource");
                        }
                    }
                }
                policies.push(p);
            }
            if rng.chance(30) {
                json!({"id": format!("ou-{li}"), "policies": policies})
            } else {
                Value::Array(policies)
            }
        })
        .collect();
    Value::Array(out)
}

fn rcp_levels(rng: &mut Rng, c: &Case, ctx: &mut BTreeMap<String, Value>) -> Value {
    let levels = 1 + rng.below(3);
    let out: Vec<Value> = (0..levels)
        .map(|_| {
            let mut policies = Vec::new();
            if rng.chance(50) {
                let svc = c.service;
                let cond = conditions(rng, ctx).unwrap_or_else(|| json!({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}));
                policies.push(json!({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Deny", "Principal": "*",
                    "Action": [format!("{svc}:*")], "Resource": "*", "Condition": cond}]}));
            }
            Value::Array(policies)
        })
        .collect();
    Value::Array(out)
}

fn endpoint_policy(rng: &mut Rng, c: &Case, ctx: &mut BTreeMap<String, Value>) -> Value {
    let mut s = serde_json::Map::new();
    s.insert("Effect".into(), json!(effect(rng, 85)));
    s.insert("Principal".into(), json!("*"));
    s.insert("Action".into(), action_patterns(rng, c));
    s.insert("Resource".into(), resource_patterns(rng, c));
    if let Some(cond) = conditions(rng, ctx) {
        s.insert("Condition".into(), cond);
    }
    document(vec![Value::Object(s)], rng)
}

fn generate(rng: &mut Rng, i: usize) -> Value {
    let &(action, template, near) = rng.pick(TARGETS);
    let service = action.split_once(':').map_or("", |(s, _)| s);
    let resource_account = if rng.chance(75) { A } else { B };
    let resource = template.replace("ACCT", resource_account);
    let (caller, caller_kind): (String, &'static str) = match rng.below(100) {
        0..=34 => (format!("arn:aws:sts::{A}:assumed-role/app/s1"), "session"),
        35..=49 => (format!("arn:aws:iam::{A}:user/alice"), "user"),
        50..=59 => (format!("arn:aws:iam::{A}:role/app"), "role"),
        60..=74 => (format!("arn:aws:sts::{B}:assumed-role/app/s1"), "session"),
        75..=79 => (format!("arn:aws:iam::{B}:user/alice"), "user"),
        80..=86 => ((*rng.pick(&["sns.amazonaws.com", "events.amazonaws.com"])).to_string(), "service"),
        87..=92 => ("anonymous".to_string(), "anonymous"),
        93..=95 => (format!("arn:aws:sts::{A}:federated-user/alice"), "federated"),
        _ => (format!("arn:aws:iam::{A}:root"), "root"),
    };
    let c = Case { action, service, resource, resource_account, caller, caller_kind, near };
    let mut ctx: BTreeMap<String, Value> = BTreeMap::new();
    if rng.chance(50) {
        ctx.insert("aws:username".into(), json!("alice"));
    }
    let mut req = serde_json::Map::new();
    req.insert("id".into(), json!(format!("case-{i}")));
    req.insert("principal".into(), json!(c.caller));
    req.insert("action".into(), json!(c.action));
    req.insert("resource".into(), json!(c.resource));
    req.insert("resourceAccount".into(), json!(c.resource_account));
    let principal_policies = !matches!(c.caller_kind, "service" | "anonymous");
    if principal_policies {
        let n = rng.below(4);
        let ids: Vec<Value> = (0..n).map(|_| identity_policy(rng, &c, &mut ctx, 75)).collect();
        req.insert("identityPolicies".into(), Value::Array(ids));
        if rng.chance(20) {
            req.insert("permissionBoundaries".into(), json!([identity_policy(rng, &c, &mut ctx, 85)]));
        }
        if rng.chance(25) {
            req.insert("scps".into(), scp_levels(rng, &c, &mut ctx));
        }
        if matches!(c.caller_kind, "session" | "role" | "federated") && rng.chance(15) {
            req.insert("sessionPolicy".into(), identity_policy(rng, &c, &mut ctx, 85));
        }
    } else {
        req.insert("identityPolicies".into(), json!([]));
    }
    if rng.chance(if principal_policies { 50 } else { 85 }) {
        req.insert("resourcePolicy".into(), resource_policy(rng, &c, &mut ctx));
    }
    if rng.chance(15) {
        req.insert("rcps".into(), rcp_levels(rng, &c, &mut ctx));
    }
    if rng.chance(15) {
        req.insert("vpcEndpointPolicy".into(), endpoint_policy(rng, &c, &mut ctx));
    }
    if rng.chance(50) {
        req.insert("deriveContext".into(), json!(true));
    }
    req.insert("context".into(), json!(ctx));
    Value::Object(req)
}

/// The known-difference tags that apply to a request (see DIFFERENCES.md).
fn tags(req: &Value) -> Vec<&'static str> {
    let mut out = Vec::new();
    let text = req.to_string();
    let principal = req["principal"].as_str().unwrap_or("");
    let action = req["action"].as_str().unwrap_or("");
    let service = action.split(':').next().unwrap_or("");
    let mut docs: Vec<&Value> = Vec::new();
    for key in ["identityPolicies", "permissionBoundaries"] {
        if let Some(Value::Array(l)) = req.get(key) {
            docs.extend(l.iter());
        }
    }
    for key in ["resourcePolicy", "vpcEndpointPolicy", "sessionPolicy"] {
        if let Some(d) = req.get(key).filter(|d| !d.is_null()) {
            docs.push(d);
        }
    }
    for key in ["scps", "rcps"] {
        if let Some(Value::Array(levels)) = req.get(key) {
            for l in levels {
                let ps = if l.is_array() { l } else { &l["policies"] };
                if let Value::Array(ps) = ps {
                    docs.extend(ps.iter());
                }
            }
        }
    }
    if docs.iter().any(|d| d.get("Version").and_then(Value::as_str) != Some("2012-10-17") && d.to_string().contains("${")) {
        out.push("version-2008-variables");
    }
    if req.get("sessionPolicy").is_some() && req.get("resourcePolicy").is_some() {
        out.push("session-policy-direct-grant");
    }
    if req.get("rcps").is_some() && !koban_policy::catalog::catalog().supports_rcps(service) {
        out.push("rcp-unsupported-service");
    }
    if req.get("resourcePolicy").is_some_and(|r| r.to_string().contains("NotPrincipal")) {
        out.push("not-principal-layers");
    }
    if principal.ends_with(":root") {
        out.push("root-user");
    }
    if principal.contains(":federated-user/") {
        out.push("federated-user-session");
    }
    if text.contains("ForAnyValue:") && text.contains("IfExists") {
        out.push("for-any-value-if-exists");
    }
    if not_resource_unresolved_variable(&docs, &effective_context(req)) {
        out.push("not-resource-unresolved-variable");
    }
    if negated_with_unresolved_variable(&docs, &effective_context(req)) {
        out.push("negated-operator-unresolved-variable");
    }
    if not_ip_other_family(&docs, &req["context"]) {
        out.push("not-ip-bare-address-other-family");
    }
    out
}

/// The request's context keys plus those `deriveContext` adds.
fn effective_context(req: &Value) -> Value {
    let mut ctx = req["context"].clone();
    if req["deriveContext"] == json!(true) {
        if let Value::Object(m) = &mut ctx {
            for k in ["aws:ResourceAccount", "aws:PrincipalAccount", "aws:PrincipalArn"] {
                m.entry(k).or_insert(json!("derived"));
            }
        }
    }
    ctx
}

/// Whether a negated condition operator has a value with a policy variable whose key the
/// request lacks.
fn negated_with_unresolved_variable(docs: &[&Value], ctx: &Value) -> bool {
    let present = |k: &str| ctx.as_object().is_some_and(|m| m.keys().any(|x| x.eq_ignore_ascii_case(k)));
    docs.iter().any(|d| {
        let stmts = match &d["Statement"] {
            Value::Array(l) => l.clone(),
            other => vec![other.clone()],
        };
        stmts.iter().any(|s| {
            s["Condition"].as_object().is_some_and(|ops| {
                ops.iter().any(|(op, keys)| {
                    op.contains("Not")
                        && keys.to_string().split("${").skip(1).any(|rest| {
                            let var = rest.split('}').next().unwrap_or("");
                            !present(var)
                        })
                })
            })
        })
    })
}

/// Whether a `NotResource` entry uses a policy variable whose key the request lacks.
fn not_resource_unresolved_variable(docs: &[&Value], ctx: &Value) -> bool {
    let present = |k: &str| ctx.as_object().is_some_and(|m| m.keys().any(|x| x.eq_ignore_ascii_case(k)));
    docs.iter().any(|d| {
        let stmts = match &d["Statement"] {
            Value::Array(l) => l.clone(),
            other => vec![other.clone()],
        };
        stmts.iter().any(|s| {
            s.get("NotResource")
                .is_some_and(|r| r.to_string().split("${").skip(1).any(|rest| !present(rest.split('}').next().unwrap_or(""))))
        })
    })
}

/// Whether a `NotIpAddress` lists a bare address (no `/prefix`) of the other IP family than
/// the request's `aws:SourceIp`.
fn not_ip_other_family(docs: &[&Value], ctx: &Value) -> bool {
    let Some(ip) = ctx.get("aws:SourceIp").and_then(Value::as_str) else {
        return false;
    };
    let request_v6 = ip.contains(':');
    docs.iter().any(|d| {
        let stmts = match &d["Statement"] {
            Value::Array(l) => l.clone(),
            other => vec![other.clone()],
        };
        stmts.iter().any(|s| {
            s["Condition"].as_object().is_some_and(|ops| {
                ops.iter().any(|(op, keys)| {
                    op.starts_with("NotIpAddress")
                        && keys.as_object().is_some_and(|k| {
                            k.values().any(|v| {
                                let vals = match v {
                                    Value::Array(a) => a.clone(),
                                    other => vec![other.clone()],
                                };
                                vals.iter().filter_map(Value::as_str).any(|x| !x.contains('/') && x.contains(':') != request_v6)
                            })
                        })
                })
            })
        })
    })
}

fn known_differences() -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/DIFFERENCES.md")).unwrap_or_default();
    text.lines().filter_map(|l| l.strip_prefix("## `")).filter_map(|l| l.split('`').next()).map(str::to_string).collect()
}

fn run_peer(dir: &Path, requests: &[Value]) -> Vec<Value> {
    let mut child = Command::new("node")
        .arg("simulate.mjs")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn node simulate.mjs");
    let mut stdin = child.stdin.take().expect("peer stdin");
    let input: String = requests.iter().map(|r| format!("{r}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let stdout = child.stdout.take().expect("peer stdout");
    let answers: Vec<Value> =
        BufReader::new(stdout).lines().map(|l| serde_json::from_str(&l.expect("peer output line")).expect("peer answer is JSON")).collect();
    writer.join().expect("writer thread").expect("write to peer");
    assert!(child.wait().expect("peer exit").success(), "peer failed");
    answers
}

/// Skip when the peer is missing, unless `KOBAN_REQUIRE_PEERS` is set (CI sets it), in which
/// case a missing peer fails the test instead of passing it silently.
fn skip(why: &str) {
    assert!(std::env::var_os("KOBAN_REQUIRE_PEERS").is_none(), "peer required (KOBAN_REQUIRE_PEERS) but {why}");
    eprintln!("skipped: {why}");
}

#[test]
fn differential_against_iam_simulate_peer() {
    let Some(dir) = peer_dir() else {
        skip("shared/peers/iam-simulate not found (set KOBAN_IAM_PEER_DIR)");
        return;
    };
    if !dir.join("node_modules/@cloud-copilot/iam-simulate").is_dir() {
        skip(&format!("the peer is not installed; run `npm ci` in {}", dir.display()));
        return;
    }
    if Command::new("node").arg("--version").output().is_err() {
        skip("node not found");
        return;
    }
    let cases: usize = std::env::var("KOBAN_DIFF_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let seed: u64 = std::env::var("KOBAN_DIFF_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x006b_6f62_616e);
    let mut rng = Rng(seed);
    let requests: Vec<Value> = (0..cases).map(|i| generate(&mut rng, i)).collect();
    let answers = run_peer(&dir, &requests);
    assert_eq!(answers.len(), requests.len());
    let known = known_differences();
    let mut peer_errors = 0;
    let mut agreed = 0;
    let mut explained: BTreeMap<String, usize> = BTreeMap::new();
    let mut unexplained = Vec::new();
    for (req, peer) in requests.iter().zip(&answers) {
        let Some(peer_decision) = peer["decision"].as_str() else {
            peer_errors += 1;
            if peer_errors <= 3 {
                eprintln!("peer error on {}: {}", req["id"], peer["error"]);
            }
            continue;
        };
        let ours = koban_policy::simulate::simulate_request(req, Default::default());
        let Some(our_decision) = ours["decision"].as_str() else {
            unexplained.push(format!("{}: koban error {} (peer {peer_decision})\n  request: {req}", req["id"], ours["error"]));
            continue;
        };
        if our_decision == peer_decision {
            agreed += 1;
            continue;
        }
        let case_tags: Vec<&str> = tags(req).into_iter().filter(|t| known.iter().any(|k| k == t)).collect();
        if let Some(t) = case_tags.first() {
            *explained.entry((*t).to_string()).or_default() += 1;
        } else {
            unexplained.push(format!(
                "{}: koban {our_decision}, peer {peer_decision}\n  request: {req}\n  peer: {}\n  koban: {}",
                req["id"], peer["raw"], ours["explanation"]
            ));
        }
    }
    eprintln!(
        "differential: {cases} cases (seed {seed}), {agreed} agree, {} differ as documented {explained:?}, {} unexplained, {peer_errors} peer errors",
        explained.values().sum::<usize>(),
        unexplained.len()
    );
    assert!(peer_errors * 20 <= cases, "too many requests the peer refused: {peer_errors}");
    assert!(
        unexplained.is_empty(),
        "{} disagreements not listed in tests/DIFFERENCES.md:\n{}",
        unexplained.len(),
        unexplained.iter().take(8).cloned().collect::<Vec<_>>().join("\n")
    );
}
