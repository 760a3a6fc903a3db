//! The security monitoring and logging a landing zone relies on: GuardDuty detectors and the
//! member accounts of its administrator, Amazon Inspector's account status, the delegated
//! administrators of AWS Organizations, VPC flow logs, CloudTrail trails, and EventBridge
//! rules with their targets. Each list also records where it was collected (account and
//! region), so that "collected and empty" is told apart from "not collected".

use crate::{Origin, Placement};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// An (account, region) pair whose output of one call is in the input.
pub type Scope = (String, String);

/// A GuardDuty detector (`guardduty list-detectors`, optionally `get-detector`).
#[derive(Debug, Clone, Serialize)]
pub struct GuardDutyDetector {
    pub id: String,
    pub placement: Placement,
    /// `ENABLED` or `DISABLED` when `get-detector` output is present.
    pub status: Option<String>,
    pub origin: Origin,
}

/// An account associated with a GuardDuty administrator account (`guardduty list-members`).
#[derive(Debug, Clone, Serialize)]
pub struct GuardDutyMember {
    pub account: String,
    /// The administrator account whose output lists the member.
    pub administrator: Option<String>,
    pub region: Option<String>,
    /// `RelationshipStatus`: `Enabled`, `Invited`, `Removed`, `Disabled`, …
    pub relationship: String,
    pub origin: Origin,
}

/// Amazon Inspector's state in one account and region (`inspector2 batch-get-account-status`).
#[derive(Debug, Clone, Serialize)]
pub struct InspectorStatus {
    pub account: String,
    pub region: Option<String>,
    /// `ENABLED`, `ENABLING`, `DISABLED`, `DISABLING`, `SUSPENDED`, …
    pub status: String,
    /// The status of each resource type scanned (`ec2`, `ecr`, `lambda`, …).
    pub resources: BTreeMap<String, String>,
    pub origin: Origin,
}

impl InspectorStatus {
    pub fn enabled(&self) -> bool {
        self.status == "ENABLED"
    }
}

/// An account that administers a service for the organization
/// (`organizations list-delegated-administrators --service-principal …`).
#[derive(Debug, Clone, Serialize)]
pub struct DelegatedAdministrator {
    pub account: String,
    /// The service principal, e.g. `guardduty.amazonaws.com`.
    pub service: String,
    pub status: Option<String>,
    pub origin: Origin,
}

/// A VPC flow log (`ec2 describe-flow-logs`).
#[derive(Debug, Clone, Serialize)]
pub struct FlowLog {
    pub id: String,
    pub placement: Placement,
    /// The VPC, subnet, network interface or Transit Gateway it captures.
    pub resource: String,
    /// `ALL`, `ACCEPT` or `REJECT`.
    pub traffic_type: Option<String>,
    /// `ACTIVE` unless the flow log is broken.
    pub status: Option<String>,
    pub destination: Option<String>,
    pub origin: Origin,
}

impl FlowLog {
    pub fn active(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s == "ACTIVE")
    }
}

/// A CloudTrail trail (`cloudtrail describe-trails`, optionally `get-trail-status`).
#[derive(Debug, Clone, Serialize)]
pub struct Trail {
    pub arn: String,
    pub name: String,
    pub placement: Placement,
    pub home_region: Option<String>,
    pub multi_region: bool,
    pub organization: bool,
    /// `IsLogging` from `get-trail-status`, when present.
    pub logging: Option<bool>,
    pub origin: Origin,
}

/// An EventBridge rule (`events list-rules`) and the ARNs of its targets
/// (`events list-targets-by-rule`).
#[derive(Debug, Clone, Serialize)]
pub struct EventRule {
    pub arn: String,
    pub name: String,
    pub placement: Placement,
    pub event_bus: String,
    /// The event pattern as JSON text.
    pub pattern: Option<String>,
    /// The values of `source` in the event pattern (empty when it names none).
    pub sources: Vec<String>,
    pub state: Option<String>,
    pub targets: Vec<String>,
    /// True when `list-targets-by-rule` output for the rule is in the input.
    pub targets_collected: bool,
    pub origin: Origin,
}

impl EventRule {
    pub fn enabled(&self) -> bool {
        self.state.as_deref().is_none_or(|s| s == "ENABLED")
    }
}

/// Everything above, with where each kind was collected.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Monitoring {
    pub detectors: Vec<GuardDutyDetector>,
    /// Where `list-detectors` output is present.
    pub detector_scopes: BTreeSet<Scope>,
    pub guardduty_members: Vec<GuardDutyMember>,
    pub inspector: Vec<InspectorStatus>,
    pub delegated_administrators: Vec<DelegatedAdministrator>,
    /// Service principals whose delegated administrators were listed.
    pub delegated_services: BTreeSet<String>,
    pub flow_logs: Vec<FlowLog>,
    /// Accounts and regions where `describe-flow-logs` output is present.
    pub flow_log_scopes: BTreeSet<Scope>,
    pub trails: Vec<Trail>,
    pub trail_scopes: BTreeSet<Scope>,
    pub event_rules: Vec<EventRule>,
    pub event_rule_scopes: BTreeSet<Scope>,
}

impl Monitoring {
    /// The delegated administrator accounts of a service principal.
    pub fn administrators_of(&self, service: &str) -> Vec<&str> {
        self.delegated_administrators.iter().filter(|d| d.service == service).map(|d| d.account.as_str()).collect()
    }
}
