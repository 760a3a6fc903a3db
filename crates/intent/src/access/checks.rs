//! The landing zone's IAM checks: secrets locked to a VPC endpoint, VPC, CIDR or named
//! roles; secrets not readable over the internet path; cross-account role trust bound to the
//! organization or an external id; Cognito identity-pool trust bound to a pool and to
//! authenticated identities. Each check is decided with the policy engine on the twin's own
//! documents, and each finding names the statements that show it.

use super::index::{trust_name, AccessIndex, DocKey};
use super::network::Via;
use super::probe::allow_all;
use super::who_can::{origins, who_can_from, Access};
use crate::checks::{check_finding, def};
use koban_findings::Finding;
use koban_model as m;
use koban_net::Engine;
use koban_policy::ast::{Effect, PrincipalEntry, Statement};
use koban_policy::evaluate::{action_matches, evaluate};
use koban_policy::{Caller, ContextValue, Decision, PolicySet, RequestContext};
use serde_json::json;

pub const SECRET_POLICY_RESTRICTS: &str = "KBN-IAM-001";
pub const SECRET_NOT_FROM_INTERNET: &str = "KBN-IAM-002";
pub const CROSS_ACCOUNT_TRUST: &str = "KBN-IAM-003";
pub const COGNITO_TRUST: &str = "KBN-IAM-004";

