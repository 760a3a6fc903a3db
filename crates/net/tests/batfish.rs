//! The traces Batfish asserts on its AWS snapshots (`../shared/corpora/batfish-aws/EXPECTED.md`)
//! and the pybatfish hybrid-cloud notebook answers (`../shared/corpora/pybatfish-hybrid-cloud/
//! EXPECTED.md`), reproduced by koban: disposition and hop sequence by resource id.
//!
//! Hop lists are compared after mapping koban's hops onto Batfish's node names: Batfish's
//! `isp_16509` (the AWS backbone) has no koban counterpart and is dropped from the expected
//! lists; koban's Transit Gateway attachment, VPN connection, external network and inspection
//! appliance hops have no Batfish node and are dropped from koban's; an interface endpoint is
//! named `<vpce>-<subnet>` and a Direct Connect gateway `dxgw-<id>` as Batfish names them.
//! Batfish's "any flow" is IP protocol 0, which the security groups of these snapshots refuse;
//! the cases below use TCP/22 (which they admit) wherever Batfish's point is the path up to
//! the instance, and protocol 0 where the point is the refusal.

use koban_model::{ExternalNetwork, Twin};
use koban_net::reach::{reach, traffic, Protocol};
use koban_net::space::{Cube, PacketSet, DPORT, DST, PROTO, SPORT, SRC};
use koban_net::spec::Spec;
use koban_net::trace::{Collect, HopType, Leaf, Outcome};
use koban_net::Engine;
use std::net::Ipv4Addr;
use std::path::PathBuf;

fn corpora() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora")
}

fn load(rel: &str, networks: &[(&str, &[&str], &[&str])]) -> Twin {
    let mut t = koban_ingest::load_snapshot(&[corpora().join(rel)]).unwrap_or_else(|e| panic!("{rel}: {e}"));
    for (name, cidrs, via) in networks {
        t.networks.insert(
            name.to_string(),
            ExternalNetwork {
                name: name.to_string(),
                cidrs: cidrs.iter().map(|c| c.parse().unwrap()).collect(),
                via: via.iter().map(|v| v.to_string()).collect(),
            },
        );
    }
    t
}

fn bf(rel: &str) -> Twin {
    load(&format!("batfish-aws/representation/aws/{rel}"), &[])
}

fn ip(s: &str) -> u32 {
    u32::from(s.parse::<Ipv4Addr>().unwrap())
}

/// Packets of one Batfish flow: protocol 0 ("any flow") or TCP to a port from 49152.
fn flow(src: Option<&str>, dst: &str, tcp_port: Option<u16>) -> PacketSet {
    let d = ip(dst);
    let mut c = Cube::ALL.with(DST, d, d);
    if let Some(s) = src {
        c = c.with(SRC, ip(s), ip(s));
    }
    c = match tcp_port {
        Some(p) => c.with(PROTO, 6, 6).with(SPORT, 49152, 49152).with(DPORT, p as u32, p as u32),
        None => c.with(PROTO, 0, 0),
    };
    PacketSet::from_cube(c)
}

