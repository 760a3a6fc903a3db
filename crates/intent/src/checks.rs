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
use koban_net::spec::Spec;
use koban_net::trace::{Hop, Outcome};
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
    CheckDef {
        id: crate::access::checks::SECRET_POLICY_RESTRICTS,
        finding_type: "koban:IAM/SecretPolicyUnrestricted",
        title: "Every secret's resource policy denies requests from outside its VPC endpoint, VPC, CIDR or named roles",
        severity: 6.0,
        rationale: "Identity policies alone decide who reads a secret inside its account; only a Deny in the secret's resource policy keeps stolen or over-broad credentials from reading it elsewhere. The landing zone locks each secret to its interface endpoint (or VPC, source CIDR, or named roles).",
        remediation: "Add a Deny statement for Principal \"*\" on the secret's read actions with a StringNotEquals condition on aws:SourceVpce (or aws:SourceVpc, NotIpAddress on aws:SourceIp, or ArnNotEquals on aws:PrincipalArn naming the roles that may read it).",
        reference: "https://docs.aws.amazon.com/secretsmanager/latest/userguide/vpc-endpoint-overview.html",
    },
    CheckDef {
        id: crate::access::checks::SECRET_NOT_FROM_INTERNET,
        finding_type: "koban:IAM/SecretReadableFromInternet",
        title: "No principal can read a secret over the internet path (NAT gateway, internet gateway, or from outside AWS)",
        severity: 8.0,
        rationale: "Secrets are read through the Secrets Manager interface endpoint. A secret that some principal can read through the public endpoint can be read with leaked credentials from anywhere, or from a subnet whose traffic bypasses the endpoint.",
        remediation: "Deny secretsmanager:GetSecretValue in the secret's resource policy unless aws:SourceVpce is the landing zone's endpoint, and keep an interface endpoint with private DNS in every VPC whose workloads read secrets.",
        reference: "https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html#auth-and-access_examples_vpc",
    },
    CheckDef {
        id: crate::access::checks::CROSS_ACCOUNT_TRUST,
        finding_type: "koban:IAM/CrossAccountTrustUnbound",
        title: "Roles assumable from other accounts require aws:PrincipalOrgID or sts:ExternalId",
        severity: 7.0,
        rationale: "A trust policy naming another account lets every principal that account's administrators allow assume the role. Binding it to the organization (aws:PrincipalOrgID / aws:PrincipalOrgPaths) or to an external id shared with a third party prevents confused-deputy use and trust in accounts that leave the organization.",
        remediation: "Add a condition to the trust statement: StringEquals aws:PrincipalOrgID (or ForAnyValue:StringLike aws:PrincipalOrgPaths) for accounts of the organization, StringEquals sts:ExternalId for third parties.",
        reference: "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
    },
    CheckDef {
        id: crate::access::checks::COGNITO_TRUST,
        finding_type: "koban:IAM/CognitoTrustUnbound",
        title: "Trust policies for Cognito identity pools require cognito-identity.amazonaws.com:aud and :amr",
        severity: 8.0,
        rationale: "Without an aud condition any identity pool, in any account, can obtain credentials for the role; without an amr condition unauthenticated identities can too.",
        remediation: "Add StringEquals cognito-identity.amazonaws.com:aud = the identity pool id and ForAnyValue:StringLike cognito-identity.amazonaws.com:amr = \"authenticated\" (or \"unauthenticated\" for the guest role) to the statement trusting cognito-identity.amazonaws.com.",
        reference: "https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html",
    },
    CheckDef {
        id: crate::dns_checks::CORPORATE_DOMAIN_FORWARDED,
        finding_type: "koban:DNS/CorporateDomainNotForwarded",
        title: "Every workload VPC forwards the corporate domains to the on-premises resolvers",
        severity: 5.0,
        rationale: "Corporate names exist only on the corporate resolvers. A workload VPC without an associated forwarding rule resolves them on the internet (leaking the names and failing) or in a private zone that shadows them.",
        remediation: "Associate the FORWARD rule for the corporate domain (shared from the network account through AWS RAM) with the VPC: aws route53resolver associate-resolver-rule --resolver-rule-id <rule> --vpc-id <vpc>.",
        reference: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-forwarding-outbound-queries.html",
    },
    CheckDef {
        id: crate::dns_checks::OUTBOUND_ENDPOINT_TWO_AZS,
        finding_type: "koban:DNS/OutboundEndpointSingleAZ",
        title: "Outbound Resolver endpoints have addresses in at least two Availability Zones",
        severity: 4.0,
        rationale: "An outbound endpoint sends queries from its addresses' network interfaces. With every address in one Availability Zone, an outage of that zone stops name resolution of the corporate domains in every VPC whose rules use the endpoint.",
        remediation: "Add an address in a subnet of a second Availability Zone: aws route53resolver associate-resolver-endpoint-ip-address --resolver-endpoint-id <endpoint> --ip-address SubnetId=<subnet-in-other-az>.",
        reference: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-choose-vpc.html",
    },
    CheckDef {
        id: crate::dns_checks::FORWARD_TARGETS_REACHABLE,
        finding_type: "koban:DNS/ForwardTargetUnreachable",
        title: "Forwarding rules reach every target resolver from every outbound endpoint address on udp and tcp",
        severity: 6.0,
        rationale: "A forwarding rule only works when the DNS queries from the endpoint's network interfaces reach the target resolvers and their answers return: the endpoint's security group, the subnets' network ACLs and route tables, the inspection endpoints and the Transit Gateway all lie on the way.",
        remediation: "Follow the blocked path in the evidence: allow udp and tcp to the targets' port in the endpoint's security group, route the targets' network from the endpoint subnets (through the inspection endpoint) to the Transit Gateway, and route the endpoint subnets back.",
        reference: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-forwarding-outbound-queries.html",
    },
    CheckDef {
        id: crate::intents::REACH,
        finding_type: "koban:Intent/ReachViolated",
        title: "Intent `reach`: the source reaches the destination (replies included)",
        severity: 5.0,
        rationale: "koban.yaml states that this traffic must flow; koban found no path that delivers it and returns the replies.",
        remediation: "Follow the blocked parts in the evidence: the route, security group rule or network ACL entry that stops the traffic, and add what the flow needs.",
        reference: "https://docs.aws.amazon.com/vpc/latest/reachability/how-reachability-analyzer-works.html",
    },
    CheckDef {
        id: crate::intents::NEVER_REACH,
        finding_type: "koban:Intent/NeverReachViolated",
        title: "Intent `never-reach`: the source cannot reach the destination",
        severity: 7.0,
        rationale: "koban.yaml states that this traffic must never flow; koban found a path that delivers it.",
        remediation: "Remove the route, security group rule or network ACL entry on the witness path that admits the traffic.",
        reference: "https://docs.aws.amazon.com/vpc/latest/network-access-analyzer/what-is-network-access-analyzer.html",
    },
    CheckDef {
        id: crate::intents::ISOLATED,
        finding_type: "koban:Intent/IsolationViolated",
        title: "Intent `isolated`: no traffic in either direction between the two ends",
        severity: 7.0,
        rationale: "koban.yaml states that the two ends are isolated from each other; koban found traffic that flows between them.",
        remediation: "Remove the route, peering, Transit Gateway route or security group rule on the witness path.",
        reference: "https://docs.aws.amazon.com/vpc/latest/network-access-analyzer/what-is-network-access-analyzer.html",
    },
    CheckDef {
        id: crate::intents::INSPECTED,
        finding_type: "koban:Intent/InspectionBypass",
        title: "Intent `inspected`: every path between the two ends, both ways and replies included, crosses an inspection endpoint",
        severity: 7.5,
        rationale: "koban.yaml states that traffic between the two ends is inspected; koban found a path (or its replies) that crosses no Gateway Load Balancer or Network Firewall endpoint.",
        remediation: "Route the subnets on the witness path through the inspection endpoint of their Availability Zone, in both directions.",
        reference: "https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/getting-started.html",
    },
    CheckDef {
        id: crate::intents::ONLY_CAN,
        finding_type: "koban:Intent/UnexpectedAccess",
        title: "Intent `only`: no principal outside the list can perform the action on the resource",
        severity: 7.0,
        rationale: "koban.yaml states which principals may perform the action on the resource; the AWS policy evaluation allows another principal to.",
        remediation: "Narrow the identity or resource policy that allows the extra principal (the evidence names the statements).",
        reference: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
    },
    CheckDef {
        id: crate::scope::SCOPE_PATH,
        finding_type: "koban:Network/AccessScopeFinding",
        title: "Network Access Scope: no path matches a MatchPaths entry without matching an ExcludePaths entry",
        severity: 6.0,
        rationale: "A Network Access Scope (AWS Network Access Analyzer's language) describes paths that must not exist; each path koban finds that matches a MatchPaths entry and no ExcludePaths entry is a finding, as in Network Access Analyzer, but traced through Gateway Load Balancer endpoints and appliances too.",
        remediation: "Remove the route, security group rule or network ACL entry on the path, or add the path to the scope's ExcludePaths when it is intended.",
        reference: "https://docs.aws.amazon.com/vpc/latest/network-access-analyzer/how-network-access-analyzer-works.html",
    },
];

