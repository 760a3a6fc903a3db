//! Query endpoints: what `--from` and `--to` name (an instance, interface, subnet or VPC id,
//! an address or CIDR, `internet`, or a named network), resolved against the twin into
//! starting points and destination sets.

use crate::forward::NON_INTERNET;
use crate::index::eni_is_live;
use crate::space::{net_range, PacketSet, DST, SRC};
use ipnet::Ipv4Net;
use koban_model as m;
use koban_model::Twin;
use std::net::Ipv4Addr;

/// A parsed endpoint specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    Instance(String),
    Interface(String),
    Subnet(String),
    Vpc(String),
    Cidr(Ipv4Net),
    Internet,
    Network(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpecError {
    #[error("{0:?} is not in the twin (expected an instance, network interface, subnet or VPC id present in the input)")]
    UnknownId(String),
    #[error("{0:?} is not a known endpoint: expected an i-/eni-/subnet-/vpc- id, an IPv4 address or CIDR, `internet`, or a network named in koban.yaml")]
    Unrecognised(String),
    #[error("{0} has no live network interface (stopped, terminated or detached)")]
    NoInterface(String),
}

impl Spec {
    pub fn parse(s: &str, twin: &Twin) -> Result<Spec, SpecError> {
        let s = s.trim();
        if s == "internet" {
            return Ok(Spec::Internet);
        }
        if twin.networks.contains_key(s) {
            return Ok(Spec::Network(s.to_string()));
        }
        if let Ok(ip) = s.parse::<Ipv4Addr>() {
            return Ok(Spec::Cidr(Ipv4Net::new(ip, 32).map_err(|_| SpecError::Unrecognised(s.into()))?));
        }
        if let Ok(n) = s.parse::<Ipv4Net>() {
            return Ok(Spec::Cidr(n.trunc()));
        }
        let known = |present: bool, v: Spec| {
            if present {
                Ok(v)
            } else {
                Err(SpecError::UnknownId(s.to_string()))
            }
        };
        if s.starts_with("i-") {
            return known(twin.instances.contains_key(s), Spec::Instance(s.into()));
        }
        if s.starts_with("eni-") {
            return known(twin.network_interfaces.contains_key(s), Spec::Interface(s.into()));
        }
        if s.starts_with("subnet-") {
            return known(twin.subnets.contains_key(s), Spec::Subnet(s.into()));
        }
        if s.starts_with("vpc-") {
            return known(twin.vpcs.contains_key(s), Spec::Vpc(s.into()));
        }
        Err(SpecError::Unrecognised(s.to_string()))
    }

    /// Every live interface this spec names (instances, interfaces), or the interfaces in the
    /// subnet/VPC/CIDR.
    pub fn interfaces<'t>(&self, twin: &'t Twin) -> Vec<&'t m::NetworkInterface> {
        let live = |e: &&'t m::NetworkInterface| eni_is_live(twin, e);
        match self {
            Spec::Instance(i) => twin.instances.get(i).map(|x| crate::index::instance_interfaces(twin, x)).unwrap_or_default(),
            Spec::Interface(e) => twin.network_interfaces.get(e).into_iter().filter(live).collect(),
            Spec::Subnet(s) => twin.network_interfaces.values().filter(|e| &e.subnet == s).filter(live).collect(),
            Spec::Vpc(v) => twin.network_interfaces.values().filter(|e| &e.vpc == v).filter(live).collect(),
            Spec::Cidr(n) => {
                twin.network_interfaces.values().filter(|e| e.private_ips.iter().any(|ip| n.contains(ip))).filter(live).collect()
            }
            Spec::Internet | Spec::Network(_) => Vec::new(),
        }
    }

    /// The destination addresses this spec stands for, as seen from `from`: public addresses
    /// when the source is the internet, private ones otherwise.
    pub fn destination(&self, twin: &Twin, from_internet: bool) -> PacketSet {
        self.destination_with(twin, &self.own_public_ips_if_internet(twin), from_internet)
    }

    /// [`Spec::destination`] given the twin's own public addresses (sorted, distinct), as
    /// [`crate::index::Index::own_public_ips`] holds them, so that repeated queries do not
    /// collect them again.
    pub fn destination_with(&self, twin: &Twin, own_public: &[u32], from_internet: bool) -> PacketSet {
        let mut iv: Vec<(u32, u32)> = Vec::new();
        match self {
            // The internet is everything outside the twin: its own public addresses are
            // destinations inside it.
            Spec::Internet => iv = internet_addresses(own_public),
            Spec::Network(n) => iv.extend(twin.networks.get(n).map(|n| n.cidrs.as_slice()).unwrap_or_default().iter().map(net_range)),
            Spec::Cidr(n) => iv.push(net_range(n)),
            Spec::Subnet(s) if !from_internet => iv.extend(twin.subnets.get(s).and_then(|s| s.cidr).map(|c| net_range(&c))),
            Spec::Vpc(v) if !from_internet => {
                iv.extend(twin.vpcs.get(v).map(|v| v.cidrs.as_slice()).unwrap_or_default().iter().map(net_range))
            }
            _ => {
                for e in self.interfaces(twin) {
                    if from_internet {
                        iv.extend(e.public_ips.iter().map(|(_, p)| (u32::from(*p), u32::from(*p))));
                    } else {
                        iv.extend(e.private_ips.iter().map(|ip| (u32::from(*ip), u32::from(*ip))));
                    }
                }
            }
        }
        PacketSet::from_intervals(DST, iv)
    }

    /// Source addresses for an external or address source.
    pub fn source_space(&self, twin: &Twin) -> PacketSet {
        self.source_space_with(twin, &self.own_public_ips_if_internet(twin))
    }

    /// The twin's own public addresses when this spec is the internet (the only spec they
    /// shape); nothing otherwise, so that other specs do not collect them.
    fn own_public_ips_if_internet(&self, twin: &Twin) -> Vec<u32> {
        if matches!(self, Spec::Internet) {
            own_public_ips(twin)
        } else {
            Vec::new()
        }
    }

    /// [`Spec::source_space`] given the twin's own public addresses (sorted, distinct).
    pub fn source_space_with(&self, twin: &Twin, own_public: &[u32]) -> PacketSet {
        let iv = match self {
            // The internet is everything outside the twin: the twin's own public addresses
            // are sources inside it.
            Spec::Internet => internet_addresses(own_public),
            Spec::Network(n) => twin.networks.get(n).map(|n| n.cidrs.as_slice()).unwrap_or_default().iter().map(net_range).collect(),
            Spec::Cidr(n) => vec![net_range(n)],
            _ => vec![],
        };
        PacketSet::from_intervals(SRC, iv)
    }
}

