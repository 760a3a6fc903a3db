//! `koban vulns` and `koban vulndb`: package vulnerabilities of inventories, scored by how the
//! twin says each resource can be reached, recorded in the findings store; and the offline OSV
//! vulnerability database they are matched against.

use crate::args::Format;
use crate::load;
use crate::output::{code, fail, Run};
use clap::{Subcommand, ValueEnum};
use koban_findings::store::{self, Status, Store, Stored};
use koban_net::Engine;
use koban_vulns::db::{ImportReport, VulnDb};
use koban_vulns::inventory::{self, Inventory};
use koban_vulns::report::{self, Assessment, NETWORK_REACHABILITY, PACKAGE_VULNERABILITY};
use koban_vulns::score::{self, ResourceReach};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Export documents, instead of koban's own text or JSON answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Amazon Inspector2 findings (`{"findings": [...]}` as `aws inspector2 list-findings` prints them).
    Inspector,
    /// SARIF 2.1.0, for code scanning in CI.
    Sarif,
    /// CycloneDX 1.6 VEX: affected components and their vulnerabilities.
    Vex,
}

#[derive(Debug, clap::Args)]
pub struct VulnsArgs {
    /// Inventories: SSM Inventory (list-inventory-entries output or S3 sync JSON lines),
    /// CycloneDX / SPDX JSON SBOMs, lock files, dpkg status, RPM lists, or directories of them
    /// (docs/vulns.md).
    #[arg(required = true)]
    pub inventories: Vec<PathBuf>,
    /// The twin (AWS CLI snapshot) whose exposure scores each resource by reachability.
    #[arg(long, num_args = 1..)]
    pub twin: Vec<PathBuf>,
    /// koban.yaml with the named on-premises networks; by default one in or above the twin.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The resource (instance id or ARN) of inventories that do not name one.
    #[arg(long)]
    pub resource: Option<String>,
    /// The vulnerability database (default: koban/vulndb.sqlite in the user's data directory).
    #[arg(long)]
    pub vulndb: Option<PathBuf>,
    /// The findings store (default: koban/findings.sqlite in the user's data directory).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Write an export document instead of the answer.
    #[arg(long, value_enum)]
    pub output_format: Option<OutputFormat>,
}

#[derive(Debug, Subcommand)]
pub enum VulndbCommand {
    /// Import OSV advisories (zip exports, directories of JSON files, or files); re-importing
    /// replaces changed advisories and keeps the rest. Exit 1 when some advisories were
    /// malformed (the rest is imported), 2 when nothing could be read.
    Import {
        #[arg(required = true)]
        sources: Vec<PathBuf>,
        #[arg(long)]
        vulndb: Option<PathBuf>,
    },
    /// One stored advisory, by id or alias (CVE-…, GHSA-…), as OSV JSON. Exit 2 when unknown.
    Show {
        id: String,
        #[arg(long)]
        vulndb: Option<PathBuf>,
    },
}

fn data_file(explicit: Option<&Path>, name: &str) -> Result<PathBuf, String> {
    match explicit {
        Some(p) => Ok(p.to_path_buf()),
        None => dirs::data_dir()
            .map(|d| d.join("koban").join(name))
            .ok_or_else(|| format!("no user data directory: pass the path of {name} explicitly")),
    }
}

pub fn vulndb_path(explicit: Option<&Path>) -> Result<PathBuf, String> {
    data_file(explicit, "vulndb.sqlite")
}

pub fn store_path(explicit: Option<&Path>) -> Result<PathBuf, String> {
    data_file(explicit, "findings.sqlite")
}

#[derive(Serialize)]
struct ImportAnswer<'a> {
    schema: &'static str,
    vulndb: String,
    #[serde(flatten)]
    report: &'a ImportReport,
}

