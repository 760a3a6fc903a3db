//! Separation of CI/CD, production and development, decided by the policy engine: production
//! deploy roles are assumable only from the CI/CD account; no development principal can read
//! or change production resources or assume production roles (cross-account access needs
//! the resource or trust policy's Allow, so those policies are asked); event buses admit only the
//! organization or the accounts they name; and findings are routed to the security account.

use crate::access::index::AccessIndex;
use crate::access::index::DocKey;
use crate::access::probe::{allow_all, probe_request, probe_role};
use crate::access::{can, CanQuery};
use crate::accounts::{AccountRole, AccountRoles};
use crate::checks::{check_finding, finding, GroupReport};
use koban_model as m;
use koban_net::Engine;
use koban_policy::ast::{Effect, PrincipalEntry};
use koban_policy::evaluate::{action_matches, evaluate};
use koban_policy::{Decision, NamedPolicy, PolicySet, RequestContext};
use serde_json::json;
use std::collections::BTreeSet;

pub const DEPLOY_ROLE_TRUST: &str = "KBN-CICD-001";
pub const DEV_CANNOT_REACH_PROD: &str = "KBN-CICD-002";
pub const EVENT_BUS_POLICY: &str = "KBN-CICD-003";
pub const FINDINGS_ROUTED: &str = "KBN-CICD-004";

/// The checks of this module, in catalogue order.
pub const IDS: &[&str] = &[DEPLOY_ROLE_TRUST, DEV_CANNOT_REACH_PROD, EVENT_BUS_POLICY, FINDINGS_ROUTED];

/// Actions that deploy or change workloads: a role allowed any of them is a deploy role.
const DEPLOY_ACTIONS: [&str; 10] = [
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
    "cloudformation:ExecuteChangeSet",
    "iam:PassRole",
    "lambda:UpdateFunctionCode",
    "ecs:UpdateService",
    "ec2:RunInstances",
    "s3:PutObject",
    "codedeploy:CreateDeployment",
    "ecr:PutImage",
];

/// Roles the management account legitimately holds in every member account.
const ORGANIZATION_ACCESS_ROLES: [&str; 2] = ["OrganizationAccountAccessRole", "AWSControlTowerExecution"];

/// An account outside the organization and the twin, for "anyone else" probes.
const OUTSIDER: &str = "012345678901";

/// The event sources whose findings the security account collects.
const FINDING_SOURCES: [&str; 2] = ["aws.guardduty", "aws.inspector2"];

/// One principal of another account that a resource (or trust) policy lets in, and the
/// statements that said so.
struct Caller {
    principal: String,
    account: String,
    decided_by: Vec<String>,
}

/// The principals of other accounts that `policy` (a resource or trust policy of
/// `resource`, owned by `owner`) lets perform `action`: the principals its `Allow`
/// statements name (each organization account and an outsider for `*`), each asked with the
/// policy engine — the policy, the caller's SCPs, the owner's RCPs, and an identity side
/// that allows everything (cross-account access needs the resource side's Allow; the
/// caller's own identity policies can only narrow it).
fn foreign_callers(
    ix: &AccessIndex,
    policy: &NamedPolicy,
    action: &str,
    resource: &str,
    owner: &str,
    unknowns: &mut Vec<String>,
) -> Vec<Caller> {
    let Some(identity) = allow_all() else { return Vec::new() };
    let twin = ix.twin;
    let asked = RequestContext::builder().action(action).resource(resource).build();
    let mut candidates: BTreeSet<String> = BTreeSet::new();
    for s in policy.document.statements.iter().filter(|s| s.effect == Effect::Allow && action_matches(s, &asked)) {
        let Some(p) = &s.principal else { continue };
        let everyone = p.negated || p.principals.iter().any(|e| matches!(e, PrincipalEntry::Wildcard));
        if everyone {
            candidates.extend(twin.organizations.accounts.keys().map(|a| probe_role(a)));
            candidates.insert(probe_role(OUTSIDER));
        }
        for e in &p.principals {
            match e {
                PrincipalEntry::Account { account, .. } => {
                    candidates.insert(probe_role(account.as_str()));
                }
                PrincipalEntry::Arn { arn, .. } => {
                    candidates.insert(arn.clone());
                }
                _ => {}
            }
        }
    }
    let rcps = ix.org_levels(owner, m::OrgPolicyKind::ResourceControlPolicy, unknowns);
    let region = request_region(twin, resource, owner);
    let mut out = Vec::new();
    for principal in candidates {
        let Some(account) = koban_policy::arn::Arn::parse(&principal).map(|a| a.account.to_string()) else { continue };
        if account == owner || account.is_empty() {
            continue;
        }
        // The caller's SCPs can only take access away: an account outside the organization
        // (whose SCPs the twin cannot know) is asked without them, which over-states, never
        // under-states, who gets in.
        let scps = if twin.organizations.is_management_account(&account) || !twin.organizations.accounts.contains_key(&account) {
            Vec::new()
        } else {
            ix.org_levels(&account, m::OrgPolicyKind::ServiceControlPolicy, unknowns)
        };
        let set = PolicySet {
            identity: vec![identity.clone()],
            resource: Some(policy.clone()),
            scps,
            rcps: rcps.clone(),
            ..PolicySet::default()
        };
        let ctx = match &region {
            Some(r) => probe_request(ix, &principal, action, resource, Some(owner), &[("aws:RequestedRegion", r)]),
            None => probe_request(ix, &principal, action, resource, Some(owner), &[]),
        };
        let e = evaluate(&set, &ctx);
        if e.decision == Decision::Allow {
            out.push(Caller { principal, account, decided_by: e.decided_by });
        }
    }
    out
}

