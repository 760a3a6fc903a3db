//! Reachability-aware scores: how each resource can be reached (from the twin's `exposure`: the
//! internet, a named on-premises network over the Transit Gateway / VPN / Direct Connect, or
//! not at all), and the adjusted score of a vulnerability on it — the CVSS v3.1 environmental
//! score with the Modified Attack Vector set from that reachability (docs/vulns.md states the
//! formula).

use crate::osv::Cvss;
use koban_net::exposure::{ExposureAnswer, PortRanges};
use koban_net::trace::Hop;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// How a resource can be reached from outside its VPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reach {
    /// Some interface is reachable from the internet.
    Internet,
    /// Reachable from a named on-premises network (Transit Gateway, VPN, Direct Connect),
    /// not from the internet.
    OnPremises,
    /// In the twin, and no external source reaches any of its interfaces.
    NoPath,
    /// Not in the twin (or no twin given): not assessed.
    NotAssessed,
}

/// One way in: the source, the interface, its open ports and a witness path.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// `internet` or `network:<name>`.
    pub source: String,
    pub interface: String,
    pub ports: Vec<PortRanges>,
    pub inspected: bool,
    pub path: Vec<Hop>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceReach {
    pub reach: Reach,
    pub entries: Vec<Entry>,
}

impl ResourceReach {
    pub fn not_assessed() -> ResourceReach {
        ResourceReach { reach: Reach::NotAssessed, entries: Vec::new() }
    }

    /// Whether any path crosses a Transit Gateway.
    pub fn via_transit_gateway(&self) -> bool {
        self.entries.iter().any(|e| e.path.iter().any(|h| h.resource.starts_with("tgw-")))
    }
}

/// The reachability of every resource the exposure answer names, and `NoPath` for the twin's
/// other instances.
pub fn reachability(answer: &ExposureAnswer, instances: &BTreeSet<String>) -> BTreeMap<String, ResourceReach> {
    let mut out: BTreeMap<String, ResourceReach> =
        instances.iter().map(|i| (i.clone(), ResourceReach { reach: Reach::NoPath, entries: Vec::new() })).collect();
    for src in &answer.sources {
        let reach = if src.source == "internet" { Reach::Internet } else { Reach::OnPremises };
        for e in &src.exposed {
            let r = out.entry(e.owner.clone()).or_insert(ResourceReach { reach, entries: Vec::new() });
            r.reach = r.reach.min(reach);
            r.entries.push(Entry {
                source: src.source.clone(),
                interface: e.interface.clone(),
                ports: e.ports.clone(),
                inspected: e.inspected,
                path: e.path.clone(),
            });
        }
    }
    out
}

/// The adjusted score of one vulnerability on one resource, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjusted {
    /// The CVSS vector the score comes from.
    pub vector: Option<String>,
    pub base_score: Option<f64>,
    pub adjusted_score: Option<f64>,
    pub reach: Reach,
    pub explanation: String,
}

/// Internet exposure raises a network-exploitable vulnerability by this much (capped at 10).
pub const INTERNET_RAISE: f64 = 1.0;

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The attack vector of a CVSS v3 or v4 vector (`N`, `A`, `L`, `P`).
fn attack_vector(vector: &str) -> Option<&str> {
    vector.split('/').find_map(|m| m.strip_prefix("AV:"))
}

/// The vector's environmental score with `MAV:<av>`.
fn with_modified_attack_vector(c: &Cvss, av: &str) -> Option<f64> {
    let v = format!("{}/MAV:{av}", c.vector);
    match c.kind.as_str() {
        "CVSS_V3" => v.parse::<cvss::v3::Vector>().ok().map(|x| x.environmental_score().value()),
        "CVSS_V4" => v.parse::<cvss::v4::Vector>().ok().map(|x| x.score().value()),
        _ => None,
    }
}

