//! Landing-zone intent: the `koban.yaml` file (named networks, later intents and
//! suppressions) and the checks with stable ids that prove or refute the reference
//! architecture's rules, each finding with its evidence. Combines `net` (and later `policy`
//! and `dns`); knows nothing of input formats.

pub mod checks;
pub mod config;
pub mod roles;

pub use checks::{run_checks, CheckReport, CATALOGUE};
pub use config::{Config, ConfigError};
