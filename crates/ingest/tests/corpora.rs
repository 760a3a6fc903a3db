//! Every Batfish and pybatfish snapshot in `../shared/corpora/` loads without errors, and the
//! single-resource fixtures give the facts Batfish asserts on them.

use koban_ingest::load_snapshot;
use koban_model::{Severity, Twin};
use std::path::PathBuf;

fn corpora() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora")
}

fn load(rel: &str) -> Twin {
    load_snapshot(&[corpora().join(rel)]).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn errors(t: &Twin) -> Vec<String> {
    t.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| d.to_string()).collect()
}

#[test]
fn every_batfish_snapshot_loads_without_errors() {
    let root = corpora().join("batfish-aws/representation/aws");
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.push(corpora().join("batfish-aws/networks/hybrid-cloud-aws"));
    dirs.push(corpora().join("batfish-aws/grammar/aws/testrigs/ipsec-vpn-host-aws-cisco"));
    dirs.push(corpora().join("pybatfish-hybrid-cloud"));
    dirs.sort();
    assert!(dirs.len() >= 22, "found {} snapshot dirs", dirs.len());
    for d in dirs {
        let t = load_snapshot(std::slice::from_ref(&d)).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        assert!(errors(&t).is_empty(), "{}: {:#?}", d.display(), errors(&t));
        assert!(!t.vpcs.is_empty() || !t.transit_gateways.is_empty(), "{}: nothing loaded", d.display());
    }
}

#[test]
fn multi_account_layout_places_vpcs_in_their_accounts() {
    let t = load("batfish-aws/representation/aws/test-multi-account");
    assert_eq!(t.vpcs["vpc-015b20578b48c1349"].placement.region.as_deref(), Some("us-west-1"));
    assert_eq!(t.vpcs["vpc-0008a7b45e3ddf1dd"].placement.region.as_deref(), Some("us-west-2"));
    assert!(t.accounts.contains_key("111") || t.vpcs["vpc-015b20578b48c1349"].placement.account.is_some());
}

#[test]
fn single_resource_fixtures_keep_only_live_resources() {
    let fx = |f: &str| load(&format!("batfish-aws/representation/aws/{f}"));
    let t = fx("NatGatewayTest.json");
    assert_eq!(t.nat_gateways.keys().collect::<Vec<_>>(), vec!["nat-05dba92075d71c408"]);
    let t = fx("TransitGatewayTest.json");
    assert_eq!(t.transit_gateways.keys().collect::<Vec<_>>(), vec!["tgw-044be4464fcc69aff"]);
    assert_eq!(t.transit_gateways["tgw-044be4464fcc69aff"].default_association_route_table.as_deref(), Some("tgw-rtb-0fa40c8df355dce6e"));
    let t = fx("VpcPeeringConnectionsTestIgnoreNonActive.json");
    assert_eq!(t.vpc_peering_connections.keys().collect::<Vec<_>>(), vec!["pcx-f754069e"]);
    let t = fx("VpcTest.json");
    let cidrs: Vec<String> = t.vpcs["vpc-CCCCCC"].cidrs.iter().map(|c| c.to_string()).collect();
    assert_eq!(cidrs, vec!["10.100.0.0/16", "10.200.0.0/16"]);
    let t = fx("VpcEndpointTest.json");
    assert_eq!(t.vpc_endpoints.len(), 2);
    let t = fx("TransitGatewayAttachmentTest.json");
    let mut ids: Vec<&String> = t.transit_gateway_attachments.keys().collect();
    ids.sort();
    // Batfish also drops the `modifying` one; koban keeps it: an attachment being modified
    // (e.g. gaining a subnet) still carries traffic in AWS.
    assert_eq!(
        ids,
        vec![
            "tgw-attach-07f5ec59e9f540021",
            "tgw-attach-084b68f4a40b12383",
            "tgw-attach-0ae2696617bb06fb4",
            "tgw-attach-0ce5cf730c95980d9",
            "tgw-attach-0dbe0fb191f73f405"
        ]
    );
    let t = fx("TransitGatewayStaticRoutesTest.json");
    assert!(t.diagnostics.iter().any(|d| d.message.contains("tgw-rtb-08262a9ed03306288")), "routes without a described table are reported");
    let t = fx("PrefixListTest.json");
    let pl: Vec<String> = t.prefix_lists["pl-00a54069"].cidrs.iter().map(|c| c.to_string()).collect();
    assert_eq!(pl, vec!["52.94.28.0/23", "52.94.10.0/24"]);
    let t = fx("NetworkAclTest.json");
    let acl = &t.network_acls["acl-4db39c28"];
    assert!(acl.entries.iter().any(|e| !e.egress && e.rule_number == 100 && e.action == koban_model::RuleAction::Deny));
}

#[test]
fn peering_attachment_keeps_both_sides_associations() {
    let t = load("batfish-aws/representation/aws/test-transit-gateway-peering");
    let a = &t.transit_gateway_attachments["tgw-attach-012e5d602f859dd80"];
    assert_eq!(a.association_on("tgw-0e20010ebf43d07a2"), Some("tgw-rtb-05d2952671d1f460a"));
    assert_eq!(a.association_on("tgw-03201f1960ddb0c25"), Some("tgw-rtb-00be87593fb2cd0ae"));
    assert_eq!(a.peer_of("tgw-03201f1960ddb0c25"), Some("tgw-0e20010ebf43d07a2"));
}

#[test]
fn truncated_tgw_route_files_are_unknown() {
    let dir = std::env::temp_dir().join(format!("koban-trunc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("TransitGatewayRoutes")).unwrap();
    std::fs::write(
        dir.join("TransitGatewayRouteTables.json"),
        r#"{"TransitGatewayRouteTables":[{"TransitGatewayRouteTableId":"tgw-rtb-0123456789abcdef0","TransitGatewayId":"tgw-0123456789abcdef0","State":"available","DefaultAssociationRouteTable":true,"DefaultPropagationRouteTable":true}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("TransitGatewayRoutes/tgw-rtb-0123456789abcdef0.json"),
        r#"{"Routes":[{"DestinationCidrBlock":"10.1.0.0/16","TransitGatewayAttachments":[{"ResourceId":"vpc-1","TransitGatewayAttachmentId":"tgw-attach-1","ResourceType":"vpc"}],"Type":"static","State":"active"}],"AdditionalRoutesAvailable":true}"#,
    )
    .unwrap();
    let t = load_snapshot(std::slice::from_ref(&dir)).unwrap();
    assert_eq!(t.transit_gateway_route_tables["tgw-rtb-0123456789abcdef0"].routes.len(), 1);
    assert!(t.unknowns.iter().any(|u| u.resource == "tgw-rtb-0123456789abcdef0" && u.reason.contains("truncated")), "{:?}", t.unknowns);
    let _ = std::fs::remove_dir_all(&dir);
}
