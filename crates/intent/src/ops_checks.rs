//! Operations readiness: every instance can be managed through Session Manager (the
//! permissions of `AmazonSSMManagedInstanceCore` for its instance-profile role, decided by the
//! policy engine, and a path on tcp/443 to the `ssm`, `ssmmessages` and `ec2messages`
//! endpoints); no security group admits SSH or RDP from broad ranges; no bastion hosts; every
//! instance reaches its operating system's package repositories; Patch Manager reports every
//! instance compliant.

use crate::access::index::AccessIndex;
use crate::access::network::{derive, reaches_service, NetworkContext, Via};
use crate::access::principal::instance_role;
use crate::access::{can_with, CanQuery};
use crate::checks::{check_finding, finding, GroupReport};
use crate::config::Config;
use crate::places::Places;
use koban_model as m;
use koban_net::exposure::ExposureAnswer;
use koban_net::reach::{reach, reaches, Protocol};
use koban_net::spec::Spec;
use koban_net::Engine;
use rayon::prelude::*;
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};

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

/// A live instance with its live network interfaces (primary first) and its place.
struct Live<'t> {
    inst: &'t m::Instance,
    enis: Vec<&'t m::NetworkInterface>,
    place: String,
}

/// Live instances with a live network interface, in id order.
fn live_instances<'t>(twin: &'t m::Twin, places: &Places) -> Vec<Live<'t>> {
    let instances: Vec<&m::Instance> = twin.instances.values().filter(|i| i.is_live()).collect();
    instances
        .into_par_iter()
        .filter_map(|inst| {
            let enis = koban_net::index::instance_interfaces(twin, inst);
            (!enis.is_empty()).then(|| Live { inst, place: places.key(&enis), enis })
        })
        .collect()
}

