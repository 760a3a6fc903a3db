//! Probe requests: a request as a chosen caller would make it (an IAM role of some account,
//! allowed everything by its own identity policies), evaluated against the policies under
//! test — a resource or trust policy, or the SCPs of an account — to learn what those
//! policies alone allow.

use super::index::AccessIndex;
use koban_policy::{parse_policy_str, Caller, ContextValue, NamedPolicy, RequestContext};

/// A policy allowing everything: the identity side of the probes.
pub fn allow_all() -> Option<NamedPolicy> {
    let doc = parse_policy_str(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#).ok()?;
    Some(NamedPolicy { name: "koban-probe-identity".into(), document: doc.into() })
}

/// The role a probe of `account` calls as, unless a policy names another principal.
pub fn probe_role(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/koban-probe")
}

/// The caller of a request signed by `principal` (a role calls as an assumed-role session).
pub fn caller_of(principal: &str) -> Caller {
    match principal.split_once(":role/") {
        Some((head, path)) => {
            let name = path.rsplit('/').next().unwrap_or(path);
            Caller::parse(&format!("{}:assumed-role/{name}/koban-probe", head.replacen(":iam:", ":sts:", 1)))
        }
        None => Caller::parse(principal),
    }
}

/// The request `principal` (an IAM role or user ARN, or an account root) makes for `action`
/// on `resource`, with the organization keys of its account and `extra` keys.
pub fn probe_request(
    ix: &AccessIndex,
    principal: &str,
    action: &str,
    resource: &str,
    resource_account: Option<&str>,
    extra: &[(&str, &str)],
) -> RequestContext {
    let mut b = RequestContext::builder().caller(caller_of(principal)).action(action).resource(resource);
    if let Some(a) = resource_account {
        b = b.resource_account(a);
    }
    let account = koban_policy::arn::Arn::parse(principal).map(|a| a.account.to_string()).unwrap_or_default();
    if let Some(org) = ix.org_id_of(&account) {
        b = b.context("aws:PrincipalOrgID", ContextValue::Single(org.into()));
    }
    if let Some(path) = ix.twin.organizations.org_path(&account) {
        b = b.context("aws:PrincipalOrgPaths", ContextValue::Multi(vec![path]));
    }
    for (k, v) in extra {
        b = b.context(k, ContextValue::Single(v.to_string()));
    }
    b.derive_principal_keys().build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_call_as_sessions() {
        let c = caller_of("arn:aws:iam::444444444444:role/ci/cicd-pipeline-role");
        assert_eq!(c.text(), "arn:aws:sts::444444444444:assumed-role/cicd-pipeline-role/koban-probe");
        assert_eq!(caller_of("arn:aws:iam::444444444444:user/bob").text(), "arn:aws:iam::444444444444:user/bob");
        assert_eq!(probe_role("666666666666"), "arn:aws:iam::666666666666:role/koban-probe");
    }
}