/// What the IAM checks found, and what they could not assess (per check).
pub struct IamReport {
    pub findings: Vec<(&'static str, Finding)>,
    pub unknowns: Vec<(&'static str, String)>,
}

/// TEST-NET-2 (RFC 5737): a public address outside any VPC.
const PROBE_IP: &str = "198.51.100.10";

/// KBN-IAM-001: probe each secret's policy with a role of the secret's account, allowed
/// everything by its identity policies, calling from the internet: a restricting policy
/// denies it explicitly.
fn secret_restrictions(ix: &AccessIndex, out: &mut IamReport) {
    let Some(identity) = allow_all() else { return };
    for s in ix.twin.resource_policies.secrets.values() {
        let policy = match &s.policy {
            m::ResourcePolicyState::NotCollected => {
                out.unknowns.push((SECRET_POLICY_RESTRICTS, format!("{}: its resource policy is not in the snapshot", s.arn)));
                continue;
            }
            m::ResourcePolicyState::Absent => None,
            m::ResourcePolicyState::Present(_) => match ix.doc(&DocKey::Secret(s.arn.clone())) {
                Some(p) => Some(p.clone()),
                None => {
                    out.unknowns.push((SECRET_POLICY_RESTRICTS, format!("{}: its resource policy cannot be read", s.arn)));
                    continue;
                }
            },
        };
        let account = s.account.clone().unwrap_or_default();
        let mut b = RequestContext::builder()
            .caller(Caller::parse(&format!("arn:aws:sts::{account}:assumed-role/koban-probe/koban")))
            .action("secretsmanager:GetSecretValue")
            .resource(&s.arn)
            .context("aws:SourceIp", ContextValue::Single(PROBE_IP.into()))
            .context("aws:PrincipalArn", ContextValue::Single(format!("arn:aws:iam::{account}:role/koban-probe")));
        if let Some(org) = ix.org_id_of(&account) {
            b = b.context("aws:PrincipalOrgID", ContextValue::Single(org.into()));
        }
        let ctx = b.derive_principal_keys().build();
        let ps = PolicySet { identity: vec![identity.clone()], resource: policy.clone(), ..PolicySet::default() };
        let e = evaluate(&ps, &ctx);
        if e.decision == Decision::ExplicitDeny {
            continue;
        }
        let why = match &policy {
            None => "has no resource policy".to_string(),
            Some(_) => format!(
                "has a resource policy that does not deny a request from outside any VPC endpoint ({PROBE_IP}) by a role it does not name (the probe was {})",
                e.decision.as_str()
            ),
        };
        out.findings.push((
            SECRET_POLICY_RESTRICTS,
            check_finding(
                SECRET_POLICY_RESTRICTS,
                &s.arn,
                &[],
                format!("secret {} is not locked to a VPC endpoint, VPC, CIDR or named roles", s.name),
                format!("Secret {} {why}: any principal of {account} whose identity policies allow it can read it from anywhere.", s.name),
                json!({ "secret": s.arn, "policy": policy.as_ref().map(|p| p.name.clone()), "probe": { "caller": ctx.caller().text(), "aws:SourceIp": PROBE_IP, "decision": e.decision, "explanation": e } }),
                None,
            ),
        ));
    }
}

/// KBN-IAM-002: `who-can secretsmanager:GetSecretValue` on each secret, from internet
/// origins only (the twin's NAT and internet-gateway paths, and outside the twin).
fn secrets_from_internet(engine: &Engine, ix: &AccessIndex, out: &mut IamReport) {
    let secrets: Vec<&m::Secret> = ix.twin.resource_policies.secrets.values().collect();
    if secrets.is_empty() {
        return;
    }
    let mut by_region: std::collections::BTreeMap<Option<String>, super::who_can::Origins> = std::collections::BTreeMap::new();
    for s in secrets {
        if s.policy == m::ResourcePolicyState::NotCollected {
            out.unknowns.push((SECRET_NOT_FROM_INTERNET, format!("{}: its resource policy is not in the snapshot", s.arn)));
            continue;
        }
        let o = by_region.entry(s.region.clone()).or_insert_with(|| origins(engine, ix, "secretsmanager", s.region.as_deref()));
        let a = who_can_from(ix, "secretsmanager:GetSecretValue", &s.arn, &[], o, |g| g.net.via == Via::Internet);
        if a.principals.is_empty() {
            continue;
        }
        let definite = a.principals.iter().any(|p| p.access == Access::Allowed);
        let who: Vec<String> = a
            .principals
            .iter()
            .map(|p| {
                let from: Vec<String> = p
                    .origins
                    .iter()
                    .map(|o| if o.keys.is_empty() { o.origin.clone() } else { format!("{} if {}", o.origin, o.keys.join(", ")) })
                    .collect();
                format!("{} ({})", p.principal, from.join("; "))
            })
            .collect();
        out.findings.push((
            SECRET_NOT_FROM_INTERNET,
            check_finding(
                SECRET_NOT_FROM_INTERNET,
                &s.arn,
                &[],
                format!("secret {} can be read over the internet path", s.name),
                format!(
                    "{} secretsmanager:GetSecretValue on {} from the internet: {}.",
                    if definite { "These principals are allowed" } else { "These principals may be allowed (depending on the keys named)" },
                    s.name,
                    who.join(", ")
                ),
                json!({ "secret": s.arn, "principals": a.principals, "origins": a.origins }),
                Some(if definite { def(SECRET_NOT_FROM_INTERNET).severity } else { 5.0 }),
            ),
        ));
    }
}

fn condition_on(stmt: &Statement, keys: &[&str]) -> bool {
    stmt.conditions.iter().any(|c| keys.contains(&c.key_lower.as_str()))
}

fn assume_ctx(action: &str) -> RequestContext {
    RequestContext::builder().action(action).resource("*").build()
}

/// The accounts other than `own` a trust statement's `AWS` principals name (`*` for
/// everyone).
fn foreign_accounts(stmt: &Statement, own: &str) -> Vec<String> {
    let Some(p) = &stmt.principal else { return Vec::new() };
    if p.negated {
        return vec!["*".into()];
    }
    let mut out = Vec::new();
    for e in &p.principals {
        let account = match e {
            PrincipalEntry::Wildcard => Some("*".to_string()),
            PrincipalEntry::Account { account, .. } => Some(account.clone()),
            PrincipalEntry::Arn { arn, .. } => koban_policy::arn::Arn::parse(arn).map(|a| a.account.to_string()),
            _ => None,
        };
        if let Some(a) = account.filter(|a| a != own && !a.is_empty()) {
            if !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

/// KBN-IAM-003 and KBN-IAM-004, from each role's trust policy.
fn trust_policies(ix: &AccessIndex, out: &mut IamReport) {
    let assume = assume_ctx("sts:AssumeRole");
    let web = assume_ctx("sts:AssumeRoleWithWebIdentity");
    let org = ix.twin.organizations.organization.as_ref();
    for role in ix.twin.iam.roles.values() {
        if role.trust_policy.is_none() {
            continue;
        }
        let Some(doc) = ix.doc(&DocKey::Trust(role.arn.clone())) else {
            for check in [CROSS_ACCOUNT_TRUST, COGNITO_TRUST] {
                out.unknowns.push((check, format!("{}: its trust policy cannot be read", role.arn)));
            }
            continue;
        };
        for s in doc.document.statements.iter().filter(|s| s.effect == Effect::Allow) {
            let label = format!("{}#{}", trust_name(&role.arn), s.label());
            if action_matches(s, &assume) {
                let foreign = foreign_accounts(s, &role.account);
                if !foreign.is_empty() && !condition_on(s, &["aws:principalorgid", "aws:principalorgpaths", "sts:externalid"]) {
                    let outside: Vec<&String> =
                        foreign.iter().filter(|a| *a == "*" || !ix.twin.organizations.accounts.contains_key(*a)).collect();
                    let membership = match (org, outside.is_empty()) {
                        (Some(o), true) => format!("all of them are members of {}", o.id),
                        (Some(o), false) => {
                            format!("not in {}: {}", o.id, outside.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
                        }
                        (None, _) => "the organization is not in the snapshot".to_string(),
                    };
                    let severity = if foreign.iter().any(|a| a == "*") { 8.5 } else { def(CROSS_ACCOUNT_TRUST).severity };
                    out.findings.push((
                        CROSS_ACCOUNT_TRUST,
                        check_finding(
                            CROSS_ACCOUNT_TRUST,
                            &role.arn,
                            &[&s.label()],
                            format!("role {} can be assumed from {} without aws:PrincipalOrgID or sts:ExternalId", role.name, foreign.join(", ")),
                            format!(
                                "Statement {label} lets principals of {} assume {} with no condition on aws:PrincipalOrgID, aws:PrincipalOrgPaths or sts:ExternalId ({membership}).",
                                foreign.join(", "),
                                role.arn
                            ),
                            json!({ "role": role.arn, "statement": label, "accounts": foreign, "path": s.path }),
                            Some(severity),
                        ),
                    ));
                }
            }
            let cognito = s.principal.as_ref().is_some_and(|p| {
                !p.negated
                    && p.principals.iter().any(|e| {
                        matches!(e, PrincipalEntry::Federated(f) if f == "cognito-identity.amazonaws.com" || f == "cognito-identity.amazonaws.com.cn")
                    })
            });
            if cognito && action_matches(s, &web) {
                let mut missing = Vec::new();
                if !condition_on(s, &["cognito-identity.amazonaws.com:aud"]) {
                    missing.push("cognito-identity.amazonaws.com:aud");
                }
                if !condition_on(s, &["cognito-identity.amazonaws.com:amr"]) {
                    missing.push("cognito-identity.amazonaws.com:amr");
                }
                if !missing.is_empty() {
                    out.findings.push((
                        COGNITO_TRUST,
                        check_finding(
                            COGNITO_TRUST,
                            &role.arn,
                            &[&s.label()],
                            format!("role {} trusts Cognito identity pools without {}", role.name, missing.join(" and ")),
                            format!(
                                "Statement {label} lets cognito-identity.amazonaws.com federate into {} without a condition on {}: {}.",
                                role.arn,
                                missing.join(" or "),
                                if missing.contains(&"cognito-identity.amazonaws.com:aud") {
                                    "any identity pool, in any account, can obtain its credentials"
                                } else {
                                    "unauthenticated identities can obtain its credentials"
                                }
                            ),
                            json!({ "role": role.arn, "statement": label, "missing": missing, "path": s.path }),
                            None,
                        ),
                    ));
                }
            }
        }
    }
}

/// The status of each IAM check: `fail` with findings, `unknown` when it met something it
/// could not assess, else `pass`.
pub fn statuses(r: &IamReport) -> Vec<crate::checks::CheckStatus> {
    [SECRET_POLICY_RESTRICTS, SECRET_NOT_FROM_INTERNET, CROSS_ACCOUNT_TRUST, COGNITO_TRUST]
        .into_iter()
        .map(|id| {
            let findings = r.findings.iter().filter(|(c, _)| *c == id).count();
            let status = if findings > 0 {
                "fail"
            } else if r.unknowns.iter().any(|(c, _)| *c == id) {
                "unknown"
            } else {
                "pass"
            };
            crate::checks::CheckStatus { id, title: def(id).title, status, findings }
        })
        .collect()
}

/// Run the IAM checks.
pub fn run(engine: &Engine, ix: &AccessIndex) -> IamReport {
    let mut out = IamReport { findings: Vec::new(), unknowns: Vec::new() };
    secret_restrictions(ix, &mut out);
    secrets_from_internet(engine, ix, &mut out);
    trust_policies(ix, &mut out);
    out
}