/// The twin's own public IPv4 addresses, sorted and distinct.
pub(crate) fn own_public_ips(twin: &Twin) -> Vec<u32> {
    let mut own: Vec<u32> = twin.network_interfaces.values().flat_map(|e| e.public_ips.iter().map(|(_, p)| u32::from(*p))).collect();
    own.sort_unstable();
    own.dedup();
    own
}

/// The internet's addresses: [`public_space`] without `own_public` (sorted, distinct), in
/// one pass.
pub(crate) fn internet_addresses(own_public: &[u32]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for (lo, hi) in public_space() {
        let mut next = lo as u64;
        let start = own_public.partition_point(|p| *p < lo);
        for &p in own_public[start..].iter().take_while(|p| **p <= hi) {
            if (p as u64) > next {
                out.push((next as u32, p - 1));
            }
            next = p as u64 + 1;
        }
        if next <= hi as u64 {
            out.push((next as u32, hi));
        }
    }
    out
}

/// Every IPv4 address routed on the internet (the complement of private and reserved space).
pub fn public_space() -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut next: u64 = 0;
    for (lo, hi) in NON_INTERNET {
        if (lo as u64) > next {
            out.push((next as u32, lo - 1));
        }
        next = next.max(hi as u64 + 1);
    }
    if next <= u32::MAX as u64 {
        out.push((next as u32, u32::MAX));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_space_excludes_private_ranges() {
        let p = public_space();
        let inside = |ip: u32| p.iter().any(|(lo, hi)| *lo <= ip && ip <= *hi);
        assert!(inside(u32::from(Ipv4Addr::new(8, 8, 8, 8))));
        assert!(!inside(u32::from(Ipv4Addr::new(10, 1, 2, 3))));
        assert!(!inside(u32::from(Ipv4Addr::new(192, 168, 0, 1))));
        assert!(!inside(u32::from(Ipv4Addr::new(100, 64, 0, 1))));
        assert!(inside(u32::from(Ipv4Addr::new(100, 128, 0, 1))));
    }
}
