//! What the detectors need from the twin (`--twin`): every ENI with its role (instance, NAT
//! gateway, Gateway Load Balancer endpoint, Transit Gateway attachment, …) and addresses, the
//! VPC ranges, the named external networks, the twin's public addresses, and which ports the
//! internet reaches (koban-net's exposure). Places each logged address: an ENI of the twin, a
//! VPC range, a named network, a private range outside the twin, or the internet.

use ipnet::Ipv4Net;
use koban_model::{EniOwner, Twin};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;

/// What an ENI is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EniRole {
    Instance,
    NatGateway,
    /// A Gateway Load Balancer endpoint: the inspection appliance's door.
    InspectionEndpoint,
    TransitGatewayAttachment,
    InterfaceEndpoint,
    Other,
}

impl EniRole {
    pub fn name(self) -> &'static str {
        match self {
            EniRole::Instance => "instance",
            EniRole::NatGateway => "nat-gateway",
            EniRole::InspectionEndpoint => "gwlb-endpoint",
            EniRole::TransitGatewayAttachment => "transit-gateway-attachment",
            EniRole::InterfaceEndpoint => "interface-endpoint",
            EniRole::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EniInfo {
    pub id: String,
    pub role: EniRole,
    /// The instance, NAT gateway, endpoint or attachment owning it.
    pub owner: String,
    pub subnet: String,
    pub vpc: String,
    pub account: Option<String>,
    pub ips: Vec<Ipv4Addr>,
    pub public_ips: Vec<Ipv4Addr>,
}

/// Where an address is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "kebab-case")]
pub enum Place {
    /// An ENI of the twin (by private address).
    Eni(String),
    /// Inside a VPC range of the twin, no ENI known.
    Vpc(String),
    /// A public address of the twin (an Elastic IP of a NAT gateway or instance).
    TwinPublic(String),
    /// A named external network (`koban.yaml`), e.g. on-premises.
    Network(String),
    /// A private range (RFC 1918, CGNAT) outside the twin and its named networks.
    Private,
    Internet,
}

impl Place {
    /// True for places outside the twin's VPCs.
    pub fn is_outside(&self) -> bool {
        matches!(self, Place::Network(_) | Place::Private | Place::Internet)
    }

    pub fn label(&self) -> String {
        match self {
            Place::Eni(e) => e.clone(),
            Place::Vpc(v) => v.clone(),
            Place::TwinPublic(e) => format!("public address of {e}"),
            Place::Network(n) => format!("network:{n}"),
            Place::Private => "private network outside the twin".into(),
            Place::Internet => "internet".into(),
        }
    }
}

/// An (ENI, protocol, ports) the internet reaches, from koban-net's exposure.
#[derive(Debug, Clone, Serialize)]
pub struct Exposed {
    pub eni: String,
    pub protocol: u8,
    /// Inclusive destination port ranges; `(0, 65535)` for all.
    pub ports: Vec<(u16, u16)>,
}

/// The twin, seen from the logs.
#[derive(Debug, Default)]
pub struct TwinView {
    pub enis: BTreeMap<String, EniInfo>,
    by_ip: HashMap<Ipv4Addr, String>,
    public: HashMap<Ipv4Addr, String>,
    vpcs: Vec<(String, Ipv4Net)>,
    networks: Vec<(String, Vec<Ipv4Net>)>,
    pub exposed: Vec<Exposed>,
    /// The accounts of the twin.
    pub accounts: BTreeSet<String>,
    /// Instance id → instance profile (the role whose credentials the instance holds).
    pub instance_profiles: BTreeMap<String, String>,
}

impl TwinView {
    pub fn new(twin: &Twin) -> TwinView {
        let mut v = TwinView::default();
        for (id, e) in &twin.network_interfaces {
            let (role, owner) = match &e.owner {
                EniOwner::Instance(i) => (EniRole::Instance, i.clone()),
                EniOwner::NatGateway(n) => (EniRole::NatGateway, n.clone()),
                EniOwner::GatewayLoadBalancerEndpoint(p) => (EniRole::InspectionEndpoint, p.clone()),
                EniOwner::TransitGatewayAttachment(t) => (EniRole::TransitGatewayAttachment, t.clone()),
                EniOwner::VpcEndpoint(p) => (EniRole::InterfaceEndpoint, p.clone()),
                EniOwner::LoadBalancer(x) | EniOwner::ResolverEndpoint(x) | EniOwner::Lambda(x) | EniOwner::Other(x) => {
                    (EniRole::Other, x.clone())
                }
            };
            for ip in &e.private_ips {
                v.by_ip.insert(*ip, id.clone());
            }
            for (_, public) in &e.public_ips {
                v.public.insert(*public, id.clone());
            }
            v.enis.insert(
                id.clone(),
                EniInfo {
                    id: id.clone(),
                    role,
                    owner,
                    subnet: e.subnet.clone(),
                    vpc: e.vpc.clone(),
                    account: e.placement.account.clone(),
                    ips: e.private_ips.clone(),
                    public_ips: e.public_ips.iter().map(|(_, p)| *p).collect(),
                },
            );
        }
        for n in twin.nat_gateways.values() {
            for a in &n.addresses {
                if let (Some(p), Some(eni)) = (a.public_ip, &a.network_interface) {
                    v.public.insert(p, eni.clone());
                }
            }
        }
        for (id, vpc) in &twin.vpcs {
            for c in &vpc.cidrs {
                v.vpcs.push((id.clone(), *c));
            }
        }
        for (name, n) in &twin.networks {
            v.networks.push((name.clone(), n.cidrs.clone()));
        }
        v.accounts = twin.accounts.keys().cloned().collect();
        for (id, i) in &twin.instances {
            if let Some(p) = &i.iam_instance_profile {
                v.instance_profiles.insert(id.clone(), p.clone());
            }
        }
        v
    }

    /// Add the internet exposure computed by koban-net.
    pub fn with_exposure(mut self, twin: &Twin) -> TwinView {
        let engine = koban_net::Engine::new(twin);
        let answer = koban_net::exposure::exposure(&engine);
        for s in answer.sources.iter().filter(|s| s.source == "internet") {
            for x in &s.exposed {
                for p in &x.ports {
                    let proto = match p.protocol.as_str() {
                        "tcp" => 6,
                        "udp" => 17,
                        "all" => 0,
                        _ => continue,
                    };
                    let ports = p.ranges.iter().filter_map(|r| parse_range(r)).collect();
                    self.exposed.push(Exposed { eni: x.interface.clone(), protocol: proto, ports });
                }
            }
        }
        self
    }

    /// Where an address (as logged) is.
    pub fn place(&self, addr: &str) -> Place {
        let Ok(ip) = addr.parse::<Ipv4Addr>() else { return Place::Internet };
        if let Some(e) = self.by_ip.get(&ip) {
            return Place::Eni(e.clone());
        }
        if let Some(e) = self.public.get(&ip) {
            return Place::TwinPublic(e.clone());
        }
        if let Some((vpc, _)) = self.vpcs.iter().find(|(_, c)| c.contains(&ip)) {
            return Place::Vpc(vpc.clone());
        }
        if let Some((name, _)) = self.networks.iter().find(|(_, cs)| cs.iter().any(|c| c.contains(&ip))) {
            return Place::Network(name.clone());
        }
        if is_private(ip) {
            return Place::Private;
        }
        Place::Internet
    }

    /// The ENI holding this private address.
    pub fn eni_of(&self, addr: &str) -> Option<&EniInfo> {
        let ip = addr.parse::<Ipv4Addr>().ok()?;
        self.enis.get(self.by_ip.get(&ip)?)
    }

    /// True when `addr` is one of the twin's own addresses (private or public).
    pub fn owns(&self, addr: &str) -> bool {
        addr.parse::<Ipv4Addr>().is_ok_and(|ip| self.by_ip.contains_key(&ip) || self.public.contains_key(&ip))
    }

    /// True when the internet reaches this ENI on this protocol and port.
    pub fn is_exposed(&self, eni: &str, protocol: u8, port: u16) -> bool {
        self.exposed.iter().any(|x| {
            x.eni == eni && (x.protocol == 0 || x.protocol == protocol) && x.ports.iter().any(|&(lo, hi)| lo <= port && port <= hi)
        })
    }

    /// The ENIs with a role.
    pub fn enis_with(&self, role: EniRole) -> impl Iterator<Item = &EniInfo> {
        self.enis.values().filter(move |e| e.role == role)
    }
}

fn parse_range(r: &str) -> Option<(u16, u16)> {
    if r == "all" {
        return Some((0, 65535));
    }
    match r.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => r.trim().parse().ok().map(|p| (p, p)),
    }
}

/// RFC 1918, shared address space (RFC 6598) and link-local ranges.
pub fn is_private(ip: Ipv4Addr) -> bool {
    ip.is_private() || ip.is_link_local() || ip.is_loopback() || (ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_private_space() {
        assert_eq!(parse_range("22"), Some((22, 22)));
        assert_eq!(parse_range("1024-65535"), Some((1024, 65535)));
        assert_eq!(parse_range("all"), Some((0, 65535)));
        assert!(is_private("100.64.0.10".parse().unwrap()));
        assert!(!is_private("52.50.10.10".parse().unwrap()));
    }
}
