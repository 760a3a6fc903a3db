//! One request in the peer's format → a [`PolicySet`] and a [`RequestContext`]. Fields are
//! read from the borrowed request ([`RawObject`]); policy entries go through the run's
//! [`PolicyCache`] by their text, so a document shared by many requests is parsed and
//! validated once.

use serde_json::Value;

use super::cache::{Failure, PolicyCache};
use super::raw::{array, boolean, non_null, object, string, RawObject};
use super::SimulateOptions;
use crate::catalog::catalog;
use crate::context::{Caller, ContextValue, RequestContext};
use crate::evaluate::{NamedPolicy, OrgLevel, PolicySet};
use crate::validate::PolicyKind;

/// Builds the policy set and context of one request object.
pub(crate) fn build(req: &RawObject<'_>, cache: &PolicyCache, options: SimulateOptions) -> Result<(PolicySet, RequestContext), String> {
    let action = non_null(req.get("action"))
        .and_then(string)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| "input: action must be a non-empty string".to_string())?;
    if action.split(':').count() != 2 {
        return Err(format!("input: action {action:?} must be service:Action"));
    }
    let resource = non_null(req.get("resource"))
        .and_then(string)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| "input: resource must be a non-empty string".to_string())?;
    let caller = match non_null(req.get("principal")) {
        None => Caller::Anonymous,
        Some(p) => match string(p) {
            Some(s) if !s.is_empty() => Caller::parse(&s),
            _ => return Err("input: principal must be an ARN, a service principal, or \"anonymous\"".into()),
        },
    };
    let mut b = RequestContext::builder().caller(caller).action(&action).resource(&resource);
    if let Some(a) = non_null(req.get("resourceAccount")) {
        match string(a) {
            Some(a) => b = b.resource_account(&a),
            None => return Err("input: resourceAccount must be a string".into()),
        }
    }
    if let Some(ctx) = non_null(req.get("context")) {
        let ctx = object(ctx).ok_or("input: context must be an object")?;
        for (k, v) in ctx.sorted() {
            if let Some(value) = context_value(k, v, *cache.multivalued.get(k, || catalog().is_multivalued(k)))? {
                b = b.context(k, value);
            }
        }
    }
    let derive = non_null(req.get("deriveContext")).and_then(boolean).unwrap_or(options.derive_context);
    if derive {
        b = b.derive_principal_keys();
    }
    let boundaries = req.get("permissionBoundaries").or_else(|| req.get("permissionBoundary"));
    let endpoints = req.get("vpcEndpointPolicies").or_else(|| req.get("vpcEndpointPolicy"));
    let policies = PolicySet {
        identity: policy_list(cache, 0, req.get("identityPolicies"), "identity", "identityPolicies", PolicyKind::IdentityPolicy)?,
        boundaries: policy_list(cache, 1, boundaries, "boundary", "permissionBoundaries", PolicyKind::IdentityPolicy)?,
        session: optional_policy(cache, req.get("sessionPolicy"), "session", "sessionPolicy", PolicyKind::IdentityPolicy)?,
        resource: optional_policy(cache, req.get("resourcePolicy"), "resource", "resourcePolicy", PolicyKind::ResourcePolicy)?,
        scps: org_levels(cache, 0, req.get("scps"), "scp", PolicyKind::ServiceControlPolicy)?,
        rcps: org_levels(cache, 1, req.get("rcps"), "rcp", PolicyKind::ResourceControlPolicy)?,
        endpoints: policy_list(cache, 2, endpoints, "vpce", "vpcEndpointPolicy", PolicyKind::VpcEndpointPolicy)?,
    };
    Ok((policies, b.build()))
}

