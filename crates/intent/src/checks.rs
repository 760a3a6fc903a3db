//! The landing-zone network checks: a catalogue with stable ids, severities, rationale and
//! remediation, and the code that runs them over the twin. Every finding carries a witness
//! path; a check that meets something it cannot model reports it in `unknowns` instead of
//! passing silently.

use crate::roles::{instance_subnets, roles, routes_to_internet_gateway};
use koban_findings::{Finding, Severity};
use koban_model as m;
use koban_net::exposure::{exposure, ExposureAnswer};
use koban_net::reach::{inspected, traffic, Protocol};
use koban_net::space::{net_range, PacketSet, DST};
use koban_net::spec::{public_space, Spec};
use koban_net::trace::{Collect, Hop, Outcome};
use koban_net::Engine;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

/// One check of the catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct CheckDef {
    pub id: &'static str,
    pub finding_type: &'static str,
    pub title: &'static str,
    pub severity: f32,
    pub rationale: &'static str,
    pub remediation: &'static str,
    pub reference: &'static str,
}

pub const INSPECTION_COVERAGE: &str = "KBN-NET-001";
pub const PUBLIC_SUBNET_CONTENTS: &str = "KBN-NET-002";
pub const NO_INBOUND_INTERNET: &str = "KBN-NET-003";
pub const ONPREM_ROUTABLE: &str = "KBN-NET-004";

pub const CATALOGUE: &[CheckDef] = &[
    CheckDef {
        id: INSPECTION_COVERAGE,
        finding_type: "koban:Network/InspectionBypass",
        title: "Every path between instance subnets and the internet or on-premises crosses an inspection endpoint",
        severity: 7.5,
        rationale: "The landing zone forces every flow through the IPS behind Gateway Load Balancer endpoints. A route that reaches the NAT gateway, the Transit Gateway or an internet gateway without an endpoint on the way lets traffic leave or enter uninspected.",
        remediation: "Point the subnet's default and on-premises routes at the Gateway Load Balancer endpoint of its Availability Zone (and the return routes of the transit and public subnets at the endpoint), so that the endpoint's subnet forwards to the NAT gateway or Transit Gateway.",
        reference: "https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/getting-started.html",
    },
    CheckDef {
        id: PUBLIC_SUBNET_CONTENTS,
        finding_type: "koban:Network/PublicSubnetWorkload",
        title: "Public subnets hold only NAT gateways and load balancers",
        severity: 5.0,
        rationale: "A subnet that routes to an internet gateway exposes whatever has a public address in it. In the reference architecture public subnets hold NAT gateways only.",
        remediation: "Move instances, endpoints and other interfaces out of subnets whose route table has an internet gateway route; reach the internet through the NAT gateway instead.",
        reference: "https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html",
    },
    CheckDef {
        id: NO_INBOUND_INTERNET,
        finding_type: "koban:Network/InstanceReachableFromInternet",
        title: "No instance is reachable from the internet",
        severity: 8.0,
        rationale: "The landing zone admits no inbound connection from the internet: instances are reached from on-premises over the Transit Gateway or through Session Manager.",
        remediation: "Remove the public or Elastic IP address, or the internet gateway route of the instance's subnet, and narrow the security group rules that admit the internet.",
        reference: "https://docs.aws.amazon.com/inspector/latest/user/findings-types.html#findings-types-network",
    },
    CheckDef {
        id: ONPREM_ROUTABLE,
        finding_type: "koban:Network/SubnetNotRoutableFromOnPremises",
        title: "Instance subnets use a CIDR that the Transit Gateway routes from on-premises",
        severity: 4.0,
        rationale: "Workloads that on-premises users or systems must reach need addresses from the VPC CIDR advertised on the corporate network; a subnet carved from the non-routable CIDR cannot be reached from on-premises.",
        remediation: "Place the workload in a subnet of the routable CIDR, or add a route for the subnet's CIDR to the Transit Gateway route table associated with the on-premises attachment (and to the on-premises routers).",
        reference: "https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html",
    },
];

fn def(id: &str) -> &'static CheckDef {
    CATALOGUE.iter().find(|c| c.id == id).unwrap_or(&CATALOGUE[0])
}

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
}

