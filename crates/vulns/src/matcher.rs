//! Matching installed packages against the vulnerability database: for each package, the
//! advisories naming it (one indexed lookup per distinct ecosystem and name), evaluated with the
//! OSV rule in the package's version ordering.

use crate::db::{Candidate, DbError, VulnDb};
use crate::inventory::InstalledPackage;
use crate::osv::{self, Verdict};
use serde::Serialize;
use std::collections::HashMap;

/// One package affected by one advisory.
#[derive(Debug, Clone, Serialize)]
pub struct PackageMatch {
    /// Index into the packages matched.
    pub package: usize,
    pub advisory: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub published: Option<String>,
    pub modified: String,
    /// The advisory's ecosystem for this entry (`Debian:12`).
    pub ecosystem: String,
    /// Lowest fixed version above the installed one, when the advisory names one.
    pub fixed: Option<String>,
    /// `ranges[N]` or `versions`.
    pub by: String,
    pub cvss: Vec<osv::Cvss>,
    /// RustSec's `informational` kind (`unmaintained`, `unsound`, `notice`), when set.
    pub informational: Option<String>,
    pub references: Vec<osv::Reference>,
}

/// A package some advisory might affect, whose version koban could not order.
#[derive(Debug, Clone, Serialize)]
pub struct Undecided {
    pub package: usize,
    pub advisory: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct MatchReport {
    pub matches: Vec<PackageMatch>,
    pub undecided: Vec<Undecided>,
    /// Distinct (ecosystem, name) lookups made.
    pub lookups: usize,
}

/// Match every package; each advisory is reported at most once per package.
pub fn match_packages(db: &VulnDb, packages: &[InstalledPackage]) -> Result<MatchReport, DbError> {
    let mut cache: HashMap<(String, String), Vec<Candidate>> = HashMap::new();
    let mut report = MatchReport::default();
    for (i, p) in packages.iter().enumerate() {
        let key = (p.ecosystem.clone(), p.name.clone());
        if !cache.contains_key(&key) {
            let c = db.candidates(&p.ecosystem, &p.name)?;
            cache.insert(key.clone(), c);
        }
        let candidates = cache.get(&key).map(Vec::as_slice).unwrap_or_default();
        let mut seen: Vec<&str> = Vec::new();
        for c in candidates {
            if seen.contains(&c.id.as_str()) {
                continue;
            }
            match osv::evaluate(&c.affected, &p.version) {
                Verdict::Affected { fixed, by } => {
                    seen.push(&c.id);
                    report.matches.push(PackageMatch {
                        package: i,
                        advisory: c.id.clone(),
                        aliases: c.aliases.clone(),
                        summary: c.summary.clone(),
                        published: c.published.clone(),
                        modified: c.modified.clone(),
                        ecosystem: c.affected.package.ecosystem.clone(),
                        fixed,
                        by,
                        cvss: c.cvss.clone(),
                        informational: osv::informational(&c.affected),
                        references: c.references.clone(),
                    });
                }
                Verdict::NotAffected => {}
                Verdict::Unknown { reason } => report.undecided.push(Undecided { package: i, advisory: c.id.clone(), reason }),
            }
        }
    }
    report.lookups = cache.len();
    Ok(report)
}
