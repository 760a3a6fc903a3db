//! The report's data (`koban/report/v1`): everything the page shows, as one serialisable
//! value. It is embedded verbatim in the page (`<script type="application/json"
//! id="koban-data">`) so a report can be re-rendered or diffed; the diagrams are drawn from it.
//!
//! Witness paths are stored once: [`PathTable::hops`] holds every distinct hop, and paths refer
//! to hops by index. Findings keep their evidence as the checks produced it.

use koban_findings::Finding;
use koban_intent::CheckReport;
use koban_model::Diagnostic;
use koban_net::reach::BlockedAnswer;
use koban_net::trace::{Hop, Outcome};
use serde::Serialize;

pub const SCHEMA: &str = "koban/report/v1";

#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    pub schema: &'static str,
    /// `koban <version>`.
    pub generator: String,
    /// The inputs as given on the command line.
    pub inputs: Vec<String>,
    /// The traffic every reach pair is about.
    pub traffic: Traffic,
    /// False when part of the input could not be read or something met is not modelled.
    pub complete: bool,
    pub summary: Summary,
    pub accounts: Vec<AccountView>,
    pub vpcs: Vec<VpcView>,
    pub transit_gateways: Vec<TransitGatewayView>,
    pub vpn_connections: Vec<VpnView>,
    pub direct_connect_gateways: Vec<DirectConnectView>,
    pub vpc_peering_connections: Vec<PeeringView>,
    /// Named networks outside AWS (`koban.yaml`).
    pub networks: Vec<NetworkView>,
    /// Inspection appliances behind Gateway Load Balancer endpoints, with their endpoints.
    pub inspection_appliances: Vec<ApplianceView>,
    pub checks: CheckReport,
    pub exposure: ExposureView,
    pub reach: ReachView,
    pub paths: PathTable,
    pub policy: PolicySection,
    pub detection: DetectionSection,
    /// Problems reading the input.
    pub diagnostics: Vec<Diagnostic>,
    /// What the twin holds but does not model (twin-wide; not repeated in each answer).
    pub unknowns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Traffic {
    pub protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub accounts: usize,
    pub vpcs: usize,
    pub subnets: usize,
    pub network_interfaces: usize,
    pub instances: usize,
    pub live_instances: usize,
    pub transit_gateways: usize,
    pub findings_high: usize,
    pub findings_medium: usize,
    pub findings_low: usize,
    pub exposed_interfaces: usize,
    pub reach_pairs: usize,
    pub input_errors: usize,
    pub input_warnings: usize,
    /// True when the twin is large: the page renders VPCs collapsed.
    pub large: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub id: String,
    pub regions: Vec<String>,
    pub vpcs: Vec<String>,
    pub transit_gateways: Vec<String>,
    pub vpn_connections: Vec<String>,
}

