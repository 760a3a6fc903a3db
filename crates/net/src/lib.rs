//! Forwarding semantics and symbolic reachability over the twin.
//!
//! `net` answers "what can reach what, along which hops, and why not the rest" by pushing
//! packet *sets* ([`space::PacketSet`]) through AWS's forwarding constructs ([`forward`]).
//! [`reach`] answers one query (with return traffic checked), [`exposure`] lists what every
//! external network can reach. It knows nothing of policies or input formats.

pub mod exposure;
pub mod filters;
pub mod forward;
pub mod index;
pub mod reach;
pub mod space;
pub mod spec;
pub mod trace;

pub use forward::Engine;
