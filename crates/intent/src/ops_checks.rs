//! Operations readiness: every instance can be managed through Session Manager (the
//! permissions of `AmazonSSMManagedInstanceCore` for its instance-profile role, decided by the
//! policy engine, and a path on tcp/443 to the `ssm`, `ssmmessages` and `ec2messages`
//! endpoints); no security group admits SSH or RDP from broad ranges; no bastion hosts; every
//! instance reaches its operating system's package repositories; Patch Manager reports every
//! instance compliant.

use crate::access::index::AccessIndex;
use crate::access::network::{derive, NetworkContext, Via};
use crate::access::principal::instance_role;
use crate::access::{can_with, CanQuery};
use crate::checks::{check_finding, finding, GroupReport};
use crate::config::Config;
use koban_model as m;
use koban_net::exposure::ExposureAnswer;
use koban_net::reach::{reach, Protocol};
use koban_net::spec::Spec;
use koban_net::Engine;
use rayon::prelude::*;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

pub const SESSION_MANAGER: &str = "KBN-OPS-001";
pub const ADMIN_PORTS_BROAD: &str = "KBN-OPS-002";
pub const BASTION_HOSTS: &str = "KBN-OPS-003";
pub const PATCH_REPOSITORIES: &str = "KBN-OPS-004";
pub const PATCH_COMPLIANCE: &str = "KBN-OPS-005";

/// The checks of this module, in catalogue order.
pub const IDS: &[&str] = &[SESSION_MANAGER, ADMIN_PORTS_BROAD, BASTION_HOSTS, PATCH_REPOSITORIES, PATCH_COMPLIANCE];

/// The calls the SSM Agent makes, as `AmazonSSMManagedInstanceCore` allows them: register and
/// report (`ssm`), open Session Manager channels (`ssmmessages`), fetch commands
/// (`ec2messages`).
pub const SSM_AGENT_ACTIONS: [&str; 6] = [
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    "ec2messages:GetMessages",
];

/// The service an agent action is sent to: `ssmmessages` for `ssmmessages:OpenDataChannel`.
fn agent_service(action: &str) -> &str {
    action.split_once(':').map_or(action, |(s, _)| s)
}

/// SSH and RDP.
const ADMIN_PORTS: [(u16, &str); 2] = [(22, "SSH"), (3389, "RDP")];

/// IPv4 sources with a shorter prefix than this are broad (more than 65,536 addresses).
const BROAD_V4: u8 = 16;
/// IPv6 sources with a shorter prefix than this are broad.
const BROAD_V6: u8 = 48;

/// Live instances with a live network interface.
fn live_instances(twin: &m::Twin) -> Vec<&m::Instance> {
    twin.instances.values().filter(|i| i.is_live() && !Spec::Instance(i.id.clone()).interfaces(twin).is_empty()).collect()
}

/// Instances that share a subnet and security groups take the same paths: the key of that
/// group.
fn place_key(twin: &m::Twin, i: &m::Instance) -> String {
    let spec = Spec::Instance(i.id.clone());
    let enis = spec.interfaces(twin);
    let mut sgs: Vec<&str> = enis.iter().flat_map(|e| e.security_groups.iter().map(String::as_str)).collect();
    sgs.sort();
    sgs.dedup();
    format!("{}|{}", enis.first().map(|e| e.subnet.as_str()).unwrap_or_default(), sgs.join(","))
}

