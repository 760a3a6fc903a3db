//! `koban who-can`: every principal that can make a request on a resource, and from where.
//! Principals are the twin's IAM roles (as sessions) and users, the root users of the
//! resource's account and of accounts the resource policy names, principals of other
//! accounts and services the resource policy names, and anonymous callers. Origins are the
//! network paths of the twin's live instances to the service (grouped: one interface
//! endpoint, one gateway endpoint, one public address after NAT) and the internet outside
//! the twin. A principal that no identity statement and no resource-policy statement could
//! allow (an Allow naming only its account counts only with an identity statement) is ruled
//! out before evaluation; the others are evaluated per origin, and a decision
//! that depends on keys koban cannot settle is reported as conditional with those keys.

use super::index::AccessIndex;
use super::network::{derive, NetworkContext, Via};
use super::principal::{identity_side, Principal, DEFAULT_SESSION};
use super::settle::conditional;
use super::{endpoint_policies, policy_set, request_context, scp_levels, Common};
use koban_model as m;
use koban_net::spec::Spec;
use koban_net::Engine;
use koban_policy::ast::{Effect, PrincipalEntry};
use koban_policy::evaluate::principal::{match_principal, PrincipalMatch};
use koban_policy::evaluate::{action_matches, decide, evaluate, resource_matches};
use koban_policy::{ContextValue, Decision, NamedPolicy, OrgLevel, RequestContext};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Allowed whatever koban could not settle, or only for some values of those keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    Allowed,
    Conditional,
}

/// A network origin of requests.
#[derive(Debug, Clone, Serialize)]
pub struct Origin {
    /// `vpce-… in vpc-…`, `internet from 52.50.10.10`, or `internet (outside the twin)`.
    pub origin: String,
    pub via: Via,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub public_ips: Vec<String>,
    /// Instances whose calls take this path (with their subnets and VPCs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vpcs: Vec<String>,
}

/// One principal's access from one origin.
#[derive(Debug, Clone, Serialize)]
pub struct OriginAccess {
    pub origin: String,
    pub access: Access,
    /// The statements that allow it (for a conditional access: when the keys allow it).
    pub decided_by: Vec<String>,
    /// The keys a conditional access depends on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
}

