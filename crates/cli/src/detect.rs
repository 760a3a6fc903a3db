//! `koban detect` (threat detection over flow, CloudTrail and Resolver logs, optionally with
//! the twin and on a Ballista cluster) and `koban convert` (any supported log to Parquet).

use crate::load;
use crate::output::{code, fail, Run};
use koban_detect::detectors::Params;
use koban_detect::read::{self, FlowLayout, LogKind, ReadOptions};
use koban_detect::run::{detect as run_detect, DetectAnswer, DetectOptions, RunError};
use koban_detect::twin::TwinView;
use serde::Serialize;
use std::fmt::Write;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct DetectArgs {
    /// Log files or directories: VPC / Transit Gateway flow logs (text, gzip, Parquet),
    /// CloudTrail (S3 delivery, arrays, single events, JSON Lines), Route 53 Resolver query
    /// logs (docs/detect.md).
    #[arg(long, required = true, num_args = 1..)]
    pub logs: Vec<PathBuf>,
    /// The twin (AWS CLI snapshot) for topology-aware findings: inspection bypass, traffic
    /// through the inspection endpoints, probes of exposed ports.
    #[arg(long, num_args = 1..)]
    pub twin: Vec<PathBuf>,
    /// koban.yaml with the named networks (on-premises); by default one in or above the twin.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// A threat list (plain text, STIX 2.x JSON, OTX CSV), optionally with the category of
    /// its entries: c2=FILE, tor=FILE, mining=FILE, custom=FILE. Repeatable.
    #[arg(long = "threat-list", value_name = "[CATEGORY=]FILE")]
    pub threat_lists: Vec<String>,
    /// Sigma rules (files or directories) to evaluate on the CloudTrail records.
    #[arg(long)]
    pub rules: Vec<PathBuf>,
    /// What the logs are: auto (recognise each file), flow, cloudtrail or resolver.
    #[arg(long = "log-format", default_value = "auto")]
    pub log_format: Option<String>,
    /// The flow-log format of headerless records (`${version} ${interface-id} ...`, as in the
    /// flow log's LogFormat); files with a header line are read by their header.
    #[arg(long = "flow-format")]
    pub flow_format: Option<String>,
    /// Run only these detectors (comma-separated ids; `koban detect --help` lists them in
    /// docs/detect.md), e.g. portscan,brute-force,sigma.
    #[arg(long, value_delimiter = ',')]
    pub detectors: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Run the detector plans on the Apache Ballista cluster at df://HOST:PORT (needs a koban
    /// built with the `cluster` feature).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Directory, readable by the cluster's executors, for the Parquet copies of the logs.
    #[arg(long = "cluster-data")]
    pub cluster_data: Option<PathBuf>,
    /// The findings store (default: koban/findings.sqlite in the user's data directory).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Do not record the findings in the store.
    #[arg(long = "no-store")]
    pub no_store: bool,
}

#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// Log files or directories.
    #[arg(required = true)]
    pub logs: Vec<PathBuf>,
    /// Output directory: flows.parquet, cloudtrail.parquet, dns.parquet (schemas in docs/detect.md).
    #[arg(short, long)]
    pub out: PathBuf,
    /// What the logs are: auto, flow, cloudtrail or resolver.
    #[arg(long = "log-format", default_value = "auto")]
    pub log_format: Option<String>,
    /// The flow-log format of headerless records.
    #[arg(long = "flow-format")]
    pub flow_format: Option<String>,
}

/// Told how many bytes were read.
type OnRead = Arc<dyn Fn(u64) + Send + Sync>;

