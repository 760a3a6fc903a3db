//! IAM records: the four lists of `aws iam get-account-authorization-details`
//! (`UserDetailList`, `GroupDetailList`, `RoleDetailList`, `Policies`) and
//! `aws iam list-instance-profiles` (`InstanceProfiles`).

use super::fields::{self, document_at, list, optional, required, str_at, strings, tags};
use super::{push, AccessItem, Source};
use crate::snapshot::dispatch::FileItems;
use koban_model as m;
use serde_json::Value;

/// The account of an IAM ARN (`arn:aws:iam::ACCOUNT:…`), else the file's.
fn account_of(src: &Source, arn: &str) -> String {
    fields::arn_region_account(arn).1.or_else(|| src.account.map(str::to_string)).unwrap_or_default()
}

fn note_account(src: &Source, arn: &str, out: &mut FileItems) {
    let a = account_of(src, arn);
    if !a.is_empty() {
        push(out, AccessItem::IamAccount(a));
    }
}

/// `UserPolicyList` / `GroupPolicyList` / `RolePolicyList`: `[{PolicyName, PolicyDocument}]`.
fn inline_policies(src: &Source, v: &Value, pointer: &str, key: &str, owner: &str, out: &mut FileItems) -> Vec<m::InlinePolicy> {
    let mut res = Vec::new();
    for (i, p) in list(src, v, pointer, key, owner, out).iter().enumerate() {
        let at = format!("{pointer}/{key}/{i}");
        let Some(name) = str_at(p, "PolicyName") else {
            src.error(out, &format!("{at}/PolicyName"), "expected the inline policy's name (a string)".into(), Some(owner));
            continue;
        };
        match document_at(src, p, &at, "PolicyDocument", owner, out) {
            Some(document) => res.push(m::InlinePolicy { name: name.to_string(), document }),
            None if p.get("PolicyDocument").is_none() => {
                src.error(out, &format!("{at}/PolicyDocument"), format!("inline policy {name} has no PolicyDocument"), Some(owner))
            }
            None => {}
        }
    }
    res
}

/// `AttachedManagedPolicies`: `[{PolicyName, PolicyArn}]`.
fn attached_policies(src: &Source, v: &Value, pointer: &str, owner: &str, out: &mut FileItems) -> Vec<m::AttachedPolicy> {
    let mut res = Vec::new();
    for (i, p) in list(src, v, pointer, "AttachedManagedPolicies", owner, out).iter().enumerate() {
        match str_at(p, "PolicyArn") {
            Some(arn) => {
                res.push(m::AttachedPolicy { name: str_at(p, "PolicyName").unwrap_or_default().to_string(), arn: arn.to_string() })
            }
            None => src.error(
                out,
                &format!("{pointer}/AttachedManagedPolicies/{i}/PolicyArn"),
                "expected the attached policy's ARN (a string)".into(),
                Some(owner),
            ),
        }
    }
    res
}

/// `PermissionsBoundary`: `{PermissionsBoundaryType, PermissionsBoundaryArn}`.
fn boundary(src: &Source, v: &Value, pointer: &str, owner: &str, out: &mut FileItems) -> Option<String> {
    let b = v.get("PermissionsBoundary").filter(|b| !b.is_null())?;
    match str_at(b, "PermissionsBoundaryArn") {
        Some(arn) => Some(arn.to_string()),
        None => {
            src.error(
                out,
                &format!("{pointer}/PermissionsBoundary/PermissionsBoundaryArn"),
                "expected the permissions boundary's policy ARN (a string)".into(),
                Some(owner),
            );
            None
        }
    }
}

fn path_of(v: &Value) -> String {
    str_at(v, "Path").unwrap_or("/").to_string()
}

pub fn users(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(arr) = fields::array(src, v, "/UserDetailList", "IAM users", out) else { return };
    for (i, u) in arr.iter().enumerate() {
        let pointer = format!("/UserDetailList/{i}");
        let (Some(arn), Some(name)) =
            (required(src, u, &pointer, "Arn", "the user's ARN", out), required(src, u, &pointer, "UserName", "the user's name", out))
        else {
            continue;
        };
        note_account(src, arn, out);
        let user = m::IamUser {
            arn: arn.to_string(),
            name: name.to_string(),
            id: optional(src, u, &pointer, "UserId", arn, out),
            path: path_of(u),
            account: account_of(src, arn),
            groups: strings(src, u, &pointer, "GroupList", arn, out),
            inline_policies: inline_policies(src, u, &pointer, "UserPolicyList", arn, out),
            attached_policies: attached_policies(src, u, &pointer, arn, out),
            permissions_boundary: boundary(src, u, &pointer, arn, out),
            tags: tags(src, u, &pointer, arn, out),
            origin: src.origin(&pointer),
        };
        push(out, AccessItem::User(user));
    }
}

pub fn groups(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(arr) = fields::array(src, v, "/GroupDetailList", "IAM groups", out) else { return };
    for (i, g) in arr.iter().enumerate() {
        let pointer = format!("/GroupDetailList/{i}");
        let (Some(arn), Some(name)) =
            (required(src, g, &pointer, "Arn", "the group's ARN", out), required(src, g, &pointer, "GroupName", "the group's name", out))
        else {
            continue;
        };
        note_account(src, arn, out);
        let group = m::IamGroup {
            arn: arn.to_string(),
            name: name.to_string(),
            id: optional(src, g, &pointer, "GroupId", arn, out),
            path: path_of(g),
            account: account_of(src, arn),
            inline_policies: inline_policies(src, g, &pointer, "GroupPolicyList", arn, out),
            attached_policies: attached_policies(src, g, &pointer, arn, out),
            origin: src.origin(&pointer),
        };
        push(out, AccessItem::Group(group));
    }
}

