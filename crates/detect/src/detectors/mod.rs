//! The detectors: each is a DataFusion SQL plan over the log tables (with time-window
//! aggregations) plus a finishing step that turns the plan's few result rows into findings
//! with GuardDuty's type name and severity. This module holds the shared pieces: the
//! catalogue, the run context, the result-row accessor and [`Detected`].

pub mod dns;
pub mod flow;
pub mod topology;
pub mod trail;

use crate::engine::{Engine, EngineError};
use crate::threat::ThreatSet;
use crate::twin::TwinView;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;
use koban_findings::{Finding, Severity};
use serde::Serialize;
use std::collections::HashMap;

/// A finding with the times of the log records behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Detected {
    #[serde(flatten)]
    pub finding: Finding,
    /// The first and last log record behind the finding (RFC 3339, UTC).
    pub first_seen: String,
    pub last_seen: String,
    /// How many log records (or aggregated events) it covers.
    pub count: u64,
}

/// One detector in the catalogue.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DetectorInfo {
    /// Short id used by `--detectors` (e.g. `portscan`).
    pub id: &'static str,
    /// The finding types it emits.
    pub types: &'static [&'static str],
    /// The table it reads.
    pub table: &'static str,
    /// Whether it needs `--twin`.
    pub needs_twin: bool,
    pub description: &'static str,
}

/// Every built-in detector.
pub const CATALOGUE: &[DetectorInfo] = &[
    flow::PORTSCAN,
    flow::BRUTE_FORCE,
    flow::PORT_UNUSUAL,
    flow::VOLUME_UNUSUAL,
    flow::THREAT_IPS,
    topology::PORT_PROBE,
    topology::BYPASS,
    dns::THREAT_DOMAINS,
    dns::EXFILTRATION,
    dns::DGA,
    trail::LOGGING_DISABLED,
    trail::ROOT_USAGE,
    trail::PENTEST,
    trail::CREDENTIAL_EXFILTRATION,
    trail::CONSOLE_LOGIN,
    trail::ANOMALOUS_DISCOVERY,
    trail::API_RULES,
];

/// Thresholds (documented in docs/detect.md).
#[derive(Debug, Clone)]
pub struct Params {
    /// Distinct destination ports from one source to one host in one window for a port scan.
    pub portscan_ports: i64,
    pub portscan_window_s: i64,
    /// Distinct connections (source ports) to SSH/RDP from one source in one window.
    pub brute_force_connections: i64,
    pub brute_force_window_s: i64,
}

impl Default for Params {
    fn default() -> Params {
        Params { portscan_ports: 25, portscan_window_s: 600, brute_force_connections: 20, brute_force_window_s: 3600 }
    }
}

/// What detectors run with.
pub struct Context<'a> {
    pub engine: &'a Engine,
    pub threats: &'a ThreatSet,
    pub twin: Option<&'a TwinView>,
    pub params: &'a Params,
    /// The detectors to run (ids), all when empty.
    pub only: &'a [String],
}

impl Context<'_> {
    pub fn enabled(&self, id: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == id)
    }
}

/// The flow columns the enabled detectors read (so readers build only these).
pub fn flow_columns_needed(only: &[String], with_twin: bool) -> Vec<&'static str> {
    let on = |id: &str| only.is_empty() || only.iter().any(|o| o == id);
    let mut cols = vec!["interface_id", "srcaddr", "dstaddr", "flow_direction"];
    if on("portscan") || on("brute-force") || on("port-unusual") || (with_twin && on("port-probe")) {
        cols.extend(["srcport", "dstport", "protocol", "start", "end", "action"]);
    }
    if on("volume-unusual") || on("threat-ips") || (with_twin && on("inspection-bypass")) {
        cols.extend(["srcport", "dstport", "protocol", "start", "end", "action", "bytes", "packets"]);
    }
    cols.sort_unstable();
    cols.dedup();
    cols
}

/// What the detectors found.
#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    pub findings: Vec<Detected>,
    /// Traffic the inspection endpoints carried (with `--twin`).
    pub inspected: Vec<topology::InspectedTraffic>,
}

/// Run every enabled detector; findings are sorted by severity (highest first), then type,
/// then resource.
pub fn run_all(cx: &Context) -> Result<Outcome, EngineError> {
    let mut out = vec![];
    let mut inspected = vec![];
    let p = cx.engine.present;
    if p.flows {
        flow::run(cx, &mut out)?;
        if cx.twin.is_some() {
            topology::run_with(cx, &mut out, &mut inspected)?;
        }
    }
    if p.dns {
        dns::run(cx, &mut out)?;
    }
    if p.cloudtrail {
        trail::run(cx, &mut out)?;
    }
    out.sort_by(|a, b| {
        b.finding
            .severity
            .value
            .total_cmp(&a.finding.severity.value)
            .then_with(|| a.finding.finding_type.cmp(&b.finding.finding_type))
            .then_with(|| a.finding.resource.cmp(&b.finding.resource))
            .then_with(|| a.finding.id.cmp(&b.finding.id))
            .then_with(|| a.first_seen.cmp(&b.first_seen))
    });
    Ok(Outcome { findings: merge_duplicates(out), inspected })
}

