//! Putting declarations together the way AWS does: VPC defaults, local routes, route and
//! network ACL entries, associations, interfaces with their addresses (allocated where AWS
//! would choose them), Elastic and launch-time public addresses, Transit Gateway
//! associations, propagations and routes, accounts, and references to resources outside the
//! inputs (reported as unknowns).

use super::declared::id_order;
use super::{Assembly, InterfaceRequest};
use foldhash::{HashMap, HashSet};
use ipnet::{IpNet, Ipv4Net};
use koban_model as m;
use koban_model::{Diagnostic, Origin, Severity, Twin, Unknown};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// The first placeholder public address: 198.18.0.0/15 is RFC 2544 benchmarking space.
const PLACEHOLDER_PUBLIC: u32 = 0xC612_0001;

fn all_traffic_entry(rule_number: u32, egress: bool, action: m::RuleAction) -> m::NaclEntry {
    m::NaclEntry { rule_number, egress, action, traffic: m::TrafficMatch::All, cidr: IpNet::V4(Ipv4Net::default()) }
}

pub fn finish(mut a: Assembly) -> Twin {
    a.declarations_into_twin();
    vpc_defaults(&mut a);
    for (vpc, cidr) in std::mem::take(&mut a.vpc_cidrs) {
        if let Some(v) = a.twin.vpcs.get_mut(&vpc) {
            if !v.cidrs.contains(&cidr) {
                v.cidrs.push(cidr);
            }
        }
    }
    gateways_and_tables(&mut a);
    peerings_and_balancers(&mut a.twin);
    filters(&mut a);
    interfaces(&mut a);
    transit(&mut a);
    std::mem::take(&mut a.links).finish(&mut a.twin);
    accounts(&mut a.twin);
    references(&mut a.twin);
    a.twin
}

fn vpc_defaults(a: &mut Assembly) {
    let t = &mut a.twin;
    let mut mains: HashMap<&str, Vec<&String>> = HashMap::default();
    for (rt, vpc) in &a.main_associations {
        mains.entry(vpc.as_str()).or_default().push(rt);
    }
    for d in &a.vpc_defaults {
        let Some(vpc) = t.vpcs.get(&d.vpc) else { continue };
        let placement = vpc.placement.clone();
        let other_main = mains.get(d.vpc.as_str()).is_some_and(|rts| rts.iter().any(|rt| **rt != d.main_route_table));
        t.route_tables.entry(d.main_route_table.clone()).or_insert_with(|| m::RouteTable {
            id: d.main_route_table.clone(),
            vpc: d.vpc.clone(),
            placement: placement.clone(),
            main: !other_main,
            subnets: Vec::new(),
            gateways: Vec::new(),
            routes: Vec::new(),
            tags: Vec::new(),
            origin: d.origin.clone(),
        });
        if !t.network_acls.contains_key(&d.network_acl) {
            t.network_acls.insert(
                d.network_acl.clone(),
                m::NetworkAcl {
                    id: d.network_acl.clone(),
                    vpc: d.vpc.clone(),
                    placement: placement.clone(),
                    is_default: true,
                    subnets: Vec::new(),
                    entries: vec![
                        all_traffic_entry(100, false, m::RuleAction::Allow),
                        all_traffic_entry(100, true, m::RuleAction::Allow),
                        all_traffic_entry(32767, false, m::RuleAction::Deny),
                        all_traffic_entry(32767, true, m::RuleAction::Deny),
                    ],
                    tags: Vec::new(),
                    origin: d.origin.clone(),
                },
            );
        } else if let Some(acl) = t.network_acls.get_mut(&d.network_acl) {
            acl.is_default = true;
        }
        t.security_groups.entry(d.security_group.clone()).or_insert_with(|| m::SecurityGroup {
            id: d.security_group.clone(),
            name: "default".into(),
            vpc: Some(d.vpc.clone()),
            owner: placement.account.clone(),
            placement: placement.clone(),
            ingress: vec![m::SgRule {
                traffic: m::TrafficMatch::All,
                peer: m::SgPeer::SecurityGroup(d.security_group.clone()),
                description: None,
                permission_index: 0,
            }],
            egress: vec![m::SgRule {
                traffic: m::TrafficMatch::All,
                peer: m::SgPeer::Cidr(IpNet::V4(Ipv4Net::default())),
                description: None,
                permission_index: 0,
            }],
            tags: Vec::new(),
            origin: d.origin.clone(),
        });
    }
}

