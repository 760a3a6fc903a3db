//! The policy benchmark's tools: a generator of typical requests in the `iam-simulate` peer's
//! format ([`requests`]), koban's in-process evaluation rate on them, a comparison of koban's
//! and the peer's answers, and a generator of a large IAM account for `who-can`
//! ([`account`]). `bench/policy.sh` drives them with `koban` and the peer.

pub mod account;
pub mod requests;

use crate::error::{BenchError, Result};
use koban_policy::evaluate::decide;
use koban_policy::simulate::{RequestBuilder, SimulateOptions};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::Instant;

/// Write `count` requests to `out`.
pub fn write_requests(out: &Path, count: usize, seed: u64) -> Result<()> {
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| BenchError::io(dir, e))?;
    }
    std::fs::write(out, requests::generate(count, seed)).map_err(|e| BenchError::io(out, e))
}

/// koban's evaluation rate on one core: every request built once (parsed policies shared
/// between requests that carry the same text, as `koban policy simulate` does; context), then
/// `decide` over all of them, repeated until at least `min` evaluations ran. Timed two ways:
/// *cold*, each pass going through every request in turn (a request's context is long out of
/// the CPU caches when it comes round again), and *warm*, [`WARM_WINDOW`] requests at a time,
/// each window decided as many times before the next (a batch in cache, as `policy
/// simulate` decides each request right after building it).
pub struct EvalRate {
    pub requests: usize,
    pub evaluations: usize,
    pub seconds: f64,
    pub warm_seconds: f64,
}

/// Requests per window of the warm timing.
pub const WARM_WINDOW: usize = 64;

pub fn eval_rate(file: &Path, min: usize) -> Result<EvalRate> {
    let f = std::fs::File::open(file).map_err(|e| BenchError::io(file, e))?;
    let mut built = Vec::new();
    let builder = RequestBuilder::default();
    for (i, line) in BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| BenchError::io(file, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let req = builder
            .build(&line, SimulateOptions::default())
            .map_err(|e| BenchError::Params(format!("{}: line {}: {e}", file.display(), i + 1)))?;
        built.push(req);
    }
    if built.is_empty() {
        return Err(BenchError::Params(format!("{}: no requests", file.display())));
    }
    let rounds = min.div_ceil(built.len()).max(1);
    let start = Instant::now();
    let mut allowed = 0usize;
    for _ in 0..rounds {
        for (ps, ctx) in &built {
            if decide(std::hint::black_box(ps), std::hint::black_box(ctx)) == koban_policy::Decision::Allow {
                allowed += 1;
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    for window in built.chunks(WARM_WINDOW) {
        for _ in 0..rounds {
            for (ps, ctx) in window {
                if decide(std::hint::black_box(ps), std::hint::black_box(ctx)) == koban_policy::Decision::Allow {
                    allowed += 1;
                }
            }
        }
    }
    let warm_seconds = start.elapsed().as_secs_f64();
    std::hint::black_box(allowed);
    Ok(EvalRate { requests: built.len(), evaluations: rounds * built.len(), seconds, warm_seconds })
}

/// How many answers of two answer files agree on the decision.
pub struct Agreement {
    pub compared: usize,
    pub agree: usize,
    pub errors: usize,
}

fn decisions(file: &Path) -> Result<Vec<Option<String>>> {
    let f = std::fs::File::open(file).map_err(|e| BenchError::io(file, e))?;
    let mut out = Vec::new();
    for line in BufReader::new(f).lines() {
        let line = line.map_err(|e| BenchError::io(file, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&line).map_err(|e| BenchError::Json { path: file.to_path_buf(), source: e })?;
        out.push(v.get("decision").and_then(Value::as_str).map(str::to_string));
    }
    Ok(out)
}

pub fn agreement(a: &Path, b: &Path) -> Result<Agreement> {
    let (x, y) = (decisions(a)?, decisions(b)?);
    if x.len() != y.len() {
        return Err(BenchError::Params(format!("{} has {} answers, {} has {}", a.display(), x.len(), b.display(), y.len())));
    }
    let mut r = Agreement { compared: x.len(), agree: 0, errors: 0 };
    for (p, q) in x.iter().zip(&y) {
        match (p, q) {
            (Some(p), Some(q)) if p == q => r.agree += 1,
            (None, _) | (_, None) => r.errors += 1,
            _ => {}
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_seeded_and_build() {
        let a = requests::generate(300, 7);
        assert_eq!(a, requests::generate(300, 7));
        assert_ne!(a, requests::generate(300, 8));
        let mut decisions = std::collections::BTreeMap::new();
        for line in a.lines() {
            let (ps, ctx) =
                RequestBuilder::default().build(line, SimulateOptions::default()).expect("koban accepts every generated request");
            *decisions.entry(decide(&ps, &ctx).as_str()).or_insert(0) += 1;
        }
        // a typical mix: every decision occurs
        assert_eq!(decisions.len(), 3, "{decisions:?}");
    }

    #[test]
    fn account_has_the_requested_size() {
        let dir = std::env::temp_dir().join(format!("koban-bench-account-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let s = account::generate(&dir, 50, 40, 1).expect("generated");
        assert_eq!((s.roles, s.managed_policies), (50, 40));
        let text = std::fs::read_to_string(dir.join(account::ACCOUNT).join("iam/AccountAuthorizationDetails.json")).expect("written");
        let v: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(v["RoleDetailList"].as_array().map(Vec::len), Some(50));
        assert_eq!(v["Policies"].as_array().map(Vec::len), Some(40));
        assert!(account::generate(&dir, 5, 3, 1).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
