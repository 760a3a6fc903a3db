//! IAM in Terraform: `aws_iam_role` (with `inline_policy` blocks and `managed_policy_arns`),
//! `aws_iam_policy`, `aws_iam_user`, `aws_iam_group`, `aws_iam_instance_profile`, inline
//! policies declared on their own (`aws_iam_role_policy`, `_user_policy`, `_group_policy`),
//! attachments (`aws_iam_*_policy_attachment`, `aws_iam_policy_attachment`) and group
//! memberships. Policy documents are the JSON strings of `policy` and `assume_role_policy`.

use super::place::computed;
use super::resources::{err, Tf, R};
use crate::iac::services::{IdentityKind, IdentityRef};
use crate::iac::Assembly;
use koban_model as m;

/// The policy document (a JSON string) under `key`.
/// A document the plan does not know yet (`jsonencode` of attributes computed at apply) is
/// known only after apply: its configuration's references name the attributes, not the
/// document.
pub fn document(t: &Tf, key: &str) -> R<Option<m::PolicyText>> {
    let Some(text) = t.s(key)? else { return Ok(None) };
    let known = t.inst.values.get(key).is_some_and(|v| v.as_str().is_some());
    if !known && !serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|v| v.is_object()) {
        return Err(super::resources::Err { message: format!("{key} is known only after apply"), deploy_time: true });
    }
    let origin = m::Origin::new(t.inst.origin.file.clone(), format!("{}.{key}", t.inst.address));
    crate::snapshot::access::fields::document(&serde_json::Value::String(text), origin).map(Some).map_err(|e| err(format!("{key}: {e}")))
}

fn required_document(t: &Tf, key: &str) -> R<m::PolicyText> {
    document(t, key)?.ok_or_else(|| err(format!("{key} is required")))
}

fn arn(t: &Tf) -> String {
    match t.s("arn").ok().flatten() {
        Some(a) => a,
        None => computed(t.doc, t.inst, "arn").unwrap_or_default(),
    }
}

fn account(t: &Tf) -> String {
    t.placement().account.unwrap_or_default()
}

fn path(t: &Tf) -> R<String> {
    Ok(t.s("path")?.unwrap_or_else(|| "/".into()))
}

fn name(t: &Tf) -> R<String> {
    Ok(t.s("name")?.unwrap_or_else(|| t.inst.address.to_string()))
}

fn attached(t: &Tf) -> R<Vec<m::AttachedPolicy>> {
    Ok(t.list("managed_policy_arns")?
        .into_iter()
        .map(|arn| m::AttachedPolicy { name: arn.rsplit('/').next().unwrap_or(&arn).to_string(), arn })
        .collect())
}

pub fn role(t: &Tf, a: &mut Assembly) -> R<()> {
    let mut inline_policies = Vec::new();
    for b in t.blocks("inline_policy") {
        if let (Some(n), Some(d)) = (b.s("name")?, document(&b, "policy")?) {
            inline_policies.push(m::InlinePolicy { name: n, document: d });
        }
    }
    a.iam_role(m::IamRole {
        arn: arn(t),
        name: name(t)?,
        id: t.s("unique_id")?,
        path: path(t)?,
        account: account(t),
        trust_policy: Some(required_document(t, "assume_role_policy")?),
        inline_policies,
        attached_policies: attached(t)?,
        permissions_boundary: t.s("permissions_boundary")?,
        tags: t.tags(),
        origin: t.origin(),
    });
    Ok(())
}

pub fn user(t: &Tf, a: &mut Assembly) -> R<()> {
    a.iam_user(m::IamUser {
        arn: arn(t),
        name: name(t)?,
        id: t.s("unique_id")?,
        path: path(t)?,
        account: account(t),
        groups: Vec::new(),
        inline_policies: Vec::new(),
        attached_policies: Vec::new(),
        permissions_boundary: t.s("permissions_boundary")?,
        tags: t.tags(),
        origin: t.origin(),
    });
    Ok(())
}

pub fn group(t: &Tf, a: &mut Assembly) -> R<()> {
    a.iam_group(m::IamGroup {
        arn: arn(t),
        name: name(t)?,
        id: t.s("unique_id")?,
        path: path(t)?,
        account: account(t),
        inline_policies: Vec::new(),
        attached_policies: Vec::new(),
        origin: t.origin(),
    });
    Ok(())
}

pub fn managed_policy(t: &Tf, a: &mut Assembly) -> R<()> {
    a.managed_policy(m::ManagedPolicy {
        arn: arn(t),
        name: name(t)?,
        id: t.s("policy_id")?,
        path: path(t)?,
        account: account(t),
        default_version: Some("v1".into()),
        document: Some(required_document(t, "policy")?),
        attachment_count: None,
        origin: t.origin(),
    });
    Ok(())
}

pub fn instance_profile(t: &Tf, a: &mut Assembly) -> R<()> {
    let profile = arn(t);
    if let Some(role) = t.s("role")? {
        a.profile_role(&profile, &account(t), &role, &t.origin());
    }
    a.instance_profile(m::InstanceProfile {
        arn: profile,
        name: name(t)?,
        id: t.s("unique_id")?,
        path: path(t)?,
        account: account(t),
        roles: Vec::new(),
        origin: t.origin(),
    });
    Ok(())
}

fn kind_of(ty: &str) -> (IdentityKind, &'static str) {
    if ty.contains("_user_") {
        (IdentityKind::User, "user")
    } else if ty.contains("_group_") {
        (IdentityKind::Group, "group")
    } else {
        (IdentityKind::Role, "role")
    }
}

/// `aws_iam_role_policy`, `aws_iam_user_policy`, `aws_iam_group_policy`.
pub fn inline_policy(t: &Tf, a: &mut Assembly) -> R<()> {
    let (kind, key) = kind_of(&t.inst.ty);
    let to = IdentityRef { kind, account: account(t), name: t.req(key)? };
    let policy = m::InlinePolicy { name: name(t)?, document: required_document(t, "policy")? };
    a.inline_policy(to, policy, &t.origin());
    Ok(())
}

/// `aws_iam_role_policy_attachment`, `aws_iam_user_policy_attachment`,
/// `aws_iam_group_policy_attachment`.
pub fn attachment(t: &Tf, a: &mut Assembly) -> R<()> {
    let (kind, key) = kind_of(&t.inst.ty);
    let to = IdentityRef { kind, account: account(t), name: t.req(key)? };
    a.attach_policy(to, &t.req("policy_arn")?, &t.origin());
    Ok(())
}

/// `aws_iam_policy_attachment`: one policy, exclusively attached to the listed identities.
pub fn exclusive_attachment(t: &Tf, a: &mut Assembly) -> R<()> {
    let policy = t.req("policy_arn")?;
    for (key, kind) in [("roles", IdentityKind::Role), ("users", IdentityKind::User), ("groups", IdentityKind::Group)] {
        for n in t.list(key)? {
            a.attach_policy(IdentityRef { kind, account: account(t), name: n }, &policy, &t.origin());
        }
    }
    Ok(())
}

/// `aws_iam_group_membership` (one group, its users) and `aws_iam_user_group_membership`
/// (one user, its groups).
pub fn membership(t: &Tf, a: &mut Assembly) -> R<()> {
    if t.inst.ty == "aws_iam_group_membership" {
        let g = t.req("group")?;
        for u in t.list("users")? {
            a.group_member(&account(t), &u, &g, &t.origin());
        }
    } else {
        let u = t.req("user")?;
        for g in t.list("groups")? {
            a.group_member(&account(t), &u, &g, &t.origin());
        }
    }
    Ok(())
}
