//! Reading the security services and operations state around the network: GuardDuty
//! (`list-detectors`, `get-detector`, `list-members`), Amazon Inspector
//! (`inspector2 batch-get-account-status`), delegated administrators
//! (`organizations list-delegated-administrators --service-principal …`), VPC flow logs
//! (`ec2 describe-flow-logs`), CloudTrail (`describe-trails`, `get-trail-status`), EventBridge
//! rules (`events list-rules`, `list-targets-by-rule`), Cognito (`cognito-idp
//! describe-user-pool`, `cognito-identity describe-identity-pool`, `get-identity-pool-roles`)
//! and Patch Manager (`ssm describe-instance-patch-states`). Files whose output does not name
//! what it describes carry the name in the file name (docs/snapshot.md).

use super::dispatch::{FileItems, Item};
use super::source::{array, Source};
use koban_model as m;
use koban_model::{Diagnostic, Origin, Severity, Twin, Unknown};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One record read by this module.
pub enum ServiceItem {
    /// `list-detectors` in one account and region (the list may be empty).
    Detectors {
        scope: m::Scope,
        detectors: Vec<m::GuardDutyDetector>,
    },
    /// `get-detector` of the detector named by the file.
    DetectorStatus {
        id: String,
        status: String,
    },
    Member(m::GuardDutyMember),
    Inspector(m::InspectorStatus),
    DelegatedAdministrators {
        service: String,
        accounts: Vec<m::DelegatedAdministrator>,
    },
    FlowLogs {
        scope: Option<m::Scope>,
        logs: Vec<m::FlowLog>,
    },
    Trails {
        scope: Option<m::Scope>,
        trails: Vec<m::Trail>,
    },
    TrailStatus {
        name: String,
        logging: bool,
        origin: Origin,
    },
    Rules {
        scope: Option<m::Scope>,
        rules: Vec<m::EventRule>,
    },
    RuleTargets {
        rule: String,
        account: Option<String>,
        region: Option<String>,
        targets: Vec<String>,
        origin: Origin,
    },
    UserPool(m::UserPool),
    IdentityPool(m::IdentityPool),
    IdentityPoolRoles {
        pool: String,
        authenticated: Option<String>,
        unauthenticated: Option<String>,
        origin: Origin,
    },
    PatchStates {
        scope: Option<m::Scope>,
        states: Vec<m::PatchState>,
    },
}

fn push(out: &mut FileItems, item: ServiceItem) {
    out.items.push(Item::Service(Box::new(item)));
}

fn scope(src: &Source) -> Option<m::Scope> {
    Some((src.account?.to_string(), src.region?.to_string()))
}

/// The scope of a per-account, per-region listing, or an error saying where it belongs.
fn required_scope(src: &Source, out: &mut FileItems, pointer: &str, what: &str) -> Option<m::Scope> {
    let s = scope(src);
    if s.is_none() {
        src.error(
            out,
            pointer,
            format!("{what} does not name its account and region: expected the file under <account-id>/<region>/ (docs/snapshot.md)"),
            None,
        );
    }
    s
}

