//! AWS Organizations records. `describe-organization` and `list-roots` name what they
//! describe; `list-organizational-units-for-parent`, `list-accounts-for-parent` and
//! `list-targets-for-policy` do not, so their files carry the parent or policy id in their
//! name (`OrganizationalUnits/<parent-id>.json`, `Accounts/<parent-id>.json`,
//! `PolicyTargets/<policy-id>.json`); see docs/snapshot.md.

use super::fields::{self, optional, required, str_at};
use super::{push, AccessItem, Source};
use crate::snapshot::dispatch::FileItems;
use koban_model as m;
use serde_json::{Map, Value};

/// A root or OU id (`r-…`, `ou-…`): what the per-parent layouts name their files after.
fn is_parent_id(s: &str) -> bool {
    (s.starts_with("r-") || s.starts_with("ou-")) && s.len() > 3 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

pub fn organization(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(id) = required(src, v, "/Organization", "Id", "the organization id (o-…)", out) else { return };
    let item = AccessItem::Organization(m::OrganizationInfo {
        id: id.to_string(),
        arn: optional(src, v, "/Organization", "Arn", id, out),
        management_account: optional(src, v, "/Organization", "MasterAccountId", id, out),
        feature_set: optional(src, v, "/Organization", "FeatureSet", id, out),
        origin: src.origin("/Organization"),
    });
    push(out, item);
}

pub fn roots(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(arr) = fields::array(src, v, "/Roots", "organization roots", out) else { return };
    for (i, r) in arr.iter().enumerate() {
        let pointer = format!("/Roots/{i}");
        let Some(id) = required(src, r, &pointer, "Id", "the root id (r-…)", out) else { continue };
        let mut policy_types = Vec::new();
        for (j, p) in fields::list(src, r, &pointer, "PolicyTypes", id, out).iter().enumerate() {
            match (str_at(p, "Type"), str_at(p, "Status")) {
                (Some(t), Some(s)) => policy_types.push(m::PolicyTypeStatus { policy_type: t.to_string(), status: s.to_string() }),
                _ => src.error(
                    out,
                    &format!("{pointer}/PolicyTypes/{j}"),
                    "expected {\"Type\": string, \"Status\": string}".into(),
                    Some(id),
                ),
            }
        }
        let item = AccessItem::Root(m::OrgRoot {
            id: id.to_string(),
            arn: optional(src, r, &pointer, "Arn", id, out),
            name: optional(src, r, &pointer, "Name", id, out),
            policy_types,
            origin: src.origin(&pointer),
        });
        push(out, item);
    }
}

/// The parent a per-parent file names, or a warning that it names none.
fn parent_from_file(src: &Source, key: &str, layout: &str, out: &mut FileItems) -> Option<String> {
    if is_parent_id(src.stem) {
        return Some(src.stem.to_string());
    }
    if key == "OrganizationalUnits" {
        src.warning(
            out,
            "/OrganizationalUnits",
            format!("the file name does not name the parent of these OUs (expected {layout}/<parent-id>.json, the output of list-organizational-units-for-parent --parent-id <parent-id>); their place in the organization is unknown"),
            None,
        );
    }
    None
}

pub fn units(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(arr) = fields::array(src, v, "/OrganizationalUnits", "organizational units", out) else { return };
    let parent = parent_from_file(src, "OrganizationalUnits", "OrganizationalUnits", out);
    for (i, u) in arr.iter().enumerate() {
        let pointer = format!("/OrganizationalUnits/{i}");
        let Some(id) = required(src, u, &pointer, "Id", "the OU id (ou-…)", out) else { continue };
        let item = AccessItem::Unit(m::OrganizationalUnit {
            id: id.to_string(),
            arn: optional(src, u, &pointer, "Arn", id, out),
            name: optional(src, u, &pointer, "Name", id, out),
            parent: parent.clone(),
            origin: src.origin(&pointer),
        });
        push(out, item);
    }
}

/// `list-accounts` (no parent) or `list-accounts-for-parent` saved as
/// `Accounts/<parent-id>.json`.
pub fn accounts(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(arr) = fields::array(src, v, "/Accounts", "organization accounts", out) else { return };
    let parent = parent_from_file(src, "Accounts", "Accounts", out);
    for (i, a) in arr.iter().enumerate() {
        let pointer = format!("/Accounts/{i}");
        let Some(id) = required(src, a, &pointer, "Id", "the account id", out) else { continue };
        let item = AccessItem::Account(m::OrgAccount {
            id: id.to_string(),
            arn: optional(src, a, &pointer, "Arn", id, out),
            name: optional(src, a, &pointer, "Name", id, out),
            status: optional(src, a, &pointer, "Status", id, out),
            parent: parent.clone(),
            origin: src.origin(&pointer),
        });
        push(out, item);
    }
}

fn summary(src: &Source, p: &Value, pointer: &str, out: &mut FileItems) -> Option<m::OrgPolicy> {
    let id = required(src, p, pointer, "Id", "the policy id (p-…)", out)?;
    let kind = match str_at(p, "Type") {
        Some(t) => m::OrgPolicyKind::from_type(t),
        None => {
            src.error(
                out,
                &format!("{pointer}/Type"),
                "expected the policy type (SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY, …)".into(),
                Some(id),
            );
            return None;
        }
    };
    Some(m::OrgPolicy {
        id: id.to_string(),
        arn: optional(src, p, pointer, "Arn", id, out),
        name: str_at(p, "Name").unwrap_or(id).to_string(),
        kind,
        aws_managed: p.get("AwsManaged").and_then(Value::as_bool).unwrap_or(false),
        content: None,
        targets: None,
        origin: src.origin(pointer),
    })
}

/// One item of `organizations list-policies --filter …`.
pub fn policy_summary(src: &Source, p: &Value, pointer: &str, out: &mut FileItems) {
    if let Some(x) = summary(src, p, pointer, out) {
        push(out, AccessItem::OrgPolicy(x));
    }
}

/// `organizations describe-policy`: `{"Policy": {"PolicySummary": {…}, "Content": "…"}}`.
pub fn describe_policy(src: &Source, p: &Map<String, Value>, out: &mut FileItems) {
    let Some(s) = p.get("PolicySummary") else {
        src.error(out, "/Policy/PolicySummary", "expected describe-policy output with a PolicySummary".into(), None);
        return;
    };
    let Some(mut x) = summary(src, s, "/Policy/PolicySummary", out) else { return };
    x.origin = src.origin("/Policy");
    match p.get("Content") {
        Some(c) => match fields::document(c, src.origin("/Policy/Content")) {
            Ok(d) => x.content = Some(d),
            Err(e) => src.error(out, "/Policy/Content", e.to_string(), Some(&x.id)),
        },
        None => src.error(out, "/Policy/Content", "missing Content: expected the policy document".into(), Some(&x.id)),
    }
    push(out, AccessItem::OrgPolicy(x));
}

/// `list-targets-for-policy --policy-id <p-id>` saved as `PolicyTargets/<p-id>.json`.
pub fn targets(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(arr) = fields::array(src, v, "/Targets", "policy targets", out) else { return };
    if !src.stem.starts_with("p-") {
        src.error(
            out,
            "/Targets",
            "the file name does not name the policy (expected PolicyTargets/<policy-id>.json, the output of list-targets-for-policy --policy-id <policy-id>); the attachments are not used".into(),
            None,
        );
        return;
    }
    let mut ids = Vec::new();
    for (i, t) in arr.iter().enumerate() {
        match str_at(t, "TargetId") {
            Some(id) => ids.push(id.to_string()),
            None => src.error(
                out,
                &format!("/Targets/{i}/TargetId"),
                "expected the target id (r-…, ou-… or an account id)".into(),
                Some(src.stem),
            ),
        }
    }
    push(out, AccessItem::PolicyTargets { policy: src.stem.to_string(), targets: ids, origin: src.origin("/Targets") });
}
