//! CloudTrail records reduced, while they are parsed, to the values at a fixed set of field
//! paths (the fields the loaded Sigma rules and the findings read). Each path is compiled once
//! to a [`Slot`]: a record's value at a path is then one index away instead of a walk through
//! nested maps, and everything no path reaches is skipped by the JSON parser without being
//! built. A projected record answers every lookup of a compiled path exactly as the whole
//! record would: a later duplicate key replaces an earlier one, a path inside a kept value is
//! looked up in that value, and a dotted path can also be read as one top-level key.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// Top-level keys of documents that wrap records (S3 deliveries, CloudWatch Logs, EventBridge,
/// CloudTrail Lake): a line holding one is not a plain record.
const ENVELOPE_KEYS: &[&str] = &["Records", "logEvents", "detail-type", "eventData"];

/// A compiled field path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// The parsed value of the top-level key spelled as the whole dotted path, tried first.
    literal: Option<usize>,
    /// Where the value reached by following the path's segments is.
    nested: usize,
}

/// Where the value of a path is found.
#[derive(Debug, Clone)]
enum Source {
    /// Parsed into this value slot.
    Parsed(usize),
    /// Inside the value parsed into this slot, under these keys.
    Under(usize, Box<[String]>),
}

/// A node of the tree of kept keys.
#[derive(Debug, Default)]
struct Node {
    /// The value here is kept whole in this slot.
    slot: Option<usize>,
    children: Vec<(Box<str>, Node)>,
    /// A cheap tag of each child key (its length and end bytes), compared before the key.
    tags: Box<[u32]>,
    /// Every slot below this node, emptied when a duplicate key replaces the value.
    below: Box<[usize]>,
}

impl Node {
    fn child(&self, key: &str) -> Option<&Node> {
        let tag = tag(key);
        self.tags.iter().zip(&self.children).find(|(t, (k, _))| **t == tag && k.as_ref() == key).map(|(_, (_, n))| n)
    }

    fn child_mut(&mut self, key: &str) -> &mut Node {
        let i = match self.children.iter().position(|(k, _)| k.as_ref() == key) {
            Some(i) => i,
            None => {
                self.children.push((key.into(), Node::default()));
                self.children.len() - 1
            }
        };
        &mut self.children[i].1
    }

    fn finish(&mut self) -> Vec<usize> {
        self.tags = self.children.iter().map(|(k, _)| tag(k)).collect();
        let mut below: Vec<usize> = self.slot.into_iter().collect();
        for (_, c) in &mut self.children {
            below.extend(c.finish());
        }
        self.below = below.clone().into();
        below
    }
}

/// A key's length and first and last bytes, packed.
fn tag(key: &str) -> u32 {
    let b = key.as_bytes();
    let end = |x: Option<&u8>| x.copied().map_or(0, u32::from);
    (b.len() as u32 & 0xffff) | end(b.first()) << 16 | end(b.last()) << 24
}

/// The field paths to keep, compiled.
#[derive(Debug)]
pub struct Projection {
    root: Node,
    slots: usize,
    sources: Vec<Source>,
    paths: HashMap<String, Slot>,
}

/// One record's kept values, by slot.
#[derive(Debug, Default)]
pub struct Projected {
    values: Vec<Option<Value>>,
}

impl Projection {
    /// Compile these dotted paths.
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a str>) -> Projection {
        let paths: BTreeSet<&str> = paths.into_iter().collect();
        let mut p = Projection { root: Node::default(), slots: 0, sources: vec![], paths: HashMap::new() };
        let mut parsed: HashMap<&str, usize> = HashMap::new();
        // Paths inside another kept path are looked up in its value; the others are parsed.
        for path in &paths {
            let segments: Vec<&str> = path.split('.').collect();
            let outer = (1..segments.len()).find(|&k| paths.contains(segments[..k].join(".").as_str()));
            if outer.is_none() {
                let slot = p.new_slot(segments.iter().copied());
                parsed.insert(path, slot);
            }
        }
        for path in &paths {
            let segments: Vec<&str> = path.split('.').collect();
            let outer = (1..segments.len()).find_map(|k| parsed.get(segments[..k].join(".").as_str()).map(|s| (k, *s)));
            let source = match outer {
                Some((k, slot)) => Source::Under(slot, segments[k..].iter().map(|s| s.to_string()).collect()),
                None => Source::Parsed(parsed.get(path).copied().unwrap_or_default()),
            };
            let literal = path.contains('.').then(|| p.new_slot(std::iter::once(*path)));
            p.sources.push(source);
            p.paths.insert(path.to_string(), Slot { literal, nested: p.sources.len() - 1 });
        }
        p.root.finish();
        p
    }

    fn new_slot<'a>(&mut self, keys: impl Iterator<Item = &'a str>) -> usize {
        let mut node = &mut self.root;
        for k in keys {
            node = node.child_mut(k);
        }
        let slot = self.slots;
        node.slot = Some(slot);
        self.slots += 1;
        slot
    }

    /// The compiled path, when it was given: `literal` also tries the whole dotted path as one
    /// top-level key first (as Sigma field names are looked up).
    pub fn slot(&self, path: &str, literal: bool) -> Option<Slot> {
        self.paths.get(path).map(|s| Slot { literal: s.literal.filter(|_| literal), nested: s.nested })
    }

    /// An empty record to parse into.
    pub fn record(&self) -> Projected {
        Projected { values: vec![None; self.slots] }
    }

    /// Parse one JSON text into `out`. `Ok(false)` when it is valid JSON but not a plain record
    /// object (an array, a scalar, or a document wrapping records): the caller reads it whole.
    pub fn parse(&self, data: &[u8], out: &mut Projected) -> Result<bool, serde_json::Error> {
        out.values.iter_mut().for_each(|v| *v = None);
        out.values.resize(self.slots, None);
        let mut plain = true;
        let mut de = serde_json::Deserializer::from_slice(data);
        Fill { node: &self.root, values: &mut out.values, top: Some(&mut plain) }.deserialize(&mut de)?;
        de.end()?;
        Ok(plain)
    }

    /// The value at a compiled path.
    pub fn get<'a>(&self, record: &'a Projected, slot: Slot) -> Option<&'a Value> {
        let at = |i: usize| record.values.get(i).and_then(Option::as_ref);
        if let Some(v) = slot.literal.and_then(at) {
            return Some(v);
        }
        match self.sources.get(slot.nested)? {
            Source::Parsed(i) => at(*i),
            Source::Under(i, keys) => keys.iter().try_fold(at(*i)?, |v, k| match v {
                Value::Object(m) => m.get(k),
                _ => None,
            }),
        }
    }
}

