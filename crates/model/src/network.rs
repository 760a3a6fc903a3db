//! VPCs, subnets, route tables and routes, managed prefix lists and VPC peering.

use crate::{Origin, Tags};
use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;

/// Where a resource lives.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Placement {
    /// The owning account id, when known (from the path or the resource's `OwnerId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The region, when known (from the path, the availability zone or an ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Vpc {
    pub id: String,
    pub placement: Placement,
    /// Every associated IPv4 CIDR block (primary first); only `associated` blocks.
    pub cidrs: Vec<Ipv4Net>,
    /// IPv6 CIDR blocks: recorded, not analysed (reported as unknown by engines).
    pub ipv6_cidrs: Vec<Ipv6Net>,
    pub is_default: bool,
    pub tags: Tags,
    pub origin: Origin,
}

#[derive(Debug, Clone, Serialize)]
pub struct Subnet {
    pub id: String,
    pub vpc: String,
    pub placement: Placement,
    pub availability_zone: Option<String>,
    pub availability_zone_id: Option<String>,
    pub cidr: Option<Ipv4Net>,
    pub ipv6_cidrs: Vec<Ipv6Net>,
    pub map_public_ip_on_launch: bool,
    pub tags: Tags,
    pub origin: Origin,
}

/// A route table with its associations.
#[derive(Debug, Clone, Serialize)]
pub struct RouteTable {
    pub id: String,
    pub vpc: String,
    pub placement: Placement,
    /// True when this is the VPC's main route table (used by subnets with no explicit association).
    pub main: bool,
    /// Subnets explicitly associated.
    pub subnets: Vec<String>,
    /// Gateways (internet or virtual private gateways) associated with this table as an edge
    /// (gateway) route table: it routes traffic entering the VPC through them.
    pub gateways: Vec<String>,
    pub routes: Vec<Route>,
    pub tags: Tags,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum RouteDestination {
    Ipv4(Ipv4Net),
    Ipv6(Ipv6Net),
    PrefixList(String),
}

impl std::fmt::Display for RouteDestination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteDestination::Ipv4(n) => write!(f, "{n}"),
            RouteDestination::Ipv6(n) => write!(f, "{n}"),
            RouteDestination::PrefixList(p) => write!(f, "{p}"),
        }
    }
}

/// Where a VPC route sends traffic. Gateway Load Balancer endpoints appear in the EC2 API
/// both as `GatewayId: vpce-…` and as `VpcEndpointId`; both become [`RouteTarget::VpcEndpoint`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "kebab-case")]
pub enum RouteTarget {
    Local,
    InternetGateway(String),
    EgressOnlyInternetGateway(String),
    NatGateway(String),
    TransitGateway(String),
    VpcPeeringConnection(String),
    VpcEndpoint(String),
    NetworkInterface(String),
    Instance(String),
    VirtualPrivateGateway(String),
    /// A target kind koban does not model (carrier gateway, local gateway, core network, …).
    Unsupported(String),
}

impl RouteTarget {
    /// The target's resource id (`local` for the local route).
    pub fn id(&self) -> &str {
        match self {
            RouteTarget::Local => "local",
            RouteTarget::InternetGateway(s)
            | RouteTarget::EgressOnlyInternetGateway(s)
            | RouteTarget::NatGateway(s)
            | RouteTarget::TransitGateway(s)
            | RouteTarget::VpcPeeringConnection(s)
            | RouteTarget::VpcEndpoint(s)
            | RouteTarget::NetworkInterface(s)
            | RouteTarget::Instance(s)
            | RouteTarget::VirtualPrivateGateway(s)
            | RouteTarget::Unsupported(s) => s,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteState {
    Active,
    /// The target is gone (deleted NAT gateway, detached gateway, …): traffic is dropped.
    Blackhole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    pub destination: RouteDestination,
    pub target: RouteTarget,
    pub state: RouteState,
    /// `CreateRouteTable`, `CreateRoute` or `EnableVgwRoutePropagation`, as AWS reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_kind: Option<String>,
    /// Index of the route in its table's `Routes` array (for evidence).
    pub index: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrefixList {
    pub id: String,
    pub name: Option<String>,
    pub placement: Placement,
    pub cidrs: Vec<Ipv4Net>,
    pub ipv6_cidrs: Vec<Ipv6Net>,
    pub origin: Origin,
}

/// One side of a VPC peering connection.
#[derive(Debug, Clone, Serialize)]
pub struct PeeringSide {
    pub vpc: String,
    pub owner: Option<String>,
    pub region: Option<String>,
    pub cidrs: Vec<Ipv4Net>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VpcPeeringConnection {
    pub id: String,
    pub requester: PeeringSide,
    pub accepter: PeeringSide,
    pub tags: Tags,
    pub origin: Origin,
}

impl VpcPeeringConnection {
    /// The side that is not `vpc`.
    pub fn peer_of(&self, vpc: &str) -> Option<&PeeringSide> {
        if self.requester.vpc == vpc {
            Some(&self.accepter)
        } else if self.accepter.vpc == vpc {
            Some(&self.requester)
        } else {
            None
        }
    }
}
