//! The answer to a request: the [`Decision`] and, per policy type (and per SCP/RCP level),
//! which statements allowed or denied it, named `policy#Sid` (or `policy#N`, the statement's
//! 1-based position, when it has no Sid), plus a sentence saying why.

use serde::Serialize;

/// AWS's decision for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// Allowed.
    Allow,
    /// Denied by an applicable `Deny` statement.
    ExplicitDeny,
    /// Denied because nothing (or not every required policy type) allows it.
    ImplicitDeny,
}

impl Decision {
    /// The decision as koban prints it (`allow`, `explicit-deny`, `implicit-deny`).
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::ExplicitDeny => "explicit-deny",
            Decision::ImplicitDeny => "implicit-deny",
        }
    }
}

/// The outcome of one policy type (or one SCP/RCP level) on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TypeResult {
    /// At least one statement allows and none denies.
    Allowed,
    /// At least one statement denies.
    ExplicitDeny,
    /// No statement applies.
    ImplicitDeny,
}

/// The statements of one policy type that applied to the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct TypeExplanation {
    /// The type's own result.
    pub result: Option<TypeResult>,
    /// `policy#statement` of every applicable Allow.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
    /// `policy#statement` of every applicable Deny.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deny: Vec<String>,
}

impl TypeExplanation {
    pub(crate) fn finish(&mut self) {
        self.result = Some(if !self.deny.is_empty() {
            TypeResult::ExplicitDeny
        } else if !self.allow.is_empty() {
            TypeResult::Allowed
        } else {
            TypeResult::ImplicitDeny
        });
    }
}

/// One SCP or RCP level (root, an OU, or the account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelExplanation {
    /// The level's id (`ou-…`, or `scp-level-N` / `rcp-level-N`).
    pub id: String,
    /// The statements of the level's policies that applied.
    #[serde(flatten)]
    pub statements: TypeExplanation,
}

/// The SCPs or RCPs on the request's path through the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgExplanation {
    /// Allowed only if every level allows.
    pub result: TypeResult,
    /// Whether this policy type applies to the request at all (SCPs do not apply to service
    /// principals or anonymous callers; RCPs only to services that support them).
    pub applies: bool,
    /// Root first, account last.
    pub levels: Vec<LevelExplanation>,
}

/// The full answer for one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// Whether principal and resource are in the same account.
    pub same_account: bool,
    /// Why, in one sentence.
    pub reason: String,
    /// The statements that decided: the Denies for an explicit deny, the Allows that granted
    /// access for an allow, none for an implicit deny.
    pub decided_by: Vec<String>,
    /// The policy types that lacked a required Allow (for an implicit deny).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_allow: Vec<String>,
    /// Identity-based policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<TypeExplanation>,
    /// The resource-based policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<TypeExplanation>,
    /// Permissions boundaries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boundary: Option<TypeExplanation>,
    /// The session policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<TypeExplanation>,
    /// VPC endpoint policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpce: Option<TypeExplanation>,
    /// Service control policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scp: Option<OrgExplanation>,
    /// Resource control policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcp: Option<OrgExplanation>,
}
