//! Packet sets: unions of header-space boxes over (source address, destination address, IP
//! protocol, source port, destination port), each dimension an inclusive interval. Reachability
//! pushes whole sets through the network instead of enumerating packets.
//!
//! ICMP has no ports; its type and code are carried in the destination-port dimension as
//! `type * 256 + code` (source port is always the full range), so filters on ICMP type/code
//! are intervals like any other.

use ipnet::Ipv4Net;
use koban_model::{PortRange, TrafficMatch, PROTO_ICMP, PROTO_TCP, PROTO_UDP};
use std::fmt;
use std::net::Ipv4Addr;

/// Dimension indexes of a [`Cube`].
pub const SRC: usize = 0;
pub const DST: usize = 1;
pub const PROTO: usize = 2;
pub const SPORT: usize = 3;
pub const DPORT: usize = 4;

const MAX: [u32; 5] = [u32::MAX, u32::MAX, 255, 65535, 65535];

/// One box of header space: an inclusive interval per dimension.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Cube(pub [(u32, u32); 5]);

/// The inclusive address interval of a CIDR block.
pub fn net_range(n: &Ipv4Net) -> (u32, u32) {
    (u32::from(n.network()), u32::from(n.broadcast()))
}

impl Cube {
    pub const ALL: Cube = Cube([(0, MAX[0]), (0, MAX[1]), (0, MAX[2]), (0, MAX[3]), (0, MAX[4])]);

    pub fn with(mut self, dim: usize, lo: u32, hi: u32) -> Cube {
        self.0[dim] = (lo, hi);
        self
    }

    pub fn intersect(&self, o: &Cube) -> Option<Cube> {
        let mut out = *self;
        for d in 0..5 {
            let lo = self.0[d].0.max(o.0[d].0);
            let hi = self.0[d].1.min(o.0[d].1);
            if lo > hi {
                return None;
            }
            out.0[d] = (lo, hi);
        }
        Some(out)
    }

    pub fn contains(&self, o: &Cube) -> bool {
        (0..5).all(|d| self.0[d].0 <= o.0[d].0 && o.0[d].1 <= self.0[d].1)
    }

    /// `self` minus `o`, as disjoint boxes.
    pub fn subtract(&self, o: &Cube, out: &mut Vec<Cube>) {
        let Some(inter) = self.intersect(o) else {
            out.push(*self);
            return;
        };
        let mut rest = *self;
        for d in 0..5 {
            let (lo, hi) = rest.0[d];
            let (ilo, ihi) = inter.0[d];
            if lo < ilo {
                out.push(rest.with(d, lo, ilo - 1));
            }
            if ihi < hi {
                out.push(rest.with(d, ihi + 1, hi));
            }
            rest.0[d] = (ilo, ihi);
        }
    }

    /// The boxes of a filter rule's traffic, for the given peer-address dimension range.
    pub fn for_traffic(t: &TrafficMatch) -> Vec<Cube> {
        let proto = |p: u8| Cube::ALL.with(PROTO, p as u32, p as u32);
        let ports = |p: &PortRange| (p.from as u32, p.to as u32);
        match t {
            TrafficMatch::All => vec![Cube::ALL],
            TrafficMatch::Tcp { ports: p } => {
                let (lo, hi) = ports(p);
                vec![proto(PROTO_TCP).with(DPORT, lo, hi)]
            }
            TrafficMatch::Udp { ports: p } => {
                let (lo, hi) = ports(p);
                vec![proto(PROTO_UDP).with(DPORT, lo, hi)]
            }
            TrafficMatch::Icmp { icmp_type, code } => {
                let c = proto(PROTO_ICMP);
                match (icmp_type, code) {
                    (None, _) => vec![c],
                    (Some(t), None) => {
                        vec![c.with(DPORT, (*t as u32) << 8, ((*t as u32) << 8) | 255)]
                    }
                    (Some(t), Some(k)) => {
                        let v = ((*t as u32) << 8) | *k as u32;
                        vec![c.with(DPORT, v, v)]
                    }
                }
            }
            TrafficMatch::Icmpv6 { .. } | TrafficMatch::Nothing => vec![],
            TrafficMatch::Other { number } => vec![proto(*number)],
        }
    }
}

/// A set of packets: a union of boxes, kept disjoint.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct PacketSet {
    cubes: Vec<Cube>,
}

impl PacketSet {
    pub fn empty() -> Self {
        PacketSet { cubes: Vec::new() }
    }

