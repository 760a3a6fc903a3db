//! Gateways at the edge of a VPC: internet and egress-only internet gateways, NAT gateways,
//! VPC endpoints (interface, gateway, Gateway Load Balancer), Gateway Load Balancers, virtual
//! private gateways, VPN connections, customer gateways and Direct Connect gateways.

use crate::{Origin, Placement, Tags};
use ipnet::Ipv4Net;
use serde::Serialize;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Serialize)]
pub struct InternetGateway {
    pub id: String,
    pub placement: Placement,
    /// VPCs the gateway is attached to (state `available`/`attached`).
    pub vpcs: Vec<String>,
    /// True for an egress-only internet gateway (IPv6 only).
    pub egress_only: bool,
    pub tags: Tags,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NatConnectivity {
    Public,
    Private,
}

#[derive(Debug, Clone, Serialize)]
pub struct NatGatewayAddress {
    pub network_interface: Option<String>,
    pub private_ip: Option<Ipv4Addr>,
    pub public_ip: Option<Ipv4Addr>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NatGateway {
    pub id: String,
    pub vpc: String,
    pub subnet: String,
    pub placement: Placement,
    pub connectivity: NatConnectivity,
    pub addresses: Vec<NatGatewayAddress>,
    pub tags: Tags,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VpcEndpointType {
    Interface,
    Gateway,
    GatewayLoadBalancer,
}

#[derive(Debug, Clone, Serialize)]
pub struct VpcEndpoint {
    pub id: String,
    pub vpc: String,
    pub placement: Placement,
    pub endpoint_type: VpcEndpointType,
    pub service_name: String,
    pub subnets: Vec<String>,
    pub network_interfaces: Vec<String>,
    pub security_groups: Vec<String>,
    /// Route tables a gateway endpoint is associated with.
    pub route_tables: Vec<String>,
    pub private_dns_enabled: bool,
    /// The endpoint policy document, verbatim (JSON text), when the endpoint has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_document: Option<String>,
    pub tags: Tags,
    pub origin: Origin,
}

/// An ELBv2 load balancer; koban models Gateway Load Balancers as inspection appliances and
/// records the others.
#[derive(Debug, Clone, Serialize)]
pub struct LoadBalancer {
    pub arn: String,
    pub name: String,
    pub lb_type: String,
    pub scheme: Option<String>,
    pub vpc: Option<String>,
    pub subnets: Vec<String>,
    pub placement: Placement,
    pub origin: Origin,
}

/// A VPC endpoint service (the provider side of interface and GWLB endpoints).
#[derive(Debug, Clone, Serialize)]
pub struct VpcEndpointService {
    pub service_name: String,
    pub service_id: Option<String>,
    pub service_type: Option<String>,
    pub gateway_load_balancer_arns: Vec<String>,
    pub network_load_balancer_arns: Vec<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Serialize)]
pub struct VpnGateway {
    pub id: String,
    pub placement: Placement,
    pub vpcs: Vec<String>,
    pub amazon_side_asn: Option<u64>,
    pub tags: Tags,
    pub origin: Origin,
}

#[derive(Debug, Clone, Serialize)]
pub struct VpnConnection {
    pub id: String,
    pub placement: Placement,
    pub customer_gateway: Option<String>,
    pub vpn_gateway: Option<String>,
    pub transit_gateway: Option<String>,
    /// Static routes (on-premises prefixes) configured on the connection.
    pub static_routes: Vec<Ipv4Net>,
    pub static_routes_only: bool,
    /// Tunnel outside addresses on the AWS side.
    pub tunnel_outside_ips: Vec<Ipv4Addr>,
    pub tags: Tags,
    pub origin: Origin,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerGateway {
    pub id: String,
    pub ip_address: Option<String>,
    pub bgp_asn: Option<String>,
    pub origin: Origin,
}

/// A Direct Connect gateway (global) and the transit/virtual private gateways it is
/// associated with.
#[derive(Debug, Clone, Serialize)]
pub struct DirectConnectGateway {
    pub id: String,
    pub name: Option<String>,
    pub amazon_side_asn: Option<u64>,
    pub associations: Vec<DirectConnectGatewayAssociation>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirectConnectGatewayAssociation {
    /// The associated transit gateway or virtual private gateway id.
    pub gateway: String,
    pub allowed_prefixes: Vec<Ipv4Net>,
}
