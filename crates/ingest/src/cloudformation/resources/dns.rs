//! DNS: Route 53 Resolver endpoints (with the interfaces AWS creates for their
//! `IpAddresses`), rules and rule associations; hosted zones (private when they name VPCs),
//! record sets and record set groups.

use super::{text, Res, R};
use crate::cloudformation::service_attributes::resolver_endpoint_id;
use crate::cloudformation::value::Val;
use crate::iac::Assembly;
use koban_model as m;
use std::net::Ipv4Addr;

fn addr(r: &Res, v: &Val, key: &str) -> R<Option<Ipv4Addr>> {
    match text(v.get(key), key, v.pos)? {
        None => Ok(None),
        Some(s) => s.trim().parse().map(Some).map_err(|_| r.err(v.pos, format!("{key}: expected an IPv4 address, got {s:?}"))),
    }
}

pub fn resolver_endpoint(r: &Res, a: &mut Assembly) -> R<()> {
    let id = resolver_endpoint_id(&r.r.base, Some(&r.r.props));
    let direction = match r.req("Direction")?.to_ascii_uppercase().as_str() {
        "INBOUND" => m::ResolverDirection::Inbound,
        "OUTBOUND" => m::ResolverDirection::Outbound,
        other => return Err(r.err(r.pos_of("Direction"), format!("Direction: expected INBOUND or OUTBOUND, got {other:?}"))),
    };
    let security_groups = r.list("SecurityGroupIds")?;
    let addresses = r.items("IpAddresses")?;
    for (i, x) in addresses.iter().enumerate() {
        let subnet = text(x.get("SubnetId"), "IpAddresses.SubnetId", x.pos)?
            .ok_or_else(|| r.err(x.pos, "IpAddresses: every address needs a SubnetId"))?;
        let eni = r.derived("eni-", i);
        let ip_id = r.derived("rni-", i);
        a.resolver_endpoint_address(&id, eni, &ip_id, subnet, addr(r, x, "Ip")?, security_groups.clone(), r.origin());
    }
    a.resolver_endpoint(m::ResolverEndpoint {
        id,
        arn: None,
        name: r.opt("Name")?,
        direction,
        vpc: String::new(),
        security_groups,
        status: None,
        ip_address_count: u32::try_from(addresses.len()).ok(),
        protocols: r.list("Protocols")?,
        addresses: Vec::new(),
        addresses_known: true,
        placement: r.placement(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn resolver_rule(r: &Res, a: &mut Assembly) -> R<()> {
    let rule_type = match r.req("RuleType")?.to_ascii_uppercase().as_str() {
        "FORWARD" => m::ResolverRuleType::Forward,
        "SYSTEM" => m::ResolverRuleType::System,
        "RECURSIVE" => m::ResolverRuleType::Recursive,
        other => return Err(r.err(r.pos_of("RuleType"), format!("RuleType: expected FORWARD, SYSTEM or RECURSIVE, got {other:?}"))),
    };
    let mut targets = Vec::new();
    for t in r.items("TargetIps")? {
        let port = match text(t.get("Port"), "TargetIps.Port", t.pos)? {
            None => 53,
            Some(p) => p
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| r.err(t.pos, format!("TargetIps.Port: expected a port 1-65535, got {p:?}")))?,
        };
        targets.push(m::ResolverTarget {
            ip: addr(r, t, "Ip")?,
            ipv6: text(t.get("Ipv6"), "TargetIps.Ipv6", t.pos)?,
            port,
            protocol: text(t.get("Protocol"), "TargetIps.Protocol", t.pos)?,
        });
    }
    a.resolver_rule(m::ResolverRule {
        id: format!("rslvr-rr-{}", r.r.base),
        arn: None,
        name: r.opt("Name")?,
        domain_name: m::normalise_domain(&r.req("DomainName")?),
        rule_type,
        targets,
        resolver_endpoint: r.opt("ResolverEndpointId")?,
        owner: Some(r.r.place.account.clone()),
        share_status: None,
        status: None,
        placement: r.placement(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn resolver_rule_association(r: &Res, a: &mut Assembly) -> R<()> {
    a.resolver_rule_association(m::ResolverRuleAssociation {
        id: format!("rslvr-rrassoc-{}", r.r.base),
        rule: r.req("ResolverRuleId")?,
        vpc: r.req("VPCId")?,
        name: r.opt("Name")?,
        status: None,
        origin: r.origin(),
    });
    Ok(())
}

pub fn hosted_zone(r: &Res, a: &mut Assembly) -> R<()> {
    let mut vpcs = Vec::new();
    for v in r.items("VPCs")? {
        let vpc = text(v.get("VPCId"), "VPCs.VPCId", v.pos)?.ok_or_else(|| r.err(v.pos, "VPCs: every entry needs a VPCId"))?;
        vpcs.push(m::HostedZoneVpc { vpc, region: text(v.get("VPCRegion"), "VPCs.VPCRegion", v.pos)? });
    }
    let comment = match r.sub("HostedZoneConfig") {
        Some(c) => text(c.get("Comment"), "HostedZoneConfig.Comment", c.pos)?,
        None => None,
    };
    a.hosted_zone(m::HostedZone {
        id: format!("Z{}", r.r.base),
        name: m::normalise_domain(&r.req("Name")?),
        private: !vpcs.is_empty(),
        comment,
        record_count: None,
        vpcs,
        vpcs_known: true,
        records: Vec::new(),
        records_known: true,
        origin: r.origin(),
    });
    Ok(())
}

/// One record set (of `AWS::Route53::RecordSet`, or of a `RecordSetGroup`'s `RecordSets`).
fn record(r: &Res, v: &Val, zone: Option<String>, a: &mut Assembly) -> R<()> {
    let zone = match (text(v.get("HostedZoneId"), "HostedZoneId", v.pos)?, text(v.get("HostedZoneName"), "HostedZoneName", v.pos)?) {
        (Some(z), _) | (None, Some(z)) => z,
        (None, None) => zone.ok_or_else(|| r.err(v.pos, "HostedZoneId or HostedZoneName is required"))?,
    };
    let name = text(v.get("Name"), "Name", v.pos)?.ok_or_else(|| r.err(v.pos, "Name is required"))?;
    let record_type = text(v.get("Type"), "Type", v.pos)?.ok_or_else(|| r.err(v.pos, "Type is required"))?;
    let ttl = match text(v.get("TTL"), "TTL", v.pos)? {
        None => None,
        Some(t) => Some(t.trim().parse::<u64>().map_err(|_| r.err(v.pos, format!("TTL: expected a number, got {t:?}")))?),
    };
    let alias = match v.get("AliasTarget") {
        Some(t) => text(t.get("DNSName"), "AliasTarget.DNSName", t.pos)?.map(|d| m::normalise_domain(&d)),
        None => None,
    };
    let values = super::list_of(v.get("ResourceRecords"), "ResourceRecords", v.pos)?;
    let rec = m::ResourceRecordSet { name: m::normalise_domain(&name), record_type, ttl, values, alias };
    a.record(&zone, rec, &r.origin());
    Ok(())
}

pub fn record_set(r: &Res, a: &mut Assembly) -> R<()> {
    record(r, &r.r.props, None, a)
}

pub fn record_set_group(r: &Res, a: &mut Assembly) -> R<()> {
    let zone = match r.opt("HostedZoneId")? {
        Some(z) => Some(z),
        None => r.opt("HostedZoneName")?,
    };
    for v in r.items("RecordSets")? {
        record(r, v, zone.clone(), a)?;
    }
    Ok(())
}
