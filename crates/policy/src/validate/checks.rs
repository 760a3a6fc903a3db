//! The individual validation checks, run over a parsed document (and its JSON, for checks
//! the AST no longer shows, such as condition keys that differ only in case).

use std::collections::HashMap;

use serde_json::Value;

use super::{Finding, PolicyKind, Severity};
use crate::arn::{is_account_id, Arn};
use crate::ast::{ActionKind, Effect, PolicyDocument, PolicyVersion, PrincipalEntry, Statement, TypedValue};
use crate::catalog::catalog;
use crate::condition::operator::{OperatorKind, SetOperator};
use crate::context::is_service_principal;
use crate::pattern::wildcard_match;

/// Finding codes for which AWS refuses the policy outright.
pub(super) const REJECTING: &[&str] = &[
    "JSON_SYNTAX_ERROR",
    "POLICY_SYNTAX_ERROR",
    "INVALID_OPERATOR",
    "MISSING_PRINCIPAL",
    "MISSING_RESOURCE",
    "UNSUPPORTED_ELEMENT",
    "DUPLICATE_SID",
    "RCP_PRINCIPAL_NOT_WILDCARD",
];

pub(super) fn check(doc: &PolicyDocument, json: &Value, kind: PolicyKind) -> Vec<Finding> {
    let mut out = Vec::new();
    if doc.version == PolicyVersion::Absent {
        out.push(Finding::new(
            "MISSING_VERSION",
            Severity::Warning,
            "",
            "The policy has no Version: AWS reads it as 2008-10-17, where policy variables are literal text. Add \"Version\": \"2012-10-17\".",
        ));
    }
    let mut sids: HashMap<&str, &str> = HashMap::new();
    for stmt in &doc.statements {
        if let Some(sid) = stmt.sid.as_deref().filter(|s| !s.is_empty()) {
            if let Some(first) = sids.insert(sid, &stmt.path) {
                out.push(Finding::new(
                    "DUPLICATE_SID",
                    Severity::Error,
                    format!("{}/Sid", stmt.path),
                    format!("Sid {sid:?} is already used by the statement at {first}; Sids must be unique within a policy."),
                ));
            }
            if matches!(kind, PolicyKind::IdentityPolicy | PolicyKind::ServiceControlPolicy)
                && !sid.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                out.push(Finding::new(
                    "INVALID_SID",
                    Severity::Error,
                    format!("{}/Sid", stmt.path),
                    format!("Sid {sid:?} may hold only ASCII letters and digits in this policy type."),
                ));
            }
        }
        check_elements(stmt, kind, &mut out);
        check_actions(stmt, &mut out);
        check_resources(stmt, doc.version, &mut out);
        check_principals(stmt, kind, &mut out);
        check_conditions(stmt, doc.version, &mut out);
    }
    check_condition_key_case(json, &mut out);
    out
}

fn check_elements(stmt: &Statement, kind: PolicyKind, out: &mut Vec<Finding>) {
    let path = &stmt.path;
    let principal_allowed = matches!(kind, PolicyKind::ResourcePolicy | PolicyKind::ResourceControlPolicy | PolicyKind::VpcEndpointPolicy);
    match (&stmt.principal, principal_allowed) {
        (Some(p), false) => out.push(Finding::new(
            "UNSUPPORTED_ELEMENT",
            Severity::Error,
            format!("{path}/{}", if p.negated { "NotPrincipal" } else { "Principal" }),
            "Identity-based policies, boundaries, session policies and SCPs cannot name a principal: the policy applies to the identity it is attached to.",
        )),
        (None, true) => out.push(Finding::new(
            "MISSING_PRINCIPAL",
            Severity::Error,
            path.clone(),
            "This policy type requires a Principal (or NotPrincipal) element in every statement.",
        )),
        _ => {}
    }
    if stmt.resource.is_none() && kind != PolicyKind::ResourcePolicy {
        out.push(Finding::new(
            "MISSING_RESOURCE",
            Severity::Error,
            path.clone(),
            "Add a Resource or NotResource element: this policy type requires one in every statement.",
        ));
    }
    if kind == PolicyKind::ResourceControlPolicy {
        if let Some(p) = &stmt.principal {
            if p.negated || p.principals.iter().any(|e| *e != PrincipalEntry::Wildcard) {
                out.push(Finding::new(
                    "RCP_PRINCIPAL_NOT_WILDCARD",
                    Severity::Error,
                    format!("{path}/Principal"),
                    "Resource control policies accept only \"Principal\": \"*\"; scope them with conditions such as aws:PrincipalOrgID.",
                ));
            }
        }
    }
    if stmt.effect == Effect::Allow {
        if let Some(p) = &stmt.principal {
            if p.negated {
                out.push(Finding::new(
                    "ALLOW_WITH_NOT_PRINCIPAL",
                    Severity::SecurityWarning,
                    format!("{path}/NotPrincipal"),
                    "Allow with NotPrincipal grants access to every principal not listed, including anonymous callers. Name the principals to allow instead.",
                ));
            }
        }
    }
}

