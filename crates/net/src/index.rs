//! Lookup tables built once over the twin for forwarding: which route table and network ACL
//! each subnet uses, which live interface owns an address, public-to-private address
//! mappings, edge route tables, transit gateway attachments by resource, security-group
//! membership and compiled filters.

use crate::filters::{CompiledNacl, CompiledSg};
use crate::space::net_range;
use ipnet::Ipv4Net;
use koban_model as m;
use koban_model::Twin;
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// Forwarding indexes over one twin.
pub struct Index<'t> {
    pub twin: &'t Twin,
    pub subnet_route_table: HashMap<&'t str, &'t m::RouteTable>,
    pub subnet_nacl: HashMap<&'t str, &'t m::NetworkAcl>,
    /// Per VPC: its subnets with their CIDRs, sorted by address.
    pub vpc_subnets: HashMap<&'t str, Vec<(Ipv4Net, &'t m::Subnet)>>,
    /// Per subnet: live interfaces with their private addresses, sorted by address.
    pub subnet_enis: HashMap<&'t str, Vec<(u32, &'t m::NetworkInterface)>>,
    /// Public IPv4 → (interface, private IPv4).
    pub public_ips: HashMap<u32, (&'t m::NetworkInterface, Ipv4Addr)>,
    /// Public IPv4 addresses, sorted, for set splitting.
    pub public_ip_list: Vec<u32>,
    /// Public IPv4 addresses of every interface, live or not, sorted and distinct: the
    /// addresses the internet (everything outside the twin) does not have.
    pub own_public_ips: Vec<u32>,
    /// Per VPC: (private, public) IPv4 pairs its internet gateways translate, sorted.
    pub vpc_public: HashMap<&'t str, Vec<(u32, u32)>>,
    /// Gateway (IGW/VGW) id → its edge route table.
    pub edge_route_table: HashMap<&'t str, &'t m::RouteTable>,
    /// VPC → internet gateways attached.
    pub vpc_igws: HashMap<&'t str, Vec<&'t m::InternetGateway>>,
    /// (transit gateway, VPC) → VPC attachment.
    pub tgw_vpc_attachment: HashMap<(&'t str, &'t str), &'t m::TransitGatewayAttachment>,
    /// Attached resource id (VPN connection, DX gateway) → attachments.
    pub attachments_by_resource: HashMap<&'t str, Vec<&'t m::TransitGatewayAttachment>>,
    /// Security group → private addresses of its live members.
    pub sg_members: HashMap<&'t str, Vec<u32>>,
    pub sgs: HashMap<&'t str, CompiledSg<'t>>,
    pub nacls: HashMap<&'t str, CompiledNacl<'t>>,
    /// Network ACL entries and SG rules that refer to a prefix list the snapshot lacks.
    pub missing_prefix_lists: Vec<String>,
    /// VPC endpoints by VPC, in id order.
    pub vpc_endpoints: HashMap<&'t str, Vec<&'t m::VpcEndpoint>>,
    /// The widest stretch of internet addresses (outside private space and the twin's own
    /// public addresses): a sample destination every internet-bound query holds.
    pub internet_sample: Option<(u32, u32)>,
}

/// True when the interface takes part in forwarding: not detached, and not on a stopped or
/// terminated instance.
pub fn eni_is_live(twin: &Twin, e: &m::NetworkInterface) -> bool {
    if matches!(e.status.as_deref(), Some("available") | Some("detaching")) && !e.requester_managed {
        return false;
    }
    match &e.owner {
        m::EniOwner::Instance(i) => twin.instances.get(i).map(|x| x.is_live()).unwrap_or(true),
        _ => true,
    }
}

/// The live interfaces of instance `inst`, in its order (primary first).
pub fn instance_interfaces<'t>(twin: &'t Twin, inst: &m::Instance) -> Vec<&'t m::NetworkInterface> {
    inst.network_interfaces.iter().filter_map(|e| twin.network_interfaces.get(e)).filter(|e| eni_is_live(twin, e)).collect()
}

