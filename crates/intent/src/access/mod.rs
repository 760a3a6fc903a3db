//! Who may do what, and from where: `net` and `policy` combined over the twin. A question
//! names a principal, an action and a resource; koban gathers every policy AWS would
//! evaluate (identity, boundary, resource, SCPs and RCPs along the OU paths, the endpoint
//! policy of the endpoint on the network path), builds the request context from the twin
//! (principal, organization, resource and network keys), evaluates with AWS's logic and says
//! which statements decided — and which condition keys it could not settle.
//!
//! [`can`] answers one request, [`who_can`] lists every principal and network origin that
//! can, [`checks`] holds the IAM landing-zone checks.

pub mod can;
pub mod checks;
pub mod index;
pub mod network;
pub mod principal;
pub mod probe;
pub mod resource;
pub mod settle;
pub mod who_can;

use index::{AccessIndex, DocKey};
use koban_model as m;
use koban_policy::catalog::catalog;
use koban_policy::{ContextValue, OrgLevel, PolicySet, RequestContext};
use network::NetworkContext;
use principal::Principal;
use resource::ResourceSide;
use serde_json::Value;
use settle::Knowledge;
use std::collections::BTreeMap;

pub use can::{can, can_with, CanAnswer, CanQuery};
pub use index::AccessIndex as Index;
pub use who_can::{who_can, WhoCanAnswer};

/// Why a question cannot be answered.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccessError {
    #[error("principal {0:?} is not in the twin (expected an IAM role or user ARN or name, an assumed-role session ARN, an account id, an instance id with an instance profile, a service principal, or `anonymous`)")]
    UnknownPrincipal(String),
    #[error("principal {0:?} names several IAM entities ({list}); give the ARN", list = .1.join(", "))]
    AmbiguousPrincipal(String, Vec<String>),
    #[error("instance {0} has no instance profile with a role in the twin: name the principal with --principal")]
    NoInstanceRole(String),
    #[error("--principal is required (it may be omitted only with --from an instance whose instance profile role is in the twin)")]
    NoPrincipal,
    #[error("action {0:?}: expected service:Action, such as secretsmanager:GetSecretValue")]
    BadAction(String),
    #[error("--from {0:?}: {1}")]
    BadSource(String, String),
    #[error("--context {0:?}: expected key=value, such as aws:SourceIp=203.0.113.7")]
    BadContext(String),
}

/// Parse `--context k=v` values: `k=` removes a key koban derived; a multivalued key takes
/// comma-separated values.
pub fn parse_overrides(items: &[String]) -> Result<Vec<(String, Option<ContextValue>)>, AccessError> {
    items
        .iter()
        .map(|item| {
            let (k, v) = item.split_once('=').ok_or_else(|| AccessError::BadContext(item.clone()))?;
            let k = k.trim();
            if k.is_empty() || !k.contains(':') {
                return Err(AccessError::BadContext(item.clone()));
            }
            let value = if v.is_empty() {
                None
            } else if catalog().is_multivalued(k) == Some(true) {
                Some(ContextValue::Multi(v.split(',').map(|x| x.trim().to_string()).collect()))
            } else {
                Some(ContextValue::Single(v.to_string()))
            };
            Ok((k.to_string(), value))
        })
        .collect()
}

/// Everything one evaluation needs.
pub struct Assembled {
    pub policies: PolicySet,
    pub ctx: RequestContext,
    pub know: Knowledge,
    /// The request context, for answers.
    pub context: BTreeMap<String, Value>,
}

/// The SCP levels that apply to a principal's requests.
pub fn scp_levels(ix: &AccessIndex, p: &Principal, unknowns: &mut Vec<String>) -> Vec<OrgLevel> {
    match p {
        Principal::Role { role, .. } if role.is_service_linked() => Vec::new(),
        Principal::Role { .. } | Principal::User(_) | Principal::Root(_) | Principal::External { .. } => {
            p.account().map(|a| ix.org_levels(a, m::OrgPolicyKind::ServiceControlPolicy, unknowns)).unwrap_or_default()
        }
        Principal::Service(_) | Principal::Anonymous => Vec::new(),
    }
}

