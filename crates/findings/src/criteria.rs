//! Finding criteria in GuardDuty's shape (`FindingCriteria`: `{"Criterion": {field:
//! {operator: value}}}`), used by suppression rules and filters. A field is a finding
//! attribute (`type`, `severity`, `resource`, `id`, `source`, `title`) or a dotted path into
//! the finding's JSON (`evidence.interface_id`); GuardDuty's own names for the common ones are
//! accepted too (`service.archived` aside). Operators: `Eq`/`Equals`, `Neq`/`NotEquals` (lists
//! of values), `Gt`/`GreaterThan`, `Gte`/`GreaterThanOrEqual`, `Lt`/`LessThan`,
//! `Lte`/`LessThanOrEqual`, and `Matches`/`NotMatches` with `*` wildcards. Every criterion must
//! hold.

use crate::Finding;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CriteriaError {
    #[error("criteria must be a JSON object of field -> {{operator: value}} (optionally under \"Criterion\")")]
    Shape,
    #[error("field {field:?}: unknown operator {op:?} (expected Eq, Neq, Gt, Gte, Lt, Lte, Matches, NotMatches)")]
    Operator { field: String, op: String },
    #[error("field {field:?}: operator {op} needs {expected}")]
    Value { field: String, op: String, expected: &'static str },
    #[error("not valid JSON: {0}")]
    Json(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Eq(Vec<String>),
    Neq(Vec<String>),
    Gt(f64),
    Gte(f64),
    Lt(f64),
    Lte(f64),
    Matches(Vec<String>),
    NotMatches(Vec<String>),
}

/// Compiled criteria.
#[derive(Debug, Clone, PartialEq)]
pub struct Criteria {
    items: Vec<(String, Op)>,
}

fn texts(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(a) => a.iter().map(text).collect(),
        other => text(other).map(|t| vec![t]),
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// GuardDuty's names for koban's finding attributes.
fn canonical(field: &str) -> &str {
    match field {
        "severity" | "severity.value" => "severity.value",
        "type" | "finding_type" => "type",
        "resource" | "resource.id" => "resource",
        "id" => "id",
        other => other,
    }
}

impl Criteria {
    /// Parse criteria JSON text.
    pub fn parse(text: &str) -> Result<Criteria, CriteriaError> {
        let v: Value = serde_json::from_str(text).map_err(|e| CriteriaError::Json(e.to_string()))?;
        Criteria::from_value(&v)
    }

    pub fn from_value(v: &Value) -> Result<Criteria, CriteriaError> {
        let map = v.get("Criterion").or_else(|| v.get("criterion")).unwrap_or(v).as_object().ok_or(CriteriaError::Shape)?;
        let mut items = vec![];
        for (field, cond) in map {
            let ops = cond.as_object().ok_or(CriteriaError::Shape)?;
            for (op, val) in ops {
                let num = || {
                    val.as_f64().or_else(|| val.as_str().and_then(|s| s.parse().ok())).ok_or(CriteriaError::Value {
                        field: field.clone(),
                        op: op.clone(),
                        expected: "a number",
                    })
                };
                let list = || {
                    texts(val).ok_or(CriteriaError::Value { field: field.clone(), op: op.clone(), expected: "a value or a list of values" })
                };
                let o = match op.as_str() {
                    "Eq" | "Equals" => Op::Eq(list()?),
                    "Neq" | "NotEquals" => Op::Neq(list()?),
                    "Gt" | "GreaterThan" => Op::Gt(num()?),
                    "Gte" | "GreaterThanOrEqual" => Op::Gte(num()?),
                    "Lt" | "LessThan" => Op::Lt(num()?),
                    "Lte" | "LessThanOrEqual" => Op::Lte(num()?),
                    "Matches" => Op::Matches(list()?),
                    "NotMatches" => Op::NotMatches(list()?),
                    _ => return Err(CriteriaError::Operator { field: field.clone(), op: op.clone() }),
                };
                items.push((canonical(field).to_string(), o));
            }
        }
        if items.is_empty() {
            return Err(CriteriaError::Shape);
        }
        Ok(Criteria { items })
    }

    /// True when every criterion holds for the finding.
    pub fn matches(&self, f: &Finding) -> bool {
        let Ok(doc) = serde_json::to_value(f) else { return false };
        self.items.iter().all(|(field, op)| {
            let mut cur = Some(&doc);
            for part in field.split('.') {
                cur = cur.and_then(|c| c.get(part));
            }
            let values: Vec<String> = match cur {
                Some(Value::Array(a)) => a.iter().filter_map(text).collect(),
                Some(v) => text(v).into_iter().collect(),
                None => vec![],
            };
            let num = cur.and_then(|v| v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok())));
            match op {
                Op::Eq(want) => values.iter().any(|v| want.contains(v)),
                Op::Neq(want) => !values.iter().any(|v| want.contains(v)),
                Op::Gt(n) => num.is_some_and(|x| x > *n),
                Op::Gte(n) => num.is_some_and(|x| x >= *n),
                Op::Lt(n) => num.is_some_and(|x| x < *n),
                Op::Lte(n) => num.is_some_and(|x| x <= *n),
                Op::Matches(p) => values.iter().any(|v| p.iter().any(|p| wildcard(p, v))),
                Op::NotMatches(p) => !values.iter().any(|v| p.iter().any(|p| wildcard(p, v))),
            }
        })
    }
}

/// `*` matches any run of characters.
fn wildcard(pattern: &str, v: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == v;
    }
    let mut rest = v;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(p) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            match rest.find(p) {
                Some(at) => rest = &rest[at + p.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;

    fn f(ty: &str, sev: f32, resource: &str) -> Finding {
        Finding::new(
            ty,
            "t",
            Severity::new(sev),
            resource,
            &[],
            "x".into(),
            "d".into(),
            serde_json::json!({"interface_id": "eni-1", "ports": [22, 80]}),
            "r",
        )
    }

    #[test]
    fn guardduty_shaped_criteria() {
        let c = Criteria::parse(
            r#"{"Criterion": {"type": {"Eq": ["Recon:EC2/Portscan"]}, "severity": {"Gte": 4}, "resource": {"Neq": ["i-2"]}}}"#,
        )
        .unwrap();
        assert!(c.matches(&f("Recon:EC2/Portscan", 5.0, "i-1")));
        assert!(!c.matches(&f("Recon:EC2/Portscan", 2.0, "i-1")));
        assert!(!c.matches(&f("Recon:EC2/Portscan", 5.0, "i-2")));
        assert!(!c.matches(&f("UnauthorizedAccess:EC2/SSHBruteForce", 5.0, "i-1")));
        let e = Criteria::parse(
            r#"{"evidence.interface_id": {"Equals": "eni-1"}, "type": {"Matches": ["Recon:*"]}, "evidence.ports": {"Eq": [22]}}"#,
        )
        .unwrap();
        assert!(e.matches(&f("Recon:EC2/Portscan", 5.0, "i-1")));
    }

    #[test]
    fn bad_criteria_are_rejected() {
        assert!(matches!(Criteria::parse(r#"{"type": {"Like": "x"}}"#), Err(CriteriaError::Operator { .. })));
        assert!(matches!(Criteria::parse(r#"{"severity": {"Gte": "high"}}"#), Err(CriteriaError::Value { .. })));
        assert!(matches!(Criteria::parse("[]"), Err(CriteriaError::Shape)));
        assert!(Criteria::parse("{").is_err());
    }
}
