//! Findings from matches and reachability: Inspector-shaped `PACKAGE_VULNERABILITY` findings
//! (package, installed and fixed versions, advisory and aliases, CVSS, the adjusted score and
//! why) and `NETWORK_REACHABILITY` findings (open port ranges with their witness path, Transit
//! Gateway paths included), plus RustSec's informational advisories as warnings.

use crate::inventory::{InstalledPackage, Inventory};
use crate::matcher::MatchReport;
use crate::score::{adjust, inspector_severity, Reach, ResourceReach};
use koban_findings::{Finding, Severity};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

pub const PACKAGE_VULNERABILITY: &str = "PACKAGE_VULNERABILITY";
pub const NETWORK_REACHABILITY: &str = "NETWORK_REACHABILITY";
const SOURCE: &str = "koban-vulns";

/// An informational advisory (unmaintained, unsound, notice) that applies to a package.
#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    pub kind: String,
    pub advisory: String,
    pub summary: Option<String>,
    pub package: InstalledPackage,
}

/// A package an advisory might affect whose version koban could not order.
#[derive(Debug, Clone, Serialize)]
pub struct Undecided {
    pub advisory: String,
    pub reason: String,
    pub package: InstalledPackage,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Assessment {
    pub findings: Vec<Finding>,
    pub warnings: Vec<Warning>,
    pub undecided: Vec<Undecided>,
}

/// Amazon Inspector's `packageManager` for an ecosystem and the file it was read from.
pub fn package_manager(p: &InstalledPackage) -> &'static str {
    let file = p.path.as_deref().unwrap_or("");
    match crate::version::ecosystem_base(&p.ecosystem) {
        "crates.io" => "CARGO",
        "npm" => "NPM",
        "PyPI" if file.ends_with("poetry.lock") => "POETRY",
        "PyPI" => "PIP",
        "Go" if p.name == "stdlib" => "GOBINARY",
        "Go" => "GOMOD",
        "Maven" => "POM",
        "RubyGems" => "BUNDLER",
        "NuGet" => "NUGET",
        "Packagist" => "COMPOSER",
        _ => "OS",
    }
}

/// The resource a finding is about: the package's resource, else its inventory file.
fn resource_of(p: &InstalledPackage) -> String {
    p.resource.clone().unwrap_or_else(|| p.file.clone())
}

/// Build the findings of one run.
pub fn assess(inv: &Inventory, matches: &MatchReport, reach: &BTreeMap<String, ResourceReach>) -> Assessment {
    let mut out = Assessment::default();
    let not_assessed = ResourceReach::not_assessed();
    for m in &matches.matches {
        let Some(p) = inv.packages.get(m.package) else { continue };
        if let Some(kind) = &m.informational {
            out.warnings.push(Warning { kind: kind.clone(), advisory: m.advisory.clone(), summary: m.summary.clone(), package: p.clone() });
            continue;
        }
        let resource = resource_of(p);
        let r = p.resource.as_ref().and_then(|id| reach.get(id)).unwrap_or(&not_assessed);
        let adj = adjust(&m.cvss, r);
        let shown_id = m.aliases.iter().find(|a| a.starts_with("CVE-")).cloned().unwrap_or_else(|| m.advisory.clone());
        let pkg_name = p.binary.clone().unwrap_or_else(|| p.name.clone());
        let title = format!("{shown_id} - {pkg_name}");
        let fixed = m.fixed.clone().unwrap_or_else(|| "NotAvailable".into());
        let score_text = match (adj.base_score, adj.adjusted_score) {
            (Some(b), Some(a)) => {
                format!("CVSS base score {b:.1}, adjusted to {a:.1} ({}): {}.", inspector_severity(Some(a)), adj.explanation)
            }
            _ => format!("{}.", adj.explanation),
        };
        let description = format!(
            "{} {} {} on {resource} is affected by {}{}. {score_text}",
            p.ecosystem,
            pkg_name,
            p.version,
            m.advisory,
            m.summary.as_deref().map(|s| format!(": {s}")).unwrap_or_default(),
        );
        let remediation = match &m.fixed {
            Some(f) => format!("Upgrade {pkg_name} to {f} or later."),
            None => format!("No fixed version of {pkg_name} is published for {}: remove the package or mitigate.", m.advisory),
        };
        let cvss: Vec<_> = m
            .cvss
            .iter()
            .map(|c| {
                json!({"baseScore": c.base_score, "scoringVector": c.vector,
                       "version": c.vector.strip_prefix("CVSS:").and_then(|v| v.split('/').next()).unwrap_or("2.0"), "source": "OSV"})
            })
            .collect();
        let evidence = json!({
            "packageVulnerabilityDetails": {
                "vulnerabilityId": m.advisory,
                "source": m.advisory.split('-').next().unwrap_or("OSV"),
                "relatedVulnerabilities": m.aliases,
                "vulnerablePackages": [{
                    "name": pkg_name,
                    "sourceName": p.name,
                    "version": p.version,
                    "arch": p.arch,
                    "packageManager": package_manager(p),
                    "filePath": p.path,
                    "fixedInVersion": fixed,
                    "remediation": remediation,
                }],
                "cvss": cvss,
                "referenceUrls": m.references.iter().map(|r| r.url.clone()).collect::<Vec<_>>(),
                "vendorCreatedAt": m.published,
                "vendorUpdatedAt": m.modified,
            },
            "summary": m.summary,
            "ecosystem": p.ecosystem,
            "advisoryEcosystem": m.ecosystem,
            "matchedBy": m.by,
            "inventory": {"file": p.file, "at": p.at},
            "fixAvailable": if m.fixed.is_some() { "YES" } else { "NO" },
            "inspectorSeverity": inspector_severity(adj.adjusted_score),
            "inspectorScore": adj.adjusted_score,
            "adjusted": adj,
            "reachability": r,
        });
        let severity = Severity::new(adj.adjusted_score.unwrap_or(5.0) as f32);
        let key = [m.advisory.as_str(), p.ecosystem.as_str(), pkg_name.as_str()];
        out.findings.push(Finding::new(
            PACKAGE_VULNERABILITY,
            SOURCE,
            severity,
            &resource,
            &key,
            title,
            description,
            evidence,
            &remediation,
        ));
    }
    for u in &matches.undecided {
        if let Some(p) = inv.packages.get(u.package) {
            out.undecided.push(Undecided { advisory: u.advisory.clone(), reason: u.reason.clone(), package: p.clone() });
        }
    }
    out.findings.extend(network_findings(reach));
    out
}

