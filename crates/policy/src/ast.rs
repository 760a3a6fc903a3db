//! The typed policy AST: a [`PolicyDocument`] of [`Statement`]s whose elements are already
//! compiled for evaluation (wildcard patterns, ARN patterns, typed condition values), with
//! the JSON path of every part kept for findings and explanations.

use crate::arn::ArnPattern;
use crate::condition::operator::ConditionOperator;
use crate::pattern::Pattern;

/// The policy language version (`Version` element).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyVersion {
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`: `${…}` is literal text.
    V2008_10_17,
    /// No `Version` element: read as `2008-10-17`.
    Absent,
}

impl PolicyVersion {
    /// Whether `${…}` policy variables are substituted under this version.
    pub fn has_variables(self) -> bool {
        self == PolicyVersion::V2012_10_17
    }
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    /// The `Version` element.
    pub version: PolicyVersion,
    /// The `Id` element.
    pub id: Option<String>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

impl Effect {
    /// The effect as AWS writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// One policy statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Position in the document, from 0.
    pub index: usize,
    /// JSON path of the statement (`/Statement/2`, or `/Statement` for a single object).
    pub path: String,
    /// The `Sid` element.
    pub sid: Option<String>,
    /// The `Effect` element.
    pub effect: Effect,
    /// `Principal` or `NotPrincipal`, if present.
    pub principal: Option<PrincipalElement>,
    /// `Action` or `NotAction`.
    pub action: ActionElement,
    /// `Resource` or `NotResource`, if present.
    pub resource: Option<ResourceElement>,
    /// The `Condition` element flattened: one entry per operator and key, all ANDed.
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// `Sid`, or the statement's 1-based position when it has none (as the peer names it).
    pub fn label(&self) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => s.clone(),
            _ => (self.index + 1).to_string(),
        }
    }
}

/// `Principal` (or `NotPrincipal` when `negated`).
#[derive(Debug, Clone, PartialEq)]
pub struct PrincipalElement {
    /// True for `NotPrincipal`.
    pub negated: bool,
    /// The principals listed.
    pub principals: Vec<PrincipalEntry>,
}

/// One principal named in a `Principal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: everyone, including anonymous callers.
    Wildcard,
    /// An account, as `123456789012` or `arn:aws:iam::123456789012:root`.
    Account {
        /// The account id.
        account: String,
        /// As written.
        text: String,
    },
    /// An IAM or STS principal ARN.
    Arn {
        /// As written.
        arn: String,
        /// What it names.
        kind: PrincipalArnKind,
    },
    /// `{"AWS": …}` text that is neither an account nor an ARN.
    InvalidAws(String),
    /// `{"Service": "sns.amazonaws.com"}`.
    Service(String),
    /// `{"Federated": "cognito-identity.amazonaws.com"}` or a SAML/OIDC provider ARN.
    Federated(String),
    /// `{"CanonicalUser": "…"}`.
    CanonicalUser(String),
}

/// What an ARN in `{"AWS": …}` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalArnKind {
    /// An IAM user.
    User,
    /// An IAM role.
    Role {
        /// The role name (last path segment).
        name: String,
        /// Partition of the role.
        partition: String,
        /// Account of the role.
        account: String,
    },
    /// An assumed-role session (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`).
    AssumedRole,
    /// A federated user session.
    FederatedUser,
    /// Any other ARN.
    Other,
}

impl PrincipalEntry {
    /// The principal as written in the policy.
    pub fn text(&self) -> &str {
        match self {
            PrincipalEntry::Wildcard => "*",
            PrincipalEntry::Account { text, .. } => text,
            PrincipalEntry::Arn { arn, .. } => arn,
            PrincipalEntry::InvalidAws(s)
            | PrincipalEntry::Service(s)
            | PrincipalEntry::Federated(s)
            | PrincipalEntry::CanonicalUser(s) => s,
        }
    }
}

/// `Action` (or `NotAction` when `negated`).
#[derive(Debug, Clone, PartialEq)]
pub struct ActionElement {
    /// True for `NotAction`.
    pub negated: bool,
    /// The action patterns listed.
    pub actions: Vec<ActionPattern>,
}

/// One action pattern (`s3:Get*`, `*`).
#[derive(Debug, Clone, PartialEq)]
pub struct ActionPattern {
    /// As written.
    pub text: String,
    /// Compiled form.
    pub kind: ActionKind,
}

/// A compiled action pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// `*`: every action of every service.
    All,
    /// `service:pattern`, matched case-insensitively.
    Service {
        /// The service prefix, lower-cased.
        service: String,
        /// The action-name pattern, lower-cased, with `*`/`?` wildcards.
        name: Pattern,
    },
    /// Not `service:action` syntax; matches nothing.
    Invalid,
}

/// `Resource` (or `NotResource` when `negated`).
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceElement {
    /// True for `NotResource`.
    pub negated: bool,
    /// The resource patterns listed.
    pub resources: Vec<ResourcePattern>,
}

/// One resource pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourcePattern {
    /// As written.
    pub text: String,
    /// Compiled form.
    pub pattern: ArnPattern,
}

/// One condition: an operator applied to one context key with one or more values (ORed).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// JSON path (`/Statement/0/Condition/StringEquals/aws:SourceVpce`).
    pub path: String,
    /// The operator as written.
    pub operator_text: String,
    /// The parsed operator.
    pub operator: ConditionOperator,
    /// The context key as written.
    pub key: String,
    /// The context key lower-cased (keys are case-insensitive).
    pub key_lower: String,
    /// The values, ORed.
    pub values: Vec<ConditionValue>,
}

/// The JSON type a condition value was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// A JSON string.
    String,
    /// A JSON number.
    Number,
    /// A JSON boolean.
    Bool,
}

/// One condition value, typed for its operator.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionValue {
    /// The value as text (numbers and booleans stringified as AWS does).
    pub text: String,
    /// The JSON type it was written with.
    pub json: JsonKind,
    /// The value prepared for the operator.
    pub typed: TypedValue,
}

/// A condition value prepared for its operator family.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    /// String operators and `Bool`: a pattern (wildcards only for `StringLike`).
    Text(Pattern),
    /// `Numeric*`.
    Number(f64),
    /// `Date*`: milliseconds since the Unix epoch.
    Date(i64),
    /// `IpAddress`/`NotIpAddress`.
    Ip(ipnet::IpNet),
    /// `BinaryEquals`: the decoded bytes.
    Binary(Vec<u8>),
    /// `Arn*`.
    Arn(ArnPattern),
    /// `Null`: `true` (key must be absent) or `false` (key must be present).
    Null(bool),
    /// A value the operator cannot use (bad number, date, CIDR, …): never matches.
    Invalid,
}