    pub fn all() -> Self {
        PacketSet { cubes: vec![Cube::ALL] }
    }

    pub fn from_cube(c: Cube) -> Self {
        PacketSet { cubes: vec![c] }
    }

    /// Every packet whose `dim` lies in one of `intervals` (any order; overlaps allowed).
    pub fn from_intervals(dim: usize, mut intervals: Vec<(u32, u32)>) -> Self {
        merge_intervals(&mut intervals);
        let mut s = PacketSet { cubes: intervals.into_iter().map(|(lo, hi)| Cube::ALL.with(dim, lo, hi)).collect() };
        s.normalize();
        s
    }

    pub fn cubes(&self) -> &[Cube] {
        &self.cubes
    }

    pub fn is_empty(&self) -> bool {
        self.cubes.is_empty()
    }

    /// Add boxes known to be disjoint from the set (no check).
    fn push_disjoint(&mut self, c: Cube) {
        self.cubes.push(c);
    }

    /// Union with another set.
    pub fn union(&mut self, other: &PacketSet) {
        if other.cubes.is_empty() {
            return;
        }
        if self.cubes.is_empty() {
            self.cubes = other.cubes.clone();
            return;
        }
        let mine = DstIndex::new(&self.cubes);
        let mut added = Vec::new();
        for c in &other.cubes {
            added.extend(mine.subtract_from(*c));
        }
        self.cubes.extend(added);
        self.normalize();
    }

    pub fn intersect_cube(&self, c: &Cube) -> PacketSet {
        PacketSet { cubes: self.cubes.iter().filter_map(|x| x.intersect(c)).collect() }
    }

    /// Intersection with a union of (possibly overlapping) boxes.
    pub fn intersect_cubes(&self, cs: &[Cube]) -> PacketSet {
        let mut out = PacketSet::empty();
        for c in cs {
            let part = self.intersect_cube(c);
            if !part.is_empty() {
                out.union(&part);
            }
        }
        out
    }

    /// Intersection with another set: both are disjoint, so the boxes' pairwise
    /// intersections are too, and only boxes whose destinations overlap are paired.
    pub fn intersect(&self, o: &PacketSet) -> PacketSet {
        let (small, large) = if self.cubes.len() <= o.cubes.len() { (self, o) } else { (o, self) };
        let ix = DstIndex::new(&large.cubes);
        let mut cubes = Vec::new();
        for x in &small.cubes {
            cubes.extend(ix.overlapping(x).filter_map(|c| c.intersect(x)));
        }
        let mut s = PacketSet { cubes };
        s.normalize();
        s
    }

    pub fn subtract_cube(&self, c: &Cube) -> PacketSet {
        let mut out = Vec::with_capacity(self.cubes.len());
        for x in &self.cubes {
            x.subtract(c, &mut out);
        }
        let mut s = PacketSet { cubes: out };
        s.normalize();
        s
    }

    pub fn subtract(&self, o: &PacketSet) -> PacketSet {
        if o.cubes.is_empty() || self.cubes.is_empty() {
            return self.clone();
        }
        let ix = DstIndex::new(&o.cubes);
        let mut cubes = Vec::new();
        for x in &self.cubes {
            cubes.extend(ix.subtract_from(*x));
        }
        let mut s = PacketSet { cubes };
        s.normalize();
        s
    }

    /// Restrict one dimension to an interval.
    pub fn restrict(&self, dim: usize, lo: u32, hi: u32) -> PacketSet {
        self.intersect_cube(&Cube::ALL.with(dim, lo, hi))
    }

    /// Split by an interval of one dimension: (inside, outside).
    pub fn split(&self, dim: usize, lo: u32, hi: u32) -> (PacketSet, PacketSet) {
        let c = Cube::ALL.with(dim, lo, hi);
        (self.intersect_cube(&c), self.subtract_cube(&c))
    }

    /// Set one dimension to a fixed interval (address or port rewrite).
    pub fn rewrite(&self, dim: usize, lo: u32, hi: u32) -> PacketSet {
        PacketSet::from_overlapping(self.cubes.iter().map(|c| c.with(dim, lo, hi)).collect())
    }

