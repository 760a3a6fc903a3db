//! `reach`: can packets from one endpoint reach another, along which hops, and where does the
//! rest stop? Forward paths are traced symbolically, then the replies of what arrived are
//! traced back (security groups stateful, network ACLs and routes evaluated again, NAT
//! translations undone): a path counts only when its replies return.

use crate::forward::{Engine, Session};
use crate::space::{Cube, PacketSet, DPORT, PROTO, SPORT, SRC};
use crate::spec::Spec;
use crate::trace::{Collect, Hop, HopType, Leaf, Outcome};
use koban_model::{PROTO_ICMP, PROTO_TCP, PROTO_UDP};
use serde::Serialize;
use std::collections::BTreeMap;

/// Which traffic a query is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    All,
    Tcp,
    Udp,
    Icmp,
}

impl Protocol {
    pub fn parse(s: &str) -> Option<Protocol> {
        match s.to_ascii_lowercase().as_str() {
            "all" | "any" | "-1" => Some(Protocol::All),
            "tcp" => Some(Protocol::Tcp),
            "udp" => Some(Protocol::Udp),
            "icmp" => Some(Protocol::Icmp),
            _ => None,
        }
    }
}

/// Client source ports assumed for TCP and UDP (the ephemeral range NAT gateways use).
pub const EPHEMERAL: (u32, u32) = (1024, 65535);

/// The packets of a query: protocol, destination port (TCP/UDP) and ephemeral source ports.
pub fn traffic(protocol: Protocol, port: Option<u16>) -> PacketSet {
    let tcp_udp = |p: u8| {
        let c = Cube::ALL.with(PROTO, p as u32, p as u32).with(SPORT, EPHEMERAL.0, EPHEMERAL.1);
        match port {
            Some(x) => c.with(DPORT, x as u32, x as u32),
            None => c,
        }
    };
    let mut s = PacketSet::empty();
    match protocol {
        Protocol::Tcp => s.union(&PacketSet::from_cube(tcp_udp(PROTO_TCP))),
        Protocol::Udp => s.union(&PacketSet::from_cube(tcp_udp(PROTO_UDP))),
        Protocol::Icmp => s.union(&PacketSet::from_cube(Cube::ALL.with(PROTO, PROTO_ICMP as u32, PROTO_ICMP as u32))),
        Protocol::All => {
            s.union(&PacketSet::from_cube(tcp_udp(PROTO_TCP)));
            s.union(&PacketSet::from_cube(tcp_udp(PROTO_UDP)));
            s.union(&PacketSet::from_cube(Cube::ALL.with(PROTO, 0, PROTO_TCP as u32 - 1)));
            s.union(&PacketSet::from_cube(Cube::ALL.with(PROTO, PROTO_TCP as u32 + 1, PROTO_UDP as u32 - 1)));
            s.union(&PacketSet::from_cube(Cube::ALL.with(PROTO, PROTO_UDP as u32 + 1, 255)));
        }
    }
    s
}