/// Parses a value at a node of the tree: a record (`top`), or an object on the way to kept
/// values.
struct Fill<'a, 'p> {
    node: &'p Node,
    values: &'a mut [Option<Value>],
    /// At the top: set to false when the value is not a plain record.
    top: Option<&'a mut bool>,
}

impl<'de> DeserializeSeed<'de> for Fill<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
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

impl Fill<'_, '_> {
    /// A value that is not an object: nothing below it is kept; at the top it is no record.
    fn other(self) {
        if let Some(plain) = self.top {
            *plain = false;
        }
    }
}

impl<'de> Visitor<'de> for Fill<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.other();
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.other();
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.other();
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.other();
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.other();
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.other();
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.other();
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Fill { node, values, mut top } = self;
        while let Some(Key(k)) = map.next_key::<Key>()? {
            if let Some(plain) = top.as_deref_mut().filter(|_| ENVELOPE_KEYS.contains(&k.as_ref())) {
                *plain = false;
            }
            match node.child(&k) {
                Some(Node { slot: Some(slot), .. }) => {
                    let v: Value = map.next_value()?;
                    if let Some(s) = values.get_mut(*slot) {
                        *s = Some(v);
                    }
                }
                Some(child) => {
                    for i in child.below.iter() {
                        if let Some(s) = values.get_mut(*i) {
                            *s = None;
                        }
                    }
                    map.next_value_seed(Fill { node: child, values: &mut *values, top: None })?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn project(p: &Projection, text: &str) -> Option<Projected> {
        let mut r = p.record();
        p.parse(text.as_bytes(), &mut r).unwrap().then_some(r)
    }

    #[test]
    fn lookups_answer_as_on_the_whole_record() {
        let paths = ["eventName", "requestParameters", "requestParameters.bucketName", "userIdentity.arn", "a.b", "a.b.c"];
        let p = Projection::new(paths);
        let text = r#"{"eventName":"X","requestParameters":{"bucketName":"b","k":1},"userIdentity":{"arn":"r"},
            "userIdentity.arn":"lit","a":{"b":{"c":[1]}},"a.b":7,"big":[{"x":"y"}]}"#;
        let whole: Value = serde_json::from_str(text).unwrap();
        let r = project(&p, text).unwrap();
        for path in paths {
            let nested = whole.pointer(&format!("/{}", path.replace('.', "/")));
            assert_eq!(p.get(&r, p.slot(path, false).unwrap()), nested, "{path}");
            let literal = whole.get(path).or(nested);
            assert_eq!(p.get(&r, p.slot(path, true).unwrap()), literal, "{path}");
        }
        assert_eq!(p.slot("big", false), None);
    }

    #[test]
    fn a_later_duplicate_key_replaces_the_earlier_value() {
        let p = Projection::new(["a.b", "c"]);
        let r = project(&p, r#"{"a":{"b":1},"c":1,"a":5,"c":2}"#).unwrap();
        assert_eq!(p.get(&r, p.slot("a.b", false).unwrap()), None);
        assert_eq!(p.get(&r, p.slot("c", false).unwrap()), Some(&json!(2)));
    }

    #[test]
    fn documents_and_non_objects_are_not_plain_records() {
        let p = Projection::new(["eventName"]);
        assert!(project(&p, r#"{"Records":[{"eventName":"A"}]}"#).is_none());
        assert!(project(&p, r#"[{"eventName":"A"}]"#).is_none());
        assert!(project(&p, "7").is_none());
        let mut r = p.record();
        assert!(p.parse(br#"{"eventName":"A","x":[1,}"#, &mut r).is_err());
        assert!(p.parse(br#"{"eventName":"A"} trailing"#, &mut r).is_err());
    }
}
