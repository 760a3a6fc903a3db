//! Network interfaces and the instances that own them.

use crate::{Origin, Placement, Tags};
use serde::Serialize;
use std::net::Ipv4Addr;

/// Who or what owns an ENI, from its `InterfaceType`, `Attachment` and `RequesterId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "kebab-case")]
pub enum EniOwner {
    Instance(String),
    NatGateway(String),
    VpcEndpoint(String),
    GatewayLoadBalancerEndpoint(String),
    TransitGatewayAttachment(String),
    LoadBalancer(String),
    ResolverEndpoint(String),
    Lambda(String),
    /// Another AWS-managed interface (RDS, EFS, …) or a detached ENI.
    Other(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct NetworkInterface {
    pub id: String,
    pub subnet: String,
    pub vpc: String,
    pub placement: Placement,
    pub availability_zone: Option<String>,
    pub interface_type: String,
    pub description: Option<String>,
    /// Primary private IPv4 first.
    pub private_ips: Vec<Ipv4Addr>,
    /// Public (or Elastic) IPv4 per private IPv4, as (private, public).
    pub public_ips: Vec<(Ipv4Addr, Ipv4Addr)>,
    pub security_groups: Vec<String>,
    pub source_dest_check: bool,
    pub owner: EniOwner,
    pub requester_managed: bool,
    pub status: Option<String>,
    pub tags: Tags,
    pub origin: Origin,
}

#[derive(Debug, Clone, Serialize)]
pub struct Instance {
    pub id: String,
    pub state: String,
    pub subnet: Option<String>,
    pub vpc: Option<String>,
    pub placement: Placement,
    pub network_interfaces: Vec<String>,
    pub private_ip: Option<Ipv4Addr>,
    pub public_ip: Option<Ipv4Addr>,
    pub security_groups: Vec<String>,
    pub iam_instance_profile: Option<String>,
    pub image_id: Option<String>,
    pub platform: Option<String>,
    pub tags: Tags,
    pub origin: Origin,
}

impl Instance {
    /// Running or pending instances take part in the network; stopped and terminated ones
    /// do not.
    pub fn is_live(&self) -> bool {
        matches!(self.state.as_str(), "running" | "pending")
    }
}
