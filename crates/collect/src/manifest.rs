//! The manifest: one entry per account, region, service and operation the collector ran,
//! with its outcome (`ok`, `error` with a kind and AWS's message, `not-implemented`), written
//! as `manifest.json` beside the snapshot files. A failed call costs only its own files; the
//! manifest says which, so an answer drawn from a partial snapshot can be read with care.

use serde::Serialize;
use std::collections::BTreeMap;

/// The outcome of one call (all of its pages).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    Error,
    NotImplemented,
}

/// Why a call failed.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
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
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub account: String,
    /// The region, or `global` for IAM, Organizations and Route 53.
    pub region: String,
    pub service: String,
    pub operation: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
    /// AWS's error code (`AccessDenied`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The file written (relative to the output directory), when the call succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// The whole manifest, as written to `manifest.json`.
#[derive(Debug, Clone, Serialize)]
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
            let key = match e.status {
                Status::Ok => "ok",
                Status::Error => "error",
                Status::NotImplemented => "not-implemented",
            };
            *summary.entry(key.to_string()).or_insert(0) += 1;
        }
        Manifest { schema: "koban/collect-manifest/v1", koban_version: env!("CARGO_PKG_VERSION"), accounts, regions, summary, entries }
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
            vec![entry("DescribeVpcs", Status::Ok), entry("DescribeFlowLogs", Status::NotImplemented), entry("DescribeAddresses", Status::Error)],
        );
        assert_eq!(m.summary.get("ok"), Some(&1));
        assert_eq!(m.summary.get("not-implemented"), Some(&1));
        assert_eq!(m.entries[0].operation, "DescribeAddresses");
        assert_eq!(m.failures().count(), 2);
        let json = serde_json::to_value(&m).unwrap_or_default();
        assert_eq!(json["entries"][1]["status"], "not-implemented");
        assert!(json["entries"][0].get("file").is_none());
    }
}
