//! What a request is made on: the resource ARN resolved against the twin to its account,
//! region, tags and resource-based policy (a secret's, a bucket's, a key's, an event bus's,
//! or a role's trust policy for `sts:AssumeRole*`), and the context keys the twin settles
//! for it.

use super::index::{AccessIndex, DocKey};
use super::settle::Knowledge;
use koban_model as m;
use koban_policy::arn::{is_account_id, Arn};
use koban_policy::{ContextValue, NamedPolicy};

/// The resource side of a request.
#[derive(Debug, Clone, Default)]
pub struct ResourceSide {
    /// The owning account, when known.
    pub account: Option<String>,
    /// The region of the resource (where the request is sent), when known.
    pub region: Option<String>,
    /// The resource-based policy, when the resource has one.
    pub policy: Option<NamedPolicy>,
    /// The twin's description of the resource, for answers (`secret prod/db`, …).
    pub described_as: Option<String>,
    /// The resource's tags, when the twin knows them.
    pub tags: Option<m::Tags>,
}

/// Services whose resources carry resource-based policies koban reads.
const READ_SERVICES: &[&str] = &["secretsmanager", "s3", "kms", "events", "iam"];

/// Resolve the resource of a request. `unknowns` receives what the twin lacks.
pub fn resolve(ix: &AccessIndex, action: &str, resource: &str, unknowns: &mut Vec<String>) -> ResourceSide {
    let twin = ix.twin;
    let rp = &twin.resource_policies;
    let Some(arn) = Arn::parse(resource) else {
        return ResourceSide::default();
    };
    let mut side = ResourceSide {
        account: is_account_id(arn.account).then(|| arn.account.to_string()),
        region: (!arn.region.is_empty()).then(|| arn.region.to_string()),
        ..ResourceSide::default()
    };
    let action_service = action.split_once(':').map_or("", |(s, _)| s).to_ascii_lowercase();
    let take = |key: DocKey, what: String, owner: &str, state: &m::ResourcePolicyState, unknowns: &mut Vec<String>| match state {
        m::ResourcePolicyState::Present(_) => ix.doc_or_note(&key, &format!("the resource policy of {what}"), unknowns).cloned(),
        m::ResourcePolicyState::Absent => None,
        m::ResourcePolicyState::NotCollected => {
            unknowns.push(format!("{owner}: its resource policy is not in the snapshot (evaluated as having none)"));
            None
        }
    };
    match arn.service {
        "secretsmanager" => {
            if let Some(s) = rp.secret(resource) {
                side.policy = take(DocKey::Secret(s.arn.clone()), format!("secret {}", s.name), &s.arn, &s.policy, unknowns);
                side.described_as = Some(format!("secret {}", s.name));
                side.tags = Some(s.tags.clone());
                side.account = side.account.or_else(|| s.account.clone());
            }
        }
        "s3" => {
            let bucket = arn.resource.split('/').next().unwrap_or_default();
            if let Some(b) = rp.buckets.get(bucket) {
                side.policy = take(DocKey::Bucket(b.name.clone()), format!("bucket {}", b.name), &b.name, &b.policy, unknowns);
                side.described_as = Some(format!("bucket {}", b.name));
                side.account = b.account.clone();
            } else {
                unknowns.push(format!("bucket {bucket}: its policy and owning account are not in the snapshot"));
            }
        }
        "kms" => {
            if let Some(k) = rp.key(resource) {
                let map_key = k.arn.clone().unwrap_or_else(|| k.key_id.clone());
                side.policy = take(DocKey::Key(map_key), format!("key {}", k.key_id), &k.key_id, &k.policy, unknowns);
                side.described_as = Some(format!("KMS key {}", k.key_id));
            }
        }
        "events" => {
            if let Some(b) = rp.event_buses.get(resource) {
                side.policy = take(DocKey::EventBus(b.arn.clone()), format!("event bus {}", b.name), &b.arn, &b.policy, unknowns);
                side.described_as = Some(format!("event bus {}", b.name));
            }
        }
        "iam" if action_service == "sts" => {
            let name = arn.resource.strip_prefix("role/").map(|r| r.rsplit('/').next().unwrap_or(r));
            if let Some(role) = twin.iam.roles.get(resource).or_else(|| name.and_then(|n| twin.iam.role_named(arn.account, n))) {
                side.policy = ix.doc_or_note(&DocKey::Trust(role.arn.clone()), "the trust policy", unknowns).cloned();
                side.described_as = Some(format!("role {}", role.name));
                side.tags = Some(role.tags.clone());
            }
        }
        _ => {}
    }
    if side.described_as.is_none() && READ_SERVICES.contains(&arn.service) && !(arn.service == "iam" && action_service != "sts") {
        unknowns.push(format!("{resource} is not in the snapshot: evaluated without a resource-based policy"));
    }
    side
}

/// The context keys the twin settles for the resource.
pub fn resource_keys(ix: &AccessIndex, side: &ResourceSide, keys: &mut Vec<(String, ContextValue)>, know: &mut Knowledge) {
    let single = |k: &str, v: &str| (k.to_string(), ContextValue::Single(v.to_string()));
    if let Some(a) = &side.account {
        keys.push(single("aws:ResourceAccount", a));
        if ix.twin.organizations.organization.is_some() {
            know.absent(&["aws:resourceorgid", "aws:resourceorgpaths"]);
            if let Some(id) = ix.org_id_of(a) {
                keys.push(single("aws:ResourceOrgID", id));
            }
            if let Some(path) = ix.twin.organizations.org_path(a) {
                keys.push(("aws:ResourceOrgPaths".into(), ContextValue::Multi(vec![path])));
            }
        }
    }
    if let Some(r) = &side.region {
        keys.push(single("aws:RequestedRegion", r));
    }
    if let Some(tags) = &side.tags {
        for (k, v) in tags {
            keys.push(single(&format!("aws:ResourceTag/{k}"), v));
        }
        know.absent_prefix("aws:resourcetag/");
    }
}
