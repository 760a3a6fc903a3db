//! `koban resolve`: which resolver answers a name asked from an instance, interface, subnet
//! or VPC, the rule or zone that decided, the records a private hosted zone holds for it,
//! and — for forwarded names — the path of the DNS queries from each address of the
//! outbound endpoint to each target, over UDP and TCP, with where they stop.
//!
//! Queries to the VPC resolver itself (VPC base + 2, 169.254.169.253) need no path: the
//! Amazon VPC User Guide states that security groups and network ACLs do not filter
//! traffic to or from the Amazon DNS server.

use crate::decide::{decide, zone_answer, Decision, DecisionKind};
use koban_model as m;
use koban_net::reach::{reach, BlockedAnswer, Protocol};
use koban_net::spec::Spec;
use koban_net::trace::Hop;
use koban_net::Engine;
use serde::Serialize;
use std::net::Ipv4Addr;

/// Why a query could not be asked.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResolveError {
    #[error("--from {0:?}: {1}")]
    Source(String, String),
    #[error("--from {0:?}: a DNS query is asked from inside a VPC: expected an instance, network interface, subnet or VPC id (or an address an interface owns)")]
    NotInVpc(String),
    #[error("--name {0:?}: expected a domain name such as app.corp.example.com")]
    Name(String),
}

/// How the query ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Forwarded: at least one target answers over UDP from an endpoint address.
    Forwarded,
    /// Forwarded, but no target can be reached from any endpoint address: SERVFAIL.
    Unreachable,
    /// A FORWARD rule whose outbound endpoint is missing, not operational or has no
    /// address the snapshot shows: the query cannot leave.
    NoEndpoint,
    /// A private hosted zone (or the VPC's own EC2 names) answers with records.
    Answered,
    /// A private hosted zone answers authoritatively that the name does not exist.
    Nxdomain,
    /// A private hosted zone answers; its records are not in the snapshot.
    ZoneAnswers,
    /// Public DNS answers through the VPC resolver (outside the twin).
    PublicDns,
}

/// One query path: from one endpoint address to one target over one protocol.
#[derive(Debug, Clone, Serialize)]
pub struct QueryPath {
    /// The endpoint address the query leaves from.
    pub source_ip: Option<Ipv4Addr>,
    /// The endpoint's network interface for that address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    pub subnet: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    pub target: Ipv4Addr,
    pub port: u16,
    /// `udp` or `tcp`.
    pub protocol: &'static str,
    pub reachable: bool,
    /// True when the query crosses an inspection appliance.
    pub inspected: bool,
    pub hops: Vec<Hop>,
    pub reply_hops: Vec<Hop>,
    pub blocked: Vec<BlockedAnswer>,
}

/// The forwarding of a query by a FORWARD rule.
#[derive(Debug, Clone, Serialize)]
pub struct Forwarding {
    pub rule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<String>,
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_vpc: Option<String>,
    pub targets: Vec<m::ResolverTarget>,
    pub paths: Vec<QueryPath>,
    /// What keeps the forwarding from working, in words.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResolveAnswer {
    pub schema: &'static str,
    pub from: String,
    pub name: String,
    pub vpc: String,
    pub outcome: Outcome,
    /// Who answers, in words.
    pub answered_by: String,
    pub decision: Decision,
    /// The private hosted zone's records for the name (CNAMEs followed inside the zone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<Vec<m::ResourceRecordSet>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarding: Option<Forwarding>,
    pub unknowns: Vec<String>,
}

impl ResolveAnswer {
    /// True when the name does not resolve (NXDOMAIN, or forwarding that cannot work).
    pub fn fails(&self) -> bool {
        matches!(self.outcome, Outcome::Unreachable | Outcome::NoEndpoint | Outcome::Nxdomain)
    }
}

fn source_vpc<'t>(twin: &'t m::Twin, from: &str) -> Result<&'t m::Vpc, ResolveError> {
    let spec = Spec::parse(from, twin).map_err(|e| ResolveError::Source(from.into(), e.to_string()))?;
    let vpc_id = match &spec {
        Spec::Instance(i) => {
            twin.instances.get(i).and_then(|x| x.vpc.clone()).or_else(|| spec.interfaces(twin).first().map(|e| e.vpc.clone()))
        }
        Spec::Interface(e) => twin.network_interfaces.get(e).map(|e| e.vpc.clone()),
        Spec::Subnet(s) => twin.subnets.get(s).map(|s| s.vpc.clone()),
        Spec::Vpc(v) => Some(v.clone()),
        Spec::Cidr(_) => spec.interfaces(twin).first().map(|e| e.vpc.clone()),
        Spec::Internet | Spec::Network(_) => None,
    };
    let id = vpc_id.ok_or_else(|| ResolveError::NotInVpc(from.into()))?;
    twin.vpcs.get(&id).ok_or_else(|| ResolveError::Source(from.into(), format!("its VPC {id} is not in the snapshot")))
}