fn finding(id: &str, resource: &str, facts: &[&str], title: String, description: String, evidence: serde_json::Value) -> Finding {
    let d = def(id);
    Finding::new(d.finding_type, d.id, Severity::new(d.severity), resource, facts, title, description, evidence, d.remediation)
}

fn path_text(hops: &[Hop]) -> String {
    hops.iter().map(|h| h.resource.as_str()).collect::<Vec<_>>().join(" -> ")
}

/// Traffic from every address of a subnet to `dst`.
fn from_subnet(engine: &Engine, subnet: &m::Subnet, dst: &PacketSet) -> Collect {
    let mut sink = Collect::default();
    let Some(c) = subnet.cidr else { return sink };
    let (lo, hi) = net_range(&c);
    let set = traffic(Protocol::All, None).restrict(koban_net::space::SRC, lo, hi).intersect(dst);
    engine.walk(&mut sink, None).from_subnet_host(subnet, &set);
    sink
}

fn destination_of(twin: &m::Twin, spec: &Spec) -> PacketSet {
    spec.destination(twin, false)
}

/// KBN-NET-001 outbound half: instance subnets whose routes leave for the internet or a named
/// network without an inspection hop.
fn outbound_bypass(engine: &Engine, unknowns: &mut Vec<String>) -> Vec<Finding> {
    let twin = engine.ix.twin;
    let mut targets: Vec<(String, PacketSet, String)> = Vec::new();
    let mut internet = PacketSet::empty();
    for (lo, hi) in public_space() {
        internet.union(&PacketSet::all().restrict(DST, lo, hi));
    }
    targets.push(("internet".into(), internet, "internet".into()));
    for n in twin.networks.values() {
        targets.push((format!("network:{}", n.name), destination_of(twin, &Spec::Network(n.name.clone())), n.name.clone()));
    }
    let subnets = instance_subnets(&engine.ix);
    let results: Vec<(Vec<Finding>, Vec<String>)> = subnets
        .par_iter()
        .map(|s| {
            let mut out = Vec::new();
            let mut unk = Vec::new();
            for (exit, dst, label) in &targets {
                let sink = from_subnet(engine, s, dst);
                for leaf in &sink.leaves {
                    unk.extend(leaf.path.unknowns.iter().cloned());
                }
                let bypass =
                    sink.leaves.iter().find(|l| matches!(&l.outcome, Outcome::Exited { to } if to == exit) && !inspected(&l.path.hops));
                if let Some(l) = bypass {
                    let path = path_text(&l.path.hops);
                    out.push(finding(
                        INSPECTION_COVERAGE,
                        &s.id,
                        &["outbound", exit],
                        format!("{} reaches {label} without inspection", s.id),
                        format!(
                            "Traffic from {} ({}) reaches {label} without crossing a Gateway Load Balancer endpoint: {path}. Packets: {}.",
                            s.id,
                            s.cidr.map(|c| c.to_string()).unwrap_or_default(),
                            l.set
                        ),
                        json!({ "direction": "outbound", "to": exit, "witness": l.path.hops }),
                    ));
                }
            }
            (out, unk)
        })
        .collect();
    let mut findings = Vec::new();
    for (f, u) in results {
        findings.extend(f);
        unknowns.extend(u);
    }
    findings
}