/// KBN-OPS-001.
fn session_manager(engine: &Engine, access: &AccessIndex, out: &mut GroupReport) {
    let twin = engine.ix.twin;
    let managed: Vec<(&m::Instance, String)> = live_instances(twin).into_iter().map(|i| (i, place_key(twin, i))).collect();
    // The paths to each agent service, derived once per place, in parallel.
    let mut wanted: HashMap<(String, &str), &m::Instance> = HashMap::new();
    for (inst, key) in managed.iter().filter(|(i, _)| instance_role(twin, i).is_some()) {
        for action in SSM_AGENT_ACTIONS {
            wanted.entry((key.clone(), agent_service(action))).or_insert(inst);
        }
    }
    let paths: HashMap<(String, &str), NetworkContext> = wanted
        .into_par_iter()
        .map(|((key, service), inst)| {
            let net = derive(engine, &Spec::Instance(inst.id.clone()), &inst.id, service, None);
            ((key, service), net)
        })
        .collect();
    for (inst, key) in &managed {
        let inst = *inst;
        if instance_role(twin, inst).is_none() {
            let (what, unknown) = match &inst.iam_instance_profile {
                Some(p) if !twin.iam.instance_profiles.contains_key(p) && !twin.iam.accounts.is_empty() => {
                    (format!("its instance profile {p} is not in the IAM data"), true)
                }
                Some(p) if twin.iam.accounts.is_empty() => (format!("the IAM data for its instance profile {p} is not in the input"), true),
                Some(p) => (format!("its instance profile {p} holds no role"), false),
                None => ("it has no instance profile".to_string(), false),
            };
            if unknown {
                out.unknowns.push((SESSION_MANAGER, format!("{}: {what}", inst.id)));
            } else {
                out.findings.push(finding(
                    SESSION_MANAGER,
                    &inst.id,
                    &["role"],
                    format!("{} cannot be managed by Session Manager", inst.id),
                    format!("{} cannot register with Systems Manager: {what}, so the SSM Agent has no credentials.", inst.id),
                    json!({ "instance": inst.id, "instance_profile": inst.iam_instance_profile }),
                ));
            }
            continue;
        }
        let mut failures = Vec::new();
        let mut conditional = Vec::new();
        for action in SSM_AGENT_ACTIONS {
            let Some(net) = paths.get(&(key.clone(), agent_service(action))).cloned() else { continue };
            let q = CanQuery { principal: None, action, resource: "*", from: Some(&inst.id), context: &[] };
            let Ok(a) = can_with(engine, access, &q, Some(net)) else { continue };
            for u in &a.unknowns {
                out.unknowns.push((SESSION_MANAGER, format!("{}: {u}", inst.id)));
            }
            if a.allowed && a.conditional.is_none() {
                continue;
            }
            let reachable = a.network.as_ref().is_some_and(|n| n.via != Via::Unreachable);
            if reachable && a.conditional.as_ref().is_some_and(|c| c.at_best == koban_policy::Decision::Allow) {
                conditional.push(format!("{action}: {}", a.reason));
                continue;
            }
            failures.push(json!({
                "action": action,
                "decision": a.decision,
                "reason": a.reason,
                "decided_by": a.decided_by,
                "via": a.network.as_ref().map(|n| n.via),
                "endpoint": a.network.as_ref().and_then(|n| n.endpoint.clone()),
                "path": a.network.as_ref().map(|n| n.hops.clone()).unwrap_or_default(),
                "blocked": a.network.as_ref().map(|n| n.blocked.clone()).unwrap_or_default(),
            }));
        }
        for c in conditional {
            out.unknowns.push((SESSION_MANAGER, format!("{}: {c}", inst.id)));
        }
        if failures.is_empty() {
            continue;
        }
        let reasons: Vec<String> = failures
            .iter()
            .map(|f| format!("{}: {}", f["action"].as_str().unwrap_or_default(), f["reason"].as_str().unwrap_or_default()))
            .collect();
        out.findings.push(finding(
            SESSION_MANAGER,
            &inst.id,
            &["agent"],
            format!("{} cannot be managed by Session Manager", inst.id),
            format!("The SSM Agent on {} cannot make the calls Session Manager needs: {}.", inst.id, reasons.join("; ")),
            json!({ "instance": inst.id, "role": instance_role(twin, inst).map(|r| r.arn.clone()), "failures": failures }),
        ));
    }
}

/// True when `t` admits TCP to `port`.
fn admits_tcp(t: &m::TrafficMatch, port: u16) -> bool {
    match t {
        m::TrafficMatch::All => true,
        m::TrafficMatch::Tcp { ports } => ports.from <= port && port <= ports.to,
        _ => false,
    }
}

/// KBN-OPS-002: ingress rules of the security groups of live instances admitting SSH or RDP
/// from a broad CIDR.
fn broad_admin_ports(twin: &m::Twin, out: &mut GroupReport) {
    let mut users: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for inst in live_instances(twin) {
        for e in Spec::Instance(inst.id.clone()).interfaces(twin) {
            for sg in &e.security_groups {
                let list = users.entry(sg.as_str()).or_default();
                if !list.contains(&inst.id.as_str()) {
                    list.push(&inst.id);
                }
            }
        }
    }
    for (sg_id, instances) in users {
        let Some(sg) = twin.security_groups.get(sg_id) else { continue };
        for (port, name) in ADMIN_PORTS {
            let broad: Vec<&m::SgRule> = sg
                .ingress
                .iter()
                .filter(|r| admits_tcp(&r.traffic, port))
                .filter(|r| match &r.peer {
                    m::SgPeer::Cidr(ipnet::IpNet::V4(n)) => n.prefix_len() < BROAD_V4,
                    m::SgPeer::Cidr(ipnet::IpNet::V6(n)) => n.prefix_len() < BROAD_V6,
                    _ => false,
                })
                .collect();
            if broad.is_empty() {
                continue;
            }
            let sources: Vec<String> = broad.iter().map(|r| r.peer.to_string()).collect();
            let anywhere = sources.iter().any(|s| s == "0.0.0.0/0" || s == "::/0");
            out.findings.push(check_finding(
                ADMIN_PORTS_BROAD,
                sg_id,
                &[name],
                format!("{sg_id} admits {name} (tcp/{port}) from {}", sources.join(", ")),
                format!(
                    "Security group {sg_id} ({}) admits {name} on tcp/{port} from {} and is attached to {}.",
                    sg.name,
                    sources.join(", "),
                    instances.join(", ")
                ),
                json!({ "security_group": sg_id, "port": port, "rules": broad, "instances": instances, "origin": sg.origin }),
                Some(if anywhere { 8.0 } else { 6.0 }),
            ));
        }
    }
}

