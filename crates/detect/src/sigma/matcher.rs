//! Sigma search identifiers: field matchers (`field|modifier|...: value(s)`), lists of maps,
//! and keyword lists, compiled once and evaluated against a CloudTrail record. Field names are
//! dotted paths into nested JSON; a field holding a list matches when any element does; string
//! matching is case-insensitive unless `|cased`, with `*` and `?` wildcards; `|re` is a
//! case-sensitive regular expression (`|re|i` for insensitive).

use super::field::Field;
use crate::read::{Projection, RecordView};
use ipnet::Ipv4Net;
use serde_json::Value;
use serde_yaml_ng::Value as Yaml;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MatcherError {
    #[error("modifier {0:?} is not supported")]
    Modifier(String),
    #[error("field {field:?}: {why}")]
    Value { field: String, why: String },
    #[error("search {0:?} is neither a map, a list of maps nor a list of keywords")]
    Shape(String),
}

/// How one value is compared.
#[derive(Debug, Clone)]
enum Test {
    /// The field is missing or null.
    Null,
    /// Lowercased unless cased; `*`/`?` wildcards compiled to a pattern.
    Str(StrPattern),
    Regex(regex::Regex),
    Cidr(Ipv4Net),
    Exists(bool),
    /// Compare with another field of the event.
    FieldRef {
        field: Field,
        how: RefHow,
    },
    Num(NumCmp, f64),
}

#[derive(Debug, Clone, Copy)]
enum RefHow {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, Copy)]
enum NumCmp {
    Lt,
    Lte,
    Gt,
    Gte,
}

/// A string pattern after Sigma wildcard expansion.
#[derive(Debug, Clone)]
pub struct StrPattern {
    cased: bool,
    kind: StrKind,
}

#[derive(Debug, Clone)]
enum StrKind {
    Exact(String),
    Contains(String),
    Prefix(String),
    Suffix(String),
    Any,
    /// Parts between `*` wildcards; `?` kept as a one-character wildcard inside parts.
    Glob(Vec<String>),
}

impl StrPattern {
    /// The value this pattern equals, lowercased, when it is a plain case-insensitive equality.
    fn exact_lowercase(&self) -> Option<&str> {
        match (&self.kind, self.cased) {
            (StrKind::Exact(v), false) => Some(v),
            _ => None,
        }
    }

    /// Compile a Sigma string (with the `contains`/`startswith`/`endswith` wildcards added).
    pub fn new(raw: &str, cased: bool) -> StrPattern {
        // Unescape `\*` and `\?` into placeholders; count real wildcards.
        let mut parts: Vec<String> = vec![String::new()];
        let mut has_q = false;
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if matches!(chars.peek(), Some('*') | Some('?') | Some('\\')) => {
                    let n = chars.next().unwrap_or('\\');
                    if let Some(p) = parts.last_mut() {
                        p.push(match n {
                            '*' => '\u{1}',
                            '?' => '\u{2}',
                            other => other,
                        })
                    }
                }
                '*' => parts.push(String::new()),
                '?' => {
                    has_q = true;
                    if let Some(p) = parts.last_mut() {
                        p.push('\u{3}')
                    }
                }
                other => {
                    if let Some(p) = parts.last_mut() {
                        p.push(other)
                    }
                }
            }
        }
        let fix = |s: &str| {
            let s = s.replace('\u{1}', "*").replace('\u{2}', "?");
            if cased {
                s
            } else {
                s.to_lowercase()
            }
        };
        let kind = if has_q {
            StrKind::Glob(parts.iter().map(|p| fix(p)).collect())
        } else {
            let parts: Vec<String> = parts.iter().map(|p| fix(p)).collect();
            match parts.len() {
                1 => StrKind::Exact(parts[0].clone()),
                2 if parts[0].is_empty() && parts[1].is_empty() => StrKind::Any,
                2 if parts[0].is_empty() => StrKind::Suffix(parts[1].clone()),
                2 if parts[1].is_empty() => StrKind::Prefix(parts[0].clone()),
                3 if parts[0].is_empty() && parts[2].is_empty() => {
                    if parts[1].is_empty() {
                        StrKind::Any
                    } else {
                        StrKind::Contains(parts[1].clone())
                    }
                }
                _ => StrKind::Glob(parts),
            }
        };
        StrPattern { cased, kind }
    }

    pub fn matches(&self, value: &str) -> bool {
        // Patterns are lowercased at compile time; compare ASCII case-insensitively without
        // allocating, lowercasing only non-ASCII values.
        if !self.cased && !value.is_ascii() {
            return self.matches_exact_case(&value.to_lowercase());
        }
        if self.cased {
            return self.matches_exact_case(value);
        }
        let v = value.as_bytes();
        match &self.kind {
            StrKind::Exact(s) => v.eq_ignore_ascii_case(s.as_bytes()),
            StrKind::Contains(s) => contains_ci(v, s.as_bytes()),
            StrKind::Prefix(s) => v.len() >= s.len() && v[..s.len()].eq_ignore_ascii_case(s.as_bytes()),
            StrKind::Suffix(s) => v.len() >= s.len() && v[v.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes()),
            StrKind::Any => true,
            StrKind::Glob(parts) => glob(parts, &value.to_ascii_lowercase()),
        }
    }

    fn matches_exact_case(&self, v: &str) -> bool {
        match &self.kind {
            StrKind::Exact(s) => v == s,
            StrKind::Contains(s) => v.contains(s.as_str()),
            StrKind::Prefix(s) => v.starts_with(s.as_str()),
            StrKind::Suffix(s) => v.ends_with(s.as_str()),
            StrKind::Any => true,
            StrKind::Glob(parts) => glob(parts, v),
        }
    }
}

