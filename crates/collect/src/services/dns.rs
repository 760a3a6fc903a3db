//! Route 53 Resolver in one account and region (endpoints, their addresses as
//! `ResolverEndpointIpAddresses/<rslvr-id>.json`, rules, associations) and Route 53 hosted
//! zones, global, once per account (`HostedZone/<zone-id>.json` with the zone's VPCs,
//! `ResourceRecordSets/<zone-id>.json`).

use super::Ctx;
use crate::error::CollectError;
use crate::map::dns as m;
use serde_json::{json, Value};

fn doc<T>(key: &str, items: &[T], f: fn(&T) -> Value) -> Value {
    json!({ key: items.iter().map(f).collect::<Vec<_>>() })
}

const R: &str = "route53resolver";
const Z: &str = "route53";

pub async fn resolver(ctx: &Ctx, c: &aws_sdk_route53resolver::Client) -> Result<(), CollectError> {
    let r = c.list_resolver_endpoints().into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
    let endpoints =
        ctx.save(R, "ListResolverEndpoints", "ResolverEndpoints.json", r, |v| doc("ResolverEndpoints", v, m::resolver_endpoint))?;
    for e in endpoints.iter().flatten() {
        let Some(id) = e.id() else { continue };
        let r = c
            .list_resolver_endpoint_ip_addresses()
            .resolver_endpoint_id(id)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await;
        let file = format!("ResolverEndpointIpAddresses/{id}.json");
        ctx.save(R, "ListResolverEndpointIpAddresses", &file, r, |v| doc("IpAddresses", v, m::ip_address))?;
    }
    let r = c.list_resolver_rules().into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
    ctx.save(R, "ListResolverRules", "ResolverRules.json", r, |v| doc("ResolverRules", v, m::resolver_rule))?;
    let r = c.list_resolver_rule_associations().into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
    ctx.save(R, "ListResolverRuleAssociations", "ResolverRuleAssociations.json", r, |v| {
        doc("ResolverRuleAssociations", v, m::resolver_rule_association)
    })?;
    Ok(())
}

/// Hosted zones: `ctx` writes into a region directory of the account (Route 53 is global).
pub async fn hosted_zones(ctx: &Ctx, c: &aws_sdk_route53::Client) -> Result<(), CollectError> {
    let r = c.list_hosted_zones().into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
    let Some(zones) = ctx.save(Z, "ListHostedZones", "HostedZones.json", r, |v| doc("HostedZones", v, m::hosted_zone))? else {
        return Ok(());
    };
    for z in &zones {
        let id = z.id().trim_start_matches("/hostedzone/");
        let r = c.get_hosted_zone().id(id).send().await;
        ctx.save(Z, "GetHostedZone", &format!("HostedZone/{id}.json"), r, |o| {
            json!({
                "HostedZone": o.hosted_zone().map(m::hosted_zone),
                "VPCs": o.vpcs().iter().map(m::vpc).collect::<Vec<_>>(),
            })
        })?;
        // list-resource-record-sets pages by (name, type, identifier): followed by hand.
        let mut records = Vec::new();
        let mut next: Option<(String, Option<String>, Option<String>)> = None;
        let mut failed = false;
        loop {
            let mut call = c.list_resource_record_sets().hosted_zone_id(id);
            if let Some((name, ty, ident)) = &next {
                call = call.start_record_name(name);
                if let Some(ty) = ty {
                    call = call.start_record_type(ty.as_str().into());
                }
                if let Some(ident) = ident {
                    call = call.start_record_identifier(ident);
                }
            }
            match call.send().await {
                Ok(page) => {
                    records.extend(page.resource_record_sets().iter().map(m::record_set));
                    match (page.is_truncated(), page.next_record_name()) {
                        (true, Some(name)) => {
                            next = Some((
                                name.to_string(),
                                page.next_record_type().map(|t| t.as_str().to_string()),
                                page.next_record_identifier().map(str::to_string),
                            ))
                        }
                        _ => break,
                    }
                }
                Err(e) => {
                    ctx.fail(Z, "ListResourceRecordSets", &e);
                    failed = true;
                    break;
                }
            }
        }
        if !failed {
            ctx.write(Z, "ListResourceRecordSets", &format!("ResourceRecordSets/{id}.json"), &json!({"ResourceRecordSets": records}))?;
        }
    }
    Ok(())
}