fn gateways_and_tables(a: &mut Assembly) {
    let t = &mut a.twin;
    for (gw, vpc) in std::mem::take(&mut a.gateway_attachments) {
        if let Some(g) = t.internet_gateways.get_mut(&gw) {
            if !g.vpcs.contains(&vpc) {
                g.vpcs.push(vpc);
            }
        } else if let Some(g) = t.vpn_gateways.get_mut(&gw) {
            if !g.vpcs.contains(&vpc) {
                g.vpcs.push(vpc);
            }
        }
    }
    for (vpn, cidr) in std::mem::take(&mut a.vpn_routes) {
        if let Some(v) = t.vpn_connections.get_mut(&vpn) {
            if !v.static_routes.contains(&cidr) {
                v.static_routes.push(cidr);
            }
        }
    }
    // Each association makes its table the main one of its VPC's tables: the last one counts.
    let main_of: HashMap<String, String> = std::mem::take(&mut a.main_associations).into_iter().map(|(rt, vpc)| (vpc, rt)).collect();
    if !main_of.is_empty() {
        for table in t.route_tables.values_mut() {
            if let Some(rt) = main_of.get(&table.vpc) {
                table.main = table.id == *rt;
            }
        }
    }
    // Routes: a declared route to a VPC CIDR replaces the local route (AWS allows targeting
    // the local route at a middlebox); every other CIDR of the VPC keeps its local route.
    let mut declared: BTreeMap<String, Vec<(m::RouteDestination, m::RouteTarget)>> = BTreeMap::new();
    for r in std::mem::take(&mut a.routes) {
        if !t.route_tables.contains_key(&r.table) {
            t.unknowns.push(Unknown {
                resource: r.table.clone(),
                reason: format!("a route to {} is added to route table {}, which is outside the inputs", r.destination, r.table),
                origin: Some(r.origin),
            });
            continue;
        }
        let routes = declared.entry(r.table).or_default();
        routes.retain(|(d, _)| *d != r.destination);
        routes.push((r.destination, r.target));
    }
    let mut vgw_routes: BTreeMap<String, Vec<(m::RouteDestination, m::RouteTarget)>> = BTreeMap::new();
    for (table, vgw) in std::mem::take(&mut a.vgw_propagations) {
        let vpns: Vec<&m::VpnConnection> = t.vpn_connections.values().filter(|v| v.vpn_gateway.as_deref() == Some(vgw.as_str())).collect();
        for v in &vpns {
            for c in &v.static_routes {
                vgw_routes
                    .entry(table.clone())
                    .or_default()
                    .push((m::RouteDestination::Ipv4(*c), m::RouteTarget::VirtualPrivateGateway(vgw.clone())));
            }
        }
        if vpns.iter().any(|v| !v.static_routes_only) {
            let origin = t.route_tables.get(&table).map(|r| r.origin.clone());
            t.unknowns.push(Unknown {
                resource: table.clone(),
                reason: format!("routes {vgw} learns over BGP propagate into {table}; they are known only after deployment"),
                origin,
            });
        }
    }
    let vpc_cidrs: HashMap<String, Vec<Ipv4Net>> = t.vpcs.values().map(|v| (v.id.clone(), v.cidrs.clone())).collect();
    for rt in t.route_tables.values_mut() {
        let mine = declared.remove(&rt.id).unwrap_or_default();
        let mut routes: Vec<m::Route> = Vec::new();
        for c in vpc_cidrs.get(&rt.vpc).map(Vec::as_slice).unwrap_or_default() {
            let dest = m::RouteDestination::Ipv4(*c);
            if !mine.iter().any(|(d, _)| *d == dest) && !rt.routes.iter().any(|r| r.destination == dest) {
                routes.push(m::Route {
                    destination: dest,
                    target: m::RouteTarget::Local,
                    state: m::RouteState::Active,
                    origin_kind: Some("CreateRouteTable".into()),
                    index: 0,
                });
            }
        }
        routes.append(&mut rt.routes);
        for (destination, target) in mine {
            routes.retain(|r| r.destination != destination);
            routes.push(m::Route { destination, target, state: m::RouteState::Active, origin_kind: Some("CreateRoute".into()), index: 0 });
        }
        for (destination, target) in vgw_routes.remove(&rt.id).unwrap_or_default() {
            if !routes.iter().any(|r| r.destination == destination) {
                routes.push(m::Route {
                    destination,
                    target,
                    state: m::RouteState::Active,
                    origin_kind: Some("EnableVgwRoutePropagation".into()),
                    index: 0,
                });
            }
        }
        for (i, r) in routes.iter_mut().enumerate() {
            r.index = i;
        }
        rt.routes = routes;
    }
    // A subnet has one association: the last declaration wins.
    let mut chosen: HashMap<String, String> = HashMap::default();
    let mut order: Vec<String> = Vec::new();
    for (table, subnet) in std::mem::take(&mut a.subnet_associations) {
        if chosen.insert(subnet.clone(), table).is_none() {
            order.push(subnet);
        }
    }
    for subnet in order {
        if let Some(rt) = chosen.get(&subnet).and_then(|table| t.route_tables.get_mut(table)) {
            rt.subnets.retain(|s| *s != subnet);
            rt.subnets.push(subnet);
        }
    }
    for (table, gateway) in std::mem::take(&mut a.gateway_associations) {
        if let Some(rt) = t.route_tables.get_mut(&table) {
            if !rt.gateways.contains(&gateway) {
                rt.gateways.push(gateway);
            }
        }
    }
}