fn check_actions(stmt: &Statement, out: &mut Vec<Finding>) {
    let element = if stmt.action.negated { "NotAction" } else { "Action" };
    let base = format!("{}/{element}", stmt.path);
    if stmt.action.actions.is_empty() {
        out.push(Finding::new(
            "EMPTY_ARRAY_ACTION",
            Severity::Warning,
            base.clone(),
            "The action list is empty: the statement matches no action.",
        ));
    }
    let many = stmt.action.actions.len() > 1;
    let cat = catalog();
    let mut seen: Vec<String> = Vec::new();
    for (i, a) in stmt.action.actions.iter().enumerate() {
        let path = if many { format!("{base}/{i}") } else { base.clone() };
        let lower = a.text.to_ascii_lowercase();
        if seen.contains(&lower) {
            out.push(Finding::new(
                "REDUNDANT_ACTION",
                Severity::Suggestion,
                path.clone(),
                format!("Action {:?} is listed more than once.", a.text),
            ));
        }
        seen.push(lower);
        match &a.kind {
            ActionKind::All => {}
            ActionKind::Invalid => out.push(Finding::new(
                "INVALID_ACTION",
                Severity::Error,
                path,
                format!("Action {:?} is not in the form service:ActionName (wildcards * and ? allowed in the action name).", a.text),
            )),
            ActionKind::Service { service, .. } => {
                let name = a.text.split_once(':').map_or("", |(_, n)| n);
                if !cat.has_service(service) {
                    out.push(Finding::new(
                        "INVALID_SERVICE",
                        Severity::Error,
                        path,
                        format!("The service prefix {service:?} is unknown (catalogue: {}).", cat.source),
                    ));
                } else if name.contains(['*', '?']) {
                    if !cat.pattern_matches_any(service, name) {
                        out.push(Finding::new(
                            "INVALID_ACTION",
                            Severity::Error,
                            path,
                            format!("The pattern {:?} matches no action of {service}.", a.text),
                        ));
                    }
                } else if !cat.has_action(service, name) {
                    out.push(Finding::new(
                        "INVALID_ACTION",
                        Severity::Error,
                        path,
                        format!("The action {:?} does not exist in {service}.", a.text),
                    ));
                }
            }
        }
    }
    if stmt.effect == Effect::Allow && !stmt.action.negated {
        let passes_role = stmt.action.actions.iter().any(|a| match &a.kind {
            ActionKind::All => true,
            ActionKind::Service { service, .. } => service == "iam" && wildcard_match(&a.text.to_ascii_lowercase(), "iam:passrole"),
            ActionKind::Invalid => false,
        });
        let star_resource = stmt.resource.as_ref().is_some_and(|r| !r.negated && r.resources.iter().any(|p| p.text == "*"));
        if passes_role && star_resource {
            out.push(Finding::new(
                "PASS_ROLE_WITH_STAR_IN_RESOURCE",
                Severity::SecurityWarning,
                format!("{}/Resource", stmt.path),
                "iam:PassRole with \"Resource\": \"*\" lets the principal pass any role to a service. Name the roles.",
            ));
        }
    }
}

