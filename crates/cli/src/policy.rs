//! `koban policy simulate|validate`: the policy engine without a twin, on the same request
//! format as the iam-simulate peer, so both can run on one file.

use crate::args::{Format, PolicyCommand, PolicyType};
use koban_policy::simulate::{simulate_jsonl_with, SimulateOptions};
use koban_policy::{validate_document, PolicyKind, Severity};
use std::io::{BufReader, Write};
use std::process::ExitCode;

pub fn run(command: &PolicyCommand, format: Format) -> ExitCode {
    match command {
        PolicyCommand::Simulate { file, no_explain } => {
            let options = SimulateOptions { no_explain: *no_explain, ..SimulateOptions::default() };
            let stdout = std::io::stdout();
            let out = std::io::BufWriter::new(stdout.lock());
            let result = match file.as_deref().filter(|f| f.as_os_str() != "-") {
                Some(path) => match std::fs::File::open(path) {
                    Ok(f) => simulate_jsonl_with(BufReader::new(f), out, options),
                    Err(e) => {
                        eprintln!("koban: {}: {e}", path.display());
                        return ExitCode::from(2);
                    }
                },
                None => simulate_jsonl_with(std::io::stdin().lock(), out, options),
            };
            match result {
                Ok(summary) => {
                    eprintln!(
                        "koban: {} request(s) on {} thread(s): {} allow, {} explicit-deny, {} implicit-deny, {} error(s)",
                        summary.requests, summary.threads, summary.allow, summary.explicit_deny, summary.implicit_deny, summary.errors
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("koban: {e}");
                    ExitCode::from(2)
                }
            }
        }
        PolicyCommand::Validate { files, policy_type } => {
            let kind = match policy_type {
                PolicyType::Identity => PolicyKind::IdentityPolicy,
                PolicyType::Resource => PolicyKind::ResourcePolicy,
                PolicyType::Scp => PolicyKind::ServiceControlPolicy,
                PolicyType::Rcp => PolicyKind::ResourceControlPolicy,
            };
            let mut serious = false;
            let mut all = Vec::new();
            for f in files {
                let text = match std::fs::read_to_string(f) {
                    Ok(t) => t,
                    Err(e) => {
                        eprintln!("koban: {}: {e}", f.display());
                        return ExitCode::from(2);
                    }
                };
                let findings = validate_document(&text, kind);
                serious |= findings.iter().any(|x| matches!(x.severity, Severity::Error | Severity::SecurityWarning));
                all.push((f.display().to_string(), findings));
            }
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            let written = match format {
                Format::Json | Format::Sarif | Format::Markdown | Format::Eventbridge | Format::Guardduty => {
                    let v: Vec<serde_json::Value> = all.iter().map(|(f, fs)| serde_json::json!({ "file": f, "findings": fs })).collect();
                    writeln!(out, "{}", serde_json::json!({ "schema": "koban/policy-validate/v1", "files": v }))
                }
                Format::Text => all.iter().try_for_each(|(f, fs)| {
                    if fs.is_empty() {
                        writeln!(out, "{f}: no findings")
                    } else {
                        fs.iter().try_for_each(|x| writeln!(out, "{f}:{}: {:?} {}: {}", x.path, x.severity, x.code, x.message))
                    }
                }),
            };
            if let Err(e) = written {
                eprintln!("koban: {e}");
            }
            if serious {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
