//! Places: instances that take the same network paths, so a path derived for one holds for
//! all. Two instances share a place when their interfaces sit in the same subnets with the
//! same security groups and public addresses, and no address boundary in the twin — a route
//! destination, network ACL entry, security-group rule, prefix list or named network —
//! falls between their private addresses.

use koban_model as m;
use koban_net::space::net_range;
use std::fmt::Write;

/// The address boundaries of one twin, for place keys.
pub struct Places {
    /// Sorted, distinct: the first address of every CIDR the twin's forwarding rules name,
    /// and the address after its last.
    boundaries: Vec<u64>,
}

impl Places {
    pub fn new(twin: &m::Twin) -> Places {
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
        Places { boundaries }
    }

    /// The place of an instance with live interfaces `enis`: instances with equal keys take
    /// the same paths.
    pub fn key(&self, enis: &[&m::NetworkInterface]) -> String {
        let mut key = String::new();
        for e in enis {
            let mut sgs: Vec<&str> = e.security_groups.iter().map(String::as_str).collect();
            sgs.sort_unstable();
            sgs.dedup();
            let _ = write!(key, "{}|{}|", e.subnet, sgs.join(","));
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
        let places = Places::new(&wide);
        assert_eq!(key(&wide, &places, "i-a"), key(&wide, &places, "i-b"));
        let split = twin_with("10.0.1.0/25");
        let places = Places::new(&split);
        assert_ne!(key(&split, &places, "i-a"), key(&split, &places, "i-b"));
    }
}