/// A context value, typed by the catalogue: a multivalued key given a string becomes a
/// one-element set; a single-valued key given an array takes its first element.
fn context_value(key: &str, raw: &str, multivalued: Option<bool>) -> Result<Option<ContextValue>, String> {
    if let Some(s) = string(raw) {
        let s = s.into_owned();
        return Ok(Some(match multivalued {
            Some(true) => ContextValue::Multi(vec![s]),
            _ => ContextValue::Single(s),
        }));
    }
    let v: Value = serde_json::from_str(raw).map_err(|e| format!("input: context[{key:?}]: {e}"))?;
    let scalar = |x: &Value| -> Result<String, String> {
        match x {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(format!("input: context[{key:?}] must be a string, number, boolean or an array of them")),
        }
    };
    Ok(match &v {
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

/// `prefix` followed by `/n` for each position (`identity/0`, `scp/1/0`), without the
/// formatting machinery (this runs for every policy of every request).
fn numbered(prefix: &str, positions: &[usize]) -> String {
    let mut s = String::with_capacity(prefix.len() + 4 * positions.len());
    s.push_str(prefix);
    for &n in positions {
        s.push('/');
        push_number(&mut s, n);
    }
    s
}

fn push_number(s: &mut String, n: usize) {
    if n >= 10 {
        push_number(s, n / 10);
    }
    s.push(char::from(b'0' + (n % 10) as u8));
}

/// One policy entry through the cache, named `fallback` unless it names itself; `what`
/// (where the entry sits in the request) is formatted only for an error.
fn named_policy(
    cache: &PolicyCache,
    entry: &str,
    fallback: impl FnOnce() -> String,
    what: impl FnOnce() -> String,
    kind: PolicyKind,
) -> Result<NamedPolicy, String> {
    let compiled = cache.get(kind, entry);
    let name = compiled.name.clone().unwrap_or_else(fallback);
    match &compiled.outcome {
        Ok(document) => Ok(NamedPolicy { name, document: document.clone() }),
        Err(Failure::Invalid(e)) => Err(format!("policy: {} ({name}): {e}", what())),
        Err(Failure::Rejected(r)) => Err(format!("policy: {} ({name}) would be rejected by AWS: {r}", what())),
    }
}

fn optional_policy(
    cache: &PolicyCache,
    v: Option<&str>,
    prefix: &str,
    what: &str,
    kind: PolicyKind,
) -> Result<Option<NamedPolicy>, String> {
    match non_null(v) {
        None => Ok(None),
        Some(p) => named_policy(cache, p, || prefix.to_string(), || what.to_string(), kind).map(Some),
    }
}

/// A list of policies (or one), memoised by the field's text in `cache.lists[field]`.
fn policy_list(
    cache: &PolicyCache,
    field: usize,
    v: Option<&str>,
    prefix: &str,
    what: &str,
    kind: PolicyKind,
) -> Result<Vec<NamedPolicy>, String> {
    let Some(v) = non_null(v) else {
        return Ok(Vec::new());
    };
    let list = cache.lists[field].get(v, || {
        let items = array(v).unwrap_or_else(|| vec![v]);
        items
            .into_iter()
            .enumerate()
            .map(|(i, p)| named_policy(cache, p, || numbered(prefix, &[i]), || format!("{what}[{i}]"), kind))
            .collect()
    });
    list.as_ref().clone()
}

/// SCP or RCP levels, memoised by the field's text in `cache.levels[field]`.
fn org_levels(cache: &PolicyCache, field: usize, v: Option<&str>, prefix: &str, kind: PolicyKind) -> Result<Vec<OrgLevel>, String> {
    let Some(v) = non_null(v) else {
        return Ok(Vec::new());
    };
    cache.levels[field].get(v, || org_levels_of(cache, v, prefix, kind)).as_ref().clone()
}

fn org_levels_of(cache: &PolicyCache, v: &str, prefix: &str, kind: PolicyKind) -> Result<Vec<OrgLevel>, String> {
    let levels = array(v).ok_or_else(|| format!("input: {prefix}s must be an array of levels (root first, account last)"))?;
    levels
        .iter()
        .enumerate()
        .map(|(li, level)| {
            let mut id = None;
            let policies = if let Some(list) = array(level) {
                list
            } else if let Some(m) = object(level) {
                if let Some(i) = non_null(m.get("id")).and_then(string).filter(|i| !i.is_empty()) {
                    id = Some(i.into_owned());
                }
                match non_null(m.get("policies")) {
                    None => Vec::new(),
                    Some(p) => array(p).ok_or_else(|| format!("input: {prefix}s[{li}].policies must be an array"))?,
                }
            } else {
                return Err(format!("input: {prefix}s[{li}] must be an array of policies or {{id, policies}}"));
            };
            let policies = policies
                .iter()
                .enumerate()
                .map(|(pi, p)| named_policy(cache, p, || numbered(prefix, &[li, pi]), || format!("{prefix}s[{li}][{pi}]"), kind))
                .collect::<Result<Vec<_>, _>>()?;
            let id = id.unwrap_or_else(|| {
                let mut s = String::from(prefix);
                s.push_str("-level-");
                push_number(&mut s, li);
                s
            });
            Ok(OrgLevel { id, policies })
        })
        .collect()
}
