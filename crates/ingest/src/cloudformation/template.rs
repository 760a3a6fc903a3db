//! A template's sections as CloudFormation reads them: `Parameters` (type, `Default`,
//! `AllowedValues`, `NoEcho`), `Mappings`, `Conditions`, `Resources` (type, `Condition`,
//! `DependsOn`, `Properties`) and `Outputs` (with `Export`); and the names each resource
//! refers to (`Ref`, `Fn::GetAtt`, `Fn::Sub` variables, `DependsOn`), for ordering and for
//! finding references to names the template does not declare.

use super::intrinsics::{call, Call};
use super::yaml::{Key, Kind, Node, Pos};

/// Why a file is not a template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct TemplateError {
    pub pos: Pos,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct ParameterDecl {
    pub name: String,
    pub pos: Pos,
    pub ty: String,
    pub default: Option<Node>,
    pub allowed: Vec<String>,
    pub no_echo: bool,
}

#[derive(Debug, Clone)]
pub struct ResourceDecl {
    pub logical: String,
    pub pos: Pos,
    pub ty: String,
    pub properties: Option<Node>,
    pub condition: Option<(String, Pos)>,
    pub depends_on: Vec<(String, Pos)>,
}

#[derive(Debug, Clone)]
pub struct OutputDecl {
    pub name: String,
    pub pos: Pos,
    pub value: Option<Node>,
    pub export: Option<Node>,
    pub condition: Option<(String, Pos)>,
}

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    pub file: String,
    pub parameters: Vec<ParameterDecl>,
    pub mappings: Option<Node>,
    pub conditions: Vec<(Key, Node)>,
    pub resources: Vec<ResourceDecl>,
    pub outputs: Vec<OutputDecl>,
    /// Problems with single resources or outputs (the rest of the template is read).
    pub problems: Vec<TemplateError>,
    /// Resource position by logical id.
    index: std::collections::HashMap<String, usize>,
}

fn text_of(n: &Node, what: &str) -> Result<String, TemplateError> {
    n.as_str()
        .map(str::to_string)
        .ok_or_else(|| TemplateError { pos: n.pos, message: format!("{what}: expected text, got {}", n.describe()) })
}

fn section<'a>(root: &'a Node, name: &str) -> Result<&'a [(Key, Node)], TemplateError> {
    match root.get(name) {
        None => Ok(&[]),
        Some(n) if n.is_null() => Ok(&[]),
        Some(n) => {
            n.as_map().ok_or_else(|| TemplateError { pos: n.pos, message: format!("{name}: expected a mapping, got {}", n.describe()) })
        }
    }
}

/// Take the value under `key` out of a mapping node.
fn take(node: &mut Node, key: &str) -> Option<Node> {
    let Kind::Map(entries) = &mut node.kind else { return None };
    let i = entries.iter().position(|(k, _)| k.text == key)?;
    Some(entries.remove(i).1)
}

fn condition_of(n: &Node) -> Result<Option<(String, Pos)>, TemplateError> {
    match n.get("Condition") {
        None => Ok(None),
        Some(c) => Ok(Some((text_of(c, "Condition")?, c.pos))),
    }
}

