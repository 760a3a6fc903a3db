//! `koban-bench parse-floor`: how long serde_json alone takes to parse a snapshot.
//!
//! Every `*.json` file under the directory is read into memory first (not timed); then each
//! repetition parses every buffer with `serde_json::from_slice::<serde_json::Value>` on one
//! thread, dropping each value before the next file. The best repetition is the floor.

use crate::error::{BenchError, Result};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The measured floor.
#[derive(Debug, Clone, Copy)]
pub struct ParseFloor {
    pub best: Duration,
    pub files: usize,
    pub bytes: u64,
}

/// All `*.json` files under `dir`, sorted.
pub fn json_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| BenchError::io(&d, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| BenchError::io(&d, e))?;
            let path = entry.path();
            let ty = entry.file_type().map_err(|e| BenchError::io(&path, e))?;
            if ty.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Measures the parse floor of `dir`, best of `repeat` (at least one) runs.
pub fn measure(dir: &Path, repeat: usize) -> Result<ParseFloor> {
    let files = json_files(dir)?;
    let buffers = files.iter().map(|p| std::fs::read(p).map_err(|e| BenchError::io(p, e))).collect::<Result<Vec<_>>>()?;
    let bytes = buffers.iter().map(|b| b.len() as u64).sum();
    let mut best = Duration::MAX;
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        for (buf, path) in buffers.iter().zip(&files) {
            let v: serde_json::Value = serde_json::from_slice(buf).map_err(|e| BenchError::Json { path: path.clone(), source: e })?;
            std::hint::black_box(&v);
        }
        best = best.min(start.elapsed());
    }
    Ok(ParseFloor { best, files: files.len(), bytes })
}