/// A principal that can.
#[derive(Debug, Clone, Serialize)]
pub struct PrincipalAccess {
    pub principal: String,
    /// `role`, `user`, `account`, `external`, `service` or `anonymous`.
    pub kind: &'static str,
    pub caller: String,
    /// `allowed` when some origin allows it whatever the unsettled keys hold.
    pub access: Access,
    pub origins: Vec<OriginAccess>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Instances from which the service cannot be reached at all.
#[derive(Debug, Clone, Serialize)]
pub struct Unreachable {
    pub instance: String,
    pub reason: String,
}

/// The answer.
#[derive(Debug, Clone, Serialize)]
pub struct WhoCanAnswer {
    pub schema: &'static str,
    pub action: String,
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_is: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<String>,
    pub origins: Vec<Origin>,
    pub principals: Vec<PrincipalAccess>,
    /// Principals considered, and how many were evaluated (the rest could not be allowed).
    pub considered: usize,
    pub evaluated: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreachable: Vec<Unreachable>,
    pub unknowns: Vec<String>,
}

/// An origin with the path that stands for it.
pub struct OriginGroup {
    pub shown: Origin,
    pub net: NetworkContext,
}

/// The origins of requests to one service, computed once for several questions.
pub struct Origins {
    pub groups: Vec<OriginGroup>,
    pub unreachable: Vec<Unreachable>,
    pub unknowns: Vec<String>,
}

fn internet_outside() -> OriginGroup {
    let net = NetworkContext {
        from: "internet".into(),
        service: String::new(),
        via: Via::Internet,
        endpoint: None,
        vpc: None,
        private_ip: None,
        public_ips: Vec::new(),
        hops: Vec::new(),
        blocked: Vec::new(),
        unknowns: Vec::new(),
    };
    let shown = Origin {
        origin: "internet (outside the twin)".into(),
        via: Via::Internet,
        endpoint: None,
        public_ips: Vec::new(),
        instances: Vec::new(),
        subnets: Vec::new(),
        vpcs: Vec::new(),
    };
    OriginGroup { shown, net }
}

/// The origins of requests to `service`: the twin's live instances grouped by path, and the
/// internet outside the twin.
pub fn origins(engine: &Engine, ix: &AccessIndex, service: &str, region: Option<&str>) -> Origins {
    let twin = ix.twin;
    let mut unknowns = Vec::new();
    let per_ip = ix.uses_key("aws:vpcsourceip");
    let live: Vec<&m::Instance> =
        twin.instances.values().filter(|i| i.is_live() && !Spec::Instance(i.id.clone()).interfaces(twin).is_empty()).collect();
    let derived: Vec<(&m::Instance, NetworkContext)> =
        live.par_iter().map(|i| (*i, derive(engine, &Spec::Instance(i.id.clone()), &i.id, service, region))).collect();
    let mut groups: BTreeMap<String, OriginGroup> = BTreeMap::new();
    let mut unreachable = Vec::new();
    for (inst, net) in derived {
        unknowns.extend(net.unknowns.iter().cloned());
        if net.via == Via::Unreachable {
            let stops: Vec<String> = net.blocked.iter().map(|b| format!("{}: {}", b.at, b.reason)).collect();
            unreachable
                .push(Unreachable { instance: inst.id.clone(), reason: format!("{} is unreachable: {}", net.service, stops.join("; ")) });
            continue;
        }
        let key = net.group_key(per_ip);
        let g = groups.entry(key).or_insert_with(|| {
            let origin = match net.via {
                Via::InterfaceEndpoint | Via::GatewayEndpoint => {
                    let ip = if per_ip { net.private_ip.map(|i| format!(" from {i}")).unwrap_or_default() } else { String::new() };
                    format!("{} in {}{ip}", net.endpoint.as_deref().unwrap_or("endpoint"), net.vpc.as_deref().unwrap_or("?"))
                }
                _ => format!("internet from {}", if net.public_ips.is_empty() { "?".to_string() } else { net.public_ips.join(", ") }),
            };
            OriginGroup {
                shown: Origin {
                    origin,
                    via: net.via,
                    endpoint: net.endpoint.clone(),
                    public_ips: net.public_ips.clone(),
                    instances: Vec::new(),
                    subnets: Vec::new(),
                    vpcs: Vec::new(),
                },
                net: net.clone(),
            }
        });
        g.shown.instances.push(inst.id.clone());
        if let Some(s) = &inst.subnet {
            if !g.shown.subnets.contains(s) {
                g.shown.subnets.push(s.clone());
            }
        }
        if let Some(v) = &inst.vpc {
            if !g.shown.vpcs.contains(v) {
                g.shown.vpcs.push(v.clone());
            }
        }
    }
    let mut out: Vec<OriginGroup> = groups.into_values().collect();
    out.push(internet_outside());
    Origins { groups: out, unreachable, unknowns }
}

/// A request context for matching actions and resources only (no principal keys).
fn probe(action: &str, resource: &str) -> RequestContext {
    RequestContext::builder().action(action).resource(resource).build()
}

/// Whether an identity statement could allow the request (conditions aside; a resource
/// pattern with policy variables counts as a possible match).
fn identity_may_allow(policies: &[&NamedPolicy], probe: &RequestContext) -> bool {
    policies.iter().any(|p| {
        p.document.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && action_matches(s, probe)
                && (resource_matches(s, probe)
                    || s.resource.as_ref().is_some_and(|r| r.resources.iter().any(|x| x.pattern.has_variables())))
        })
    })
}

/// Whether the resource policy has an Allow that names the caller at least as closely as
/// `at_least` (`Account`: the caller's account, its role or user, itself, or `*`).
fn resource_may_allow(
    policy: Option<&NamedPolicy>,
    caller: &koban_policy::Caller,
    probe: &RequestContext,
    at_least: PrincipalMatch,
) -> bool {
    policy.is_some_and(|p| {
        p.document.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && action_matches(s, probe)
                && s.principal.as_ref().is_some_and(|pe| match_principal(pe, caller, false, false) >= at_least)
        })
    })
}

fn identity_refs<'a>(ix: &'a AccessIndex, p: &Principal) -> Vec<&'a NamedPolicy> {
    use super::index::DocKey;
    let mut out = Vec::new();
    let mut add = |owner: &str, inline: &[m::InlinePolicy], attached: &[m::AttachedPolicy]| {
        out.extend(inline.iter().filter_map(|i| ix.doc(&DocKey::Inline(owner.to_string(), i.name.clone()))));
        out.extend(attached.iter().filter_map(|a| ix.doc(&DocKey::Managed(a.arn.clone()))));
    };
    match p {
        Principal::Role { role, .. } => add(&role.arn, &role.inline_policies, &role.attached_policies),
        Principal::User(u) => {
            add(&u.arn, &u.inline_policies, &u.attached_policies);
            for g in &u.groups {
                if let Some(group) = ix.twin.iam.group_named(&u.account, g) {
                    add(&group.arn, &group.inline_policies, &group.attached_policies);
                }
            }
        }
        _ => {}
    }
    out
}

