//! End-to-end: damaged snapshots. Each kind of damage is reported with the file, the JSON path
//! and what was expected; the rest of the snapshot still loads and answers; answers that
//! touch the damaged part list it as unknown; exit 2 only when nothing usable was read.

mod common;

use common::{copy_dir, edit_json as edit};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn example_snapshot() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/landing-zone/snapshot")
}

/// A copy of the example landing zone in a fresh temporary directory.
fn copy_example(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("koban-bad-input-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&example_snapshot(), &dir);
    std::fs::write(
        dir.join("koban.yaml"),
        "networks:\n  onprem:\n    cidrs: [10.100.0.0/16, 192.168.0.0/16]\n    via: [vpn-0a1a2b3c4d5e6f701]\n",
    )
    .unwrap();
    dir
}

fn prod(dir: &Path, file: &str) -> PathBuf {
    dir.join("111111111111/eu-west-1").join(file)
}

fn koban(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_koban")).args(args).arg(dir).args(["--format", "json"]).output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).to_string())
}

fn diagnostics(a: &Value) -> Vec<String> {
    a["diagnostics"]
        .as_array()
        .map(|d| d.iter().map(|x| format!("{} {} {}", x["origin"]["file"], x["origin"]["location"], x["message"])).collect())
        .unwrap_or_default()
}

#[test]
fn malformed_json_names_file_and_line_and_the_rest_loads() {
    let dir = copy_example("malformed");
    std::fs::write(prod(&dir, "SecurityGroups.json"), "{\n  \"SecurityGroups\": [\n    {\"GroupId\": \"sg-1\",\n").unwrap();
    let (code, a, _) = koban(&dir, &["exposure"]);
    assert_eq!(code, 1, "still answered");
    let d = diagnostics(&a);
    assert!(d.iter().any(|x| x.contains("SecurityGroups.json") && x.contains("line 4") && x.contains("malformed JSON")), "{d:?}");
    // the instances' security groups are gone: the answer says so instead of assuming
    let unknowns = a["unknowns"].to_string();
    assert!(unknowns.contains("sg-0aa0000000000a001") && unknowns.contains("not in the twin"), "{unknowns}");
}

#[test]
fn wrong_field_type_names_the_json_path_and_skips_only_that_record() {
    let dir = copy_example("wrongtype");
    edit(&prod(&dir, "Subnets.json"), |v| v["Subnets"][2]["CidrBlock"] = json!(42));
    edit(&prod(&dir, "RouteTables.json"), |v| v["RouteTables"][1]["Routes"][0]["DestinationCidrBlock"] = json!("10.10.0.0/99"));
    let (code, a, _) = koban(&dir, &["check"]);
    assert!(code == 0 || code == 1);
    let d = diagnostics(&a);
    assert!(d.iter().any(|x| x.contains("Subnets.json") && x.contains("/Subnets/2/CidrBlock") && x.contains("expected a string")), "{d:?}");
    assert!(
        d.iter().any(|x| x.contains("RouteTables.json")
            && x.contains("/RouteTables/1/Routes/0/DestinationCidrBlock")
            && x.contains("IPv4 CIDR")),
        "{d:?}"
    );
    // every landing-zone check ran (intent and scope checks run only when koban.yaml or --scope asks)
    let landing_zone_checks =
        koban_intent::CATALOGUE.iter().filter(|c| !c.id.starts_with("KBN-INT-") && !c.id.starts_with("KBN-NAA-")).count();
    assert_eq!(a["checks"].as_array().map(Vec::len), Some(landing_zone_checks), "checks still ran");
}

#[test]
fn dangling_route_target_is_reported_and_answers_list_it() {
    let dir = copy_example("dangling");
    // legacy-a's default route points at a NAT gateway that does not exist
    edit(&prod(&dir, "RouteTables.json"), |v| {
        for rt in v["RouteTables"].as_array_mut().unwrap() {
            if rt["RouteTableId"] == "rtb-0aa0000000000a006" {
                for r in rt["Routes"].as_array_mut().unwrap() {
                    if r["DestinationCidrBlock"] == "0.0.0.0/0" {
                        r["NatGatewayId"] = json!("nat-0deadbeef0000000");
                    }
                }
            }
        }
    });
    let (code, a, _) = koban(&dir, &["reach", "--from", "i-0a1a2b3c4d5e6f7a2", "--to", "internet", "--protocol", "tcp", "--port", "443"]);
    assert_eq!(code, 1, "not reachable any more");
    let d = diagnostics(&a);
    assert!(
        d.iter().any(|x| x.contains("RouteTables.json")
            && x.contains("/Routes/")
            && x.contains("nat-0deadbeef0000000")
            && x.contains("not in the snapshot")),
        "{d:?}"
    );
    let unknowns = a["unknowns"].to_string();
    assert!(unknowns.contains("nat-0deadbeef0000000"), "{unknowns}");
    assert!(a["blocked"].to_string().contains("unknown: route target nat-0deadbeef0000000"));
}

#[test]
fn duplicate_ids_and_unknown_keys_are_reported() {
    let dir = copy_example("dup");
    edit(&prod(&dir, "Vpcs.json"), |v| {
        let first = v["Vpcs"][0].clone();
        v["Vpcs"].as_array_mut().unwrap().push(first);
        v["FancyNewThings"] = json!([{"Id": "x"}]);
    });
    let (code, a, _) = koban(&dir, &["exposure"]);
    assert_eq!(code, 1);
    let d = diagnostics(&a);
    assert!(d.iter().any(|x| x.contains("/Vpcs/1") && x.contains("duplicate id vpc-0a1a2b3c4d5e6f701")), "{d:?}");
    assert!(d.iter().any(|x| x.contains("/FancyNewThings") && x.contains("unknown top-level key")), "{d:?}");
    assert!(a["unknowns"].to_string().contains("FancyNewThings"), "listed as unknown: {}", a["unknowns"]);
}

#[test]
fn nothing_usable_exits_2() {
    let dir = std::env::temp_dir().join(format!("koban-bad-input-none-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Vpcs.json"), "not json at all").unwrap();
    let (code, _, stderr) = koban(&dir, &["exposure"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("Vpcs.json") && stderr.contains("malformed JSON"), "{stderr}");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, _, stderr) = koban(&empty, &["exposure"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no *.json files"), "{stderr}");
}

#[test]
fn malformed_koban_yaml_names_line_and_field() {
    let dir = copy_example("yaml");
    std::fs::write(dir.join("koban.yaml"), "networks:\n  onprem:\n    cidrs: [10.100.0.0/16]\n    vai: [vpn-1]\n").unwrap();
    let (code, _, stderr) = koban(&dir, &["check"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("koban.yaml:4:") && stderr.contains("vai"), "{stderr}");
}

#[test]
fn network_firewall_endpoints_count_as_inspection() {
    let dir = copy_example("nfw");
    // legacy-a's default route goes to an AWS Network Firewall endpoint in inspection-a
    edit(&prod(&dir, "RouteTables.json"), |v| {
        for rt in v["RouteTables"].as_array_mut().unwrap() {
            if rt["RouteTableId"] == "rtb-0aa0000000000a006" {
                for r in rt["Routes"].as_array_mut().unwrap() {
                    if r["DestinationCidrBlock"] == "0.0.0.0/0" {
                        r.as_object_mut().unwrap().remove("NatGatewayId");
                        r["GatewayId"] = json!("vpce-0f1e2d3c4b5a69788");
                    }
                }
            }
        }
    });
    let firewall = json!({
        "UpdateToken": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        "Firewall": {
            "FirewallName": "egress-firewall",
            "FirewallArn": "arn:aws:network-firewall:eu-west-1:111111111111:firewall/egress-firewall",
            "FirewallPolicyArn": "arn:aws:network-firewall:eu-west-1:111111111111:firewall-policy/egress-policy",
            "VpcId": "vpc-0a1a2b3c4d5e6f701",
            "SubnetMappings": [{"SubnetId": "subnet-0aa0000000000a002"}],
            "DeleteProtection": false,
            "FirewallId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE22222"
        },
        "FirewallStatus": {
            "Status": "READY",
            "ConfigurationSyncStateSummary": "IN_SYNC",
            "SyncStates": {
                "eu-west-1a": {
                    "Attachment": {"SubnetId": "subnet-0aa0000000000a002", "EndpointId": "vpce-0f1e2d3c4b5a69788", "Status": "READY"},
                    "Config": {}
                }
            }
        }
    });
    std::fs::write(prod(&dir, "Firewall-egress.json"), serde_json::to_string_pretty(&firewall).unwrap()).unwrap();
    let (_, a, _) = koban(&dir, &["reach", "--from", "i-0a1a2b3c4d5e6f7a2", "--to", "internet", "--protocol", "tcp", "--port", "443"]);
    assert_eq!(a["reachable"], true, "{}", a["blocked"]);
    let hops = a["paths"][0]["hops"].to_string();
    assert!(hops.contains("vpce-0f1e2d3c4b5a69788") && hops.contains("network-firewall:egress-firewall"), "{hops}");
    assert_eq!(a["paths"][0]["inspected"], true);
    let (_, c, _) = koban(&dir, &["check"]);
    let outbound_internet =
        c["findings"].as_array().unwrap().iter().any(|f| f["source"] == "KBN-NET-001" && f["evidence"]["to"] == "internet");
    assert!(!outbound_internet, "the firewall inspects legacy-a's internet traffic: {}", c["findings"]);
}

#[test]
fn transit_subnet_acl_filters_traffic_into_the_attachment() {
    // AWS: the attachment subnet's inbound rules evaluate traffic from instances to the
    // transit gateway. A deny for legacy-a's subnet on transit-a stops its direct TGW path.
    let dir = copy_example("tgwacl");
    edit(&prod(&dir, "NetworkAcls.json"), |v| {
        let acls = v["NetworkAcls"].as_array_mut().unwrap();
        for a in acls.iter_mut() {
            if let Some(assocs) = a["Associations"].as_array_mut() {
                assocs.retain(|x| x["SubnetId"] != "subnet-0aa0000000000a004");
            }
        }
        acls.push(json!({
            "NetworkAclId": "acl-0aa0000000000a004",
            "VpcId": "vpc-0a1a2b3c4d5e6f701",
            "OwnerId": "111111111111",
            "IsDefault": false,
            "Associations": [{"NetworkAclAssociationId": "aclassoc-0aa0000000000a004", "NetworkAclId": "acl-0aa0000000000a004", "SubnetId": "subnet-0aa0000000000a004"}],
            "Entries": [
                {"RuleNumber": 90, "Protocol": "-1", "RuleAction": "deny", "Egress": false, "CidrBlock": "10.10.12.0/24"},
                {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
                {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}
            ],
            "Tags": []
        }));
    });
    let (code, a, _) = koban(&dir, &["reach", "--from", "i-0a1a2b3c4d5e6f7a2", "--to", "onprem", "--protocol", "tcp", "--port", "443"]);
    assert_eq!(code, 1, "{}", a["paths"]);
    assert!(a["blocked"].to_string().contains("acl-0aa0000000000a004 ingress rule 90 deny"), "{}", a["blocked"]);
    let (code, _, _) = koban(&dir, &["reach", "--from", "i-0a1a2b3c4d5e6f7a1", "--to", "onprem", "--protocol", "tcp", "--port", "443"]);
    assert_eq!(code, 0, "app-a's source (10.10.10.10) passes transit-a's inbound rules");
}
