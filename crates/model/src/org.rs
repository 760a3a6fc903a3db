//! AWS Organizations: the organization, its root, the tree of organizational units, the
//! member accounts and where they sit, and the service control and resource control
//! policies with the roots, OUs and accounts they are attached to.

use crate::{Origin, PolicyText};
use serde::Serialize;
use std::collections::BTreeMap;

/// The organization itself (`describe-organization`).
#[derive(Debug, Clone, Serialize)]
pub struct OrganizationInfo {
    /// `o-…`: the value of `aws:PrincipalOrgID` / `aws:ResourceOrgID`.
    pub id: String,
    pub arn: Option<String>,
    pub management_account: Option<String>,
    pub feature_set: Option<String>,
    pub origin: Origin,
}

/// A policy type and whether it is enabled on a root (`SERVICE_CONTROL_POLICY`, `ENABLED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyTypeStatus {
    pub policy_type: String,
    pub status: String,
}

/// An organization root (`r-…`).
#[derive(Debug, Clone, Serialize)]
pub struct OrgRoot {
    pub id: String,
    pub arn: Option<String>,
    pub name: Option<String>,
    pub policy_types: Vec<PolicyTypeStatus>,
    pub origin: Origin,
}

impl OrgRoot {
    /// Whether policies of `kind` are enabled (attached policies take effect only then).
    pub fn enabled(&self, kind: OrgPolicyKind) -> bool {
        self.policy_types.iter().any(|p| p.policy_type == kind.as_str() && p.status == "ENABLED")
    }
}

/// An organizational unit (`ou-…`) and its parent (a root or another OU).
#[derive(Debug, Clone, Serialize)]
pub struct OrganizationalUnit {
    pub id: String,
    pub arn: Option<String>,
    pub name: Option<String>,
    /// The parent's id, from the file layout (`OrganizationalUnits/<parent-id>.json`).
    pub parent: Option<String>,
    pub origin: Origin,
}

/// A member account and its parent.
#[derive(Debug, Clone, Serialize)]
pub struct OrgAccount {
    pub id: String,
    pub arn: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    /// The parent's id (root or OU), from the file layout (`Accounts/<parent-id>.json`).
    pub parent: Option<String>,
    pub origin: Origin,
}

/// The kind of an organization policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrgPolicyKind {
    ServiceControlPolicy,
    ResourceControlPolicy,
    /// Tag, backup, AI opt-out, declarative and other management policies: no effect on
    /// authorization.
    Other,
}

impl OrgPolicyKind {
    /// The kind from the `Type` field Organizations prints.
    pub fn from_type(t: &str) -> OrgPolicyKind {
        match t {
            "SERVICE_CONTROL_POLICY" => OrgPolicyKind::ServiceControlPolicy,
            "RESOURCE_CONTROL_POLICY" => OrgPolicyKind::ResourceControlPolicy,
            _ => OrgPolicyKind::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrgPolicyKind::ServiceControlPolicy => "SERVICE_CONTROL_POLICY",
            OrgPolicyKind::ResourceControlPolicy => "RESOURCE_CONTROL_POLICY",
            OrgPolicyKind::Other => "OTHER",
        }
    }
}

/// A service control or resource control policy and its targets.
#[derive(Debug, Clone, Serialize)]
pub struct OrgPolicy {
    /// `p-…` (AWS managed: `p-FullAWSAccess`, `p-RCPFullAWSAccess`).
    pub id: String,
    pub arn: Option<String>,
    pub name: String,
    pub kind: OrgPolicyKind,
    pub aws_managed: bool,
    /// The policy document (`describe-policy` `Content`), when the snapshot has it.
    pub content: Option<PolicyText>,
    /// Ids of the roots, OUs and accounts it is attached to, when the snapshot has them
    /// (`PolicyTargets/<policy-id>.json`).
    pub targets: Option<Vec<String>>,
    pub origin: Origin,
}

/// Everything the twin knows of AWS Organizations.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Organizations {
    pub organization: Option<OrganizationInfo>,
    pub roots: BTreeMap<String, OrgRoot>,
    pub units: BTreeMap<String, OrganizationalUnit>,
    pub accounts: BTreeMap<String, OrgAccount>,
    pub policies: BTreeMap<String, OrgPolicy>,
}

