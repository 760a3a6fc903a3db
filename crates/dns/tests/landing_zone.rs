//! The bundled landing zone: the corporate domain goes through the outbound endpoint to the
//! on-premises resolvers over the Transit Gateway; other names through the VPC resolver.

use koban_dns::query::Outcome;
use koban_dns::{resolve, DecisionKind};
use koban_model::ExternalNetwork;
use koban_net::Engine;
use std::path::PathBuf;

fn twin() -> koban_model::Twin {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/landing-zone/snapshot");
    let mut t = koban_ingest::load_snapshot(&[root]).expect("example loads");
    t.networks.insert(
        "onprem".into(),
        ExternalNetwork {
            name: "onprem".into(),
            cidrs: vec!["10.100.0.0/16".parse().unwrap(), "192.168.0.0/16".parse().unwrap()],
            via: vec!["vpn-0a1a2b3c4d5e6f701".into()],
        },
    );
    t
}

#[test]
fn corporate_names_are_forwarded_over_the_transit_gateway() {
    let t = twin();
    let e = Engine::new(&t);
    let a = resolve(&e, "i-0a1a2b3c4d5e6f7a1", "intranet.corp.example.com").unwrap();
    assert_eq!(a.outcome, Outcome::Forwarded, "{:#?}", a.forwarding);
    assert_eq!(a.decision.rule.as_deref(), Some("rslvr-rr-0a1a2b3c4d5e6f701"));
    let f = a.forwarding.as_ref().unwrap();
    assert_eq!(f.paths.len(), 8, "2 addresses x 2 targets x udp/tcp");
    for p in &f.paths {
        assert!(p.reachable, "{} -> {} {}: {:?}", p.source_ip.unwrap(), p.target, p.protocol, p.blocked);
        assert!(p.inspected);
        let ids: Vec<&str> = p.hops.iter().map(|h| h.resource.as_str()).collect();
        assert!(ids.contains(&"tgw-0a1a2b3c4d5e6f701") && ids.contains(&"vpn-0a1a2b3c4d5e6f701"), "{ids:?}");
        assert_eq!(ids.last(), Some(&"onprem"));
    }
    // the private zone under the corporate domain answers its own names
    let a = resolve(&e, "subnet-0aa0000000000a005", "app.aws.corp.example.com").unwrap();
    assert_eq!((a.outcome, a.decision.kind), (Outcome::Answered, DecisionKind::PrivateHostedZone));
    assert_eq!(
        a.records.as_ref().unwrap().iter().map(|r| r.values[0].as_str()).collect::<Vec<_>>(),
        vec!["app-a.aws.corp.example.com", "10.10.10.10"]
    );
    let a = resolve(&e, "vpc-0a1a2b3c4d5e6f701", "nope.aws.corp.example.com").unwrap();
    assert_eq!(a.outcome, Outcome::Nxdomain);
    // the SYSTEM rule keeps the VPN gateway's name public
    let a = resolve(&e, "i-0a1a2b3c4d5e6f7a1", "gw.vpn.corp.example.com").unwrap();
    assert_eq!((a.outcome, a.decision.kind), (Outcome::PublicDns, DecisionKind::SystemRule));
    // everything else through the VPC resolver
    let a = resolve(&e, "i-0a1a2b3c4d5e6f7a1", "aws.amazon.com").unwrap();
    assert_eq!((a.outcome, a.decision.kind), (Outcome::PublicDns, DecisionKind::RecursiveRule));
    assert_eq!(a.decision.resolver.addresses[0].to_string(), "10.10.0.2");
    assert!(resolve(&e, "internet", "x.example.com").is_err());
    assert!(resolve(&e, "i-0a1a2b3c4d5e6f7a1", "bad name").is_err());
}
