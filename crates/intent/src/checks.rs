//! The landing-zone network checks: a catalogue with stable ids, severities, rationale and
//! remediation, and the code that runs them over the twin. Every finding carries a witness
//! path; a check that meets something it cannot model reports it in `unknowns` instead of
//! passing silently.

use crate::roles::{instance_subnets, roles, routes_to_internet_gateway};
use koban_findings::{Finding, Severity};
use koban_model as m;
use koban_net::exposure::{exposure, ExposedInterface, ExposureAnswer};
use koban_net::reach::{inspected, traffic, Protocol};
use koban_net::space::{net_range, PacketSet, DST};
use koban_net::spec::Spec;
use koban_net::trace::{Hop, Outcome};
use koban_net::Engine;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;
use std::collections::HashSet;

pub const INSPECTION_COVERAGE: &str = "KBN-NET-001";
pub const PUBLIC_SUBNET_CONTENTS: &str = "KBN-NET-002";
pub const NO_INBOUND_INTERNET: &str = "KBN-NET-003";
pub const ONPREM_ROUTABLE: &str = "KBN-NET-004";

pub use crate::catalogue::{def, CheckDef, CATALOGUE};

/// The outcome of one check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckStatus {
    pub id: &'static str,
    pub title: &'static str,
    /// `pass`, `fail`, or `unknown` (the check met something it cannot model).
    pub status: &'static str,
    pub findings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub schema: &'static str,
    pub checks: Vec<CheckStatus>,
    pub findings: Vec<Finding>,
    pub unknowns: Vec<String>,
    /// Checks that had nothing to assess, with why (`skipped` status).
    pub notes: Vec<String>,
    /// Policy documents that do not parse or that AWS would reject (file and JSON path).
    #[serde(skip)]
    pub policy_diagnostics: Vec<koban_model::Diagnostic>,
}

