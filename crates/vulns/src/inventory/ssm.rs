//! AWS Systems Manager Inventory: `aws ssm list-inventory-entries --instance-id ID --type-name
//! AWS:Application` output (and `--type-name AWS:InstanceInformation` for the platform), and the
//! JSON Lines files a Resource Data Sync writes to S3 (`AWS:Application/…/<instance>.json`,
//! keys in any case). The agent records dpkg packages with `PackageId` `name_version_arch.deb`
//! and RPM packages with their source RPM as `PackageId` and separate `Epoch` and `Release`;
//! the platform (Debian, Ubuntu, Red Hat, …) decides the OSV ecosystem.

use super::{os::OsRelease, purl::Purl, Capture, Ctx, InstalledPackage, Inventory};
use serde_json::{Map, Value};

/// A field by name, ignoring case (the S3 sync writes `resourceId`, the CLI `InstanceId`).
fn field<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_str()).map(str::trim).filter(|s| !s.is_empty())
}

/// How an entry was packaged, until the instance's platform is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Manager {
    Dpkg,
    Rpm,
}

/// Placeholder ecosystems resolved by [`resolve_platforms`] once every file is read.
pub(crate) const PENDING_DPKG: &str = "?dpkg";
pub(crate) const PENDING_RPM: &str = "?rpm";
/// A dpkg entry whose publisher is Ubuntu's (used when the platform is not recorded).
pub(crate) const PENDING_DPKG_UBUNTU: &str = "?dpkg-ubuntu";

pub(crate) fn list_inventory_entries(inv: &mut Inventory, ctx: &Ctx, text: &str) -> &'static str {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            inv.error(ctx.file, format!("line {}", e.line()), format!("invalid JSON: {e}"));
            return "ssm list-inventory-entries";
        }
    };
    let Some(o) = doc.as_object() else {
        inv.error(ctx.file, "$", "expected an object");
        return "ssm list-inventory-entries";
    };
    let resource = field(o, "InstanceId").map(str::to_string).or_else(|| ctx.resource());
    let Some(resource) = resource else {
        inv.error(ctx.file, "$.InstanceId", "expected the instance id");
        return "ssm list-inventory-entries";
    };
    let type_name = field(o, "TypeName").unwrap_or("");
    inv.captures.push(Capture {
        resource: resource.clone(),
        file: ctx.file.display().to_string(),
        time: field(o, "CaptureTime").map(str::to_string),
    });
    let Some(entries) = o.get("Entries").and_then(Value::as_array) else {
        inv.error(ctx.file, "$.Entries", "expected an array of entries");
        return "ssm list-inventory-entries";
    };
    for (i, e) in entries.iter().enumerate() {
        let at = format!("$.Entries[{i}]");
        let Some(eo) = e.as_object() else {
            inv.error(ctx.file, at, "expected an object");
            continue;
        };
        entry(inv, ctx, type_name, &resource, eo, at);
    }
    "ssm list-inventory-entries"
}

pub(crate) fn resource_data_sync(inv: &mut Inventory, ctx: &Ctx, text: &str) -> &'static str {
    let path_type = ctx.file.components().filter_map(|c| c.as_os_str().to_str()).find(|s| s.starts_with("AWS:")).map(str::to_string);
    let mut captured = std::collections::BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("line {}", n + 1);
        let o = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(o)) => o,
            Ok(_) => {
                inv.error(ctx.file, at, "expected a JSON object");
                continue;
            }
            Err(e) => {
                inv.error(ctx.file, at, format!("invalid JSON: {e}"));
                continue;
            }
        };
        let Some(resource) = field(&o, "resourceId").map(str::to_string).or_else(|| ctx.resource()) else {
            inv.error(ctx.file, format!("{at}: $.resourceId"), "expected the managed node id");
            continue;
        };
        if captured.insert(resource.clone()) {
            inv.captures.push(Capture {
                resource: resource.clone(),
                file: ctx.file.display().to_string(),
                time: field(&o, "captureTime").map(str::to_string),
            });
        }
        let type_name = match (&path_type, field(&o, "platformName")) {
            (Some(t), _) => t.clone(),
            (None, Some(_)) => "AWS:InstanceInformation".to_string(),
            (None, None) => "AWS:Application".to_string(),
        };
        entry(inv, ctx, &type_name, &resource, &o, at);
    }
    "ssm resource data sync"
}

