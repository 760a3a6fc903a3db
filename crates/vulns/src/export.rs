//! Exports of stored vulnerability findings: Amazon Inspector2 finding JSON (the shape
//! `aws inspector2 list-findings` returns), SARIF 2.1.0 for code scanning, and a CycloneDX 1.6
//! VEX document of the affected components.

use crate::report::{NETWORK_REACHABILITY, PACKAGE_VULNERABILITY};
use koban_findings::store::Stored;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn resource_type(resource: &str) -> &'static str {
    if resource.starts_with("i-") || resource.starts_with("mi-") {
        "AWS_EC2_INSTANCE"
    } else if resource.starts_with("arn:aws:lambda:") {
        "AWS_LAMBDA_FUNCTION"
    } else if resource.starts_with("arn:aws:ecr:") {
        "AWS_ECR_CONTAINER_IMAGE"
    } else {
        "OTHER"
    }
}

/// `{"findings": [...]}` in Inspector2's `Finding` shape.
pub fn inspector(findings: &[Stored]) -> Value {
    let items: Vec<Value> = findings
        .iter()
        .map(|s| {
            let f = &s.finding;
            let ev = &f.evidence;
            let mut o = json!({
                "findingArn": format!("arn:aws:inspector2:::finding/{}", f.id),
                "type": f.finding_type,
                "title": f.title,
                "description": f.description,
                "severity": ev.get("inspectorSeverity").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| format!("{:?}", f.severity.label).to_uppercase()),
                "status": s.status.as_str(),
                "firstObservedAt": s.first_seen,
                "lastObservedAt": s.last_seen,
                "updatedAt": s.updated_at,
                "remediation": {"recommendation": {"text": f.remediation}},
                "resources": [{"type": resource_type(&f.resource), "id": f.resource, "partition": "aws"}],
            });
            if f.finding_type == PACKAGE_VULNERABILITY {
                o["packageVulnerabilityDetails"] = ev.get("packageVulnerabilityDetails").cloned().unwrap_or(Value::Null);
                o["fixAvailable"] = ev.get("fixAvailable").cloned().unwrap_or(Value::Null);
                o["exploitAvailable"] = json!("NO");
                if let Some(score) = ev.get("inspectorScore").filter(|v| !v.is_null()) {
                    o["inspectorScore"] = score.clone();
                    let adj = &ev["adjusted"];
                    o["inspectorScoreDetails"] = json!({"adjustedCvss": {
                        "score": score, "scoreSource": "koban", "scoringVector": adj["vector"],
                        "version": adj["vector"].as_str().and_then(|v| v.strip_prefix("CVSS:")).and_then(|v| v.split('/').next()),
                        "cvssSource": "OSV",
                        "adjustments": [{"metric": "AttackVector", "reason": adj["explanation"]}],
                    }});
                }
            } else if f.finding_type == NETWORK_REACHABILITY {
                o["networkReachabilityDetails"] = ev.get("networkReachabilityDetails").cloned().unwrap_or(Value::Null);
            }
            o
        })
        .collect();
    json!({ "findings": items })
}

fn sarif_level(s: &Stored) -> &'static str {
    match s.finding.severity.label {
        koban_findings::SeverityLabel::High => "error",
        koban_findings::SeverityLabel::Medium => "warning",
        koban_findings::SeverityLabel::Low => "note",
    }
}

/// SARIF 2.1.0: one rule per advisory (or finding type), one result per finding, located at
/// the inventory file it came from.
pub fn sarif(findings: &[Stored]) -> Value {
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let mut results = Vec::new();
    for s in findings {
        let f = &s.finding;
        let rule_id = f
            .evidence
            .pointer("/packageVulnerabilityDetails/vulnerabilityId")
            .and_then(Value::as_str)
            .unwrap_or(&f.finding_type)
            .to_string();
        rules.entry(rule_id.clone()).or_insert_with(|| {
            let summary = f.evidence.get("summary").and_then(Value::as_str).unwrap_or(&f.title);
            json!({
                "id": rule_id,
                "name": f.finding_type,
                "shortDescription": {"text": summary},
                "helpUri": f.evidence.pointer("/packageVulnerabilityDetails/referenceUrls/0"),
                "properties": {"security-severity": format!("{:.1}", f.evidence.get("inspectorScore").and_then(Value::as_f64).unwrap_or(f.severity.value as f64))},
            })
        });
        let mut locations = Vec::new();
        if let Some(file) = f.evidence.pointer("/inventory/file").and_then(Value::as_str) {
            locations.push(json!({"physicalLocation": {"artifactLocation": {"uri": file}}, "logicalLocations": [{"name": f.resource, "kind": "resource"}]}));
        } else {
            locations.push(json!({"logicalLocations": [{"name": f.resource, "kind": "resource"}]}));
        }
        results.push(json!({
            "ruleId": rule_id,
            "level": sarif_level(s),
            "message": {"text": f.description},
            "locations": locations,
            "partialFingerprints": {"kobanFindingId": f.id},
            "properties": {"status": s.status.as_str(), "resource": f.resource, "type": f.finding_type},
        }));
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "koban", "rules": rules.into_values().collect::<Vec<_>>()}},
            "results": results,
        }],
    })
}