    /// The set covered by boxes that may overlap: halves made disjoint, then joined, so
    /// that many boxes cost O(n log n) unions rather than one union per box.
    pub fn from_overlapping(mut cubes: Vec<Cube>) -> PacketSet {
        cubes.sort_unstable();
        cubes.dedup();
        fn join(cubes: &[Cube]) -> PacketSet {
            if cubes.len() <= 8 {
                let mut s = PacketSet::empty();
                for c in cubes {
                    s.union(&PacketSet::from_cube(*c));
                }
                return s;
            }
            let (a, b) = cubes.split_at(cubes.len() / 2);
            let mut s = join(a);
            s.union(&join(b));
            s
        }
        join(&cubes)
    }

    /// Swap source and destination addresses and ports (the reply direction).
    pub fn reversed(&self) -> PacketSet {
        let mut cubes: Vec<Cube> = self
            .cubes
            .iter()
            .map(|c| {
                let mut n = *c;
                n.0.swap(SRC, DST);
                let p = c.0[PROTO];
                if p == (PROTO_TCP as u32, PROTO_TCP as u32) || p == (PROTO_UDP as u32, PROTO_UDP as u32) {
                    n.0.swap(SPORT, DPORT);
                } else if p == (PROTO_ICMP as u32, PROTO_ICMP as u32) {
                    // Echo request (8) is answered by echo reply (0); other ICMP is not replied to.
                    if c.0[DPORT].0 >= 8 << 8 && c.0[DPORT].1 <= (8 << 8) | 255 {
                        n.0[DPORT] = (c.0[DPORT].0 - (8 << 8), c.0[DPORT].1 - (8 << 8));
                    }
                }
                n
            })
            .collect();
        cubes.sort();
        let mut s = PacketSet { cubes };
        s.normalize();
        s
    }

    /// Merge boxes that differ in one dimension only and touch there, dimension by dimension,
    /// until nothing merges (O(n log n) per round).
    pub fn normalize(&mut self) {
        if self.cubes.len() < 2 {
            return;
        }
        // Boxes of a disjoint set cannot merge along a dimension in which they all have the
        // same interval (they would have to be equal), so only the varying dimensions are
        // swept; with one varying dimension a single sweep is final.
        let first = self.cubes[0];
        let varying: Vec<usize> = (0..5).filter(|&d| self.cubes.iter().any(|c| c.0[d] != first.0[d])).collect();
        loop {
            let before = self.cubes.len();
            for &d in &varying {
                self.cubes.sort_unstable_by_key(|c| {
                    let mut k = c.0;
                    k.swap(d, 4);
                    if d < 4 {
                        k[d..4].rotate_left(1);
                    }
                    k
                });
                let mut out: Vec<Cube> = Vec::with_capacity(self.cubes.len());
                for c in self.cubes.drain(..) {
                    if let Some(last) = out.last_mut() {
                        let same_rest = (0..5).all(|k| k == d || last.0[k] == c.0[k]);
                        if same_rest && (c.0[d].0 as u64) <= last.0[d].1 as u64 + 1 {
                            last.0[d].1 = last.0[d].1.max(c.0[d].1);
                            continue;
                        }
                    }
                    out.push(c);
                }
                self.cubes = out;
            }
            if self.cubes.len() == before || self.cubes.len() < 2 || varying.len() < 2 {
                break;
            }
        }
        self.cubes.sort_unstable();
    }

    /// Split the set at single values of one dimension: for each of the sorted, distinct
    /// `points` the packets with exactly that value, and the packets with none of them.
    /// One sweep over the boxes, so it stays linear in the number of points.
    pub fn split_points(&self, dim: usize, points: &[u32]) -> (Vec<(u32, PacketSet)>, PacketSet) {
        let mut at: std::collections::BTreeMap<u32, Vec<Cube>> = std::collections::BTreeMap::new();
        let mut rest = Vec::new();
        for c in &self.cubes {
            let (lo, hi) = c.0[dim];
            let start = points.partition_point(|p| *p < lo);
            let mut next = lo as u64;
            for &p in points[start..].iter().take_while(|p| **p <= hi) {
                if (p as u64) > next {
                    rest.push(c.with(dim, next as u32, p - 1));
                }
                at.entry(p).or_default().push(c.with(dim, p, p));
                next = p as u64 + 1;
            }
            if next <= hi as u64 {
                rest.push(c.with(dim, next as u32, hi));
            }
        }
        let pieces = at
            .into_iter()
            .map(|(p, cubes)| {
                let mut s = PacketSet { cubes };
                s.normalize();
                (p, s)
            })
            .collect();
        let mut r = PacketSet { cubes: rest };
        r.normalize();
        (pieces, r)
    }

