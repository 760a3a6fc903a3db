//! The report of the bundled landing zone (examples/landing-zone), built through the library:
//! its data agrees with `koban_net::reach` and `koban_intent::run_checks`, and its diagrams,
//! laid out by Graphviz's `dot`, draw every resource of the example with the attributes the
//! page's script finds them by. (The page itself is opened in Chromium by
//! crates/cli/tests/report.rs.)

use koban_net::reach::{reach, Protocol};
use koban_net::spec::Spec;
use koban_net::Engine;
use koban_report::data::{DetectionSection, PolicySection, ReportData};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/landing-zone")
}

fn twin() -> koban_model::Twin {
    let dir = example();
    let mut twin = match koban_ingest::load_snapshot(&[dir.join("snapshot")]) {
        Ok(t) => t,
        Err(e) => panic!("the example does not load: {e}"),
    };
    match koban_intent::Config::load(&dir.join("koban.yaml")) {
        Ok(c) => twin.networks = c.networks,
        Err(e) => panic!("koban.yaml: {e}"),
    }
    twin
}

fn options(protocol: Protocol, port: Option<u16>) -> koban_report::Options {
    koban_report::Options {
        inputs: vec!["examples/landing-zone".into()],
        protocol,
        port,
        policy: PolicySection { available: false, note: "not available".into(), answers: vec![] },
        detection: DetectionSection { available: false, logs: vec![], note: "none".into(), findings: vec![] },
    }
}

fn hop_ids(data: &ReportData, ix: &[u32]) -> Vec<(String, Option<String>)> {
    ix.iter().map(|i| &data.paths.hops[*i as usize]).map(|h| (h.resource.clone(), h.interface.clone())).collect()
}

#[test]
fn every_pair_matches_koban_reach() {
    let twin = twin();
    let engine = Engine::new(&twin);
    for (protocol, port) in [(Protocol::All, None), (Protocol::Tcp, Some(443))] {
        let data = koban_report::build(&engine, options(protocol, port));
        let live = twin.instances.values().filter(|i| i.is_live()).count();
        assert_eq!(data.reach.pairs.len(), live * (1 + twin.networks.len()) * 2);
        for p in &data.reach.pairs {
            let f = Spec::parse(&p.from, &twin).unwrap_or(Spec::Internet);
            let t = Spec::parse(&p.to, &twin).unwrap_or(Spec::Internet);
            let a = reach(&engine, &f, &t, protocol, port, &p.from, &p.to);
            assert_eq!(a.reachable, p.reachable, "{} -> {}", p.from, p.to);
            let want: Vec<Vec<(String, Option<String>)>> =
                a.paths.iter().map(|x| x.hops.iter().map(|h| (h.resource.clone(), h.interface.clone())).collect()).collect();
            let got: Vec<Vec<(String, Option<String>)>> = p.paths.iter().map(|x| hop_ids(&data, &x.hops)).collect();
            assert_eq!(got, want, "{} -> {}", p.from, p.to);
        }
    }
}

#[test]
fn the_data_describes_the_example() {
    let twin = twin();
    let engine = Engine::new(&twin);
    let data = koban_report::build(&engine, options(Protocol::All, None));
    assert_eq!(data.schema, "koban/report/v1");
    let vpc = data.vpcs.iter().find(|v| v.id == "vpc-0a1a2b3c4d5e6f701").cloned();
    let Some(vpc) = vpc else { panic!("prod-vpc missing") };
    // 10.10.0.0/16 is routed from on-premises (but for the 10.10.99.0/24 blackhole); 100.64.0.0/16 is not.
    let routable: Vec<(String, &str, Vec<String>)> =
        vpc.cidrs.iter().map(|c| (c.cidr.clone(), c.from_networks[0].status, c.from_networks[0].unrouted.clone())).collect();
    assert_eq!(
        routable,
        vec![
            ("10.10.0.0/16".to_string(), "partly-routable", vec!["10.10.99.0/24".to_string()]),
            ("100.64.0.0/16".to_string(), "not-routable", vec!["100.64.0.0/16".to_string()]),
        ]
    );
    assert_eq!(vpc.cidrs[0].from_networks[0].route_tables, vec!["tgw-rtb-0a1a2b3c4d5e6f7b1".to_string()]);
    let azs: Vec<&str> = vpc.availability_zones.iter().map(|z| z.name.as_str()).collect();
    assert_eq!(azs, vec!["eu-west-1a", "eu-west-1b"]);
    let roles_of =
        |id: &str| vpc.availability_zones.iter().flat_map(|z| &z.subnets).find(|s| s.id == id).map(|s| s.roles.clone()).unwrap_or_default();
    assert_eq!(roles_of("subnet-0aa0000000000a001"), vec!["public"]);
    assert_eq!(roles_of("subnet-0aa0000000000a002"), vec!["inspection"]);
    assert_eq!(roles_of("subnet-0aa0000000000a004"), vec!["transit"]);
    assert_eq!(roles_of("subnet-0aa0000000000a006"), vec!["instances"]);
    // The stopped instance is drawn, marked as not live, and offers no pair.
    let old =
        vpc.availability_zones.iter().flat_map(|z| &z.subnets).flat_map(|s| &s.resources).find(|r| r.resource == "i-0a1a2b3c4d5e6f7b9");
    assert_eq!(old.map(|r| r.live), Some(false));
    assert!(!data.reach.sources.iter().any(|s| s == "i-0a1a2b3c4d5e6f7b9"));
    // The checks are koban check's.
    let check = koban_intent::run_checks(&engine);
    assert_eq!(
        data.checks.findings.iter().map(|f| f.id.clone()).collect::<Vec<_>>(),
        check.findings.iter().map(|f| f.id.clone()).collect::<Vec<_>>()
    );
    assert!(data.checks.findings.iter().any(|f| f.source == "KBN-NET-001" && f.resource == "subnet-0aa0000000000a006"));
    assert_eq!(data.summary.vpcs, 1);
    assert!(!data.summary.large);
}

#[test]
fn the_diagram_draws_every_resource_with_its_id() {
    let twin = twin();
    let engine = Engine::new(&twin);
    let data = koban_report::build(&engine, options(Protocol::All, None));
    let page = match koban_report::render(&data) {
        Ok(p) => p,
        Err(e) => panic!("render: {e}"),
    };
    let mut want: BTreeSet<String> = BTreeSet::new();
    want.extend(twin.subnets.keys().cloned());
    want.extend(twin.nat_gateways.keys().cloned());
    want.extend(twin.transit_gateway_attachments.keys().cloned());
    want.extend(twin.vpc_endpoints.keys().cloned());
    want.extend(twin.instances.keys().cloned());
    want.extend(twin.internet_gateways.keys().cloned());
    want.extend(twin.transit_gateways.keys().cloned());
    want.extend(twin.vpn_connections.keys().cloned());
    want.extend(twin.vpcs.keys().cloned());
    for id in &want {
        assert!(page.contains(&format!("data-resource=\"{id}\"")), "the diagram lacks {id}");
    }
    for eni in twin.network_interfaces.keys() {
        assert!(page.contains(&format!("data-eni=\"{eni}\"")), "the diagram lacks interface {eni}");
    }
    // Self-contained: nothing that would fetch anything.
    for needle in [" src=", "<link", "url(http", "href=\"http", "@import"] {
        assert!(!page.contains(needle), "the page contains {needle}");
    }
    assert!(page.contains("default-src 'none'"), "no Content-Security-Policy");
    assert!(page.contains("id=\"koban-data\""));
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/report-artifacts");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("landing-zone-lib.html"), &page);
}
