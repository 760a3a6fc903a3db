//! Evaluating one stack: parameter values (given, `Default`, `AllowedValues`, list types,
//! SSM-backed types), pseudo parameters, conditions, mappings, resources in dependency order
//! (references to undeclared names and circular dependencies are errors naming the line and
//! column), nested stacks whose template lies beside the parent, and outputs with exports.
//! `Fn::ImportValue` reads the exports of stacks evaluated before; a stack importing a name
//! not exported yet is deferred so the loader can evaluate the exporter first.

use super::attributes::{self, Place};
use super::intrinsics::{eval, invalid, truth, EvalError, Scope};
use super::template::{references, RefKind, Template};
use super::value::{Val, V};
use super::yaml::Pos;
use koban_model::{Diagnostic, Origin, Severity, Unknown};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A stack to evaluate.
pub struct StackSpec<'a> {
    pub template: &'a Template,
    pub name: String,
    /// Prefix of the symbolic ids (`Spoke1VpcStack` → `vpc-Spoke1VpcStack.VPC`).
    pub qualifier: Option<String>,
    /// Parameter values given by the user or the parent stack.
    pub given: BTreeMap<String, Val>,
    pub region: String,
    pub account: String,
}

/// A resource after evaluation, ready to become part of the twin.
#[derive(Debug, Clone)]
pub struct EvaluatedResource {
    pub logical: String,
    pub ty: String,
    /// The qualified logical id symbolic ids are made from.
    pub base: String,
    pub props: Val,
    pub origin: Origin,
    pub place: Place,
}

/// What evaluating a stack produced.
#[derive(Debug, Default)]
pub struct Evaluated {
    pub resources: Vec<EvaluatedResource>,
    pub outputs: BTreeMap<String, Val>,
    pub exports: Vec<(String, Val, Origin)>,
    pub diagnostics: Vec<Diagnostic>,
    pub unknowns: Vec<Unknown>,
    pub nested: Vec<Evaluated>,
}

/// What stack evaluation shares: exports so far, whether missing imports are final, and
/// templates read for nested stacks.
pub struct Env<'t> {
    pub exports: BTreeMap<String, Val>,
    /// When false, importing a name nobody exported defers the stack.
    pub final_pass: bool,
    pub nested_templates: &'t mut HashMap<PathBuf, Result<Template, String>>,
    pub read_nested: &'t dyn Fn(&Path) -> Result<Template, String>,
}

/// The result of evaluating a stack: done, or waiting for an export.
pub enum Outcome {
    Done(Evaluated),
    Deferred(String),
}

fn partition_of(region: &str) -> (&'static str, &'static str) {
    if region.starts_with("cn-") {
        ("aws-cn", "amazonaws.com.cn")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "amazonaws.com")
    } else {
        ("aws", "amazonaws.com")
    }
}

struct StackScope<'s, 'e, 't> {
    spec: &'s StackSpec<'s>,
    place: Place,
    params: HashMap<String, Val>,
    conditions: HashMap<String, Option<bool>>,
    evaluating_conditions: Vec<String>,
    /// Evaluated resources by logical id: their place in `out.resources`.
    props: HashMap<String, usize>,
    excluded: HashSet<String>,
    nested_outputs: HashMap<String, Option<BTreeMap<String, Val>>>,
    env: &'e mut Env<'t>,
    out: Evaluated,
}

impl StackScope<'_, '_, '_> {
    fn origin(&self, pos: Pos) -> Origin {
        Origin::new(self.spec.template.file.clone(), pos.to_string())
    }

    fn error(&mut self, pos: Pos, message: String, resource: Option<String>) {
        let origin = self.origin(pos);
        self.out.diagnostics.push(Diagnostic { severity: Severity::Error, origin, message, resource });
    }

    /// The evaluated properties of a resource of this stack.
    fn evaluated(&self, logical: &str) -> Option<&Val> {
        self.props.get(logical).and_then(|&i| self.out.resources.get(i)).map(|r| &r.props)
    }

    fn base(&self, logical: &str) -> String {
        match &self.spec.qualifier {
            Some(q) => format!("{q}.{logical}"),
            None => logical.to_string(),
        }
    }
}

