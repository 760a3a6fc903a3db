//! The Terraform reader: the JSON `terraform show -json` prints for a plan (`planned_values`,
//! `resource_changes` with `after_unknown`, `prior_state`, `configuration`) or for state
//! (`values`), format versions 0.1 to 1.x, child modules nested at any depth, `count` and
//! `for_each` instances. Values a plan does not know yet (ids and other attributes computed at
//! apply) are recovered from the configuration's references: a subnet's unknown `vpc_id`
//! that the configuration writes as `aws_vpc.main.id` becomes the id of `aws_vpc.main` — its
//! real id when known, else a stable symbolic id made of AWS's prefix and the resource address
//! (`vpc-aws_vpc.main`, `subnet-module.net.aws_subnet.app["a"]`). Data sources already read
//! (existing VPCs, subnets, …) are modelled like managed resources. Each resource's origin is
//! the file and its address.

mod dns;
mod identity;
mod json;
mod monitoring;
mod org;
mod place;
mod policies;
mod resources;
mod services;

use crate::iac::Assembly;
use json::Json;
use koban_model::{Origin, Severity, Twin};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Why no document could be used.
#[derive(Debug, thiserror::Error)]
pub enum TerraformError {
    #[error("nothing usable was read:\n{details}")]
    NothingUsable { details: String },
}

/// One resource instance of a plan or state; its values borrow from the document's bytes.
#[derive(Debug, Clone)]
pub struct Instance<'a> {
    pub address: Cow<'a, str>,
    /// The module path (`module.net` …), empty at the root.
    pub module: Cow<'a, str>,
    pub data: bool,
    pub ty: Cow<'a, str>,
    /// The address without the instance key (`aws_subnet.app`), for references.
    pub base: Cow<'a, str>,
    pub index: Option<Json<'a>>,
    pub values: Json<'a>,
    pub unknown: Json<'a>,
    pub origin: Origin,
    /// (module path without instance keys, address inside the module): the configuration key,
    /// made when first needed (state has no configuration).
    config_key: OnceLock<(String, String)>,
}

impl Instance<'_> {
    fn config_key(&self) -> &(String, String) {
        self.config_key.get_or_init(|| {
            let local = match self.base.strip_prefix(self.module.as_ref()).and_then(|r| r.strip_prefix('.')) {
                Some(local) if !self.module.is_empty() => local,
                _ => &self.base,
            };
            (config_module(&self.module), local.to_string())
        })
    }
}

/// The first `len` bytes of a text, borrowing where the text does.
fn prefix<'a>(text: &Cow<'a, str>, len: usize) -> Cow<'a, str> {
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(&s[..len]),
        Cow::Owned(s) => Cow::Owned(s[..len].to_string()),
    }
}

/// A loaded document: its instances and how to resolve references.
pub struct Document<'a> {
    pub file: String,
    pub instances: Vec<Instance<'a>>,
    /// Configuration resources by (module path, address).
    config: HashMap<(String, String), Json<'a>>,
    /// Module outputs by module path (configuration).
    module_outputs: HashMap<String, Json<'a>>,
    /// Module input expressions by module path (the call's `expressions`).
    module_inputs: HashMap<String, Json<'a>>,
    /// Instances by configuration key, built when a reference is first resolved.
    by_base: OnceLock<HashMap<(String, String), Vec<usize>>>,
    /// Provider configurations' regions and accounts.
    providers: HashMap<String, place::ProviderPlace>,
    /// The account of each `data.aws_caller_identity` (module path, account id), in order.
    caller_accounts: Vec<(String, String)>,
}

/// How long the module path at the start of an address is:
/// `module.a["x"].module.b.aws_vpc.v` → the length of `module.a["x"].module.b`.
fn module_len(address: &str) -> usize {
    let mut end = 0;
    let mut rest = address;
    while let Some(r) = rest.strip_prefix("module.") {
        let name = r.find(['.', '[']).unwrap_or(r.len());
        let mut len = "module.".len() + name;
        if r[name..].starts_with('[') {
            if let Some(close) = r[name..].find(']') {
                len += close + 1;
            }
        }
        end = address.len() - rest.len() + len;
        rest = rest.get(len + 1..).unwrap_or_default();
    }
    end
}