/// What a group of checks found: findings, what each check could not assess, and the checks
/// that had nothing to assess (with why).
#[derive(Debug, Default)]
pub struct GroupReport {
    pub findings: Vec<Finding>,
    /// (check id, what it could not assess).
    pub unknowns: Vec<(&'static str, String)>,
    /// (check id, why it had nothing to assess).
    pub skipped: Vec<(&'static str, String)>,
}

impl GroupReport {
    /// Append `other`'s findings, unknowns and skipped checks after this report's.
    pub fn append(&mut self, other: GroupReport) {
        self.findings.extend(other.findings);
        self.unknowns.extend(other.unknowns);
        self.skipped.extend(other.skipped);
    }

    /// Add the status of each of `ids` (`skipped`, `fail`, `unknown` or `pass`, judged on
    /// this group's own findings and unknowns), the findings and the unknowns to `report`.
    pub fn fold_into(self, ids: &[&'static str], report: &mut CheckReport) {
        for &id in ids {
            let findings = self.findings.iter().filter(|f| f.source == id).count();
            let status = if let Some((_, why)) = self.skipped.iter().find(|(c, _)| *c == id) {
                report.notes.push(format!("{id}: {why}"));
                "skipped"
            } else if findings > 0 {
                "fail"
            } else if self.unknowns.iter().any(|(c, _)| *c == id) {
                "unknown"
            } else {
                "pass"
            };
            report.checks.push(CheckStatus { id, title: def(id).title, status, findings });
        }
        report.unknowns.extend(self.unknowns.into_iter().map(|(_, u)| u));
        report.findings.extend(self.findings);
    }
}

/// A finding of check `id`: the catalogue's type, remediation and severity (unless `severity`
/// sets another).
pub(crate) fn check_finding(
    id: &str,
    resource: &str,
    facts: &[&str],
    title: String,
    description: String,
    evidence: serde_json::Value,
    severity: Option<f32>,
) -> Finding {
    let d = def(id);
    Finding::new(
        d.finding_type,
        d.id,
        Severity::new(severity.unwrap_or(d.severity)),
        resource,
        facts,
        title,
        description,
        evidence,
        d.remediation,
    )
}

/// A finding of check `id` with the catalogue's severity.
pub(crate) fn finding(
    id: &str,
    resource: &str,
    facts: &[&str],
    title: String,
    description: String,
    evidence: serde_json::Value,
) -> Finding {
    check_finding(id, resource, facts, title, description, evidence, None)
}

fn path_text(hops: &[Hop]) -> String {
    hops.iter().map(|h| h.resource.as_str()).collect::<Vec<_>>().join(" -> ")
}

/// Keeps, of a walk, only what the bypass check needs: the unknowns met and the first part
/// that leaves for `exit` without crossing an inspection appliance (no clone of every
/// path, which dominated the check's time on large organisations).
struct BypassSink<'a> {
    exit: &'a str,
    found: Option<(Vec<Hop>, PacketSet)>,
    unknowns: Vec<String>,
}

impl koban_net::trace::Sink for BypassSink<'_> {
    fn leaf(&mut self, path: &koban_net::trace::PathState, set: &PacketSet, outcome: Outcome) {
        for u in &path.unknowns {
            if !self.unknowns.contains(u) {
                self.unknowns.push(u.clone());
            }
        }
        if self.found.is_none() && matches!(&outcome, Outcome::Exited { to } if to == self.exit) && !inspected(&path.hops) {
            self.found = Some((path.hops.clone(), set.clone()));
        }
    }

    /// One bypass is the finding's witness: the walk stops there.
    fn descend(&mut self, _path: &koban_net::trace::PathState) -> bool {
        self.found.is_none()
    }
}

/// Traffic from every address of a subnet to `dst`, reported to `sink`.
fn from_subnet(engine: &Engine, subnet: &m::Subnet, dst: &PacketSet, sink: &mut BypassSink) {
    let Some(c) = subnet.cidr else { return };
    let (lo, hi) = net_range(&c);
    let set = traffic(Protocol::All, None).restrict(koban_net::space::SRC, lo, hi).intersect(dst);
    engine.walk(sink, None).from_subnet_host(subnet, &set);
}

/// KBN-NET-001 outbound half: instance subnets whose routes leave for the internet or a named
/// network without an inspection hop.
fn outbound_bypass(engine: &Engine) -> (Vec<Finding>, Vec<String>) {
    let twin = engine.ix.twin;
    // The internet is everything outside the twin: the twin's own public addresses are
    // destinations inside it (walking them re-enters every VPC and costs most of the check).
    // A bypass to one stretch of it (the index's sample) is a witness already; only subnets
    // without one there are walked to the whole internet.
    let internet = Spec::Internet.destination_with(twin, &engine.ix.own_public_ips, false);
    let sample = engine.ix.internet_sample.map(|(lo, hi)| internet.restrict(DST, lo, hi));
    let mut targets: Vec<(String, Option<PacketSet>, PacketSet, String)> = vec![("internet".into(), sample, internet, "internet".into())];
    for n in twin.networks.values() {
        targets.push((format!("network:{}", n.name), None, Spec::Network(n.name.clone()).destination(twin, false), n.name.clone()));
    }
    let subnets = instance_subnets(&engine.ix);
    let results: Vec<(Vec<Finding>, Vec<String>)> = subnets
        .par_iter()
        .map(|s| {
            let mut out = Vec::new();
            let mut unk = Vec::new();
            for (exit, sample, dst, label) in &targets {
                let mut sink = BypassSink { exit, found: None, unknowns: Vec::new() };
                if let Some(sample) = sample {
                    from_subnet(engine, s, sample, &mut sink);
                }
                if sink.found.is_none() {
                    from_subnet(engine, s, dst, &mut sink);
                }
                unk.extend(sink.unknowns);
                if let Some((hops, set)) = sink.found {
                    let path = path_text(&hops);
                    out.push(finding(
                        INSPECTION_COVERAGE,
                        &s.id,
                        &["outbound", exit],
                        format!("{} reaches {label} without inspection", s.id),
                        format!(
                            "Traffic from {} ({}) reaches {label} without crossing a Gateway Load Balancer endpoint: {path}. Packets: {}.",
                            s.id,
                            s.cidr.map(|c| c.to_string()).unwrap_or_default(),
                            set
                        ),
                        json!({ "direction": "outbound", "to": exit, "witness": hops }),
                    ));
                }
            }
            (out, unk)
        })
        .collect();
    let mut findings = Vec::new();
    let mut unknowns = Vec::new();
    for (f, u) in results {
        findings.extend(f);
        unknowns.extend(u);
    }
    (findings, unknowns)
}

/// KBN-NET-001 inbound half and KBN-NET-003, from the exposure of every interface.
fn inbound(exp: &ExposureAnswer, twin: &m::Twin) -> (Vec<Finding>, Vec<Finding>) {
    // Pick in order what each finding stands on (a subnet's first exposed instance interface
    // witnesses it), then build the findings in parallel.
    let mut internet_hits = Vec::new();
    let mut bypass_hits = Vec::new();
    for src in &exp.sources {
        let mut seen_subnets: HashSet<&str> = HashSet::new();
        let of_instances: Vec<bool> = src
            .exposed
            .par_iter()
            .map(|e| twin.network_interfaces.get(&e.interface).is_some_and(|x| matches!(x.owner, m::EniOwner::Instance(_))))
            .collect();
        for (e, _) in src.exposed.iter().zip(of_instances).filter(|(_, of_instance)| *of_instance) {
            if src.source == "internet" {
                internet_hits.push(e);
            }
            if (!e.inspected || !e.reply_inspected) && seen_subnets.insert(&e.subnet) {
                bypass_hits.push((src.source.as_str(), e));
            }
        }
    }
    let ports =
        |e: &ExposedInterface| e.ports.iter().map(|p| format!("{} {}", p.protocol, p.ranges.join(","))).collect::<Vec<_>>().join("; ");
    let internet = internet_hits
        .par_iter()
        .map(|e| {
            finding(
                NO_INBOUND_INTERNET,
                &e.owner,
                &[&e.interface],
                format!("{} is reachable from the internet", e.owner),
                format!("{} ({}) accepts connections from the internet on {}: {}.", e.owner, e.interface, ports(e), path_text(&e.path)),
                json!({ "interface": e.interface, "ports": e.ports, "witness": e.path }),
            )
        })
        .collect();
    let bypass = bypass_hits
        .par_iter()
        .map(|(source, e)| {
            let (what, hops) = if !e.inspected { ("its traffic", &e.path) } else { ("the replies", &e.reply_path) };
            finding(
                INSPECTION_COVERAGE,
                &e.subnet,
                &["inbound", source],
                format!("{} is reachable from {source} without inspection", e.subnet),
                format!(
                    "{source} reaches {} ({}) in {}, but {what} cross no Gateway Load Balancer endpoint: {}.",
                    e.owner,
                    e.interface,
                    e.subnet,
                    path_text(hops)
                ),
                json!({ "direction": "inbound", "from": source, "interface": e.interface, "witness": e.path, "reply": e.reply_path }),
            )
        })
        .collect();
    (bypass, internet)
}

/// KBN-NET-002: what lives in subnets that route to an internet gateway.
fn public_subnets(engine: &Engine) -> Vec<Finding> {
    let ix = &engine.ix;
    let mut out = Vec::new();
    for s in ix.twin.subnets.values() {
        if !routes_to_internet_gateway(ix, &s.id) {
            continue;
        }
        let offenders: Vec<String> = ix
            .subnet_enis
            .get(s.id.as_str())
            .map(|v| v.as_slice())
            .unwrap_or_default()
            .iter()
            .filter(|(_, e)| !matches!(e.owner, m::EniOwner::NatGateway(_) | m::EniOwner::LoadBalancer(_)))
            .map(|(_, e)| match &e.owner {
                m::EniOwner::Instance(i) => format!("{i} ({})", e.id),
                _ => e.id.clone(),
            })
            .collect();
        if offenders.is_empty() {
            continue;
        }
        let mut offenders = offenders;
        offenders.dedup();
        out.push(finding(
            PUBLIC_SUBNET_CONTENTS,
            &s.id,
            &[],
            format!("public subnet {} holds more than NAT gateways and load balancers", s.id),
            format!("{} routes to an internet gateway and holds: {}.", s.id, offenders.join(", ")),
            json!({ "subnet": s.id, "roles": roles(ix, &s.id), "interfaces": offenders }),
        ));
    }
    out
}

/// Keeps, of a walk from a named network, whether it enters `vpc`, where the rest stopped,
/// the first path (a witness) and the unknowns met.
struct EntrySink<'a> {
    vpc: &'a str,
    enters: bool,
    stops: std::collections::BTreeSet<String>,
    witness: Option<Vec<Hop>>,
    unknowns: Vec<String>,
}

