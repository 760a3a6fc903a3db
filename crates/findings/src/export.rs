//! Findings in other tools' shapes: GuardDuty's finding JSON (schema 2.0, as GuardDuty's S3
//! export writes one per line), the EventBridge event that carries it (`detail-type:
//! "GuardDuty Finding"`), and back: GuardDuty findings read from EventBridge events or S3
//! exports become koban findings that keep GuardDuty's id, type, severity and details.

use crate::store::{Status, Stored};
use crate::{Finding, Severity};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The account and region of a finding: from its resource ARN, else its evidence, else
/// unknown (empty).
fn account_region(f: &Finding) -> (String, String) {
    if let Some(v) = f.evidence.pointer("/guardduty") {
        return (v["accountId"].as_str().unwrap_or("").into(), v["region"].as_str().unwrap_or("").into());
    }
    let parts: Vec<&str> = f.resource.split(':').collect();
    if parts.len() >= 5 && parts[0] == "arn" {
        return (parts[4].to_string(), parts[3].to_string());
    }
    let ev = |k: &str| f.evidence.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    (ev("account_id"), ev("region"))
}

/// GuardDuty's resource type for a finding type (`…:EC2/…` → `Instance`, `…:IAMUser/…` →
/// `AccessKey`, `…:S3/…` → `S3Bucket`).
pub fn resource_type(finding_type: &str) -> &'static str {
    let family = finding_type.split(':').nth(1).and_then(|r| r.split('/').next()).unwrap_or("");
    match family {
        "EC2" => "Instance",
        "IAMUser" => "AccessKey",
        "S3" => "S3Bucket",
        "Kubernetes" => "EKSCluster",
        "Lambda" => "Lambda",
        "RDS" => "RDSDBInstance",
        _ => "Other",
    }
}

/// GuardDuty's action type for a finding type.
pub fn action_type(finding_type: &str) -> &'static str {
    if finding_type.ends_with("!DNS") {
        "DNS_REQUEST"
    } else if finding_type.contains("PortProbe") {
        "PORT_PROBE"
    } else if finding_type.contains(":EC2/") || finding_type.starts_with("koban:Network/") || finding_type.starts_with("koban:Recon/") {
        "NETWORK_CONNECTION"
    } else {
        "AWS_API_CALL"
    }
}

/// A finding as GuardDuty writes it (schema 2.0). Findings imported from GuardDuty come back
/// as they were read, with the store's count, times and archive state.
pub fn guardduty(s: &Stored) -> Value {
    let f = &s.finding;
    let archived = matches!(s.status, Status::Suppressed | Status::Archived);
    let observed = f.evidence.get("observed");
    let first = observed.and_then(|o| o.get("first_seen")).and_then(|v| v.as_str()).unwrap_or(&s.first_seen).to_string();
    let last = observed.and_then(|o| o.get("last_seen")).and_then(|v| v.as_str()).unwrap_or(&s.last_seen).to_string();
    if let Some(orig) = f.evidence.get("guardduty").filter(|v| v.is_object()) {
        let mut d = orig.clone();
        d["service"]["archived"] = json!(archived);
        d["service"]["count"] = json!(s.count.max(orig.pointer("/service/count").and_then(|c| c.as_u64()).unwrap_or(0)));
        d["updatedAt"] = json!(s.last_seen);
        return d;
    }
    let (account, region) = account_region(f);
    let rtype = resource_type(&f.finding_type);
    let resource = match rtype {
        "Instance" if f.resource.starts_with("i-") => json!({"resourceType": rtype, "instanceDetails": {"instanceId": f.resource,
            "networkInterfaces": f.evidence.get("interface_id").or_else(|| f.evidence.get("instance_eni")).map(|e| vec![json!({"networkInterfaceId": e})]).unwrap_or_default()}}),
        "Instance" => json!({"resourceType": rtype, "instanceDetails": {"networkInterfaces": [{"networkInterfaceId": f.resource}]}}),
        "AccessKey" => {
            json!({"resourceType": rtype, "accessKeyDetails": {"principalId": f.resource, "userName": f.resource.rsplit('/').next().unwrap_or(&f.resource)}})
        }
        _ => json!({"resourceType": rtype, "koban": {"resource": f.resource}}),
    };
    json!({
        "schemaVersion": "2.0",
        "accountId": account,
        "region": region,
        "partition": "aws",
        "id": f.id,
        "arn": format!("arn:aws:guardduty:{region}:{account}:detector/koban/finding/{}", f.id),
        "type": f.finding_type,
        "resource": resource,
        "service": {
            "serviceName": "koban",
            "detectorId": "koban",
            "action": {"actionType": action_type(&f.finding_type)},
            "resourceRole": if f.title.contains(" is performing ") { "ACTOR" } else { "TARGET" },
            "additionalInfo": {"value": f.evidence.to_string(), "type": "default", "source": f.source, "remediation": f.remediation},
            "eventFirstSeen": first,
            "eventLastSeen": last,
            "archived": archived,
            "count": s.count,
        },
        "severity": f.severity.value,
        "createdAt": s.first_seen,
        "updatedAt": s.last_seen,
        "title": f.title,
        "description": f.description,
    })
}

