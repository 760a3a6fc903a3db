//! Property test: mutated snapshots (values of the wrong type, removed or duplicated records,
//! dangling ids, truncated files) go through the reader and every engine without a panic,
//! and whatever is damaged is reported.

mod common;

use common::mutation::{apply, arb_mutation, example_files, write_snapshot};
use koban_net::reach::{reach, Protocol};
use koban_net::spec::Spec;
use koban_net::Engine;
use proptest::prelude::*;
use serde_json::{json, Value};

fn replacement(k: u8) -> Value {
    match k {
        0 => Value::Null,
        1 => json!(42),
        2 => json!("nat-0000000000dangling"),
        3 => json!([]),
        4 => json!({}),
        5 => json!(true),
        6 => json!("10.0.0.0/99"),
        _ => json!(-1),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn mutated_snapshots_never_panic(muts in proptest::collection::vec((0usize..64, arb_mutation(1..7, 0..8, 0..4000)), 1..6)) {
        let mut files = example_files();
        let mut raw: Vec<Option<String>> = vec![None; files.len()];
        for (f, m) in &muts {
            let idx = f % files.len();
            if let Some(text) = apply(&mut files[idx].1, m, replacement) {
                raw[idx] = Some(text);
            }
        }
        let dir = write_snapshot("koban-mut", &files, &raw);
        if let Ok(mut twin) = koban_ingest::load_snapshot(std::slice::from_ref(&dir)) {
            let cfg = koban_intent::Config::parse(std::path::Path::new("koban.yaml"), "networks:\n  onprem:\n    cidrs: [10.100.0.0/16]\n    via: [vpn-0a1a2b3c4d5e6f701]\n").unwrap();
            twin.networks = cfg.networks;
            let engine = Engine::new(&twin);
            let _ = koban_net::exposure::exposure(&engine);
            let _ = koban_intent::run_checks(&engine);
            for (from, to) in [("onprem", "i-0a1a2b3c4d5e6f7a1"), ("i-0a1a2b3c4d5e6f7a1", "internet"), ("internet", "i-0a1a2b3c4d5e6f7a2")] {
                if let (Ok(f), Ok(t)) = (Spec::parse(from, &twin), Spec::parse(to, &twin)) {
                    let _ = reach(&engine, &f, &t, Protocol::All, None, from, to);
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
