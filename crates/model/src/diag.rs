//! Where each resource came from, what could not be read, and what the twin cannot model.

use serde::Serialize;

/// The place in the input a resource or an error comes from: a file and a location inside it
/// (a JSON pointer such as `/Vpcs/0`, or `line:column` for text formats).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Origin {
    pub file: String,
    pub location: String,
}

impl Origin {
    pub fn new(file: impl Into<String>, location: impl Into<String>) -> Self {
        Origin { file: file.into(), location: location.into() }
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
