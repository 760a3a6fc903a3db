//! Wildcard patterns and policy-variable templates: the one place that knows how `*`, `?`,
//! `${key}`, `${key, 'default'}` and the escapes `${*}`, `${?}`, `${$}` are read, and how a
//! pattern is matched against a string without building the substituted pattern first.

use crate::context::{ContextValue, RequestContext};

/// One piece of a compiled pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Literal text (already lower-cased when the pattern is case-insensitive).
    Lit(Box<str>),
    /// `*` in a wildcard position: any run of characters, possibly empty.
    Star,
    /// `?` in a wildcard position: exactly one character.
    One,
    /// A policy variable `${key}` or `${key, 'default'}`, resolved per request.
    Var(Variable),
}

/// A policy variable reference inside a pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// The context key as written.
    pub key: Box<str>,
    /// The context key lower-cased, for lookup (context keys are case-insensitive).
    pub key_lower: Box<str>,
    /// The default value from `${key, 'default'}`.
    pub default: Option<Box<str>>,
}

/// How a pattern string is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatternSyntax {
    /// `*` and `?` are wildcards (Resource, StringLike, Arn*); otherwise they are literal.
    pub wildcards: bool,
    /// `${…}` is a policy variable (policy Version 2012-10-17 only); otherwise literal text.
    pub variables: bool,
    /// Matching ignores ASCII case (Action); the pattern is stored lower-cased.
    pub ignore_case: bool,
}

/// A compiled pattern: literal text, wildcards and variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pieces: Vec<Piece>,
    has_vars: bool,
    ignore_case: bool,
}

/// Why a pattern could not be resolved against a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    /// A variable's key is absent from the request context and has no default.
    MissingKey,
    /// A variable's key is multivalued; AWS cannot substitute it.
    MultiValued,
}

impl Pattern {
    /// Compiles `text` under `syntax`.
    pub fn compile(text: &str, syntax: PatternSyntax) -> Pattern {
        let mut pieces: Vec<Piece> = Vec::new();
        let mut lit = String::new();
        let mut has_vars = false;
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < text.len() {
            let c = bytes[i];
            if syntax.wildcards && (c == b'*' || c == b'?') {
                flush(&mut pieces, &mut lit, syntax.ignore_case);
                pieces.push(if c == b'*' { Piece::Star } else { Piece::One });
                i += 1;
                continue;
            }
            if syntax.variables && c == b'$' && bytes.get(i + 1) == Some(&b'{') {
                if let Some(end) = text[i + 2..].find('}') {
                    let inner = &text[i + 2..i + 2 + end];
                    match inner {
                        "*" => lit.push('*'),
                        "?" => lit.push('?'),
                        "$" => lit.push('$'),
                        _ => {
                            flush(&mut pieces, &mut lit, syntax.ignore_case);
                            pieces.push(Piece::Var(parse_variable(inner)));
                            has_vars = true;
                        }
                    }
                    i += end + 3;
                    continue;
                }
            }
            let ch_len = utf8_len(c);
            lit.push_str(&text[i..i + ch_len]);
            i += ch_len;
        }
        flush(&mut pieces, &mut lit, syntax.ignore_case);
        Pattern { pieces, has_vars, ignore_case: syntax.ignore_case }
    }

    /// The pieces of the pattern.
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// Whether the pattern references policy variables.
    pub fn has_variables(&self) -> bool {
        self.has_vars
    }

    /// Whether the pattern is exactly `*`.
    pub fn is_match_all(&self) -> bool {
        matches!(self.pieces.as_slice(), [Piece::Star])
    }

    /// Matches `text` against the pattern, resolving variables from `ctx`.
    /// `text` must already be lower-cased when the pattern ignores case.
    pub fn matches(&self, text: &str, ctx: &RequestContext) -> Result<bool, Unresolved> {
        if !self.has_vars {
            return Ok(glob(&self.pieces, text));
        }
        let resolved = self.resolve(ctx)?;
        Ok(glob(&resolved, text))
    }

    /// Substitutes the variables, leaving wildcards in place.
    pub fn resolve(&self, ctx: &RequestContext) -> Result<Vec<Piece>, Unresolved> {
        let mut out = Vec::with_capacity(self.pieces.len());
        for p in &self.pieces {
            match p {
                Piece::Var(v) => {
                    let value = resolve_variable(v, ctx)?;
                    let value = if self.ignore_case { value.to_ascii_lowercase() } else { value.to_string() };
                    out.push(Piece::Lit(value.into_boxed_str()));
                }
                other => out.push(other.clone()),
            }
        }
        Ok(out)
    }

    /// The pattern with its variables substituted, as text (wildcards written as `*`/`?`).
    pub fn resolved_text(&self, ctx: &RequestContext) -> Result<String, Unresolved> {
        let mut s = String::new();
        for p in self.resolve(ctx)? {
            match p {
                Piece::Lit(l) => s.push_str(&l),
                Piece::Star => s.push('*'),
                Piece::One => s.push('?'),
                Piece::Var(_) => {}
            }
        }
        Ok(s)
    }

