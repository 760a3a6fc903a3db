//! Building the twin from infrastructure-as-code declarations (CloudFormation templates,
//! Terraform plans and state). Both tools declare pieces that AWS later assembles: routes,
//! associations, rules and attachments are resources of their own, and AWS itself creates
//! what no declaration names (a VPC's main route table, default network ACL and default
//! security group, local routes, the interfaces of instances, NAT gateways, endpoints and
//! Transit Gateway attachments, their addresses). The readers record declarations here; the
//! [`Assembly`] puts them together the way AWS would and returns the twin.
//!
//! Values AWS decides at deployment get stable stand-ins, and the twin says so: private
//! addresses are the first free addresses of the subnet (in interface-id order, noted in a
//! warning), public addresses come from 198.18.0.0/15 (RFC 2544 benchmarking space, never a
//! real AWS address) and are listed in the twin's unknowns.

mod aws_managed;
mod declared;
mod finish;
pub mod rules;
pub mod services;

use foldhash::HashMap;
use ipnet::Ipv4Net;
use koban_model as m;
use koban_model::{Diagnostic, Origin, Severity, Twin, Unknown};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Ids of what AWS creates with a VPC.
#[derive(Debug, Clone)]
pub struct VpcDefaults {
    pub vpc: String,
    pub main_route_table: String,
    pub network_acl: String,
    pub security_group: String,
    pub origin: Origin,
}

/// An interface AWS creates for a resource (instance, NAT gateway, endpoint, attachment),
/// or one declared without its addresses.
#[derive(Debug, Clone)]
pub struct InterfaceRequest {
    pub id: String,
    pub subnet: String,
    pub owner: m::EniOwner,
    pub interface_type: String,
    pub description: Option<String>,
    /// Declared private addresses (primary first); more are allocated up to `count`.
    pub private_ips: Vec<Ipv4Addr>,
    pub count: usize,
    pub security_groups: Vec<String>,
    pub source_dest_check: bool,
    pub requester_managed: bool,
    /// Gets a public IPv4 address at launch: explicitly, or (`None`) as the subnet's
    /// `MapPublicIpOnLaunch` says.
    pub public_ip_at_launch: Option<bool>,
    /// Without security groups the interface gets its VPC's default group.
    pub default_security_group: bool,
    pub tags: m::Tags,
    pub origin: Origin,
}

/// An Elastic IP address associated with an interface (or an instance's primary interface).
#[derive(Debug, Clone)]
pub struct EipAssociation {
    pub allocation: String,
    /// An interface id, or an instance id (its primary interface).
    pub target: String,
    pub private_ip: Option<Ipv4Addr>,
    pub origin: Origin,
}

/// An Elastic IP: its allocation id and address when the declaration fixes it.
#[derive(Debug, Clone)]
pub struct Eip {
    pub allocation: String,
    pub address: Option<Ipv4Addr>,
    pub origin: Origin,
}

/// A route declared on its own (or inline in a route table).
#[derive(Debug, Clone)]
pub struct RouteDecl {
    pub table: String,
    pub destination: m::RouteDestination,
    pub target: m::RouteTarget,
    pub origin: Origin,
}

/// The target of a route given as a gateway id: AWS's prefix says which kind it is.
pub fn gateway_target(id: &str) -> m::RouteTarget {
    use m::RouteTarget as T;
    if id == "local" {
        T::Local
    } else if id.starts_with("igw-") {
        T::InternetGateway(id.to_string())
    } else if id.starts_with("vgw-") {
        T::VirtualPrivateGateway(id.to_string())
    } else if id.starts_with("vpce-") {
        T::VpcEndpoint(id.to_string())
    } else if id.starts_with("eigw-") {
        T::EgressOnlyInternetGateway(id.to_string())
    } else {
        T::Unsupported(id.to_string())
    }
}

