//! DNS: Route 53 Resolver endpoints (inbound and outbound, with the subnets and addresses of
//! their network interfaces), Resolver rules (FORWARD, SYSTEM, RECURSIVE) and their VPC
//! associations, and Route 53 hosted zones with the VPCs private zones are associated with.
//! Domain names are kept normalised: lower case, no trailing dot, the root as `.`.

use crate::{Origin, Placement};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Which way a Resolver endpoint carries queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResolverDirection {
    /// Queries from your network to the VPC resolver (`INBOUND`).
    Inbound,
    /// Queries from the VPC resolver to resolvers on your network (`OUTBOUND`).
    Outbound,
}

/// One address of a Resolver endpoint: an elastic network interface in a subnet of the
/// endpoint's VPC (`list-resolver-endpoint-ip-addresses`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolverEndpointAddress {
    pub ip_id: Option<String>,
    pub subnet: String,
    pub ip: Option<Ipv4Addr>,
    /// `ATTACHED`, `CREATING`, … as AWS reports it.
    pub status: Option<String>,
}

impl ResolverEndpointAddress {
    /// True when the address carries queries (AWS reports `ATTACHED`; an address without a
    /// status is taken as attached).
    pub fn is_attached(&self) -> bool {
        self.status.as_deref().map(|s| s.eq_ignore_ascii_case("ATTACHED")).unwrap_or(true)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ResolverEndpoint {
    /// `rslvr-in-…` or `rslvr-out-…`.
    pub id: String,
    pub arn: Option<String>,
    pub name: Option<String>,
    pub direction: ResolverDirection,
    /// `HostVPCId`: the VPC whose subnets hold the endpoint's interfaces.
    pub vpc: String,
    pub security_groups: Vec<String>,
    /// `OPERATIONAL`, `CREATING`, `ACTION_NEEDED`, … as AWS reports it.
    pub status: Option<String>,
    pub ip_address_count: Option<u32>,
    /// `Do53`, `DoH`, `DoH-FIPS`; empty when AWS did not report them (Do53).
    pub protocols: Vec<String>,
    /// The endpoint's addresses; empty until `list-resolver-endpoint-ip-addresses` is read.
    pub addresses: Vec<ResolverEndpointAddress>,
    /// True when the snapshot holds the endpoint's `list-resolver-endpoint-ip-addresses`.
    pub addresses_known: bool,
    pub placement: Placement,
    pub origin: Origin,
}

impl ResolverEndpoint {
    /// True when the endpoint takes queries (`OPERATIONAL`, or no status reported).
    pub fn is_operational(&self) -> bool {
        self.status.as_deref().map(|s| matches!(s, "OPERATIONAL" | "UPDATING" | "AUTO_RECOVERING")).unwrap_or(true)
    }
}

/// What a Resolver rule does with the queries it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ResolverRuleType {
    /// Forward the queries through an outbound endpoint to the rule's target addresses.
    Forward,
    /// Resolve the queries in the VPC (private hosted zones, then public DNS), overriding a
    /// forwarding rule for a parent domain.
    System,
    /// Resolve the queries recursively on the internet (the autodefined "Internet Resolver").
    Recursive,
}

/// A resolver on your network that a FORWARD rule sends queries to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolverTarget {
    pub ip: Option<Ipv4Addr>,
    /// IPv6 targets are recorded, not analysed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<String>,
    /// The destination port (53 when AWS reports none).
    pub port: u16,
    /// `Do53`, `DoH`, `DoH-FIPS` when AWS reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResolverRule {
    /// `rslvr-rr-…` (or `rslvr-autodefined-rr-…` for rules Resolver defines).
    pub id: String,
    pub arn: Option<String>,
    pub name: Option<String>,
    /// Normalised: lower case, no trailing dot; `.` for the root.
    pub domain_name: String,
    pub rule_type: ResolverRuleType,
    pub targets: Vec<ResolverTarget>,
    /// The outbound endpoint a FORWARD rule sends queries through.
    pub resolver_endpoint: Option<String>,
    pub owner: Option<String>,
    /// `NOT_SHARED`, `SHARED_BY_ME`, `SHARED_WITH_ME` (rules shared through AWS RAM).
    pub share_status: Option<String>,
    /// `COMPLETE`, `FAILED`, … as AWS reports it.
    pub status: Option<String>,
    pub placement: Placement,
    pub origin: Origin,
}

