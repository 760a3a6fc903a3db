//! Borrowed views of request JSON: an object's members as slices of the input text
//! ([`RawObject`]), looked up as `serde_json::Value` would (the last of duplicate keys wins),
//! and strings read without allocating when they hold no escapes. Requests are read this
//! way so that policy documents stay text — the key of the policy cache — and are parsed
//! only on a cache miss.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
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
    members: Vec<(Cow<'a, str>, &'a RawValue)>,
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
                    members.push((k, map.next_value::<&'de RawValue>()?));
                }
                Ok(RawObject { members })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'a> RawObject<'a> {
    /// The member `key` (the last one when the key repeats), `null` included.
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// The members sorted by key with duplicates resolved (last wins): the order in which
    /// `serde_json::Map` iterates them.
    pub fn sorted(&self) -> Vec<(&str, &'a RawValue)> {
        let mut out: Vec<(&str, &'a RawValue)> = Vec::with_capacity(self.members.len());
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
pub(crate) fn non_null(v: Option<&RawValue>) -> Option<&RawValue> {
    v.filter(|v| v.get() != "null")
}

/// Parses `text` as an object; `None` when it is valid JSON of another type.
pub(crate) fn object(raw: &RawValue) -> Option<RawObject<'_>> {
    if !raw.get().starts_with('{') {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// The elements of a JSON array, unparsed; `None` when `raw` is not an array.
pub(crate) fn array(raw: &RawValue) -> Option<Vec<&RawValue>> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<&'de RawValue>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON array")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(4));
            while let Some(v) = seq.next_element::<&'de RawValue>()? {
                out.push(v);
            }
            Ok(out)
        }
    }
    if !raw.get().starts_with('[') {
        return None;
    }
    let mut de = serde_json::Deserializer::from_str(raw.get());
    de.deserialize_seq(V).ok()
}

/// The string `raw` holds, borrowed when it has no escapes; `None` when it is not a string.
pub(crate) fn string(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get();
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(text).ok().map(Cow::Owned)
}

/// The boolean `raw` holds, if it is one.
pub(crate) fn boolean(raw: &RawValue) -> Option<bool> {
    match raw.get() {
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
        assert_eq!(o.get("b").map(RawValue::get), Some(r#""x\"y""#));
        assert_eq!(o.get("n").map(RawValue::get), Some("null"));
        assert!(non_null(o.get("n")).is_none());
        assert_eq!(o.sorted().iter().map(|(k, _)| *k).collect::<Vec<_>>(), ["aA", "b", "n"]);
        let b = o.get("b").expect("b");
        assert_eq!(string(b).as_deref(), Some("x\"y"));
        let arr = o.get("aA").and_then(array).expect("array");
        assert_eq!(arr.len(), 2);
        assert_eq!(string(arr[0]), None);
    }
}