impl Template {
    /// Read the sections of a parsed template (taking its resources' properties over).
    pub fn read(file: &str, mut root: Node) -> Result<Template, TemplateError> {
        if root.as_map().is_none() {
            return Err(TemplateError {
                pos: root.pos,
                message: format!("expected a template (a mapping with Resources), got {}", root.describe()),
            });
        }
        let Some(mut res) = take(&mut root, "Resources") else {
            return Err(TemplateError { pos: root.pos, message: "the template has no Resources section".into() });
        };
        let mut problems = Vec::new();
        let mut parameters = Vec::new();
        for (k, p) in section(&root, "Parameters")? {
            let ty = match p.get("Type").map(|t| text_of(t, "Type")) {
                Some(Ok(t)) => t,
                Some(Err(e)) => {
                    problems.push(e);
                    continue;
                }
                None => {
                    problems.push(TemplateError { pos: k.pos, message: format!("parameter {} has no Type", k.text) });
                    continue;
                }
            };
            let allowed = p
                .get("AllowedValues")
                .and_then(Node::as_seq)
                .map(|s| s.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            let no_echo = p.get("NoEcho").and_then(Node::as_str).map(|s| s.eq_ignore_ascii_case("true")).unwrap_or(false);
            parameters.push(ParameterDecl { name: k.text.clone(), pos: k.pos, ty, default: p.get("Default").cloned(), allowed, no_echo });
        }
        let mut resources = Vec::new();
        let not_map = TemplateError { pos: res.pos, message: format!("Resources: expected a mapping, got {}", res.describe()) };
        let Kind::Map(entries) = &mut res.kind else { return Err(not_map) };
        for (k, mut r) in std::mem::take(entries) {
            let decl = (|| {
                let ty_node =
                    r.get("Type").ok_or_else(|| TemplateError { pos: k.pos, message: format!("resource {} has no Type", k.text) })?;
                let ty = text_of(ty_node, "Type")?;
                let depends_on = match r.get("DependsOn") {
                    None => Vec::new(),
                    Some(d) => match &d.kind {
                        Kind::Seq(items) => items.iter().map(|i| text_of(i, "DependsOn").map(|t| (t, i.pos))).collect::<Result<_, _>>()?,
                        _ => vec![(text_of(d, "DependsOn")?, d.pos)],
                    },
                };
                let properties = take(&mut r, "Properties").filter(|p| !p.is_null());
                if let Some(p) = &properties {
                    if p.as_map().is_none() && call(p).ok().flatten().is_none() {
                        return Err(TemplateError {
                            pos: p.pos,
                            message: format!("Properties of {}: expected a mapping, got {}", k.text, p.describe()),
                        });
                    }
                }
                Ok(ResourceDecl { logical: k.text.clone(), pos: k.pos, ty, properties, condition: condition_of(&r)?, depends_on })
            })();
            match decl {
                Ok(d) => resources.push(d),
                Err(e) => problems.push(e),
            }
        }
        let mut outputs = Vec::new();
        for (k, o) in section(&root, "Outputs")? {
            match condition_of(o) {
                Ok(condition) => outputs.push(OutputDecl {
                    name: k.text.clone(),
                    pos: k.pos,
                    value: o.get("Value").cloned(),
                    export: o.get("Export").and_then(|e| e.get("Name")).cloned(),
                    condition,
                }),
                Err(e) => problems.push(e),
            }
        }
        let index = resources.iter().enumerate().map(|(i, r): (usize, &ResourceDecl)| (r.logical.clone(), i)).collect();
        section(&root, "Conditions")?;
        let conditions = match take(&mut root, "Conditions").map(|c| c.kind) {
            Some(Kind::Map(entries)) => entries,
            _ => Vec::new(),
        };
        Ok(Template {
            file: file.to_string(),
            index,
            parameters,
            mappings: take(&mut root, "Mappings"),
            conditions,
            resources,
            outputs,
            problems,
        })
    }

    pub fn resource(&self, logical: &str) -> Option<&ResourceDecl> {
        self.index.get(logical).and_then(|&i| self.resources.get(i))
    }

    pub fn parameter(&self, name: &str) -> Option<&ParameterDecl> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

/// How a node names something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Ref,
    GetAtt,
    Sub,
}

/// Every name a node refers to with `Ref`, `Fn::GetAtt` or a `Fn::Sub` variable (not the
/// variables its own map defines), with where.
pub fn references(node: &Node, out: &mut Vec<(String, Pos, RefKind)>) {
    if let Ok(Some(Call { name, arg, .. })) = call(node) {
        match name {
            "Ref" => {
                if let Some(s) = arg.as_str() {
                    out.push((s.to_string(), arg.pos, RefKind::Ref));
                    return;
                }
            }
            "Fn::GetAtt" => {
                match &arg.kind {
                    Kind::Scalar { text, .. } => {
                        if let Some((r, _)) = text.split_once('.') {
                            out.push((r.to_string(), arg.pos, RefKind::GetAtt));
                        }
                    }
                    Kind::Seq(items) => {
                        if let Some(r) = items.first().and_then(Node::as_str) {
                            out.push((r.to_string(), arg.pos, RefKind::GetAtt));
                        }
                        for i in items.iter().skip(1) {
                            references(i, out);
                        }
                    }
                    Kind::Map(_) => {}
                }
                return;
            }
            "Fn::Sub" => {
                let (template, vars): (Option<&str>, Vec<String>) = match &arg.kind {
                    Kind::Scalar { text, .. } => (Some(text.as_str()), Vec::new()),
                    Kind::Seq(items) if items.len() == 2 => {
                        references(&items[1], out);
                        (items[0].as_str(), items[1].as_map().map(|m| m.iter().map(|(k, _)| k.text.clone()).collect()).unwrap_or_default())
                    }
                    _ => (None, Vec::new()),
                };
                let mut rest = template.unwrap_or_default();
                while let Some(start) = rest.find("${") {
                    let after = &rest[start + 2..];
                    let Some(end) = after.find('}') else { break };
                    let name = after[..end].trim();
                    rest = &after[end + 1..];
                    if name.starts_with('!') || vars.iter().any(|v| v == name) || name.starts_with("AWS::") {
                        continue;
                    }
                    let target = name.split_once('.').map(|(r, _)| r).unwrap_or(name);
                    out.push((target.to_string(), arg.pos, RefKind::Sub));
                }
                return;
            }
            _ => {}
        }
    }
    match &node.kind {
        Kind::Seq(items) => items.iter().for_each(|i| references(i, out)),
        Kind::Map(entries) => entries.iter().for_each(|(_, v)| references(v, out)),
        Kind::Scalar { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse;
    use super::*;

    #[test]
    fn reads_sections_and_references() {
        let t = "Parameters:\n  Cidr: {Type: String, Default: 10.0.0.0/16, AllowedValues: [10.0.0.0/16]}\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: !Ref Cidr}\n  Sub:\n    Type: AWS::EC2::Subnet\n    DependsOn: Vpc\n    Properties:\n      VpcId: !Ref Vpc\n      CidrBlock: !Select [0, !Cidr [!GetAtt Vpc.CidrBlock, 2, 8]]\n      Tags: [{Key: Name, Value: !Sub '${AWS::StackName}-${Vpc}-${X}-${!y}'}]\n  Bad:\n    Properties: {}\nOutputs:\n  VpcId: {Value: !Ref Vpc, Export: {Name: !Sub '${AWS::StackName}-VpcId'}}\n";
        let root = parse(t).unwrap();
        let tpl = Template::read("t.yaml", root).unwrap();
        assert_eq!(tpl.parameters[0].allowed, vec!["10.0.0.0/16"]);
        assert_eq!(tpl.resources.len(), 2);
        assert_eq!(tpl.problems.len(), 1);
        assert!(tpl.problems[0].message.contains("Bad has no Type"));
        let sub = tpl.resource("Sub").unwrap();
        assert_eq!(sub.depends_on, vec![("Vpc".to_string(), Pos { line: 9, column: 16 })]);
        let mut refs = Vec::new();
        references(sub.properties.as_ref().unwrap(), &mut refs);
        let names: Vec<&str> = refs.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names, vec!["Vpc", "Vpc", "Vpc", "X"]);
        assert!(tpl.outputs[0].export.is_some());
        assert!(Template::read("t", parse("a: 1").unwrap()).is_err());
    }
}
