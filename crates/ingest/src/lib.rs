//! Readers that turn AWS inputs into koban's [`Twin`](koban_model::Twin).
//!
//! One module per input format; each produces the same twin, so no engine knows which input a
//! twin came from. Today: [`snapshot`], the AWS CLI JSON snapshot directory (also the layout
//! Batfish reads). Readers never panic on bad input: what cannot be read is reported in
//! [`Twin::diagnostics`](koban_model::Twin) with the file, the JSON path and what was
//! expected, and the rest is loaded.

pub mod cloudformation;
mod iac;
pub mod inputs;
pub mod snapshot;
pub mod terraform;

pub use inputs::{load_inputs, InputError, Options};
pub use snapshot::{load_snapshot, SnapshotError};