/// The module path without instance keys (`module.a["x"]` → `module.a`), for configuration.
fn config_module(module: &str) -> String {
    let mut out = String::with_capacity(module.len());
    let mut depth = 0;
    for c in module.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn collect_module<'a>(file: &Arc<str>, module: &mut Json<'a>, unknown: &HashMap<String, Json<'a>>, out: &mut Vec<Instance<'a>>) {
    for r in module.get_mut("resources").and_then(Json::as_array_mut).into_iter().flatten() {
        let Some(address) = r.get("address").and_then(Json::as_text) else { continue };
        let data = r.get("mode").and_then(Json::as_str) == Some("data");
        let ty = r.get("type").and_then(Json::as_text).unwrap_or_default();
        let index = r.get("index").cloned();
        let base = match address.rfind('[') {
            Some(i) if address.ends_with(']') && index.is_some() => prefix(&address, i),
            _ => address.clone(),
        };
        out.push(Instance {
            config_key: OnceLock::new(),
            module: prefix(&address, module_len(&address)),
            data,
            ty,
            base,
            index,
            values: r.get_mut("values").map(Json::take).unwrap_or_default(),
            unknown: unknown.get(address.as_ref()).cloned().unwrap_or_default(),
            origin: Origin::new(file, address.as_ref()),
            address,
        });
    }
    for c in module.get_mut("child_modules").and_then(Json::as_array_mut).into_iter().flatten() {
        collect_module(file, c, unknown, out);
    }
}

fn collect_config<'a>(
    module_path: &str,
    module: &Json<'a>,
    config: &mut HashMap<(String, String), Json<'a>>,
    outputs: &mut HashMap<String, Json<'a>>,
    inputs: &mut HashMap<String, Json<'a>>,
) {
    for r in module.get("resources").and_then(Json::as_array).into_iter().flatten() {
        if let Some(a) = r.get("address").and_then(Json::as_str) {
            config.insert((module_path.to_string(), a.to_string()), r.clone());
        }
    }
    for (name, call) in module.get("module_calls").and_then(Json::entries).into_iter().flatten() {
        let path = if module_path.is_empty() { format!("module.{name}") } else { format!("{module_path}.module.{name}") };
        inputs.insert(path.clone(), call.get("expressions").cloned().unwrap_or_default());
        if let Some(m) = call.get("module") {
            outputs.insert(path.clone(), m.get("outputs").cloned().unwrap_or_default());
            collect_config(&path, m, config, outputs, inputs);
        }
    }
}

impl<'a> Document<'a> {
    pub fn read(file: &str, mut v: Json<'a>) -> Result<Document<'a>, String> {
        // One copy of the path for every instance's origin.
        let origin_file: Arc<str> = Arc::from(file);
        let version =
            v.get("format_version").and_then(Json::as_str).ok_or("no format_version (expected the output of terraform show -json)")?;
        if !version.starts_with("0.") && !version.starts_with("1.") {
            return Err(format!("format_version {version:?} is not one koban reads (0.1 to 1.x)"));
        }
        let providers = place::providers(
            &v.get("variables").map(Json::to_value).unwrap_or(Value::Null),
            &v.get("configuration").and_then(|c| c.get("provider_config")).map(Json::to_value).unwrap_or(Value::Null),
        );
        let mut unknown: HashMap<String, Json<'a>> = HashMap::new();
        let mut deleted: HashSet<String> = HashSet::new();
        for c in v.get("resource_changes").and_then(Json::as_array).into_iter().flatten() {
            let Some(a) = c.get("address").and_then(Json::as_str) else { continue };
            if let Some(u) = c.get("change").and_then(|ch| ch.get("after_unknown")) {
                unknown.insert(a.to_string(), u.clone());
            }
            let actions: Vec<&str> = c
                .get("change")
                .and_then(|ch| ch.get("actions"))
                .and_then(Json::as_array)
                .map(|a| a.iter().filter_map(Json::as_str).collect())
                .unwrap_or_default();
            if actions == ["delete"] {
                deleted.insert(a.to_string());
            }
        }
        let mut instances = Vec::new();
        let root = match v.at_mut(&["planned_values", "root_module"]) {
            Some(m) => Some(m.take()),
            None => v.at_mut(&["values", "root_module"]).map(Json::take),
        };
        match root {
            Some(mut m) => collect_module(&origin_file, &mut m, &unknown, &mut instances),
            None => return Err("neither planned_values nor values (expected the output of terraform show -json)".into()),
        }
        // Data sources read during planning, and resources the plan leaves untouched.
        if let Some(prior) = v.at_mut(&["prior_state", "values", "root_module"]) {
            let mut prior_instances = Vec::new();
            collect_module(&origin_file, prior, &HashMap::new(), &mut prior_instances);
            let planned: HashSet<String> = instances.iter().map(|i| i.address.to_string()).collect();
            for p in prior_instances {
                if !deleted.contains(p.address.as_ref()) && !planned.contains(p.address.as_ref()) {
                    instances.push(p);
                }
            }
        }
        let mut config = HashMap::new();
        let mut module_outputs = HashMap::new();
        let mut module_inputs = HashMap::new();
        if let Some(root) = v.get("configuration").and_then(|c| c.get("root_module")) {
            collect_config("", root, &mut config, &mut module_outputs, &mut module_inputs);
        }
        let caller_accounts = instances
            .iter()
            .filter(|i| i.data && i.ty == "aws_caller_identity")
            .filter_map(|i| Some((i.module.to_string(), i.values.get("account_id").and_then(Json::as_str)?.to_string())))
            .collect();
        Ok(Document {
            file: file.to_string(),
            instances,
            config,
            module_outputs,
            module_inputs,
            by_base: OnceLock::new(),
            providers,
            caller_accounts,
        })
    }

    /// Whether the document has a configuration to recover unknown values from.
    fn has_config(&self) -> bool {
        !self.config.is_empty()
    }

    /// The configuration block of an instance.
    fn config_of(&self, inst: &Instance) -> Option<&Json<'a>> {
        if self.config.is_empty() {
            return None;
        }
        self.config.get(inst.config_key())
    }