/// The platforms of instances, from `AWS:InstanceInformation` entries.
pub(crate) fn platform_entry(inv: &mut Inventory, resource: &str, o: &Map<String, Value>) {
    if let Some(name) = field(o, "PlatformName") {
        inv.platforms.insert(resource.to_string(), OsRelease::from_platform(name, field(o, "PlatformVersion").unwrap_or("")));
    }
}

fn entry(inv: &mut Inventory, ctx: &Ctx, type_name: &str, resource: &str, o: &Map<String, Value>, at: String) {
    match type_name {
        "AWS:InstanceInformation" => return platform_entry(inv, resource, o),
        "AWS:Application" => {}
        _ => return,
    }
    let Some(name) = field(o, "Name") else {
        return inv.error(ctx.file, format!("{at}.Name"), "expected the application name");
    };
    let Some(version) = field(o, "Version") else {
        return inv.error(ctx.file, format!("{at}.Version"), "expected the application version");
    };
    let package_id = field(o, "PackageId").unwrap_or("");
    let mut p = InstalledPackage {
        ecosystem: String::new(),
        name: name.to_string(),
        binary: None,
        version: version.to_string(),
        arch: field(o, "Architecture").map(str::to_string),
        resource: Some(resource.to_string()),
        file: ctx.file.display().to_string(),
        at: at.clone(),
        path: None,
    };
    if package_id.starts_with("pkg:") {
        match Purl::parse(package_id).map_err(|e| e.to_string()).and_then(|u| Ok((u.osv_package()?, u.osv_version()))) {
            Ok(((eco, n), v)) => {
                p.ecosystem = eco;
                p.name = n;
                if let Some(v) = v {
                    p.version = v;
                }
            }
            Err(reason) => return inv.skip(ctx.file, at, name, reason),
        }
    } else if package_id.ends_with(".deb") {
        p.ecosystem = if field(o, "Publisher").is_some_and(|x| x.contains("Ubuntu")) { PENDING_DPKG_UBUNTU } else { PENDING_DPKG }.into();
    } else if package_id.ends_with(".rpm") {
        p.ecosystem = PENDING_RPM.into();
        let epoch = field(o, "Epoch").filter(|e| *e != "(none)" && *e != "0");
        let release = field(o, "Release").filter(|r| *r != "(none)");
        p.version = match (epoch, release) {
            (Some(e), Some(r)) => format!("{e}:{version}-{r}"),
            (None, Some(r)) => format!("{version}-{r}"),
            (Some(e), None) => format!("{e}:{version}"),
            (None, None) => version.to_string(),
        };
    } else {
        return inv.skip(ctx.file, at, name, "no package manager recorded (PackageId is neither a .deb, a source .rpm nor a purl)");
    }
    inv.packages.push(p);
}

/// Give dpkg and RPM entries their OSV ecosystem from the instance's platform (its
/// `AWS:InstanceInformation` record); entries of platforms without OSV data, and RPM entries of
/// an unknown platform, are moved to `skipped`.
pub(crate) fn resolve_platforms(inv: &mut Inventory) {
    let mut keep = Vec::with_capacity(inv.packages.len());
    for mut p in std::mem::take(&mut inv.packages) {
        let ubuntu_hint = p.ecosystem == PENDING_DPKG_UBUNTU;
        let manager = match p.ecosystem.as_str() {
            PENDING_DPKG | PENDING_DPKG_UBUNTU => Manager::Dpkg,
            PENDING_RPM => Manager::Rpm,
            _ => {
                keep.push(p);
                continue;
            }
        };
        let platform = p.resource.as_ref().and_then(|r| inv.platforms.get(r).cloned());
        let eco = match (manager, platform) {
            (_, Some(os)) => os.ecosystem(),
            (Manager::Dpkg, None) => Some(if ubuntu_hint { "Ubuntu".to_string() } else { "Debian".to_string() }),
            (Manager::Rpm, None) => None,
        };
        match eco {
            Some(e) => {
                p.ecosystem = e;
                keep.push(p);
            }
            None => inv.skipped.push(super::Skipped {
                file: p.file.clone(),
                at: p.at.clone(),
                name: p.name.clone(),
                reason: "the instance's platform has no OSV ecosystem, or is unknown (add its AWS:InstanceInformation inventory)".into(),
            }),
        }
    }
    inv.packages = keep;
}
