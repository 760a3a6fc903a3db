//! Assembling the twin from every file's records: insert by id (reporting conflicting
//! duplicates), merge the views AWS splits across calls (TGW attachments and their VPC
//! details, peering attachments seen from both sides, TGW routes and propagations, Elastic IPs,
//! Direct Connect associations), then check references.

use super::dispatch::{FileItems, Item};
use koban_model as m;
use koban_model::{Diagnostic, Origin, Severity, Twin, Unknown};
use std::collections::BTreeMap;

struct Builder {
    twin: Twin,
    tgw_routes: Vec<(String, Vec<m::TransitGatewayRoute>, Origin)>,
    tgw_props: Vec<(String, Vec<m::TransitGatewayPropagation>)>,
    vpc_attachments: Vec<m::TransitGatewayAttachment>,
    addresses: Vec<(String, std::net::Ipv4Addr, std::net::Ipv4Addr)>,
    dx_associations: Vec<(String, m::DirectConnectGatewayAssociation)>,
    prefix_entries: Vec<(String, Vec<ipnet::Ipv4Net>)>,
    access: super::access::Pending,
    dns: super::dns::Pending,
    services: super::services::Pending,
}

/// Insert `value` under `id`; a second record with the same id is reported unless the kind is
/// one AWS legitimately lists in several accounts or regions (`shared`).
fn insert<T>(
    map: &mut BTreeMap<String, T>,
    diags: &mut Vec<Diagnostic>,
    id: String,
    value: T,
    origin: &Origin,
    first_origin: impl Fn(&T) -> Origin,
    shared: bool,
) {
    if let Some(existing) = map.get(&id) {
        if !shared {
            let first = first_origin(existing);
            diags.push(Diagnostic {
                severity: Severity::Warning,
                origin: origin.clone(),
                message: format!("duplicate id {id}: already defined at {first}; keeping the first definition"),
                resource: Some(id),
            });
        }
        return;
    }
    map.insert(id, value);
}

