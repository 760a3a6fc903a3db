//! `koban check --format sarif`: SARIF 2.1.0 for code scanning in CI. Every catalogue
//! check is a rule (with its rationale, remediation, AWS reference and a
//! `security-severity`); every finding a result located where its resource was read: the
//! snapshot file with the line of the record's JSON pointer, or the template line when the
//! twin's origin is `line:col` (infrastructure as code), the `koban.yaml` line of an intent,
//! or the scope file's match condition. Suppressed findings are results with a SARIF
//! `suppressions` entry carrying the reason.

use crate::checks::CATALOGUE;
use crate::config::Config;
use crate::evaluate::CheckOutcome;
use koban_findings::{Finding, SeverityLabel};
use koban_model::{Origin, Twin};
use serde_json::{json, Value};
use std::collections::HashMap;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(label: SeverityLabel) -> &'static str {
    match label {
        SeverityLabel::High => "error",
        SeverityLabel::Medium => "warning",
        SeverityLabel::Low => "note",
    }
}

/// Where the twin read a resource.
pub fn origin_of<'t>(twin: &'t Twin, id: &str) -> Option<&'t Origin> {
    macro_rules! look {
        ($($map:expr),*) => {
            None$(.or_else(|| $map.get(id).map(|x| &x.origin)))*
        };
    }
    look!(
        twin.vpcs,
        twin.subnets,
        twin.route_tables,
        twin.internet_gateways,
        twin.nat_gateways,
        twin.transit_gateways,
        twin.transit_gateway_attachments,
        twin.transit_gateway_route_tables,
        twin.vpc_endpoints,
        twin.security_groups,
        twin.network_acls,
        twin.network_interfaces,
        twin.instances,
        twin.prefix_lists,
        twin.vpc_peering_connections,
        twin.vpn_gateways,
        twin.vpn_connections,
        twin.customer_gateways,
        twin.direct_connect_gateways,
        twin.dns.resolver_endpoints,
        twin.dns.resolver_rules,
        twin.dns.resolver_rule_associations,
        twin.dns.hosted_zones,
        twin.iam.roles,
        twin.iam.users,
        twin.iam.groups,
        twin.iam.policies,
        twin.resource_policies.secrets,
        twin.resource_policies.event_buses
    )
}

/// The 1-based line and column where the value a JSON pointer names starts.
pub fn pointer_position(text: &str, pointer: &str) -> Option<(usize, usize)> {
    let tokens: Vec<String> = if pointer.is_empty() || pointer == "/" {
        Vec::new()
    } else {
        pointer.strip_prefix('/')?.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect()
    };
    let b = text.as_bytes();
    let mut i = 0;
    let ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    // Skip one JSON string starting at b[i] == '"'; returns its raw contents.
    fn string(b: &[u8], i: &mut usize) -> Option<String> {
        *i += 1;
        let start = *i;
        while *i < b.len() && b[*i] != b'"' {
            if b[*i] == b'\\' {
                *i += 1;
            }
            *i += 1;
        }
        let s = std::str::from_utf8(b.get(start..*i)?).ok()?.to_string();
        *i += 1;
        Some(s)
    }
    fn skip(b: &[u8], i: &mut usize) -> Option<()> {
        let mut depth = 0usize;
        loop {
            let c = *b.get(*i)?;
            match c {
                b'"' => {
                    string(b, i)?;
                    if depth == 0 {
                        return Some(());
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    if depth == 0 {
                        return Some(());
                    }
                    depth -= 1;
                    if depth == 0 {
                        *i += 1;
                        return Some(());
                    }
                }
                b',' | b':' if depth == 0 => return Some(()),
                _ => {}
            }
            *i += 1;
        }
    }
    ws(&mut i);
    for t in tokens {
        match b.get(i)? {
            b'{' => {
                i += 1;
                loop {
                    ws(&mut i);
                    if *b.get(i)? != b'"' {
                        return None;
                    }
                    let key = string(b, &mut i)?;
                    ws(&mut i);
                    i += 1; // ':'
                    ws(&mut i);
                    if key == t {
                        break;
                    }
                    skip(b, &mut i)?;
                    ws(&mut i);
                    if *b.get(i)? != b',' {
                        return None;
                    }
                    i += 1;
                }
            }
            b'[' => {
                let n: usize = t.parse().ok()?;
                i += 1;
                ws(&mut i);
                for _ in 0..n {
                    skip(b, &mut i)?;
                    ws(&mut i);
                    if *b.get(i)? != b',' {
                        return None;
                    }
                    i += 1;
                    ws(&mut i);
                }
            }
            _ => return None,
        }
    }
    let before = text.get(..i)?;
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count() + 1).unwrap_or(1);
    Some((line, column))
}

