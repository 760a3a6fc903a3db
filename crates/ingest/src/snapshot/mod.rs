//! The AWS CLI snapshot reader: any tree of `*.json` files, each the unmodified output of an
//! AWS CLI `describe-*`/`get-*`/`list-*`/`search-*` call, dispatched by its top-level key.
//! Account and region come from `<account-id>/<region>/` path segments or from the resources.
//! When a directory holds an `aws_configs/` folder (Batfish's layout), only that folder is
//! read. `docs/snapshot.md` lists the command behind every key.
//!
//! Files are parsed in parallel; each record is converted on its own, so one bad record
//! costs only itself: it is reported (file, JSON path, what was expected) and its id is
//! recorded so that answers touching it list it as unknown.

pub(crate) mod access;
mod build;
mod convert;
mod dispatch;
mod dns;
pub mod location;
mod references;
pub(crate) mod services;
mod shapes;
mod source;

use koban_model::Twin;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Why nothing could be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: no such file or directory")]
    Missing { path: PathBuf },
    #[error("{path}: no *.json files found (expected AWS CLI output files, see docs/snapshot.md)")]
    Empty { path: PathBuf },
    #[error("nothing usable was read:\n{details}")]
    NothingUsable { details: String },
}

/// Every `*.json` file under `root`, in a stable order, with the root it was found under.
fn snapshot_files(root: &Path) -> Result<Vec<(PathBuf, PathBuf)>, SnapshotError> {
    if !root.exists() {
        return Err(SnapshotError::Missing { path: root.to_path_buf() });
    }
    if root.is_file() {
        let base = root.parent().map(Path::to_path_buf).unwrap_or_default();
        return Ok(vec![(base, root.to_path_buf())]);
    }
    let batfish = root.join("aws_configs");
    let base = if batfish.is_dir() { batfish } else { root.to_path_buf() };
    let mut files: Vec<(PathBuf, PathBuf)> = walkdir::WalkDir::new(&base)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().extension().map(|x| x == "json").unwrap_or(false))
        .map(|e| (base.clone(), e.path().to_path_buf()))
        .collect();
    files.sort_by(|a, b| a.1.cmp(&b.1));
    if files.is_empty() {
        return Err(SnapshotError::Empty { path: root.to_path_buf() });
    }
    Ok(files)
}

/// Load one or more snapshot directories (or single files) into a twin.
///
/// Returns an error only when nothing usable was read; otherwise problems are in
/// [`Twin::diagnostics`] and the rest is loaded.
pub fn load_snapshot(paths: &[PathBuf]) -> Result<Twin, SnapshotError> {
    let mut files = Vec::new();
    for p in paths {
        files.extend(snapshot_files(p)?);
    }
    let results: Vec<dispatch::FileItems> = files
        .par_iter()
        .map(|(base, file)| {
            let relative = file.strip_prefix(base).unwrap_or(file);
            dispatch::read_file(file, relative)
        })
        .collect();
    let read_any = results.iter().any(|r| r.parsed);
    let twin = build::assemble(results);
    if !read_any {
        let details = twin.diagnostics.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n");
        return Err(SnapshotError::NothingUsable { details });
    }
    Ok(twin)
}

/// Insert a record read from a snapshot file unless one with the same id was read before: the
/// first definition stays and the duplicate is reported as a warning.
pub(crate) fn insert_unique<T>(
    map: &mut std::collections::BTreeMap<String, T>,
    diags: &mut Vec<koban_model::Diagnostic>,
    key: String,
    value: T,
    origin: &koban_model::Origin,
    what: &str,
) {
    if map.contains_key(&key) {
        diags.push(koban_model::Diagnostic {
            severity: koban_model::Severity::Warning,
            origin: origin.clone(),
            message: format!("duplicate {what} {key}: already read from another file; keeping the first definition"),
            resource: Some(key),
        });
        return;
    }
    map.insert(key, value);
}
