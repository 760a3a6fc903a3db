//! SDK output → the JSON the AWS CLI prints for the same call (PascalCase keys, the CLI's
//! spelling), field by field, so that the snapshot reader (`crates/ingest/src/snapshot/`)
//! loads what `koban collect` writes exactly as it loads `aws … --output json` files. Only
//! the fields the reader uses and the ones that identify a resource are written; lists are
//! always written (the CLI prints empty lists), absent scalars are left out (as the CLI does).

pub mod access;
pub mod dns;
pub mod ec2;
pub mod elb;
pub mod monitor;

use serde_json::{Map, Value};

/// A JSON object under construction.
#[derive(Default)]
pub struct Obj(Map<String, Value>);

impl Obj {
    pub fn new() -> Self {
        Obj(Map::new())
    }

    /// A string, left out when absent.
    pub fn s(mut self, key: &str, v: Option<&str>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), Value::String(v.to_string()));
        }
        self
    }

    /// An SDK enum, as AWS spells it.
    pub fn e<E: AsRef<str>>(self, key: &str, v: Option<&E>) -> Self {
        let v = v.map(|x| x.as_ref().to_string());
        self.s(key, v.as_deref())
    }

    pub fn b(mut self, key: &str, v: Option<bool>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), Value::Bool(v));
        }
        self
    }

    pub fn i<N: Into<i64>>(mut self, key: &str, v: Option<N>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), Value::from(v.into()));
        }
        self
    }

    /// Any value, left out when absent.
    pub fn v(mut self, key: &str, v: Option<Value>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), v);
        }
        self
    }

    /// A list, always written.
    pub fn list<T>(mut self, key: &str, items: &[T], f: impl Fn(&T) -> Value) -> Self {
        self.0.insert(key.into(), Value::Array(items.iter().map(f).collect()));
        self
    }

    /// A list of strings, always written.
    pub fn strs(self, key: &str, items: &[String]) -> Self {
        self.list(key, items, |s| Value::String(s.clone()))
    }

    pub fn build(self) -> Value {
        Value::Object(self.0)
    }
}

/// A timestamp as the AWS CLI v2 prints it (RFC 3339).
pub fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<Value> {
    t.and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()).map(Value::String)
}

/// A policy document as the IAM API returns it (URL-encoded JSON): decoded and parsed, as the
/// AWS CLI prints it; kept as the original text when it does not decode to JSON (the reader
/// then reports it).
pub fn iam_document(text: Option<&str>) -> Option<Value> {
    let text = text?;
    let decoded = percent_decode(text);
    Some(serde_json::from_str(&decoded).unwrap_or_else(|_| Value::String(text.to_string())))
}

/// RFC 3986 percent-decoding (`+` is left alone, as IAM encodes spaces as `%20`).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_iam_documents() {
        let v = iam_document(Some("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"));
        assert_eq!(v, Some(serde_json::json!({"Version": "2012-10-17", "Statement": []})));
        assert_eq!(iam_document(Some("{\"a\":1}")), Some(serde_json::json!({"a": 1})));
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("100%25"), "100%");
    }

    #[test]
    fn objects_leave_out_absent_scalars_and_keep_lists() {
        let v = Obj::new().s("A", None).s("B", Some("b")).strs("L", &[]).b("C", Some(true)).build();
        assert_eq!(v, serde_json::json!({"B": "b", "L": [], "C": true}));
    }
}