/// The roles inside an instance profile record (their ARNs).
fn profile(src: &Source, p: &Value, pointer: &str, out: &mut FileItems) -> Option<m::InstanceProfile> {
    let arn = required(src, p, pointer, "Arn", "the instance profile's ARN", out)?;
    let mut roles = Vec::new();
    for (i, r) in list(src, p, pointer, "Roles", arn, out).iter().enumerate() {
        match str_at(r, "Arn") {
            Some(a) => roles.push(a.to_string()),
            None => src.error(out, &format!("{pointer}/Roles/{i}/Arn"), "expected the role's ARN (a string)".into(), Some(arn)),
        }
    }
    Some(m::InstanceProfile {
        arn: arn.to_string(),
        name: str_at(p, "InstanceProfileName").unwrap_or_default().to_string(),
        id: optional(src, p, pointer, "InstanceProfileId", arn, out),
        path: path_of(p),
        account: account_of(src, arn),
        roles,
        origin: src.origin(pointer),
    })
}

pub fn roles(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(arr) = fields::array(src, v, "/RoleDetailList", "IAM roles", out) else { return };
    for (i, r) in arr.iter().enumerate() {
        let pointer = format!("/RoleDetailList/{i}");
        let (Some(arn), Some(name)) =
            (required(src, r, &pointer, "Arn", "the role's ARN", out), required(src, r, &pointer, "RoleName", "the role's name", out))
        else {
            continue;
        };
        note_account(src, arn, out);
        let trust_policy = document_at(src, r, &pointer, "AssumeRolePolicyDocument", arn, out);
        if r.get("AssumeRolePolicyDocument").is_none() {
            src.error(
                out,
                &format!("{pointer}/AssumeRolePolicyDocument"),
                "missing AssumeRolePolicyDocument: expected the role's trust policy".into(),
                Some(arn),
            );
        }
        for (j, p) in list(src, r, &pointer, "InstanceProfileList", arn, out).iter().enumerate() {
            if let Some(x) = profile(src, p, &format!("{pointer}/InstanceProfileList/{j}"), out) {
                push(out, AccessItem::InstanceProfile(x));
            }
        }
        let role = m::IamRole {
            arn: arn.to_string(),
            name: name.to_string(),
            id: optional(src, r, &pointer, "RoleId", arn, out),
            path: path_of(r),
            account: account_of(src, arn),
            trust_policy,
            inline_policies: inline_policies(src, r, &pointer, "RolePolicyList", arn, out),
            attached_policies: attached_policies(src, r, &pointer, arn, out),
            permissions_boundary: boundary(src, r, &pointer, arn, out),
            tags: tags(src, r, &pointer, arn, out),
            origin: src.origin(&pointer),
        };
        push(out, AccessItem::Role(role));
    }
}

/// One managed policy of `Policies` (`get-account-authorization-details`, with
/// `PolicyVersionList`; `iam list-policies`, without).
pub fn managed_policy(src: &Source, p: &Value, pointer: &str, out: &mut FileItems) {
    let (Some(arn), Some(name)) =
        (required(src, p, pointer, "Arn", "the policy's ARN", out), required(src, p, pointer, "PolicyName", "the policy's name", out))
    else {
        return;
    };
    let default_version = optional(src, p, pointer, "DefaultVersionId", arn, out);
    let versions = list(src, p, pointer, "PolicyVersionList", arn, out);
    let mut document = None;
    for (j, ver) in versions.iter().enumerate() {
        let is_default = ver.get("IsDefaultVersion").and_then(Value::as_bool).unwrap_or(false)
            || (default_version.is_some() && str_at(ver, "VersionId") == default_version.as_deref());
        if is_default {
            document = document_at(src, ver, &format!("{pointer}/PolicyVersionList/{j}"), "Document", arn, out);
            break;
        }
    }
    if !versions.is_empty() && document.is_none() {
        src.error(
            out,
            &format!("{pointer}/PolicyVersionList"),
            "expected the default version's Document (a version with IsDefaultVersion true)".into(),
            Some(arn),
        );
    }
    let account = fields::arn_region_account(arn).1.unwrap_or_else(|| "aws".into());
    let item = AccessItem::ManagedPolicy(m::ManagedPolicy {
        arn: arn.to_string(),
        name: name.to_string(),
        id: optional(src, p, pointer, "PolicyId", arn, out),
        path: path_of(p),
        account,
        default_version,
        document,
        attachment_count: p.get("AttachmentCount").and_then(Value::as_u64),
        origin: src.origin(pointer),
    });
    push(out, item);
}

pub fn instance_profiles(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(arr) = fields::array(src, v, "/InstanceProfiles", "instance profiles", out) else { return };
    for (i, p) in arr.iter().enumerate() {
        if let Some(x) = profile(src, p, &format!("/InstanceProfiles/{i}"), out) {
            push(out, AccessItem::InstanceProfile(x));
        }
    }
}
