//! CloudFormation's intrinsic functions, in their long (`Fn::Join`) and short (`!Join`)
//! forms: `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::If`,
//! `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Fn::FindInMap`, `Fn::GetAZs`, `Fn::Cidr`,
//! `Fn::ImportValue`, `Fn::Base64`, and the language extensions `Fn::Length` and
//! `Fn::ToJsonString`. What a name refers to (parameters, resources, conditions, mappings,
//! exports) is the [`Scope`]'s business; this module only applies the functions. A value known
//! only after deployment stays `Unknown` through every function that uses it.

use super::value::{Val, V};
use super::yaml::{Kind, Node, Pos};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// Why a node could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The template is wrong here (unknown function, bad arguments, missing name).
    #[error("{pos}: {message}")]
    Invalid { pos: Pos, message: String },
    /// `Fn::ImportValue` of a name no stack has exported yet (the loader retries later).
    #[error("{pos}: Fn::ImportValue {name:?}: no loaded stack exports this name")]
    Import { pos: Pos, name: String },
}

pub fn invalid(pos: Pos, message: impl Into<String>) -> EvalError {
    EvalError::Invalid { pos, message: message.into() }
}

type R<T> = Result<T, EvalError>;

/// What names mean where a node is evaluated.
pub trait Scope {
    /// `Ref`: a parameter, a pseudo parameter or a resource.
    fn reference(&mut self, name: &str, pos: Pos) -> R<Val>;
    /// `Fn::GetAtt`.
    fn attribute(&mut self, resource: &str, attribute: &str, pos: Pos) -> R<Val>;
    /// The truth of a named condition.
    fn condition(&mut self, name: &str, pos: Pos) -> R<bool>;
    /// `Fn::FindInMap`.
    fn mapping(&mut self, map: &str, top: &str, second: &str, pos: Pos) -> R<Val>;
    /// `Fn::ImportValue`.
    fn import(&mut self, name: &str, pos: Pos) -> R<Val>;
    /// The stack's region (for `Fn::GetAZs ""`).
    fn region(&self) -> String;
}

/// The intrinsic functions, by long name.
pub const FUNCTIONS: &[&str] = &[
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::If",
    "Fn::Equals",
    "Fn::And",
    "Fn::Or",
    "Fn::Not",
    "Fn::FindInMap",
    "Fn::GetAZs",
    "Fn::Cidr",
    "Fn::ImportValue",
    "Fn::Base64",
    "Fn::Length",
    "Fn::ToJsonString",
    "Fn::Transform",
    "Condition",
];

/// A call of an intrinsic function: its long name and its argument. In the short form
/// (`!Ref Vpc`) the argument is the tagged node itself, read without its tag.
#[derive(Debug, Clone, Copy)]
pub struct Call<'n> {
    pub name: &'static str,
    pub arg: &'n Node,
    short: bool,
}

impl Call<'_> {
    /// Evaluate the argument.
    pub fn eval_arg(&self, scope: &mut dyn Scope) -> R<Val> {
        if !self.short {
            return eval(self.arg, scope);
        }
        // The node without its tag: it may still be a call in the long form.
        match long_form(self.arg)? {
            Some(c) => apply(&c, self.arg.pos, scope),
            None => eval_content(self.arg, scope),
        }
    }
}

/// The function a node calls, if any. A short-form tag names it directly; a mapping with the
/// single key `Ref` or `Fn::…` is the long form (see [`long_form`]).
pub fn call(node: &Node) -> R<Option<Call<'_>>> {
    if let Some(tag) = &node.tag {
        let name = if tag == "Ref" || tag == "Condition" {
            FUNCTIONS.iter().find(|f| **f == tag)
        } else {
            FUNCTIONS.iter().find(|f| f.strip_prefix("Fn::") == Some(tag.as_str()))
        };
        let Some(name) = name else {
            return Err(invalid(node.pos, format!("unknown intrinsic function !{tag} (expected one of !Ref, !GetAtt, !Sub, !Join, !Select, !Split, !If, !Equals, !And, !Or, !Not, !FindInMap, !GetAZs, !Cidr, !ImportValue, !Base64, !Condition)")));
        };
        return Ok(Some(Call { name, arg: node, short: true }));
    }
    long_form(node)
}