/// Where a walk starts.
#[derive(Debug, Clone)]
pub(crate) enum Start<'t> {
    Interface(&'t koban_model::NetworkInterface),
    SubnetHost(&'t koban_model::Subnet),
    Internet,
    Network(&'t koban_model::ExternalNetwork),
}

#[derive(Debug, Clone, Serialize)]
pub struct PathAnswer {
    /// Packets that take this path (a summary of the set).
    pub packets: String,
    pub hops: Vec<Hop>,
    /// True when the path crosses an inspection appliance (Gateway Load Balancer endpoint).
    pub inspected: bool,
    /// The path the replies take back.
    pub reply_hops: Vec<Hop>,
    /// True when the replies cross an inspection appliance too.
    pub reply_inspected: bool,
    pub ends: Outcome,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlockedAnswer {
    pub at: String,
    pub reason: String,
    /// `forward` or `reply`.
    pub direction: &'static str,
    pub packets: String,
    /// Resource ids of the hops before the stop.
    pub hops: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReachAnswer {
    pub schema: &'static str,
    pub from: String,
    pub to: String,
    pub protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub reachable: bool,
    pub paths: Vec<PathAnswer>,
    pub blocked: Vec<BlockedAnswer>,
    pub unknowns: Vec<String>,
}

/// True when a leaf ends where the query's destination is.
fn matches_target(outcome: &Outcome, to: &Spec, twin: &koban_model::Twin) -> bool {
    match (outcome, to) {
        (Outcome::Delivered { interface, .. }, Spec::Instance(_) | Spec::Interface(_)) => {
            to.interfaces(twin).iter().any(|e| &e.id == interface)
        }
        (Outcome::Delivered { interface, .. }, Spec::Subnet(s)) => {
            twin.network_interfaces.get(interface).map(|e| &e.subnet == s).unwrap_or(false)
        }
        (Outcome::Delivered { interface, .. }, Spec::Vpc(v)) => {
            twin.network_interfaces.get(interface).map(|e| &e.vpc == v).unwrap_or(false)
        }
        (Outcome::Delivered { .. } | Outcome::Exited { .. }, Spec::Cidr(_)) => true,
        (Outcome::Exited { to: t }, Spec::Internet) => t == "internet",
        (Outcome::Exited { to: t }, Spec::Network(n)) => t == &format!("network:{n}"),
        _ => false,
    }
}

/// True when a reply leaf came back to where the query started.
fn returns_to_origin(outcome: &Outcome, start: &Start) -> bool {
    match (outcome, start) {
        (Outcome::Delivered { interface, .. }, Start::Interface(e)) => interface == &e.id,
        (Outcome::Exited { to }, Start::Internet) => to == "internet",
        (Outcome::Exited { to }, Start::Network(n)) => to == &format!("network:{}", n.name),
        _ => false,
    }
}

fn hop_ids(hops: &[Hop]) -> Vec<String> {
    hops.iter().map(|h| h.resource.clone()).collect()
}

fn blocked_of(leaf: &Leaf, direction: &'static str) -> Option<BlockedAnswer> {
    match &leaf.outcome {
        Outcome::Blocked { at, reason } => Some(BlockedAnswer {
            at: at.clone(),
            reason: reason.clone(),
            direction,
            packets: leaf.set.to_string(),
            hops: hop_ids(&leaf.path.hops),
        }),
        _ => None,
    }
}

fn starts<'t>(engine: &Engine<'t>, from: &Spec, traffic: &PacketSet) -> (Vec<(Start<'t>, PacketSet)>, Vec<String>) {
    let twin = engine.ix.twin;
    let mut notes = Vec::new();
    let mut out = Vec::new();
    let with_src = |ips: &[std::net::Ipv4Addr]| {
        let mut s = PacketSet::empty();
        for ip in ips {
            let v = u32::from(*ip);
            s.union(&traffic.restrict(SRC, v, v));
        }
        s
    };
    match from {
        Spec::Internet => {
            let src = from.source_space_with(twin, &engine.ix.own_public_ips);
            out.push((Start::Internet, traffic.intersect(&src)));
        }
        Spec::Network(n) => {
            if let Some(net) = twin.networks.get(n) {
                let src = from.source_space_with(twin, &engine.ix.own_public_ips);
                out.push((Start::Network(net), traffic.intersect(&src)));
            }
        }
        Spec::Instance(_) | Spec::Interface(_) => {
            for e in from.interfaces(twin) {
                out.push((Start::Interface(e), with_src(&e.private_ips)));
            }
        }
        Spec::Subnet(s) => {
            if let Some(sub) = twin.subnets.get(s) {
                let src = sub.cidr.map(|c| {
                    let (lo, hi) = crate::space::net_range(&c);
                    traffic.restrict(SRC, lo, hi)
                });
                notes.push(format!("{s}: the source is a host in the subnet with no security group; its return traffic is not checked"));
                out.push((Start::SubnetHost(sub), src.unwrap_or_default()));
            }
        }
        Spec::Vpc(v) => {
            notes.push(format!("{v}: the source is a host in each subnet with no security group; its return traffic is not checked"));
            for sub in twin.subnets.values().filter(|s| &s.vpc == v) {
                if let Some(c) = sub.cidr {
                    let (lo, hi) = crate::space::net_range(&c);
                    out.push((Start::SubnetHost(sub), traffic.restrict(SRC, lo, hi)));
                }
            }
        }
        Spec::Cidr(n) => {
            let enis = from.interfaces(twin);
            if !enis.is_empty() {
                for e in enis {
                    let ips: Vec<_> = e.private_ips.iter().copied().filter(|ip| n.contains(ip)).collect();
                    out.push((Start::Interface(e), with_src(&ips)));
                }
            } else if let Some(sub) = twin.subnets.values().find(|s| s.cidr.map(|c| c.contains(&n.network())).unwrap_or(false)) {
                let (lo, hi) = crate::space::net_range(n);
                notes.push(format!("{n}: no interface owns it; traced as a host in {} with no security group", sub.id));
                out.push((Start::SubnetHost(sub), traffic.restrict(SRC, lo, hi)));
            } else {
                let (lo, hi) = crate::space::net_range(n);
                notes.push(format!("{n}: not inside the twin; traced as arriving from the internet"));
                let src = traffic.restrict(SRC, lo, hi);
                out.push((Start::Internet, src));
            }
        }
    }
    (out, notes)
}

/// Whether some packet of a query makes the round trip — [`reach`]'s `reachable` without
/// its paths and evidence. A query to the internet first tries one stretch of internet
/// addresses ([`crate::index::Index::internet_sample`]): a round trip there settles it; only
/// when none returns is the whole internet traced.
pub fn reaches(engine: &Engine, from: &Spec, to: &Spec, protocol: Protocol, port: Option<u16>) -> bool {
    let base = traffic(protocol, port);
    if let (Spec::Internet, Some((lo, hi))) = (to, engine.ix.internet_sample) {
        if round_trip(engine, from, to, &base.restrict(crate::space::DST, lo, hi)) {
            return true;
        }
    }
    let dst = to.destination_with(engine.ix.twin, &engine.ix.own_public_ips, matches!(from, Spec::Internet));
    round_trip(engine, from, to, &base.intersect(&dst))
}

/// Trace `set` forward from `start` into `sink`.
fn walk_from<S: crate::trace::Sink>(engine: &Engine, sink: &mut S, start: &Start, set: &PacketSet) {
    let mut walk = engine.walk(sink, None);
    match start {
        Start::Interface(e) => walk.from_interface(e, set),
        Start::SubnetHost(s) => walk.from_subnet_host(s, set),
        Start::Internet => walk.from_internet(set),
        Start::Network(n) => walk.from_network(n, set),
    }
}

/// True when some packet of `set` from `from` arrives at `to` and its reply returns (a path
/// from a subnet host counts on arrival, as in [`reach`]).
fn round_trip(engine: &Engine, from: &Spec, to: &Spec, set: &PacketSet) -> bool {
    let (starts, _) = starts(engine, from, set);
    for (start, set) in &starts {
        if set.is_empty() {
            continue;
        }
        let mut sink = RoundTripSink { engine, start, to, found: false };
        walk_from(engine, &mut sink, start, set);
        if sink.found {
            return true;
        }
    }
    false
}

/// Settles [`round_trip`] on the first arrival at the target whose reply returns (or, from a
/// subnet host, the first arrival), and stops the walk there.
struct RoundTripSink<'e, 's, 't> {
    engine: &'e Engine<'t>,
    start: &'s Start<'t>,
    to: &'s Spec,
    found: bool,
}

impl crate::trace::Sink for RoundTripSink<'_, '_, '_> {
    fn leaf(&mut self, path: &crate::trace::PathState, set: &PacketSet, outcome: Outcome) {
        if self.found || matches!(outcome, Outcome::Blocked { .. }) || !matches_target(&outcome, self.to, self.engine.ix.twin) {
            return;
        }
        self.found = matches!(self.start, Start::SubnetHost(..))
            || replies(self.engine, path, set, &outcome, self.start, ReplyDetail::AnyReturn).first.is_some();
    }

    fn descend(&mut self, _path: &crate::trace::PathState) -> bool {
        !self.found
    }
}

/// Answer one reachability query.
pub fn reach(
    engine: &Engine,
    from: &Spec,
    to: &Spec,
    protocol: Protocol,
    port: Option<u16>,
    from_text: &str,
    to_text: &str,
) -> ReachAnswer {
    let twin = engine.ix.twin;
    let base = traffic(protocol, port);
    let dst = to.destination_with(twin, &engine.ix.own_public_ips, matches!(from, Spec::Internet));
    let (starts, notes) = starts(engine, from, &base.intersect(&dst));
    let mut paths = Vec::new();
    let mut blocked = Vec::new();
    let mut unknowns: Vec<String> = notes;
    if matches!(to, Spec::Instance(_) | Spec::Interface(_)) && dst.is_empty() {
        let why = if matches!(from, Spec::Internet) {
            "has no public IPv4 address: nothing on the internet can address it"
        } else {
            "has no live network interface"
        };
        blocked.push(BlockedAnswer {
            at: to_text.to_string(),
            reason: format!("{to_text} {why}"),
            direction: "forward",
            packets: "(nothing)".into(),
            hops: vec![],
        });
    }
    for (start, set) in &starts {
        if set.is_empty() {
            continue;
        }
        let mut sink = Collect::default();
        walk_from(engine, &mut sink, start, set);
        for leaf in &sink.leaves {
            unknowns.extend(leaf.path.unknowns.iter().cloned());
            if let Some(b) = blocked_of(leaf, "forward") {
                blocked.push(b);
                continue;
            }
            if !matches_target(&leaf.outcome, to, twin) {
                let end = match &leaf.outcome {
                    Outcome::Delivered { owner, .. } => owner.clone(),
                    Outcome::Exited { to } => to.clone(),
                    Outcome::Blocked { at, .. } => at.clone(),
                };
                blocked.push(BlockedAnswer {
                    at: end.clone(),
                    reason: format!("ends at {end}, not at {to_text}"),
                    direction: "forward",
                    packets: leaf.set.to_string(),
                    hops: hop_ids(&leaf.path.hops),
                });
                continue;
            }
            if matches!(start, Start::SubnetHost(..)) {
                paths.push(PathAnswer {
                    packets: leaf.set.to_string(),
                    inspected: inspected(&leaf.path.hops),
                    hops: leaf.path.hops.clone(),
                    reply_hops: vec![],
                    reply_inspected: false,
                    ends: leaf.outcome.clone(),
                });
                continue;
            }
            let r = replies(engine, &leaf.path, &leaf.set, &leaf.outcome, start, ReplyDetail::WithBlocked);
            let (reply, reply_blocked, reply_unknowns) = (r.first, r.blocked, r.unknowns);
            unknowns.extend(reply_unknowns);
            blocked.extend(reply_blocked);
            if let Some(reply_hops) = reply {
                paths.push(PathAnswer {
                    packets: leaf.set.to_string(),
                    inspected: inspected(&leaf.path.hops),
                    hops: leaf.path.hops.clone(),
                    reply_inspected: inspected(&reply_hops),
                    reply_hops,
                    ends: leaf.outcome.clone(),
                });
            }
        }
    }
    unknowns.extend(damaged_on_paths(twin, &paths, &blocked));
    unknowns.extend(twin.unknowns.iter().map(|u| format!("{}: {}", u.resource, u.reason)));
    unknowns.sort();
    unknowns.dedup();
    ReachAnswer {
        schema: "koban/reach/v1",
        from: from_text.to_string(),
        to: to_text.to_string(),
        protocol: match protocol {
            Protocol::All => "all",
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
        }
        .into(),
        port,
        reachable: !paths.is_empty(),
        paths,
        blocked: group_blocked(blocked),
        unknowns,
    }
}

/// What the replies of one delivered leaf did.
pub(crate) struct Replies {
    /// Forward packets (origin's view) whose replies returned.
    pub ok: PacketSet,
    /// Hops of the first reply that returned.
    pub first: Option<Vec<Hop>>,
    pub blocked: Vec<BlockedAnswer>,
    pub unknowns: Vec<String>,
}

/// How much of the replies a caller needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplyDetail {
    /// Whether one reply returns: the reply walk stops at the first.
    AnyReturn,
    /// What returned, the first reply's hops and the unknowns met.
    Returned,
    /// As `Returned`, and where each other reply stopped.
    WithBlocked,
}

/// Collects reply ends: what returned to the origin, and (when asked) where the rest stopped.
struct ReplySink<'s, 't> {
    start: &'s Start<'t>,
    detail: ReplyDetail,
    out: Replies,
}

impl<'s, 't> crate::trace::Sink for ReplySink<'s, 't> {
    fn leaf(&mut self, path: &crate::trace::PathState, set: &PacketSet, outcome: Outcome) {
        for u in &path.unknowns {
            if !self.out.unknowns.contains(u) {
                self.out.unknowns.push(u.clone());
            }
        }
        if returns_to_origin(&outcome, self.start) {
            self.out.ok.union(&set.reversed());
            if self.out.first.is_none() {
                self.out.first = Some(path.hops.clone());
            }
            return;
        }
        if self.detail != ReplyDetail::WithBlocked {
            return;
        }
        let (at, reason) = match &outcome {
            Outcome::Blocked { at, reason } => (at.clone(), reason.clone()),
            Outcome::Delivered { owner, .. } => (owner.clone(), format!("the reply ends at {owner}, not at the origin")),
            Outcome::Exited { to } => (to.clone(), format!("the reply ends at {to}, not at the origin")),
        };
        self.out.blocked.push(BlockedAnswer { at, reason, direction: "reply", packets: set.to_string(), hops: hop_ids(&path.hops) });
    }

    fn descend(&mut self, _path: &crate::trace::PathState) -> bool {
        self.detail != ReplyDetail::AnyReturn || self.out.first.is_none()
    }
}

/// Trace the replies of packets `set` that ended as `outcome` after `path`, back to the origin
/// (security groups of the two ends stateful, NAT translations undone).
pub(crate) fn replies(
    engine: &Engine,
    path: &crate::trace::PathState,
    set: &PacketSet,
    outcome: &Outcome,
    start: &Start,
    detail: ReplyDetail,
) -> Replies {
    let twin = engine.ix.twin;
    let mut session = Session::default();
    if let Start::Interface(e) = start {
        session.stateful_interfaces.insert(e.id.clone());
    }
    if let Outcome::Delivered { interface, .. } = outcome {
        session.stateful_interfaces.insert(interface.clone());
    }
    session.translations = path.translations.clone();
    let reply = set.reversed();
    let mut sink =
        ReplySink { start, detail, out: Replies { ok: PacketSet::empty(), first: None, blocked: Vec::new(), unknowns: Vec::new() } };
    {
        let mut walk = engine.walk(&mut sink, Some(&session));
        match outcome {
            Outcome::Delivered { interface, .. } => {
                if let Some(e) = twin.network_interfaces.get(interface) {
                    walk.from_interface(e, &reply);
                }
            }
            Outcome::Exited { to } if to == "internet" => walk.from_internet(&reply),
            Outcome::Exited { to } if to.starts_with("aws-service:") => {
                let endpoint = path
                    .hops
                    .iter()
                    .rev()
                    .find(|h| h.hop_type == HopType::GatewayEndpoint)
                    .and_then(|h| twin.vpc_endpoints.get(&h.resource));
                if let Some(ep) = endpoint {
                    walk.from_gateway_endpoint(ep, &reply);
                }
            }
            Outcome::Exited { to } => {
                if let Some(n) = to.strip_prefix("network:").and_then(|n| twin.networks.get(n)) {
                    walk.from_network(n, &reply);
                }
            }
            Outcome::Blocked { .. } => {}
        }
    }
    sink.out
}

/// True when the hops cross an inspection appliance.
pub fn inspected(hops: &[Hop]) -> bool {
    hops.iter().any(|h| h.hop_type == HopType::InspectionAppliance)
}

fn damaged_on_paths(twin: &koban_model::Twin, paths: &[PathAnswer], blocked: &[BlockedAnswer]) -> Vec<String> {
    let mut touched: Vec<&str> = Vec::new();
    for p in paths {
        touched.extend(p.hops.iter().map(|h| h.resource.as_str()));
        touched.extend(p.hops.iter().filter_map(|h| h.interface.as_deref()));
    }
    for b in blocked {
        touched.extend(b.hops.iter().map(String::as_str));
        touched.push(b.at.as_str());
    }
    let mut out = Vec::new();
    for d in &twin.diagnostics {
        if let Some(r) = &d.resource {
            if touched.contains(&r.as_str()) {
                out.push(format!("{r}: input problem at {}: {}", d.origin, d.message));
            }
        }
    }
    out
}

/// Merge blocked parts that stopped at the same place for the same reason.
fn group_blocked(blocked: Vec<BlockedAnswer>) -> Vec<BlockedAnswer> {
    let mut groups: BTreeMap<(String, String, &'static str), BlockedAnswer> = BTreeMap::new();
    for b in blocked {
        groups.entry((b.at.clone(), b.reason.clone(), b.direction)).or_insert(b);
    }
    groups.into_values().collect()
}
