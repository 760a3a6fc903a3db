//! Package URLs (https://github.com/package-url/purl-spec): parsing `pkg:type/namespace/name@version?qualifiers`
//! and mapping a purl to the OSV ecosystem and package name advisories use.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{purl:?} is not a package URL: {reason}")]
pub struct PurlError {
    pub purl: String,
    pub reason: &'static str,
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit() {
            let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(b[i + 1]) * 16 + hex(b[i + 2]));
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Purl {
    pub fn parse(s: &str) -> Result<Purl, PurlError> {
        let err = |reason| PurlError { purl: s.to_string(), reason };
        let rest = s.trim().strip_prefix("pkg:").ok_or_else(|| err("expected the `pkg:` scheme"))?;
        let rest = rest.split('#').next().unwrap_or(rest);
        let (rest, qualifiers) = match rest.split_once('?') {
            Some((r, q)) => {
                let mut map = BTreeMap::new();
                for pair in q.split('&').filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once('=').ok_or_else(|| err("qualifier without `=`"))?;
                    map.insert(k.to_ascii_lowercase(), decode(v));
                }
                (r, map)
            }
            None => (rest, BTreeMap::new()),
        };
        let rest = rest.trim_start_matches('/');
        let (kind, path) = rest.split_once('/').ok_or_else(|| err("expected `type/name`"))?;
        let (path, version) = match path.rfind('@') {
            Some(i) => (&path[..i], Some(decode(&path[i + 1..]))),
            None => (path, None),
        };
        let path = path.trim_end_matches('/');
        let (namespace, name) = match path.rfind('/') {
            Some(i) => (Some(path[..i].split('/').map(decode).collect::<Vec<_>>().join("/")), decode(&path[i + 1..])),
            None => (None, decode(path)),
        };
        if name.is_empty() || kind.is_empty() {
            return Err(err("empty type or name"));
        }
        Ok(Purl { kind: kind.to_ascii_lowercase(), namespace, name, version, qualifiers })
    }

    /// The OSV ecosystem and package name for this purl, or why there is none.
    pub fn osv_package(&self) -> Result<(String, String), String> {
        let full = || match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        };
        let distro = self.qualifiers.get("distro").map(String::as_str);
        Ok(match self.kind.as_str() {
            "cargo" => ("crates.io".into(), self.name.clone()),
            "golang" => ("Go".into(), full()),
            "npm" => ("npm".into(), full()),
            "pypi" => ("PyPI".into(), self.name.clone()),
            "maven" => (
                "Maven".into(),
                match &self.namespace {
                    Some(ns) => format!("{ns}:{}", self.name),
                    None => self.name.clone(),
                },
            ),
            "gem" => ("RubyGems".into(), self.name.clone()),
            "nuget" => ("NuGet".into(), self.name.clone()),
            "composer" => ("Packagist".into(), full()),
            "hex" => ("Hex".into(), self.name.clone()),
            "pub" => ("Pub".into(), self.name.clone()),
            "swift" => ("SwiftURL".into(), full()),
            "deb" => {
                let vendor = self.namespace.as_deref().unwrap_or("debian");
                let source = self.qualifiers.get("upstream").or_else(|| self.qualifiers.get("source")).cloned();
                let eco = match vendor {
                    "debian" => with_release("Debian", distro.and_then(|d| d.strip_prefix("debian-"))),
                    "ubuntu" => with_release("Ubuntu", distro.and_then(|d| d.strip_prefix("ubuntu-"))),
                    other => return Err(format!("deb packages of {other:?} have no OSV ecosystem")),
                };
                (eco, source.unwrap_or_else(|| self.name.clone()))
            }
            "rpm" => {
                let vendor = self.namespace.as_deref().unwrap_or("");
                let major = distro.and_then(|d| d.rsplit('-').next()).and_then(|v| v.split('.').next());
                let eco = match vendor {
                    "redhat" => "Red Hat".to_string(),
                    "almalinux" => with_release("AlmaLinux", major),
                    "rocky-linux" | "rocky" => with_release("Rocky Linux", major),
                    "opensuse" => "openSUSE".to_string(),
                    "suse" => "SUSE".to_string(),
                    "openeuler" => "openEuler".to_string(),
                    other => return Err(format!("rpm packages of {other:?} have no OSV ecosystem")),
                };
                (eco, self.name.clone())
            }
            "apk" => {
                let major_minor = distro.map(|d| d.split('.').take(2).collect::<Vec<_>>().join("."));
                (with_release("Alpine", major_minor.as_deref().map(|v| v.trim_start_matches('v'))), self.name.clone())
            }
            other => return Err(format!("purl type {other:?} has no OSV ecosystem")),
        })
    }

    /// The version in the form advisories of its ecosystem use (RPM: `epoch:` from the
    /// `epoch` qualifier).
    pub fn osv_version(&self) -> Option<String> {
        let v = self.version.clone()?;
        Some(match (self.kind.as_str(), self.qualifiers.get("epoch")) {
            ("rpm", Some(e)) if !e.is_empty() && e != "0" && !v.contains(':') => format!("{e}:{v}"),
            _ => v,
        })
    }
}

fn with_release(base: &str, release: Option<&str>) -> String {
    match release.filter(|r| !r.is_empty()) {
        Some(r) => format!("{base}:{r}"),
        None => base.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_purls_of_each_ecosystem() {
        let p = Purl::parse("pkg:cargo/regex@1.5.4").unwrap();
        assert_eq!(p.osv_package().unwrap(), ("crates.io".into(), "regex".into()));
        assert_eq!(p.osv_version().as_deref(), Some("1.5.4"));
        let g = Purl::parse("pkg:golang/golang.org/x/net@v0.16.0").unwrap();
        assert_eq!(g.osv_package().unwrap(), ("Go".into(), "golang.org/x/net".into()));
        let n = Purl::parse("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(n.osv_package().unwrap(), ("npm".into(), "@babel/core".into()));
        let d = Purl::parse("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl&distro=debian-12").unwrap();
        assert_eq!(d.osv_package().unwrap(), ("Debian:12".into(), "openssl".into()));
        let r = Purl::parse("pkg:rpm/almalinux/openssl@3.0.7-24.el9?arch=x86_64&epoch=1&distro=almalinux-9.3").unwrap();
        assert_eq!(r.osv_package().unwrap(), ("AlmaLinux:9".into(), "openssl".into()));
        assert_eq!(r.osv_version().as_deref(), Some("1:3.0.7-24.el9"));
        assert!(Purl::parse("cargo/regex@1").is_err());
        assert!(Purl::parse("pkg:generic/thing@1").unwrap().osv_package().is_err());
    }
}