/// Everything declared so far, and the twin being built.
#[derive(Default)]
pub struct Assembly {
    pub twin: Twin,
    /// The resources of the twin's maps, until [`Assembly::finish`].
    declarations: declared::Declarations,
    vpc_defaults: Vec<VpcDefaults>,
    vpc_cidrs: Vec<(String, Ipv4Net)>,
    routes: Vec<RouteDecl>,
    subnet_associations: Vec<(String, String)>,
    gateway_associations: Vec<(String, String)>,
    main_associations: Vec<(String, String)>,
    gateway_attachments: Vec<(String, String)>,
    sg_rules: Vec<(String, bool, m::SgRule)>,
    sg_default_egress: Vec<String>,
    nacl_entries: Vec<(String, m::NaclEntry)>,
    nacl_associations: Vec<(String, String)>,
    interfaces: Vec<InterfaceRequest>,
    interface_attachments: Vec<(String, String, u32)>,
    eips: BTreeMap<String, Eip>,
    eip_associations: Vec<EipAssociation>,
    nat_allocations: Vec<(String, String)>,
    tgw_associations: Vec<(String, String)>,
    tgw_defaults: Vec<(String, bool, bool)>,
    tgw_propagations: Vec<(String, String)>,
    tgw_routes: Vec<(String, m::TransitGatewayRoute)>,
    vpn_routes: Vec<(String, Ipv4Net)>,
    vgw_propagations: Vec<(String, String)>,
    /// Where each id was first declared, for duplicates.
    declared: HashMap<String, declared::Slot>,
    /// Links between non-network declarations, joined at the end.
    links: services::Links,
}

impl Assembly {
    /// AWS creates a main route table, a default network ACL and a default security group
    /// with every VPC; they are added at the end unless declared (Terraform's
    /// `aws_default_*` resources declare them).
    pub fn vpc_defaults(&mut self, d: VpcDefaults) {
        self.vpc_defaults.push(d);
    }

    /// An additional IPv4 CIDR block associated with a VPC.
    pub fn vpc_cidr(&mut self, vpc: &str, cidr: Ipv4Net) {
        self.vpc_cidrs.push((vpc.to_string(), cidr));
    }

    pub fn route(&mut self, r: RouteDecl) {
        self.routes.push(r);
    }

    pub fn associate_subnet(&mut self, table: &str, subnet: &str) {
        self.subnet_associations.push((table.to_string(), subnet.to_string()));
    }

    /// An edge association: the table routes traffic entering the VPC through the gateway.
    pub fn associate_gateway(&mut self, table: &str, gateway: &str) {
        self.gateway_associations.push((table.to_string(), gateway.to_string()));
    }

    /// Make a table the VPC's main route table.
    pub fn associate_main(&mut self, table: &str, vpc: &str) {
        self.main_associations.push((table.to_string(), vpc.to_string()));
    }

    /// Attach an internet, egress-only or virtual private gateway to a VPC.
    pub fn attach_gateway(&mut self, gateway: &str, vpc: &str) {
        self.gateway_attachments.push((gateway.to_string(), vpc.to_string()));
    }

    pub fn sg_rule(&mut self, group: &str, ingress: bool, rule: m::SgRule) {
        self.sg_rules.push((group.to_string(), ingress, rule));
    }

    /// The group keeps AWS's default "all traffic to 0.0.0.0/0" egress rule.
    pub fn sg_default_egress(&mut self, group: &str) {
        self.sg_default_egress.push(group.to_string());
    }

    /// A network ACL entry; a later entry with the same number and direction replaces it.
    pub fn nacl_entry(&mut self, acl: &str, entry: m::NaclEntry) {
        self.nacl_entries.push((acl.to_string(), entry));
    }

    pub fn associate_nacl(&mut self, acl: &str, subnet: &str) {
        self.nacl_associations.push((acl.to_string(), subnet.to_string()));
    }

    /// The interfaces AWS creates for an interface or Gateway Load Balancer endpoint: one per
    /// subnet, requester-managed, named by `eni_id`; interface endpoints carry the endpoint's
    /// security groups (the VPC's default group when it names none). Returns their ids.
    pub fn endpoint_interfaces(
        &mut self,
        endpoint: &str,
        endpoint_type: m::VpcEndpointType,
        subnets: &[String],
        security_groups: &[String],
        eni_id: impl Fn(usize) -> String,
        origin: &Origin,
    ) -> Vec<String> {
        let interface = endpoint_type == m::VpcEndpointType::Interface;
        let (owner, ty) = if interface {
            (m::EniOwner::VpcEndpoint(endpoint.to_string()), "vpc_endpoint")
        } else {
            (m::EniOwner::GatewayLoadBalancerEndpoint(endpoint.to_string()), "gateway_load_balancer_endpoint")
        };
        let mut ids = Vec::with_capacity(subnets.len());
        for (i, s) in subnets.iter().enumerate() {
            let eni = eni_id(i);
            self.interface(InterfaceRequest {
                id: eni.clone(),
                subnet: s.clone(),
                owner: owner.clone(),
                interface_type: ty.into(),
                description: Some(format!("VPC Endpoint Interface {endpoint}")),
                private_ips: Vec::new(),
                count: 1,
                security_groups: if interface { security_groups.to_vec() } else { Vec::new() },
                source_dest_check: true,
                requester_managed: true,
                public_ip_at_launch: Some(false),
                default_security_group: interface,
                tags: Vec::new(),
                origin: origin.clone(),
            });
            ids.push(eni);
        }
        ids
    }