    /// The expression of an attribute path in an instance's configuration.
    pub fn expression(&self, inst: &Instance, path: &[PathStep]) -> Option<&Json<'a>> {
        let mut cur = self.config_of(inst)?.get("expressions")?;
        for step in path {
            cur = match step {
                PathStep::Key(k) => cur.get(k)?,
                PathStep::Index(i) => match cur {
                    Json::Array(a) => a.get(*i).or_else(|| a.first())?,
                    other => other,
                },
            };
        }
        Some(cur)
    }

    /// Resolve a configuration reference (`aws_vpc.main.id`, `aws_subnet.app["a"]`,
    /// `module.net.vpc_id`) seen from `from`, to the referenced value.
    pub fn resolve(&self, from: &Instance, reference: &str, depth: usize) -> Option<Value> {
        self.resolve_all(from, reference, depth, false).into_iter().next()
    }

    /// Like [`Document::resolve`]; with `all`, a reference to a resource with several
    /// instances (`count`, `for_each`) and no key gives every instance's value.
    pub fn resolve_all(&self, from: &Instance, reference: &str, depth: usize, all: bool) -> Vec<Value> {
        self.resolve_in(&from.module, from.index.as_ref(), reference, depth, all)
    }

    /// Resolve a reference made in module instance `module` (`""` at the root) by an
    /// instance with key `index`.
    fn resolve_in(&self, module: &str, index: Option<&Json<'a>>, reference: &str, depth: usize, all: bool) -> Vec<Value> {
        if depth > 8 {
            return Vec::new();
        }
        let m = config_module(module);
        // `var.x` inside a module: the module call's argument, seen from the parent.
        if let Some(var) = reference.strip_prefix("var.") {
            let parent = match module.rfind(".module.") {
                Some(i) => &module[..i],
                None => "",
            };
            let Some(refs) = self.module_inputs.get(&m).and_then(|e| e.get(var)).and_then(|e| e.get("references")).and_then(Json::as_array)
            else {
                return Vec::new();
            };
            return refs
                .iter()
                .filter_map(Json::as_str)
                .map(|x| self.resolve_in(parent, None, x, depth + 1, all))
                .find(|v| !v.is_empty())
                .unwrap_or_default();
        }
        // `module.x.output`
        if let Some(rest) = reference.strip_prefix("module.") {
            let Some((name, output)) = rest.split_once('.') else { return Vec::new() };
            let call = name.split('[').next().unwrap_or(name);
            let path = if m.is_empty() { format!("module.{call}") } else { format!("{m}.module.{call}") };
            let instance_path = if module.is_empty() { format!("module.{name}") } else { format!("{module}.module.{name}") };
            let Some(refs) = self
                .module_outputs
                .get(&path)
                .and_then(|o| o.get(output))
                .and_then(|o| o.get("expression"))
                .and_then(|e| e.get("references"))
                .and_then(Json::as_array)
            else {
                return Vec::new();
            };
            let inner = self
                .instances
                .iter()
                .find(|i| i.module == instance_path || config_module(&i.module) == path)
                .map(|i| i.module.to_string())
                .unwrap_or(instance_path);
            return refs
                .iter()
                .filter_map(Json::as_str)
                .map(|x| self.resolve_in(&inner, None, x, depth + 1, all))
                .find(|v| !v.is_empty())
                .unwrap_or_default();
        }
        let parts: Vec<&str> = reference.split('.').collect();
        let (data, ty, name, attr) = match parts.as_slice() {
            ["data", ty, name, rest @ ..] => (true, *ty, *name, rest.first().copied()),
            [ty, name, rest @ ..] if ty.starts_with("aws_") => (false, *ty, *name, rest.first().copied()),
            _ => return Vec::new(),
        };
        let (name, key) = match name.find('[') {
            Some(i) => (&name[..i], Some(&name[i..])),
            None => (name, None),
        };
        let local = if data { format!("data.{ty}.{name}") } else { format!("{ty}.{name}") };
        let by_base = self.by_base.get_or_init(|| {
            let mut by_base: HashMap<(String, String), Vec<usize>> = HashMap::new();
            for (i, inst) in self.instances.iter().enumerate() {
                by_base.entry(inst.config_key().clone()).or_default().push(i);
            }
            by_base
        });
        let Some(found) = by_base.get(&(m.clone(), local)) else { return Vec::new() };
        let same_module: Vec<usize> = found.iter().copied().filter(|&i| self.instances[i].module == module).collect();
        let candidates = if same_module.is_empty() { found.clone() } else { same_module };
        let picked: Vec<usize> = match key {
            Some(k) => candidates.iter().copied().filter(|&i| self.instances[i].address.ends_with(k)).collect(),
            None if all => candidates.clone(),
            None => candidates
                .iter()
                .copied()
                .find(|&i| self.instances[i].index.as_ref() == index)
                .or(candidates.first().copied())
                .into_iter()
                .collect(),
        };
        let value = |target: &Instance| match attr {
            None | Some("id") => Some(Value::String(self.id_of(target))),
            Some(a) => target
                .values
                .get(a)
                .filter(|v| !v.is_null())
                .map(Json::to_value)
                .or_else(|| resources::computed(&target.ty, &target.address, a).map(Value::String))
                .or_else(|| place::computed(self, target, a).map(Value::String)),
        };
        picked.into_iter().filter_map(|i| value(&self.instances[i])).collect()
    }

    /// An instance's id: the real one when known, else its symbolic id.
    pub fn id_of(&self, inst: &Instance) -> String {
        match inst.values.get("id").and_then(Json::as_str) {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => place::symbolic_id(self, inst).unwrap_or_else(|| resources::symbolic(&inst.ty, &inst.address)),
        }
    }
}