pub fn vulndb(run: &mut Run, command: &VulndbCommand) -> ExitCode {
    match command {
        VulndbCommand::Import { sources, vulndb } => {
            let path = match vulndb_path(vulndb.as_deref()) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let mut db = match VulnDb::open(&path) {
                Ok(d) => d,
                Err(e) => return fail(e),
            };
            run.loaded();
            let report = match db.import(sources) {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            let answer = ImportAnswer { schema: "koban/vulndb-import/v1", vulndb: path.display().to_string(), report: &report };
            run.emit(&answer, render_import, &[]);
            if report.files == report.errors.len() {
                ExitCode::from(2)
            } else {
                code(!report.errors.is_empty())
            }
        }
        VulndbCommand::Show { id, vulndb } => {
            let path = match vulndb_path(vulndb.as_deref()) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let db = match VulnDb::open(&path) {
                Ok(d) => d,
                Err(e) => return fail(e),
            };
            match db.advisory(id) {
                Ok(Some(a)) => {
                    match serde_json::to_string_pretty(&a) {
                        Ok(s) => println!("{s}"),
                        Err(e) => return fail(e),
                    }
                    ExitCode::SUCCESS
                }
                Ok(None) => fail(format!("no advisory {id} in {}", path.display())),
                Err(e) => fail(e),
            }
        }
    }
}

fn render_import(a: &ImportAnswer) -> String {
    let r = a.report;
    let mut out = format!(
        "imported {} file(s) into {}: {} added, {} replaced, {} unchanged, {} withdrawn; {} advisories stored\n",
        r.files, a.vulndb, r.added, r.replaced, r.unchanged, r.withdrawn, r.total
    );
    if !r.errors.is_empty() {
        let _ = writeln!(out, "{} malformed advisory file(s) skipped:", r.errors.len());
        for e in r.errors.iter().take(20) {
            let _ = writeln!(out, "  {}: {}: {}", e.file, e.path, e.message);
        }
    }
    out
}

#[derive(Serialize)]
struct InventorySummary<'a> {
    files: Vec<FileRead<'a>>,
    packages: usize,
    resources: Vec<String>,
    errors: &'a [inventory::InventoryError],
    skipped: &'a [inventory::Skipped],
}

#[derive(Serialize)]
struct FileRead<'a> {
    file: &'a str,
    reader: &'a str,
}

#[derive(Serialize)]
struct VulnsAnswer<'a> {
    schema: &'static str,
    vulndb: String,
    advisories: usize,
    store: String,
    inventory: InventorySummary<'a>,
    /// Reachability class per inventoried resource (`not-assessed` without a twin).
    reachability: BTreeMap<String, score::Reach>,
    findings: Vec<Stored>,
    /// Finding ids closed by this run (package fixed or gone; exposure gone).
    closed: Vec<String>,
    warnings: Vec<report::Warning>,
    undecided: Vec<report::Undecided>,
    /// Resources whose inventory is older than one already recorded: nothing closed there.
    stale: Vec<String>,
}

