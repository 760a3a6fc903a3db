//! Where each resource came from, what could not be read, and what the twin cannot model.

use serde::{Serialize, Serializer};
use std::sync::Arc;

/// The place in the input a resource or an error comes from: a file and a location inside it
/// (a JSON pointer such as `/Vpcs/0`, or `line:column` for text formats). Both are shared
/// text: every resource of a file names the same file, and a reader hands one resource's
/// origin to everything it declares, so a copy is a reference count, not an allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Origin {
    #[serde(serialize_with = "text")]
    pub file: Arc<str>,
    #[serde(serialize_with = "text")]
    pub location: Arc<str>,
}

fn text<S: Serializer>(s: &Arc<str>, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s)
}

impl Origin {
    pub fn new(file: impl IntoText, location: impl IntoText) -> Self {
        Origin { file: file.into_text(), location: location.into_text() }
    }
}

/// Text an [`Origin`] is made of: copied once from strings, shared from shared text.
pub trait IntoText {
    fn into_text(self) -> Arc<str>;
}

impl IntoText for &str {
    fn into_text(self) -> Arc<str> {
        Arc::from(self)
    }
}

impl IntoText for String {
    fn into_text(self) -> Arc<str> {
        Arc::from(self)
    }
}

impl IntoText for &String {
    fn into_text(self) -> Arc<str> {
        Arc::from(self.as_str())
    }
}

impl IntoText for Arc<str> {
    fn into_text(self) -> Arc<str> {
        self
    }
}

impl IntoText for &Arc<str> {
    fn into_text(self) -> Arc<str> {
        Arc::clone(self)
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}", self.file, self.location)
        }
    }
}

/// How bad a load problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something was skipped or assumed; answers may be incomplete.
    Warning,
    /// Part of the input could not be read; answers touching it are incomplete.
    Error,
}

/// A problem found while reading input: names the file, the location inside it, and what was
/// expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub origin: Origin,
    pub message: String,
    /// The resource the problem touches, when known (so answers can list it in `unknowns`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{sev}: {}: {}", self.origin, self.message)
    }
}

/// Something present in the environment that the twin does not model (or models only in
/// part). Engines report every unknown their answer depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unknown {
    /// The resource id (or a description when there is no id).
    pub resource: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}
