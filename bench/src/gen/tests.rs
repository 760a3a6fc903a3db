//! Tests of the generator: determinism, size, referential integrity of the written JSON,
//! address-plan disjointness and the TGW segmentation the benchmark relies on.

use super::addr::{self, Cidr, MAX_VPCS};
use super::model::{Env, TgwTarget, TABLE_DEV, TABLE_PROD};
use super::{generate, topology, GenOptions};
use crate::parse_floor::json_files;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("koban-bench-test-{}-{name}-{:?}", std::process::id(), std::thread::current().id()));
        let _ = std::fs::remove_dir_all(&p);
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn gen(enis: usize, seed: u64, out: &Path) -> super::Summary {
    generate(&GenOptions { enis, seed, out: out.to_path_buf(), propagated_routes: false, force: false }).expect("generate")
}

fn read_all(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    json_files(dir)
        .unwrap()
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

fn parse_cidr(s: &str) -> Cidr {
    let (ip, len) = s.split_once('/').expect("cidr");
    let ip: std::net::Ipv4Addr = ip.parse().expect("ip");
    Cidr { base: u32::from(ip), len: len.parse().expect("len") }
}

#[test]
fn same_seed_gives_identical_bytes() {
    let (a, b, c) = (TempDir::new("a"), TempDir::new("b"), TempDir::new("c"));
    let sa = gen(1000, 42, &a.0);
    let sb = gen(1000, 42, &b.0);
    gen(1000, 43, &c.0);
    assert_eq!(sa, sb);
    let (fa, fb) = (read_all(&a.0), read_all(&b.0));
    assert_eq!(fa.len(), sa.files);
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (path, bytes) in &fa {
        assert!(bytes == &fb[path], "{} differs", path.display());
    }
    assert_ne!(fa, read_all(&c.0), "another seed should give another org");
}

#[test]
fn eni_count_is_within_two_percent() {
    for n in [100, 1000, 2500, 10_000, 100_000] {
        let org = topology::build(n, 7).unwrap();
        let enis: usize = org.vpcs.iter().map(|v| v.enis.len()).sum();
        let dev = (enis as f64 - n as f64).abs() / n as f64;
        assert!(dev <= 0.02, "{n} ENIs requested, {enis} generated");
        let (vpcs, accounts) = topology::scale(n);
        assert_eq!(org.vpcs.len(), vpcs);
        assert_eq!(org.accounts.len(), accounts);
    }
    let (vpcs, accounts) = topology::scale(100_000);
    assert_eq!((vpcs, accounts), (2000, 50));
}

#[test]
fn too_large_is_an_error_not_a_panic() {
    assert!(topology::build(MAX_VPCS * 50 + 50, 1).is_err());
    assert!(topology::build(0, 1).is_err());
}

#[test]
fn vpc_cidrs_never_overlap() {
    let mut all: Vec<Cidr> = (0..MAX_VPCS).map(addr::vpc_cidr).collect();
    all.sort();
    for w in all.windows(2) {
        assert!(!w[0].overlaps(w[1]), "{} overlaps {}", w[0], w[1]);
    }
    assert!(all.iter().all(|c| addr::CORPORATE.contains(c.base) && addr::CORPORATE.contains(c.last())));
}

/// Ids defined anywhere in the snapshot, by kind, and every reference checked against them.
#[derive(Default)]
struct Index {
    defined: BTreeMap<&'static str, HashSet<String>>,
}

impl Index {
    fn define(&mut self, kind: &'static str, id: &Value) {
        let id = id.as_str().unwrap_or_else(|| panic!("{kind} id missing"));
        assert!(self.defined.entry(kind).or_default().insert(id.to_string()), "duplicate {kind} {id}");
    }
    fn check(&self, kind: &str, id: &Value, what: &str) {
        let id = id.as_str().unwrap_or_else(|| panic!("{what}: no {kind} id"));
        assert!(self.defined.get(kind).is_some_and(|s| s.contains(id)), "{what} refers to unknown {kind} {id}");
    }
}

fn items<'a>(docs: &'a [(PathBuf, Value)], key: &str) -> Vec<&'a Value> {
    docs.iter().filter_map(|(_, d)| d.get(key)).flat_map(|v| v.as_array().unwrap().iter()).collect()
}

