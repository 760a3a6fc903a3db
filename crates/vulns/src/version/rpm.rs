//! RPM version ordering: `rpmvercmp` (rpm 4.18's `rpmio/rpmvercmp.c`, with `~` and `^`) and
//! the `[epoch:]version[-release]` comparison of `rpmverCmp` (what `rpm.vercmp` answers).

use std::cmp::Ordering;

/// A parsed `[epoch:]version[-release]`, split the way rpm's `parseEVR` splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpmVersion {
    /// `None` compares as `0`.
    pub epoch: Option<String>,
    pub version: String,
    /// `None` when absent, which compares as an empty release (as rpm 4.18's `rpmverCmp`
    /// does: `1.0` sorts before `1.0-1`).
    pub release: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RpmVersionError {
    #[error("empty version")]
    Empty,
    #[error("empty version part in {0:?}")]
    EmptyVersion(String),
    #[error("whitespace in {0:?}")]
    Whitespace(String),
}

impl RpmVersion {
    pub fn parse(s: &str) -> Result<RpmVersion, RpmVersionError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(RpmVersionError::Empty);
        }
        if s.chars().any(char::is_whitespace) {
            return Err(RpmVersionError::Whitespace(s.to_string()));
        }
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let (epoch, rest) = if s.as_bytes().get(digits) == Some(&b':') {
            let e = &s[..digits];
            (Some(if e.is_empty() { "0".to_string() } else { e.to_string() }), &s[digits + 1..])
        } else {
            (None, s)
        };
        let (version, release) = match rest.rfind('-') {
            Some(i) => (&rest[..i], Some(rest[i + 1..].to_string())),
            None => (rest, None),
        };
        if version.is_empty() {
            return Err(RpmVersionError::EmptyVersion(s.to_string()));
        }
        Ok(RpmVersion { epoch, version: version.to_string(), release })
    }

    /// From separate fields, as `rpm -q --queryformat` and SSM Inventory report them
    /// (`(none)` or empty epoch means no epoch).
    pub fn from_parts(epoch: Option<&str>, version: &str, release: Option<&str>) -> RpmVersion {
        let epoch = epoch.map(str::trim).filter(|e| !e.is_empty() && *e != "(none)").map(str::to_string);
        let release = release.map(str::trim).filter(|r| !r.is_empty() && *r != "(none)").map(str::to_string);
        RpmVersion { epoch, version: version.trim().to_string(), release }
    }
}

impl std::fmt::Display for RpmVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(e) = &self.epoch {
            write!(f, "{e}:")?;
        }
        write!(f, "{}", self.version)?;
        if let Some(r) = &self.release {
            write!(f, "-{r}")?;
        }
        Ok(())
    }
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let e1 = self.epoch.as_deref().unwrap_or("0");
        let e2 = other.epoch.as_deref().unwrap_or("0");
        rpmvercmp(e1, e2)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| rpmvercmp(self.release.as_deref().unwrap_or(""), other.release.as_deref().unwrap_or("")))
    }
}

impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// rpm's segment comparison: separators are skipped, `~` sorts before everything (even the
/// end), `^` after the end but before anything else, numeric segments beat alphabetic ones,
/// numbers compare by value, letters by byte.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let sep = |c: u8| c != 0 && !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    let (mut i, mut j) = (0usize, 0usize);
    while i < a.len() || j < b.len() {
        while sep(at(a, i)) {
            i += 1;
        }
        while sep(at(b, j)) {
            j += 1;
        }
        let (ca, cb) = (at(a, i), at(b, j));
        if ca == b'~' || cb == b'~' {
            if ca != b'~' {
                return Ordering::Greater;
            }
            if cb != b'~' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == b'^' || cb == b'^' {
            if ca == 0 {
                return Ordering::Less;
            }
            if cb == 0 {
                return Ordering::Greater;
            }
            if ca != b'^' {
                return Ordering::Greater;
            }
            if cb != b'^' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == 0 || cb == 0 {
            break;
        }
        let isnum = ca.is_ascii_digit();
        let class = |c: u8| if isnum { c.is_ascii_digit() } else { c.is_ascii_alphabetic() };
        let (si, sj) = (i, j);
        while class(at(a, i)) {
            i += 1;
        }
        while class(at(b, j)) {
            j += 1;
        }
        // One numeric and the other alphabetic: numeric is newer.
        if sj == j {
            return if isnum { Ordering::Greater } else { Ordering::Less };
        }
        let (mut one, mut two) = (&a[si..i], &b[sj..j]);
        if isnum {
            while one.first() == Some(&b'0') {
                one = &one[1..];
            }
            while two.first() == Some(&b'0') {
                two = &two[1..];
            }
            match one.len().cmp(&two.len()) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        match one.cmp(two) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    match (at(a, i), at(b, j)) {
        (0, 0) => Ordering::Equal,
        (0, _) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evr(a: &str, b: &str) -> Ordering {
        RpmVersion::parse(a).unwrap().cmp(&RpmVersion::parse(b).unwrap())
    }

    #[test]
    fn rpmvercmp_rules() {
        // From rpm's own test suite (tests/rpmvercmp.at).
        assert_eq!(rpmvercmp("1.0", "1.0"), Ordering::Equal);
        assert_eq!(rpmvercmp("1.0", "2.0"), Ordering::Less);
        assert_eq!(rpmvercmp("2.0.1", "2.0.1a"), Ordering::Less);
        assert_eq!(rpmvercmp("5.5p1", "5.5p10"), Ordering::Less);
        assert_eq!(rpmvercmp("10xyz", "10.1xyz"), Ordering::Less);
        assert_eq!(rpmvercmp("xyz10", "xyz10.1"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0aa", "1.0a"), Ordering::Greater);
        assert_eq!(rpmvercmp("2_0", "2_0"), Ordering::Equal);
        assert_eq!(rpmvercmp("2.0", "2_0"), Ordering::Equal);
        assert_eq!(rpmvercmp("a+", "a_"), Ordering::Equal);
        assert_eq!(rpmvercmp("+", "_"), Ordering::Equal);
        assert_eq!(rpmvercmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0~rc1", "1.0~rc2"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0~rc1~git123", "1.0~rc1"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0^", "1.0"), Ordering::Greater);
        assert_eq!(rpmvercmp("1.0^git1", "1.0"), Ordering::Greater);
        assert_eq!(rpmvercmp("1.0^git1", "1.01"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0^20160101", "1.0.1"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0~rc1^git1", "1.0~rc1"), Ordering::Greater);
        assert_eq!(rpmvercmp("1.0^git1~pre", "1.0^git1"), Ordering::Less);
        assert_eq!(rpmvercmp("1.1.α", "1.1.α"), Ordering::Equal);
    }

    #[test]
    fn epoch_version_release() {
        assert_eq!(evr("1:1.0-1", "2.0-1"), Ordering::Greater);
        assert_eq!(evr("0:1.0-1", "1.0-1"), Ordering::Equal);
        assert_eq!(evr("1.0-1.el9", "1.0-2.el9"), Ordering::Less);
        // A missing release compares as an empty one, below any release.
        assert_eq!(evr("1.0", "1.0-7"), Ordering::Less);
        let v = RpmVersion::from_parts(Some("(none)"), "2.7.10", Some("4.120.amzn1"));
        assert_eq!(v.to_string(), "2.7.10-4.120.amzn1");
    }
}