fn check_resources(stmt: &Statement, version: PolicyVersion, out: &mut Vec<Finding>) {
    let Some(elem) = &stmt.resource else { return };
    let element = if elem.negated { "NotResource" } else { "Resource" };
    let base = format!("{}/{element}", stmt.path);
    if elem.resources.is_empty() {
        out.push(Finding::new(
            "EMPTY_ARRAY_RESOURCE",
            Severity::Warning,
            base.clone(),
            "The resource list is empty: the statement matches no resource.",
        ));
    }
    let many = elem.resources.len() > 1;
    let mut seen: Vec<&str> = Vec::new();
    for (i, r) in elem.resources.iter().enumerate() {
        let path = if many { format!("{base}/{i}") } else { base.clone() };
        if seen.contains(&r.text.as_str()) {
            out.push(Finding::new(
                "REDUNDANT_RESOURCE",
                Severity::Suggestion,
                path.clone(),
                format!("Resource {:?} is listed more than once.", r.text),
            ));
        }
        seen.push(&r.text);
        if r.text == "*" {
            continue;
        }
        check_arn(&r.text, &path, version, out);
    }
}

fn check_arn(text: &str, path: &str, version: PolicyVersion, out: &mut Vec<Finding>) {
    if !text.starts_with("arn:") {
        out.push(Finding::new(
            "INVALID_ARN_PREFIX",
            Severity::Error,
            path,
            format!("{text:?} is not an ARN: add the required prefix arn:."),
        ));
        return;
    }
    let Some(arn) = Arn::parse(text) else {
        out.push(Finding::new(
            "MISSING_ARN_FIELD",
            Severity::Error,
            path,
            format!("{text:?} has fewer than the six ARN fields arn:partition:service:region:account:resource."),
        ));
        return;
    };
    if arn.service.is_empty() || arn.resource.is_empty() {
        out.push(Finding::new("MISSING_ARN_FIELD", Severity::Error, path, format!("{text:?} has an empty service or resource field.")));
    }
    let templated = |s: &str| s.contains(['*', '?']) || s.contains("${");
    if !arn.account.is_empty() && !templated(arn.account) && !is_account_id(arn.account) && arn.account != "aws" {
        out.push(Finding::new(
            "INVALID_ARN_ACCOUNT",
            Severity::Error,
            path,
            format!("The account field {:?} is not a 12-digit account id.", arn.account),
        ));
    }
    if arn.service.bytes().any(|b| b.is_ascii_uppercase()) {
        out.push(Finding::new("INVALID_ARN_SERVICE_CASE", Severity::Error, path, "Write the service field of the ARN in lower case."));
    }
    if version != PolicyVersion::V2012_10_17 && text.contains("${") {
        out.push(Finding::new(
            "VARIABLE_IN_OLD_VERSION",
            Severity::Warning,
            path,
            "Policy variables are literal text unless the policy has \"Version\": \"2012-10-17\".",
        ));
    }
}

