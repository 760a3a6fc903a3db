//! The user's intents from `koban.yaml`, each proved or refuted with evidence: `reach`
//! (the traffic flows, replies included), `never-reach`, `isolated` (nothing either way),
//! `inspected` (every path both ways, replies included, crosses an inspection endpoint) with
//! `net`, and `only <principals> can <action> on <resource>` with the policy engine
//! (`who-can`). An intent koban cannot evaluate is `unknown`, never `pass`.

use crate::access::index::AccessIndex;
use crate::access::who_can::{who_can, Access};
use crate::checks::finding;
use crate::config::{Config, Flow, FlowProtocol, IntentKind, OnlyCan};
use koban_findings::Finding;
use koban_net::reach::{reach, Protocol, ReachAnswer};
use koban_net::spec::Spec;
use koban_net::Engine;
use serde::Serialize;
use serde_json::json;

pub const REACH: &str = "KBN-INT-001";
pub const NEVER_REACH: &str = "KBN-INT-002";
pub const ISOLATED: &str = "KBN-INT-003";
pub const INSPECTED: &str = "KBN-INT-004";
pub const ONLY_CAN: &str = "KBN-INT-005";

/// The outcome of one intent.
#[derive(Debug, Clone, Serialize)]
pub struct IntentResult {
    /// Its place in the file: `intents[2]`.
    pub intent: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `reach`, `never-reach`, `isolated`, `inspected` or `only`.
    pub kind: &'static str,
    /// The catalogue id its findings carry.
    pub check: &'static str,
    /// `pass`, `fail` or `unknown`.
    pub status: &'static str,
    /// What koban found, in words.
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct IntentReport {
    pub results: Vec<IntentResult>,
    pub findings: Vec<Finding>,
    pub unknowns: Vec<String>,
}

fn protocol(p: FlowProtocol) -> (Protocol, &'static str) {
    match p {
        FlowProtocol::All => (Protocol::All, "all"),
        FlowProtocol::Tcp => (Protocol::Tcp, "tcp"),
        FlowProtocol::Udp => (Protocol::Udp, "udp"),
        FlowProtocol::Icmp => (Protocol::Icmp, "icmp"),
    }
}

fn traffic_text(f: &Flow) -> String {
    let (_, p) = protocol(f.protocol);
    match f.port {
        Some(port) => format!("{p}/{port}"),
        None => p.to_string(),
    }
}

/// One reach query between two intent endpoints.
fn ask(engine: &Engine, from: &str, to: &str, proto: FlowProtocol, port: Option<u16>) -> Result<ReachAnswer, String> {
    let twin = engine.ix.twin;
    let f = Spec::parse(from, twin).map_err(|e| e.to_string())?;
    let t = Spec::parse(to, twin).map_err(|e| e.to_string())?;
    Ok(reach(engine, &f, &t, protocol(proto).0, port, from, to))
}

fn path_text(hops: &[koban_net::trace::Hop]) -> String {
    hops.iter().map(|h| h.resource.as_str()).collect::<Vec<_>>().join(" -> ")
}

fn blocked_text(a: &ReachAnswer) -> String {
    let parts: Vec<String> = a.blocked.iter().take(4).map(|b| format!("[{}] at {}: {}", b.direction, b.at, b.reason)).collect();
    if parts.is_empty() {
        "nothing arrives".into()
    } else {
        parts.join("; ")
    }
}

struct Ctx<'a, 'e, 't> {
    engine: &'e Engine<'t>,
    access: Option<AccessIndex<'t>>,
    out: &'a mut IntentReport,
}

