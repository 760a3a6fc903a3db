//! Reading DNS: Route 53 Resolver (`route53resolver list-resolver-endpoints`,
//! `get-resolver-endpoint`, `list-resolver-endpoint-ip-addresses`, `list-resolver-rules`,
//! `get-resolver-rule`, `list-resolver-rule-associations`) and Route 53 hosted zones
//! (`route53 list-hosted-zones`, `get-hosted-zone`, `list-resource-record-sets`).
//!
//! Two outputs do not name what they describe, so the file name does (as for Transit
//! Gateway routes): the addresses of an endpoint are read from a file named after the
//! endpoint (`ResolverEndpointIpAddresses/rslvr-out-….json`), the records of a zone from a
//! file named after the zone (`ResourceRecordSets/Z….json`). Each record is converted on
//! its own; a bad field costs only its record and is reported with its JSON path.

use super::dispatch::{FileItems, Item};
use super::insert_unique;
use super::source::{array, Source};
use koban_model as m;
use koban_model::{Diagnostic, Origin, Severity, Twin, Unknown};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::net::Ipv4Addr;

/// The records under top-level `key` (none, reported, when it is not an array).
fn records_at<'v>(src: &Source, v: &'v Value, key: &str, out: &mut FileItems) -> &'v [Value] {
    array(src, v, &format!("/{key}"), &format!("{key} records"), out).map_or(&[], Vec::as_slice)
}

/// One record read by this module.
pub enum DnsItem {
    Endpoint(m::ResolverEndpoint),
    /// `list-resolver-endpoint-ip-addresses` of one endpoint (named by the file).
    EndpointAddresses {
        endpoint: String,
        addresses: Vec<m::ResolverEndpointAddress>,
        origin: Origin,
    },
    Rule(m::ResolverRule),
    Association(m::ResolverRuleAssociation),
    /// A zone from `list-hosted-zones` (no VPCs) or `get-hosted-zone` (with its VPCs).
    Zone(m::HostedZone),
    /// `list-resource-record-sets` of one zone (named by the file).
    Records {
        zone: String,
        records: Vec<m::ResourceRecordSet>,
        origin: Origin,
    },
}

fn push(out: &mut FileItems, item: DnsItem) {
    out.items.push(Item::Dns(Box::new(item)));
}

