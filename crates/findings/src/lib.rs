//! The one finding shape every koban engine reports (DESIGN.md "Output"): a stable id derived
//! from the type, resource and key facts; GuardDuty-style severity; title, description,
//! evidence and remediation. The store and lifecycle ([`store`]) and exports build on this type.

pub mod criteria;
pub mod export;
pub mod store;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// GuardDuty's severity scale: a value from 1.0 to 8.9 and its label.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Severity {
    pub value: f32,
    pub label: SeverityLabel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SeverityLabel {
    Low,
    Medium,
    High,
}

impl Severity {
    /// A severity from GuardDuty's numeric scale (1.0–3.9 low, 4.0–6.9 medium, 7.0–8.9 high).
    pub fn new(value: f32) -> Severity {
        let v = value.clamp(1.0, 8.9);
        let label = if v >= 7.0 {
            SeverityLabel::High
        } else if v >= 4.0 {
            SeverityLabel::Medium
        } else {
            SeverityLabel::Low
        };
        Severity { value: v, label }
    }
}

/// One finding.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// Stable: the same type, resource and key facts give the same id on every run.
    pub id: String,
    /// GuardDuty's type name where GuardDuty has one, else a `koban:` name.
    #[serde(rename = "type")]
    pub finding_type: String,
    /// The check or detector that produced it (e.g. `KBN-NET-001`).
    pub source: String,
    pub severity: Severity,
    /// The resource the finding is about.
    pub resource: String,
    pub title: String,
    pub description: String,
    /// Paths, statements, rules or log records that show it.
    pub evidence: serde_json::Value,
    pub remediation: String,
}

impl Finding {
    /// Build a finding; `key_facts` distinguish findings of one type on one resource.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        finding_type: &str,
        source: &str,
        severity: Severity,
        resource: &str,
        key_facts: &[&str],
        title: String,
        description: String,
        evidence: serde_json::Value,
        remediation: &str,
    ) -> Finding {
        Finding {
            id: stable_id(finding_type, resource, key_facts),
            finding_type: finding_type.to_string(),
            source: source.to_string(),
            severity,
            resource: resource.to_string(),
            title,
            description,
            evidence,
            remediation: remediation.to_string(),
        }
    }
}

/// A stable id: the first 32 hex digits of SHA-256 over type, resource and key facts.
pub fn stable_id(finding_type: &str, resource: &str, key_facts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(finding_type.as_bytes());
    h.update([0]);
    h.update(resource.as_bytes());
    for f in key_facts {
        h.update([0]);
        h.update(f.as_bytes());
    }
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinguish_facts() {
        let a = stable_id("koban:Network/InspectionBypass", "subnet-1", &["internet"]);
        assert_eq!(a, stable_id("koban:Network/InspectionBypass", "subnet-1", &["internet"]));
        assert_ne!(a, stable_id("koban:Network/InspectionBypass", "subnet-1", &["onprem"]));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn severity_labels_follow_guardduty() {
        assert_eq!(Severity::new(8.0).label, SeverityLabel::High);
        assert_eq!(Severity::new(5.0).label, SeverityLabel::Medium);
        assert_eq!(Severity::new(2.0).label, SeverityLabel::Low);
        assert_eq!(Severity::new(12.0).value, 8.9);
    }
}