/// ASCII case-insensitive substring search (`needle` already lowercase).
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    if hay.len() < needle.len() {
        return false;
    }
    let first = needle[0];
    let upper = first.to_ascii_uppercase();
    (0..=hay.len() - needle.len()).any(|i| (hay[i] == first || hay[i] == upper) && hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// Wildcard match: `parts` were separated by `*`; `\u{3}` matches one character.
fn glob(parts: &[String], v: &str) -> bool {
    fn eq_at(part: &str, s: &str) -> Option<usize> {
        // Returns the byte length matched at the start of `s`.
        let mut it = s.char_indices();
        let mut used = 0;
        for pc in part.chars() {
            let (i, c) = it.next()?;
            if pc != '\u{3}' && pc != c {
                return None;
            }
            used = i + c.len_utf8();
        }
        Some(used)
    }
    fn find(part: &str, s: &str) -> Option<(usize, usize)> {
        for (i, _) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
            if let Some(n) = eq_at(part, &s[i..]) {
                return Some((i, n));
            }
        }
        None
    }
    let n = parts.len();
    if n == 1 {
        return eq_at(&parts[0], v).is_some_and(|m| m == v.len());
    }
    let Some(first) = eq_at(&parts[0], v) else { return false };
    let mut rest = &v[first..];
    for p in &parts[1..n - 1] {
        match find(p, rest) {
            Some((i, m)) => rest = &rest[i + m..],
            None => return false,
        }
    }
    let last = &parts[n - 1];
    // The last part must match at the end.
    let lc = last.chars().count();
    let rc = rest.chars().count();
    if lc > rc {
        return false;
    }
    let start = rest.char_indices().nth(rc - lc).map(|(i, _)| i).unwrap_or(rest.len());
    eq_at(last, &rest[start..]).is_some_and(|m| m == rest.len() - start)
}

/// One `field|modifiers: values` entry.
#[derive(Debug, Clone)]
pub struct FieldMatcher {
    pub field: Field,
    tests: Vec<Test>,
    all: bool,
}

