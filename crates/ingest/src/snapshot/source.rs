//! Where a snapshot file sits (path, name, directory, the account and region its path implies)
//! and how the IAM, Organizations, resource-policy and DNS readers report what they cannot
//! read in it.

use super::dispatch::FileItems;
use koban_model::{Diagnostic, Origin, Placement, Severity};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What a reader needs to know of its file (its fields borrowed one by one, so that the
/// reader's output stays writable).
pub struct Source<'a> {
    pub file: &'a str,
    /// The file name without `.json`.
    pub stem: &'a str,
    /// The name of the directory holding the file.
    pub dir: &'a str,
    pub account: Option<&'a str>,
    pub region: Option<&'a str>,
}

impl Source<'_> {
    pub fn origin(&self, pointer: &str) -> Origin {
        Origin::new(self.file, pointer)
    }

    /// The account (the record's owner when it names one) and region of a record.
    pub fn placement(&self, owner: Option<&str>) -> Placement {
        Placement { account: owner.or(self.account).map(str::to_string), region: self.region.map(str::to_string) }
    }

    fn report(&self, out: &mut FileItems, severity: Severity, pointer: &str, message: String, resource: Option<&str>) {
        out.diagnostics.push(Diagnostic { severity, origin: self.origin(pointer), message, resource: resource.map(str::to_string) });
    }

    pub fn error(&self, out: &mut FileItems, pointer: &str, message: String, resource: Option<&str>) {
        self.report(out, Severity::Error, pointer, message, resource);
    }

    pub fn warning(&self, out: &mut FileItems, pointer: &str, message: String, resource: Option<&str>) {
        self.report(out, Severity::Warning, pointer, message, resource);
    }

    /// Deserialize one record, reporting the exact path of a shape error.
    pub fn shape<T: DeserializeOwned>(&self, v: &Value, pointer: &str, what: &str, id_key: &str, out: &mut FileItems) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(v) {
            Ok(t) => Some(t),
            Err(e) => {
                let inner = e.path().to_string();
                let field = if inner == "." { String::new() } else { format!("/{}", inner.replace('.', "/")) };
                let id = v.get(id_key).and_then(Value::as_str);
                self.error(out, &format!("{pointer}{field}"), format!("{} (expected the AWS CLI shape of {what})", e.inner()), id);
                None
            }
        }
    }
}

/// The array `v` at `pointer`, or a reported error naming what was expected.
pub fn array<'v>(src: &Source, v: &'v Value, pointer: &str, what: &str, out: &mut FileItems) -> Option<&'v Vec<Value>> {
    match v {
        Value::Array(a) => Some(a),
        other => {
            src.error(out, pointer, format!("expected an array of {what}, got {}", json_kind(other)), None);
            None
        }
    }
}

/// JSON type names for messages.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