fn valid_name(name: &str) -> bool {
    let n = name.trim().trim_end_matches('.');
    !n.is_empty()
        && n.len() <= 253
        && n.split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '*'))
}

/// The endpoint's network interface for one of its addresses.
fn endpoint_interface<'t>(twin: &'t m::Twin, endpoint: &str, a: &m::ResolverEndpointAddress) -> Option<&'t m::NetworkInterface> {
    let ip = a.ip?;
    let candidates = || twin.network_interfaces.values().filter(move |e| e.subnet == a.subnet && e.private_ips.contains(&ip));
    candidates().find(|e| matches!(&e.owner, m::EniOwner::ResolverEndpoint(id) if id == endpoint)).or_else(|| candidates().next())
}

/// Trace the queries of a FORWARD rule from every endpoint address to every target.
pub fn forward(engine: &Engine, rule: &m::ResolverRule, unknowns: &mut Vec<String>) -> Forwarding {
    let twin = engine.ix.twin;
    let mut f = Forwarding {
        rule: rule.id.clone(),
        rule_name: rule.name.clone(),
        endpoint: rule.resolver_endpoint.clone(),
        endpoint_vpc: None,
        targets: rule.targets.clone(),
        paths: Vec::new(),
        problems: Vec::new(),
    };
    let Some(ep_id) = &rule.resolver_endpoint else {
        f.problems.push(format!("{} names no outbound endpoint", rule.id));
        return f;
    };
    let Some(ep) = twin.dns.resolver_endpoints.get(ep_id) else {
        f.problems.push(format!("outbound endpoint {ep_id} is not in the snapshot"));
        unknowns.push(format!("{ep_id}: the outbound endpoint of {} is not in the snapshot", rule.id));
        return f;
    };
    f.endpoint_vpc = Some(ep.vpc.clone());
    if ep.direction != m::ResolverDirection::Outbound {
        f.problems.push(format!("{ep_id} is an inbound endpoint: forwarding rules need an outbound endpoint"));
        return f;
    }
    if !ep.is_operational() {
        f.problems.push(format!("{ep_id} is {}, not OPERATIONAL", ep.status.as_deref().unwrap_or("unknown")));
        return f;
    }
    if !ep.addresses_known {
        unknowns.push(format!("{ep_id}: its addresses are not in the snapshot (list-resolver-endpoint-ip-addresses)"));
        f.problems.push(format!("the addresses of {ep_id} are not in the snapshot"));
        return f;
    }
    for t in rule.targets.iter().filter(|t| t.ip.is_none()) {
        unknowns.push(format!("{}: IPv6 target {} is not analysed", rule.id, t.ipv6.as_deref().unwrap_or("(none)")));
    }
    for a in ep.addresses.iter().filter(|a| a.is_attached()) {
        let eni = endpoint_interface(twin, ep_id, a);
        if eni.is_none() {
            unknowns.push(format!(
                "{ep_id}: no network interface in the snapshot holds its address {} in {} (describe-network-interfaces)",
                a.ip.map(|i| i.to_string()).unwrap_or_else(|| "(none)".into()),
                a.subnet
            ));
        }
        for t in &rule.targets {
            let Some(target) = t.ip else { continue };
            for (proto, name) in [(Protocol::Udp, "udp"), (Protocol::Tcp, "tcp")] {
                let mut p = QueryPath {
                    source_ip: a.ip,
                    interface: eni.map(|e| e.id.clone()),
                    subnet: a.subnet.clone(),
                    availability_zone: twin.subnets.get(&a.subnet).and_then(|s| s.availability_zone.clone()),
                    target,
                    port: t.port,
                    protocol: name,
                    reachable: false,
                    inspected: false,
                    hops: Vec::new(),
                    reply_hops: Vec::new(),
                    blocked: Vec::new(),
                };
                if let Some(e) = eni {
                    let to = Spec::Cidr(ipnet::Ipv4Net::from(target));
                    let from = Spec::Interface(e.id.clone());
                    let r = reach(engine, &from, &to, proto, Some(t.port), &e.id, &target.to_string());
                    p.reachable = r.reachable;
                    if let Some(first) = r.paths.first() {
                        p.inspected = first.inspected;
                        p.hops = first.hops.clone();
                        p.reply_hops = first.reply_hops.clone();
                    }
                    p.blocked = r.blocked;
                    unknowns.extend(r.unknowns);
                }
                f.paths.push(p);
            }
        }
    }
    if f.paths.is_empty() {
        f.problems.push(format!("{ep_id} has no attached address with a target to send to"));
    }
    for p in f.paths.iter().filter(|p| !p.reachable) {
        let why =
            p.blocked.first().map(|b| format!("{} ({})", b.at, b.reason)).unwrap_or_else(|| "no network interface to trace from".into());
        f.problems.push(format!(
            "{}/{} to {}:{} from {} ({}): blocked at {why}",
            p.protocol,
            p.port,
            p.target,
            p.port,
            p.source_ip.map(|i| i.to_string()).unwrap_or_default(),
            p.subnet
        ));
    }
    f
}

