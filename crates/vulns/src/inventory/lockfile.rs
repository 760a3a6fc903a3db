//! Lock and manifest files: `Cargo.lock` (crates.io packages), `package-lock.json` /
//! `npm-shrinkwrap.json` (lockfile versions 1–3), `requirements*.txt` (pinned `==` / `===`
//! requirements only), `poetry.lock`, and `go.sum` (the modules whose source is checksummed; the
//! highest version per module, which is what minimal version selection builds).

use super::{Ctx, Inventory};
use crate::version::Scheme;
use serde_json::Value;
use std::collections::BTreeMap;

fn toml_line(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => format!("line {}", text[..span.start.min(text.len())].matches('\n').count() + 1),
        None => "$".to_string(),
    }
}

pub(crate) fn cargo_lock(inv: &mut Inventory, ctx: &Ctx, text: &str) -> &'static str {
    let doc: toml::Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            inv.error(ctx.file, toml_line(text, &e), format!("invalid TOML: {}", e.message()));
            return "Cargo.lock";
        }
    };
    let Some(packages) = doc.get("package").and_then(toml::Value::as_array) else {
        return "Cargo.lock";
    };
    for (i, p) in packages.iter().enumerate() {
        let at = format!("$.package[{i}]");
        let (Some(name), Some(version)) = (p.get("name").and_then(toml::Value::as_str), p.get("version").and_then(toml::Value::as_str))
        else {
            inv.error(ctx.file, at, "expected `name` and `version`");
            continue;
        };
        match p.get("source").and_then(toml::Value::as_str) {
            None => continue, // a workspace member: local code, not a published crate
            Some(s) if s == "registry+https://github.com/rust-lang/crates.io-index" || s == "sparse+https://index.crates.io/" => {}
            Some(s) => {
                inv.skip(ctx.file, at, name, format!("source {s} is not crates.io"));
                continue;
            }
        }
        if let Err(e) = Scheme::SemVer.parse(version) {
            inv.error(ctx.file, format!("{at}.version"), e.to_string());
            continue;
        }
        let mut pkg = ctx.package("crates.io", name, version, at);
        pkg.path = Some(ctx.file.display().to_string());
        inv.packages.push(pkg);
    }
    "Cargo.lock"
}

pub(crate) fn package_lock(inv: &mut Inventory, ctx: &Ctx, text: &str) -> &'static str {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            inv.error(ctx.file, format!("line {}", e.line()), format!("invalid JSON: {e}"));
            return "package-lock.json";
        }
    };
    if let Some(pkgs) = doc.get("packages").and_then(Value::as_object) {
        for (key, p) in pkgs {
            if key.is_empty() {
                continue;
            }
            let at = format!("$.packages[{key:?}]");
            if p.get("link").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| key.rsplit_once("node_modules/").map(|(_, n)| n).unwrap_or(key).to_string());
            npm_package(inv, ctx, &name, p.get("version"), at);
        }
    } else if let Some(deps) = doc.get("dependencies").and_then(Value::as_object) {
        npm_v1(inv, ctx, deps, "$.dependencies");
    }
    "package-lock.json"
}

fn npm_v1(inv: &mut Inventory, ctx: &Ctx, deps: &serde_json::Map<String, Value>, path: &str) {
    for (name, d) in deps {
        let at = format!("{path}[{name:?}]");
        npm_package(inv, ctx, name, d.get("version"), at.clone());
        if let Some(nested) = d.get("dependencies").and_then(Value::as_object) {
            npm_v1(inv, ctx, nested, &format!("{at}.dependencies"));
        }
    }
}

fn npm_package(inv: &mut Inventory, ctx: &Ctx, name: &str, version: Option<&Value>, at: String) {
    let Some(version) = version.and_then(Value::as_str) else {
        return inv.error(ctx.file, format!("{at}.version"), "expected the installed version");
    };
    // Aliased and non-registry installs record a URL or `npm:` spec instead of a version.
    if Scheme::SemVer.parse(version).is_err() {
        return inv.skip(ctx.file, at, name, format!("version {version:?} is not a registry version"));
    }
    let mut pkg = ctx.package("npm", name, version, at);
    pkg.path = Some(ctx.file.display().to_string());
    inv.packages.push(pkg);
}

