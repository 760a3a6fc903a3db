//! The generated organisation as plain typed data, independent of any file format.
//!
//! Resources inside a VPC refer to each other by index into the VPC's vectors (subnets,
//! security groups, ENIs, …); the renderer turns indices into AWS ids. VPCs refer to their
//! account by index into [`Org::accounts`].

use super::addr::Cidr;

/// Environment of a VPC; decides its Transit Gateway route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    Shared,
    Prod,
    Dev,
}

impl Env {
    pub fn name(self) -> &'static str {
        match self {
            Env::Shared => "shared",
            Env::Prod => "prod",
            Env::Dev => "dev",
        }
    }

    /// Index of the TGW route table VPCs of this environment are associated with.
    pub fn table(self) -> usize {
        match self {
            Env::Prod => TABLE_PROD,
            Env::Dev => TABLE_DEV,
            Env::Shared => TABLE_SHARED,
        }
    }
}

/// Indices of the TGW route tables in [`Transit::tables`].
pub const TABLE_PROD: usize = 0;
pub const TABLE_DEV: usize = 1;
pub const TABLE_SHARED: usize = 2;
pub const TABLE_ONPREM: usize = 3;

#[derive(Debug)]
pub struct Org {
    pub region: &'static str,
    pub azs: [&'static str; 2],
    pub az_ids: [&'static str; 2],
    pub accounts: Vec<String>,
    pub vpcs: Vec<Vpc>,
    pub transit: Transit,
    pub queries: Queries,
}

impl Org {
    /// Index of the account owning the TGW, the VPN and the shared VPCs.
    pub const NETWORK_ACCOUNT: usize = 0;
}

/// Reach queries for the benchmark runner, with the answers the design implies.
#[derive(Debug)]
pub struct Queries {
    /// Instance in the second account (the first if there is only one).
    pub reach_from: String,
    /// Instance in another VPC on the same TGW route table, listening on tcp/443.
    pub reach_to: String,
    /// A prod instance and a dev instance (isolated by the TGW tables), when both exist.
    pub isolated: Option<(String, String)>,
}

#[derive(Debug)]
pub struct Vpc {
    pub id: String,
    pub name: String,
    pub account: usize,
    pub env: Env,
    pub cidr: Cidr,
    pub cidr_assoc: String,
    pub dhcp_options: String,
    pub subnets: Vec<Subnet>,
    pub igw: Option<String>,
    pub nats: Vec<Nat>,
    pub route_tables: Vec<RouteTable>,
    pub nacls: Vec<Nacl>,
    pub sgs: Vec<SecurityGroup>,
    pub enis: Vec<Eni>,
    pub instances: Vec<Instance>,
    pub reservations: Vec<Reservation>,
    pub endpoints: Vec<Endpoint>,
    pub attachment: VpcAttachment,
    /// Index of the first app-tier instance (it carries the `app-https` group).
    pub first_app_instance: Option<usize>,
}

impl Vpc {
    /// Index of the subnet with this role in this AZ (the first subnet if there is none).
    pub fn subnet_index(&self, role: SubnetRole, az: usize) -> usize {
        self.subnets.iter().position(|s| s.role == role && s.az == az).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubnetRole {
    Public,
    Endpoints,
    Transit,
    App,
}

impl SubnetRole {
    pub fn name(self) -> &'static str {
        match self {
            SubnetRole::Public => "public",
            SubnetRole::Endpoints => "endpoints",
            SubnetRole::Transit => "transit",
            SubnetRole::App => "app",
        }
    }
}

#[derive(Debug)]
pub struct Subnet {
    pub id: String,
    pub role: SubnetRole,
    pub az: usize,
    pub cidr: Cidr,
    /// Offset (from the subnet base) of the next free address.
    pub next_free: u32,
    /// Addresses handed out so far.
    pub used: u32,
}

/// An elastic or auto-assigned public address on an ENI.
#[derive(Debug, Clone)]
pub struct PublicIp {
    pub ip: u32,
    /// `Some((allocation id, association id))` for an EIP; `None` for an auto-assigned IP.
    pub eip: Option<(String, String)>,
}

#[derive(Debug)]
pub struct Nat {
    pub id: String,
    pub subnet: usize,
    pub eni: usize,
}

#[derive(Debug, Clone)]
pub enum Target {
    Local,
    Igw(String),
    Nat(String),
    Tgw(String),
}

#[derive(Debug, Clone)]
pub struct Route {
    pub dest: Cidr,
    pub target: Target,
}

#[derive(Debug)]
pub struct RouteTable {
    pub id: String,
    pub name: String,
    /// Association id when this is the VPC's main route table.
    pub main_assoc: Option<String>,
    /// Explicit subnet associations: (subnet index, association id).
    pub assocs: Vec<(usize, String)>,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    All,
    Tcp,
    Udp,
    Icmp,
}

#[derive(Debug)]
pub struct NaclEntry {
    pub number: u16,
    pub egress: bool,
    pub allow: bool,
    pub proto: Proto,
    /// Port range for tcp/udp.
    pub ports: Option<(u16, u16)>,
    pub cidr: Cidr,
}

#[derive(Debug)]
pub struct Nacl {
    pub id: String,
    pub default: bool,
    pub entries: Vec<NaclEntry>,
    pub assocs: Vec<(usize, String)>,
}

#[derive(Debug, Clone)]
pub struct Permission {
    pub proto: Proto,
    /// (FromPort, ToPort); for icmp (type, code) with -1 meaning any. `None` for all traffic.
    pub ports: Option<(i32, i32)>,
    /// Source/destination prefixes with an optional rule description.
    pub cidrs: Vec<(Cidr, Option<&'static str>)>,
    /// Referenced groups (indices into the VPC's groups).
    pub groups: Vec<usize>,
}

impl Permission {
    /// Number of rules in AWS's sense (one per source or destination).
    pub fn rule_count(&self) -> usize {
        self.cidrs.len() + self.groups.len()
    }
}

#[derive(Debug)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub description: String,
    pub ingress: Vec<Permission>,
    pub egress: Vec<Permission>,
}

#[derive(Debug)]
pub enum EniKind {
    Instance { instance: usize, device_index: u32 },
    Nat { nat: usize },
    TransitGateway,
    Endpoint { endpoint: usize },
}

#[derive(Debug)]
pub struct Eni {
    pub id: String,
    pub kind: EniKind,
    pub subnet: usize,
    pub ip: u32,
    pub secondary_ips: Vec<u32>,
    pub public: Option<PublicIp>,
    pub sgs: Vec<usize>,
    pub mac: String,
    pub attachment_id: String,
}

#[derive(Debug)]
pub struct Instance {
    pub id: String,
    pub name: String,
    pub subnet: usize,
    pub enis: Vec<usize>,
    pub sgs: Vec<usize>,
    pub instance_type: &'static str,
    pub image: &'static str,
    pub volume: String,
    pub launch_time: String,
}

#[derive(Debug)]
pub struct Reservation {
    pub id: String,
    pub instances: Vec<usize>,
}

#[derive(Debug)]
pub struct Endpoint {
    pub id: String,
    pub service: &'static str,
    pub subnets: Vec<usize>,
    pub enis: Vec<usize>,
    pub sg: usize,
}

#[derive(Debug)]
pub struct VpcAttachment {
    pub id: String,
    pub subnets: Vec<usize>,
    /// Index into [`Transit::tables`] of the associated route table.
    pub table: usize,
}

#[derive(Debug)]
pub struct Transit {
    pub tgw: String,
    pub tables: Vec<TgwTable>,
    pub vpn: Vpn,
}

#[derive(Debug)]
pub enum TgwTarget {
    Vpc(usize),
    Vpn,
    Blackhole,
}

#[derive(Debug)]
pub struct TgwStaticRoute {
    pub dest: Cidr,
    pub target: TgwTarget,
}

#[derive(Debug)]
pub struct TgwTable {
    pub id: String,
    pub name: &'static str,
    pub static_routes: Vec<TgwStaticRoute>,
    /// VPCs (indices) whose attachments propagate into this table.
    pub propagations: Vec<usize>,
}

#[derive(Debug)]
pub struct Vpn {
    pub id: String,
    pub customer_gateway: String,
    pub customer_gateway_ip: u32,
    pub attachment: String,
    pub table: usize,
}
