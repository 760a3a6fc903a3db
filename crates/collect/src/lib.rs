//! koban-collect: `koban collect`, the live, read-only collector. It calls AWS through the
//! official AWS SDK for Rust (standard credential chain, `--profile`, `AWS_ENDPOINT_URL`) and
//! writes exactly the AWS CLI snapshot layout the snapshot reader loads
//! (`<account>/<region>/Vpcs.json`, …, see docs/snapshot.md), with a `manifest.json` of every
//! call and its outcome beside the files.
//!
//! It only reads: every client carries a guard that refuses any operation outside the
//! allow-list ([`allow`]), and no operation on it returns secret material. It is not a
//! general AWS inventory tool: it collects what koban's twin reads, and nothing else.

pub mod allow;
pub mod error;
pub mod guard;
pub mod manifest;
pub mod map;
pub mod run;
pub mod services;

pub use error::CollectError;
pub use manifest::Manifest;
pub use run::{collect, Options, Summary};
