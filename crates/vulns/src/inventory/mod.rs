//! What is installed where: packages read from SSM Inventory, CycloneDX and SPDX SBOMs, lock and
//! manifest files and OS package databases, each with its OSV ecosystem, the resource it is
//! installed on, and the file and place it was read from. Unreadable records are reported with
//! their file and JSON path or line, and the rest of the file is still read.

pub mod lockfile;
pub mod os;
pub mod purl;
pub mod sbom;
pub mod ssm;

use serde::Serialize;
use std::path::{Path, PathBuf};

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstalledPackage {
    /// OSV ecosystem, with the release when known (`crates.io`, `Go`, `Debian:12`).
    pub ecosystem: String,
    /// The name advisories use: for Debian and RPM packages, the source package.
    pub name: String,
    /// The installed package's own name when it differs from `name` (a Debian binary package).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary: Option<String>,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// The instance id or ARN it is installed on, when known.
    pub resource: Option<String>,
    /// Where it was read: `file` and `at` (JSON path or `line N`).
    pub file: String,
    pub at: String,
    /// The package manager path (e.g. `Cargo.lock`), for Inspector's `filePath`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// A record that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{file}: {at}: {message}")]
pub struct InventoryError {
    pub file: String,
    /// JSON path (`$.Entries[3].Version`) or `line N`.
    pub at: String,
    pub message: String,
}

/// A package koban read but cannot match (no OSV ecosystem for it, e.g. an SSM entry without
/// a package manager, or a version pinned by range only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub file: String,
    pub at: String,
    pub name: String,
    pub reason: String,
}

/// When an inventory of a resource was taken (SSM `CaptureTime`, SBOM timestamp).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capture {
    pub resource: String,
    pub file: String,
    pub time: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Inventory {
    pub packages: Vec<InstalledPackage>,
    pub errors: Vec<InventoryError>,
    pub skipped: Vec<Skipped>,
    pub captures: Vec<Capture>,
    /// Files read, and which reader read them.
    pub files: Vec<(String, &'static str)>,
    /// Instance platforms from SSM `AWS:InstanceInformation`.
    #[serde(skip)]
    pub(crate) platforms: std::collections::BTreeMap<String, os::OsRelease>,
}

impl Inventory {
    fn error(&mut self, file: &Path, at: impl Into<String>, message: impl Into<String>) {
        self.errors.push(InventoryError { file: file.display().to_string(), at: at.into(), message: message.into() });
    }

    fn skip(&mut self, file: &Path, at: impl Into<String>, name: &str, reason: impl Into<String>) {
        self.skipped.push(Skipped { file: file.display().to_string(), at: at.into(), name: name.to_string(), reason: reason.into() });
    }

    /// The resources with at least one package or capture.
    pub fn resources(&self) -> Vec<String> {
        let mut r: Vec<String> =
            self.packages.iter().filter_map(|p| p.resource.clone()).chain(self.captures.iter().map(|c| c.resource.clone())).collect();
        r.sort();
        r.dedup();
        r
    }
}

/// Context while reading one file.
pub(crate) struct Ctx<'a> {
    pub file: &'a Path,
    /// `--resource`.
    pub flag_resource: Option<String>,
    /// An instance id found in the path.
    pub path_resource: Option<String>,
    /// The OS release found for the file (`/etc/os-release` in the same tree).
    pub os: Option<os::OsRelease>,
}

impl Ctx<'_> {
    /// `--resource`, else the instance id in the path.
    pub(crate) fn resource(&self) -> Option<String> {
        self.flag_resource.clone().or_else(|| self.path_resource.clone())
    }

    pub(crate) fn package(&self, ecosystem: &str, name: &str, version: &str, at: String) -> InstalledPackage {
        InstalledPackage {
            ecosystem: ecosystem.to_string(),
            name: name.to_string(),
            binary: None,
            version: version.to_string(),
            arch: None,
            resource: self.resource(),
            file: self.file.display().to_string(),
            at,
            path: None,
        }
    }
}

/// An EC2 instance id (`i-` and 8 or 17 hex digits) or managed-node id (`mi-`) as a whole
/// path segment or file stem.
pub fn instance_id_in(path: &Path) -> Option<String> {
    let is_id = |s: &str| {
        let hex = s.strip_prefix("i-").or_else(|| s.strip_prefix("mi-"));
        hex.is_some_and(|h| (h.len() == 8 || h.len() == 17) && h.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    path.components().rev().find_map(|c| {
        let s = c.as_os_str().to_str()?;
        let stem = s.split('.').next().unwrap_or(s);
        is_id(stem).then(|| stem.to_string())
    })
}

/// Read every inventory under the given paths. `resource` (the `--resource` flag) names the
/// resource of inputs that do not say it themselves.
pub fn load(paths: &[PathBuf], resource: Option<&str>) -> Inventory {
    let mut inv = Inventory::default();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = Vec::new();
            for e in walkdir::WalkDir::new(p).sort_by_file_name() {
                match e {
                    Ok(e) if e.file_type().is_file() => files.push(e.into_path()),
                    Ok(_) => {}
                    Err(err) => inv.error(p, "$", err.to_string()),
                }
            }
            for f in files {
                read_file(&mut inv, &f, p, resource, false);
            }
        } else {
            read_file(&mut inv, p, p.parent().unwrap_or(p), resource, true);
        }
    }
    ssm::resolve_platforms(&mut inv);
    inv
}

