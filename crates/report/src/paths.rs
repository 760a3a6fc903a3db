//! The report's witness paths: `reach` for every (internet or named network) → instance and
//! instance → (internet or named network) pair, `exposure` per interface, each path stored as
//! indices into one table of distinct hops.

use crate::data::{ExposedView, ExposureSourceView, ExposureView, PathRef, PathTable, ReachPair, ReachView};
use koban_model::Twin;
use koban_net::exposure::ExposureAnswer;
use koban_net::reach::{reach, Protocol, ReachAnswer};
use koban_net::spec::Spec;
use koban_net::trace::Hop;
use koban_net::Engine;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

/// A hop as a hash key: every field, evidence included.
struct HopKey(Hop);

impl Hash for HopKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.resource.hash(state);
        (self.0.hop_type as u8).hash(state);
        self.0.interface.hash(state);
        for e in &self.0.evidence {
            e.kind.hash(state);
            e.resource.hash(state);
            e.detail.hash(state);
        }
    }
}

impl PartialEq for HopKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for HopKey {}

/// Builds a [`PathTable`]: each distinct hop gets one index.
#[derive(Default)]
pub struct Interner {
    index: HashMap<HopKey, u32>,
    table: PathTable,
}

impl Interner {
    pub fn intern(&mut self, hops: &[Hop]) -> Vec<u32> {
        hops.iter()
            .map(|h| {
                let key = HopKey(h.clone());
                if let Some(i) = self.index.get(&key) {
                    return *i;
                }
                let i = self.table.hops.len() as u32;
                self.table.hops.push(h.clone());
                self.index.insert(key, i);
                i
            })
            .collect()
    }

    pub fn finish(self) -> PathTable {
        self.table
    }
}

/// The pairs the page offers: every named network and the internet to every live instance,
/// and every live instance to the internet and every named network.
pub fn pair_specs(twin: &Twin) -> Vec<(String, String)> {
    let mut outside: Vec<String> = vec!["internet".to_string()];
    outside.extend(twin.networks.keys().cloned());
    let instances: Vec<&str> = twin.instances.values().filter(|i| i.is_live()).map(|i| i.id.as_str()).collect();
    let mut pairs = Vec::with_capacity(instances.len() * outside.len() * 2);
    for o in &outside {
        for i in &instances {
            pairs.push((o.clone(), (*i).to_string()));
        }
    }
    for i in &instances {
        for o in &outside {
            pairs.push(((*i).to_string(), o.clone()));
        }
    }
    pairs
}

/// Answer every pair, in parallel.
pub fn answer_pairs(engine: &Engine, protocol: Protocol, port: Option<u16>) -> Vec<ReachAnswer> {
    let twin = engine.ix.twin;
    pair_specs(twin)
        .par_iter()
        .filter_map(|(from, to)| {
            let f = Spec::parse(from, twin).ok()?;
            let t = Spec::parse(to, twin).ok()?;
            Some(reach(engine, &f, &t, protocol, port, from, to))
        })
        .collect()
}

/// The answers with their paths stored once.
pub fn reach_view(twin: &Twin, answers: Vec<ReachAnswer>, twin_unknowns: &HashSet<String>, interner: &mut Interner) -> ReachView {
    let mut pairs = Vec::with_capacity(answers.len());
    for a in answers {
        let paths = a
            .paths
            .iter()
            .map(|p| PathRef {
                packets: p.packets.clone(),
                hops: interner.intern(&p.hops),
                inspected: p.inspected,
                reply_hops: interner.intern(&p.reply_hops),
                reply_inspected: p.reply_inspected,
                ends: p.ends.clone(),
            })
            .collect();
        pairs.push(ReachPair {
            from: a.from,
            to: a.to,
            reachable: a.reachable,
            paths,
            blocked: a.blocked,
            unknowns: a.unknowns.into_iter().filter(|u| !twin_unknowns.contains(u)).collect(),
        });
    }
    let mut sources: Vec<String> = vec!["internet".to_string()];
    sources.extend(twin.networks.keys().cloned());
    sources.extend(twin.instances.values().filter(|i| i.is_live()).map(|i| i.id.clone()));
    ReachView { sources, pairs }
}

/// `koban exposure` with its witness paths interned; port ranges as text.
pub fn exposure_view(answer: &ExposureAnswer, twin_unknowns: &HashSet<String>, interner: &mut Interner) -> ExposureView {
    let sources = answer
        .sources
        .iter()
        .map(|s| ExposureSourceView {
            source: s.source.clone(),
            exposed: s
                .exposed
                .iter()
                .map(|e| ExposedView {
                    interface: e.interface.clone(),
                    owner: e.owner.clone(),
                    vpc: e.vpc.clone(),
                    subnet: e.subnet.clone(),
                    ports: e.ports.iter().map(|p| format!("{} {}", p.protocol, p.ranges.join(","))).collect(),
                    inspected: e.inspected,
                    path: interner.intern(&e.path),
                    reply_inspected: e.reply_inspected,
                    reply_path: interner.intern(&e.reply_path),
                })
                .collect(),
        })
        .collect();
    ExposureView { sources, unknowns: answer.unknowns.iter().filter(|u| !twin_unknowns.contains(*u)).cloned().collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use koban_net::trace::HopType;

    #[test]
    fn equal_hops_share_an_index_and_evidence_distinguishes_them() {
        let mut i = Interner::default();
        let a = Hop::new("tgw-1", HopType::TransitGateway).because("route", "tgw-rtb-1", "static 10.0.0.0/8");
        let b = Hop::new("tgw-1", HopType::TransitGateway).because("route", "tgw-rtb-2", "static 10.0.0.0/8");
        let first = i.intern(&[a.clone(), b.clone()]);
        let second = i.intern(&[b, a]);
        assert_eq!(first, vec![0, 1]);
        assert_eq!(second, vec![1, 0]);
        assert_eq!(i.finish().hops.len(), 2);
    }
}
