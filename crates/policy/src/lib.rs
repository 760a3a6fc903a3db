//! The AWS policy language for koban: parse policy documents exactly as AWS accepts them,
//! validate them like IAM Access Analyzer's policy validation, evaluate requests against every
//! policy type with AWS's full decision logic, and explain each decision.
//!
//! The crate knows nothing of networks or of the twin: callers hand it policy documents and a
//! [`RequestContext`]; the `intent` and `cli` crates derive network context keys
//! (`aws:SourceVpce`, …) and feed them in. Policies are parsed once into a typed AST with
//! precompiled wildcard patterns, so evaluation does no parsing and, for policies without
//! variables, no allocation.
//!
//! Stages, one module each: [`parse`] (JSON → [`ast`]), [`validate`] (findings),
//! [`evaluate`] (decision flow over [`PolicySet`]), [`condition`] (operators),
//! [`context`] (request context and variables), [`explain`] (the answer), [`simulate`]
//! (JSON Lines requests in the `iam-simulate` peer's format).

pub mod arn;
pub mod ast;
pub mod catalog;
pub mod condition;
pub mod context;
pub mod evaluate;
pub mod explain;
pub mod parse;
pub mod pattern;
pub mod simulate;
pub mod validate;

pub use ast::{Effect, PolicyDocument, PolicyVersion, Statement};
pub use context::{Caller, ContextValue, RequestContext};
pub use evaluate::{NamedPolicy, OrgLevel, PolicySet};
pub use explain::{Decision, Explanation};
pub use parse::{parse_policy, parse_policy_str, ParseError};
pub use simulate::{simulate_jsonl, validate_document, SimulateError, SimulateSummary};
pub use validate::{Finding, PolicyKind, Severity};
