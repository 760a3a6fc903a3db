//! Random damage to the example snapshot's JSON files for the property tests: a mutation picks
//! a place by a path of choices through the JSON tree (each step modulo the container's size)
//! and replaces, removes or duplicates what is there, or truncates the whole file.

use proptest::prelude::*;
use serde_json::Value;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One mutation: where (a path of choices through the JSON tree) and what.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Replace the value with the test's replacement number `k`.
    Replace(Vec<usize>, u8),
    Remove(Vec<usize>),
    Duplicate(Vec<usize>),
    /// Write only the first `n` characters of the file.
    Truncate(usize),
}

/// Mutations with paths of `depth` steps, replacements `kinds` and truncations to `truncate`
/// characters.
pub fn arb_mutation(depth: Range<usize>, kinds: Range<u8>, truncate: Range<usize>) -> impl Strategy<Value = Mutation> {
    let path = proptest::collection::vec(0usize..64, depth);
    prop_oneof![
        (path.clone(), kinds).prop_map(|(p, k)| Mutation::Replace(p, k)),
        path.clone().prop_map(Mutation::Remove),
        path.prop_map(Mutation::Duplicate),
        truncate.prop_map(Mutation::Truncate),
    ]
}

/// Every JSON file of the example snapshot: (path relative to the snapshot, document), sorted.
pub fn example_files() -> Vec<(PathBuf, Value)> {
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
        Value::Object(o) => match o.values_mut().nth(i) {
            Some(c) => c,
            None => return,
        },
        _ => return,
    };
    if matches!(child, Value::Array(_) | Value::Object(_)) {
        at(child, &path[1..], f);
    } else {
        f(v, i);
    }
}

/// Apply `m` to `v`; a truncation returns the text to write instead of the document.
pub fn apply(v: &mut Value, m: &Mutation, replacement: fn(u8) -> Value) -> Option<String> {
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
            return Some(text.chars().take(*n).collect());
        }
    }
    None
}

static CASE: AtomicUsize = AtomicUsize::new(0);

/// Write `files` (with `raw[i]` instead of document `i` where a truncation gave one) into a new
/// directory under the temporary directory, named after `prefix`.
pub fn write_snapshot(prefix: &str, files: &[(PathBuf, Value)], raw: &[Option<String>]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{}", std::process::id(), CASE.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_dir_all(&dir);
    for ((rel, v), text) in files.iter().zip(raw) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text.clone().unwrap_or_else(|| serde_json::to_string(v).unwrap())).unwrap();
    }
    dir
}
