//! IAM: roles (trust policy, inline `Policies`, `ManagedPolicyArns`, permissions boundary),
//! customer managed policies and the identities they name, inline policies declared on their
//! own (`AWS::IAM::Policy`, `RolePolicy`, `UserPolicy`, `GroupPolicy`), users (with their
//! groups), groups, instance profiles and `UserToGroupAddition`.

use super::{document, Res, R};
use crate::cloudformation::service_attributes::{iam_entity_arn, name_or};
use crate::iac::services::{IdentityKind, IdentityRef};
use crate::iac::Assembly;
use koban_model as m;

fn arn(r: &Res) -> String {
    iam_entity_arn(&r.r.ty, &r.r.base, Some(&r.r.props), &r.r.place).unwrap_or_default()
}

fn path(r: &Res) -> R<String> {
    Ok(r.opt("Path")?.unwrap_or_else(|| "/".into()))
}

/// `Policies: [{PolicyName, PolicyDocument}]` of a role, user or group.
fn inline(r: &Res) -> R<Vec<m::InlinePolicy>> {
    let mut out = Vec::new();
    for p in r.items("Policies")? {
        let name = super::text(p.get("PolicyName"), "Policies.PolicyName", p.pos)?
            .ok_or_else(|| r.err(p.pos, "Policies: every policy needs a PolicyName"))?;
        let doc = super::document_of(r, p.get("PolicyDocument"), "Policies.PolicyDocument")?
            .ok_or_else(|| r.err(p.pos, format!("policy {name} needs a PolicyDocument")))?;
        out.push(m::InlinePolicy { name, document: doc });
    }
    Ok(out)
}

fn attached(r: &Res) -> R<Vec<m::AttachedPolicy>> {
    Ok(r.list("ManagedPolicyArns")?
        .into_iter()
        .map(|arn| m::AttachedPolicy { name: arn.rsplit('/').next().unwrap_or(&arn).to_string(), arn })
        .collect())
}

pub fn role(r: &Res, a: &mut Assembly) -> R<()> {
    let trust_policy = document(r, "AssumeRolePolicyDocument")?;
    if trust_policy.is_none() {
        return Err(r.err(r.r.origin_pos(), "AssumeRolePolicyDocument is required"));
    }
    a.iam_role(m::IamRole {
        arn: arn(r),
        name: name_or(Some(&r.r.props), "RoleName", &r.r.base),
        id: None,
        path: path(r)?,
        account: r.r.place.account.clone(),
        trust_policy,
        inline_policies: inline(r)?,
        attached_policies: attached(r)?,
        permissions_boundary: r.opt("PermissionsBoundary")?,
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn user(r: &Res, a: &mut Assembly) -> R<()> {
    a.iam_user(m::IamUser {
        arn: arn(r),
        name: name_or(Some(&r.r.props), "UserName", &r.r.base),
        id: None,
        path: path(r)?,
        account: r.r.place.account.clone(),
        groups: r.list("Groups")?,
        inline_policies: inline(r)?,
        attached_policies: attached(r)?,
        permissions_boundary: r.opt("PermissionsBoundary")?,
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn group(r: &Res, a: &mut Assembly) -> R<()> {
    a.iam_group(m::IamGroup {
        arn: arn(r),
        name: name_or(Some(&r.r.props), "GroupName", &r.r.base),
        id: None,
        path: path(r)?,
        account: r.r.place.account.clone(),
        inline_policies: inline(r)?,
        attached_policies: attached(r)?,
        origin: r.origin(),
    });
    Ok(())
}

fn identities(r: &Res, key: &str, kind: IdentityKind) -> R<Vec<IdentityRef>> {
    Ok(r.list(key)?.into_iter().map(|name| IdentityRef { kind, account: r.r.place.account.clone(), name }).collect())
}

/// `Roles`, `Users` and `Groups` a policy is attached to or embedded in.
fn targets(r: &Res) -> R<Vec<IdentityRef>> {
    let mut out = identities(r, "Roles", IdentityKind::Role)?;
    out.extend(identities(r, "Users", IdentityKind::User)?);
    out.extend(identities(r, "Groups", IdentityKind::Group)?);
    Ok(out)
}

pub fn managed_policy(r: &Res, a: &mut Assembly) -> R<()> {
    let policy_arn = arn(r);
    let doc = document(r, "PolicyDocument")?.ok_or_else(|| r.err(r.r.origin_pos(), "PolicyDocument is required"))?;
    for t in targets(r)? {
        a.attach_policy(t, &policy_arn, &r.origin());
    }
    a.managed_policy(m::ManagedPolicy {
        arn: policy_arn,
        name: name_or(Some(&r.r.props), "ManagedPolicyName", &r.r.base),
        id: None,
        path: path(r)?,
        account: r.r.place.account.clone(),
        default_version: Some("v1".into()),
        document: Some(doc),
        attachment_count: None,
        origin: r.origin(),
    });
    Ok(())
}

/// `AWS::IAM::Policy` (`Roles`, `Users`, `Groups`) and `RolePolicy`/`UserPolicy`/`GroupPolicy`
/// (`RoleName`, `UserName`, `GroupName`): the same inline policy in each identity.
pub fn inline_policy(r: &Res, a: &mut Assembly) -> R<()> {
    let name = r.req("PolicyName")?;
    let doc = document(r, "PolicyDocument")?.ok_or_else(|| r.err(r.r.origin_pos(), "PolicyDocument is required"))?;
    let mut to = targets(r)?;
    for (key, kind) in [("RoleName", IdentityKind::Role), ("UserName", IdentityKind::User), ("GroupName", IdentityKind::Group)] {
        if let Some(n) = r.opt(key)? {
            to.push(IdentityRef { kind, account: r.r.place.account.clone(), name: n });
        }
    }
    if to.is_empty() {
        return Err(r.err(r.r.origin_pos(), "the policy names no role, user or group"));
    }
    for t in to {
        a.inline_policy(t, m::InlinePolicy { name: name.clone(), document: doc.clone() }, &r.origin());
    }
    Ok(())
}

pub fn instance_profile(r: &Res, a: &mut Assembly) -> R<()> {
    let profile = arn(r);
    for role in r.list("Roles")? {
        a.profile_role(&profile, &r.r.place.account, &role, &r.origin());
    }
    a.instance_profile(m::InstanceProfile {
        arn: profile,
        name: name_or(Some(&r.r.props), "InstanceProfileName", &r.r.base),
        id: None,
        path: path(r)?,
        account: r.r.place.account.clone(),
        roles: Vec::new(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn user_to_group(r: &Res, a: &mut Assembly) -> R<()> {
    let group = r.req("GroupName")?;
    for u in r.list("Users")? {
        a.group_member(&r.r.place.account, &u, &group, &r.origin());
    }
    Ok(())
}
