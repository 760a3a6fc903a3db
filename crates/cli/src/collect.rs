//! `koban collect`: runs the live, read-only collector (crates/collect) and reports what it
//! wrote and which calls failed. Exit 0 when it collected (failed calls are warnings, and in
//! the manifest), 2 when nothing could be collected.

use crate::args::CollectArgs;
use crate::output::{self, Run};
use koban_collect::manifest::Status;
use serde::Serialize;
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Serialize)]
struct Answer<'a> {
    schema: &'static str,
    out: String,
    manifest: String,
    accounts: &'a [String],
    regions: &'a [String],
    files: usize,
    summary: &'a std::collections::BTreeMap<String, usize>,
    failures: Vec<serde_json::Value>,
}

pub fn collect(run: &mut Run, args: &CollectArgs) -> ExitCode {
    let options = koban_collect::Options {
        out: args.out.clone(),
        profile: args.profile.clone(),
        regions: args.regions.clone(),
        role_name: args.role_name.clone(),
        progress: std::io::stderr().is_terminal(),
        concurrency: 0,
        max_attempts: 0,
    };
    let summary = match koban_collect::collect(&options) {
        Ok(s) => s,
        Err(e) => return output::fail(format!("collect: {e}")),
    };
    run.loaded();
    let m = &summary.manifest;
    let failures: Vec<_> = m.failures().collect();
    for f in &failures {
        let what = match f.status {
            Status::NotImplemented => "not implemented by the endpoint".to_string(),
            _ => f.code.as_deref().unwrap_or("error").to_string(),
        };
        eprintln!(
            "warning: {} {} {}:{}: {what}: {}",
            f.account,
            f.region,
            f.service,
            f.operation,
            f.message.as_deref().unwrap_or_default()
        );
    }
    let answer = Answer {
        schema: "koban/collect/v1",
        out: args.out.display().to_string(),
        manifest: summary.manifest_path.display().to_string(),
        accounts: &m.accounts,
        regions: &m.regions,
        files: m.entries.iter().filter(|e| e.file.is_some()).count(),
        summary: &m.summary,
        failures: failures.iter().map(|e| e.to_json()).collect(),
    };
    run.emit(
        &answer,
        |a| {
            format!(
                "collected {} files from {} account(s) in {} region(s) into {}; {} call(s) failed or are not implemented (see {})\n",
                a.files,
                a.accounts.len(),
                a.regions.len(),
                a.out,
                a.failures.len(),
                a.manifest
            )
        },
        &[],
    );
    ExitCode::SUCCESS
}
