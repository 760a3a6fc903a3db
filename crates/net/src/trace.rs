//! What a trace records: hops (the resource a packet set passed and why it was forwarded or
//! admitted), and how each part of the set ended.

use crate::space::PacketSet;
use serde::Serialize;

/// The kind of a hop, named after the AWS resource it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HopType {
    Instance,
    NetworkInterface,
    Subnet,
    Vpc,
    InternetGateway,
    NatGateway,
    TransitGateway,
    TransitGatewayAttachment,
    GatewayLoadBalancerEndpoint,
    InspectionAppliance,
    GatewayEndpoint,
    InterfaceEndpoint,
    VpcPeeringConnection,
    VpnGateway,
    VpnConnection,
    DirectConnectGateway,
    Internet,
    AwsService,
    ExternalNetwork,
}

/// Why a hop forwarded or admitted: the route, rule, entry or translation that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// `route`, `security-group-rule`, `network-acl-entry`, `translation`, `attachment`, …
    pub kind: &'static str,
    /// The resource holding it (`rtb-…`, `sg-…`, `acl-…`, `tgw-rtb-…`).
    pub resource: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub resource: String,
    #[serde(rename = "type")]
    pub hop_type: HopType,
    /// The network interface the packets used at this hop, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    pub evidence: Vec<Evidence>,
}

impl Hop {
    pub fn new(resource: impl Into<String>, hop_type: HopType) -> Self {
        Hop { resource: resource.into(), hop_type, interface: None, evidence: Vec::new() }
    }
    pub fn via(mut self, eni: impl Into<String>) -> Self {
        self.interface = Some(eni.into());
        self
    }
    pub fn because(mut self, kind: &'static str, resource: impl Into<String>, detail: impl Into<String>) -> Self {
        self.evidence.push(Evidence { kind, resource: resource.into(), detail: detail.into() });
        self
    }
}

/// Where a part of the packet set ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "disposition", rename_all = "kebab-case")]
pub enum Outcome {
    /// Delivered to the interface owning the destination address.
    Delivered { interface: String, owner: String },
    /// Left the modelled network: to the internet, an AWS service, or a named network.
    Exited { to: String },
    /// Dropped.
    Blocked { at: String, reason: String },
}

impl Outcome {
    pub fn blocked(at: impl Into<String>, reason: impl Into<String>) -> Self {
        Outcome::Blocked { at: at.into(), reason: reason.into() }
    }
}

/// A source-address translation made by a NAT gateway on the way: replies addressed to
/// `translated` are translated back to `original` (address intervals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    pub nat_gateway: String,
    pub translated: u32,
    pub original: Vec<(u32, u32)>,
}

/// The path walked so far: hops, unknowns met and translations made.
#[derive(Debug, Clone, Default)]
pub struct PathState {
    pub hops: Vec<Hop>,
    pub unknowns: Vec<String>,
    pub translations: Vec<Translation>,
}

/// Receives every end of a trace: the path taken, the packets that took it, and how they ended.
pub trait Sink {
    fn leaf(&mut self, path: &PathState, set: &PacketSet, outcome: Outcome);

    /// Whether the walk goes on past the hop just added to `path`. A sink that has its answer
    /// (a yes/no query settled by one path) returns false: the leaves below that hop, and the
    /// unknowns met there, are then not reported to it.
    fn descend(&mut self, _path: &PathState) -> bool {
        true
    }
}

/// A sink that keeps everything.
#[derive(Default, Debug, Clone)]
pub struct Collect {
    pub leaves: Vec<Leaf>,
}

#[derive(Debug, Clone)]
pub struct Leaf {
    pub path: PathState,
    pub set: PacketSet,
    pub outcome: Outcome,
}

impl Sink for Collect {
    fn leaf(&mut self, path: &PathState, set: &PacketSet, outcome: Outcome) {
        self.leaves.push(Leaf { path: path.clone(), set: set.clone(), outcome });
    }
}
