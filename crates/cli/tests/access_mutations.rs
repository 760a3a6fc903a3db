//! Property test: the example's IAM, Organizations and resource-policy files, mutated (values
//! of the wrong type, removed or duplicated records, policy documents replaced by junk or
//! URL-encoded junk, truncated files), go through the reader, the policy index, `can`,
//! `who-can` and the IAM checks without a panic, and every damaged document is reported.

use koban_intent::access::checks;
use koban_intent::access::{can, parse_overrides, who_can, CanQuery, Index};
use koban_net::Engine;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/landing-zone/snapshot")
}

/// (relative path, JSON, whether the file is one the mutations target)
fn example_files() -> Vec<(PathBuf, Value, bool)> {
    let root = root();
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                let rel = p.strip_prefix(&root).unwrap().to_path_buf();
                let s = rel.to_string_lossy();
                let target = ["iam/", "organizations/", "Secret", "KmsKeyPolicies", "S3BucketPolicies", "EventBuses", "VpcEndpoints"]
                    .iter()
                    .any(|k| s.contains(k));
                out.push((rel, v, target));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace(Vec<usize>, u8),
    Remove(Vec<usize>),
    Duplicate(Vec<usize>),
    Truncate(usize),
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    let path = proptest::collection::vec(0usize..64, 1..9);
    prop_oneof![
        (path.clone(), 0u8..10).prop_map(|(p, k)| Mutation::Replace(p, k)),
        path.clone().prop_map(Mutation::Remove),
        path.prop_map(Mutation::Duplicate),
        (0usize..3000).prop_map(Mutation::Truncate),
    ]
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

fn at(v: &mut Value, path: &[usize], f: &mut dyn FnMut(&mut Value, usize)) {
    let n = match v {
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        _ => 0,
    };
    if n == 0 {
        return;
    }
    let i = path[0] % n;
    if path.len() == 1 {
        f(v, i);
        return;
    }
    let child = match v {
        Value::Array(a) => &mut a[i],
        Value::Object(o) => match o.values_mut().nth(i) {
            Some(c) => c,
            None => return,
        },
        _ => return,
    };
    if matches!(child, Value::Array(_) | Value::Object(_)) {
        at(child, &path[1..], f);
    } else {
        f(v, i);
    }
}

fn apply(v: &mut Value, m: &Mutation) -> Option<String> {
    match m {
        Mutation::Replace(p, k) => at(v, p, &mut |parent, i| match parent {
            Value::Array(a) => a[i] = replacement(*k),
            Value::Object(o) => {
                if let Some(x) = o.values_mut().nth(i) {
                    *x = replacement(*k);
                }
            }
            _ => {}
        }),
        Mutation::Remove(p) => at(v, p, &mut |parent, i| match parent {
            Value::Array(a) => {
                a.remove(i);
            }
            Value::Object(o) => {
                if let Some(k) = o.keys().nth(i).cloned() {
                    o.remove(&k);
                }
            }
            _ => {}
        }),
        Mutation::Duplicate(p) => at(v, p, &mut |parent, i| {
            if let Value::Array(a) = parent {
                let x = a[i].clone();
                a.push(x);
            }
        }),
        Mutation::Truncate(n) => {
            let text = serde_json::to_string(v).unwrap_or_default();
            return Some(text.chars().take(*n).collect());
        }
    }
    None
}

static CASE: AtomicUsize = AtomicUsize::new(0);

const SECRET: &str = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-Xk3pQ9";

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn mutated_iam_and_secret_snapshots_never_panic(muts in proptest::collection::vec((0usize..64, arb_mutation()), 1..6)) {
        let mut files = example_files();
        let targets: Vec<usize> = files.iter().enumerate().filter(|(_, f)| f.2).map(|(i, _)| i).collect();
        let mut raw: Vec<Option<String>> = vec![None; files.len()];
        for (f, m) in &muts {
            let idx = targets[f % targets.len()];
            if let Some(text) = apply(&mut files[idx].1, m) {
                raw[idx] = Some(text);
            }
        }
        let dir = std::env::temp_dir().join(format!("koban-access-mut-{}-{}", std::process::id(), CASE.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&dir);
        for ((rel, v, _), text) in files.iter().zip(&raw) {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text.clone().unwrap_or_else(|| serde_json::to_string(v).unwrap())).unwrap();
        }
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