impl koban_net::trace::Sink for EntrySink<'_> {
    fn leaf(&mut self, path: &koban_net::trace::PathState, _set: &PacketSet, outcome: Outcome) {
        for u in &path.unknowns {
            if !self.unknowns.contains(u) {
                self.unknowns.push(u.clone());
            }
        }
        if self.witness.is_none() {
            self.witness = Some(path.hops.clone());
        }
        if let Outcome::Blocked { at, reason } = outcome {
            self.stops.insert(format!("{at}: {reason}"));
        }
    }

    /// Entering the VPC settles the check, so the walk stops there: delivery inside the subnet
    /// does not matter to it. The unknowns met beyond that point are on paths from the same
    /// network that the exposure walk, run by the same checks, traces and reports.
    fn descend(&mut self, path: &koban_net::trace::PathState) -> bool {
        if path.hops.last().is_some_and(|h| h.resource == self.vpc) {
            self.enters = true;
        }
        !self.enters
    }
}

/// KBN-NET-004: for each named network and each instance subnet of a VPC attached to a
/// transit gateway the network enters through, the network must route to the subnet.
fn onprem_routable(engine: &Engine) -> (Vec<Finding>, Vec<String>) {
    let twin = engine.ix.twin;
    let mut out = Vec::new();
    let mut unknowns = Vec::new();
    for n in twin.networks.values() {
        let entry_tgws: Vec<&str> = n
            .via
            .iter()
            .filter_map(|v| {
                engine
                    .ix
                    .attachments_by_resource
                    .get(v.as_str())
                    .map(|a| a.iter().map(|a| a.transit_gateway.as_str()).collect::<Vec<_>>())
                    .or_else(|| twin.transit_gateway_attachments.get(v).map(|a| vec![a.transit_gateway.as_str()]))
            })
            .flatten()
            .collect();
        if entry_tgws.is_empty() {
            continue;
        }
        let src_space = Spec::Network(n.name.clone()).source_space(twin);
        let subnets: Vec<&m::Subnet> = instance_subnets(&engine.ix)
            .into_iter()
            .filter(|s| s.cidr.is_some() && entry_tgws.iter().any(|t| engine.ix.tgw_vpc_attachment.contains_key(&(*t, s.vpc.as_str()))))
            .collect();
        let results: Vec<(Option<Finding>, Vec<String>)> = subnets
            .par_iter()
            .map(|s| {
                let Some(c) = s.cidr else { return (None, Vec::new()) };
                let (lo, hi) = net_range(&c);
                let set = traffic(Protocol::All, None).intersect(&src_space).restrict(DST, lo, hi);
                let mut sink = EntrySink { vpc: &s.vpc, enters: false, stops: std::collections::BTreeSet::new(), witness: None, unknowns: Vec::new() };
                engine.walk(&mut sink, None).from_network(n, &set);
                if sink.enters {
                    return (None, sink.unknowns);
                }
                let why: Vec<String> = sink.stops.into_iter().collect();
                let f = finding(
                    ONPREM_ROUTABLE,
                    &s.id,
                    &[&n.name],
                    format!("{} ({c}) is not routable from {}", s.id, n.name),
                    format!("Nothing from {} reaches {} ({c}): {}.", n.name, s.id, why.join("; ")),
                    json!({ "network": n.name, "subnet": s.id, "cidr": c.to_string(), "stops": why, "witness": sink.witness.unwrap_or_default() }),
                );
                (Some(f), sink.unknowns)
            })
            .collect();
        for (f, u) in results {
            out.extend(f);
            unknowns.extend(u);
        }
    }
    (out, unknowns)
}

