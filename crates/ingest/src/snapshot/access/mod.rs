//! Reading who may do what: IAM (`get-account-authorization-details`,
//! `list-instance-profiles`), AWS Organizations (`describe-organization`, `list-roots`,
//! `list-organizational-units-for-parent`, `list-accounts[-for-parent]`, `list-policies`,
//! `describe-policy`, `list-targets-for-policy`) and resource-based policies (Secrets
//! Manager, S3, KMS, EventBridge). Records are read field by field from the JSON so that
//! every problem names its exact JSON path; a bad field costs only itself, and the record it
//! belongs to is named in the diagnostic so that answers touching it list it as unknown.
//! Policy documents are kept as JSON text (URL-decoded when AWS encoded them), never parsed
//! here: the policy engine reads them.

pub(crate) mod fields;
mod iam;
mod org;
mod resources;

use super::dispatch::{FileItems, Item};
use super::insert_unique;
pub use super::source::Source;
use koban_model as m;
use koban_model::{Diagnostic, Origin, Severity, Twin};
use serde_json::{Map, Value};

/// One record read by this module.
pub enum AccessItem {
    User(m::IamUser),
    Group(m::IamGroup),
    Role(m::IamRole),
    ManagedPolicy(m::ManagedPolicy),
    InstanceProfile(m::InstanceProfile),
    /// An account whose `get-account-authorization-details` output is in the snapshot.
    IamAccount(String),
    Secret(m::Secret),
    /// `get-resource-policy`: the policy of a secret (absent when it has none).
    SecretPolicy {
        arn: String,
        name: String,
        policy: Option<m::PolicyText>,
        origin: Origin,
    },
    Bucket(m::Bucket),
    Key(m::KmsKey),
    EventBus(m::EventBus),
    Organization(m::OrganizationInfo),
    Root(m::OrgRoot),
    Unit(m::OrganizationalUnit),
    Account(m::OrgAccount),
    OrgPolicy(m::OrgPolicy),
    /// `list-targets-for-policy` of one policy.
    PolicyTargets {
        policy: String,
        targets: Vec<String>,
        origin: Origin,
    },
}

fn push(out: &mut FileItems, item: AccessItem) {
    out.items.push(Item::Access(Box::new(item)));
}

/// Files whose meaning depends on several top-level keys or on their layout: Secrets
/// Manager `get-resource-policy` (`ARN`, `Name`, `ResourcePolicy`), S3 `get-bucket-policy`
/// and KMS `get-key-policy` (`Policy` as a string) and Organizations `describe-policy`
/// (`Policy` as an object). Returns true when the file was one of them.
pub fn read_object(src: &Source, obj: &Map<String, Value>, out: &mut FileItems) -> bool {
    if obj.contains_key("ARN") && obj.contains_key("Name") && obj.keys().all(|k| matches!(k.as_str(), "ARN" | "Name" | "ResourcePolicy")) {
        resources::secret_policy(src, obj, out);
        return true;
    }
    match obj.get("Policy") {
        Some(Value::String(_)) if obj.keys().all(|k| matches!(k.as_str(), "Policy" | "PolicyName")) => {
            resources::bucket_or_key_policy(src, obj, out);
            true
        }
        Some(Value::Object(p)) if obj.len() == 1 => {
            org::describe_policy(src, p, out);
            true
        }
        _ => false,
    }
}

/// One top-level key this module reads; false when the key is not one of its keys.
pub fn read_key(src: &Source, key: &str, v: &Value, out: &mut FileItems) -> bool {
    match key {
        "UserDetailList" => iam::users(src, v, out),
        "GroupDetailList" => iam::groups(src, v, out),
        "RoleDetailList" => iam::roles(src, v, out),
        "Policies" => policies(src, v, out),
        "InstanceProfiles" => iam::instance_profiles(src, v, out),
        "IsTruncated" | "Marker" => {}
        "SecretList" => resources::secrets(src, v, out),
        "EventBuses" => resources::event_buses(src, v, out),
        "Organization" => org::organization(src, v, out),
        "Roots" => org::roots(src, v, out),
        "OrganizationalUnits" => org::units(src, v, out),
        "Accounts" => org::accounts(src, v, out),
        "Targets" => org::targets(src, v, out),
        _ => return false,
    }
    true
}

/// `Policies`: IAM managed policies (`get-account-authorization-details`,
/// `iam list-policies`: items with `PolicyName`) or Organizations policy summaries
/// (`organizations list-policies`: items with `Id` and `Type`).
fn policies(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(arr) = fields::array(src, v, "/Policies", "policies", out) else { return };
    for (i, p) in arr.iter().enumerate() {
        let pointer = format!("/Policies/{i}");
        if p.get("PolicyName").is_some() {
            iam::managed_policy(src, p, &pointer, out);
        } else if p.get("Type").is_some() && p.get("Id").is_some() {
            org::policy_summary(src, p, &pointer, out);
        } else {
            src.error(
                out,
                &pointer,
                "expected an IAM managed policy (with PolicyName) or an Organizations policy summary (with Id and Type)".into(),
                fields::str_at(p, "Arn"),
            );
        }
    }
}