/// Peering sides carry their VPC's CIDRs; NAT gateways and load balancers live in their
/// subnets' VPC.
fn peerings_and_balancers(t: &mut Twin) {
    let cidrs: HashMap<String, Vec<Ipv4Net>> = t.vpcs.values().map(|v| (v.id.clone(), v.cidrs.clone())).collect();
    for p in t.vpc_peering_connections.values_mut() {
        for side in [&mut p.requester, &mut p.accepter] {
            if side.cidrs.is_empty() {
                side.cidrs = cidrs.get(&side.vpc).cloned().unwrap_or_default();
            }
        }
    }
    for n in t.nat_gateways.values_mut() {
        if n.vpc.is_empty() {
            n.vpc = t.subnets.get(&n.subnet).map(|s| s.vpc.clone()).unwrap_or_default();
        }
    }
    for lb in t.load_balancers.values_mut() {
        if lb.vpc.is_none() {
            lb.vpc = lb.subnets.first().and_then(|s| t.subnets.get(s)).map(|s| s.vpc.clone());
        }
    }
}

fn filters(a: &mut Assembly) {
    let t = &mut a.twin;
    for g in std::mem::take(&mut a.sg_default_egress) {
        if let Some(sg) = t.security_groups.get_mut(&g) {
            sg.egress.insert(
                0,
                m::SgRule {
                    traffic: m::TrafficMatch::All,
                    peer: m::SgPeer::Cidr(IpNet::V4(Ipv4Net::default())),
                    description: None,
                    permission_index: 0,
                },
            );
        }
    }
    for (g, ingress, mut rule) in std::mem::take(&mut a.sg_rules) {
        let Some(sg) = t.security_groups.get_mut(&g) else { continue };
        let rules = if ingress { &mut sg.ingress } else { &mut sg.egress };
        if rules.iter().any(|r| r.traffic == rule.traffic && r.peer == rule.peer) {
            continue;
        }
        rule.permission_index = rules.iter().map(|r| r.permission_index + 1).max().unwrap_or(0);
        rules.push(rule);
    }
    for (acl, entry) in std::mem::take(&mut a.nacl_entries) {
        if let Some(n) = t.network_acls.get_mut(&acl) {
            n.entries.retain(|e| !(e.rule_number == entry.rule_number && e.egress == entry.egress));
            n.entries.push(entry);
        }
    }
    for n in t.network_acls.values_mut() {
        for egress in [false, true] {
            if !n.entries.iter().any(|e| e.rule_number == 32767 && e.egress == egress) {
                n.entries.push(all_traffic_entry(32767, egress, m::RuleAction::Deny));
            }
        }
        n.entries.sort_by_key(|e| (e.rule_number, e.egress));
    }
    // A subnet has one network ACL: the last association wins.
    let mut chosen: HashMap<String, String> = HashMap::default();
    let mut order: Vec<String> = Vec::new();
    for (acl, subnet) in std::mem::take(&mut a.nacl_associations) {
        if chosen.insert(subnet.clone(), acl).is_none() {
            order.push(subnet);
        }
    }
    for subnet in order {
        if let Some(n) = chosen.get(&subnet).and_then(|acl| t.network_acls.get_mut(acl)) {
            n.subnets.retain(|s| *s != subnet);
            n.subnets.push(subnet);
        }
    }
}

