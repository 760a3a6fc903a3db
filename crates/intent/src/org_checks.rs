//! The organization's shape and guard-rails, from the anti-patterns of a well-designed AWS
//! organization: no workloads in the management account, no member account directly under the
//! root, production and development apart, a security and a log-archive account, guard-rail
//! SCPs on every member account (decided by the policy engine), GuardDuty and Amazon Inspector
//! in every account and region with a delegated administrator, flow logs on every VPC, and an
//! organization trail.

use crate::access::index::AccessIndex;
use crate::access::probe::{allow_all, probe_request, probe_role};
use crate::accounts::{AccountRole, AccountRoles};
use crate::checks::{check_finding, finding, GroupReport};
use koban_model as m;
use koban_policy::evaluate::evaluate;
use koban_policy::{Decision, PolicySet};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const MANAGEMENT_WORKLOADS: &str = "KBN-ORG-001";
pub const ACCOUNTS_UNDER_ROOT: &str = "KBN-ORG-002";
pub const ENVIRONMENTS_SEPARATED: &str = "KBN-ORG-003";
pub const SECURITY_ACCOUNTS: &str = "KBN-ORG-004";
pub const GUARDRAIL_SCPS: &str = "KBN-ORG-005";
pub const GUARDDUTY_EVERYWHERE: &str = "KBN-ORG-006";
pub const INSPECTOR_EVERYWHERE: &str = "KBN-ORG-007";
pub const VPC_FLOW_LOGS: &str = "KBN-ORG-008";
pub const ORGANIZATION_TRAIL: &str = "KBN-ORG-009";

/// The checks of this module, in catalogue order.
pub const IDS: &[&str] = &[
    MANAGEMENT_WORKLOADS,
    ACCOUNTS_UNDER_ROOT,
    ENVIRONMENTS_SEPARATED,
    SECURITY_ACCOUNTS,
    GUARDRAIL_SCPS,
    GUARDDUTY_EVERYWHERE,
    INSPECTOR_EVERYWHERE,
    VPC_FLOW_LOGS,
    ORGANIZATION_TRAIL,
];

const NO_ORG: &str = "no AWS Organizations data in the input (organizations describe-organization, list-accounts, …)";

