//! AWS Organizations in Terraform: `aws_organizations_organization` (its root with
//! `enabled_policy_types`, the management account), `_organizational_unit`, `_account`,
//! `_policy` and `_policy_attachment`, and the delegated administrators of
//! `aws_organizations_delegated_administrator`, `aws_guardduty_organization_admin_account`
//! and `aws_inspector2_delegated_admin_account`.

use super::identity::document;
use super::json::Json;
use super::place::computed;
use super::resources::{err, Tf, R};
use crate::iac::Assembly;
use koban_model as m;

pub fn organization(t: &Tf, a: &mut Assembly) -> R<()> {
    let id = t.id();
    let root = match t
        .inst
        .values
        .get("roots")
        .and_then(Json::as_array)
        .and_then(|r| r.first())
        .and_then(|r| r.get("id"))
        .and_then(Json::as_str)
    {
        Some(r) => r.to_string(),
        None => computed(t.doc, t.inst, "roots").unwrap_or_default(),
    };
    let management = match t.s("master_account_id")? {
        Some(m) => Some(m),
        None => t.placement().account,
    };
    let policy_types =
        t.list("enabled_policy_types")?.into_iter().map(|p| m::PolicyTypeStatus { policy_type: p, status: "ENABLED".into() }).collect();
    if let Some(acct) = &management {
        a.org_account(m::OrgAccount {
            id: acct.clone(),
            arn: None,
            name: None,
            status: Some("ACTIVE".into()),
            parent: Some(root.clone()),
            origin: t.origin(),
        });
    }
    a.organization(
        m::OrganizationInfo {
            id,
            arn: t.s("arn")?,
            management_account: management,
            feature_set: Some(t.s("feature_set")?.unwrap_or_else(|| "ALL".into())),
            origin: t.origin(),
        },
        m::OrgRoot { id: root, arn: None, name: Some("Root".into()), policy_types, origin: t.origin() },
    );
    Ok(())
}

pub fn organizational_unit(t: &Tf, a: &mut Assembly) -> R<()> {
    a.organizational_unit(m::OrganizationalUnit {
        id: t.id(),
        arn: t.s("arn")?,
        name: Some(t.req("name")?),
        parent: Some(t.req("parent_id")?),
        origin: t.origin(),
    });
    Ok(())
}

pub fn account(t: &Tf, a: &mut Assembly) -> R<()> {
    a.org_account(m::OrgAccount {
        id: t.id(),
        arn: t.s("arn")?,
        name: Some(t.req("name")?),
        status: Some(t.s("status")?.unwrap_or_else(|| "ACTIVE".into())),
        parent: t.s("parent_id")?,
        origin: t.origin(),
    });
    Ok(())
}

pub fn policy(t: &Tf, a: &mut Assembly) -> R<()> {
    a.org_policy(m::OrgPolicy {
        id: t.id(),
        arn: t.s("arn")?,
        name: t.req("name")?,
        kind: m::OrgPolicyKind::from_type(&t.s("type")?.unwrap_or_else(|| "SERVICE_CONTROL_POLICY".into())),
        aws_managed: false,
        content: Some(document(t, "content")?.ok_or_else(|| err("content is required"))?),
        targets: Some(Vec::new()),
        origin: t.origin(),
    });
    Ok(())
}

pub fn policy_attachment(t: &Tf, a: &mut Assembly) -> R<()> {
    a.org_policy_target(&t.req("policy_id")?, &t.req("target_id")?, &t.origin());
    Ok(())
}

/// A delegated administrator: of the named service principal, or of the service the
/// resource type stands for.
pub fn delegated_administrator(t: &Tf, a: &mut Assembly) -> R<()> {
    let (account, service) = match t.inst.ty.as_ref() {
        "aws_guardduty_organization_admin_account" => (t.req("admin_account_id")?, "guardduty.amazonaws.com".to_string()),
        "aws_inspector2_delegated_admin_account" => (t.req("account_id")?, "inspector2.amazonaws.com".to_string()),
        _ => (t.req("account_id")?, t.req("service_principal")?),
    };
    a.delegated_administrator(m::DelegatedAdministrator { account, service, status: Some("ACTIVE".into()), origin: t.origin() });
    Ok(())
}