/// A path as a SARIF URI reference: relative paths stay relative (forward slashes), absolute
/// ones become `file://` URIs; characters outside the unreserved set are percent-encoded.
pub fn uri(path: &str) -> String {
    let encode = |s: &str| {
        s.bytes()
            .map(|c| if c.is_ascii_alphanumeric() || b"-._~/".contains(&c) { (c as char).to_string() } else { format!("%{c:02X}") })
            .collect::<String>()
    };
    let p = path.replace('\\', "/");
    if p.starts_with('/') {
        format!("file://{}", encode(&p))
    } else {
        encode(p.trim_start_matches("./"))
    }
}

struct Locator<'a> {
    twin: &'a Twin,
    config: &'a Config,
    files: HashMap<String, Option<String>>,
}

impl Locator<'_> {
    fn text(&mut self, file: &str) -> Option<&str> {
        self.files.entry(file.to_string()).or_insert_with(|| std::fs::read_to_string(file).ok()).as_deref()
    }

    fn physical(&mut self, file: &str, location: &str) -> Value {
        let mut region = None;
        let mut parts = location.splitn(2, ':');
        if let (Some(l), Some(c)) = (parts.next().and_then(|l| l.parse::<usize>().ok()), parts.next().and_then(|c| c.parse::<usize>().ok()))
        {
            region = Some((l, c));
        } else if location.starts_with('/') {
            region = self.text(file).and_then(|t| pointer_position(t, location));
        }
        let mut loc = json!({ "artifactLocation": { "uri": uri(file) } });
        if let Some((line, column)) = region {
            loc["region"] = json!({ "startLine": line.max(1), "startColumn": column.max(1) });
        }
        loc
    }

    /// The line of the `index`th item under `intents:` in koban.yaml.
    fn intent_line(&mut self, index: usize) -> Option<(String, usize)> {
        let file = self.config.path.as_deref()?.display().to_string();
        let text = self.text(&file)?;
        let mut inside = false;
        let mut seen = 0;
        for (n, line) in text.lines().enumerate() {
            if line.starts_with("intents:") {
                inside = true;
                continue;
            }
            if inside && !line.starts_with(' ') && !line.starts_with('-') && !line.trim().is_empty() && !line.starts_with('#') {
                break;
            }
            if inside && line.trim_start().starts_with("- ") && line.len() - line.trim_start().len() <= 2 {
                if seen == index {
                    return Some((file, n + 1));
                }
                seen += 1;
            }
        }
        None
    }

    fn locations(&mut self, f: &Finding) -> Value {
        let mut physical = None;
        if let Some(place) = f.evidence.get("intent").and_then(Value::as_str) {
            let index = place.trim_start_matches("intents[").trim_end_matches(']').parse::<usize>().ok();
            if let Some((file, line)) = index.and_then(|i| self.intent_line(i)) {
                physical = Some(json!({ "artifactLocation": { "uri": uri(&file) }, "region": { "startLine": line } }));
            }
        }
        if let (Some(scope), Some(i)) =
            (f.evidence.get("scope").and_then(Value::as_str), f.evidence.get("match_path").and_then(Value::as_u64))
        {
            physical = Some(self.physical(scope, &format!("/MatchPaths/{i}")));
            if physical.as_ref().is_some_and(|p| p.get("region").is_none()) {
                let content = format!("/NetworkInsightsAccessScopeContent/MatchPaths/{i}");
                let alt = self.physical(scope, &content);
                if alt.get("region").is_some() {
                    physical = Some(alt);
                }
            }
        }
        if physical.is_none() {
            if let Some(o) = origin_of(self.twin, &f.resource).cloned() {
                physical = Some(self.physical(&o.file, &o.location));
            }
        }
        let logical = json!([{ "name": f.resource, "kind": "resource" }]);
        match physical {
            Some(p) => json!([{ "physicalLocation": p, "logicalLocations": logical }]),
            None => json!([{ "logicalLocations": logical }]),
        }
    }
}