    /// Intervals of one dimension covered by the set, merged and sorted.
    pub fn project(&self, dim: usize) -> Vec<(u32, u32)> {
        let mut iv: Vec<(u32, u32)> = self.cubes.iter().map(|c| c.0[dim]).collect();
        merge_intervals(&mut iv);
        iv
    }

    /// One concrete packet of the set (the lowest corner of its first box).
    pub fn sample(&self) -> Option<[u32; 5]> {
        self.cubes.first().map(|c| [c.0[0].0, c.0[1].0, c.0[2].0, c.0[3].0, c.0[4].0])
    }

    pub fn add_disjoint_from(&mut self, other: PacketSet) {
        for c in other.cubes {
            self.push_disjoint(c);
        }
    }
}

/// Boxes sorted by their lowest destination address, with the running maximum of their
/// highest ones, so that the boxes whose destinations overlap a given box are found without
/// scanning them all (destinations are where the sets of a twin fragment: one interval per
/// address the twin owns).
struct DstIndex<'a> {
    cubes: Vec<&'a Cube>,
    max_hi: Vec<u32>,
}

impl<'a> DstIndex<'a> {
    fn new(cubes: &'a [Cube]) -> Self {
        let mut cubes: Vec<&Cube> = cubes.iter().collect();
        cubes.sort_unstable_by_key(|c| c.0[DST].0);
        let mut m = 0;
        let max_hi = cubes
            .iter()
            .map(|c| {
                m = m.max(c.0[DST].1);
                m
            })
            .collect();
        DstIndex { cubes, max_hi }
    }

    /// The boxes whose destination interval overlaps `x`'s.
    fn overlapping<'s>(&'s self, x: &Cube) -> impl Iterator<Item = &'a Cube> + 's {
        let (lo, hi) = x.0[DST];
        let end = self.cubes.partition_point(|c| c.0[DST].0 <= hi);
        (0..end).rev().take_while(move |&i| self.max_hi[i] >= lo).map(|i| self.cubes[i]).filter(move |c| c.0[DST].1 >= lo)
    }

    /// `x` without every indexed box: disjoint pieces.
    fn subtract_from(&self, x: Cube) -> Vec<Cube> {
        let mut pieces = vec![x];
        for c in self.overlapping(&x) {
            let mut next = Vec::with_capacity(pieces.len());
            for p in &pieces {
                p.subtract(c, &mut next);
            }
            pieces = next;
            if pieces.is_empty() {
                break;
            }
        }
        pieces
    }
}

/// Merge overlapping or adjacent intervals in place.
pub fn merge_intervals(iv: &mut Vec<(u32, u32)>) {
    iv.sort();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(iv.len());
    for &(lo, hi) in iv.iter() {
        if let Some(last) = out.last_mut() {
            if lo as u64 <= last.1 as u64 + 1 {
                last.1 = last.1.max(hi);
                continue;
            }
        }
        out.push((lo, hi));
    }
    *iv = out;
}

/// An address interval as CIDR text when it is one block, else `a-b`.
pub fn fmt_addr_range(lo: u32, hi: u32) -> String {
    if lo == hi {
        return Ipv4Addr::from(lo).to_string();
    }
    let size = (hi as u64) - (lo as u64) + 1;
    if size.is_power_of_two() && (lo as u64).is_multiple_of(size) {
        let prefix = 32 - size.trailing_zeros();
        return format!("{}/{}", Ipv4Addr::from(lo), prefix);
    }
    format!("{}-{}", Ipv4Addr::from(lo), Ipv4Addr::from(hi))
}

fn proto_name(p: u32) -> String {
    match p as u8 {
        PROTO_TCP => "tcp".into(),
        PROTO_UDP => "udp".into(),
        PROTO_ICMP => "icmp".into(),
        n => format!("proto-{n}"),
    }
}