/// The first free addresses of a subnet: AWS reserves the first four and the last.
struct Pool {
    next: u32,
    last: u32,
    used: BTreeSet<u32>,
}

impl Pool {
    fn take(&mut self) -> Option<Ipv4Addr> {
        while self.next <= self.last {
            let ip = self.next;
            self.next += 1;
            if self.used.insert(ip) {
                return Some(Ipv4Addr::from(ip));
            }
        }
        None
    }
}

/// Where an interface is among interfaces in id order.
fn position_of(enis: &[m::NetworkInterface], id: &str) -> Option<usize> {
    enis.binary_search_by(|e| e.id.as_str().cmp(id)).ok()
}

/// One interface attachment: the interface's position among the built interfaces (`None`:
/// outside the inputs) and the order it was declared in.
struct Attached {
    eni: String,
    instance: String,
    device_index: u32,
    declared: usize,
    position: Option<usize>,
}

/// The interface attachments, ordered by instance id and then by device index and interface
/// id (the order of an instance's `NetworkInterfaces`). Interfaces and the twin's instances
/// are both in id order, so attachments sorted by interface and then by instance meet each
/// in one pass instead of a lookup per attachment.
struct Attachments {
    list: Vec<Attached>,
    /// Positions in `list`, by instance.
    order: Vec<usize>,
}

impl Attachments {
    /// Each interface attached becomes its instance's (the last attachment declared wins).
    fn new(declared: Vec<(String, String, u32)>, enis: &mut [m::NetworkInterface]) -> Attachments {
        let mut list: Vec<Attached> = declared
            .into_iter()
            .enumerate()
            .map(|(i, (eni, instance, device_index))| Attached { eni, instance, device_index, declared: i, position: None })
            .collect();
        let mut next = 0;
        for i in id_order(&list.iter().map(|x| x.eni.as_str()).collect::<Vec<_>>()) {
            let x = &mut list[i];
            while enis.get(next).is_some_and(|e| e.id < x.eni) {
                next += 1;
            }
            if let Some(e) = enis.get_mut(next).filter(|e| e.id == x.eni) {
                e.owner = m::EniOwner::Instance(x.instance.clone());
                x.position = Some(next);
            }
        }
        let mut order = id_order(&list.iter().map(|x| x.instance.as_str()).collect::<Vec<_>>());
        for group in order.chunk_by_mut(|&x, &y| list[x].instance == list[y].instance) {
            group.sort_by(|&x, &y| (list[x].device_index, &list[x].eni).cmp(&(list[y].device_index, &list[y].eni)));
        }
        Attachments { list, order }
    }

    /// Each instance's attachments (positions in `list`), by instance id.
    fn groups(&self) -> impl Iterator<Item = &[usize]> {
        self.order.chunk_by(|&x, &y| self.list[x].instance == self.list[y].instance)
    }

    fn instance(&self, group: &[usize]) -> &str {
        group.first().map(|&i| self.list[i].instance.as_str()).unwrap_or_default()
    }

    /// The position of an instance's primary interface: the lowest device index, the first
    /// declared of equals.
    fn primary(&self, instance: &str) -> Option<usize> {
        let start = self.order.partition_point(|&i| self.list[i].instance.as_str() < instance);
        let group = self.order[start..].iter().take_while(|&&i| self.list[i].instance == instance);
        group.map(|&i| &self.list[i]).min_by_key(|x| (x.device_index, x.declared)).and_then(|x| x.position)
    }
}