impl Builder {
    fn add(&mut self, item: Item) {
        let t = &mut self.twin;
        let d = &mut t.diagnostics;
        match item {
            Item::Vpc(x) => {
                let o = x.origin.clone();
                insert(&mut t.vpcs, d, x.id.clone(), x, &o, |e| e.origin.clone(), false)
            }
            Item::Subnet(x) => {
                let o = x.origin.clone();
                insert(&mut t.subnets, d, x.id.clone(), x, &o, |e| e.origin.clone(), false)
            }
            Item::RouteTable(x) => {
                let o = x.origin.clone();
                insert(&mut t.route_tables, d, x.id.clone(), x, &o, |e| e.origin.clone(), false)
            }
            Item::InternetGateway(x) => {
                let o = x.origin.clone();
                insert(&mut t.internet_gateways, d, x.id.clone(), x, &o, |e| e.origin.clone(), false)
            }
            Item::NatGateway(x) => {
                let o = x.origin.clone();
                insert(&mut t.nat_gateways, d, x.id.clone(), x, &o, |e| e.origin.clone(), false)
            }
            Item::VpcEndpoint(x) => {
                let o = x.origin.clone();
                insert(&mut t.vpc_endpoints, d, x.id.clone(), x, &o, |e| e.origin.clone(), false)
            }
            Item::SecurityGroup(x) => {
                let o = x.origin.clone();
                insert(&mut t.security_groups, d, x.id.clone(), x, &o, |e| e.origin.clone(), false)
            }
            Item::NetworkAcl(x) => {
                let o = x.origin.clone();
                insert(&mut t.network_acls, d, x.id.clone(), x, &o, |e| e.origin.clone(), false)
            }
            Item::NetworkInterface(x) => {
                let o = x.origin.clone();
                insert(&mut t.network_interfaces, d, x.id.clone(), x, &o, |e| e.origin.clone(), false)
            }
            Item::Instance(x) => {
                let o = x.origin.clone();
                insert(&mut t.instances, d, x.id.clone(), x, &o, |e| e.origin.clone(), false)
            }
            Item::PrefixList(x) => {
                let o = x.origin.clone();
                insert(&mut t.prefix_lists, d, x.id.clone(), x, &o, |e| e.origin.clone(), true)
            }
            Item::PrefixListEntries { id, cidrs } => self.prefix_entries.push((id, cidrs)),
            Item::VpcPeeringConnection(x) => {
                let o = x.origin.clone();
                insert(&mut t.vpc_peering_connections, d, x.id.clone(), x, &o, |e| e.origin.clone(), true)
            }
            Item::TransitGateway(x) => {
                let o = x.origin.clone();
                insert(&mut t.transit_gateways, d, x.id.clone(), x, &o, |e| e.origin.clone(), true)
            }
            Item::TransitGatewayAttachment(x) => {
                if let Some(existing) = t.transit_gateway_attachments.get_mut(&x.id) {
                    // The same attachment seen from another account (shared TGW, or the other
                    // side of a peering): merge the associations each side reports.
                    for (tgw, rt) in x.associations {
                        existing.associations.entry(tgw).or_insert(rt);
                    }
                } else {
                    t.transit_gateway_attachments.insert(x.id.clone(), x);
                }
            }
            Item::TransitGatewayVpcAttachment(x) => self.vpc_attachments.push(x),
            Item::TransitGatewayRouteTable(x) => {
                let o = x.origin.clone();
                insert(&mut t.transit_gateway_route_tables, d, x.id.clone(), x, &o, |e| e.origin.clone(), true)
            }
            Item::TransitGatewayRoutes { table, routes, origin } => self.tgw_routes.push((table, routes, origin)),
            Item::TransitGatewayPropagations { table, propagations } => self.tgw_props.push((table, propagations)),
            Item::VpnGateway(x) => {
                let o = x.origin.clone();
                insert(&mut t.vpn_gateways, d, x.id.clone(), x, &o, |e| e.origin.clone(), false)
            }
            Item::VpnConnection(x) => {
                let o = x.origin.clone();
                insert(&mut t.vpn_connections, d, x.id.clone(), x, &o, |e| e.origin.clone(), false)
            }
            Item::CustomerGateway(x) => {
                let o = x.origin.clone();
                insert(&mut t.customer_gateways, d, x.id.clone(), x, &o, |e| e.origin.clone(), true)
            }
            Item::DirectConnectGateway(x) => {
                let o = x.origin.clone();
                insert(&mut t.direct_connect_gateways, d, x.id.clone(), x, &o, |e| e.origin.clone(), true)
            }
            Item::DirectConnectAssociation { gateway, association } => self.dx_associations.push((gateway, association)),
            Item::LoadBalancer(x) => {
                let o = x.origin.clone();
                insert(&mut t.load_balancers, d, x.arn.clone(), x, &o, |e| e.origin.clone(), false)
            }
            Item::EndpointService(x) => {
                let o = x.origin.clone();
                insert(&mut t.vpc_endpoint_services, d, x.service_name.clone(), x, &o, |e| e.origin.clone(), true)
            }
            Item::Address { eni, private_ip, public_ip } => self.addresses.push((eni, private_ip, public_ip)),
            Item::Access(x) => self.access.add(t, *x),
            Item::Dns(x) => self.dns.add(t, *x),
            Item::Service(x) => self.services.add(t, *x),
        }
    }

