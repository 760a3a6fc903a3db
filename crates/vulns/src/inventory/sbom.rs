//! SBOMs: CycloneDX 1.4–1.6 JSON (`components`, nested, identified by purl) and SPDX 2.3 JSON
//! (`packages` with a `purl` external reference). The resource an SBOM describes comes from
//! `--resource`, else from the SBOM (`metadata.properties` `instanceId` / `resourceId` /
//! `resourceArn` / `koban:resource` — Amazon Inspector's SBOM export uses such properties —, or an
//! SPDX document `name` that is an instance id or ARN), else from an instance id in its path.

use super::{purl::Purl, Capture, Ctx, Inventory};
use serde_json::Value;

const RESOURCE_PROPERTIES: [&str; 4] = ["instanceId", "resourceId", "resourceArn", "koban:resource"];

fn looks_like_resource(s: &str) -> bool {
    s.starts_with("arn:") || super::instance_id_in(std::path::Path::new(s)).as_deref() == Some(s)
}

pub(crate) fn cyclonedx(inv: &mut Inventory, ctx: &Ctx, text: &str) -> &'static str {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            inv.error(ctx.file, format!("line {}", e.line()), format!("invalid JSON: {e}"));
            return "cyclonedx";
        }
    };
    match doc.get("specVersion").and_then(Value::as_str) {
        Some("1.4" | "1.5" | "1.6") => {}
        Some(other) => inv.error(ctx.file, "$.specVersion", format!("CycloneDX {other} is not 1.4, 1.5 or 1.6; reading it as 1.6")),
        None => inv.error(ctx.file, "$.specVersion", "expected the CycloneDX spec version; reading it as 1.6"),
    }
    let from_props = doc.pointer("/metadata/properties").and_then(Value::as_array).and_then(|props| {
        props.iter().find_map(|p| {
            let name = p.get("name")?.as_str()?;
            RESOURCE_PROPERTIES.iter().any(|r| r.eq_ignore_ascii_case(name)).then(|| p.get("value")?.as_str().map(str::to_string)).flatten()
        })
    });
    let resource = ctx.flag_resource.clone().or(from_props).or_else(|| ctx.path_resource.clone());
    if let Some(r) = &resource {
        let time = doc.pointer("/metadata/timestamp").and_then(Value::as_str).map(str::to_string);
        inv.captures.push(Capture { resource: r.clone(), file: ctx.file.display().to_string(), time });
    }
    let ctx = Ctx { file: ctx.file, flag_resource: resource, path_resource: None, os: ctx.os.clone() };
    match doc.get("components") {
        Some(Value::Array(cs)) => components(inv, &ctx, cs, "$.components"),
        None | Some(Value::Null) => {}
        Some(_) => inv.error(ctx.file, "$.components", "expected an array"),
    }
    "cyclonedx"
}

fn components(inv: &mut Inventory, ctx: &Ctx, cs: &[Value], path: &str) {
    for (i, c) in cs.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let Some(o) = c.as_object() else {
            inv.error(ctx.file, at, "expected a component object");
            continue;
        };
        let name = o.get("name").and_then(Value::as_str).unwrap_or("");
        match o.get("purl") {
            Some(Value::String(p)) => from_purl(inv, ctx, p, o.get("version").and_then(Value::as_str), &format!("{at}.purl"), name),
            Some(Value::Null) | None => {
                if !name.is_empty() && o.get("type").and_then(Value::as_str) != Some("operating-system") {
                    inv.skip(ctx.file, at.clone(), name, "component without a purl: its ecosystem is unknown");
                }
            }
            Some(_) => inv.error(ctx.file, format!("{at}.purl"), "expected a string"),
        }
        if let Some(Value::Array(nested)) = o.get("components") {
            components(inv, ctx, nested, &format!("{at}.components"));
        }
    }
}

fn from_purl(inv: &mut Inventory, ctx: &Ctx, purl: &str, version: Option<&str>, at: &str, label: &str) {
    let p = match Purl::parse(purl) {
        Ok(p) => p,
        Err(e) => return inv.error(ctx.file, at, e.to_string()),
    };
    let (eco, name) = match p.osv_package() {
        Ok(x) => x,
        Err(reason) => return inv.skip(ctx.file, at, if label.is_empty() { purl } else { label }, reason),
    };
    let Some(version) = p.osv_version().or_else(|| version.map(str::to_string)) else {
        return inv.error(ctx.file, at, format!("{purl}: no version in the purl or the component"));
    };
    let mut pkg = ctx.package(&eco, &name, &version, at.to_string());
    if matches!(p.kind.as_str(), "deb" | "rpm") && p.name != name {
        pkg.binary = Some(p.name.clone());
    }
    pkg.arch = p.qualifiers.get("arch").cloned();
    pkg.path = p.qualifiers.get("path").cloned();
    inv.packages.push(pkg);
}

pub(crate) fn spdx(inv: &mut Inventory, ctx: &Ctx, text: &str) -> &'static str {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            inv.error(ctx.file, format!("line {}", e.line()), format!("invalid JSON: {e}"));
            return "spdx";
        }
    };
    if doc.get("spdxVersion").and_then(Value::as_str) != Some("SPDX-2.3") {
        inv.error(ctx.file, "$.spdxVersion", "expected SPDX-2.3; reading it as 2.3");
    }
    let from_doc = doc.get("name").and_then(Value::as_str).filter(|n| looks_like_resource(n)).map(str::to_string);
    let resource = ctx.flag_resource.clone().or(from_doc).or_else(|| ctx.path_resource.clone());
    if let Some(r) = &resource {
        let time = doc.pointer("/creationInfo/created").and_then(Value::as_str).map(str::to_string);
        inv.captures.push(Capture { resource: r.clone(), file: ctx.file.display().to_string(), time });
    }
    let ctx = Ctx { file: ctx.file, flag_resource: resource, path_resource: None, os: ctx.os.clone() };
    let Some(packages) = doc.get("packages").and_then(Value::as_array) else {
        if doc.get("packages").is_some() {
            inv.error(ctx.file, "$.packages", "expected an array");
        }
        return "spdx";
    };
    for (i, p) in packages.iter().enumerate() {
        let at = format!("$.packages[{i}]");
        let Some(o) = p.as_object() else {
            inv.error(ctx.file, at, "expected a package object");
            continue;
        };
        let name = o.get("name").and_then(Value::as_str).unwrap_or("");
        let refs = o.get("externalRefs").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let purl = refs.iter().enumerate().find(|(_, r)| r.get("referenceType").and_then(Value::as_str) == Some("purl"));
        match purl {
            Some((j, r)) => match r.get("referenceLocator").and_then(Value::as_str) {
                Some(loc) => from_purl(
                    inv,
                    &ctx,
                    loc,
                    o.get("versionInfo").and_then(Value::as_str),
                    &format!("{at}.externalRefs[{j}].referenceLocator"),
                    name,
                ),
                None => inv.error(ctx.file, format!("{at}.externalRefs[{j}].referenceLocator"), "expected the purl string"),
            },
            None => {
                let described = doc
                    .get("documentDescribes")
                    .and_then(Value::as_array)
                    .is_some_and(|d| d.iter().any(|x| x.as_str() == o.get("SPDXID").and_then(Value::as_str)));
                if !described && !name.is_empty() {
                    inv.skip(ctx.file, at, name, "package without a purl external reference: its ecosystem is unknown");
                }
            }
        }
    }
    "spdx"
}