fn result(loc: &mut Locator, f: &Finding, suppression: Option<&str>, rule_index: &HashMap<&str, usize>) -> Value {
    let mut r = json!({
        "ruleId": f.source,
        "level": level(f.severity.label),
        "message": { "text": format!("{}: {}", f.title, f.description) },
        "locations": loc.locations(f),
        "partialFingerprints": { "kobanFindingId/v1": f.id },
        "properties": {
            "findingType": f.finding_type,
            "severity": f.severity.value,
            "resource": f.resource,
            "remediation": f.remediation,
        },
    });
    if let Some(i) = rule_index.get(f.source.as_str()) {
        r["ruleIndex"] = json!(i);
    }
    if let Some(reason) = suppression {
        r["suppressions"] = json!([{ "kind": "external", "status": "accepted", "justification": reason }]);
    }
    r
}

/// The SARIF log of one `koban check`.
pub fn log(outcome: &CheckOutcome, twin: &Twin, config: &Config, version: &str) -> Value {
    let rules: Vec<Value> = CATALOGUE
        .iter()
        .map(|c| {
            let label = koban_findings::Severity::new(c.severity).label;
            json!({
                "id": c.id,
                "name": c.finding_type.rsplit('/').next().unwrap_or(c.id),
                "shortDescription": { "text": c.title },
                "fullDescription": { "text": c.rationale },
                "help": { "text": format!("{} See {}", c.remediation, c.reference), "markdown": format!("{}\n\n[AWS documentation]({})", c.remediation, c.reference) },
                "helpUri": c.reference,
                "defaultConfiguration": { "level": level(label) },
                "properties": { "security-severity": format!("{:.1}", c.severity), "tags": ["security", c.finding_type] },
            })
        })
        .collect();
    let rule_index: HashMap<&str, usize> = CATALOGUE.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut loc = Locator { twin, config, files: HashMap::new() };
    let mut results: Vec<Value> = outcome.report.findings.iter().map(|f| result(&mut loc, f, None, &rule_index)).collect();
    results.extend(outcome.suppressed.iter().map(|s| result(&mut loc, &s.finding, Some(&s.reason), &rule_index)));
    let notifications: Vec<Value> = outcome.report.unknowns.iter().map(|u| json!({ "level": "note", "message": { "text": u } })).collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "koban",
                "version": version,
                "informationUri": "https://docs.aws.amazon.com/prescriptive-guidance/latest/security-reference-architecture/welcome.html",
                "rules": rules,
            }},
            "invocations": [{ "executionSuccessful": true, "toolExecutionNotifications": notifications }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_become_lines() {
        let text = "{\n    \"Vpcs\": [\n        {\"VpcId\": \"vpc-1\"},\n        {\n            \"VpcId\": \"vpc-2\"\n        }\n    ],\n    \"A~/b\": 1\n}\n";
        assert_eq!(pointer_position(text, "/Vpcs/0"), Some((3, 9)));
        assert_eq!(pointer_position(text, "/Vpcs/1"), Some((4, 9)));
        assert_eq!(pointer_position(text, "/Vpcs/1/VpcId"), Some((5, 22)));
        assert_eq!(pointer_position(text, "/A~0~1b"), Some((8, 13)));
        assert_eq!(pointer_position(text, "/Vpcs/7"), None);
        assert_eq!(pointer_position(text, "/Nope"), None);
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("examples/landing zone/Vpcs.json"), "examples/landing%20zone/Vpcs.json");
        assert_eq!(uri("/work/a.json"), "file:///work/a.json");
        assert_eq!(uri("./x/y.json"), "x/y.json");
    }
}
