//! The OSV schema (https://ossf.github.io/osv-schema/), read in full: typed advisories, their
//! affected packages and ranges (`SEMVER`, `ECOSYSTEM`, `GIT`), `versions` lists, withdrawal,
//! aliases, CVSS severities and `database_specific`; and the OSV rule deciding whether one
//! version of a package is affected.

use crate::version::{Scheme, Version, VersionError};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::cmp::Ordering;

/// A malformed advisory: what was expected, at which JSON path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct OsvError {
    /// JSON path, e.g. `$.affected[0].ranges[1].events[2]`.
    pub path: String,
    pub message: String,
}

fn null_as_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Advisory {
    #[serde(default)]
    pub schema_version: Option<String>,
    pub id: String,
    pub modified: String,
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub aliases: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub upstream: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub related: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub severity: Vec<SeverityEntry>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub affected: Vec<Affected>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub references: Vec<Reference>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub credits: Vec<Value>,
    #[serde(default)]
    pub database_specific: Option<Value>,
}

/// A severity: `CVSS_V2`, `CVSS_V3`, `CVSS_V4` vectors, or an ecosystem's own (`Ubuntu`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SeverityEntry {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Reference {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Package {
    pub ecosystem: String,
    pub name: String,
    #[serde(default)]
    pub purl: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Affected {
    pub package: Package,
    #[serde(default, deserialize_with = "null_as_default")]
    pub severity: Vec<SeverityEntry>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub ranges: Vec<Range>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub versions: Vec<String>,
    #[serde(default)]
    pub ecosystem_specific: Option<Value>,
    #[serde(default)]
    pub database_specific: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum RangeType {
    #[serde(rename = "SEMVER")]
    SemVer,
    #[serde(rename = "ECOSYSTEM")]
    Ecosystem,
    #[serde(rename = "GIT")]
    Git,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: RangeType,
    #[serde(default)]
    pub repo: Option<String>,
    pub events: Vec<Event>,
    #[serde(default)]
    pub database_specific: Option<Value>,
}

/// One event; exactly one key per object in the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

/// Parse one advisory; errors carry the JSON path of the first problem.
pub fn parse(bytes: &[u8]) -> Result<Advisory, OsvError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let adv: Advisory = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let p = e.path().to_string();
        let syntax = e.inner().is_syntax() || e.inner().is_eof();
        OsvError { path: if p == "." || syntax { "$".into() } else { format!("$.{p}") }, message: e.inner().to_string() }
    })?;
    validate(&adv)?;
    Ok(adv)
}

/// The checks the schema states beyond shapes: ids present, ranges with an `introduced`,
/// `GIT` ranges with a repo, and every event version readable in its range's ordering.
fn validate(adv: &Advisory) -> Result<(), OsvError> {
    let err = |path: String, message: String| Err(OsvError { path, message });
    if adv.id.trim().is_empty() {
        return err("$.id".into(), "expected a non-empty id".into());
    }
    for (i, a) in adv.affected.iter().enumerate() {
        if a.package.name.trim().is_empty() || a.package.ecosystem.trim().is_empty() {
            return err(format!("$.affected[{i}].package"), "expected a package ecosystem and name".into());
        }
        for (r, range) in a.ranges.iter().enumerate() {
            let path = format!("$.affected[{i}].ranges[{r}]");
            if !range.events.iter().any(|e| matches!(e, Event::Introduced(_))) {
                return err(format!("{path}.events"), "expected at least one `introduced` event".into());
            }
            if range.kind == RangeType::Git && range.repo.as_deref().is_none_or(str::is_empty) {
                return err(format!("{path}.repo"), "a GIT range needs the repository URL".into());
            }
            let Some(scheme) = range_scheme(range.kind, &a.package.ecosystem) else { continue };
            for (e, ev) in range.events.iter().enumerate() {
                if matches!(ev, Event::Introduced(v) if v == "0") {
                    continue;
                }
                if let Err(x) = scheme.parse(ev.version()) {
                    return err(format!("{path}.events[{e}]"), x.to_string());
                }
            }
        }
    }
    Ok(())
}

/// The ordering a range's events are in; `None` for `GIT` ranges (commits, not versions) and
/// for ecosystems whose ordering koban does not implement.
pub fn range_scheme(kind: RangeType, ecosystem: &str) -> Option<Scheme> {
    match kind {
        RangeType::SemVer => Some(Scheme::for_semver_range(ecosystem)),
        RangeType::Ecosystem => Scheme::for_ecosystem(ecosystem),
        RangeType::Git => None,
    }
}

/// Whether a version is affected, and how koban knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Inside a range (`range` is its index) or listed in `versions`.
    Affected {
        /// The lowest `fixed` version above the installed one in the matching range, if any.
        fixed: Option<String>,
        /// `range[N]` or `versions`.
        by: String,
    },
    NotAffected,
    /// The installed version cannot be read in the ordering of a range that might cover it.
    Unknown {
        reason: String,
    },
}