impl fmt::Display for Cube {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [s, d, p, sp, dp] = self.0;
        let proto = if p == (0, 255) {
            "any protocol".to_string()
        } else if p.0 == p.1 {
            proto_name(p.0)
        } else {
            format!("protocols {}-{}", p.0, p.1)
        };
        write!(f, "{} -> {} {}", fmt_addr_range(s.0, s.1), fmt_addr_range(d.0, d.1), proto)?;
        let tcpudp = p.0 == p.1 && (p.0 == PROTO_TCP as u32 || p.0 == PROTO_UDP as u32);
        if tcpudp {
            if dp != (0, 65535) {
                write!(f, " dport {}", PortRange::new(dp.0 as u16, dp.1 as u16))?;
            }
            if sp != (0, 65535) {
                write!(f, " sport {}", PortRange::new(sp.0 as u16, sp.1 as u16))?;
            }
        } else if p.0 == p.1 && p.0 == PROTO_ICMP as u32 && dp != (0, 65535) {
            write!(f, " type {}-{}", dp.0 >> 8, dp.1 >> 8)?;
        }
        Ok(())
    }
}

impl fmt::Display for PacketSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cubes.is_empty() {
            return write!(f, "(nothing)");
        }
        let shown: Vec<String> = self.cubes.iter().take(4).map(|c| c.to_string()).collect();
        write!(f, "{}", shown.join("; "))?;
        if self.cubes.len() > 4 {
            write!(f, "; … ({} boxes)", self.cubes.len())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_cube() -> impl Strategy<Value = Cube> {
        let iv = |max: u32| (0..=max, 0..=max).prop_map(|(a, b)| (a.min(b), a.max(b)));
        (iv(40), iv(40), iv(3), iv(5), iv(5)).prop_map(|(a, b, c, d, e)| Cube([a, b, c, d, e]))
    }

    fn member(s: &PacketSet, p: [u32; 5]) -> bool {
        s.cubes().iter().any(|c| (0..5).all(|d| c.0[d].0 <= p[d] && p[d] <= c.0[d].1))
    }

    proptest! {
        #[test]
        fn set_algebra_matches_membership(a in proptest::collection::vec(arb_cube(), 1..4), b in proptest::collection::vec(arb_cube(), 1..4), p in (0u32..=40, 0u32..=40, 0u32..=3, 0u32..=5, 0u32..=5)) {
            let mut sa = PacketSet::empty();
            for c in &a { sa.union(&PacketSet::from_cube(*c)); }
            let mut sb = PacketSet::empty();
            for c in &b { sb.union(&PacketSet::from_cube(*c)); }
            let p = [p.0, p.1, p.2, p.3, p.4];
            let in_a = a.iter().any(|c| member(&PacketSet::from_cube(*c), p));
            let in_b = b.iter().any(|c| member(&PacketSet::from_cube(*c), p));
            prop_assert_eq!(member(&sa, p), in_a);
            prop_assert_eq!(member(&sa.intersect(&sb), p), in_a && in_b);
            prop_assert_eq!(member(&sa.subtract(&sb), p), in_a && !in_b);
            let mut u = sa.clone();
            u.union(&sb);
            prop_assert_eq!(member(&u, p), in_a || in_b);
            // boxes stay disjoint
            let cs = u.cubes();
            for i in 0..cs.len() { for j in (i+1)..cs.len() { prop_assert!(cs[i].intersect(&cs[j]).is_none()); } }
        }
    }

    #[test]
    fn reply_of_tcp_swaps_ports_and_addresses() {
        let c = Cube::ALL.with(SRC, 1, 1).with(DST, 2, 2).with(PROTO, 6, 6).with(SPORT, 1024, 65535).with(DPORT, 443, 443);
        let r = PacketSet::from_cube(c).reversed();
        assert_eq!(
            r.cubes()[0],
            Cube::ALL.with(SRC, 2, 2).with(DST, 1, 1).with(PROTO, 6, 6).with(SPORT, 443, 443).with(DPORT, 1024, 65535)
        );
    }

    #[test]
    fn split_points_partitions_the_set() {
        let s = PacketSet::from_cube(Cube::ALL.with(DST, 10, 20).with(PROTO, 6, 6));
        let (at, rest) = s.split_points(DST, &[5, 12, 15, 20, 30]);
        let pts: Vec<u32> = at.iter().map(|(p, _)| *p).collect();
        assert_eq!(pts, vec![12, 15, 20]);
        assert_eq!(rest.project(DST), vec![(10, 11), (13, 14), (16, 19)]);
        let mut all = rest.clone();
        for (_, p) in &at {
            all.union(p);
        }
        assert_eq!(all, s);
    }

    #[test]
    fn ranges_print_as_cidrs() {
        assert_eq!(fmt_addr_range(0x0a000000, 0x0affffff), "10.0.0.0/8");
        assert_eq!(fmt_addr_range(1, 2), "0.0.0.1-0.0.0.2");
    }
}
