//! Amazon Cognito in one account and region: each user pool (`cognito-idp list-user-pools`,
//! then `describe-user-pool` as `CognitoUserPools/<pool-id>.json`) and each identity pool
//! (`cognito-identity list-identity-pools`, then `describe-identity-pool` as
//! `CognitoIdentityPools/<pool-id>.json` and `get-identity-pool-roles` as
//! `CognitoIdentityPoolRoles/<pool-id>.json`, `:` in the id written as `_`). No app client
//! (`describe-user-pool-client` returns the client secret) and no identity credentials.

use super::{file_name, Ctx};
use crate::error::CollectError;
use crate::map::monitor as m;
use serde_json::json;

/// The largest page both list operations accept (they require a page size).
const PAGE: i32 = 60;

pub async fn user_pools(ctx: &Ctx, c: &aws_sdk_cognitoidentityprovider::Client) -> Result<(), CollectError> {
    const S: &str = "cognito-idp";
    let r = c.list_user_pools().max_results(PAGE).into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
    let Some(pools) = ctx.ok(S, "ListUserPools", r) else { return Ok(()) };
    for id in pools.iter().filter_map(|p| p.id()) {
        let r = c.describe_user_pool().user_pool_id(id).send().await;
        ctx.save(
            S,
            "DescribeUserPool",
            &format!("CognitoUserPools/{}.json", file_name(id)),
            r,
            |o| json!({"UserPool": o.user_pool().map(m::user_pool)}),
        )?;
    }
    Ok(())
}

pub async fn identity_pools(ctx: &Ctx, c: &aws_sdk_cognitoidentity::Client) -> Result<(), CollectError> {
    const S: &str = "cognito-identity";
    let r = c.list_identity_pools().max_results(PAGE).into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
    let Some(pools) = ctx.ok(S, "ListIdentityPools", r) else { return Ok(()) };
    for id in pools.iter().filter_map(|p| p.identity_pool_id()) {
        let file = format!("{}.json", file_name(id));
        let r = c.describe_identity_pool().identity_pool_id(id).send().await;
        ctx.save(S, "DescribeIdentityPool", &format!("CognitoIdentityPools/{file}"), r, m::identity_pool)?;
        let r = c.get_identity_pool_roles().identity_pool_id(id).send().await;
        ctx.save(S, "GetIdentityPoolRoles", &format!("CognitoIdentityPoolRoles/{file}"), r, |o| m::identity_pool_roles(id, o))?;
    }
    Ok(())
}
