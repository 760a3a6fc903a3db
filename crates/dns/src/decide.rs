//! Route 53 Resolver's decision for one name asked from one VPC.
//!
//! Following the Route 53 Developer Guide ("How Resolver determines whether the domain name
//! in a query matches any rules", "Domain names that Resolver creates autodefined system
//! rules for", "Considerations when working with a private hosted zone"):
//! - a rule matches a name equal to its domain or a subdomain of it, label by label;
//! - the candidates are the Resolver rules associated with the VPC, one autodefined rule
//!   per private hosted zone associated with the VPC, and the autodefined rules for the
//!   VPC's EC2 names; the most specific domain wins; for the same domain a Resolver rule
//!   wins over a private hosted zone, which wins over an autodefined rule;
//! - a FORWARD rule sends the query through its outbound endpoint to its target addresses;
//!   a SYSTEM rule has the VPC resolver answer it (private hosted zones, then public DNS),
//!   overriding forwarding for its subdomains; everything else falls to the Internet
//!   Resolver rule (`.`, recursive on the internet);
//! - a private hosted zone that matches answers authoritatively: a name it has no record
//!   for is NXDOMAIN, never forwarded.

use koban_model as m;
use koban_model::{domain_contains, domain_depth, normalise_domain, Twin};
use serde::Serialize;
use std::net::Ipv4Addr;

/// What kind of candidate decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecisionKind {
    /// A FORWARD rule: resolvers on your network answer, through an outbound endpoint.
    ForwardRule,
    /// A SYSTEM rule: the VPC resolver answers locally (see `local`).
    SystemRule,
    /// A RECURSIVE rule (the Internet Resolver): public DNS, resolved recursively.
    RecursiveRule,
    /// A private hosted zone associated with the VPC answers authoritatively.
    PrivateHostedZone,
    /// An autodefined rule for the VPC's own EC2 names: the VPC resolver answers.
    Autodefined,
    /// No rule matched: the VPC resolver resolves the name recursively on the internet.
    PublicDns,
}

/// One candidate considered, with why it did or did not decide.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub kind: DecisionKind,
    /// The rule, zone or autodefined name.
    pub id: String,
    pub domain: String,
    pub chosen: bool,
}

/// The VPC resolver (the Amazon-provided DNS server): the VPC's primary CIDR base plus two,
/// and 169.254.169.253 from every subnet.
#[derive(Debug, Clone, Serialize)]
pub struct VpcResolver {
    pub vpc: String,
    pub addresses: Vec<Ipv4Addr>,
}

/// Resolver's decision.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub name: String,
    pub vpc: String,
    pub resolver: VpcResolver,
    pub kind: DecisionKind,
    /// The Resolver rule that decided (FORWARD, SYSTEM, RECURSIVE), when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The private hosted zone that answers (directly, or after a SYSTEM rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// The domain of the winning candidate.
    pub domain: String,
    /// For a SYSTEM rule: how the VPC resolver then answers (private zone, autodefined or
    /// public DNS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local: Option<DecisionKind>,
    pub candidates: Vec<Candidate>,
    /// Things the decision could not see (associations to rules not in the snapshot, zones
    /// whose VPCs are unknown).
    pub unknowns: Vec<String>,
}

/// The VPC resolver's addresses for a VPC: primary CIDR base + 2, and 169.254.169.253.
pub fn vpc_resolver(vpc: &m::Vpc) -> VpcResolver {
    let mut addresses = Vec::new();
    if let Some(c) = vpc.cidrs.first() {
        addresses.push(Ipv4Addr::from(u32::from(c.network()).saturating_add(2)));
    }
    addresses.push(Ipv4Addr::new(169, 254, 169, 253));
    VpcResolver { vpc: vpc.id.clone(), addresses }
}

/// The autodefined domains for a VPC's EC2 names in its region.
fn ec2_domains(region: Option<&str>) -> Vec<String> {
    match region {
        Some("us-east-1") => vec!["ec2.internal".into(), "compute-1.internal".into(), "compute-1.amazonaws.com".into()],
        Some(r) => vec![format!("{r}.compute.internal"), format!("{r}.compute.amazonaws.com")],
        None => Vec::new(),
    }
}

fn rule_kind(t: m::ResolverRuleType) -> DecisionKind {
    match t {
        m::ResolverRuleType::Forward => DecisionKind::ForwardRule,
        m::ResolverRuleType::System => DecisionKind::SystemRule,
        m::ResolverRuleType::Recursive => DecisionKind::RecursiveRule,
    }
}

/// Rank of a candidate kind for the same domain: Resolver rules first, then private hosted
/// zones, then autodefined rules.
fn tie_rank(k: DecisionKind) -> u8 {
    match k {
        DecisionKind::ForwardRule | DecisionKind::SystemRule | DecisionKind::RecursiveRule => 0,
        DecisionKind::PrivateHostedZone => 1,
        DecisionKind::Autodefined => 2,
        DecisionKind::PublicDns => 3,
    }
}

