//! Resources that carry a resource-based policy: Secrets Manager secrets, S3 buckets, KMS
//! keys and EventBridge event buses. Each keeps its policy as the JSON text AWS returns and
//! says whether the snapshot holds the policy at all (a resource listed without its policy
//! is not the same as a resource without a policy).

use crate::{Origin, PolicyText, Tags};
use serde::Serialize;
use std::collections::BTreeMap;

/// Whether the snapshot says what a resource's policy is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "policy", rename_all = "kebab-case")]
pub enum ResourcePolicyState {
    /// The resource has this policy.
    Present(PolicyText),
    /// The snapshot shows the resource has no policy.
    Absent,
    /// The resource is listed but its policy was not collected.
    NotCollected,
}

impl ResourcePolicyState {
    /// The policy, when there is one.
    pub fn policy(&self) -> Option<&PolicyText> {
        match self {
            ResourcePolicyState::Present(p) => Some(p),
            _ => None,
        }
    }
}

/// A Secrets Manager secret (`list-secrets`, `get-resource-policy`).
#[derive(Debug, Clone, Serialize)]
pub struct Secret {
    /// The full ARN (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf`).
    pub arn: String,
    pub name: String,
    pub account: Option<String>,
    pub region: Option<String>,
    pub kms_key_id: Option<String>,
    pub tags: Tags,
    pub policy: ResourcePolicyState,
    pub origin: Origin,
}

/// An S3 bucket policy (`get-bucket-policy`; the bucket name from the file name).
#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    pub name: String,
    /// The owning account, from the file's path.
    pub account: Option<String>,
    pub policy: ResourcePolicyState,
    pub origin: Origin,
}

/// A KMS key policy (`get-key-policy`; the key id from the file name).
#[derive(Debug, Clone, Serialize)]
pub struct KmsKey {
    pub key_id: String,
    /// `arn:aws:kms:REGION:ACCOUNT:key/ID` when account and region are known.
    pub arn: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub policy: ResourcePolicyState,
    pub origin: Origin,
}

/// An EventBridge event bus and its resource policy (`list-event-buses`).
#[derive(Debug, Clone, Serialize)]
pub struct EventBus {
    pub arn: String,
    pub name: String,
    pub account: Option<String>,
    pub region: Option<String>,
    pub policy: ResourcePolicyState,
    pub origin: Origin,
}

/// Every resource with a resource-based policy, keyed by ARN (buckets by name, keys by ARN
/// or, when the account or region is unknown, by key id).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ResourcePolicies {
    pub secrets: BTreeMap<String, Secret>,
    pub buckets: BTreeMap<String, Bucket>,
    pub keys: BTreeMap<String, KmsKey>,
    pub event_buses: BTreeMap<String, EventBus>,
}

impl ResourcePolicies {
    /// The secret an ARN names: exact, or the ARN without the six random characters AWS
    /// appends (a partial ARN, as policies and CLI calls may use).
    pub fn secret(&self, arn: &str) -> Option<&Secret> {
        self.secrets.get(arn).or_else(|| self.secrets.values().find(|s| partial_secret_arn(&s.arn) == Some(arn)))
    }

    /// The KMS key an ARN or key id names.
    pub fn key(&self, arn_or_id: &str) -> Option<&KmsKey> {
        self.keys.get(arn_or_id).or_else(|| {
            let id = arn_or_id.rsplit_once(":key/").map_or(arn_or_id, |(_, id)| id);
            self.keys.values().find(|k| k.key_id == id)
        })
    }

    /// Total number of resources.
    pub fn len(&self) -> usize {
        self.secrets.len() + self.buckets.len() + self.keys.len() + self.event_buses.len()
    }

    /// True when the twin holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A secret ARN without its `-XXXXXX` suffix.
pub fn partial_secret_arn(arn: &str) -> Option<&str> {
    let (head, suffix) = arn.rsplit_once('-')?;
    (suffix.len() == 6 && suffix.chars().all(|c| c.is_ascii_alphanumeric()) && head.contains(":secret:")).then_some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_by_full_or_partial_arn() {
        let mut r = ResourcePolicies::default();
        let arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf";
        r.secrets.insert(
            arn.into(),
            Secret {
                arn: arn.into(),
                name: "prod/db".into(),
                account: Some("111111111111".into()),
                region: Some("eu-west-1".into()),
                kms_key_id: None,
                tags: vec![],
                policy: ResourcePolicyState::Absent,
                origin: Origin::default(),
            },
        );
        assert!(r.secret(arn).is_some());
        assert!(r.secret("arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db").is_some());
        assert!(r.secret("arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod").is_none());
    }
}
