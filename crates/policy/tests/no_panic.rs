//! Property tests: no input makes the parser, the validator or the simulator panic —
//! random JSON, random text, and valid policies with random mutations.

use proptest::prelude::*;
use serde_json::{json, Value};

use koban_policy::simulate::{simulate_request, SimulateOptions};
use koban_policy::validate::{validate_text, validate_value, PolicyKind};
use koban_policy::{parse_policy, parse_policy_str};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("*".to_string()),
            Just("Allow".to_string()),
            Just("Deny".to_string()),
            Just("s3:Get*".to_string()),
            Just("arn:aws:s3:::b/${aws:username}/*".to_string()),
            Just("${".to_string()),
            Just("2012-10-17".to_string()),
            Just("arn:aws:iam::111122223333:root".to_string()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop_oneof![
            Just("Version".to_string()),
            Just("Statement".to_string()),
            Just("Effect".to_string()),
            Just("Action".to_string()),
            Just("NotAction".to_string()),
            Just("Resource".to_string()),
            Just("NotResource".to_string()),
            Just("Principal".to_string()),
            Just("NotPrincipal".to_string()),
            Just("AWS".to_string()),
            Just("Service".to_string()),
            Just("Condition".to_string()),
            Just("StringLikeIfExists".to_string()),
            Just("ForAllValues:NumericLessThan".to_string()),
            Just("aws:SourceIp".to_string()),
            "[a-zA-Z:]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn valid_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": "arn:aws:s3:::b/${aws:username}/*",
         "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]},
                       "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                       "ForAnyValue:StringLike": {"aws:TagKeys": "env*"}}},
        {"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:root"]}, "NotAction": "s3:*",
         "NotResource": ["*"], "Condition": {"Null": {"aws:SourceVpce": "true"}, "BinaryEquals": {"k:b": "QmluYXJ5"}}}]})
}

/// Replaces the value at a random position of the document with `replacement`.
fn mutate(v: &mut Value, path: &[usize], replacement: Value) {
    let Some((&first, rest)) = path.split_first() else {
        *v = replacement;
        return;
    };
    match v {
        Value::Array(items) if !items.is_empty() => {
            let i = first % items.len();
            mutate(&mut items[i], rest, replacement);
        }
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(first % map.len()).cloned().unwrap_or_default();
            if let Some(child) = map.get_mut(&key) {
                mutate(child, rest, replacement);
            }
        }
        _ => *v = replacement,
    }
}

fn exercise(doc: &Value) {
    let _ = parse_policy(doc);
    for kind in [PolicyKind::IdentityPolicy, PolicyKind::ResourcePolicy, PolicyKind::ServiceControlPolicy] {
        let _ = validate_value(doc, kind);
    }
    let request = json!({
        "principal": "arn:aws:sts::111122223333:assumed-role/app/s",
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/alice/x",
        "resourceAccount": "111122223333",
        "context": {"aws:username": "alice", "aws:SourceIp": "203.0.113.9", "aws:TagKeys": ["env"]},
        "identityPolicies": [doc],
        "resourcePolicy": doc,
        "scps": [[doc]],
    });
    let _ = simulate_request(&request, SimulateOptions::default());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_json_never_panics(doc in arb_json()) {
        exercise(&doc);
        exercise(&Value::String(doc.to_string()));
    }

    #[test]
    fn random_text_never_panics(text in ".{0,200}") {
        let _ = parse_policy_str(&text);
        let _ = validate_text(&text, PolicyKind::IdentityPolicy);
    }

    #[test]
    fn mutated_valid_policies_never_panic(path in prop::collection::vec(0usize..8, 0..6), replacement in arb_json()) {
        let mut doc = valid_policy();
        mutate(&mut doc, &path, replacement);
        exercise(&doc);
    }

    #[test]
    fn random_requests_never_panic(req in arb_json()) {
        let _ = simulate_request(&req, SimulateOptions::default());
    }
}
