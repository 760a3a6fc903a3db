//! Deterministic AWS-style identifiers.
//!
//! Every id is `<prefix>-0` followed by 16 hex digits, the shape of modern AWS ids
//! (`vpc-0404e08ceddf7f650`). The digits are a bijective mix of a per-prefix counter and a
//! salt derived from the seed, so ids look random, never repeat within a prefix, and the
//! same seed always yields the same ids.

use std::collections::BTreeMap;

/// SplitMix64's finalizer: a bijection on `u64` with good avalanche.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a, to turn a prefix into a salt.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Hands out ids per prefix (`vpc`, `subnet`, `eni`, …).
#[derive(Debug)]
pub struct IdGen {
    seed: u64,
    counters: BTreeMap<&'static str, u64>,
}

impl IdGen {
    pub fn new(seed: u64) -> Self {
        Self { seed: mix(seed ^ 0x6b6f_6261_6e00_0000), counters: BTreeMap::new() }
    }

    /// The next id with this prefix, e.g. `next("vpc")` → `vpc-0a1b2c3d4e5f60718`.
    pub fn next(&mut self, prefix: &'static str) -> String {
        let n = self.bump(prefix);
        let salt = mix(self.seed ^ fnv1a(prefix));
        format!("{prefix}-0{:016x}", mix(n.wrapping_add(salt)))
    }

    /// A locally administered unicast MAC address (`0a:..` / `06:..`, as EC2 assigns).
    pub fn mac(&mut self) -> String {
        let n = self.bump("mac");
        let v = mix(n.wrapping_add(self.seed));
        let b = v.to_be_bytes();
        let first = if b[0] & 1 == 0 { 0x0a } else { 0x06 };
        format!("{first:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b[1], b[2], b[3], b[4], b[5])
    }

    fn bump(&mut self, prefix: &'static str) -> u64 {
        let c = self.counters.entry(prefix).or_insert(0);
        *c += 1;
        *c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_aws_shaped_unique_and_seeded() {
        let mut a = IdGen::new(7);
        let mut b = IdGen::new(7);
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let id = a.next("vpc");
            assert_eq!(id, b.next("vpc"));
            assert_eq!(id.len(), "vpc-".len() + 17);
            assert!(id[4..].bytes().all(|c| c.is_ascii_hexdigit()));
            assert!(seen.insert(id));
        }
        assert_ne!(IdGen::new(8).next("vpc"), IdGen::new(7).next("vpc"));
    }
}
