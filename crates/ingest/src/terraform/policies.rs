//! Resource-based policies in Terraform: `aws_secretsmanager_secret` (and its deprecated
//! inline `policy`), `aws_secretsmanager_secret_policy`, `aws_kms_key` (AWS's default key
//! policy when none is given), `aws_s3_bucket` and `aws_s3_bucket_policy`,
//! `aws_cloudwatch_event_bus`, `aws_cloudwatch_event_bus_policy` and
//! `aws_cloudwatch_event_permission`.

use super::identity::document;
use super::place::computed;
use super::resources::{err, Tf, R};
use crate::iac::services::{partition, BusPolicyPart};
use crate::iac::Assembly;
use koban_model as m;
use serde_json::json;

fn arn(t: &Tf) -> String {
    match t.s("arn").ok().flatten() {
        Some(a) => a,
        None => computed(t.doc, t.inst, "arn").unwrap_or_default(),
    }
}

pub fn secret(t: &Tf, a: &mut Assembly) -> R<()> {
    let p = t.placement();
    let arn = arn(t);
    if let Some(d) = document(t, "policy")? {
        a.secret_policy(&arn, d, &t.origin());
    }
    a.secret(m::Secret {
        name: t.s("name")?.unwrap_or_else(|| t.inst.address.to_string()),
        arn,
        account: p.account,
        region: p.region,
        kms_key_id: t.s("kms_key_id")?,
        tags: t.tags(),
        policy: m::ResourcePolicyState::Absent,
        origin: t.origin(),
    });
    Ok(())
}

pub fn secret_policy(t: &Tf, a: &mut Assembly) -> R<()> {
    let d = document(t, "policy")?.ok_or_else(|| err("policy is required"))?;
    a.secret_policy(&t.req("secret_arn")?, d, &t.origin());
    Ok(())
}

pub fn kms_key(t: &Tf, a: &mut Assembly) -> R<()> {
    let p = t.placement();
    let policy = match document(t, "policy")? {
        Some(d) => d,
        None => {
            let root =
                format!("arn:{}:iam::{}:root", partition(p.region.as_deref().unwrap_or_default()), p.account.clone().unwrap_or_default());
            let text = json!({"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{"Sid": "Enable IAM User Permissions",
                "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"}]})
            .to_string();
            m::PolicyText { text, origin: t.origin(), in_string: false }
        }
    };
    a.kms_key(m::KmsKey {
        key_id: t.s("key_id")?.unwrap_or_else(|| t.inst.address.to_string()),
        arn: Some(arn(t)),
        account: p.account,
        region: p.region,
        policy: m::ResourcePolicyState::Present(policy),
        origin: t.origin(),
    });
    Ok(())
}

pub fn bucket(t: &Tf, a: &mut Assembly) -> R<()> {
    let name = t.req("bucket")?;
    let account = t.placement().account;
    if let Some(d) = document(t, "policy")? {
        a.bucket_policy(&name, account.clone(), d, &t.origin());
    }
    a.bucket(m::Bucket { name, account, policy: m::ResourcePolicyState::Absent, origin: t.origin() });
    Ok(())
}

pub fn bucket_policy(t: &Tf, a: &mut Assembly) -> R<()> {
    let d = document(t, "policy")?.ok_or_else(|| err("policy is required"))?;
    a.bucket_policy(&t.req("bucket")?, t.placement().account, d, &t.origin());
    Ok(())
}

pub fn event_bus(t: &Tf, a: &mut Assembly) -> R<()> {
    let p = t.placement();
    a.event_bus(m::EventBus {
        arn: arn(t),
        name: t.req("name")?,
        account: p.account,
        region: p.region,
        policy: m::ResourcePolicyState::Absent,
        origin: t.origin(),
    });
    Ok(())
}

fn bus_name(t: &Tf) -> R<String> {
    let b = t.s("event_bus_name")?.unwrap_or_else(|| "default".into());
    Ok(if b.starts_with("arn:") { b } else { b.rsplit('/').next().unwrap_or(&b).to_string() })
}

pub fn event_bus_policy(t: &Tf, a: &mut Assembly) -> R<()> {
    let d = document(t, "policy")?.ok_or_else(|| err("policy is required"))?;
    a.event_bus_policy(&bus_name(t)?, t.placement(), BusPolicyPart::Document(d), &t.origin());
    Ok(())
}

/// `aws_cloudwatch_event_permission`: an account (or `*`) may put events on the bus.
pub fn event_permission(t: &Tf, a: &mut Assembly) -> R<()> {
    let p = t.placement();
    let principal = t.req("principal")?;
    let part = if principal == "*" { json!("*") } else { json!({"AWS": format!("arn:aws:iam::{principal}:root")}) };
    let bus = bus_name(t)?;
    let resource = if bus.starts_with("arn:") {
        bus.clone()
    } else {
        let region = p.region.clone().unwrap_or_default();
        format!("arn:{}:events:{region}:{}:event-bus/{bus}", partition(&region), p.account.clone().unwrap_or_default())
    };
    let mut s = json!({"Sid": t.req("statement_id")?, "Effect": "Allow", "Principal": part,
        "Action": t.s("action")?.unwrap_or_else(|| "events:PutEvents".into()), "Resource": resource});
    if let Some(c) = t.blocks("condition").first() {
        if let (Some(k), Some(v)) = (c.s("key")?, c.s("value")?) {
            s["Condition"] = json!({c.s("type")?.unwrap_or_else(|| "StringEquals".into()): {k: v}});
        }
    }
    a.event_bus_policy(&bus, p, BusPolicyPart::Statement(s), &t.origin());
    Ok(())
}