/// The long form of a call: a mapping with the single key `Ref` or `Fn::…`.
fn long_form(node: &Node) -> R<Option<Call<'_>>> {
    if let Kind::Map(entries) = &node.kind {
        if let [(key, arg)] = entries.as_slice() {
            if key.text == "Ref" || key.text.starts_with("Fn::") {
                let name = FUNCTIONS.iter().find(|f| **f == key.text && key.text != "Condition");
                let Some(name) = name else {
                    return Err(invalid(
                        key.pos,
                        format!(
                            "unknown intrinsic function {} (expected Ref or one of the Fn:: functions CloudFormation defines)",
                            key.text
                        ),
                    ));
                };
                return Ok(Some(Call { name, arg, short: false }));
            }
        }
    }
    Ok(None)
}

/// Evaluate a node: apply every intrinsic function in it, drop `AWS::NoValue`.
pub fn eval(node: &Node, scope: &mut dyn Scope) -> R<Val> {
    if let Some(c) = call(node)? {
        return apply(&c, node.pos, scope);
    }
    eval_content(node, scope)
}

/// Evaluate a node's content, leaving its own tag aside.
fn eval_content(node: &Node, scope: &mut dyn Scope) -> R<Val> {
    Ok(match &node.kind {
        Kind::Scalar { .. } if node.is_null() => Val::new(V::Null, node.pos),
        Kind::Scalar { text, .. } => Val::str(text.clone(), node.pos),
        Kind::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                let v = eval(i, scope)?;
                if v.v != V::NoValue {
                    out.push(v);
                }
            }
            Val::new(V::List(out), node.pos)
        }
        Kind::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let v = eval(v, scope)?;
                if v.v != V::NoValue {
                    out.push((k.text.clone(), v));
                }
            }
            Val::new(V::Map(out), node.pos)
        }
    })
}

fn text_arg(v: &Val, what: &str) -> R<Option<String>> {
    match &v.v {
        V::Str(s) => Ok(Some(s.clone())),
        V::Unknown(_) => Ok(None),
        _ => Err(invalid(v.pos, format!("{what}: expected text, got {}", v.describe()))),
    }
}

fn args<'a>(arg: &'a Node, name: &str, n: usize) -> R<&'a [Node]> {
    match arg.as_seq() {
        Some(items) if items.len() == n => Ok(items),
        _ => Err(invalid(arg.pos, format!("{name} expects a list of {n} arguments, got {}", arg.describe()))),
    }
}

/// Evaluate a condition function (or `{Condition: Name}`) to a boolean.
pub fn truth(node: &Node, scope: &mut dyn Scope) -> R<Option<bool>> {
    if let Some(Call { name, arg, .. }) = call(node)? {
        if name == "Condition" {
            let n = arg.as_str().ok_or_else(|| invalid(arg.pos, "Condition expects a condition name"))?;
            return scope.condition(n, arg.pos).map(Some);
        }
    }
    if let Some((key, arg)) = node.entry("Condition").filter(|_| node.as_map().map(|m| m.len()) == Some(1)) {
        let n = arg.as_str().ok_or_else(|| invalid(key.pos, "Condition expects a condition name"))?;
        return scope.condition(n, arg.pos).map(Some);
    }
    let v = eval(node, scope)?;
    match &v.v {
        V::Str(s) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        V::Str(s) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        V::Unknown(_) => Ok(None),
        _ => Err(invalid(v.pos, format!("expected a condition (Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition), got {}", v.describe()))),
    }
}

fn boolean(b: Option<bool>, pos: Pos, why: &str) -> Val {
    match b {
        Some(b) => Val::str(if b { "true" } else { "false" }, pos),
        None => Val::unknown(why.to_string(), pos),
    }
}