/// Which reader a file is for, by name and then by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    CargoLock,
    PackageLock,
    Requirements,
    PoetryLock,
    GoSum,
    DpkgStatus,
    RpmList,
    Json,
}

fn kind_of(path: &Path, explicit: bool) -> Option<Kind> {
    let name = path.file_name()?.to_str()?;
    let parent = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("");
    Some(match name {
        "Cargo.lock" => Kind::CargoLock,
        "package-lock.json" | "npm-shrinkwrap.json" => Kind::PackageLock,
        "poetry.lock" => Kind::PoetryLock,
        "go.sum" => Kind::GoSum,
        "status" if parent == "dpkg" || explicit => Kind::DpkgStatus,
        n if n.starts_with("requirements") && n.ends_with(".txt") => Kind::Requirements,
        n if n.ends_with(".rpmqa") || n == "rpm-qa.txt" || n == "rpmdb.txt" => Kind::RpmList,
        n if n.ends_with(".json") || n.ends_with(".jsonl") => Kind::Json,
        _ if explicit => Kind::Json,
        _ => return None,
    })
}

fn read_file(inv: &mut Inventory, path: &Path, root: &Path, resource: Option<&str>, explicit: bool) {
    let Some(kind) = kind_of(path, explicit) else { return };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return inv.error(path, "$", format!("cannot read: {e}")),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return inv.error(path, "$", "not UTF-8 text");
    };
    let ctx = Ctx {
        file: path,
        flag_resource: resource.map(str::to_string),
        path_resource: instance_id_in(path),
        os: os::find_os_release(path, root),
    };
    let reader: &'static str = match kind {
        Kind::CargoLock => lockfile::cargo_lock(inv, &ctx, text),
        Kind::PackageLock => lockfile::package_lock(inv, &ctx, text),
        Kind::Requirements => lockfile::requirements(inv, &ctx, text),
        Kind::PoetryLock => lockfile::poetry_lock(inv, &ctx, text),
        Kind::GoSum => lockfile::go_sum(inv, &ctx, text),
        Kind::DpkgStatus => os::dpkg_status(inv, &ctx, text),
        Kind::RpmList => os::rpm_list(inv, &ctx, text),
        Kind::Json => match json_kind(text) {
            Some(JsonKind::CycloneDx) => sbom::cyclonedx(inv, &ctx, text),
            Some(JsonKind::Spdx) => sbom::spdx(inv, &ctx, text),
            Some(JsonKind::SsmEntries) => ssm::list_inventory_entries(inv, &ctx, text),
            Some(JsonKind::SsmSync) => ssm::resource_data_sync(inv, &ctx, text),
            None => {
                if explicit {
                    inv.error(
                        path,
                        "$",
                        "not an inventory: expected SSM list-inventory-entries output, SSM Inventory S3 sync JSON lines, \
                         a CycloneDX or SPDX JSON SBOM, or a lock file",
                    );
                }
                return;
            }
        },
    };
    inv.files.push((path.display().to_string(), reader));
}

enum JsonKind {
    CycloneDx,
    Spdx,
    SsmEntries,
    SsmSync,
}

/// Sniff a JSON document by its top-level keys (or, for JSON Lines, its first line's).
fn json_kind(text: &str) -> Option<JsonKind> {
    let first = text.trim_start();
    if let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(first) {
        if o.get("bomFormat").and_then(|v| v.as_str()) == Some("CycloneDX") {
            return Some(JsonKind::CycloneDx);
        }
        if o.contains_key("spdxVersion") {
            return Some(JsonKind::Spdx);
        }
        if o.contains_key("TypeName") && o.contains_key("Entries") {
            return Some(JsonKind::SsmEntries);
        }
        if o.keys().any(|k| k.eq_ignore_ascii_case("resourceId")) {
            return Some(JsonKind::SsmSync);
        }
        return None;
    }
    // JSON Lines: the S3 sync writes one entry per line.
    let line = first.lines().next()?;
    match serde_json::from_str::<serde_json::Value>(line) {
        Ok(serde_json::Value::Object(o)) if o.keys().any(|k| k.eq_ignore_ascii_case("resourceId")) => Some(JsonKind::SsmSync),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_from_paths() {
        assert_eq!(instance_id_in(Path::new("inv/i-0a1a2b3c4d5e6f7a1/Cargo.lock")).as_deref(), Some("i-0a1a2b3c4d5e6f7a1"));
        assert_eq!(instance_id_in(Path::new("sync/AWS:Application/i-0123abcd.json")).as_deref(), Some("i-0123abcd"));
        assert_eq!(instance_id_in(Path::new("inv/app/Cargo.lock")), None);
        assert_eq!(instance_id_in(Path::new("inv/i-xyz/Cargo.lock")), None);
    }
}