impl Ctx<'_, '_, '_> {
    fn result(
        &mut self,
        place: &str,
        name: &Option<String>,
        kind: &'static str,
        check: &'static str,
        status: &'static str,
        detail: String,
    ) {
        self.out.results.push(IntentResult { intent: place.to_string(), name: name.clone(), kind, check, status, detail });
    }

    fn reach_intent(&mut self, place: &str, name: &Option<String>, f: &Flow, never: bool) {
        let (kind, check) = if never { ("never-reach", NEVER_REACH) } else { ("reach", REACH) };
        let a = match ask(self.engine, &f.from.0, &f.to.0, f.protocol, f.port) {
            Ok(a) => a,
            Err(e) => return self.cannot(place, name, kind, check, e),
        };
        self.out.unknowns.extend(a.unknowns.iter().cloned());
        let traffic = traffic_text(f);
        let label = name.clone().unwrap_or_else(|| place.to_string());
        match (never, a.reachable) {
            (false, true) => self.result(place, name, kind, check, "pass", format!("{} reaches {} on {traffic}", f.from.0, f.to.0)),
            (true, false) => self.result(place, name, kind, check, "pass", format!("{} cannot reach {} on {traffic}", f.from.0, f.to.0)),
            (false, false) => {
                let why = blocked_text(&a);
                self.out.findings.push(finding(
                    check,
                    &f.to.0,
                    &[place, &f.from.0, &traffic],
                    format!("intent {label}: {} does not reach {} on {traffic}", f.from.0, f.to.0),
                    format!("{place} states that {} reaches {} on {traffic}; nothing arrives with its replies: {why}.", f.from.0, f.to.0),
                    json!({ "intent": place, "from": f.from.0, "to": f.to.0, "traffic": traffic, "blocked": a.blocked }),
                ));
                self.result(place, name, kind, check, "fail", format!("not reachable: {why}"));
            }
            (true, true) => {
                let p = &a.paths[0];
                self.out.findings.push(finding(
                    check,
                    &f.to.0,
                    &[place, &f.from.0, &traffic],
                    format!("intent {label}: {} reaches {} on {traffic}", f.from.0, f.to.0),
                    format!("{place} states that {} never reaches {} on {traffic}; it does: {} ({}).", f.from.0, f.to.0, path_text(&p.hops), p.packets),
                    json!({ "intent": place, "from": f.from.0, "to": f.to.0, "traffic": traffic, "witness": p.hops, "reply": p.reply_hops, "paths": a.paths.len() }),
                ));
                self.result(place, name, kind, check, "fail", format!("reachable: {}", path_text(&p.hops)));
            }
        }
    }

    fn isolated(&mut self, place: &str, name: &Option<String>, a: &str, b: &str) {
        let label = name.clone().unwrap_or_else(|| place.to_string());
        let mut flows = Vec::new();
        for (from, to) in [(a, b), (b, a)] {
            match ask(self.engine, from, to, FlowProtocol::All, None) {
                Ok(r) => {
                    self.out.unknowns.extend(r.unknowns.iter().cloned());
                    if let Some(p) = r.paths.first() {
                        flows.push(format!("{from} -> {to}: {}", path_text(&p.hops)));
                        self.out.findings.push(finding(
                            ISOLATED,
                            to,
                            &[place, from],
                            format!("intent {label}: {from} reaches {to}"),
                            format!(
                                "{place} states that {a} and {b} are isolated; {from} reaches {to}: {} ({}).",
                                path_text(&p.hops),
                                p.packets
                            ),
                            json!({ "intent": place, "from": from, "to": to, "witness": p.hops, "reply": p.reply_hops }),
                        ));
                    }
                }
                Err(e) => return self.cannot(place, name, "isolated", ISOLATED, e),
            }
        }
        if flows.is_empty() {
            self.result(place, name, "isolated", ISOLATED, "pass", format!("no traffic between {a} and {b} in either direction"));
        } else {
            self.result(place, name, "isolated", ISOLATED, "fail", flows.join("; "));
        }
    }

    fn inspected(&mut self, place: &str, name: &Option<String>, f: &Flow) {
        let label = name.clone().unwrap_or_else(|| place.to_string());
        let traffic = traffic_text(f);
        let mut bypasses = Vec::new();
        let mut flows = 0;
        for (from, to) in [(&f.from.0, &f.to.0), (&f.to.0, &f.from.0)] {
            let r = match ask(self.engine, from, to, f.protocol, f.port) {
                Ok(r) => r,
                Err(e) => return self.cannot(place, name, "inspected", INSPECTED, e),
            };
            self.out.unknowns.extend(r.unknowns.iter().cloned());
            flows += r.paths.len();
            if let Some(p) = r.paths.iter().find(|p| !p.inspected || (!p.reply_hops.is_empty() && !p.reply_inspected)) {
                let (what, hops) = if !p.inspected { ("the traffic", &p.hops) } else { ("the replies", &p.reply_hops) };
                bypasses.push(format!("{from} -> {to}: {what} cross no inspection endpoint ({})", path_text(hops)));
                self.out.findings.push(finding(
                    INSPECTED,
                    to,
                    &[place, from],
                    format!("intent {label}: {from} -> {to} is not inspected"),
                    format!("{place} states that traffic between {} and {} is inspected; from {from} to {to} on {traffic}, {what} cross no inspection endpoint: {}.", f.from.0, f.to.0, path_text(hops)),
                    json!({ "intent": place, "from": from, "to": to, "traffic": traffic, "witness": p.hops, "reply": p.reply_hops }),
                ));
            }
        }
        if !bypasses.is_empty() {
            self.result(place, name, "inspected", INSPECTED, "fail", bypasses.join("; "));
        } else if flows == 0 {
            self.result(
                place,
                name,
                "inspected",
                INSPECTED,
                "pass",
                format!("no traffic flows between {} and {} on {traffic}", f.from.0, f.to.0),
            );
        } else {
            self.result(
                place,
                name,
                "inspected",
                INSPECTED,
                "pass",
                format!("all {flows} path(s) both ways cross an inspection endpoint, replies included"),
            );
        }
    }

    fn only(&mut self, place: &str, name: &Option<String>, o: &OnlyCan) {
        let label = name.clone().unwrap_or_else(|| place.to_string());
        let twin = self.engine.ix.twin;
        let ix = self.access.get_or_insert_with(|| AccessIndex::new(twin));
        let answer = who_can(self.engine, ix, &o.can.0, &o.on.0, &[]);
        self.out.unknowns.extend(answer.unknowns.iter().cloned());
        let allowed = |p: &str| o.principals.iter().any(|a| glob(&a.0, p));
        let extra: Vec<_> = answer.principals.iter().filter(|p| !allowed(&p.principal)).collect();
        let definite: Vec<_> = extra.iter().filter(|p| p.access == Access::Allowed).collect();
        if !definite.is_empty() {
            let names: Vec<&str> = definite.iter().map(|p| p.principal.as_str()).collect();
            for p in &definite {
                self.out.findings.push(finding(
                    ONLY_CAN,
                    &o.on.0,
                    &[place, &p.principal],
                    format!("intent {label}: {} can {} on {}", p.principal, o.can.0, o.on.0),
                    format!(
                        "{place} states that only {} can {} on {}; {} can too (from {}).",
                        o.principals.iter().map(|x| x.0.as_str()).collect::<Vec<_>>().join(", "),
                        o.can.0,
                        o.on.0,
                        p.principal,
                        p.origins.iter().map(|x| x.origin.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                    json!({ "intent": place, "principal": p, "action": o.can.0, "resource": o.on.0 }),
                ));
            }
            self.result(place, name, "only", ONLY_CAN, "fail", format!("also allowed: {}", names.join(", ")));
        } else if !extra.is_empty() {
            let names: Vec<String> = extra
                .iter()
                .map(|p| {
                    format!(
                        "{} (when {})",
                        p.principal,
                        p.origins.iter().flat_map(|o| o.keys.iter().cloned()).collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            self.out.unknowns.push(format!("{place}: allowed only for some values of keys koban cannot settle: {}", names.join("; ")));
            self.result(place, name, "only", ONLY_CAN, "unknown", format!("conditionally allowed: {}", names.join("; ")));
        } else if answer.evaluated == 0 && answer.considered == 0 {
            self.cannot(
                place,
                name,
                "only",
                ONLY_CAN,
                "the snapshot holds no IAM data (get-account-authorization-details) to evaluate it with".into(),
            );
        } else {
            self.result(
                place,
                name,
                "only",
                ONLY_CAN,
                "pass",
                format!("{} principal(s) evaluated; none outside the list can", answer.evaluated),
            );
        }
    }

    fn cannot(&mut self, place: &str, name: &Option<String>, kind: &'static str, check: &'static str, why: String) {
        self.out.unknowns.push(format!("{place}: cannot be evaluated: {why}"));
        self.result(place, name, kind, check, "unknown", why);
    }
}

/// `pattern` with `*` (any run) and `?` (one character) against `text`.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Evaluate every intent of the configuration.
pub fn evaluate(engine: &Engine, config: &Config) -> IntentReport {
    let mut out = IntentReport::default();
    let mut cx = Ctx { engine, access: None, out: &mut out };
    for (i, intent) in config.intents.iter().enumerate() {
        let place = format!("intents[{i}]");
        match &intent.kind {
            IntentKind::Reach(f) => cx.reach_intent(&place, &intent.name, f, false),
            IntentKind::NeverReach(f) => cx.reach_intent(&place, &intent.name, f, true),
            IntentKind::Isolated(x) => cx.isolated(&place, &intent.name, &x.between[0].0, &x.between[1].0),
            IntentKind::Inspected(f) => cx.inspected(&place, &intent.name, f),
            IntentKind::Only(o) => cx.only(&place, &intent.name, o),
        }
    }
    out.unknowns.sort();
    out.unknowns.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs_match_like_iam_wildcards() {
        assert!(glob("arn:aws:iam::111111111111:role/ci-*", "arn:aws:iam::111111111111:role/ci-deploy"));
        assert!(!glob("arn:aws:iam::111111111111:role/ci-*", "arn:aws:iam::111111111111:role/dev"));
        assert!(glob("a?c", "abc"));
        assert!(glob("*", ""));
    }
}