/// Ports whose exposure to the internet is an administrative door (SSH, Telnet, RDP, VNC, SMB).
const ADMIN_PORTS: [u32; 6] = [22, 23, 445, 3389, 5900, 5985];

/// `NETWORK_REACHABILITY` findings: one per resource, source, protocol and open port range.
pub fn network_findings(reach: &BTreeMap<String, ResourceReach>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (resource, r) in reach {
        for e in &r.entries {
            for pr in &e.ports {
                let protocol = pr.protocol.to_ascii_uppercase();
                if !matches!(protocol.as_str(), "TCP" | "UDP" | "ALL") {
                    continue;
                }
                for range in &pr.ranges {
                    let (begin, end) = match range.split_once('-') {
                        Some((a, b)) => (a.parse::<u32>().ok(), b.parse::<u32>().ok()),
                        None if range == "all" => (Some(0), Some(65535)),
                        None => (range.parse::<u32>().ok(), range.parse::<u32>().ok()),
                    };
                    let (Some(begin), Some(end)) = (begin, end) else { continue };
                    let tgw = e.path.iter().find(|h| {
                        h.resource.starts_with("tgw-") && !h.resource.starts_with("tgw-attach-") && !h.resource.starts_with("tgw-rtb-")
                    });
                    let igw = e.path.iter().find(|h| h.resource.starts_with("igw-"));
                    let (from, via) = if e.source == "internet" {
                        ("the internet".to_string(), igw.map(|h| format!(" through Internet Gateway {}", h.resource)).unwrap_or_default())
                    } else {
                        let name = e.source.strip_prefix("network:").unwrap_or(&e.source);
                        (
                            format!("on-premises network {name}"),
                            tgw.map(|h| format!(" through Transit Gateway {}", h.resource)).unwrap_or_default(),
                        )
                    };
                    let ports = if begin == end { format!("port {begin}") } else { format!("ports {begin}-{end}") };
                    let title = format!("{protocol} {ports} on {resource} is reachable from {from}{via}");
                    let admin = ADMIN_PORTS.iter().any(|p| (begin..=end).contains(p));
                    let value = match (e.source == "internet", admin) {
                        (true, true) => 7.0,
                        (true, false) => 5.0,
                        (false, true) => 3.0,
                        (false, false) => 2.0,
                    };
                    let steps: Vec<_> = e.path.iter().map(|h| json!({"componentId": h.resource, "componentType": h.hop_type})).collect();
                    let evidence = json!({
                        "networkReachabilityDetails": {
                            "openPortRange": {"begin": begin, "end": end},
                            "protocol": protocol,
                            "networkPath": {"steps": steps},
                        },
                        "source": e.source,
                        "interface": e.interface,
                        "inspected": e.inspected,
                        "path": e.path,
                    });
                    let description = format!(
                        "{title}, on interface {}{}. {}",
                        e.interface,
                        if e.inspected { ", through the inspection appliance" } else { ", without crossing an inspection appliance" },
                        if e.source == "internet" {
                            "Anyone on the internet can open connections to it."
                        } else {
                            "Amazon Inspector does not see this path: it ignores Transit Gateways."
                        }
                    );
                    let remediation =
                        "If this exposure is not intended, remove the security group rule, network ACL entry or route that admits it.";
                    let key = [e.source.as_str(), protocol.as_str(), &begin.to_string(), &end.to_string()];
                    out.push(Finding::new(
                        NETWORK_REACHABILITY,
                        SOURCE,
                        Severity::new(value),
                        resource,
                        &key,
                        title,
                        description,
                        evidence,
                        remediation,
                    ));
                }
            }
        }
    }
    out
}

/// How many of each reach class the assessed resources are in (for the text summary).
pub fn reach_counts(reach: &BTreeMap<String, ResourceReach>, resources: &[String]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for r in resources {
        let class = match reach.get(r).map(|x| x.reach).unwrap_or(Reach::NotAssessed) {
            Reach::Internet => "internet",
            Reach::OnPremises => "on-premises",
            Reach::NoPath => "no-path",
            Reach::NotAssessed => "not-assessed",
        };
        *counts.entry(class).or_insert(0) += 1;
    }
    counts
}
