//! The findings store's way in and out: recording `koban detect`'s findings, suppression
//! rules with GuardDuty-style criteria, exports (`--format json|sarif|eventbridge|guardduty`)
//! and importing GuardDuty findings.

use crate::args::Format;
use crate::findings::open;
use crate::output::{code, fail, Run};
use koban_detect::detectors::Detected;
use koban_findings::export::{eventbridge, from_guardduty, guardduty};
use koban_findings::store::{self, Filter, Status, Store, Stored, SuppressionRule};
use koban_findings::Finding;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Record one detection run in the store (one transaction); the log times and record count
/// go into the evidence as `observed`.
pub fn store_detected(db: Option<&Path>, detected: &[Detected]) -> Result<String, String> {
    let path = crate::vulns::store_path(db)?;
    let mut store = Store::open(&path).map_err(|e| e.to_string())?;
    let findings: Vec<Finding> = detected
        .iter()
        .map(|d| {
            let mut f = d.finding.clone();
            if let Value::Object(m) = &mut f.evidence {
                m.insert("observed".into(), json!({"first_seen": d.first_seen, "last_seen": d.last_seen, "count": d.count}));
            }
            f
        })
        .collect();
    store.record(&findings, &store::now()).map_err(|e| e.to_string())?;
    Ok(path.display().to_string())
}

#[derive(Serialize)]
struct RuleAnswer {
    schema: &'static str,
    store: String,
    rules: Vec<SuppressionRule>,
    /// Findings archived by the rule just added.
    archived: Vec<String>,
}

fn render_rules(a: &RuleAnswer) -> String {
    let mut out = format!("{} suppression rule(s) in {}\n", a.rules.len(), a.store);
    for r in &a.rules {
        let _ = writeln!(out, "  {}: {} ({})", r.name, r.criteria, r.reason.as_deref().unwrap_or(""));
    }
    if !a.archived.is_empty() {
        let _ = writeln!(out, "archived now: {}", a.archived.join(", "));
    }
    out
}

pub fn add_rule(run: &mut Run, db: Option<&Path>, name: &str, criteria: &str, reason: &str) -> ExitCode {
    let text = match criteria.strip_prefix('@') {
        Some(file) => match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => return fail(format!("--criteria {file}: {e}")),
        },
        None => criteria.to_string(),
    };
    let value: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return fail(format!("--criteria: not valid JSON: {e}")),
    };
    let (mut store, path) = match open(db) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let archived = match store.add_suppression_rule(name, &value, Some(reason), &store::now()) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let rules = match store.suppression_rules() {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    run.emit(&RuleAnswer { schema: "koban/suppression-rules/v1", store: path, rules, archived }, render_rules, &[]);
    ExitCode::SUCCESS
}

pub fn rules(run: &mut Run, db: Option<&Path>, delete: Option<&str>) -> ExitCode {
    let (mut store, path) = match open(db) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    if let Some(name) = delete {
        match store.delete_suppression_rule(name) {
            Ok(true) => {}
            Ok(false) => return fail(format!("no suppression rule {name}")),
            Err(e) => return fail(e),
        }
    }
    match store.suppression_rules() {
        Ok(rules) => {
            run.emit(&RuleAnswer { schema: "koban/suppression-rules/v1", store: path, rules, archived: vec![] }, render_rules, &[]);
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

pub fn export(run: &mut Run, db: Option<&Path>, status: Option<&str>, finding_type: Option<String>, resource: Option<String>) -> ExitCode {
    let status = match status.map(|s| Status::parse(s).ok_or(s)) {
        Some(Err(s)) => return fail(format!("--status {s:?}: expected ACTIVE, SUPPRESSED, ARCHIVED or CLOSED")),
        Some(Ok(s)) => Some(s),
        None => None,
    };
    if run.format == Format::Text || run.format == Format::Markdown {
        return fail("koban findings export needs --format json, sarif, eventbridge or guardduty");
    }
    let (store, path) = match open(db) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    run.loaded();
    let stored = match store.list(&Filter { status, finding_type, resource, min_severity: None }) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let found = !stored.is_empty();
    match run.format {
        Format::Sarif => {
            let doc = koban_vulns::export::sarif(&stored);
            println!("{}", serde_json::to_string(&doc).unwrap_or_default());
        }
        Format::Eventbridge | Format::Guardduty => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            for s in &stored {
                let v = if run.format == Format::Eventbridge { eventbridge(s) } else { guardduty(s) };
                if writeln!(out, "{v}").is_err() {
                    return fail("writing the export");
                }
            }
            if out.flush().is_err() {
                return fail("writing the export");
            }
        }
        _ => {
            #[derive(Serialize)]
            struct JsonExport<'a> {
                schema: &'static str,
                store: String,
                findings: &'a [Stored],
            }
            run.emit(&JsonExport { schema: "koban/findings/v1", store: path, findings: &stored }, |_| String::new(), &[]);
        }
    }
    code(found)
}

#[derive(Serialize)]
struct ImportAnswer {
    schema: &'static str,
    store: String,
    read: usize,
    distinct: usize,
    rejected: Vec<String>,
}

/// GuardDuty documents in a file: JSON Lines, one JSON document, or a JSON array.
fn documents(path: &PathBuf) -> Result<Vec<(String, Value)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        return Ok(match v {
            Value::Array(a) => a.into_iter().enumerate().map(|(i, d)| (format!("{}:/{i}", path.display()), d)).collect(),
            Value::Object(ref m) if m.contains_key("Findings") => m["Findings"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, d)| (format!("{}:/Findings/{i}", path.display()), d))
                .collect(),
            d => vec![(path.display().to_string(), d)],
        });
    }
    let mut out = vec![];
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(v) => out.push((format!("{}:line {}", path.display(), i + 1), v)),
            Err(e) => out.push((format!("{}:line {}", path.display(), i + 1), json!({"koban_parse_error": e.to_string()}))),
        }
    }
    Ok(out)
}

pub fn import(run: &mut Run, db: Option<&Path>, files: &[PathBuf]) -> ExitCode {
    let mut findings = vec![];
    let mut rejected = vec![];
    for f in files {
        let docs = match documents(f) {
            Ok(d) => d,
            Err(e) => return fail(e),
        };
        for (at, d) in docs {
            if let Some(e) = d.get("koban_parse_error") {
                rejected.push(format!("{at}: not valid JSON: {e}"));
                continue;
            }
            match from_guardduty(&d) {
                Ok(x) => findings.push(x),
                Err(e) => rejected.push(format!("{at}: {e}")),
            }
        }
    }
    let (mut store, path) = match open(db) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let read = findings.len();
    let distinct = findings.iter().map(|f| f.id.as_str()).collect::<std::collections::BTreeSet<_>>().len();
    if let Err(e) = store.record(&findings, &store::now()) {
        return fail(e);
    }
    let bad = !rejected.is_empty();
    for r in &rejected {
        eprintln!("koban: skipped {r}");
    }
    run.emit(
        &ImportAnswer { schema: "koban/findings-import/v1", store: path, read, distinct, rejected },
        |a: &ImportAnswer| format!("imported {} GuardDuty finding(s), {} distinct, into {}\n", a.read, a.distinct, a.store),
        &[],
    );
    if bad && read == 0 {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