fn yaml_scalar_text(v: &Yaml) -> Option<String> {
    match v {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl FieldMatcher {
    pub fn compile(key: &str, value: &Yaml) -> Result<FieldMatcher, MatcherError> {
        let mut parts = key.split('|');
        let field = Field::sigma(parts.next().unwrap_or(""));
        let mods: Vec<String> = parts.map(|m| m.to_ascii_lowercase()).collect();
        let mut how = "equals";
        let (mut all, mut cased, mut re, mut cidr, mut exists, mut fieldref) = (false, false, false, false, false, false);
        let mut re_i = false;
        let mut num: Option<NumCmp> = None;
        for m in &mods {
            match m.as_str() {
                "contains" => how = "contains",
                "startswith" => how = "startswith",
                "endswith" => how = "endswith",
                "all" => all = true,
                "cased" => cased = true,
                "re" => re = true,
                "i" => re_i = true,
                "m" | "s" => {}
                "cidr" => cidr = true,
                "exists" => exists = true,
                "fieldref" => fieldref = true,
                "lt" => num = Some(NumCmp::Lt),
                "lte" => num = Some(NumCmp::Lte),
                "gt" => num = Some(NumCmp::Gt),
                "gte" => num = Some(NumCmp::Gte),
                other => return Err(MatcherError::Modifier(other.to_string())),
            }
        }
        let values: Vec<&Yaml> = match value {
            Yaml::Sequence(s) => s.iter().collect(),
            v => vec![v],
        };
        let bad = |why: &str| MatcherError::Value { field: field.path.clone(), why: why.to_string() };
        let mut tests = vec![];
        for v in values {
            if matches!(v, Yaml::Null) {
                tests.push(Test::Null);
                continue;
            }
            if exists {
                match v {
                    Yaml::Bool(b) => tests.push(Test::Exists(*b)),
                    _ => return Err(bad("|exists takes true or false")),
                }
                continue;
            }
            let text = yaml_scalar_text(v).ok_or_else(|| bad("values must be strings, numbers, booleans or null"))?;
            if let Some(c) = num {
                tests.push(Test::Num(c, text.parse().map_err(|_| bad("a numeric comparison needs a number"))?));
            } else if fieldref {
                let h = match how {
                    "contains" => RefHow::Contains,
                    "startswith" => RefHow::StartsWith,
                    "endswith" => RefHow::EndsWith,
                    _ => RefHow::Equals,
                };
                tests.push(Test::FieldRef { field: Field::sigma(&text), how: h });
            } else if re {
                let pat = if re_i { format!("(?i){text}") } else { text };
                tests.push(Test::Regex(regex::Regex::new(&pat).map_err(|e| bad(&format!("bad regular expression: {e}")))?));
            } else if cidr {
                tests.push(Test::Cidr(text.parse::<Ipv4Net>().map_err(|_| bad("|cidr needs an IPv4 CIDR"))?.trunc()));
            } else {
                let pattern = match how {
                    "contains" => format!("*{text}*"),
                    "startswith" => format!("{text}*"),
                    "endswith" => format!("*{text}"),
                    _ => text,
                };
                tests.push(Test::Str(StrPattern::new(&pattern, cased)));
            }
        }
        if tests.is_empty() {
            return Err(bad("no values"));
        }
        Ok(FieldMatcher { field, tests, all })
    }

    /// When this matcher on `field` matches only events whose `field` is a string equal
    /// (ignoring case) to one of a few values: those values, lowercased.
    fn required_values(&self, field: &str) -> Option<Vec<String>> {
        if self.field.path != field {
            return None;
        }
        let exact = |t: &Test| match t {
            Test::Str(p) => p.exact_lowercase().map(str::to_string),
            _ => None,
        };
        if self.all {
            self.tests.iter().find_map(exact).map(|v| vec![v])
        } else {
            self.tests.iter().map(exact).collect()
        }
    }

    /// The fields this matcher reads: its own and those it compares with.
    fn fields<'a>(&'a self, out: &mut Vec<&'a str>) {
        out.push(&self.field.path);
        for t in &self.tests {
            if let Test::FieldRef { field, .. } = t {
                out.push(&field.path);
            }
        }
    }

    /// Compile the fields it reads against the projection records are parsed into.
    fn bind(&mut self, p: &Projection) {
        self.field.bind(p);
        for t in &mut self.tests {
            if let Test::FieldRef { field, .. } = t {
                field.bind(p);
            }
        }
    }

    pub fn matches(&self, event: RecordView<'_>) -> bool {
        let v = self.field.get(event);
        let one = |t: &Test| test(t, v, event);
        if self.all {
            self.tests.iter().all(one)
        } else {
            self.tests.iter().any(one)
        }
    }
}

fn scalar_text(v: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match v {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s)),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(std::borrow::Cow::Owned(b.to_string())),
        Value::Null => None,
        other => Some(std::borrow::Cow::Owned(other.to_string())),
    }
}

