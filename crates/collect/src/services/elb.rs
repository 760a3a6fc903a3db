//! Elastic Load Balancing v2 in one account and region: the load balancers (Gateway Load
//! Balancers among them).

use super::Ctx;
use crate::error::CollectError;
use crate::map::elb as m;
use serde_json::json;

pub async fn collect(ctx: &Ctx, c: &aws_sdk_elasticloadbalancingv2::Client) -> Result<(), CollectError> {
    let r = c.describe_load_balancers().into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
    ctx.save(
        "elbv2",
        "DescribeLoadBalancers",
        "LoadBalancers.json",
        r,
        |v| json!({"LoadBalancers": v.iter().map(m::load_balancer).collect::<Vec<_>>()}),
    )?;
    Ok(())
}