/// The EventBridge event carrying a finding.
pub fn eventbridge(s: &Stored) -> Value {
    let detail = guardduty(s);
    let mut h = Sha256::new();
    h.update(s.finding.id.as_bytes());
    h.update(s.last_seen.as_bytes());
    let x: String = h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
    let id = format!("{}-{}-{}-{}-{}", &x[0..8], &x[8..12], &x[12..16], &x[16..20], &x[20..32]);
    let resources: Vec<&str> = if s.finding.resource.starts_with("arn:") { vec![s.finding.resource.as_str()] } else { vec![] };
    json!({
        "version": "0",
        "id": id,
        "detail-type": "GuardDuty Finding",
        "source": "koban",
        "account": detail["accountId"],
        "time": s.last_seen,
        "region": detail["region"],
        "resources": resources,
        "detail": detail,
    })
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error("not a GuardDuty finding: {0}")]
    Shape(String),
}

/// A GuardDuty finding (an EventBridge event's `detail`, or a finding of an S3 export) as a
/// koban finding: GuardDuty's id, type and severity, the resource's id, and the whole finding
/// kept as evidence (`guardduty`), so exports give it back unchanged.
pub fn from_guardduty(doc: &Value) -> Result<Finding, ImportError> {
    let d = if doc.get("detail-type").is_some() { doc.get("detail").unwrap_or(doc) } else { doc };
    let text = |k: &str| d.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let id = text("id").ok_or_else(|| ImportError::Shape("no id".into()))?;
    let ty = text("type").ok_or_else(|| ImportError::Shape(format!("{id}: no type")))?;
    let sev = d.get("severity").and_then(|v| v.as_f64()).ok_or_else(|| ImportError::Shape(format!("{id}: no numeric severity")))?;
    let r = d.get("resource").cloned().unwrap_or(Value::Null);
    let resource = r
        .pointer("/instanceDetails/instanceId")
        .or_else(|| r.pointer("/accessKeyDetails/accessKeyId"))
        .or_else(|| r.pointer("/s3BucketDetails/0/name"))
        .and_then(|v| v.as_str())
        .or_else(|| r.get("resourceType").and_then(|v| v.as_str()))
        .unwrap_or("unknown")
        .to_string();
    Ok(Finding {
        id,
        finding_type: ty,
        source: "guardduty".into(),
        severity: Severity::new(sev as f32),
        resource,
        title: text("title").unwrap_or_default(),
        description: text("description").unwrap_or_default(),
        evidence: json!({"guardduty": d}),
        remediation: "See the GuardDuty finding type's remediation in the GuardDuty user guide.".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(f: Finding, status: Status) -> Stored {
        Stored {
            finding: f,
            status,
            status_reason: None,
            updated_at: "t".into(),
            count: 3,
            first_seen: "2024-01-01T00:00:00Z".into(),
            last_seen: "2024-01-02T00:00:00Z".into(),
        }
    }

    #[test]
    fn koban_findings_in_guardduty_shape() {
        let f = Finding::new(
            "Recon:EC2/Portscan",
            "koban-detect:portscan",
            Severity::new(5.0),
            "i-0a1",
            &[],
            "i-0a1 is performing outbound port scans".into(),
            "d".into(),
            json!({"interface_id": "eni-1"}),
            "r",
        );
        let g = guardduty(&stored(f.clone(), Status::Archived));
        assert_eq!(g["type"], "Recon:EC2/Portscan");
        assert_eq!(g["resource"]["resourceType"], "Instance");
        assert_eq!(g["resource"]["instanceDetails"]["networkInterfaces"][0]["networkInterfaceId"], "eni-1");
        assert_eq!(g["service"]["action"]["actionType"], "NETWORK_CONNECTION");
        assert_eq!(g["service"]["resourceRole"], "ACTOR");
        assert_eq!(g["service"]["archived"], true);
        let e = eventbridge(&stored(f, Status::Active));
        assert_eq!(e["detail-type"], "GuardDuty Finding");
        assert_eq!(e["id"].as_str().unwrap().len(), 36);
        assert_eq!(action_type("Backdoor:EC2/C&CActivity.B!DNS"), "DNS_REQUEST");
        assert_eq!(resource_type("Stealth:IAMUser/CloudTrailLoggingDisabled"), "AccessKey");
    }

    #[test]
    fn guardduty_findings_round_trip() {
        let line = r#"{"version":"0","detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":{"schemaVersion":"2.0","accountId":"123456789012","region":"us-west-2","id":"abc","type":"Recon:EC2/PortProbeEMRUnprotectedPort","resource":{"resourceType":"Instance","instanceDetails":{"instanceId":"i-99999999"}},"service":{"action":{"actionType":"PORT_PROBE"},"count":2,"archived":false},"severity":2,"title":"t","description":"d"}}"#;
        let f = from_guardduty(&serde_json::from_str(line).unwrap()).unwrap();
        assert_eq!((f.id.as_str(), f.resource.as_str(), f.severity.value), ("abc", "i-99999999", 2.0));
        let g = guardduty(&stored(f, Status::Active));
        assert_eq!(g["resource"]["resourceType"], "Instance");
        assert_eq!(g["service"]["action"]["actionType"], "PORT_PROBE");
        assert_eq!(g["severity"], 2);
        assert_eq!(g["service"]["count"], 3);
        assert!(from_guardduty(&json!({"id": "x"})).is_err());
    }
}