    /// The literal text if the pattern has neither wildcards nor variables.
    pub fn as_literal(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [] => Some(""),
            [Piece::Lit(l)] => Some(l),
            _ => None,
        }
    }
}

fn flush(pieces: &mut Vec<Piece>, lit: &mut String, ignore_case: bool) {
    if lit.is_empty() {
        return;
    }
    let text = if ignore_case { lit.to_ascii_lowercase() } else { std::mem::take(lit) };
    lit.clear();
    pieces.push(Piece::Lit(text.into_boxed_str()));
}

fn parse_variable(inner: &str) -> Variable {
    let (key, default) = match inner.split_once(',') {
        Some((k, rest)) => {
            let rest = rest.trim();
            let default = rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')).map(|d| d.to_string().into_boxed_str());
            (k.trim(), default)
        }
        None => (inner.trim(), None),
    };
    Variable { key: key.into(), key_lower: key.to_ascii_lowercase().into(), default }
}

/// Resolves one variable: its single context value, else its default.
pub fn resolve_variable<'a>(v: &'a Variable, ctx: &'a RequestContext) -> Result<&'a str, Unresolved> {
    match ctx.get_lower(&v.key_lower) {
        Some(ContextValue::Single(s)) => Ok(s),
        Some(ContextValue::Multi(_)) => match &v.default {
            Some(d) => Ok(d),
            None => Err(Unresolved::MultiValued),
        },
        None => match &v.default {
            Some(d) => Ok(d),
            None => Err(Unresolved::MissingKey),
        },
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// Wildcard match of `text` against pieces (`Var` pieces never match; resolve them first).
/// Greedy with single-star backtracking: linear for typical patterns, never exponential.
pub fn glob(pieces: &[Piece], text: &str) -> bool {
    // The shapes most patterns have, without the general loop.
    match pieces {
        [Piece::Lit(l)] => return l.as_ref() == text,
        [Piece::Star] => return true,
        [Piece::Lit(l), Piece::Star] => return text.starts_with(l.as_ref()),
        _ => {}
    }
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < pieces.len() {
            match &pieces[pi] {
                Piece::Star => {
                    star = Some((pi + 1, ti));
                    pi += 1;
                    continue;
                }
                Piece::One => {
                    if ti < t.len() {
                        ti += utf8_len(t[ti]);
                        pi += 1;
                        continue;
                    }
                }
                Piece::Lit(l) => {
                    if t.len() - ti >= l.len() && &t[ti..ti + l.len()] == l.as_bytes() {
                        ti += l.len();
                        pi += 1;
                        continue;
                    }
                }
                Piece::Var(_) => {}
            }
        } else if ti == t.len() {
            return true;
        }
        match star {
            Some((spi, sti)) if sti < t.len() => {
                let next = sti + utf8_len(t[sti]);
                star = Some((spi, next));
                pi = spi;
                ti = next;
            }
            _ => return false,
        }
    }
}

/// Matches `text` against a pattern string with `*`/`?` wildcards (no variables), for
/// one-off checks outside the hot path.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p = Pattern::compile(pattern, PatternSyntax { wildcards: true, variables: false, ignore_case: false });
    glob(p.pieces(), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wild(p: &str) -> Pattern {
        Pattern::compile(p, PatternSyntax { wildcards: true, variables: true, ignore_case: false })
    }

    #[test]
    fn globbing() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*c", "abbbc"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "ac"));
        assert!(wildcard_match("*log*", "arn:aws:s3:::carlossalazar-logs"));
        assert!(!wildcard_match("a*b*c", "aXbY"));
        assert!(wildcard_match("a*b*c", "aXbYbZc"));
        assert!(wildcard_match("é?", "éü"));
    }

    #[test]
    fn variables_and_escapes() {
        let ctx = RequestContext::builder().context("aws:username", ContextValue::Single("bob".into())).build();
        let p = wild("home/${aws:username}/*");
        assert_eq!(p.matches("home/bob/x", &ctx), Ok(true));
        assert_eq!(p.matches("home/alice/x", &ctx), Ok(false));
        let p = wild("a${*}b");
        assert_eq!(p.matches("a*b", &ctx), Ok(true));
        assert_eq!(p.matches("axb", &ctx), Ok(false));
        let p = wild("${aws:userid, 'none'}");
        assert_eq!(p.matches("none", &ctx), Ok(true));
        let p = wild("${aws:userid}");
        assert_eq!(p.matches("x", &ctx), Err(Unresolved::MissingKey));
    }

    #[test]
    fn literal_when_version_2008() {
        let p = Pattern::compile("home/${aws:username}", PatternSyntax { wildcards: true, variables: false, ignore_case: false });
        assert_eq!(p.as_literal(), Some("home/${aws:username}"));
    }
}
