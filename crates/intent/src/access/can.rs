//! `koban can`: AWS's decision for one request — principal, action, resource, optionally the
//! instance, interface or subnet it is made from — with the statements that decided it, the
//! policies that took part, the request context koban built, the network path that gave the
//! network keys, and the condition keys it could not settle.

use super::index::AccessIndex;
use super::network::{derive, NetworkContext, Via};
use super::principal::{identity_side, resolve};
use super::settle::{conditional, Conditional};
use super::{assemble, damaged, endpoint_policies, scp_levels, AccessError, Common};
use koban_model as m;
use koban_net::spec::Spec;
use koban_net::Engine;
use koban_policy::evaluate::evaluate;
use koban_policy::{ContextValue, Decision, Explanation};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One `koban can` question.
#[derive(Debug, Clone)]
pub struct CanQuery<'a> {
    pub principal: Option<&'a str>,
    pub action: &'a str,
    pub resource: &'a str,
    pub from: Option<&'a str>,
    pub context: &'a [(String, Option<ContextValue>)],
}

/// The SCPs or RCPs of one level that took part.
#[derive(Debug, Clone, Serialize)]
pub struct LevelPolicies {
    pub id: String,
    pub policies: Vec<String>,
}

/// Every policy that took part, by type.
#[derive(Debug, Clone, Serialize, Default)]
pub struct PoliciesUsed {
    pub identity: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub boundary: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vpce: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scp: Vec<LevelPolicies>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rcp: Vec<LevelPolicies>,
}

/// The answer.
#[derive(Debug, Clone, Serialize)]
pub struct CanAnswer {
    pub schema: &'static str,
    /// The principal as resolved (role or user ARN, account root, service, `anonymous`).
    pub principal: String,
    /// Who signs the request (an assumed-role session for a role).
    pub caller: String,
    pub action: String,
    pub resource: String,
    /// What the twin knows the resource as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_is: Option<String>,
    /// AWS's decision.
    pub decision: Decision,
    /// True when the request is allowed and reaches the service.
    pub allowed: bool,
    pub reason: String,
    /// The statements that decided (`type:policy#Sid`).
    pub decided_by: Vec<String>,
    /// Present when the decision depends on condition keys koban cannot settle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditional: Option<Conditional>,
    /// The path the request takes (with `--from`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkContext>,
    pub policies: PoliciesUsed,
    /// The request context koban built (derived keys and `--context` overrides).
    pub context: BTreeMap<String, Value>,
    /// Every policy type's statements that applied.
    pub explanation: Explanation,
    pub unknowns: Vec<String>,
}

fn names(list: &[koban_policy::NamedPolicy]) -> Vec<String> {
    list.iter().map(|p| p.name.clone()).collect()
}

fn levels(list: &[koban_policy::OrgLevel]) -> Vec<LevelPolicies> {
    list.iter().map(|l| LevelPolicies { id: l.id.clone(), policies: names(&l.policies) }).collect()
}

/// Answer one question.
pub fn can(engine: &Engine, ix: &AccessIndex, q: &CanQuery) -> Result<CanAnswer, AccessError> {
    can_with(engine, ix, q, None)
}