    fn merge(&mut self) {
        let t = &mut self.twin;
        for va in std::mem::take(&mut self.vpc_attachments) {
            match t.transit_gateway_attachments.get_mut(&va.id) {
                Some(a) => {
                    if a.subnets.is_empty() {
                        a.subnets = va.subnets;
                    }
                    a.appliance_mode |= va.appliance_mode;
                    if a.resource_id.is_none() {
                        a.resource_id = va.resource_id;
                    }
                }
                None => {
                    t.transit_gateway_attachments.insert(va.id.clone(), va);
                }
            }
        }
        for (table, routes, origin) in std::mem::take(&mut self.tgw_routes) {
            match t.transit_gateway_route_tables.get_mut(&table) {
                Some(rt) => {
                    for r in routes {
                        if !rt.routes.contains(&r) {
                            rt.routes.push(r);
                        }
                    }
                    rt.routes_known = true;
                }
                None => t.diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    origin,
                    message: format!("routes for transit gateway route table {table}, which no TransitGatewayRouteTables file describes; the routes are not used"),
                    resource: Some(table),
                }),
            }
        }
        for (table, props) in std::mem::take(&mut self.tgw_props) {
            if let Some(rt) = t.transit_gateway_route_tables.get_mut(&table) {
                for p in props {
                    if !rt.propagations.contains(&p) {
                        rt.propagations.push(p);
                    }
                }
                rt.propagations_known = true;
            }
        }
        for (eni, private_ip, public_ip) in std::mem::take(&mut self.addresses) {
            if let Some(e) = t.network_interfaces.get_mut(&eni) {
                if !e.public_ips.iter().any(|(p, _)| *p == private_ip) {
                    e.public_ips.push((private_ip, public_ip));
                }
            }
        }
        for (gw, assoc) in std::mem::take(&mut self.dx_associations) {
            if let Some(dx) = t.direct_connect_gateways.get_mut(&gw) {
                if !dx.associations.iter().any(|a| a.gateway == assoc.gateway) {
                    dx.associations.push(assoc);
                }
            }
        }
        for (id, cidrs) in std::mem::take(&mut self.prefix_entries) {
            if let Some(pl) = t.prefix_lists.get_mut(&id) {
                for c in cidrs {
                    if !pl.cidrs.contains(&c) {
                        pl.cidrs.push(c);
                    }
                }
            }
        }
        for a in t.transit_gateway_attachments.values() {
            if a.resource_type == m::AttachmentResourceType::Vpc && a.subnets.is_empty() {
                t.unknowns.push(Unknown {
                    resource: a.id.clone(),
                    reason: "VPC attachment without subnets (add the output of describe-transit-gateway-vpc-attachments): traffic from the transit gateway into the VPC cannot be placed".into(),
                    origin: Some(a.origin.clone()),
                });
            }
        }
        for rt in t.transit_gateway_route_tables.values() {
            if !rt.routes_known {
                t.unknowns.push(Unknown {
                    resource: rt.id.clone(),
                    reason: "static routes of this transit gateway route table are not in the snapshot (add search-transit-gateway-routes output); only propagated routes are used".into(),
                    origin: Some(rt.origin.clone()),
                });
            }
        }
        for v in t.vpcs.values().filter(|v| !v.ipv6_cidrs.is_empty()) {
            t.unknowns.push(Unknown {
                resource: v.id.clone(),
                reason: "IPv6 CIDR blocks are recorded but IPv6 traffic is not analysed".into(),
                origin: Some(v.origin.clone()),
            });
        }
    }

    fn accounts(&mut self) {
        let t = &mut self.twin;
        let mut acc: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut note = |p: &m::Placement| {
            if let Some(a) = &p.account {
                let regions = acc.entry(a.clone()).or_default();
                if let Some(r) = &p.region {
                    if !regions.contains(r) {
                        regions.push(r.clone());
                    }
                }
            }
        };
        t.vpcs.values().for_each(|v| note(&v.placement));
        t.subnets.values().for_each(|v| note(&v.placement));
        t.transit_gateways.values().for_each(|v| note(&v.placement));
        t.network_interfaces.values().for_each(|v| note(&v.placement));
        t.accounts = acc
            .into_iter()
            .map(|(id, mut regions)| {
                regions.sort();
                (id.clone(), m::Account { id, regions })
            })
            .collect();
    }
}

/// Build the twin from every file's records, in file order.
pub fn assemble(files: Vec<FileItems>) -> Twin {
    let mut b = Builder {
        twin: Twin::default(),
        tgw_routes: Vec::new(),
        tgw_props: Vec::new(),
        vpc_attachments: Vec::new(),
        addresses: Vec::new(),
        dx_associations: Vec::new(),
        prefix_entries: Vec::new(),
        access: super::access::Pending::default(),
        dns: super::dns::Pending::default(),
        services: super::services::Pending::default(),
    };
    for f in files {
        b.twin.diagnostics.extend(f.diagnostics);
        b.twin.unknowns.extend(f.unknowns);
        for item in f.items {
            b.add(item);
        }
    }
    b.merge();
    std::mem::take(&mut b.access).finish(&mut b.twin);
    std::mem::take(&mut b.dns).finish(&mut b.twin);
    std::mem::take(&mut b.services).finish(&mut b.twin);
    b.accounts();
    let mut twin = b.twin;
    super::references::check(&mut twin);
    twin
}
