//! AWS forwarding semantics: how a packet set moves from an interface through subnets, route
//! tables, network ACLs, security groups, gateways, NAT, Gateway Load Balancer endpoints,
//! Transit Gateways and peering to where it ends. A depth-first walk splits the set wherever
//! a route, rule or entry treats parts differently, and hands every end to a [`Sink`].
//!
//! Modelling choices (each follows the AWS documentation for the construct):
//! - Traffic between two interfaces of one subnet is delivered directly; network ACLs apply
//!   only when a packet crosses a subnet boundary (egress rules of the subnet it leaves,
//!   ingress rules of the subnet it enters), including the subnets of NAT gateways, Gateway
//!   Load Balancer endpoints and Transit Gateway attachment interfaces. Transit Gateway
//!   attachments follow AWS's "How network ACLs work with transit gateways": traffic from
//!   the attachment to instances is checked by the attachment subnet's outbound and the
//!   instance subnet's inbound rules (nothing when both are one subnet); traffic from
//!   instances to an attachment in their own subnet by both directions of that subnet's ACL.
//! - A subnet's route table decides where its traffic goes (longest prefix wins; a CIDR route
//!   beats a prefix-list route of the same length). Traffic entering the VPC from an internet
//!   or virtual private gateway uses the gateway's edge route table when it has one, else it is
//!   delivered locally. Traffic entering from a Transit Gateway uses the route table of the
//!   attachment's subnet in the chosen Availability Zone.
//! - A Gateway Load Balancer endpoint hands packets to the inspection appliance behind it and
//!   takes them back; they leave by the endpoint subnet's route table. The appliance is
//!   assumed to forward what it receives (it is outside the twin).
//! - Security groups are stateful: replies to admitted flows pass. Network ACLs are
//!   stateless: replies are checked like any packet (see [`crate::reach`]).

use crate::filters::{apply_security_groups, CompiledSg};
use crate::index::Index;
use crate::space::{fmt_addr_range, net_range, PacketSet, DST, PROTO, SRC};
use crate::trace::{Hop, HopType, Outcome, PathState, Sink, Translation};
use ipnet::Ipv4Net;
use koban_model as m;
use koban_model::{PROTO_ICMP, PROTO_TCP, PROTO_UDP};
use std::collections::{HashMap, HashSet};

/// Hop limit: a path longer than this is reported as a routing loop.
const MAX_HOPS: usize = 64;

/// Address ranges never routed on the internet (RFC 1918, shared address space, loopback,
/// link-local, multicast and reserved).
pub const NON_INTERNET: [(u32, u32); 9] = [
    (0x0000_0000, 0x00ff_ffff),
    (0x0a00_0000, 0x0aff_ffff),
    (0x6440_0000, 0x647f_ffff),
    (0x7f00_0000, 0x7fff_ffff),
    (0xa9fe_0000, 0xa9fe_ffff),
    (0xac10_0000, 0xac1f_ffff),
    (0xc0a8_0000, 0xc0a8_ffff),
    (0xe000_0000, 0xefff_ffff),
    (0xf000_0000, 0xffff_ffff),
];

/// State of a reply walk: the interfaces whose security groups already admitted the flow
/// (stateful), and the NAT translations to undo.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub stateful_interfaces: HashSet<String>,
    pub translations: Vec<Translation>,
}

/// Where a packet set leaving a subnet comes from.
#[derive(Clone, Copy)]
pub enum From<'t> {
    /// An interface (instance, endpoint, appliance).
    Interface(&'t m::NetworkInterface),
    /// A host with no interface in the twin (a subnet or VPC given as a source).
    Host,
    /// A Transit Gateway attachment's interface in this subnet.
    TransitGateway,
    /// A Gateway Load Balancer endpoint returning inspected traffic.
    Inspection,
    /// A NAT gateway after translation.
    Nat,
}

/// The forwarding engine over one twin.
pub struct Engine<'t> {
    pub ix: Index<'t>,
    /// Every Transit Gateway route table compiled once: routes in lookup order, unknowns.
    tgw_tables: HashMap<&'t str, (Vec<TgwRouteEntry>, Vec<String>)>,
}

/// One walk: the path so far and where ends go.
pub struct Walk<'a, 't, S: Sink> {
    ix: &'a Index<'t>,
    tgw_tables: &'a HashMap<&'t str, (Vec<TgwRouteEntry>, Vec<String>)>,
    sink: &'a mut S,
    path: PathState,
    lookups: Vec<String>,
    session: Option<&'a Session>,
}

fn owner_hop(e: &m::NetworkInterface) -> Hop {
    let (resource, hop_type) = match &e.owner {
        m::EniOwner::Instance(i) => (i.clone(), HopType::Instance),
        m::EniOwner::NatGateway(n) if !n.is_empty() => (n.clone(), HopType::NatGateway),
        m::EniOwner::VpcEndpoint(v) if !v.is_empty() => (v.clone(), HopType::InterfaceEndpoint),
        m::EniOwner::GatewayLoadBalancerEndpoint(v) if !v.is_empty() => (v.clone(), HopType::GatewayLoadBalancerEndpoint),
        m::EniOwner::TransitGatewayAttachment(a) if !a.is_empty() => (a.clone(), HopType::TransitGatewayAttachment),
        _ => (e.id.clone(), HopType::NetworkInterface),
    };
    Hop::new(resource, hop_type).via(e.id.clone())
}

fn owner_name(e: &m::NetworkInterface) -> String {
    match &e.owner {
        m::EniOwner::Instance(i) => i.clone(),
        m::EniOwner::VpcEndpoint(v) | m::EniOwner::GatewayLoadBalancerEndpoint(v) if !v.is_empty() => v.clone(),
        _ => e.id.clone(),
    }
}

fn rule_text(r: &m::SgRule) -> String {
    match &r.description {
        Some(d) if !d.is_empty() => format!("{} from/to {} ({d})", r.traffic, r.peer),
        _ => format!("{} from/to {}", r.traffic, r.peer),
    }
}

fn nacl_entry_text(e: &m::NaclEntry) -> String {
    let action = match e.action {
        m::RuleAction::Allow => "allow",
        m::RuleAction::Deny => "deny",
    };
    format!("rule {} {action} {} {}", e.rule_number, e.traffic, e.cidr)
}

/// A route of a VPC route table flattened to one destination interval.
struct RouteEntry<'t> {
    lo: u32,
    hi: u32,
    prefix_len: u8,
    via_prefix_list: bool,
    route: &'t m::Route,
}

impl<'t> Engine<'t> {
    pub fn new(twin: &'t m::Twin) -> Self {
        let ix = Index::new(twin);
        let tgw_tables = twin.transit_gateway_route_tables.values().map(|t| (t.id.as_str(), compile_tgw_table(&ix, t))).collect();
        Engine { ix, tgw_tables }
    }

    /// Start a walk that reports ends to `sink`; `session` makes it a reply walk.
    pub fn walk<'a, S: Sink>(&'a self, sink: &'a mut S, session: Option<&'a Session>) -> Walk<'a, 't, S> {
        Walk { ix: &self.ix, tgw_tables: &self.tgw_tables, sink, path: PathState::default(), lookups: Vec::new(), session }
    }
}