/// True when a port range text of an exposure (`22`, `0-1023`, `all`) holds `port`.
fn range_holds(text: &str, port: u16) -> bool {
    if text == "all" {
        return true;
    }
    let (lo, hi) = text.split_once('-').unwrap_or((text, text));
    matches!((lo.parse::<u16>(), hi.parse::<u16>()), (Ok(lo), Ok(hi)) if lo <= port && port <= hi)
}

/// KBN-OPS-003: instances reachable on SSH or RDP from outside the VPCs (the internet or a
/// named network) are bastion hosts.
fn bastions(twin: &m::Twin, exposure: &ExposureAnswer, out: &mut GroupReport) {
    let mut found: BTreeMap<String, Vec<(String, String, &koban_net::exposure::ExposedInterface)>> = BTreeMap::new();
    for src in &exposure.sources {
        for e in &src.exposed {
            if !twin.network_interfaces.get(&e.interface).is_some_and(|x| matches!(x.owner, m::EniOwner::Instance(_))) {
                continue;
            }
            for (port, name) in ADMIN_PORTS {
                let open =
                    e.ports.iter().any(|p| (p.protocol == "tcp" || p.protocol == "all") && p.ranges.iter().any(|r| range_holds(r, port)));
                if open {
                    found.entry(e.owner.clone()).or_default().push((src.source.clone(), format!("{name} tcp/{port}"), e));
                }
            }
        }
    }
    for (instance, hits) in found {
        let from_internet = hits.iter().any(|(s, _, _)| s == "internet");
        let what: Vec<String> = hits.iter().map(|(s, p, _)| format!("{p} from {s}")).collect();
        let evidence: Vec<serde_json::Value> =
            hits.iter().map(|(s, p, e)| json!({ "from": s, "service": p, "interface": e.interface, "path": e.path })).collect();
        out.findings.push(check_finding(
            BASTION_HOSTS,
            &instance,
            &[],
            format!("{instance} is a bastion host ({})", what.join(", ")),
            format!(
                "{instance} accepts {}. Session Manager gives shell and RDP access without inbound ports; a bastion is one more host to patch and a door from outside.",
                what.join("; ")
            ),
            json!({ "instance": instance, "exposure": evidence }),
            Some(if from_internet { 6.0 } else { 3.0 }),
        ));
    }
}

/// KBN-OPS-004: a path to the package repositories — the named repository networks of
/// `koban.yaml` on tcp/443, or else Amazon S3 (where the Amazon Linux repositories live)
/// through a gateway endpoint, an interface endpoint or the internet path; Windows instances
/// need the internet (Windows Update) on tcp/443.
fn patch_repositories(engine: &Engine, config: &Config, out: &mut GroupReport) {
    let twin = engine.ix.twin;
    let placed: Vec<(&m::Instance, (String, bool))> = live_instances(twin)
        .into_iter()
        .map(|i| (i, (place_key(twin, i), i.platform.as_deref().is_some_and(|p| p.eq_ignore_ascii_case("windows")))))
        .collect();
    let mut firsts: HashMap<&(String, bool), &m::Instance> = HashMap::new();
    for (inst, key) in &placed {
        firsts.entry(key).or_insert(inst);
    }
    let by_place: HashMap<&(String, bool), Result<(), serde_json::Value>> =
        firsts.into_par_iter().map(|(key, inst)| (key, repository_path(engine, config, inst, key.1))).collect();
    for (inst, key) in &placed {
        let windows = key.1;
        if let Some(Err(evidence)) = by_place.get(key) {
            let what = if !config.patching.repositories.is_empty() {
                format!("the repository networks {}", config.patching.repositories.join(", "))
            } else if windows {
                "Windows Update on the internet".to_string()
            } else {
                "Amazon S3, where the Amazon Linux repositories are".to_string()
            };
            out.findings.push(finding(
                PATCH_REPOSITORIES,
                &inst.id,
                &[],
                format!("{} cannot reach its package repositories", inst.id),
                format!("Patch Manager cannot patch {}: nothing on tcp/443 reaches {what} from it.", inst.id),
                json!({ "instance": inst.id, "evidence": evidence }),
            ));
        }
    }
}

