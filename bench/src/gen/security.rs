//! Security groups and network ACLs for one VPC, drawn from the rule mixes real estates show:
//! web/database/admin ports, corporate, VPC, on-premises and (rarely) internet sources,
//! group-to-group references, mostly open egress, and a custom NACL with ordered allow/deny
//! entries and ephemeral-port return rules in about one VPC in five.

use super::addr::{Cidr, ANY, CORPORATE, ONPREM};
use super::ids::IdGen;
use super::model::{Nacl, NaclEntry, Permission, Proto, SecurityGroup, SubnetRole, Vpc};
use rand::seq::SliceRandom;
use rand::Rng;

/// Indices of the well-known groups in the vector [`security_groups`] returns.
pub const SG_DEFAULT: usize = 0;
pub const SG_APP_HTTPS: usize = 1;
pub const SG_ENDPOINTS: usize = 2;

/// The VPC's security groups and which of them instances may wear.
#[derive(Debug)]
pub struct GroupPlan {
    pub groups: Vec<SecurityGroup>,
    /// The internet-facing group (only in VPCs with an internet gateway).
    pub web: Option<usize>,
    /// Groups for app-tier instances (includes `default` and `app-https`).
    pub workload: Vec<usize>,
}

/// Services a rule can open: (protocol, from, to).
const SERVICES: &[(Proto, i32, i32)] = &[
    (Proto::Tcp, 443, 443),
    (Proto::Tcp, 80, 80),
    (Proto::Tcp, 22, 22),
    (Proto::Tcp, 3306, 3306),
    (Proto::Tcp, 5432, 5432),
    (Proto::Tcp, 8080, 8090),
    (Proto::Udp, 53, 53),
    (Proto::Icmp, 8, -1),
    (Proto::Icmp, -1, -1),
];

const ROLES: &[&str] = &["api", "db", "cache", "batch", "worker", "mgmt", "monitoring", "ldap", "kafka", "web", "jenkins", "search"];

fn all_traffic(cidr: Cidr) -> Permission {
    Permission { proto: Proto::All, ports: None, cidrs: vec![(cidr, None)], groups: vec![] }
}

fn open(proto: Proto, from: i32, to: i32, cidr: Cidr, note: Option<&'static str>) -> Permission {
    Permission { proto, ports: Some((from, to)), cidrs: vec![(cidr, note)], groups: vec![] }
}

/// Adds a source to `perms`, merging into an existing permission for the same service as
/// AWS does.
fn add_rule(perms: &mut Vec<Permission>, service: (Proto, i32, i32), source: Source) {
    let (proto, from, to) = service;
    let idx = match perms.iter().position(|p| p.proto == proto && p.ports == Some((from, to))) {
        Some(i) => i,
        None => {
            perms.push(Permission { proto, ports: Some((from, to)), cidrs: vec![], groups: vec![] });
            perms.len() - 1
        }
    };
    let p = &mut perms[idx];
    match source {
        Source::Cidr(c, note) => {
            if !p.cidrs.iter().any(|(x, _)| *x == c) {
                p.cidrs.push((c, note));
            }
        }
        Source::Group(g) => {
            if !p.groups.contains(&g) {
                p.groups.push(g);
            }
        }
    }
}

