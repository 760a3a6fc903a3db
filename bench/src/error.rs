//! The benchmark's error type: every failure names the file or parameter it concerns.

use std::path::PathBuf;

/// Everything `koban-bench` can fail with.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Reading or writing a file or directory failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file did not hold valid JSON (or could not be serialized).
    #[error("{path}: invalid JSON: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The requested organisation cannot be generated (too large, bad parameters, …).
    #[error("{0}")]
    Params(String),
}

impl BenchError {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, BenchError>;