/// The region a request for `resource` goes to: the ARN's, else one the owner works in
/// (global resources such as roles are called through the owner's regional endpoints).
fn request_region(twin: &m::Twin, resource: &str, owner: &str) -> Option<String> {
    koban_policy::arn::Arn::parse(resource)
        .map(|a| a.region.to_string())
        .filter(|r| !r.is_empty())
        .or_else(|| twin.accounts.get(owner).and_then(|a| a.regions.first().cloned()))
        .or_else(|| twin.accounts.values().flat_map(|a| a.regions.first()).next().cloned())
}

/// Who, outside the role's account, can assume `role`.
fn assumers(ix: &AccessIndex, role: &m::IamRole, unknowns: &mut Vec<String>) -> Vec<Caller> {
    match ix.doc(&DocKey::Trust(role.arn.clone())) {
        Some(trust) => foreign_callers(ix, trust, "sts:AssumeRole", &role.arn, &role.account, unknowns),
        None => {
            if role.trust_policy.is_some() {
                unknowns.push(format!("{}: its trust policy cannot be read", role.arn));
            }
            Vec::new()
        }
    }
}

/// True when the role's own policies allow it to deploy (any of [`DEPLOY_ACTIONS`]).
fn deploy_actions(engine: &Engine, ix: &AccessIndex, role: &m::IamRole) -> Vec<&'static str> {
    DEPLOY_ACTIONS
        .iter()
        .copied()
        .filter(|action| {
            let q = CanQuery { principal: Some(&role.arn), action, resource: "*", from: None, context: &[] };
            can(engine, ix, &q).is_ok_and(|a| a.decision == Decision::Allow || a.conditional.is_some_and(|c| c.at_best == Decision::Allow))
        })
        .collect()
}

/// Roles of production accounts (not service-linked).
fn production_roles<'t>(twin: &'t m::Twin, roles: &AccountRoles) -> Vec<&'t m::IamRole> {
    twin.iam.roles.values().filter(|r| roles.production.contains(&r.account) && !r.is_service_linked()).collect()
}