fn apply(c: &Call, pos: Pos, scope: &mut dyn Scope) -> R<Val> {
    let (name, arg) = (c.name, c.arg);
    match name {
        "Ref" => {
            let target = c.eval_arg(scope)?;
            match &target.v {
                V::Str(s) => scope.reference(s, arg.pos),
                _ => Err(invalid(arg.pos, format!("Ref expects a parameter or resource name, got {}", target.describe()))),
            }
        }
        "Fn::GetAtt" => {
            let (resource, attribute) = match &arg.kind {
                Kind::Scalar { text, .. } => match text.split_once('.') {
                    Some((r, a)) => (r.to_string(), Val::str(a, arg.pos)),
                    None => return Err(invalid(arg.pos, format!("Fn::GetAtt expects Resource.Attribute, got {text:?}"))),
                },
                Kind::Seq(items) if items.len() == 2 => {
                    let r = items[0].as_str().ok_or_else(|| invalid(items[0].pos, "Fn::GetAtt: expected a resource name"))?;
                    (r.to_string(), eval(&items[1], scope)?)
                }
                _ => return Err(invalid(arg.pos, "Fn::GetAtt expects [Resource, Attribute] or Resource.Attribute")),
            };
            match text_arg(&attribute, "Fn::GetAtt attribute")? {
                Some(a) => scope.attribute(&resource, &a, arg.pos),
                None => Ok(Val::unknown(format!("attribute of {resource} chosen at deployment"), pos)),
            }
        }
        "Fn::Sub" => sub(arg, pos, scope),
        "Fn::Join" => {
            let a = args(arg, "Fn::Join", 2)?;
            let delim = eval(&a[0], scope)?;
            let Some(delim) = text_arg(&delim, "Fn::Join delimiter")? else {
                return Ok(Val::unknown("Fn::Join delimiter", pos));
            };
            let list = eval(&a[1], scope)?;
            let items = match &list.v {
                V::List(l) => l,
                V::Unknown(r) => return Ok(Val::unknown(r.clone(), pos)),
                _ => return Err(invalid(list.pos, format!("Fn::Join expects a list of values, got {}", list.describe()))),
            };
            let mut parts = Vec::with_capacity(items.len());
            for i in items {
                match text_arg(i, "Fn::Join item")? {
                    Some(s) => parts.push(s),
                    None => return Ok(Val::unknown(i.unknown_reason().unwrap_or("Fn::Join item").to_string(), pos)),
                }
            }
            Ok(Val::str(parts.join(&delim), pos))
        }
        "Fn::Select" => {
            let a = args(arg, "Fn::Select", 2)?;
            let index = eval(&a[0], scope)?;
            let Some(index) = text_arg(&index, "Fn::Select index")? else {
                return Ok(Val::unknown("Fn::Select index", pos));
            };
            let i: usize =
                index.trim().parse().map_err(|_| invalid(a[0].pos, format!("Fn::Select index: expected a number, got {index:?}")))?;
            let list = eval(&a[1], scope)?;
            match &list.v {
                V::List(l) => match l.get(i) {
                    Some(v) => Ok(Val { v: v.v.clone(), pos }),
                    None => Err(invalid(a[0].pos, format!("Fn::Select index {i} is outside the list of {} values", l.len()))),
                },
                V::Unknown(r) => Ok(Val::unknown(r.clone(), pos)),
                _ => Err(invalid(list.pos, format!("Fn::Select expects a list, got {}", list.describe()))),
            }
        }
        "Fn::Split" => {
            let a = args(arg, "Fn::Split", 2)?;
            let delim = eval(&a[0], scope)?;
            let s = eval(&a[1], scope)?;
            match (text_arg(&delim, "Fn::Split delimiter")?, text_arg(&s, "Fn::Split source")?) {
                (Some(d), Some(s)) if !d.is_empty() => Ok(Val::new(V::List(s.split(d.as_str()).map(|p| Val::str(p, pos)).collect()), pos)),
                (Some(_), Some(_)) => Err(invalid(a[0].pos, "Fn::Split: the delimiter is empty")),
                _ => Ok(Val::unknown(s.unknown_reason().unwrap_or("Fn::Split source").to_string(), pos)),
            }
        }
        "Fn::If" => {
            let a = args(arg, "Fn::If", 3)?;
            let cond = a[0].as_str().ok_or_else(|| invalid(a[0].pos, "Fn::If expects a condition name first"))?;
            if scope.condition(cond, a[0].pos)? {
                eval(&a[1], scope)
            } else {
                eval(&a[2], scope)
            }
        }
        "Fn::Equals" => {
            let a = args(arg, "Fn::Equals", 2)?;
            let x = eval(&a[0], scope)?;
            let y = eval(&a[1], scope)?;
            let known = x.unknown_reason().is_none() && y.unknown_reason().is_none();
            Ok(boolean(known.then(|| x.to_json() == y.to_json()), pos, "Fn::Equals of a value known only after deployment"))
        }
        "Fn::And" | "Fn::Or" => {
            let items = arg
                .as_seq()
                .filter(|s| (2..=10).contains(&s.len()))
                .ok_or_else(|| invalid(arg.pos, format!("{name} expects a list of 2 to 10 conditions")))?;
            let mut result = Some(name == "Fn::And");
            for i in items {
                match (truth(i, scope)?, name) {
                    (Some(false), "Fn::And") => return Ok(boolean(Some(false), pos, "")),
                    (Some(true), "Fn::Or") => return Ok(boolean(Some(true), pos, "")),
                    (None, _) => result = None,
                    _ => {}
                }
            }
            Ok(boolean(result, pos, "condition of a value known only after deployment"))
        }
        "Fn::Not" => {
            let items = arg.as_seq().filter(|s| s.len() == 1).ok_or_else(|| invalid(arg.pos, "Fn::Not expects a list of one condition"))?;
            Ok(boolean(truth(&items[0], scope)?.map(|b| !b), pos, "condition of a value known only after deployment"))
        }
        "Condition" => {
            let n = arg.as_str().ok_or_else(|| invalid(arg.pos, "Condition expects a condition name"))?;
            Ok(boolean(Some(scope.condition(n, arg.pos)?), pos, ""))
        }
        "Fn::FindInMap" => {
            let items = arg
                .as_seq()
                .filter(|s| s.len() == 3 || s.len() == 4)
                .ok_or_else(|| invalid(arg.pos, "Fn::FindInMap expects [MapName, TopLevelKey, SecondLevelKey]"))?;
            let mut keys = Vec::with_capacity(3);
            for i in &items[..3] {
                let v = eval(i, scope)?;
                match text_arg(&v, "Fn::FindInMap key")? {
                    Some(s) => keys.push(s),
                    None => return Ok(Val::unknown(v.unknown_reason().unwrap_or("Fn::FindInMap key").to_string(), pos)),
                }
            }
            match scope.mapping(&keys[0], &keys[1], &keys[2], arg.pos) {
                Err(e) if items.len() == 4 => match items[3].get("DefaultValue") {
                    Some(d) => eval(d, scope),
                    None => Err(e),
                },
                other => other.map(|v| Val { v: v.v, pos }),
            }
        }
        "Fn::GetAZs" => {
            let r = c.eval_arg(scope)?;
            if r.v == V::Null {
                let region = scope.region();
                return Ok(Val::new(V::List(availability_zones(&region).into_iter().map(|z| Val::str(z, pos)).collect()), pos));
            }
            let region = match text_arg(&r, "Fn::GetAZs region")? {
                Some(s) if !s.is_empty() => s,
                Some(_) | None if r.unknown_reason().is_none() => scope.region(),
                _ => return Ok(Val::unknown("Fn::GetAZs region", pos)),
            };
            Ok(Val::new(V::List(availability_zones(&region).into_iter().map(|z| Val::str(z, pos)).collect()), pos))
        }
        "Fn::Cidr" => {
            let a = args(arg, "Fn::Cidr", 3)?;
            let mut t = Vec::with_capacity(3);
            for i in a {
                let v = eval(i, scope)?;
                match text_arg(&v, "Fn::Cidr argument")? {
                    Some(s) => t.push(s),
                    None => return Ok(Val::unknown(v.unknown_reason().unwrap_or("Fn::Cidr argument").to_string(), pos)),
                }
            }
            let blocks = cidr(&t[0], &t[1], &t[2]).map_err(|m| invalid(arg.pos, format!("Fn::Cidr: {m}")))?;
            Ok(Val::new(V::List(blocks.into_iter().map(|b| Val::str(b.to_string(), pos)).collect()), pos))
        }
        "Fn::ImportValue" => {
            let n = c.eval_arg(scope)?;
            match text_arg(&n, "Fn::ImportValue name")? {
                Some(s) => scope.import(&s, arg.pos).map(|v| Val { v: v.v, pos }),
                None => Ok(Val::unknown(n.unknown_reason().unwrap_or("Fn::ImportValue name").to_string(), pos)),
            }
        }
        "Fn::Base64" => {
            let v = c.eval_arg(scope)?;
            Ok(match text_arg(&v, "Fn::Base64")? {
                Some(s) => Val::str(base64(s.as_bytes()), pos),
                None => Val::unknown(v.unknown_reason().unwrap_or("Fn::Base64 input").to_string(), pos),
            })
        }
        "Fn::Length" => {
            let v = c.eval_arg(scope)?;
            match &v.v {
                V::List(l) => Ok(Val::str(l.len().to_string(), pos)),
                V::Unknown(r) => Ok(Val::unknown(r.clone(), pos)),
                _ => Err(invalid(arg.pos, format!("Fn::Length expects a list, got {}", v.describe()))),
            }
        }
        "Fn::ToJsonString" => {
            let v = c.eval_arg(scope)?;
            Ok(match v.unknown_reason() {
                Some(r) => Val::unknown(r.to_string(), pos),
                None => Val::str(v.to_json().to_string(), pos),
            })
        }
        "Fn::Transform" => Ok(Val::unknown("Fn::Transform: the macro runs at deployment; its output is not modelled", pos)),
        other => Err(invalid(pos, format!("unknown intrinsic function {other}"))),
    }
}

