//! VPCs and their CIDR blocks, subnets, route tables, routes and associations, VPC peering
//! and managed prefix lists.

use super::{Res, R};
use crate::iac::rules::{v4net, v6net};
use crate::iac::{gateway_target, Assembly, RouteDecl, VpcDefaults};
use koban_model as m;

pub fn vpc(r: &Res, a: &mut Assembly) -> R<()> {
    let cidr = match r.opt("CidrBlock")? {
        Some(c) => v4net(&c).map_err(|e| r.err(r.pos_of("CidrBlock"), format!("CidrBlock: {e}")))?,
        None => {
            return Err(super::FieldError {
                pos: r.pos_of("Ipv4IpamPoolId"),
                message: "the VPC's CIDR block comes from an IPAM pool at deployment".into(),
                deploy_time: true,
            })
        }
    };
    let id = r.id();
    a.vpc(m::Vpc {
        id: id.clone(),
        placement: r.placement(),
        cidrs: vec![cidr],
        ipv6_cidrs: Vec::new(),
        is_default: false,
        tags: r.tags(),
        origin: r.origin(),
    });
    a.vpc_defaults(VpcDefaults {
        vpc: id,
        main_route_table: r.derived("rtb-", "main"),
        network_acl: r.derived("acl-", "default"),
        security_group: r.derived("sg-", "default"),
        origin: r.origin(),
    });
    Ok(())
}

pub fn vpc_cidr_block(r: &Res, a: &mut Assembly) -> R<()> {
    let vpc = r.req("VpcId")?;
    if let Some(c) = r.opt("CidrBlock")? {
        let net = v4net(&c).map_err(|e| r.err(r.pos_of("CidrBlock"), format!("CidrBlock: {e}")))?;
        a.vpc_cidr(&vpc, net);
    }
    Ok(())
}