impl Scope for StackScope<'_, '_, '_> {
    fn reference(&mut self, name: &str, pos: Pos) -> Result<Val, EvalError> {
        let p = &self.place;
        let pseudo = match name {
            "AWS::Region" => Some(Val::str(p.region.clone(), pos)),
            "AWS::AccountId" => Some(Val::str(p.account.clone(), pos)),
            "AWS::StackName" => Some(Val::str(p.stack.clone(), pos)),
            "AWS::StackId" => {
                Some(Val::str(format!("arn:{}:cloudformation:{}:{}:stack/{}/symbolic", p.partition, p.region, p.account, p.stack), pos))
            }
            "AWS::Partition" => Some(Val::str(p.partition.clone(), pos)),
            "AWS::URLSuffix" => Some(Val::str(partition_of(&p.region).1, pos)),
            "AWS::NoValue" => Some(Val::new(V::NoValue, pos)),
            "AWS::NotificationARNs" => Some(Val::new(V::List(Vec::new()), pos)),
            _ => None,
        };
        if let Some(v) = pseudo {
            return Ok(v);
        }
        if let Some(v) = self.params.get(name) {
            return Ok(Val { v: v.v.clone(), pos });
        }
        if let Some(r) = self.spec.template.resource(name) {
            if self.excluded.contains(name) {
                return Ok(Val::unknown(format!("{name} is not created (its condition is false)"), pos));
            }
            return Ok(attributes::reference(&r.ty, &self.base(name), self.evaluated(name), &self.place, pos));
        }
        Err(invalid(pos, format!("Ref to {name:?}, which is neither a parameter nor a resource of this template")))
    }

    fn attribute(&mut self, resource: &str, attribute: &str, pos: Pos) -> Result<Val, EvalError> {
        let Some(r) = self.spec.template.resource(resource) else {
            return Err(invalid(pos, format!("Fn::GetAtt of {resource:?}, which is not a resource of this template")));
        };
        if self.excluded.contains(resource) {
            return Ok(Val::unknown(format!("{resource} is not created (its condition is false)"), pos));
        }
        if r.ty == "AWS::CloudFormation::Stack" {
            if let Some(output) = attribute.strip_prefix("Outputs.") {
                return Ok(match self.nested_outputs.get(resource) {
                    Some(Some(outputs)) => match outputs.get(output) {
                        Some(v) => Val { v: v.v.clone(), pos },
                        None => return Err(invalid(pos, format!("nested stack {resource} has no output {output:?}"))),
                    },
                    _ => Val::unknown(format!("output {output} of nested stack {resource}, whose template is not loaded"), pos),
                });
            }
        }
        Ok(attributes::attribute(&r.ty, &self.base(resource), attribute, self.evaluated(resource), &self.place, pos))
    }

    fn condition(&mut self, name: &str, pos: Pos) -> Result<bool, EvalError> {
        if let Some(v) = self.conditions.get(name) {
            return Ok(v.unwrap_or(false));
        }
        let template: &Template = self.spec.template;
        let Some((_, node)) = template.conditions.iter().find(|(k, _)| k.text == name) else {
            return Err(invalid(pos, format!("condition {name:?} is not declared in Conditions")));
        };
        if self.evaluating_conditions.iter().any(|c| c == name) {
            return Err(invalid(pos, format!("circular condition: {} -> {name}", self.evaluating_conditions.join(" -> "))));
        }
        self.evaluating_conditions.push(name.to_string());
        let v = truth(node, self);
        self.evaluating_conditions.pop();
        let v = v?;
        if v.is_none() {
            self.error(node.pos, format!("condition {name} depends on a value known only after deployment; it is taken as false"), None);
        }
        self.conditions.insert(name.to_string(), v);
        Ok(v.unwrap_or(false))
    }

    fn mapping(&mut self, map: &str, top: &str, second: &str, pos: Pos) -> Result<Val, EvalError> {
        let template: &Template = self.spec.template;
        let found = template.mappings.as_ref().and_then(|m| m.get(map)).and_then(|m| m.get(top)).and_then(|m| m.get(second));
        match found {
            Some(n) => eval(n, self),
            None => Err(invalid(pos, format!("Fn::FindInMap: no {map}.{top}.{second} in Mappings"))),
        }
    }

    fn import(&mut self, name: &str, pos: Pos) -> Result<Val, EvalError> {
        if let Some(v) = self.env.exports.get(name) {
            return Ok(Val { v: v.v.clone(), pos });
        }
        if !self.env.final_pass {
            return Err(EvalError::Import { pos, name: name.to_string() });
        }
        self.error(pos, format!("Fn::ImportValue {name:?}: no loaded stack exports this name (load the exporting template too)"), None);
        Ok(Val::unknown(format!("export {name} of a stack that is not loaded"), pos))
    }

    fn region(&self) -> String {
        self.place.region.clone()
    }
}

