//! Resources with resource-based policies: Secrets Manager secrets and their
//! `ResourcePolicy`, KMS keys (`KeyPolicy`, AWS's default key policy when none is given), S3
//! buckets and `BucketPolicy`, EventBridge event buses (`Policy`) and `EventBusPolicy`
//! statements.

use super::{document, Res, R};
use crate::cloudformation::service_attributes::{bucket_name, event_bus_arn, key_arn, name_or, secret_arn};
use crate::iac::services::BusPolicyPart;
use crate::iac::Assembly;
use koban_model as m;
use serde_json::json;

fn state(doc: Option<m::PolicyText>) -> m::ResourcePolicyState {
    doc.map_or(m::ResourcePolicyState::Absent, m::ResourcePolicyState::Present)
}

pub fn secret(r: &Res, a: &mut Assembly) -> R<()> {
    let place = &r.r.place;
    a.secret(m::Secret {
        arn: secret_arn(&r.r.base, Some(&r.r.props), place),
        name: name_or(Some(&r.r.props), "Name", &r.r.base),
        account: Some(place.account.clone()),
        region: Some(place.region.clone()),
        kms_key_id: r.opt("KmsKeyId")?,
        tags: r.tags(),
        policy: m::ResourcePolicyState::Absent,
        origin: r.origin(),
    });
    Ok(())
}

pub fn secret_policy(r: &Res, a: &mut Assembly) -> R<()> {
    let secret = r.req("SecretId")?;
    let doc = document(r, "ResourcePolicy")?.ok_or_else(|| r.err(r.r.origin_pos(), "ResourcePolicy is required"))?;
    a.secret_policy(&secret, doc, &r.origin());
    Ok(())
}

/// The policy AWS gives a key created without one: the account may use IAM policies.
fn default_key_policy(r: &Res) -> m::PolicyText {
    let root = format!("arn:{}:iam::{}:root", r.r.place.partition, r.r.place.account);
    let text = json!({"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{"Sid": "Enable IAM User Permissions",
        "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"}]})
    .to_string();
    m::PolicyText { text, origin: r.origin(), in_string: false }
}

pub fn kms_key(r: &Res, a: &mut Assembly) -> R<()> {
    let place = &r.r.place;
    let policy = match document(r, "KeyPolicy")? {
        Some(d) => d,
        None => default_key_policy(r),
    };
    a.kms_key(m::KmsKey {
        key_id: r.r.base.clone(),
        arn: Some(key_arn(&r.r.base, place)),
        account: Some(place.account.clone()),
        region: Some(place.region.clone()),
        policy: m::ResourcePolicyState::Present(policy),
        origin: r.origin(),
    });
    Ok(())
}

pub fn bucket(r: &Res, a: &mut Assembly) -> R<()> {
    a.bucket(m::Bucket {
        name: bucket_name(Some(&r.r.props), &r.r.base),
        account: Some(r.r.place.account.clone()),
        policy: m::ResourcePolicyState::Absent,
        origin: r.origin(),
    });
    Ok(())
}

pub fn bucket_policy(r: &Res, a: &mut Assembly) -> R<()> {
    let bucket = r.req("Bucket")?;
    let doc = document(r, "PolicyDocument")?.ok_or_else(|| r.err(r.r.origin_pos(), "PolicyDocument is required"))?;
    a.bucket_policy(&bucket, Some(r.r.place.account.clone()), doc, &r.origin());
    Ok(())
}

pub fn event_bus(r: &Res, a: &mut Assembly) -> R<()> {
    let place = &r.r.place;
    a.event_bus(m::EventBus {
        arn: event_bus_arn(&r.r.base, Some(&r.r.props), place),
        name: r.req("Name")?,
        account: Some(place.account.clone()),
        region: Some(place.region.clone()),
        policy: state(document(r, "Policy")?),
        origin: r.origin(),
    });
    Ok(())
}

/// `AWS::Events::EventBusPolicy`: a `Statement`, or the older `Action`/`Principal`/`Condition`
/// form (an account id or `*` allowed to put events), added to the bus's policy.
pub fn event_bus_policy(r: &Res, a: &mut Assembly) -> R<()> {
    let place = &r.r.place;
    let bus = r.opt("EventBusName")?.unwrap_or_else(|| "default".into());
    let name = bus.rsplit('/').next().unwrap_or(&bus).to_string();
    let bus_arn = if bus.starts_with("arn:") {
        bus.clone()
    } else {
        format!("arn:{}:events:{}:{}:event-bus/{name}", place.partition, place.region, place.account)
    };
    let sid = r.req("StatementId")?;
    let statement = match r.sub("Statement") {
        Some(s) => {
            if let Some(why) = s.unknown_reason() {
                return Err(super::FieldError {
                    pos: s.pos,
                    message: format!("Statement is known only after deployment ({why})"),
                    deploy_time: true,
                });
            }
            let mut s = s.to_json();
            if let Some(o) = s.as_object_mut() {
                o.entry("Sid").or_insert(json!(sid));
            }
            s
        }
        None => {
            let principal = r.req("Principal")?;
            let principal =
                if principal == "*" { json!("*") } else { json!({"AWS": format!("arn:{}:iam::{principal}:root", place.partition)}) };
            let mut s = json!({"Sid": sid, "Effect": "Allow", "Principal": principal,
                "Action": r.opt("Action")?.unwrap_or_else(|| "events:PutEvents".into()), "Resource": bus_arn});
            if let Some(c) = r.sub("Condition") {
                let key = super::text(c.get("Key"), "Condition.Key", c.pos)?;
                let value = super::text(c.get("Value"), "Condition.Value", c.pos)?;
                let ty = super::text(c.get("Type"), "Condition.Type", c.pos)?.unwrap_or_else(|| "StringEquals".into());
                if let (Some(k), Some(v)) = (key, value) {
                    s["Condition"] = json!({ty: {k: v}});
                }
            }
            s
        }
    };
    let placement = m::Placement { account: Some(place.account.clone()), region: Some(place.region.clone()) };
    a.event_bus_policy(if bus.starts_with("arn:") { &bus_arn } else { &name }, placement, BusPolicyPart::Statement(statement), &r.origin());
    Ok(())
}