/// Answer one question; `network`, when given, is the path already derived for `q.from`
/// and the action's service (callers asking many questions from one place derive it once).
pub fn can_with(engine: &Engine, ix: &AccessIndex, q: &CanQuery, network: Option<NetworkContext>) -> Result<CanAnswer, AccessError> {
    let twin = ix.twin;
    let (service, _) =
        q.action.split_once(':').filter(|(s, a)| !s.is_empty() && !a.is_empty()).ok_or_else(|| AccessError::BadAction(q.action.into()))?;
    let from = match q.from {
        Some(f) => {
            let spec = Spec::parse(f, twin).map_err(|e| AccessError::BadSource(f.into(), e.to_string()))?;
            if !matches!(spec, Spec::Instance(_) | Spec::Interface(_) | Spec::Subnet(_)) {
                return Err(AccessError::BadSource(f.into(), "expected an instance, network interface or subnet id".into()));
            }
            if matches!(spec, Spec::Instance(_) | Spec::Interface(_)) && spec.interfaces(twin).is_empty() {
                return Err(AccessError::BadSource(f.into(), "it has no live network interface (stopped, terminated or detached)".into()));
            }
            Some(spec)
        }
        None => None,
    };
    let instance: Option<&m::Instance> = match &from {
        Some(Spec::Instance(i)) => twin.instances.get(i),
        _ => None,
    };
    let principal = match (q.principal, instance) {
        (Some(p), _) => resolve(twin, p, instance)?,
        (None, Some(i)) => resolve(twin, &i.id, None)?,
        (None, None) => return Err(AccessError::NoPrincipal),
    };
    let mut unknowns = Vec::new();
    let side = super::resource::resolve(ix, q.action, q.resource, &mut unknowns);
    let network = match (&from, q.from, network) {
        (Some(_), Some(_), Some(n)) => Some(n),
        (Some(spec), Some(text), None) => Some(derive(engine, spec, text, service, side.region.as_deref())),
        _ => None,
    };
    let identity = identity_side(ix, &principal, &mut unknowns);
    let scps = scp_levels(ix, &principal, &mut unknowns);
    let rcps =
        side.account.as_deref().map(|a| ix.org_levels(a, m::OrgPolicyKind::ResourceControlPolicy, &mut unknowns)).unwrap_or_default();
    let endpoints = endpoint_policies(ix, network.as_ref(), &mut unknowns);
    let common = Common { action: q.action, resource: q.resource, side: &side, rcps: &rcps, overrides: q.context };
    let a = assemble(ix, &common, &principal, identity, scps, network.as_ref(), endpoints);
    let explanation = evaluate(&a.policies, &a.ctx);
    let cond = conditional(&a.policies, &a.ctx, &a.know);
    let reachable = network.as_ref().is_none_or(|n| n.via != Via::Unreachable);
    let mut reason = explanation.reason.clone();
    if let Some(n) = network.as_ref().filter(|n| n.via == Via::Unreachable) {
        let stops: Vec<String> = n.blocked.iter().map(|b| format!("{}: {}", b.at, b.reason)).collect();
        reason = format!(
            "{} is unreachable from {} (the policies would give {}): {}",
            n.service,
            n.from,
            explanation.decision.as_str(),
            stops.join("; ")
        );
    }
    if let Some(c) = &cond {
        reason.push_str(&format!(
            "; depends on {} (koban cannot settle them): at best {}, at worst {}",
            c.keys.join(", "),
            c.at_best.as_str(),
            c.at_worst.as_str()
        ));
    }
    if let Some(n) = &network {
        unknowns.extend(n.unknowns.iter().cloned());
    }
    let mut touched: Vec<&str> = vec![q.resource];
    let label = principal.label();
    touched.push(&label);
    if let Some(e) = network.as_ref().and_then(|n| n.endpoint.as_deref()) {
        touched.push(e);
    }
    damaged(twin, &touched, &mut unknowns);
    unknowns.sort();
    unknowns.dedup();
    let policies = PoliciesUsed {
        identity: names(&a.policies.identity),
        boundary: names(&a.policies.boundaries),
        resource: a.policies.resource.as_ref().map(|p| p.name.clone()),
        vpce: names(&a.policies.endpoints),
        scp: levels(&a.policies.scps),
        rcp: levels(&a.policies.rcps),
    };
    Ok(CanAnswer {
        schema: "koban/can/v1",
        principal: label,
        caller: principal.caller_text(),
        action: q.action.to_string(),
        resource: q.resource.to_string(),
        resource_is: side.described_as.clone(),
        decision: explanation.decision,
        allowed: explanation.decision == Decision::Allow && reachable,
        reason,
        decided_by: explanation.decided_by.clone(),
        conditional: cond,
        network,
        policies,
        context: a.context,
        explanation,
        unknowns,
    })
}