fn interfaces(a: &mut Assembly) {
    let default_groups: HashMap<&str, &str> = a.vpc_defaults.iter().map(|d| (d.vpc.as_str(), d.security_group.as_str())).collect();
    // In id order (ids are unique: the assembly keeps the first declaration of each); the
    // requests are large, so their order is sorted rather than the requests themselves.
    let requests: Vec<InterfaceRequest> = std::mem::take(&mut a.interfaces);
    let order = id_order(&requests.iter().map(|r| r.id.as_str()).collect::<Vec<_>>());
    let t = &mut a.twin;
    let mut pools: HashMap<String, Pool> = HashMap::default();
    for s in t.subnets.values() {
        if let Some(c) = s.cidr {
            let lo = u32::from(c.network());
            let hi = u32::from(c.broadcast());
            pools.insert(s.id.clone(), Pool { next: lo.saturating_add(4), last: hi.saturating_sub(1), used: BTreeSet::new() });
        }
    }
    for r in &requests {
        if let Some(p) = pools.get_mut(&r.subnet) {
            p.used.extend(r.private_ips.iter().map(|ip| u32::from(*ip)));
        }
    }
    let mut allocated: BTreeMap<std::sync::Arc<str>, Vec<String>> = BTreeMap::new();
    let mut placeholder = PLACEHOLDER_PUBLIC;
    let mut next_public = |what: &str, origin: &Origin, unknowns: &mut Vec<Unknown>| {
        let ip = Ipv4Addr::from(placeholder);
        placeholder += 1;
        unknowns.push(Unknown {
            resource: what.to_string(),
            reason: format!("its public IPv4 address is assigned at deployment; koban uses the placeholder {ip}"),
            origin: Some(origin.clone()),
        });
        ip
    };
    // Elastic IP addresses, fixed or placeholder.
    let mut eip_address: HashMap<String, Ipv4Addr> = HashMap::default();
    for (alloc, e) in std::mem::take(&mut a.eips) {
        let ip = match e.address {
            Some(ip) => ip,
            None => next_public(&alloc, &e.origin, &mut t.unknowns),
        };
        eip_address.insert(alloc, ip);
    }
    // Subnets by id, for one lookup per interface.
    let subnet_of: HashMap<&str, &m::Subnet> = t.subnets.iter().map(|(id, s)| (id.as_str(), s)).collect();
    let mut enis: Vec<m::NetworkInterface> = Vec::with_capacity(requests.len());
    let mut slots: Vec<Option<InterfaceRequest>> = requests.into_iter().map(Some).collect();
    for r in order.into_iter().filter_map(|i| slots[i].take()) {
        let mut private_ips = r.private_ips;
        while private_ips.len() < r.count.max(1) {
            match pools.get_mut(&r.subnet).and_then(Pool::take) {
                Some(ip) => {
                    allocated.entry(r.origin.file.clone()).or_default().push(format!("{} {ip}", r.id));
                    private_ips.push(ip);
                }
                None => {
                    t.unknowns.push(Unknown {
                        resource: r.id.clone(),
                        reason: format!("no private address could be placed in {} (subnet outside the inputs, or full)", r.subnet),
                        origin: Some(r.origin.clone()),
                    });
                    break;
                }
            }
        }
        let subnet = subnet_of.get(r.subnet.as_str()).copied();
        let mut security_groups = r.security_groups;
        if security_groups.is_empty() && r.default_security_group {
            if let Some(g) = subnet.and_then(|s| default_groups.get(s.vpc.as_str())) {
                security_groups.push(g.to_string());
            }
        }
        let public_at_launch = r.public_ip_at_launch.unwrap_or_else(|| subnet.map(|s| s.map_public_ip_on_launch).unwrap_or(false));
        enis.push(m::NetworkInterface {
            id: r.id,
            vpc: subnet.map(|s| s.vpc.clone()).unwrap_or_default(),
            placement: subnet.map(|s| s.placement.clone()).unwrap_or_default(),
            availability_zone: subnet.and_then(|s| s.availability_zone.clone()),
            subnet: r.subnet,
            interface_type: r.interface_type,
            description: r.description,
            private_ips,
            public_ips: Vec::new(),
            security_groups,
            source_dest_check: r.source_dest_check,
            owner: r.owner,
            requester_managed: r.requester_managed,
            status: Some("in-use".into()),
            tags: r.tags,
            origin: r.origin,
        });
        if public_at_launch {
            if let Some(e) = enis.last_mut() {
                if let Some(p) = e.private_ips.first().copied() {
                    let ip = next_public(&e.id, &e.origin, &mut t.unknowns);
                    e.public_ips.push((p, ip));
                }
            }
        }
    }
    for (file, list) in allocated {
        t.diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            origin: Origin::new(file, ""),
            message: format!(
                "{} private IPv4 address(es) are chosen by AWS at deployment; koban placed them at the first free addresses of their subnets: {}",
                list.len(),
                list.join(", ")
            ),
            resource: None,
        });
    }
    // Instances: their interfaces by device index.
    let attached = Attachments::new(std::mem::take(&mut a.interface_attachments), &mut enis);
    let attach_public = |target: &str, private: Option<Ipv4Addr>, public: Ipv4Addr, enis: &mut Vec<m::NetworkInterface>| -> bool {
        let position = if target.starts_with("i-") { attached.primary(target) } else { position_of(enis, target) };
        let Some(e) = position.and_then(|i| enis.get_mut(i)) else { return false };
        let Some(p) = private.or_else(|| e.private_ips.first().copied()) else { return false };
        e.public_ips.retain(|(q, _)| *q != p);
        e.public_ips.push((p, public));
        true
    };
    let mut with_eip: BTreeSet<String> = BTreeSet::new();
    for assoc in std::mem::take(&mut a.eip_associations) {
        let Some(public) = eip_address.get(&assoc.allocation).copied() else {
            t.unknowns.push(Unknown {
                resource: assoc.allocation.clone(),
                reason: "an Elastic IP association names an allocation outside the inputs".into(),
                origin: Some(assoc.origin.clone()),
            });
            continue;
        };
        with_eip.insert(assoc.target.clone());
        if !attach_public(&assoc.target, assoc.private_ip, public, &mut enis) {
            t.unknowns.push(Unknown {
                resource: assoc.target.clone(),
                reason: format!("Elastic IP {public} is associated with {}, which is outside the inputs", assoc.target),
                origin: Some(assoc.origin.clone()),
            });
        }
    }
    // An Elastic IP replaces the public address assigned at launch.
    if !with_eip.is_empty() {
        t.unknowns.retain(|u| !(with_eip.contains(&u.resource) && u.reason.contains("placeholder")));
    }
    for (nat, alloc) in std::mem::take(&mut a.nat_allocations) {
        let (Some(public), Some(n)) = (eip_address.get(&alloc).copied(), t.nat_gateways.get_mut(&nat)) else { continue };
        if let Some(addr) = n.addresses.first_mut() {
            addr.public_ip = Some(public);
            if let Some(eni) = addr.network_interface.clone() {
                attach_public(&eni, None, public, &mut enis);
            }
        }
    }
    for n in t.nat_gateways.values_mut() {
        for addr in &mut n.addresses {
            if let Some(e) = addr.network_interface.as_deref().and_then(|e| position_of(&enis, e)).map(|i| &enis[i]) {
                addr.private_ip = e.private_ips.first().copied();
                if addr.public_ip.is_none() {
                    addr.public_ip = e.public_ips.first().map(|(_, p)| *p);
                }
            }
        }
    }
    // Both in id order: the instances meet their attachments in one pass.
    let mut groups = attached.groups().peekable();
    for inst in t.instances.values_mut() {
        while groups.next_if(|g| attached.instance(g) < inst.id.as_str()).is_some() {}
        let group = groups.next_if(|g| attached.instance(g) == inst.id.as_str()).unwrap_or_default();
        inst.network_interfaces = group.iter().map(|&i| attached.list[i].eni.clone()).collect();
        if let Some(e) = group.first().and_then(|&i| attached.list[i].position).map(|i| &enis[i]) {
            inst.private_ip = e.private_ips.first().copied();
            inst.public_ip = e.public_ips.first().map(|(_, p)| *p);
            if inst.subnet.is_none() {
                inst.subnet = Some(e.subnet.clone());
            }
            if inst.vpc.is_none() && !e.vpc.is_empty() {
                inst.vpc = Some(e.vpc.clone());
            }
            if inst.security_groups.is_empty() {
                inst.security_groups = e.security_groups.clone();
            }
        }
    }
    // In id order already: built in one pass.
    let built: BTreeMap<String, m::NetworkInterface> = enis.into_iter().map(|e| (e.id.clone(), e)).collect();
    if t.network_interfaces.is_empty() {
        t.network_interfaces = built;
    } else {
        t.network_interfaces.extend(built);
    }
    for ep in t.vpc_endpoints.values_mut() {
        ep.network_interfaces.retain(|e| t.network_interfaces.contains_key(e));
    }
}