/// The statuses, findings and unknowns of the four network checks.
struct NetworkChecks {
    checks: Vec<CheckStatus>,
    findings: Vec<Finding>,
    unknowns: Vec<String>,
}

/// KBN-NET-001 to KBN-NET-004, side by side; a check without findings is `unknown` when any
/// of them met something it cannot model.
fn network_checks(engine: &Engine, exp: &ExposureAnswer) -> NetworkChecks {
    let twin = engine.ix.twin;
    let ((mut coverage, outbound_unknowns), ((inbound_bypass, internet), (public, (onprem, onprem_unknowns)))) = rayon::join(
        || outbound_bypass(engine),
        || rayon::join(|| inbound(exp, twin), || rayon::join(|| public_subnets(engine), || onprem_routable(engine))),
    );
    coverage.extend(inbound_bypass);
    let mut unknowns = exp.unknowns.clone();
    unknowns.extend(outbound_unknowns);
    unknowns.extend(onprem_unknowns);
    unknowns.sort();
    unknowns.dedup();
    let status = |id: &'static str, f: &[Finding]| CheckStatus {
        id,
        title: def(id).title,
        status: if !f.is_empty() {
            "fail"
        } else if unknowns.is_empty() {
            "pass"
        } else {
            "unknown"
        },
        findings: f.len(),
    };
    let checks = vec![
        status(INSPECTION_COVERAGE, &coverage),
        status(PUBLIC_SUBNET_CONTENTS, &public),
        status(NO_INBOUND_INTERNET, &internet),
        status(ONPREM_ROUTABLE, &onprem),
    ];
    let mut findings = coverage;
    findings.extend(public);
    findings.extend(internet);
    findings.extend(onprem);
    NetworkChecks { checks, findings, unknowns }
}

