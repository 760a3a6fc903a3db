//! Systems Manager Patch Manager in one account and region: the patch state of each instance
//! `DescribeInstances` listed (`ssm describe-instance-patch-states --instance-ids …`, at most
//! 50 instances per call, every page) as `InstancePatchStates.json`. The service leaves out
//! instances that are not managed nodes or have never reported. When a call fails nothing is
//! written (the failure is in the manifest): a file missing some instances would read as
//! those instances never having reported.

use super::Ctx;
use crate::error::CollectError;
use crate::map::monitor as m;
use serde_json::json;

/// The most instance ids one `DescribeInstancePatchStates` call takes.
const IDS_PER_CALL: usize = 50;

pub async fn states(ctx: &Ctx, c: &aws_sdk_ssm::Client, instances: &[String]) -> Result<(), CollectError> {
    const S: &str = "ssm";
    const OP: &str = "DescribeInstancePatchStates";
    if instances.is_empty() {
        return Ok(());
    }
    let mut states = Vec::new();
    for ids in instances.chunks(IDS_PER_CALL) {
        let r = c
            .describe_instance_patch_states()
            .set_instance_ids(Some(ids.to_vec()))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await;
        let Some(page) = ctx.ok(S, OP, r) else { return Ok(()) };
        states.extend(page.iter().map(m::patch_state));
    }
    ctx.write(S, OP, "InstancePatchStates.json", &json!({ "InstancePatchStates": states }))
}
