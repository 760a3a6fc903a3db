//! IPv4 prefixes and the organisation's address plan.
//!
//! Every VPC gets one /20 of 10.0.0.0/8: VPC `k` is `10.(k / 16).((k % 16) * 16).0/20`, so up
//! to 4,096 VPCs fit without overlap (2,000 at 100k ENIs). Inside a VPC, by AZ `a` (0 or 1):
//! public `x.x.(0+a).0/24`, endpoints `x.x.(2+a).0/24`, transit `x.x.4.(16a)/28`,
//! app `x.x.(8+4a).0/22`. On-premises is 172.16.0.0/12; public addresses come from
//! 52.16.0.0/14 (an eu-west-1 EC2 range).

use std::fmt;

/// An IPv4 prefix: network address and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    pub base: u32,
    pub len: u8,
}

impl Cidr {
    pub const fn new(a: u8, b: u8, c: u8, d: u8, len: u8) -> Self {
        Self { base: u32::from_be_bytes([a, b, c, d]), len }
    }

    /// Number of addresses in the prefix.
    pub fn size(self) -> u64 {
        1u64 << (32 - u32::from(self.len))
    }

    /// The prefix `len` long starting `offset` addresses after this one's base.
    pub fn sub(self, offset: u32, len: u8) -> Self {
        Self { base: self.base + offset, len }
    }

    /// Last address of the prefix.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn last(self) -> u32 {
        // size() ≥ 1 and base + size - 1 ≤ u32::MAX for any valid prefix.
        (u64::from(self.base) + self.size() - 1) as u32
    }

    #[cfg_attr(not(test), allow(dead_code))]
    pub fn contains(self, ip: u32) -> bool {
        ip >= self.base && ip <= self.last()
    }

    #[cfg_attr(not(test), allow(dead_code))]
    pub fn overlaps(self, other: Cidr) -> bool {
        self.base <= other.last() && other.base <= self.last()
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ip(self.base), self.len)
    }
}

/// Dotted-quad display of an address.
#[derive(Debug, Clone, Copy)]
pub struct Ip(pub u32);

impl fmt::Display for Ip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0.to_be_bytes();
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

pub const ANY: Cidr = Cidr::new(0, 0, 0, 0, 0);
/// The corporate (routable) space all VPCs are carved from.
pub const CORPORATE: Cidr = Cidr::new(10, 0, 0, 0, 8);
/// On-premises networks, reached over the VPN.
pub const ONPREM: Cidr = Cidr::new(172, 16, 0, 0, 12);
/// Pool for public IPs (EIPs and auto-assigned addresses).
pub const PUBLIC_POOL: Cidr = Cidr::new(52, 16, 0, 0, 14);
/// Prefix length of each VPC.
pub const VPC_PREFIX_LEN: u8 = 20;
/// How many VPCs the plan can hold.
pub const MAX_VPCS: usize = 1 << (VPC_PREFIX_LEN - 8);

/// The CIDR of VPC number `k` (`k < MAX_VPCS`).
pub fn vpc_cidr(k: usize) -> Cidr {
    CORPORATE.sub((k as u32) << (32 - u32::from(VPC_PREFIX_LEN)), VPC_PREFIX_LEN)
}

/// Subnet roles and their place inside a VPC's /20 (see the module doc).
pub fn public_subnet(vpc: Cidr, az: u32) -> Cidr {
    vpc.sub(az * 256, 24)
}
pub fn endpoint_subnet(vpc: Cidr, az: u32) -> Cidr {
    vpc.sub(512 + az * 256, 24)
}
pub fn transit_subnet(vpc: Cidr, az: u32) -> Cidr {
    vpc.sub(1024 + az * 16, 28)
}
pub fn app_subnet(vpc: Cidr, az: u32) -> Cidr {
    vpc.sub(2048 + az * 1024, 22)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_is_disjoint_and_inside_the_vpc() {
        assert_eq!(vpc_cidr(0).to_string(), "10.0.0.0/20");
        assert_eq!(vpc_cidr(17).to_string(), "10.1.16.0/20");
        assert_eq!(vpc_cidr(MAX_VPCS - 1).to_string(), "10.255.240.0/20");
        let v = vpc_cidr(5);
        let mut subs = Vec::new();
        for az in 0..2 {
            subs.extend([public_subnet(v, az), endpoint_subnet(v, az), transit_subnet(v, az), app_subnet(v, az)]);
        }
        for (i, a) in subs.iter().enumerate() {
            assert!(v.contains(a.base) && v.contains(a.last()), "{a} outside {v}");
            for b in &subs[i + 1..] {
                assert!(!a.overlaps(*b), "{a} overlaps {b}");
            }
        }
        assert!(!CORPORATE.overlaps(ONPREM));
    }
}
