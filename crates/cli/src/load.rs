//! Turning the command line's inputs into a twin: the snapshot reader plus the named
//! networks of `koban.yaml`.

use koban_intent::{Config, ConfigError};
use koban_model::Twin;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Snapshot(#[from] koban_ingest::SnapshotError),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// `koban.yaml` in the first input directory or one of its two parents.
fn find_config(inputs: &[PathBuf]) -> Option<PathBuf> {
    let first = inputs.first()?;
    let start: &Path = if first.is_dir() { first } else { first.parent()? };
    start.ancestors().take(3).map(|d| d.join("koban.yaml")).find(|p| p.is_file())
}

/// Load the inputs and the configuration into one twin.
pub fn load(inputs: &[PathBuf], config: Option<&Path>) -> Result<(Twin, Config), LoadError> {
    let mut twin = koban_ingest::load_snapshot(inputs)?;
    let cfg = match config.map(Path::to_path_buf).or_else(|| find_config(inputs)) {
        Some(p) => Config::load(&p)?,
        None => Config::default(),
    };
    twin.networks = cfg.networks.clone();
    Ok((twin, cfg))
}