/// `Fn::Sub`: `${Name}`, `${Resource.Attribute}`, `${AWS::Region}`, `${!Literal}`, and the
/// variable map of the list form.
fn sub(arg: &Node, pos: Pos, scope: &mut dyn Scope) -> R<Val> {
    let (template, vars) = match &arg.kind {
        Kind::Scalar { text, .. } => (text.clone(), Vec::new()),
        Kind::Seq(items) if items.len() == 2 => {
            let t = items[0].as_str().ok_or_else(|| invalid(items[0].pos, "Fn::Sub expects the string to substitute first"))?;
            let map = items[1].as_map().ok_or_else(|| invalid(items[1].pos, "Fn::Sub expects a mapping of variables second"))?;
            let mut vars = Vec::with_capacity(map.len());
            for (k, v) in map {
                vars.push((k.text.clone(), eval(v, scope)?));
            }
            (t.to_string(), vars)
        }
        _ => return Err(invalid(arg.pos, "Fn::Sub expects a string or [string, {variables}]")),
    };
    let mut out = String::with_capacity(template.len());
    let mut rest = template.as_str();
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(invalid(arg.pos, format!("Fn::Sub: unclosed ${{ in {template:?}")));
        };
        let name = after[..end].trim();
        rest = &after[end + 1..];
        if let Some(literal) = name.strip_prefix('!') {
            out.push_str("${");
            out.push_str(literal);
            out.push('}');
            continue;
        }
        let value = if let Some((_, v)) = vars.iter().find(|(k, _)| k == name) {
            v.clone()
        } else if let Some((r, a)) = name.split_once('.').filter(|_| !name.starts_with("AWS::")) {
            scope.attribute(r, a, arg.pos)?
        } else {
            scope.reference(name, arg.pos)?
        };
        match &value.v {
            V::Str(s) => out.push_str(s),
            V::Unknown(r) => return Ok(Val::unknown(r.clone(), pos)),
            _ => return Err(invalid(arg.pos, format!("Fn::Sub: ${{{name}}} is {}, not text", value.describe()))),
        }
    }
    out.push_str(rest);
    Ok(Val::str(out, pos))
}

