//! DNS resolution semantics over the twin (DESIGN.md's `dns` layer): which resolver answers
//! a name asked from a VPC, the Resolver rule or private hosted zone that decided it, and —
//! for names forwarded to resolvers on your network — the network path of the DNS queries
//! from the outbound endpoint's interfaces to each target (through `net`).
//!
//! [`decide`] is Route 53 Resolver's choice alone (rules associated with the VPC, private
//! hosted zones, autodefined rules, most specific domain first); [`query`] adds the paths.
//! It knows nothing of input formats or of checks.

pub mod decide;
pub mod query;

pub use decide::{decide, Decision, DecisionKind};
pub use query::{resolve, ResolveAnswer, ResolveError};
