//! AWS Organizations: the organization (with its root, whose service control and resource
//! control policy types CloudFormation enables when it attaches such a policy), organizational
//! units, accounts (with a stable stand-in id, see
//! [`account_stand_in`](crate::cloudformation::service_attributes::account_stand_in)) and
//! policies with their `TargetIds`.

use super::{document, Res, R};
use crate::cloudformation::service_attributes::{account_stand_in, organization_id, root_id};
use crate::iac::Assembly;
use koban_model as m;

pub fn organization(r: &Res, a: &mut Assembly) -> R<()> {
    let place = &r.r.place;
    let id = organization_id(&r.r.base);
    let feature_set = r.opt("FeatureSet")?.unwrap_or_else(|| "ALL".into());
    let enabled = |k: m::OrgPolicyKind| m::PolicyTypeStatus { policy_type: k.as_str().into(), status: "ENABLED".into() };
    let root = m::OrgRoot {
        id: root_id(&r.r.base),
        arn: None,
        name: Some("Root".into()),
        policy_types: if feature_set == "ALL" {
            vec![enabled(m::OrgPolicyKind::ServiceControlPolicy), enabled(m::OrgPolicyKind::ResourceControlPolicy)]
        } else {
            Vec::new()
        },
        origin: r.origin(),
    };
    // The management account is a member of its organization, under the root.
    a.org_account(m::OrgAccount {
        id: place.account.clone(),
        arn: None,
        name: None,
        status: Some("ACTIVE".into()),
        parent: Some(root.id.clone()),
        origin: r.origin(),
    });
    a.organization(
        m::OrganizationInfo {
            arn: Some(format!("arn:{}:organizations::{}:organization/{id}", place.partition, place.account)),
            id,
            management_account: Some(place.account.clone()),
            feature_set: Some(feature_set),
            origin: r.origin(),
        },
        root,
    );
    Ok(())
}

pub fn organizational_unit(r: &Res, a: &mut Assembly) -> R<()> {
    a.organizational_unit(m::OrganizationalUnit {
        id: format!("ou-{}", r.r.base),
        arn: None,
        name: Some(r.req("Name")?),
        parent: Some(r.req("ParentId")?),
        origin: r.origin(),
    });
    Ok(())
}

pub fn account(r: &Res, a: &mut Assembly) -> R<()> {
    a.org_account(m::OrgAccount {
        id: account_stand_in(&r.r.base),
        arn: None,
        name: Some(r.req("AccountName")?),
        status: Some("ACTIVE".into()),
        parent: r.list("ParentIds")?.into_iter().next(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn policy(r: &Res, a: &mut Assembly) -> R<()> {
    let id = format!("p-{}", r.r.base);
    for t in r.list("TargetIds")? {
        a.org_policy_target(&id, &t, &r.origin());
    }
    a.org_policy(m::OrgPolicy {
        id,
        arn: None,
        name: r.req("Name")?,
        kind: m::OrgPolicyKind::from_type(&r.req("Type")?),
        aws_managed: false,
        content: document(r, "Content")?,
        targets: Some(Vec::new()),
        origin: r.origin(),
    });
    Ok(())
}
