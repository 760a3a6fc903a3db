//! Security groups and network ACLs compiled to header-space boxes, and their application to
//! packet sets with the rules that decided each part.
//!
//! Security groups are allow-lists: the admitted part is the union of every rule's boxes.
//! Rules whose peer koban cannot resolve (a prefix list missing from the snapshot) admit
//! everything they might and mark the answer unknown, so an unresolvable rule never makes a
//! path look blocked. Network ACL entries are evaluated in rule-number order; the first match
//! decides.

use crate::space::{merge_intervals, net_range, Cube, PacketSet, DST, SRC};
use ipnet::IpNet;
use koban_model as m;
use koban_model::Twin;
use std::collections::HashMap;

/// One compiled rule: its boxes and which rule of which group it is.
#[derive(Debug, Clone)]
pub struct CompiledRule<'t> {
    pub cubes: Vec<Cube>,
    pub rule: &'t m::SgRule,
    pub index: usize,
}

#[derive(Debug, Clone)]
pub struct CompiledSg<'t> {
    pub group: &'t m::SecurityGroup,
    pub ingress: Vec<CompiledRule<'t>>,
    pub egress: Vec<CompiledRule<'t>>,
    /// Why some rules could not be resolved exactly.
    pub unknowns: Vec<String>,
}

fn peer_intervals(peer: &m::SgPeer, twin: &Twin, members: &HashMap<&str, Vec<u32>>, unknowns: &mut Vec<String>) -> Option<Vec<(u32, u32)>> {
    match peer {
        m::SgPeer::Cidr(IpNet::V4(n)) => Some(vec![net_range(n)]),
        m::SgPeer::Cidr(IpNet::V6(_)) => None,
        m::SgPeer::PrefixList(p) => match twin.prefix_lists.get(p) {
            Some(pl) => {
                let mut iv: Vec<(u32, u32)> = pl.cidrs.iter().map(net_range).collect();
                merge_intervals(&mut iv);
                Some(iv)
            }
            None => {
                unknowns.push(format!("prefix list {p} is not in the snapshot; its rule is assumed to match any address"));
                Some(vec![(0, u32::MAX)])
            }
        },
        m::SgPeer::SecurityGroup(g) => {
            if !twin.security_groups.contains_key(g) && !members.contains_key(g.as_str()) {
                unknowns.push(format!("referenced security group {g} is not in the snapshot; its rule is assumed to match any address"));
                return Some(vec![(0, u32::MAX)]);
            }
            let mut iv: Vec<(u32, u32)> = members.get(g.as_str()).map(|ips| ips.iter().map(|&ip| (ip, ip)).collect()).unwrap_or_default();
            merge_intervals(&mut iv);
            Some(iv)
        }
    }
}

fn compile_rules<'t>(
    rules: &'t [m::SgRule],
    peer_dim: usize,
    twin: &Twin,
    members: &HashMap<&str, Vec<u32>>,
    unknowns: &mut Vec<String>,
) -> Vec<CompiledRule<'t>> {
    rules
        .iter()
        .enumerate()
        .filter_map(|(index, rule)| {
            let peers = peer_intervals(&rule.peer, twin, members, unknowns)?;
            let traffic = Cube::for_traffic(&rule.traffic);
            let cubes = traffic.iter().flat_map(|t| peers.iter().map(move |&(lo, hi)| t.with(peer_dim, lo, hi))).collect();
            Some(CompiledRule { cubes, rule, index })
        })
        .collect()
}

impl<'t> CompiledSg<'t> {
    pub fn compile(group: &'t m::SecurityGroup, twin: &Twin, members: &HashMap<&str, Vec<u32>>, missing: &mut Vec<String>) -> Self {
        let mut unknowns = Vec::new();
        let ingress = compile_rules(&group.ingress, SRC, twin, members, &mut unknowns);
        let egress = compile_rules(&group.egress, DST, twin, members, &mut unknowns);
        missing.extend(unknowns.iter().cloned());
        CompiledSg { group, ingress, egress, unknowns }
    }
}

