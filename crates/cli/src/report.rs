//! `koban report`: gather the report's data (with `koban detect` on `--logs`), lay out the
//! diagrams with Graphviz and write the self-contained HTML file. `--format json` prints the
//! report's data (`koban/report/v1`, the same JSON the page embeds); text prints where the
//! file went and what it holds.

use crate::args::Inputs;
use crate::load;
use crate::output::{code, fail, Run};
use koban_detect::run::DetectOptions;
use koban_detect::twin::TwinView;
use koban_net::Engine;
use koban_report::data::{DetectionSection, PolicySection, ReportData};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What the page says about `who-can` when the input holds no secrets.
const POLICY_NOT_AVAILABLE: &str = "the input holds no Secrets Manager secrets (SecretList.json, from `aws secretsmanager \
list-secrets`, with their policies from `aws secretsmanager get-resource-policy`; see docs/snapshot.md), so who can read \
the landing-zone secrets is not answered here.";

pub fn run(run: &mut Run, inputs: &Inputs, output: &Path, logs: &[PathBuf], protocol: &str, port: Option<u16>) -> ExitCode {
    let proto = match crate::network::traffic_args(protocol, port) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let (twin, _) = match load::load_inputs(inputs) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let engine = Engine::new(&twin);
    run.loaded();
    let options = koban_report::Options {
        inputs: inputs.inputs.iter().map(|p| p.display().to_string()).collect(),
        protocol: proto,
        port,
        policy: PolicySection { available: false, note: POLICY_NOT_AVAILABLE.into(), answers: Vec::new() },
        detection: detection(&twin, logs),
    };
    let data = koban_report::build(&engine, options);
    let page = match koban_report::render(&data) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    if let Err(e) = std::fs::write(output, page.as_bytes()) {
        return fail(format!("{}: cannot write the report: {e}", output.display()));
    }
    let written = Written { output, bytes: page.len() };
    run.emit(&data, |d| written.text(d), &twin.diagnostics);
    code(!data.checks.findings.is_empty())
}

/// `koban detect` on the `--logs`, with the twin: its findings for the report's detection section.
fn detection(twin: &koban_model::Twin, logs: &[PathBuf]) -> DetectionSection {
    let names: Vec<String> = logs.iter().map(|p| p.display().to_string()).collect();
    if logs.is_empty() {
        return DetectionSection { available: false, logs: names, note: "No logs were given (--logs).".into(), findings: Vec::new() };
    }
    let view = TwinView::new(twin).with_exposure(twin);
    let opts = DetectOptions { logs: logs.to_vec(), ..Default::default() };
    match koban_detect::run::detect(&opts, Some(&view)) {
        Ok(a) => {
            let problems = a.diagnostics().len();
            let mut note = format!("koban detect on the logs below, with the twin: {} finding(s).", a.findings.len());
            if problems > 0 {
                note.push_str(&format!(" {problems} problem(s) reading the logs: findings may be missing (koban detect lists them)."));
            }
            DetectionSection { available: true, logs: names, note, findings: a.findings.into_iter().map(|d| d.finding).collect() }
        }
        Err(e) => {
            DetectionSection { available: false, logs: names, note: format!("Detection failed on these logs: {e}"), findings: Vec::new() }
        }
    }
}

struct Written<'a> {
    output: &'a Path,
    bytes: usize,
}

impl Written<'_> {
    fn text(&self, d: &ReportData) -> String {
        let s = &d.summary;
        let mut out = format!(
            "wrote {} ({:.1} MiB): {} account(s), {} VPC(s), {} subnet(s), {} instance(s); findings: {} high, {} medium, {} low; {} reach pair(s), {} exposed interface(s)\n",
            self.output.display(),
            self.bytes as f64 / (1024.0 * 1024.0),
            s.accounts,
            s.vpcs,
            s.subnets,
            s.instances,
            s.findings_high,
            s.findings_medium,
            s.findings_low,
            s.reach_pairs,
            s.exposed_interfaces
        );
        if !d.complete {
            out.push_str(&format!(
                "the report is incomplete: {} input error(s), {} warning(s), {} unknown(s) are listed in it\n",
                s.input_errors,
                s.input_warnings,
                d.unknowns.len() + d.checks.unknowns.len()
            ));
        }
        if !d.detection.logs.is_empty() {
            out.push_str(&format!("--logs: {}\n", d.detection.note));
        }
        out
    }
}
