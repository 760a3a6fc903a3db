//! Conversion of AWS CLI shapes into twin resources: parses CIDRs, addresses and protocols,
//! normalises AWS conventions, and names the exact field when a value is not what AWS
//! would print.

use super::shapes as s;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use koban_model as m;
use koban_model::{Origin, Placement};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// A field whose value could not be used: its JSON path relative to the record, and what was
/// expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub expected: String,
}

impl FieldError {
    fn new(field: impl Into<String>, expected: impl Into<String>) -> Self {
        FieldError { field: field.into(), expected: expected.into() }
    }
}

type R<T> = Result<T, FieldError>;

/// Where a record came from and where it lives.
pub struct RecordContext {
    pub origin: Origin,
    pub account: Option<String>,
    pub region: Option<String>,
}

impl RecordContext {
    fn placement(&self, owner: Option<&String>, az: Option<&String>) -> Placement {
        Placement {
            account: owner.cloned().or_else(|| self.account.clone()),
            region: az.and_then(|z| super::location::region_of_az(z)).or_else(|| self.region.clone()),
        }
    }
}

fn tags(t: Vec<s::Tag>) -> m::Tags {
    t.into_iter().map(|t| (t.key, t.value)).collect()
}

fn v4net(v: &str, field: &str) -> R<Ipv4Net> {
    v.trim()
        .parse::<Ipv4Net>()
        .map(|n| n.trunc())
        .map_err(|_| FieldError::new(field, format!("an IPv4 CIDR block such as 10.0.0.0/16, got {v:?}")))
}

fn v6net(v: &str, field: &str) -> R<Ipv6Net> {
    v.trim().parse::<Ipv6Net>().map(|n| n.trunc()).map_err(|_| FieldError::new(field, format!("an IPv6 CIDR block, got {v:?}")))
}

fn v4addr(v: &str, field: &str) -> R<Ipv4Addr> {
    v.trim().parse::<Ipv4Addr>().map_err(|_| FieldError::new(field, format!("an IPv4 address, got {v:?}")))
}

fn is_live_state(state: Option<&str>, live: &[&str]) -> bool {
    state.map(|st| live.contains(&st)).unwrap_or(true)
}

