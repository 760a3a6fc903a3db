//! CloudTrail in one account and region: `describe-trails` (the trails this region shows,
//! shadow trails of other regions and organization trails included, as `Trails.json`) and,
//! for each trail whose home region this is, `get-trail-status` as
//! `TrailStatus/<trail-name>.json`.

use super::{file_name, Ctx};
use crate::error::CollectError;
use crate::map::monitor as m;
use serde_json::json;

const S: &str = "cloudtrail";

pub async fn collect(ctx: &Ctx, c: &aws_sdk_cloudtrail::Client) -> Result<(), CollectError> {
    let r = c.describe_trails().include_shadow_trails(true).send().await;
    let Some(out) =
        ctx.save(S, "DescribeTrails", "Trails.json", r, |o| json!({"trailList": o.trail_list().iter().map(m::trail).collect::<Vec<_>>()}))?
    else {
        return Ok(());
    };
    for t in out.trail_list() {
        let (Some(name), Some(arn)) = (t.name(), t.trail_arn()) else { continue };
        if t.home_region() != Some(ctx.region.as_str()) {
            continue;
        }
        let r = c.get_trail_status().name(arn).send().await;
        ctx.save(S, "GetTrailStatus", &format!("TrailStatus/{}.json", file_name(name)), r, m::trail_status)?;
    }
    Ok(())
}
