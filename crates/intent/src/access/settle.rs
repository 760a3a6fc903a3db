//! Conditions koban cannot settle. A condition on a key the request context lacks is
//! settled when the twin knows the key is absent (a request through no VPC endpoint has no
//! `aws:SourceVpce`; a role without a `team` tag has no `aws:PrincipalTag/team`); otherwise
//! (the time of the request, MFA, tags on the request, an external id, …) the decision may
//! depend on it. For those, the decision is bounded by evaluating twice: once with every
//! unsettled condition of an `Allow` taken as true and of a `Deny` as false (the most the
//! request could be granted), once the other way round (the least). Equal bounds mean the
//! decision does not depend on the unsettled keys.

use koban_policy::evaluate::{action_matches, decide, resource_matches};
use koban_policy::{Decision, Effect, NamedPolicy, PolicySet, RequestContext};
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};

/// Keys known to be absent from a request (lower-case names and prefixes).
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    absent: HashSet<String>,
    absent_prefixes: Vec<String>,
}

impl Knowledge {
    /// Mark keys (lower-case) as known to be absent when the context lacks them.
    pub fn absent(&mut self, keys: &[&str]) {
        self.absent.extend(keys.iter().map(|k| k.to_string()));
    }

    /// Mark every key with this lower-case prefix as known when the context lacks it.
    pub fn absent_prefix(&mut self, prefix: &str) {
        self.absent_prefixes.push(prefix.to_string());
    }

    /// Whether a condition on `key_lower` can be evaluated from the context.
    pub fn settled(&self, key_lower: &str, ctx: &RequestContext) -> bool {
        ctx.get_lower(key_lower).is_some()
            || self.absent.contains(key_lower)
            || self.absent_prefixes.iter().any(|p| key_lower.starts_with(p))
    }
}

/// How the decision depends on keys koban cannot settle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conditional {
    /// The unsettled condition keys of the statements that apply to the request.
    pub keys: Vec<String>,
    /// The most the request could be granted, whatever those keys hold.
    pub at_best: Decision,
    /// The least.
    pub at_worst: Decision,
}

fn all_policies(ps: &PolicySet) -> impl Iterator<Item = &NamedPolicy> {
    ps.identity
        .iter()
        .chain(&ps.boundaries)
        .chain(&ps.session)
        .chain(&ps.resource)
        .chain(&ps.endpoints)
        .chain(ps.scps.iter().flat_map(|l| &l.policies))
        .chain(ps.rcps.iter().flat_map(|l| &l.policies))
}

/// The unsettled keys (as written) of the statements whose action and resource cover the
/// request.
pub fn unsettled_keys(ps: &PolicySet, ctx: &RequestContext, know: &Knowledge) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for p in all_policies(ps) {
        for s in &p.document.statements {
            if s.conditions.iter().all(|c| know.settled(&c.key_lower, ctx)) {
                continue;
            }
            if !action_matches(s, ctx) || !resource_matches(s, ctx) {
                continue;
            }
            for c in s.conditions.iter().filter(|c| !know.settled(&c.key_lower, ctx)) {
                out.insert(c.key.clone());
            }
        }
    }
    out
}

fn bound(ps: &PolicySet, unsettled: &HashSet<String>, optimistic: bool) -> PolicySet {
    let adjust = |p: &NamedPolicy| -> NamedPolicy {
        let mut p = p.clone();
        std::sync::Arc::make_mut(&mut p.document).statements.retain_mut(|s| {
            let before = s.conditions.len();
            s.conditions.retain(|c| !unsettled.contains(&c.key_lower));
            if s.conditions.len() == before {
                return true;
            }
            // Unsettled conditions removed: keep the statement when they are taken as true.
            match s.effect {
                Effect::Allow => optimistic,
                Effect::Deny => !optimistic,
            }
        });
        p
    };
    let level = |l: &koban_policy::OrgLevel| koban_policy::OrgLevel { id: l.id.clone(), policies: l.policies.iter().map(adjust).collect() };
    PolicySet {
        identity: ps.identity.iter().map(adjust).collect(),
        boundaries: ps.boundaries.iter().map(adjust).collect(),
        session: ps.session.as_ref().map(adjust),
        resource: ps.resource.as_ref().map(adjust),
        scps: ps.scps.iter().map(level).collect(),
        rcps: ps.rcps.iter().map(level).collect(),
        endpoints: ps.endpoints.iter().map(adjust).collect(),
    }
}

/// Bounds on the decision when it depends on unsettled keys; `None` when it does not.
pub fn conditional(ps: &PolicySet, ctx: &RequestContext, know: &Knowledge) -> Option<Conditional> {
    let keys = unsettled_keys(ps, ctx, know);
    if keys.is_empty() {
        return None;
    }
    let lower: HashSet<String> = keys.iter().map(|k| k.to_ascii_lowercase()).collect();
    let at_best = decide(&bound(ps, &lower, true), ctx);
    let at_worst = decide(&bound(ps, &lower, false), ctx);
    (at_best != at_worst).then(|| Conditional { keys: keys.into_iter().collect(), at_best, at_worst })
}

#[cfg(test)]
mod tests {
    use super::*;
    use koban_policy::{parse_policy_str, Caller, ContextValue};

    fn named(name: &str, doc: &str) -> NamedPolicy {
        NamedPolicy { name: name.into(), document: parse_policy_str(doc).unwrap_or_else(|e| panic!("{e}")).into() }
    }

    fn ctx(keys: &[(&str, &str)]) -> RequestContext {
        let mut b = RequestContext::builder()
            .caller(Caller::parse("arn:aws:sts::111111111111:assumed-role/app/i-1"))
            .action("secretsmanager:GetSecretValue")
            .resource("arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf");
        for (k, v) in keys {
            b = b.context(k, ContextValue::Single(v.to_string()));
        }
        b.derive_principal_keys().build()
    }

    fn set() -> PolicySet {
        PolicySet {
            identity: vec![named(
                "id",
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*",
                    "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}"#,
            )],
            resource: Some(named(
                "secret",
                r#"{"Version":"2012-10-17","Statement":{"Sid":"Lock","Effect":"Deny","Principal":"*","Action":"*","Resource":"*",
                    "Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}}"#,
            )),
            ..PolicySet::default()
        }
    }

    #[test]
    fn unsettled_keys_bound_the_decision() {
        let mut know = Knowledge::default();
        know.absent(&["aws:sourcevpce"]);
        // from the endpoint: only MFA is unsettled; it decides between allow and implicit deny
        let c = ctx(&[("aws:SourceVpce", "vpce-1")]);
        let cond = conditional(&set(), &c, &know).expect("depends on MFA");
        assert_eq!(cond.keys, vec!["aws:MultiFactorAuthPresent".to_string()]);
        assert_eq!((cond.at_best, cond.at_worst), (Decision::Allow, Decision::ImplicitDeny));
        // off the endpoint (known absent): explicitly denied whatever MFA is
        let c = ctx(&[]);
        assert_eq!(conditional(&set(), &c, &know), None);
        assert_eq!(decide(&set(), &c), Decision::ExplicitDeny);
        // when the endpoint is not known either, both keys are unsettled
        let cond = conditional(&set(), &c, &Knowledge::default()).expect("conditional");
        assert_eq!(cond.keys.len(), 2);
        assert_eq!((cond.at_best, cond.at_worst), (Decision::Allow, Decision::ExplicitDeny));
    }
}