#[test]
fn every_reference_resolves_and_addresses_fit() {
    let dir = TempDir::new("refs");
    let summary = gen(1000, 11, &dir.0);
    let docs: Vec<(PathBuf, Value)> = read_all(&dir.0).into_iter().map(|(p, b)| (p, serde_json::from_slice(&b).unwrap())).collect();
    let mut ix = Index::default();
    let mut vpc_cidrs = Vec::new();
    for v in items(&docs, "Vpcs") {
        ix.define("vpc", &v["VpcId"]);
        vpc_cidrs.push(parse_cidr(v["CidrBlock"].as_str().unwrap()));
    }
    let mut subnet_cidr = BTreeMap::new();
    for s in items(&docs, "Subnets") {
        ix.define("subnet", &s["SubnetId"]);
        subnet_cidr.insert(s["SubnetId"].as_str().unwrap().to_string(), parse_cidr(s["CidrBlock"].as_str().unwrap()));
    }
    for (key, kind, id) in [
        ("SecurityGroups", "sg", "GroupId"),
        ("NetworkInterfaces", "eni", "NetworkInterfaceId"),
        ("InternetGateways", "igw", "InternetGatewayId"),
        ("NatGateways", "nat", "NatGatewayId"),
        ("VpcEndpoints", "vpce", "VpcEndpointId"),
        ("TransitGateways", "tgw", "TransitGatewayId"),
        ("TransitGatewayAttachments", "tgw-attach", "TransitGatewayAttachmentId"),
        ("TransitGatewayRouteTables", "tgw-rtb", "TransitGatewayRouteTableId"),
        ("VpnConnections", "vpn", "VpnConnectionId"),
        ("CustomerGateways", "cgw", "CustomerGatewayId"),
        ("RouteTables", "rtb", "RouteTableId"),
        ("NetworkAcls", "acl", "NetworkAclId"),
    ] {
        for it in items(&docs, key) {
            ix.define(kind, &it[id]);
        }
    }
    for r in items(&docs, "Reservations") {
        for i in r["Instances"].as_array().unwrap() {
            ix.define("i", &i["InstanceId"]);
        }
    }

    // VPC CIDRs are disjoint
    for (i, a) in vpc_cidrs.iter().enumerate() {
        for b in &vpc_cidrs[i + 1..] {
            assert!(!a.overlaps(*b), "VPC {a} overlaps {b}");
        }
    }
    for s in items(&docs, "Subnets") {
        ix.check("vpc", &s["VpcId"], "subnet");
    }
    for t in items(&docs, "RouteTables") {
        ix.check("vpc", &t["VpcId"], "route table");
        for a in t["Associations"].as_array().unwrap() {
            if let Some(s) = a.get("SubnetId") {
                ix.check("subnet", s, "route table association");
            }
        }
        for r in t["Routes"].as_array().unwrap() {
            let what = format!("route {}", r["DestinationCidrBlock"]);
            if let Some(g) = r.get("GatewayId").filter(|g| *g != "local") {
                ix.check("igw", g, &what);
            }
            if let Some(n) = r.get("NatGatewayId") {
                ix.check("nat", n, &what);
            }
            if let Some(t) = r.get("TransitGatewayId") {
                ix.check("tgw", t, &what);
            }
        }
    }
    let mut nacl_subnets = HashSet::new();
    for n in items(&docs, "NetworkAcls") {
        ix.check("vpc", &n["VpcId"], "nacl");
        for a in n["Associations"].as_array().unwrap() {
            ix.check("subnet", &a["SubnetId"], "nacl association");
            assert!(nacl_subnets.insert(a["SubnetId"].as_str().unwrap().to_string()));
        }
    }
    assert_eq!(nacl_subnets.len(), subnet_cidr.len(), "every subnet has one NACL");
    for g in items(&docs, "SecurityGroups") {
        for p in g["IpPermissions"].as_array().unwrap().iter().chain(g["IpPermissionsEgress"].as_array().unwrap()) {
            for pair in p["UserIdGroupPairs"].as_array().unwrap() {
                ix.check("sg", &pair["GroupId"], "security group reference");
            }
        }
    }
    let check_groups = |ix: &Index, groups: &Value, what: &str| {
        for g in groups.as_array().unwrap() {
            ix.check("sg", &g["GroupId"], what);
        }
    };
    for e in items(&docs, "NetworkInterfaces") {
        ix.check("subnet", &e["SubnetId"], "eni");
        ix.check("vpc", &e["VpcId"], "eni");
        check_groups(&ix, &e["Groups"], "eni");
        if let Some(i) = e["Attachment"].get("InstanceId") {
            ix.check("i", i, "eni attachment");
        }
        let cidr = subnet_cidr[e["SubnetId"].as_str().unwrap()];
        for ip in e["PrivateIpAddresses"].as_array().unwrap() {
            let ip: std::net::Ipv4Addr = ip["PrivateIpAddress"].as_str().unwrap().parse().unwrap();
            assert!(cidr.contains(u32::from(ip)), "{ip} outside {cidr}");
        }
    }
    for r in items(&docs, "Reservations") {
        for i in r["Instances"].as_array().unwrap() {
            ix.check("subnet", &i["SubnetId"], "instance");
            check_groups(&ix, &i["SecurityGroups"], "instance");
            for n in i["NetworkInterfaces"].as_array().unwrap() {
                ix.check("eni", &n["NetworkInterfaceId"], "instance eni");
            }
        }
    }
    for n in items(&docs, "NatGateways") {
        ix.check("subnet", &n["SubnetId"], "nat");
        for a in n["NatGatewayAddresses"].as_array().unwrap() {
            ix.check("eni", &a["NetworkInterfaceId"], "nat address");
        }
    }
    for e in items(&docs, "VpcEndpoints") {
        check_groups(&ix, &e["Groups"], "endpoint");
        for s in e["SubnetIds"].as_array().unwrap() {
            ix.check("subnet", s, "endpoint");
        }
        for n in e["NetworkInterfaceIds"].as_array().unwrap() {
            ix.check("eni", n, "endpoint");
        }
    }
    for a in items(&docs, "TransitGatewayVpcAttachments") {
        ix.check("tgw-attach", &a["TransitGatewayAttachmentId"], "vpc attachment");
        ix.check("tgw", &a["TransitGatewayId"], "vpc attachment");
        ix.check("vpc", &a["VpcId"], "vpc attachment");
        for s in a["SubnetIds"].as_array().unwrap() {
            ix.check("subnet", s, "vpc attachment");
        }
    }
    for a in items(&docs, "TransitGatewayAttachments") {
        let kind = if a["ResourceType"] == "vpc" { "vpc" } else { "vpn" };
        ix.check(kind, &a["ResourceId"], "tgw attachment");
        ix.check("tgw-rtb", &a["Association"]["TransitGatewayRouteTableId"], "tgw association");
    }
    for v in items(&docs, "VpnConnections") {
        ix.check("cgw", &v["CustomerGatewayId"], "vpn");
        ix.check("tgw", &v["TransitGatewayId"], "vpn");
    }
    // per-table route and propagation files
    let mut tables_seen = 0;
    for (path, doc) in &docs {
        let parent = path.parent().and_then(|p| p.file_name());
        let table = path.file_stem().map(|s| s.to_string_lossy().to_string());
        let table = Value::String(table.unwrap_or_default());
        if parent.is_some_and(|p| p == "TransitGatewayRoutes") {
            tables_seen += 1;
            ix.check("tgw-rtb", &table, "routes file");
            for r in doc["Routes"].as_array().unwrap() {
                for a in r.get("TransitGatewayAttachments").and_then(Value::as_array).into_iter().flatten() {
                    ix.check("tgw-attach", &a["TransitGatewayAttachmentId"], "tgw route");
                }
            }
        }
        if parent.is_some_and(|p| p == "TransitGatewayPropagations") {
            ix.check("tgw-rtb", &table, "propagations file");
            for p in doc["TransitGatewayRouteTablePropagations"].as_array().unwrap() {
                ix.check("tgw-attach", &p["TransitGatewayAttachmentId"], "propagation");
                ix.check("vpc", &p["ResourceId"], "propagation");
            }
        }
    }
    assert_eq!(tables_seen, 4);
    let q = &docs.iter().find(|(p, _)| p == Path::new("bench-queries.json")).expect("bench-queries.json").1;
    for key in ["reach_from", "reach_to", "isolated_from", "isolated_to"] {
        ix.check("i", &q[key], key);
    }
    assert_ne!(q["reach_from"], q["reach_to"]);
    assert_eq!(ix.defined["eni"].len(), summary.enis);
}

#[test]
fn prod_and_dev_are_segmented_on_the_transit_gateway() {
    let org = topology::build(10_000, 3).unwrap();
    let t = &org.transit;
    for (table, other) in [(TABLE_PROD, Env::Dev), (TABLE_DEV, Env::Prod)] {
        assert!(t.tables[table].propagations.iter().all(|&k| org.vpcs[k].env != other));
        assert!(t.tables[table].static_routes.iter().any(|r| r.dest == addr::CORPORATE && matches!(r.target, TgwTarget::Blackhole)));
    }
    // the reach query stays on one table, in another VPC, from the second account
    let find = |id: &str| org.vpcs.iter().position(|v| v.instances.iter().any(|i| i.id == id)).unwrap();
    let (src, dst) = (find(&org.queries.reach_from), find(&org.queries.reach_to));
    assert_ne!(src, dst);
    assert_eq!(org.vpcs[src].account, 1);
    assert_eq!(org.vpcs[src].attachment.table, org.vpcs[dst].attachment.table);
}
