//! Reading only the parts of CloudTrail records a run looks at. When the only consumer of the
//! records is the Sigma engine, a record is reduced while it is parsed to the fields the loaded
//! rules reference (dotted paths, as the rules name them) plus the few the reader and the
//! findings need; everything else is skipped by the JSON parser without being built. A
//! reduced record answers every lookup of a kept path exactly as the whole record would.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// The fields to keep, as a tree of path segments.
#[derive(Debug, Clone, Default)]
pub struct TrailFields {
    root: Node,
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// Keep the whole value.
    whole: bool,
    children: HashMap<String, Node>,
}

impl Node {
    fn insert<'a>(&mut self, mut segments: impl Iterator<Item = &'a str>) {
        if self.whole {
            return;
        }
        match segments.next() {
            None => {
                self.whole = true;
                self.children.clear();
            }
            Some(s) => self.children.entry(s.to_string()).or_default().insert(segments),
        }
    }
}

/// Keys the document level treats specially (record arrays and envelopes): kept whole.
const ENVELOPE_KEYS: &[&str] = &["logEvents", "detail-type", "detail", "eventData"];

impl TrailFields {
    /// Keep these dotted paths (a path is kept both as nested keys and as one top-level key
    /// holding dots, as lookups try both).
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a str>) -> TrailFields {
        let mut f = TrailFields::default();
        for p in paths {
            f.root.insert(p.split('.'));
            if p.contains('.') {
                f.root.insert(std::iter::once(p));
            }
        }
        f
    }

    /// Parse a document (a record, an array of records, an S3 delivery, an envelope), reducing
    /// its records. Input that is not valid UTF-8 is parsed whole, so that it fails as it would
    /// without reduction.
    pub fn parse_document(&self, data: &[u8]) -> Result<Value, serde_json::Error> {
        self.parse(data, Shape::Document)
    }

    /// Parse one record (a CloudWatch Logs message), reduced.
    pub fn parse_record(&self, data: &[u8]) -> Result<Value, serde_json::Error> {
        self.parse(data, Shape::Record)
    }

    fn parse(&self, data: &[u8], shape: Shape<'_>) -> Result<Value, serde_json::Error> {
        if std::str::from_utf8(data).is_err() {
            return serde_json::from_slice(data);
        }
        let mut de = serde_json::Deserializer::from_slice(data);
        let v = Seed { fields: self, shape }.deserialize(&mut de)?;
        de.end()?;
        Ok(v)
    }
}

/// What is being parsed.
#[derive(Clone, Copy)]
enum Shape<'a> {
    /// A whole document: records, an array of them, or a wrapper holding them.
    Document,
    /// The `Records` array of an S3 delivery.
    Records,
    /// One record.
    Record,
    /// A value on the way to kept fields: only objects matter (lookups pass only through them).
    Inner(&'a Node),
}

struct Seed<'a> {
    fields: &'a TrailFields,
    shape: Shape<'a>,
}

impl<'a> Seed<'a> {
    fn with(&self, shape: Shape<'a>) -> Seed<'a> {
        Seed { fields: self.fields, shape }
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// An object key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        match self.shape {
            Shape::Document | Shape::Records => {
                let mut out = vec![];
                while let Some(v) = seq.next_element_seed(self.with(Shape::Record))? {
                    out.push(v);
                }
                Ok(Value::Array(out))
            }
            // Not a record: only its kind is reported.
            Shape::Record => {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Value::Array(vec![]))
            }
            Shape::Inner(_) => {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Value::Null)
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        // `Records` that is not an array is dropped by the reader: nothing in it is kept.
        let node = match self.shape {
            Shape::Inner(n) => Some(n),
            Shape::Records => None,
            Shape::Document | Shape::Record => Some(&self.fields.root),
        };
        let document = matches!(self.shape, Shape::Document);
        let mut out = Map::new();
        while let Some(Key(k)) = map.next_key::<Key>()? {
            if document && k == "Records" {
                let v = map.next_value_seed(self.with(Shape::Records))?;
                out.insert(k.into_owned(), v);
                continue;
            }
            if document && ENVELOPE_KEYS.contains(&k.as_ref()) {
                let v: Value = map.next_value()?;
                out.insert(k.into_owned(), v);
                continue;
            }
            match node.and_then(|n| n.children.get(k.as_ref())) {
                Some(child) if child.whole => {
                    let v: Value = map.next_value()?;
                    out.insert(k.into_owned(), v);
                }
                Some(child) => {
                    let v = map.next_value_seed(self.with(Shape::Inner(child)))?;
                    out.insert(k.into_owned(), v);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_referenced_paths_only() {
        let f = TrailFields::new(["eventName", "requestParameters.bucketName", "userIdentity", "a.b"]);
        let rec = br#"{"eventName":"X","eventSource":"s3","requestParameters":{"bucketName":"b","key":"k","n":{"x":1}},
            "userIdentity":{"type":"Root","arn":"r"},"a.b":7,"a":{"b":[1,2],"c":3},"big":[{"x":"y"}]}"#;
        let v = f.parse_record(rec).unwrap();
        assert_eq!(
            v,
            json!({"eventName":"X","requestParameters":{"bucketName":"b"},"userIdentity":{"type":"Root","arn":"r"},"a.b":7,"a":{"b":[1,2]}})
        );
    }

    #[test]
    fn documents_keep_their_shape() {
        let f = TrailFields::new(["eventName"]);
        let d = f.parse_document(br#"{"Records":[{"eventName":"A","x":1},7,[1]]}"#).unwrap();
        assert_eq!(d, json!({"Records":[{"eventName":"A"},7,[]]}));
        let d = f.parse_document(br#"[{"eventName":"A","x":1}]"#).unwrap();
        assert_eq!(d, json!([{"eventName":"A"}]));
        let d = f.parse_document(br#"{"detail-type":"t","detail":{"eventName":"A","x":1}}"#).unwrap();
        assert_eq!(d, json!({"detail-type":"t","detail":{"eventName":"A","x":1}}));
        let d = f.parse_document(br#"{"eventName":"A","x":{"y":"\u00e9"}}"#).unwrap();
        assert_eq!(d, json!({"eventName":"A"}));
    }

    #[test]
    fn errors_as_without_reduction() {
        let f = TrailFields::new(["eventName"]);
        assert!(f.parse_document(br#"{"eventName":"A","x":[1,}"#).is_err());
        assert!(f.parse_document(br#"{"eventName":"A"} trailing"#).is_err());
        assert!(f.parse_document(b"{\"eventName\":\"A\",\"x\":\"\xff\"}").is_err());
    }
}