/// The catalogue entry of a check id (every id the code uses is in the catalogue).
pub(crate) fn def(id: &str) -> &'static CheckDef {
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
    /// Policy documents that do not parse or that AWS would reject (file and JSON path).
    #[serde(skip)]
    pub policy_diagnostics: Vec<koban_model::Diagnostic>,
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
fn outbound_bypass(engine: &Engine, unknowns: &mut Vec<String>) -> Vec<Finding> {
    let twin = engine.ix.twin;
    // The internet is everything outside the twin: the twin's own public addresses are
    // destinations inside it (walking them re-enters every VPC and costs most of the check).
    let mut targets: Vec<(String, PacketSet, String)> =
        vec![("internet".into(), Spec::Internet.destination_with(twin, &engine.ix.own_public_ips, false), "internet".into())];
    for n in twin.networks.values() {
        targets.push((format!("network:{}", n.name), Spec::Network(n.name.clone()).destination(twin, false), n.name.clone()));
    }
    let subnets = instance_subnets(&engine.ix);
    let results: Vec<(Vec<Finding>, Vec<String>)> = subnets
        .par_iter()
        .map(|s| {
            let mut out = Vec::new();
            let mut unk = Vec::new();
            for (exit, dst, label) in &targets {
                let mut sink = BypassSink { exit, found: None, unknowns: Vec::new() };
                from_subnet(engine, s, dst, &mut sink);
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
        self.enters |= path.hops.iter().any(|h| h.resource == self.vpc);
        if let Outcome::Blocked { at, reason } = outcome {
            self.stops.insert(format!("{at}: {reason}"));
        }
    }
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
    let mut checks = vec![
        status(INSPECTION_COVERAGE, &coverage),
        status(PUBLIC_SUBNET_CONTENTS, &public),
        status(NO_INBOUND_INTERNET, &internet),
        status(ONPREM_ROUTABLE, &onprem),
    ];
    let mut findings = coverage;
    findings.extend(public);
    findings.extend(internet);
    findings.extend(onprem);
    let access = crate::access::index::AccessIndex::new(twin);
    let iam = crate::access::checks::run(engine, &access);
    checks.extend(crate::access::checks::statuses(&iam));
    unknowns.extend(iam.unknowns.iter().map(|(_, u)| u.clone()));
    findings.extend(iam.findings.into_iter().map(|(_, f)| f));
    findings.sort_by(|a, b| b.severity.value.total_cmp(&a.severity.value).then(a.source.cmp(&b.source)).then(a.resource.cmp(&b.resource)));
    CheckReport { schema: "koban/check/v1", checks, findings, unknowns, policy_diagnostics: access.diagnostics }
}
