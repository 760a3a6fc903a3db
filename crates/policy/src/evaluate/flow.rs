//! AWS's decision flow: explicit deny in any applicable policy wins; then RCPs and SCPs
//! level by level; then VPC endpoint policies; then the identity/resource core, whose rules
//! depend on the caller's type and on whether principal and resource share an account
//! (resource-policy grants to a user or session bypass implicit denies in identity policies,
//! boundaries and session policies; grants to a role behind a session are limited by
//! boundaries and session policies; cross-account requests need both sides).

use crate::arn::Arn;
use crate::ast::Effect;
use crate::catalog::catalog;
use crate::context::{ArnCallerKind, Caller, RequestContext};
use crate::evaluate::principal::PrincipalMatch;
use crate::evaluate::{evaluate_policies, Hit, NamedPolicy, PolicySet, PolicyType, Summary, Trace};
use crate::explain::{Decision, Explanation, LevelExplanation, OrgExplanation, TypeExplanation, TypeResult};

/// How an allowed request was granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// `sts:GetCallerIdentity` needs no permission.
    CallerIdentity,
    /// The account root user in its own account.
    Root,
    /// Identity-based policies (within the boundary and session policy).
    Identity,
    /// A resource policy naming the caller itself (or `*`).
    ResourceDirect,
    /// A resource policy naming the role or user behind the session.
    ResourceLimited,
    /// Cross-account: the resource policy and the identity side both allow.
    CrossAccount,
    /// A service principal or anonymous caller admitted by the resource policy.
    ResourceOnly,
}

/// Which required Allow was missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    Scp(usize),
    Endpoint,
    Identity,
    Resource,
    ResourceTrust,
    Boundary,
    Session,
}

pub(crate) struct Outcome {
    pub decision: Decision,
    pub same_account: bool,
    pub grant: Option<Grant>,
    pub missing: [Option<Missing>; 4],
    pub scp_applies: bool,
    pub rcp_applies: bool,
}

fn push_missing(missing: &mut [Option<Missing>; 4], m: Missing) {
    if let Some(slot) = missing.iter_mut().find(|s| s.is_none()) {
        *slot = Some(m);
    }
}

/// Service-linked roles are not restricted by SCPs.
fn is_service_linked_role(caller: &Caller) -> bool {
    match caller {
        Caller::Arn { kind: ArnCallerKind::AssumedRole { role_name, .. }, .. } => role_name.starts_with("AWSServiceRoleFor"),
        Caller::Arn { kind: ArnCallerKind::IamRole { .. }, arn, .. } => arn.contains(":role/aws-service-role/"),
        _ => false,
    }
}

/// Services whose resource policy must trust the account before identity policies count
/// even within the account: KMS key policies, and IAM role trust policies.
fn needs_explicit_trust(ctx: &RequestContext, has_resource_policy: bool) -> bool {
    match ctx.action_service_lower() {
        "kms" => Arn::parse(ctx.resource()).is_some_and(|a| a.resource.starts_with("key/")),
        "sts" => has_resource_policy,
        _ => false,
    }
}

