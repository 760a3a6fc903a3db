//! Text rendering of answers for people. JSON output is the answer structs serialised as they
//! are (plus the input diagnostics), so scripts and this text see the same facts.

use koban_intent::CheckReport;
use koban_model::{Diagnostic, Severity};
use koban_net::exposure::ExposureAnswer;
use koban_net::reach::ReachAnswer;
use koban_net::trace::{Hop, Outcome};
use std::fmt::Write;

pub(crate) fn hop_line(out: &mut String, i: usize, h: &Hop) {
    let via = h.interface.as_deref().map(|e| format!(" [{e}]")).unwrap_or_default();
    let _ = writeln!(
        out,
        "    {:>2}. {} ({}){via}",
        i + 1,
        h.resource,
        serde_json::to_value(h.hop_type).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    );
    for e in &h.evidence {
        let _ = writeln!(out, "          {}: {} {}", e.kind, e.resource, e.detail);
    }
}

fn outcome_text(o: &Outcome) -> String {
    match o {
        Outcome::Delivered { interface, owner } => format!("delivered to {owner} ({interface})"),
        Outcome::Exited { to } => format!("leaves to {to}"),
        Outcome::Blocked { at, reason } => format!("blocked at {at}: {reason}"),
    }
}

pub fn diagnostics(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    let errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diags.len() - errors;
    if diags.is_empty() {
        return out;
    }
    let _ = writeln!(out, "input: {errors} error(s), {warnings} warning(s); answers touching the damaged parts list them as unknown");
    for d in diags.iter().take(20) {
        let _ = writeln!(out, "  {d}");
    }
    if diags.len() > 20 {
        let _ = writeln!(out, "  … {} more (use --format json for all)", diags.len() - 20);
    }
    out
}

pub(crate) fn unknowns(out: &mut String, u: &[String]) {
    if u.is_empty() {
        return;
    }
    let _ = writeln!(out, "unknowns ({}):", u.len());
    for x in u.iter().take(30) {
        let _ = writeln!(out, "  - {x}");
    }
    if u.len() > 30 {
        let _ = writeln!(out, "  … {} more", u.len() - 30);
    }
}

pub fn reach(a: &ReachAnswer) -> String {
    let mut out = String::new();
    let port = a.port.map(|p| format!("/{p}")).unwrap_or_default();
    let verdict = if a.reachable { "REACHABLE" } else { "NOT REACHABLE" };
    let _ = writeln!(out, "{} -> {} ({}{port}): {verdict}", a.from, a.to, a.protocol);
    for (i, p) in a.paths.iter().enumerate() {
        let insp = if p.inspected { "inspected" } else { "NOT inspected" };
        let _ = writeln!(out, "\npath {} ({insp}; {}): {}", i + 1, outcome_text(&p.ends), p.packets);
        for (j, h) in p.hops.iter().enumerate() {
            hop_line(&mut out, j, h);
        }
        if !p.reply_hops.is_empty() {
            let ids: Vec<&str> = p.reply_hops.iter().map(|h| h.resource.as_str()).collect();
            let _ = writeln!(out, "    replies return: {}", ids.join(" -> "));
        }
    }
    if !a.blocked.is_empty() {
        let _ = writeln!(out, "\nblocked:");
        for b in &a.blocked {
            let _ = writeln!(out, "  - [{}] at {}: {}", b.direction, b.at, b.reason);
            let _ = writeln!(out, "      packets: {}", b.packets);
            if !b.hops.is_empty() {
                let _ = writeln!(out, "      after: {}", b.hops.join(" -> "));
            }
        }
    }
    unknowns(&mut out, &a.unknowns);
    out
}

pub fn exposure(a: &ExposureAnswer) -> String {
    let mut out = String::new();
    for s in &a.sources {
        let _ = writeln!(out, "from {}: {} interface(s) reachable", s.source, s.exposed.len());
        for e in &s.exposed {
            let ports: Vec<String> = e.ports.iter().map(|p| format!("{} {}", p.protocol, p.ranges.join(","))).collect();
            let insp = if e.inspected { "inspected" } else { "NOT inspected" };
            let ids: Vec<&str> = e.path.iter().map(|h| h.resource.as_str()).collect();
            let _ = writeln!(out, "  {} ({}, {}): {} [{insp}]", e.owner, e.interface, e.subnet, ports.join("; "));
            let _ = writeln!(out, "      via {}", ids.join(" -> "));
        }
    }
    unknowns(&mut out, &a.unknowns);
    out
}

pub fn check(r: &CheckReport) -> String {
    let mut out = String::new();
    for c in &r.checks {
        let _ = writeln!(out, "{:<8} {}  {} ({} finding(s))", c.status.to_uppercase(), c.id, c.title, c.findings);
    }
    if !r.findings.is_empty() {
        let _ = writeln!(out, "\nfindings:");
    }
    for f in &r.findings {
        let _ = writeln!(out, "  [{:?} {:.1}] {} {}: {}", f.severity.label, f.severity.value, f.source, f.resource, f.title);
        let _ = writeln!(out, "      {}", f.description);
        let _ = writeln!(out, "      remediation: {}", f.remediation);
    }
    unknowns(&mut out, &r.unknowns);
    out
}