/// The rule of a security group that admitted part of a packet set.
#[derive(Debug, Clone)]
pub struct SgMatch<'t> {
    pub group: &'t str,
    pub rule: &'t m::SgRule,
    pub index: usize,
}

/// Apply the union of several security groups in one direction (`ingress` or egress).
/// Returns the admitted part and the rules that admitted some of it.
pub fn apply_security_groups<'t>(set: &PacketSet, groups: &[&CompiledSg<'t>], ingress: bool) -> (PacketSet, Vec<SgMatch<'t>>) {
    let mut admitted = PacketSet::empty();
    let mut matches = Vec::new();
    for g in groups {
        let rules = if ingress { &g.ingress } else { &g.egress };
        for r in rules {
            let part = set.intersect_cubes(&r.cubes).subtract(&admitted);
            if !part.is_empty() {
                admitted.union(&part);
                matches.push(SgMatch { group: g.group.id.as_str(), rule: r.rule, index: r.index });
            }
        }
    }
    (admitted, matches)
}

#[derive(Debug, Clone)]
pub struct CompiledEntry<'t> {
    pub cubes: Vec<Cube>,
    pub entry: &'t m::NaclEntry,
}

#[derive(Debug, Clone)]
pub struct CompiledNacl<'t> {
    pub acl: &'t m::NetworkAcl,
    pub ingress: Vec<CompiledEntry<'t>>,
    pub egress: Vec<CompiledEntry<'t>>,
}

impl<'t> CompiledNacl<'t> {
    pub fn compile(acl: &'t m::NetworkAcl) -> Self {
        let mut ingress = Vec::new();
        let mut egress = Vec::new();
        for e in &acl.entries {
            let IpNet::V4(n) = e.cidr else { continue };
            let (lo, hi) = net_range(&n);
            let dim = if e.egress { DST } else { SRC };
            let cubes = Cube::for_traffic(&e.traffic).into_iter().map(|c| c.with(dim, lo, hi)).collect();
            let ce = CompiledEntry { cubes, entry: e };
            if e.egress {
                egress.push(ce);
            } else {
                ingress.push(ce);
            }
        }
        ingress.sort_by_key(|e| e.entry.rule_number);
        egress.sort_by_key(|e| e.entry.rule_number);
        CompiledNacl { acl, ingress, egress }
    }

    /// Evaluate the entries of one direction in order. Returns the allowed part, the allow
    /// entries used, and the denied parts with the entry that denied them (`None` = the
    /// implicit final deny when the ACL lists no `*` entry).
    pub fn apply(&self, set: &PacketSet, egress: bool) -> NaclResult<'t> {
        let entries = if egress { &self.egress } else { &self.ingress };
        let mut remaining = set.clone();
        let mut allowed = PacketSet::empty();
        let mut allow_entries = Vec::new();
        let mut denied = Vec::new();
        for e in entries {
            if remaining.is_empty() {
                break;
            }
            let matched = remaining.intersect_cubes(&e.cubes);
            if matched.is_empty() {
                continue;
            }
            for c in &e.cubes {
                remaining = remaining.subtract_cube(c);
            }
            match e.entry.action {
                m::RuleAction::Allow => {
                    allowed.union(&matched);
                    allow_entries.push(e.entry);
                }
                m::RuleAction::Deny => denied.push((Some(e.entry), matched)),
            }
        }
        if !remaining.is_empty() {
            denied.push((None, remaining));
        }
        NaclResult { allowed, allow_entries, denied }
    }
}

pub struct NaclResult<'t> {
    pub allowed: PacketSet,
    pub allow_entries: Vec<&'t m::NaclEntry>,
    pub denied: Vec<(Option<&'t m::NaclEntry>, PacketSet)>,
}
