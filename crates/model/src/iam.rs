//! IAM principals and the policies attached to them: users, groups, roles (with their trust
//! policies), customer and AWS managed policies (with their default version's document),
//! permissions boundaries and instance profiles. Policy documents are kept as the JSON text
//! AWS returns (URL-decoded), each with the place it was read, so that the policy engine can
//! parse them and report a bad one with its file and JSON path.

use crate::{Origin, Tags};
use serde::Serialize;
use std::collections::BTreeMap;

/// A policy document as AWS returns it: JSON text, with where it was read (the file and the
/// JSON pointer of the document inside it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyText {
    pub text: String,
    pub origin: Origin,
    /// True when the snapshot held the document as a JSON string (URL-encoded or not), so
    /// paths inside the document are relative to that string rather than continuing
    /// `origin.location`.
    pub in_string: bool,
}

impl PolicyText {
    /// Where a part of the document is: the file, and the JSON path of the document
    /// followed by the path inside it.
    pub fn origin_of(&self, inner: &str) -> Origin {
        let location = if self.in_string && !inner.is_empty() {
            format!("{} (inside the document: {inner})", self.origin.location)
        } else {
            format!("{}{inner}", self.origin.location)
        };
        Origin::new(self.origin.file.clone(), location)
    }
}

/// An inline policy embedded in a user, group or role.
#[derive(Debug, Clone, Serialize)]
pub struct InlinePolicy {
    pub name: String,
    pub document: PolicyText,
}

/// A managed policy attached to a user, group or role (`AttachedManagedPolicies`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachedPolicy {
    pub name: String,
    pub arn: String,
}

/// An IAM user.
#[derive(Debug, Clone, Serialize)]
pub struct IamUser {
    pub arn: String,
    pub name: String,
    /// The unique id (`AIDA…`), the value of `aws:userid`.
    pub id: Option<String>,
    pub path: String,
    pub account: String,
    /// Names of the groups the user belongs to (groups of the same account).
    pub groups: Vec<String>,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_policies: Vec<AttachedPolicy>,
    /// ARN of the managed policy used as permissions boundary.
    pub permissions_boundary: Option<String>,
    pub tags: Tags,
    pub origin: Origin,
}

/// An IAM group.
#[derive(Debug, Clone, Serialize)]
pub struct IamGroup {
    pub arn: String,
    pub name: String,
    pub id: Option<String>,
    pub path: String,
    pub account: String,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_policies: Vec<AttachedPolicy>,
    pub origin: Origin,
}

/// An IAM role.
#[derive(Debug, Clone, Serialize)]
pub struct IamRole {
    pub arn: String,
    pub name: String,
    /// The unique id (`AROA…`); `aws:userid` of a session is `ROLEID:session-name`.
    pub id: Option<String>,
    pub path: String,
    pub account: String,
    /// The trust policy (`AssumeRolePolicyDocument`).
    pub trust_policy: Option<PolicyText>,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_policies: Vec<AttachedPolicy>,
    /// ARN of the managed policy used as permissions boundary.
    pub permissions_boundary: Option<String>,
    pub tags: Tags,
    pub origin: Origin,
}

impl IamRole {
    /// Service-linked roles (path `/aws-service-role/`) are not restricted by SCPs.
    pub fn is_service_linked(&self) -> bool {
        self.path.starts_with("/aws-service-role/")
    }
}

/// A managed policy (customer managed, or AWS managed with account `aws`).
#[derive(Debug, Clone, Serialize)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub id: Option<String>,
    pub path: String,
    /// The owning account id, or `aws` for AWS managed policies.
    pub account: String,
    pub default_version: Option<String>,
    /// The default version's document, when the snapshot has it.
    pub document: Option<PolicyText>,
    pub attachment_count: Option<u64>,
    pub origin: Origin,
}

/// An instance profile: the container that passes a role to EC2 instances.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceProfile {
    pub arn: String,
    pub name: String,
    pub id: Option<String>,
    pub path: String,
    pub account: String,
    /// ARNs of the roles in the profile (AWS allows one).
    pub roles: Vec<String>,
    pub origin: Origin,
}

/// Every IAM entity of every account in the twin, keyed by ARN.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Iam {
    pub users: BTreeMap<String, IamUser>,
    pub groups: BTreeMap<String, IamGroup>,
    pub roles: BTreeMap<String, IamRole>,
    pub policies: BTreeMap<String, ManagedPolicy>,
    pub instance_profiles: BTreeMap<String, InstanceProfile>,
    /// Accounts whose IAM data (`get-account-authorization-details`) is in the twin.
    pub accounts: Vec<String>,
}

impl Iam {
    /// The group of `account` named `name`.
    pub fn group_named(&self, account: &str, name: &str) -> Option<&IamGroup> {
        self.groups.values().find(|g| g.account == account && g.name == name)
    }

    /// The role of `account` named `name` (role names are unique per account, whatever the
    /// path).
    pub fn role_named(&self, account: &str, name: &str) -> Option<&IamRole> {
        self.roles.values().find(|r| r.account == account && r.name == name)
    }

    /// The role an instance profile passes to its instances.
    pub fn role_of_instance_profile(&self, profile_arn: &str) -> Option<&IamRole> {
        let profile = self.instance_profiles.get(profile_arn)?;
        profile.roles.iter().find_map(|r| self.roles.get(r))
    }

    /// Total number of IAM entities and managed policies.
    pub fn len(&self) -> usize {
        self.users.len() + self.groups.len() + self.roles.len() + self.policies.len() + self.instance_profiles.len()
    }

    /// True when the twin holds no IAM data.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