impl Organizations {
    /// The ids from the root down to `account` (root, OUs, the account), or `None` when the
    /// account or one of its ancestors is not placed in the tree.
    pub fn path_of_account(&self, account: &str) -> Option<Vec<String>> {
        let mut path = vec![account.to_string()];
        let mut parent = self.accounts.get(account)?.parent.clone()?;
        for _ in 0..32 {
            path.push(parent.clone());
            if self.roots.contains_key(&parent) || parent.starts_with("r-") {
                path.reverse();
                return Some(path);
            }
            parent = self.units.get(&parent)?.parent.clone()?;
        }
        None
    }

    /// `aws:PrincipalOrgPaths` / `aws:ResourceOrgPaths` of an account:
    /// `o-…/r-…/ou-…/…/` (the path of its parent OU).
    pub fn org_path(&self, account: &str) -> Option<String> {
        let org = self.organization.as_ref()?;
        let path = self.path_of_account(account)?;
        let mut out = org.id.clone();
        for id in &path[..path.len().saturating_sub(1)] {
            out.push('/');
            out.push_str(id);
        }
        out.push('/');
        Some(out)
    }

    /// Whether `account` is the management account (exempt from SCPs and RCPs).
    pub fn is_management_account(&self, account: &str) -> bool {
        self.organization.as_ref().and_then(|o| o.management_account.as_deref()) == Some(account)
    }

    /// Whether the organization has `kind` policies enabled on its root (true when no root
    /// is in the snapshot but such policies are attached somewhere).
    pub fn enabled(&self, kind: OrgPolicyKind) -> bool {
        if self.roots.is_empty() {
            return self.policies.values().any(|p| p.kind == kind && p.targets.as_ref().is_some_and(|t| !t.is_empty()));
        }
        self.roots.values().any(|r| r.enabled(kind))
    }

    /// Policies of `kind` attached to `target`, in id order.
    pub fn attached(&self, kind: OrgPolicyKind, target: &str) -> Vec<&OrgPolicy> {
        self.policies.values().filter(|p| p.kind == kind && p.targets.as_ref().is_some_and(|t| t.iter().any(|x| x == target))).collect()
    }

    /// True when the twin holds no Organizations data.
    pub fn is_empty(&self) -> bool {
        self.organization.is_none()
            && self.roots.is_empty()
            && self.units.is_empty()
            && self.accounts.is_empty()
            && self.policies.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Organizations {
        let mut o = Organizations {
            organization: Some(OrganizationInfo {
                id: "o-a1b2c3d4e5".into(),
                arn: None,
                management_account: Some("999999999999".into()),
                feature_set: Some("ALL".into()),
                origin: Origin::default(),
            }),
            ..Organizations::default()
        };
        o.roots.insert(
            "r-ab12".into(),
            OrgRoot { id: "r-ab12".into(), arn: None, name: None, policy_types: vec![], origin: Origin::default() },
        );
        for (id, parent) in [("ou-ab12-11111111", "r-ab12"), ("ou-ab12-22222222", "ou-ab12-11111111")] {
            o.units.insert(
                id.into(),
                OrganizationalUnit { id: id.into(), arn: None, name: None, parent: Some(parent.into()), origin: Origin::default() },
            );
        }
        o.accounts.insert(
            "111111111111".into(),
            OrgAccount {
                id: "111111111111".into(),
                arn: None,
                name: None,
                status: None,
                parent: Some("ou-ab12-22222222".into()),
                origin: Origin::default(),
            },
        );
        o
    }

    #[test]
    fn paths_from_root_to_account() {
        let o = org();
        assert_eq!(
            o.path_of_account("111111111111"),
            Some(vec!["r-ab12".into(), "ou-ab12-11111111".into(), "ou-ab12-22222222".into(), "111111111111".into()])
        );
        assert_eq!(o.org_path("111111111111").as_deref(), Some("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/"));
        assert_eq!(o.path_of_account("222222222222"), None);
        assert!(o.is_management_account("999999999999"));
    }
}
