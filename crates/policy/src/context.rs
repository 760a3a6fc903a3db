//! The request context: who is calling ([`Caller`]), which action on which resource in which
//! account, and the context keys (case-insensitive names, single or multivalued values) that
//! conditions and policy variables read.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use crate::arn::{is_account_id, Arn};

/// A context key's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key (`aws:SourceIp`, `aws:username`, …).
    Single(String),
    /// A multivalued key (`aws:TagKeys`, `aws:PrincipalOrgPaths`, …); may be empty.
    Multi(Vec<String>),
}

impl ContextValue {
    /// The values as a slice (one element for a single-valued key).
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::Single(s) => std::slice::from_ref(s),
            ContextValue::Multi(v) => v,
        }
    }
}

/// The kind of an ARN principal making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArnCallerKind {
    /// `arn:…:iam::ACCOUNT:user/[path/]NAME`.
    IamUser,
    /// `arn:…:iam::ACCOUNT:role/[path/]NAME` (a role named as the caller itself).
    IamRole {
        /// The role name (last path segment).
        name: String,
    },
    /// `arn:…:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    AssumedRole {
        /// The role name.
        role_name: String,
        /// The role ARN without path, as AWS derives `aws:PrincipalArn`.
        role_arn: String,
    },
    /// `arn:…:sts::ACCOUNT:federated-user/NAME` (a `GetFederationToken` session).
    FederatedUser {
        /// The ARN of the IAM user who federated.
        user_arn: String,
    },
    /// `arn:…:iam::ACCOUNT:root`, the account root user.
    Root,
    /// Any other ARN.
    Other,
}

/// The principal that makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An unsigned request.
    Anonymous,
    /// An AWS service principal such as `sns.amazonaws.com`.
    Service(String),
    /// An IAM or STS principal identified by its ARN.
    Arn {
        /// The full ARN.
        arn: String,
        /// The partition (`aws`, …).
        partition: String,
        /// The principal's account.
        account: String,
        /// What kind of principal it is.
        kind: ArnCallerKind,
    },
    /// Any other identifier (a web identity or SAML provider, a canonical user id).
    Other(String),
}

impl Caller {
    /// Classifies a principal string as the `principal` field of a request gives it.
    pub fn parse(text: &str) -> Caller {
        if text == "anonymous" || text.is_empty() {
            return Caller::Anonymous;
        }
        if let Some(arn) = Arn::parse(text) {
            let kind = classify(&arn);
            return Caller::Arn { arn: text.to_string(), partition: arn.partition.to_string(), account: arn.account.to_string(), kind };
        }
        if is_service_principal(text) {
            return Caller::Service(text.to_string());
        }
        Caller::Other(text.to_string())
    }

    /// The caller's account, if it has one.
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::Arn { account, .. } if !account.is_empty() => Some(account),
            _ => None,
        }
    }

    /// The caller's ARN, if it has one.
    pub fn arn(&self) -> Option<&str> {
        match self {
            Caller::Arn { arn, .. } => Some(arn),
            _ => None,
        }
    }

    /// The principal string as given.
    pub fn text(&self) -> &str {
        match self {
            Caller::Anonymous => "anonymous",
            Caller::Service(s) | Caller::Other(s) => s,
            Caller::Arn { arn, .. } => arn,
        }
    }

    /// Whether the caller is an IAM entity or session in an account (SCPs apply to these).
    pub fn is_account_principal(&self) -> bool {
        matches!(self, Caller::Arn { account, .. } if !account.is_empty())
    }
}