pub(crate) fn decide(ps: &PolicySet, ctx: &RequestContext, mut trace: Option<&mut Trace>) -> Outcome {
    let caller = ctx.caller();
    let anonymous = matches!(caller, Caller::Anonymous);
    let service = matches!(caller, Caller::Service(_));
    let principal_policies = !anonymous && !service;
    let has_boundary = principal_policies && !ps.boundaries.is_empty();
    let has_session = principal_policies && ps.session.is_some();
    let tracing = trace.is_some();

    let id = if principal_policies {
        evaluate_policies(&ps.identity, PolicyType::Identity, 0, ctx, has_boundary, trace.as_deref_mut())
    } else {
        Summary::default()
    };
    let pb = if has_boundary {
        evaluate_policies(&ps.boundaries, PolicyType::Boundary, 0, ctx, has_boundary, trace.as_deref_mut())
    } else {
        Summary::default()
    };
    let sess = match (&ps.session, has_session) {
        (Some(p), true) => evaluate_policies(std::slice::from_ref(p), PolicyType::Session, 0, ctx, has_boundary, trace.as_deref_mut()),
        _ => Summary::default(),
    };
    let res = match &ps.resource {
        Some(p) => evaluate_policies(std::slice::from_ref(p), PolicyType::Resource, 0, ctx, has_boundary, trace.as_deref_mut()),
        None => Summary::default(),
    };
    let vpce = if ps.endpoints.is_empty() {
        Summary::default()
    } else {
        evaluate_policies(&ps.endpoints, PolicyType::Endpoint, 0, ctx, has_boundary, trace.as_deref_mut())
    };
    let scp_applies = !ps.scps.is_empty() && caller.is_account_principal() && !is_service_linked_role(caller);
    let rcp_applies = !ps.rcps.is_empty() && catalog().supports_rcps(ctx.action_service_lower());
    let mut scp_deny = false;
    let mut scp_missing = None;
    if scp_applies || tracing {
        for (i, level) in ps.scps.iter().enumerate() {
            let s = evaluate_policies(&level.policies, PolicyType::Scp, i, ctx, has_boundary, trace.as_deref_mut());
            scp_deny |= s.deny;
            if !s.allow && scp_missing.is_none() {
                scp_missing = Some(i);
            }
        }
    }
    let mut rcp_deny = false;
    if rcp_applies || tracing {
        for (i, level) in ps.rcps.iter().enumerate() {
            rcp_deny |= evaluate_policies(&level.policies, PolicyType::Rcp, i, ctx, has_boundary, trace.as_deref_mut()).deny;
        }
    }
    let (scp_deny, scp_missing) = if scp_applies { (scp_deny, scp_missing) } else { (false, None) };
    let rcp_deny = rcp_applies && rcp_deny;

    let same_account = ctx.same_account();
    let mut out = Outcome { decision: Decision::ImplicitDeny, same_account, grant: None, missing: [None; 4], scp_applies, rcp_applies };

    if !anonymous && ctx.action_service_lower() == "sts" && ctx.action_name_lower() == "getcalleridentity" {
        out.decision = Decision::Allow;
        out.grant = Some(Grant::CallerIdentity);
        return out;
    }
    if id.deny || pb.deny || sess.deny || res.deny || vpce.deny || scp_deny || rcp_deny {
        out.decision = Decision::ExplicitDeny;
        return out;
    }
    // RCP levels always hold RCPFullAWSAccess, so an RCP level never lacks an Allow.
    if let Some(level) = scp_missing {
        push_missing(&mut out.missing, Missing::Scp(level));
    }
    if !ps.endpoints.is_empty() && !vpce.allow {
        push_missing(&mut out.missing, Missing::Endpoint);
    }

    let grant = core(ctx, caller, same_account, &id, &pb, &sess, &res, has_boundary, has_session, ps, &mut out.missing);
    if out.missing.iter().all(Option::is_none) {
        if let Some(g) = grant {
            out.decision = Decision::Allow;
            out.grant = Some(g);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn core(
    ctx: &RequestContext,
    caller: &Caller,
    same_account: bool,
    id: &Summary,
    pb: &Summary,
    sess: &Summary,
    res: &Summary,
    has_boundary: bool,
    has_session: bool,
    ps: &PolicySet,
    missing: &mut [Option<Missing>; 4],
) -> Option<Grant> {
    match caller {
        Caller::Anonymous => {
            if res.allow_direct {
                return Some(Grant::ResourceOnly);
            }
            push_missing(missing, Missing::Resource);
            return None;
        }
        Caller::Service(_) | Caller::Other(_) => {
            if res.allow {
                return Some(Grant::ResourceOnly);
            }
            push_missing(missing, Missing::Resource);
            return None;
        }
        Caller::Arn { kind: ArnCallerKind::Root, .. } => {
            if same_account {
                return Some(Grant::Root);
            }
            if res.allow {
                return Some(Grant::CrossAccount);
            }
            push_missing(missing, Missing::Resource);
            return None;
        }
        Caller::Arn { .. } => {}
    }
    let pb_ok = !has_boundary || pb.allow;
    // A federated-user session without a session policy has no identity permissions.
    let federated = matches!(caller, Caller::Arn { kind: ArnCallerKind::FederatedUser { .. }, .. });
    let sess_ok = if has_session { sess.allow } else { !federated };
    let identity_ok = id.allow && pb_ok && sess_ok;
    if same_account {
        if res.allow_direct {
            return Some(Grant::ResourceDirect);
        }
        if res.allow_limited && pb_ok && sess_ok {
            return Some(Grant::ResourceLimited);
        }
        let trust_ok = !needs_explicit_trust(ctx, ps.resource.is_some()) || res.allow_account;
        if identity_ok && trust_ok {
            return Some(Grant::Identity);
        }
        if !id.allow && !res.allow_limited {
            push_missing(missing, Missing::Identity);
        }
        if id.allow && !trust_ok {
            push_missing(missing, Missing::ResourceTrust);
        }
    } else {
        if res.allow && identity_ok {
            return Some(Grant::CrossAccount);
        }
        if !res.allow {
            push_missing(missing, Missing::Resource);
        }
        if !id.allow {
            push_missing(missing, Missing::Identity);
        }
    }
    if !pb_ok {
        push_missing(missing, Missing::Boundary);
    }
    if !sess_ok {
        push_missing(missing, Missing::Session);
    }
    if missing.iter().all(Option::is_none) {
        push_missing(missing, Missing::Identity);
    }
    None
}

/// `policy#Sid`, or `policy#N` (1-based) without a Sid (as [`Statement::label`]), built
/// without the formatting machinery: explanations name many statements per request.
///
/// [`Statement::label`]: crate::ast::Statement::label
fn statement_name(p: &NamedPolicy, index: usize) -> String {
    let sid = p.document.statements.iter().find(|s| s.index == index).and_then(|s| s.sid.as_deref()).filter(|s| !s.is_empty());
    let mut out = String::with_capacity(p.name.len() + 1 + sid.map_or(4, str::len));
    out.push_str(&p.name);
    out.push('#');
    match sid {
        Some(sid) => out.push_str(sid),
        None => out.push_str(&(index + 1).to_string()),
    }
    out
}

fn policy_of<'a>(ps: &'a PolicySet, h: &Hit) -> Option<&'a NamedPolicy> {
    match h.ty {
        PolicyType::Identity => ps.identity.get(h.policy),
        PolicyType::Boundary => ps.boundaries.get(h.policy),
        PolicyType::Session => ps.session.as_ref(),
        PolicyType::Resource => ps.resource.as_ref(),
        PolicyType::Endpoint => ps.endpoints.get(h.policy),
        PolicyType::Scp => ps.scps.get(h.level).and_then(|l| l.policies.get(h.policy)),
        PolicyType::Rcp => ps.rcps.get(h.level).and_then(|l| l.policies.get(h.policy)),
    }
}

const RCP_FULL_ACCESS: &str = "RCPFullAWSAccess#1";

pub(crate) fn explain(ps: &PolicySet, ctx: &RequestContext, out: &Outcome, trace: &Trace) -> Explanation {
    let named = |h: &Hit| policy_of(ps, h).map(|p| statement_name(p, h.statement));
    let collect = |ty: PolicyType, level: usize| {
        let mut e = TypeExplanation::default();
        for h in trace.hits.iter().filter(|h| h.ty == ty && h.level == level) {
            if let Some(n) = named(h) {
                match h.effect {
                    Effect::Allow => e.allow.push(n),
                    Effect::Deny => e.deny.push(n),
                }
            }
        }
        e.finish();
        e
    };
    let principal_policies = !matches!(ctx.caller(), Caller::Anonymous | Caller::Service(_));
    let single = |present: bool, ty: PolicyType| if present { Some(collect(ty, 0)) } else { None };
    let org = |levels: &[crate::evaluate::OrgLevel], ty: PolicyType, applies: bool| {
        if levels.is_empty() {
            return None;
        }
        let levels: Vec<LevelExplanation> = levels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut statements = collect(ty, i);
                if ty == PolicyType::Rcp {
                    statements.allow.insert(0, RCP_FULL_ACCESS.to_string());
                    statements.finish();
                }
                LevelExplanation { id: l.id.clone(), statements }
            })
            .collect();
        let result = if levels.iter().any(|l| l.statements.result == Some(TypeResult::ExplicitDeny)) {
            TypeResult::ExplicitDeny
        } else if levels.iter().all(|l| l.statements.result == Some(TypeResult::Allowed)) {
            TypeResult::Allowed
        } else {
            TypeResult::ImplicitDeny
        };
        Some(OrgExplanation { result, applies, levels })
    };
    let mut e = Explanation {
        decision: out.decision,
        same_account: out.same_account,
        reason: String::new(),
        decided_by: Vec::new(),
        missing_allow: Vec::new(),
        identity: single(principal_policies, PolicyType::Identity),
        resource: single(ps.resource.is_some(), PolicyType::Resource),
        boundary: single(principal_policies && !ps.boundaries.is_empty(), PolicyType::Boundary),
        session: single(principal_policies && ps.session.is_some(), PolicyType::Session),
        vpce: single(!ps.endpoints.is_empty(), PolicyType::Endpoint),
        scp: org(&ps.scps, PolicyType::Scp, out.scp_applies),
        rcp: org(&ps.rcps, PolicyType::Rcp, out.rcp_applies),
    };
    match out.decision {
        Decision::ExplicitDeny => {
            e.decided_by = trace
                .hits
                .iter()
                .filter(|h| h.effect == Effect::Deny)
                .filter(|h| match h.ty {
                    PolicyType::Scp => out.scp_applies,
                    PolicyType::Rcp => out.rcp_applies,
                    _ => true,
                })
                .filter_map(|h| named(h).map(|n| typed_name(h.ty, &n)))
                .collect();
            e.reason = format!("explicitly denied by {}", e.decided_by.join(", "));
        }
        Decision::Allow => {
            let grant = out.grant.unwrap_or(Grant::Identity);
            let wanted = |h: &&Hit| {
                h.effect == Effect::Allow
                    && match grant {
                        Grant::Identity => h.ty == PolicyType::Identity,
                        Grant::CrossAccount => {
                            matches!(h.ty, PolicyType::Identity | PolicyType::Resource)
                        }
                        Grant::ResourceDirect => {
                            h.ty == PolicyType::Resource && matches!(h.principal, PrincipalMatch::Direct | PrincipalMatch::Wildcard)
                        }
                        Grant::ResourceLimited | Grant::ResourceOnly => h.ty == PolicyType::Resource,
                        Grant::Root | Grant::CallerIdentity => false,
                    }
            };
            e.decided_by = trace.hits.iter().filter(wanted).filter_map(|h| named(h).map(|n| typed_name(h.ty, &n))).collect();
            e.reason = match grant {
                Grant::CallerIdentity => "sts:GetCallerIdentity needs no permission".to_string(),
                Grant::Root => "the account root user has full access to its own account".to_string(),
                Grant::Identity => "allowed by identity-based policy".to_string(),
                Grant::ResourceDirect => "allowed by the resource-based policy naming the principal".to_string(),
                Grant::ResourceLimited => "allowed by the resource-based policy naming the role or user behind the session".to_string(),
                Grant::CrossAccount => "cross-account: allowed by both the identity-based and the resource-based policy".to_string(),
                Grant::ResourceOnly => "allowed by the resource-based policy".to_string(),
            };
        }
        Decision::ImplicitDeny => {
            e.missing_allow = out
                .missing
                .iter()
                .flatten()
                .map(|m| match m {
                    Missing::Scp(i) => format!("scp level {}", ps.scps.get(*i).map_or_else(|| i.to_string(), |l| l.id.clone())),
                    Missing::Endpoint => "vpce".to_string(),
                    Missing::Identity => "identity".to_string(),
                    Missing::Resource => "resource".to_string(),
                    Missing::ResourceTrust => "resource (the resource policy must trust the account)".to_string(),
                    Missing::Boundary => "boundary".to_string(),
                    Missing::Session => "session".to_string(),
                })
                .collect();
            e.reason = format!("implicitly denied: no applicable Allow in {}", e.missing_allow.join(", "));
        }
    }
    e
}

/// `type:policy#statement`, as `decidedBy` lists statements.
fn typed_name(ty: PolicyType, name: &str) -> String {
    let ty = type_name(ty);
    let mut out = String::with_capacity(ty.len() + 1 + name.len());
    out.push_str(ty);
    out.push(':');
    out.push_str(name);
    out
}

fn type_name(ty: PolicyType) -> &'static str {
    match ty {
        PolicyType::Identity => "identity",
        PolicyType::Resource => "resource",
        PolicyType::Boundary => "boundary",
        PolicyType::Session => "session",
        PolicyType::Endpoint => "vpce",
        PolicyType::Scp => "scp",
        PolicyType::Rcp => "rcp",
    }
}
