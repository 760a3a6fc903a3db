//! Reading a template's text into a tree of nodes that keeps each node's line and column and
//! the short-form tags CloudFormation uses (`!Ref`, `!GetAtt`, …). YAML and JSON go through
//! the same parser (JSON is YAML 1.2 flow syntax). Scalars stay text: CloudFormation types
//! values when a property reads them. Like CloudFormation, the reader rejects aliases and
//! anchors, several documents in one file, and duplicate keys in a mapping.

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use std::borrow::Cow;

/// A place in the template text: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A mapping key with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub text: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A scalar as written; `plain` is false for quoted and block scalars (always strings).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// One node of the template: its content, its local tag (`Ref` for `!Ref`), where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: Kind,
    pub tag: Option<String>,
    pub pos: Pos,
}

impl Node {
    pub fn scalar(text: impl Into<String>, pos: Pos) -> Node {
        Node { kind: Kind::Scalar { text: text.into(), plain: false }, tag: None, pos }
    }

    /// True for YAML's null (`~`, `null`, an empty plain scalar).
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The text of a scalar node.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } if !self.is_null() => Some(text),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` of a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.iter().find(|(k, _)| k.text == key).map(|(_, v)| v)
    }

    /// The key entry (with its position) under `key` of a mapping node.
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        self.as_map()?.iter().find(|(k, _)| k.text == key).map(|(k, v)| (k, v))
    }

    /// What kind of node this is, for messages.
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            _ if self.is_null() => "null",
            Kind::Scalar { .. } => "a scalar",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// Why the text is not a template CloudFormation would read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

fn pos_of(span: &Span) -> Pos {
    Pos { line: span.start.line(), column: span.start.col() + 1 }
}

fn local_tag(tag: Option<Cow<'_, Tag>>, pos: Pos) -> Result<Option<String>, SyntaxError> {
    let Some(tag) = tag else { return Ok(None) };
    if tag.handle == "!" {
        return Ok(Some(tag.suffix.clone()));
    }
    if tag.is_yaml_core_schema() {
        // `!!str` and friends: the value is read as text anyway.
        return Ok(None);
    }
    Err(SyntaxError {
        pos,
        message: format!("unsupported tag {}{} (expected a short-form intrinsic function such as !Ref)", tag.handle, tag.suffix),
    })
}

/// Parse a template's text. JSON is read as YAML; tabs between JSON tokens (which YAML does
/// not allow as indentation) are read as spaces.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let is_json = text.trim_start_matches('\u{feff}').trim_start().starts_with('{');
    let owned;
    let text = if is_json && text.contains('\t') {
        // A JSON string cannot hold a raw tab, so every tab is whitespace between tokens.
        owned = text.replace('\t', " ");
        owned.as_str()
    } else {
        text
    };
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0usize;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| SyntaxError {
            pos: Pos { line: e.marker().line(), column: e.marker().col() + 1 },
            message: format!("YAML syntax error: {}", e.info()),
        })?;
        let pos = pos_of(&span);
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => continue,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(SyntaxError { pos, message: "a template holds exactly one YAML document".into() });
                }
                continue;
            }
            Event::Alias(_) => return Err(SyntaxError { pos, message: "YAML aliases are not supported by CloudFormation".into() }),
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 {
                    return Err(SyntaxError { pos, message: "YAML anchors are not supported by CloudFormation".into() });
                }
                let tag = local_tag(tag, pos)?;
                Node { kind: Kind::Scalar { text: text.into_owned(), plain: style == ScalarStyle::Plain }, tag, pos }
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) if anchor != 0 => {
                let _ = tag;
                return Err(SyntaxError { pos, message: "YAML anchors are not supported by CloudFormation".into() });
            }
            Event::SequenceStart(_, tag) => {
                stack.push(Frame { node: Node { kind: Kind::Seq(Vec::new()), tag: local_tag(tag, pos)?, pos }, key: None, seen: None });
                continue;
            }
            Event::MappingStart(_, tag) => {
                stack.push(Frame { node: Node { kind: Kind::Map(Vec::new()), tag: local_tag(tag, pos)?, pos }, key: None, seen: None });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(f) => f.node,
                None => return Err(SyntaxError { pos, message: "unbalanced collection end".into() }),
            },
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(frame) => frame.push(node)?,
        }
    }
    root.ok_or(SyntaxError { pos: Pos { line: 1, column: 1 }, message: "the file is empty (expected a template)".into() })
}

/// A collection being built, and for mappings the key waiting for its value.
struct Frame {
    node: Node,
    key: Option<Key>,
    /// Keys seen so far, for large mappings (a linear search serves small ones).
    seen: Option<std::collections::HashMap<String, Pos>>,
}

impl Frame {
    fn push(&mut self, node: Node) -> Result<(), SyntaxError> {
        match &mut self.node.kind {
            Kind::Seq(items) => items.push(node),
            Kind::Map(entries) => match self.key.take() {
                None => {
                    let text = match &node.kind {
                        Kind::Scalar { text, .. } if node.tag.is_none() => text.clone(),
                        _ => {
                            return Err(SyntaxError {
                                pos: node.pos,
                                message: format!("mapping keys must be plain text, got {}", node.describe()),
                            })
                        }
                    };
                    if entries.len() == 16 && self.seen.is_none() {
                        self.seen = Some(entries.iter().map(|(k, _)| (k.text.clone(), k.pos)).collect());
                    }
                    let first = match &mut self.seen {
                        Some(seen) => seen.get(&text).copied().or_else(|| {
                            seen.insert(text.clone(), node.pos);
                            None
                        }),
                        None => entries.iter().find(|(k, _)| k.text == text).map(|(k, _)| k.pos),
                    };
                    if let Some(first) = first {
                        return Err(SyntaxError {
                            pos: node.pos,
                            message: format!("duplicate key {text:?} (first at line {}, column {})", first.line, first.column),
                        });
                    }
                    self.key = Some(Key { text, pos: node.pos });
                }
                Some(key) => entries.push((key, node)),
            },
            Kind::Scalar { .. } => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_tags_and_positions() {
        let t = "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Ref Cidr\n      Tags: [ {Key: Name, Value: !Sub '${AWS::StackName}-vpc'} ]\n";
        let n = parse(t).unwrap();
        let (key, vpc) = n.get("Resources").unwrap().entry("Vpc").unwrap();
        assert_eq!(key.pos, Pos { line: 2, column: 3 });
        let cidr = vpc.get("Properties").unwrap().get("CidrBlock").unwrap();
        assert_eq!(cidr.tag.as_deref(), Some("Ref"));
        assert_eq!(cidr.as_str(), Some("Cidr"));
        assert_eq!(cidr.pos, Pos { line: 5, column: 18 });
        let tags = vpc.get("Properties").unwrap().get("Tags").unwrap().as_seq().unwrap();
        assert_eq!(tags[0].get("Value").unwrap().tag.as_deref(), Some("Sub"));
    }

    #[test]
    fn json_with_tabs_reads_like_yaml() {
        let t = "{\n\t\"Resources\": {\n\t\t\"Vpc\": {\"Type\": \"AWS::EC2::VPC\", \"Properties\": {\"CidrBlock\": {\"Ref\": \"C\"}, \"N\": 1, \"Z\": null}}\n\t}\n}\n";
        let n = parse(t).unwrap();
        let (key, vpc) = n.get("Resources").unwrap().entry("Vpc").unwrap();
        assert_eq!(key.pos, Pos { line: 3, column: 3 });
        let props = vpc.get("Properties").unwrap();
        assert_eq!(props.get("CidrBlock").unwrap().get("Ref").unwrap().as_str(), Some("C"));
        assert_eq!(props.get("N").unwrap().as_str(), Some("1"));
        assert!(props.get("Z").unwrap().is_null());
    }

    #[test]
    fn rejects_what_cloudformation_rejects() {
        let e = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.pos.line, 2);
        assert!(e.message.contains("duplicate key"), "{e}");
        assert!(parse("a: &x 1\nb: *x\n").unwrap_err().message.contains("anchors"));
        assert!(parse("a: 1\n---\nb: 2\n").unwrap_err().message.contains("one YAML document"));
        let e = parse("Resources:\n  A:\n    Type: [unclosed\n").unwrap_err();
        assert!(e.message.starts_with("YAML syntax error"), "{e}");
        assert!(e.pos.line >= 3, "{e:?}");
        assert!(parse("").is_err());
        assert!(parse("a: !!binary x\n").is_ok());
        assert!(parse("a: !<tag:example.com:x> 1\n").is_err());
    }
}