/// OSV's evaluation for one affected entry: listed in `versions`, or inside a range where
/// events are applied in version order (`introduced: "0"` first): `introduced` opens,
/// `fixed` closes at that version, `last_affected` closes just above it, `limit` bounds it.
pub fn evaluate(affected: &Affected, installed: &str) -> Verdict {
    let eco = &affected.package.ecosystem;
    if affected.versions.iter().any(|v| same_version(eco, v, installed)) {
        let fixed = affected.ranges.iter().find_map(|r| next_fixed(r, eco, installed));
        return Verdict::Affected { fixed, by: "versions".into() };
    }
    let mut unknown = None;
    for (i, range) in affected.ranges.iter().enumerate() {
        let Some(scheme) = range_scheme(range.kind, eco) else { continue };
        let v = match scheme.parse(installed) {
            Ok(v) => v,
            Err(e) => {
                unknown = Some(e.to_string());
                continue;
            }
        };
        match in_range(range, scheme, &v) {
            Ok(true) => return Verdict::Affected { fixed: next_fixed(range, eco, installed), by: format!("ranges[{i}]") },
            Ok(false) => {}
            Err(e) => unknown = Some(e.to_string()),
        }
    }
    match unknown {
        Some(reason) => Verdict::Unknown { reason },
        None => Verdict::NotAffected,
    }
}

fn same_version(ecosystem: &str, listed: &str, installed: &str) -> bool {
    if listed == installed {
        return true;
    }
    match Scheme::for_ecosystem(ecosystem) {
        Some(s) => matches!((s.parse(listed), s.parse(installed)), (Ok(a), Ok(b)) if a.partial_cmp(&b) == Some(Ordering::Equal)),
        None => false,
    }
}

/// Events sorted by version, `introduced: "0"` below everything (stable for ties).
fn sorted_events(range: &Range, scheme: Scheme) -> Result<Vec<(Option<Version>, &Event)>, VersionError> {
    let mut evs = Vec::with_capacity(range.events.len());
    for e in &range.events {
        let v = match e {
            Event::Introduced(z) if z == "0" => None,
            _ => Some(scheme.parse(e.version())?),
        };
        evs.push((v, e));
    }
    evs.sort_by(|a, b| match (&a.0, &b.0) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
    });
    Ok(evs)
}

fn in_range(range: &Range, scheme: Scheme, v: &Version) -> Result<bool, VersionError> {
    let evs = sorted_events(range, scheme)?;
    let ge = |bound: &Option<Version>| bound.as_ref().is_none_or(|b| v.partial_cmp(b).is_some_and(|o| o != Ordering::Less));
    let gt = |bound: &Option<Version>| bound.as_ref().is_none_or(|b| v.partial_cmp(b) == Some(Ordering::Greater));
    if evs.iter().any(|(b, e)| matches!(e, Event::Limit(_)) && ge(b)) {
        return Ok(false);
    }
    let mut affected = false;
    for (bound, e) in &evs {
        match e {
            Event::Introduced(_) if ge(bound) => affected = true,
            Event::Fixed(_) if ge(bound) => affected = false,
            Event::LastAffected(_) if gt(bound) => affected = false,
            _ => {}
        }
    }
    Ok(affected)
}

/// The lowest `fixed` event above the installed version.
fn next_fixed(range: &Range, ecosystem: &str, installed: &str) -> Option<String> {
    let scheme = range_scheme(range.kind, ecosystem)?;
    let v = scheme.parse(installed).ok()?;
    let evs = sorted_events(range, scheme).ok()?;
    evs.into_iter().find_map(|(b, e)| match (e, b) {
        (Event::Fixed(s), Some(b)) if v.partial_cmp(&b) == Some(Ordering::Less) => Some(s.clone()),
        _ => None,
    })
}

/// RustSec's `informational` kind (`unmaintained`, `unsound`, `notice`): a warning, not a
/// vulnerability.
pub fn informational(affected: &Affected) -> Option<String> {
    affected.database_specific.as_ref()?.get("informational")?.as_str().map(str::to_string)
}

/// A CVSS vector from the advisory, with its base score where koban can compute it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cvss {
    /// `CVSS_V2`, `CVSS_V3` or `CVSS_V4`.
    pub kind: String,
    pub vector: String,
    /// The base score (CVSS v3.0/v3.1 with the v3.1 formula, v4.0 and v2 with their own), or
    /// `None` when the vector does not parse.
    pub base_score: Option<f64>,
}