/// The Availability Zones `Fn::GetAZs` returns for a region: zone names are the region plus a
/// letter; us-east-1 has six, the others three (the zones every account sees).
pub fn availability_zones(region: &str) -> Vec<String> {
    let n = if region == "us-east-1" { 6 } else { 3 };
    (0..n).map(|i| format!("{region}{}", (b'a' + i as u8) as char)).collect()
}

/// `Fn::Cidr`: `count` blocks of `bits` host bits, in address order from the start of `block`.
pub fn cidr(block: &str, count: &str, bits: &str) -> Result<Vec<Ipv4Net>, String> {
    let net: Ipv4Net = block.trim().parse().map_err(|_| format!("expected an IPv4 CIDR block, got {block:?}"))?;
    let count: u32 = count.trim().parse().map_err(|_| format!("expected a count of 1-256, got {count:?}"))?;
    let bits: u8 = bits.trim().parse().map_err(|_| format!("expected the number of host bits, got {bits:?}"))?;
    if !(1..=256).contains(&count) {
        return Err(format!("count {count} is outside 1-256"));
    }
    if bits == 0 || bits > 32 || 32 - bits < net.prefix_len() {
        return Err(format!("{bits} host bits do not fit in {net}"));
    }
    let prefix = 32 - bits;
    let size: u64 = 1u64 << bits;
    let base = u64::from(u32::from(net.network()));
    let end = base + (1u64 << (32 - net.prefix_len()));
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..u64::from(count) {
        let start = base + i * size;
        if start + size > end {
            return Err(format!("{net} holds fewer than {count} blocks of /{prefix}"));
        }
        let addr = Ipv4Addr::from(start as u32);
        out.push(Ipv4Net::new(addr, prefix).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

/// Standard base64 with padding (`Fn::Base64`).
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].iter().enumerate() {
            if i <= chunk.len() {
                out.push(T[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse;
    use super::*;
    use std::collections::HashMap;

    struct Fixed {
        params: HashMap<String, Val>,
    }

    impl Scope for Fixed {
        fn reference(&mut self, name: &str, pos: Pos) -> R<Val> {
            match name {
                "AWS::NoValue" => Ok(Val::new(V::NoValue, pos)),
                "AWS::Region" => Ok(Val::str("eu-west-1", pos)),
                "Vpc" => Ok(Val::str("vpc-Vpc", pos)),
                "Eip" => Ok(Val::unknown("Eip: public IPv4 assigned at deployment", pos)),
                n => self.params.get(n).cloned().ok_or_else(|| invalid(pos, format!("Ref to {n}, which is not declared"))),
            }
        }
        fn attribute(&mut self, r: &str, a: &str, pos: Pos) -> R<Val> {
            Ok(Val::str(format!("{r}|{a}"), pos))
        }
        fn condition(&mut self, name: &str, pos: Pos) -> R<bool> {
            match name {
                "Yes" => Ok(true),
                "No" => Ok(false),
                _ => Err(invalid(pos, "no such condition")),
            }
        }
        fn mapping(&mut self, m: &str, t: &str, s: &str, pos: Pos) -> R<Val> {
            if m == "M" {
                Ok(Val::str(format!("{t}/{s}"), pos))
            } else {
                Err(invalid(pos, "no such mapping"))
            }
        }
        fn import(&mut self, name: &str, pos: Pos) -> R<Val> {
            Err(EvalError::Import { pos, name: name.into() })
        }
        fn region(&self) -> String {
            "eu-west-1".into()
        }
    }

    fn ev(yaml: &str) -> R<Val> {
        let n = parse(yaml).unwrap();
        let mut s = Fixed { params: HashMap::from([("P".to_string(), Val::str("10.0.0.0/16", Pos::default()))]) };
        eval(n.get("x").unwrap(), &mut s)
    }

    fn text(yaml: &str) -> String {
        ev(yaml).unwrap().as_str().unwrap_or("<not text>").to_string()
    }

    #[test]
    fn short_and_long_forms_agree() {
        assert_eq!(text("x: !Ref Vpc"), "vpc-Vpc");
        assert_eq!(text("x: {Ref: Vpc}"), "vpc-Vpc");
        assert_eq!(text("x: !GetAtt Vpc.CidrBlock"), "Vpc|CidrBlock");
        assert_eq!(text("x: {'Fn::GetAtt': [Vpc, CidrBlock]}"), "Vpc|CidrBlock");
        assert_eq!(text("x: !Sub '${AWS::Region}-${Vpc}-${Vpc.CidrBlock}-${!Literal}'"), "eu-west-1-vpc-Vpc-Vpc|CidrBlock-${Literal}");
        assert_eq!(text("x: !Sub ['${A}/${P}', {A: !Ref Vpc}]"), "vpc-Vpc/10.0.0.0/16");
        assert_eq!(text("x: !Join ['-', [a, !Ref Vpc]]"), "a-vpc-Vpc");
        assert_eq!(text("x: !Select [1, !Split [',', 'a,b,c']]"), "b");
        assert_eq!(text("x: !Select [0, !GetAZs '']"), "eu-west-1a");
        assert_eq!(text("x: !If [Yes, a, b]"), "a");
        assert_eq!(text("x: !If [No, a, b]"), "b");
        assert_eq!(text("x: !FindInMap [M, top, second]"), "top/second");
        assert_eq!(text("x: !Select [2, !Cidr [!Ref P, 4, 8]]"), "10.0.2.0/24");
        assert_eq!(text("x: !Base64 'hello'"), "aGVsbG8=");
        assert_eq!(text("x: !Equals [a, a]"), "true");
        assert_eq!(text("x: !And [!Equals [a, a], !Condition No]"), "false");
        assert_eq!(text("x: !Or [!Equals [a, b], !Not [!Condition No]]"), "true");
        assert_eq!(text("x: {'Fn::Length': [a, b, c]}"), "3");
        assert_eq!(text("x: !Base64 {'Fn::Sub': '${Vpc}'}"), "dnBjLVZwYw==");
    }

    #[test]
    fn no_value_is_dropped_and_unknown_propagates() {
        let v = ev("x: {A: !Ref AWS::NoValue, B: [1, !If [No, 2, !Ref AWS::NoValue]]}").unwrap();
        assert!(v.get("A").is_none());
        assert_eq!(v.get("B").unwrap().as_list().unwrap().len(), 1);
        let v = ev("x: !Join ['', [a, !Ref Eip]]").unwrap();
        assert!(matches!(v.v, V::Unknown(ref r) if r.contains("public IPv4")));
        assert!(matches!(ev("x: !Sub '${Eip}/32'").unwrap().v, V::Unknown(_)));
    }

    #[test]
    fn errors_name_the_position() {
        let e = ev("x:\n  a: !Foo bar\n").unwrap_err();
        assert!(matches!(&e, EvalError::Invalid { pos, message } if pos.line == 2 && pos.column == 6 && message.contains("!Foo")), "{e}");
        let e = ev("x:\n  'Fn::Bogus': 1\n").unwrap_err();
        assert!(matches!(&e, EvalError::Invalid { pos, .. } if pos.line == 2), "{e}");
        let e = ev("x: !Select [5, [a]]").unwrap_err();
        assert!(e.to_string().contains("outside the list"), "{e}");
        assert!(matches!(ev("x: !ImportValue Foo").unwrap_err(), EvalError::Import { .. }));
        assert!(ev("x: !Ref Missing").unwrap_err().to_string().contains("Missing"));
    }

    #[test]
    fn cidr_matches_the_cloudformation_documentation_example() {
        // Fn::Cidr [ "192.168.0.0/24", 6, 5 ] -> six /27 blocks
        let b = cidr("192.168.0.0/24", "6", "5").unwrap();
        assert_eq!(b.len(), 6);
        assert_eq!(b[0].to_string(), "192.168.0.0/27");
        assert_eq!(b[5].to_string(), "192.168.0.160/27");
        assert!(cidr("10.0.0.0/24", "3", "7").is_err());
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }
}
