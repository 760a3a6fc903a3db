//! Sigma conditions: `and`, `or`, `not`, parentheses, search identifiers, and the
//! `1 of` / `all of` quantifiers over `them` or identifier patterns (`selection_*`).
//! Aggregations (`| count() > 10`) and `near` are correlation features this engine rejects.
//! A parsed condition is compiled to an [`Expr`] over the rule's searches by number.

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Id(String),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    /// `1 of pattern` (any) or `all of pattern`; the pattern may end in `*`; `them` is every
    /// identifier.
    OneOf(String),
    AllOf(String),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConditionError {
    #[error("aggregation or correlation conditions ({0:?}) are not supported: koban evaluates single-event Sigma rules")]
    Aggregation(String),
    #[error("condition {cond:?}: {why}")]
    Syntax { cond: String, why: String },
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Open,
    Close,
}

fn tokenize(s: &str) -> Vec<Tok> {
    let mut out = vec![];
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' | ')' | ' ' | '\t' | '\n' => {
                if !cur.is_empty() {
                    out.push(Tok::Word(std::mem::take(&mut cur)));
                }
                if c == '(' {
                    out.push(Tok::Open);
                } else if c == ')' {
                    out.push(Tok::Close);
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(Tok::Word(cur));
    }
    out
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    text: String,
}

impl Parser {
    fn err(&self, why: &str) -> ConditionError {
        ConditionError::Syntax { cond: self.text.clone(), why: why.to_string() }
    }
    fn peek_word(&self) -> Option<&str> {
        match self.toks.get(self.pos) {
            Some(Tok::Word(w)) => Some(w.as_str()),
            _ => None,
        }
    }
    fn or(&mut self) -> Result<Cond, ConditionError> {
        let mut parts = vec![self.and()?];
        while self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("or")) {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Cond::Or(parts) })
    }
    fn and(&mut self) -> Result<Cond, ConditionError> {
        let mut parts = vec![self.not()?];
        while self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("and")) {
            self.pos += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Cond::And(parts) })
    }
    fn not(&mut self) -> Result<Cond, ConditionError> {
        if self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("not")) {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.not()?)));
        }
        self.atom()
    }
    fn atom(&mut self) -> Result<Cond, ConditionError> {
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Open) => {
                self.pos += 1;
                let c = self.or()?;
                if self.toks.get(self.pos) != Some(&Tok::Close) {
                    return Err(self.err("missing )"));
                }
                self.pos += 1;
                Ok(c)
            }
            Some(Tok::Word(w)) => {
                self.pos += 1;
                let lower = w.to_ascii_lowercase();
                if lower == "1" || lower == "all" || lower == "any" {
                    if !self.peek_word().is_some_and(|x| x.eq_ignore_ascii_case("of")) {
                        return Err(self.err(&format!("expected `of` after {w:?}")));
                    }
                    self.pos += 1;
                    let target = self.peek_word().ok_or_else(|| self.err("expected an identifier pattern after `of`"))?.to_string();
                    self.pos += 1;
                    return Ok(if lower == "all" { Cond::AllOf(target) } else { Cond::OneOf(target) });
                }
                if ["and", "or", "of"].contains(&lower.as_str()) {
                    return Err(self.err(&format!("unexpected {w:?}")));
                }
                if lower.chars().all(|c| c.is_ascii_digit()) {
                    return Err(self.err(&format!("`{w} of` quantifiers other than 1 are not Sigma")));
                }
                Ok(Cond::Id(w))
            }
            Some(Tok::Close) => Err(self.err("unexpected )")),
            None => Err(self.err("unexpected end")),
        }
    }
}

/// Parse one condition string.
pub fn parse(text: &str) -> Result<Cond, ConditionError> {
    if text.contains('|') {
        return Err(ConditionError::Aggregation(text.to_string()));
    }
    let toks = tokenize(text);
    if toks.iter().any(|t| matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case("near"))) {
        return Err(ConditionError::Aggregation(text.to_string()));
    }
    let mut p = Parser { toks, pos: 0, text: text.to_string() };
    let c = p.or()?;
    if p.pos != p.toks.len() {
        return Err(p.err("trailing words"));
    }
    Ok(c)
}

