//! `koban findings list|show|suppress|archive|close|rules|export|import`: the findings store,
//! its lifecycle (active, suppressed or archived, closed), GuardDuty-style suppression rules,
//! and exports (JSON, SARIF, EventBridge events, GuardDuty's S3-export findings).

use crate::output::{code, fail, Run};
use crate::vulns::{export, store_path, OutputFormat};
use clap::Subcommand;
use koban_findings::store::{self, Filter, Status, Store, Stored};
use serde::Serialize;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum FindingsCommand {
    /// Stored findings, most severe first. Exit 1 when any is listed.
    List {
        /// ACTIVE, SUPPRESSED or CLOSED.
        #[arg(long)]
        status: Option<String>,
        /// A finding type, e.g. PACKAGE_VULNERABILITY.
        #[arg(long = "type")]
        finding_type: Option<String>,
        #[arg(long)]
        resource: Option<String>,
        #[arg(long)]
        db: Option<PathBuf>,
        /// Write an export document instead of the list.
        #[arg(long, value_enum)]
        output_format: Option<OutputFormat>,
    },
    /// One finding (by id or unique prefix) with its status history. Exit 2 when unknown.
    Show {
        id: String,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Mark findings SUPPRESSED: they stay suppressed when seen again.
    Suppress {
        #[arg(required_unless_present = "criteria")]
        ids: Vec<String>,
        #[arg(long, required = true)]
        reason: String,
        /// Create (or replace) a suppression rule of this name instead: findings matching
        /// --criteria are archived now and whenever they are recorded again, as GuardDuty does.
        #[arg(long, requires = "criteria")]
        rule: Option<String>,
        /// GuardDuty-style finding criteria, JSON text or @FILE:
        /// {"Criterion": {"type": {"Eq": ["Recon:EC2/Portscan"]}, "severity": {"Lt": 4}}}.
        #[arg(long, requires = "rule")]
        criteria: Option<String>,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Mark findings ARCHIVED (GuardDuty's archive): hidden, and they stay archived when seen again.
    Archive {
        #[arg(required = true)]
        ids: Vec<String>,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// The suppression rules; --delete NAME removes one (its archived findings stay archived).
    Rules {
        #[arg(long)]
        delete: Option<String>,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Write the stored findings with --format json (koban's shape), sarif, eventbridge
    /// (EventBridge events, one per line) or guardduty (GuardDuty findings, one per line).
    Export {
        /// ACTIVE, SUPPRESSED, ARCHIVED or CLOSED (default: all).
        #[arg(long)]
        status: Option<String>,
        #[arg(long = "type")]
        finding_type: Option<String>,
        #[arg(long)]
        resource: Option<String>,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Record GuardDuty findings (EventBridge events or GuardDuty findings, one JSON document
    /// per line, or a JSON array) in the store, deduplicated by their GuardDuty id.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Mark findings CLOSED: they reopen if a later run reports them again.
    Close {
        #[arg(required = true)]
        ids: Vec<String>,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        db: Option<PathBuf>,
    },
}

#[derive(Serialize)]
struct ListAnswer {
    schema: &'static str,
    store: String,
    findings: Vec<Stored>,
}

#[derive(Serialize)]
struct ShowAnswer {
    schema: &'static str,
    #[serde(flatten)]
    finding: Stored,
    history: Vec<store::StatusChange>,
}

/// True for `koban findings export` (the command that writes the export formats).
pub fn is_export(command: &crate::args::Command) -> bool {
    matches!(command, crate::args::Command::Findings { command: FindingsCommand::Export { .. } })
}

pub(crate) fn open(db: Option<&std::path::Path>) -> Result<(Store, String), String> {
    let path = store_path(db)?;
    Store::open(&path).map(|s| (s, path.display().to_string())).map_err(|e| e.to_string())
}

pub fn run(run: &mut Run, command: &FindingsCommand) -> ExitCode {
    match command {
        FindingsCommand::List { status, finding_type, resource, db, output_format } => {
            let status = match status.as_deref().map(|s| Status::parse(s).ok_or(s)) {
                Some(Err(s)) => return fail(format!("--status {s:?}: expected ACTIVE, SUPPRESSED or CLOSED")),
                Some(Ok(s)) => Some(s),
                None => None,
            };
            let (store, path) = match open(db.as_deref()) {
                Ok(x) => x,
                Err(e) => return fail(e),
            };
            run.loaded();
            let filter = Filter { status, finding_type: finding_type.clone(), resource: resource.clone(), min_severity: None };
            let findings = match store.list(&filter) {
                Ok(f) => f,
                Err(e) => return fail(e),
            };
            let found = !findings.is_empty();
            if let Some(fmt) = output_format {
                return export(run, *fmt, &findings, found);
            }
            run.emit(&ListAnswer { schema: "koban/findings/v1", store: path, findings }, render_list, &[]);
            code(found)
        }
        FindingsCommand::Show { id, db } => {
            let (store, _) = match open(db.as_deref()) {
                Ok(x) => x,
                Err(e) => return fail(e),
            };
            let finding = match store.get(id) {
                Ok(Some(f)) => f,
                Ok(None) => return fail(format!("no finding {id} in the store")),
                Err(e) => return fail(e),
            };
            let history = match store.history(&finding.finding.id) {
                Ok(h) => h,
                Err(e) => return fail(e),
            };
            run.emit(&ShowAnswer { schema: "koban/finding/v1", finding, history }, render_show, &[]);
            ExitCode::SUCCESS
        }
        FindingsCommand::Suppress { ids, reason, rule: Some(rule), criteria: Some(criteria), db } => {
            let _ = ids;
            crate::findings_io::add_rule(run, db.as_deref(), rule, criteria, reason)
        }
        FindingsCommand::Suppress { ids, reason, db, .. } => set(run, db, ids, Status::Suppressed, Some(reason.as_str())),
        FindingsCommand::Archive { ids, reason, db } => set(run, db, ids, Status::Archived, reason.as_deref()),
        FindingsCommand::Rules { delete, db } => crate::findings_io::rules(run, db.as_deref(), delete.as_deref()),
        FindingsCommand::Export { status, finding_type, resource, db } => {
            crate::findings_io::export(run, db.as_deref(), status.as_deref(), finding_type.clone(), resource.clone())
        }
        FindingsCommand::Import { files, db } => crate::findings_io::import(run, db.as_deref(), files),
        FindingsCommand::Close { ids, reason, db } => set(run, db, ids, Status::Closed, reason.as_deref()),
    }
}

fn set(run: &mut Run, db: &Option<PathBuf>, ids: &[String], status: Status, reason: Option<&str>) -> ExitCode {
    let (mut store, path) = match open(db.as_deref()) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let now = store::now();
    let mut changed = Vec::new();
    for id in ids {
        let full = match store.get(id) {
            Ok(Some(f)) => f.finding.id,
            Ok(None) => return fail(format!("no finding {id} in the store")),
            Err(e) => return fail(e),
        };
        match store.set_status(&full, status, reason, &now) {
            Ok(s) => changed.push(s),
            Err(e) => return fail(e),
        }
    }
    run.emit(&ListAnswer { schema: "koban/findings/v1", store: path, findings: changed }, render_list, &[]);
    ExitCode::SUCCESS
}

fn render_list(a: &ListAnswer) -> String {
    let mut out = format!("{} finding(s) in {}\n", a.findings.len(), a.store);
    for s in &a.findings {
        let _ = writeln!(
            out,
            "  {}  {:<10} {:<6?} x{:<3} {}  {}  {}",
            s.finding.id,
            s.status.as_str(),
            s.finding.severity.label,
            s.count,
            s.finding.finding_type,
            s.finding.resource,
            s.finding.title
        );
    }
    out
}

fn render_show(a: &ShowAnswer) -> String {
    let s = &a.finding;
    let f = &s.finding;
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", f.id, f.title);
    let _ = writeln!(out, "  type: {}  resource: {}", f.finding_type, f.resource);
    let _ = writeln!(
        out,
        "  severity: {:?} ({:.1})  status: {}{}",
        f.severity.label,
        f.severity.value,
        s.status.as_str(),
        s.status_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
    );
    let _ = writeln!(out, "  seen {} time(s), first {}, last {}", s.count, s.first_seen, s.last_seen);
    let _ = writeln!(out, "  {}", f.description);
    let _ = writeln!(out, "  remediation: {}", f.remediation);
    let _ = writeln!(out, "  history:");
    for h in &a.history {
        let _ = writeln!(
            out,
            "    {} {} -> {}{}",
            h.at,
            h.from.as_deref().unwrap_or("-"),
            h.to,
            h.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
        );
    }
    out
}