/// A rule associated with a VPC: the rule applies to queries from that VPC.
#[derive(Debug, Clone, Serialize)]
pub struct ResolverRuleAssociation {
    /// `rslvr-rrassoc-…`.
    pub id: String,
    pub rule: String,
    pub vpc: String,
    pub name: Option<String>,
    /// `COMPLETE`, `CREATING`, `FAILED`, `OVERRIDDEN`, … as AWS reports it.
    pub status: Option<String>,
    pub origin: Origin,
}

impl ResolverRuleAssociation {
    /// True when the association is in force (`COMPLETE`, or no status reported).
    pub fn is_active(&self) -> bool {
        self.status.as_deref().map(|s| s.eq_ignore_ascii_case("COMPLETE")).unwrap_or(true)
    }
}

/// A VPC a private hosted zone is associated with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostedZoneVpc {
    pub vpc: String,
    pub region: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostedZone {
    /// The zone id without the `/hostedzone/` prefix (`Z…`).
    pub id: String,
    /// Normalised: lower case, no trailing dot.
    pub name: String,
    pub private: bool,
    pub comment: Option<String>,
    pub record_count: Option<u64>,
    /// VPCs a private zone answers for (from `get-hosted-zone`).
    pub vpcs: Vec<HostedZoneVpc>,
    /// True when the snapshot holds the zone's `get-hosted-zone` output (its VPC list).
    pub vpcs_known: bool,
    /// The zone's records (from `list-resource-record-sets`).
    pub records: Vec<ResourceRecordSet>,
    /// True when the snapshot holds the zone's records.
    pub records_known: bool,
    pub origin: Origin,
}

/// One record set of a hosted zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceRecordSet {
    /// Normalised name.
    pub name: String,
    /// `A`, `AAAA`, `CNAME`, `MX`, `TXT`, `NS`, `SOA`, …
    #[serde(rename = "type")]
    pub record_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u64>,
    pub values: Vec<String>,
    /// The DNS name of an alias target, for alias records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

/// Everything DNS the twin holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Dns {
    pub resolver_endpoints: BTreeMap<String, ResolverEndpoint>,
    pub resolver_rules: BTreeMap<String, ResolverRule>,
    pub resolver_rule_associations: BTreeMap<String, ResolverRuleAssociation>,
    pub hosted_zones: BTreeMap<String, HostedZone>,
}

impl Dns {
    pub fn is_empty(&self) -> bool {
        self.resolver_endpoints.is_empty()
            && self.resolver_rules.is_empty()
            && self.resolver_rule_associations.is_empty()
            && self.hosted_zones.is_empty()
    }

    pub fn len(&self) -> usize {
        self.resolver_endpoints.len() + self.resolver_rules.len() + self.resolver_rule_associations.len() + self.hosted_zones.len()
    }
}

/// A domain name as Route 53 compares it: lower case, without the trailing dot; the root
/// (`.` or empty) as `.`.
pub fn normalise_domain(name: &str) -> String {
    let n = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if n.is_empty() {
        ".".to_string()
    } else {
        n
    }
}

/// True when `name` is `domain` or one of its subdomains, label by label (both normalised).
/// Every name is inside the root `.`.
pub fn domain_contains(domain: &str, name: &str) -> bool {
    if domain == "." {
        return true;
    }
    name == domain || (name.len() > domain.len() && name.ends_with(domain) && name.as_bytes()[name.len() - domain.len() - 1] == b'.')
}

/// The number of labels of a normalised name (0 for the root): more labels is more specific.
pub fn domain_depth(name: &str) -> usize {
    if name == "." {
        0
    } else {
        name.split('.').count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_match_label_by_label() {
        assert_eq!(normalise_domain("Corp.Example.COM."), "corp.example.com");
        assert_eq!(normalise_domain("."), ".");
        assert!(domain_contains("acme.example.com", "acme.example.com"));
        assert!(domain_contains("acme.example.com", "zenith.acme.example.com"));
        assert!(!domain_contains("acme.example.com", "example.com"));
        assert!(!domain_contains("acme.example.com", "nadir.example.com"));
        assert!(!domain_contains("example.com", "badexample.com"));
        assert!(domain_contains(".", "anything.example"));
        assert_eq!(domain_depth("www.example.com"), 3);
        assert_eq!(domain_depth("."), 0);
    }
}
