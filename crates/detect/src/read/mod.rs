//! Reading logs: finds the files under the given paths, decompresses gzip, recognises what
//! each file holds (VPC/Transit Gateway flow logs as text, CloudWatch Logs envelopes or
//! Parquet; CloudTrail in any of its deliveries; Route 53 Resolver query logs) and hands it to
//! the reader for that kind. Malformed records are counted and reported with their file and
//! line (or JSON path) and skipped; a damaged file is an error for that file only.

pub mod cloudtrail;
pub mod flow;
mod flow_chunk;
pub mod input;
pub mod parquet;
pub mod projection;
pub mod resolver;
pub mod scan;
mod trail_stream;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use koban_model::{Diagnostic, Origin, Severity};
use rayon::prelude::*;
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub use cloudtrail::TrailEvent;
pub use flow::{FlowLayout, FlowProjection};
pub use projection::{Projected, Projection, Slot};
pub use scan::{Location, RecordView, ScanBatch, Scanned, TrailScan};

/// What a log file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogKind {
    /// VPC or Transit Gateway flow logs.
    Flow,
    /// CloudTrail records.
    Cloudtrail,
    /// Route 53 Resolver query logs.
    Resolver,
}

impl LogKind {
    pub fn parse(s: &str) -> Option<LogKind> {
        match s {
            "flow" | "flowlogs" | "vpc-flow" => Some(LogKind::Flow),
            "cloudtrail" => Some(LogKind::Cloudtrail),
            "resolver" | "dns" | "route53resolver" => Some(LogKind::Resolver),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LogKind::Flow => "flow",
            LogKind::Cloudtrail => "cloudtrail",
            LogKind::Resolver => "resolver",
        }
    }
}

/// Problems that make a whole file unreadable.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("truncated gzip stream after {0} decompressed bytes (the complete records before the cut were read)")]
    TruncatedGzip(usize),
    #[error("not a log koban reads: {0}")]
    Unrecognised(String),
    #[error(transparent)]
    Flow(#[from] flow::FlowError),
    #[error(transparent)]
    Parquet(#[from] parquet::ParquetError),
    #[error("not valid JSON: {0}")]
    Json(String),
}

/// How to read.
#[derive(Clone, Default)]
pub struct ReadOptions<'a> {
    /// Treat every file as this kind instead of recognising it.
    pub kind: Option<LogKind>,
    /// The flow-log format for files without a header line (CloudWatch Logs deliveries of a
    /// custom format); default: AWS's version 2 default format.
    pub flow_format: Option<FlowLayout>,
    /// Which `flows` columns to build (all when `None`).
    pub flow_columns: Option<Vec<usize>>,
    /// Keep CloudTrail records in [`Logs::trail`].
    pub keep_trail: bool,
    /// Hand every CloudTrail record to this scan as it is read.
    pub trail_scan: Option<&'a dyn TrailScan>,
    /// Called with the number of input bytes read, for progress bars.
    pub progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
}

/// How many individual problems of one file are listed before the rest are only counted.
pub const PROBLEMS_LISTED_PER_FILE: usize = 20;

/// Counts per log kind.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KindCounts {
    pub files: u64,
    pub records: u64,
    pub malformed: u64,
    pub bytes: u64,
}

/// What was read: counts, and every problem as a diagnostic naming the file and place.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReadReport {
    pub flow: KindCounts,
    pub cloudtrail: KindCounts,
    pub resolver: KindCounts,
    /// Files that could not be read at all or only in part.
    pub failed_files: u64,
    /// Files skipped because they hold no log koban reads.
    pub skipped_files: u64,
    pub diagnostics: Vec<Diagnostic>,
}

impl ReadReport {
    /// True when some input could not be read, so answers may miss something.
    pub fn incomplete(&self) -> bool {
        self.failed_files > 0 || self.flow.malformed + self.cloudtrail.malformed + self.resolver.malformed > 0
    }

    fn counts(&mut self, kind: LogKind) -> &mut KindCounts {
        match kind {
            LogKind::Flow => &mut self.flow,
            LogKind::Cloudtrail => &mut self.cloudtrail,
            LogKind::Resolver => &mut self.resolver,
        }
    }
}

/// A malformed record: where it is and what was wrong.
#[derive(Debug, Clone)]
pub struct Malformed {
    /// `line N` or a JSON path such as `/Records/12`.
    pub location: String,
    pub message: String,
}

