//! IAM (`aws iam get-account-authorization-details`, `list-instance-profiles`), Secrets
//! Manager (`list-secrets`, `get-resource-policy`: the policy, never a value) and AWS
//! Organizations (`describe-organization`, `list-roots`, `list-*-for-parent`,
//! `list-policies`, `describe-policy`, `list-targets-for-policy`), and the key and bucket
//! policies of KMS (`get-key-policy`) and S3 (`get-bucket-policy`).

use super::{iam_document, time, Obj};
use aws_sdk_iam::types as iam;
use aws_sdk_organizations::types as org;
use aws_sdk_secretsmanager::types as sm;
use serde_json::Value;

fn iam_tags(o: Obj, tags: &[iam::Tag]) -> Obj {
    o.list("Tags", tags, |x| Obj::new().s("Key", Some(x.key())).s("Value", Some(x.value())).build())
}

fn inline(p: &iam::PolicyDetail) -> Value {
    Obj::new().s("PolicyName", p.policy_name()).v("PolicyDocument", iam_document(p.policy_document())).build()
}

fn attached(p: &iam::AttachedPolicy) -> Value {
    Obj::new().s("PolicyName", p.policy_name()).s("PolicyArn", p.policy_arn()).build()
}

fn boundary(b: Option<&iam::AttachedPermissionsBoundary>) -> Option<Value> {
    b.map(|b| {
        Obj::new()
            .e("PermissionsBoundaryType", b.permissions_boundary_type())
            .s("PermissionsBoundaryArn", b.permissions_boundary_arn())
            .build()
    })
}

fn role(r: &iam::Role) -> Value {
    let o = Obj::new()
        .s("Path", Some(r.path()))
        .s("RoleName", Some(r.role_name()))
        .s("RoleId", Some(r.role_id()))
        .s("Arn", Some(r.arn()))
        .v("AssumeRolePolicyDocument", iam_document(r.assume_role_policy_document()));
    iam_tags(o, r.tags()).build()
}

pub fn instance_profile(p: &iam::InstanceProfile) -> Value {
    Obj::new()
        .s("Path", Some(p.path()))
        .s("InstanceProfileName", Some(p.instance_profile_name()))
        .s("InstanceProfileId", Some(p.instance_profile_id()))
        .s("Arn", Some(p.arn()))
        .list("Roles", p.roles(), role)
        .build()
}

pub fn user(u: &iam::UserDetail) -> Value {
    let o = Obj::new()
        .s("Path", u.path())
        .s("UserName", u.user_name())
        .s("UserId", u.user_id())
        .s("Arn", u.arn())
        .list("UserPolicyList", u.user_policy_list(), inline)
        .strs("GroupList", u.group_list())
        .list("AttachedManagedPolicies", u.attached_managed_policies(), attached)
        .v("PermissionsBoundary", boundary(u.permissions_boundary()));
    iam_tags(o, u.tags()).build()
}

pub fn group(g: &iam::GroupDetail) -> Value {
    Obj::new()
        .s("Path", g.path())
        .s("GroupName", g.group_name())
        .s("GroupId", g.group_id())
        .s("Arn", g.arn())
        .list("GroupPolicyList", g.group_policy_list(), inline)
        .list("AttachedManagedPolicies", g.attached_managed_policies(), attached)
        .build()
}

pub fn role_detail(r: &iam::RoleDetail) -> Value {
    let o = Obj::new()
        .s("Path", r.path())
        .s("RoleName", r.role_name())
        .s("RoleId", r.role_id())
        .s("Arn", r.arn())
        .v("AssumeRolePolicyDocument", iam_document(r.assume_role_policy_document()))
        .list("InstanceProfileList", r.instance_profile_list(), instance_profile)
        .list("RolePolicyList", r.role_policy_list(), inline)
        .list("AttachedManagedPolicies", r.attached_managed_policies(), attached)
        .v("PermissionsBoundary", boundary(r.permissions_boundary()));
    iam_tags(o, r.tags()).build()
}