/// Records that must meet others before they are complete: secrets and their policies,
/// organization policies and their targets.
#[derive(Default)]
pub struct Pending {
    secret_policies: Vec<(String, String, Option<m::PolicyText>, Origin)>,
    targets: Vec<(String, Vec<String>, Origin)>,
}

impl Pending {
    /// Put one record into the twin (merging with what is already there).
    pub fn add(&mut self, t: &mut Twin, item: AccessItem) {
        let d = &mut t.diagnostics;
        match item {
            AccessItem::User(x) => {
                let o = x.origin.clone();
                insert_unique(&mut t.iam.users, d, x.arn.clone(), x, &o, "IAM user")
            }
            AccessItem::Group(x) => {
                let o = x.origin.clone();
                insert_unique(&mut t.iam.groups, d, x.arn.clone(), x, &o, "IAM group")
            }
            AccessItem::Role(x) => {
                let o = x.origin.clone();
                insert_unique(&mut t.iam.roles, d, x.arn.clone(), x, &o, "IAM role")
            }
            AccessItem::ManagedPolicy(x) => match t.iam.policies.get_mut(&x.arn) {
                // AWS managed policies appear in every account's output; a listing without
                // the document (`iam list-policies`) meets the full record.
                Some(existing) if existing.document.is_none() => *existing = x,
                Some(_) if x.account == "aws" || x.document.is_none() => {}
                Some(_) => {
                    let o = x.origin.clone();
                    insert_unique(&mut t.iam.policies, d, x.arn.clone(), x, &o, "managed policy")
                }
                None => {
                    t.iam.policies.insert(x.arn.clone(), x);
                }
            },
            AccessItem::InstanceProfile(x) => match t.iam.instance_profiles.get_mut(&x.arn) {
                Some(existing) => {
                    for r in x.roles {
                        if !existing.roles.contains(&r) {
                            existing.roles.push(r);
                        }
                    }
                }
                None => {
                    t.iam.instance_profiles.insert(x.arn.clone(), x);
                }
            },
            AccessItem::IamAccount(a) => {
                if !t.iam.accounts.contains(&a) {
                    t.iam.accounts.push(a);
                    t.iam.accounts.sort();
                }
            }
            AccessItem::Secret(x) => match t.resource_policies.secrets.get_mut(&x.arn) {
                Some(existing) => {
                    if existing.tags.is_empty() {
                        existing.tags = x.tags;
                    }
                    if existing.kms_key_id.is_none() {
                        existing.kms_key_id = x.kms_key_id;
                    }
                }
                None => {
                    t.resource_policies.secrets.insert(x.arn.clone(), x);
                }
            },
            AccessItem::SecretPolicy { arn, name, policy, origin } => self.secret_policies.push((arn, name, policy, origin)),
            AccessItem::Bucket(x) => {
                let o = x.origin.clone();
                insert_unique(&mut t.resource_policies.buckets, d, x.name.clone(), x, &o, "bucket policy")
            }
            AccessItem::Key(x) => {
                let o = x.origin.clone();
                let k = x.arn.clone().unwrap_or_else(|| x.key_id.clone());
                insert_unique(&mut t.resource_policies.keys, d, k, x, &o, "key policy")
            }
            AccessItem::EventBus(x) => {
                let o = x.origin.clone();
                insert_unique(&mut t.resource_policies.event_buses, d, x.arn.clone(), x, &o, "event bus")
            }
            AccessItem::Organization(x) => {
                if t.organizations.organization.as_ref().is_some_and(|o| o.id != x.id) {
                    d.push(Diagnostic {
                        severity: Severity::Warning,
                        origin: x.origin.clone(),
                        message: format!("a second organization {} in the snapshot: koban models one; keeping the first", x.id),
                        resource: Some(x.id.clone()),
                    });
                } else if t.organizations.organization.is_none() {
                    t.organizations.organization = Some(x);
                }
            }
            AccessItem::Root(x) => {
                let o = x.origin.clone();
                insert_unique(&mut t.organizations.roots, d, x.id.clone(), x, &o, "organization root")
            }
            AccessItem::Unit(x) => match t.organizations.units.get_mut(&x.id) {
                Some(existing) if existing.parent.is_none() => existing.parent = x.parent,
                Some(_) => {}
                None => {
                    t.organizations.units.insert(x.id.clone(), x);
                }
            },
            AccessItem::Account(x) => match t.organizations.accounts.get_mut(&x.id) {
                Some(existing) => {
                    if existing.parent.is_none() {
                        existing.parent = x.parent;
                    }
                    if existing.name.is_none() {
                        existing.name = x.name;
                    }
                }
                None => {
                    t.organizations.accounts.insert(x.id.clone(), x);
                }
            },
            AccessItem::OrgPolicy(x) => match t.organizations.policies.get_mut(&x.id) {
                Some(existing) => {
                    if existing.content.is_none() {
                        existing.content = x.content;
                    }
                    if existing.arn.is_none() {
                        existing.arn = x.arn;
                    }
                }
                None => {
                    t.organizations.policies.insert(x.id.clone(), x);
                }
            },
            AccessItem::PolicyTargets { policy, targets, origin } => self.targets.push((policy, targets, origin)),
        }
    }