pub fn vpc(v: s::Vpc, cx: &RecordContext) -> R<Option<m::Vpc>> {
    let mut cidrs = Vec::new();
    for (i, a) in v.cidr_block_association_set.iter().enumerate() {
        let state = a.cidr_block_state.as_ref().and_then(|s| s.state.as_deref());
        if is_live_state(state, &["associated"]) {
            cidrs.push(v4net(&a.cidr_block, &format!("/CidrBlockAssociationSet/{i}/CidrBlock"))?);
        }
    }
    if let Some(primary) = &v.cidr_block {
        let p = v4net(primary, "/CidrBlock")?;
        if !cidrs.contains(&p) {
            cidrs.insert(0, p);
        }
    }
    let mut ipv6 = Vec::new();
    for (i, a) in v.ipv6_cidr_block_association_set.iter().enumerate() {
        let state = a.ipv6_cidr_block_state.as_ref().and_then(|s| s.state.as_deref());
        if let (Some(c), true) = (&a.ipv6_cidr_block, is_live_state(state, &["associated"])) {
            ipv6.push(v6net(c, &format!("/Ipv6CidrBlockAssociationSet/{i}/Ipv6CidrBlock"))?);
        }
    }
    Ok(Some(m::Vpc {
        placement: cx.placement(v.owner_id.as_ref(), None),
        id: v.vpc_id,
        cidrs,
        ipv6_cidrs: ipv6,
        is_default: v.is_default,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn subnet(v: s::Subnet, cx: &RecordContext) -> R<Option<m::Subnet>> {
    let cidr = v.cidr_block.as_deref().map(|c| v4net(c, "/CidrBlock")).transpose()?;
    let mut ipv6 = Vec::new();
    for (i, a) in v.ipv6_cidr_block_association_set.iter().enumerate() {
        if let Some(c) = &a.ipv6_cidr_block {
            ipv6.push(v6net(c, &format!("/Ipv6CidrBlockAssociationSet/{i}/Ipv6CidrBlock"))?);
        }
    }
    Ok(Some(m::Subnet {
        placement: cx.placement(v.owner_id.as_ref(), v.availability_zone.as_ref()),
        id: v.subnet_id,
        vpc: v.vpc_id,
        availability_zone: v.availability_zone,
        availability_zone_id: v.availability_zone_id,
        cidr,
        ipv6_cidrs: ipv6,
        map_public_ip_on_launch: v.map_public_ip_on_launch,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

fn route_target(r: &s::Route) -> m::RouteTarget {
    use m::RouteTarget as T;
    if let Some(id) = &r.nat_gateway_id {
        return T::NatGateway(id.clone());
    }
    if let Some(id) = &r.transit_gateway_id {
        return T::TransitGateway(id.clone());
    }
    if let Some(id) = &r.vpc_peering_connection_id {
        return T::VpcPeeringConnection(id.clone());
    }
    if let Some(id) = &r.vpc_endpoint_id {
        return T::VpcEndpoint(id.clone());
    }
    if let Some(id) = &r.egress_only_internet_gateway_id {
        return T::EgressOnlyInternetGateway(id.clone());
    }
    if let Some(id) = &r.gateway_id {
        return if id == "local" {
            T::Local
        } else if id.starts_with("igw-") {
            T::InternetGateway(id.clone())
        } else if id.starts_with("vgw-") {
            T::VirtualPrivateGateway(id.clone())
        } else if id.starts_with("vpce-") {
            T::VpcEndpoint(id.clone())
        } else if id.starts_with("eigw-") {
            T::EgressOnlyInternetGateway(id.clone())
        } else {
            T::Unsupported(id.clone())
        };
    }
    if let Some(id) = &r.network_interface_id {
        return T::NetworkInterface(id.clone());
    }
    if let Some(id) = &r.instance_id {
        return T::Instance(id.clone());
    }
    if let Some(id) = r.local_gateway_id.as_ref().or(r.carrier_gateway_id.as_ref()).or(r.core_network_arn.as_ref()) {
        return T::Unsupported(id.clone());
    }
    T::Unsupported("(no target)".into())
}

pub fn route_table(v: s::RouteTable, cx: &RecordContext) -> R<Option<m::RouteTable>> {
    let mut routes = Vec::with_capacity(v.routes.len());
    for (i, r) in v.routes.iter().enumerate() {
        let destination = if let Some(c) = &r.destination_cidr_block {
            m::RouteDestination::Ipv4(v4net(c, &format!("/Routes/{i}/DestinationCidrBlock"))?)
        } else if let Some(c) = &r.destination_ipv6_cidr_block {
            m::RouteDestination::Ipv6(v6net(c, &format!("/Routes/{i}/DestinationIpv6CidrBlock"))?)
        } else if let Some(p) = &r.destination_prefix_list_id {
            m::RouteDestination::PrefixList(p.clone())
        } else {
            return Err(FieldError::new(
                format!("/Routes/{i}"),
                "one of DestinationCidrBlock, DestinationIpv6CidrBlock or DestinationPrefixListId",
            ));
        };
        let state = match r.state.as_deref() {
            Some("blackhole") => m::RouteState::Blackhole,
            _ => m::RouteState::Active,
        };
        routes.push(m::Route { destination, target: route_target(r), state, origin_kind: r.origin.clone(), index: i });
    }
    let live = |a: &s::RouteTableAssociation| is_live_state(a.association_state.as_ref().and_then(|s| s.state.as_deref()), &["associated"]);
    let main = v.associations.iter().any(|a| a.main && live(a));
    let subnets = v.associations.iter().filter(|a| live(a)).filter_map(|a| a.subnet_id.clone()).collect();
    let gateways = v.associations.iter().filter(|a| live(a)).filter_map(|a| a.gateway_id.clone()).collect();
    Ok(Some(m::RouteTable {
        placement: cx.placement(v.owner_id.as_ref(), None),
        id: v.route_table_id,
        vpc: v.vpc_id,
        main,
        subnets,
        gateways,
        routes,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

fn attached_vpcs(att: &[s::GatewayAttachment]) -> Vec<String> {
    att.iter().filter(|a| is_live_state(a.state.as_deref(), &["available", "attached"])).map(|a| a.vpc_id.clone()).collect()
}

pub fn internet_gateway(v: s::InternetGateway, cx: &RecordContext) -> R<Option<m::InternetGateway>> {
    Ok(Some(m::InternetGateway {
        placement: cx.placement(v.owner_id.as_ref(), None),
        vpcs: attached_vpcs(&v.attachments),
        id: v.internet_gateway_id,
        egress_only: false,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn egress_only_internet_gateway(v: s::EgressOnlyInternetGateway, cx: &RecordContext) -> R<Option<m::InternetGateway>> {
    Ok(Some(m::InternetGateway {
        placement: cx.placement(None, None),
        vpcs: attached_vpcs(&v.attachments),
        id: v.egress_only_internet_gateway_id,
        egress_only: true,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn nat_gateway(v: s::NatGateway, cx: &RecordContext) -> R<Option<m::NatGateway>> {
    if !is_live_state(v.state.as_deref(), &["available", "pending"]) {
        return Ok(None);
    }
    let mut addresses = Vec::new();
    for (i, a) in v.nat_gateway_addresses.iter().enumerate() {
        addresses.push(m::NatGatewayAddress {
            network_interface: a.network_interface_id.clone(),
            private_ip: a.private_ip.as_deref().map(|p| v4addr(p, &format!("/NatGatewayAddresses/{i}/PrivateIp"))).transpose()?,
            public_ip: a.public_ip.as_deref().map(|p| v4addr(p, &format!("/NatGatewayAddresses/{i}/PublicIp"))).transpose()?,
        });
    }
    let connectivity = match v.connectivity_type.as_deref() {
        Some("private") => m::NatConnectivity::Private,
        _ => m::NatConnectivity::Public,
    };
    Ok(Some(m::NatGateway {
        placement: cx.placement(None, None),
        id: v.nat_gateway_id,
        vpc: v.vpc_id,
        subnet: v.subnet_id,
        connectivity,
        addresses,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn vpc_endpoint(v: s::VpcEndpoint, cx: &RecordContext) -> R<Option<m::VpcEndpoint>> {
    if !is_live_state(v.state.as_deref().map(|s| s.to_ascii_lowercase()).as_deref(), &["available", "pending"]) {
        return Ok(None);
    }
    let endpoint_type = match v.vpc_endpoint_type.as_deref() {
        Some("Interface") => m::VpcEndpointType::Interface,
        Some("Gateway") => m::VpcEndpointType::Gateway,
        Some("GatewayLoadBalancer") => m::VpcEndpointType::GatewayLoadBalancer,
        other => return Err(FieldError::new("/VpcEndpointType", format!("Interface, Gateway or GatewayLoadBalancer, got {other:?}"))),
    };
    Ok(Some(m::VpcEndpoint {
        placement: cx.placement(v.owner_id.as_ref(), None),
        id: v.vpc_endpoint_id,
        vpc: v.vpc_id,
        endpoint_type,
        service_name: v.service_name,
        subnets: v.subnet_ids,
        network_interfaces: v.network_interface_ids,
        security_groups: v.groups.into_iter().filter_map(|g| g.group_id).collect(),
        route_tables: v.route_table_ids,
        private_dns_enabled: v.private_dns_enabled,
        policy_document: v.policy_document,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

fn sg_rules(perms: &[s::IpPermission], base: &str) -> R<Vec<m::SgRule>> {
    let mut out = Vec::new();
    for (i, p) in perms.iter().enumerate() {
        let proto = m::parse_ip_protocol(&p.ip_protocol.as_text()).map_err(|e| FieldError::new(format!("{base}/{i}/IpProtocol"), e.0))?;
        let traffic = m::TrafficMatch::from_sg_fields(proto, p.from_port, p.to_port)
            .map_err(|e| FieldError::new(format!("{base}/{i}/FromPort"), e.0))?;
        for (j, r) in p.ip_ranges.iter().enumerate() {
            if let Some(c) = &r.cidr_ip {
                let net = v4net(c, &format!("{base}/{i}/IpRanges/{j}/CidrIp"))?;
                out.push(m::SgRule {
                    traffic: traffic.clone(),
                    peer: m::SgPeer::Cidr(IpNet::V4(net)),
                    description: r.description.clone(),
                    permission_index: i,
                });
            }
        }
        for (j, r) in p.ipv6_ranges.iter().enumerate() {
            if let Some(c) = &r.cidr_ipv6 {
                let net = v6net(c, &format!("{base}/{i}/Ipv6Ranges/{j}/CidrIpv6"))?;
                out.push(m::SgRule {
                    traffic: traffic.clone(),
                    peer: m::SgPeer::Cidr(IpNet::V6(net)),
                    description: r.description.clone(),
                    permission_index: i,
                });
            }
        }
        for r in &p.prefix_list_ids {
            out.push(m::SgRule {
                traffic: traffic.clone(),
                peer: m::SgPeer::PrefixList(r.prefix_list_id.clone()),
                description: r.description.clone(),
                permission_index: i,
            });
        }
        for (j, r) in p.user_id_group_pairs.iter().enumerate() {
            let Some(g) = &r.group_id else {
                return Err(FieldError::new(format!("{base}/{i}/UserIdGroupPairs/{j}/GroupId"), "a security group id"));
            };
            out.push(m::SgRule {
                traffic: traffic.clone(),
                peer: m::SgPeer::SecurityGroup(g.clone()),
                description: r.description.clone(),
                permission_index: i,
            });
        }
    }
    Ok(out)
}

pub fn security_group(v: s::SecurityGroup, cx: &RecordContext) -> R<Option<m::SecurityGroup>> {
    Ok(Some(m::SecurityGroup {
        placement: cx.placement(v.owner_id.as_ref(), None),
        ingress: sg_rules(&v.ip_permissions, "/IpPermissions")?,
        egress: sg_rules(&v.ip_permissions_egress, "/IpPermissionsEgress")?,
        id: v.group_id,
        name: v.group_name,
        vpc: v.vpc_id,
        owner: v.owner_id,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn network_acl(v: s::NetworkAcl, cx: &RecordContext) -> R<Option<m::NetworkAcl>> {
    let mut entries = Vec::new();
    for (i, e) in v.entries.iter().enumerate() {
        let f = |k: &str| format!("/Entries/{i}/{k}");
        let rule_number = u32::try_from(e.rule_number).map_err(|_| FieldError::new(f("RuleNumber"), "a rule number 1-32767"))?;
        let action = match e.rule_action.as_str() {
            "allow" => m::RuleAction::Allow,
            "deny" => m::RuleAction::Deny,
            other => return Err(FieldError::new(f("RuleAction"), format!("allow or deny, got {other:?}"))),
        };
        let proto = m::parse_ip_protocol(&e.protocol.as_text()).map_err(|er| FieldError::new(f("Protocol"), er.0))?;
        let ports = e.port_range.as_ref().map(|p| (p.from.unwrap_or(0), p.to.unwrap_or(65535)));
        let icmp = e.icmp_type_code.as_ref().map(|c| (c.icmp_type.unwrap_or(-1), c.code.unwrap_or(-1)));
        let traffic = m::TrafficMatch::from_nacl_fields(proto, ports, icmp).map_err(|er| FieldError::new(f("PortRange"), er.0))?;
        let cidr = if let Some(c) = &e.cidr_block {
            IpNet::V4(v4net(c, &f("CidrBlock"))?)
        } else if let Some(c) = &e.ipv6_cidr_block {
            IpNet::V6(v6net(c, &f("Ipv6CidrBlock"))?)
        } else {
            return Err(FieldError::new(f("CidrBlock"), "CidrBlock or Ipv6CidrBlock"));
        };
        entries.push(m::NaclEntry { rule_number, egress: e.egress, action, traffic, cidr });
    }
    entries.sort_by_key(|e| (e.egress, e.rule_number));
    Ok(Some(m::NetworkAcl {
        placement: cx.placement(v.owner_id.as_ref(), None),
        id: v.network_acl_id,
        vpc: v.vpc_id,
        is_default: v.is_default,
        subnets: v.associations.into_iter().map(|a| a.subnet_id).collect(),
        entries,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

fn eni_owner(v: &s::NetworkInterface) -> m::EniOwner {
    let desc = v.description.as_deref().unwrap_or("");
    let itype = v.interface_type.as_deref().unwrap_or("interface");
    let after = |prefix: &str| desc.split_whitespace().find(|w| w.starts_with(prefix)).map(|w| w.to_string());
    match itype {
        "nat_gateway" => return m::EniOwner::NatGateway(after("nat-").unwrap_or_default()),
        "gateway_load_balancer_endpoint" => return m::EniOwner::GatewayLoadBalancerEndpoint(after("vpce-").unwrap_or_default()),
        "vpc_endpoint" => return m::EniOwner::VpcEndpoint(after("vpce-").unwrap_or_default()),
        "transit_gateway" => return m::EniOwner::TransitGatewayAttachment(after("tgw-attach-").unwrap_or_default()),
        "lambda" => return m::EniOwner::Lambda(desc.to_string()),
        "network_load_balancer" | "gateway_load_balancer" | "load_balancer" => return m::EniOwner::LoadBalancer(desc.to_string()),
        _ => {}
    }
    if let Some(i) = v.attachment.as_ref().and_then(|a| a.instance_id.clone()) {
        return m::EniOwner::Instance(i);
    }
    if let Some(id) = after("vpce-") {
        return m::EniOwner::VpcEndpoint(id);
    }
    if let Some(id) = after("nat-") {
        return m::EniOwner::NatGateway(id);
    }
    if let Some(id) = after("tgw-attach-") {
        return m::EniOwner::TransitGatewayAttachment(id);
    }
    if desc.starts_with("Route 53 Resolver") {
        // "Route 53 Resolver: rslvr-out-…:rni-…": the endpoint id, without the address id.
        let endpoint = after("rslvr-").map(|w| w.split(':').next().unwrap_or_default().to_string());
        return m::EniOwner::ResolverEndpoint(endpoint.unwrap_or_default());
    }
    if desc.starts_with("ELB ") {
        return m::EniOwner::LoadBalancer(desc.trim_start_matches("ELB ").to_string());
    }
    m::EniOwner::Other(desc.to_string())
}

pub fn network_interface(v: s::NetworkInterface, cx: &RecordContext) -> R<Option<m::NetworkInterface>> {
    let mut private_ips = Vec::new();
    let mut public_ips = Vec::new();
    for (i, p) in v.private_ip_addresses.iter().enumerate() {
        if let Some(ip) = &p.private_ip_address {
            let a = v4addr(ip, &format!("/PrivateIpAddresses/{i}/PrivateIpAddress"))?;
            if p.primary {
                private_ips.insert(0, a);
            } else {
                private_ips.push(a);
            }
            if let Some(pub_ip) = p.association.as_ref().and_then(|x| x.public_ip.as_deref()) {
                public_ips.push((a, v4addr(pub_ip, &format!("/PrivateIpAddresses/{i}/Association/PublicIp"))?));
            }
        }
    }
    if let Some(ip) = &v.private_ip_address {
        let a = v4addr(ip, "/PrivateIpAddress")?;
        if !private_ips.contains(&a) {
            private_ips.insert(0, a);
        }
        if let Some(pub_ip) = v.association.as_ref().and_then(|x| x.public_ip.as_deref()) {
            let p = v4addr(pub_ip, "/Association/PublicIp")?;
            if !public_ips.iter().any(|(pr, _)| *pr == a) {
                public_ips.push((a, p));
            }
        }
    }
    let owner = eni_owner(&v);
    Ok(Some(m::NetworkInterface {
        placement: cx.placement(v.owner_id.as_ref(), v.availability_zone.as_ref()),
        availability_zone: v.availability_zone,
        interface_type: v.interface_type.unwrap_or_else(|| "interface".into()),
        description: v.description,
        private_ips,
        public_ips,
        security_groups: v.groups.into_iter().filter_map(|g| g.group_id).collect(),
        source_dest_check: v.source_dest_check.unwrap_or(true),
        owner,
        requester_managed: v.requester_managed,
        status: v.status,
        id: v.network_interface_id,
        subnet: v.subnet_id,
        vpc: v.vpc_id,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn instance(v: s::Instance, owner: Option<&String>, cx: &RecordContext) -> R<Option<m::Instance>> {
    Ok(Some(m::Instance {
        placement: cx.placement(owner, None),
        state: v.state.map(|s| s.name).unwrap_or_else(|| "unknown".into()),
        private_ip: v.private_ip_address.as_deref().map(|p| v4addr(p, "/PrivateIpAddress")).transpose()?,
        public_ip: v.public_ip_address.as_deref().map(|p| v4addr(p, "/PublicIpAddress")).transpose()?,
        network_interfaces: v.network_interfaces.into_iter().map(|n| n.network_interface_id).collect(),
        security_groups: v.security_groups.into_iter().filter_map(|g| g.group_id).collect(),
        iam_instance_profile: v.iam_instance_profile.and_then(|p| p.arn),
        image_id: v.image_id,
        platform: v.platform_details.or(v.platform),
        id: v.instance_id,
        subnet: v.subnet_id,
        vpc: v.vpc_id,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn prefix_list(v: s::PrefixList, cx: &RecordContext) -> R<Option<m::PrefixList>> {
    let mut cidrs = Vec::new();
    let mut ipv6 = Vec::new();
    for (i, c) in v.cidrs.iter().enumerate() {
        if c.contains(':') {
            ipv6.push(v6net(c, &format!("/Cidrs/{i}"))?);
        } else {
            cidrs.push(v4net(c, &format!("/Cidrs/{i}"))?);
        }
    }
    Ok(Some(m::PrefixList {
        placement: cx.placement(None, None),
        id: v.prefix_list_id,
        name: v.prefix_list_name,
        cidrs,
        ipv6_cidrs: ipv6,
        origin: cx.origin.clone(),
    }))
}

pub fn managed_prefix_list(v: s::ManagedPrefixList, cx: &RecordContext) -> R<Option<m::PrefixList>> {
    let mut cidrs = Vec::new();
    let mut ipv6 = Vec::new();
    for (i, e) in v.entries.iter().enumerate() {
        if e.cidr.contains(':') {
            ipv6.push(v6net(&e.cidr, &format!("/Entries/{i}/Cidr"))?);
        } else {
            cidrs.push(v4net(&e.cidr, &format!("/Entries/{i}/Cidr"))?);
        }
    }
    Ok(Some(m::PrefixList {
        placement: cx.placement(v.owner_id.as_ref(), None),
        id: v.prefix_list_id,
        name: v.prefix_list_name,
        cidrs,
        ipv6_cidrs: ipv6,
        origin: cx.origin.clone(),
    }))
}

fn peering_side(p: &s::PeeringVpcInfo, base: &str) -> R<m::PeeringSide> {
    let mut cidrs = Vec::new();
    for (i, c) in p.cidr_block_set.iter().enumerate() {
        cidrs.push(v4net(&c.cidr_block, &format!("{base}/CidrBlockSet/{i}/CidrBlock"))?);
    }
    if let Some(c) = &p.cidr_block {
        let n = v4net(c, &format!("{base}/CidrBlock"))?;
        if !cidrs.contains(&n) {
            cidrs.insert(0, n);
        }
    }
    Ok(m::PeeringSide { vpc: p.vpc_id.clone(), owner: p.owner_id.clone(), region: p.region.clone(), cidrs })
}

pub fn vpc_peering_connection(v: s::VpcPeeringConnection, cx: &RecordContext) -> R<Option<m::VpcPeeringConnection>> {
    if v.status.as_ref().and_then(|s| s.code.as_deref()).map(|c| c != "active").unwrap_or(false) {
        return Ok(None);
    }
    Ok(Some(m::VpcPeeringConnection {
        requester: peering_side(&v.requester_vpc_info, "/RequesterVpcInfo")?,
        accepter: peering_side(&v.accepter_vpc_info, "/AccepterVpcInfo")?,
        id: v.vpc_peering_connection_id,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn transit_gateway(v: s::TransitGateway, cx: &RecordContext) -> R<Option<m::TransitGateway>> {
    if !is_live_state(v.state.as_deref(), &["available", "modifying"]) {
        return Ok(None);
    }
    let o = v.options.as_ref();
    let enabled = |x: Option<&String>| x.map(|s| s == "enable").unwrap_or(true);
    Ok(Some(m::TransitGateway {
        placement: cx.placement(v.owner_id.as_ref(), None),
        id: v.transit_gateway_id,
        owner: v.owner_id,
        amazon_side_asn: o.and_then(|o| o.amazon_side_asn),
        default_association_route_table: o
            .filter(|o| enabled(o.default_route_table_association.as_ref()))
            .and_then(|o| o.association_default_route_table_id.clone()),
        default_propagation_route_table: o
            .filter(|o| enabled(o.default_route_table_propagation.as_ref()))
            .and_then(|o| o.propagation_default_route_table_id.clone()),
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn transit_gateway_attachment(v: s::TransitGatewayAttachment, cx: &RecordContext) -> R<Option<m::TransitGatewayAttachment>> {
    if !is_live_state(v.state.as_deref(), &["available", "modifying"]) {
        return Ok(None);
    }
    let mut associations = BTreeMap::new();
    if let Some(a) = &v.association {
        if let (Some(rt), true) = (&a.transit_gateway_route_table_id, is_live_state(a.state.as_deref(), &["associated"])) {
            associations.insert(v.transit_gateway_id.clone(), rt.clone());
        }
    }
    Ok(Some(m::TransitGatewayAttachment {
        placement: cx.placement(v.transit_gateway_owner_id.as_ref(), None),
        resource_type: m::AttachmentResourceType::parse(v.resource_type.as_deref().unwrap_or("")),
        id: v.transit_gateway_attachment_id,
        transit_gateway: v.transit_gateway_id,
        resource_id: v.resource_id,
        resource_owner: v.resource_owner_id,
        associations,
        subnets: Vec::new(),
        appliance_mode: false,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn transit_gateway_vpc_attachment(v: s::TransitGatewayVpcAttachment, cx: &RecordContext) -> R<Option<m::TransitGatewayAttachment>> {
    if !is_live_state(v.state.as_deref(), &["available", "modifying"]) {
        return Ok(None);
    }
    Ok(Some(m::TransitGatewayAttachment {
        placement: cx.placement(v.vpc_owner_id.as_ref(), None),
        id: v.transit_gateway_attachment_id,
        transit_gateway: v.transit_gateway_id,
        resource_type: m::AttachmentResourceType::Vpc,
        resource_id: Some(v.vpc_id),
        resource_owner: v.vpc_owner_id,
        associations: BTreeMap::new(),
        subnets: v.subnet_ids,
        appliance_mode: v.options.and_then(|o| o.appliance_mode_support).map(|m| m == "enable").unwrap_or(false),
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn transit_gateway_route_table(v: s::TransitGatewayRouteTable, cx: &RecordContext) -> R<Option<m::TransitGatewayRouteTable>> {
    if !is_live_state(v.state.as_deref(), &["available"]) {
        return Ok(None);
    }
    Ok(Some(m::TransitGatewayRouteTable {
        placement: cx.placement(None, None),
        id: v.transit_gateway_route_table_id,
        transit_gateway: v.transit_gateway_id,
        default_association: v.default_association_route_table,
        default_propagation: v.default_propagation_route_table,
        routes: Vec::new(),
        propagations: Vec::new(),
        routes_known: false,
        propagations_known: false,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn transit_gateway_route(r: &s::TransitGatewayRoute, base: &str, cx: &RecordContext) -> R<Option<m::TransitGatewayRoute>> {
    let destination = if let Some(c) = &r.destination_cidr_block {
        if c.contains(':') {
            return Ok(None);
        }
        m::TgwRouteDestination::Ipv4(v4net(c, &format!("{base}/DestinationCidrBlock"))?)
    } else if let Some(p) = &r.prefix_list_id {
        m::TgwRouteDestination::PrefixList(p.clone())
    } else {
        return Err(FieldError::new(base, "DestinationCidrBlock or PrefixListId"));
    };
    let state = r.state.as_deref().unwrap_or("active");
    if !matches!(state, "active" | "blackhole") {
        return Ok(None);
    }
    Ok(Some(m::TransitGatewayRoute {
        destination,
        attachments: r.transit_gateway_attachments.iter().filter_map(|a| a.transit_gateway_attachment_id.clone()).collect(),
        route_type: if r.route_type.as_deref() == Some("propagated") { m::TgwRouteType::Propagated } else { m::TgwRouteType::Static },
        active: state == "active",
        origin: Origin::new(cx.origin.file.clone(), base.to_string()),
    }))
}

pub fn propagation(p: &s::TgwPropagation) -> m::TransitGatewayPropagation {
    m::TransitGatewayPropagation {
        attachment: p.transit_gateway_attachment_id.clone(),
        resource_type: m::AttachmentResourceType::parse(p.resource_type.as_deref().unwrap_or("")),
        resource_id: p.resource_id.clone(),
        enabled: p.state.as_deref().map(|s| s == "enabled").unwrap_or(true),
    }
}

pub fn vpn_gateway(v: s::VpnGateway, cx: &RecordContext) -> R<Option<m::VpnGateway>> {
    if !is_live_state(v.state.as_deref(), &["available"]) {
        return Ok(None);
    }
    Ok(Some(m::VpnGateway {
        placement: cx.placement(None, None),
        vpcs: attached_vpcs(&v.vpc_attachments),
        id: v.vpn_gateway_id,
        amazon_side_asn: v.amazon_side_asn,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn vpn_connection(v: s::VpnConnection, cx: &RecordContext) -> R<Option<m::VpnConnection>> {
    if !is_live_state(v.state.as_deref(), &["available", "pending"]) {
        return Ok(None);
    }
    let mut static_routes = Vec::new();
    for (i, r) in v.routes.iter().enumerate() {
        if is_live_state(r.state.as_deref(), &["available", "pending"]) {
            static_routes.push(v4net(&r.destination_cidr_block, &format!("/Routes/{i}/DestinationCidrBlock"))?);
        }
    }
    let mut outside = Vec::new();
    for (i, t) in v.vgw_telemetry.iter().enumerate() {
        if let Some(ip) = &t.outside_ip_address {
            outside.push(v4addr(ip, &format!("/VgwTelemetry/{i}/OutsideIpAddress"))?);
        }
    }
    Ok(Some(m::VpnConnection {
        placement: cx.placement(None, None),
        id: v.vpn_connection_id,
        customer_gateway: v.customer_gateway_id,
        vpn_gateway: v.vpn_gateway_id,
        transit_gateway: v.transit_gateway_id,
        static_routes,
        static_routes_only: v.options.and_then(|o| o.static_routes_only).unwrap_or(false),
        tunnel_outside_ips: outside,
        tags: tags(v.tags),
        origin: cx.origin.clone(),
    }))
}

pub fn customer_gateway(v: s::CustomerGateway, cx: &RecordContext) -> R<Option<m::CustomerGateway>> {
    if !is_live_state(v.state.as_deref(), &["available"]) {
        return Ok(None);
    }
    Ok(Some(m::CustomerGateway { id: v.customer_gateway_id, ip_address: v.ip_address, bgp_asn: v.bgp_asn, origin: cx.origin.clone() }))
}

pub fn direct_connect_gateway(v: s::DirectConnectGateway, cx: &RecordContext) -> R<Option<m::DirectConnectGateway>> {
    if !is_live_state(v.direct_connect_gateway_state.as_deref(), &["available"]) {
        return Ok(None);
    }
    Ok(Some(m::DirectConnectGateway {
        id: v.direct_connect_gateway_id,
        name: v.direct_connect_gateway_name,
        amazon_side_asn: v.amazon_side_asn,
        associations: Vec::new(),
        origin: cx.origin.clone(),
    }))
}

pub fn direct_connect_association(v: &s::DirectConnectGatewayAssociation) -> R<Option<(String, m::DirectConnectGatewayAssociation)>> {
    if !is_live_state(v.association_state.as_deref(), &["associated"]) {
        return Ok(None);
    }
    let Some(gw) = &v.associated_gateway else {
        return Ok(None);
    };
    let mut allowed = Vec::new();
    for (i, p) in v.allowed_prefixes_to_direct_connect_gateway.iter().enumerate() {
        allowed.push(v4net(&p.cidr, &format!("/AllowedPrefixesToDirectConnectGateway/{i}/Cidr"))?);
    }
    Ok(Some((
        v.direct_connect_gateway_id.clone(),
        m::DirectConnectGatewayAssociation { gateway: gw.id.clone(), allowed_prefixes: allowed },
    )))
}

pub fn load_balancer(v: s::LoadBalancer, cx: &RecordContext) -> R<Option<m::LoadBalancer>> {
    if v.state.as_ref().and_then(|s| s.code.as_deref()).map(|c| c != "active" && c != "provisioning").unwrap_or(false) {
        return Ok(None);
    }
    Ok(Some(m::LoadBalancer {
        placement: cx.placement(None, None),
        name: v.load_balancer_name.unwrap_or_default(),
        lb_type: v.lb_type.unwrap_or_else(|| "application".into()),
        scheme: v.scheme,
        vpc: v.vpc_id,
        subnets: v.availability_zones.into_iter().filter_map(|a| a.subnet_id).collect(),
        arn: v.load_balancer_arn,
        origin: cx.origin.clone(),
    }))
}

pub fn endpoint_service(v: s::ServiceConfiguration, cx: &RecordContext) -> R<Option<m::VpcEndpointService>> {
    Ok(Some(m::VpcEndpointService {
        service_name: v.service_name,
        service_id: v.service_id,
        service_type: v.service_type.into_iter().filter_map(|t| t.service_type).next(),
        gateway_load_balancer_arns: v.gateway_load_balancer_arns,
        network_load_balancer_arns: v.network_load_balancer_arns,
        origin: cx.origin.clone(),
    }))
}

pub fn address(v: &s::Address, base: &str) -> R<Option<(String, Ipv4Addr, Ipv4Addr)>> {
    match (&v.network_interface_id, &v.private_ip_address, &v.public_ip) {
        (Some(eni), Some(pr), Some(pb)) => {
            Ok(Some((eni.clone(), v4addr(pr, &format!("{base}/PrivateIpAddress"))?, v4addr(pb, &format!("{base}/PublicIp"))?)))
        }
        _ => Ok(None),
    }
}