/// Answer one `koban resolve` question.
pub fn resolve(engine: &Engine, from: &str, name: &str) -> Result<ResolveAnswer, ResolveError> {
    let twin = engine.ix.twin;
    if !valid_name(name) {
        return Err(ResolveError::Name(name.into()));
    }
    let vpc = source_vpc(twin, from)?;
    let decision = decide(twin, vpc, name);
    let mut unknowns = decision.unknowns.clone();
    let resolver = decision.resolver.addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" / ");
    let mut records = None;
    let mut forwarding = None;
    let zone_outcome = |zone: Option<&String>, records: &mut Option<Vec<m::ResourceRecordSet>>| -> (Outcome, String) {
        let Some(z) = zone.and_then(|z| twin.dns.hosted_zones.get(z)) else {
            return (Outcome::PublicDns, format!("public DNS, resolved recursively by the VPC resolver ({resolver})"));
        };
        let who = format!("private hosted zone {} ({}) through the VPC resolver ({resolver})", z.name, z.id);
        match zone_answer(z, &decision.name) {
            None => (Outcome::ZoneAnswers, who),
            Some(rs) if rs.is_empty() => {
                *records = Some(rs);
                (Outcome::Nxdomain, format!("{who}: NXDOMAIN, the zone has no record for {}", decision.name))
            }
            Some(rs) => {
                *records = Some(rs);
                (Outcome::Answered, who)
            }
        }
    };
    let (outcome, answered_by) = match decision.kind {
        DecisionKind::ForwardRule => {
            let rule = decision.rule.as_ref().and_then(|r| twin.dns.resolver_rules.get(r));
            match rule {
                Some(rule) => {
                    let f = forward(engine, rule, &mut unknowns);
                    let targets: Vec<String> = rule.targets.iter().filter_map(|t| t.ip.map(|i| format!("{i}:{}", t.port))).collect();
                    let via = f.endpoint.clone().unwrap_or_else(|| "(no endpoint)".into());
                    let udp_ok = f.paths.iter().any(|p| p.reachable && p.protocol == "udp");
                    let outcome = if f.paths.is_empty() {
                        Outcome::NoEndpoint
                    } else if udp_ok {
                        Outcome::Forwarded
                    } else {
                        Outcome::Unreachable
                    };
                    forwarding = Some(f);
                    (outcome, format!("resolvers on your network ({}) through outbound endpoint {via}", targets.join(", ")))
                }
                None => (Outcome::NoEndpoint, "a forwarding rule that is not in the snapshot".to_string()),
            }
        }
        DecisionKind::PrivateHostedZone => zone_outcome(decision.zone.as_ref(), &mut records),
        DecisionKind::SystemRule => match decision.local {
            Some(DecisionKind::PrivateHostedZone) => zone_outcome(decision.zone.as_ref(), &mut records),
            Some(DecisionKind::Autodefined) => (Outcome::Answered, format!("the VPC resolver ({resolver}): the VPC's own EC2 names")),
            _ => (Outcome::PublicDns, format!("public DNS, resolved recursively by the VPC resolver ({resolver})")),
        },
        DecisionKind::Autodefined => (Outcome::Answered, format!("the VPC resolver ({resolver}): the VPC's own EC2 names")),
        DecisionKind::RecursiveRule | DecisionKind::PublicDns => {
            (Outcome::PublicDns, format!("public DNS, resolved recursively by the VPC resolver ({resolver})"))
        }
    };
    unknowns.sort();
    unknowns.dedup();
    Ok(ResolveAnswer {
        schema: "koban/resolve/v1",
        from: from.to_string(),
        name: decision.name.clone(),
        vpc: vpc.id.clone(),
        outcome,
        answered_by,
        decision,
        records,
        forwarding,
        unknowns,
    })
}