fn check_principals(stmt: &Statement, kind: PolicyKind, out: &mut Vec<Finding>) {
    let Some(p) = &stmt.principal else { return };
    if kind == PolicyKind::ResourceControlPolicy {
        return;
    }
    let base = format!("{}/{}", stmt.path, if p.negated { "NotPrincipal" } else { "Principal" });
    for entry in &p.principals {
        match entry {
            PrincipalEntry::InvalidAws(t) => out.push(Finding::new(
                "INVALID_PRINCIPAL_FORMAT",
                Severity::Error,
                format!("{base}/AWS"),
                format!("{t:?} is neither \"*\", a 12-digit account id nor an IAM/STS principal ARN."),
            )),
            PrincipalEntry::Arn { arn, .. } => {
                if arn.contains(['*', '?']) {
                    out.push(Finding::new(
                        "INVALID_PRINCIPAL_FORMAT",
                        Severity::Error,
                        format!("{base}/AWS"),
                        format!("{arn:?}: wildcards are not allowed in principal ARNs; use \"*\" with an aws:PrincipalArn condition."),
                    ));
                } else if let Some(a) = Arn::parse(arn) {
                    if !is_account_id(a.account) {
                        out.push(Finding::new(
                            "INVALID_ARN_ACCOUNT",
                            Severity::Error,
                            format!("{base}/AWS"),
                            format!("{arn:?} has no valid 12-digit account id."),
                        ));
                    }
                }
            }
            PrincipalEntry::Service(s) if !is_service_principal(s) => out.push(Finding::new(
                "INVALID_SERVICE_PRINCIPAL_FORMAT",
                Severity::Error,
                format!("{base}/Service"),
                format!("{s:?} is not a service principal (SERVICE.amazonaws.com)."),
            )),
            _ => {}
        }
    }
}

fn check_conditions(stmt: &Statement, version: PolicyVersion, out: &mut Vec<Finding>) {
    let cat = catalog();
    for c in &stmt.conditions {
        let op = c.operator;
        let op_path = c.path.rsplit_once('/').map_or(c.path.as_str(), |(p, _)| p);
        if op.kind == OperatorKind::Unknown {
            out.push(Finding::new(
                "INVALID_OPERATOR",
                Severity::Error,
                op_path,
                format!("{:?} is not a condition operator.", c.operator_text),
            ));
            continue;
        }
        if op.kind == OperatorKind::Null && op.if_exists {
            out.push(Finding::new("NULL_WITH_IF_EXISTS", Severity::Error, op_path, "The Null operator cannot take the IfExists suffix."));
        }
        if c.values.is_empty() {
            out.push(Finding::new(
                "EMPTY_ARRAY_CONDITION",
                Severity::Warning,
                c.path.clone(),
                "The condition has no values and never matches.",
            ));
        }
        for (i, v) in c.values.iter().enumerate() {
            if v.typed == TypedValue::Invalid {
                out.push(Finding::new(
                    "DATA_TYPE_MISMATCH",
                    Severity::Error,
                    format!("{}/{i}", c.path),
                    format!("{:?} is not a valid value for {}.", v.text, op.kind.name()),
                ));
            }
            if version != PolicyVersion::V2012_10_17 && v.text.contains("${") {
                out.push(Finding::new(
                    "VARIABLE_IN_OLD_VERSION",
                    Severity::Warning,
                    format!("{}/{i}", c.path),
                    "Policy variables are literal text unless the policy has \"Version\": \"2012-10-17\".",
                ));
            }
        }
        if !c.key.contains(':') {
            out.push(Finding::new(
                "INVALID_CONDITION_KEY_FORMAT",
                Severity::Error,
                c.path.clone(),
                format!("Condition key {:?} is not in the form service:keyname.", c.key),
            ));
            continue;
        }
        let (prefix, _) = c.key.split_once(':').unwrap_or_default();
        let known_service = prefix.eq_ignore_ascii_case("aws") || cat.has_service(prefix);
        if known_service && !cat.has_condition_key(&c.key) {
            let code = if prefix.eq_ignore_ascii_case("aws") { "INVALID_GLOBAL_CONDITION_KEY" } else { "INVALID_SERVICE_CONDITION_KEY" };
            out.push(Finding::new(code, Severity::Error, c.path.clone(), format!("Condition key {:?} does not exist.", c.key)));
        }
        match (op.set, cat.is_multivalued(&c.key)) {
            (Some(SetOperator::ForAllValues), Some(false)) => out.push(Finding::new(
                "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                Severity::SecurityWarning,
                op_path,
                format!("ForAllValues on the single-valued key {:?} is also true when the key is absent. Remove ForAllValues or add a Null check.", c.key),
            )),
            (None, Some(true)) if op.kind != OperatorKind::Null => out.push(Finding::new(
                "MISSING_SET_OPERATOR",
                Severity::Warning,
                op_path,
                format!("{:?} is multivalued: use ForAnyValue: or ForAllValues: with {}.", c.key, op.kind.name()),
            )),
            _ => {}
        }
    }
}