    /// Join what arrived in pieces, then record what is missing.
    pub fn finish(self, t: &mut Twin) {
        for (arn, name, policy, origin) in self.secret_policies {
            let state = policy.map_or(m::ResourcePolicyState::Absent, m::ResourcePolicyState::Present);
            match t.resource_policies.secrets.get_mut(&arn) {
                Some(s) => s.policy = state,
                None => {
                    let (region, account) = fields::arn_region_account(&arn);
                    t.resource_policies.secrets.insert(
                        arn.clone(),
                        m::Secret { arn, name, account, region, kms_key_id: None, tags: Vec::new(), policy: state, origin },
                    );
                }
            }
        }
        for (policy, targets, origin) in self.targets {
            match t.organizations.policies.get_mut(&policy) {
                Some(p) => {
                    let list = p.targets.get_or_insert_with(Vec::new);
                    for x in targets {
                        if !list.contains(&x) {
                            list.push(x);
                        }
                    }
                }
                None => t.diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    origin,
                    message: format!(
                        "targets of organization policy {policy}, which no list-policies or describe-policy output describes; the attachments are not used"
                    ),
                    resource: Some(policy),
                }),
            }
        }
        for s in t.resource_policies.secrets.values().filter(|s| s.policy == m::ResourcePolicyState::NotCollected) {
            t.unknowns.push(m::Unknown {
                resource: s.arn.clone(),
                reason: "the secret's resource policy is not in the snapshot (add the output of secretsmanager get-resource-policy)".into(),
                origin: Some(s.origin.clone()),
            });
        }
        for p in t.organizations.policies.values().filter(|p| p.kind != m::OrgPolicyKind::Other) {
            if p.content.is_none() {
                t.unknowns.push(m::Unknown {
                    resource: p.id.clone(),
                    reason: format!(
                        "the content of {} {} is not in the snapshot (add the output of organizations describe-policy)",
                        p.kind.as_str(),
                        p.name
                    ),
                    origin: Some(p.origin.clone()),
                });
            }
            if p.targets.is_none() {
                t.unknowns.push(m::Unknown {
                    resource: p.id.clone(),
                    reason: format!(
                        "the targets of {} {} are not in the snapshot (add the output of organizations list-targets-for-policy as PolicyTargets/{}.json)",
                        p.kind.as_str(),
                        p.name,
                        p.id
                    ),
                    origin: Some(p.origin.clone()),
                });
            }
        }
        for u in t.organizations.units.values().filter(|u| u.parent.is_none()) {
            t.unknowns.push(m::Unknown {
                resource: u.id.clone(),
                reason: "the OU's parent is not known (save list-organizational-units-for-parent output as OrganizationalUnits/<parent-id>.json)".into(),
                origin: Some(u.origin.clone()),
            });
        }
        for a in t.organizations.accounts.values().filter(|a| a.parent.is_none()) {
            t.unknowns.push(m::Unknown {
                resource: a.id.clone(),
                reason: "the account's place in the organization is not known (save list-accounts-for-parent output as Accounts/<parent-id>.json): its SCPs and RCPs cannot be gathered".into(),
                origin: Some(a.origin.clone()),
            });
        }
        references(t);
    }
}

/// Dangling references between IAM records: attached managed policies, boundaries, groups
/// and instance-profile roles that the snapshot does not describe.
pub(crate) fn references(t: &mut Twin) {
    let mut out = Vec::new();
    let iam = &t.iam;
    let mut note = |origin: &Origin, resource: &str, what: &str, id: &str| {
        out.push(Diagnostic {
            severity: Severity::Warning,
            origin: origin.clone(),
            message: format!("{resource} refers to {what} {id}, which is not in the inputs: its permissions are incomplete"),
            resource: Some(resource.to_string()),
        });
    };
    let check = |attached: &[m::AttachedPolicy], boundary: Option<&String>| -> Vec<String> {
        attached
            .iter()
            .map(|a| &a.arn)
            .chain(boundary)
            .filter(|a| iam.policies.get(*a).is_none_or(|p| p.document.is_none()))
            .cloned()
            .collect()
    };
    for r in iam.roles.values() {
        for p in check(&r.attached_policies, r.permissions_boundary.as_ref()) {
            note(&r.origin, &r.arn, "managed policy", &p);
        }
    }
    for u in iam.users.values() {
        for p in check(&u.attached_policies, u.permissions_boundary.as_ref()) {
            note(&u.origin, &u.arn, "managed policy", &p);
        }
        for g in &u.groups {
            if iam.group_named(&u.account, g).is_none() {
                note(&u.origin, &u.arn, "group", g);
            }
        }
    }
    for g in iam.groups.values() {
        for p in check(&g.attached_policies, None) {
            note(&g.origin, &g.arn, "managed policy", &p);
        }
    }
    t.diagnostics.extend(out);
}
