//! Transit Gateways (with the default route table AWS creates when default association or
//! propagation is on), VPC attachments and their interfaces, route tables, static and
//! blackhole routes, associations and propagations; customer gateways, virtual private
//! gateways, VPN connections (a VPN on a Transit Gateway gets the attachment
//! `tgw-attach-<VpnLogicalId>`: CloudFormation does not return its id, so templates that
//! need it take it as a parameter), VPN static routes and route propagation.

use super::{Res, R};
use crate::iac::rules::v4net;
use crate::iac::Assembly;
use koban_model as m;
use std::collections::BTreeMap;

fn enabled(r: &Res, key: &str) -> R<bool> {
    Ok(r.opt(key)?.map(|v| v.eq_ignore_ascii_case("enable")).unwrap_or(true))
}

pub fn transit_gateway(r: &Res, a: &mut Assembly) -> R<()> {
    let id = r.id();
    let assoc = enabled(r, "DefaultRouteTableAssociation")?;
    let prop = enabled(r, "DefaultRouteTablePropagation")?;
    let default_table = r.derived("tgw-rtb-", "default");
    let assoc_table = r.opt("AssociationDefaultRouteTableId")?;
    let prop_table = r.opt("PropagationDefaultRouteTableId")?;
    let mut needs_default = false;
    let association = if assoc {
        Some(assoc_table.unwrap_or_else(|| {
            needs_default = true;
            default_table.clone()
        }))
    } else {
        None
    };
    let propagation = if prop {
        Some(prop_table.unwrap_or_else(|| {
            needs_default = true;
            default_table.clone()
        }))
    } else {
        None
    };
    if needs_default {
        a.transit_gateway_route_table(m::TransitGatewayRouteTable {
            id: default_table.clone(),
            transit_gateway: id.clone(),
            default_association: association.as_deref() == Some(default_table.as_str()),
            default_propagation: propagation.as_deref() == Some(default_table.as_str()),
            routes: Vec::new(),
            propagations: Vec::new(),
            routes_known: true,
            propagations_known: true,
            placement: r.placement(),
            tags: Vec::new(),
            origin: r.origin(),
        });
    }
    a.transit_gateway(m::TransitGateway {
        id,
        owner: Some(r.r.place.account.clone()),
        placement: r.placement(),
        amazon_side_asn: r.number("AmazonSideAsn")?.and_then(|n| u64::try_from(n).ok()),
        default_association_route_table: association,
        default_propagation_route_table: propagation,
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn vpc_attachment(r: &Res, a: &mut Assembly) -> R<()> {
    let id = r.id();
    let vpc = r.req("VpcId")?;
    let subnets = r.list("SubnetIds")?;
    let appliance_mode = match r.sub("Options") {
        Some(o) => {
            super::text(o.get("ApplianceModeSupport"), "Options.ApplianceModeSupport", o.pos)?.map(|v| v == "enable").unwrap_or(false)
        }
        None => false,
    };
    a.attachment_interfaces(&id, &subnets, |i| r.derived("eni-", i), &r.origin());
    a.transit_gateway_attachment(m::TransitGatewayAttachment {
        id,
        transit_gateway: r.req("TransitGatewayId")?,
        resource_type: m::AttachmentResourceType::Vpc,
        resource_id: Some(vpc),
        resource_owner: Some(r.r.place.account.clone()),
        associations: BTreeMap::new(),
        subnets,
        appliance_mode,
        placement: r.placement(),
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn route_table(r: &Res, a: &mut Assembly) -> R<()> {
    a.transit_gateway_route_table(m::TransitGatewayRouteTable {
        id: r.id(),
        transit_gateway: r.req("TransitGatewayId")?,
        default_association: false,
        default_propagation: false,
        routes: Vec::new(),
        propagations: Vec::new(),
        routes_known: true,
        propagations_known: true,
        placement: r.placement(),
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn route(r: &Res, a: &mut Assembly) -> R<()> {
    let table = r.req("TransitGatewayRouteTableId")?;
    let cidr = r.req("DestinationCidrBlock")?;
    if cidr.contains(':') {
        a.unknown(r.r.logical.clone(), "IPv6 Transit Gateway routes are recorded, not analysed", &r.origin());
        return Ok(());
    }
    let net = v4net(&cidr).map_err(|e| r.err(r.pos_of("DestinationCidrBlock"), format!("DestinationCidrBlock: {e}")))?;
    let blackhole = r.flag("Blackhole", false)?;
    let attachments = if blackhole { Vec::new() } else { r.opt("TransitGatewayAttachmentId")?.into_iter().collect() };
    if !blackhole && attachments.is_empty() {
        return Err(r.err(r.r.origin_pos(), "TransitGatewayAttachmentId is required unless Blackhole is true"));
    }
    a.tgw_route(
        &table,
        m::TransitGatewayRoute {
            destination: m::TgwRouteDestination::Ipv4(net),
            attachments,
            route_type: m::TgwRouteType::Static,
            active: !blackhole,
            origin: r.origin(),
        },
    );
    Ok(())
}

pub fn association(r: &Res, a: &mut Assembly) -> R<()> {
    a.tgw_association(&r.req("TransitGatewayAttachmentId")?, &r.req("TransitGatewayRouteTableId")?);
    Ok(())
}

pub fn propagation(r: &Res, a: &mut Assembly) -> R<()> {
    a.tgw_propagation(&r.req("TransitGatewayRouteTableId")?, &r.req("TransitGatewayAttachmentId")?);
    Ok(())
}

pub fn customer_gateway(r: &Res, a: &mut Assembly) -> R<()> {
    a.customer_gateway(m::CustomerGateway { id: r.id(), ip_address: r.opt("IpAddress")?, bgp_asn: r.opt("BgpAsn")?, origin: r.origin() });
    Ok(())
}

pub fn vpn_gateway(r: &Res, a: &mut Assembly) -> R<()> {
    a.vpn_gateway(m::VpnGateway {
        id: r.id(),
        placement: r.placement(),
        vpcs: Vec::new(),
        amazon_side_asn: r.number("AmazonSideAsn")?.and_then(|n| u64::try_from(n).ok()),
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn vpn_connection(r: &Res, a: &mut Assembly) -> R<()> {
    let id = r.id();
    let tgw = r.opt("TransitGatewayId")?;
    if let Some(t) = &tgw {
        a.transit_gateway_attachment(m::TransitGatewayAttachment {
            id: format!("tgw-attach-{}", r.r.base),
            transit_gateway: t.clone(),
            resource_type: m::AttachmentResourceType::Vpn,
            resource_id: Some(id.clone()),
            resource_owner: Some(r.r.place.account.clone()),
            associations: BTreeMap::new(),
            subnets: Vec::new(),
            appliance_mode: false,
            placement: r.placement(),
            tags: r.tags(),
            origin: r.origin(),
        });
    }
    a.vpn_connection(m::VpnConnection {
        id,
        placement: r.placement(),
        customer_gateway: r.opt("CustomerGatewayId")?,
        vpn_gateway: r.opt("VpnGatewayId")?,
        transit_gateway: tgw,
        static_routes: Vec::new(),
        static_routes_only: r.flag("StaticRoutesOnly", false)?,
        tunnel_outside_ips: Vec::new(),
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn vpn_connection_route(r: &Res, a: &mut Assembly) -> R<()> {
    let cidr = r.req("DestinationCidrBlock")?;
    let net = v4net(&cidr).map_err(|e| r.err(r.pos_of("DestinationCidrBlock"), format!("DestinationCidrBlock: {e}")))?;
    a.vpn_route(&r.req("VpnConnectionId")?, net);
    Ok(())
}

pub fn vgw_route_propagation(r: &Res, a: &mut Assembly) -> R<()> {
    let vgw = r.req("VpnGatewayId")?;
    for t in r.list("RouteTableIds")? {
        a.vgw_propagation(&t, &vgw);
    }
    Ok(())
}