fn classify(arn: &Arn<'_>) -> ArnCallerKind {
    match arn.service {
        "iam" => {
            if arn.resource == "root" {
                ArnCallerKind::Root
            } else if arn.resource.starts_with("user/") {
                ArnCallerKind::IamUser
            } else if let Some(rest) = arn.resource.strip_prefix("role/") {
                ArnCallerKind::IamRole { name: rest.rsplit('/').next().unwrap_or(rest).to_string() }
            } else {
                ArnCallerKind::Other
            }
        }
        "sts" => {
            if let Some(rest) = arn.resource.strip_prefix("assumed-role/") {
                match rest.split_once('/') {
                    Some((role, session)) if !role.is_empty() && !session.is_empty() => ArnCallerKind::AssumedRole {
                        role_name: role.to_string(),
                        role_arn: format!("arn:{}:iam::{}:role/{}", arn.partition, arn.account, role),
                    },
                    _ => ArnCallerKind::Other,
                }
            } else if let Some(name) = arn.resource.strip_prefix("federated-user/") {
                ArnCallerKind::FederatedUser { user_arn: format!("arn:{}:iam::{}:user/{}", arn.partition, arn.account, name) }
            } else {
                ArnCallerKind::Other
            }
        }
        _ => ArnCallerKind::Other,
    }
}

/// Whether `s` names an AWS service principal (`*.amazonaws.com`, `*.amazonaws.com.cn`).
pub fn is_service_principal(s: &str) -> bool {
    !s.starts_with("arn:") && !s.contains(' ') && (s.ends_with(".amazonaws.com") || s.ends_with(".amazonaws.com.cn"))
}

/// Everything a policy evaluation reads about one request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    caller: Caller,
    action: String,
    action_service_lower: String,
    action_name_lower: String,
    resource: String,
    /// Where the resource ARN's five separating colons are, if it is an ARN (parsed once,
    /// read by every resource match).
    resource_colons: Option<[u32; 5]>,
    resource_account: Option<String>,
    keys: HashMap<String, ContextValue, RandomState>,
}

impl RequestContext {
    /// Starts a context for an anonymous request on `*`; set the parts with the builder.
    pub fn builder() -> RequestContextBuilder {
        RequestContextBuilder {
            caller: Caller::Anonymous,
            action: String::new(),
            resource: "*".to_string(),
            resource_account: None,
            // Room for a typical request's keys and the derived ones, without regrowing.
            keys: HashMap::with_capacity_and_hasher(16, RandomState::default()),
        }
    }

    /// The principal making the request.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The action as given (`s3:GetObject`).
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The action's service prefix, lower-cased.
    pub fn action_service_lower(&self) -> &str {
        &self.action_service_lower
    }

    /// The action's name, lower-cased.
    pub fn action_name_lower(&self) -> &str {
        &self.action_name_lower
    }

    /// The resource ARN, or `*`.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The resource ARN's parts (`None` when the resource is not an ARN).
    pub fn resource_arn(&self) -> Option<Arn<'_>> {
        let [a, b, c, d, e] = self.resource_colons?.map(|i| i as usize);
        let r = &self.resource;
        Some(Arn { partition: &r[a + 1..b], service: &r[b + 1..c], region: &r[c + 1..d], account: &r[d + 1..e], resource: &r[e + 1..] })
    }

    /// The account that owns the resource.
    pub fn resource_account(&self) -> Option<&str> {
        self.resource_account.as_deref()
    }

    /// A context key's value (case-insensitive name).
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            self.keys.get(&key.to_ascii_lowercase())
        } else {
            self.keys.get(key)
        }
    }

    /// A context key's value by its lower-cased name (the hot path).
    pub fn get_lower(&self, key_lower: &str) -> Option<&ContextValue> {
        self.keys.get(key_lower)
    }

    /// Whether the principal and the resource are in the same account (a resource whose
    /// account is unknown, such as `*` for actions without resources, is the caller's).
    pub fn same_account(&self) -> bool {
        match (self.caller.account(), self.resource_account()) {
            (Some(p), Some(r)) => p == r,
            (Some(_), None) => true,
            _ => false,
        }
    }
}

/// Builds a [`RequestContext`].
#[derive(Debug, Clone)]
pub struct RequestContextBuilder {
    caller: Caller,
    action: String,
    resource: String,
    resource_account: Option<String>,
    keys: HashMap<String, ContextValue, RandomState>,
}

impl RequestContextBuilder {
    /// Sets the caller.
    pub fn caller(mut self, caller: Caller) -> Self {
        self.caller = caller;
        self
    }

    /// Sets the action (`service:Action`).
    pub fn action(mut self, action: &str) -> Self {
        self.action = action.to_string();
        self
    }

