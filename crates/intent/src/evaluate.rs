//! `koban check` as a whole: the landing-zone checks (network, IAM, DNS, operations,
//! organization, CI/CD, Cognito), the user's intents and
//! Network Access Scopes, then the suppressions of `koban.yaml` (each finding they cover
//! moves to `suppressed` with its reason; a suppression that covers nothing is reported).

use crate::checks::{run_checks_with, CheckReport, CheckStatus, CATALOGUE};
use crate::config::{Config, Suppression};
use crate::intents::IntentResult;
use crate::scope::{Scope, ScopeResult};
use koban_findings::Finding;
use koban_net::Engine;
use serde::Serialize;

/// A finding accepted by a suppression.
#[derive(Debug, Clone, Serialize)]
pub struct SuppressedFinding {
    #[serde(flatten)]
    pub finding: Finding,
    pub reason: String,
}

/// Everything `koban check` answers (`koban/check/v1`).
#[derive(Debug, Clone, Serialize)]
pub struct CheckOutcome {
    #[serde(flatten)]
    pub report: CheckReport,
    pub intents: Vec<IntentResult>,
    pub scopes: Vec<ScopeResult>,
    pub suppressed: Vec<SuppressedFinding>,
    /// Suppressions that covered no finding (stale, or a typo in the resource).
    pub unused_suppressions: Vec<Suppression>,
}

fn status_of(id: &'static str, findings: usize, unknown: bool) -> CheckStatus {
    let title = CATALOGUE.iter().find(|c| c.id == id).map(|c| c.title).unwrap_or("");
    CheckStatus {
        id,
        title,
        status: if findings > 0 {
            "fail"
        } else if unknown {
            "unknown"
        } else {
            "pass"
        },
        findings,
    }
}

/// Run every check, intent and scope, and apply the suppressions.
pub fn check(engine: &Engine, config: &Config, scopes: &[Scope]) -> CheckOutcome {
    let mut report = run_checks_with(engine, config);

    let intents = crate::intents::evaluate(engine, config);
    for id in
        [crate::intents::REACH, crate::intents::NEVER_REACH, crate::intents::ISOLATED, crate::intents::INSPECTED, crate::intents::ONLY_CAN]
    {
        let mine: Vec<&IntentResult> = intents.results.iter().filter(|r| r.check == id).collect();
        if mine.is_empty() {
            continue;
        }
        let n = intents.findings.iter().filter(|f| f.source == id).count();
        report.checks.push(status_of(id, n, mine.iter().any(|r| r.status == "unknown")));
    }
    report.unknowns.extend(intents.unknowns);
    report.findings.extend(intents.findings);

    let (scope_results, scope_findings) = crate::scope::evaluate(engine, scopes);
    if !scopes.is_empty() {
        let unknown = scope_results.iter().any(|r| r.status == "unknown");
        report.checks.push(status_of(crate::scope::SCOPE_PATH, scope_findings.len(), unknown));
        for r in &scope_results {
            report.unknowns.extend(r.unknowns.iter().map(|u| format!("{}: {u}", r.file)));
        }
    }
    report.findings.extend(scope_findings);

    // Suppressions: covered findings leave `findings`; a check whose findings are all
    // suppressed passes.
    let mut suppressed = Vec::new();
    let mut used = vec![false; config.suppressions.len()];
    report.findings.retain(|f| match config.suppressions.iter().position(|s| s.covers(&f.source, &f.resource)) {
        Some(i) => {
            used[i] = true;
            suppressed.push(SuppressedFinding { finding: f.clone(), reason: config.suppressions[i].reason.0.clone() });
            false
        }
        None => true,
    });
    for c in report.checks.iter_mut() {
        let left = report.findings.iter().filter(|f| f.source == c.id).count();
        if c.status == "fail" && left == 0 {
            c.status = if report.unknowns.is_empty() { "pass" } else { "unknown" };
        }
        c.findings = left;
    }
    let unused_suppressions = config.suppressions.iter().zip(used).filter(|(_, u)| !u).map(|(s, _)| s.clone()).collect();
    report
        .findings
        .sort_by(|a, b| b.severity.value.total_cmp(&a.severity.value).then(a.source.cmp(&b.source)).then(a.resource.cmp(&b.resource)));
    report.unknowns.sort();
    report.unknowns.dedup();
    CheckOutcome { report, intents: intents.results, scopes: scope_results, suppressed, unused_suppressions }
}
