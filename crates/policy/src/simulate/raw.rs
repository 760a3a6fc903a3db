//! Borrowed views of request JSON: an object's members as slices of the input text
//! ([`RawObject`]), looked up as `serde_json::Value` would (the last of duplicate keys wins),
//! arrays split into their elements' text, and strings read without allocating when they
//! hold no escapes. Requests are read this way so that policy documents stay text — the key
//! of the policy cache — and are parsed only on a cache miss.
//!
//! Every text these functions take is a slice serde_json has already read (and so
//! validated) as one JSON value; [`array`] relies on that to split without re-validating.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// An object key, borrowed from the input unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The members of a JSON object, in input order, values unparsed.
pub(crate) struct RawObject<'a> {
    members: Vec<(Cow<'a, str>, &'a str)>,
}

impl<'de: 'a, 'a> Deserialize<'de> for RawObject<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
                    members.push((k, map.next_value::<&'de RawValue>()?.get()));
                }
                Ok(RawObject { members })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'a> RawObject<'a> {
    /// The member `key` (the last one when the key repeats), `null` included.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// The members sorted by key with duplicates resolved (last wins): the order in which
    /// `serde_json::Map` iterates them.
    pub fn sorted(&self) -> Vec<(&str, &'a str)> {
        let mut out: Vec<(&str, &'a str)> = Vec::with_capacity(self.members.len());
        for (k, v) in &self.members {
            match out.iter_mut().find(|(seen, _)| *seen == k.as_ref()) {
                Some(slot) => slot.1 = v,
                None => out.push((k.as_ref(), v)),
            }
        }
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }
}

/// `None` for an absent member and for `null`, as most fields read them.
pub(crate) fn non_null(v: Option<&str>) -> Option<&str> {
    v.filter(|v| *v != "null")
}

/// Parses `text` as an object; `None` when it is valid JSON of another type.
pub(crate) fn object(text: &str) -> Option<RawObject<'_>> {
    if !text.starts_with('{') {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// The elements of a JSON array, as text; `None` when `text` is not an array. A scan for
/// the top-level commas (strings skipped with `memchr`), not a parse: `text` is valid JSON.
pub(crate) fn array(text: &str) -> Option<Vec<&str>> {
    let b = text.as_bytes();
    if b.first() != Some(&b'[') {
        return None;
    }
    let mut items = Vec::with_capacity(4);
    let mut depth = 0usize;
    let mut start: Option<usize> = None;
    let mut end = 0usize;
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'"' => {
                start.get_or_insert(i);
                i += 1;
                loop {
                    let k = memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
                    if b[i + k] == b'\\' {
                        i += k + 2;
                    } else {
                        i += k + 1;
                        break;
                    }
                }
                end = i;
                continue;
            }
            b'[' | b'{' => {
                start.get_or_insert(i);
                depth += 1;
            }
            b']' | b'}' if depth == 0 => {
                if let Some(s) = start {
                    items.push(&text[s..end]);
                }
                return Some(items);
            }
            b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                items.push(&text[start.take()?..end]);
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            _ => {
                start.get_or_insert(i);
            }
        }
        i += 1;
        end = i;
    }
    None
}

/// The string `text` holds, borrowed when it has no escapes; `None` when it is not a string.
pub(crate) fn string(text: &str) -> Option<Cow<'_, str>> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(text).ok().map(Cow::Owned)
}

/// The boolean `text` holds, if it is one.
pub(crate) fn boolean(text: &str) -> Option<bool> {
    match text {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_keep_the_last_duplicate_and_sort_like_a_map() {
        let o: RawObject = serde_json::from_str(r#"{"b": 1, "a\u0041": [1, 2], "b": "x\"y", "n": null}"#).expect("object");
        assert_eq!(o.get("b"), Some(r#""x\"y""#));
        assert_eq!(o.get("n"), Some("null"));
        assert!(non_null(o.get("n")).is_none());
        assert_eq!(o.sorted().iter().map(|(k, _)| *k).collect::<Vec<_>>(), ["aA", "b", "n"]);
        let b = o.get("b").expect("b");
        assert_eq!(string(b).as_deref(), Some("x\"y"));
        let arr = o.get("aA").and_then(array).expect("array");
        assert_eq!(arr.len(), 2);
        assert_eq!(string(arr[0]), None);
    }

    #[test]
    fn arrays_split_at_top_level_commas() {
        let text = r#"[ {"a": [1, "],\"x"]}, "s,]", 12 , true, [ [] ], null ]"#;
        assert_eq!(array(text), Some(vec![r#"{"a": [1, "],\"x"]}"#, r#""s,]""#, "12", "true", "[ [] ]", "null"]));
        assert_eq!(array("[]"), Some(vec![]));
        assert_eq!(array("[ ]"), Some(vec![]));
        assert_eq!(array(r#"{"a": 1}"#), None);
    }
}