    /// Sets the resource ARN (or `*`).
    pub fn resource(mut self, resource: &str) -> Self {
        self.resource = resource.to_string();
        self
    }

    /// Sets the account that owns the resource (otherwise taken from the resource ARN).
    pub fn resource_account(mut self, account: &str) -> Self {
        self.resource_account = Some(account.to_string());
        self
    }

    /// Adds a context key; a later key with the same name (any case) replaces it.
    pub fn context(mut self, key: &str, value: ContextValue) -> Self {
        self.keys.insert(key.to_ascii_lowercase(), value);
        self
    }

    /// Whether a key (any case) is already set.
    pub fn has_context(&self, key: &str) -> bool {
        self.keys.contains_key(&key.to_ascii_lowercase())
    }

    /// Adds `aws:PrincipalArn`, `aws:PrincipalAccount` and `aws:ResourceAccount` where absent,
    /// as AWS puts them in every signed request (`deriveContext` of the simulate format).
    pub fn derive_principal_keys(mut self) -> Self {
        if !self.keys.contains_key("aws:resourceaccount") {
            if let Some(acct) = self.effective_resource_account() {
                self.keys.insert("aws:resourceaccount".to_string(), ContextValue::Single(acct));
            }
        }
        if let Caller::Arn { arn, account, kind, .. } = &self.caller {
            if !account.is_empty() && !self.keys.contains_key("aws:principalaccount") {
                self.keys.insert("aws:principalaccount".to_string(), ContextValue::Single(account.clone()));
            }
            if !self.keys.contains_key("aws:principalarn") {
                let principal_arn = match kind {
                    ArnCallerKind::AssumedRole { role_arn, .. } => role_arn,
                    _ => arn,
                };
                self.keys.insert("aws:principalarn".to_string(), ContextValue::Single(principal_arn.clone()));
            }
        }
        self
    }

    fn effective_resource_account(&self) -> Option<String> {
        self.resource_account
            .clone()
            .or_else(|| Arn::parse(&self.resource).filter(|a| is_account_id(a.account)).map(|a| a.account.to_string()))
    }

    /// Finishes the context.
    pub fn build(self) -> RequestContext {
        let resource_account = self.effective_resource_account();
        let (svc, name) = self.action.split_once(':').unwrap_or(("", ""));
        let resource_colons = Arn::parse(&self.resource).and_then(|_| {
            let mut colons = self.resource.match_indices(':').map(|(i, _)| u32::try_from(i).ok());
            let mut out = [0u32; 5];
            for slot in &mut out {
                *slot = colons.next()??;
            }
            Some(out)
        });
        RequestContext {
            resource_colons,
            action_service_lower: svc.to_ascii_lowercase(),
            action_name_lower: name.to_ascii_lowercase(),
            caller: self.caller,
            action: self.action,
            resource: self.resource,
            resource_account,
            keys: self.keys,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callers() {
        assert!(matches!(
            Caller::parse("arn:aws:sts::111122223333:assumed-role/app/i-1"),
            Caller::Arn { kind: ArnCallerKind::AssumedRole { .. }, .. }
        ));
        assert_eq!(Caller::parse("sns.amazonaws.com"), Caller::Service("sns.amazonaws.com".into()));
        assert_eq!(Caller::parse("anonymous"), Caller::Anonymous);
        assert_eq!(Caller::parse("arn:aws:iam::111122223333:root").account(), Some("111122223333"));
    }

    #[test]
    fn derived_keys() {
        let ctx = RequestContext::builder()
            .caller(Caller::parse("arn:aws:sts::111122223333:assumed-role/app/s"))
            .action("s3:GetObject")
            .resource("arn:aws:s3:::b/k")
            .resource_account("444455556666")
            .derive_principal_keys()
            .build();
        assert_eq!(ctx.get("AWS:PrincipalArn"), Some(&ContextValue::Single("arn:aws:iam::111122223333:role/app".into())));
        assert_eq!(ctx.resource_account(), Some("444455556666"));
        assert!(!ctx.same_account());
        assert_eq!(ctx.action_name_lower(), "getobject");
    }
}