/// KBN-OPS-001.
fn session_manager(engine: &Engine, access: &AccessIndex, live: &[Live], out: &mut GroupReport) {
    let twin = engine.ix.twin;
    // The paths to each agent service, derived once per place, in parallel.
    let mut wanted: HashMap<(&str, &str), &m::Instance> = HashMap::new();
    for l in live.iter().filter(|l| instance_role(twin, l.inst).is_some()) {
        for action in SSM_AGENT_ACTIONS {
            wanted.entry((l.place.as_str(), agent_service(action))).or_insert(l.inst);
        }
    }
    let paths: HashMap<(&str, &str), (&str, NetworkContext)> = wanted
        .into_par_iter()
        .map(|((key, service), inst)| {
            let net = derive(engine, &Spec::Instance(inst.id.clone()), &inst.id, service, None);
            ((key, service), (inst.id.as_str(), net))
        })
        .collect();
    for l in live {
        let inst = l.inst;
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
            let service = agent_service(action);
            let Some((representative, place_net)) = paths.get(&(l.place.as_str(), service)) else { continue };
            let q = CanQuery { principal: None, action, resource: "*", from: Some(&inst.id), context: &[] };
            // The place's path, seen from this instance: its own source address.
            let mut net = place_net.clone();
            net.from = inst.id.clone();
            net.private_ip = l.enis.first().and_then(|e| e.private_ips.first().copied());
            let Ok(mut a) = can_with(engine, access, &q, Some(net)) else { continue };
            if !(a.allowed && a.conditional.is_none()) && *representative != inst.id {
                // A refusal is explained with this instance's own path (its interface and
                // security groups in the evidence), not its place's.
                let own = derive(engine, &Spec::Instance(inst.id.clone()), &inst.id, service, None);
                let Ok(b) = can_with(engine, access, &q, Some(own)) else { continue };
                a = b;
            }
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
fn broad_admin_ports(twin: &m::Twin, live: &[Live], out: &mut GroupReport) {
    // Per security group with a broad admin rule: (port, service, the rules).
    type Broad<'t> = Vec<(u16, &'static str, Vec<&'t m::SgRule>)>;
    let broad_groups: HashMap<&str, Broad> = twin
        .security_groups
        .values()
        .filter_map(|sg| {
            let per_port: Broad = ADMIN_PORTS
                .iter()
                .map(|&(port, name)| {
                    let rules = sg
                        .ingress
                        .iter()
                        .filter(|r| admits_tcp(&r.traffic, port))
                        .filter(|r| match &r.peer {
                            m::SgPeer::Cidr(ipnet::IpNet::V4(n)) => n.prefix_len() < BROAD_V4,
                            m::SgPeer::Cidr(ipnet::IpNet::V6(n)) => n.prefix_len() < BROAD_V6,
                            _ => false,
                        })
                        .collect::<Vec<_>>();
                    (port, name, rules)
                })
                .filter(|(_, _, rules)| !rules.is_empty())
                .collect();
            (!per_port.is_empty()).then_some((sg.id.as_str(), per_port))
        })
        .collect();
    let mut users: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for l in live {
        for e in &l.enis {
            for sg in e.security_groups.iter().filter(|g| broad_groups.contains_key(g.as_str())) {
                users.entry(sg.as_str()).or_default().push(&l.inst.id);
            }
        }
    }
    for (sg_id, mut instances) in users {
        instances.sort_unstable();
        instances.dedup();
        let (Some(sg), Some(per_port)) = (twin.security_groups.get(sg_id), broad_groups.get(sg_id)) else { continue };
        for &(port, name, ref broad) in per_port {
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
fn bastions(live: &[Live], exposure: &ExposureAnswer, out: &mut GroupReport) {
    let instance_enis: HashSet<&str> = live.iter().flat_map(|l| l.enis.iter().map(|e| e.id.as_str())).collect();
    // Per instance: (source, the admin services it accepts from there, the interface).
    type Hit<'a> = (&'a str, Vec<String>, &'a koban_net::exposure::ExposedInterface);
    let mut found: BTreeMap<&str, Vec<Hit>> = BTreeMap::new();
    for src in &exposure.sources {
        for e in &src.exposed {
            if !instance_enis.contains(e.interface.as_str()) {
                continue;
            }
            let services: Vec<String> = ADMIN_PORTS
                .iter()
                .filter(|(port, _)| {
                    e.ports.iter().any(|p| (p.protocol == "tcp" || p.protocol == "all") && p.ranges.iter().any(|r| range_holds(r, *port)))
                })
                .map(|(port, name)| format!("{name} tcp/{port}"))
                .collect();
            if !services.is_empty() {
                found.entry(e.owner.as_str()).or_default().push((src.source.as_str(), services, e));
            }
        }
    }
    let found: Vec<(&str, Vec<Hit>)> = found.into_iter().collect();
    let findings: Vec<_> = found
        .into_par_iter()
        .map(|(instance, hits)| {
            let from_internet = hits.iter().any(|(s, _, _)| *s == "internet");
            let what: Vec<String> = hits.iter().flat_map(|(s, services, _)| services.iter().map(move |p| format!("{p} from {s}"))).collect();
            // The witness path as hop ids: `koban reach` gives each hop's evidence.
            let evidence: Vec<serde_json::Value> = hits
                .iter()
                .map(|(s, services, e)| {
                    let path: Vec<&str> = e.path.iter().map(|h| h.resource.as_str()).collect();
                    json!({ "from": s, "services": services, "interface": e.interface, "path": path })
                })
                .collect();
            check_finding(
                BASTION_HOSTS,
                instance,
                &[],
                format!("{instance} is a bastion host ({})", what.join(", ")),
                format!(
                    "{instance} accepts {}. Session Manager gives shell and RDP access without inbound ports; a bastion is one more host to patch and a door from outside.",
                    what.join("; ")
                ),
                json!({ "instance": instance, "exposure": evidence }),
                Some(if from_internet { 6.0 } else { 3.0 }),
            )
        })
        .collect();
    out.findings.extend(findings);
}

/// KBN-OPS-004: a path to the package repositories — the named repository networks of
/// `koban.yaml` on tcp/443, or else Amazon S3 (where the Amazon Linux repositories live)
/// through a gateway endpoint, an interface endpoint or the internet path; Windows instances
/// need the internet (Windows Update) on tcp/443.
fn patch_repositories(engine: &Engine, config: &Config, live: &[Live], out: &mut GroupReport) {
    let placed: Vec<(&m::Instance, (&str, bool))> = live
        .iter()
        .map(|l| (l.inst, (l.place.as_str(), l.inst.platform.as_deref().is_some_and(|p| p.eq_ignore_ascii_case("windows")))))
        .collect();
    let mut firsts: HashMap<&(&str, bool), &m::Instance> = HashMap::new();
    for (inst, key) in &placed {
        firsts.entry(key).or_insert(inst);
    }
    let by_place: HashMap<&(&str, bool), (&str, RepositoryPath)> =
        firsts.into_par_iter().map(|(key, inst)| (key, (inst.id.as_str(), repository_path(engine, config, inst, key.1)))).collect();
    // Where a place fails, each of its other instances is explained with its own paths.
    let failing: Vec<(&m::Instance, bool)> = placed
        .iter()
        .filter(|(inst, key)| by_place.get(key).is_some_and(|(rep, r)| r.is_err() && *rep != inst.id))
        .map(|(inst, key)| (*inst, key.1))
        .collect();
    let own: HashMap<&str, RepositoryPath> =
        failing.into_par_iter().map(|(inst, windows)| (inst.id.as_str(), repository_path(engine, config, inst, windows))).collect();
    for (inst, key) in &placed {
        let windows = key.1;
        let result = own.get(inst.id.as_str()).or_else(|| by_place.get(key).map(|(_, r)| r));
        if let Some(Err(evidence)) = result {
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

/// A path to the package repositories, or the evidence that there is none.
type RepositoryPath = Result<(), serde_json::Value>;

/// Whether `inst` reaches its package repositories on tcp/443, or the evidence that it does not.
fn repository_path(engine: &Engine, config: &Config, inst: &m::Instance, windows: bool) -> RepositoryPath {
    let from = Spec::Instance(inst.id.clone());
    if !config.patching.repositories.is_empty() {
        let mut failed = Vec::new();
        for n in &config.patching.repositories {
            let to = Spec::Network(n.clone());
            if reaches(engine, &from, &to, Protocol::Tcp, Some(443)) {
                continue;
            }
            let a = reach(engine, &from, &to, Protocol::Tcp, Some(443), &inst.id, n);
            failed.push(json!({ "repository": n, "blocked": a.blocked, "unknowns": a.unknowns }));
        }
        return if failed.is_empty() { Ok(()) } else { Err(json!({ "repositories": failed })) };
    }
    if windows {
        if reaches(engine, &from, &Spec::Internet, Protocol::Tcp, Some(443)) {
            return Ok(());
        }
        let a = reach(engine, &from, &Spec::Internet, Protocol::Tcp, Some(443), &inst.id, "internet");
        return Err(json!({ "repository": "Windows Update (internet)", "blocked": a.blocked }));
    }
    if reaches_service(engine, &from, &inst.id, "s3") {
        return Ok(());
    }
    let n = derive(engine, &from, &inst.id, "s3", None);
    Err(json!({ "repository": n.service, "blocked": n.blocked, "unknowns": n.unknowns }))
}

/// KBN-OPS-005: Patch Manager's patch state of every live instance where it was collected.
fn patch_compliance(twin: &m::Twin, live: &[Live], out: &mut GroupReport) {
    let p = &twin.patching;
    if p.scopes.is_empty() && p.states.is_empty() {
        out.skipped.push((PATCH_COMPLIANCE, "no patch states in the input (aws ssm describe-instance-patch-states)".into()));
        return;
    }
    for inst in live.iter().map(|l| l.inst) {
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
    let live = live_instances(twin, &Places::new(&engine.ix));
    // Side by side; the reports are appended in catalogue order.
    let (mut out, (admin, patch)) = rayon::join(
        || group(|out| session_manager(engine, access, &live, out)),
        || {
            rayon::join(
                || {
                    group(|out| {
                        broad_admin_ports(twin, &live, out);
                        bastions(&live, exposure, out);
                    })
                },
                || group(|out| patch_repositories(engine, config, &live, out)),
            )
        },
    );
    out.append(admin);
    out.append(patch);
    patch_compliance(twin, &live, &mut out);
    out
}

/// The report `checks` write.
fn group(checks: impl FnOnce(&mut GroupReport)) -> GroupReport {
    let mut out = GroupReport::default();
    checks(&mut out);
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
