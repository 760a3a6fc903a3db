//! Property test: mutated snapshots (values of the wrong type, removed or duplicated records,
//! dangling ids, truncated files) go through the reader and every engine without a panic,
//! and whatever is damaged is reported.

use koban_net::reach::{reach, Protocol};
use koban_net::spec::Spec;
use koban_net::Engine;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

fn example_files() -> Vec<(PathBuf, Value)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/landing-zone/snapshot");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                out.push((p.strip_prefix(&root).unwrap().to_path_buf(), v));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// One mutation: where (a path of choices through the JSON tree) and what.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(Vec<usize>, u8),
    Remove(Vec<usize>),
    Duplicate(Vec<usize>),
    Truncate(usize),
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    let path = proptest::collection::vec(0usize..64, 1..7);
    prop_oneof![
        (path.clone(), 0u8..8).prop_map(|(p, k)| Mutation::Replace(p, k)),
        path.clone().prop_map(Mutation::Remove),
        path.prop_map(Mutation::Duplicate),
        (0usize..4000).prop_map(Mutation::Truncate),
    ]
}

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

/// Walk `path` into `v` (each step picks a child modulo its size) and apply `f` to the parent
/// container and the chosen key.
fn at(v: &mut Value, path: &[usize], f: &mut dyn FnMut(&mut Value, usize)) {
    let n = match v {
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        _ => 0,
    };
    if n == 0 {
        return;
    }
    let i = path[0] % n;
    if path.len() == 1 {
        f(v, i);
        return;
    }
    let child = match v {
        Value::Array(a) => &mut a[i],
        Value::Object(o) => o.values_mut().nth(i).unwrap(),
        _ => return,
    };
    if matches!(child, Value::Array(_) | Value::Object(_)) {
        at(child, &path[1..], f);
    } else {
        f(v, i);
    }
}

fn apply(v: &mut Value, m: &Mutation) -> Option<String> {
    match m {
        Mutation::Replace(p, k) => at(v, p, &mut |parent, i| match parent {
            Value::Array(a) => a[i] = replacement(*k),
            Value::Object(o) => {
                if let Some(x) = o.values_mut().nth(i) {
                    *x = replacement(*k);
                }
            }
            _ => {}
        }),
        Mutation::Remove(p) => at(v, p, &mut |parent, i| match parent {
            Value::Array(a) => {
                a.remove(i);
            }
            Value::Object(o) => {
                if let Some(k) = o.keys().nth(i).cloned() {
                    o.remove(&k);
                }
            }
            _ => {}
        }),
        Mutation::Duplicate(p) => at(v, p, &mut |parent, i| {
            if let Value::Array(a) = parent {
                let x = a[i].clone();
                a.push(x);
            }
        }),
        Mutation::Truncate(n) => {
            let text = serde_json::to_string(v).unwrap_or_default();
            let cut: String = text.chars().take(*n).collect();
            return Some(cut);
        }
    }
    None
}

static CASE: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn mutated_snapshots_never_panic(muts in proptest::collection::vec((0usize..64, arb_mutation()), 1..6)) {
        let mut files = example_files();
        let mut raw: Vec<Option<String>> = vec![None; files.len()];
        for (f, m) in &muts {
            let idx = f % files.len();
            if let Some(text) = apply(&mut files[idx].1, m) {
                raw[idx] = Some(text);
            }
        }
        let dir = std::env::temp_dir().join(format!("koban-mut-{}-{}", std::process::id(), CASE.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&dir);
        for ((rel, v), text) in files.iter().zip(&raw) {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text.clone().unwrap_or_else(|| serde_json::to_string(v).unwrap())).unwrap();
        }
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
