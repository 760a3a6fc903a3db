//! Resource-based policies: Secrets Manager `list-secrets` and `get-resource-policy`,
//! S3 `get-bucket-policy` (bucket from the file name: `S3BucketPolicies/<bucket>.json`),
//! KMS `get-key-policy` (key id from the file name: `KmsKeyPolicies/<key-id>.json`) and
//! EventBridge `list-event-buses`.

use super::fields::{self, optional, required};
use super::{push, AccessItem, Source};
use crate::snapshot::dispatch::FileItems;
use koban_model as m;
use serde_json::{Map, Value};

fn state(doc: Option<m::PolicyText>, present: bool) -> m::ResourcePolicyState {
    match doc {
        Some(d) => m::ResourcePolicyState::Present(d),
        // present but unreadable: reported already; answers treat it as not collected
        None if present => m::ResourcePolicyState::NotCollected,
        None => m::ResourcePolicyState::Absent,
    }
}

pub fn secrets(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(arr) = fields::array(src, v, "/SecretList", "secrets", out) else { return };
    for (i, s) in arr.iter().enumerate() {
        let pointer = format!("/SecretList/{i}");
        let (Some(arn), Some(name)) =
            (required(src, s, &pointer, "ARN", "the secret's ARN", out), required(src, s, &pointer, "Name", "the secret's name", out))
        else {
            continue;
        };
        let (region, account) = fields::arn_region_account(arn);
        let tags = fields::tags(src, s, &pointer, arn, out);
        let item = AccessItem::Secret(m::Secret {
            arn: arn.to_string(),
            name: name.to_string(),
            account: account.or_else(|| src.account.map(str::to_string)),
            region: region.or_else(|| src.region.map(str::to_string)),
            kms_key_id: optional(src, s, &pointer, "KmsKeyId", arn, out),
            tags,
            policy: m::ResourcePolicyState::NotCollected,
            origin: src.origin(&pointer),
        });
        push(out, item);
    }
}

/// `secretsmanager get-resource-policy --secret-id <id>`: `ARN`, `Name`, and
/// `ResourcePolicy` when the secret has one.
pub fn secret_policy(src: &Source, obj: &Map<String, Value>, out: &mut FileItems) {
    let (Some(arn), Some(name)) = (obj.get("ARN").and_then(Value::as_str), obj.get("Name").and_then(Value::as_str)) else {
        src.error(out, "", "expected get-resource-policy output: ARN and Name as strings".into(), None);
        return;
    };
    let policy = match obj.get("ResourcePolicy").filter(|p| !p.is_null()) {
        Some(p) => match fields::document(p, src.origin("/ResourcePolicy")) {
            Ok(d) => Some(d),
            Err(e) => {
                src.error(out, "/ResourcePolicy", e.to_string(), Some(arn));
                return;
            }
        },
        None => None,
    };
    push(out, AccessItem::SecretPolicy { arn: arn.to_string(), name: name.to_string(), policy, origin: src.origin("") });
}

/// `{"Policy": "…"}` (and `PolicyName` from newer `get-key-policy`): a bucket or a key by
/// the directory the file is in.
pub fn bucket_or_key_policy(src: &Source, obj: &Map<String, Value>, out: &mut FileItems) {
    let Some(p) = obj.get("Policy") else { return };
    let doc = match fields::document(p, src.origin("/Policy")) {
        Ok(d) => Some(d),
        Err(e) => {
            src.error(out, "/Policy", e.to_string(), Some(src.stem));
            None
        }
    };
    let is_key = src.dir == "KmsKeyPolicies" || (src.dir != "S3BucketPolicies" && obj.contains_key("PolicyName"));
    if src.dir == "S3BucketPolicies" {
        let item = AccessItem::Bucket(m::Bucket {
            name: src.stem.to_string(),
            account: src.account.map(str::to_string),
            policy: state(doc, true),
            origin: src.origin("/Policy"),
        });
        push(out, item);
    } else if is_key {
        let arn = match (src.account, src.region) {
            (Some(a), Some(r)) => Some(format!("arn:{}:kms:{r}:{a}:key/{}", fields::partition(r), src.stem)),
            _ => None,
        };
        let item = AccessItem::Key(m::KmsKey {
            key_id: src.stem.to_string(),
            arn,
            account: src.account.map(str::to_string),
            region: src.region.map(str::to_string),
            policy: state(doc, true),
            origin: src.origin("/Policy"),
        });
        push(out, item);
    } else {
        src.error(
            out,
            "/Policy",
            "cannot tell which bucket or key this policy belongs to: save `s3api get-bucket-policy` output as S3BucketPolicies/<bucket>.json and `kms get-key-policy` output as KmsKeyPolicies/<key-id>.json".into(),
            None,
        );
    }
}

pub fn event_buses(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(arr) = fields::array(src, v, "/EventBuses", "event buses", out) else { return };
    for (i, b) in arr.iter().enumerate() {
        let pointer = format!("/EventBuses/{i}");
        let (Some(arn), Some(name)) =
            (required(src, b, &pointer, "Arn", "the event bus ARN", out), required(src, b, &pointer, "Name", "the event bus name", out))
        else {
            continue;
        };
        let doc = fields::document_at(src, b, &pointer, "Policy", arn, out);
        let (region, account) = fields::arn_region_account(arn);
        let item = AccessItem::EventBus(m::EventBus {
            arn: arn.to_string(),
            name: name.to_string(),
            account: account.or_else(|| src.account.map(str::to_string)),
            region: region.or_else(|| src.region.map(str::to_string)),
            policy: state(doc, b.get("Policy").is_some_and(|p| !p.is_null())),
            origin: src.origin(&pointer),
        });
        push(out, item);
    }
}