// ------------------------------------------------------------------------- AWS CLI shapes

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EndpointShape {
    id: String,
    arn: Option<String>,
    name: Option<String>,
    direction: String,
    #[serde(rename = "HostVPCId")]
    host_vpc_id: String,
    #[serde(default)]
    security_group_ids: Vec<String>,
    status: Option<String>,
    ip_address_count: Option<u32>,
    #[serde(default)]
    protocols: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AddressShape {
    ip_id: Option<String>,
    subnet_id: String,
    ip: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TargetShape {
    ip: Option<String>,
    ipv6: Option<String>,
    port: Option<i64>,
    protocol: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RuleShape {
    id: String,
    arn: Option<String>,
    name: Option<String>,
    domain_name: String,
    rule_type: String,
    #[serde(default)]
    target_ips: Vec<TargetShape>,
    resolver_endpoint_id: Option<String>,
    owner_id: Option<String>,
    share_status: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AssociationShape {
    id: String,
    resolver_rule_id: String,
    name: Option<String>,
    #[serde(rename = "VPCId")]
    vpc_id: String,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ZoneConfigShape {
    comment: Option<String>,
    #[serde(default)]
    private_zone: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ZoneShape {
    id: String,
    name: String,
    config: Option<ZoneConfigShape>,
    resource_record_set_count: Option<u64>,
}

#[derive(Deserialize)]
struct ZoneVpcShape {
    #[serde(rename = "VPCId")]
    vpc_id: String,
    #[serde(rename = "VPCRegion")]
    vpc_region: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RecordValueShape {
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AliasShape {
    #[serde(rename = "DNSName")]
    dns_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RecordShape {
    name: String,
    #[serde(rename = "Type")]
    record_type: String,
    #[serde(rename = "TTL")]
    ttl: Option<u64>,
    #[serde(default)]
    resource_records: Vec<RecordValueShape>,
    alias_target: Option<AliasShape>,
}

// ------------------------------------------------------------------------- conversion

fn v4(s: &str) -> Result<Ipv4Addr, String> {
    s.trim().parse::<Ipv4Addr>().map_err(|_| format!("expected an IPv4 address, got {s:?}"))
}

fn endpoint(src: &Source, s: EndpointShape, pointer: &str, out: &mut FileItems) -> Option<m::ResolverEndpoint> {
    let direction = match s.direction.to_ascii_uppercase().as_str() {
        "INBOUND" => m::ResolverDirection::Inbound,
        "OUTBOUND" => m::ResolverDirection::Outbound,
        other => {
            src.error(out, &format!("{pointer}/Direction"), format!("expected INBOUND or OUTBOUND, got {other:?}"), Some(&s.id));
            return None;
        }
    };
    let owner = s.arn.as_deref().and_then(|a| a.split(':').nth(4)).filter(|a| !a.is_empty());
    Some(m::ResolverEndpoint {
        placement: src.placement(owner),
        id: s.id,
        arn: s.arn.clone(),
        name: s.name,
        direction,
        vpc: s.host_vpc_id,
        security_groups: s.security_group_ids,
        status: s.status,
        ip_address_count: s.ip_address_count,
        protocols: s.protocols,
        addresses: Vec::new(),
        addresses_known: false,
        origin: src.origin(pointer),
    })
}

fn rule(src: &Source, s: RuleShape, pointer: &str, out: &mut FileItems) -> Option<m::ResolverRule> {
    let rule_type = match s.rule_type.to_ascii_uppercase().as_str() {
        "FORWARD" => m::ResolverRuleType::Forward,
        "SYSTEM" => m::ResolverRuleType::System,
        "RECURSIVE" => m::ResolverRuleType::Recursive,
        other => {
            src.error(out, &format!("{pointer}/RuleType"), format!("expected FORWARD, SYSTEM or RECURSIVE, got {other:?}"), Some(&s.id));
            return None;
        }
    };
    let mut targets = Vec::new();
    for (i, t) in s.target_ips.iter().enumerate() {
        let ip = match t.ip.as_deref().map(v4).transpose() {
            Ok(ip) => ip,
            Err(e) => {
                src.error(out, &format!("{pointer}/TargetIps/{i}/Ip"), e, Some(&s.id));
                return None;
            }
        };
        let port = match t.port {
            None => 53,
            Some(p) if (1..=65535).contains(&p) => p as u16,
            Some(p) => {
                src.error(out, &format!("{pointer}/TargetIps/{i}/Port"), format!("expected a port 1-65535, got {p}"), Some(&s.id));
                return None;
            }
        };
        targets.push(m::ResolverTarget { ip, ipv6: t.ipv6.clone(), port, protocol: t.protocol.clone() });
    }
    Some(m::ResolverRule {
        placement: src.placement(s.owner_id.as_deref()),
        id: s.id,
        arn: s.arn,
        name: s.name,
        domain_name: m::normalise_domain(&s.domain_name),
        rule_type,
        targets,
        resolver_endpoint: s.resolver_endpoint_id.filter(|e| !e.is_empty()),
        owner: s.owner_id,
        share_status: s.share_status,
        status: s.status,
        origin: src.origin(pointer),
    })
}

fn zone(src: &Source, s: ZoneShape, vpcs: Option<Vec<m::HostedZoneVpc>>, pointer: &str) -> m::HostedZone {
    let config = s.config.unwrap_or(ZoneConfigShape { comment: None, private_zone: false });
    m::HostedZone {
        id: s.id.trim_start_matches("/hostedzone/").to_string(),
        name: m::normalise_domain(&s.name),
        private: config.private_zone,
        comment: config.comment,
        record_count: s.resource_record_set_count,
        vpcs_known: vpcs.is_some(),
        vpcs: vpcs.unwrap_or_default(),
        records: Vec::new(),
        records_known: false,
        origin: src.origin(pointer),
    }
}

// ------------------------------------------------------------------------- top-level keys

/// `get-hosted-zone`: `HostedZone` with the private zone's `VPCs` beside it (and the public
/// zone's `DelegationSet`). Returns true when the file was one.
pub fn read_object(src: &Source, obj: &Map<String, Value>, out: &mut FileItems) -> bool {
    let Some(z) = obj.get("HostedZone") else { return false };
    if !obj.keys().all(|k| matches!(k.as_str(), "HostedZone" | "VPCs" | "DelegationSet")) {
        return false;
    }
    let vpcs = match obj.get("VPCs") {
        None => Some(Vec::new()),
        Some(v) => src
            .shape::<Vec<ZoneVpcShape>>(v, "/VPCs", "hosted zone VPC associations", "VPCId", out)
            .map(|vs| vs.into_iter().map(|x| m::HostedZoneVpc { vpc: x.vpc_id, region: x.vpc_region }).collect::<Vec<_>>()),
    };
    if let Some(s) = src.shape::<ZoneShape>(z, "/HostedZone", "a hosted zone", "Id", out) {
        push(out, DnsItem::Zone(zone(src, s, vpcs, "/HostedZone")));
    }
    true
}

/// One top-level key this module reads; false when the key is not one of its keys.
pub fn read_key(src: &Source, key: &str, v: &Value, out: &mut FileItems) -> bool {
    match key {
        "ResolverEndpoints" => {
            for (i, x) in records_at(src, v, key, out).iter().enumerate() {
                let p = format!("/{key}/{i}");
                if let Some(e) = src.shape::<EndpointShape>(x, &p, "a Resolver endpoint", "Id", out).and_then(|s| endpoint(src, s, &p, out))
                {
                    push(out, DnsItem::Endpoint(e));
                }
            }
        }
        "ResolverEndpoint" => {
            if let Some(e) = src
                .shape::<EndpointShape>(v, "/ResolverEndpoint", "a Resolver endpoint", "Id", out)
                .and_then(|s| endpoint(src, s, "/ResolverEndpoint", out))
            {
                push(out, DnsItem::Endpoint(e));
            }
        }
        "IpAddresses" => endpoint_addresses(src, v, out),
        "ResolverRules" => {
            for (i, x) in records_at(src, v, key, out).iter().enumerate() {
                let p = format!("/{key}/{i}");
                if let Some(r) = src.shape::<RuleShape>(x, &p, "a Resolver rule", "Id", out).and_then(|s| rule(src, s, &p, out)) {
                    push(out, DnsItem::Rule(r));
                }
            }
        }
        "ResolverRule" => {
            if let Some(r) =
                src.shape::<RuleShape>(v, "/ResolverRule", "a Resolver rule", "Id", out).and_then(|s| rule(src, s, "/ResolverRule", out))
            {
                push(out, DnsItem::Rule(r));
            }
        }
        "ResolverRuleAssociations" => {
            for (i, x) in records_at(src, v, key, out).iter().enumerate() {
                let p = format!("/{key}/{i}");
                if let Some(a) = src.shape::<AssociationShape>(x, &p, "a Resolver rule association", "Id", out) {
                    push(
                        out,
                        DnsItem::Association(m::ResolverRuleAssociation {
                            id: a.id,
                            rule: a.resolver_rule_id,
                            vpc: a.vpc_id,
                            name: a.name,
                            status: a.status,
                            origin: src.origin(&p),
                        }),
                    );
                }
            }
        }
        "HostedZones" => {
            for (i, x) in records_at(src, v, key, out).iter().enumerate() {
                let p = format!("/{key}/{i}");
                if let Some(s) = src.shape::<ZoneShape>(x, &p, "a hosted zone", "Id", out) {
                    push(out, DnsItem::Zone(zone(src, s, None, &p)));
                }
            }
        }
        "ResourceRecordSets" => record_sets(src, v, out),
        "MaxItems" | "NextMarker" | "MaxResults" => {}
        _ => return false,
    }
    true
}

/// `list-resolver-endpoint-ip-addresses --resolver-endpoint-id <id>`: the output does not
/// name the endpoint, so the file must be named after it.
fn endpoint_addresses(src: &Source, v: &Value, out: &mut FileItems) {
    if !src.stem.starts_with("rslvr-") {
        src.error(
            out,
            "/IpAddresses",
            format!(
                "IpAddresses in a file named {:?}: save the output of list-resolver-endpoint-ip-addresses as ResolverEndpointIpAddresses/<resolver-endpoint-id>.json (the output does not name the endpoint)",
                src.stem
            ),
            None,
        );
        return;
    }
    let mut addresses = Vec::new();
    for (i, x) in records_at(src, v, "IpAddresses", out).iter().enumerate() {
        let p = format!("/IpAddresses/{i}");
        let Some(a) = src.shape::<AddressShape>(x, &p, "a Resolver endpoint address", "IpId", out) else { continue };
        let ip = match a.ip.as_deref().map(v4).transpose() {
            Ok(ip) => ip,
            Err(e) => {
                src.error(out, &format!("{p}/Ip"), e, Some(src.stem));
                continue;
            }
        };
        addresses.push(m::ResolverEndpointAddress { ip_id: a.ip_id, subnet: a.subnet_id, ip, status: a.status });
    }
    push(out, DnsItem::EndpointAddresses { endpoint: src.stem.to_string(), addresses, origin: src.origin("/IpAddresses") });
}

/// `list-resource-record-sets --hosted-zone-id <id>`: named after the zone.
fn record_sets(src: &Source, v: &Value, out: &mut FileItems) {
    let zone = src.stem.trim_start_matches("hostedzone-");
    if !zone.starts_with('Z') || !zone.chars().all(|c| c.is_ascii_alphanumeric()) {
        src.error(
            out,
            "/ResourceRecordSets",
            format!(
                "ResourceRecordSets in a file named {:?}: save the output of list-resource-record-sets as ResourceRecordSets/<hosted-zone-id>.json (the output does not name the zone)",
                src.stem
            ),
            None,
        );
        return;
    }
    let mut records = Vec::new();
    for (i, x) in records_at(src, v, "ResourceRecordSets", out).iter().enumerate() {
        let p = format!("/ResourceRecordSets/{i}");
        let Some(r) = src.shape::<RecordShape>(x, &p, "a resource record set", "Name", out) else { continue };
        records.push(m::ResourceRecordSet {
            name: m::normalise_domain(&r.name),
            record_type: r.record_type,
            ttl: r.ttl,
            values: r.resource_records.into_iter().map(|v| v.value).collect(),
            alias: r.alias_target.map(|a| m::normalise_domain(&a.dns_name)),
        });
    }
    push(out, DnsItem::Records { zone: zone.to_string(), records, origin: src.origin("/ResourceRecordSets") });
}

// ------------------------------------------------------------------------- assembling

/// Records that complete others: endpoint addresses and zone records, merged once every
/// file is read.
#[derive(Default)]
pub struct Pending {
    addresses: Vec<(String, Vec<m::ResolverEndpointAddress>, Origin)>,
    records: Vec<(String, Vec<m::ResourceRecordSet>, Origin)>,
}

fn warn(t: &mut Twin, origin: &Origin, suffix: &str, resource: &str, message: String) {
    t.diagnostics.push(Diagnostic {
        severity: Severity::Warning,
        origin: Origin::new(origin.file.clone(), format!("{}{suffix}", origin.location)),
        message,
        resource: Some(resource.to_string()),
    });
}

impl Pending {
    /// Put one record into the twin.
    pub fn add(&mut self, t: &mut Twin, item: DnsItem) {
        let d = &mut t.diagnostics;
        match item {
            DnsItem::Endpoint(x) => {
                let o = x.origin.clone();
                insert_unique(&mut t.dns.resolver_endpoints, d, x.id.clone(), x, &o, "Resolver endpoint")
            }
            DnsItem::EndpointAddresses { endpoint, addresses, origin } => self.addresses.push((endpoint, addresses, origin)),
            DnsItem::Rule(x) => {
                // Rules shared through AWS RAM are listed by the owner and by every account
                // they are shared with: one rule.
                t.dns.resolver_rules.entry(x.id.clone()).or_insert(x);
            }
            DnsItem::Association(x) => {
                let o = x.origin.clone();
                insert_unique(&mut t.dns.resolver_rule_associations, d, x.id.clone(), x, &o, "Resolver rule association")
            }
            DnsItem::Zone(x) => match t.dns.hosted_zones.get_mut(&x.id) {
                // list-hosted-zones and get-hosted-zone describe the same zone: keep the
                // VPC associations of whichever has them.
                Some(existing) => {
                    if x.vpcs_known && !existing.vpcs_known {
                        existing.vpcs = x.vpcs;
                        existing.vpcs_known = true;
                    }
                }
                None => {
                    t.dns.hosted_zones.insert(x.id.clone(), x);
                }
            },
            DnsItem::Records { zone, records, origin } => self.records.push((zone, records, origin)),
        }
    }

    /// Attach addresses and records to their endpoints and zones, then report what is
    /// missing or dangling.
    pub fn finish(self, t: &mut Twin) {
        for (id, addresses, origin) in self.addresses {
            match t.dns.resolver_endpoints.get_mut(&id) {
                Some(e) => {
                    for a in addresses {
                        if !e.addresses.contains(&a) {
                            e.addresses.push(a);
                        }
                    }
                    e.addresses_known = true;
                }
                None => warn(
                    t,
                    &origin,
                    "",
                    &id,
                    format!("addresses of Resolver endpoint {id}, which no ResolverEndpoints file describes; they are not used"),
                ),
            }
        }
        for (id, records, origin) in self.records {
            match t.dns.hosted_zones.get_mut(&id) {
                Some(z) => {
                    z.records.extend(records);
                    z.records_known = true;
                }
                None => warn(
                    t,
                    &origin,
                    "",
                    &id,
                    format!("records of hosted zone {id}, which no HostedZones file describes; they are not used"),
                ),
            }
        }
        check_references(t);
    }
}

/// Every endpoint, rule, association and zone must name resources the snapshot holds;
/// endpoints and private zones need the outputs that complete them.
fn check_references(t: &mut Twin) {
    let mut warnings: Vec<(Origin, String, String, String)> = Vec::new();
    let mut unknowns = Vec::new();
    for e in t.dns.resolver_endpoints.values() {
        if !t.vpcs.contains_key(&e.vpc) {
            warnings.push((
                e.origin.clone(),
                "/HostVPCId".into(),
                e.id.clone(),
                format!("{} is in VPC {}, which is not in the snapshot (expected a VPC described by another file)", e.id, e.vpc),
            ));
        }
        for (i, a) in e.addresses.iter().enumerate() {
            if !t.subnets.contains_key(&a.subnet) {
                warnings.push((
                    e.origin.clone(),
                    String::new(),
                    e.id.clone(),
                    format!("address {i} of {} is in subnet {}, which is not in the snapshot", e.id, a.subnet),
                ));
            }
        }
        if !e.addresses_known {
            unknowns.push(Unknown {
                resource: e.id.clone(),
                reason: "the endpoint's addresses are not in the snapshot (add ResolverEndpointIpAddresses/<endpoint-id>.json from list-resolver-endpoint-ip-addresses): the path of its queries cannot be traced".into(),
                origin: Some(e.origin.clone()),
            });
        }
    }
    for r in t.dns.resolver_rules.values() {
        if let Some(ep) = &r.resolver_endpoint {
            if !t.dns.resolver_endpoints.contains_key(ep) {
                warnings.push((r.origin.clone(), "/ResolverEndpointId".into(), r.id.clone(), format!("{} forwards through Resolver endpoint {ep}, which is not in the snapshot (expected an endpoint listed by list-resolver-endpoints, in the owner account of a shared rule)", r.id)));
            }
        }
    }
    for a in t.dns.resolver_rule_associations.values() {
        if !t.dns.resolver_rules.contains_key(&a.rule) {
            warnings.push((
                a.origin.clone(),
                "/ResolverRuleId".into(),
                a.id.clone(),
                format!(
                    "{} associates rule {}, which is not in the snapshot (expected a rule listed by list-resolver-rules)",
                    a.id, a.rule
                ),
            ));
        }
        if !t.vpcs.contains_key(&a.vpc) {
            warnings.push((
                a.origin.clone(),
                "/VPCId".into(),
                a.id.clone(),
                format!("{} associates VPC {}, which is not in the snapshot", a.id, a.vpc),
            ));
        }
    }
    for z in t.dns.hosted_zones.values().filter(|z| z.private && !z.vpcs_known) {
        unknowns.push(Unknown {
            resource: z.id.clone(),
            reason: format!("private hosted zone {} without its VPC associations (add the output of get-hosted-zone --id {}): the VPCs it answers for are not known", z.name, z.id),
            origin: Some(z.origin.clone()),
        });
    }
    for (origin, suffix, resource, message) in warnings {
        warn(t, &origin, &suffix, &resource, message);
    }
    t.unknowns.extend(unknowns);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn src<'a>(stem: &'a str) -> Source<'a> {
        Source { file: "f.json", stem, dir: "", account: Some("111111111111"), region: Some("eu-west-1") }
    }

    fn items(out: FileItems) -> Vec<DnsItem> {
        out.items
            .into_iter()
            .filter_map(|i| match i {
                Item::Dns(d) => Some(*d),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn reads_the_cli_shapes_of_rules_and_endpoints() {
        let mut out = FileItems::default();
        let rules = json!([{
            "Id": "rslvr-rr-1", "Arn": "arn:aws:route53resolver:eu-west-1:111111111111:resolver-rule/rslvr-rr-1",
            "DomainName": "Corp.Example.com.", "Status": "COMPLETE", "RuleType": "FORWARD",
            "TargetIps": [{"Ip": "10.100.0.2", "Port": 53}, {"Ip": "10.100.0.3"}],
            "ResolverEndpointId": "rslvr-out-1", "OwnerId": "111111111111", "ShareStatus": "NOT_SHARED"
        }, {"Id": "rslvr-rr-2", "DomainName": "x.", "RuleType": "BOGUS"}]);
        assert!(read_key(&src("ResolverRules"), "ResolverRules", &rules, &mut out));
        let diags = out.diagnostics.clone();
        let got = items(out);
        assert_eq!(got.len(), 1);
        let DnsItem::Rule(r) = &got[0] else { panic!("a rule") };
        assert_eq!(r.domain_name, "corp.example.com");
        assert_eq!(r.targets.iter().map(|t| t.port).collect::<Vec<_>>(), vec![53, 53]);
        assert_eq!(diags.len(), 1);
        assert_eq!(&*diags[0].origin.location, "/ResolverRules/1/RuleType");

        let mut out = FileItems::default();
        let ips = json!([{"IpId": "rni-1", "SubnetId": "subnet-1", "Ip": "10.10.4.53", "Status": "ATTACHED"}, {"IpId": "rni-2", "SubnetId": "subnet-2", "Ip": "10.10.5"}]);
        assert!(read_key(&src("rslvr-out-1"), "IpAddresses", &ips, &mut out));
        assert_eq!(&*out.diagnostics[0].origin.location, "/IpAddresses/1/Ip");
        let got = items(out);
        let DnsItem::EndpointAddresses { endpoint, addresses, .. } = &got[0] else { panic!("addresses") };
        assert_eq!(endpoint, "rslvr-out-1");
        assert_eq!(addresses.len(), 1);

        let mut out = FileItems::default();
        read_key(&src("IpAddresses"), "IpAddresses", &ips, &mut out);
        assert!(out.diagnostics[0].message.contains("ResolverEndpointIpAddresses/<resolver-endpoint-id>.json"));
    }

    #[test]
    fn get_hosted_zone_carries_the_vpcs() {
        let mut out = FileItems::default();
        let v = json!({
            "HostedZone": {"Id": "/hostedzone/Z0123", "Name": "internal.example.com.", "CallerReference": "x",
                           "Config": {"Comment": "c", "PrivateZone": true}, "ResourceRecordSetCount": 3},
            "VPCs": [{"VPCRegion": "eu-west-1", "VPCId": "vpc-1"}]
        });
        let Value::Object(o) = v else { panic!("object") };
        assert!(read_object(&src("Z0123"), &o, &mut out));
        let got = items(out);
        let DnsItem::Zone(z) = &got[0] else { panic!("zone") };
        assert_eq!((z.id.as_str(), z.name.as_str(), z.private, z.vpcs_known), ("Z0123", "internal.example.com", true, true));
        assert_eq!(z.vpcs[0].vpc, "vpc-1");
    }
}
