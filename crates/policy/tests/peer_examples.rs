//! The iam-simulate peer's hand-written example requests (`examples/cases.jsonl`) through
//! `simulate_jsonl`, each checked against its documented `expect` (the decision the case's
//! author read from the AWS documentation, not the peer's answer).

use std::path::{Path, PathBuf};

use serde_json::Value;

fn peer_dir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("KOBAN_IAM_PEER_DIR") {
        return Some(PathBuf::from(d));
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/peers/iam-simulate"))
        .find(|d| d.join("examples/cases.jsonl").is_file())
}

#[test]
fn peer_examples_match_documented_expectations() {
    let Some(dir) = peer_dir() else {
        eprintln!("skipped: shared/peers/iam-simulate/examples/cases.jsonl not found");
        return;
    };
    let input = std::fs::read_to_string(dir.join("examples/cases.jsonl")).expect("read cases.jsonl");
    let cases: Vec<Value> =
        input.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("case is JSON")).collect();
    let mut out = Vec::new();
    let summary = koban_policy::simulate_jsonl(input.as_bytes(), &mut out).expect("simulate");
    let answers: Vec<Value> =
        String::from_utf8(out).expect("utf8").lines().map(|l| serde_json::from_str(l).expect("answer is JSON")).collect();
    assert_eq!(answers.len(), cases.len());
    assert_eq!(summary.requests, cases.len());
    let mut failures = Vec::new();
    for (case, answer) in cases.iter().zip(&answers) {
        assert_eq!(case["id"], answer["id"]);
        if case["expect"] != answer["decision"] {
            failures.push(format!(
                "{}: expected {}, koban said {} ({})",
                case["id"], case["expect"], answer["decision"], answer["explanation"]
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
    assert!(cases.len() >= 40);
}
