//! Amazon Cognito: user pools require MFA, a password policy at least as strong as Cognito's
//! default and enforced threat protection; identity pools give guests no credentials, or
//! guest credentials that only read (each action of the guest role's policies asked of the
//! policy engine).

use crate::access::index::AccessIndex;
use crate::access::{can, CanQuery};
use crate::checks::{check_finding, finding, GroupReport};
use koban_model as m;
use koban_net::Engine;
use koban_policy::ast::{ActionKind, Effect};
use koban_policy::catalog::catalog;
use koban_policy::pattern::glob;
use koban_policy::{ContextValue, Decision};
use serde_json::json;

pub const USER_POOL_MFA: &str = "KBN-COG-001";
pub const USER_POOL_PASSWORDS: &str = "KBN-COG-002";
pub const USER_POOL_THREAT_PROTECTION: &str = "KBN-COG-003";
pub const IDENTITY_POOL_GUESTS: &str = "KBN-COG-004";

/// The checks of this module, in catalogue order.
pub const IDS: &[&str] = &[USER_POOL_MFA, USER_POOL_PASSWORDS, USER_POOL_THREAT_PROTECTION, IDENTITY_POOL_GUESTS];

/// Cognito's default password policy: 8 characters, all four character classes.
const MIN_LENGTH: u32 = 8;

/// Action-name prefixes that only read.
const READ_VERBS: [&str; 11] = ["Get", "List", "Describe", "Head", "Search", "Query", "Scan", "BatchGet", "Select", "View", "Lookup"];

/// At most this many write actions are named in a finding.
const SHOWN: usize = 12;

/// KBN-COG-001, -002 and -003.
fn user_pools(twin: &m::Twin, out: &mut GroupReport) {
    for p in twin.cognito.user_pools.values() {
        let name = p.name.as_deref().unwrap_or(&p.id);
        match p.mfa.as_deref() {
            Some("ON") | Some("OPTIONAL") => {}
            other => out.findings.push(finding(
                USER_POOL_MFA,
                &p.id,
                &[],
                format!("user pool {name} does not offer MFA"),
                format!(
                    "User pool {} has MfaConfiguration {}: users sign in with a password alone.",
                    p.id,
                    other.unwrap_or("absent (OFF)")
                ),
                json!({ "user_pool": p.id, "mfa": p.mfa, "origin": p.origin }),
            )),
        }
        match &p.password_policy {
            None => out.unknowns.push((USER_POOL_PASSWORDS, format!("{}: its password policy is not in the input", p.id))),
            Some(pw) => {
                let mut weak = Vec::new();
                match pw.minimum_length {
                    Some(n) if n >= MIN_LENGTH => {}
                    n => {
                        weak.push(format!("minimum length {} (< {MIN_LENGTH})", n.map(|n| n.to_string()).unwrap_or_else(|| "unset".into())))
                    }
                }
                for (on, class) in [
                    (pw.require_uppercase, "uppercase"),
                    (pw.require_lowercase, "lowercase"),
                    (pw.require_numbers, "numbers"),
                    (pw.require_symbols, "symbols"),
                ] {
                    if !on {
                        weak.push(format!("{class} not required"));
                    }
                }
                if !weak.is_empty() {
                    out.findings.push(finding(
                        USER_POOL_PASSWORDS,
                        &p.id,
                        &[],
                        format!("user pool {name} has a weak password policy"),
                        format!("The password policy of {} is weaker than Cognito's default: {}.", p.id, weak.join(", ")),
                        json!({ "user_pool": p.id, "password_policy": pw, "weaknesses": weak }),
                    ));
                }
            }
        }
        let mode = p.advanced_security.as_deref().unwrap_or("OFF");
        if mode != "ENFORCED" {
            out.findings.push(check_finding(
                USER_POOL_THREAT_PROTECTION,
                &p.id,
                &[],
                format!("user pool {name} does not enforce threat protection"),
                format!(
                    "User pool {} has advanced security (threat protection) {mode}: compromised credentials and risky sign-ins are {}.",
                    p.id,
                    if mode == "AUDIT" { "only logged" } else { "neither detected nor blocked" }
                ),
                json!({ "user_pool": p.id, "advanced_security_mode": mode }),
                Some(if mode == "AUDIT" { 3.0 } else { 5.0 }),
            ));
        }
    }
}

