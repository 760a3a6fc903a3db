//! Property test: the example's IAM, Organizations and resource-policy files, mutated (values
//! of the wrong type, removed or duplicated records, policy documents replaced by junk or
//! URL-encoded junk, truncated files), go through the reader, the policy index, `can`,
//! `who-can` and the IAM checks without a panic, and every damaged document is reported.

mod common;

use common::mutation::{apply, arb_mutation, example_files, write_snapshot};
use koban_intent::access::checks;
use koban_intent::access::{can, parse_overrides, who_can, CanQuery, Index};
use koban_net::Engine;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::Path;

/// Whether a snapshot file is one the mutations target: IAM, Organizations and resource policies.
fn targeted(rel: &Path) -> bool {
    let s = rel.to_string_lossy();
    ["iam/", "organizations/", "Secret", "KmsKeyPolicies", "S3BucketPolicies", "EventBuses", "VpcEndpoints"].iter().any(|k| s.contains(k))
}

fn replacement(k: u8) -> Value {
    match k {
        0 => Value::Null,
        1 => json!(42),
        2 => json!("{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\""),
        3 => json!([]),
        4 => json!({}),
        5 => json!("%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D"),
        6 => json!("%ZZ%7B"),
        7 => json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": "*", "NotResource": 7}}),
        8 => json!("arn:aws:iam::111111111111:role/nope"),
        _ => json!(true),
    }
}

const SECRET: &str = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-Xk3pQ9";

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn mutated_iam_and_secret_snapshots_never_panic(muts in proptest::collection::vec((0usize..64, arb_mutation(1..9, 0..10, 0..3000)), 1..6)) {
        let mut files = example_files();
        let targets: Vec<usize> = files.iter().enumerate().filter(|(_, (rel, _))| targeted(rel)).map(|(i, _)| i).collect();
        let mut raw: Vec<Option<String>> = vec![None; files.len()];
        for (f, m) in &muts {
            let idx = targets[f % targets.len()];
            if let Some(text) = apply(&mut files[idx].1, m, replacement) {
                raw[idx] = Some(text);
            }
        }
        let dir = write_snapshot("koban-access-mut", &files, &raw);
        if let Ok(twin) = koban_ingest::load_snapshot(std::slice::from_ref(&dir)) {
            let engine = Engine::new(&twin);
            let ix = Index::new(&twin);
            // every document that could not be read is reported with its file
            for d in &ix.diagnostics {
                prop_assert!(!d.origin.file.is_empty(), "{d}");
            }
            let ctx = parse_overrides(&["aws:SourceIp=52.50.10.10".to_string()]).unwrap();
            for (principal, from, action, resource) in [
                (None, Some("i-0a1a2b3c4d5e6f7a1"), "secretsmanager:GetSecretValue", SECRET),
                (Some("breakglass-admin"), None, "secretsmanager:GetSecretValue", SECRET),
                (Some("arn:aws:iam::210987654321:root"), None, "sts:AssumeRole", "arn:aws:iam::111111111111:role/vendor-monitoring-role"),
                (Some("anonymous"), None, "s3:GetObject", "arn:aws:s3:::cicd-artifacts-444444444444/app.zip"),
            ] {
                for overrides in [&[][..], &ctx[..]] {
                    let q = CanQuery { principal, action, resource, from, context: overrides };
                    let _ = can(&engine, &ix, &q);
                }
            }
            let _ = who_can(&engine, &ix, "secretsmanager:GetSecretValue", SECRET, &[]);
            let _ = who_can(&engine, &ix, "events:PutEvents", "arn:aws:events:eu-west-1:333333333333:event-bus/security-findings", &[]);
            let _ = checks::run(&engine, &ix);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
