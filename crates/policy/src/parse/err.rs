//! Errors of the parse stage: each names the JSON path where the document departs from the
//! grammar AWS accepts and what was expected there.

use thiserror::Error;

/// A policy document that AWS would not accept as JSON or as policy grammar.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// The text is not JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    InvalidJson {
        /// What the JSON reader said.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A value has the wrong JSON type.
    #[error("{path}: expected {expected}, found {found}")]
    ExpectedType {
        /// JSON path of the value.
        path: String,
        /// What the grammar wants there.
        expected: &'static str,
        /// The JSON type found.
        found: &'static str,
    },
    /// A required element is missing.
    #[error("{path}: missing required element {element}")]
    Missing {
        /// JSON path of the object that lacks it.
        path: String,
        /// The element's name.
        element: &'static str,
    },
    /// An element the grammar does not have.
    #[error("{path}: unknown element {element:?}, expected one of {expected}")]
    UnknownElement {
        /// JSON path of the element.
        path: String,
        /// Its name.
        element: String,
        /// The names allowed there.
        expected: &'static str,
    },
    /// Two elements that exclude each other (`Action` and `NotAction`, …).
    #[error("{path}: {first} and {second} cannot both appear in one statement")]
    Conflict {
        /// JSON path of the statement.
        path: String,
        /// One element.
        first: &'static str,
        /// The other.
        second: &'static str,
    },
    /// A value outside the grammar's vocabulary.
    #[error("{path}: {message}")]
    InvalidValue {
        /// JSON path of the value.
        path: String,
        /// What is wrong and what was expected.
        message: String,
    },
}

impl ParseError {
    /// The JSON path the error points at (empty for invalid JSON).
    pub fn path(&self) -> &str {
        match self {
            ParseError::InvalidJson { .. } => "",
            ParseError::ExpectedType { path, .. }
            | ParseError::Missing { path, .. }
            | ParseError::UnknownElement { path, .. }
            | ParseError::Conflict { path, .. }
            | ParseError::InvalidValue { path, .. } => path,
        }
    }
}