/// The formula (docs/vulns.md):
/// - the base score is the advisory's CVSS v3 base score (else v4, else v2);
/// - for a network-exploitable vector (`AV:N`):
///   - reachable from the internet: base + 1.0, capped at 10 (exposed to everyone);
///   - reachable from on-premises only: the base score (the network that reaches it is
///     counted — Inspector, ignoring Transit Gateways, would call it unreachable);
///   - no path from outside the VPC: the environmental score with `MAV:A` (only the adjacent
///     network, the VPC, can reach it);
/// - adjacent, local and physical vectors, and resources not in the twin: the base score.
pub fn adjust(scores: &[Cvss], reach: &ResourceReach) -> Adjusted {
    let Some(c) = crate::osv::preferred(scores) else {
        return Adjusted {
            vector: None,
            base_score: None,
            adjusted_score: None,
            reach: reach.reach,
            explanation: "the advisory has no CVSS vector: untriaged, not scored".into(),
        };
    };
    let base = c.base_score.unwrap_or_default();
    let av = attack_vector(&c.vector);
    let (adjusted, why) = match (reach.reach, av) {
        (Reach::NotAssessed, _) => (base, "the resource is not in the twin, so its reachability is not assessed: base score kept".to_string()),
        (_, Some(av)) if av != "N" => (base, format!("attack vector {av} (not network): reachability does not change it, base score kept")),
        (_, None) => (base, "the vector has no attack vector: base score kept".into()),
        (Reach::Internet, Some(_)) => (
            (base + INTERNET_RAISE).min(10.0),
            format!("network-exploitable and reachable from the internet: base {base:.1} + {INTERNET_RAISE:.1} (capped at 10)"),
        ),
        (Reach::OnPremises, Some(_)) => (
            base,
            format!(
                "network-exploitable and reachable from on-premises{}: base score kept (Inspector, which ignores Transit Gateways, would treat it as unreachable)",
                if reach.via_transit_gateway() { " through the Transit Gateway" } else { "" }
            ),
        ),
        (Reach::NoPath, Some(_)) => match with_modified_attack_vector(c, "A") {
            Some(env) => (env, format!("network-exploitable but no path from the internet or on-premises reaches it: environmental score with MAV:A ({base:.1} -> {env:.1})")),
            None => (base, "no path reaches it, but the vector cannot be re-scored: base score kept".into()),
        },
    };
    Adjusted {
        vector: Some(c.vector.clone()),
        base_score: Some(base),
        adjusted_score: Some(round1(adjusted)),
        reach: reach.reach,
        explanation: why,
    }
}

/// Amazon Inspector's severity label for a score.
pub fn inspector_severity(score: Option<f64>) -> &'static str {
    match score {
        None => "UNTRIAGED",
        Some(s) if s >= 9.0 => "CRITICAL",
        Some(s) if s >= 7.0 => "HIGH",
        Some(s) if s >= 4.0 => "MEDIUM",
        Some(s) if s > 0.0 => "LOW",
        Some(_) => "INFORMATIONAL",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(vector: &str) -> Vec<Cvss> {
        let base = vector.parse::<cvss::Cvss>().ok().map(|c| c.score());
        vec![Cvss { kind: "CVSS_V3".into(), vector: vector.into(), base_score: base }]
    }

    fn reach(r: Reach) -> ResourceReach {
        ResourceReach { reach: r, entries: Vec::new() }
    }

    #[test]
    fn the_formula() {
        let regex = v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H");
        assert_eq!(adjust(&regex, &reach(Reach::Internet)).adjusted_score, Some(8.5));
        assert_eq!(adjust(&regex, &reach(Reach::OnPremises)).adjusted_score, Some(7.5));
        // FIRST's CVSS v3.1 calculator: AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H/MAV:A = 6.5.
        assert_eq!(adjust(&regex, &reach(Reach::NoPath)).adjusted_score, Some(6.5));
        assert_eq!(adjust(&regex, &reach(Reach::NotAssessed)).adjusted_score, Some(7.5));
        let critical = v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        assert_eq!(adjust(&critical, &reach(Reach::Internet)).adjusted_score, Some(10.0));
        // A local vulnerability does not depend on the network.
        let local = v3("CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H");
        assert_eq!(adjust(&local, &reach(Reach::NoPath)).adjusted_score, Some(6.2));
        assert_eq!(adjust(&[], &reach(Reach::Internet)).adjusted_score, None);
        assert_eq!(inspector_severity(Some(6.5)), "MEDIUM");
        assert_eq!(inspector_severity(None), "UNTRIAGED");
    }
}
