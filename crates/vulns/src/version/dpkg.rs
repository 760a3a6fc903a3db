//! Debian package version ordering, exactly as dpkg's `lib/dpkg/version.c` does it
//! (`[epoch:]upstream_version[-debian_revision]`, `~` sorting before everything, even the end).

use std::cmp::Ordering;

/// A parsed Debian version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpkgVersion {
    pub epoch: u64,
    pub upstream: String,
    /// Empty when the version has no `-revision`.
    pub revision: String,
}

/// Why a string is not a Debian version (dpkg's own `parseversion` rules).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpkgVersionError {
    #[error("empty version")]
    Empty,
    #[error("epoch {0:?} is not a number")]
    BadEpoch(String),
    #[error("empty upstream version")]
    EmptyUpstream,
    #[error("upstream version {0:?} does not start with a digit")]
    UpstreamNotDigit(String),
    #[error("invalid character {1:?} in {0:?}")]
    BadChar(String, char),
    #[error("empty revision after '-'")]
    EmptyRevision,
}

impl DpkgVersion {
    pub fn parse(s: &str) -> Result<DpkgVersion, DpkgVersionError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(DpkgVersionError::Empty);
        }
        if let Some(c) = s.chars().find(|c| c.is_whitespace()) {
            return Err(DpkgVersionError::BadChar(s.to_string(), c));
        }
        let (epoch, rest) = match s.split_once(':') {
            Some((e, rest)) => {
                let epoch = if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(DpkgVersionError::BadEpoch(e.to_string()));
                } else {
                    e.parse::<u64>().map_err(|_| DpkgVersionError::BadEpoch(e.to_string()))?
                };
                (epoch, rest)
            }
            None => (0, s),
        };
        let (upstream, revision) = match rest.rfind('-') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        if rest.contains('-') && revision.is_empty() {
            return Err(DpkgVersionError::EmptyRevision);
        }
        if upstream.is_empty() {
            return Err(DpkgVersionError::EmptyUpstream);
        }
        if !upstream.as_bytes()[0].is_ascii_digit() {
            return Err(DpkgVersionError::UpstreamNotDigit(upstream.to_string()));
        }
        if let Some(c) = upstream.chars().find(|c| !(c.is_ascii_alphanumeric() || ".-+~:".contains(*c))) {
            return Err(DpkgVersionError::BadChar(upstream.to_string(), c));
        }
        if let Some(c) = revision.chars().find(|c| !(c.is_ascii_alphanumeric() || ".+~".contains(*c))) {
            return Err(DpkgVersionError::BadChar(revision.to_string(), c));
        }
        Ok(DpkgVersion { epoch, upstream: upstream.to_string(), revision: revision.to_string() })
    }
}

impl Ord for DpkgVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}

impl PartialOrd for DpkgVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// dpkg's character weight: digits 0, letters their code, `~` below everything, the end 0,
/// any other character above all letters.
fn order(c: u8) -> i32 {
    if c.is_ascii_digit() {
        0
    } else if c.is_ascii_alphabetic() {
        c as i32
    } else if c == b'~' {
        -1
    } else if c != 0 {
        c as i32 + 256
    } else {
        0
    }
}

/// dpkg's `verrevcmp`: alternate non-digit runs (compared by `order`) and digit runs
/// (compared numerically, leading zeros ignored).
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let (ac, bc) = (order(at(a, i)), order(at(b, j)));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while at(a, i) == b'0' {
            i += 1;
        }
        while at(b, j) == b'0' {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while at(a, i).is_ascii_digit() && at(b, j).is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if at(a, i).is_ascii_digit() {
            return Ordering::Greater;
        }
        if at(b, j).is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        DpkgVersion::parse(a).unwrap().cmp(&DpkgVersion::parse(b).unwrap())
    }

    #[test]
    fn debian_policy_examples() {
        // Debian Policy 5.6.12: `~` sorts before anything, even the end of a part.
        assert_eq!(cmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0~~", "1.0~~a"), Ordering::Less);
        assert_eq!(cmp("1.0~~a", "1.0~"), Ordering::Less);
        assert_eq!(cmp("1.0~", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0a"), Ordering::Less);
        // `+` sorts after letters and after the end.
        assert_eq!(cmp("1.0+dfsg", "1.0"), Ordering::Greater);
        assert_eq!(cmp("1.0+b1", "1.0a"), Ordering::Greater);
        assert_eq!(cmp("2.30-1+deb12u1", "2.30-1"), Ordering::Greater);
    }

    #[test]
    fn epochs_dominate_and_default_to_zero() {
        assert_eq!(cmp("1:1.0", "2.0"), Ordering::Greater);
        assert_eq!(cmp("0:1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("1:0.1", "0:9.9"), Ordering::Greater);
    }

    #[test]
    fn revisions_and_leading_zeros() {
        assert_eq!(cmp("1.0-1", "1.0-2"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0-0"), Ordering::Equal);
        assert_eq!(cmp("1.002", "1.2"), Ordering::Equal);
        assert_eq!(cmp("1.10", "1.9"), Ordering::Greater);
        // The last hyphen splits the revision: the upstream part may hold hyphens.
        let v = DpkgVersion::parse("1:2.3-beta-4").unwrap();
        assert_eq!((v.epoch, v.upstream.as_str(), v.revision.as_str()), (1, "2.3-beta", "4"));
    }

    #[test]
    fn invalid_versions_are_errors() {
        assert!(DpkgVersion::parse("").is_err());
        assert!(DpkgVersion::parse("a1.0").is_err());
        assert!(DpkgVersion::parse("x:1.0").is_err());
        assert!(DpkgVersion::parse("1.0-").is_err());
        assert!(DpkgVersion::parse("1.0 2").is_err());
    }
}