/// Everything read from the inputs.
pub struct Logs {
    /// `flows` rows, in the projected schema [`Logs::flow_schema`].
    pub flows: Vec<RecordBatch>,
    pub flow_schema: SchemaRef,
    /// CloudTrail records in input order (sort by `eventTime` before sequence logic).
    pub trail: Vec<TrailEvent>,
    /// `dns` rows.
    pub dns: Vec<RecordBatch>,
    pub report: ReadReport,
}

impl Logs {
    pub fn flow_rows(&self) -> usize {
        self.flows.iter().map(|b| b.num_rows()).sum()
    }
    pub fn dns_rows(&self) -> usize {
        self.dns.iter().map(|b| b.num_rows()).sum()
    }
}

/// One file's contribution.
struct FileRead {
    kind: Option<LogKind>,
    bytes: u64,
    flows: Vec<RecordBatch>,
    trail: Vec<TrailEvent>,
    dns: Vec<RecordBatch>,
    records: u64,
    malformed: Vec<Malformed>,
    malformed_count: u64,
    error: Option<ReadError>,
    skipped: Option<String>,
}

impl FileRead {
    fn new(bytes: u64) -> FileRead {
        FileRead {
            kind: None,
            bytes,
            flows: vec![],
            trail: vec![],
            dns: vec![],
            records: 0,
            malformed: vec![],
            malformed_count: 0,
            error: None,
            skipped: None,
        }
    }
}

/// Every file under the given paths (directories are walked; hidden files and the
/// documentation that sits beside logs — `.md`, `.txt` licence files — are left out).
pub fn list_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let mut out = vec![];
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| (p.clone(), e))?;
        if meta.is_file() {
            out.push(p.clone());
            continue;
        }
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(p)
            .follow_links(true)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .filter(|f| !is_beside_logs(f))
            .collect();
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

fn is_beside_logs(f: &Path) -> bool {
    let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.starts_with('.') {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".md")
        || lower.starts_with("license")
        || lower.starts_with("licence")
        || lower.starts_with("notice")
        || lower.starts_with("readme")
        || lower.ends_with(".yml")
        || lower.ends_with(".yaml")
}

/// Read every file. Files are read in parallel; the order of rows follows the order of files.
pub fn read_logs(paths: &[PathBuf], opts: &ReadOptions) -> Result<Logs, (PathBuf, std::io::Error)> {
    let files = list_files(paths)?;
    let projection = FlowProjection::new(opts.flow_columns.clone());
    let done = AtomicU64::new(0);
    let results: Vec<(PathBuf, FileRead)> = files
        .par_iter()
        .enumerate()
        .map(|(file_no, f)| {
            let r = read_file(f, file_no, opts, &projection);
            done.fetch_add(r.bytes, Ordering::Relaxed);
            if let Some(p) = &opts.progress {
                p(r.bytes);
            }
            (f.clone(), r)
        })
        .collect();
    let mut logs = Logs { flows: vec![], flow_schema: projection.schema(), trail: vec![], dns: vec![], report: ReadReport::default() };
    for (path, r) in results {
        let file = path.display().to_string();
        if let Some(why) = r.skipped {
            logs.report.skipped_files += 1;
            logs.report.diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                origin: Origin::new(&file, ""),
                message: format!("skipped: {why}"),
                resource: None,
            });
            continue;
        }
        if let Some(kind) = r.kind {
            let c = logs.report.counts(kind);
            c.files += 1;
            c.records += r.records;
            c.malformed += r.malformed_count;
            c.bytes += r.bytes;
        }
        for m in &r.malformed {
            logs.report.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                origin: Origin::new(&file, &m.location),
                message: format!("malformed record skipped: {}", m.message),
                resource: None,
            });
        }
        if r.malformed_count > r.malformed.len() as u64 {
            logs.report.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                origin: Origin::new(&file, ""),
                message: format!(
                    "{} more malformed records skipped ({} in all)",
                    r.malformed_count - r.malformed.len() as u64,
                    r.malformed_count
                ),
                resource: None,
            });
        }
        if let Some(e) = r.error {
            logs.report.failed_files += 1;
            logs.report.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                origin: Origin::new(&file, ""),
                message: e.to_string(),
                resource: None,
            });
        }
        logs.flows.extend(r.flows);
        logs.trail.extend(r.trail);
        logs.dns.extend(r.dns);
    }
    Ok(logs)
}

/// Cut a truncated text stream back to its last complete line.
fn complete_lines(mut data: Vec<u8>) -> Vec<u8> {
    match memchr::memrchr(b'\n', &data) {
        Some(i) => data.truncate(i + 1),
        None => data.clear(),
    }
    data
}

fn is_parquet(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && &magic == b"PAR1"
}

