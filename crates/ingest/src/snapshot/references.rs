//! Reference checks after loading: every id one resource names (a route's target, an ENI's
//! subnet and security groups, an attachment's gateway, …) must exist in the snapshot. A
//! dangling reference is a warning naming the file and JSON path; the resource stays in the
//! twin and engines report the missing part as unknown when an answer depends on it.

use koban_model as m;
use koban_model::{Diagnostic, Origin, Severity, Twin};

fn dangling(out: &mut Vec<Diagnostic>, origin: &Origin, suffix: &str, resource: &str, what: &str, id: &str) {
    out.push(Diagnostic {
        severity: Severity::Warning,
        origin: Origin::new(origin.file.clone(), format!("{}{suffix}", origin.location)),
        message: format!("{resource} refers to {what} {id}, which is not in the snapshot (expected a {what} described by another file)"),
        resource: Some(resource.to_string()),
    });
}

/// Record an error diagnostic for every dangling reference.
pub fn check(t: &mut Twin) {
    let mut out = Vec::new();
    for rt in t.route_tables.values() {
        if !t.vpcs.contains_key(&rt.vpc) {
            dangling(&mut out, &rt.origin, "/VpcId", &rt.id, "VPC", &rt.vpc);
        }
        for r in &rt.routes {
            if r.state == m::RouteState::Blackhole {
                continue;
            }
            use m::RouteTarget as T;
            let (what, present) = match &r.target {
                T::Local | T::Unsupported(_) => continue,
                T::InternetGateway(id) | T::EgressOnlyInternetGateway(id) => ("internet gateway", t.internet_gateways.contains_key(id)),
                T::NatGateway(id) => ("NAT gateway", t.nat_gateways.contains_key(id)),
                T::TransitGateway(id) => ("transit gateway", t.transit_gateways.contains_key(id)),
                T::VpcPeeringConnection(id) => ("VPC peering connection", t.vpc_peering_connections.contains_key(id)),
                T::VpcEndpoint(id) => ("VPC endpoint", t.vpc_endpoints.contains_key(id)),
                T::NetworkInterface(id) => ("network interface", t.network_interfaces.contains_key(id)),
                T::Instance(id) => ("instance", t.instances.contains_key(id)),
                T::VirtualPrivateGateway(id) => ("virtual private gateway", t.vpn_gateways.contains_key(id)),
            };
            if !present {
                dangling(&mut out, &rt.origin, &format!("/Routes/{}", r.index), &rt.id, what, r.target.id());
            }
        }
        for s in &rt.subnets {
            if !t.subnets.contains_key(s) {
                dangling(&mut out, &rt.origin, "/Associations", &rt.id, "subnet", s);
            }
        }
    }
    for s in t.subnets.values() {
        if !t.vpcs.contains_key(&s.vpc) {
            dangling(&mut out, &s.origin, "/VpcId", &s.id, "VPC", &s.vpc);
        }
    }
    for e in t.network_interfaces.values() {
        if !t.subnets.contains_key(&e.subnet) {
            dangling(&mut out, &e.origin, "/SubnetId", &e.id, "subnet", &e.subnet);
        }
        for g in &e.security_groups {
            if !t.security_groups.contains_key(g) {
                dangling(&mut out, &e.origin, "/Groups", &e.id, "security group", g);
            }
        }
    }
    for n in t.nat_gateways.values() {
        if !t.subnets.contains_key(&n.subnet) {
            dangling(&mut out, &n.origin, "/SubnetId", &n.id, "subnet", &n.subnet);
        }
    }
    for a in t.network_acls.values() {
        for s in &a.subnets {
            if !t.subnets.contains_key(s) {
                dangling(&mut out, &a.origin, "/Associations", &a.id, "subnet", s);
            }
        }
    }
    for a in t.transit_gateway_attachments.values() {
        if !t.transit_gateways.contains_key(&a.transit_gateway) {
            dangling(&mut out, &a.origin, "/TransitGatewayId", &a.id, "transit gateway", &a.transit_gateway);
        }
        for s in &a.subnets {
            if !t.subnets.contains_key(s) {
                dangling(&mut out, &a.origin, "/SubnetIds", &a.id, "subnet", s);
            }
        }
    }
    for rt in t.transit_gateway_route_tables.values() {
        for r in &rt.routes {
            for a in &r.attachments {
                if !t.transit_gateway_attachments.contains_key(a) {
                    dangling(&mut out, &r.origin, "", &rt.id, "transit gateway attachment", a);
                }
            }
        }
    }
    for v in t.vpc_endpoints.values() {
        for s in &v.subnets {
            if !t.subnets.contains_key(s) {
                dangling(&mut out, &v.origin, "/SubnetIds", &v.id, "subnet", s);
            }
        }
    }
    t.diagnostics.extend(out);
}