/// Run the landing-zone checks with an empty `koban.yaml` (account roles inferred from the
/// organization's names).
pub fn run_checks(engine: &Engine) -> CheckReport {
    run_checks_with(engine, &crate::config::Config::default())
}

/// Run the landing-zone checks of the catalogue (the intents and scopes run in
/// [`crate::evaluate`]).
pub fn run_checks_with(engine: &Engine, config: &crate::config::Config) -> CheckReport {
    let twin = engine.ix.twin;
    let exp = exposure(engine);
    let access = crate::access::index::AccessIndex::new(twin);
    // The network and operations checks are independent: run side by side, the serial parts
    // of one use the core the other leaves idle.
    let (network, ops) = rayon::join(|| network_checks(engine, &exp), || crate::ops_checks::run(engine, &access, &exp, config));
    // The exposure answer is large (a witness path per exposed interface): free it on
    // another thread while the remaining checks run.
    rayon::spawn(move || drop(exp));
    let NetworkChecks { mut checks, mut findings, mut unknowns } = network;
    let iam = crate::access::checks::run(engine, &access);
    checks.extend(crate::access::checks::statuses(&iam));
    unknowns.extend(iam.unknowns.iter().map(|(_, u)| u.clone()));
    findings.extend(iam.findings.into_iter().map(|(_, f)| f));
    let mut report =
        CheckReport { schema: "koban/check/v1", checks, findings, unknowns, notes: Vec::new(), policy_diagnostics: Vec::new() };

    let domains: Vec<String> = config.dns.corporate_domains.iter().map(|d| d.0.clone()).collect();
    crate::dns_checks::run(engine, &domains).fold_into(crate::dns_checks::IDS, &mut report);
    let roles = crate::accounts::AccountRoles::new(twin, &config.accounts);
    ops.fold_into(crate::ops_checks::IDS, &mut report);
    crate::org_checks::run(twin, &access, &roles).fold_into(crate::org_checks::IDS, &mut report);
    crate::cicd_checks::run(engine, &access, &roles).fold_into(crate::cicd_checks::IDS, &mut report);
    crate::cognito_checks::run(engine, &access).fold_into(crate::cognito_checks::IDS, &mut report);

    report
        .findings
        .sort_by(|a, b| b.severity.value.total_cmp(&a.severity.value).then(a.source.cmp(&b.source)).then(a.resource.cmp(&b.resource)));
    report.unknowns.sort();
    report.unknowns.dedup();
    report.policy_diagnostics = access.diagnostics;
    report
}