/// Resolve a parameter's value: given, else `Default`; typed by the parameter's `Type`.
fn parameter_value(scope: &mut StackScope, decl: &super::template::ParameterDecl) -> Val {
    let given = scope.spec.given.get(&decl.name).cloned();
    let shown = |v: &str| if decl.no_echo { "(NoEcho value)".to_string() } else { format!("{v:?}") };
    let value = match (given, &decl.default) {
        (Some(v), _) => v,
        (None, Some(d)) => Val::str(d.as_str().unwrap_or_default(), d.pos),
        (None, None) => {
            let stack = scope.spec.name.clone();
            scope.error(
                decl.pos,
                format!(
                    "parameter {} of stack {stack} has no value and no Default (give it with --parameters {}=VALUE)",
                    decl.name, decl.name
                ),
                None,
            );
            return Val::unknown(format!("parameter {} has no value", decl.name), decl.pos);
        }
    };
    if decl.ty.starts_with("AWS::SSM::Parameter::Value<") {
        let name = value.as_str().unwrap_or_default().to_string();
        return Val::unknown(format!("parameter {} is read from SSM parameter {name} at deployment", decl.name), decl.pos);
    }
    if let (Some(s), false) = (value.as_str(), decl.allowed.is_empty()) {
        if !decl.allowed.iter().any(|a| a == s) {
            let msg = format!("parameter {}: {} is not one of its AllowedValues ({})", decl.name, shown(s), decl.allowed.join(", "));
            scope.error(decl.pos, msg, None);
            return Val::unknown(format!("parameter {} has a value outside AllowedValues", decl.name), decl.pos);
        }
    }
    let is_list = decl.ty.starts_with("List<") || decl.ty == "CommaDelimitedList";
    match (&value.v, is_list) {
        (V::Str(s), true) => Val::new(
            V::List(if s.is_empty() { Vec::new() } else { s.split(',').map(|p| Val::str(p.trim(), value.pos)).collect() }),
            value.pos,
        ),
        _ => value,
    }
}

/// The order to evaluate resources in (dependencies first), and the resources that cannot be
/// evaluated: references to undeclared names, circular dependencies.
fn order(scope: &mut StackScope) -> Vec<usize> {
    let t = scope.spec.template;
    let index: HashMap<&str, usize> = t.resources.iter().enumerate().map(|(i, r)| (r.logical.as_str(), i)).collect();
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); t.resources.len()];
    let mut broken: HashSet<usize> = HashSet::new();
    for (i, r) in t.resources.iter().enumerate() {
        let mut refs = Vec::new();
        if let Some(p) = &r.properties {
            references(p, &mut refs);
        }
        for (name, pos) in &r.depends_on {
            refs.push((name.clone(), *pos, RefKind::GetAtt));
        }
        for (name, pos, kind) in refs {
            if let Some(&j) = index.get(name.as_str()) {
                if !deps[i].contains(&j) {
                    deps[i].push(j);
                }
            } else if kind == RefKind::GetAtt || !(name.starts_with("AWS::") || t.parameter(&name).is_some()) {
                let what = match kind {
                    RefKind::Ref => "Ref to",
                    RefKind::GetAtt => "reference to",
                    RefKind::Sub => "Fn::Sub variable",
                };
                let id = scope.base(&r.logical);
                scope.error(
                    pos,
                    format!("{} ({}): {what} {name:?}, which is neither a parameter nor a resource of this template", r.logical, r.ty),
                    Some(id),
                );
                broken.insert(i);
            }
        }
    }
    // Kahn's algorithm; what remains is on or behind a cycle.
    let n = t.resources.len();
    let mut remaining: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, d) in deps.iter().enumerate() {
        for &j in d {
            users[j].push(i);
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| remaining[i] == 0).rev().collect();
    let mut out = Vec::with_capacity(n);
    while let Some(i) = ready.pop() {
        out.push(i);
        for &u in users[i].iter().rev() {
            remaining[u] -= 1;
            if remaining[u] == 0 {
                ready.push(u);
            }
        }
    }
    if out.len() < n {
        let left: HashSet<usize> = (0..n).filter(|i| !out.contains(i)).collect();
        let mut reported: HashSet<usize> = HashSet::new();
        let mut sorted: Vec<usize> = left.iter().copied().collect();
        sorted.sort_by_key(|&i| t.resources[i].pos);
        for &start in &sorted {
            if reported.contains(&start) {
                continue;
            }
            // Follow dependencies inside the remainder until a resource repeats.
            let mut path = vec![start];
            let mut cur = start;
            let cycle = loop {
                let Some(&next) = deps[cur].iter().find(|j| left.contains(j)) else { break None };
                if let Some(k) = path.iter().position(|&p| p == next) {
                    break Some(path[k..].to_vec());
                }
                path.push(next);
                cur = next;
            };
            let Some(cycle) = cycle else { continue };
            if cycle.iter().any(|c| reported.contains(c)) {
                continue;
            }
            let first = *cycle.iter().min_by_key(|&&i| t.resources[i].pos).unwrap_or(&cycle[0]);
            let k = cycle.iter().position(|&c| c == first).unwrap_or(0);
            let names: Vec<&str> = cycle[k..]
                .iter()
                .chain(cycle[..k].iter())
                .chain(std::iter::once(&first))
                .map(|&i| t.resources[i].logical.as_str())
                .collect();
            let r = &t.resources[first];
            let id = scope.base(&r.logical);
            scope.error(r.pos, format!("circular dependency between resources: {}", names.join(" -> ")), Some(id));
            for c in cycle {
                reported.insert(c);
                broken.insert(c);
            }
        }
        // Resources behind a cycle are still evaluated, after everything else.
        out.extend(sorted.into_iter().filter(|i| !reported.contains(i)));
    }
    out.retain(|i| !broken.contains(i));
    out
}