pub(crate) fn requirements(inv: &mut Inventory, ctx: &Ctx, text: &str) -> &'static str {
    let mut logical = String::new();
    let mut first_line = 0;
    for (n, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            first_line = n + 1;
        }
        let line = match raw.find(" #").or_else(|| raw.starts_with('#').then_some(0)) {
            Some(i) => &raw[..i],
            None => raw,
        };
        if let Some(cont) = line.trim_end().strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        requirement(inv, ctx, logical.trim(), first_line);
        logical.clear();
    }
    if !logical.trim().is_empty() {
        requirement(inv, ctx, logical.trim(), first_line);
    }
    "requirements.txt"
}

fn requirement(inv: &mut Inventory, ctx: &Ctx, line: &str, n: usize) {
    if line.is_empty() || line.starts_with('-') {
        return;
    }
    let at = format!("line {n}");
    let spec = line.split(';').next().unwrap_or(line).split(" --").next().unwrap_or(line).trim();
    let name_end = spec.find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c))).unwrap_or(spec.len());
    let name = &spec[..name_end];
    if name.is_empty() {
        return inv.error(ctx.file, at, format!("expected a requirement, found {line:?}"));
    }
    let rest = spec[name_end..].trim_start();
    let rest = match rest.strip_prefix('[') {
        Some(r) => r.split_once(']').map(|(_, r)| r.trim_start()).unwrap_or(""),
        None => rest,
    };
    let pinned = rest.strip_prefix("===").or_else(|| rest.strip_prefix("=="));
    match pinned.map(str::trim) {
        Some(v) if !v.contains(',') && !v.contains('*') => {
            if let Err(e) = Scheme::Pep440.parse(v) {
                return inv.error(ctx.file, at, e.to_string());
            }
            let mut pkg = ctx.package("PyPI", name, v, at);
            pkg.path = Some(ctx.file.display().to_string());
            inv.packages.push(pkg);
        }
        _ => inv.skip(ctx.file, at, name, "not pinned to one version (`==`): the installed version is unknown"),
    }
}

pub(crate) fn poetry_lock(inv: &mut Inventory, ctx: &Ctx, text: &str) -> &'static str {
    let doc: toml::Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            inv.error(ctx.file, toml_line(text, &e), format!("invalid TOML: {}", e.message()));
            return "poetry.lock";
        }
    };
    for (i, p) in doc.get("package").and_then(toml::Value::as_array).map(Vec::as_slice).unwrap_or_default().iter().enumerate() {
        let at = format!("$.package[{i}]");
        let (Some(name), Some(version)) = (p.get("name").and_then(toml::Value::as_str), p.get("version").and_then(toml::Value::as_str))
        else {
            inv.error(ctx.file, at, "expected `name` and `version`");
            continue;
        };
        if let Some(kind) = p.get("source").and_then(|s| s.get("type")).and_then(toml::Value::as_str) {
            if kind != "legacy" {
                inv.skip(ctx.file, at, name, format!("installed from a {kind} source, not PyPI"));
                continue;
            }
        }
        if let Err(e) = Scheme::Pep440.parse(version) {
            inv.error(ctx.file, format!("{at}.version"), e.to_string());
            continue;
        }
        let mut pkg = ctx.package("PyPI", name, version, at);
        pkg.path = Some(ctx.file.display().to_string());
        inv.packages.push(pkg);
    }
    "poetry.lock"
}