/// The records of the array under `key`, each deserialized on its own (a bad one is reported
/// and skipped).
fn records<T: serde::de::DeserializeOwned>(
    src: &Source,
    v: &Value,
    key: &str,
    what: &str,
    id_key: &str,
    out: &mut FileItems,
) -> Vec<(String, T)> {
    let Some(arr) = array(src, v, &format!("/{key}"), what, out) else { return Vec::new() };
    arr.iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let pointer = format!("/{key}/{i}");
            src.shape::<T>(r, &pointer, what, id_key, out).map(|t| (pointer, t))
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Member {
    account_id: String,
    relationship_status: String,
    #[serde(default)]
    administrator_id: Option<String>,
    #[serde(default)]
    master_id: Option<String>,
}

#[derive(Deserialize)]
struct StatusOnly {
    status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InspectorAccount {
    account_id: String,
    state: StatusOnly,
    #[serde(default)]
    resource_state: BTreeMap<String, StatusOnly>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DelegatedAdmin {
    id: String,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FlowLog {
    flow_log_id: String,
    resource_id: String,
    #[serde(default)]
    traffic_type: Option<String>,
    #[serde(default)]
    flow_log_status: Option<String>,
    #[serde(default)]
    log_destination: Option<String>,
    #[serde(default)]
    log_group_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Trail {
    name: String,
    #[serde(rename = "TrailARN")]
    trail_arn: String,
    #[serde(default)]
    home_region: Option<String>,
    #[serde(default)]
    is_multi_region_trail: bool,
    #[serde(default)]
    is_organization_trail: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Rule {
    name: String,
    arn: String,
    #[serde(default)]
    event_pattern: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    event_bus_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RuleTarget {
    arn: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct PasswordPolicy {
    #[serde(default)]
    minimum_length: Option<u32>,
    #[serde(default)]
    require_uppercase: bool,
    #[serde(default)]
    require_lowercase: bool,
    #[serde(default)]
    require_numbers: bool,
    #[serde(default)]
    require_symbols: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserPoolPolicies {
    #[serde(default)]
    password_policy: Option<PasswordPolicy>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AddOns {
    #[serde(default)]
    advanced_security_mode: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserPool {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arn: Option<String>,
    #[serde(default)]
    mfa_configuration: Option<String>,
    #[serde(default)]
    policies: Option<UserPoolPolicies>,
    #[serde(default)]
    user_pool_add_ons: Option<AddOns>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IdentityPool {
    identity_pool_id: String,
    #[serde(default)]
    identity_pool_name: Option<String>,
    allow_unauthenticated_identities: bool,
    #[serde(default)]
    allow_classic_flow: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IdentityPoolRoles {
    identity_pool_id: String,
    #[serde(default)]
    roles: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PatchState {
    instance_id: String,
    #[serde(default)]
    baseline_id: Option<String>,
    #[serde(default)]
    installed_count: u64,
    #[serde(default)]
    missing_count: u64,
    #[serde(default)]
    failed_count: u64,
    #[serde(default)]
    installed_pending_reboot_count: u64,
    #[serde(default)]
    operation: Option<String>,
    #[serde(default)]
    operation_end_time: Option<Value>,
}

fn placement(src: &Source) -> m::Placement {
    src.placement(None)
}

/// Files described by several top-level keys: `describe-identity-pool`,
/// `get-identity-pool-roles`, `get-trail-status` (`TrailStatus/<trail-name>.json`) and
/// `get-detector` (`GuardDutyDetectors/<detector-id>.json`). Returns true when the file was one
/// of them.
pub fn read_object(src: &Source, obj: &Map<String, Value>, out: &mut FileItems) -> bool {
    let v = Value::Object(obj.clone());
    if obj.contains_key("IdentityPoolId") && obj.contains_key("AllowUnauthenticatedIdentities") {
        if let Some(p) = src.shape::<IdentityPool>(&v, "", "describe-identity-pool output", "IdentityPoolId", out) {
            push(
                out,
                ServiceItem::IdentityPool(m::IdentityPool {
                    id: p.identity_pool_id,
                    name: p.identity_pool_name,
                    placement: placement(src),
                    allow_unauthenticated: p.allow_unauthenticated_identities,
                    classic_flow: p.allow_classic_flow,
                    authenticated_role: None,
                    unauthenticated_role: None,
                    roles_collected: false,
                    origin: src.origin(""),
                }),
            );
        }
        return true;
    }
    if obj.contains_key("IdentityPoolId") && obj.contains_key("Roles") {
        if let Some(r) = src.shape::<IdentityPoolRoles>(&v, "", "get-identity-pool-roles output", "IdentityPoolId", out) {
            push(
                out,
                ServiceItem::IdentityPoolRoles {
                    pool: r.identity_pool_id,
                    authenticated: r.roles.get("authenticated").cloned(),
                    unauthenticated: r.roles.get("unauthenticated").cloned(),
                    origin: src.origin("/Roles"),
                },
            );
        }
        return true;
    }
    if let Some(logging) = obj.get("IsLogging") {
        match logging.as_bool() {
            Some(l) if src.dir == "TrailStatus" => {
                push(out, ServiceItem::TrailStatus { name: src.stem.to_string(), logging: l, origin: src.origin("/IsLogging") })
            }
            Some(_) => src.error(
                out,
                "/IsLogging",
                "get-trail-status output must be saved as TrailStatus/<trail-name>.json: the output does not name the trail".into(),
                None,
            ),
            None => src.error(out, "/IsLogging", "expected a boolean".into(), None),
        }
        return true;
    }
    if obj.contains_key("FindingPublishingFrequency") && obj.contains_key("Status") {
        match obj.get("Status").and_then(Value::as_str) {
            Some(s) if src.dir == "GuardDutyDetectors" => {
                push(out, ServiceItem::DetectorStatus { id: src.stem.to_string(), status: s.to_string() })
            }
            Some(_) => src.error(
                out,
                "/Status",
                "get-detector output must be saved as GuardDutyDetectors/<detector-id>.json: the output does not name the detector".into(),
                None,
            ),
            None => src.error(out, "/Status", "expected the detector status (ENABLED or DISABLED) as a string".into(), None),
        }
        return true;
    }
    false
}

/// One top-level key this module reads; false when the key is not one of its keys.
pub fn read_key(src: &Source, key: &str, v: &Value, out: &mut FileItems) -> bool {
    match key {
        "DetectorIds" => detectors(src, v, out),
        "Members" => members(src, v, out),
        "accounts" => inspector(src, v, out),
        "failedAccounts" => inspector_failures(src, v, out),
        "DelegatedAdministrators" => delegated(src, v, out),
        "FlowLogs" => flow_logs(src, v, out),
        "trailList" => trails(src, v, out),
        "Rules" => rules(src, v, out),
        "Targets" if src.dir == "EventRuleTargets" => rule_targets(src, v, out),
        "UserPool" => user_pool(src, v, out),
        "InstancePatchStates" => patch_states(src, v, out),
        _ => return false,
    }
    true
}

fn detectors(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(scope) = required_scope(src, out, "/DetectorIds", "list-detectors output") else { return };
    let Some(arr) = array(src, v, "/DetectorIds", "detector ids", out) else { return };
    let mut list = Vec::new();
    for (i, d) in arr.iter().enumerate() {
        match d.as_str() {
            Some(id) => list.push(m::GuardDutyDetector {
                id: id.to_string(),
                placement: placement(src),
                status: None,
                origin: src.origin(&format!("/DetectorIds/{i}")),
            }),
            None => src.error(out, &format!("/DetectorIds/{i}"), "expected a detector id (a string)".into(), None),
        }
    }
    push(out, ServiceItem::Detectors { scope, detectors: list });
}

fn members(src: &Source, v: &Value, out: &mut FileItems) {
    for (pointer, mb) in records::<Member>(src, v, "Members", "GuardDuty members (list-members)", "AccountId", out) {
        push(
            out,
            ServiceItem::Member(m::GuardDutyMember {
                account: mb.account_id,
                administrator: mb.administrator_id.or(mb.master_id).or_else(|| src.account.map(str::to_string)),
                region: src.region.map(str::to_string),
                relationship: mb.relationship_status,
                origin: src.origin(&pointer),
            }),
        );
    }
}

fn inspector(src: &Source, v: &Value, out: &mut FileItems) {
    for (pointer, a) in records::<InspectorAccount>(src, v, "accounts", "Inspector account statuses", "accountId", out) {
        push(
            out,
            ServiceItem::Inspector(m::InspectorStatus {
                account: a.account_id,
                region: src.region.map(str::to_string),
                status: a.state.status,
                resources: a.resource_state.into_iter().map(|(k, s)| (k, s.status)).collect(),
                origin: src.origin(&pointer),
            }),
        );
    }
}

/// Accounts whose Inspector status could not be read are unknown, not disabled.
fn inspector_failures(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(arr) = array(src, v, "/failedAccounts", "failed accounts", out) else { return };
    for (i, f) in arr.iter().enumerate() {
        let account = f.get("accountId").and_then(Value::as_str).unwrap_or("an account");
        let why = f.get("errorMessage").and_then(Value::as_str).unwrap_or("no status returned");
        out.unknowns.push(Unknown {
            resource: format!("Amazon Inspector in {account}"),
            reason: format!("batch-get-account-status failed: {why}"),
            origin: Some(src.origin(&format!("/failedAccounts/{i}"))),
        });
    }
}

fn delegated(src: &Source, v: &Value, out: &mut FileItems) {
    if !src.stem.ends_with(".amazonaws.com") {
        src.error(
            out,
            "/DelegatedAdministrators",
            "the file name does not name the service (expected DelegatedAdministrators/<service-principal>.json, e.g. guardduty.amazonaws.com.json, the output of list-delegated-administrators --service-principal <service-principal>); the administrators are not used".into(),
            None,
        );
        return;
    }
    let service = src.stem.to_string();
    let accounts = records::<DelegatedAdmin>(src, v, "DelegatedAdministrators", "delegated administrators", "Id", out)
        .into_iter()
        .map(|(pointer, d)| m::DelegatedAdministrator {
            account: d.id,
            service: service.clone(),
            status: d.status,
            origin: src.origin(&pointer),
        })
        .collect();
    push(out, ServiceItem::DelegatedAdministrators { service, accounts });
}

fn flow_logs(src: &Source, v: &Value, out: &mut FileItems) {
    let logs = records::<FlowLog>(src, v, "FlowLogs", "flow logs", "FlowLogId", out)
        .into_iter()
        .map(|(pointer, f)| m::FlowLog {
            id: f.flow_log_id,
            placement: placement(src),
            resource: f.resource_id,
            traffic_type: f.traffic_type,
            status: f.flow_log_status,
            destination: f.log_destination.or(f.log_group_name),
            origin: src.origin(&pointer),
        })
        .collect();
    push(out, ServiceItem::FlowLogs { scope: scope(src), logs });
}

fn trails(src: &Source, v: &Value, out: &mut FileItems) {
    let trails = records::<Trail>(src, v, "trailList", "trails", "TrailARN", out)
        .into_iter()
        .map(|(pointer, t)| {
            let (region, account) = super::access::fields::arn_region_account(&t.trail_arn);
            m::Trail {
                placement: m::Placement {
                    account: account.or_else(|| src.account.map(str::to_string)),
                    region: region.or_else(|| src.region.map(str::to_string)),
                },
                arn: t.trail_arn,
                name: t.name,
                home_region: t.home_region,
                multi_region: t.is_multi_region_trail,
                organization: t.is_organization_trail,
                logging: None,
                origin: src.origin(&pointer),
            }
        })
        .collect();
    push(out, ServiceItem::Trails { scope: scope(src), trails });
}

fn rules(src: &Source, v: &Value, out: &mut FileItems) {
    let rules = records::<Rule>(src, v, "Rules", "EventBridge rules", "Arn", out)
        .into_iter()
        .map(|(pointer, r)| {
            let (region, account) = super::access::fields::arn_region_account(&r.arn);
            m::EventRule {
                placement: m::Placement {
                    account: account.or_else(|| src.account.map(str::to_string)),
                    region: region.or_else(|| src.region.map(str::to_string)),
                },
                arn: r.arn,
                name: r.name,
                event_bus: r.event_bus_name.unwrap_or_else(|| "default".into()),
                sources: r.event_pattern.as_deref().map(pattern_sources).unwrap_or_default(),
                pattern: r.event_pattern,
                state: r.state,
                targets: Vec::new(),
                targets_collected: false,
                origin: src.origin(&pointer),
            }
        })
        .collect();
    push(out, ServiceItem::Rules { scope: scope(src), rules });
}

/// The values of `source` in an event pattern (none when the pattern names none or is not
/// JSON).
pub(crate) fn pattern_sources(pattern: &str) -> Vec<String> {
    match serde_json::from_str::<Value>(pattern).ok().as_ref().and_then(|v| v.get("source")) {
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn rule_targets(src: &Source, v: &Value, out: &mut FileItems) {
    let targets = records::<RuleTarget>(src, v, "Targets", "rule targets (list-targets-by-rule)", "Arn", out);
    push(
        out,
        ServiceItem::RuleTargets {
            rule: src.stem.to_string(),
            account: src.account.map(str::to_string),
            region: src.region.map(str::to_string),
            targets: targets.into_iter().map(|(_, t)| t.arn).collect(),
            origin: src.origin("/Targets"),
        },
    );
}

fn user_pool(src: &Source, v: &Value, out: &mut FileItems) {
    let Some(p) = src.shape::<UserPool>(v, "/UserPool", "describe-user-pool output", "Id", out) else { return };
    let (region, account) = p.arn.as_deref().map(super::access::fields::arn_region_account).unwrap_or_default();
    let pw = p.policies.and_then(|x| x.password_policy);
    push(
        out,
        ServiceItem::UserPool(m::UserPool {
            placement: m::Placement {
                account: account.or_else(|| src.account.map(str::to_string)),
                region: region.or_else(|| src.region.map(str::to_string)),
            },
            id: p.id,
            name: p.name,
            arn: p.arn,
            mfa: p.mfa_configuration,
            password_policy: pw.map(|w| m::PasswordPolicy {
                minimum_length: w.minimum_length,
                require_uppercase: w.require_uppercase,
                require_lowercase: w.require_lowercase,
                require_numbers: w.require_numbers,
                require_symbols: w.require_symbols,
            }),
            advanced_security: p.user_pool_add_ons.and_then(|a| a.advanced_security_mode),
            origin: src.origin("/UserPool"),
        }),
    );
}

fn patch_states(src: &Source, v: &Value, out: &mut FileItems) {
    let states = records::<PatchState>(src, v, "InstancePatchStates", "instance patch states", "InstanceId", out)
        .into_iter()
        .map(|(pointer, p)| m::PatchState {
            instance: p.instance_id,
            placement: placement(src),
            baseline: p.baseline_id,
            installed: p.installed_count,
            missing: p.missing_count,
            failed: p.failed_count,
            installed_pending_reboot: p.installed_pending_reboot_count,
            operation: p.operation,
            operation_end: p.operation_end_time.map(|t| match t {
                Value::String(s) => s,
                other => other.to_string(),
            }),
            origin: src.origin(&pointer),
        })
        .collect();
    push(out, ServiceItem::PatchStates { scope: scope(src), states });
}

/// The targets of a rule: rule name, account, region, target ARNs, where they were read.
type RuleTargets = (String, Option<String>, Option<String>, Vec<String>, Origin);

/// The roles of an identity pool: pool id, authenticated and unauthenticated role ARNs,
/// where they were read.
type PoolRoles = (String, Option<String>, Option<String>, Origin);

/// Records that complete others: detector statuses, trail statuses, rule targets and
/// identity pool roles.
#[derive(Default)]
pub struct Pending {
    detector_status: Vec<(String, String)>,
    trail_status: Vec<(String, bool, Origin)>,
    rule_targets: Vec<RuleTargets>,
    pool_roles: Vec<PoolRoles>,
}

impl Pending {
    /// Put one record into the twin.
    pub fn add(&mut self, t: &mut Twin, item: ServiceItem) {
        let mon = &mut t.monitoring;
        match item {
            ServiceItem::Detectors { scope, detectors } => {
                mon.detector_scopes.insert(scope);
                mon.detectors.extend(detectors);
            }
            ServiceItem::DetectorStatus { id, status } => self.detector_status.push((id, status)),
            ServiceItem::Member(x) => mon.guardduty_members.push(x),
            ServiceItem::Inspector(x) => mon.inspector.push(x),
            ServiceItem::DelegatedAdministrators { service, accounts } => {
                mon.delegated_services.insert(service);
                mon.delegated_administrators.extend(accounts);
            }
            ServiceItem::FlowLogs { scope, logs } => {
                mon.flow_log_scopes.extend(scope);
                mon.flow_logs.extend(logs);
            }
            ServiceItem::Trails { scope, trails } => {
                mon.trail_scopes.extend(scope);
                for tr in trails {
                    if !mon.trails.iter().any(|x| x.arn == tr.arn) {
                        mon.trails.push(tr);
                    }
                }
            }
            ServiceItem::TrailStatus { name, logging, origin } => self.trail_status.push((name, logging, origin)),
            ServiceItem::Rules { scope, rules } => {
                mon.event_rule_scopes.extend(scope);
                mon.event_rules.extend(rules);
            }
            ServiceItem::RuleTargets { rule, account, region, targets, origin } => {
                self.rule_targets.push((rule, account, region, targets, origin))
            }
            ServiceItem::UserPool(x) => {
                let o = x.origin.clone();
                super::insert_unique(&mut t.cognito.user_pools, &mut t.diagnostics, x.id.clone(), x, &o, "user pool")
            }
            ServiceItem::IdentityPool(x) => {
                let o = x.origin.clone();
                super::insert_unique(&mut t.cognito.identity_pools, &mut t.diagnostics, x.id.clone(), x, &o, "identity pool")
            }
            ServiceItem::IdentityPoolRoles { pool, authenticated, unauthenticated, origin } => {
                self.pool_roles.push((pool, authenticated, unauthenticated, origin))
            }
            ServiceItem::PatchStates { scope, states } => {
                t.patching.scopes.extend(scope);
                for s in states {
                    t.patching.states.insert(s.instance.clone(), s);
                }
            }
        }
    }

    /// Join the completing records to what they complete; one that completes nothing is
    /// reported.
    pub fn finish(self, t: &mut Twin) {
        let mut orphan = |origin: Origin, what: String| {
            t.diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                origin,
                message: format!("{what}; it is not used"),
                resource: None,
            })
        };
        for (id, status) in self.detector_status {
            for d in t.monitoring.detectors.iter_mut().filter(|d| d.id == id) {
                d.status = Some(status.clone());
            }
        }
        for (name, logging, origin) in self.trail_status {
            let mut found = false;
            for tr in t.monitoring.trails.iter_mut().filter(|x| x.name == name || x.arn == name) {
                tr.logging = Some(logging);
                found = true;
            }
            if !found {
                orphan(origin, format!("trail status of {name}, which no describe-trails output lists"));
            }
        }
        for (rule, account, region, targets, origin) in self.rule_targets {
            let matching = t.monitoring.event_rules.iter_mut().filter(|r| {
                r.name == rule
                    && (account.is_none() || r.placement.account == account)
                    && (region.is_none() || r.placement.region == region)
            });
            let mut found = false;
            for r in matching {
                r.targets.extend(targets.iter().cloned());
                r.targets_collected = true;
                found = true;
            }
            if !found {
                orphan(origin, format!("targets of EventBridge rule {rule}, which no list-rules output of its account and region lists"));
            }
        }
        for (pool, auth, unauth, origin) in self.pool_roles {
            if !t.cognito.set_identity_pool_roles(&pool, auth, unauth) {
                orphan(origin, format!("roles of identity pool {pool}, which no describe-identity-pool output describes"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(dir: &str, stem: &str, account: Option<&str>, v: Value) -> FileItems {
        let file = format!("{dir}/{stem}.json");
        let src = Source { file: &file, stem, dir, account, region: Some("eu-west-1") };
        let mut out = FileItems::default();
        let Value::Object(obj) = &v else { return out };
        if !read_object(&src, obj, &mut out) {
            for (k, x) in obj {
                assert!(read_key(&src, k, x, &mut out), "key {k} not read");
            }
        }
        out
    }

    fn twin_of(files: Vec<FileItems>) -> Twin {
        let mut t = Twin::default();
        let mut p = Pending::default();
        for f in files {
            t.diagnostics.extend(f.diagnostics);
            for i in f.items {
                if let Item::Service(s) = i {
                    p.add(&mut t, *s);
                }
            }
        }
        p.finish(&mut t);
        t
    }

    #[test]
    fn rules_meet_their_targets_and_pools_their_roles() {
        let rules = read(
            "x",
            "Rules",
            Some("111111111111"),
            json!({"Rules": [{"Name": "findings", "Arn": "arn:aws:events:eu-west-1:111111111111:rule/findings",
                "EventPattern": "{\"source\":[\"aws.guardduty\"]}", "State": "ENABLED", "EventBusName": "default"}]}),
        );
        let targets = read(
            "EventRuleTargets",
            "findings",
            Some("111111111111"),
            json!({"Targets": [{"Id": "security", "Arn": "arn:aws:events:eu-west-1:333333333333:event-bus/security-findings"}]}),
        );
        let pool = read(
            "x",
            "pool",
            Some("111111111111"),
            json!({"IdentityPoolId": "eu-west-1:1234", "IdentityPoolName": "app", "AllowUnauthenticatedIdentities": true}),
        );
        let roles = read(
            "x",
            "roles",
            Some("111111111111"),
            json!({"IdentityPoolId": "eu-west-1:1234", "Roles": {"unauthenticated": "arn:aws:iam::111111111111:role/guest"}}),
        );
        let t = twin_of(vec![rules, targets, pool, roles]);
        assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
        let r = &t.monitoring.event_rules[0];
        assert!(r.targets_collected);
        assert_eq!(r.targets, ["arn:aws:events:eu-west-1:333333333333:event-bus/security-findings"]);
        assert_eq!(r.sources, ["aws.guardduty"]);
        assert_eq!(pattern_sources(r#"{"source":"aws.inspector2"}"#), ["aws.inspector2"]);
        assert!(pattern_sources(r#"{"detail-type":["x"]}"#).is_empty());
        assert!(pattern_sources("not json").is_empty());
        let p = &t.cognito.identity_pools["eu-west-1:1234"];
        assert!(p.allow_unauthenticated && p.roles_collected);
        assert_eq!(p.unauthenticated_role.as_deref(), Some("arn:aws:iam::111111111111:role/guest"));
    }

    #[test]
    fn bad_records_are_reported_with_their_path_and_the_rest_read() {
        let f = read(
            "x",
            "FlowLogs",
            Some("111111111111"),
            json!({"FlowLogs": [{"FlowLogId": "fl-1", "ResourceId": "vpc-1", "TrafficType": "ALL"}, {"FlowLogId": "fl-2"}]}),
        );
        assert_eq!(f.diagnostics.len(), 1);
        assert_eq!(&*f.diagnostics[0].origin.location, "/FlowLogs/1");
        let t = twin_of(vec![f]);
        assert_eq!(t.monitoring.flow_logs.len(), 1);
        assert!(t.monitoring.flow_log_scopes.contains(&("111111111111".to_string(), "eu-west-1".to_string())));
        let admins = read("DelegatedAdministrators", "admins", None, json!({"DelegatedAdministrators": []}));
        assert!(admins.diagnostics[0].message.contains("does not name the service"));
        let detectors = read("x", "DetectorIds", None, json!({"DetectorIds": ["abc"]}));
        assert!(detectors.diagnostics[0].message.contains("account and region"));
    }

    #[test]
    fn user_pools_and_patch_states() {
        let pool = read(
            "x",
            "pool",
            None,
            json!({"UserPool": {"Id": "eu-west-1_AbC", "Arn": "arn:aws:cognito-idp:eu-west-1:111111111111:userpool/eu-west-1_AbC",
                "MfaConfiguration": "OFF", "Policies": {"PasswordPolicy": {"MinimumLength": 6, "RequireUppercase": true}},
                "UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"}}}),
        );
        let states = read(
            "x",
            "patch",
            Some("111111111111"),
            json!({"InstancePatchStates": [{"InstanceId": "i-1", "BaselineId": "pb-1", "InstalledCount": 40, "MissingCount": 2,
                "FailedCount": 0, "Operation": "Scan", "OperationEndTime": "2026-11-20T10:00:00+00:00"}]}),
        );
        let t = twin_of(vec![pool, states]);
        let p = &t.cognito.user_pools["eu-west-1_AbC"];
        assert_eq!(p.placement.account.as_deref(), Some("111111111111"));
        assert_eq!(p.mfa.as_deref(), Some("OFF"));
        assert_eq!(p.password_policy.as_ref().and_then(|x| x.minimum_length), Some(6));
        assert_eq!(p.advanced_security.as_deref(), Some("AUDIT"));
        let s = &t.patching.states["i-1"];
        assert!(!s.compliant());
        assert_eq!(s.operation_end.as_deref(), Some("2026-11-20T10:00:00+00:00"));
    }
}
