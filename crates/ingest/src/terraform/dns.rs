//! DNS in Terraform: `aws_route53_resolver_endpoint` (with the interfaces AWS creates for its
//! `ip_address` blocks), `_resolver_rule`, `_resolver_rule_association`; `aws_route53_zone`
//! (private with `vpc` blocks), `aws_route53_zone_association` and `aws_route53_record`.

use super::resources::{err, Tf, R};
use crate::iac::Assembly;
use koban_model as m;
use std::net::Ipv4Addr;

fn ip(s: Option<String>, k: &str) -> R<Option<Ipv4Addr>> {
    s.map(|x| x.trim().parse().map_err(|_| err(format!("{k}: expected an IPv4 address, got {x:?}")))).transpose()
}

pub fn resolver_endpoint(t: &Tf, a: &mut Assembly) -> R<()> {
    let id = t.id();
    let direction = match t.req("direction")?.to_ascii_uppercase().as_str() {
        "INBOUND" => m::ResolverDirection::Inbound,
        "OUTBOUND" => m::ResolverDirection::Outbound,
        other => return Err(err(format!("direction: expected INBOUND or OUTBOUND, got {other:?}"))),
    };
    let security_groups = t.list("security_group_ids")?;
    let blocks = t.blocks("ip_address");
    for (i, b) in blocks.iter().enumerate() {
        let eni = t.derived("eni-", i);
        let ip_id = t.derived("rni-", i);
        a.resolver_endpoint_address(
            &id,
            eni,
            &ip_id,
            b.req("subnet_id")?,
            ip(b.s("ip")?, "ip_address.ip")?,
            security_groups.clone(),
            t.origin(),
        );
    }
    a.resolver_endpoint(m::ResolverEndpoint {
        id,
        arn: t.s("arn")?,
        name: t.s("name")?,
        direction,
        vpc: t.s("host_vpc_id")?.unwrap_or_default(),
        security_groups,
        status: None,
        ip_address_count: u32::try_from(blocks.len()).ok(),
        protocols: t.list("protocols")?,
        addresses: Vec::new(),
        addresses_known: true,
        placement: t.placement(),
        origin: t.origin(),
    });
    Ok(())
}

pub fn resolver_rule(t: &Tf, a: &mut Assembly) -> R<()> {
    let rule_type = match t.req("rule_type")?.to_ascii_uppercase().as_str() {
        "FORWARD" => m::ResolverRuleType::Forward,
        "SYSTEM" => m::ResolverRuleType::System,
        "RECURSIVE" => m::ResolverRuleType::Recursive,
        other => return Err(err(format!("rule_type: expected FORWARD, SYSTEM or RECURSIVE, got {other:?}"))),
    };
    let mut targets = Vec::new();
    for b in t.blocks("target_ip") {
        let port = match b.num("port")? {
            None => 53,
            Some(p) => {
                u16::try_from(p).ok().filter(|p| *p > 0).ok_or_else(|| err(format!("target_ip.port: expected a port 1-65535, got {p}")))?
            }
        };
        targets.push(m::ResolverTarget { ip: ip(b.s("ip")?, "target_ip.ip")?, ipv6: b.s("ipv6")?, port, protocol: b.s("protocol")? });
    }
    a.resolver_rule(m::ResolverRule {
        id: t.id(),
        arn: t.s("arn")?,
        name: t.s("name")?,
        domain_name: m::normalise_domain(&t.req("domain_name")?),
        rule_type,
        targets,
        resolver_endpoint: t.s("resolver_endpoint_id")?,
        owner: t.placement().account,
        share_status: t.s("share_status")?,
        status: None,
        placement: t.placement(),
        origin: t.origin(),
    });
    Ok(())
}

pub fn resolver_rule_association(t: &Tf, a: &mut Assembly) -> R<()> {
    a.resolver_rule_association(m::ResolverRuleAssociation {
        id: t.id(),
        rule: t.req("resolver_rule_id")?,
        vpc: t.req("vpc_id")?,
        name: t.s("name")?,
        status: None,
        origin: t.origin(),
    });
    Ok(())
}

pub fn zone(t: &Tf, a: &mut Assembly) -> R<()> {
    let mut vpcs = Vec::new();
    for b in t.blocks("vpc") {
        vpcs.push(m::HostedZoneVpc { vpc: b.req("vpc_id")?, region: b.s("vpc_region")?.or_else(|| t.placement().region) });
    }
    let id = match t.s("zone_id")? {
        Some(z) => z,
        None => t.id(),
    };
    a.hosted_zone(m::HostedZone {
        id,
        name: m::normalise_domain(&t.req("name")?),
        private: !vpcs.is_empty(),
        comment: t.s("comment")?,
        record_count: None,
        vpcs,
        vpcs_known: true,
        records: Vec::new(),
        records_known: true,
        origin: t.origin(),
    });
    Ok(())
}

pub fn zone_association(t: &Tf, a: &mut Assembly) -> R<()> {
    let vpc = m::HostedZoneVpc { vpc: t.req("vpc_id")?, region: t.s("vpc_region")?.or_else(|| t.placement().region) };
    a.zone_vpc(&t.req("zone_id")?, vpc, &t.origin());
    Ok(())
}

pub fn record(t: &Tf, a: &mut Assembly) -> R<()> {
    let alias = match t.blocks("alias").first() {
        Some(b) => b.s("name")?.map(|n| m::normalise_domain(&n)),
        None => None,
    };
    let ttl = t.num("ttl")?.and_then(|n| u64::try_from(n).ok());
    let rec = m::ResourceRecordSet {
        name: m::normalise_domain(&t.req("name")?),
        record_type: t.req("type")?,
        ttl,
        values: t.list("records")?,
        alias,
    };
    a.record(&t.req("zone_id")?, rec, &t.origin());
    Ok(())
}