fn check_condition_key_case(json: &Value, out: &mut Vec<Finding>) {
    let doc = match json {
        Value::String(s) => serde_json::from_str::<Value>(s).unwrap_or(Value::Null),
        other => other.clone(),
    };
    let statements: Vec<(String, &Value)> = match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().enumerate().map(|(i, s)| (format!("/Statement/{i}"), s)).collect(),
        Some(s @ Value::Object(_)) => vec![("/Statement".to_string(), s)],
        _ => Vec::new(),
    };
    for (path, s) in statements {
        let Some(Value::Object(ops)) = s.get("Condition") else {
            continue;
        };
        for (op, block) in ops {
            let Value::Object(keys) = block else { continue };
            let mut lower: HashMap<String, &str> = HashMap::new();
            for k in keys.keys() {
                if let Some(prev) = lower.insert(k.to_ascii_lowercase(), k) {
                    out.push(Finding::new(
                        "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
                        Severity::Error,
                        format!("{path}/Condition/{op}"),
                        format!("Condition keys {prev:?} and {k:?} differ only in case; key names are case-insensitive."),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{validate_text, PolicyKind, Severity};

    fn codes(text: &str, kind: PolicyKind) -> Vec<&'static str> {
        validate_text(text, kind).into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn clean_identity_policy() {
        let p = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:List*"],"Resource":"arn:aws:s3:::b/*"}]}"#;
        assert!(codes(p, PolicyKind::IdentityPolicy).is_empty());
    }

    #[test]
    fn catches_access_analyzer_errors() {
        let p = r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"A","Effect":"Allow","Action":["s3:GetObjekt","s4:Get*","s3"],"Resource":["bucket","arn:aws:s3:::b/*"],
             "Condition":{"StringEqualz":{"aws:SourceVpce":"v"},"NumericLessThan":{"aws:MultiFactorAuthAge":"soon"},
                          "StringEquals":{"aws:sourcevpce":"a","aws:SourceVpce":"b"},"ForAllValues:StringEquals":{"aws:SourceIp":"1"}}},
            {"Sid":"A","Effect":"Allow","Principal":"*","Action":"iam:PassRole","Resource":"*"}]}"#;
        let c = codes(p, PolicyKind::IdentityPolicy);
        for want in [
            "INVALID_ACTION",
            "INVALID_SERVICE",
            "INVALID_ARN_PREFIX",
            "INVALID_OPERATOR",
            "DATA_TYPE_MISMATCH",
            "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
            "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
            "DUPLICATE_SID",
            "UNSUPPORTED_ELEMENT",
            "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        ] {
            assert!(c.contains(&want), "missing {want} in {c:?}");
        }
    }

    #[test]
    fn resource_policy_needs_principal() {
        let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}"#;
        assert_eq!(codes(p, PolicyKind::ResourcePolicy), vec!["MISSING_PRINCIPAL"]);
        let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sqs:SendMessage","Resource":"*"}]}"#;
        let f = validate_text(p, PolicyKind::ResourcePolicy);
        assert_eq!(f[0].code, "ALLOW_WITH_NOT_PRINCIPAL");
        assert_eq!(f[0].severity, Severity::SecurityWarning);
        assert_eq!(f[0].path, "/Statement/0/NotPrincipal");
    }

    #[test]
    fn syntax_errors_are_findings() {
        let f = validate_text("{", PolicyKind::IdentityPolicy);
        assert_eq!(f[0].code, "JSON_SYNTAX_ERROR");
        let f = validate_text(r#"{"Statement":[{"Effect":"Permit","Action":"*","Resource":"*"}]}"#, PolicyKind::IdentityPolicy);
        assert_eq!(f[0].code, "POLICY_SYNTAX_ERROR");
        assert_eq!(f[0].path, "/Statement/0/Effect");
        assert!(f[0].rejects());
    }
}
