//! Resource policies of KMS keys and S3 buckets in one account and region: `kms list-keys`
//! and each key's `get-key-policy --policy-name default` (as `KmsKeyPolicies/<key-id>.json`),
//! `s3api list-buckets --bucket-region <region>` and each bucket's `get-bucket-policy` (as
//! `S3BucketPolicies/<bucket>.json`; a bucket without a policy gets no file, as the CLI
//! prints none). Only policies: no object, no key material, no data key.

use super::{file_name, Ctx};
use crate::error::CollectError;
use crate::map::access as m;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub async fn keys(ctx: &Ctx, c: &aws_sdk_kms::Client) -> Result<(), CollectError> {
    const S: &str = "kms";
    let r = c.list_keys().into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
    let Some(keys) = ctx.ok(S, "ListKeys", r) else { return Ok(()) };
    for id in keys.iter().filter_map(|k| k.key_id()) {
        let r = c.get_key_policy().key_id(id).policy_name("default").send().await;
        ctx.save(S, "GetKeyPolicy", &format!("KmsKeyPolicies/{}.json", file_name(id)), r, |o| m::key_policy(o.policy(), o.policy_name()))?;
    }
    Ok(())
}

pub async fn buckets(ctx: &Ctx, c: &aws_sdk_s3::Client) -> Result<(), CollectError> {
    const S: &str = "s3";
    let r = c.list_buckets().bucket_region(&ctx.region).into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
    let Some(buckets) = ctx.ok(S, "ListBuckets", r) else { return Ok(()) };
    for name in buckets.iter().filter_map(|b| b.name()) {
        let r = c.get_bucket_policy().bucket(name).send().await;
        match r {
            Err(e) if e.code() == Some("NoSuchBucketPolicy") => ctx.absent(S, "GetBucketPolicy", &format!("{name}: no bucket policy")),
            r => {
                ctx.save(S, "GetBucketPolicy", &format!("S3BucketPolicies/{}.json", file_name(name)), r, |o| m::bucket_policy(o.policy()))?;
            }
        }
    }
    Ok(())
}
