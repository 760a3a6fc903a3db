//! Turning the command line's inputs into a twin: every input (snapshot, CloudFormation
//! template, Terraform plan or state) read by its reader, plus the named networks of
//! `koban.yaml`.

use koban_intent::{Config, ConfigError};
use koban_model::Twin;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Input(#[from] koban_ingest::InputError),
    #[error(transparent)]
    Parameters(#[from] koban_ingest::cloudformation::ParameterError),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// `koban.yaml` in the first input directory or one of its two parents.
fn find_config(inputs: &[PathBuf]) -> Option<PathBuf> {
    let first = inputs.first()?;
    let start: &Path = if first.is_dir() { first } else { first.parent()? };
    start.ancestors().take(3).map(|d| d.join("koban.yaml")).find(|p| p.is_file())
}

/// Load the command line's inputs (with `--parameters`) and the configuration.
pub fn load_inputs(inputs: &crate::args::Inputs) -> Result<(Twin, Config), LoadError> {
    let options = koban_ingest::Options::from_parameter_args(&inputs.parameters)?;
    load_with(&inputs.inputs, inputs.config.as_deref(), &options)
}

/// Load the inputs and the configuration into one twin.
pub fn load(inputs: &[PathBuf], config: Option<&Path>) -> Result<(Twin, Config), LoadError> {
    load_with(inputs, config, &koban_ingest::Options::default())
}

fn load_with(inputs: &[PathBuf], config: Option<&Path>, options: &koban_ingest::Options) -> Result<(Twin, Config), LoadError> {
    let mut twin = koban_ingest::load_inputs(inputs, options)?;
    let cfg = match config.map(Path::to_path_buf).or_else(|| find_config(inputs)) {
        Some(p) => Config::load(&p)?,
        None => Config::default(),
    };
    twin.networks = cfg.networks.clone();
    Ok((twin, cfg))
}
