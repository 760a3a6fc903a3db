//! Transit Gateways: attachments (VPC, VPN, Direct Connect gateway, peering, …), route tables
//! with static and propagated routes, associations and propagations.

use crate::{Origin, Placement, Tags};
use ipnet::Ipv4Net;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct TransitGateway {
    pub id: String,
    pub owner: Option<String>,
    pub placement: Placement,
    pub amazon_side_asn: Option<u64>,
    pub default_association_route_table: Option<String>,
    pub default_propagation_route_table: Option<String>,
    pub tags: Tags,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttachmentResourceType {
    Vpc,
    Vpn,
    DirectConnectGateway,
    Peering,
    Connect,
    NetworkFunction,
    Other,
}

impl AttachmentResourceType {
    pub fn parse(s: &str) -> Self {
        match s {
            "vpc" => Self::Vpc,
            "vpn" => Self::Vpn,
            "direct-connect-gateway" => Self::DirectConnectGateway,
            "peering" | "tgw-peering" => Self::Peering,
            "connect" => Self::Connect,
            "network-function" => Self::NetworkFunction,
            _ => Self::Other,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TransitGatewayAttachment {
    pub id: String,
    pub transit_gateway: String,
    pub resource_type: AttachmentResourceType,
    /// The VPC, VPN connection, Direct Connect gateway or peer transit gateway id.
    pub resource_id: Option<String>,
    pub resource_owner: Option<String>,
    /// Route table association per transit gateway: lookups for traffic entering a transit
    /// gateway from this attachment use the table associated on that gateway. A peering
    /// attachment has one association on each side.
    pub associations: std::collections::BTreeMap<String, String>,
    /// For VPC attachments: the subnets holding the attachment's ENIs (one per AZ).
    pub subnets: Vec<String>,
    pub appliance_mode: bool,
    pub placement: Placement,
    pub tags: Tags,
    pub origin: Origin,
}

impl TransitGatewayAttachment {
    /// The route table this attachment is associated with on transit gateway `tgw`.
    pub fn association_on(&self, tgw: &str) -> Option<&str> {
        self.associations.get(tgw).map(String::as_str)
    }

    /// For a peering attachment seen from `tgw`: the transit gateway on the other side.
    pub fn peer_of(&self, tgw: &str) -> Option<&str> {
        if self.transit_gateway == tgw {
            self.resource_id.as_deref()
        } else if self.resource_id.as_deref() == Some(tgw) {
            Some(self.transit_gateway.as_str())
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TgwRouteType {
    Static,
    Propagated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransitGatewayRoute {
    pub destination: TgwRouteDestination,
    /// Target attachments (several for ECMP); empty for a blackhole.
    pub attachments: Vec<String>,
    pub route_type: TgwRouteType,
    /// False for a `blackhole` route: matching traffic is dropped.
    pub active: bool,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum TgwRouteDestination {
    Ipv4(Ipv4Net),
    PrefixList(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransitGatewayPropagation {
    pub attachment: String,
    pub resource_type: AttachmentResourceType,
    pub resource_id: Option<String>,
    pub enabled: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransitGatewayRouteTable {
    pub id: String,
    pub transit_gateway: String,
    pub default_association: bool,
    pub default_propagation: bool,
    /// Routes read from `search-transit-gateway-routes` (static, and propagated ones if the
    /// snapshot recorded them).
    pub routes: Vec<TransitGatewayRoute>,
    /// Attachments propagating into this table; engines derive the propagated routes.
    pub propagations: Vec<TransitGatewayPropagation>,
    /// True when a routes file was read for this table (otherwise its static routes are unknown).
    pub routes_known: bool,
    /// True when a propagations file was read for this table.
    pub propagations_known: bool,
    pub placement: Placement,
    pub tags: Tags,
    pub origin: Origin,
}
