//! Go module and toolchain versions: the `v` prefix, `vMAJOR[.MINOR]` shorthands, pseudo-versions
//! (`v0.0.0-20220906165146-f3363e06e74c`, pre-releases of the next version) and
//! `+incompatible` (build metadata, ignored by precedence), as `golang.org/x/mod/semver` and the
//! Go vulnerability database order them; `go1.21rc2` toolchain versions become `1.21.0-rc.2`.

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a Go module or toolchain version")]
pub struct GoVersionError(pub String);

/// A Go version, canonicalised to SemVer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoVersion(pub semver::Version);

impl GoVersion {
    pub fn parse(s: &str) -> Result<GoVersion, GoVersionError> {
        let canonical = canonical(s).ok_or_else(|| GoVersionError(s.to_string()))?;
        semver::Version::parse(&canonical).map(GoVersion).map_err(|_| GoVersionError(s.to_string()))
    }

    /// A pseudo-version: a pre-release whose last part is a 14-digit timestamp and a commit.
    pub fn is_pseudo(&self) -> bool {
        let pre = self.0.pre.as_str();
        let last = pre.rsplit('.').next().unwrap_or("");
        let mut parts = last.splitn(2, '-');
        matches!((parts.next(), parts.next()), (Some(ts), Some(rev)) if ts.len() == 14 && ts.bytes().all(|b| b.is_ascii_digit()) && rev.len() >= 12)
    }
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp_precedence(&other.0)
    }
}

impl PartialOrd for GoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `v1.2.3` → `1.2.3`, `v1.2` → `1.2.0`, `go1.21rc2` → `1.21.0-rc.2`, `go1.21.3` → `1.21.3`.
fn canonical(s: &str) -> Option<String> {
    let s = s.trim();
    if let Some(t) = s.strip_prefix("go") {
        return toolchain(t);
    }
    let s = s.strip_prefix('v').unwrap_or(s);
    let core_end = s.find(['-', '+']).unwrap_or(s.len());
    let (core, rest) = s.split_at(core_end);
    let mut nums: Vec<&str> = core.split('.').collect();
    if nums.is_empty() || nums.len() > 3 || nums.iter().any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    if nums.len() < 3 && !rest.is_empty() {
        // Go accepts the shorthand only without pre-release or build parts.
        return None;
    }
    while nums.len() < 3 {
        nums.push("0");
    }
    Some(format!("{}{}", nums.join("."), rest))
}

/// Toolchain versions: `1.21`, `1.21.3`, `1.21rc2`, `1.9beta1`.
fn toolchain(t: &str) -> Option<String> {
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (core, pre) = t.split_at(split);
    let mut nums: Vec<&str> = core.split('.').collect();
    if nums.is_empty() || nums.len() > 3 || nums.iter().any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    while nums.len() < 3 {
        nums.push("0");
    }
    if pre.is_empty() {
        return Some(nums.join("."));
    }
    let kind_end = pre.find(|c: char| c.is_ascii_digit()).unwrap_or(pre.len());
    let (kind, n) = pre.split_at(kind_end);
    if !matches!(kind, "rc" | "beta" | "alpha") || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(if n.is_empty() { format!("{}-{kind}", nums.join(".")) } else { format!("{}-{kind}.{n}", nums.join(".")) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> GoVersion {
        GoVersion::parse(s).unwrap()
    }

    #[test]
    fn prefixes_and_shorthands() {
        assert_eq!(v("v0.17.0"), v("0.17.0"));
        assert_eq!(v("v1"), v("1.0.0"));
        assert_eq!(v("v1.2"), v("1.2.0"));
        assert_eq!(v("go1.21.3"), v("1.21.3"));
        assert_eq!(v("go1.21rc2"), v("1.21.0-rc.2"));
        assert_eq!(v("go1.20"), v("1.20.0"));
        assert!(v("go1.9beta1") < v("go1.9"));
        assert!(GoVersion::parse("latest").is_err());
        assert!(GoVersion::parse("v1.2-pre").is_err());
    }

    #[test]
    fn pseudo_versions_are_prereleases() {
        let p = v("v0.0.0-20220425223048-2871e0cb64e4");
        assert!(p.is_pseudo());
        assert!(p < v("v0.0.0-20220906165146-f3363e06e74c"));
        assert!(p < v("v0.0.0"));
        assert!(v("v0.0.0-20220906165146-f3363e06e74c") < v("v0.1.0"));
        // vX.Y.(Z+1)-0.timestamp-commit: after vX.Y.Z, before vX.Y.(Z+1).
        let q = v("v1.2.4-0.20210101000000-abcdefabcdef");
        assert!(q.is_pseudo());
        assert!(v("v1.2.3") < q && q < v("v1.2.4"));
        // vX.Y.Z-pre.0.timestamp-commit: after the pre-release it was built on.
        let r = v("v1.2.3-beta.1.0.20210101000000-abcdefabcdef");
        assert!(v("v1.2.3-beta.1") < r && r < v("v1.2.3-beta.2"));
        assert!(!v("v1.2.3-rc.1").is_pseudo());
    }

    #[test]
    fn incompatible_is_build_metadata() {
        assert_eq!(v("v2.0.0+incompatible").cmp(&v("v2.0.0")), Ordering::Equal);
        assert!(v("v2.0.0+incompatible") < v("v2.0.1+incompatible"));
    }
}
