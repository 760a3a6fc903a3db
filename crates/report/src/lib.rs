//! `koban report`: one self-contained HTML file with the landing zone drawn from the twin and
//! the answers koban gives about it.
//!
//! [`build`] gathers the report's data ([`data::ReportData`], `koban/report/v1`): the twin's
//! topology, the landing-zone checks, exposure per interface and `reach` witness paths for
//! every external-network/instance pair. [`render`] lays the diagrams out with Graphviz's
//! `dot` ([`graphviz`]) and writes the page ([`html`]): scripts, styles, the font and the data
//! inlined, so it opens offline and can be attached to a ticket.
//!
//! This crate computes nothing about networks itself (that is `koban_net` and
//! `koban_intent`); it knows nothing of input formats or the command line.

pub mod data;
pub mod diagram;
pub mod graphviz;
pub mod html;
pub mod paths;
pub mod topology;

use data::*;
use koban_findings::SeverityLabel;
use koban_model::Severity;
use koban_net::reach::Protocol;
use koban_net::Engine;
use std::collections::HashSet;

/// A twin is drawn with its VPCs collapsed when it has more VPCs or interfaces than this.
pub const LARGE_VPCS: usize = 20;
pub const LARGE_ENIS: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Graphviz(#[from] graphviz::GraphvizError),
}

/// What the report is about besides the twin.
#[derive(Debug, Clone)]
pub struct Options {
    /// The inputs as given on the command line (shown in the page).
    pub inputs: Vec<String>,
    /// The traffic of every reach pair.
    pub protocol: Protocol,
    pub port: Option<u16>,
    /// What the policy section says when the twin holds no secrets (with secrets, `build`
    /// asks `who-can` for each).
    pub policy: PolicySection,
    /// Detection and vulnerability findings for `--logs`.
    pub detection: DetectionSection,
}

fn protocol_text(p: Protocol) -> &'static str {
    match p {
        Protocol::All => "all",
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Icmp => "icmp",
    }
}

/// Gather the report's data from the twin behind `engine`.
pub fn build(engine: &Engine, options: Options) -> ReportData {
    let twin = engine.ix.twin;
    let twin_unknowns: Vec<String> = twin.unknowns.iter().map(|u| format!("{}: {}", u.resource, u.reason)).collect();
    let unknown_set: HashSet<String> = twin_unknowns.iter().cloned().collect();
    let mut interner = paths::Interner::default();
    let ((vpcs, checks), (exposure, reach)) = rayon::join(
        || rayon::join(|| topology::vpcs(engine), || koban_intent::run_checks(engine)),
        || rayon::join(|| koban_net::exposure::exposure(engine), || paths::answer_pairs(engine, options.protocol, options.port)),
    );
    let exposure = paths::exposure_view(&exposure, &unknown_set, &mut interner);
    let reach = paths::reach_view(twin, reach, &unknown_set, &mut interner);
    let tgws = topology::transit_gateways(twin);
    let vpns = topology::vpn_connections(twin);
    let accounts = topology::accounts(twin, &vpcs, &tgws, &vpns);
    let count = |l: SeverityLabel| checks.findings.iter().filter(|f| f.severity.label == l).count();
    let errors = twin.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let summary = Summary {
        accounts: accounts.len(),
        vpcs: twin.vpcs.len(),
        subnets: twin.subnets.len(),
        network_interfaces: twin.network_interfaces.len(),
        instances: twin.instances.len(),
        live_instances: twin.instances.values().filter(|i| i.is_live()).count(),
        transit_gateways: twin.transit_gateways.len(),
        findings_high: count(SeverityLabel::High),
        findings_medium: count(SeverityLabel::Medium),
        findings_low: count(SeverityLabel::Low),
        exposed_interfaces: exposure.sources.iter().map(|s| s.exposed.len()).sum(),
        reach_pairs: reach.pairs.len(),
        input_errors: errors,
        input_warnings: twin.diagnostics.len() - errors,
        large: twin.vpcs.len() > LARGE_VPCS || twin.network_interfaces.len() > LARGE_ENIS,
    };
    let policy = secrets_policy(engine, options.policy);
    ReportData {
        schema: SCHEMA,
        generator: format!("koban {}", env!("CARGO_PKG_VERSION")),
        inputs: options.inputs,
        traffic: Traffic { protocol: protocol_text(options.protocol).to_string(), port: options.port },
        complete: twin.diagnostics.is_empty() && twin_unknowns.is_empty() && checks.unknowns.is_empty(),
        summary,
        accounts,
        vpcs,
        transit_gateways: tgws,
        vpn_connections: vpns,
        direct_connect_gateways: topology::direct_connect_gateways(twin),
        vpc_peering_connections: topology::peering(twin),
        networks: topology::networks(twin),
        inspection_appliances: topology::appliances(twin),
        checks,
        exposure,
        reach,
        paths: interner.finish(),
        policy,
        detection: options.detection,
        diagnostics: twin.diagnostics.clone(),
        unknowns: twin_unknowns,
    }
}

/// The action `who-can` is asked for on every secret of the twin.
pub const SECRET_ACTION: &str = "secretsmanager:GetSecretValue";

/// Who can read each landing-zone secret (`koban who-can --action
/// secretsmanager:GetSecretValue --resource <secret>`), when the twin holds secrets;
/// otherwise `fallback` (which says why the section is empty).
fn secrets_policy(engine: &Engine, fallback: PolicySection) -> PolicySection {
    let twin = engine.ix.twin;
    if twin.resource_policies.secrets.is_empty() {
        return fallback;
    }
    let ix = koban_intent::access::Index::new(twin);
    let answers = twin
        .resource_policies
        .secrets
        .values()
        .map(|s| koban_intent::access::who_can(engine, &ix, SECRET_ACTION, &s.arn, &[]))
        .filter_map(|a| serde_json::to_value(a).ok())
        .collect();
    PolicySection {
        available: true,
        note: format!("koban who-can --action {SECRET_ACTION} for each of the {} secret(s) in the twin: every principal that can read it, and from which network origin.", twin.resource_policies.secrets.len()),
        answers,
    }
}

/// Lay out the diagrams and write the page.
pub fn render(data: &ReportData) -> Result<String, ReportError> {
    let diagrams = diagram::diagrams(data);
    let svgs = graphviz::render_all(&diagrams.iter().map(|d| d.dot.as_str()).collect::<Vec<_>>())?;
    Ok(html::page(data, &diagrams, &svgs))
}