/// Whether `inst` reaches its package repositories on tcp/443, or the evidence that it does not.
fn repository_path(engine: &Engine, config: &Config, inst: &m::Instance, windows: bool) -> Result<(), serde_json::Value> {
    let from = Spec::Instance(inst.id.clone());
    if !config.patching.repositories.is_empty() {
        let mut failed = Vec::new();
        for n in &config.patching.repositories {
            let a = reach(engine, &from, &Spec::Network(n.clone()), Protocol::Tcp, Some(443), &inst.id, n);
            if !a.reachable {
                failed.push(json!({ "repository": n, "blocked": a.blocked, "unknowns": a.unknowns }));
            }
        }
        return if failed.is_empty() { Ok(()) } else { Err(json!({ "repositories": failed })) };
    }
    if windows {
        let a = reach(engine, &from, &Spec::Internet, Protocol::Tcp, Some(443), &inst.id, "internet");
        return if a.reachable { Ok(()) } else { Err(json!({ "repository": "Windows Update (internet)", "blocked": a.blocked })) };
    }
    let n = derive(engine, &from, &inst.id, "s3", None);
    if n.via != Via::Unreachable {
        Ok(())
    } else {
        Err(json!({ "repository": n.service, "blocked": n.blocked, "unknowns": n.unknowns }))
    }
}

/// KBN-OPS-005: Patch Manager's patch state of every live instance where it was collected.
fn patch_compliance(twin: &m::Twin, out: &mut GroupReport) {
    let p = &twin.patching;
    if p.scopes.is_empty() && p.states.is_empty() {
        out.skipped.push((PATCH_COMPLIANCE, "no patch states in the input (aws ssm describe-instance-patch-states)".into()));
        return;
    }
    for inst in live_instances(twin) {
        let scope = (inst.placement.account.clone().unwrap_or_default(), inst.placement.region.clone().unwrap_or_default());
        match p.states.get(&inst.id) {
            Some(s) if s.compliant() => {}
            Some(s) => out.findings.push(finding(
                PATCH_COMPLIANCE,
                &inst.id,
                &[],
                format!("{} is missing patches", inst.id),
                format!(
                    "Patch Manager's last {} on {} ({}) found {} missing, {} failed and {} installed pending reboot (baseline {}).",
                    s.operation.as_deref().unwrap_or("operation"),
                    inst.id,
                    s.operation_end.as_deref().unwrap_or("time unknown"),
                    s.missing,
                    s.failed,
                    s.installed_pending_reboot,
                    s.baseline.as_deref().unwrap_or("unknown")
                ),
                json!({ "instance": inst.id, "patch_state": s }),
            )),
            None if p.scopes.contains(&scope) => out.findings.push(finding(
                PATCH_COMPLIANCE,
                &inst.id,
                &["unscanned"],
                format!("{} has no patch state", inst.id),
                format!(
                    "Patch Manager has never scanned {}: describe-instance-patch-states of {} in {} does not list it (the instance is not managed, or no patch baseline runs on it).",
                    inst.id, scope.0, scope.1
                ),
                json!({ "instance": inst.id }),
            )),
            None => out.unknowns.push((PATCH_COMPLIANCE, format!("{}: no patch states collected for {} in {}", inst.id, scope.0, scope.1))),
        }
    }
}

/// Run the operations-readiness checks.
pub fn run(engine: &Engine, access: &AccessIndex, exposure: &ExposureAnswer, config: &Config) -> GroupReport {
    let twin = engine.ix.twin;
    let mut out = GroupReport::default();
    session_manager(engine, access, &mut out);
    broad_admin_ports(twin, &mut out);
    bastions(twin, exposure, &mut out);
    patch_repositories(engine, config, &mut out);
    patch_compliance(twin, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposure_ranges_and_rule_traffic() {
        assert!(range_holds("22", 22) && range_holds("0-1023", 22) && range_holds("all", 3389));
        assert!(!range_holds("23-80", 22) && !range_holds("type 0-8", 22));
        assert!(admits_tcp(&m::TrafficMatch::All, 22));
        assert!(admits_tcp(&m::TrafficMatch::Tcp { ports: m::PortRange::new(0, 1024) }, 22));
        assert!(!admits_tcp(&m::TrafficMatch::Udp { ports: m::PortRange::new(0, 65535) }, 22));
        assert!(!admits_tcp(&m::TrafficMatch::Tcp { ports: m::PortRange::new(443, 443) }, 3389));
    }
}
