//! IAM, global, once per account (`<account>/iam/`): `get-account-authorization-details`
//! (users, groups, roles, managed policies with their documents, every page merged) and
//! `list-instance-profiles`.

use super::Ctx;
use crate::error::CollectError;
use crate::map::access as m;
use serde_json::json;

const S: &str = "iam";

pub async fn collect(ctx: &Ctx, c: &aws_sdk_iam::Client) -> Result<(), CollectError> {
    let mut pages = c.get_account_authorization_details().into_paginator().send();
    let (mut users, mut groups, mut roles, mut policies) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut failed = false;
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => {
                users.extend(p.user_detail_list().iter().map(m::user));
                groups.extend(p.group_detail_list().iter().map(m::group));
                roles.extend(p.role_detail_list().iter().map(m::role_detail));
                policies.extend(p.policies().iter().map(m::managed_policy));
            }
            Err(e) => {
                ctx.fail(S, "GetAccountAuthorizationDetails", &e);
                failed = true;
                break;
            }
        }
    }
    if !failed {
        let doc = json!({"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies});
        ctx.write(S, "GetAccountAuthorizationDetails", "AccountAuthorizationDetails.json", &doc)?;
    }
    let r = c.list_instance_profiles().into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
    ctx.save(
        S,
        "ListInstanceProfiles",
        "InstanceProfiles.json",
        r,
        |v| json!({"InstanceProfiles": v.iter().map(m::instance_profile).collect::<Vec<_>>()}),
    )?;
    Ok(())
}