/// KBN-CICD-001 and the role half of KBN-CICD-002.
fn role_trust(engine: &Engine, ix: &AccessIndex, roles: &AccountRoles, out: &mut GroupReport) {
    let twin = ix.twin;
    for role in production_roles(twin, roles) {
        let mut unknowns = Vec::new();
        let who = assumers(ix, role, &mut unknowns);
        for u in unknowns {
            out.unknowns.push((DEPLOY_ROLE_TRUST, u.clone()));
            out.unknowns.push((DEV_CANNOT_REACH_PROD, u));
        }
        let from_dev: Vec<&Caller> = who.iter().filter(|a| roles.development.contains(&a.account)).collect();
        if !from_dev.is_empty() {
            out.findings.push(check_finding(
                DEV_CANNOT_REACH_PROD,
                &role.arn,
                &["assume-role"],
                format!("development principals can assume production role {}", role.name),
                format!(
                    "{} can assume {} in production account {} ({}).",
                    from_dev.iter().map(|a| a.principal.as_str()).collect::<Vec<_>>().join(", "),
                    role.arn,
                    role.account,
                    from_dev.iter().flat_map(|a| a.decided_by.iter().map(String::as_str)).collect::<Vec<_>>().join(", ")
                ),
                json!({ "role": role.arn, "principals": from_dev.iter().map(|a| json!({"principal": a.principal, "decided_by": a.decided_by})).collect::<Vec<_>>() }),
                Some(8.0),
            ));
        }
        if roles.cicd.is_empty() {
            continue;
        }
        let exempt =
            |a: &&Caller| ORGANIZATION_ACCESS_ROLES.contains(&role.name.as_str()) && twin.organizations.is_management_account(&a.account);
        let others: Vec<&Caller> = who.iter().filter(|a| !roles.cicd.contains(&a.account)).filter(|a| !exempt(a)).collect();
        if others.is_empty() {
            continue;
        }
        let deploys = deploy_actions(engine, ix, role);
        if deploys.is_empty() {
            continue;
        }
        out.findings.push(finding(
            DEPLOY_ROLE_TRUST,
            &role.arn,
            &[],
            format!("production deploy role {} is assumable from outside the CI/CD account", role.name),
            format!(
                "{} may {} and can be assumed by {} — not only by the CI/CD account ({}).",
                role.arn,
                deploys.join(", "),
                others.iter().map(|a| format!("{} ({})", a.principal, a.decided_by.join(", "))).collect::<Vec<_>>().join("; "),
                roles.cicd.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            json!({ "role": role.arn, "deploy_actions": deploys, "assumers": others.iter().map(|a| json!({"principal": a.principal, "account": a.account, "decided_by": a.decided_by})).collect::<Vec<_>>(), "cicd": roles.cicd }),
        ));
    }
}

/// The resource half of KBN-CICD-002: the development principals each production secret,
/// bucket, key and event bus policy lets read or change it.
fn production_resources(ix: &AccessIndex, roles: &AccountRoles, out: &mut GroupReport) {
    let rp = &ix.twin.resource_policies;
    let prod = |a: &Option<String>| a.as_ref().filter(|a| roles.production.contains(*a)).cloned();
    // (resource, policy key, the resource's policy state, action, the ARN asked for, owner)
    let mut asks: Vec<(String, DocKey, &m::ResourcePolicyState, &'static str, String, String)> = Vec::new();
    for s in rp.secrets.values() {
        if let Some(owner) = prod(&s.account) {
            asks.push((s.arn.clone(), DocKey::Secret(s.arn.clone()), &s.policy, "secretsmanager:GetSecretValue", s.arn.clone(), owner));
        }
    }
    for b in rp.buckets.values() {
        if let Some(owner) = prod(&b.account) {
            let object = format!("arn:aws:s3:::{}/koban-probe-object", b.name);
            for action in ["s3:GetObject", "s3:PutObject"] {
                asks.push((
                    format!("arn:aws:s3:::{}", b.name),
                    DocKey::Bucket(b.name.clone()),
                    &b.policy,
                    action,
                    object.clone(),
                    owner.clone(),
                ));
            }
        }
    }
    for (key, k) in &rp.keys {
        if let Some(owner) = prod(&k.account) {
            let arn = k.arn.clone().unwrap_or_else(|| key.clone());
            asks.push((arn.clone(), DocKey::Key(key.clone()), &k.policy, "kms:Decrypt", arn, owner));
        }
    }
    for b in rp.event_buses.values() {
        if let Some(owner) = prod(&b.account) {
            asks.push((b.arn.clone(), DocKey::EventBus(b.arn.clone()), &b.policy, "events:PutEvents", b.arn.clone(), owner));
        }
    }
    for (resource, key, state, action, target, owner) in asks {
        let policy = match state {
            m::ResourcePolicyState::Absent => continue,
            m::ResourcePolicyState::NotCollected => {
                out.unknowns.push((DEV_CANNOT_REACH_PROD, format!("{resource}: its policy is not in the input")));
                continue;
            }
            m::ResourcePolicyState::Present(_) => match ix.doc(&key) {
                Some(p) => p,
                None => {
                    out.unknowns.push((DEV_CANNOT_REACH_PROD, format!("{resource}: its policy cannot be read")));
                    continue;
                }
            },
        };
        let mut unknowns = Vec::new();
        let callers = foreign_callers(ix, policy, action, &target, &owner, &mut unknowns);
        out.unknowns.extend(unknowns.into_iter().map(|u| (DEV_CANNOT_REACH_PROD, u)));
        let dev: Vec<&Caller> = callers.iter().filter(|c| roles.development.contains(&c.account)).collect();
        if dev.is_empty() {
            continue;
        }
        out.findings.push(check_finding(
            DEV_CANNOT_REACH_PROD,
            &resource,
            &[action],
            format!("development principals are allowed {action} on production resource {resource}"),
            format!(
                "The policy of {resource} allows {action} to {} (decided by {}); their own identity policies are all that stands in the way.",
                dev.iter().map(|c| c.principal.as_str()).collect::<Vec<_>>().join(", "),
                dev.iter().flat_map(|c| c.decided_by.iter().map(String::as_str)).filter(|d| !d.starts_with("identity:koban-probe")).collect::<Vec<_>>().join(", ")
            ),
            json!({ "resource": resource, "action": action, "principals": dev.iter().map(|c| json!({"principal": c.principal, "decided_by": c.decided_by})).collect::<Vec<_>>() }),
            None,
        ));
    }
}

/// KBN-CICD-003: a caller from an account outside the organization, allowed everything by
/// its own policies, puts events on each bus.
fn event_buses(ix: &AccessIndex, out: &mut GroupReport) {
    let Some(identity) = allow_all() else { return };
    for bus in ix.twin.resource_policies.event_buses.values() {
        let policy = match &bus.policy {
            m::ResourcePolicyState::Absent => continue,
            m::ResourcePolicyState::NotCollected => {
                out.unknowns.push((EVENT_BUS_POLICY, format!("{}: its policy is not in the input", bus.arn)));
                continue;
            }
            m::ResourcePolicyState::Present(_) => match ix.doc(&DocKey::EventBus(bus.arn.clone())) {
                Some(p) => p.clone(),
                None => {
                    out.unknowns.push((EVENT_BUS_POLICY, format!("{}: its policy cannot be read", bus.arn)));
                    continue;
                }
            },
        };
        let mut unknowns = Vec::new();
        let rcps =
            bus.account.as_deref().map(|a| ix.org_levels(a, m::OrgPolicyKind::ResourceControlPolicy, &mut unknowns)).unwrap_or_default();
        out.unknowns.extend(unknowns.into_iter().map(|u| (EVENT_BUS_POLICY, u)));
        let set = PolicySet { identity: vec![identity.clone()], resource: Some(policy), rcps, ..PolicySet::default() };
        let outsider = probe_role(OUTSIDER);
        let region = request_region(ix.twin, &bus.arn, bus.account.as_deref().unwrap_or_default());
        let ctx = probe_request(
            ix,
            &outsider,
            "events:PutEvents",
            &bus.arn,
            bus.account.as_deref(),
            &[("aws:RequestedRegion", region.as_deref().unwrap_or_default())],
        );
        let e = evaluate(&set, &ctx);
        if e.decision != Decision::Allow {
            continue;
        }
        out.findings.push(finding(
            EVENT_BUS_POLICY,
            &bus.arn,
            &[],
            format!("event bus {} accepts events from outside the organization", bus.name),
            format!(
                "A principal of {OUTSIDER}, an account outside the organization that the policy does not name, is allowed events:PutEvents on {} by {}.",
                bus.arn,
                e.decided_by.join(", ")
            ),
            json!({ "event_bus": bus.arn, "probe": ctx.caller().text(), "decided_by": e.decided_by }),
        ));
    }
}

/// KBN-CICD-004: every account running workloads routes GuardDuty and Inspector findings to
/// an event bus of the security account (an enabled rule matching their sources, targeting
/// the bus), or is a member of a GuardDuty administrator that is a security account.
fn findings_routed(twin: &m::Twin, roles: &AccountRoles, out: &mut GroupReport) {
    if roles.security.is_empty() {
        out.skipped.push((
            FINDINGS_ROUTED,
            "no security account identified (koban.yaml accounts.security, or an account or OU named security/audit)".into(),
        ));
        return;
    }
    let mon = &twin.monitoring;
    let workload: BTreeSet<(String, String)> = twin
        .instances
        .values()
        .filter(|i| i.is_live())
        .filter_map(|i| Some((i.placement.account.clone()?, i.placement.region.clone()?)))
        .filter(|(a, _)| !roles.security.contains(a))
        .collect();
    let to_security =
        |arn: &str| arn.contains(":event-bus/") && koban_policy::arn::Arn::parse(arn).is_some_and(|a| roles.security.contains(a.account));
    for (acct, region) in workload {
        let rules: Vec<&m::EventRule> = mon
            .event_rules
            .iter()
            .filter(|r| r.placement.account.as_deref() == Some(acct.as_str()) && r.placement.region.as_deref() == Some(region.as_str()))
            .filter(|r| r.enabled())
            .collect();
        let missing: Vec<&str> = FINDING_SOURCES
            .iter()
            .copied()
            .filter(|src| !rules.iter().any(|r| r.sources.iter().any(|s| s == src) && r.targets.iter().any(|t| to_security(t))))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let aggregated = mon.guardduty_members.iter().any(|x| {
            x.account == acct
                && x.region.as_deref() == Some(region.as_str())
                && x.relationship.eq_ignore_ascii_case("enabled")
                && x.administrator.as_ref().is_some_and(|a| roles.security.contains(a))
        });
        let missing: Vec<&str> = missing.into_iter().filter(|s| !(aggregated && *s == "aws.guardduty")).collect();
        if missing.is_empty() {
            continue;
        }
        if !mon.event_rule_scopes.contains(&(acct.clone(), region.clone())) {
            out.unknowns
                .push((FINDINGS_ROUTED, format!("EventBridge rules of {acct} in {region} are not in the input (events list-rules)")));
            continue;
        }
        let untargeted: Vec<&str> = rules.iter().filter(|r| !r.targets_collected).map(|r| r.name.as_str()).collect();
        out.findings.push(finding(
            FINDINGS_ROUTED,
            &acct,
            &[&region],
            format!("account {acct} does not route {} findings to the security account in {region}", missing.join(" and ")),
            format!(
                "No enabled EventBridge rule of {acct} in {region} sends events from {} to an event bus of the security account ({}){}.",
                missing.join(", "),
                roles.security.iter().cloned().collect::<Vec<_>>().join(", "),
                if untargeted.is_empty() {
                    String::new()
                } else {
                    format!("; the targets of {} are not in the input", untargeted.join(", "))
                }
            ),
            json!({ "account": acct, "region": region, "missing": missing, "rules": rules.iter().map(|r| &r.arn).collect::<Vec<_>>() }),
        ));
    }
}

/// Run the CI/CD separation checks.
pub fn run(engine: &Engine, ix: &AccessIndex, roles: &AccountRoles) -> GroupReport {
    let mut out = GroupReport::default();
    if roles.production.is_empty() {
        let why = "no production account identified (koban.yaml accounts.production, or an account or OU named prod/production)";
        out.skipped.push((DEPLOY_ROLE_TRUST, why.into()));
        out.skipped.push((DEV_CANNOT_REACH_PROD, why.into()));
    } else {
        if roles.cicd.is_empty() {
            out.skipped.push((
                DEPLOY_ROLE_TRUST,
                format!("no CI/CD account identified (koban.yaml accounts.cicd, or {})", roles.source(AccountRole::Cicd)),
            ));
        }
        role_trust(engine, ix, roles, &mut out);
        production_resources(ix, roles, &mut out);
    }
    event_buses(ix, &mut out);
    findings_routed(ix.twin, roles, &mut out);
    out
}
