//! The twin: koban's vendor-neutral, immutable model of an AWS environment.
//!
//! Every input format (`ingest`) produces a [`Twin`]; every engine (`net`, `policy`, `dns`,
//! `intent`, …) reads it through `&Twin`. The model uses AWS's own vocabulary and ids
//! (`vpc-…`, `tgw-attach-…`, ARNs) and knows nothing of file formats or analyses.
//! Resources are kept in ordered maps keyed by their AWS id so that every answer built on the
//! twin is reproducible. What the twin cannot represent is recorded in [`Twin::unknowns`];
//! what went wrong while reading is in [`Twin::diagnostics`].

pub mod cognito;
pub mod compute;
pub mod diag;
pub mod dns;
pub mod filter;
pub mod gateway;
pub mod iam;
pub mod monitoring;
pub mod network;
pub mod org;
pub mod patching;
pub mod resource_policy;
pub mod traffic;
pub mod transit;
pub mod twin;

pub use cognito::*;
pub use compute::*;
pub use diag::*;
pub use dns::*;
pub use filter::*;
pub use gateway::*;
pub use iam::*;
pub use monitoring::*;
pub use network::*;
pub use org::*;
pub use patching::*;
pub use resource_policy::*;
pub use traffic::*;
pub use transit::*;
pub use twin::*;

/// AWS tags as key/value pairs, in the order AWS returned them.
pub type Tags = Vec<(String, String)>;

/// The `Name` tag, if any.
pub fn name_tag(tags: &Tags) -> Option<&str> {
    tags.iter().find(|(k, _)| k == "Name").map(|(_, v)| v.as_str())
}
