//! The landing zone's DNS checks: the corporate domains (from `koban.yaml`) are forwarded to
//! the on-premises resolvers from every workload VPC (KBN-DNS-001), every outbound Resolver
//! endpoint has addresses in at least two Availability Zones (KBN-DNS-002), and every
//! forwarding rule in use reaches its targets from every endpoint address (KBN-DNS-003).

use crate::checks::{check_finding, def, GroupReport};
use crate::roles::instance_subnets;
use koban_dns::{decide, DecisionKind};
use koban_model as m;
use koban_net::Engine;
use serde_json::json;
use std::collections::BTreeSet;

pub const CORPORATE_DOMAIN_FORWARDED: &str = "KBN-DNS-001";
pub const OUTBOUND_ENDPOINT_TWO_AZS: &str = "KBN-DNS-002";
pub const FORWARD_TARGETS_REACHABLE: &str = "KBN-DNS-003";

/// The checks of this module, in catalogue order.
pub const IDS: &[&str] = &[CORPORATE_DOMAIN_FORWARDED, OUTBOUND_ENDPOINT_TWO_AZS, FORWARD_TARGETS_REACHABLE];

/// VPCs holding live instances.
fn workload_vpcs<'t>(engine: &Engine<'t>) -> Vec<&'t m::Vpc> {
    let twin = engine.ix.twin;
    let ids: BTreeSet<&str> = instance_subnets(&engine.ix).iter().map(|s| s.vpc.as_str()).collect();
    ids.into_iter().filter_map(|v| twin.vpcs.get(v)).collect()
}

/// KBN-DNS-001.
fn corporate_domains(engine: &Engine, domains: &[String], out: &mut GroupReport) {
    let twin = engine.ix.twin;
    if domains.is_empty() {
        out.skipped.push((CORPORATE_DOMAIN_FORWARDED, "no corporate domain declared (koban.yaml: dns: {corporate_domains: [...]})".into()));
        return;
    }
    for vpc in workload_vpcs(engine) {
        for domain in domains {
            let d = decide(twin, vpc, domain);
            for u in &d.unknowns {
                out.unknowns.push((CORPORATE_DOMAIN_FORWARDED, u.clone()));
            }
            if d.kind == DecisionKind::ForwardRule {
                continue;
            }
            let how = match d.kind {
                DecisionKind::PrivateHostedZone => format!("private hosted zone {} answers it", d.zone.as_deref().unwrap_or_default()),
                DecisionKind::SystemRule => format!("SYSTEM rule {} keeps it in the VPC", d.rule.as_deref().unwrap_or_default()),
                _ => "the VPC resolver resolves it on the internet".to_string(),
            };
            let unassociated: Vec<&str> = twin
                .dns
                .resolver_rules
                .values()
                .filter(|r| r.rule_type == m::ResolverRuleType::Forward && m::domain_contains(&r.domain_name, &d.name))
                .map(|r| r.id.as_str())
                .collect();
            let hint = if unassociated.is_empty() {
                "No forwarding rule for it exists in the snapshot.".to_string()
            } else {
                format!("Forwarding rule(s) {} exist but are not associated with {}.", unassociated.join(", "), vpc.id)
            };
            out.findings.push(check_finding(
                CORPORATE_DOMAIN_FORWARDED,
                &vpc.id,
                &[domain],
                format!("{} does not forward {domain} to the corporate resolvers", vpc.id),
                format!("Queries for {domain} from {} are not forwarded through an outbound endpoint: {how}. {hint}", vpc.id),
                json!({ "vpc": vpc.id, "domain": domain, "decision": d, "unassociated_forward_rules": unassociated }),
                None,
            ));
        }
    }
}

/// KBN-DNS-002.
fn endpoint_zones(engine: &Engine, out: &mut GroupReport) {
    let twin = engine.ix.twin;
    let outbound: Vec<&m::ResolverEndpoint> =
        twin.dns.resolver_endpoints.values().filter(|e| e.direction == m::ResolverDirection::Outbound).collect();
    if outbound.is_empty() {
        out.skipped.push((OUTBOUND_ENDPOINT_TWO_AZS, "no outbound Resolver endpoint in the snapshot".into()));
        return;
    }
    for e in outbound {
        if !e.addresses_known {
            out.unknowns.push((
                OUTBOUND_ENDPOINT_TWO_AZS,
                format!("{}: its addresses are not in the snapshot (list-resolver-endpoint-ip-addresses)", e.id),
            ));
            continue;
        }
        let mut zones = BTreeSet::new();
        let mut unplaced = Vec::new();
        for a in e.addresses.iter().filter(|a| a.is_attached()) {
            match twin.subnets.get(&a.subnet).and_then(|s| s.availability_zone_id.clone().or_else(|| s.availability_zone.clone())) {
                Some(z) => {
                    zones.insert(z);
                }
                None => unplaced.push(a.subnet.clone()),
            }
        }
        if !unplaced.is_empty() {
            out.unknowns.push((
                OUTBOUND_ENDPOINT_TWO_AZS,
                format!("{}: the Availability Zone of {} is not in the snapshot", e.id, unplaced.join(", ")),
            ));
            continue;
        }
        if zones.len() < 2 {
            let list: Vec<String> = zones.iter().cloned().collect();
            out.findings.push(check_finding(
                OUTBOUND_ENDPOINT_TWO_AZS,
                &e.id,
                &[],
                format!("outbound endpoint {} has addresses in {} Availability Zone(s)", e.id, zones.len()),
                format!(
                    "{} ({}) sends queries from {} attached address(es) in {}: an outage of that zone stops forwarding for every VPC using its rules.",
                    e.id,
                    e.name.as_deref().unwrap_or("unnamed"),
                    e.addresses.iter().filter(|a| a.is_attached()).count(),
                    if list.is_empty() { "no zone".to_string() } else { list.join(", ") }
                ),
                json!({ "endpoint": e.id, "zones": list, "addresses": e.addresses }),
                None,
            ));
        }
    }
}