/// Where a forward trace starts.
enum From<'a> {
    Instance(&'a str),
    Internet,
    Host(&'a str),
    Network(&'a str),
}

fn trace(t: &Twin, from: From, packets: &PacketSet) -> Vec<Leaf> {
    let engine = Engine::new(t);
    let mut sink = Collect::default();
    {
        let mut w = engine.walk(&mut sink, None);
        match from {
            From::Instance(i) => {
                let inst = &t.instances[i];
                for e in &inst.network_interfaces {
                    let eni = &t.network_interfaces[e];
                    let src = u32::from(eni.private_ips[0]);
                    w.from_interface(eni, &packets.restrict(SRC, src, src));
                }
            }
            From::Internet => w.from_internet(packets),
            From::Host(subnet) => w.from_subnet_host(&t.subnets[subnet], packets),
            From::Network(n) => w.from_network(&t.networks[n], packets),
        }
    }
    sink.leaves
}

/// koban's hops under Batfish's names.
fn batfish_names(t: &Twin, leaf: &Leaf) -> Vec<String> {
    leaf.path
        .hops
        .iter()
        .filter_map(|h| match h.hop_type {
            HopType::TransitGatewayAttachment | HopType::VpnConnection | HopType::ExternalNetwork | HopType::InspectionAppliance => None,
            HopType::InterfaceEndpoint => {
                let subnet = h.interface.as_ref().and_then(|e| t.network_interfaces.get(e)).map(|e| e.subnet.clone()).unwrap_or_default();
                Some(format!("{}-{subnet}", h.resource))
            }
            HopType::DirectConnectGateway => Some(format!("dxgw-{}", h.resource)),
            _ => Some(h.resource.clone()),
        })
        .collect()
}

fn expected(hops: &str) -> Vec<String> {
    hops.split_whitespace().filter(|h| *h != "->" && *h != "isp_16509").map(str::to_string).collect()
}

/// Assert a forward trace has a leaf that ends as `end` with the given hops.
fn assert_trace(t: &Twin, case: &str, from: From, packets: PacketSet, end: &str, hops: &str) {
    let leaves = trace(t, from, &packets);
    let want = expected(hops);
    let found = leaves.iter().any(|l| {
        let ok_end = match (&l.outcome, end) {
            (Outcome::Delivered { .. }, "ACCEPTED") => true,
            (Outcome::Exited { .. }, "EXITS_NETWORK") => true,
            (Outcome::Blocked { at, .. }, e) => e.strip_prefix("BLOCKED@").map(|x| x == at).unwrap_or(false),
            _ => false,
        };
        ok_end && batfish_names(t, l) == want
    });
    let got: Vec<String> = leaves.iter().map(|l| format!("{:?} {:?}", l.outcome, batfish_names(t, l))).collect();
    assert!(found, "{case}: expected {end} with hops {want:?}; got:\n  {}", got.join("\n  "));
}

// ------------------------------------------------------------------ §1 test-subnet

#[test]
fn s1_same_subnet_and_null_route() {
    let t = bf("test-subnet");
    // 1.1: same subnet, no subnet hop; protocol 0 refused by the destination's security group
    assert_trace(
        &t,
        "1.1",
        From::Instance("i-08ef86e76fceabd8d"),
        flow(None, "10.10.1.44", None),
        "BLOCKED@eni-029bf1092de61fb40",
        "i-08ef86e76fceabd8d -> i-07519d6ba3f9497e4",
    );
    assert_trace(
        &t,
        "1.1/tcp22",
        From::Instance("i-08ef86e76fceabd8d"),
        flow(None, "10.10.1.44", Some(22)),
        "ACCEPTED",
        "i-08ef86e76fceabd8d -> i-07519d6ba3f9497e4",
    );
    // 1.2: in the VPC CIDR, in no subnet
    assert_trace(
        &t,
        "1.2",
        From::Instance("i-08ef86e76fceabd8d"),
        flow(None, "10.10.0.1", None),
        "BLOCKED@vpc-062867d29dbf9386f",
        "i-08ef86e76fceabd8d -> subnet-06c8307e34ffadb04 -> vpc-062867d29dbf9386f",
    );
}

// ------------------------------------------------------------------ §2 test-public-subnet

#[test]
fn s2_public_subnet() {
    let t = bf("test-public-subnet");
    let i = "i-06669a407b2ef3ae5";
    assert_trace(
        &t,
        "2.1",
        From::Internet,
        flow(Some("8.8.8.8"), "18.216.80.133", Some(80)),
        "BLOCKED@eni-00064850627e198ee",
        "internet -> isp_16509 -> igw-0a409e562d251f766 -> vpc-0672bce73895d7252 -> subnet-0bb82ae8b3ea5dc78 -> i-06669a407b2ef3ae5",
    );
    assert_trace(
        &t,
        "2.1/tcp22",
        From::Internet,
        flow(Some("8.8.8.8"), "18.216.80.133", Some(22)),
        "ACCEPTED",
        "internet -> isp_16509 -> igw-0a409e562d251f766 -> vpc-0672bce73895d7252 -> subnet-0bb82ae8b3ea5dc78 -> i-06669a407b2ef3ae5",
    );
    assert_trace(&t, "2.3", From::Internet, flow(Some("8.8.8.8"), "10.0.0.91", None), "BLOCKED@internet", "internet");
    assert_trace(&t, "2.4", From::Internet, flow(Some("8.8.8.8"), "192.18.0.8", None), "EXITS_NETWORK", "internet");
    assert_trace(
        &t,
        "2.5",
        From::Instance(i),
        flow(None, "8.8.8.8", None),
        "EXITS_NETWORK",
        "i-06669a407b2ef3ae5 -> subnet-0bb82ae8b3ea5dc78 -> vpc-0672bce73895d7252 -> igw-0a409e562d251f766 -> isp_16509 -> internet",
    );
    assert_trace(
        &t,
        "2.6",
        From::Host("subnet-0bb82ae8b3ea5dc78"),
        flow(Some("10.0.0.92"), "8.8.8.8", Some(80)),
        "BLOCKED@igw-0a409e562d251f766",
        "subnet-0bb82ae8b3ea5dc78 -> vpc-0672bce73895d7252 -> igw-0a409e562d251f766",
    );
    // 2.5's source is translated at the internet gateway
    let leaves = trace(&t, From::Instance(i), &flow(None, "8.8.8.8", None));
    let out = leaves.iter().find(|l| matches!(&l.outcome, Outcome::Exited { to } if to == "internet")).unwrap();
    assert_eq!(out.set.project(SRC), vec![(ip("18.216.80.133"), ip("18.216.80.133"))]);
}

// ------------------------------------------------------------------ §3 test-public-private-subnet

#[test]
fn s3_public_private_subnets_and_vgw() {
    let t = bf("test-public-private-subnet");
    let private = "i-099cf38911942421c";
    let public = "i-094a9e5b545a4fde4";
    let vgw_path = "i-099cf38911942421c -> subnet-0f263105946ad1a1d -> vpc-0b966fdeb36d5e43f -> vgw-070087240d6fa2989";
    assert_trace(&t, "3.1", From::Instance(private), flow(None, "13.58.55.60", None), "BLOCKED@vgw-070087240d6fa2989", vgw_path);
    assert_trace(
        &t,
        "3.2",
        From::Instance(private),
        flow(None, "10.0.0.47", Some(22)),
        "ACCEPTED",
        "i-099cf38911942421c -> subnet-0f263105946ad1a1d -> vpc-0b966fdeb36d5e43f -> subnet-0cf7a93fbd779f3a3 -> i-094a9e5b545a4fde4",
    );
    assert_trace(
        &t,
        "3.3",
        From::Instance(public),
        flow(None, "10.0.1.204", Some(22)),
        "ACCEPTED",
        "i-094a9e5b545a4fde4 -> subnet-0cf7a93fbd779f3a3 -> vpc-0b966fdeb36d5e43f -> subnet-0f263105946ad1a1d -> i-099cf38911942421c",
    );
    assert_trace(
        &t,
        "3.4",
        From::Internet,
        flow(Some("8.8.8.8"), "13.58.55.60", Some(22)),
        "ACCEPTED",
        "internet -> isp_16509 -> igw-0eac198308206c358 -> vpc-0b966fdeb36d5e43f -> subnet-0cf7a93fbd779f3a3 -> i-094a9e5b545a4fde4",
    );
    assert_trace(&t, "3.5", From::Internet, flow(Some("8.8.8.8"), "10.0.0.47", None), "BLOCKED@internet", "internet");
    assert_trace(
        &t,
        "3.6",
        From::Instance(public),
        flow(None, "8.8.8.8", None),
        "EXITS_NETWORK",
        "i-094a9e5b545a4fde4 -> subnet-0cf7a93fbd779f3a3 -> vpc-0b966fdeb36d5e43f -> igw-0eac198308206c358 -> isp_16509 -> internet",
    );
    assert_trace(&t, "3.7", From::Instance(private), flow(None, "8.8.8.8", None), "BLOCKED@vgw-070087240d6fa2989", vgw_path);
    assert_trace(
        &t,
        "3.8",
        From::Instance(public),
        flow(None, "19.168.0.0", None),
        "EXITS_NETWORK",
        "i-094a9e5b545a4fde4 -> subnet-0cf7a93fbd779f3a3 -> vpc-0b966fdeb36d5e43f -> igw-0eac198308206c358 -> isp_16509 -> internet",
    );
    assert_trace(&t, "3.9", From::Instance(private), flow(None, "19.168.0.0", None), "EXITS_NETWORK", vgw_path);
}

#[test]
fn s3_traffic_entering_from_the_vgw() {
    // 3.10–3.12 start at the VGW; koban starts from a network reached through it.
    let t =
        load("batfish-aws/representation/aws/test-public-private-subnet", &[("beyond-vgw", &["0.0.0.0/0"], &["vgw-070087240d6fa2989"])]);
    assert_trace(
        &t,
        "3.11",
        From::Network("beyond-vgw"),
        flow(Some("19.168.0.1"), "10.0.0.47", Some(22)),
        "ACCEPTED",
        "vgw-070087240d6fa2989 -> vpc-0b966fdeb36d5e43f -> subnet-0cf7a93fbd779f3a3 -> i-094a9e5b545a4fde4",
    );
    assert_trace(
        &t,
        "3.12",
        From::Network("beyond-vgw"),
        flow(Some("19.168.0.1"), "10.0.1.204", Some(22)),
        "ACCEPTED",
        "vgw-070087240d6fa2989 -> vpc-0b966fdeb36d5e43f -> subnet-0f263105946ad1a1d -> i-099cf38911942421c",
    );
    assert_trace(
        &t,
        "3.10",
        From::Network("beyond-vgw"),
        flow(Some("19.168.0.1"), "13.58.55.60", None),
        "BLOCKED@vgw-070087240d6fa2989",
        "vgw-070087240d6fa2989",
    );
}

// ------------------------------------------------------------------ §4 test-nat-gateway

#[test]
fn s4_nat_gateway() {
    let t = bf("test-nat-gateway");
    let private = "i-0a128d26e59be60f3";
    let fwd = "i-0a128d26e59be60f3 -> subnet-06f469bcee42e408e -> vpc-0008a7b45e3ddf1dd -> nat-07ab4846da51f4612 -> subnet-0428892a357fa1f94 -> vpc-0008a7b45e3ddf1dd -> igw-071753b9c23d8a9b2 -> isp_16509 -> internet";
    assert_trace(&t, "4.1", From::Instance(private), flow(None, "8.8.8.8", Some(80)), "EXITS_NETWORK", fwd);
    // 4.1 bidirectional: the reply returns through the NAT gateway
    let engine = Engine::new(&t);
    let a =
        reach(&engine, &Spec::Instance(private.into()), &Spec::parse("8.8.8.8", &t).unwrap(), Protocol::Tcp, Some(80), private, "8.8.8.8");
    assert!(a.reachable, "{:?}", a.blocked);
    let reply: Vec<&str> = a.paths[0].reply_hops.iter().map(|h| h.resource.as_str()).collect();
    // Batfish: internet, isp, igw, vpc, subnet-0428, nat, vpc, subnet-06f4, i. koban also names
    // the NAT subnet the translated reply leaves (its route table and ACL apply there).
    assert_eq!(
        reply,
        vec![
            "internet",
            "igw-071753b9c23d8a9b2",
            "vpc-0008a7b45e3ddf1dd",
            "subnet-0428892a357fa1f94",
            "nat-07ab4846da51f4612",
            "subnet-0428892a357fa1f94",
            "vpc-0008a7b45e3ddf1dd",
            "subnet-06f469bcee42e408e",
            "i-0a128d26e59be60f3"
        ]
    );
    // 4.2: IP protocol 107 is not translated
    let p107 = PacketSet::from_cube(Cube::ALL.with(DST, ip("8.8.8.8"), ip("8.8.8.8")).with(PROTO, 107, 107));
    assert_trace(
        &t,
        "4.2",
        From::Instance(private),
        p107,
        "BLOCKED@nat-07ab4846da51f4612",
        "i-0a128d26e59be60f3 -> subnet-06f469bcee42e408e -> vpc-0008a7b45e3ddf1dd -> nat-07ab4846da51f4612",
    );
    assert_trace(
        &t,
        "4.3",
        From::Internet,
        flow(Some("8.8.8.8"), "3.135.127.225", Some(80)),
        "BLOCKED@nat-07ab4846da51f4612",
        "internet -> isp_16509 -> igw-071753b9c23d8a9b2 -> vpc-0008a7b45e3ddf1dd -> subnet-0428892a357fa1f94 -> nat-07ab4846da51f4612",
    );
    assert_trace(
        &t,
        "4.4",
        From::Instance("i-0b31b509174d7f5de"),
        flow(None, "10.1.250.210", Some(80)),
        "BLOCKED@nat-07ab4846da51f4612",
        "i-0b31b509174d7f5de -> nat-07ab4846da51f4612",
    );
}

// ------------------------------------------------------------------ §5–§9 transit gateways

const TGW_A_TO_B: &str = "i-06ba034d88c84ef07 -> subnet-006a19c846f047bd7 -> vpc-0404e08ceddf7f650 -> tgw-044be4464fcc69aff -> vpc-00a31ce9d0c06675c -> subnet-0ebf6378a79a3e534 -> i-0b14080af811fda3d";
const TGW_B_TO_A: &str = "i-0b14080af811fda3d -> subnet-0ebf6378a79a3e534 -> vpc-00a31ce9d0c06675c -> tgw-044be4464fcc69aff -> vpc-0404e08ceddf7f650 -> subnet-006a19c846f047bd7 -> i-06ba034d88c84ef07";

#[test]
fn s5_transit_gateway_single_table() {
    let t = bf("test-transit-gateway");
    assert_trace(
        &t,
        "5.1",
        From::Instance("i-06ba034d88c84ef07"),
        flow(None, "192.168.1.106", None),
        "BLOCKED@eni-0024c0af5aa1387e5",
        TGW_A_TO_B,
    );
    assert_trace(&t, "5.1/tcp22", From::Instance("i-06ba034d88c84ef07"), flow(None, "192.168.1.106", Some(22)), "ACCEPTED", TGW_A_TO_B);
    assert_trace(&t, "5.2/tcp22", From::Instance("i-0b14080af811fda3d"), flow(None, "10.10.10.157", Some(22)), "ACCEPTED", TGW_B_TO_A);
    assert_trace(
        &t,
        "5.3",
        From::Instance("i-075e846ed41670385"),
        flow(None, "192.168.1.106", Some(22)),
        "BLOCKED@subnet-0b5b8ddd5a69fcfcd",
        "i-075e846ed41670385 -> subnet-0b5b8ddd5a69fcfcd",
    );
    assert_trace(&t, "5.4/tcp22", From::Instance("i-0b14080af811fda3d"), flow(None, "10.10.20.154", Some(22)), "ACCEPTED", "i-0b14080af811fda3d -> subnet-0ebf6378a79a3e534 -> vpc-00a31ce9d0c06675c -> tgw-044be4464fcc69aff -> vpc-0404e08ceddf7f650 -> subnet-0b5b8ddd5a69fcfcd -> i-075e846ed41670385");
}

#[test]
fn s6_transit_gateway_cross_tables() {
    let t = bf("test-transit-gateway-multi-table");
    assert_trace(&t, "6.1", From::Instance("i-06ba034d88c84ef07"), flow(None, "192.168.1.106", Some(22)), "ACCEPTED", TGW_A_TO_B);
    assert_trace(&t, "6.2", From::Instance("i-0b14080af811fda3d"), flow(None, "10.10.10.157", Some(22)), "ACCEPTED", TGW_B_TO_A);
}

#[test]
fn s7_asymmetric_paths_through_two_tgws() {
    let t = bf("test-transit-gateway-asymmetric-paths");
    assert_trace(&t, "7.1", From::Instance("i-04bbbcaefdd1937f9"), flow(None, "10.2.1.100", Some(22)), "ACCEPTED", "i-04bbbcaefdd1937f9 -> subnet-0156c57e17070dd17 -> vpc-0c7ecdaddf451b56d -> tgw-01e19888e3ba041ac -> vpc-0de868624d5f787db -> subnet-0b7957a706be58c47 -> i-0973ce90749865a7f");
    assert_trace(&t, "7.2", From::Instance("i-0973ce90749865a7f"), flow(None, "10.1.1.100", Some(22)), "ACCEPTED", "i-0973ce90749865a7f -> subnet-0b7957a706be58c47 -> vpc-0de868624d5f787db -> tgw-0a33c739a4f8978a8 -> vpc-0c7ecdaddf451b56d -> subnet-0156c57e17070dd17 -> i-04bbbcaefdd1937f9");
    // derived: the session works although the reply returns through the other TGW
    let engine = Engine::new(&t);
    let a = reach(
        &engine,
        &Spec::Instance("i-04bbbcaefdd1937f9".into()),
        &Spec::Instance("i-0973ce90749865a7f".into()),
        Protocol::Tcp,
        Some(22),
        "bat",
        "fish",
    );
    assert!(a.reachable);
    assert!(a.paths[0].reply_hops.iter().any(|h| h.resource == "tgw-0a33c739a4f8978a8"));
}

#[test]
fn s8_tgw_peering() {
    let t = bf("test-transit-gateway-peering");
    assert_trace(
        &t,
        "8.1",
        From::Instance("i-08f3abb6471637c66"),
        flow(None, "192.168.1.100", None),
        "BLOCKED@tgw-0e20010ebf43d07a2",
        "i-08f3abb6471637c66 -> subnet-06818d8a511df9b3d -> vpc-065ea457071dd67bb -> tgw-0e20010ebf43d07a2",
    );
    assert_trace(&t, "8.2", From::Instance("i-05e25e43074216229"), flow(None, "192.168.1.100", Some(22)), "ACCEPTED", "i-05e25e43074216229 -> subnet-0934a46c6eb5542d9 -> vpc-03ccec9d7758a283a -> tgw-0e20010ebf43d07a2 -> tgw-03201f1960ddb0c25 -> vpc-0ecbcbd110fd839d1 -> subnet-0080bd39fe3626e89 -> i-0afb0a59f6bf36397");
    assert_trace(
        &t,
        "8.3",
        From::Instance("i-0afb0a59f6bf36397"),
        flow(None, "10.10.1.100", None),
        "BLOCKED@tgw-03201f1960ddb0c25",
        "i-0afb0a59f6bf36397 -> subnet-0080bd39fe3626e89 -> vpc-0ecbcbd110fd839d1 -> tgw-03201f1960ddb0c25",
    );
    assert_trace(
        &t,
        "8.4",
        From::Instance("i-0afb0a59f6bf36397"),
        flow(None, "10.20.1.100", None),
        "BLOCKED@tgw-0e20010ebf43d07a2",
        "i-0afb0a59f6bf36397 -> subnet-0080bd39fe3626e89 -> vpc-0ecbcbd110fd839d1 -> tgw-03201f1960ddb0c25 -> tgw-0e20010ebf43d07a2",
    );
}

#[test]
fn s9_tgw_shared_between_accounts() {
    let t = bf("test-transit-gateway-multi-account");
    assert_trace(&t, "9.1", From::Instance("i-0bdf35d561be3d962"), flow(None, "10.2.1.183", Some(22)), "ACCEPTED", "i-0bdf35d561be3d962 -> subnet-0a68915f31d3ca69f -> vpc-04048d4bfba9c2289 -> tgw-0efdeab79e9a8e490 -> vpc-08287a9084472b276 -> subnet-0c2cb08833b3c9921 -> i-03df168b3f73cc262");
    assert_trace(&t, "9.2", From::Instance("i-03df168b3f73cc262"), flow(None, "10.1.1.100", Some(22)), "ACCEPTED", "i-03df168b3f73cc262 -> subnet-0c2cb08833b3c9921 -> vpc-08287a9084472b276 -> tgw-0efdeab79e9a8e490 -> vpc-04048d4bfba9c2289 -> subnet-0a68915f31d3ca69f -> i-0bdf35d561be3d962");
    // terminated instances are not in the network
    assert!(!t.instances["i-04f03d526c63297ae"].is_live());
    let engine = Engine::new(&t);
    let a = reach(
        &engine,
        &Spec::Instance("i-0bdf35d561be3d962".into()),
        &Spec::Instance("i-03df168b3f73cc262".into()),
        Protocol::Tcp,
        Some(22),
        "a",
        "b",
    );
    assert!(a.reachable, "bidirectional 9.1: {:?}", a.blocked);
}

// ------------------------------------------------------------------ §10–§11 VPC peering

#[test]
fn s10_vpc_peering_with_overlapping_peers() {
    let t = bf("test-vpc-peering");
    let a = "i-06ba034d88c84ef07";
    let b = "i-0b14080af811fda3d";
    assert_trace(&t, "10.1", From::Instance(a), flow(None, "192.168.1.106", Some(22)), "ACCEPTED", "i-06ba034d88c84ef07 -> subnet-006a19c846f047bd7 -> vpc-0404e08ceddf7f650 -> vpc-00a31ce9d0c06675c -> subnet-0ebf6378a79a3e534 -> i-0b14080af811fda3d");
    assert_trace(&t, "10.2", From::Instance(b), flow(None, "10.10.10.157", Some(22)), "ACCEPTED", "i-0b14080af811fda3d -> subnet-0ebf6378a79a3e534 -> vpc-00a31ce9d0c06675c -> vpc-0404e08ceddf7f650 -> subnet-006a19c846f047bd7 -> i-06ba034d88c84ef07");
    assert_trace(
        &t,
        "10.3",
        From::Instance(a),
        flow(None, "192.168.100.1", None),
        "BLOCKED@subnet-006a19c846f047bd7",
        "i-06ba034d88c84ef07 -> subnet-006a19c846f047bd7",
    );
    assert_trace(
        &t,
        "10.4",
        From::Instance(b),
        flow(None, "10.10.100.1", None),
        "BLOCKED@vpc-0404e08ceddf7f650",
        "i-0b14080af811fda3d -> subnet-0ebf6378a79a3e534 -> vpc-00a31ce9d0c06675c -> vpc-0404e08ceddf7f650",
    );
    assert_trace(
        &t,
        "10.5",
        From::Instance(b),
        flow(None, "10.10.10.11", None),
        "BLOCKED@subnet-006a19c846f047bd7",
        "i-0b14080af811fda3d -> subnet-0ebf6378a79a3e534 -> vpc-00a31ce9d0c06675c -> vpc-0404e08ceddf7f650 -> subnet-006a19c846f047bd7",
    );
}

#[test]
fn s11_vpc_peering_across_accounts() {
    let t = bf("test-vpc-peering-multi-account");
    assert_trace(&t, "11.1", From::Instance("i-07ae69cc808e8804e"), flow(None, "10.2.1.252", Some(22)), "ACCEPTED", "i-07ae69cc808e8804e -> subnet-03a80d08017ee39ef -> vpc-0f44fae3468d2b998 -> vpc-05951c91977125d2e -> subnet-088d6408a3a6129fa -> i-066ce0b1efbb5602c");
    assert_trace(&t, "11.2", From::Instance("i-066ce0b1efbb5602c"), flow(None, "10.1.1.100", Some(22)), "ACCEPTED", "i-066ce0b1efbb5602c -> subnet-088d6408a3a6129fa -> vpc-05951c91977125d2e -> vpc-0f44fae3468d2b998 -> subnet-03a80d08017ee39ef -> i-07ae69cc808e8804e");
}

// ------------------------------------------------------------------ §12–§13 VPC endpoints

#[test]
fn s12_gateway_endpoint() {
    let t = bf("test-vpc-endpoint-gateway");
    let engine = Engine::new(&t);
    for (case, from, subnet) in
        [("12.1", "i-01c6c0647fdccc89e", "subnet-01e5f0945f6d6f47c"), ("12.2", "i-0464d440ca0ee9e34", "subnet-04391f04b912d0a73")]
    {
        assert_trace(
            &t,
            case,
            From::Instance(from),
            flow(None, "52.216.237.77", Some(443)),
            "EXITS_NETWORK",
            &format!("{from} -> {subnet} -> vpc-05d56c7295fca139b -> vpce-0b7357542bb7b83ec"),
        );
        let a =
            reach(&engine, &Spec::Instance(from.into()), &Spec::parse("52.216.237.77", &t).unwrap(), Protocol::Tcp, Some(443), from, "s3");
        assert!(a.reachable, "{case}: {:?}", a.blocked);
        let reply: Vec<&str> = a.paths[0].reply_hops.iter().map(|h| h.resource.as_str()).collect();
        assert_eq!(reply, vec!["vpce-0b7357542bb7b83ec", "vpc-05d56c7295fca139b", subnet, from], "{case} reply");
    }
    assert_trace(
        &t,
        "12.3",
        From::Instance("i-01c6c0647fdccc89e"),
        flow(None, "54.222.57.1", Some(443)),
        "BLOCKED@subnet-01e5f0945f6d6f47c",
        "i-01c6c0647fdccc89e -> subnet-01e5f0945f6d6f47c",
    );
    assert_trace(
        &t,
        "12.4",
        From::Instance("i-0464d440ca0ee9e34"),
        flow(None, "54.222.57.1", Some(443)),
        "EXITS_NETWORK",
        "i-0464d440ca0ee9e34 -> subnet-04391f04b912d0a73 -> vpc-05d56c7295fca139b -> igw-0c8afe4471084ccba -> isp_16509 -> internet",
    );
}

#[test]
fn s13_interface_endpoint() {
    let t = bf("test-vpc-endpoint-interface");
    let ep = "vpce-083c683a6be29b889-subnet-0bb8615d8368ece31";
    assert_trace(
        &t,
        "13.1",
        From::Instance("i-0a0fbd0cfa774970f"),
        flow(None, "10.1.101.97", Some(443)),
        "ACCEPTED",
        &format!("i-0a0fbd0cfa774970f -> {ep}"),
    );
    assert_trace(
        &t,
        "13.2",
        From::Instance("i-0eb6eb395a0d09117"),
        flow(None, "10.1.101.97", Some(443)),
        "ACCEPTED",
        &format!("i-0eb6eb395a0d09117 -> subnet-0611b848137c513d1 -> vpc-072d45b801aeffef2 -> subnet-0bb8615d8368ece31 -> {ep}"),
    );
}

// ------------------------------------------------------------------ §15–§17 VPN / Direct Connect

#[test]
fn s15_vgw_from_onprem() {
    // The on-prem router's config is not modelled; its prefixes are declared as a named network.
    let t = load("batfish-aws/representation/aws/test-vpn-gateway", &[("onprem", &["10.10.0.0/16"], &["vpn-03701a53bba3c48b7"])]);
    let into = "vgw-0c09bd7fadac961bf -> vpc-0b966fdeb36d5e43f";
    assert_trace(
        &t,
        "15.1",
        From::Network("onprem"),
        flow(Some("10.10.0.1"), "10.0.1.204", Some(22)),
        "ACCEPTED",
        &format!("{into} -> subnet-0f263105946ad1a1d -> i-099cf38911942421c"),
    );
    assert_trace(
        &t,
        "15.2",
        From::Network("onprem"),
        flow(Some("10.10.0.1"), "10.0.1.205", None),
        "BLOCKED@subnet-0f263105946ad1a1d",
        &format!("{into} -> subnet-0f263105946ad1a1d"),
    );
    assert_trace(&t, "15.3", From::Network("onprem"), flow(Some("10.10.0.1"), "10.0.2.1", None), "BLOCKED@vpc-0b966fdeb36d5e43f", into);
}

#[test]
fn s16_direct_connect_gateway_to_tgw() {
    let t = load(
        "batfish-aws/representation/aws/test-direct-connect-gateway",
        &[("onprem", &["10.10.0.0/16"], &["7b2c4f8a-1234-4abc-9def-fedcba987654"])],
    );
    assert_trace(
        &t,
        "16.1",
        From::Network("onprem"),
        flow(Some("10.10.0.1"), "10.100.1.10", None),
        "ACCEPTED",
        "dxgw-7b2c4f8a-1234-4abc-9def-fedcba987654 -> tgw-dx01 -> vpc-dx01 -> subnet-dx01 -> i-dx01",
    );
    assert_trace(
        &t,
        "16.2",
        From::Instance("i-dx01"),
        flow(None, "10.10.0.1", None),
        "EXITS_NETWORK",
        "i-dx01 -> subnet-dx01 -> vpc-dx01 -> tgw-dx01 -> dxgw-7b2c4f8a-1234-4abc-9def-fedcba987654",
    );
    // 16.3: vpc-iso01 propagates only into its own table: nothing from on-prem reaches it
    let leaves = trace(&t, From::Network("onprem"), &flow(Some("10.10.0.1"), "10.200.1.1", None));
    assert!(leaves.iter().all(|l| matches!(&l.outcome, Outcome::Blocked { at, .. } if at == "tgw-dx01")), "{leaves:?}");
}

#[test]
fn s17_private_vif_on_vgw() {
    let t = load("batfish-aws/representation/aws/test-direct-connect-private-vif", &[("onprem-high", &["10.20.0.0/16"], &["vgw-priv01"])]);
    assert_trace(
        &t,
        "17.1",
        From::Network("onprem-high"),
        flow(Some("10.20.0.1"), "10.50.1.10", None),
        "ACCEPTED",
        "vgw-priv01 -> vpc-priv01 -> subnet-priv01 -> i-priv01",
    );
    assert_trace(
        &t,
        "17.2",
        From::Instance("i-priv01"),
        flow(None, "10.20.0.1", None),
        "EXITS_NETWORK",
        "i-priv01 -> subnet-priv01 -> vpc-priv01 -> vgw-priv01",
    );
}

#[test]
fn s18_dx_gateway_is_global() {
    let t = bf("test-direct-connect-gateway-multi-region");
    assert_eq!(t.direct_connect_gateways.len(), 1);
    let dx = &t.direct_connect_gateways["7b2c4f8a-1234-4abc-9def-fedcba987654"];
    let mut gws: Vec<&str> = dx.associations.iter().map(|a| a.gateway.as_str()).collect();
    gws.sort();
    assert_eq!(gws, vec!["tgw-east", "tgw-west"]);
}

#[test]
fn s23_stopped_instances_take_no_part() {
    let t = load("batfish-aws/networks/hybrid-cloud-aws", &[]);
    assert_eq!(t.vpcs.len(), 4);
    assert_eq!(t.internet_gateways.len(), 3);
    assert!(t.instances.values().all(|i| !i.is_live()));
    let engine = Engine::new(&t);
    assert!(engine.ix.subnet_enis.values().flatten().all(|(_, e)| !matches!(e.owner, koban_model::EniOwner::Instance(_))));
    // the blackhole default route of the private subnet drops traffic
    let sub = &t.subnets["subnet-8d0cbdeb"];
    let mut sink = Collect::default();
    engine.walk(&mut sink, None).from_subnet_host(sub, &flow(None, "8.8.8.8", Some(80)).rewrite(SRC, ip("10.0.1.5"), ip("10.0.1.5")));
    assert!(
        sink.leaves.iter().any(|l| matches!(&l.outcome, Outcome::Blocked { reason, .. } if reason.contains("blackhole"))),
        "{:?}",
        sink.leaves
    );
}

#[test]
fn s24_security_group_semantics() {
    // The fixture lists sg-0de0ddfa8a5a12348 three times: the duplicates are reported, the
    // first definition kept.
    let t = bf("SecurityGroupTest.json");
    let engine = Engine::new(&t);
    assert_eq!(engine.ix.sgs.len(), 10);
    assert_eq!(t.diagnostics.iter().filter(|d| d.message.contains("duplicate id sg-0de0ddfa8a5a12348")).count(), 2);
    // the prefix-list egress rule of SecurityGroupTestDeser.json resolves when the list is known
    let t2 = bf("SecurityGroupTestDeser.json");
    let e2 = Engine::new(&t2);
    let sg = &e2.ix.sgs["sg-01a88a2ecd621d9ba"];
    assert!(
        sg.unknowns.iter().any(|u| u.contains("pl-7ba54012")),
        "missing prefix list is an unknown, assumed to match: {:?}",
        sg.unknowns
    );
}

// ------------------------------------------------------------------ pybatfish hybrid cloud

fn hybrid() -> Twin {
    load("pybatfish-hybrid-cloud", &[("dc", &["203.0.113.0/24"], &["vpn-01c45673532d3e33e", "vpn-0dc7abdb974ff8a69"])])
}

#[test]
fn hybrid_traceroutes() {
    let t = hybrid();
    assert_trace(&t, "2.1", From::Instance("i-04cd3db5124a05ee6"), flow(None, "10.20.1.207", Some(22)), "ACCEPTED", "i-04cd3db5124a05ee6 -> subnet-0cb5f4c094bee5214 -> vpc-0276455718806058a -> tgw-06b348adabd13452d -> vpc-0574d08f8d05917e4 -> subnet-06a692ed4ef84368d -> i-01602d9efaed4409a");
    // 2.2: a private destination in the other region follows the default route to the IGW and dies on the internet
    assert_trace(
        &t,
        "2.2",
        From::Instance("i-01602d9efaed4409a"),
        flow(None, "10.40.2.80", Some(22)),
        "BLOCKED@internet",
        "i-01602d9efaed4409a -> subnet-06a692ed4ef84368d -> vpc-0574d08f8d05917e4 -> igw-02fd68f94367a67c7 -> internet",
    );
    assert_trace(&t, "2.3", From::Instance("i-01602d9efaed4409a"), flow(None, "54.191.42.182", Some(22)), "ACCEPTED", "i-01602d9efaed4409a -> subnet-06a692ed4ef84368d -> vpc-0574d08f8d05917e4 -> igw-02fd68f94367a67c7 -> internet -> igw-0a8309f3192e7cea3 -> vpc-00b65e98077106059 -> subnet-06005943afe32f714 -> i-02cae6eaa9edeed70");
    assert_trace(
        &t,
        "2.6",
        From::Network("dc"),
        flow(Some("203.0.113.12"), "10.20.1.207", Some(22)),
        "ACCEPTED",
        "tgw-06b348adabd13452d -> vpc-0574d08f8d05917e4 -> subnet-06a692ed4ef84368d -> i-01602d9efaed4409a",
    );
    assert_trace(
        &t,
        "private cross-region",
        From::Instance("i-04cd3db5124a05ee6"),
        flow(None, "10.40.2.80", Some(22)),
        "BLOCKED@subnet-0cb5f4c094bee5214",
        "i-04cd3db5124a05ee6 -> subnet-0cb5f4c094bee5214",
    );
    // 2.3 bidirectional, with both translations
    let engine = Engine::new(&t);
    let a = reach(
        &engine,
        &Spec::Instance("i-01602d9efaed4409a".into()),
        &Spec::parse("54.191.42.182", &t).unwrap(),
        Protocol::Tcp,
        Some(22),
        "e",
        "w",
    );
    assert!(a.reachable, "{:?}", a.blocked);
}

#[test]
fn hybrid_exposure_matches_the_notebook() {
    let t = hybrid();
    let engine = Engine::new(&t);
    let exp = koban_net::exposure::exposure(&engine);
    let internet = exp.sources.iter().find(|s| s.source == "internet").unwrap();
    let mut got: Vec<(String, String)> =
        internet.exposed.iter().map(|e| (e.owner.clone(), serde_json::to_string(&e.ports).unwrap())).collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("i-01602d9efaed4409a".to_string(), r#"[{"protocol":"tcp","ranges":["22","3306"]}]"#.to_string()),
            ("i-02cae6eaa9edeed70".to_string(), r#"[{"protocol":"tcp","ranges":["22"]}]"#.to_string()),
        ]
    );
    let dc = exp.sources.iter().find(|s| s.source == "network:dc").unwrap();
    let mut owners: Vec<&str> = dc.exposed.iter().map(|e| e.owner.as_str()).collect();
    owners.sort();
    assert_eq!(owners, vec!["i-01602d9efaed4409a", "i-02cae6eaa9edeed70", "i-04cd3db5124a05ee6", "i-0a5d64b8b58c6dd09"]);
    let east_public = dc.exposed.iter().find(|e| e.owner == "i-01602d9efaed4409a").unwrap();
    assert_eq!(serde_json::to_string(&east_public.ports).unwrap(), r#"[{"protocol":"tcp","ranges":["22","3306"]}]"#);
    // the deleting TGW peering is ignored
    assert!(!t.transit_gateway_attachments.contains_key("tgw-attach-0cc6cf6a578b754e3"));
}

#[test]
fn reach_all_protocols_is_the_union() {
    let t = bf("test-subnet");
    let engine = Engine::new(&t);
    let a = reach(
        &engine,
        &Spec::Instance("i-08ef86e76fceabd8d".into()),
        &Spec::Instance("i-07519d6ba3f9497e4".into()),
        Protocol::All,
        None,
        "a",
        "b",
    );
    assert!(a.reachable);
    assert!(a.blocked.iter().any(|b| b.reason.contains("no ingress rule")));
    assert!(!traffic(Protocol::All, None).is_empty());
}
