//! One detection run, start to finish: read the logs (only the flow columns the enabled
//! detectors need), load threat lists and Sigma rules, register the tables, run the detector
//! plans (embedded, or on a Ballista cluster), evaluate Sigma on CloudTrail records as they are
//! read, and assemble the answer (`koban/detect/v1`).

use crate::detectors::{self, flow_columns_needed, Context, Detected, Params};
use crate::engine::{Engine, EngineError};
use crate::read::{self, FlowLayout, LogKind, ReadOptions, ReadReport, TrailScan};
use crate::sigma::scan::Scanner;
use crate::sigma::{Rejected, RuleSet};
use crate::threat::{parse_list_arg, ListFormat, ThreatSet};
use crate::twin::TwinView;
use koban_model::{Diagnostic, Origin, Severity};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}: {1}")]
    Input(PathBuf, std::io::Error),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("{0}")]
    Usage(String),
    #[error("starting the worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

/// What to run.
#[derive(Default)]
pub struct DetectOptions {
    pub logs: Vec<PathBuf>,
    pub kind: Option<LogKind>,
    pub flow_format: Option<FlowLayout>,
    /// `[CATEGORY=]FILE` arguments.
    pub threat_lists: Vec<String>,
    /// Sigma rule files or directories.
    pub rules: Vec<PathBuf>,
    /// Detector ids to run (all when empty).
    pub only: Vec<String>,
    /// Worker threads (0: all cores).
    pub threads: usize,
    pub params: Params,
    /// `df://HOST:PORT` of a Ballista scheduler.
    pub cluster: Option<String>,
    /// Where the cluster mode writes the Parquet copies of the logs (must be readable by the
    /// executors); a temporary directory by default.
    pub cluster_data: Option<PathBuf>,
    pub progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
}

/// A loaded threat list.
#[derive(Debug, Serialize)]
pub struct ListInfo {
    pub file: String,
    pub format: Option<ListFormat>,
    pub entries: usize,
}

/// Sigma rules used and rejected.
#[derive(Debug, Default, Serialize)]
pub struct SigmaInfo {
    pub rules: usize,
    pub rejected: Vec<Rejected>,
}

/// The answer of `koban detect`.
#[derive(Debug, Serialize)]
pub struct DetectAnswer {
    pub schema: &'static str,
    /// Where the plans ran: `embedded` or the cluster URL.
    pub engine: String,
    pub read: ReadReport,
    /// True when some input could not be read: findings may be missing.
    pub incomplete: bool,
    pub findings: Vec<Detected>,
    /// Bytes and packets the inspection endpoints carried per path (with `--twin`).
    pub inspected: Vec<detectors::topology::InspectedTraffic>,
    pub threat_lists: Vec<ListInfo>,
    pub sigma: SigmaInfo,
    /// Detectors that needed something not given (a twin, a threat list, a log kind).
    pub skipped_detectors: Vec<String>,
}

impl DetectAnswer {
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.read.diagnostics
    }
}

/// Read the logs as the enabled detectors need them: only the flow columns they read;
/// CloudTrail records kept when `keep_trail`, and handed to `trail_scan` as they are read.
pub fn read_for_detection(
    opts: &DetectOptions,
    with_twin: bool,
    keep_trail: bool,
    trail_scan: Option<&dyn TrailScan>,
) -> Result<read::Logs, RunError> {
    let cols = flow_columns_needed(&opts.only, with_twin);
    let ro = ReadOptions {
        kind: opts.kind,
        flow_format: opts.flow_format.clone(),
        flow_columns: Some(cols.iter().filter_map(|c| crate::schema::flow_field_index(c)).collect()),
        keep_trail,
        trail_scan,
        progress: opts.progress.clone(),
    };
    read::read_logs(&opts.logs, &ro).map_err(|(p, e)| RunError::Input(p, e))
}

/// Run detection, reading and evaluating Sigma on `opts.threads` threads as the query engine
/// does.
pub fn detect(opts: &DetectOptions, twin: Option<&TwinView>) -> Result<DetectAnswer, RunError> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(opts.threads).build()?;
    pool.install(|| detect_on(opts, twin))
}