/// Evaluate a stack.
pub fn evaluate(spec: &StackSpec, env: &mut Env) -> Outcome {
    let (partition, _) = partition_of(&spec.region);
    let place =
        Place { region: spec.region.clone(), account: spec.account.clone(), partition: partition.to_string(), stack: spec.name.clone() };
    let mut scope = StackScope {
        spec,
        place,
        params: HashMap::new(),
        conditions: HashMap::new(),
        evaluating_conditions: Vec::new(),
        props: HashMap::new(),
        excluded: HashSet::new(),
        nested_outputs: HashMap::new(),
        env,
        out: Evaluated::default(),
    };
    let t = spec.template;
    for p in &t.problems {
        scope.error(p.pos, p.message.clone(), None);
    }
    for decl in &t.parameters {
        let v = parameter_value(&mut scope, decl);
        scope.params.insert(decl.name.clone(), v);
    }
    if spec.qualifier.as_deref().is_some_and(|q| q.contains('.') || spec.name.ends_with(q)) {
        for name in spec.given.keys().filter(|n| t.parameter(n).is_none()) {
            scope.error(
                Pos::default(),
                format!("the parent stack passes parameter {name}, which the nested template does not declare"),
                None,
            );
        }
    }
    for (k, _) in &t.conditions {
        if let Err(e) = scope.condition(&k.text, k.pos) {
            let (pos, message) = match e {
                EvalError::Invalid { pos, message } => (pos, message),
                EvalError::Import { pos, name } => (pos, format!("Fn::ImportValue {name:?} in a condition")),
            };
            scope.error(pos, format!("condition {}: {message}", k.text), None);
            scope.conditions.insert(k.text.clone(), Some(false));
        }
    }
    for i in order(&mut scope) {
        let r = &t.resources[i];
        if let Some((c, pos)) = &r.condition {
            match scope.condition(c, *pos) {
                Ok(true) => {}
                Ok(false) => {
                    scope.excluded.insert(r.logical.clone());
                    continue;
                }
                Err(e) => {
                    let id = scope.base(&r.logical);
                    scope.error(*pos, format!("{}: {e}", r.logical), Some(id));
                    continue;
                }
            }
        }
        let props = match &r.properties {
            Some(p) => eval(p, &mut scope),
            None => Ok(Val::new(V::Map(Vec::new()), r.pos)),
        };
        let props = match props {
            Ok(v) => v,
            Err(EvalError::Import { name, .. }) => return Outcome::Deferred(name),
            Err(EvalError::Invalid { pos, message }) => {
                let id = scope.base(&r.logical);
                scope.error(pos, format!("{} ({}): {message}", r.logical, r.ty), Some(id));
                continue;
            }
        };
        if r.ty == "AWS::CloudFormation::Stack" {
            if let Some(name) = nested(&mut scope, r, &props) {
                return Outcome::Deferred(name);
            }
        }
        scope.props.insert(r.logical.clone(), scope.out.resources.len());
        let origin = scope.origin(r.pos);
        let place = scope.place.clone();
        scope.out.resources.push(EvaluatedResource {
            logical: r.logical.clone(),
            ty: r.ty.clone(),
            base: scope.base(&r.logical),
            props,
            origin,
            place,
        });
    }
    for o in &t.outputs {
        if let Some((c, pos)) = &o.condition {
            match scope.condition(c, *pos) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    scope.error(*pos, format!("output {}: {e}", o.name), None);
                    continue;
                }
            }
        }
        let Some(node) = &o.value else {
            scope.error(o.pos, format!("output {} has no Value", o.name), None);
            continue;
        };
        let value = match eval(node, &mut scope) {
            Ok(v) => v,
            Err(EvalError::Import { name, .. }) => return Outcome::Deferred(name),
            Err(EvalError::Invalid { pos, message }) => {
                scope.error(pos, format!("output {}: {message}", o.name), None);
                continue;
            }
        };
        if let Some(e) = &o.export {
            match eval(e, &mut scope) {
                Ok(Val { v: V::Str(name), .. }) => {
                    let origin = scope.origin(o.pos);
                    scope.out.exports.push((name, value.clone(), origin));
                }
                Ok(other) => scope.error(e.pos, format!("output {}: Export Name must be text, got {}", o.name, other.describe()), None),
                Err(EvalError::Import { name, .. }) => return Outcome::Deferred(name),
                Err(EvalError::Invalid { pos, message }) => scope.error(pos, format!("output {} export: {message}", o.name), None),
            }
        }
        scope.out.outputs.insert(o.name.clone(), value);
    }
    Outcome::Done(scope.out)
}