pub fn vulns(run: &mut Run, args: &VulnsArgs) -> ExitCode {
    let (vulndb_path, store_path) = match (vulndb_path(args.vulndb.as_deref()), store_path(args.db.as_deref())) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    if !vulndb_path.is_file() {
        return fail(format!("no vulnerability database at {}: run `koban vulndb import` first", vulndb_path.display()));
    }
    let db = match VulnDb::open(&vulndb_path) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let advisories = match db.count() {
        Ok(0) => return fail(format!("the vulnerability database {} is empty: run `koban vulndb import` first", vulndb_path.display())),
        Ok(n) => n,
        Err(e) => return fail(e),
    };
    let inv = inventory::load(&args.inventories, args.resource.as_deref());
    if inv.files.is_empty() {
        for e in &inv.errors {
            eprintln!("koban: {e}");
        }
        return fail("no inventory could be read");
    }
    let (reach, diagnostics) = if args.twin.is_empty() {
        (BTreeMap::new(), Vec::new())
    } else {
        let (twin, _) = match load::load(&args.twin, args.config.as_deref()) {
            Ok(x) => x,
            Err(e) => return fail(e),
        };
        let engine = Engine::new(&twin);
        let exposure = koban_net::exposure::exposure(&engine);
        let instances: BTreeSet<String> = twin.instances.keys().cloned().collect();
        (score::reachability(&exposure, &instances), twin.diagnostics.clone())
    };
    run.loaded();
    let matches = match koban_vulns::matcher::match_packages(&db, &inv.packages) {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    let assessment = report::assess(&inv, &matches, &reach);
    let mut store = match Store::open(&store_path) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let (mut stored, closed, stale) = match record(&mut store, &inv, &assessment, &reach) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    stored.sort_by(|a, b| {
        b.finding
            .severity
            .value
            .total_cmp(&a.finding.severity.value)
            .then_with(|| a.finding.resource.cmp(&b.finding.resource))
            .then_with(|| a.finding.title.cmp(&b.finding.title))
    });
    let resources = inventoried(&inv);
    let reachability = resources.iter().map(|r| (r.clone(), reach.get(r).map(|x| x.reach).unwrap_or(score::Reach::NotAssessed))).collect();
    let found = stored.iter().any(|s| s.status == Status::Active);
    if let Some(fmt) = args.output_format {
        return export(run, fmt, &stored, found);
    }
    let answer = VulnsAnswer {
        schema: "koban/vulns/v1",
        vulndb: vulndb_path.display().to_string(),
        advisories,
        store: store_path.display().to_string(),
        inventory: InventorySummary {
            files: inv.files.iter().map(|(f, r)| FileRead { file: f, reader: r }).collect(),
            packages: inv.packages.len(),
            resources: resources.into_iter().collect(),
            errors: &inv.errors,
            skipped: &inv.skipped,
        },
        reachability,
        findings: stored,
        closed,
        warnings: assessment.warnings,
        undecided: assessment.undecided,
        stale,
    };
    if run.format == Format::Text {
        eprint!("{}", render_inventory_errors(&inv));
    }
    run.emit(&answer, render_vulns, &diagnostics);
    code(found)
}

/// The resources an inventory speaks for: named resources, and the files of packages without one.
fn inventoried(inv: &Inventory) -> BTreeSet<String> {
    let mut r: BTreeSet<String> = inv.resources().into_iter().collect();
    r.extend(inv.packages.iter().filter(|p| p.resource.is_none()).map(|p| p.file.clone()));
    r
}

type Recorded = (Vec<Stored>, Vec<String>, Vec<String>);

/// Store the run's findings, then close what the run shows fixed: package findings of every
/// inventoried resource whose inventory is not older than the last one recorded, and
/// network findings of every resource of the twin.
fn record(
    store: &mut Store,
    inv: &Inventory,
    a: &Assessment,
    reach: &BTreeMap<String, ResourceReach>,
) -> Result<Recorded, store::StoreError> {
    let now = store::now();
    let stored = store.record(&a.findings, &now)?;
    let mut closed = Vec::new();
    let mut stale = Vec::new();
    let mut captured: BTreeMap<&str, &str> = BTreeMap::new();
    for c in &inv.captures {
        if let Some(t) = c.time.as_deref() {
            let e = captured.entry(c.resource.as_str()).or_insert(t);
            if t > *e {
                *e = t;
            }
        }
    }
    for resource in inventoried(inv) {
        let at = captured.get(resource.as_str()).copied().unwrap_or(&now).to_string();
        if store.inventory_captured(&resource)?.is_some_and(|prev| prev > at) {
            stale.push(resource);
            continue;
        }
        store.set_inventory_captured(&resource, &at)?;
        let keep: Vec<&str> = a
            .findings
            .iter()
            .filter(|f| f.resource == resource && f.finding_type == PACKAGE_VULNERABILITY)
            .map(|f| f.id.as_str())
            .collect();
        let reason = format!("package fixed or removed in the inventory captured at {at}");
        closed.extend(store.close_missing(PACKAGE_VULNERABILITY, &resource, &keep, &reason, &now)?);
    }
    for resource in reach.keys() {
        let keep: Vec<&str> = a
            .findings
            .iter()
            .filter(|f| &f.resource == resource && f.finding_type == NETWORK_REACHABILITY)
            .map(|f| f.id.as_str())
            .collect();
        closed.extend(store.close_missing(NETWORK_REACHABILITY, resource, &keep, "no longer reachable in the twin", &now)?);
    }
    Ok((stored, closed, stale))
}

pub fn export(run: &mut Run, fmt: OutputFormat, stored: &[Stored], found: bool) -> ExitCode {
    let doc = match fmt {
        OutputFormat::Inspector => koban_vulns::export::inspector(stored),
        OutputFormat::Sarif => koban_vulns::export::sarif(stored),
        OutputFormat::Vex => koban_vulns::export::vex(stored, &store::now()),
    };
    run.emit(&doc, |d| format!("{}\n", serde_json::to_string_pretty(d).unwrap_or_default()), &[]);
    code(found)
}

fn render_inventory_errors(inv: &Inventory) -> String {
    let mut out = String::new();
    if inv.errors.is_empty() {
        return out;
    }
    let _ = writeln!(out, "inventory: {} record(s) could not be read; the rest was used", inv.errors.len());
    for e in inv.errors.iter().take(20) {
        let _ = writeln!(out, "  {e}");
    }
    out
}

fn render_vulns(a: &VulnsAnswer) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} package(s) on {} resource(s) from {} file(s), matched against {} advisories",
        a.inventory.packages,
        a.inventory.resources.len(),
        a.inventory.files.len(),
        a.advisories
    );
    let pkg: Vec<&Stored> = a.findings.iter().filter(|s| s.finding.finding_type == PACKAGE_VULNERABILITY).collect();
    let net: Vec<&Stored> = a.findings.iter().filter(|s| s.finding.finding_type == NETWORK_REACHABILITY).collect();
    let _ = writeln!(out, "\nPACKAGE_VULNERABILITY ({}):", pkg.len());
    for s in &pkg {
        let f = &s.finding;
        let ev = &f.evidence;
        let score = |p: &str| ev.pointer(p).and_then(|v| v.as_f64()).map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into());
        let fixed = ev.pointer("/packageVulnerabilityDetails/vulnerablePackages/0/fixedInVersion").and_then(|v| v.as_str()).unwrap_or("");
        let version = ev.pointer("/packageVulnerabilityDetails/vulnerablePackages/0/version").and_then(|v| v.as_str()).unwrap_or("");
        let _ = writeln!(
            out,
            "  [{:<10}] {:<11} base {} -> {}  {}  {} {} (fixed in {fixed})  {}",
            ev.get("inspectorSeverity").and_then(|v| v.as_str()).unwrap_or(""),
            s.status.as_str(),
            score("/adjusted/base_score"),
            score("/adjusted/adjusted_score"),
            f.resource,
            f.title,
            version,
            f.id
        );
        if let Some(why) = ev.pointer("/adjusted/explanation").and_then(|v| v.as_str()) {
            let _ = writeln!(out, "      {why}");
        }
    }
    let _ = writeln!(out, "\nNETWORK_REACHABILITY ({}):", net.len());
    for s in &net {
        let _ = writeln!(out, "  [{:?}] {:<11} {}", s.finding.severity.label, s.status.as_str(), s.finding.title);
    }
    if !a.warnings.is_empty() {
        let _ = writeln!(out, "\nwarnings ({}):", a.warnings.len());
        for w in &a.warnings {
            let _ = writeln!(
                out,
                "  {} {}: {} {} {}",
                w.kind,
                w.advisory,
                w.package.name,
                w.package.version,
                w.summary.as_deref().unwrap_or("")
            );
        }
    }
    if !a.undecided.is_empty() {
        let _ = writeln!(out, "\nundecided ({}): versions koban could not order", a.undecided.len());
        for u in a.undecided.iter().take(20) {
            let _ = writeln!(out, "  {} {} {}: {}", u.advisory, u.package.name, u.package.version, u.reason);
        }
    }
    if !a.closed.is_empty() {
        let _ = writeln!(out, "\nclosed by this run: {}", a.closed.join(", "));
    }
    if !a.stale.is_empty() {
        let _ = writeln!(out, "\nolder than the recorded inventory (nothing closed): {}", a.stale.join(", "));
    }
    let _ = writeln!(
        out,
        "\nreachability: {}",
        a.reachability
            .iter()
            .map(|(r, c)| format!("{r} {}", serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out
}