pub fn subnet(r: &Res, a: &mut Assembly) -> R<()> {
    let vpc = r.req("VpcId")?;
    let cidr = match r.opt("CidrBlock")? {
        Some(c) => Some(v4net(&c).map_err(|e| r.err(r.pos_of("CidrBlock"), format!("CidrBlock: {e}")))?),
        None => None,
    };
    let ipv6 = match r.opt("Ipv6CidrBlock")? {
        Some(c) => vec![v6net(&c).map_err(|e| r.err(r.pos_of("Ipv6CidrBlock"), format!("Ipv6CidrBlock: {e}")))?],
        None => Vec::new(),
    };
    let az = r.opt("AvailabilityZone").ok().flatten();
    let az_id = r.opt("AvailabilityZoneId").ok().flatten();
    let mut placement = r.placement();
    if let Some(region) = az.as_deref().and_then(crate::snapshot::location::region_of_az) {
        placement.region = Some(region);
    }
    let id = r.id();
    if az.is_none() && az_id.is_none() {
        a.unknown(id.clone(), "the subnet's Availability Zone is chosen by AWS at deployment", &r.origin());
    }
    a.subnet(m::Subnet {
        id,
        vpc,
        placement,
        availability_zone: az,
        availability_zone_id: az_id,
        cidr,
        ipv6_cidrs: ipv6,
        map_public_ip_on_launch: r.flag("MapPublicIpOnLaunch", false)?,
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn route_table(r: &Res, a: &mut Assembly) -> R<()> {
    a.route_table(m::RouteTable {
        id: r.id(),
        vpc: r.req("VpcId")?,
        placement: r.placement(),
        main: false,
        subnets: Vec::new(),
        gateways: Vec::new(),
        routes: Vec::new(),
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn route(r: &Res, a: &mut Assembly) -> R<()> {
    use m::RouteTarget as T;
    let table = r.req("RouteTableId")?;
    let destination = if let Some(c) = r.opt("DestinationCidrBlock")? {
        m::RouteDestination::Ipv4(v4net(&c).map_err(|e| r.err(r.pos_of("DestinationCidrBlock"), format!("DestinationCidrBlock: {e}")))?)
    } else if let Some(c) = r.opt("DestinationIpv6CidrBlock")? {
        m::RouteDestination::Ipv6(
            v6net(&c).map_err(|e| r.err(r.pos_of("DestinationIpv6CidrBlock"), format!("DestinationIpv6CidrBlock: {e}")))?,
        )
    } else if let Some(p) = r.opt("DestinationPrefixListId")? {
        m::RouteDestination::PrefixList(p)
    } else {
        return Err(r.err(r.r.origin_pos(), "one of DestinationCidrBlock, DestinationIpv6CidrBlock or DestinationPrefixListId is required"));
    };
    let target = if let Some(id) = r.opt("NatGatewayId")? {
        T::NatGateway(id)
    } else if let Some(id) = r.opt("TransitGatewayId")? {
        T::TransitGateway(id)
    } else if let Some(id) = r.opt("VpcPeeringConnectionId")? {
        T::VpcPeeringConnection(id)
    } else if let Some(id) = r.opt("VpcEndpointId")? {
        T::VpcEndpoint(id)
    } else if let Some(id) = r.opt("EgressOnlyInternetGatewayId")? {
        T::EgressOnlyInternetGateway(id)
    } else if let Some(id) = r.opt("GatewayId")? {
        gateway_target(&id)
    } else if let Some(id) = r.opt("NetworkInterfaceId")? {
        T::NetworkInterface(id)
    } else if let Some(id) = r.opt("InstanceId")? {
        T::Instance(id)
    } else if let Some(id) = r.opt("CarrierGatewayId")?.or(r.opt("LocalGatewayId")?).or(r.opt("CoreNetworkArn")?) {
        T::Unsupported(id)
    } else {
        return Err(r.err(r.r.origin_pos(), "the route has no target (GatewayId, NatGatewayId, TransitGatewayId, VpcEndpointId, …)"));
    };
    a.route(RouteDecl { table, destination, target, origin: r.origin() });
    Ok(())
}

pub fn subnet_route_table_association(r: &Res, a: &mut Assembly) -> R<()> {
    a.associate_subnet(&r.req("RouteTableId")?, &r.req("SubnetId")?);
    Ok(())
}

pub fn gateway_route_table_association(r: &Res, a: &mut Assembly) -> R<()> {
    a.associate_gateway(&r.req("RouteTableId")?, &r.req("GatewayId")?);
    Ok(())
}

pub fn peering(r: &Res, a: &mut Assembly) -> R<()> {
    let requester = m::PeeringSide {
        vpc: r.req("VpcId")?,
        owner: Some(r.r.place.account.clone()),
        region: Some(r.r.place.region.clone()),
        cidrs: Vec::new(),
    };
    let accepter = m::PeeringSide {
        vpc: r.req("PeerVpcId")?,
        owner: r.opt("PeerOwnerId")?.or_else(|| Some(r.r.place.account.clone())),
        region: r.opt("PeerRegion")?.or_else(|| Some(r.r.place.region.clone())),
        cidrs: Vec::new(),
    };
    a.vpc_peering_connection(m::VpcPeeringConnection { id: r.id(), requester, accepter, tags: r.tags(), origin: r.origin() });
    Ok(())
}

pub fn prefix_list(r: &Res, a: &mut Assembly) -> R<()> {
    let mut cidrs = Vec::new();
    let mut ipv6 = Vec::new();
    for e in r.items("Entries")? {
        let Some(c) = super::text(e.get("Cidr"), "Entries.Cidr", e.pos)? else { continue };
        if c.contains(':') {
            ipv6.push(v6net(&c).map_err(|m| r.err(e.pos, format!("Entries.Cidr: {m}")))?);
        } else {
            cidrs.push(v4net(&c).map_err(|m| r.err(e.pos, format!("Entries.Cidr: {m}")))?);
        }
    }
    a.prefix_list(m::PrefixList {
        id: r.id(),
        name: r.opt("PrefixListName")?,
        placement: r.placement(),
        cidrs,
        ipv6_cidrs: ipv6,
        origin: r.origin(),
    });
    Ok(())
}