/// Principals the resource policy names that the twin does not hold as IAM entities.
fn named_in_resource_policy<'t>(ix: &AccessIndex<'t>, policy: Option<&NamedPolicy>) -> Vec<Principal<'t>> {
    let mut out: BTreeMap<String, Principal<'t>> = BTreeMap::new();
    let Some(p) = policy else { return Vec::new() };
    for s in p.document.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let Some(pe) = &s.principal else { continue };
        if pe.negated {
            continue;
        }
        for e in &pe.principals {
            match e {
                PrincipalEntry::Account { account, .. } => {
                    out.entry(format!("root:{account}")).or_insert_with(|| Principal::Root(account.clone()));
                }
                PrincipalEntry::Arn { arn, .. } => {
                    let known = ix.twin.iam.roles.contains_key(arn) || ix.twin.iam.users.contains_key(arn);
                    if !known {
                        if let Ok(p) = super::principal::resolve(ix.twin, arn, None) {
                            if matches!(p, Principal::External { .. } | Principal::Root(_)) {
                                out.entry(format!("arn:{arn}")).or_insert(p);
                            }
                        }
                    }
                }
                PrincipalEntry::Service(s) | PrincipalEntry::Federated(s) => {
                    out.entry(format!("svc:{s}")).or_insert_with(|| Principal::Service(s.clone()));
                }
                PrincipalEntry::Wildcard | PrincipalEntry::InvalidAws(_) | PrincipalEntry::CanonicalUser(_) => {}
            }
        }
    }
    out.into_values().collect()
}

/// Answer `who-can` for an action on a resource.
pub fn who_can(
    engine: &Engine,
    ix: &AccessIndex,
    action: &str,
    resource: &str,
    overrides: &[(String, Option<ContextValue>)],
) -> WhoCanAnswer {
    let service = action.split_once(':').map_or(action, |(s, _)| s);
    // The resource's region decides which regional endpoints the calls go to; its other
    // facts (and their unknowns) are gathered again by `who_can_from`.
    let region = super::resource::resolve(ix, action, resource, &mut Vec::new()).region;
    let o = origins(engine, ix, service, region.as_deref());
    who_can_from(ix, action, resource, overrides, &o, |_| true)
}

