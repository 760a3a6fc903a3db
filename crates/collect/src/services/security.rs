//! GuardDuty and Amazon Inspector in one account and region: the account's detectors
//! (`list-detectors` as `DetectorIds.json`, each `get-detector` as
//! `GuardDutyDetectors/<detector-id>.json`), the members of an administrator's detector
//! (`list-members` as `GuardDutyMembers.json`) and the account's own Inspector status
//! (`inspector2 batch-get-account-status --account-ids <account>` as
//! `InspectorAccountStatus.json`).

use super::Ctx;
use crate::error::CollectError;
use crate::map::monitor as m;
use serde_json::json;

pub async fn guardduty(ctx: &Ctx, c: &aws_sdk_guardduty::Client) -> Result<(), CollectError> {
    const S: &str = "guardduty";
    let r = c.list_detectors().into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
    let Some(detectors) = ctx.save(S, "ListDetectors", "DetectorIds.json", r, |v| json!({ "DetectorIds": v }))? else {
        return Ok(());
    };
    let mut members = Vec::new();
    let mut listed = false;
    for id in &detectors {
        let r = c.get_detector().detector_id(id).send().await;
        ctx.save(S, "GetDetector", &format!("GuardDutyDetectors/{}.json", super::file_name(id)), r, m::detector)?;
        let r = c.list_members().detector_id(id).into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
        if let Some(v) = ctx.ok(S, "ListMembers", r) {
            members.extend(v.iter().map(m::member));
            listed = true;
        }
    }
    if listed {
        ctx.write(S, "ListMembers", "GuardDutyMembers.json", &json!({ "Members": members }))?;
    }
    Ok(())
}

pub async fn inspector(ctx: &Ctx, c: &aws_sdk_inspector2::Client) -> Result<(), CollectError> {
    let r = c.batch_get_account_status().account_ids(&ctx.account).send().await;
    ctx.save("inspector2", "BatchGetAccountStatus", "InspectorAccountStatus.json", r, |o| {
        json!({
            "accounts": o.accounts().iter().map(m::inspector_account).collect::<Vec<_>>(),
            "failedAccounts": o.failed_accounts().iter().map(m::inspector_failure).collect::<Vec<_>>(),
        })
    })?;
    Ok(())
}