/// Apply `f` to the value, or to each element when it is a list.
fn any_elem(v: &Value, f: &dyn Fn(&Value) -> bool) -> bool {
    match v {
        Value::Array(a) => a.iter().any(f),
        other => f(other),
    }
}

fn test(t: &Test, v: Option<&Value>, event: RecordView<'_>) -> bool {
    match t {
        Test::Null => v.is_none_or(Value::is_null),
        Test::Exists(want) => v.is_some_and(|x| !x.is_null()) == *want,
        _ => {
            let Some(v) = v else { return false };
            any_elem(v, &|x| match t {
                Test::Str(p) => scalar_text(x).is_some_and(|s| p.matches(&s)),
                Test::Regex(r) => scalar_text(x).is_some_and(|s| r.is_match(&s)),
                Test::Cidr(net) => x.as_str().and_then(|s| s.parse::<std::net::Ipv4Addr>().ok()).is_some_and(|ip| net.contains(&ip)),
                Test::Num(c, n) => {
                    let got = x.as_f64().or_else(|| x.as_str().and_then(|s| s.parse().ok()));
                    got.is_some_and(|g| match c {
                        NumCmp::Lt => g < *n,
                        NumCmp::Lte => g <= *n,
                        NumCmp::Gt => g > *n,
                        NumCmp::Gte => g >= *n,
                    })
                }
                Test::FieldRef { field, how } => {
                    let (Some(a), Some(b)) = (scalar_text(x), field.get(event).and_then(scalar_text)) else { return false };
                    let (a, b) = (a.to_lowercase(), b.to_lowercase());
                    match how {
                        RefHow::Equals => a == b,
                        RefHow::Contains => a.contains(&b),
                        RefHow::StartsWith => a.starts_with(&b),
                        RefHow::EndsWith => a.ends_with(&b),
                    }
                }
                Test::Null | Test::Exists(_) => false,
            })
        }
    }
}

/// A search identifier's definition.
#[derive(Debug, Clone)]
pub enum Search {
    /// All entries of the map must match.
    Map(Vec<FieldMatcher>),
    /// Any of the maps.
    Maps(Vec<Vec<FieldMatcher>>),
    /// Any keyword anywhere in the event's string values.
    Keywords(Vec<StrPattern>),
}

impl Search {
    pub fn compile(name: &str, v: &Yaml) -> Result<Search, MatcherError> {
        let map = |m: &serde_yaml_ng::Mapping| -> Result<Vec<FieldMatcher>, MatcherError> {
            m.iter()
                .map(|(k, v)| {
                    let key = k.as_str().ok_or_else(|| MatcherError::Shape(name.to_string()))?;
                    FieldMatcher::compile(key, v)
                })
                .collect()
        };
        match v {
            Yaml::Mapping(m) => Ok(Search::Map(map(m)?)),
            Yaml::Sequence(s) if s.iter().all(|x| matches!(x, Yaml::Mapping(_))) => {
                Ok(Search::Maps(s.iter().filter_map(|x| x.as_mapping()).map(map).collect::<Result<_, _>>()?))
            }
            Yaml::Sequence(s) => Ok(Search::Keywords(
                s.iter()
                    .map(|x| yaml_scalar_text(x).map(|t| StrPattern::new(&format!("*{t}*"), false)))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| MatcherError::Shape(name.to_string()))?,
            )),
            _ => Err(MatcherError::Shape(name.to_string())),
        }
    }

    /// When this search matches only events whose `field` is one of a few strings (ignoring
    /// case): those strings, lowercased.
    pub fn required_values(&self, field: &str) -> Option<Vec<String>> {
        match self {
            Search::Map(ms) => ms.iter().find_map(|m| m.required_values(field)),
            Search::Maps(maps) => {
                maps.iter().map(|ms| ms.iter().find_map(|m| m.required_values(field))).collect::<Option<Vec<_>>>().map(|v| v.concat())
            }
            Search::Keywords(_) => None,
        }
    }

    /// The fields this search reads, or `None` when it reads every string of the event
    /// (keywords).
    pub fn fields(&self) -> Option<Vec<&str>> {
        let mut out = vec![];
        match self {
            Search::Map(ms) => ms.iter().for_each(|m| m.fields(&mut out)),
            Search::Maps(maps) => maps.iter().flatten().for_each(|m| m.fields(&mut out)),
            Search::Keywords(_) => return None,
        }
        Some(out)
    }

    /// Compile the fields it reads against the projection records are parsed into.
    pub fn bind(&mut self, p: &Projection) {
        match self {
            Search::Map(ms) => ms.iter_mut().for_each(|m| m.bind(p)),
            Search::Maps(maps) => maps.iter_mut().flatten().for_each(|m| m.bind(p)),
            Search::Keywords(_) => {}
        }
    }

    pub fn matches(&self, event: RecordView<'_>) -> bool {
        match self {
            Search::Map(ms) => ms.iter().all(|m| m.matches(event)),
            Search::Maps(maps) => maps.iter().any(|ms| ms.iter().all(|m| m.matches(event))),
            // Keyword searches read every string: records are then kept whole.
            Search::Keywords(ks) => event.whole().is_some_and(|v| ks.iter().any(|k| any_string(v, k))),
        }
    }
}