/// Every CVSS vector of the advisory and of the affected entry (the entry's own first).
pub fn cvss(adv: &Advisory, affected: Option<&Affected>) -> Vec<Cvss> {
    affected
        .map(|a| a.severity.as_slice())
        .unwrap_or_default()
        .iter()
        .chain(adv.severity.iter())
        .filter(|s| s.kind.starts_with("CVSS_"))
        .map(|s| Cvss {
            kind: s.kind.clone(),
            vector: s.score.clone(),
            base_score: s.score.parse::<cvss::Cvss>().ok().map(|c| (c.score() * 10.0).round() / 10.0),
        })
        .collect()
}

/// The score Inspector would use: CVSS v3 first, then v4, then v2.
pub fn preferred(scores: &[Cvss]) -> Option<&Cvss> {
    ["CVSS_V3", "CVSS_V4", "CVSS_V2"].iter().find_map(|k| scores.iter().find(|c| c.kind == *k && c.base_score.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn affected(eco: &str, events: Value, versions: Value) -> Affected {
        serde_json::from_value(serde_json::json!({
            "package": {"ecosystem": eco, "name": "p"},
            "ranges": [{"type": if eco == "crates.io" || eco == "Go" { "SEMVER" } else { "ECOSYSTEM" }, "events": events}],
            "versions": versions
        }))
        .unwrap()
    }

    fn hit(a: &Affected, v: &str) -> bool {
        matches!(evaluate(a, v), Verdict::Affected { .. })
    }

    #[test]
    fn events_apply_in_version_order() {
        // Events listed out of order still mean [1.0, 2.0).
        let a = affected("crates.io", serde_json::json!([{"fixed": "2.0.0"}, {"introduced": "1.0.0"}]), serde_json::json!([]));
        assert!(hit(&a, "1.5.0"));
        assert!(!hit(&a, "2.0.0"));
        assert!(!hit(&a, "0.9.0"));
        assert_eq!(evaluate(&a, "1.5.0"), Verdict::Affected { fixed: Some("2.0.0".into()), by: "ranges[0]".into() });
    }

    #[test]
    fn last_affected_and_limit() {
        let a = affected("PyPI", serde_json::json!([{"introduced": "0"}, {"last_affected": "1.4"}]), serde_json::json!([]));
        assert!(hit(&a, "1.4"));
        assert!(hit(&a, "1.4.0"));
        assert!(!hit(&a, "1.4.post1"));
        let b = affected("PyPI", serde_json::json!([{"introduced": "1.0"}, {"limit": "1.2"}]), serde_json::json!([]));
        assert!(hit(&b, "1.1"));
        assert!(!hit(&b, "1.2"));
    }

    #[test]
    fn versions_lists_and_unknown_orderings() {
        // An ecosystem without an ordering matches through `versions` only.
        let a = affected("Hackage", serde_json::json!([{"introduced": "0"}, {"fixed": "1.0"}]), serde_json::json!(["0.9"]));
        assert!(hit(&a, "0.9"));
        assert!(!hit(&a, "0.8"));
        // An installed version unreadable in the range's ordering is unknown, not "not affected".
        let b = affected("crates.io", serde_json::json!([{"introduced": "1.0.0"}]), serde_json::json!([]));
        assert!(matches!(evaluate(&b, "banana"), Verdict::Unknown { .. }));
    }

    #[test]
    fn debian_ranges_use_dpkg_order() {
        let a = affected("Debian:12", serde_json::json!([{"introduced": "0"}, {"fixed": "2.36-9+deb12u4"}]), serde_json::json!([]));
        assert!(hit(&a, "2.36-9+deb12u3"));
        assert!(!hit(&a, "2.36-9+deb12u4"));
        assert!(hit(&a, "2.36-9"));
    }

    #[test]
    fn malformed_records_name_the_json_path() {
        let e = parse(br#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"crates.io","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0.1.0"},{"fixed":"one"}]}]}]}"#).unwrap_err();
        assert_eq!(e.path, "$.affected[0].ranges[0].events[1]");
        let e = parse(br#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVERISH","events":[]}]}]}"#).unwrap_err();
        assert_eq!(e.path, "$.affected[0].ranges[0].type");
        let e = parse(br#"{"id":"X-1"}"#).unwrap_err();
        assert_eq!(e.path, "$");
        assert!(e.message.contains("modified"), "{e}");
    }

    #[test]
    fn cvss_v3_base_scores() {
        let adv: Advisory = serde_json::from_value(serde_json::json!({
            "id": "X", "modified": "m",
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                         {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}]
        }))
        .unwrap();
        let s = cvss(&adv, None);
        assert_eq!(s[0].base_score, Some(9.8));
        assert_eq!(s[1].base_score, Some(9.3));
        assert_eq!(preferred(&s).unwrap().kind, "CVSS_V3");
        // NVD's published scores for two more vectors (CVSS v3.1 calculator).
        let one = |v: &str| v.parse::<cvss::Cvss>().unwrap().score();
        assert_eq!(one("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"), 8.1);
        assert_eq!(one("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1);
    }
}