/// Every candidate for `name` in `vpc`, most specific first.
fn candidates(twin: &Twin, vpc: &m::Vpc, name: &str, unknowns: &mut Vec<String>) -> Vec<Candidate> {
    let mut out = Vec::new();
    for a in twin.dns.resolver_rule_associations.values().filter(|a| a.vpc == vpc.id && a.is_active()) {
        let Some(r) = twin.dns.resolver_rules.get(&a.rule) else {
            unknowns.push(format!("{}: associates Resolver rule {} with {}, but the rule is not in the snapshot", a.id, a.rule, vpc.id));
            continue;
        };
        if domain_contains(&r.domain_name, name) {
            out.push(Candidate { kind: rule_kind(r.rule_type), id: r.id.clone(), domain: r.domain_name.clone(), chosen: false });
        }
    }
    for z in twin.dns.hosted_zones.values().filter(|z| z.private) {
        if !z.vpcs_known {
            if domain_contains(&z.name, name) {
                unknowns.push(format!(
                    "{}: private hosted zone {} may be associated with {} (its VPCs are not in the snapshot)",
                    z.id, z.name, vpc.id
                ));
            }
            continue;
        }
        if z.vpcs.iter().any(|v| v.vpc == vpc.id) && domain_contains(&z.name, name) {
            out.push(Candidate { kind: DecisionKind::PrivateHostedZone, id: z.id.clone(), domain: z.name.clone(), chosen: false });
        }
    }
    for d in ec2_domains(vpc.placement.region.as_deref()) {
        if domain_contains(&d, name) {
            out.push(Candidate { kind: DecisionKind::Autodefined, id: d.clone(), domain: d, chosen: false });
        }
    }
    out.sort_by(|a, b| {
        domain_depth(&b.domain).cmp(&domain_depth(&a.domain)).then(tie_rank(a.kind).cmp(&tie_rank(b.kind))).then(a.id.cmp(&b.id))
    });
    out
}

/// Resolver's decision for `name` asked from `vpc`.
pub fn decide(twin: &Twin, vpc: &m::Vpc, name: &str) -> Decision {
    let name = normalise_domain(name);
    let mut unknowns = Vec::new();
    let mut cands = candidates(twin, vpc, &name, &mut unknowns);
    let resolver = vpc_resolver(vpc);
    let mut decision = Decision {
        name: name.clone(),
        vpc: vpc.id.clone(),
        resolver,
        kind: DecisionKind::PublicDns,
        rule: None,
        zone: None,
        domain: ".".into(),
        local: None,
        candidates: Vec::new(),
        unknowns: Vec::new(),
    };
    if let Some(first) = cands.first_mut() {
        first.chosen = true;
        decision.kind = first.kind;
        decision.domain = first.domain.clone();
        match first.kind {
            DecisionKind::ForwardRule | DecisionKind::SystemRule | DecisionKind::RecursiveRule => decision.rule = Some(first.id.clone()),
            DecisionKind::PrivateHostedZone => decision.zone = Some(first.id.clone()),
            DecisionKind::Autodefined | DecisionKind::PublicDns => {}
        }
    }
    if decision.kind == DecisionKind::SystemRule {
        // The VPC resolver answers as if no Resolver rule applied.
        let local = cands.iter().find(|c| matches!(c.kind, DecisionKind::PrivateHostedZone | DecisionKind::Autodefined));
        decision.local = Some(local.map(|c| c.kind).unwrap_or(DecisionKind::PublicDns));
        decision.zone = local.filter(|c| c.kind == DecisionKind::PrivateHostedZone).map(|c| c.id.clone());
    }
    decision.candidates = cands;
    unknowns.sort();
    unknowns.dedup();
    decision.unknowns = unknowns;
    decision
}