/// The actions a role's identity policies allow by `Allow` statements, expanded over the
/// action catalogue (`None` for an `Allow` with `NotAction`: nearly everything).
fn allowed_patterns(ix: &AccessIndex, role: &m::IamRole, unknowns: &mut Vec<String>) -> Option<Vec<(String, String)>> {
    let principal = crate::access::principal::resolve(ix.twin, &role.arn, None).ok()?;
    let side = crate::access::principal::identity_side(ix, &principal, unknowns);
    let cat = catalog();
    let mut out = Vec::new();
    for p in &side.identity {
        for s in p.document.statements.iter().filter(|s| s.effect == Effect::Allow) {
            if s.action.negated {
                return None;
            }
            for a in &s.action.actions {
                match &a.kind {
                    ActionKind::All => return None,
                    ActionKind::Service { service, name } => {
                        let Some(svc) = cat.service(service) else { continue };
                        for action in &svc.actions {
                            if glob(name.pieces(), &action.to_ascii_lowercase()) {
                                let full = format!("{service}:{action}");
                                let resource = s
                                    .resource
                                    .as_ref()
                                    .filter(|r| !r.negated)
                                    .and_then(|r| r.resources.first())
                                    .map(|r| r.text.as_str())
                                    .unwrap_or("*");
                                out.push((full, resource.to_string()));
                            }
                        }
                    }
                    ActionKind::Invalid => {}
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// A resource the guest could name for a statement's resource pattern: wildcards filled in,
/// and each policy variable (`${cognito-identity.amazonaws.com:sub}`) replaced by a probe
/// value that the request context then carries.
fn probe_resource(pattern: &str) -> (String, Vec<(String, Option<ContextValue>)>) {
    let mut out = String::new();
    let mut keys = Vec::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let var = &after[..end];
        match var {
            "*" | "?" | "$" => out.push_str(var),
            _ => {
                out.push_str(PROBE_VALUE);
                keys.push((var.to_string(), Some(ContextValue::Single(PROBE_VALUE.into()))));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    (out.replace('*', "koban").replace('?', "k"), keys)
}

/// The value policy variables take in probe requests.
const PROBE_VALUE: &str = "koban-probe";

/// KBN-COG-004.
fn identity_pools(engine: &Engine, ix: &AccessIndex, out: &mut GroupReport) {
    let twin = ix.twin;
    for pool in twin.cognito.identity_pools.values().filter(|p| p.allow_unauthenticated) {
        let name = pool.name.as_deref().unwrap_or(&pool.id);
        if !pool.roles_collected {
            out.unknowns.push((IDENTITY_POOL_GUESTS, format!("{}: its roles are not in the input (get-identity-pool-roles)", pool.id)));
            continue;
        }
        let Some(role_arn) = &pool.unauthenticated_role else { continue };
        let Some(role) = twin.iam.roles.get(role_arn) else {
            out.unknowns.push((IDENTITY_POOL_GUESTS, format!("{}: guest role {role_arn} is not in the IAM data", pool.id)));
            continue;
        };
        let mut unknowns = Vec::new();
        let writes: Option<Vec<String>> = allowed_patterns(ix, role, &mut unknowns).map(|list| {
            list.into_iter()
                .filter(|(action, _)| {
                    let verb = action.split_once(':').map_or("", |(_, a)| a);
                    !READ_VERBS.iter().any(|r| verb.starts_with(r))
                })
                .filter(|(action, pattern)| {
                    let (resource, context) = probe_resource(pattern);
                    let q = CanQuery { principal: Some(&role.arn), action, resource: &resource, from: None, context: &context };
                    can(engine, ix, &q)
                        .is_ok_and(|a| a.decision == Decision::Allow || a.conditional.is_some_and(|c| c.at_best == Decision::Allow))
                })
                .map(|(a, _)| a)
                .collect()
        });
        out.unknowns.extend(unknowns.into_iter().map(|u| (IDENTITY_POOL_GUESTS, u)));
        let what = match &writes {
            None => "every action (an Allow of * or with NotAction)".to_string(),
            Some(w) if w.is_empty() => continue,
            Some(w) => {
                let more = if w.len() > SHOWN { format!(" and {} more", w.len() - SHOWN) } else { String::new() };
                format!("{}{more}", w.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", "))
            }
        };
        out.findings.push(finding(
            IDENTITY_POOL_GUESTS,
            &pool.id,
            &[],
            format!("identity pool {name} gives unauthenticated guests write access"),
            format!(
                "Identity pool {} allows unauthenticated identities, and its guest role {} may {what}: anyone on the internet can obtain these credentials.",
                pool.id, role.arn
            ),
            json!({ "identity_pool": pool.id, "guest_role": role.arn, "write_actions": writes }),
        ));
    }
}

/// Run the Cognito checks.
pub fn run(engine: &Engine, ix: &AccessIndex) -> GroupReport {
    let mut out = GroupReport::default();
    let c = &ix.twin.cognito;
    if c.user_pools.is_empty() {
        for id in [USER_POOL_MFA, USER_POOL_PASSWORDS, USER_POOL_THREAT_PROTECTION] {
            out.skipped.push((id, "no Cognito user pool in the input (cognito-idp describe-user-pool)".into()));
        }
    }
    if c.identity_pools.is_empty() {
        out.skipped.push((IDENTITY_POOL_GUESTS, "no Cognito identity pool in the input (cognito-identity describe-identity-pool)".into()));
    }
    user_pools(ix.twin, &mut out);
    identity_pools(engine, ix, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_resources_fill_wildcards_and_variables() {
        let (r, keys) = probe_resource("arn:aws:s3:::uploads/${cognito-identity.amazonaws.com:sub}/*");
        assert_eq!(r, "arn:aws:s3:::uploads/koban-probe/koban");
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].0, "cognito-identity.amazonaws.com:sub");
        let (r, keys) = probe_resource("arn:aws:s3:::b/${*}x?");
        assert_eq!(r, "arn:aws:s3:::b/kobanxk");
        assert!(keys.is_empty());
    }
}
