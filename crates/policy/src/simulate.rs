//! Request simulation over JSON Lines in the input format of the `iam-simulate` peer
//! (`shared/peers/iam-simulate/README.md`): one request per line (or one JSON document
//! holding a request or an array of them), one answer line per request in input order with
//! `id`, `decision`, `error` and koban's `explanation`. Also [`validate_document`], the
//! library side of `koban policy validate`.

use std::io::{BufRead, Write};

use serde::Serialize;
use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::catalog::catalog;
use crate::context::{Caller, ContextValue, RequestContext};
use crate::evaluate::{evaluate, NamedPolicy, OrgLevel, PolicySet};
use crate::explain::Decision;
use crate::parse::parse_policy;
use crate::validate::{validate_text, Finding, PolicyKind};

/// A failure of the simulation run itself (not of one request, which is answered with an
/// `error` instead).
#[derive(Debug, Error)]
pub enum SimulateError {
    /// Reading the input failed.
    #[error("reading requests: {0}")]
    Read(#[source] std::io::Error),
    /// Writing an answer failed.
    #[error("writing answers: {0}")]
    Write(#[source] std::io::Error),
}

/// Counts of a simulation run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulateSummary {
    /// Requests answered.
    pub requests: usize,
    /// `allow` answers.
    pub allow: usize,
    /// `explicit-deny` answers.
    pub explicit_deny: usize,
    /// `implicit-deny` answers.
    pub implicit_deny: usize,
    /// Answers with an `error`.
    pub errors: usize,
}

/// Options of a simulation run.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimulateOptions {
    /// Add `aws:PrincipalArn`, `aws:PrincipalAccount` and `aws:ResourceAccount` to every
    /// request that lacks them (the peer's `--derive-context`).
    pub derive_context: bool,
}

/// Reads requests from `input`, writes one answer line per request to `output`.
pub fn simulate_jsonl(input: impl BufRead, output: impl Write) -> Result<SimulateSummary, SimulateError> {
    simulate_jsonl_with(input, output, SimulateOptions::default())
}

/// [`simulate_jsonl`] with options.
pub fn simulate_jsonl_with(
    mut input: impl BufRead,
    mut output: impl Write,
    options: SimulateOptions,
) -> Result<SimulateSummary, SimulateError> {
    let mut summary = SimulateSummary::default();
    let mut line_no = 0usize;
    let mut line = String::new();
    let mut mode_lines = false;
    loop {
        line.clear();
        let n = input.read_line(&mut line).map_err(SimulateError::Read)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("//") {
            continue;
        }
        match serde_json::from_str::<Value>(trimmed) {
            Ok(v) => {
                mode_lines = true;
                answer_value(v, options, &mut output, &mut summary)?;
            }
            Err(e) if mode_lines => {
                let answer = json!({"id": null, "decision": null, "error": format!("input: line {line_no}: invalid JSON: {e}"), "explanation": null});
                write_answer(&mut output, &answer, &mut summary)?;
            }
            Err(_) => {
                // Not JSON Lines: the whole input is one (pretty-printed) document.
                let mut rest = trimmed.to_string();
                rest.push('\n');
                input.read_to_string(&mut rest).map_err(SimulateError::Read)?;
                match serde_json::from_str::<Value>(&rest) {
                    Ok(v) => answer_value(v, options, &mut output, &mut summary)?,
                    Err(e) => {
                        let answer =
                            json!({"id": null, "decision": null, "error": format!("input: invalid JSON: {e}"), "explanation": null});
                        write_answer(&mut output, &answer, &mut summary)?;
                    }
                }
                break;
            }
        }
    }
    output.flush().map_err(SimulateError::Write)?;
    Ok(summary)
}

fn answer_value(v: Value, options: SimulateOptions, output: &mut impl Write, summary: &mut SimulateSummary) -> Result<(), SimulateError> {
    match v {
        Value::Array(items) => {
            for item in items {
                write_answer(output, &simulate_request(&item, options), summary)?;
            }
            Ok(())
        }
        other => write_answer(output, &simulate_request(&other, options), summary),
    }
}