/// The endpoint policy of the endpoint on the path (none when the endpoint has the default
/// full-access policy).
pub fn endpoint_policies(ix: &AccessIndex, net: Option<&NetworkContext>, unknowns: &mut Vec<String>) -> Vec<koban_policy::NamedPolicy> {
    let Some(id) = net.and_then(|n| n.endpoint.as_deref()) else { return Vec::new() };
    match ix.twin.vpc_endpoints.get(id) {
        Some(ep) if ep.policy_document.is_some() => ix
            .doc_or_note(&DocKey::Endpoint(id.to_string()), &format!("the endpoint policy of {id}"), unknowns)
            .cloned()
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// The parts of a request that do not depend on the principal or the path.
pub struct Common<'a> {
    pub action: &'a str,
    pub resource: &'a str,
    pub side: &'a ResourceSide,
    pub rcps: &'a [OrgLevel],
    pub overrides: &'a [(String, Option<ContextValue>)],
}

/// The policy set of one request.
pub fn policy_set(
    common: &Common,
    identity: principal::IdentitySide,
    scps: Vec<OrgLevel>,
    endpoints: Vec<koban_policy::NamedPolicy>,
) -> PolicySet {
    PolicySet {
        identity: identity.identity,
        boundaries: identity.boundaries,
        session: None,
        resource: common.side.policy.clone(),
        scps,
        rcps: common.rcps.to_vec(),
        endpoints,
    }
}

/// The request context of one request: the context, what is known to be absent, and the
/// keys it holds (in the order they were set, overrides last).
pub struct RequestParts {
    pub ctx: RequestContext,
    pub know: Knowledge,
    pub keys: Vec<(String, ContextValue)>,
}

/// Build the request context from the twin (principal, resource, network) and the
/// overrides.
pub fn request_context(ix: &AccessIndex, common: &Common, principal: &Principal, net: Option<&NetworkContext>) -> RequestParts {
    let mut keys = Vec::new();
    let mut know = Knowledge::default();
    principal::principal_keys(ix, principal, &mut keys, &mut know);
    resource::resource_keys(ix, common.side, &mut keys, &mut know);
    if let Some(n) = net {
        n.keys(&mut keys, &mut know);
    }
    keys.retain(|(k, _)| !common.overrides.iter().any(|(o, _)| o.eq_ignore_ascii_case(k)));
    for (k, v) in common.overrides {
        // AWS puts aws:SourceIp in a request exactly when it does not come through a VPC
        // endpoint: a network key given on the command line settles the others.
        if v.is_some() && net.is_none() {
            match k.to_ascii_lowercase().as_str() {
                "aws:sourceip" => know.absent(&["aws:sourcevpce", "aws:sourcevpc", "aws:vpcsourceip"]),
                "aws:sourcevpce" | "aws:sourcevpc" | "aws:vpcsourceip" => know.absent(&["aws:sourceip"]),
                _ => {}
            }
        }
        match v {
            Some(v) => keys.push((k.clone(), v.clone())),
            None => know.absent(&[k.to_ascii_lowercase().as_str()]),
        }
    }
    let mut b = RequestContext::builder().caller(principal.caller()).action(common.action).resource(common.resource);
    if let Some(a) = &common.side.account {
        b = b.resource_account(a);
    }
    for (k, v) in &keys {
        b = b.context(k, v.clone());
    }
    RequestParts { ctx: b.build(), know, keys }
}

/// Build the policy set and the request context of one request.
pub fn assemble(
    ix: &AccessIndex,
    common: &Common,
    principal: &Principal,
    identity: principal::IdentitySide,
    scps: Vec<OrgLevel>,
    net: Option<&NetworkContext>,
    endpoints: Vec<koban_policy::NamedPolicy>,
) -> Assembled {
    let parts = request_context(ix, common, principal, net);
    let context = parts
        .keys
        .iter()
        .map(|(k, v)| {
            let shown = match v {
                ContextValue::Single(s) => Value::String(s.clone()),
                ContextValue::Multi(list) => Value::Array(list.iter().cloned().map(Value::String).collect()),
            };
            (k.clone(), shown)
        })
        .collect();
    Assembled { policies: policy_set(common, identity, scps, endpoints), ctx: parts.ctx, know: parts.know, context }
}

/// Diagnostics of the twin that name one of `resources`, as unknowns.
pub fn damaged(twin: &m::Twin, resources: &[&str], unknowns: &mut Vec<String>) {
    for d in &twin.diagnostics {
        if let Some(r) = &d.resource {
            if resources.contains(&r.as_str()) {
                unknowns.push(format!("{r}: input problem at {}: {}", d.origin, d.message));
            }
        }
    }
}