pub(crate) fn go_sum(inv: &mut Inventory, ctx: &Ctx, text: &str) -> &'static str {
    let mut best: BTreeMap<String, (crate::version::Version, String, usize)> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        if f.len() != 3 || !f[2].starts_with("h1:") {
            inv.error(ctx.file, format!("line {}", n + 1), "expected `module version h1:hash`");
            continue;
        }
        if f[1].ends_with("/go.mod") {
            continue;
        }
        let v = match Scheme::Go.parse(f[1]) {
            Ok(v) => v,
            Err(e) => {
                inv.error(ctx.file, format!("line {}", n + 1), e.to_string());
                continue;
            }
        };
        let newer = best.get(f[0]).is_none_or(|(b, _, _)| v.partial_cmp(b) == Some(std::cmp::Ordering::Greater));
        if newer {
            best.insert(f[0].to_string(), (v, f[1].to_string(), n + 1));
        }
    }
    for (module, (_, version, line)) in best {
        let mut pkg = ctx.package("Go", &module, &version, format!("line {line}"));
        pkg.path = Some(ctx.file.display().to_string());
        inv.packages.push(pkg);
    }
    "go.sum"
}

#[cfg(test)]
mod tests {
    use super::super::{Ctx, Inventory};
    use std::path::Path;

    fn run(f: fn(&mut Inventory, &Ctx, &str) -> &'static str, text: &str) -> Inventory {
        let mut inv = Inventory::default();
        let ctx = Ctx { file: Path::new("x"), flag_resource: Some("i-0123abcd".into()), path_resource: None, os: None };
        f(&mut inv, &ctx, text);
        inv
    }

    #[test]
    fn cargo_lock_keeps_crates_io_packages() {
        let inv = run(
            super::cargo_lock,
            "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"regex\"\nversion = \"1.5.4\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"bad\"\nversion = \"x\"\n\
             source = \"sparse+https://index.crates.io/\"\n",
        );
        assert_eq!(inv.packages.len(), 1);
        assert_eq!((inv.packages[0].name.as_str(), inv.packages[0].version.as_str()), ("regex", "1.5.4"));
        assert_eq!(inv.errors[0].at, "$.package[2].version");
        assert_eq!(run(super::cargo_lock, "[[package]\n").errors[0].at, "line 1");
    }

    #[test]
    fn package_lock_v1_and_v3() {
        let v3 = run(
            super::package_lock,
            r#"{"lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/@babel/core":{"version":"7.0.0"},"node_modules/a/node_modules/b":{"version":"1.0.0"},"node_modules/l":{"link":true}}}"#,
        );
        let names: Vec<_> = v3.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["@babel/core", "b"]);
        let v1 = run(
            super::package_lock,
            r#"{"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0","dependencies":{"b":{"version":"2.0.0"}}}}}"#,
        );
        assert_eq!(v1.packages.len(), 2);
    }

    #[test]
    fn requirements_pins_only() {
        let inv = run(super::requirements, "# deps\nDjango==3.2.1 ; python_version >= \"3.8\"\nrequests[socks]===2.25.1 \\\n    --hash=sha256:abc\nflask>=2\n-r other.txt\nbad==not a version\n");
        let got: Vec<_> = inv.packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        assert_eq!(got, [("Django", "3.2.1"), ("requests", "2.25.1")]);
        assert_eq!(inv.skipped[0].name, "flask");
        assert_eq!(inv.errors[0].at, "line 7");
    }

    #[test]
    fn go_sum_highest_built_version() {
        let inv = run(
            super::go_sum,
            "golang.org/x/net v0.0.0-20220425223048-2871e0cb64e4 h1:a=\ngolang.org/x/net v0.0.0-20220425223048-2871e0cb64e4/go.mod h1:b=\n\
             golang.org/x/net v0.16.0 h1:c=\ngolang.org/x/text v0.3.6/go.mod h1:d=\nbroken line\n",
        );
        let got: Vec<_> = inv.packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        assert_eq!(got, [("golang.org/x/net", "v0.16.0")]);
        assert_eq!(inv.errors[0].at, "line 5");
    }
}