/// A step of an attribute path.
#[derive(Debug, Clone)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

/// Load `terraform show -json` documents (plans or state) into a twin.
///
/// The files are read first and kept until the end: each document's tree borrows from its
/// bytes, and once converted it is freed on a helper thread while the next file is parsed or
/// the assembly is finished (a 100 MB state's tree takes tens of milliseconds to free).
pub fn load_plans(files: &[PathBuf]) -> Result<Twin, TerraformError> {
    let mut a = Assembly::default();
    let mut read_any = false;
    let buffers: Vec<(String, std::io::Result<Vec<u8>>)> = files.iter().map(|f| (f.display().to_string(), std::fs::read(f))).collect();
    std::thread::scope(|scope| {
        for (file, bytes) in &buffers {
            let bytes = match bytes {
                Ok(b) => b,
                Err(e) => {
                    a.diagnostic(Severity::Error, &Origin::new(file.as_str(), ""), format!("cannot read the file: {e}"), None);
                    continue;
                }
            };
            let value: Json = match serde_json::from_slice(bytes) {
                Ok(v) => v,
                Err(e) => {
                    a.diagnostic(
                        Severity::Error,
                        &Origin::new(file.as_str(), format!("{}:{}", e.line(), e.column())),
                        format!("malformed JSON: {e} (expected the output of terraform show -json)"),
                        None,
                    );
                    continue;
                }
            };
            let doc = match Document::read(file, value) {
                Ok(d) => d,
                Err(m) => {
                    a.diagnostic(Severity::Error, &Origin::new(file.as_str(), ""), m, None);
                    continue;
                }
            };
            read_any = true;
            a.reserve(doc.instances.len());
            for inst in &doc.instances {
                resources::convert(&doc, inst, &mut a);
            }
            scope.spawn(move || drop(doc));
        }
        if !read_any {
            let details = a.twin.diagnostics.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n");
            return Err(TerraformError::NothingUsable { details });
        }
        Ok(a.finish())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths() {
        let module_of = |a: &'static str| &a[..module_len(a)];
        assert_eq!(module_of("aws_vpc.a"), "");
        assert_eq!(module_of("module.net.aws_vpc.a"), "module.net");
        assert_eq!(module_of("module.sg[\"bad.x\"].aws_security_group.bad"), "module.sg[\"bad.x\"]");
        assert_eq!(module_of("module.a.module.b[0].aws_vpc.v"), "module.a.module.b[0]");
        assert_eq!(config_module("module.a[\"x\"].module.b[0]"), "module.a.module.b");
    }
}
