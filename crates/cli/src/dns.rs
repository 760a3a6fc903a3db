//! `koban resolve`: which resolver answers a name, the rule or zone that decided, and the
//! path of forwarded queries.

use crate::args::Inputs;
use crate::load;
use crate::output::{code, fail, Run};
use crate::render::{hop_line, unknowns};
use koban_dns::query::{Outcome, ResolveAnswer};
use koban_net::Engine;
use std::fmt::Write;
use std::process::ExitCode;

pub fn resolve(run: &mut Run, inputs: &Inputs, from: &str, name: &str) -> ExitCode {
    let (twin, _) = match load::load_inputs(inputs) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let engine = Engine::new(&twin);
    run.loaded();
    let answer = match koban_dns::resolve(&engine, from, name) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    run.emit(&answer, text, &twin.diagnostics);
    code(answer.fails())
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Forwarded => "FORWARDED",
        Outcome::Unreachable => "UNREACHABLE (SERVFAIL)",
        Outcome::NoEndpoint => "NOT FORWARDED (no usable outbound endpoint)",
        Outcome::Answered => "ANSWERED",
        Outcome::Nxdomain => "NXDOMAIN",
        Outcome::ZoneAnswers => "ANSWERED BY A PRIVATE ZONE",
        Outcome::PublicDns => "PUBLIC DNS",
    }
}

fn text(a: &ResolveAnswer) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} from {} (in {}): {}", a.name, a.from, a.vpc, outcome_word(a.outcome));
    let _ = writeln!(out, "  answered by: {}", a.answered_by);
    let d = &a.decision;
    let decider = match (&d.rule, &d.zone) {
        (Some(r), _) => format!(
            "Resolver rule {r} ({}) for {}",
            serde_json::to_value(d.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
            d.domain
        ),
        (None, Some(z)) => format!("private hosted zone {z} for {}", d.domain),
        (None, None) => format!("no rule matched ({})", d.domain),
    };
    let _ = writeln!(out, "  decided by: {decider}");
    let others: Vec<String> = d.candidates.iter().filter(|c| !c.chosen).map(|c| format!("{} {}", c.id, c.domain)).collect();
    if !others.is_empty() {
        let _ = writeln!(out, "  less specific candidates: {}", others.join(", "));
    }
    if let Some(rs) = &a.records {
        for r in rs {
            let _ = writeln!(out, "  record: {} {} {}", r.name, r.record_type, r.values.join(" "));
        }
    }
    if let Some(f) = &a.forwarding {
        let _ = writeln!(out, "  forwarding: rule {} through {}", f.rule, f.endpoint.as_deref().unwrap_or("(no endpoint)"));
        for p in &f.paths {
            let verdict = if p.reachable { "reachable" } else { "BLOCKED" };
            let insp = if p.reachable && p.inspected { ", inspected" } else { "" };
            let _ = writeln!(
                out,
                "\n  {}/{} {} ({}, {}) -> {}: {verdict}{insp}",
                p.protocol,
                p.port,
                p.source_ip.map(|i| i.to_string()).unwrap_or_default(),
                p.interface.as_deref().unwrap_or("no interface"),
                p.availability_zone.as_deref().unwrap_or(&p.subnet),
                p.target
            );
            for (i, h) in p.hops.iter().enumerate() {
                hop_line(&mut out, i, h);
            }
            if !p.reply_hops.is_empty() {
                let ids: Vec<&str> = p.reply_hops.iter().map(|h| h.resource.as_str()).collect();
                let _ = writeln!(out, "    replies return: {}", ids.join(" -> "));
            }
            if !p.reachable {
                for b in &p.blocked {
                    let _ = writeln!(out, "    blocked [{}] at {}: {}", b.direction, b.at, b.reason);
                }
            }
        }
        if !f.problems.is_empty() {
            let _ = writeln!(out, "\n  problems:");
            for p in &f.problems {
                let _ = writeln!(out, "    - {p}");
            }
        }
    }
    unknowns(&mut out, &a.unknowns);
    out
}
