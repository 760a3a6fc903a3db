//! Operating-system package databases: Debian's `/var/lib/dpkg/status`, RPM package lists
//! (`rpm -qa` output, plain or with the tab-separated query format koban documents), and the
//! `os-release` file that says which distribution and release — hence which OSV ecosystem —
//! the packages belong to.

use super::{Ctx, Inventory};
use std::path::Path;

/// A distribution and release, from `os-release` (`ID`, `VERSION_ID`) or SSM's
/// `AWS:InstanceInformation` (`PlatformName`, `PlatformVersion`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsRelease {
    pub id: String,
    pub version_id: String,
}

impl OsRelease {
    pub fn parse(text: &str) -> OsRelease {
        let mut id = String::new();
        let mut version_id = String::new();
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else { continue };
            let v = v.trim().trim_matches('"').trim_matches('\'').to_string();
            match k.trim() {
                "ID" => id = v.to_ascii_lowercase(),
                "VERSION_ID" => version_id = v,
                _ => {}
            }
        }
        OsRelease { id, version_id }
    }

    /// From SSM's platform name and version (`Ubuntu` `22.04`, `Debian GNU/Linux` `12`,
    /// `Red Hat Enterprise Linux` `9.2`, `Amazon Linux` `2023`).
    pub fn from_platform(name: &str, version: &str) -> OsRelease {
        let n = name.to_ascii_lowercase();
        let id = if n.contains("ubuntu") {
            "ubuntu"
        } else if n.contains("debian") {
            "debian"
        } else if n.contains("red hat") {
            "rhel"
        } else if n.contains("almalinux") {
            "almalinux"
        } else if n.contains("rocky") {
            "rocky"
        } else if n.contains("opensuse") {
            "opensuse-leap"
        } else if n.contains("suse") || n.contains("sles") {
            "sles"
        } else if n.contains("amazon linux") {
            "amzn"
        } else if n.contains("centos") {
            "centos"
        } else {
            n.as_str()
        };
        OsRelease { id: id.to_string(), version_id: version.trim().to_string() }
    }

    fn major(&self) -> &str {
        self.version_id.split('.').next().unwrap_or("")
    }

    /// The OSV ecosystem of this distribution's packages; `None` for distributions OSV has no
    /// data for (Amazon Linux, CentOS).
    pub fn ecosystem(&self) -> Option<String> {
        let with = |base: &str, rel: &str| if rel.is_empty() { base.to_string() } else { format!("{base}:{rel}") };
        Some(match self.id.as_str() {
            "debian" => with("Debian", self.major()),
            "ubuntu" => with("Ubuntu", &self.version_id),
            "rhel" => "Red Hat".to_string(),
            "almalinux" => with("AlmaLinux", self.major()),
            "rocky" => with("Rocky Linux", self.major()),
            "sles" | "sled" | "sles_sap" => "SUSE".to_string(),
            "opensuse-leap" | "opensuse-tumbleweed" | "opensuse" => "openSUSE".to_string(),
            "alpine" => with("Alpine", &format!("v{}", self.version_id.split('.').take(2).collect::<Vec<_>>().join("."))),
            "openeuler" => "openEuler".to_string(),
            "mageia" => with("Mageia", &self.version_id),
            _ => return None,
        })
    }
}

/// The `os-release` of the filesystem tree a file belongs to: `etc/os-release` or
/// `usr/lib/os-release` under one of its ancestors, or an `os-release` beside it — looking no
/// higher than `root` (the input the user gave), never at the machine koban runs on.
pub fn find_os_release(file: &Path, root: &Path) -> Option<OsRelease> {
    for dir in file.ancestors().skip(1) {
        if !dir.starts_with(root) {
            break;
        }
        for candidate in [dir.join("os-release"), dir.join("etc/os-release"), dir.join("usr/lib/os-release")] {
            if candidate.is_file() {
                return std::fs::read_to_string(&candidate).ok().map(|t| OsRelease::parse(&t));
            }
        }
    }
    None
}

/// `/var/lib/dpkg/status`: the installed packages (status `install ok installed`), matched by
/// their source package and source version (the `Source: name (version)` field) as Debian's
/// advisories are.
pub(crate) fn dpkg_status(inv: &mut Inventory, ctx: &Ctx, text: &str) -> &'static str {
    let eco = match &ctx.os {
        Some(os) => match os.ecosystem() {
            Some(e) if e.starts_with("Debian") || e.starts_with("Ubuntu") => e,
            _ => "Debian".to_string(),
        },
        None => "Debian".to_string(),
    };
    let mut start_line = 1;
    let mut fields: Vec<(String, String)> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate().chain(std::iter::once((lines.len(), &""))) {
        if line.trim().is_empty() {
            if !fields.is_empty() {
                stanza(inv, ctx, &eco, &fields, start_line);
                fields.clear();
            }
            start_line = i + 2;
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            match fields.last_mut() {
                Some((_, v)) => {
                    v.push('\n');
                    v.push_str(line.trim());
                }
                None => inv.error(ctx.file, format!("line {}", i + 1), "continuation line without a field"),
            }
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) => fields.push((k.trim().to_string(), v.trim().to_string())),
            None => inv.error(ctx.file, format!("line {}", i + 1), "expected `Field: value`"),
        }
    }
    "dpkg status"
}

