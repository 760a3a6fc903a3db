//! `exposure`: every (interface, protocol, port ranges) reachable from the internet and from
//! each named external network, with one witness path each. Like Inspector's network
//! reachability, but Transit Gateway, VPN and Direct Connect paths are included and return
//! traffic is checked.

use crate::forward::{Engine, Session};
use crate::reach::{inspected, Start};
use crate::space::{PacketSet, DPORT, PROTO};
use crate::spec::Spec;
use crate::trace::{Hop, Outcome, PathState, Sink};
use koban_model::{PROTO_ICMP, PROTO_TCP, PROTO_UDP};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct PortRanges {
    pub protocol: String,
    /// Destination port ranges (TCP/UDP), ICMP types, or `all`.
    pub ranges: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExposedInterface {
    pub interface: String,
    /// The instance or endpoint owning it.
    pub owner: String,
    pub vpc: String,
    pub subnet: String,
    pub ports: Vec<PortRanges>,
    /// True when the witness path crosses an inspection appliance.
    pub inspected: bool,
    pub path: Vec<Hop>,
    /// True when the replies of the witness path cross an inspection appliance.
    pub reply_inspected: bool,
    pub reply_path: Vec<Hop>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceExposure {
    /// `internet` or `network:<name>`.
    pub source: String,
    pub exposed: Vec<ExposedInterface>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExposureAnswer {
    pub schema: &'static str,
    pub sources: Vec<SourceExposure>,
    pub unknowns: Vec<String>,
}

impl ExposureAnswer {
    pub fn total(&self) -> usize {
        self.sources.iter().map(|s| s.exposed.len()).sum()
    }
}

struct Acc {
    set: PacketSet,
    path: Vec<Hop>,
    reply: Vec<Hop>,
}

/// Collects delivered packets per interface, keeping only those whose replies return.
struct ExposureSink<'a, 't> {
    engine: &'a Engine<'t>,
    start: Start<'t>,
    per_interface: BTreeMap<String, Acc>,
    unknowns: Vec<String>,
}

impl<'a, 't> Sink for ExposureSink<'a, 't> {
    fn leaf(&mut self, path: &PathState, set: &PacketSet, outcome: Outcome) {
        for u in &path.unknowns {
            if !self.unknowns.contains(u) {
                self.unknowns.push(u.clone());
            }
        }
        let Outcome::Delivered { interface, .. } = &outcome else { return };
        let r = crate::reach::replies(self.engine, path, set, &outcome, &self.start, crate::reach::ReplyDetail::Returned);
        for u in r.unknowns {
            if !self.unknowns.contains(&u) {
                self.unknowns.push(u);
            }
        }
        if r.ok.is_empty() {
            return;
        }
        // Keep the delivered packets whose protocol and ports had a returning reply.
        let mut keep = PacketSet::empty();
        for c in r.ok.cubes() {
            let mut k = crate::space::Cube::ALL;
            for d in [PROTO, crate::space::SPORT, DPORT] {
                k.0[d] = c.0[d];
            }
            keep.union(&set.intersect_cube(&k));
        }
        if keep.is_empty() {
            return;
        }
        match self.per_interface.get_mut(interface) {
            Some(acc) => acc.set.union(&keep),
            None => {
                self.per_interface
                    .insert(interface.clone(), Acc { set: keep, path: path.hops.clone(), reply: r.first.unwrap_or_default() });
            }
        }
    }
}

fn port_ranges(set: &PacketSet) -> Vec<PortRanges> {
    let mut out = Vec::new();
    let protos = set.project(PROTO);
    if protos == vec![(0, 255)] && set.project(DPORT) == vec![(0, 65535)] {
        return vec![PortRanges { protocol: "all".into(), ranges: vec!["all".into()] }];
    }
    for (name, p) in [("tcp", PROTO_TCP), ("udp", PROTO_UDP), ("icmp", PROTO_ICMP)] {
        let part = set.restrict(PROTO, p as u32, p as u32);
        if part.is_empty() {
            continue;
        }
        let ranges = part
            .project(DPORT)
            .into_iter()
            .map(|(lo, hi)| {
                if p == PROTO_ICMP {
                    if (lo, hi) == (0, 65535) {
                        "all types".to_string()
                    } else {
                        format!("type {}-{}", lo >> 8, hi >> 8)
                    }
                } else if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo}-{hi}")
                }
            })
            .collect();
        out.push(PortRanges { protocol: name.into(), ranges });
    }
    let others: Vec<String> = protos
        .iter()
        .flat_map(|&(lo, hi)| lo..=hi)
        .filter(|p| ![PROTO_TCP as u32, PROTO_UDP as u32, PROTO_ICMP as u32].contains(p))
        .map(|p| p.to_string())
        .collect();
    if !others.is_empty() {
        let text = if others.len() > 8 { format!("{} other IP protocols", others.len()) } else { others.join(", ") };
        out.push(PortRanges { protocol: "other".into(), ranges: vec![text] });
    }
    out
}

/// Destination chunks walked independently (in parallel): one per VPC — its CIDRs, or for the
/// internet the public addresses of its interfaces — plus everything else.
fn destination_chunks(twin: &koban_model::Twin, internet: bool) -> Vec<PacketSet> {
    use crate::space::{merge_intervals, net_range, Cube, DST};
    let mut by_vpc: BTreeMap<&str, Vec<(u32, u32)>> = BTreeMap::new();
    if internet {
        for e in twin.network_interfaces.values() {
            for (_, p) in &e.public_ips {
                by_vpc.entry(e.vpc.as_str()).or_default().push((u32::from(*p), u32::from(*p)));
            }
        }
    } else {
        for v in twin.vpcs.values() {
            by_vpc.entry(v.id.as_str()).or_default().extend(v.cidrs.iter().map(net_range));
        }
    }
    let mut all: Vec<(u32, u32)> = Vec::new();
    let mut chunks = Vec::new();
    for mut iv in by_vpc.into_values() {
        merge_intervals(&mut iv);
        all.extend(iv.iter().copied());
        let mut c = PacketSet::empty();
        for (lo, hi) in iv {
            c.add_disjoint_from(PacketSet::from_cube(Cube::ALL.with(DST, lo, hi)));
        }
        chunks.push(c);
    }
    // Everything no VPC chunk covers (overlapping VPC CIDRs are walked in each chunk: the
    // per-interface results are unions, so that only repeats work).
    merge_intervals(&mut all);
    let mut rest = PacketSet::empty();
    let mut next: u64 = 0;
    for (lo, hi) in all {
        if lo as u64 > next {
            rest.add_disjoint_from(PacketSet::from_cube(Cube::ALL.with(DST, next as u32, lo - 1)));
        }
        next = hi as u64 + 1;
    }
    if next <= u32::MAX as u64 {
        rest.add_disjoint_from(PacketSet::from_cube(Cube::ALL.with(DST, next as u32, u32::MAX)));
    }
    chunks.push(rest);
    chunks
}

fn expose_from<'t>(engine: &Engine<'t>, source: &Spec, label: String) -> (SourceExposure, Vec<String>) {
    let twin = engine.ix.twin;
    let all = crate::reach::traffic(crate::reach::Protocol::All, None);
    let src = source.source_space_with(twin, &engine.ix.own_public_ips);
    let set = all.intersect(&src);
    let start = match source {
        Spec::Network(n) => match twin.networks.get(n) {
            Some(net) => Start::Network(net),
            None => return (SourceExposure { source: label, exposed: vec![] }, vec![]),
        },
        _ => Start::Internet,
    };
    let chunks = destination_chunks(twin, matches!(start, Start::Internet));
    let parts: Vec<(BTreeMap<String, Acc>, Vec<String>)> = chunks
        .par_iter()
        .map(|dst| {
            let mut sink = ExposureSink { engine, start: start.clone(), per_interface: BTreeMap::new(), unknowns: Vec::new() };
            let packets = set.intersect(dst);
            {
                let mut walk = engine.walk(&mut sink, None::<&Session>);
                match &start {
                    Start::Network(n) => walk.from_network(n, &packets),
                    _ => walk.from_internet(&packets),
                }
            }
            (sink.per_interface, sink.unknowns)
        })
        .collect();
    let mut per_interface: BTreeMap<String, Acc> = BTreeMap::new();
    let mut unknowns: Vec<String> = Vec::new();
    for (map, unk) in parts {
        for u in unk {
            if !unknowns.contains(&u) {
                unknowns.push(u);
            }
        }
        for (k, acc) in map {
            match per_interface.get_mut(&k) {
                Some(a) => a.set.union(&acc.set),
                None => {
                    per_interface.insert(k, acc);
                }
            }
        }
    }
    let exposed = per_interface
        .into_iter()
        .filter_map(|(id, acc)| {
            let e = twin.network_interfaces.get(&id)?;
            let owner = match &e.owner {
                koban_model::EniOwner::Instance(i) => i.clone(),
                koban_model::EniOwner::VpcEndpoint(v) if !v.is_empty() => v.clone(),
                _ => e.id.clone(),
            };
            Some(ExposedInterface {
                interface: id,
                owner,
                vpc: e.vpc.clone(),
                subnet: e.subnet.clone(),
                ports: port_ranges(&acc.set),
                inspected: inspected(&acc.path),
                reply_inspected: inspected(&acc.reply),
                path: acc.path,
                reply_path: acc.reply,
            })
        })
        .collect();
    (SourceExposure { source: label, exposed }, unknowns)
}

/// Exposure to the internet and to every named network of the twin.
pub fn exposure(engine: &Engine) -> ExposureAnswer {
    let twin = engine.ix.twin;
    let mut sources: Vec<(Spec, String)> = vec![(Spec::Internet, "internet".into())];
    for n in twin.networks.keys() {
        sources.push((Spec::Network(n.clone()), format!("network:{n}")));
    }
    let results: Vec<(SourceExposure, Vec<String>)> = sources.iter().map(|(s, l)| expose_from(engine, s, l.clone())).collect();
    let mut unknowns: Vec<String> = results.iter().flat_map(|(_, u)| u.iter().cloned()).collect();
    unknowns.extend(twin.unknowns.iter().map(|u| format!("{}: {}", u.resource, u.reason)));
    unknowns.sort();
    unknowns.dedup();
    ExposureAnswer { schema: "koban/exposure/v1", sources: results.into_iter().map(|(s, _)| s).collect(), unknowns }
}