/// KBN-DNS-003.
fn forward_targets(engine: &Engine, out: &mut GroupReport) {
    let twin = engine.ix.twin;
    let associated: BTreeSet<&str> =
        twin.dns.resolver_rule_associations.values().filter(|a| a.is_active()).map(|a| a.rule.as_str()).collect();
    let rules: Vec<&m::ResolverRule> = twin
        .dns
        .resolver_rules
        .values()
        .filter(|r| r.rule_type == m::ResolverRuleType::Forward && associated.contains(r.id.as_str()))
        .collect();
    if rules.is_empty() {
        out.skipped.push((FORWARD_TARGETS_REACHABLE, "no forwarding rule is associated with a VPC".into()));
        return;
    }
    for rule in rules {
        let mut unknowns = Vec::new();
        let f = koban_dns::query::forward(engine, rule, &mut unknowns);
        out.unknowns.extend(unknowns.into_iter().map(|u| (FORWARD_TARGETS_REACHABLE, u)));
        if f.paths.is_empty() {
            out.findings.push(check_finding(
                FORWARD_TARGETS_REACHABLE,
                &rule.id,
                &["no-endpoint"],
                format!("forwarding rule {} ({}) cannot send queries", rule.id, rule.domain_name),
                format!("Queries for {} cannot leave: {}.", rule.domain_name, f.problems.join("; ")),
                json!({ "rule": rule.id, "domain": rule.domain_name, "problems": f.problems }),
                None,
            ));
            continue;
        }
        // One finding per (endpoint address, target), naming the protocols blocked.
        let mut pairs: Vec<(String, String)> = f
            .paths
            .iter()
            .filter(|p| !p.reachable)
            .map(|p| (p.source_ip.map(|i| i.to_string()).unwrap_or_default(), p.target.to_string()))
            .collect();
        pairs.dedup();
        for (source, target) in pairs {
            let blocked: Vec<&koban_dns::query::QueryPath> = f
                .paths
                .iter()
                .filter(|p| {
                    !p.reachable && p.source_ip.map(|i| i.to_string()).unwrap_or_default() == source && p.target.to_string() == target
                })
                .collect();
            let protocols: Vec<&str> = blocked.iter().map(|p| p.protocol).collect();
            let udp = protocols.contains(&"udp");
            let port = blocked.first().map(|p| p.port).unwrap_or(53);
            let why: Vec<String> =
                blocked.iter().flat_map(|p| p.blocked.iter().map(move |b| format!("{} at {}: {}", p.protocol, b.at, b.reason))).collect();
            out.findings.push(check_finding(
                FORWARD_TARGETS_REACHABLE,
                &rule.id,
                &[&source, &target],
                format!("{} cannot reach resolver {target} from {source} on {}/{port}", rule.id, protocols.join("+")),
                format!(
                    "Queries for {} forwarded through {} from {source} do not reach {target} on {}/{port}: {}.",
                    rule.domain_name,
                    f.endpoint.as_deref().unwrap_or_default(),
                    protocols.join(" and "),
                    if why.is_empty() { "no network interface holds the endpoint address".to_string() } else { why.join("; ") }
                ),
                json!({ "rule": rule.id, "endpoint": f.endpoint, "source": source, "target": target, "paths": blocked }),
                // UDP carries the queries; TCP only retries truncated answers.
                Some(if udp { def(FORWARD_TARGETS_REACHABLE).severity } else { 4.0 }),
            ));
        }
    }
}

/// Run the DNS checks. `corporate_domains` come from `koban.yaml`.
pub fn run(engine: &Engine, corporate: &[String]) -> GroupReport {
    let mut out = GroupReport::default();
    corporate_domains(engine, corporate, &mut out);
    endpoint_zones(engine, &mut out);
    forward_targets(engine, &mut out);
    out
}
