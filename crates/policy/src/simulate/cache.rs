//! The caches of a simulation run, by JSON text ([`Memo`]): every policy entry of a request
//! (a document, a JSON string holding one, or `{"name", "policy"}`) is parsed and validated
//! once per distinct text and policy kind ([`PolicyCache`]), and shared by every request
//! that carries the same text. Bounded: a table is emptied when it reaches [`MAX_ENTRIES`].

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use serde_json::Value;

use crate::ast::PolicyDocument;
use crate::evaluate::{NamedPolicy, OrgLevel};
use crate::parse::parse_policy;
use crate::validate::{validate_parsed, validate_text, Finding, PolicyKind};

/// Distinct texts a table keeps before it starts over.
pub const MAX_ENTRIES: usize = 16_384;

/// Why a policy entry cannot take part in a request.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    /// Not a policy document (bad JSON, wrong type, grammar error).
    Invalid(String),
    /// A document AWS would refuse (the rejecting validation findings, joined).
    Rejected(String),
}

/// One compiled policy entry.
#[derive(Debug)]
pub(crate) struct Compiled {
    /// The name given by a `{"name", "policy"}` entry.
    pub name: Option<String>,
    /// The parsed document, or why there is none.
    pub outcome: Result<Arc<PolicyDocument>, Failure>,
}

/// Values computed from JSON text, by that text; emptied when it reaches [`MAX_ENTRIES`].
pub(crate) struct Memo<V> {
    table: RwLock<HashMap<Box<str>, Arc<V>, foldhash::fast::RandomState>>,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo { table: RwLock::default() }
    }
}

impl<V> Memo<V> {
    /// The value for `text`, computed by `make` on a miss.
    pub fn get(&self, text: &str, make: impl FnOnce() -> V) -> Arc<V> {
        if let Some(hit) = self.table.read().unwrap_or_else(PoisonError::into_inner).get(text) {
            return Arc::clone(hit);
        }
        let value = Arc::new(make());
        let mut w = self.table.write().unwrap_or_else(PoisonError::into_inner);
        if w.len() >= MAX_ENTRIES {
            w.clear();
        }
        w.insert(text.into(), Arc::clone(&value));
        value
    }
}

/// Compiled policy entries by kind and text, and whole policy fields by field and text
/// (a role's `identityPolicies`, an account's `scps`, … recur verbatim across requests),
/// shared by the threads of a run.
#[derive(Default)]
pub(crate) struct PolicyCache {
    tables: [Memo<Compiled>; 5],
    /// `identityPolicies`, `permissionBoundaries`, `vpcEndpointPolicies`: the named policies
    /// or the request's error.
    pub lists: [Memo<Result<Vec<NamedPolicy>, String>>; 3],
    /// `scps`, `rcps`: the levels or the request's error.
    pub levels: [Memo<Result<Vec<OrgLevel>, String>>; 2],
    /// Context keys: whether the catalogue knows them as multivalued.
    pub multivalued: Memo<Option<bool>>,
}

fn slot(kind: PolicyKind) -> usize {
    match kind {
        PolicyKind::IdentityPolicy => 0,
        PolicyKind::ResourcePolicy => 1,
        PolicyKind::ServiceControlPolicy => 2,
        PolicyKind::ResourceControlPolicy => 3,
        PolicyKind::VpcEndpointPolicy => 4,
    }
}

impl PolicyCache {
    /// The compiled entry for `text` (the entry's JSON text) as a policy of `kind`.
    pub fn get(&self, kind: PolicyKind, text: &str) -> Arc<Compiled> {
        self.tables[slot(kind)].get(text, || compile(text, kind))
    }
}

/// Parses and validates one policy entry.
fn compile(text: &str, kind: PolicyKind) -> Compiled {
    let entry: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Compiled { name: None, outcome: Err(Failure::Invalid(format!("invalid JSON: {e}"))) },
    };
    let mut name = None;
    let mut doc = &entry;
    if let Value::Object(m) = &entry {
        if !m.contains_key("Statement") && (m.contains_key("policy") || m.contains_key("document")) {
            name = m.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()).map(str::to_string);
            doc = m.get("policy").or_else(|| m.get("document")).unwrap_or(&Value::Null);
        }
    }
    let document = match parse_policy(doc) {
        Ok(d) => d,
        Err(e) => return Compiled { name, outcome: Err(Failure::Invalid(e.to_string())) },
    };
    // A document given as a string is validated from its text, an object from the value
    // already parsed (the same findings, without a second parse).
    let findings = match doc {
        Value::String(s) => validate_text(s, kind),
        other => validate_parsed(&document, other, kind),
    };
    let rejected: Vec<String> =
        findings.into_iter().filter(Finding::rejects).map(|f| format!("{} {}: {}", f.code, f.path, f.message)).collect();
    let outcome = if rejected.is_empty() { Ok(Arc::new(document)) } else { Err(Failure::Rejected(rejected.join("; "))) };
    Compiled { name, outcome }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_compiled_once_per_text_and_kind() {
        let cache = PolicyCache::default();
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        let a = cache.get(PolicyKind::IdentityPolicy, text);
        let b = cache.get(PolicyKind::IdentityPolicy, text);
        assert!(Arc::ptr_eq(&a, &b));
        // a resource policy without Principal is rejected; the identity entry is not
        assert!(matches!(cache.get(PolicyKind::ResourcePolicy, text).outcome, Err(Failure::Rejected(_))));
        assert!(a.outcome.is_ok());
        let named = cache.get(PolicyKind::IdentityPolicy, &format!(r#"{{"name":"n","policy":{text}}}"#));
        assert_eq!(named.name.as_deref(), Some("n"));
        assert!(matches!(cache.get(PolicyKind::IdentityPolicy, "[1]").outcome, Err(Failure::Invalid(_))));
    }
}