fn detect_on(opts: &DetectOptions, twin: Option<&TwinView>) -> Result<DetectAnswer, RunError> {
    for d in &opts.only {
        if !detectors::CATALOGUE.iter().any(|c| c.id == d) && d != "sigma" {
            let ids: Vec<&str> = detectors::CATALOGUE.iter().map(|c| c.id).collect();
            return Err(RunError::Usage(format!("--detectors: unknown detector {d:?}; known: {}, sigma", ids.join(", "))));
        }
    }
    let mut threats = ThreatSet::default();
    let mut lists = vec![];
    let mut extra_diags = vec![];
    for arg in &opts.threat_lists {
        let (cat, path) = parse_list_arg(arg);
        let before = threats.entries.len();
        match threats.load(std::path::Path::new(path), cat) {
            Ok(f) => lists.push(ListInfo { file: path.to_string(), format: Some(f), entries: threats.entries.len() - before }),
            Err(e) => return Err(RunError::Usage(format!("--threat-list: {e}"))),
        }
    }
    for (file, line, text) in &threats.skipped {
        extra_diags.push(Diagnostic {
            severity: Severity::Warning,
            origin: Origin::new(file, format!("line {line}")),
            message: format!("threat-list entry skipped (not an IPv4 address, CIDR or domain): {text}"),
            resource: None,
        });
    }
    let rules = RuleSet::load(&opts.rules).map_err(|(p, e)| RunError::Input(p, e))?;
    let trail_table =
        detectors::CATALOGUE.iter().any(|d| d.table == "cloudtrail" && (opts.only.is_empty() || opts.only.iter().any(|o| o == d.id)));
    let sigma_on = opts.only.is_empty() || opts.only.iter().any(|o| o == "sigma");
    // Sigma reads the records as they stream past; only a detector over the `cloudtrail` table
    // needs them kept.
    let scanner = (sigma_on && !rules.rules.is_empty()).then(|| Scanner::new(&rules));
    let logs = read_for_detection(opts, twin.is_some(), trail_table, scanner.as_ref().map(|s| s as &dyn TrailScan))?;
    let trail_records = logs.report.cloudtrail.records > 0;
    let engine = match &opts.cluster {
        Some(url) => crate::cluster_engine(url, &logs, opts.cluster_data.as_deref(), opts.threads, trail_table)?,
        None => {
            let mut e = Engine::embedded(opts.threads)?;
            e.register_logs(&logs, trail_table)?;
            e
        }
    };
    let cx = Context { engine: &engine, threats: &threats, twin, params: &opts.params, only: &opts.only };
    let outcome = detectors::run_all(&cx)?;
    let mut findings = outcome.findings;
    if let Some(s) = scanner {
        findings.extend(s.findings());
    }
    findings.sort_by(|a, b| {
        b.finding
            .severity
            .value
            .total_cmp(&a.finding.severity.value)
            .then_with(|| a.finding.finding_type.cmp(&b.finding.finding_type))
            .then_with(|| a.finding.resource.cmp(&b.finding.resource))
    });
    let mut skipped = vec![];
    for d in detectors::CATALOGUE {
        let on = opts.only.is_empty() || opts.only.iter().any(|o| o == d.id);
        if !on {
            continue;
        }
        if d.needs_twin && twin.is_none() {
            skipped.push(format!("{}: needs --twin", d.id));
        } else if (d.id == "threat-ips" || d.id == "threat-domains") && threats.is_empty() {
            skipped.push(format!("{}: needs --threat-list", d.id));
        }
    }
    if sigma_on && rules.rules.is_empty() && trail_records {
        skipped.push("sigma: needs --rules".into());
    }
    let mut report = logs.report;
    report.diagnostics.extend(extra_diags);
    for r in &rules.rejected {
        report.diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            origin: Origin::new(&r.file, ""),
            message: format!("Sigma rule {:?} not used: {}", r.title, r.reason),
            resource: None,
        });
    }
    Ok(DetectAnswer {
        schema: "koban/detect/v1",
        engine: opts.cluster.clone().unwrap_or_else(|| "embedded".into()),
        incomplete: report.incomplete(),
        read: report,
        findings,
        inspected: outcome.inspected,
        threat_lists: lists,
        sigma: SigmaInfo { rules: rules.rules.len(), rejected: rules.rejected },
        skipped_detectors: skipped,
    })
}