    /// The interfaces AWS creates for a Transit Gateway VPC attachment: one per subnet,
    /// requester-managed, without security groups or source/destination check.
    pub fn attachment_interfaces(&mut self, attachment: &str, subnets: &[String], eni_id: impl Fn(usize) -> String, origin: &Origin) {
        for (i, s) in subnets.iter().enumerate() {
            self.interface(InterfaceRequest {
                id: eni_id(i),
                subnet: s.clone(),
                owner: m::EniOwner::TransitGatewayAttachment(attachment.to_string()),
                interface_type: "transit_gateway".into(),
                description: Some(format!("Network Interface for Transit Gateway Attachment {attachment}")),
                private_ips: Vec::new(),
                count: 1,
                security_groups: Vec::new(),
                source_dest_check: false,
                requester_managed: true,
                public_ip_at_launch: Some(false),
                default_security_group: false,
                tags: Vec::new(),
                origin: origin.clone(),
            });
        }
    }

    /// The interface AWS creates for a NAT gateway in its subnet.
    pub fn nat_interface(&mut self, nat: &str, eni: &str, subnet: &str, private_ips: Vec<Ipv4Addr>, origin: &Origin) {
        self.interface(InterfaceRequest {
            id: eni.to_string(),
            subnet: subnet.to_string(),
            owner: m::EniOwner::NatGateway(nat.to_string()),
            interface_type: "nat_gateway".into(),
            description: Some(format!("Interface for NAT Gateway {nat}")),
            private_ips,
            count: 1,
            security_groups: Vec::new(),
            source_dest_check: false,
            requester_managed: true,
            public_ip_at_launch: Some(false),
            default_security_group: false,
            tags: Vec::new(),
            origin: origin.clone(),
        });
    }

    /// Attach an interface to an instance at a device index.
    pub fn attach_interface(&mut self, eni: &str, instance: &str, device_index: u32) {
        self.interface_attachments.push((eni.to_string(), instance.to_string(), device_index));
    }

    pub fn eip(&mut self, e: Eip) {
        self.eips.entry(e.allocation.clone()).or_insert(e);
    }

    pub fn eip_association(&mut self, a: EipAssociation) {
        self.eip_associations.push(a);
    }

    /// A public NAT gateway uses this Elastic IP allocation.
    pub fn nat_allocation(&mut self, nat: &str, allocation: &str) {
        self.nat_allocations.push((nat.to_string(), allocation.to_string()));
    }

    pub fn tgw_association(&mut self, attachment: &str, table: &str) {
        self.tgw_associations.push((attachment.to_string(), table.to_string()));
    }

    /// Whether an attachment takes part in its gateway's default association and
    /// propagation (Terraform can turn either off per attachment).
    pub fn tgw_defaults(&mut self, attachment: &str, association: bool, propagation: bool) {
        self.tgw_defaults.push((attachment.to_string(), association, propagation));
    }

    pub fn tgw_propagation(&mut self, table: &str, attachment: &str) {
        self.tgw_propagations.push((table.to_string(), attachment.to_string()));
    }

    pub fn tgw_route(&mut self, table: &str, route: m::TransitGatewayRoute) {
        self.tgw_routes.push((table.to_string(), route));
    }

    /// A static route of a VPN connection (on-premises prefix).
    pub fn vpn_route(&mut self, vpn: &str, cidr: Ipv4Net) {
        self.vpn_routes.push((vpn.to_string(), cidr));
    }

    /// A route table learns the routes of a virtual private gateway.
    pub fn vgw_propagation(&mut self, table: &str, vgw: &str) {
        self.vgw_propagations.push((table.to_string(), vgw.to_string()));
    }

    pub fn unknown(&mut self, resource: impl Into<String>, reason: impl Into<String>, origin: &Origin) {
        self.twin.unknowns.push(Unknown { resource: resource.into(), reason: reason.into(), origin: Some(origin.clone()) });
    }

    pub fn diagnostic(&mut self, severity: Severity, origin: &Origin, message: impl Into<String>, resource: Option<String>) {
        self.twin.diagnostics.push(Diagnostic { severity, origin: origin.clone(), message: message.into(), resource });
    }

    /// Put everything together the way AWS would and return the twin.
    pub fn finish(self) -> Twin {
        finish::finish(self)
    }
}
