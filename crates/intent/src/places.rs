//! Places: instances whose packets to AWS services, the internet and named networks take the
//! same paths, so a path derived for one holds for all. Two instances share a place when their
//! interfaces sit in the same subnets with the same public addresses, their security groups
//! have the same egress rules, they belong to the same groups among those that a security
//! group on the way can name (groups of interfaces that are not instances', or that routes
//! send traffic to), and no address boundary in the twin — a route destination, network ACL
//! entry, security-group rule, prefix list or named network — falls between their private
//! addresses. (Paths to other instances are not covered: their groups may name any group.)

use koban_model as m;
use koban_net::space::net_range;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// What tells instances' paths apart in one twin, for place keys.
pub struct Places<'t> {
    /// Sorted, distinct: the first address of every CIDR the twin's forwarding rules name,
    /// and the address after its last.
    boundaries: Vec<u64>,
    /// Per security group: its egress rules, each numbered by its text (equal rules of
    /// different groups share a number), sorted.
    egress: HashMap<&'t str, Vec<u32>>,
    /// Security groups kept by name in keys: those a rule of a group on the way names (see
    /// the module doc), and those with rules koban cannot resolve (their unknowns name them).
    by_name: HashSet<&'t str>,
}

impl<'t> Places<'t> {
    pub fn new(ix: &koban_net::index::Index<'t>) -> Places<'t> {
        let twin = ix.twin;
        let mut boundaries = Vec::new();
        let mut add = |n: &ipnet::Ipv4Net| {
            let (lo, hi) = net_range(n);
            boundaries.push(lo as u64);
            boundaries.push(hi as u64 + 1);
        };
        for rt in twin.route_tables.values() {
            for r in &rt.routes {
                if let m::RouteDestination::Ipv4(n) = &r.destination {
                    add(n);
                }
            }
        }
        for t in twin.transit_gateway_route_tables.values() {
            for r in &t.routes {
                if let m::TgwRouteDestination::Ipv4(n) = &r.destination {
                    add(n);
                }
            }
        }
        for acl in twin.network_acls.values() {
            for e in &acl.entries {
                if let ipnet::IpNet::V4(n) = &e.cidr {
                    add(n);
                }
            }
        }
        for sg in twin.security_groups.values() {
            for r in sg.ingress.iter().chain(&sg.egress) {
                if let m::SgPeer::Cidr(ipnet::IpNet::V4(n)) = &r.peer {
                    add(n);
                }
            }
        }
        for p in twin.prefix_lists.values() {
            p.cidrs.iter().for_each(&mut add);
        }
        for n in twin.networks.values() {
            n.cidrs.iter().for_each(&mut add);
        }
        boundaries.sort_unstable();
        boundaries.dedup();
        let mut rule_numbers: HashMap<String, u32> = HashMap::new();
        let egress = twin
            .security_groups
            .values()
            .map(|g| {
                let mut rules: Vec<u32> = g
                    .egress
                    .iter()
                    .map(|r| {
                        let next = rule_numbers.len() as u32;
                        *rule_numbers.entry(format!("{:?}|{}", r.traffic, r.peer)).or_insert(next)
                    })
                    .collect();
                rules.sort_unstable();
                (g.id.as_str(), rules)
            })
            .collect();
        let mut by_name = named_on_path(twin);
        by_name.extend(ix.sgs.iter().filter(|(_, c)| !c.unknowns.is_empty()).map(|(g, _)| *g));
        Places { boundaries, egress, by_name }
    }

    /// The place of an instance with live interfaces `enis`: instances with equal keys take
    /// the same paths.
    pub fn key(&self, enis: &[&m::NetworkInterface]) -> String {
        let mut key = String::new();
        for e in enis {
            // Groups missing from the twin are kept by name: nothing is known of their rules.
            let mut named: Vec<&str> =
                e.security_groups.iter().map(String::as_str).filter(|g| self.by_name.contains(g) || !self.egress.contains_key(g)).collect();
            named.sort_unstable();
            named.dedup();
            let mut rules: Vec<u32> = e.security_groups.iter().filter_map(|g| self.egress.get(g.as_str())).flatten().copied().collect();
            rules.sort_unstable();
            rules.dedup();
            let _ = write!(key, "{}|{}|{}|", e.subnet, e.security_groups.is_empty(), named.join(","));
            for r in rules {
                let _ = write!(key, "{r};");
            }
            key.push('|');
            for ip in &e.private_ips {
                let v = u32::from(*ip) as u64;
                let _ = write!(key, "{},", self.boundaries.partition_point(|b| *b <= v));
            }
            for (_, public) in &e.public_ips {
                let _ = write!(key, "{public},");
            }
            key.push(';');
        }
        key
    }
}

/// Security groups a rule of a group on the way names: groups of interfaces that are not an
/// instance's (endpoints, load balancers, NAT and appliances) or that a route sends traffic to.
fn named_on_path(twin: &m::Twin) -> HashSet<&str> {
    let mut targets: HashSet<&str> = HashSet::new();
    for rt in twin.route_tables.values() {
        for r in &rt.routes {
            if let m::RouteTarget::NetworkInterface(id) | m::RouteTarget::Instance(id) = &r.target {
                targets.insert(id.as_str());
            }
        }
    }
    let mut named = HashSet::new();
    for e in twin.network_interfaces.values() {
        let on_path = match &e.owner {
            m::EniOwner::Instance(i) => targets.contains(e.id.as_str()) || targets.contains(i.as_str()),
            _ => true,
        };
        if !on_path {
            continue;
        }
        for g in e.security_groups.iter().filter_map(|g| twin.security_groups.get(g)) {
            for r in g.ingress.iter().chain(&g.egress) {
                if let m::SgPeer::SecurityGroup(named_group) = &r.peer {
                    named.insert(named_group.as_str());
                }
            }
        }
    }
    named
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eni(id: &str, ip: &str) -> m::NetworkInterface {
        m::NetworkInterface {
            id: id.into(),
            subnet: "subnet-1".into(),
            vpc: "vpc-1".into(),
            placement: m::Placement::default(),
            availability_zone: None,
            interface_type: "interface".into(),
            description: None,
            private_ips: vec![ip.parse().expect("address")],
            public_ips: vec![],
            security_groups: vec!["sg-1".into()],
            source_dest_check: true,
            owner: m::EniOwner::Instance(format!("i-{id}")),
            requester_managed: false,
            status: Some("in-use".into()),
            tags: Default::default(),
            origin: m::Origin::default(),
        }
    }

    fn twin_with(acl_cidr: &str) -> m::Twin {
        let mut twin = m::Twin::default();
        for (id, ip) in [("a", "10.0.1.10"), ("b", "10.0.1.200")] {
            twin.network_interfaces.insert(id.into(), eni(id, ip));
            let inst = m::Instance {
                id: format!("i-{id}"),
                state: "running".into(),
                subnet: Some("subnet-1".into()),
                vpc: Some("vpc-1".into()),
                placement: m::Placement::default(),
                network_interfaces: vec![id.into()],
                private_ip: None,
                public_ip: None,
                security_groups: vec![],
                iam_instance_profile: None,
                image_id: None,
                platform: None,
                tags: Default::default(),
                origin: m::Origin::default(),
            };
            twin.instances.insert(inst.id.clone(), inst);
        }
        let acl = m::NetworkAcl {
            id: "acl-1".into(),
            vpc: "vpc-1".into(),
            placement: m::Placement::default(),
            is_default: false,
            subnets: vec!["subnet-1".into()],
            entries: vec![m::NaclEntry {
                rule_number: 100,
                egress: true,
                action: m::RuleAction::Allow,
                traffic: m::TrafficMatch::All,
                cidr: acl_cidr.parse().expect("cidr"),
            }],
            tags: Default::default(),
            origin: m::Origin::default(),
        };
        twin.network_acls.insert(acl.id.clone(), acl);
        twin
    }

    #[test]
    fn a_boundary_between_two_addresses_separates_their_places() {
        let key = |twin: &m::Twin, places: &Places, i: &str| {
            let enis: Vec<&m::NetworkInterface> =
                twin.instances[i].network_interfaces.iter().map(|e| &twin.network_interfaces[e]).collect();
            places.key(&enis)
        };
        let wide = twin_with("0.0.0.0/0");
        let places = Places::new(&koban_net::index::Index::new(&wide));
        assert_eq!(key(&wide, &places, "i-a"), key(&wide, &places, "i-b"));
        let split = twin_with("10.0.1.0/25");
        let places = Places::new(&koban_net::index::Index::new(&split));
        assert_ne!(key(&split, &places, "i-a"), key(&split, &places, "i-b"));
    }

    fn group(id: &str, ingress_from: Option<&str>) -> m::SecurityGroup {
        let rule = |peer: m::SgPeer| m::SgRule { traffic: m::TrafficMatch::All, peer, description: None, permission_index: 0 };
        m::SecurityGroup {
            id: id.into(),
            name: id.into(),
            vpc: Some("vpc-1".into()),
            owner: None,
            placement: m::Placement::default(),
            ingress: ingress_from.map(|g| rule(m::SgPeer::SecurityGroup(g.into()))).into_iter().collect(),
            egress: vec![rule(m::SgPeer::Cidr("0.0.0.0/0".parse().expect("cidr")))],
            tags: Default::default(),
            origin: m::Origin::default(),
        }
    }

    #[test]
    fn groups_count_by_their_egress_unless_a_group_on_the_way_names_them() {
        let mut twin = twin_with("0.0.0.0/0");
        for (eni, sg) in [("a", "sg-a"), ("b", "sg-b")] {
            twin.network_interfaces.get_mut(eni).expect("eni").security_groups = vec![sg.into()];
            twin.security_groups.insert(sg.into(), group(sg, None));
        }
        let key = |twin: &m::Twin, i: &str| {
            let places = Places::new(&koban_net::index::Index::new(twin));
            let enis: Vec<&m::NetworkInterface> =
                twin.instances[i].network_interfaces.iter().map(|e| &twin.network_interfaces[e]).collect();
            places.key(&enis)
        };
        // Same egress rules, named by nothing on the way: one place.
        assert_eq!(key(&twin, "i-a"), key(&twin, "i-b"));
        // An endpoint's group admits sg-a only: the two instances part.
        let mut endpoint = eni("vpce-eni", "10.0.1.50");
        endpoint.owner = m::EniOwner::VpcEndpoint("vpce-1".into());
        endpoint.security_groups = vec!["sg-endpoint".into()];
        twin.network_interfaces.insert(endpoint.id.clone(), endpoint);
        twin.security_groups.insert("sg-endpoint".into(), group("sg-endpoint", Some("sg-a")));
        assert_ne!(key(&twin, "i-a"), key(&twin, "i-b"));
        // Different egress rules: two places.
        twin.security_groups.get_mut("sg-endpoint").expect("sg").ingress.clear();
        assert_eq!(key(&twin, "i-a"), key(&twin, "i-b"));
        twin.security_groups.get_mut("sg-b").expect("sg").egress.clear();
        assert_ne!(key(&twin, "i-a"), key(&twin, "i-b"));
    }
}