impl<'a, 't, S: Sink> Walk<'a, 't, S> {
    fn twin(&self) -> &'t m::Twin {
        self.ix.twin
    }

    fn end(&mut self, set: &PacketSet, outcome: Outcome) {
        if !set.is_empty() {
            self.sink.leaf(&self.path, set, outcome);
        }
    }

    fn block(&mut self, set: &PacketSet, at: &str, reason: String) {
        self.end(set, Outcome::blocked(at, reason));
    }

    fn unknown(&mut self, what: String) {
        if !self.path.unknowns.contains(&what) {
            self.path.unknowns.push(what);
        }
    }

    /// Run `f` with `hop` pushed on the path, then pop it.
    fn with_hop(&mut self, hop: Hop, f: impl FnOnce(&mut Self)) {
        let saved_unknowns = self.path.unknowns.len();
        self.path.hops.push(hop);
        // A sink that has its answer stops the walk here: nothing below can change it.
        if self.sink.descend(&self.path) {
            if self.path.hops.len() > MAX_HOPS {
                let at = self.path.hops.last().map(|h| h.resource.clone()).unwrap_or_default();
                let all = PacketSet::all();
                self.block(&all, &at, "routing loop: the path exceeds 64 hops".into());
            } else {
                f(self);
            }
        }
        self.path.hops.pop();
        self.path.unknowns.truncate(saved_unknowns);
    }

    fn last_hop(&mut self) -> Option<&mut Hop> {
        self.path.hops.last_mut()
    }

    // ---------------------------------------------------------------- starting points

    /// Packets sent by an interface: its security groups' egress rules, then its subnet.
    pub fn from_interface(&mut self, eni: &'t m::NetworkInterface, set: &PacketSet) {
        let hop = owner_hop(eni);
        self.with_hop(hop, |w| {
            let allowed = w.security_group_egress(eni, set);
            if !allowed.is_empty() {
                w.leave_subnet(&eni.subnet, &allowed, From::Interface(eni));
            }
        });
    }

    /// Packets sent by a host with no modelled interface in a subnet.
    pub fn from_subnet_host(&mut self, subnet: &'t m::Subnet, set: &PacketSet) {
        self.leave_subnet(&subnet.id, set, From::Host);
    }

    /// Packets coming back from an AWS service through a gateway endpoint (replies).
    pub fn from_gateway_endpoint(&mut self, endpoint: &'t m::VpcEndpoint, set: &PacketSet) {
        let Some(vpc) = self.twin().vpcs.get(&endpoint.vpc) else { return };
        self.with_hop(Hop::new(endpoint.id.clone(), HopType::GatewayEndpoint), |w| {
            w.with_hop(Hop::new(vpc.id.clone(), HopType::Vpc), |w| w.vpc_local(vpc, None, set))
        });
    }

    /// Packets arriving from the internet.
    pub fn from_internet(&mut self, set: &PacketSet) {
        self.with_hop(Hop::new("internet", HopType::Internet), |w| w.internet(set));
    }

    /// Packets arriving from a named external network through the resources it is reached by.
    pub fn from_network(&mut self, network: &'t m::ExternalNetwork, set: &PacketSet) {
        let hop = Hop::new(network.name.clone(), HopType::ExternalNetwork);
        self.with_hop(hop, |w| {
            let mut entered = false;
            for via in &network.via {
                entered |= w.enter_from_outside(via, set);
            }
            if !entered {
                let n = network.name.clone();
                w.unknown(format!("network {n}: none of its `via` resources ({}) is in the twin", network.via.join(", ")));
                w.block(set, &n, format!("network {n} is reached through no resource koban knows"));
            }
        });
    }

    /// Enter AWS through a VPN connection, Direct Connect gateway, TGW attachment or virtual
    /// private gateway. Returns false when `via` is not in the twin.
    fn enter_from_outside(&mut self, via: &str, set: &PacketSet) -> bool {
        let t = self.twin();
        if let Some(vpn) = t.vpn_connections.get(via) {
            let hop = Hop::new(vpn.id.clone(), HopType::VpnConnection);
            self.with_hop(hop, |w| {
                if let Some(atts) = w.ix.attachments_by_resource.get(via) {
                    for att in atts.clone() {
                        w.enter_transit_gateway_from(att, set);
                    }
                } else if let Some(vgw) = vpn.vpn_gateway.as_deref().and_then(|g| t.vpn_gateways.get(g)) {
                    w.vgw_in(vgw, set);
                } else {
                    let id = vpn.id.clone();
                    w.unknown(format!("{id}: neither its transit gateway attachment nor its virtual private gateway is in the twin"));
                    w.block(set, &id, "the VPN connection leads to no gateway in the twin".into());
                }
            });
            return true;
        }
        if let Some(dx) = t.direct_connect_gateways.get(via) {
            let hop = Hop::new(dx.id.clone(), HopType::DirectConnectGateway);
            self.with_hop(hop, |w| {
                let mut any = false;
                if let Some(atts) = w.ix.attachments_by_resource.get(via) {
                    for att in atts.clone() {
                        any = true;
                        w.enter_transit_gateway_from(att, set);
                    }
                }
                for a in &dx.associations {
                    if let Some(vgw) = t.vpn_gateways.get(&a.gateway) {
                        any = true;
                        w.vgw_in(vgw, set);
                    }
                }
                if !any {
                    let id = dx.id.clone();
                    w.block(set, &id, "the Direct Connect gateway has no association with a gateway in the twin".into());
                }
            });
            return true;
        }
        if let Some(att) = t.transit_gateway_attachments.get(via) {
            self.enter_transit_gateway_from(att, set);
            return true;
        }
        if let Some(vgw) = t.vpn_gateways.get(via) {
            self.vgw_in(vgw, set);
            return true;
        }
        false
    }

    fn enter_transit_gateway_from(&mut self, att: &'t m::TransitGatewayAttachment, set: &PacketSet) {
        let hop = Hop::new(att.id.clone(), HopType::TransitGatewayAttachment);
        self.with_hop(hop, |w| w.tgw_route(&att.transit_gateway, att, set, None));
    }

    // ---------------------------------------------------------------- filters

    fn groups_of(&mut self, eni: &'t m::NetworkInterface) -> Option<Vec<&'a CompiledSg<'t>>> {
        let mut out = Vec::new();
        for g in &eni.security_groups {
            match self.ix.sgs.get(g.as_str()) {
                Some(c) => {
                    for u in &c.unknowns {
                        self.unknown(format!("{g}: {u}"));
                    }
                    out.push(c);
                }
                None => {
                    self.unknown(format!("{}: security group {g} is not in the twin; its rules are assumed to admit everything", eni.id));
                    return None;
                }
            }
        }
        Some(out)
    }

    /// Apply an interface's security groups to traffic it sends.
    fn security_group_egress(&mut self, eni: &'t m::NetworkInterface, set: &PacketSet) -> PacketSet {
        if eni.security_groups.is_empty() || self.is_stateful(eni) {
            return set.clone();
        }
        let Some(groups) = self.groups_of(eni) else {
            return set.clone();
        };
        let (allowed, matches) = apply_security_groups(set, &groups, false);
        let denied = set.subtract(&allowed);
        if let Some(h) = self.last_hop() {
            for mt in &matches {
                h.evidence.push(crate::trace::Evidence {
                    kind: "security-group-rule",
                    resource: mt.group.to_string(),
                    detail: format!("egress permission {}: {}", mt.index, rule_text(mt.rule)),
                });
            }
        }
        let names = eni.security_groups.join(", ");
        self.block(&denied, &eni.id, format!("no egress rule of security group(s) {names} admits it"));
        allowed
    }

    fn is_stateful(&self, eni: &m::NetworkInterface) -> bool {
        self.session.map(|s| s.stateful_interfaces.contains(&eni.id)).unwrap_or(false)
    }

    /// Network ACLs for a crossing from subnet `from` to subnet `to` (either may be outside
    /// any subnet). Evidence goes on the current hop. Returns what passes.
    fn cross(&mut self, from: Option<&str>, to: Option<&str>, set: &PacketSet) -> PacketSet {
        if from.is_some() && from == to {
            return set.clone();
        }
        let mut cur = set.clone();
        for (subnet, egress) in [(from, true), (to, false)] {
            let Some(subnet) = subnet else { continue };
            if cur.is_empty() {
                break;
            }
            let Some(acl) = self.ix.subnet_nacl.get(subnet).copied() else {
                self.unknown(format!("{subnet}: no network ACL in the twin; assumed to allow all"));
                continue;
            };
            let Some(compiled) = self.ix.nacls.get(acl.id.as_str()) else {
                continue;
            };
            let res = compiled.apply(&cur, egress);
            let dir = if egress { "egress" } else { "ingress" };
            if let Some(h) = self.last_hop() {
                for e in &res.allow_entries {
                    h.evidence.push(crate::trace::Evidence {
                        kind: "network-acl-entry",
                        resource: acl.id.clone(),
                        detail: format!("{dir} {} ({subnet})", nacl_entry_text(e)),
                    });
                }
            }
            for (entry, part) in res.denied {
                let why = match entry {
                    Some(e) => format!("network ACL {} {dir} {} of {subnet}", acl.id, nacl_entry_text(e)),
                    None => format!("network ACL {} of {subnet}: no {dir} entry matches (implicit deny)", acl.id),
                };
                let at = acl.id.clone();
                self.block(&part, &at, why);
            }
            cur = res.allowed;
        }
        cur
    }

    // ---------------------------------------------------------------- subnets and VPCs

    fn subnet(&self, id: &str) -> Option<&'t m::Subnet> {
        self.twin().subnets.get(id)
    }

    /// Route packets leaving `subnet_id` (sent from inside it).
    pub fn leave_subnet(&mut self, subnet_id: &str, set: &PacketSet, from: From<'t>) {
        let Some(subnet) = self.subnet(subnet_id) else {
            self.unknown(format!("subnet {subnet_id} is not in the twin"));
            self.block(set, subnet_id, format!("subnet {subnet_id} is not in the twin"));
            return;
        };
        let mut rest = set.clone();
        // Packets from the Transit Gateway enter through the attachment's interface and are
        // always routed by the subnet's table (its local route covers the subnet itself).
        if let (Some(c), false) = (subnet.cidr, matches!(from, From::TransitGateway)) {
            let (lo, hi) = net_range(&c);
            let (inside, outside) = set.split(DST, lo, hi);
            if !inside.is_empty() {
                self.deliver_in_subnet(subnet, &inside);
            }
            rest = outside;
        }
        if rest.is_empty() {
            return;
        }
        let Some(rt) = self.ix.subnet_route_table.get(subnet.id.as_str()).copied() else {
            self.unknown(format!("{}: no route table in the twin", subnet.id));
            self.block(&rest, &subnet.id, "the subnet has no route table in the twin".into());
            return;
        };
        let key = format!("{}:{}", subnet.id, rt.id);
        if self.lookups.contains(&key) {
            self.block(&rest, &subnet.id, format!("routing loop: packets return to route table {} of {}", rt.id, subnet.id));
            return;
        }
        self.lookups.push(key);
        match from {
            From::TransitGateway => {
                if let Some(h) = self.last_hop() {
                    h.evidence.push(crate::trace::Evidence {
                        kind: "route-table",
                        resource: rt.id.clone(),
                        detail: format!("enters the VPC in {}; routed by {}", subnet.id, rt.id),
                    });
                }
                self.route(rt, &subnet.vpc, Some(subnet), &rest);
            }
            _ => {
                let hop = Hop::new(subnet.id.clone(), HopType::Subnet);
                self.with_hop(hop, |w| w.route(rt, &subnet.vpc, Some(subnet), &rest));
            }
        }
        self.lookups.pop();
    }

    fn route_entries(&self, rt: &'t m::RouteTable) -> (Vec<RouteEntry<'t>>, Vec<String>) {
        let mut out = Vec::with_capacity(rt.routes.len());
        let mut missing = Vec::new();
        for r in &rt.routes {
            match &r.destination {
                m::RouteDestination::Ipv4(n) => {
                    let (lo, hi) = net_range(n);
                    out.push(RouteEntry { lo, hi, prefix_len: n.prefix_len(), via_prefix_list: false, route: r });
                }
                m::RouteDestination::Ipv6(_) => {}
                m::RouteDestination::PrefixList(p) => match self.ix.prefix_list(p) {
                    Some(cidrs) => {
                        for n in cidrs {
                            let (lo, hi) = net_range(n);
                            out.push(RouteEntry { lo, hi, prefix_len: n.prefix_len(), via_prefix_list: true, route: r });
                        }
                    }
                    None => missing.push(p.clone()),
                },
            }
        }
        out.sort_by_key(|e| (std::cmp::Reverse(e.prefix_len), e.via_prefix_list));
        (out, missing)
    }

    /// Longest-prefix routing of `set` by a VPC route table. `from_subnet` is the subnet the
    /// packets leave (None for edge route tables of gateways).
    fn route(&mut self, rt: &'t m::RouteTable, vpc: &str, from_subnet: Option<&'t m::Subnet>, set: &PacketSet) {
        let (entries, missing) = self.route_entries(rt);
        for p in missing {
            self.unknown(format!("{}: prefix list {p} used as a route destination is not in the twin", rt.id));
        }
        let mut remaining = set.clone();
        let mut span = remaining.project(DST);
        for e in &entries {
            if remaining.is_empty() {
                break;
            }
            if !overlaps(&span, e.lo, e.hi) {
                continue;
            }
            let (part, rest) = remaining.split(DST, e.lo, e.hi);
            if !part.is_empty() {
                span = rest.project(DST);
            }
            remaining = rest;
            if part.is_empty() {
                continue;
            }
            let desc = format!("route {} -> {} in {}", e.route.destination, e.route.target.id(), rt.id);
            if e.route.state == m::RouteState::Blackhole {
                let at = from_subnet.map(|s| s.id.clone()).unwrap_or_else(|| rt.id.clone());
                self.block(&part, &at, format!("{desc} is a blackhole (its target no longer exists)"));
                continue;
            }
            let evidence = crate::trace::Evidence { kind: "route", resource: rt.id.clone(), detail: desc };
            if let Some(h) = self.last_hop() {
                h.evidence.push(evidence);
            }
            self.route_to(&e.route.target, vpc, from_subnet, &part);
            if let Some(h) = self.last_hop() {
                h.evidence.pop();
            }
        }
        if !remaining.is_empty() {
            let at = from_subnet.map(|s| s.id.clone()).unwrap_or_else(|| rt.id.clone());
            self.block(&remaining, &at, format!("no route in {} matches the destination", rt.id));
        }
    }

    fn route_to(&mut self, target: &m::RouteTarget, vpc: &str, from_subnet: Option<&'t m::Subnet>, set: &PacketSet) {
        use m::RouteTarget as T;
        let t = self.twin();
        let from_id = from_subnet.map(|s| s.id.as_str());
        match target {
            T::Local => {
                let Some(v) = t.vpcs.get(vpc) else {
                    self.unknown(format!("VPC {vpc} is not in the twin"));
                    self.block(set, vpc, "VPC not in the twin".into());
                    return;
                };
                self.with_hop(Hop::new(vpc, HopType::Vpc), |w| w.vpc_local(v, from_subnet, set));
            }
            T::InternetGateway(id) => {
                let Some(igw) = t.internet_gateways.get(id).filter(|g| g.vpcs.iter().any(|x| x == vpc)) else {
                    self.missing_target(id, "internet gateway attached to this VPC", set, from_id);
                    return;
                };
                let passed = self.cross(from_id, None, set);
                self.with_hop(Hop::new(vpc, HopType::Vpc), |w| {
                    w.with_hop(Hop::new(igw.id.clone(), HopType::InternetGateway), |w| w.igw_out(igw, &passed));
                });
            }
            T::NatGateway(id) => {
                let Some(nat) = t.nat_gateways.get(id) else {
                    self.missing_target(id, "NAT gateway", set, from_id);
                    return;
                };
                let same = from_id == Some(nat.subnet.as_str());
                let passed = self.cross(from_id, Some(&nat.subnet), set);
                let eni = nat.addresses.iter().find_map(|a| a.network_interface.clone());
                let mut hop = Hop::new(nat.id.clone(), HopType::NatGateway);
                if let Some(e) = eni {
                    hop = hop.via(e);
                }
                if same {
                    self.with_hop(hop, |w| w.nat_forward(nat, &passed));
                } else {
                    self.with_hop(Hop::new(vpc, HopType::Vpc), |w| w.with_hop(hop, |w| w.nat_forward(nat, &passed)));
                }
            }
            T::TransitGateway(id) => self.route_to_transit_gateway(id, vpc, from_subnet, set),
            T::VpcEndpoint(id) => self.route_to_endpoint(id, vpc, from_subnet, set),
            T::VpcPeeringConnection(id) => {
                let Some(pcx) = t.vpc_peering_connections.get(id) else {
                    self.missing_target(id, "active VPC peering connection", set, from_id);
                    return;
                };
                let Some(peer) = pcx.peer_of(vpc) else {
                    self.block(set, id, format!("{id} does not connect {vpc}"));
                    return;
                };
                let mut inside = PacketSet::empty();
                for c in &peer.cidrs {
                    let (lo, hi) = net_range(c);
                    inside.union(&set.restrict(DST, lo, hi));
                }
                let outside = set.subtract(&inside);
                self.block(&outside, id, format!("destination is outside the CIDRs {} shares through {id}", peer.vpc));
                let passed = self.cross(from_id, None, &inside);
                let peer_vpc = t.vpcs.get(&peer.vpc);
                self.with_hop(Hop::new(vpc, HopType::Vpc).because("peering", id.clone(), format!("to {}", peer.vpc)), |w| match peer_vpc {
                    Some(pv) => w.with_hop(Hop::new(pv.id.clone(), HopType::Vpc), |w| w.vpc_local(pv, None, &passed)),
                    None => {
                        let pid = peer.vpc.clone();
                        w.unknown(format!("peer VPC {pid} of {id} is not in the twin"));
                        w.end(&passed, Outcome::Exited { to: format!("{pid} (peer VPC not in the twin)") });
                    }
                });
            }
            T::VirtualPrivateGateway(id) => {
                let Some(vgw) = t.vpn_gateways.get(id) else {
                    self.missing_target(id, "virtual private gateway", set, from_id);
                    return;
                };
                let passed = self.cross(from_id, None, set);
                self.with_hop(Hop::new(vpc, HopType::Vpc), |w| {
                    w.with_hop(Hop::new(vgw.id.clone(), HopType::VpnGateway), |w| w.vgw_out(vgw, &passed))
                });
            }
            T::NetworkInterface(id) => match t.network_interfaces.get(id) {
                Some(eni) => self.route_to_appliance(eni, vpc, from_subnet, set),
                None => self.missing_target(id, "network interface", set, from_id),
            },
            T::Instance(id) => {
                let eni = t.instances.get(id).and_then(|i| i.network_interfaces.first()).and_then(|e| t.network_interfaces.get(e));
                match eni {
                    Some(eni) => self.route_to_appliance(eni, vpc, from_subnet, set),
                    None => self.missing_target(id, "instance with a network interface", set, from_id),
                }
            }
            T::EgressOnlyInternetGateway(id) => {
                let at = from_id.unwrap_or(id).to_string();
                self.block(set, &at, format!("{id} is an egress-only internet gateway: it forwards IPv6 only"));
            }
            T::Unsupported(id) => {
                self.unknown(format!("route target {id} is not modelled"));
                let at = from_id.unwrap_or(id).to_string();
                self.block(set, &at, format!("unknown: unsupported route target {id}"));
            }
        }
    }

    fn missing_target(&mut self, id: &str, what: &str, set: &PacketSet, from: Option<&str>) {
        self.unknown(format!("route target {id} is not in the twin (expected a {what})"));
        let at = from.unwrap_or(id).to_string();
        self.block(set, &at, format!("unknown: route target {id} is not in the twin (expected a {what})"));
    }

    /// Delivery inside a VPC by its local route: to the subnet holding the destination.
    fn vpc_local(&mut self, vpc: &'t m::Vpc, from_subnet: Option<&'t m::Subnet>, set: &PacketSet) {
        let mut remaining = set.clone();
        let subnets = self.ix.vpc_subnets.get(vpc.id.as_str()).cloned().unwrap_or_default();
        for (cidr, s) in subnets {
            if remaining.is_empty() {
                break;
            }
            let (lo, hi) = net_range(&cidr);
            let (part, rest) = remaining.split(DST, lo, hi);
            remaining = rest;
            if part.is_empty() {
                continue;
            }
            let passed_out = self.cross(from_subnet.map(|f| f.id.as_str()), None, &part);
            self.with_hop(Hop::new(s.id.clone(), HopType::Subnet), |w| {
                let passed = w.cross(None, Some(&s.id), &passed_out);
                if !passed.is_empty() {
                    w.deliver_in_subnet(s, &passed);
                }
            });
        }
        if !remaining.is_empty() {
            let in_vpc: Vec<Ipv4Net> = vpc.cidrs.clone();
            self.block(
                &remaining,
                &vpc.id,
                format!(
                    "no subnet of {} contains the destination (VPC CIDRs {})",
                    vpc.id,
                    in_vpc.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")
                ),
            );
        }
    }

    /// Deliver to the interfaces owning destination addresses in a subnet.
    fn deliver_in_subnet(&mut self, subnet: &'t m::Subnet, set: &PacketSet) {
        let enis: &[(u32, &'t m::NetworkInterface)] = self.ix.subnet_enis.get(subnet.id.as_str()).map(Vec::as_slice).unwrap_or_default();
        let points: Vec<u32> = enis.iter().map(|(ip, _)| *ip).collect();
        let (parts, remaining) = set.split_points(DST, &points);
        for (ip, part) in parts {
            let start = enis.partition_point(|(x, _)| *x < ip);
            if let Some((_, eni)) = enis.get(start) {
                self.deliver(eni, &part);
            }
        }
        self.block(&remaining, &subnet.id, format!("no live network interface in {} has the destination address", subnet.id));
    }

    /// Arrival at the interface owning the destination address.
    fn deliver(&mut self, eni: &'t m::NetworkInterface, set: &PacketSet) {
        let hop = owner_hop(eni);
        self.with_hop(hop, |w| match &eni.owner {
            m::EniOwner::NatGateway(_) => w.nat_reply(eni, set),
            m::EniOwner::GatewayLoadBalancerEndpoint(_) | m::EniOwner::TransitGatewayAttachment(_) => {
                let id = eni.id.clone();
                w.block(set, &id, "the interface forwards traffic but accepts none addressed to it".into());
            }
            owner => {
                let admitted = w.security_group_ingress(eni, set);
                if let (m::EniOwner::LoadBalancer(lb), false) = (owner, admitted.is_empty()) {
                    w.unknown(format!("{}: load balancer {lb} forwards to its targets; listeners and targets are not modelled, so what lies behind it is not analysed", eni.id));
                }
                w.end(&admitted, Outcome::Delivered { interface: eni.id.clone(), owner: owner_name(eni) });
            }
        });
    }

    fn security_group_ingress(&mut self, eni: &'t m::NetworkInterface, set: &PacketSet) -> PacketSet {
        if eni.security_groups.is_empty() || self.is_stateful(eni) {
            return set.clone();
        }
        let Some(groups) = self.groups_of(eni) else {
            return set.clone();
        };
        let (allowed, matches) = apply_security_groups(set, &groups, true);
        if let Some(h) = self.last_hop() {
            for mt in &matches {
                h.evidence.push(crate::trace::Evidence {
                    kind: "security-group-rule",
                    resource: mt.group.to_string(),
                    detail: format!("ingress permission {}: {}", mt.index, rule_text(mt.rule)),
                });
            }
        }
        let denied = set.subtract(&allowed);
        let names = eni.security_groups.join(", ");
        let id = eni.id.clone();
        self.block(&denied, &id, format!("no ingress rule of security group(s) {names} admits it"));
        allowed
    }

    // ---------------------------------------------------------------- NAT

    fn nat_forward(&mut self, nat: &'t m::NatGateway, set: &PacketSet) {
        let mut ok = PacketSet::empty();
        for p in [PROTO_TCP, PROTO_UDP, PROTO_ICMP] {
            ok.union(&set.restrict(PROTO, p as u32, p as u32));
        }
        let other = set.subtract(&ok);
        self.block(&other, &nat.id, "NAT gateways translate only TCP, UDP and ICMP".into());
        if ok.is_empty() {
            return;
        }
        let Some(private) = nat.addresses.iter().find_map(|a| a.private_ip) else {
            self.unknown(format!("{}: no private address recorded", nat.id));
            self.block(&ok, &nat.id, "unknown: the NAT gateway's address is not in the twin".into());
            return;
        };
        let p = u32::from(private);
        let original = ok.project(SRC);
        let translated = ok.rewrite(SRC, p, p);
        if let Some(h) = self.last_hop() {
            let from: Vec<String> = original.iter().map(|(a, b)| fmt_addr_range(*a, *b)).collect();
            h.evidence.push(crate::trace::Evidence {
                kind: "translation",
                resource: nat.id.clone(),
                detail: format!("source {} -> {private}", from.join(", ")),
            });
        }
        self.path.translations.push(Translation { nat_gateway: nat.id.clone(), translated: p, original });
        self.leave_subnet(&nat.subnet, &translated, From::Nat);
        self.path.translations.pop();
    }

    /// Packets addressed to a NAT gateway's own address: replies of a session it translated
    /// are translated back; nothing else is accepted.
    fn nat_reply(&mut self, eni: &'t m::NetworkInterface, set: &PacketSet) {
        let nat_id = match &eni.owner {
            m::EniOwner::NatGateway(n) => n.clone(),
            _ => String::new(),
        };
        let session = self.session.and_then(|s| s.translations.iter().find(|t| t.nat_gateway == nat_id)).cloned();
        match (session, self.twin().nat_gateways.get(&nat_id)) {
            (Some(tr), Some(nat)) => {
                let part = set.restrict(DST, tr.translated, tr.translated);
                let rest = set.subtract(&part);
                self.block(&rest, &nat_id, "the NAT gateway accepts no connection initiated towards it".into());
                let mut back = PacketSet::empty();
                for (lo, hi) in &tr.original {
                    back.union(&part.rewrite(DST, *lo, *hi));
                }
                if let Some(h) = self.last_hop() {
                    h.evidence.push(crate::trace::Evidence {
                        kind: "translation",
                        resource: nat_id.clone(),
                        detail: "reply translated back to the original source".into(),
                    });
                }
                self.leave_subnet(&nat.subnet, &back, From::Nat);
            }
            _ => {
                let at = if nat_id.is_empty() { eni.id.clone() } else { nat_id };
                self.block(set, &at, "the NAT gateway accepts no connection initiated towards it".into());
            }
        }
    }

    // ---------------------------------------------------------------- internet

    fn igw_out(&mut self, igw: &'t m::InternetGateway, set: &PacketSet) {
        let Some(vpc) = igw.vpcs.first() else { return };
        let mapped: &[(u32, u32)] = self.ix.vpc_public.get(vpc.as_str()).map(Vec::as_slice).unwrap_or_default();
        let points: Vec<u32> = mapped.iter().map(|(p, _)| *p).collect();
        let (parts, remaining) = set.split_points(SRC, &points);
        for (private, part) in parts {
            let Some(public) = mapped.get(mapped.partition_point(|(p, _)| *p < private)).map(|(_, q)| *q) else { continue };
            let out = part.rewrite(SRC, public, public);
            let detail = format!("source {} -> {}", std::net::Ipv4Addr::from(private), std::net::Ipv4Addr::from(public));
            if let Some(h) = self.last_hop() {
                h.evidence.push(crate::trace::Evidence { kind: "translation", resource: igw.id.clone(), detail });
            }
            self.with_hop(Hop::new("internet", HopType::Internet), |w| w.internet(&out));
            if let Some(h) = self.last_hop() {
                h.evidence.pop();
            }
        }
        self.block(
            &remaining,
            &igw.id,
            "the source has no public or Elastic IPv4 address: the internet gateway does not forward it".into(),
        );
    }

    /// On the internet: to a public address of the twin (back in through its internet
    /// gateway), dropped if private, else out of the modelled network.
    fn internet(&mut self, set: &PacketSet) {
        let mut remaining = set.clone();
        for (lo, hi) in NON_INTERNET {
            let (part, rest) = remaining.split(DST, lo, hi);
            remaining = rest;
            self.block(&part, "internet", "private or reserved destination: not routed on the internet".into());
        }
        let (parts, remaining) = remaining.split_points(DST, &self.ix.public_ip_list);
        for (public, part) in parts {
            let Some((eni, private)) = self.ix.public_ips.get(&public).copied() else { continue };
            let igws = self.ix.vpc_igws.get(eni.vpc.as_str()).map(Vec::as_slice).unwrap_or_default();
            match igws.first().copied() {
                Some(igw) => {
                    let hop = Hop::new(igw.id.clone(), HopType::InternetGateway).because(
                        "translation",
                        igw.id.clone(),
                        format!("destination {} -> {private}", std::net::Ipv4Addr::from(public)),
                    );
                    let p = u32::from(private);
                    let inner = part.rewrite(DST, p, p);
                    self.with_hop(hop, |w| w.igw_in(igw, &eni.vpc, &inner));
                }
                None => self.block(&part, &eni.id, format!("{} has a public address but its VPC has no internet gateway", eni.id)),
            }
        }
        self.end(&remaining, Outcome::Exited { to: "internet".into() });
    }

    fn igw_in(&mut self, igw: &'t m::InternetGateway, vpc: &str, set: &PacketSet) {
        let Some(v) = self.twin().vpcs.get(vpc) else {
            return;
        };
        match self.ix.edge_route_table.get(igw.id.as_str()).copied() {
            Some(edge) => self.route(edge, vpc, None, set),
            None => self.with_hop(Hop::new(vpc, HopType::Vpc), |w| w.vpc_local(v, None, set)),
        }
    }

    // ---------------------------------------------------------------- endpoints and appliances

    fn route_to_endpoint(&mut self, id: &str, vpc: &str, from_subnet: Option<&'t m::Subnet>, set: &PacketSet) {
        let t = self.twin();
        let from_id = from_subnet.map(|s| s.id.as_str());
        let Some(ep) = t.vpc_endpoints.get(id) else {
            self.missing_target(id, "VPC endpoint", set, from_id);
            return;
        };
        match ep.endpoint_type {
            m::VpcEndpointType::Gateway => {
                let passed = self.cross(from_id, None, set);
                let service = ep.service_name.clone();
                self.with_hop(Hop::new(vpc, HopType::Vpc), |w| {
                    w.with_hop(Hop::new(ep.id.clone(), HopType::GatewayEndpoint), |w| {
                        w.end(&passed, Outcome::Exited { to: format!("aws-service:{service}") })
                    });
                });
            }
            m::VpcEndpointType::GatewayLoadBalancer => {
                let Some(ep_subnet) = ep.subnets.first() else {
                    self.unknown(format!("{id}: Gateway Load Balancer endpoint without a subnet"));
                    self.block(set, id, "unknown: the endpoint's subnet is not in the twin".into());
                    return;
                };
                let same = from_id == Some(ep_subnet.as_str());
                let passed = self.cross(from_id, Some(ep_subnet), set);
                let mut hop = Hop::new(ep.id.clone(), HopType::GatewayLoadBalancerEndpoint);
                if let Some(e) = ep.network_interfaces.first() {
                    hop = hop.via(e.clone());
                }
                let appliance = self.appliance_name(ep);
                let inspect = move |w: &mut Self| {
                    w.with_hop(hop, |w| {
                        let ah = Hop::new(appliance.clone(), HopType::InspectionAppliance).because(
                            "inspection",
                            ep.id.clone(),
                            format!("inspected by the appliance behind {}", ep.service_name),
                        );
                        w.with_hop(ah, |w| w.leave_subnet(ep_subnet, &passed, From::Inspection));
                    })
                };
                if same {
                    inspect(self);
                } else {
                    self.with_hop(Hop::new(vpc, HopType::Vpc), inspect);
                }
            }
            m::VpcEndpointType::Interface => {
                let at = from_id.unwrap_or(id).to_string();
                self.block(set, &at, format!("{id} is an interface endpoint, which cannot be a route target"));
            }
        }
    }

    /// The Gateway Load Balancer behind an endpoint, when the endpoint service is known.
    fn appliance_name(&self, ep: &m::VpcEndpoint) -> String {
        self.twin()
            .vpc_endpoint_services
            .get(&ep.service_name)
            .and_then(|s| s.gateway_load_balancer_arns.first().cloned())
            .unwrap_or_else(|| ep.service_name.clone())
    }

    fn route_to_appliance(&mut self, eni: &'t m::NetworkInterface, vpc: &str, from_subnet: Option<&'t m::Subnet>, set: &PacketSet) {
        let from_id = from_subnet.map(|s| s.id.as_str());
        let same = from_id == Some(eni.subnet.as_str());
        let passed = self.cross(from_id, Some(&eni.subnet), set);
        let go = move |w: &mut Self| {
            w.with_hop(owner_hop(eni), |w| {
                let admitted = w.security_group_ingress(eni, &passed);
                if eni.source_dest_check {
                    let id = eni.id.clone();
                    w.block(&admitted, &id, "source/destination check is enabled: the interface drops packets not addressed to it".into());
                    return;
                }
                let out = w.security_group_egress(eni, &admitted);
                w.leave_subnet(&eni.subnet, &out, From::Interface(eni));
            })
        };
        if same {
            go(self);
        } else {
            self.with_hop(Hop::new(vpc, HopType::Vpc), go);
        }
    }

    // ---------------------------------------------------------------- transit gateways

    fn route_to_transit_gateway(&mut self, tgw: &str, vpc: &str, from_subnet: Option<&'t m::Subnet>, set: &PacketSet) {
        let t = self.twin();
        let from_id = from_subnet.map(|s| s.id.as_str());
        if !t.transit_gateways.contains_key(tgw) {
            self.missing_target(tgw, "transit gateway", set, from_id);
            return;
        }
        let Some(att) = self.ix.tgw_vpc_attachment.get(&(tgw, vpc)).copied() else {
            let at = from_id.unwrap_or(tgw).to_string();
            self.block(set, &at, format!("{vpc} has no attachment to {tgw}"));
            return;
        };
        let az = from_subnet.and_then(az_key);
        let chosen: Vec<&'t m::Subnet> = att.subnets.iter().filter_map(|s| t.subnets.get(s)).collect();
        let in_az: Vec<&'t m::Subnet> = match &az {
            Some(z) => chosen.iter().copied().filter(|s| az_key(s).as_ref() == Some(z)).collect(),
            None => chosen.clone(),
        };
        if in_az.is_empty() {
            let at = from_id.unwrap_or(tgw).to_string();
            self.block(
                set,
                &at,
                format!("{} has no subnet in this Availability Zone, so the route to {tgw} cannot be used from here", att.id),
            );
            return;
        }
        for a in in_az {
            // AWS evaluates the subnet's ACL both ways for traffic from instances to a
            // Transit Gateway attachment in their own subnet (outbound by destination, inbound
            // by source); across subnets, the sender's outbound and the attachment subnet's
            // inbound rules.
            let passed = if from_id == Some(a.id.as_str()) {
                let out = self.cross(from_id, None, set);
                self.cross(None, from_id, &out)
            } else {
                self.cross(from_id, Some(&a.id), set)
            };
            let eni = self.tgw_interface(att, a);
            let mut hop = Hop::new(att.id.clone(), HopType::TransitGatewayAttachment).because(
                "attachment",
                a.id.clone(),
                format!("leaves {vpc} through {}", a.id),
            );
            if let Some(e) = eni {
                hop = hop.via(e);
            }
            let zone = az_key(a);
            // The VPC hop stands for the VPC router handing the packets to the attachment,
            // even when the attachment's interface is in the sending subnet.
            self.with_hop(Hop::new(vpc, HopType::Vpc), |w| w.with_hop(hop, |w| w.tgw_route(tgw, att, &passed, zone)));
        }
    }

    fn tgw_interface(&self, att: &m::TransitGatewayAttachment, subnet: &m::Subnet) -> Option<String> {
        self.ix
            .subnet_enis
            .get(subnet.id.as_str())?
            .iter()
            .find(|(_, e)| matches!(&e.owner, m::EniOwner::TransitGatewayAttachment(a) if *a == att.id))
            .map(|(_, e)| e.id.clone())
    }

    /// Look up `set` in the route table `ingress` is associated with on `tgw`.
    fn tgw_route(&mut self, tgw: &str, ingress: &'t m::TransitGatewayAttachment, set: &PacketSet, zone: Option<String>) {
        let t = self.twin();
        let key = format!("{tgw}:{}", ingress.id);
        if self.lookups.contains(&key) {
            self.block(set, tgw, format!("routing loop: packets return to {tgw} from {}", ingress.id));
            return;
        }
        let Some(table_id) = ingress.association_on(tgw) else {
            self.block(set, tgw, format!("{} is not associated with a route table of {tgw}", ingress.id));
            return;
        };
        let Some(table) = t.transit_gateway_route_tables.get(table_id) else {
            self.unknown(format!("transit gateway route table {table_id} is not in the twin"));
            self.block(set, tgw, format!("unknown: route table {table_id} is not in the twin"));
            return;
        };
        self.lookups.push(key);
        let hop = Hop::new(tgw, HopType::TransitGateway).because(
            "route-table",
            table.id.clone(),
            format!("{} is associated with {}", ingress.id, table.id),
        );
        self.with_hop(hop, |w| {
            let Some((routes, table_unknowns)) = w.tgw_tables.get(table.id.as_str()) else { return };
            for u in table_unknowns {
                w.unknown(u.clone());
            }
            let mut remaining = set.clone();
            let mut span = remaining.project(DST);
            for r in routes.iter() {
                if remaining.is_empty() {
                    break;
                }
                if !overlaps(&span, r.lo, r.hi) {
                    continue;
                }
                let (part, rest) = remaining.split(DST, r.lo, r.hi);
                if !part.is_empty() {
                    span = rest.project(DST);
                }
                remaining = rest;
                if part.is_empty() {
                    continue;
                }
                if r.attachments.is_empty() {
                    w.block(&part, tgw, format!("{} in {} is a blackhole", r.text, table.id));
                    continue;
                }
                for a in &r.attachments {
                    let Some(egress) = t.transit_gateway_attachments.get(a) else {
                        w.unknown(format!("{}: attachment {a} is not in the twin", table.id));
                        w.block(&part, tgw, format!("unknown: {} leads to attachment {a}, which is not in the twin", r.text));
                        continue;
                    };
                    if let Some(h) = w.last_hop() {
                        h.evidence.push(crate::trace::Evidence {
                            kind: "route",
                            resource: table.id.clone(),
                            detail: format!("{} -> {a}", r.text),
                        });
                    }
                    w.tgw_egress(tgw, egress, &part, zone.clone());
                    if let Some(h) = w.last_hop() {
                        h.evidence.pop();
                    }
                }
            }
            if !remaining.is_empty() {
                w.block(&remaining, tgw, format!("no route in {} matches the destination", table.id));
            }
        });
        self.lookups.pop();
    }

    fn tgw_egress(&mut self, tgw: &str, egress: &'t m::TransitGatewayAttachment, set: &PacketSet, zone: Option<String>) {
        let t = self.twin();
        let hop = Hop::new(egress.id.clone(), HopType::TransitGatewayAttachment);
        match egress.resource_type {
            m::AttachmentResourceType::Vpc => {
                let subnets: Vec<&'t m::Subnet> = egress.subnets.iter().filter_map(|s| t.subnets.get(s)).collect();
                if subnets.is_empty() {
                    self.unknown(format!("{}: attachment subnets are not in the twin", egress.id));
                    self.block(set, &egress.id, "unknown: the attachment's subnets are not in the twin".into());
                    return;
                }
                let same_zone: Vec<&'t m::Subnet> = subnets.iter().copied().filter(|s| zone.is_some() && az_key(s) == zone).collect();
                let chosen = if same_zone.is_empty() { subnets } else { same_zone };
                for s in chosen {
                    let mut h = hop.clone().because(
                        "attachment",
                        s.id.clone(),
                        format!("enters {} through {}", egress.resource_id.clone().unwrap_or_default(), s.id),
                    );
                    if let Some(e) = self.tgw_interface(egress, s) {
                        h = h.via(e);
                    }
                    self.with_hop(h, |w| w.leave_subnet(&s.id, set, From::TransitGateway));
                }
            }
            m::AttachmentResourceType::Vpn | m::AttachmentResourceType::DirectConnectGateway => {
                let resource = egress.resource_id.clone().unwrap_or_else(|| egress.id.clone());
                let ty = if egress.resource_type == m::AttachmentResourceType::Vpn {
                    HopType::VpnConnection
                } else {
                    HopType::DirectConnectGateway
                };
                self.with_hop(hop, |w| {
                    w.with_hop(Hop::new(resource.clone(), ty), |w| w.external(&[resource.as_str(), egress.id.as_str()], set))
                });
            }
            m::AttachmentResourceType::Peering => match egress.peer_of(tgw) {
                Some(peer) if t.transit_gateways.contains_key(peer) => {
                    let peer = peer.to_string();
                    self.with_hop(hop, |w| w.tgw_route(&peer, egress, set, None));
                }
                other => {
                    let p = other.unwrap_or("?").to_string();
                    self.unknown(format!("{}: peer transit gateway {p} is not in the twin", egress.id));
                    self.with_hop(hop, |w| w.end(set, Outcome::Exited { to: format!("{p} (peer transit gateway not in the twin)") }));
                }
            },
            _ => {
                self.unknown(format!("{}: attachment type not modelled", egress.id));
                self.with_hop(hop, |w| w.block(set, &egress.id, "unknown: attachment type not modelled".into()));
            }
        }
    }

    // ---------------------------------------------------------------- outside AWS

    /// Packets leaving AWS towards on-premises through `via` (VPN, DX gateway or attachment
    /// ids): delivered to the named networks reached that way, else out of the modelled network.
    fn external(&mut self, via: &[&str], set: &PacketSet) {
        let t = self.twin();
        let mut remaining = set.clone();
        for n in t.networks.values() {
            if !n.via.iter().any(|v| via.contains(&v.as_str())) {
                continue;
            }
            let mut part = PacketSet::empty();
            for c in &n.cidrs {
                let (lo, hi) = net_range(c);
                part.union(&remaining.restrict(DST, lo, hi));
            }
            if part.is_empty() {
                continue;
            }
            remaining = remaining.subtract(&part);
            self.with_hop(Hop::new(n.name.clone(), HopType::ExternalNetwork), |w| {
                w.end(&part, Outcome::Exited { to: format!("network:{}", n.name) })
            });
        }
        let beyond = via.first().copied().unwrap_or("?").to_string();
        self.end(&remaining, Outcome::Exited { to: format!("beyond {beyond} (no named network covers it)") });
    }

    fn vgw_out(&mut self, vgw: &'t m::VpnGateway, set: &PacketSet) {
        let t = self.twin();
        let vpns: Vec<&'t m::VpnConnection> =
            t.vpn_connections.values().filter(|v| v.vpn_gateway.as_deref() == Some(vgw.id.as_str())).collect();
        let mut via: Vec<&str> = vec![vgw.id.as_str()];
        via.extend(vpns.iter().map(|v| v.id.as_str()));
        for dx in t.direct_connect_gateways.values().filter(|d| d.associations.iter().any(|a| a.gateway == vgw.id)) {
            via.push(dx.id.as_str());
        }
        let mut known = PacketSet::empty();
        for n in t.networks.values().filter(|n| n.via.iter().any(|v| via.contains(&v.as_str()))) {
            for c in &n.cidrs {
                let (lo, hi) = net_range(c);
                known.union(&set.restrict(DST, lo, hi));
            }
        }
        for v in &vpns {
            for c in &v.static_routes {
                let (lo, hi) = net_range(c);
                known.union(&set.restrict(DST, lo, hi));
            }
        }
        let unknown_learned = vpns.iter().any(|v| !v.static_routes_only)
            || t.direct_connect_gateways.values().any(|d| d.associations.iter().any(|a| a.gateway == vgw.id));
        let rest = set.subtract(&known);
        if !known.is_empty() {
            let first = vpns.first().map(|v| v.id.clone());
            match first {
                Some(vpn) => self.with_hop(Hop::new(vpn.clone(), HopType::VpnConnection), |w| w.external(&via, &known)),
                None => self.external(&via, &known),
            }
        }
        if rest.is_empty() {
            return;
        }
        if unknown_learned {
            self.unknown(format!(
                "{}: routes learned over BGP are not in the snapshot; packets for other destinations may leave through it",
                vgw.id
            ));
            self.end(&rest, Outcome::Exited { to: format!("beyond {} (routes learned over BGP, not in the snapshot)", vgw.id) });
        } else {
            self.block(
                &rest,
                &vgw.id.clone(),
                "no route at the virtual private gateway (no VPN static route or named network covers it)".into(),
            );
        }
    }

    fn vgw_in(&mut self, vgw: &'t m::VpnGateway, set: &PacketSet) {
        let t = self.twin();
        let hop = Hop::new(vgw.id.clone(), HopType::VpnGateway);
        self.with_hop(hop, |w| {
            let Some(vpc) = vgw.vpcs.first().and_then(|v| t.vpcs.get(v)) else {
                let id = vgw.id.clone();
                w.block(set, &id, "the virtual private gateway is attached to no VPC in the twin".into());
                return;
            };
            // The gateway routes into the VPC only what the VPC's CIDRs cover.
            let mut inside = PacketSet::empty();
            for c in &vpc.cidrs {
                let (lo, hi) = net_range(c);
                inside.union(&set.restrict(DST, lo, hi));
            }
            let outside = set.subtract(&inside);
            let id = vgw.id.clone();
            w.block(&outside, &id, format!("no route at {id}: the destination is outside {}", vpc.id));
            if inside.is_empty() {
                return;
            }
            match w.ix.edge_route_table.get(vgw.id.as_str()).copied() {
                Some(edge) => w.route(edge, &vpc.id, None, &inside),
                None => w.with_hop(Hop::new(vpc.id.clone(), HopType::Vpc), |w| w.vpc_local(vpc, None, &inside)),
            }
        });
    }
}