pub fn managed_policy(p: &iam::ManagedPolicyDetail) -> Value {
    Obj::new()
        .s("PolicyName", p.policy_name())
        .s("PolicyId", p.policy_id())
        .s("Arn", p.arn())
        .s("Path", p.path())
        .s("DefaultVersionId", p.default_version_id())
        .i("AttachmentCount", p.attachment_count())
        .b("IsAttachable", Some(p.is_attachable()))
        .list("PolicyVersionList", p.policy_version_list(), |v| {
            Obj::new()
                .v("Document", iam_document(v.document()))
                .s("VersionId", v.version_id())
                .b("IsDefaultVersion", Some(v.is_default_version()))
                .v("CreateDate", time(v.create_date()))
                .build()
        })
        .build()
}

/// One `list-secrets` entry: metadata only (the API returns no value).
pub fn secret(s: &sm::SecretListEntry) -> Value {
    Obj::new()
        .s("ARN", s.arn())
        .s("Name", s.name())
        .s("Description", s.description())
        .s("KmsKeyId", s.kms_key_id())
        .b("RotationEnabled", s.rotation_enabled())
        .s("OwningService", s.owning_service())
        .s("PrimaryRegion", s.primary_region())
        .list("Tags", s.tags(), |x| Obj::new().s("Key", x.key()).s("Value", x.value()).build())
        .build()
}

/// `kms get-key-policy`: `{"Policy": "…", "PolicyName": "default"}` (the key is named by the
/// file).
pub fn key_policy(policy: Option<&str>, name: Option<&str>) -> Value {
    Obj::new().s("Policy", policy).s("PolicyName", name).build()
}

/// `s3api get-bucket-policy`: `{"Policy": "…"}` (the bucket is named by the file).
pub fn bucket_policy(policy: Option<&str>) -> Value {
    Obj::new().s("Policy", policy).build()
}

/// `get-resource-policy`: `ARN`, `Name` and, when the secret has one, `ResourcePolicy`.
pub fn secret_policy(arn: Option<&str>, name: Option<&str>, policy: Option<&str>) -> Value {
    Obj::new().s("ARN", arn).s("Name", name).s("ResourcePolicy", policy).build()
}

pub fn organization(o: &org::Organization) -> Value {
    Obj::new()
        .s("Id", o.id())
        .s("Arn", o.arn())
        .e("FeatureSet", o.feature_set())
        .s("MasterAccountArn", o.master_account_arn())
        .s("MasterAccountId", o.master_account_id())
        .list("AvailablePolicyTypes", o.available_policy_types(), |p| Obj::new().e("Type", p.r#type()).e("Status", p.status()).build())
        .build()
}

pub fn root(r: &org::Root) -> Value {
    Obj::new()
        .s("Id", r.id())
        .s("Arn", r.arn())
        .s("Name", r.name())
        .list("PolicyTypes", r.policy_types(), |p| Obj::new().e("Type", p.r#type()).e("Status", p.status()).build())
        .build()
}

pub fn unit(u: &org::OrganizationalUnit) -> Value {
    Obj::new().s("Id", u.id()).s("Arn", u.arn()).s("Name", u.name()).build()
}

pub fn account(a: &org::Account) -> Value {
    Obj::new()
        .s("Id", a.id())
        .s("Arn", a.arn())
        .s("Email", a.email())
        .s("Name", a.name())
        .e("Status", a.status())
        .e("JoinedMethod", a.joined_method())
        .v("JoinedTimestamp", time(a.joined_timestamp()))
        .build()
}

fn summary(p: &org::PolicySummary) -> Obj {
    Obj::new()
        .s("Id", p.id())
        .s("Arn", p.arn())
        .s("Name", p.name())
        .s("Description", p.description())
        .e("Type", p.r#type())
        .b("AwsManaged", Some(p.aws_managed()))
}

pub fn policy_summary(p: &org::PolicySummary) -> Value {
    summary(p).build()
}

/// `describe-policy`: `{"PolicySummary": …, "Content": "…"}` (the value of the top-level
/// `Policy` key).
pub fn policy(p: &org::Policy) -> Value {
    Obj::new().v("PolicySummary", p.policy_summary().map(policy_summary)).s("Content", p.content()).build()
}

pub fn target(t: &org::PolicyTargetSummary) -> Value {
    Obj::new().s("TargetId", t.target_id()).s("Arn", t.arn()).s("Name", t.name()).e("Type", t.r#type()).build()
}
