//! Field access on raw JSON records with exact error paths, ARN parts, and policy documents
//! as AWS prints them (a JSON object, a JSON string, or a URL-encoded string).

use super::Source;
use crate::snapshot::dispatch::FileItems;
pub use crate::snapshot::source::{array, json_kind as kind};
use koban_model as m;
use serde_json::Value;

/// A string field, when present and a string.
pub fn str_at<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// A required string field: reports its absence or wrong type.
pub fn required<'v>(src: &Source, v: &'v Value, pointer: &str, key: &str, what: &str, out: &mut FileItems) -> Option<&'v str> {
    match v.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(other) => {
            src.error(
                out,
                &format!("{pointer}/{key}"),
                format!("expected {what} (a non-empty string), got {}", kind(other)),
                str_at(v, "Arn"),
            );
            None
        }
        None => {
            src.error(out, &format!("{pointer}/{key}"), format!("missing {key}: expected {what}"), str_at(v, "Arn"));
            None
        }
    }
}

/// An optional string field; a value of another type is reported against `resource`.
pub fn optional(src: &Source, v: &Value, pointer: &str, key: &str, resource: &str, out: &mut FileItems) -> Option<String> {
    match v.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            src.error(out, &format!("{pointer}/{key}"), format!("expected a string, got {}", kind(other)), Some(resource));
            None
        }
    }
}

/// An optional array field (absent = empty); a value of another type is reported.
pub fn list<'v>(src: &Source, v: &'v Value, pointer: &str, key: &str, resource: &str, out: &mut FileItems) -> &'v [Value] {
    match v.get(key) {
        None | Some(Value::Null) => &[],
        Some(Value::Array(a)) => a,
        Some(other) => {
            src.error(out, &format!("{pointer}/{key}"), format!("expected an array, got {}", kind(other)), Some(resource));
            &[]
        }
    }
}

/// A list of strings (`GroupList`); other elements are reported.
pub fn strings(src: &Source, v: &Value, pointer: &str, key: &str, resource: &str, out: &mut FileItems) -> Vec<String> {
    let mut res = Vec::new();
    for (i, x) in list(src, v, pointer, key, resource, out).iter().enumerate() {
        match x.as_str() {
            Some(s) => res.push(s.to_string()),
            None => src.error(out, &format!("{pointer}/{key}/{i}"), format!("expected a string, got {}", kind(x)), Some(resource)),
        }
    }
    res
}

/// `Tags` as `[{"Key": …, "Value": …}]`.
pub fn tags(src: &Source, v: &Value, pointer: &str, resource: &str, out: &mut FileItems) -> m::Tags {
    let mut res = Vec::new();
    for (i, t) in list(src, v, pointer, "Tags", resource, out).iter().enumerate() {
        match (str_at(t, "Key"), t.get("Value")) {
            (Some(k), Some(Value::String(val))) => res.push((k.to_string(), val.clone())),
            (Some(k), None) => res.push((k.to_string(), String::new())),
            _ => {
                src.error(out, &format!("{pointer}/Tags/{i}"), "expected a tag {\"Key\": string, \"Value\": string}".into(), Some(resource))
            }
        }
    }
    res
}

/// The region and account fields of an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:…`).
pub fn arn_region_account(arn: &str) -> (Option<String>, Option<String>) {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return (None, None);
    }
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    (some(parts[3]), some(parts[4]))
}

/// The partition of a region (`aws`, `aws-cn`, `aws-us-gov`).
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Why a policy document could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("expected a policy document (a JSON object, or a string holding one, URL-encoded or not), got {0}")]
    Type(&'static str),
    #[error("the URL-encoded policy document has a malformed escape at byte {0} (expected %XX with two hex digits)")]
    Escape(usize),
    #[error("the URL-decoded policy document is not UTF-8")]
    Utf8,
}

/// Percent-decoding as RFC 3986 defines it (`+` stays `+`: IAM encodes spaces as `%20`).
pub fn percent_decode(s: &str) -> Result<String, DocumentError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(x) => out.push(x),
                None => return Err(DocumentError::Escape(i)),
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| DocumentError::Utf8)
}

/// A policy document as AWS prints it: an object (the CLI decodes IAM documents), a JSON
/// string (secret, bucket, key and endpoint policies), or a URL-encoded string (the IAM API
/// itself, and some SDKs).
pub fn document(v: &Value, origin: m::Origin) -> Result<m::PolicyText, DocumentError> {
    match v {
        Value::Object(_) => Ok(m::PolicyText { text: v.to_string(), origin, in_string: false }),
        Value::String(s) => {
            let trimmed = s.trim_start();
            let text = if trimmed.starts_with('{') || !trimmed.starts_with('%') { s.clone() } else { percent_decode(s)? };
            Ok(m::PolicyText { text, origin, in_string: true })
        }
        other => Err(DocumentError::Type(kind(other))),
    }
}

/// The document under `key` of `v` (absent = `None`); a bad one is reported against
/// `resource` and left out.
pub fn document_at(src: &Source, v: &Value, pointer: &str, key: &str, resource: &str, out: &mut FileItems) -> Option<m::PolicyText> {
    let x = v.get(key).filter(|x| !x.is_null())?;
    let at = format!("{pointer}/{key}");
    match document(x, src.origin(&at)) {
        Ok(d) => Some(d),
        Err(e) => {
            src.error(out, &at, e.to_string(), Some(resource));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_in_every_form() {
        let o = m::Origin::new("f.json", "/RoleDetailList/0/AssumeRolePolicyDocument");
        let obj = json!({"Version": "2012-10-17", "Statement": []});
        assert_eq!(document(&obj, o.clone()).map(|d| d.in_string), Ok(false));
        let encoded = json!("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D");
        let d = document(&encoded, o.clone()).map(|d| d.text);
        assert_eq!(d.as_deref(), Ok(r#"{"Version":"2012-10-17","Statement":[]}"#));
        let text = json!("{\"Version\": \"2012-10-17\", \"Statement\": []}");
        assert!(document(&text, o.clone()).is_ok());
        assert_eq!(document(&json!("%7B%2"), o.clone()), Err(DocumentError::Escape(3)));
        assert_eq!(document(&json!(42), o), Err(DocumentError::Type("a number")));
        assert_eq!(percent_decode("a+b%20c").as_deref(), Ok("a+b c"));
    }

    #[test]
    fn arn_parts() {
        let (r, a) = arn_region_account("arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf");
        assert_eq!((r.as_deref(), a.as_deref()), (Some("eu-west-1"), Some("111111111111")));
        assert_eq!(arn_region_account("arn:aws:iam::111111111111:role/x"), (None, Some("111111111111".into())));
        assert_eq!(arn_region_account("nonsense"), (None, None));
    }
}
