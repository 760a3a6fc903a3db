//! Version ordering per ecosystem: which scheme an OSV ecosystem uses, parsing a version
//! string in that scheme, and comparing two versions of the same scheme.
//!
//! | scheme | ecosystems | implementation |
//! |---|---|---|
//! | SemVer 2.0 precedence (build metadata ignored) | `crates.io`, `npm`, any `SEMVER` range | the `semver` crate |
//! | Go | `Go` | [`go`]: `v` prefix, shorthands, pseudo-versions, `+incompatible`, toolchain names |
//! | PEP 440 | `PyPI` | the `pep440_rs` crate |
//! | dpkg | `Debian`, `Ubuntu` | [`dpkg`], dpkg's `verrevcmp` |
//! | RPM | `Red Hat`, `AlmaLinux`, `Rocky Linux`, `openSUSE`, `SUSE`, `Mageia`, `openEuler` | [`rpm`], rpm's `rpmvercmp` and `rpmverCmp` |

pub mod dpkg;
pub mod go;
pub mod rpm;

use std::cmp::Ordering;
use std::str::FromStr;

/// A version ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    SemVer,
    Go,
    Pep440,
    Dpkg,
    Rpm,
}

/// Why a version string could not be read in its scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("{0:?} is not a SemVer version: {1}")]
    SemVer(String, String),
    #[error(transparent)]
    Go(#[from] go::GoVersionError),
    #[error("{0:?} is not a PEP 440 version: {1}")]
    Pep440(String, String),
    #[error("{0:?} is not a Debian version: {1}")]
    Dpkg(String, dpkg::DpkgVersionError),
    #[error("{0:?} is not an RPM version: {1}")]
    Rpm(String, rpm::RpmVersionError),
}

/// The ecosystem's base name: `Debian:12` → `Debian`, `Red Hat:enterprise_linux:9` → `Red Hat`.
pub fn ecosystem_base(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or(ecosystem)
}

impl Scheme {
    /// The ordering an OSV ecosystem's `ECOSYSTEM` ranges use; `None` when koban does not
    /// implement it (such advisories still match through their `versions` lists).
    pub fn for_ecosystem(ecosystem: &str) -> Option<Scheme> {
        Some(match ecosystem_base(ecosystem) {
            "crates.io" | "npm" => Scheme::SemVer,
            "Go" => Scheme::Go,
            "PyPI" => Scheme::Pep440,
            "Debian" | "Ubuntu" => Scheme::Dpkg,
            "Red Hat" | "AlmaLinux" | "Rocky Linux" | "openSUSE" | "SUSE" | "Mageia" | "openEuler" => Scheme::Rpm,
            _ => return None,
        })
    }

    /// The ordering of an OSV range of type `SEMVER` in this ecosystem: SemVer, read the Go way
    /// for Go (so `v`-prefixed module versions compare).
    pub fn for_semver_range(ecosystem: &str) -> Scheme {
        if ecosystem_base(ecosystem) == "Go" {
            Scheme::Go
        } else {
            Scheme::SemVer
        }
    }

    pub fn parse(self, s: &str) -> Result<Version, VersionError> {
        Ok(match self {
            Scheme::SemVer => {
                let t = s.trim();
                let t = t.strip_prefix('v').or_else(|| t.strip_prefix('=')).unwrap_or(t);
                Version::SemVer(semver::Version::parse(t).map_err(|e| VersionError::SemVer(s.to_string(), e.to_string()))?)
            }
            Scheme::Go => Version::Go(go::GoVersion::parse(s)?),
            Scheme::Pep440 => {
                Version::Pep440(pep440_rs::Version::from_str(s.trim()).map_err(|e| VersionError::Pep440(s.to_string(), e.to_string()))?)
            }
            Scheme::Dpkg => Version::Dpkg(dpkg::DpkgVersion::parse(s).map_err(|e| VersionError::Dpkg(s.to_string(), e))?),
            Scheme::Rpm => Version::Rpm(rpm::RpmVersion::parse(s).map_err(|e| VersionError::Rpm(s.to_string(), e))?),
        })
    }

    /// Compare two version strings in this scheme.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let (a, b) = (self.parse(a)?, self.parse(b)?);
        Ok(a.partial_cmp(&b).unwrap_or(Ordering::Equal))
    }
}

/// A parsed version of one scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    SemVer(semver::Version),
    Go(go::GoVersion),
    Pep440(pep440_rs::Version),
    Dpkg(dpkg::DpkgVersion),
    Rpm(rpm::RpmVersion),
}

impl PartialOrd for Version {
    /// `None` between versions of different schemes.
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (Version::SemVer(a), Version::SemVer(b)) => Some(a.cmp_precedence(b)),
            (Version::Go(a), Version::Go(b)) => Some(a.cmp(b)),
            (Version::Pep440(a), Version::Pep440(b)) => Some(a.cmp(b)),
            (Version::Dpkg(a), Version::Dpkg(b)) => Some(a.cmp(b)),
            (Version::Rpm(a), Version::Rpm(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_by_ecosystem() {
        assert_eq!(Scheme::for_ecosystem("crates.io"), Some(Scheme::SemVer));
        assert_eq!(Scheme::for_ecosystem("Debian:12"), Some(Scheme::Dpkg));
        assert_eq!(Scheme::for_ecosystem("Red Hat:enterprise_linux:9::appstream"), Some(Scheme::Rpm));
        assert_eq!(Scheme::for_ecosystem("Hackage"), None);
        assert_eq!(Scheme::for_semver_range("Go"), Scheme::Go);
    }

    #[test]
    fn semver_prereleases_and_build_metadata() {
        let c = |a, b| Scheme::SemVer.compare(a, b).unwrap();
        assert_eq!(c("0.4.0-0", "0.4.0-alpha.1"), Ordering::Less);
        assert_eq!(c("0.4.0-alpha.1", "0.4.0"), Ordering::Less);
        assert_eq!(c("1.0.0-alpha", "1.0.0-alpha.1"), Ordering::Less);
        assert_eq!(c("1.0.0-alpha.beta", "1.0.0-beta"), Ordering::Less);
        assert_eq!(c("1.0.0-beta.2", "1.0.0-beta.11"), Ordering::Less);
        assert_eq!(c("1.0.0-rc.1", "1.0.0"), Ordering::Less);
        assert_eq!(c("1.0.0+build.1", "1.0.0+build.2"), Ordering::Equal);
        assert_eq!(c("v1.2.3", "1.2.3"), Ordering::Equal);
        assert!(Scheme::SemVer.parse("1.2").is_err());
    }

    #[test]
    fn pep440_rules() {
        let c = |a, b| Scheme::Pep440.compare(a, b).unwrap();
        assert_eq!(c("1.0.dev1", "1.0a1"), Ordering::Less);
        assert_eq!(c("1.0a1", "1.0b1"), Ordering::Less);
        assert_eq!(c("1.0rc1", "1.0"), Ordering::Less);
        assert_eq!(c("1.0", "1.0.post1"), Ordering::Less);
        assert_eq!(c("1.0.post1.dev1", "1.0.post1"), Ordering::Less);
        assert_eq!(c("1!0.1", "2.0"), Ordering::Greater);
        assert_eq!(c("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(c("1.0+local.1", "1.0"), Ordering::Greater);
        assert_eq!(c("1.0-1", "1.0.post1"), Ordering::Equal);
        assert_eq!(c("1.0.RC1", "1.0rc1"), Ordering::Equal);
    }
}
