//! The values a template's nodes evaluate to once intrinsic functions are applied: text,
//! lists and mappings, CloudFormation's `AWS::NoValue`, and values that exist only after
//! deployment (`Unknown`, with the reason). Every value keeps the position of the node it
//! came from, so a property that cannot be used is reported at its line and column.

use super::yaml::Pos;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V {
    Null,
    /// A scalar: CloudFormation passes numbers and booleans as text too.
    Str(String),
    List(Vec<Val>),
    Map(Vec<(String, Val)>),
    /// Known only after deployment (or not given): why.
    Unknown(String),
    /// `AWS::NoValue`: the property is removed.
    NoValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Val {
    pub v: V,
    pub pos: Pos,
}

impl Val {
    pub fn new(v: V, pos: Pos) -> Val {
        Val { v, pos }
    }

    pub fn str(s: impl Into<String>, pos: Pos) -> Val {
        Val { v: V::Str(s.into()), pos }
    }

    pub fn unknown(why: impl Into<String>, pos: Pos) -> Val {
        Val { v: V::Unknown(why.into()), pos }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.v {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Val]> {
        match &self.v {
            V::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(String, Val)]> {
        match &self.v {
            V::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Val> {
        self.as_map()?.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The reason this value is unknown, looking inside lists and mappings.
    pub fn unknown_reason(&self) -> Option<&str> {
        match &self.v {
            V::Unknown(r) => Some(r),
            V::List(l) => l.iter().find_map(Val::unknown_reason),
            V::Map(m) => m.iter().find_map(|(_, v)| v.unknown_reason()),
            _ => None,
        }
    }

    /// What kind of value this is, for messages.
    pub fn describe(&self) -> String {
        match &self.v {
            V::Null => "null".into(),
            V::Str(s) => format!("{s:?}"),
            V::List(_) => "a list".into(),
            V::Map(_) => "a mapping".into(),
            V::Unknown(r) => format!("a value known only after deployment ({r})"),
            V::NoValue => "AWS::NoValue".into(),
        }
    }

    /// The value as JSON (policy documents, `Fn::ToJsonString`). Scalars become strings,
    /// except `true`/`false` and numbers, which CloudFormation also writes unquoted.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.v {
            V::Null | V::NoValue => J::Null,
            V::Str(s) => J::String(s.clone()),
            V::List(l) => J::Array(l.iter().map(Val::to_json).collect()),
            V::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            V::Unknown(r) => J::String(format!("<unknown: {r}>")),
        }
    }
}
