//! Evaluation: which statements of which policies apply to a request, and AWS's decision
//! flow over them ([`flow`]). Policies are grouped by type in a [`PolicySet`]; each
//! statement is matched on action, resource, principal (for resource-based, endpoint and
//! resource control policies) and conditions.

mod flow;
pub mod principal;

use std::sync::Arc;

use crate::ast::{ActionKind, Effect, PolicyDocument, Statement};
use crate::condition::all_conditions_match;
use crate::context::RequestContext;
use crate::explain::{Decision, Explanation};
use principal::{match_principal, PrincipalMatch};

/// A policy document with the name it is reported under (a policy ARN, `identity/0`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPolicy {
    /// How statements of this policy are named in explanations (`name#Sid`).
    pub name: String,
    /// The parsed document, shared by every request or principal it applies to.
    pub document: Arc<PolicyDocument>,
}

/// One level of the organization (root, an OU, or the account) and the SCPs or RCPs
/// attached there.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgLevel {
    /// The level's id (`r-…`, `ou-…`, an account id, or a position).
    pub id: String,
    /// The policies attached at this level.
    pub policies: Vec<NamedPolicy>,
}

/// Every policy that takes part in one request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicySet {
    /// Identity-based policies of the principal (inline, managed, group).
    pub identity: Vec<NamedPolicy>,
    /// Permissions boundaries (AWS allows one; several are intersected).
    pub boundaries: Vec<NamedPolicy>,
    /// The session policy of a role or federated-user session.
    pub session: Option<NamedPolicy>,
    /// The resource-based policy of the resource (bucket, secret, key, trust policy, …).
    pub resource: Option<NamedPolicy>,
    /// SCP levels of the principal's account, root first; empty outside an organization
    /// and for the management account.
    pub scps: Vec<OrgLevel>,
    /// RCP levels of the resource's account, root first. AWS's `RCPFullAWSAccess` is
    /// attached to every level implicitly.
    pub rcps: Vec<OrgLevel>,
    /// Policies of the VPC endpoint(s) the request goes through.
    pub endpoints: Vec<NamedPolicy>,
}

/// The policy types, as explanations name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyType {
    /// Identity-based policies.
    Identity,
    /// The resource-based policy.
    Resource,
    /// Permissions boundaries.
    Boundary,
    /// The session policy.
    Session,
    /// VPC endpoint policies.
    Endpoint,
    /// Service control policies.
    Scp,
    /// Resource control policies.
    Rcp,
}

/// Evaluates a request and explains the decision.
pub fn evaluate(policies: &PolicySet, ctx: &RequestContext) -> Explanation {
    let mut trace = Trace::default();
    let outcome = flow::decide(policies, ctx, Some(&mut trace));
    flow::explain(policies, ctx, &outcome, &trace)
}

/// Evaluates a request and returns only the decision (no allocation for policies without
/// policy variables: the fast path for bulk questions).
pub fn decide(policies: &PolicySet, ctx: &RequestContext) -> Decision {
    flow::decide(policies, ctx, None).decision
}

/// One applicable statement, recorded for the explanation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub ty: PolicyType,
    pub level: usize,
    pub policy: usize,
    pub statement: usize,
    pub effect: Effect,
    pub principal: PrincipalMatch,
}

/// Applicable statements, collected only when an explanation is wanted.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    pub hits: Vec<Hit>,
}

/// Whether a statement's action element covers the request's action.
pub fn action_matches(stmt: &Statement, ctx: &RequestContext) -> bool {
    let any = stmt.action.actions.iter().any(|a| match &a.kind {
        ActionKind::All => true,
        ActionKind::Service { service, name } => {
            service == ctx.action_service_lower() && name.matches(ctx.action_name_lower(), ctx).unwrap_or(false)
        }
        ActionKind::Invalid => false,
    });
    any != stmt.action.negated
}

/// Whether a statement's resource element covers the request's resource (a statement
/// without one, such as a role trust policy's, covers it). An entry whose policy variables
/// have no value in the request "will not match any resource", in `Resource` and
/// `NotResource` alike (IAM User Guide, "Policy variables with no value").
pub fn resource_matches(stmt: &Statement, ctx: &RequestContext) -> bool {
    let Some(elem) = &stmt.resource else {
        return true;
    };
    let any = elem.resources.iter().any(|r| r.pattern.matches_resource(ctx).unwrap_or(false));
    any != elem.negated
}

/// How a principal applies to a statement in a policy type that has one.
fn statement_principal(stmt: &Statement, ctx: &RequestContext, ty: PolicyType, has_boundary: bool) -> PrincipalMatch {
    match (&stmt.principal, ty) {
        (Some(p), PolicyType::Resource | PolicyType::Endpoint | PolicyType::Rcp) => {
            match_principal(p, ctx.caller(), stmt.effect == Effect::Deny, has_boundary)
        }
        (None, PolicyType::Resource) => PrincipalMatch::None,
        _ => PrincipalMatch::Wildcard,
    }
}

/// What one policy type (or one SCP/RCP level) says about the request.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Summary {
    pub allow: bool,
    pub deny: bool,
    /// Resource policies: an Allow naming the caller directly or by `*`.
    pub allow_direct: bool,
    /// Resource policies: an Allow naming the role or IAM user behind the caller's session
    /// (or a role by its ARN when the caller is the role itself).
    pub allow_limited: bool,
    /// Resource policies: an Allow naming the caller's account.
    pub allow_account: bool,
}

/// Evaluates a list of policies of one type (or one level) against the request.
pub(crate) fn evaluate_policies(
    policies: &[NamedPolicy],
    ty: PolicyType,
    level: usize,
    ctx: &RequestContext,
    has_boundary: bool,
    mut trace: Option<&mut Trace>,
) -> Summary {
    let mut s = Summary::default();
    for (pi, policy) in policies.iter().enumerate() {
        for stmt in &policy.document.statements {
            if !action_matches(stmt, ctx) || !resource_matches(stmt, ctx) {
                continue;
            }
            let pm = statement_principal(stmt, ctx, ty, has_boundary);
            if pm == PrincipalMatch::None || !all_conditions_match(&stmt.conditions, ctx) {
                continue;
            }
            match stmt.effect {
                Effect::Deny => s.deny = true,
                Effect::Allow => {
                    s.allow = true;
                    match pm {
                        PrincipalMatch::Wildcard => s.allow_direct = true,
                        PrincipalMatch::Direct => {
                            if is_role_caller(ctx) {
                                s.allow_limited = true;
                            } else {
                                s.allow_direct = true;
                            }
                        }
                        PrincipalMatch::SessionRole | PrincipalMatch::SessionUser => s.allow_limited = true,
                        PrincipalMatch::Account => s.allow_account = true,
                        PrincipalMatch::None => {}
                    }
                }
            }
            if let Some(t) = trace.as_deref_mut() {
                t.hits.push(Hit { ty, level, policy: pi, statement: stmt.index, effect: stmt.effect, principal: pm });
            }
        }
    }
    s
}

/// Whether the caller is a role named by its role ARN (AWS callers are role sessions; a
/// resource policy naming the role ARN is limited by boundaries and session policies).
fn is_role_caller(ctx: &RequestContext) -> bool {
    matches!(ctx.caller(), crate::context::Caller::Arn { kind: crate::context::ArnCallerKind::IamRole { .. }, .. })
}