/// KBN-NET-001 inbound half and KBN-NET-003, from the exposure of every interface.
fn inbound(exp: &ExposureAnswer, twin: &m::Twin) -> (Vec<Finding>, Vec<Finding>) {
    let mut bypass = Vec::new();
    let mut internet = Vec::new();
    for src in &exp.sources {
        let mut seen_subnets: Vec<&str> = Vec::new();
        for e in &src.exposed {
            let is_instance =
                twin.network_interfaces.get(&e.interface).map(|x| matches!(x.owner, m::EniOwner::Instance(_))).unwrap_or(false);
            if !is_instance {
                continue;
            }
            let ports: Vec<String> = e.ports.iter().map(|p| format!("{} {}", p.protocol, p.ranges.join(","))).collect();
            if src.source == "internet" {
                internet.push(finding(
                    NO_INBOUND_INTERNET,
                    &e.owner,
                    &[&e.interface],
                    format!("{} is reachable from the internet", e.owner),
                    format!(
                        "{} ({}) accepts connections from the internet on {}: {}.",
                        e.owner,
                        e.interface,
                        ports.join("; "),
                        path_text(&e.path)
                    ),
                    json!({ "interface": e.interface, "ports": e.ports, "witness": e.path }),
                ));
            }
            if (!e.inspected || !e.reply_inspected) && !seen_subnets.contains(&e.subnet.as_str()) {
                seen_subnets.push(&e.subnet);
                let (what, hops) = if !e.inspected { ("its traffic", &e.path) } else { ("the replies", &e.reply_path) };
                bypass.push(finding(
                    INSPECTION_COVERAGE,
                    &e.subnet,
                    &["inbound", &src.source],
                    format!("{} is reachable from {} without inspection", e.subnet, src.source),
                    format!(
                        "{} reaches {} ({}) in {}, but {what} cross no Gateway Load Balancer endpoint: {}.",
                        src.source,
                        e.owner,
                        e.interface,
                        e.subnet,
                        path_text(hops)
                    ),
                    json!({ "direction": "inbound", "from": src.source, "interface": e.interface, "witness": e.path, "reply": e.reply_path }),
                ));
            }
        }
    }
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

/// KBN-NET-004: for each named network and each instance subnet of a VPC attached to a
/// transit gateway the network enters through, the network must route to the subnet.
fn onprem_routable(engine: &Engine, unknowns: &mut Vec<String>) -> Vec<Finding> {
    let twin = engine.ix.twin;
    let mut out = Vec::new();
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
        for s in instance_subnets(&engine.ix) {
            let attached = entry_tgws.iter().any(|t| engine.ix.tgw_vpc_attachment.contains_key(&(*t, s.vpc.as_str())));
            let Some(c) = s.cidr else { continue };
            if !attached {
                continue;
            }
            let (lo, hi) = net_range(&c);
            let set = traffic(Protocol::All, None).intersect(&src_space).restrict(DST, lo, hi);
            let mut sink = Collect::default();
            engine.walk(&mut sink, None).from_network(n, &set);
            for l in &sink.leaves {
                unknowns.extend(l.path.unknowns.iter().cloned());
            }
            let enters = sink.leaves.iter().any(|l| l.path.hops.iter().any(|h| h.resource == s.vpc));
            if enters {
                continue;
            }
            let why: Vec<String> = sink
                .leaves
                .iter()
                .filter_map(|l| match &l.outcome {
                    Outcome::Blocked { at, reason } => Some(format!("{at}: {reason}")),
                    _ => None,
                })
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let witness = sink.leaves.first().map(|l| l.path.hops.clone()).unwrap_or_default();
            out.push(finding(
                ONPREM_ROUTABLE,
                &s.id,
                &[&n.name],
                format!("{} ({c}) is not routable from {}", s.id, n.name),
                format!("Nothing from {} reaches {} ({c}): {}.", n.name, s.id, why.join("; ")),
                json!({ "network": n.name, "subnet": s.id, "cidr": c.to_string(), "stops": why, "witness": witness }),
            ));
        }
    }
    out
}

/// Run every check of the catalogue.
pub fn run_checks(engine: &Engine) -> CheckReport {
    let twin = engine.ix.twin;
    let mut unknowns = Vec::new();
    let exp = exposure(engine);
    unknowns.extend(exp.unknowns.iter().cloned());
    let (inbound_bypass, internet) = inbound(&exp, twin);
    let mut coverage = outbound_bypass(engine, &mut unknowns);
    coverage.extend(inbound_bypass);
    let public = public_subnets(engine);
    let onprem = onprem_routable(engine, &mut unknowns);
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
    findings.sort_by(|a, b| b.severity.value.total_cmp(&a.severity.value).then(a.source.cmp(&b.source)).then(a.resource.cmp(&b.resource)));
    CheckReport { schema: "koban/check/v1", checks, findings, unknowns }
}
