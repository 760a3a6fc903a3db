//! Secrets Manager in one account and region: `list-secrets` (metadata) and each secret's
//! resource policy (`get-resource-policy`, as `SecretPolicies/<name>.json`). Never a secret's
//! value: `GetSecretValue` is not on the allow-list and the guard refuses it.

use super::{file_name, Ctx};
use crate::error::CollectError;
use crate::map::access as m;
use serde_json::json;

const S: &str = "secretsmanager";

pub async fn collect(ctx: &Ctx, c: &aws_sdk_secretsmanager::Client) -> Result<(), CollectError> {
    let r = c
        .list_secrets()
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map(|v| v.iter().flat_map(|p| p.secret_list().to_vec()).collect::<Vec<_>>());
    let Some(secrets) =
        ctx.save(S, "ListSecrets", "SecretList.json", r, |v| json!({"SecretList": v.iter().map(m::secret).collect::<Vec<_>>()}))?
    else {
        return Ok(());
    };
    for s in &secrets {
        let Some(arn) = s.arn() else { continue };
        let name = s.name().unwrap_or(arn);
        let r = c.get_resource_policy().secret_id(arn).send().await;
        let file = format!("SecretPolicies/{}.json", file_name(name));
        ctx.save(S, "GetResourcePolicy", &file, r, |o| {
            m::secret_policy(o.arn().or(Some(arn)), o.name().or(Some(name)), o.resource_policy())
        })?;
    }
    Ok(())
}