enum Source {
    Cidr(Cidr, Option<&'static str>),
    Group(usize),
}

fn pick_source(rng: &mut impl Rng, vpc: Cidr, existing_groups: usize) -> Source {
    match rng.gen_range(0..100) {
        0..=24 => Source::Cidr(CORPORATE, Some("corporate network")),
        25..=49 => Source::Cidr(vpc, None),
        50..=74 => Source::Group(rng.gen_range(0..existing_groups)),
        75..=89 => Source::Cidr(ONPREM, Some("on-premises")),
        90..=94 => Source::Cidr(ANY, None),
        _ => {
            // a /24 inside the VPC's app range
            let off = 2048 + rng.gen_range(0..8u32) * 256;
            Source::Cidr(vpc.sub(off, 24), None)
        }
    }
}

/// Builds 5–10 groups for a VPC: `default`, `app-https`, `vpce-https`, `web-public` (with
/// an internet gateway) and workload groups with 2–8 ingress rules each.
pub fn security_groups(rng: &mut impl Rng, ids: &mut IdGen, vpc_name: &str, vpc: Cidr, has_igw: bool) -> GroupPlan {
    let mut groups = Vec::new();
    let new_group = |ids: &mut IdGen, name: String, description: String| SecurityGroup {
        id: ids.next("sg"),
        name,
        description,
        ingress: vec![],
        egress: vec![all_traffic(ANY)],
    };

    let mut default = new_group(ids, "default".into(), "default VPC security group".into());
    default.ingress.push(Permission { proto: Proto::All, ports: None, cidrs: vec![], groups: vec![SG_DEFAULT] });
    groups.push(default);

    let mut https = new_group(ids, format!("{vpc_name}-app-https"), "HTTPS from the corporate network".into());
    https.ingress.push(open(Proto::Tcp, 443, 443, CORPORATE, Some("corporate network")));
    https.ingress.push(open(Proto::Tcp, 80, 80, vpc, None));
    groups.push(https);

    let mut vpce = new_group(ids, format!("{vpc_name}-vpce-https"), "Interface endpoints".into());
    vpce.ingress.push(open(Proto::Tcp, 443, 443, vpc, None));
    groups.push(vpce);

    let web = if has_igw {
        let mut web = new_group(ids, format!("{vpc_name}-web-public"), "Public web tier".into());
        web.ingress.push(open(Proto::Tcp, 443, 443, ANY, None));
        web.ingress.push(open(Proto::Tcp, 80, 80, ANY, None));
        if rng.gen_bool(0.25) {
            web.ingress.push(open(Proto::Tcp, 22, 22, ANY, Some("temporary ssh")));
        }
        groups.push(web);
        Some(groups.len() - 1)
    } else {
        None
    };

    let total = rng.gen_range(5..=10usize).max(groups.len() + 1);
    let mut workload = vec![SG_DEFAULT, SG_APP_HTTPS];
    let mut roles: Vec<&str> = ROLES.to_vec();
    roles.shuffle(rng);
    for (i, role) in roles.iter().cycle().take(total - groups.len()).enumerate() {
        let mut g = new_group(ids, format!("{vpc_name}-{role}-{i}"), format!("{role} tier"));
        let n_rules = rng.gen_range(2..=8);
        let existing = groups.len() + 1; // may reference itself
        for _ in 0..n_rules {
            let service = SERVICES[rng.gen_range(0..SERVICES.len())];
            let source = pick_source(rng, vpc, existing);
            add_rule(&mut g.ingress, service, source);
        }
        if rng.gen_bool(0.2) {
            g.egress = vec![
                open(Proto::Tcp, 443, 443, ANY, None),
                open(Proto::Tcp, 5432, 5432, vpc, None),
                open(Proto::Udp, 53, 53, vpc, None),
                open(Proto::Tcp, 1024, 65535, CORPORATE, None),
            ];
        }
        groups.push(g);
        workload.push(groups.len() - 1);
    }
    GroupPlan { groups, web, workload }
}

/// The default NACL: allow everything both ways (rules 100 and the implicit 32767 deny).
pub fn default_nacl(ids: &mut IdGen) -> Nacl {
    let mut entries = Vec::new();
    for egress in [true, false] {
        entries.push(entry(100, egress, true, Proto::All, None, ANY));
        entries.push(entry(32767, egress, false, Proto::All, None, ANY));
    }
    Nacl { id: ids.next("acl"), default: true, entries, assocs: vec![] }
}

fn entry(number: u16, egress: bool, allow: bool, proto: Proto, ports: Option<(u16, u16)>, cidr: Cidr) -> NaclEntry {
    NaclEntry { number, egress, allow, proto, ports, cidr }
}

/// A hardened NACL for app subnets: ordered allows and denies, ephemeral return ports.
/// Always admits tcp/443 from the corporate network (the benchmark's reach query needs it).
pub fn custom_nacl(rng: &mut impl Rng, ids: &mut IdGen, vpc: Cidr) -> Nacl {
    let tcp = Proto::Tcp;
    let mut e = vec![
        entry(100, false, true, tcp, Some((443, 443)), CORPORATE),
        entry(110, false, true, tcp, Some((22, 22)), ONPREM),
        entry(120, false, false, tcp, Some((22, 22)), ANY),
        entry(140, false, true, tcp, Some((1024, 65535)), ANY),
        entry(150, false, true, Proto::Udp, Some((53, 53)), vpc),
        entry(200, false, true, Proto::All, None, vpc),
        entry(32767, false, false, Proto::All, None, ANY),
        entry(100, true, true, Proto::All, None, CORPORATE),
        entry(110, true, true, tcp, Some((443, 443)), ANY),
        entry(120, true, true, tcp, Some((80, 80)), ANY),
        entry(130, true, true, tcp, Some((1024, 65535)), ANY),
        entry(32767, true, false, Proto::All, None, ANY),
    ];
    if rng.gen_bool(0.5) {
        e.push(entry(130, false, false, tcp, Some((3389, 3389)), ANY));
    }
    if rng.gen_bool(0.5) {
        e.push(entry(160, false, true, Proto::Icmp, None, CORPORATE));
    }
    if rng.gen_bool(0.3) {
        e.push(entry(105, false, false, tcp, Some((5432, 5432)), ONPREM));
    }
    if rng.gen_bool(0.5) {
        e.push(entry(140, true, true, Proto::Udp, Some((53, 53)), ANY));
    }
    e.sort_by_key(|x| (!x.egress, x.number));
    Nacl { id: ids.next("acl"), default: false, entries: e, assocs: vec![] }
}

/// Gives VPC `v` its default NACL and, in about one VPC in five (never the egress VPC), a
/// custom NACL on the app subnets.
pub fn attach_nacls(rng: &mut impl Rng, ids: &mut IdGen, v: &mut Vpc, egress_vpc: bool) {
    let mut default = default_nacl(ids);
    let custom = (!egress_vpc && rng.gen_bool(0.2)).then(|| custom_nacl(rng, ids, v.cidr));
    let mut custom_assocs = Vec::new();
    for (i, s) in v.subnets.iter().enumerate() {
        let assoc = (i, ids.next("aclassoc"));
        if custom.is_some() && s.role == SubnetRole::App {
            custom_assocs.push(assoc);
        } else {
            default.assocs.push(assoc);
        }
    }
    v.nacls.push(default);
    if let Some(mut c) = custom {
        c.assocs = custom_assocs;
        v.nacls.push(c);
    }
}
