//! The manifest: one entry per account, region, service and operation the collector ran,
//! with its outcome (`ok`, `error` with a kind and AWS's message, `not-implemented`), written
//! as `manifest.json` beside the snapshot files. A failed call costs only its own files; the
//! manifest says which, so an answer drawn from a partial snapshot can be read with care.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The outcome of one call (all of its pages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Ok,
    Error,
    NotImplemented,
}

/// Why a call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorKind {
    /// The credentials may not call it (`AccessDenied`, `UnauthorizedOperation`, …).
    AccessDenied,
    /// The region is not enabled for the account, or the service not subscribed
    /// (`OptInRequired`, `SubscriptionRequiredException`, …).
    OptIn,
    /// Still throttled after the retries.
    Throttled,
    /// The endpoint could not be reached or did not answer.
    Network,
    /// Any other service error.
    Service,
    /// Refused before it was sent (the read-only guard, or a request that could not be built).
    Refused,
}

/// One entry of the manifest.
#[derive(Debug, Clone)]
pub struct Entry {
    pub account: String,
    /// The region, or `global` for IAM, Organizations and Route 53.
    pub region: String,
    pub service: String,
    pub operation: String,
    pub status: Status,
    pub error_kind: Option<ErrorKind>,
    /// AWS's error code (`AccessDenied`, …).
    pub code: Option<String>,
    pub message: Option<String>,
    /// The file written (relative to the output directory), when the call succeeded.
    pub file: Option<String>,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Error => "error",
            Status::NotImplemented => "not-implemented",
        }
    }
}

impl ErrorKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorKind::AccessDenied => "access-denied",
            ErrorKind::OptIn => "opt-in",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Network => "network",
            ErrorKind::Service => "service",
            ErrorKind::Refused => "refused",
        }
    }
}

impl Entry {
    /// The entry as written to `manifest.json` (absent fields left out).
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("account".into(), json!(self.account));
        o.insert("region".into(), json!(self.region));
        o.insert("service".into(), json!(self.service));
        o.insert("operation".into(), json!(self.operation));
        o.insert("status".into(), json!(self.status.as_str()));
        if let Some(k) = self.error_kind {
            o.insert("error_kind".into(), json!(k.as_str()));
        }
        for (key, v) in [("code", &self.code), ("message", &self.message), ("file", &self.file)] {
            if let Some(v) = v {
                o.insert(key.into(), json!(v));
            }
        }
        Value::Object(o)
    }
}

/// The whole manifest, as written to `manifest.json`.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub schema: &'static str,
    pub koban_version: &'static str,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// Counts per status.
    pub summary: BTreeMap<String, usize>,
    pub entries: Vec<Entry>,
}

impl Manifest {
    pub fn new(accounts: Vec<String>, regions: Vec<String>, mut entries: Vec<Entry>) -> Self {
        entries.sort_by(|a, b| {
            (&a.account, &a.region, &a.service, &a.operation, &a.file).cmp(&(&b.account, &b.region, &b.service, &b.operation, &b.file))
        });
        let mut summary = BTreeMap::new();
        for e in &entries {
            *summary.entry(e.status.as_str().to_string()).or_insert(0) += 1;
        }
        Manifest { schema: "koban/collect-manifest/v1", koban_version: env!("CARGO_PKG_VERSION"), accounts, regions, summary, entries }
    }

    /// The manifest as written to `manifest.json`.
    pub fn to_json(&self) -> Value {
        json!({
            "schema": self.schema,
            "koban_version": self.koban_version,
            "accounts": self.accounts,
            "regions": self.regions,
            "summary": self.summary,
            "entries": self.entries.iter().map(Entry::to_json).collect::<Vec<_>>(),
        })
    }

    /// Entries that did not succeed.
    pub fn failures(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.status != Status::Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(op: &str, status: Status) -> Entry {
        Entry {
            account: "111111111111".into(),
            region: "eu-west-1".into(),
            service: "ec2".into(),
            operation: op.into(),
            status,
            error_kind: None,
            code: None,
            message: None,
            file: None,
        }
    }

    #[test]
    fn summary_counts_and_sorted_entries() {
        let m = Manifest::new(
            vec!["111111111111".into()],
            vec!["eu-west-1".into()],
            vec![
                entry("DescribeVpcs", Status::Ok),
                entry("DescribeFlowLogs", Status::NotImplemented),
                entry("DescribeAddresses", Status::Error),
            ],
        );
        assert_eq!(m.summary.get("ok"), Some(&1));
        assert_eq!(m.summary.get("not-implemented"), Some(&1));
        assert_eq!(m.entries[0].operation, "DescribeAddresses");
        assert_eq!(m.failures().count(), 2);
        let json = m.to_json();
        assert_eq!(json["entries"][1]["status"], "not-implemented");
        assert!(json["entries"][0].get("file").is_none());
    }
}