/// A VPC CIDR and, per named network, whether that network's Transit Gateway route table
/// routes it into the VPC.
#[derive(Debug, Clone, Serialize)]
pub struct CidrView {
    pub cidr: String,
    /// True when some named network routes (part of) the CIDR into the VPC.
    pub routable: bool,
    pub from_networks: Vec<CidrRouting>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CidrRouting {
    pub network: String,
    /// `routable`, `partly-routable` or `not-routable`.
    pub status: &'static str,
    /// Address ranges of the CIDR the network's traffic enters the VPC for.
    pub routed: Vec<String>,
    /// Address ranges of the CIDR it does not enter the VPC for.
    pub unrouted: Vec<String>,
    /// The Transit Gateway route tables that routed it.
    pub route_tables: Vec<String>,
    /// Where the rest stopped (e.g. `tgw-…: no route in tgw-rtb-… matches the destination`).
    pub stops: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VpcView {
    pub id: String,
    pub name: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub cidrs: Vec<CidrView>,
    pub ipv6_cidrs: Vec<String>,
    pub internet_gateways: Vec<GatewayView>,
    pub vpn_gateways: Vec<GatewayView>,
    pub availability_zones: Vec<AzView>,
    /// Gateway endpoints (S3, DynamoDB): no interface, routed to by prefix list.
    pub gateway_endpoints: Vec<EndpointView>,
    /// Interface and Gateway Load Balancer endpoints.
    pub endpoints: Vec<EndpointView>,
    pub nat_gateways: Vec<GatewayView>,
    pub transit_gateway_attachments: Vec<String>,
    pub peering_connections: Vec<String>,
    pub network_interfaces: usize,
    pub instances: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct GatewayView {
    pub id: String,
    pub name: Option<String>,
    /// E.g. `public`, `private` (NAT), `egress-only` (IGW).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EndpointView {
    pub id: String,
    pub name: Option<String>,
    /// `interface`, `gateway` or `gateway-load-balancer`.
    pub endpoint_type: String,
    pub service: String,
    pub subnets: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AzView {
    /// The Availability Zone name (`eu-west-1a`), or `unknown` when the input lacks it.
    pub name: String,
    pub subnets: Vec<SubnetView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubnetView {
    pub id: String,
    pub name: Option<String>,
    pub cidr: Option<String>,
    /// From `koban_intent::roles`: public, inspection, endpoints, transit, instances, empty.
    pub roles: Vec<String>,
    pub route_table: Option<String>,
    pub network_acl: Option<String>,
    /// What lives in the subnet: one entry per network interface, plus resources whose
    /// interface the input lacks.
    pub resources: Vec<PlacedResource>,
}

/// One thing in a subnet, as the diagram draws it.
#[derive(Debug, Clone, Serialize)]
pub struct PlacedResource {
    /// The id a witness path names it by (`i-…`, `nat-…`, `vpce-…`, `tgw-attach-…`, or the
    /// interface id for interfaces koban does not attribute to a resource).
    pub resource: String,
    /// `instance`, `nat-gateway`, `gateway-load-balancer-endpoint`, `interface-endpoint`,
    /// `transit-gateway-attachment`, `load-balancer`, `resolver-endpoint`, `lambda`, `network-interface`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eni: Option<String>,
    pub name: Option<String>,
    pub private_ips: Vec<String>,
    pub public_ips: Vec<String>,
    /// False for stopped instances and detached interfaces: they take no part in forwarding.
    pub live: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransitGatewayView {
    pub id: String,
    pub name: Option<String>,
    pub account: Option<String>,
    pub amazon_side_asn: Option<u64>,
    pub attachments: Vec<AttachmentView>,
    pub route_tables: Vec<TgwRouteTableView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub id: String,
    pub name: Option<String>,
    /// `vpc`, `vpn`, `direct-connect-gateway`, `peering`, `connect`, `network-function`, `other`.
    pub resource_type: String,
    pub resource: Option<String>,
    pub account: Option<String>,
    pub route_table: Option<String>,
    pub appliance_mode: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TgwRouteTableView {
    pub id: String,
    pub name: Option<String>,
    pub associations: Vec<String>,
    pub propagations: Vec<String>,
    /// `destination -> targets (static|propagated[, blackhole])`.
    pub routes: Vec<String>,
    pub routes_known: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct VpnView {
    pub id: String,
    pub name: Option<String>,
    pub account: Option<String>,
    pub transit_gateway: Option<String>,
    pub vpn_gateway: Option<String>,
    pub customer_gateway: Option<String>,
    pub static_routes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirectConnectView {
    pub id: String,
    pub name: Option<String>,
    pub gateways: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeeringView {
    pub id: String,
    pub requester: String,
    pub accepter: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NetworkView {
    pub name: String,
    pub cidrs: Vec<String>,
    pub via: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplianceView {
    /// The id witness paths name it by: the Gateway Load Balancer ARN when the endpoint
    /// service is known, else the endpoint service name.
    pub id: String,
    pub service: String,
    pub endpoints: Vec<String>,
}

/// Every distinct hop of every path in the report, referred to by index.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PathTable {
    pub hops: Vec<Hop>,
}

/// A witness path by hop indices into [`PathTable::hops`].
#[derive(Debug, Clone, Serialize)]
pub struct PathRef {
    /// Packets that take this path.
    pub packets: String,
    pub hops: Vec<u32>,
    /// True when the path crosses an inspection appliance (Gateway Load Balancer endpoint).
    pub inspected: bool,
    pub reply_hops: Vec<u32>,
    pub reply_inspected: bool,
    pub ends: Outcome,
}

/// One `koban reach` answer, for a (named network or internet) → instance or instance →
/// (internet or named network) pair.
#[derive(Debug, Clone, Serialize)]
pub struct ReachPair {
    pub from: String,
    pub to: String,
    pub reachable: bool,
    pub paths: Vec<PathRef>,
    pub blocked: Vec<BlockedAnswer>,
    /// Unknowns of this answer, less the twin-wide ones listed once in [`ReportData::unknowns`].
    pub unknowns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReachView {
    /// Sources offered by the page: `internet`, each named network, each live instance.
    pub sources: Vec<String>,
    pub pairs: Vec<ReachPair>,
}

/// `koban exposure`, with witness paths as hop indices.
#[derive(Debug, Clone, Serialize)]
pub struct ExposureView {
    pub sources: Vec<ExposureSourceView>,
    pub unknowns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExposureSourceView {
    /// `internet` or `network:<name>`.
    pub source: String,
    pub exposed: Vec<ExposedView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExposedView {
    pub interface: String,
    pub owner: String,
    pub vpc: String,
    pub subnet: String,
    /// `tcp 443`, `udp 53`, `icmp all types`, …
    pub ports: Vec<String>,
    pub inspected: bool,
    pub path: Vec<u32>,
    pub reply_inspected: bool,
    pub reply_path: Vec<u32>,
}

/// Who can read the landing-zone secrets (`koban who-can`), when the twin holds the IAM and
/// Secrets Manager data and the policy engine can answer.
#[derive(Debug, Clone, Serialize)]
pub struct PolicySection {
    pub available: bool,
    pub note: String,
    pub answers: Vec<serde_json::Value>,
}

/// Detection (`--logs`) and vulnerability findings.
#[derive(Debug, Clone, Serialize)]
pub struct DetectionSection {
    pub available: bool,
    pub logs: Vec<String>,
    pub note: String,
    pub findings: Vec<Finding>,
}
