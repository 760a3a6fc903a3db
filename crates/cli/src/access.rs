//! `koban can` and `koban who-can`: the policy engine over the twin, with the network context
//! derived from the paths requests take.

use crate::args::{AccessRequest, Inputs};
use crate::load;
use crate::output::{code, fail, Run};
use koban_intent::access::network::{NetworkContext, Via};
use koban_intent::access::{can as can_answer, parse_overrides, who_can as who_can_answer, CanAnswer, CanQuery, Index, WhoCanAnswer};
use koban_model::Diagnostic;
use koban_net::Engine;
use std::fmt::Write;
use std::process::ExitCode;

/// The twin's diagnostics plus those of its policy documents.
fn all_diagnostics(twin: &koban_model::Twin, ix: &Index) -> Vec<Diagnostic> {
    twin.diagnostics.iter().chain(&ix.diagnostics).cloned().collect()
}

pub fn can(run: &mut Run, inputs: &Inputs, req: &AccessRequest, principal: Option<&str>, from: Option<&str>) -> ExitCode {
    let overrides = match parse_overrides(&req.context) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let (twin, _) = match load::load_inputs(inputs) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let engine = Engine::new(&twin);
    let ix = Index::new(&twin);
    run.loaded();
    let q = CanQuery { principal, action: &req.action, resource: &req.resource, from, context: &overrides };
    let answer = match can_answer(&engine, &ix, &q) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    run.emit(&answer, render_can, &all_diagnostics(&twin, &ix));
    code(!answer.allowed)
}

pub fn who_can(run: &mut Run, inputs: &Inputs, req: &AccessRequest) -> ExitCode {
    let overrides = match parse_overrides(&req.context) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    if req.action.split_once(':').is_none_or(|(s, a)| s.is_empty() || a.is_empty()) {
        return fail(format!("--action {:?}: expected service:Action, such as secretsmanager:GetSecretValue", req.action));
    }
    let (twin, _) = match load::load_inputs(inputs) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let engine = Engine::new(&twin);
    let ix = Index::new(&twin);
    run.loaded();
    let answer = who_can_answer(&engine, &ix, &req.action, &req.resource, &overrides);
    run.emit(&answer, render_who_can, &all_diagnostics(&twin, &ix));
    code(!answer.principals.is_empty())
}

fn unknowns(out: &mut String, u: &[String]) {
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

fn network_text(out: &mut String, n: &NetworkContext) {
    let via = match n.via {
        Via::InterfaceEndpoint => format!("interface endpoint {}", n.endpoint.as_deref().unwrap_or("?")),
        Via::GatewayEndpoint => format!("gateway endpoint {}", n.endpoint.as_deref().unwrap_or("?")),
        Via::Internet => format!("the internet, from {}", if n.public_ips.is_empty() { "?".into() } else { n.public_ips.join(", ") }),
        Via::Unreachable => "nothing: unreachable".into(),
    };
    let _ = writeln!(out, "network: {} -> {} via {via}", n.from, n.service);
    if !n.hops.is_empty() {
        let ids: Vec<&str> = n.hops.iter().map(|h| h.resource.as_str()).collect();
        let _ = writeln!(out, "  path: {}", ids.join(" -> "));
    }
    for b in &n.blocked {
        let _ = writeln!(out, "  blocked [{}] at {}: {}", b.direction, b.at, b.reason);
    }
}

pub fn render_can(a: &CanAnswer) -> String {
    let mut out = String::new();
    let verdict = if a.allowed { "ALLOWED".to_string() } else { format!("NOT ALLOWED ({})", a.decision.as_str()) };
    let _ = writeln!(out, "{} {} on {}: {verdict}", a.caller, a.action, a.resource);
    if let Some(r) = &a.resource_is {
        let _ = writeln!(out, "  resource: {r}");
    }
    let _ = writeln!(out, "  {}", a.reason);
    if !a.decided_by.is_empty() {
        let _ = writeln!(out, "decided by:");
        for d in &a.decided_by {
            let _ = writeln!(out, "  - {d}");
        }
    }
    if let Some(n) = &a.network {
        network_text(&mut out, n);
    }
    let p = &a.policies;
    let _ = writeln!(out, "policies evaluated:");
    let _ = writeln!(out, "  identity: {}", if p.identity.is_empty() { "(none)".into() } else { p.identity.join(", ") });
    if !p.boundary.is_empty() {
        let _ = writeln!(out, "  boundary: {}", p.boundary.join(", "));
    }
    if let Some(r) = &p.resource {
        let _ = writeln!(out, "  resource: {r}");
    }
    if !p.vpce.is_empty() {
        let _ = writeln!(out, "  vpce: {}", p.vpce.join(", "));
    }
    for (label, levels) in [("scp", &p.scp), ("rcp", &p.rcp)] {
        for l in levels {
            let _ = writeln!(out, "  {label} {}: {}", l.id, if l.policies.is_empty() { "(none)".into() } else { l.policies.join(", ") });
        }
    }
    let _ = writeln!(out, "context:");
    for (k, v) in &a.context {
        let _ = writeln!(out, "  {k} = {}", v.as_str().map_or_else(|| v.to_string(), str::to_string));
    }
    unknowns(&mut out, &a.unknowns);
    out
}

pub fn render_who_can(a: &WhoCanAnswer) -> String {
    let mut out = String::new();
    let on = a.resource_is.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
    let _ = writeln!(
        out,
        "who can {} on {}{on}: {} principal(s) ({} considered, {} evaluated)",
        a.action,
        a.resource,
        a.principals.len(),
        a.considered,
        a.evaluated
    );
    for p in &a.principals {
        let access = match p.access {
            koban_intent::access::who_can::Access::Allowed => "allowed",
            koban_intent::access::who_can::Access::Conditional => "conditional",
        };
        let _ = writeln!(out, "  {} [{}] {access}", p.principal, p.kind);
        for o in &p.origins {
            let keys = if o.keys.is_empty() { String::new() } else { format!(" (depends on {})", o.keys.join(", ")) };
            let _ = writeln!(out, "      from {}{keys}", o.origin);
            if !o.decided_by.is_empty() {
                let _ = writeln!(out, "        by {}", o.decided_by.join(", "));
            }
        }
        for n in &p.notes {
            let _ = writeln!(out, "      note: {n}");
        }
    }
    let _ = writeln!(out, "origins:");
    for o in &a.origins {
        let inst = if o.instances.is_empty() { String::new() } else { format!(": {}", o.instances.join(", ")) };
        let _ = writeln!(out, "  {}{inst}", o.origin);
    }
    for u in &a.unreachable {
        let _ = writeln!(out, "  {} cannot reach the service: {}", u.instance, u.reason);
    }
    unknowns(&mut out, &a.unknowns);
    out
}
