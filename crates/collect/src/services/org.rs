//! AWS Organizations, from the management account (or a delegated administrator), into
//! `<account>/organizations/`: the organization, its root, the tree of OUs and accounts
//! (`OrganizationalUnits/<parent>.json`, `Accounts/<parent>.json`), the service control and
//! resource control policies (`Policy/<id>.json`) and their targets (`PolicyTargets/<id>.json`),
//! and the delegated administrators of the services koban's checks ask about
//! (`list-delegated-administrators --service-principal <principal>`, as
//! `DelegatedAdministrators/<principal>.json`).

use super::Ctx;
use crate::error::CollectError;
use crate::map::access as m;
use aws_sdk_organizations::types::PolicyType;
use aws_sdk_organizations::Client;
use serde_json::json;

const S: &str = "organizations";

/// The services whose delegated administrator the checks ask about (KBN-ORG-006, -007).
pub const DELEGATED_SERVICES: &[&str] = &["guardduty.amazonaws.com", "inspector2.amazonaws.com"];

/// The items of every page.
fn flat<P, T: Clone>(pages: &[P], items: impl Fn(&P) -> &[T]) -> Vec<T> {
    pages.iter().flat_map(|p| items(p).iter().cloned()).collect()
}

pub async fn collect(ctx: &Ctx, c: &Client) -> Result<(), CollectError> {
    let r = c.describe_organization().send().await;
    if ctx
        .save(S, "DescribeOrganization", "Organization.json", r, |o| json!({"Organization": o.organization().map(m::organization)}))?
        .is_none()
    {
        return Ok(());
    }
    let r = c.list_roots().into_paginator().send().collect::<Result<Vec<_>, _>>().await.map(|v| flat(&v, |p| p.roots()));
    let roots = ctx.save(S, "ListRoots", "Roots.json", r, |v| json!({"Roots": v.iter().map(m::root).collect::<Vec<_>>()}))?;
    // the tree, breadth first
    let mut parents: Vec<String> = roots.iter().flatten().filter_map(|r| r.id().map(str::to_string)).collect();
    let mut seen = std::collections::BTreeSet::new();
    while let Some(parent) = parents.pop() {
        if !seen.insert(parent.clone()) {
            continue;
        }
        let r = c
            .list_organizational_units_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map(|v| flat(&v, |p| p.organizational_units()));
        let units = ctx.save(
            S,
            "ListOrganizationalUnitsForParent",
            &format!("OrganizationalUnits/{parent}.json"),
            r,
            |v| json!({"OrganizationalUnits": v.iter().map(m::unit).collect::<Vec<_>>()}),
        )?;
        parents.extend(units.iter().flatten().filter_map(|u| u.id().map(str::to_string)));
        let r = c
            .list_accounts_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map(|v| flat(&v, |p| p.accounts()));
        ctx.save(
            S,
            "ListAccountsForParent",
            &format!("Accounts/{parent}.json"),
            r,
            |v| json!({"Accounts": v.iter().map(m::account).collect::<Vec<_>>()}),
        )?;
    }
    for (filter, file) in [
        (PolicyType::ServiceControlPolicy, "Policies-SERVICE_CONTROL_POLICY.json"),
        (PolicyType::ResourceControlPolicy, "Policies-RESOURCE_CONTROL_POLICY.json"),
    ] {
        let r = c
            .list_policies()
            .filter(filter)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map(|v| flat(&v, |p| p.policies()));
        let Some(policies) =
            ctx.save(S, "ListPolicies", file, r, |v| json!({"Policies": v.iter().map(m::policy_summary).collect::<Vec<_>>()}))?
        else {
            continue;
        };
        for p in &policies {
            let Some(id) = p.id() else { continue };
            let r = c.describe_policy().policy_id(id).send().await;
            ctx.save(S, "DescribePolicy", &format!("Policy/{id}.json"), r, |o| json!({"Policy": o.policy().map(m::policy)}))?;
            let r = c
                .list_targets_for_policy()
                .policy_id(id)
                .into_paginator()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map(|v| flat(&v, |p| p.targets()));
            ctx.save(
                S,
                "ListTargetsForPolicy",
                &format!("PolicyTargets/{id}.json"),
                r,
                |v| json!({"Targets": v.iter().map(m::target).collect::<Vec<_>>()}),
            )?;
        }
    }
    for principal in DELEGATED_SERVICES {
        let r = c
            .list_delegated_administrators()
            .service_principal(*principal)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await;
        ctx.save(
            S,
            "ListDelegatedAdministrators",
            &format!("DelegatedAdministrators/{principal}.json"),
            r,
            |v| json!({"DelegatedAdministrators": v.iter().map(crate::map::monitor::delegated_administrator).collect::<Vec<_>>()}),
        )?;
    }
    Ok(())
}