fn read_file(path: &Path, file_no: usize, opts: &ReadOptions, projection: &FlowProjection) -> FileRead {
    if is_parquet(path) {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut r = FileRead::new(size);
        match parquet::read_parquet(path, projection) {
            Ok(p) => {
                r.kind = Some(p.kind);
                r.records = p.rows;
                match p.kind {
                    LogKind::Flow => r.flows = p.batches,
                    LogKind::Resolver => r.dns = p.batches,
                    LogKind::Cloudtrail => {
                        r.records = p.trail.len() as u64;
                        r.trail = take_trail(opts, file_no, p.trail)
                    }
                }
            }
            Err(e) => r.error = Some(e.into()),
        }
        return r;
    }
    let failed = |e: std::io::Error| {
        let mut r = FileRead::new(0);
        r.error = Some(ReadError::Io(e));
        r
    };
    let mut input = match input::Input::open(path) {
        Ok(i) => i,
        Err(e) => return failed(e),
    };
    let mut r = FileRead::new(input.size);
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut buf = vec![0u8; trail_stream::CHUNK.min(input.expected().saturating_add(1))];
    let mut len = 0;
    if let Err(e) = input.fill(&mut buf, &mut len) {
        return failed(e);
    }
    if let Some(scan) = opts.trail_scan.filter(|_| !opts.keep_trail) {
        let head = if input.truncated { &buf[..memchr::memrchr(b'\n', &buf[..len]).map_or(0, |i| i + 1)] } else { &buf[..len] };
        let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
        let sniffed = input.at_end || start + SNIFF_BYTES <= head.len();
        let kind = opts.kind.or_else(|| sniff(head).filter(|_| sniffed));
        if kind == Some(LogKind::Cloudtrail) && trail_stream::is_json_lines(head) {
            r.kind = kind;
            let (streamed, err) = trail_stream::read_json_lines(&file, file_no, &mut input, buf, len, scan);
            r.error = match err {
                Some(e) => Some(ReadError::Io(e)),
                None => input.truncated.then_some(ReadError::TruncatedGzip(input.read as usize)),
            };
            r.records = streamed.records;
            r.malformed_count = streamed.malformed;
            r.malformed = streamed.listed();
            return r;
        }
    }
    buf.truncate(len);
    if let Err(e) = input.read_rest(&mut buf) {
        return failed(e);
    }
    let data = if input.truncated {
        r.error = Some(ReadError::TruncatedGzip(buf.len()));
        complete_lines(buf)
    } else {
        buf
    };
    let kind = match opts.kind {
        Some(k) => Some(k),
        None => sniff(&data),
    };
    let Some(kind) = kind else {
        if data.iter().all(|b| b.is_ascii_whitespace()) {
            r.skipped = Some("empty file".into());
        } else {
            r.skipped = Some("not a flow log, CloudTrail or Resolver query log".into());
        }
        return r;
    };
    r.kind = Some(kind);
    let sink = Mutex::new(Vec::new());
    let outcome = match kind {
        LogKind::Flow => flow::read_flow_bytes(&file, &data, opts.flow_format.as_ref(), projection, &sink).map(|(b, n)| {
            r.flows = b;
            n
        }),
        LogKind::Cloudtrail => cloudtrail::read_cloudtrail_bytes(&file, &data, &sink).map(|(t, n)| {
            r.trail = take_trail(opts, file_no, t);
            n
        }),
        LogKind::Resolver => resolver::read_resolver_bytes(&file, &data, &sink).map(|(b, n)| {
            r.dns = b;
            n
        }),
    };
    match outcome {
        Ok(n) => r.records = n,
        Err(e) => {
            if r.error.is_none() {
                r.error = Some(e)
            }
        }
    }
    let mut bad = sink.into_inner().unwrap_or_default();
    r.malformed_count = bad.len() as u64;
    bad.sort_by_key(|m| m.0);
    r.malformed = bad
        .into_iter()
        .take(PROBLEMS_LISTED_PER_FILE)
        .map(|(at, message)| Malformed { location: if at == usize::MAX { String::new() } else { line_location(&data, at) }, message })
        .collect();
    r
}

/// Hand a file's records to the scan, if any, and keep them if asked to.
fn take_trail(opts: &ReadOptions, file_no: usize, events: Vec<TrailEvent>) -> Vec<TrailEvent> {
    if let Some(scan) = opts.trail_scan {
        events.par_chunks(scan::BATCH).enumerate().for_each(|(k, part)| {
            let mut batch = scan.batch();
            for (i, e) in part.iter().enumerate() {
                let order = (file_no, k * scan::BATCH + i, 0);
                let location = Location::Text(&e.location);
                batch.record(&Scanned { record: RecordView::Whole(&e.value), file: &e.file, location, time_ms: e.time_ms, order });
            }
            batch.finish();
        });
    }
    if opts.keep_trail {
        events
    } else {
        vec![]
    }
}

