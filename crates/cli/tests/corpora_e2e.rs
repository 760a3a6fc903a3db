//! End-to-end through the `koban` binary on the shared Batfish and pybatfish snapshots (the
//! full set of Batfish's asserted traces is reproduced at library level in
//! crates/net/tests/batfish.rs; these run a few of them the way a user would).

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn corpora() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora")
}

fn koban(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_koban")).args(args).args(["--format", "json"]).output().unwrap();
    (out.status.code().unwrap_or(-1), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
}

fn hops(a: &Value, i: usize) -> Vec<String> {
    a["paths"][i]["hops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["type"] != "transit-gateway-attachment")
        .map(|h| h["resource"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn batfish_9_1_shared_tgw_across_accounts() {
    let snap = corpora().join("batfish-aws/representation/aws/test-transit-gateway-multi-account");
    let (code, a) = koban(&[
        "reach",
        snap.to_str().unwrap(),
        "--from",
        "i-0bdf35d561be3d962",
        "--to",
        "10.2.1.183",
        "--protocol",
        "tcp",
        "--port",
        "22",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        hops(&a, 0),
        vec![
            "i-0bdf35d561be3d962",
            "subnet-0a68915f31d3ca69f",
            "vpc-04048d4bfba9c2289",
            "tgw-0efdeab79e9a8e490",
            "vpc-08287a9084472b276",
            "subnet-0c2cb08833b3c9921",
            "i-03df168b3f73cc262"
        ]
    );
}

#[test]
fn batfish_8_1_no_route_at_the_tgw() {
    let snap = corpora().join("batfish-aws/representation/aws/test-transit-gateway-peering");
    let (code, a) = koban(&["reach", snap.to_str().unwrap(), "--from", "i-08f3abb6471637c66", "--to", "192.168.1.100"]);
    assert_eq!(code, 1);
    let blocked = a["blocked"].as_array().unwrap();
    assert!(
        blocked
            .iter()
            .any(|b| b["at"] == "tgw-0e20010ebf43d07a2" && b["reason"].as_str().unwrap().contains("no route in tgw-rtb-05d2952671d1f460a")),
        "{blocked:?}"
    );
}

#[test]
fn pybatfish_hybrid_internet_exposure() {
    let snap = corpora().join("pybatfish-hybrid-cloud");
    let cfg = std::env::temp_dir().join(format!("koban-hybrid-{}.yaml", std::process::id()));
    std::fs::write(&cfg, "networks:\n  dc:\n    cidrs: [203.0.113.0/24]\n    via: [vpn-01c45673532d3e33e, vpn-0dc7abdb974ff8a69]\n")
        .unwrap();
    let (code, a) = koban(&["exposure", snap.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 1);
    let internet = a["sources"].as_array().unwrap().iter().find(|s| s["source"] == "internet").unwrap();
    let mut owners: Vec<&str> = internet["exposed"].as_array().unwrap().iter().map(|e| e["owner"].as_str().unwrap()).collect();
    owners.sort();
    assert_eq!(owners, vec!["i-01602d9efaed4409a", "i-02cae6eaa9edeed70"]);
    let dc = a["sources"].as_array().unwrap().iter().find(|s| s["source"] == "network:dc").unwrap();
    assert_eq!(dc["exposed"].as_array().unwrap().len(), 4);
    let _ = std::fs::remove_file(cfg);
}