/// The records of a private hosted zone that answer `name`: its own records, following
/// CNAMEs inside the zone. `None` when the zone's records are not in the snapshot.
pub fn zone_answer(zone: &m::HostedZone, name: &str) -> Option<Vec<m::ResourceRecordSet>> {
    if !zone.records_known {
        return None;
    }
    let mut out: Vec<m::ResourceRecordSet> = Vec::new();
    let mut current = normalise_domain(name);
    for _ in 0..8 {
        let found: Vec<&m::ResourceRecordSet> = zone.records.iter().filter(|r| r.name == current).collect();
        let cname = found.iter().find(|r| r.record_type == "CNAME").and_then(|r| r.values.first()).map(|v| normalise_domain(v));
        out.extend(found.into_iter().filter(|r| !matches!(r.record_type.as_str(), "NS" | "SOA")).cloned());
        match cname {
            Some(next) if domain_contains(&zone.name, &next) && !out.iter().any(|r| r.name == next) => current = next,
            _ => break,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use koban_model::*;

    fn origin() -> Origin {
        Origin::new("t.json", "/")
    }

    fn twin() -> Twin {
        let mut t = Twin::default();
        t.vpcs.insert(
            "vpc-1".into(),
            Vpc {
                id: "vpc-1".into(),
                placement: Placement { account: None, region: Some("eu-west-1".into()) },
                cidrs: vec!["10.10.0.0/16".parse().unwrap()],
                ipv6_cidrs: vec![],
                is_default: false,
                tags: vec![],
                origin: origin(),
            },
        );
        let rule = |id: &str, domain: &str, rule_type| ResolverRule {
            id: id.into(),
            arn: None,
            name: None,
            domain_name: domain.into(),
            rule_type,
            targets: vec![],
            resolver_endpoint: None,
            owner: None,
            share_status: None,
            status: None,
            placement: Placement::default(),
            origin: origin(),
        };
        for (id, d, k) in [
            ("rr-internet", ".", ResolverRuleType::Recursive),
            ("rr-corp", "corp.example.com", ResolverRuleType::Forward),
            ("rr-vpn", "vpn.corp.example.com", ResolverRuleType::System),
            ("rr-unassociated", "other.example.com", ResolverRuleType::Forward),
        ] {
            t.dns.resolver_rules.insert(id.into(), rule(id, d, k));
            if id != "rr-unassociated" {
                t.dns.resolver_rule_associations.insert(
                    format!("a-{id}"),
                    ResolverRuleAssociation {
                        id: format!("a-{id}"),
                        rule: id.into(),
                        vpc: "vpc-1".into(),
                        name: None,
                        status: Some("COMPLETE".into()),
                        origin: origin(),
                    },
                );
            }
        }
        for (id, name) in [("Z1", "aws.corp.example.com"), ("Z2", "vpn.corp.example.com")] {
            t.dns.hosted_zones.insert(
                id.into(),
                HostedZone {
                    id: id.into(),
                    name: name.into(),
                    private: true,
                    comment: None,
                    record_count: None,
                    vpcs: vec![HostedZoneVpc { vpc: "vpc-1".into(), region: None }],
                    vpcs_known: true,
                    records: vec![],
                    records_known: false,
                    origin: origin(),
                },
            );
        }
        t
    }

    #[test]
    fn most_specific_domain_wins_and_rules_beat_zones_of_the_same_domain() {
        let t = twin();
        let v = &t.vpcs["vpc-1"];
        let d = decide(&t, v, "Host.Corp.Example.com.");
        assert_eq!((d.kind, d.rule.as_deref()), (DecisionKind::ForwardRule, Some("rr-corp")));
        assert_eq!(d.resolver.addresses[0].to_string(), "10.10.0.2");
        // a private zone more specific than the forwarded domain answers
        let d = decide(&t, v, "app.aws.corp.example.com");
        assert_eq!((d.kind, d.zone.as_deref()), (DecisionKind::PrivateHostedZone, Some("Z1")));
        // the SYSTEM rule and the zone have the same domain: the rule wins, then the zone answers
        let d = decide(&t, v, "gw.vpn.corp.example.com");
        assert_eq!((d.kind, d.local, d.zone.as_deref()), (DecisionKind::SystemRule, Some(DecisionKind::PrivateHostedZone), Some("Z2")));
        // the unassociated rule does not apply; the Internet Resolver does
        let d = decide(&t, v, "www.other.example.com");
        assert_eq!((d.kind, d.rule.as_deref()), (DecisionKind::RecursiveRule, Some("rr-internet")));
        // EC2 names of the region
        let d = decide(&t, v, "ip-10-10-10-10.eu-west-1.compute.internal");
        assert_eq!(d.kind, DecisionKind::Autodefined);
        // "corp.example.com.evil" is not inside corp.example.com
        let d = decide(&t, v, "corp.example.com.evil");
        assert_eq!(d.kind, DecisionKind::RecursiveRule);
    }

    #[test]
    fn zone_answers_follow_cnames_inside_the_zone() {
        let mut t = twin();
        let z = t.dns.hosted_zones.get_mut("Z1").unwrap();
        z.records_known = true;
        let rec = |n: &str, ty: &str, v: &str| ResourceRecordSet {
            name: n.into(),
            record_type: ty.into(),
            ttl: None,
            values: vec![v.into()],
            alias: None,
        };
        z.records = vec![
            rec("app.aws.corp.example.com", "CNAME", "app-a.aws.corp.example.com."),
            rec("app-a.aws.corp.example.com", "A", "10.10.10.10"),
        ];
        let got = zone_answer(z, "APP.aws.corp.example.com").unwrap();
        assert_eq!(got.iter().map(|r| r.record_type.as_str()).collect::<Vec<_>>(), vec!["CNAME", "A"]);
        assert!(zone_answer(z, "nothing.aws.corp.example.com").unwrap().is_empty());
    }
}