/// A nested stack: evaluate the template beside the parent that its `TemplateURL` names.
/// Returns the export name when the nested stack must wait for one.
fn nested(scope: &mut StackScope, r: &super::template::ResourceDecl, props: &Val) -> Option<String> {
    let url = props.get("TemplateURL").and_then(Val::as_str).unwrap_or_default();
    let file_name = url.split(['?', '#']).next().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string();
    let dir = Path::new(&scope.spec.template.file).parent().map(Path::to_path_buf).unwrap_or_default();
    let path = dir.join(&file_name);
    let origin = scope.origin(r.pos);
    if file_name.is_empty() || !path.is_file() {
        scope.out.unknowns.push(Unknown {
            resource: scope.base(&r.logical),
            reason: format!(
                "nested stack template {url:?} is not beside {} (put {file_name} there to analyse it)",
                scope.spec.template.file
            ),
            origin: Some(origin),
        });
        scope.nested_outputs.insert(r.logical.clone(), None);
        return None;
    }
    let read = scope.env.read_nested;
    let template = scope.env.nested_templates.entry(path.clone()).or_insert_with(|| read(&path)).clone();
    let template = match template {
        Ok(t) => t,
        Err(e) => {
            let id = scope.base(&r.logical);
            scope.error(r.pos, format!("nested stack {}: {e}", r.logical), Some(id));
            scope.nested_outputs.insert(r.logical.clone(), None);
            return None;
        }
    };
    let given: BTreeMap<String, Val> =
        props.get("Parameters").and_then(Val::as_map).map(|m| m.iter().cloned().collect()).unwrap_or_default();
    let spec = StackSpec {
        template: &template,
        name: format!("{}-{}", scope.spec.name, r.logical),
        qualifier: Some(scope.base(&r.logical)),
        given,
        region: scope.spec.region.clone(),
        account: scope.spec.account.clone(),
    };
    match evaluate(&spec, scope.env) {
        Outcome::Deferred(name) => Some(name),
        Outcome::Done(ev) => {
            scope.nested_outputs.insert(r.logical.clone(), Some(ev.outputs.clone()));
            scope.out.nested.push(ev);
            None
        }
    }
}