/// Findings with the same id (the same facts seen in several windows) become one, with the
/// widest time range and the summed count; the text and evidence are the first one's (the
/// earliest window's, as [`run_all`] sorts them).
pub fn merge_duplicates(v: Vec<Detected>) -> Vec<Detected> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Detected> = vec![];
    for d in v {
        match seen.get(&d.finding.id) {
            Some(&i) => {
                let e = &mut out[i];
                e.count += d.count;
                if d.first_seen < e.first_seen {
                    e.first_seen = d.first_seen;
                }
                if d.last_seen > e.last_seen {
                    e.last_seen = d.last_seen;
                }
            }
            None => {
                seen.insert(d.finding.id.clone(), out.len());
                out.push(d);
            }
        }
    }
    out
}

/// RFC 3339 (UTC, seconds) from milliseconds since the epoch.
pub fn iso_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default()
}

/// RFC 3339 from seconds since the epoch (flow-log `start`/`end`).
pub fn iso_s(s: i64) -> String {
    iso_ms(s.saturating_mul(1000))
}

/// Build a [`Detected`].
#[allow(clippy::too_many_arguments)]
pub fn detected(
    finding_type: &str,
    source: &str,
    severity: f32,
    resource: &str,
    facts: &[&str],
    title: String,
    description: String,
    evidence: serde_json::Value,
    remediation: &str,
    first_ms: i64,
    last_ms: i64,
    count: u64,
) -> Detected {
    Detected {
        finding: Finding::new(finding_type, source, Severity::new(severity), resource, facts, title, description, evidence, remediation),
        first_seen: iso_ms(first_ms),
        last_seen: iso_ms(last_ms),
        count,
    }
}

/// Result rows of a detector plan, with columns normalised to Int64, Float64 or Utf8.
pub struct Rows {
    names: Vec<String>,
    batches: Vec<Vec<ArrayRef>>,
    /// (batch, row) for each row.
    index: Vec<(usize, usize)>,
}

impl Rows {
    pub fn new(batches: &[RecordBatch]) -> Rows {
        let names = batches.first().map(|b| b.schema().fields().iter().map(|f| f.name().clone()).collect()).unwrap_or_default();
        let mut norm = vec![];
        let mut index = vec![];
        for (bi, b) in batches.iter().enumerate() {
            let cols = b
                .columns()
                .iter()
                .map(|c| {
                    let target = match c.data_type() {
                        DataType::Float32 | DataType::Float64 | DataType::Decimal128(_, _) => Some(DataType::Float64),
                        DataType::Utf8View | DataType::LargeUtf8 | DataType::Dictionary(_, _) => Some(DataType::Utf8),
                        DataType::Timestamp(_, _) => Some(DataType::Int64),
                        t if t.is_integer() => Some(DataType::Int64),
                        _ => None,
                    };
                    match target {
                        Some(t) if &t != c.data_type() => cast(c, &t).unwrap_or_else(|_| c.clone()),
                        _ => c.clone(),
                    }
                })
                .collect();
            norm.push(cols);
            index.extend((0..b.num_rows()).map(|r| (bi, r)));
        }
        Rows { names, batches: norm, index }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    fn col(&self, row: usize, name: &str) -> Option<(&ArrayRef, usize)> {
        let c = self.names.iter().position(|n| n == name)?;
        let (b, r) = *self.index.get(row)?;
        let a = self.batches.get(b)?.get(c)?;
        if a.is_null(r) {
            None
        } else {
            Some((a, r))
        }
    }

    pub fn str(&self, row: usize, name: &str) -> Option<&str> {
        let (a, r) = self.col(row, name)?;
        a.as_any().downcast_ref::<StringArray>().map(|s| s.value(r))
    }

    pub fn string(&self, row: usize, name: &str) -> String {
        self.str(row, name).unwrap_or("").to_string()
    }

    pub fn int(&self, row: usize, name: &str) -> Option<i64> {
        let (a, r) = self.col(row, name)?;
        match a.data_type() {
            DataType::Int64 => a.as_any().downcast_ref::<Int64Array>().map(|x| x.value(r)),
            DataType::Float64 => Some(a.as_primitive::<Float64Type>().value(r) as i64),
            _ => None,
        }
    }

    pub fn i(&self, row: usize, name: &str) -> i64 {
        self.int(row, name).unwrap_or(0)
    }

    pub fn float(&self, row: usize, name: &str) -> Option<f64> {
        let (a, r) = self.col(row, name)?;
        match a.data_type() {
            DataType::Float64 => a.as_any().downcast_ref::<Float64Array>().map(|x| x.value(r)),
            DataType::Int64 => Some(a.as_primitive::<Int64Type>().value(r) as f64),
            _ => None,
        }
    }

    /// The row as a JSON object (evidence).
    pub fn json(&self, row: usize) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for n in &self.names {
            let v = if let Some(s) = self.str(row, n) {
                serde_json::Value::String(s.to_string())
            } else if let Some((a, r)) = self.col(row, n) {
                match a.data_type() {
                    DataType::Int64 => serde_json::json!(a.as_primitive::<Int64Type>().value(r)),
                    DataType::Float64 => serde_json::json!(a.as_primitive::<Float64Type>().value(r)),
                    DataType::Boolean => serde_json::json!(a.as_boolean().value(r)),
                    _ => serde_json::Value::Null,
                }
            } else {
                serde_json::Value::Null
            };
            m.insert(n.clone(), v);
        }
        serde_json::Value::Object(m)
    }
}

/// The protocol name of an IANA protocol number.
pub fn protocol_name(p: i64) -> String {
    match p {
        1 => "ICMP".into(),
        6 => "TCP".into(),
        17 => "UDP".into(),
        58 => "ICMPv6".into(),
        n => format!("protocol {n}"),
    }
}
