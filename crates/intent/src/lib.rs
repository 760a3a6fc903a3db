//! Landing-zone intent: the `koban.yaml` file (named networks, later intents and
//! suppressions) and the checks with stable ids that prove or refute the reference
//! architecture's rules, each finding with its evidence; and [`access`], which combines
//! `net` and `policy` to answer who may do what from where (`koban can`, `koban who-can`,
//! the IAM checks). Knows nothing of input formats.

pub mod access;
pub mod accounts;
pub mod catalogue;
pub mod checks;
pub mod cicd_checks;
pub mod cognito_checks;
pub mod config;
pub mod dns_checks;
pub mod evaluate;
pub mod intents;
pub mod ops_checks;
pub mod org_checks;
pub mod places;
pub mod roles;
pub mod sarif;
pub mod scope;

pub use checks::{run_checks, CheckReport, CATALOGUE};
pub use config::{Config, ConfigError};
pub use evaluate::{check, CheckOutcome};
pub use scope::{Scope, ScopeError};