/// True when `[lo, hi]` meets one of the sorted, disjoint intervals.
fn overlaps(intervals: &[(u32, u32)], lo: u32, hi: u32) -> bool {
    let i = intervals.partition_point(|(_, h)| *h < lo);
    intervals.get(i).is_some_and(|(l, _)| *l <= hi)
}

/// An Availability Zone key comparable across accounts: the zone id when known, else the name.
fn az_key(s: &m::Subnet) -> Option<String> {
    s.availability_zone_id.clone().or_else(|| s.availability_zone.clone())
}

struct TgwRouteEntry {
    lo: u32,
    hi: u32,
    prefix_len: u8,
    /// Lower wins among equal prefixes: static 0, VPC-propagated 1, DX 2, VPN 4.
    priority: u8,
    attachments: Vec<String>,
    text: String,
}

/// The routes of a Transit Gateway route table, static and propagated, in lookup order, with
/// what about them is unknown.
fn compile_tgw_table(ix: &Index, table: &m::TransitGatewayRouteTable) -> (Vec<TgwRouteEntry>, Vec<String>) {
    let t = ix.twin;
    let mut unknowns = Vec::new();
    let mut out: Vec<TgwRouteEntry> = Vec::new();
    if !table.routes_known {
        unknowns.push(format!("{}: static routes not in the snapshot; only propagated routes are used", table.id));
    }
    let mut push = |net: &Ipv4Net, attachments: Vec<String>, priority: u8, text: String| {
        let (lo, hi) = net_range(net);
        out.push(TgwRouteEntry { lo, hi, prefix_len: net.prefix_len(), priority, attachments, text });
    };
    for r in &table.routes {
        let nets: Vec<Ipv4Net> = match &r.destination {
            m::TgwRouteDestination::Ipv4(n) => vec![*n],
            m::TgwRouteDestination::PrefixList(p) => ix.prefix_list(p).map(|c| c.to_vec()).unwrap_or_default(),
        };
        let kind = match r.route_type {
            m::TgwRouteType::Static => "static",
            m::TgwRouteType::Propagated => "propagated",
        };
        for n in nets {
            let atts = if r.active { r.attachments.clone() } else { Vec::new() };
            let prio = if r.route_type == m::TgwRouteType::Static { 0 } else { 2 };
            push(&n, atts, prio, format!("{kind} route {n}"));
        }
    }
    let mut learned_unknown = Vec::new();
    for p in table.propagations.iter().filter(|p| p.enabled) {
        let Some(att) = t.transit_gateway_attachments.get(&p.attachment) else {
            learned_unknown.push(format!("{}: propagating attachment {} is not in the twin", table.id, p.attachment));
            continue;
        };
        match att.resource_type {
            m::AttachmentResourceType::Vpc => {
                if let Some(v) = att.resource_id.as_deref().and_then(|v| t.vpcs.get(v)) {
                    for c in &v.cidrs {
                        push(c, vec![att.id.clone()], 1, format!("propagated route {c} (from {})", v.id));
                    }
                }
            }
            m::AttachmentResourceType::Vpn | m::AttachmentResourceType::DirectConnectGateway => {
                let prio = if att.resource_type == m::AttachmentResourceType::DirectConnectGateway { 2 } else { 4 };
                let mut named = false;
                for n in t.networks.values() {
                    if n.via.iter().any(|v| Some(v.as_str()) == att.resource_id.as_deref() || *v == att.id) {
                        named = true;
                        for c in &n.cidrs {
                            push(c, vec![att.id.clone()], prio, format!("propagated route {c} (network {} via {})", n.name, att.id));
                        }
                    }
                }
                let recorded = table.routes.iter().any(|r| r.route_type == m::TgwRouteType::Propagated && r.attachments.contains(&att.id));
                if !named && !recorded {
                    learned_unknown.push(format!("{}: routes learned from {} are not in the snapshot (record search-transit-gateway-routes output or declare the network in koban.yaml)", table.id, att.id));
                }
            }
            _ => {}
        }
    }
    unknowns.extend(learned_unknown);
    out.sort_by_key(|e| (std::cmp::Reverse(e.prefix_len), e.priority));
    out.dedup_by(|a, b| a.lo == b.lo && a.hi == b.hi && a.attachments == b.attachments);
    (out, unknowns)
}
