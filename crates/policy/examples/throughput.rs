//! Prints koban's policy evaluation throughput on typical requests: a role session reading
//! a secret through a VPC endpoint, with identity policies, a secret policy locked to the
//! endpoint, a permissions boundary and three SCP levels (policies parsed once, as koban
//! does). `cargo run --release -p koban-policy --example throughput [N]`.

use std::time::Instant;

use koban_policy::evaluate::{decide, evaluate};
use koban_policy::simulate::{build_request, SimulateOptions};
use serde_json::json;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2_000_000);
    let full = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let request = json!({
        "principal": "arn:aws:sts::111111111111:assumed-role/app/i-0abc",
        "action": "secretsmanager:GetSecretValue",
        "resource": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf",
        "context": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718", "aws:SourceVpc": "vpc-1",
                    "aws:PrincipalTag/team": "payments", "aws:SecureTransport": "true"},
        "deriveContext": true,
        "identityPolicies": [
            {"Version": "2012-10-17", "Statement": [
                {"Sid": "ReadSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                 "Resource": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/*"},
                {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"},
                {"Sid": "NoDelete", "Effect": "Deny", "Action": "secretsmanager:Delete*", "Resource": "*"}]},
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::artifacts/${aws:PrincipalTag/team}/*"}]}
        ],
        "permissionBoundaries": [{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["secretsmanager:*", "logs:*", "s3:Get*"], "Resource": "*"}]}],
        "resourcePolicy": {"Version": "2012-10-17", "Statement": [
            {"Sid": "DenyUnlessFromEndpoint", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:GetSecretValue",
             "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}},
            {"Sid": "AppRole", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/app"},
             "Action": "secretsmanager:GetSecretValue", "Resource": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]},
        "scps": [[full], [full, {"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}, "Null": {"aws:RequestedRegion": "false"}}}]}], [full]]
    });
    let (policies, ctx) = match build_request(&request, SimulateOptions::default()) {
        Ok(built) => built,
        Err(e) => {
            eprintln!("bad request: {e}");
            std::process::exit(2);
        }
    };
    let expected = decide(&policies, &ctx);
    println!("decision: {} ({})", expected.as_str(), evaluate(&policies, &ctx).reason);

    let start = Instant::now();
    let mut allowed = 0usize;
    for _ in 0..n {
        if decide(std::hint::black_box(&policies), std::hint::black_box(&ctx)) == expected {
            allowed += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("decide:   {n} evaluations in {secs:.3} s = {:.0} evaluations/s/core", n as f64 / secs);

    let m = n / 10;
    let start = Instant::now();
    for _ in 0..m {
        std::hint::black_box(evaluate(std::hint::black_box(&policies), std::hint::black_box(&ctx)));
    }
    let secs = start.elapsed().as_secs_f64();
    println!("evaluate: {m} explained evaluations in {secs:.3} s = {:.0} evaluations/s/core", m as f64 / secs);
    assert_eq!(allowed, n);
}
