//! `reaches` (the round-trip question alone, trying a sample of the internet first) answers as
//! `reach(..).reachable` does, from every instance and subnet of the bundled landing zone and
//! of Batfish's AWS snapshot, to the internet, the on-premises network and every instance.

use koban_model::{ExternalNetwork, Twin};
use koban_net::reach::{reach, reaches, Protocol};
use koban_net::spec::Spec;
use koban_net::Engine;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load(dir: PathBuf, onprem: Option<ExternalNetwork>) -> Twin {
    let mut t = koban_ingest::load_snapshot(std::slice::from_ref(&dir)).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    if let Some(n) = onprem {
        t.networks.insert(n.name.clone(), n);
    }
    t
}

/// Compare the two answers for every source and destination; returns how many queries found
/// a path (so a test can insist that both outcomes were exercised).
fn compare(twin: &Twin) -> (usize, usize) {
    let engine = Engine::new(twin);
    let mut sources: Vec<Spec> = twin.instances.keys().map(|i| Spec::Instance(i.clone())).collect();
    sources.extend(twin.subnets.keys().map(|s| Spec::Subnet(s.clone())));
    let mut targets: Vec<Spec> = vec![Spec::Internet];
    targets.extend(twin.networks.keys().map(|n| Spec::Network(n.clone())));
    targets.extend(twin.instances.keys().map(|i| Spec::Instance(i.clone())));
    let (mut yes, mut no) = (0, 0);
    for from in &sources {
        for to in &targets {
            for (protocol, port) in
                [(Protocol::Tcp, Some(443)), (Protocol::Tcp, Some(22)), (Protocol::Udp, Some(53)), (Protocol::All, None)]
            {
                let full = reach(&engine, from, to, protocol, port, "from", "to").reachable;
                assert_eq!(reaches(&engine, from, to, protocol, port), full, "{from:?} -> {to:?} {protocol:?} {port:?}");
                if full {
                    yes += 1;
                } else {
                    no += 1;
                }
            }
        }
    }
    (yes, no)
}

#[test]
fn the_landing_zone_answers_alike() {
    let onprem = ExternalNetwork {
        name: "onprem".into(),
        cidrs: vec!["10.100.0.0/16".parse().expect("cidr"), "192.168.0.0/16".parse().expect("cidr")],
        via: vec!["vpn-0a1a2b3c4d5e6f701".into()],
    };
    let twin = load(root().join("examples/landing-zone/snapshot"), Some(onprem));
    let (yes, no) = compare(&twin);
    assert!(yes > 20 && no > 20, "both outcomes exercised: {yes} reachable, {no} not");
}

#[test]
fn batfish_aws_answers_alike() {
    let twin = load(root().join("../shared/corpora/batfish-aws/representation/aws"), None);
    let (yes, no) = compare(&twin);
    assert!(yes > 0 && no > 0, "both outcomes exercised: {yes} reachable, {no} not");
}