fn transit(a: &mut Assembly) {
    let t = &mut a.twin;
    let explicit: BTreeSet<String> = a.tgw_associations.iter().map(|(att, _)| att.clone()).collect();
    for (att, table) in std::mem::take(&mut a.tgw_associations) {
        let tgw = t.transit_gateway_route_tables.get(&table).map(|r| r.transit_gateway.clone());
        if let Some(x) = t.transit_gateway_attachments.get_mut(&att) {
            let tgw = tgw.unwrap_or_else(|| x.transit_gateway.clone());
            x.associations.insert(tgw, table);
        }
    }
    // Default association and propagation of the gateway's default route tables.
    let defaults: HashMap<String, (Option<String>, Option<String>)> = t
        .transit_gateways
        .values()
        .map(|g| (g.id.clone(), (g.default_association_route_table.clone(), g.default_propagation_route_table.clone())))
        .collect();
    let opt_out: HashMap<String, (bool, bool)> = std::mem::take(&mut a.tgw_defaults).into_iter().map(|(x, s, p)| (x, (s, p))).collect();
    let mut propagations = std::mem::take(&mut a.tgw_propagations);
    for x in t.transit_gateway_attachments.values_mut() {
        let Some((assoc, prop)) = defaults.get(&x.transit_gateway) else { continue };
        let (use_assoc, use_prop) = opt_out.get(&x.id).copied().unwrap_or((true, true));
        if let (Some(rt), false, true) = (assoc, explicit.contains(&x.id), use_assoc) {
            x.associations.insert(x.transit_gateway.clone(), rt.clone());
        }
        if let (Some(rt), true) = (prop, use_prop) {
            propagations.push((rt.clone(), x.id.clone()));
        }
    }
    // A propagation added here is made from its attachment alone: one per table and attachment
    // (and none equal to one the table already held).
    let held: HashMap<String, usize> = t.transit_gateway_route_tables.values().map(|rt| (rt.id.clone(), rt.propagations.len())).collect();
    let mut added: HashSet<(String, String)> = HashSet::default();
    for (table, att) in propagations {
        let Some(x) = t.transit_gateway_attachments.get(&att) else { continue };
        let p = m::TransitGatewayPropagation {
            attachment: att.clone(),
            resource_type: x.resource_type,
            resource_id: x.resource_id.clone(),
            enabled: true,
        };
        if let Some(rt) = t.transit_gateway_route_tables.get_mut(&table) {
            let before = held.get(&table).copied().unwrap_or(0);
            if !rt.propagations[..before].contains(&p) && added.insert((table, att)) {
                rt.propagations.push(p);
            }
        }
    }
    for (table, route) in std::mem::take(&mut a.tgw_routes) {
        match t.transit_gateway_route_tables.get_mut(&table) {
            Some(rt) => {
                rt.routes.retain(|r| r.destination != route.destination);
                rt.routes.push(route);
            }
            None => t.unknowns.push(Unknown {
                resource: table.clone(),
                reason: format!("a Transit Gateway route is added to {table}, which is outside the inputs"),
                origin: Some(route.origin.clone()),
            }),
        }
    }
    for rt in t.transit_gateway_route_tables.values_mut() {
        rt.routes_known = true;
        rt.propagations_known = true;
    }
}