/// A byte-progress bar on a terminal; nothing when stderr is not a TTY.
fn progress(paths: &[PathBuf]) -> (Option<indicatif::ProgressBar>, Option<OnRead>) {
    if !std::io::stderr().is_terminal() {
        return (None, None);
    }
    let total: u64 = read::list_files(paths).unwrap_or_default().iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("reading logs {bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let b = bar.clone();
    (Some(bar), Some(Arc::new(move |n| b.inc(n))))
}

fn kind_arg(s: Option<&str>) -> Result<Option<LogKind>, String> {
    match s {
        None | Some("auto") => Ok(None),
        Some(k) => LogKind::parse(k).map(Some).ok_or_else(|| format!("--log-format {k:?}: expected auto, flow, cloudtrail or resolver")),
    }
}

fn flow_format_arg(s: Option<&str>) -> Result<Option<FlowLayout>, String> {
    s.map(|f| FlowLayout::parse(f).map_err(|e| format!("--flow-format: {e}"))).transpose()
}

pub fn detect(run: &mut Run, a: &DetectArgs) -> ExitCode {
    let kind = match kind_arg(a.log_format.as_deref()) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let flow_format = match flow_format_arg(a.flow_format.as_deref()) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let twin = if a.twin.is_empty() {
        None
    } else {
        match load::load(&a.twin, a.config.as_deref()) {
            Ok((t, _)) => Some(TwinView::new(&t).with_exposure(&t)),
            Err(e) => return fail(format!("--twin: {e}")),
        }
    };
    let (bar, progress) = progress(&a.logs);
    let opts = DetectOptions {
        logs: a.logs.clone(),
        kind,
        flow_format,
        threat_lists: a.threat_lists.clone(),
        rules: a.rules.clone(),
        only: a.detectors.clone(),
        threads: a.threads.unwrap_or(0),
        params: Params::default(),
        cluster: a.cluster.clone(),
        cluster_data: a.cluster_data.clone(),
        progress,
    };
    run.loaded();
    let answer = match run_detect(&opts, twin.as_ref()) {
        Ok(x) => x,
        Err(RunError::Usage(m)) => return fail(m),
        Err(e) => return fail(e),
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let read_nothing = answer.read.flow.files + answer.read.cloudtrail.files + answer.read.resolver.files == 0;
    if read_nothing {
        eprint!("{}", crate::render::diagnostics(answer.diagnostics()));
        return fail("no log records could be read from the given paths");
    }
    if !a.no_store {
        if let Err(e) = crate::findings_io::store_detected(a.db.as_deref(), &answer.findings) {
            return fail(format!("findings store: {e}"));
        }
    }
    let diags = answer.read.diagnostics.clone();
    run.emit(&answer, render, &diags);
    code(!answer.findings.is_empty())
}

fn render(a: &DetectAnswer) -> String {
    let mut out = String::new();
    let r = &a.read;
    let _ = writeln!(
        out,
        "read: {} flow records ({} files), {} CloudTrail records ({} files), {} Resolver queries ({} files); {} malformed records skipped{}",
        r.flow.records,
        r.flow.files,
        r.cloudtrail.records,
        r.cloudtrail.files,
        r.resolver.records,
        r.resolver.files,
        r.flow.malformed + r.cloudtrail.malformed + r.resolver.malformed,
        if a.incomplete { " (INCOMPLETE: some input could not be read)" } else { "" }
    );
    if a.sigma.rules > 0 || !a.sigma.rejected.is_empty() {
        let _ = writeln!(out, "sigma: {} rules evaluated, {} rejected", a.sigma.rules, a.sigma.rejected.len());
    }
    for s in &a.skipped_detectors {
        let _ = writeln!(out, "skipped detector {s}");
    }
    if a.findings.is_empty() {
        let _ = writeln!(out, "no findings");
    } else {
        let _ = writeln!(out, "{} finding(s):", a.findings.len());
        for d in &a.findings {
            let f = &d.finding;
            let _ = writeln!(
                out,
                "  [{:>6} {:.1}] {}  {}\n      {}\n      {} .. {}, {} record(s), id {}",
                format!("{:?}", f.severity.label).to_uppercase(),
                f.severity.value,
                f.finding_type,
                f.resource,
                f.title,
                d.first_seen,
                d.last_seen,
                d.count,
                f.id
            );
        }
    }
    if !a.inspected.is_empty() {
        let _ = writeln!(out, "traffic through inspection endpoints:");
        for t in &a.inspected {
            let _ = writeln!(
                out,
                "  {} ({}) {:<8} {} -> {}: {} bytes, {} packets, {} records",
                t.endpoint_eni, t.endpoint, t.direction, t.from, t.to, t.bytes, t.packets, t.records
            );
        }
    }
    out
}

/// The answer of `koban convert`.
#[derive(Debug, Serialize)]
struct ConvertAnswer {
    schema: &'static str,
    out: String,
    files: Vec<ConvertedFile>,
    read: read::ReadReport,
    incomplete: bool,
}

#[derive(Debug, Serialize)]
struct ConvertedFile {
    table: &'static str,
    path: String,
    rows: u64,
}

pub fn convert(run: &mut Run, a: &ConvertArgs) -> ExitCode {
    let kind = match kind_arg(a.log_format.as_deref()) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let flow_format = match flow_format_arg(a.flow_format.as_deref()) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let (bar, progress) = progress(&a.logs);
    let opts = ReadOptions { kind, flow_format, flow_columns: None, keep_trail: true, trail_scan: None, progress };
    let logs = match read::read_logs(&a.logs, &opts) {
        Ok(l) => l,
        Err((p, e)) => return fail(format!("{}: {e}", p.display())),
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    run.loaded();
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        return fail(format!("{}: {e}", a.out.display()));
    }
    let trail = if logs.trail.is_empty() {
        vec![]
    } else {
        match koban_detect::read::cloudtrail::trail_batch(&logs.trail) {
            Ok(b) => vec![b],
            Err(e) => return fail(e),
        }
    };
    let mut files = vec![];
    let tables = [
        ("flows", logs.flow_schema.clone(), &logs.flows[..]),
        ("cloudtrail", koban_detect::schema::cloudtrail(), &trail[..]),
        ("dns", koban_detect::schema::dns(), &logs.dns[..]),
    ];
    for (table, schema, batches) in tables {
        if batches.iter().all(|b| b.num_rows() == 0) {
            continue;
        }
        let path: PathBuf = Path::new(&a.out).join(format!("{table}.parquet"));
        match koban_detect::engine::write_parquet(&path, schema, batches) {
            Ok(rows) => files.push(ConvertedFile { table, path: path.display().to_string(), rows }),
            Err(e) => return fail(format!("{}: {e}", path.display())),
        }
    }
    let nothing = files.is_empty();
    let answer = ConvertAnswer {
        schema: "koban/convert/v1",
        out: a.out.display().to_string(),
        incomplete: logs.report.incomplete(),
        files,
        read: logs.report,
    };
    let diags = answer.read.diagnostics.clone();
    run.emit(
        &answer,
        |a: &ConvertAnswer| {
            let mut s = String::new();
            for f in &a.files {
                let _ = writeln!(s, "{}: {} rows -> {}", f.table, f.rows, f.path);
            }
            if a.incomplete {
                let _ = writeln!(s, "INCOMPLETE: some input could not be read (see the diagnostics)");
            }
            s
        },
        &diags,
    );
    if nothing {
        return ExitCode::from(2);
    }
    code(false)
}