fn write_answer(output: &mut impl Write, answer: &Value, summary: &mut SimulateSummary) -> Result<(), SimulateError> {
    summary.requests += 1;
    match answer.get("decision").and_then(Value::as_str) {
        Some("allow") => summary.allow += 1,
        Some("explicit-deny") => summary.explicit_deny += 1,
        Some("implicit-deny") => summary.implicit_deny += 1,
        _ => summary.errors += 1,
    }
    serde_json::to_writer(&mut *output, answer).map_err(|e| SimulateError::Write(e.into()))?;
    output.write_all(b"\n").map_err(SimulateError::Write)
}

/// Answers one request value: `{"id", "decision", "error", "explanation"}`.
pub fn simulate_request(req: &Value, options: SimulateOptions) -> Value {
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    match build_request(req, options) {
        Ok((policies, ctx)) => {
            let e = evaluate(&policies, &ctx);
            json!({"id": id, "decision": e.decision.as_str(), "error": null, "explanation": e})
        }
        Err(msg) => json!({"id": id, "decision": null, "error": msg, "explanation": null}),
    }
}

/// Evaluates one request value and returns only the decision (for tests and benchmarks).
pub fn decide_request(req: &Value) -> Result<Decision, String> {
    let (policies, ctx) = build_request(req, SimulateOptions::default())?;
    Ok(crate::evaluate::decide(&policies, &ctx))
}

/// Turns a request in the peer's format into a policy set and a request context.
pub fn build_request(req: &Value, options: SimulateOptions) -> Result<(PolicySet, RequestContext), String> {
    let Value::Object(req) = req else {
        return Err("input: request must be a JSON object".into());
    };
    let action = req.get("action").and_then(Value::as_str).filter(|a| !a.is_empty()).ok_or("input: action must be a non-empty string")?;
    if action.split(':').count() != 2 {
        return Err(format!("input: action {action:?} must be service:Action"));
    }
    let resource =
        req.get("resource").and_then(Value::as_str).filter(|r| !r.is_empty()).ok_or("input: resource must be a non-empty string")?;
    let caller = match req.get("principal") {
        None | Some(Value::Null) => Caller::Anonymous,
        Some(Value::String(s)) if !s.is_empty() => Caller::parse(s),
        _ => return Err("input: principal must be an ARN, a service principal, or \"anonymous\"".into()),
    };
    let mut b = RequestContext::builder().caller(caller).action(action).resource(resource);
    match req.get("resourceAccount") {
        None | Some(Value::Null) => {}
        Some(Value::String(a)) => b = b.resource_account(a),
        Some(_) => return Err("input: resourceAccount must be a string".into()),
    }
    match req.get("context") {
        None | Some(Value::Null) => {}
        Some(Value::Object(ctx)) => {
            for (k, v) in ctx {
                if let Some(value) = context_value(k, v)? {
                    b = b.context(k, value);
                }
            }
        }
        Some(_) => return Err("input: context must be an object".into()),
    }
    let derive = req.get("deriveContext").and_then(Value::as_bool).unwrap_or(options.derive_context);
    if derive {
        b = b.derive_principal_keys();
    }
    let policies = PolicySet {
        identity: policy_list(req.get("identityPolicies"), "identity", "identityPolicies", PolicyKind::IdentityPolicy)?,
        boundaries: policy_list(
            req.get("permissionBoundaries").or_else(|| req.get("permissionBoundary")),
            "boundary",
            "permissionBoundaries",
            PolicyKind::IdentityPolicy,
        )?,
        session: optional_policy(req.get("sessionPolicy"), "session", "sessionPolicy", PolicyKind::IdentityPolicy)?,
        resource: optional_policy(req.get("resourcePolicy"), "resource", "resourcePolicy", PolicyKind::ResourcePolicy)?,
        scps: org_levels(req.get("scps"), "scp", PolicyKind::ServiceControlPolicy)?,
        rcps: org_levels(req.get("rcps"), "rcp", PolicyKind::ResourceControlPolicy)?,
        endpoints: policy_list(
            req.get("vpcEndpointPolicies").or_else(|| req.get("vpcEndpointPolicy")),
            "vpce",
            "vpcEndpointPolicy",
            PolicyKind::VpcEndpointPolicy,
        )?,
    };
    Ok((policies, b.build()))
}

