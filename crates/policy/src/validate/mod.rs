//! Policy validation like IAM Access Analyzer's: grammar errors and the checks Access
//! Analyzer reports (unknown services, actions, condition operators and keys; malformed
//! ARNs and principals; elements a policy type does not allow or requires; duplicate Sids;
//! security warnings such as `Allow` with `NotPrincipal`), each a [`Finding`] with a code,
//! a severity, a message and the JSON path it points at.

mod checks;

use serde::Serialize;

use crate::parse::{parse_policy, ParseError};

/// What a policy is attached to, which decides the elements it must and must not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyKind {
    /// Identity-based policy, permissions boundary or session policy.
    IdentityPolicy,
    /// Resource-based policy (bucket, secret, key, role trust, bus policy, …).
    ResourcePolicy,
    /// Service control policy.
    ServiceControlPolicy,
    /// Resource control policy.
    ResourceControlPolicy,
    /// VPC endpoint policy.
    VpcEndpointPolicy,
}

impl PolicyKind {
    /// Parses `identity`, `resource`, `scp`, `rcp`, `vpce` (and Access Analyzer's names).
    pub fn from_name(name: &str) -> Option<PolicyKind> {
        Some(match name.to_ascii_lowercase().replace('-', "_").as_str() {
            "identity" | "identity_policy" | "boundary" | "session" => PolicyKind::IdentityPolicy,
            "resource" | "resource_policy" | "trust" => PolicyKind::ResourcePolicy,
            "scp" | "service_control_policy" => PolicyKind::ServiceControlPolicy,
            "rcp" | "resource_control_policy" => PolicyKind::ResourceControlPolicy,
            "vpce" | "endpoint" | "vpc_endpoint_policy" => PolicyKind::VpcEndpointPolicy,
            _ => return None,
        })
    }
}

/// Access Analyzer's finding types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// AWS rejects the policy, or a part of it can never take effect.
    Error,
    /// The policy grants more than intended.
    SecurityWarning,
    /// The policy does not follow best practice.
    Warning,
    /// A simplification.
    Suggestion,
}

/// One validation finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable check code (`INVALID_ACTION`, `MISSING_PRINCIPAL`, …).
    pub code: &'static str,
    /// The finding type.
    pub severity: Severity,
    /// What is wrong and what to do.
    pub message: String,
    /// JSON path of the offending part (`/Statement/0/Action/1`).
    pub path: String,
}

impl Finding {
    pub(crate) fn new(code: &'static str, severity: Severity, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding { code, severity, message: message.into(), path: path.into() }
    }

    /// Whether AWS refuses a policy with this finding (as opposed to accepting a policy
    /// that does not do what it seems to).
    pub fn rejects(&self) -> bool {
        checks::REJECTING.contains(&self.code)
    }
}

/// Validates a parsed JSON value as a policy of `kind`.
pub fn validate_value(value: &serde_json::Value, kind: PolicyKind) -> Vec<Finding> {
    match parse_policy(value) {
        Ok(doc) => checks::check(&doc, value, kind),
        Err(e) => vec![parse_finding(&e)],
    }
}

/// Validates a document already parsed from `value` as a policy of `kind` (callers that
/// parse every document anyway save a second parse).
pub fn validate_parsed(doc: &crate::ast::PolicyDocument, value: &serde_json::Value, kind: PolicyKind) -> Vec<Finding> {
    checks::check(doc, value, kind)
}

/// Validates policy text as a policy of `kind`.
pub fn validate_text(text: &str, kind: PolicyKind) -> Vec<Finding> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => validate_value(&v, kind),
        Err(e) => vec![parse_finding(&ParseError::InvalidJson { message: e.to_string(), line: e.line(), column: e.column() })],
    }
}

/// The finding for a document that does not parse.
pub fn parse_finding(e: &ParseError) -> Finding {
    let code = match e {
        ParseError::InvalidJson { .. } => "JSON_SYNTAX_ERROR",
        _ => "POLICY_SYNTAX_ERROR",
    };
    Finding::new(code, Severity::Error, e.path(), e.to_string())
}