/// A guard-rail: every group of actions must be denied (one action of a group suffices:
/// AWS renamed some of them).
struct Guardrail {
    name: &'static str,
    actions: &'static [&'static [&'static str]],
}

const GUARDRAILS: &[Guardrail] = &[
    Guardrail { name: "deny leaving the organization", actions: &[&["organizations:LeaveOrganization"]] },
    Guardrail {
        name: "deny disabling GuardDuty",
        actions: &[
            &["guardduty:DeleteDetector"],
            &["guardduty:DisassociateFromAdministratorAccount", "guardduty:DisassociateFromMasterAccount"],
        ],
    },
    Guardrail { name: "deny stopping CloudTrail", actions: &[&["cloudtrail:StopLogging"], &["cloudtrail:DeleteTrail"]] },
    Guardrail {
        name: "deny stopping AWS Config",
        actions: &[&["config:StopConfigurationRecorder"], &["config:DeleteConfigurationRecorder"]],
    },
    Guardrail { name: "deny deleting VPC flow logs", actions: &[&["ec2:DeleteFlowLogs"]] },
];

/// Regions a region restriction is probed with (one outside the twin's regions must be
/// denied).
const PROBE_REGIONS: [&str; 4] = ["sa-east-1", "ap-southeast-2", "af-south-1", "me-central-1"];

/// Member accounts (active, not the management account).
fn members(org: &m::Organizations) -> Vec<&m::OrgAccount> {
    org.accounts.values().filter(|a| !org.is_management_account(&a.id) && a.status.as_deref().is_none_or(|s| s == "ACTIVE")).collect()
}

/// The organization's id, or a stand-in for findings about the whole organization.
fn org_resource(twin: &m::Twin) -> String {
    twin.organizations.organization.as_ref().map(|o| o.id.clone()).unwrap_or_else(|| "organization".into())
}

/// Every region the twin holds data for.
fn regions(twin: &m::Twin) -> BTreeSet<String> {
    let mon = &twin.monitoring;
    twin.accounts
        .values()
        .flat_map(|a| a.regions.iter().cloned())
        .chain(mon.detector_scopes.iter().map(|(_, r)| r.clone()))
        .chain(mon.inspector.iter().filter_map(|s| s.region.clone()))
        .chain(mon.flow_log_scopes.iter().map(|(_, r)| r.clone()))
        .collect()
}

/// The accounts the organization-wide checks cover: the organization's, or the twin's.
fn all_accounts(twin: &m::Twin) -> Vec<String> {
    let org = &twin.organizations;
    if org.accounts.is_empty() {
        twin.accounts.keys().cloned().collect()
    } else {
        org.accounts.values().filter(|a| a.status.as_deref().is_none_or(|s| s == "ACTIVE")).map(|a| a.id.clone()).collect()
    }
}

/// KBN-ORG-001.
fn management_workloads(twin: &m::Twin, out: &mut GroupReport) {
    let Some(mgmt) = twin.organizations.organization.as_ref().and_then(|o| o.management_account.clone()) else {
        out.skipped.push((MANAGEMENT_WORKLOADS, NO_ORG.into()));
        return;
    };
    let mine = |p: &m::Placement| p.account.as_deref() == Some(mgmt.as_str());
    let mut workloads: Vec<String> = twin.instances.values().filter(|i| i.is_live() && mine(&i.placement)).map(|i| i.id.clone()).collect();
    workloads.extend(twin.load_balancers.values().filter(|l| mine(&l.placement)).map(|l| l.arn.clone()));
    if workloads.is_empty() {
        return;
    }
    out.findings.push(finding(
        MANAGEMENT_WORKLOADS,
        &mgmt,
        &[],
        format!("the management account {mgmt} runs workloads"),
        format!("The management account is exempt from every SCP and can act on the whole organization; it runs {}.", workloads.join(", ")),
        json!({ "account": mgmt, "workloads": workloads }),
    ));
}

/// KBN-ORG-002.
fn accounts_under_root(twin: &m::Twin, out: &mut GroupReport) {
    let org = &twin.organizations;
    if org.accounts.is_empty() {
        out.skipped.push((ACCOUNTS_UNDER_ROOT, NO_ORG.into()));
        return;
    }
    for a in members(org) {
        let Some(parent) = a.parent.as_deref().filter(|p| org.roots.contains_key(*p) || p.starts_with("r-")) else { continue };
        out.findings.push(finding(
            ACCOUNTS_UNDER_ROOT,
            &a.id,
            &[],
            format!("account {} ({}) sits directly under the root", a.id, a.name.as_deref().unwrap_or("unnamed")),
            format!(
                "Account {} is a child of root {parent}: only the SCPs attached to the root apply to it, and it shares no OU's guard-rails or delegated policies.",
                a.id
            ),
            json!({ "account": a.id, "parent": parent, "origin": a.origin }),
        ));
    }
}

/// The environment an `Environment` tag value names.
fn environment_of(value: &str) -> Option<AccountRole> {
    let v = value.to_ascii_lowercase();
    match v.as_str() {
        "prod" | "production" | "prd" | "live" => Some(AccountRole::Production),
        "dev" | "development" | "test" | "testing" | "staging" | "stage" | "qa" | "uat" | "sandbox" | "nonprod" => {
            Some(AccountRole::Development)
        }
        _ => None,
    }
}

/// KBN-ORG-003.
fn environments(twin: &m::Twin, roles: &AccountRoles, out: &mut GroupReport) {
    let org = &twin.organizations;
    for a in roles.production.intersection(&roles.development) {
        out.findings.push(finding(
            ENVIRONMENTS_SEPARATED,
            a,
            &["roles"],
            format!("account {a} is both a production and a development account"),
            format!("Account {a} is counted as production and as development (by {}).", roles.source(AccountRole::Production)),
            json!({ "account": a }),
        ));
    }
    let mut by_parent: BTreeMap<&str, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
    for a in org.accounts.values() {
        let Some(parent) = a.parent.as_deref() else { continue };
        let e = by_parent.entry(parent).or_default();
        if roles.production.contains(&a.id) {
            e.0.push(&a.id);
        }
        if roles.development.contains(&a.id) {
            e.1.push(&a.id);
        }
    }
    for (parent, (prod, dev)) in by_parent {
        if prod.is_empty() || dev.is_empty() || prod == dev {
            continue;
        }
        let name = org.units.get(parent).and_then(|u| u.name.as_deref()).unwrap_or(parent);
        out.findings.push(finding(
            ENVIRONMENTS_SEPARATED,
            parent,
            &["ou"],
            format!("{name} holds production and development accounts"),
            format!(
                "{parent} ({name}) holds production accounts {} and development accounts {}: the same SCPs govern both.",
                prod.join(", "),
                dev.join(", ")
            ),
            json!({ "parent": parent, "production": prod, "development": dev }),
        ));
    }
    let mut tagged: BTreeMap<String, BTreeMap<&'static str, Vec<String>>> = BTreeMap::new();
    for i in twin.instances.values().filter(|i| i.is_live()) {
        let Some(acct) = &i.placement.account else { continue };
        for (k, v) in &i.tags {
            if matches!(k.to_ascii_lowercase().as_str(), "environment" | "env" | "stage") {
                if let Some(env) = environment_of(v) {
                    tagged.entry(acct.clone()).or_default().entry(env.as_str()).or_default().push(i.id.clone());
                }
            }
        }
    }
    for (acct, envs) in tagged {
        if envs.len() < 2 {
            continue;
        }
        out.findings.push(finding(
            ENVIRONMENTS_SEPARATED,
            &acct,
            &["tags"],
            format!("account {acct} runs production and development workloads"),
            format!(
                "Instances of account {acct} are tagged for production ({}) and for development ({}).",
                envs.get("production").map(|v| v.join(", ")).unwrap_or_default(),
                envs.get("development").map(|v| v.join(", ")).unwrap_or_default()
            ),
            json!({ "account": acct, "instances": envs }),
        ));
    }
}

/// KBN-ORG-004.
fn security_accounts(twin: &m::Twin, roles: &AccountRoles, out: &mut GroupReport) {
    if twin.organizations.accounts.is_empty() && roles.configured.is_empty() {
        out.skipped.push((SECURITY_ACCOUNTS, NO_ORG.into()));
        return;
    }
    for (role, what) in [(AccountRole::Security, "security (audit)"), (AccountRole::LogArchive, "log-archive")] {
        if !roles.of(role).is_empty() {
            continue;
        }
        out.findings.push(finding(
            SECURITY_ACCOUNTS,
            &org_resource(twin),
            &[role.as_str()],
            format!("the organization has no {what} account"),
            format!(
                "No account plays the {what} role (looked for in {}); security tooling and logs then live beside the workloads they watch.",
                roles.source(role)
            ),
            json!({ "role": role, "accounts": all_accounts(twin) }),
        ));
    }
}

/// KBN-ORG-005: for every member account, a probe role allowed everything by its identity
/// policies asks for each guard-rail's actions; the SCPs on the account's path must deny them.
fn guardrails(twin: &m::Twin, ix: &AccessIndex, out: &mut GroupReport) {
    let org = &twin.organizations;
    if org.accounts.is_empty() {
        out.skipped.push((GUARDRAIL_SCPS, NO_ORG.into()));
        return;
    }
    let Some(identity) = allow_all() else { return };
    let home = regions(twin).into_iter().next().unwrap_or_else(|| "us-east-1".into());
    let used = regions(twin);
    let probes: Vec<&str> = PROBE_REGIONS.iter().copied().filter(|r| !used.contains(*r)).collect();
    for a in members(org) {
        let mut unknowns = Vec::new();
        let scps = ix.org_levels(&a.id, m::OrgPolicyKind::ServiceControlPolicy, &mut unknowns);
        if !unknowns.is_empty() {
            out.unknowns.extend(unknowns.into_iter().map(|u| (GUARDRAIL_SCPS, format!("{}: {u}", a.id))));
            continue;
        }
        let set = PolicySet { identity: vec![identity.clone()], scps, ..PolicySet::default() };
        let principal = probe_role(&a.id);
        let denied = |action: &str, region: &str| {
            let ctx = probe_request(ix, &principal, action, "*", Some(&a.id), &[("aws:RequestedRegion", region)]);
            evaluate(&set, &ctx).decision != Decision::Allow
        };
        let mut missing: Vec<String> = Vec::new();
        for g in GUARDRAILS {
            let open: Vec<&str> = g.actions.iter().filter(|alts| !alts.iter().any(|x| denied(x, &home))).map(|alts| alts[0]).collect();
            if !open.is_empty() {
                missing.push(format!("{} ({} allowed)", g.name, open.join(", ")));
            }
        }
        if !probes.iter().any(|r| denied("ec2:RunInstances", r)) {
            missing.push(format!("restrict regions (ec2:RunInstances allowed in {})", probes.join(", ")));
        }
        if missing.is_empty() {
            continue;
        }
        out.findings.push(check_finding(
            GUARDRAIL_SCPS,
            &a.id,
            &[],
            format!("account {} lacks guard-rail SCPs: {}", a.id, missing.len()),
            format!(
                "The SCPs on the path of account {} ({}) do not {}.",
                a.id,
                org.path_of_account(&a.id).map(|p| p.join(" → ")).unwrap_or_default(),
                missing.join("; ")
            ),
            json!({ "account": a.id, "missing": missing, "probe": principal }),
            Some(if missing.len() > 2 { 7.0 } else { 5.0 }),
        ));
    }
}

/// How a service is covered in one account and region.
enum Coverage {
    On,
    Off(String),
    Unknown(String),
}

/// Findings for accounts not covered in some regions, and the delegated-administrator
/// finding, shared by GuardDuty and Inspector.
fn per_account_region(
    twin: &m::Twin,
    id: &'static str,
    service: &str,
    principal: &str,
    cover: impl Fn(&str, &str) -> Coverage,
    out: &mut GroupReport,
) {
    let regions = regions(twin);
    if regions.is_empty() {
        out.skipped.push((id, "the input holds no region".into()));
        return;
    }
    let mon = &twin.monitoring;
    if !twin.organizations.accounts.is_empty() {
        if !mon.delegated_services.contains(principal) {
            out.unknowns.push((id, format!("the delegated administrators of {principal} are not in the input (organizations list-delegated-administrators --service-principal {principal})")));
        } else if mon.administrators_of(principal).is_empty() {
            out.findings.push(finding(
                id,
                &org_resource(twin),
                &["delegated-administrator"],
                format!("{service} has no delegated administrator"),
                format!("No account administers {service} for the organization: findings stay in each account and new accounts are not enrolled."),
                json!({ "service_principal": principal }),
            ));
        }
    }
    for acct in all_accounts(twin) {
        let mut off = Vec::new();
        for r in &regions {
            match cover(&acct, r) {
                Coverage::On => {}
                Coverage::Off(why) => off.push(format!("{r}: {why}")),
                Coverage::Unknown(why) => out.unknowns.push((id, format!("{service} in {acct} {r}: {why}"))),
            }
        }
        if off.is_empty() {
            continue;
        }
        out.findings.push(finding(
            id,
            &acct,
            &[],
            format!("{service} is not enabled in account {acct} in {} region(s)", off.len()),
            format!("{service} does not watch account {acct} in {}.", off.join("; ")),
            json!({ "account": acct, "regions": off }),
        ));
    }
}

/// KBN-ORG-006.
fn guardduty(twin: &m::Twin, out: &mut GroupReport) {
    let mon = &twin.monitoring;
    let cover = |acct: &str, region: &str| {
        let here = |p: &m::Placement| p.account.as_deref() == Some(acct) && p.region.as_deref() == Some(region);
        if mon.detectors.iter().any(|d| here(&d.placement) && d.status.as_deref() != Some("DISABLED")) {
            return Coverage::On;
        }
        let members: Vec<&m::GuardDutyMember> = mon.guardduty_members.iter().filter(|x| x.region.as_deref() == Some(region)).collect();
        if members.iter().any(|x| x.account == acct && x.relationship.eq_ignore_ascii_case("enabled")) {
            return Coverage::On;
        }
        if let Some(x) = members.iter().find(|x| x.account == acct) {
            return Coverage::Off(format!("member of {} with relationship {}", x.administrator.as_deref().unwrap_or("?"), x.relationship));
        }
        if mon.detector_scopes.contains(&(acct.to_string(), region.to_string())) {
            return Coverage::Off("no enabled detector (list-detectors)".into());
        }
        if !members.is_empty() {
            return Coverage::Off("not a member of the GuardDuty administrator account".into());
        }
        Coverage::Unknown("neither list-detectors of the account nor list-members of an administrator is in the input".into())
    };
    per_account_region(twin, GUARDDUTY_EVERYWHERE, "GuardDuty", "guardduty.amazonaws.com", cover, out);
}

/// KBN-ORG-007.
fn inspector(twin: &m::Twin, out: &mut GroupReport) {
    let mon = &twin.monitoring;
    let cover = |acct: &str, region: &str| match mon.inspector.iter().find(|s| s.account == acct && s.region.as_deref() == Some(region)) {
        Some(s) if s.enabled() => Coverage::On,
        Some(s) => Coverage::Off(format!("Amazon Inspector is {}", s.status)),
        None => Coverage::Unknown("no inspector2 batch-get-account-status output names the account".into()),
    };
    per_account_region(twin, INSPECTOR_EVERYWHERE, "Amazon Inspector", "inspector2.amazonaws.com", cover, out);
}

/// KBN-ORG-008.
fn flow_logs(twin: &m::Twin, out: &mut GroupReport) {
    let mon = &twin.monitoring;
    let mut active: HashMap<&str, Vec<&m::FlowLog>> = HashMap::new();
    for f in mon.flow_logs.iter().filter(|f| f.active()) {
        active.entry(f.resource.as_str()).or_default().push(f);
    }
    let mut vpc_subnets: HashMap<&str, Vec<&m::Subnet>> = HashMap::new();
    for s in twin.subnets.values() {
        vpc_subnets.entry(s.vpc.as_str()).or_default().push(s);
    }
    let all_traffic = |f: &&m::FlowLog| f.traffic_type.as_deref().is_none_or(|t| t == "ALL");
    for vpc in twin.vpcs.values() {
        let logs: &[&m::FlowLog] = active.get(vpc.id.as_str()).map(Vec::as_slice).unwrap_or_default();
        if logs.iter().any(all_traffic) {
            continue;
        }
        let subnets: &[&m::Subnet] = vpc_subnets.get(vpc.id.as_str()).map(Vec::as_slice).unwrap_or_default();
        let subnet_logged = |s: &&m::Subnet| active.get(s.id.as_str()).is_some_and(|l| l.iter().any(all_traffic));
        if !subnets.is_empty() && subnets.iter().all(subnet_logged) {
            continue;
        }
        let scope = (vpc.placement.account.clone().unwrap_or_default(), vpc.placement.region.clone().unwrap_or_default());
        let why = if let Some(f) = logs.first() {
            format!("its flow log {} captures only {} traffic", f.id, f.traffic_type.as_deref().unwrap_or("some"))
        } else if mon.flow_log_scopes.contains(&scope) {
            "no active flow log captures it (describe-flow-logs)".to_string()
        } else {
            out.unknowns.push((VPC_FLOW_LOGS, format!("{}: describe-flow-logs of {} in {} is not in the input", vpc.id, scope.0, scope.1)));
            continue;
        };
        out.findings.push(finding(
            VPC_FLOW_LOGS,
            &vpc.id,
            &[],
            format!("{} has no flow log of all its traffic", vpc.id),
            format!("{}: {why}; GuardDuty-style detection and incident response need every accepted and rejected flow.", vpc.id),
            json!({ "vpc": vpc.id, "flow_logs": logs.iter().map(|f| &f.id).collect::<Vec<_>>() }),
        ));
    }
}

/// KBN-ORG-009.
fn organization_trail(twin: &m::Twin, out: &mut GroupReport) {
    let mon = &twin.monitoring;
    if mon.trail_scopes.is_empty() && mon.trails.is_empty() {
        out.unknowns.push((ORGANIZATION_TRAIL, "no cloudtrail describe-trails output in the input".into()));
        return;
    }
    let good = |t: &&m::Trail| t.organization && t.multi_region && t.logging != Some(false);
    if mon.trails.iter().any(|t| good(&t)) {
        return;
    }
    let seen: Vec<String> = mon
        .trails
        .iter()
        .map(|t| {
            format!(
                "{} ({}{}{})",
                t.name,
                if t.organization { "organization" } else { "account" },
                if t.multi_region { ", all regions" } else { ", one region" },
                if t.logging == Some(false) { ", not logging" } else { "" }
            )
        })
        .collect();
    out.findings.push(finding(
        ORGANIZATION_TRAIL,
        &org_resource(twin),
        &[],
        "no organization trail records every account and region".to_string(),
        format!(
            "No logging multi-region organization trail exists{}: API activity of some accounts or regions is not recorded in one place members cannot change.",
            if seen.is_empty() { String::new() } else { format!(" (trails: {})", seen.join(", ")) }
        ),
        json!({ "trails": mon.trails }),
    ));
}

/// Run the organization checks.
pub fn run(twin: &m::Twin, ix: &AccessIndex, roles: &AccountRoles) -> GroupReport {
    let mut out = GroupReport::default();
    management_workloads(twin, &mut out);
    accounts_under_root(twin, &mut out);
    environments(twin, roles, &mut out);
    security_accounts(twin, roles, &mut out);
    guardrails(twin, ix, &mut out);
    guardduty(twin, &mut out);
    inspector(twin, &mut out);
    flow_logs(twin, &mut out);
    organization_trail(twin, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_tags() {
        assert_eq!(environment_of("Production"), Some(AccountRole::Production));
        assert_eq!(environment_of("staging"), Some(AccountRole::Development));
        assert_eq!(environment_of("shared"), None);
    }
}