/// Malformed records are reported by byte offset (flow logs, JSON Lines) and turned into a
/// line number here; records inside JSON documents carry their JSON path in the message.
/// A location inside a document found at `at` (a line): `at`, then the JSON pointer `p`.
fn join_location(at: &str, p: String) -> String {
    if at.is_empty() {
        p
    } else if p.is_empty() {
        at.to_string()
    } else {
        format!("{at} {p}")
    }
}

fn line_location(data: &[u8], at: usize) -> String {
    let end = at.min(data.len());
    format!("line {}", memchr::memchr_iter(b'\n', &data[..end]).count() + 1)
}

/// How much of a file's start (after blanks) [`sniff`] reads.
const SNIFF_BYTES: usize = 65536;

/// Recognise a file's kind from its first bytes.
pub fn sniff(data: &[u8]) -> Option<LogKind> {
    let start = data.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &data[start..data.len().min(start + SNIFF_BYTES)];
    match head[0] {
        b'{' | b'[' => sniff_json(head),
        _ => {
            let first = head.split(|&b| b == b'\n').next().unwrap_or(head);
            let token = first.split(|&b| b == b' ').next().unwrap_or(first);
            let t = std::str::from_utf8(token).ok()?.trim();
            if crate::schema::flow_field_index(t).is_some() || (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())) {
                Some(LogKind::Flow)
            } else {
                None
            }
        }
    }
}

fn sniff_json(head: &[u8]) -> Option<LogKind> {
    let text = String::from_utf8_lossy(head);
    let has = |k: &str| text.contains(&format!("\"{k}\""));
    if has("logEvents") {
        // A CloudWatch Logs subscription envelope: the messages say what it carries.
        if has("eventVersion") || text.contains("\\\"eventVersion\\\"") {
            return Some(LogKind::Cloudtrail);
        }
        if text.contains("\\\"query_name\\\"") {
            return Some(LogKind::Resolver);
        }
        return Some(LogKind::Flow);
    }
    if has("Records") || has("eventVersion") || has("eventName") || has("eventSource") {
        return Some(LogKind::Cloudtrail);
    }
    if has("query_name") || has("query_timestamp") {
        return Some(LogKind::Resolver);
    }
    None
}

/// Collects malformed records from parallel chunk readers: (byte offset or record index,
/// message).
pub type ProblemSink = Mutex<Vec<(usize, String)>>;

pub(crate) fn push_problem(sink: &ProblemSink, at: usize, message: String) {
    if let Ok(mut v) = sink.lock() {
        v.push((at, message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_kind() {
        assert_eq!(sniff(b"version account-id interface-id\n2 1 eni-1"), Some(LogKind::Flow));
        assert_eq!(sniff(b"2 123456789010 eni-1235b8ca123456789 172.31.16.139"), Some(LogKind::Flow));
        assert_eq!(sniff(br#"{"Records":[{"eventVersion":"1.08"}]}"#), Some(LogKind::Cloudtrail));
        assert_eq!(sniff(br#"[{"eventVersion":"1.08","eventName":"X"}]"#), Some(LogKind::Cloudtrail));
        assert_eq!(sniff(br#"{"srcaddr":"4.5.64.102","query_name":"a.example."}"#), Some(LogKind::Resolver));
        assert_eq!(sniff(br#"{"messageType":"DATA_MESSAGE","logEvents":[{"message":"2 eni-1 1.2.3.4"}]}"#), Some(LogKind::Flow));
        assert_eq!(sniff(b"hello world"), None);
        assert_eq!(sniff(b"   \n"), None);
    }

    #[test]
    fn truncated_gzip_keeps_complete_lines() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
        let text = "version account-id\n".to_string() + &"2 123456789012\n".repeat(2000);
        enc.write_all(text.as_bytes()).unwrap();
        let gz = enc.finish().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cut.log.gz");
        std::fs::write(&p, &gz[..gz.len() / 2]).unwrap();
        let mut input = input::Input::open(&p).unwrap();
        let mut data = vec![];
        input.read_rest(&mut data).unwrap();
        assert!(input.truncated);
        let kept = complete_lines(data);
        assert!(kept.ends_with(b"\n"));
    }
}