fn any_string(v: &Value, k: &StrPattern) -> bool {
    match v {
        Value::String(s) => k.matches(s),
        Value::Array(a) => a.iter().any(|x| any_string(x, k)),
        Value::Object(m) => m.values().any(|x| any_string(x, k)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fm(key: &str, yaml: &str) -> FieldMatcher {
        FieldMatcher::compile(key, &serde_yaml_ng::from_str(yaml).unwrap()).unwrap()
    }

    #[test]
    fn case_insensitive_wildcards_and_modifiers() {
        let e = json!({"additionalEventData": {"MFAUsed": "No"}, "eventName": "UpdateFunctionConfiguration20150331v2",
                        "requestParameters": {"layers": ["arn:aws:lambda:x:layer:a:1"]}, "userAgent": "aws-cli/2.0 Kali"});
        assert!(fm("additionalEventData.MFAUsed", "'NO'").matches(RecordView::Whole(&e)));
        assert!(fm("eventName|startswith", "'UpdateFunctionConfiguration'").matches(RecordView::Whole(&e)));
        assert!(fm("requestParameters.layers|contains", "'*'").matches(RecordView::Whole(&e)));
        assert!(!fm("requestParameters.missing|contains", "'*'").matches(RecordView::Whole(&e)));
        assert!(fm("userAgent|contains|all", "['aws-cli', 'kali']").matches(RecordView::Whole(&e)));
        assert!(!fm("userAgent|contains|all", "['aws-cli', 'parrot']").matches(RecordView::Whole(&e)));
        assert!(fm("eventName", "'Update*20150331v?'").matches(RecordView::Whole(&e)));
        assert!(fm("errorCode", "null").matches(RecordView::Whole(&e)));
        assert!(fm("userAgent|re", "'.+Kali$'").matches(RecordView::Whole(&e)));
        assert!(!fm("userAgent|re", "'.+kali$'").matches(RecordView::Whole(&e)));
        assert!(fm("userAgent|exists", "true").matches(RecordView::Whole(&e)));
        assert!(fm("nope|exists", "false").matches(RecordView::Whole(&e)));
    }

    #[test]
    fn cidr_fieldref_and_escapes() {
        let e = json!({"sourceIPAddress": "10.1.2.3", "a": "Bob", "b": "bob", "c": "lit*eral"});
        assert!(fm("sourceIPAddress|cidr", "'10.0.0.0/8'").matches(RecordView::Whole(&e)));
        assert!(!fm("sourceIPAddress|cidr", "'192.168.0.0/16'").matches(RecordView::Whole(&e)));
        assert!(fm("a|fieldref", "b").matches(RecordView::Whole(&e)));
        assert!(fm("c", r"'lit\*eral'").matches(RecordView::Whole(&e)));
        assert!(!fm("c", r"'lit\*eralx'").matches(RecordView::Whole(&e)));
        assert!(FieldMatcher::compile("a|base64offset", &Yaml::String("x".into())).is_err());
    }

    #[test]
    fn glob_edge_cases() {
        assert!(StrPattern::new("a*b*c", false).matches("aXXbYYc"));
        assert!(!StrPattern::new("a*b*c", false).matches("aXXbYYcd"));
        assert!(StrPattern::new("a?c", false).matches("abc"));
        assert!(!StrPattern::new("a?c", false).matches("ac"));
        assert!(StrPattern::new("*?", false).matches("x"));
    }
}