/// A CycloneDX 1.6 VEX document: the affected components (by purl-like reference) and, per
/// advisory, the ratings, the affected component versions and koban's analysis (reachable
/// resources `exploitable`, unreachable ones `in_triage` with the adjusted score's reason;
/// suppressed findings `not_affected`/`false_positive` is a person's call, so they stay
/// `in_triage` with the suppression reason).
pub fn vex(findings: &[Stored], timestamp: &str) -> Value {
    let mut components: BTreeMap<String, Value> = BTreeMap::new();
    let mut vulns: BTreeMap<String, Value> = BTreeMap::new();
    for s in findings.iter().filter(|s| s.finding.finding_type == PACKAGE_VULNERABILITY) {
        let f = &s.finding;
        let ev = &f.evidence;
        let d = &ev["packageVulnerabilityDetails"];
        let pkg = &d["vulnerablePackages"][0];
        let name = pkg["name"].as_str().unwrap_or("");
        let version = pkg["version"].as_str().unwrap_or("");
        let eco = ev["ecosystem"].as_str().unwrap_or("");
        let bom_ref = format!("{}:{eco}/{name}@{version}", f.resource);
        components.entry(bom_ref.clone()).or_insert_with(|| {
            json!({"type": "library", "bom-ref": bom_ref, "name": name, "version": version,
                   "properties": [{"name": "koban:resource", "value": f.resource}, {"name": "koban:ecosystem", "value": eco}]})
        });
        let id = d["vulnerabilityId"].as_str().unwrap_or(&f.id).to_string();
        let reach = ev.pointer("/adjusted/reach").and_then(Value::as_str).unwrap_or("not-assessed");
        let state = match (s.status, reach) {
            (koban_findings::store::Status::Closed, _) => "resolved",
            (_, "internet" | "on-premises") => "exploitable",
            _ => "in_triage",
        };
        let detail = format!(
            "{}: {}{}",
            f.resource,
            ev.pointer("/adjusted/explanation").and_then(Value::as_str).unwrap_or(""),
            s.status_reason.as_deref().map(|r| format!(" (status {}: {r})", s.status.as_str())).unwrap_or_default()
        );
        let v = vulns.entry(id.clone()).or_insert_with(|| {
            let ratings: Vec<Value> = d["cvss"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|c| {
                    let method = match c["version"].as_str() {
                        Some("3.1") => "CVSSv31",
                        Some("3.0") => "CVSSv3",
                        Some("4.0") => "CVSSv4",
                        _ => "CVSSv2",
                    };
                    json!({"source": {"name": "OSV"}, "score": c["baseScore"], "method": method, "vector": c["scoringVector"]})
                })
                .collect();
            json!({
                "id": id,
                "source": {"name": d["source"]},
                "references": d["relatedVulnerabilities"].as_array().map(Vec::as_slice).unwrap_or_default().iter().map(|a| json!({"id": a, "source": {"name": "alias"}})).collect::<Vec<_>>(),
                "ratings": ratings,
                "description": ev["summary"],
                "affects": [],
                "analysis": {"state": state, "detail": ""},
            })
        });
        if let Some(a) = v["affects"].as_array_mut() {
            a.push(json!({"ref": bom_ref, "versions": [{"version": version, "status": "affected"}]}));
        }
        // The most urgent state of any affected resource wins.
        let rank = |s: &str| match s {
            "exploitable" => 2,
            "in_triage" => 1,
            _ => 0,
        };
        if rank(state) > rank(v["analysis"]["state"].as_str().unwrap_or("")) {
            v["analysis"]["state"] = json!(state);
        }
        let prev = v["analysis"]["detail"].as_str().unwrap_or("").to_string();
        v["analysis"]["detail"] = json!(if prev.is_empty() { detail } else { format!("{prev}; {detail}") });
    }
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"timestamp": timestamp, "tools": {"components": [{"type": "application", "name": "koban"}]}},
        "components": components.into_values().collect::<Vec<_>>(),
        "vulnerabilities": vulns.into_values().collect::<Vec<_>>(),
    })
}
