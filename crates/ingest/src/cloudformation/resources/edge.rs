//! The edges of a VPC: internet and egress-only gateways and their attachments, NAT gateways,
//! Elastic IPs and their associations, VPC endpoints (interface, gateway, Gateway Load
//! Balancer) and endpoint services, ELBv2 load balancers, and AWS Network Firewall endpoints.

use super::{Res, R};
use crate::cloudformation::attributes;
use crate::iac::{Assembly, Eip, EipAssociation, InterfaceRequest, RouteDecl};
use koban_model as m;
use std::net::Ipv4Addr;

fn addr(r: &Res, key: &str, v: &str) -> R<Ipv4Addr> {
    v.trim().parse().map_err(|_| r.err(r.pos_of(key), format!("{key}: expected an IPv4 address, got {v:?}")))
}

pub fn internet_gateway(r: &Res, a: &mut Assembly) -> R<()> {
    a.internet_gateway(m::InternetGateway {
        id: r.id(),
        placement: r.placement(),
        vpcs: Vec::new(),
        egress_only: false,
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn egress_only_internet_gateway(r: &Res, a: &mut Assembly) -> R<()> {
    a.internet_gateway(m::InternetGateway {
        id: r.id(),
        placement: r.placement(),
        vpcs: vec![r.req("VpcId")?],
        egress_only: true,
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn gateway_attachment(r: &Res, a: &mut Assembly) -> R<()> {
    let vpc = r.req("VpcId")?;
    let gw = match r.opt("InternetGatewayId")? {
        Some(g) => g,
        None => r.opt("VpnGatewayId")?.ok_or_else(|| r.err(r.r.origin_pos(), "InternetGatewayId or VpnGatewayId is required"))?,
    };
    a.attach_gateway(&gw, &vpc);
    Ok(())
}

pub fn nat_gateway(r: &Res, a: &mut Assembly) -> R<()> {
    let id = r.id();
    let subnet = r.req("SubnetId")?;
    let connectivity = match r.opt("ConnectivityType")?.as_deref() {
        Some("private") => m::NatConnectivity::Private,
        _ => m::NatConnectivity::Public,
    };
    let eni = r.derived("eni-", "0");
    let private_ips = match r.opt("PrivateIpAddress")? {
        Some(p) => vec![addr(r, "PrivateIpAddress", &p)?],
        None => Vec::new(),
    };
    a.nat_interface(&id, &eni, &subnet, private_ips, &r.origin());
    if connectivity == m::NatConnectivity::Public {
        match r.opt("AllocationId") {
            Ok(Some(alloc)) => a.nat_allocation(&id, &alloc),
            Ok(None) => {}
            Err(e) => a.unknown(id.clone(), format!("its Elastic IP allocation: {}", e.message), &r.origin()),
        }
    }
    a.nat_gateway(m::NatGateway {
        id,
        vpc: String::new(),
        subnet,
        placement: r.placement(),
        connectivity,
        addresses: vec![m::NatGatewayAddress { network_interface: Some(eni), private_ip: None, public_ip: None }],
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn eip(r: &Res, a: &mut Assembly) -> R<()> {
    let allocation = format!("eipalloc-{}", r.r.base);
    let address = match r.opt("Address")? {
        Some(p) => Some(addr(r, "Address", &p)?),
        None => None,
    };
    a.eip(Eip { allocation: allocation.clone(), address, origin: r.origin() });
    if let Some(instance) = r.opt("InstanceId")? {
        a.eip_association(EipAssociation { allocation, target: instance, private_ip: None, origin: r.origin() });
    }
    Ok(())
}

pub fn eip_association(r: &Res, a: &mut Assembly) -> R<()> {
    let allocation = r
        .opt("AllocationId")?
        .ok_or_else(|| r.err(r.r.origin_pos(), "AllocationId is required (associations by public address are not modelled)"))?;
    let target = match r.opt("NetworkInterfaceId")? {
        Some(e) => e,
        None => r.opt("InstanceId")?.ok_or_else(|| r.err(r.r.origin_pos(), "NetworkInterfaceId or InstanceId is required"))?,
    };
    let private_ip = match r.opt("PrivateIpAddress")? {
        Some(p) => Some(addr(r, "PrivateIpAddress", &p)?),
        None => None,
    };
    a.eip_association(EipAssociation { allocation, target, private_ip, origin: r.origin() });
    Ok(())
}

pub fn vpc_endpoint(r: &Res, a: &mut Assembly) -> R<()> {
    let id = r.id();
    let vpc = r.req("VpcId")?;
    let endpoint_type = match r.opt("VpcEndpointType")?.as_deref() {
        None | Some("Gateway") => m::VpcEndpointType::Gateway,
        Some("Interface") => m::VpcEndpointType::Interface,
        Some("GatewayLoadBalancer") => m::VpcEndpointType::GatewayLoadBalancer,
        Some(other) => {
            return Err(r.err(
                r.pos_of("VpcEndpointType"),
                format!("VpcEndpointType: expected Interface, Gateway or GatewayLoadBalancer, got {other:?}"),
            ))
        }
    };
    let service_name = match r.opt("ServiceName") {
        Ok(Some(s)) => s,
        Ok(None) => return Err(r.err(r.r.origin_pos(), "ServiceName is required")),
        Err(e) => {
            a.unknown(id.clone(), format!("its service: {}", e.message), &r.origin());
            format!("(unknown service of {})", r.r.base)
        }
    };
    let subnets = r.list("SubnetIds")?;
    let security_groups = r.list("SecurityGroupIds")?;
    let route_tables = r.list("RouteTableIds")?;
    let mut network_interfaces = Vec::new();
    if endpoint_type != m::VpcEndpointType::Gateway {
        network_interfaces = a.endpoint_interfaces(&id, endpoint_type, &subnets, &security_groups, |i| r.derived("eni-", i), &r.origin());
    } else {
        // AWS adds a route to the service's prefix list in each associated table.
        for rt in &route_tables {
            a.route(RouteDecl {
                table: rt.clone(),
                destination: m::RouteDestination::PrefixList(format!("pl-{service_name}")),
                target: m::RouteTarget::VpcEndpoint(id.clone()),
                origin: r.origin(),
            });
        }
    }
    let policy_document = r.sub("PolicyDocument").map(|p| match p.as_str() {
        Some(s) => s.to_string(),
        None => p.to_json().to_string(),
    });
    a.vpc_endpoint(m::VpcEndpoint {
        id,
        vpc,
        placement: r.placement(),
        endpoint_type,
        service_name,
        subnets,
        network_interfaces,
        security_groups,
        route_tables,
        private_dns_enabled: r.flag("PrivateDnsEnabled", false)?,
        policy_document,
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn endpoint_service(r: &Res, a: &mut Assembly) -> R<()> {
    let gwlb = r.list("GatewayLoadBalancerArns")?;
    let nlb = r.list("NetworkLoadBalancerArns")?;
    a.endpoint_service(m::VpcEndpointService {
        service_name: attributes::endpoint_service_name(&r.r.place, &r.r.base),
        service_id: Some(r.id()),
        service_type: Some(if gwlb.is_empty() { "Interface" } else { "GatewayLoadBalancer" }.into()),
        gateway_load_balancer_arns: gwlb,
        network_load_balancer_arns: nlb,
        origin: r.origin(),
    });
    Ok(())
}

pub fn load_balancer(r: &Res, a: &mut Assembly) -> R<()> {
    let arn = attributes::load_balancer_arn(&r.r.place, &r.r.base, Some(&r.r.props));
    let lb_type = r.opt("Type")?.unwrap_or_else(|| "application".into());
    let scheme = r.opt("Scheme")?.unwrap_or_else(|| "internet-facing".into());
    let mut subnets = r.list("Subnets")?;
    for m in r.items("SubnetMappings")? {
        if let Some(s) = super::text(m.get("SubnetId"), "SubnetMappings.SubnetId", m.pos)? {
            subnets.push(s);
        }
    }
    let security_groups = r.list("SecurityGroups")?;
    let name = attributes::attribute(&r.r.ty, &r.r.base, "LoadBalancerName", Some(&r.r.props), &r.r.place, r.r.origin_pos())
        .as_str()
        .unwrap_or_default()
        .to_string();
    let ty = if lb_type == "gateway" { "gateway_load_balancer" } else { "interface" };
    for (i, s) in subnets.iter().enumerate() {
        a.interface(InterfaceRequest {
            id: r.derived("eni-", i),
            subnet: s.clone(),
            owner: m::EniOwner::LoadBalancer(arn.clone()),
            interface_type: ty.into(),
            description: Some(format!("ELB {lb_type}/{name}")),
            private_ips: Vec::new(),
            count: 1,
            security_groups: security_groups.clone(),
            source_dest_check: true,
            requester_managed: true,
            public_ip_at_launch: Some(lb_type != "gateway" && scheme == "internet-facing"),
            default_security_group: lb_type == "application",
            tags: Vec::new(),
            origin: r.origin(),
        });
    }
    a.load_balancer(m::LoadBalancer {
        arn,
        name,
        lb_type,
        scheme: Some(scheme),
        vpc: None,
        subnets,
        placement: r.placement(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn network_firewall(r: &Res, a: &mut Assembly) -> R<()> {
    let vpc = r.req("VpcId")?;
    let name = r.opt("FirewallName")?.unwrap_or_else(|| r.r.logical.clone());
    let zones = attributes::firewall_zones(Some(&r.r.props));
    if zones.is_empty() {
        return Err(r.err(r.pos_of("SubnetMappings"), "SubnetMappings: expected at least one SubnetId"));
    }
    for (subnet, endpoint) in attributes::firewall_endpoints(&r.r.base, &zones) {
        a.vpc_endpoint(m::VpcEndpoint {
            id: endpoint,
            vpc: vpc.clone(),
            placement: r.placement(),
            endpoint_type: m::VpcEndpointType::GatewayLoadBalancer,
            service_name: format!("network-firewall:{name}"),
            subnets: vec![subnet],
            network_interfaces: Vec::new(),
            security_groups: Vec::new(),
            route_tables: Vec::new(),
            private_dns_enabled: false,
            policy_document: None,
            tags: r.tags(),
            origin: r.origin(),
        });
    }
    Ok(())
}
