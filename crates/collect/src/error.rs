//! The errors that stop a collection as a whole (a failed call of one service in one region
//! does not: it is recorded in the manifest, see [`crate::manifest`]).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("no credentials: {0}")]
    Credentials(String),
    #[error("cannot tell which account the credentials belong to (sts:GetCallerIdentity): {0}")]
    Identity(String),
    #[error("cannot list the organization's accounts for --role-name (organizations:ListAccounts): {0}")]
    Accounts(String),
    #[error("no region: give --region, or set AWS_REGION or a profile region")]
    NoRegion,
    #[error("{0}")]
    Usage(String),
}
