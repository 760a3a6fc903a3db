//! Data-driven cases from AWS's own policy-evaluation documentation: each folder of
//! `tests/cases/` holds a `request.json` (the simulate request format) and an
//! `expected.json` with the documented `decision`, optionally the statements that must
//! have decided it (`decidedBy`), and the documentation page it comes from (`source`).

use std::path::Path;

use serde_json::Value;

#[test]
fn documented_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut names: Vec<_> =
        std::fs::read_dir(&dir).expect("tests/cases").filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    names.sort();
    let mut failures = Vec::new();
    for case in &names {
        let read = |f: &str| -> Value {
            let text = std::fs::read_to_string(case.join(f)).unwrap_or_else(|e| panic!("{}: {e}", case.join(f).display()));
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", case.join(f).display()))
        };
        let request = read("request.json");
        let expected = read("expected.json");
        assert!(
            expected["source"].as_str().is_some_and(|s| s.starts_with("https://docs.aws.amazon.com/")),
            "{}: expected.json must cite an AWS documentation page in \"source\"",
            case.display()
        );
        let answer = koban_policy::simulate::simulate_request(&request, Default::default());
        if answer["decision"] != expected["decision"] {
            failures.push(format!("{}: expected {}, got {}: {}", case.display(), expected["decision"], answer["decision"], answer));
            continue;
        }
        if let Some(want) = expected.get("decidedBy") {
            if &answer["explanation"]["decidedBy"] != want {
                failures.push(format!("{}: decidedBy {} != {}", case.display(), answer["explanation"]["decidedBy"], want));
            }
        }
    }
    assert!(names.len() >= 15, "only {} cases", names.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