impl<'t> Index<'t> {
    pub fn new(twin: &'t Twin) -> Self {
        let mut subnet_route_table = HashMap::new();
        let mut main_by_vpc: HashMap<&str, &m::RouteTable> = HashMap::new();
        let mut edge_route_table = HashMap::new();
        for rt in twin.route_tables.values() {
            for s in &rt.subnets {
                subnet_route_table.insert(s.as_str(), rt);
            }
            for g in &rt.gateways {
                edge_route_table.insert(g.as_str(), rt);
            }
            if rt.main {
                main_by_vpc.insert(rt.vpc.as_str(), rt);
            }
        }
        let mut subnet_nacl = HashMap::new();
        let mut default_nacl: HashMap<&str, &m::NetworkAcl> = HashMap::new();
        for a in twin.network_acls.values() {
            for s in &a.subnets {
                subnet_nacl.insert(s.as_str(), a);
            }
            if a.is_default {
                default_nacl.insert(a.vpc.as_str(), a);
            }
        }
        let mut vpc_subnets: HashMap<&str, Vec<(Ipv4Net, &m::Subnet)>> = HashMap::new();
        for s in twin.subnets.values() {
            if !subnet_route_table.contains_key(s.id.as_str()) {
                if let Some(rt) = main_by_vpc.get(s.vpc.as_str()) {
                    subnet_route_table.insert(s.id.as_str(), rt);
                }
            }
            if !subnet_nacl.contains_key(s.id.as_str()) {
                if let Some(a) = default_nacl.get(s.vpc.as_str()) {
                    subnet_nacl.insert(s.id.as_str(), a);
                }
            }
            if let Some(c) = s.cidr {
                vpc_subnets.entry(s.vpc.as_str()).or_default().push((c, s));
            }
        }
        for v in vpc_subnets.values_mut() {
            v.sort_by_key(|(c, _)| u32::from(c.network()));
        }
        let mut subnet_enis: HashMap<&str, Vec<(u32, &m::NetworkInterface)>> = HashMap::new();
        let mut public_ips = HashMap::new();
        let mut sg_members: HashMap<&str, Vec<u32>> = HashMap::new();
        for e in twin.network_interfaces.values() {
            if !eni_is_live(twin, e) {
                continue;
            }
            for ip in &e.private_ips {
                subnet_enis.entry(e.subnet.as_str()).or_default().push((u32::from(*ip), e));
                for g in &e.security_groups {
                    sg_members.entry(g.as_str()).or_default().push(u32::from(*ip));
                }
            }
            for (private, public) in &e.public_ips {
                public_ips.insert(u32::from(*public), (e, *private));
            }
        }
        for v in subnet_enis.values_mut() {
            v.sort_by_key(|(ip, _)| *ip);
        }
        for v in sg_members.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        let mut vpc_public: HashMap<&str, Vec<(u32, u32)>> = HashMap::new();
        for (public, (e, private)) in &public_ips {
            vpc_public.entry(e.vpc.as_str()).or_default().push((u32::from(*private), *public));
        }
        for v in vpc_public.values_mut() {
            v.sort_unstable();
        }
        let mut public_ip_list: Vec<u32> = public_ips.keys().copied().collect();
        public_ip_list.sort_unstable();
        let mut vpc_igws: HashMap<&str, Vec<&m::InternetGateway>> = HashMap::new();
        for g in twin.internet_gateways.values().filter(|g| !g.egress_only) {
            for v in &g.vpcs {
                vpc_igws.entry(v.as_str()).or_default().push(g);
            }
        }
        let mut tgw_vpc_attachment = HashMap::new();
        let mut attachments_by_resource: HashMap<&str, Vec<&m::TransitGatewayAttachment>> = HashMap::new();
        for a in twin.transit_gateway_attachments.values() {
            if let Some(r) = a.resource_id.as_deref() {
                if a.resource_type == m::AttachmentResourceType::Vpc {
                    tgw_vpc_attachment.insert((a.transit_gateway.as_str(), r), a);
                } else {
                    attachments_by_resource.entry(r).or_default().push(a);
                }
            }
        }
        let mut missing_prefix_lists = Vec::new();
        let sgs = twin
            .security_groups
            .values()
            .map(|g| (g.id.as_str(), CompiledSg::compile(g, twin, &sg_members, &mut missing_prefix_lists)))
            .collect();
        let nacls = twin.network_acls.values().map(|a| (a.id.as_str(), CompiledNacl::compile(a))).collect();
        let mut vpc_endpoints: HashMap<&str, Vec<&m::VpcEndpoint>> = HashMap::new();
        for e in twin.vpc_endpoints.values() {
            vpc_endpoints.entry(e.vpc.as_str()).or_default().push(e);
        }
        let own_public_ips = crate::spec::own_public_ips(twin);
        let internet_sample = crate::spec::internet_addresses(&own_public_ips).into_iter().max_by_key(|(lo, hi)| hi - lo);
        Index {
            twin,
            subnet_route_table,
            subnet_nacl,
            vpc_subnets,
            subnet_enis,
            public_ips,
            public_ip_list,
            own_public_ips,
            vpc_public,
            edge_route_table,
            vpc_igws,
            tgw_vpc_attachment,
            attachments_by_resource,
            sg_members,
            sgs,
            nacls,
            missing_prefix_lists,
            vpc_endpoints,
            internet_sample,
        }
    }

    /// The CIDRs of a prefix list (IPv4), or `None` when the snapshot does not have it.
    pub fn prefix_list(&self, id: &str) -> Option<&'t [Ipv4Net]> {
        self.twin.prefix_lists.get(id).map(|p| p.cidrs.as_slice())
    }

    /// The VPC endpoints of `vpc` for `service_name` (`com.amazonaws.<region>.<service>`).
    pub fn vpc_endpoints_for(&self, vpc: &str, service_name: &str) -> Vec<&'t m::VpcEndpoint> {
        let in_vpc = self.vpc_endpoints.get(vpc).map(Vec::as_slice).unwrap_or_default();
        in_vpc.iter().copied().filter(|e| e.service_name == service_name).collect()
    }

    /// The subnet of a VPC whose CIDR contains `ip`.
    pub fn subnet_of(&self, vpc: &str, ip: u32) -> Option<&'t m::Subnet> {
        self.vpc_subnets
            .get(vpc)?
            .iter()
            .find(|(c, _)| {
                let (lo, hi) = net_range(c);
                lo <= ip && ip <= hi
            })
            .map(|(_, s)| *s)
    }
}
