//! The CloudFormation reader: templates in YAML (with short-form tags) or JSON, evaluated the
//! way CloudFormation would deploy them — parameters, pseudo parameters, conditions, mappings,
//! intrinsic functions, nested stacks whose templates lie beside the parent, and several
//! stacks loaded together with their exports resolved across them — then turned into the
//! twin. Each stack is named after its file (`prod-vpc.yaml` → `prod-vpc`). Ids AWS assigns
//! at deployment become symbolic ids built from logical ids (see [`attributes`]); every
//! resource's origin is its file and the line and column of its logical id.
//!
//! Bad input costs only itself: a file that is not a template (YAML syntax error, no
//! `Resources`) is reported with its line and column and skipped; a resource that refers to
//! an undeclared name, uses an unknown intrinsic function or sits on a circular dependency is
//! reported and left out; resource types koban does not model (custom resources included) are
//! listed as unknowns; the rest is analysed.

pub mod attributes;
pub mod intrinsics;
pub mod parameters;
mod resources;
pub mod service_attributes;
mod stack;
pub mod template;
pub mod value;
pub mod yaml;

pub use parameters::{ParameterError, Parameters};

use crate::iac::Assembly;
use koban_model::{Origin, Severity, Twin};
use stack::{Env, Evaluated, Outcome, StackSpec};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use template::Template;
use value::Val;

/// Why no template could be used.
#[derive(Debug, thiserror::Error)]
pub enum CloudFormationError {
    #[error("nothing usable was read:\n{details}")]
    NothingUsable { details: String },
}

/// Read and parse one template file.
pub fn read_template(path: &Path) -> Result<Template, (Origin, String)> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| (Origin::new(file.clone(), ""), format!("cannot read the template: {e}")))?;
    parse_template(&file, &text)
}

/// Parse a template's text.
pub fn parse_template(file: &str, text: &str) -> Result<Template, (Origin, String)> {
    let root = yaml::parse(text).map_err(|e| (Origin::new(file, e.pos.to_string()), e.message))?;
    Template::read(file, &root).map_err(|e| (Origin::new(file, e.pos.to_string()), e.message))
}

fn stack_names(files: &[PathBuf]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    files
        .iter()
        .map(|f| {
            let stem = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "stack".into());
            let n = seen.entry(stem.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                stem
            } else {
                format!("{stem}-{n}")
            }
        })
        .collect()
}

fn collect(ev: Evaluated, a: &mut Assembly) {
    a.twin.diagnostics.extend(ev.diagnostics);
    a.twin.unknowns.extend(ev.unknowns);
    for r in &ev.resources {
        resources::convert(r, a);
    }
    for n in ev.nested {
        collect(n, a);
    }
}

/// The exports of a stack and of its nested stacks (exports are per account and region).
fn exports_of(ev: &Evaluated) -> Vec<&(String, Val, Origin)> {
    ev.exports.iter().chain(ev.nested.iter().flat_map(exports_of)).collect()
}

/// Load templates (given together, as one deployment) into a twin.
pub fn load_templates(files: &[PathBuf], params: &Parameters) -> Result<Twin, CloudFormationError> {
    let mut a = Assembly::default();
    let mut templates: Vec<(Template, String)> = Vec::new();
    let names = stack_names(files);
    for (f, name) in files.iter().zip(names) {
        match read_template(f) {
            Ok(t) => templates.push((t, name)),
            Err((origin, message)) => {
                a.diagnostic(Severity::Error, &origin, format!("{message} (expected a CloudFormation template)"), None)
            }
        }
    }
    if templates.is_empty() {
        let details = a.twin.diagnostics.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n");
        return Err(CloudFormationError::NothingUsable { details });
    }
    // A logical id declared by two loaded stacks would give two resources the same symbolic
    // id: such stacks name their resources with the stack first.
    let mut owners: HashMap<&str, usize> = HashMap::new();
    for (t, _) in &templates {
        for r in &t.resources {
            *owners.entry(r.logical.as_str()).or_default() += 1;
        }
    }
    let qualified: Vec<bool> =
        templates.iter().map(|(t, _)| t.resources.iter().any(|r| owners.get(r.logical.as_str()).copied().unwrap_or(0) > 1)).collect();
    let declared: HashSet<&str> = templates.iter().flat_map(|(t, _)| t.parameters.iter().map(|p| p.name.as_str())).collect();
    let stacks: HashSet<&str> = templates.iter().map(|(_, n)| n.as_str()).collect();
    for k in params.values.keys() {
        let (stack, key) = k.split_once('/').map_or((None, k.as_str()), |(s, key)| (Some(s), key));
        if let Some(s) = stack.filter(|s| !stacks.contains(s)) {
            a.diagnostic(
                Severity::Warning,
                &Origin::new("--parameters", k.clone()),
                format!("parameter {k} is for stack {s}, which is not loaded"),
                None,
            );
        } else if !key.starts_with("AWS::") && !declared.contains(key) {
            a.diagnostic(
                Severity::Warning,
                &Origin::new("--parameters", k.clone()),
                format!("parameter {k} is declared by no loaded template"),
                None,
            );
        }
    }
    let given_to = |stack: &str| -> (BTreeMap<String, Val>, Parameters) {
        let p = params.for_stack(stack);
        (p.values.iter().map(|(k, v)| (k.clone(), Val::str(v.clone(), yaml::Pos::default()))).collect(), p)
    };
    let mut nested_templates = HashMap::new();
    let read_nested = |p: &Path| read_template(p).map_err(|(o, m)| format!("{o}: {m}"));
    let mut env = Env { exports: BTreeMap::new(), final_pass: false, nested_templates: &mut nested_templates, read_nested: &read_nested };
    let mut export_origin: BTreeMap<String, Origin> = BTreeMap::new();
    let mut pending: Vec<usize> = (0..templates.len()).collect();
    let mut done: Vec<(usize, Evaluated)> = Vec::new();
    loop {
        let mut progress = false;
        let mut still = Vec::new();
        for &i in &pending {
            let (t, name) = &templates[i];
            let (given, stack_params) = given_to(name);
            let spec = StackSpec {
                template: t,
                name: name.clone(),
                qualifier: qualified[i].then(|| name.clone()),
                given,
                region: stack_params.region(),
                account: stack_params.account(),
            };
            match stack::evaluate(&spec, &mut env) {
                Outcome::Done(ev) => {
                    for (name, value, origin) in exports_of(&ev) {
                        if let Some(first) = export_origin.get(name) {
                            a.diagnostic(
                                Severity::Error,
                                origin,
                                format!("export {name:?} is already exported at {first}; keeping the first"),
                                None,
                            );
                            continue;
                        }
                        export_origin.insert(name.clone(), origin.clone());
                        env.exports.insert(name.clone(), value.clone());
                    }
                    done.push((i, ev));
                    progress = true;
                }
                Outcome::Deferred(_) => still.push(i),
            }
        }
        pending = still;
        if pending.is_empty() {
            break;
        }
        if !progress {
            // Nothing exports what the rest import: evaluate them with the imports unknown.
            env.final_pass = true;
        }
    }
    done.sort_by_key(|(i, _)| *i);
    for (_, ev) in done {
        collect(ev, &mut a);
    }
    Ok(a.finish())
}