/// `who-can` over precomputed origins, keeping those `keep` selects.
pub fn who_can_from(
    ix: &AccessIndex,
    action: &str,
    resource: &str,
    overrides: &[(String, Option<ContextValue>)],
    o: &Origins,
    keep: impl Fn(&OriginGroup) -> bool,
) -> WhoCanAnswer {
    let twin = ix.twin;
    let mut unknowns = o.unknowns.clone();
    let side = super::resource::resolve(ix, action, resource, &mut unknowns);
    let rcps: Vec<OrgLevel> =
        side.account.as_deref().map(|a| ix.org_levels(a, m::OrgPolicyKind::ResourceControlPolicy, &mut unknowns)).unwrap_or_default();
    let groups: Vec<&OriginGroup> = o.groups.iter().filter(|g| keep(g)).collect();
    let endpoint_docs: Vec<Vec<NamedPolicy>> = groups.iter().map(|g| endpoint_policies(ix, Some(&g.net), &mut unknowns)).collect();
    let probe_ctx = probe(action, resource);

    let mut principals: Vec<Principal> = Vec::new();
    principals.extend(twin.iam.roles.values().map(|role| Principal::Role { role, session: DEFAULT_SESSION.to_string(), instance: None }));
    principals.extend(twin.iam.users.values().map(Principal::User));
    let mut extra = named_in_resource_policy(ix, side.policy.as_ref());
    if let Some(a) = &side.account {
        if !extra.iter().any(|p| matches!(p, Principal::Root(x) if x == a)) {
            extra.push(Principal::Root(a.clone()));
        }
    }
    principals.extend(extra);
    principals.push(Principal::Anonymous);
    let considered = principals.len();

    // Rule out principals nothing could allow. A role or user needs an identity statement
    // that could allow, or a resource-policy Allow naming more than its account: an Allow
    // naming only the account grants nothing without the identity side (AWS evaluation
    // logic), so it does not make every role of the account a candidate.
    let candidates: Vec<&Principal> = principals
        .par_iter()
        .filter(|p| match p {
            Principal::Role { .. } | Principal::User(_) => {
                identity_may_allow(&identity_refs(ix, p), &probe_ctx)
                    || resource_may_allow(side.policy.as_ref(), &p.caller(), &probe_ctx, PrincipalMatch::SessionUser)
            }
            Principal::Root(a) => {
                side.account.as_deref() == Some(a.as_str())
                    || resource_may_allow(side.policy.as_ref(), &p.caller(), &probe_ctx, PrincipalMatch::Account)
            }
            _ => resource_may_allow(side.policy.as_ref(), &p.caller(), &probe_ctx, PrincipalMatch::Account),
        })
        .collect();
    let evaluated = candidates.len();

    let mut scp_cache: HashMap<String, (Vec<OrgLevel>, Vec<String>)> = HashMap::new();
    for p in &candidates {
        if let Some(a) = p.account() {
            if !scp_cache.contains_key(a) {
                let mut notes = Vec::new();
                let levels = scp_levels(ix, p, &mut notes);
                scp_cache.insert(a.to_string(), (levels, notes));
            }
        }
    }
    let common = Common { action, resource, side: &side, rcps: &rcps, overrides };
    let results: Vec<(Option<PrincipalAccess>, Vec<String>)> = candidates
        .par_iter()
        .map(|p| {
            let mut notes = Vec::new();
            let identity = identity_side(ix, p, &mut notes);
            let scps = match (p, p.account().and_then(|a| scp_cache.get(a))) {
                (Principal::Role { role, .. }, _) if role.is_service_linked() => Vec::new(),
                (Principal::Service(_) | Principal::Anonymous, _) => Vec::new(),
                (_, Some((levels, n))) => {
                    notes.extend(n.iter().cloned());
                    levels.clone()
                }
                (_, None) => Vec::new(),
            };
            let mut origins_out = Vec::new();
            let mut ps = policy_set(&common, identity, scps, Vec::new());
            for (g, eps) in groups.iter().zip(&endpoint_docs) {
                ps.endpoints.clone_from(eps);
                let parts = request_context(ix, &common, p, Some(&g.net));
                let decision = decide(&ps, &parts.ctx);
                let cond = conditional(&ps, &parts.ctx, &parts.know);
                let (access, keys) = match (&cond, decision) {
                    (None, Decision::Allow) => (Access::Allowed, Vec::new()),
                    (Some(c), _) if c.at_best == Decision::Allow => {
                        (if c.at_worst == Decision::Allow { Access::Allowed } else { Access::Conditional }, c.keys.clone())
                    }
                    _ => continue,
                };
                let decided_by = if decision == Decision::Allow { evaluate(&ps, &parts.ctx).decided_by } else { Vec::new() };
                origins_out.push(OriginAccess { origin: g.shown.origin.clone(), access, decided_by, keys });
            }
            if !p.identity_known() {
                notes.push("its identity-based policies are not in the twin: allowed here if they allow it".into());
            }
            let entry = (!origins_out.is_empty()).then(|| PrincipalAccess {
                principal: p.label(),
                kind: p.kind(),
                caller: p.caller_text(),
                access: if origins_out.iter().any(|o| o.access == Access::Allowed) { Access::Allowed } else { Access::Conditional },
                origins: origins_out,
                notes: notes.clone(),
            });
            (entry, notes)
        })
        .collect();
    let mut out = Vec::new();
    for (entry, notes) in results {
        // Notes of a principal that cannot say why it might be missing from the answer.
        match entry {
            Some(e) => out.push(e),
            None => unknowns.extend(notes),
        }
    }
    out.sort_by(|a, b| a.principal.cmp(&b.principal));
    let unknowns: Vec<String> = unknowns.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    WhoCanAnswer {
        schema: "koban/who-can/v1",
        action: action.to_string(),
        resource: resource.to_string(),
        resource_is: side.described_as.clone(),
        resource_policy: side.policy.as_ref().map(|p| p.name.clone()),
        origins: groups.iter().map(|g| g.shown.clone()).collect(),
        principals: out,
        considered,
        evaluated,
        unreachable: o.unreachable.clone(),
        unknowns,
    }
}