fn stanza(inv: &mut Inventory, ctx: &Ctx, eco: &str, fields: &[(String, String)], line: usize) {
    let get = |k: &str| fields.iter().find(|(f, _)| f.eq_ignore_ascii_case(k)).map(|(_, v)| v.as_str());
    let at = format!("line {line}");
    let Some(name) = get("Package") else {
        return inv.error(ctx.file, at, "stanza without a Package field");
    };
    if get("Status").is_none_or(|s| s.split_whitespace().nth(2) != Some("installed")) {
        return;
    }
    let Some(version) = get("Version") else {
        return inv.error(ctx.file, at, format!("package {name}: no Version field"));
    };
    let (source, source_version) = match get("Source") {
        Some(s) => match s.split_once('(') {
            Some((n, v)) => (n.trim(), v.trim_end_matches(')').trim()),
            None => (s.trim(), version),
        },
        None => (name, version),
    };
    if let Err(e) = crate::version::Scheme::Dpkg.parse(source_version) {
        return inv.error(ctx.file, at, format!("package {name}: {e}"));
    }
    let mut p = ctx.package(eco, source, source_version, at);
    if source != name {
        p.binary = Some(name.to_string());
    }
    p.arch = get("Architecture").map(str::to_string);
    p.path = Some("/var/lib/dpkg/status".into());
    inv.packages.push(p);
}

/// An RPM package list. Accepted forms, one package per line:
/// - `rpm -qa --queryformat '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n'`
///   (epoch `(none)` when absent) — preferred, as it keeps the epoch;
/// - plain `rpm -qa` (`name-version-release.arch`, no epoch).
pub(crate) fn rpm_list(inv: &mut Inventory, ctx: &Ctx, text: &str) -> &'static str {
    let eco = ctx
        .os
        .as_ref()
        .and_then(OsRelease::ecosystem)
        .filter(|e| crate::version::Scheme::for_ecosystem(e) == Some(crate::version::Scheme::Rpm));
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("line {}", n + 1);
        let parsed = if line.contains('\t') { tabbed(line) } else { nevra(line) };
        let Some((name, evr, arch)) = parsed else {
            inv.error(ctx.file, at, "expected NAME<TAB>EPOCH<TAB>VERSION<TAB>RELEASE<TAB>ARCH or name-version-release.arch");
            continue;
        };
        let Some(eco) = &eco else {
            inv.skip(
                ctx.file,
                at,
                &name,
                "RPM list without an os-release of an OSV-covered distribution (Red Hat, AlmaLinux, Rocky Linux, SUSE)",
            );
            continue;
        };
        let mut p = ctx.package(eco, &name, &evr, at);
        p.arch = arch;
        p.path = Some("/var/lib/rpm".into());
        inv.packages.push(p);
    }
    "rpm list"
}

fn tabbed(line: &str) -> Option<(String, String, Option<String>)> {
    let f: Vec<&str> = line.split('\t').map(str::trim).collect();
    if f.len() < 4 || f[0].is_empty() || f[2].is_empty() {
        return None;
    }
    let v = crate::version::rpm::RpmVersion::from_parts(Some(f[1]), f[2], Some(f[3]));
    Some((f[0].to_string(), v.to_string(), f.get(4).map(|a| a.to_string()).filter(|a| !a.is_empty())))
}

fn nevra(line: &str) -> Option<(String, String, Option<String>)> {
    let (nvr, arch) = match line.rsplit_once('.') {
        Some((nvr, arch)) if ["x86_64", "aarch64", "noarch", "i686", "i386", "ppc64le", "s390x", "armv7hl"].contains(&arch) => {
            (nvr, Some(arch.to_string()))
        }
        _ => (line, None),
    };
    let (nv, release) = nvr.rsplit_once('-')?;
    let (name, version) = nv.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name.to_string(), format!("{version}-{release}"), arch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_releases_to_ecosystems() {
        let d = OsRelease::parse("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n");
        assert_eq!(d.ecosystem().as_deref(), Some("Debian:12"));
        assert_eq!(OsRelease::from_platform("Ubuntu", "22.04").ecosystem().as_deref(), Some("Ubuntu:22.04"));
        assert_eq!(OsRelease::from_platform("AlmaLinux", "9.3").ecosystem().as_deref(), Some("AlmaLinux:9"));
        assert_eq!(OsRelease::from_platform("Amazon Linux", "2023").ecosystem(), None);
    }

    #[test]
    fn rpm_lines() {
        assert_eq!(tabbed("openssl\t1\t3.0.7\t24.el9\tx86_64"), Some(("openssl".into(), "1:3.0.7-24.el9".into(), Some("x86_64".into()))));
        assert_eq!(tabbed("bash\t(none)\t5.1.8\t6.el9_1\tx86_64").map(|t| t.1), Some("5.1.8-6.el9_1".into()));
        assert_eq!(nevra("python3-libs-3.9.18-1.el9.x86_64"), Some(("python3-libs".into(), "3.9.18-1.el9".into(), Some("x86_64".into()))));
        assert_eq!(nevra("nonsense"), None);
    }
}
