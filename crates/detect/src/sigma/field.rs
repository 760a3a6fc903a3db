//! A record field a rule or a finding reads: its dotted path, and once the rule set is loaded,
//! its slot in the projection records are parsed into. A Sigma field name is looked up as one
//! top-level key first, then by its segments; the fields findings show are looked up by their
//! segments only.

use crate::read::cloudtrail::lookup as nested;
use crate::read::{Projection, RecordView, Slot};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Field {
    pub path: String,
    /// Try the whole dotted path as one key first (Sigma field names).
    literal: bool,
    slot: Option<Slot>,
}

impl Field {
    /// A Sigma field name.
    pub fn sigma(path: &str) -> Field {
        Field { path: path.to_string(), literal: true, slot: None }
    }

    /// A field followed by its segments.
    pub fn nested(path: &str) -> Field {
        Field { path: path.to_string(), literal: false, slot: None }
    }

    /// Compile the path against the projection records will be parsed into.
    pub fn bind(&mut self, p: &Projection) {
        self.slot = p.slot(&self.path, self.literal);
    }

    /// The field's value in a record.
    pub fn get<'a>(&self, record: RecordView<'a>) -> Option<&'a Value> {
        match record {
            RecordView::Whole(v) if self.literal => lookup(v, &self.path),
            RecordView::Whole(v) => nested(v, &self.path),
            RecordView::Projected(p, r) => self.slot.and_then(|s| p.get(r, s)),
        }
    }
}

/// A dotted path into nested JSON (a key containing dots is tried whole first).
pub fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(x) = v.get(path) {
        return Some(x);
    }
    let mut cur = v;
    for part in path.split('.') {
        cur = match cur {
            Value::Object(m) => m.get(part)?,
            _ => return None,
        };
    }
    Some(cur)
}