/// The identifiers a `1 of` / `all of` pattern names.
pub fn expand<'a>(pattern: &str, ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    ids.filter(|id| {
        if pattern == "them" {
            !id.starts_with('_')
        } else if let Some(prefix) = pattern.strip_suffix('*') {
            id.starts_with(prefix)
        } else {
            *id == pattern
        }
    })
    .collect()
}

/// A condition compiled against the rule's search identifiers (numbered in `ids` order).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Search(usize),
    Not(Box<Expr>),
    /// Every part holds (`and`, `all of`).
    All(Vec<Expr>),
    /// Some part holds (`or`, `1 of`).
    Any(Vec<Expr>),
}

impl Expr {
    /// Compile `c`; identifiers `ids` does not hold match nothing.
    pub fn compile(c: &Cond, ids: &[&str]) -> Expr {
        let searches = |p: &str| {
            let named = expand(p, ids.iter().copied());
            ids.iter().enumerate().filter(|(_, id)| named.contains(id)).map(|(i, _)| Expr::Search(i)).collect()
        };
        match c {
            Cond::Id(id) => match ids.iter().position(|x| x == id) {
                Some(i) => Expr::Search(i),
                None => Expr::Any(vec![]),
            },
            Cond::Not(x) => Expr::Not(Box::new(Expr::compile(x, ids))),
            Cond::And(xs) => Expr::All(xs.iter().map(|x| Expr::compile(x, ids)).collect()),
            Cond::Or(xs) => Expr::Any(xs.iter().map(|x| Expr::compile(x, ids)).collect()),
            Cond::OneOf(p) => Expr::Any(searches(p)),
            Cond::AllOf(p) => Expr::All(searches(p)),
        }
    }

    /// Evaluate, with `search(i)` telling whether search `i` matches.
    pub fn holds(&self, search: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Expr::Search(i) => search(*i),
            Expr::Not(x) => !x.holds(search),
            Expr::All(xs) => xs.iter().all(|x| x.holds(search)),
            Expr::Any(xs) => xs.iter().any(|x| x.holds(search)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_quantifiers() {
        assert_eq!(
            parse("selection and not 1 of filter_main_*").unwrap(),
            Cond::And(vec![Cond::Id("selection".into()), Cond::Not(Box::new(Cond::OneOf("filter_main_*".into())))])
        );
        assert_eq!(
            parse("a or b and c").unwrap(),
            Cond::Or(vec![Cond::Id("a".into()), Cond::And(vec![Cond::Id("b".into()), Cond::Id("c".into())])])
        );
        assert_eq!(
            parse("(a or b) and all of them").unwrap(),
            Cond::And(vec![Cond::Or(vec![Cond::Id("a".into()), Cond::Id("b".into())]), Cond::AllOf("them".into())])
        );
    }

    #[test]
    fn aggregations_are_rejected() {
        assert!(matches!(parse("selection_source | count() > 10"), Err(ConditionError::Aggregation(_))));
        assert!(parse("a and").is_err());
        assert!(parse("(a").is_err());
    }

    #[test]
    fn conditions_compile_to_search_numbers() {
        let ids = ["filter_a", "filter_b", "selection"];
        let e = Expr::compile(&parse("selection and not 1 of filter_*").unwrap(), &ids);
        assert_eq!(e, Expr::All(vec![Expr::Search(2), Expr::Not(Box::new(Expr::Any(vec![Expr::Search(0), Expr::Search(1)])))]));
        assert!(e.holds(&|i| i == 2));
        assert!(!e.holds(&|i| i != 0));
    }

    #[test]
    fn patterns_expand() {
        let ids = ["selection_a", "selection_b", "filter"];
        assert_eq!(expand("selection_*", ids.iter().copied()), vec!["selection_a", "selection_b"]);
        assert_eq!(expand("them", ids.iter().copied()).len(), 3);
    }
}