fn accounts(t: &mut Twin) {
    let mut acc: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let places = t.vpcs.values().map(|v| &v.placement).chain(t.transit_gateways.values().map(|g| &g.placement));
    for p in places {
        if let Some(account) = &p.account {
            let regions = acc.entry(account.clone()).or_default();
            if let Some(r) = &p.region {
                if !regions.contains(r) {
                    regions.push(r.clone());
                }
            }
        }
    }
    for (id, mut regions) in acc {
        regions.sort();
        t.accounts.entry(id.clone()).or_insert(m::Account { id, regions });
    }
}

/// Ids that resources name but that no input declares: outside the inputs, so unknown.
fn references(t: &mut Twin) {
    fn ids<T>(m: &BTreeMap<String, T>) -> HashSet<&str> {
        m.keys().map(String::as_str).collect()
    }
    let (vpcs, subnets, groups, tgws) = (ids(&t.vpcs), ids(&t.subnets), ids(&t.security_groups), ids(&t.transit_gateways));
    let mut out: Vec<Unknown> = Vec::new();
    let mut note = |present: bool, id: &str, what: &str, by: &str, origin: &Origin| {
        if !present && !id.is_empty() {
            out.push(Unknown {
                resource: id.to_string(),
                reason: format!("{what} {id}, used by {by}, is outside the inputs: it is not modelled"),
                origin: Some(origin.clone()),
            });
        }
    };
    for s in t.subnets.values() {
        note(vpcs.contains(s.vpc.as_str()), &s.vpc, "VPC", &s.id, &s.origin);
    }
    for rt in t.route_tables.values() {
        note(vpcs.contains(rt.vpc.as_str()), &rt.vpc, "VPC", &rt.id, &rt.origin);
        for s in &rt.subnets {
            note(subnets.contains(s.as_str()), s, "subnet", &rt.id, &rt.origin);
        }
    }
    for e in t.network_interfaces.values() {
        note(subnets.contains(e.subnet.as_str()), &e.subnet, "subnet", &e.id, &e.origin);
        for g in &e.security_groups {
            note(groups.contains(g.as_str()), g, "security group", &e.id, &e.origin);
        }
    }
    for g in t.security_groups.values() {
        if let Some(v) = &g.vpc {
            note(vpcs.contains(v.as_str()), v, "VPC", &g.id, &g.origin);
        }
    }
    for x in t.transit_gateway_attachments.values() {
        note(tgws.contains(x.transit_gateway.as_str()), &x.transit_gateway, "transit gateway", &x.id, &x.origin);
    }
    for v in t.vpc_endpoints.values() {
        note(vpcs.contains(v.vpc.as_str()), &v.vpc, "VPC", &v.id, &v.origin);
    }
    let mut seen = BTreeSet::new();
    out.retain(|u| seen.insert((u.resource.clone(), u.reason.clone())));
    t.unknowns.extend(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eni(id: &str) -> m::NetworkInterface {
        m::NetworkInterface {
            id: id.into(),
            subnet: "subnet-1".into(),
            vpc: "vpc-1".into(),
            placement: m::Placement::default(),
            availability_zone: None,
            interface_type: "interface".into(),
            description: None,
            private_ips: Vec::new(),
            public_ips: Vec::new(),
            security_groups: Vec::new(),
            source_dest_check: true,
            owner: m::EniOwner::Other(String::new()),
            requester_managed: false,
            status: None,
            tags: Vec::new(),
            origin: Origin::default(),
        }
    }

    #[test]
    fn attachments_meet_interfaces_and_instances_in_id_order() {
        let mut enis = vec![eni("eni-a"), eni("eni-b"), eni("eni-c")];
        let declared = |eni: &str, inst: &str, index: u32| (eni.to_string(), inst.to_string(), index);
        let attached = Attachments::new(
            vec![
                declared("eni-c", "i-2", 1),
                declared("eni-outside", "i-2", 0),
                declared("eni-a", "i-1", 0),
                declared("eni-b", "i-1", 0),
                // a later attachment of the same interface wins its owner
                declared("eni-c", "i-3", 0),
            ],
            &mut enis,
        );
        assert_eq!(enis[0].owner, m::EniOwner::Instance("i-1".into()));
        assert_eq!(enis[2].owner, m::EniOwner::Instance("i-3".into()));
        let groups: Vec<Vec<&str>> = attached.groups().map(|g| g.iter().map(|&i| attached.list[i].eni.as_str()).collect()).collect();
        assert_eq!(groups, [vec!["eni-a", "eni-b"], vec!["eni-outside", "eni-c"], vec!["eni-c"]]);
        // the primary interface: lowest device index, the first declared of equals
        assert_eq!(attached.primary("i-1"), Some(0));
        assert_eq!(attached.primary("i-2"), None, "device 0 of i-2 is outside the inputs");
        assert_eq!(attached.primary("i-3"), Some(2));
        assert_eq!(attached.primary("i-9"), None);
        assert_eq!(position_of(&enis, "eni-b"), Some(1));
        assert_eq!(position_of(&enis, "eni-x"), None);
    }
}
