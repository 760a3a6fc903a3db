//! Account and region of a snapshot file, from its path: `<account-id>/<region>/…` segments
//! (also Batfish's `aws_configs/accounts/<id>/<region>/`), or a `-<region>` suffix on the file
//! name (`RouteTables-us-west-2.json`).

use std::path::Path;

/// The account and region a file's path implies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathLocation {
    pub account: Option<String>,
    pub region: Option<String>,
}

/// True for AWS region names such as `eu-west-1`, `us-gov-west-1`, `ap-southeast-2`.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() < 3 || parts.len() > 4 {
        return false;
    }
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    first.len() == 2
        && first.chars().all(|c| c.is_ascii_lowercase())
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_digit())
        && parts[1..parts.len() - 1].iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.chars().all(|c| c.is_ascii_digit())
}

/// Read the account and region from a file path relative to the snapshot root.
pub fn from_path(relative: &Path) -> PathLocation {
    let mut loc = PathLocation::default();
    let comps: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    for (i, c) in comps.iter().enumerate() {
        let is_last = i + 1 == comps.len();
        if !is_last && is_account(c) {
            loc.account = Some(c.clone());
        } else if !is_last && comps.get(i.wrapping_sub(1)).map(|p| p == "accounts").unwrap_or(false) {
            // Batfish's synthetic account folders (`accounts/111/`).
            loc.account = Some(c.clone());
        } else if !is_last && is_region(c) {
            loc.region = Some(c.clone());
        }
    }
    if loc.region.is_none() {
        if let Some(stem) = relative.file_stem().map(|s| s.to_string_lossy().into_owned()) {
            // `Kind-us-west-2` → `us-west-2`
            let parts: Vec<&str> = stem.split('-').collect();
            for n in [3usize, 4] {
                if parts.len() > n {
                    let cand = parts[parts.len() - n..].join("-");
                    if is_region(&cand) {
                        loc.region = Some(cand);
                        break;
                    }
                }
            }
        }
    }
    loc
}

/// The region of an availability zone name (`eu-west-1a` → `eu-west-1`).
pub fn region_of_az(az: &str) -> Option<String> {
    let trimmed = az.trim_end_matches(|c: char| c.is_ascii_lowercase());
    if is_region(trimmed) {
        Some(trimmed.to_string())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn account_and_region_from_layouts() {
        let l = from_path(&PathBuf::from("111111111111/eu-west-1/Vpcs.json"));
        assert_eq!(l.account.as_deref(), Some("111111111111"));
        assert_eq!(l.region.as_deref(), Some("eu-west-1"));
        let l = from_path(&PathBuf::from("aws_configs/accounts/111/us-west-1/Vpcs.json"));
        assert_eq!(l.account.as_deref(), Some("111"));
        assert_eq!(l.region.as_deref(), Some("us-west-1"));
        let l = from_path(&PathBuf::from("aws_configs/RouteTables-us-west-2.json"));
        assert_eq!(l.region.as_deref(), Some("us-west-2"));
        assert_eq!(l.account, None);
        let l = from_path(&PathBuf::from("aws_configs/us-gov-west-1/Vpcs.json"));
        assert_eq!(l.region.as_deref(), Some("us-gov-west-1"));
    }

    #[test]
    fn az_to_region() {
        assert_eq!(region_of_az("us-east-2b").as_deref(), Some("us-east-2"));
        assert_eq!(region_of_az("bogus"), None);
    }
}