/// A context value, typed by the catalogue: a multivalued key given a string becomes a
/// one-element set; a single-valued key given an array takes its first element.
fn context_value(key: &str, v: &Value) -> Result<Option<ContextValue>, String> {
    let scalar = |x: &Value| -> Result<String, String> {
        match x {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(format!("input: context[{key:?}] must be a string, number, boolean or an array of them")),
        }
    };
    let multivalued = catalog().is_multivalued(key);
    Ok(match v {
        Value::Array(items) => {
            let values = items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?;
            match multivalued {
                Some(false) => values.into_iter().next().map(ContextValue::Single),
                _ => Some(ContextValue::Multi(values)),
            }
        }
        other => {
            let s = scalar(other)?;
            Some(match multivalued {
                Some(true) => ContextValue::Multi(vec![s]),
                _ => ContextValue::Single(s),
            })
        }
    })
}

/// Accepts a document, a JSON string holding one, or `{"name", "policy"|"document"}`.
fn named_policy(entry: &Value, fallback: String, what: &str, kind: PolicyKind) -> Result<NamedPolicy, String> {
    let mut name = fallback;
    let mut doc = entry;
    if let Value::Object(m) = entry {
        if !m.contains_key("Statement") && (m.contains_key("policy") || m.contains_key("document")) {
            if let Some(n) = m.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) {
                name = n.to_string();
            }
            doc = m.get("policy").or_else(|| m.get("document")).unwrap_or(&Value::Null);
        }
    }
    let document = parse_policy(doc).map_err(|e| format!("policy: {what} ({name}): {e}"))?;
    let text = match doc {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let rejected: Vec<String> =
        validate_text(&text, kind).into_iter().filter(Finding::rejects).map(|f| format!("{} {}: {}", f.code, f.path, f.message)).collect();
    if !rejected.is_empty() {
        return Err(format!("policy: {what} ({name}) would be rejected by AWS: {}", rejected.join("; ")));
    }
    Ok(NamedPolicy { name, document })
}

fn optional_policy(v: Option<&Value>, prefix: &str, what: &str, kind: PolicyKind) -> Result<Option<NamedPolicy>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(p) => named_policy(p, prefix.to_string(), what, kind).map(Some),
    }
}

fn policy_list(v: Option<&Value>, prefix: &str, what: &str, kind: PolicyKind) -> Result<Vec<NamedPolicy>, String> {
    let items: Vec<&Value> = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
    };
    items.into_iter().enumerate().map(|(i, p)| named_policy(p, format!("{prefix}/{i}"), &format!("{what}[{i}]"), kind)).collect()
}

fn org_levels(v: Option<&Value>, prefix: &str, kind: PolicyKind) -> Result<Vec<OrgLevel>, String> {
    let levels = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(format!("input: {prefix}s must be an array of levels (root first, account last)")),
    };
    levels
        .iter()
        .enumerate()
        .map(|(li, level)| {
            let mut id = format!("{prefix}-level-{li}");
            let empty = Vec::new();
            let policies = match level {
                Value::Array(list) => list,
                Value::Object(m) => {
                    if let Some(i) = m.get("id").and_then(Value::as_str).filter(|i| !i.is_empty()) {
                        id = i.to_string();
                    }
                    match m.get("policies") {
                        Some(Value::Array(list)) => list,
                        None | Some(Value::Null) => &empty,
                        Some(_) => return Err(format!("input: {prefix}s[{li}].policies must be an array")),
                    }
                }
                _ => return Err(format!("input: {prefix}s[{li}] must be an array of policies or {{id, policies}}")),
            };
            let policies = policies
                .iter()
                .enumerate()
                .map(|(pi, p)| named_policy(p, format!("{prefix}/{li}/{pi}"), &format!("{prefix}s[{li}][{pi}]"), kind))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(OrgLevel { id, policies })
        })
        .collect()
}

/// Validates policy text as a policy of `kind`: Access Analyzer-style findings, the
/// syntax errors among them (a document that does not parse yields one finding).
pub fn validate_document(text: &str, kind: PolicyKind) -> Vec<Finding> {
    validate_text(text, kind)
}

/// The findings as JSON (`{"findings": [...]}`), for `koban policy validate --format json`.
pub fn findings_json(findings: &[Finding]) -> Value {
    let mut m = Map::new();
    m.insert("findings".into(), serde_json::to_value(findings).unwrap_or(Value::Null));
    Value::Object(m)
}
