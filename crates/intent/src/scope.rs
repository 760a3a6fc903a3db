//! AWS Network Access Scopes (Network Access Analyzer's language), accepted as AWS takes
//! them — the `--cli-input-json` file of `aws ec2 create-network-insights-access-scope`
//! (`MatchPaths`, `ExcludePaths`), the value of `--match-paths` (an array of paths), or the
//! output of `get-network-insights-access-scope-content` — and answered like Network Access
//! Analyzer: a finding is a path that matches at least one MatchPaths entry and no
//! ExcludePaths entry. Paths are traced by `net` through Gateway Load Balancer endpoints and
//! their appliances too, so `ThroughResources` may name a GWLB endpoint, its endpoint
//! service or the load balancer.
//!
//! Semantics (Network Access Analyzer Guide, "Network Access Scopes"): a resource statement
//! names resources by id/ARN or by type, not both; an omitted packet header matches tcp and
//! udp with any address and port; a match condition without a source starts anywhere, one
//! without a destination ends anywhere; a through entry matches a path that crosses the
//! resource anywhere. Paths are forward paths (a packet that can arrive), as in Network
//! Access Analyzer.

use crate::checks::def;
use ipnet::Ipv4Net;
use koban_findings::{Finding, Severity};
use koban_model as m;
use koban_model::{PROTO_TCP, PROTO_UDP};
use koban_net::index::eni_is_live;
use koban_net::space::{net_range, Cube, PacketSet, DPORT, DST, PROTO, SPORT, SRC};
use koban_net::spec::Spec;
use koban_net::trace::{Collect, Hop, HopType, Leaf, Outcome};
use koban_net::Engine;
use rayon::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const SCOPE_PATH: &str = "KBN-NAA-001";

#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    #[error("{path}: cannot read: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{path}: {message}")]
    Empty { path: PathBuf, message: String },
}

/// The resource types a resource statement may name (the Network Access Analyzer Guide's
/// list, plus the instance, network interface and firewall spellings AWS accepts).
const RESOURCE_TYPES: &[&str] = &[
    "AWS::EC2::InternetGateway",
    "AWS::EC2::NatGateway",
    "AWS::EC2::TransitGatewayAttachment",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::VPCEndpointService",
    "AWS::EC2::VPCPeeringConnection",
    "AWS::EC2::VPNGateway",
    "AWS::EC2::Instance",
    "AWS::EC2::NetworkInterface",
    "AWS::ElasticLoadBalancing::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::NetworkFirewall::NetworkFirewall",
    "AWS::NetworkFirewall::Firewall",
];

#[derive(Debug, Clone, Serialize, Default)]
pub struct ResourceStatement {
    pub resources: Vec<String>,
    pub resource_types: Vec<String>,
}

impl<'de> Deserialize<'de> for ResourceStatement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "PascalCase")]
        struct Raw {
            #[serde(default)]
            resources: Vec<String>,
            #[serde(default)]
            resource_types: Vec<String>,
        }
        let r = Raw::deserialize(d)?;
        if !r.resources.is_empty() && !r.resource_types.is_empty() {
            return Err(serde::de::Error::custom("a ResourceStatement names Resources or ResourceTypes, not both"));
        }
        if r.resources.is_empty() && r.resource_types.is_empty() {
            return Err(serde::de::Error::custom("a ResourceStatement needs Resources or ResourceTypes"));
        }
        if let Some(t) = r.resource_types.iter().find(|t| !RESOURCE_TYPES.contains(&t.as_str())) {
            return Err(serde::de::Error::custom(format!("unknown resource type {t:?} (expected one of {})", RESOURCE_TYPES.join(", "))));
        }
        Ok(ResourceStatement { resources: r.resources, resource_types: r.resource_types })
    }
}

/// A port or port range: `"22"` or `"1024-65535"`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Ports(pub u16, pub u16);

impl<'de> Deserialize<'de> for Ports {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let parse = |x: &str| x.trim().parse::<u16>().ok();
        let r = match s.split_once('-') {
            Some((a, b)) => parse(a).zip(parse(b)).filter(|(a, b)| a <= b),
            None => parse(&s).map(|p| (p, p)),
        };
        r.map(|(a, b)| Ports(a, b))
            .ok_or_else(|| serde::de::Error::custom(format!("expected a port or port range such as \"443\" or \"1024-65535\", got {s:?}")))
    }
}

/// An IPv4 address or CIDR.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Cidr(pub Ipv4Net);

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let n = s.parse::<Ipv4Net>().ok().or_else(|| s.parse::<std::net::Ipv4Addr>().ok().map(Ipv4Net::from));
        n.map(|n| Cidr(n.trunc())).ok_or_else(|| serde::de::Error::custom(format!("expected an IPv4 address or CIDR, got {s:?}")))
    }
}

/// `tcp` or `udp`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ScopeProtocol(pub u8);

impl<'de> Deserialize<'de> for ScopeProtocol {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Ok(ScopeProtocol(PROTO_TCP)),
            "udp" => Ok(ScopeProtocol(PROTO_UDP)),
            _ => Err(serde::de::Error::custom(format!("expected tcp or udp, got {s:?}"))),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct PacketHeaderStatement {
    #[serde(default)]
    pub source_addresses: Vec<Cidr>,
    #[serde(default)]
    pub destination_addresses: Vec<Cidr>,
    #[serde(default)]
    pub source_ports: Vec<Ports>,
    #[serde(default)]
    pub destination_ports: Vec<Ports>,
    #[serde(default)]
    pub source_prefix_lists: Vec<String>,
    #[serde(default)]
    pub destination_prefix_lists: Vec<String>,
    #[serde(default)]
    pub protocols: Vec<ScopeProtocol>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct PathStatement {
    #[serde(default)]
    pub packet_header_statement: Option<PacketHeaderStatement>,
    #[serde(default)]
    pub resource_statement: Option<ResourceStatement>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct ThroughStatement {
    pub resource_statement: ResourceStatement,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct AccessScopePath {
    #[serde(default)]
    pub source: Option<PathStatement>,
    #[serde(default)]
    pub destination: Option<PathStatement>,
    #[serde(default)]
    pub through_resources: Vec<ThroughStatement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct Content {
    #[serde(default)]
    network_insights_access_scope_id: Option<String>,
    #[serde(default)]
    match_paths: Vec<AccessScopePath>,
    #[serde(default)]
    exclude_paths: Vec<AccessScopePath>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct TopLevel {
    #[serde(default)]
    match_paths: Vec<AccessScopePath>,
    #[serde(default)]
    exclude_paths: Vec<AccessScopePath>,
    #[serde(default)]
    network_insights_access_scope_content: Option<Content>,
    /// `create-network-insights-access-scope` output carries the scope's metadata too.
    #[serde(default)]
    network_insights_access_scope: Option<serde_json::Value>,
    #[serde(default)]
    client_token: Option<String>,
    #[serde(default)]
    dry_run: Option<bool>,
    #[serde(default)]
    tag_specifications: Option<serde_json::Value>,
}

/// A parsed Network Access Scope.
#[derive(Debug, Clone, Serialize)]
pub struct Scope {
    pub file: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub match_paths: Vec<AccessScopePath>,
    pub exclude_paths: Vec<AccessScopePath>,
}

impl Scope {
    pub fn parse(path: &Path, text: &str) -> Result<Scope, ScopeError> {
        let invalid = |e: serde_json::Error| ScopeError::Invalid {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        };
        let (id, match_paths, exclude_paths) = if text.trim_start().starts_with('[') {
            (None, serde_json::from_str::<Vec<AccessScopePath>>(text).map_err(invalid)?, Vec::new())
        } else {
            let t: TopLevel = serde_json::from_str(text).map_err(invalid)?;
            let _ = (t.network_insights_access_scope, t.client_token, t.dry_run, t.tag_specifications);
            match t.network_insights_access_scope_content {
                Some(c) => (c.network_insights_access_scope_id, c.match_paths, c.exclude_paths),
                None => (None, t.match_paths, t.exclude_paths),
            }
        };
        if match_paths.is_empty() {
            return Err(ScopeError::Empty {
                path: path.to_path_buf(),
                message: "MatchPaths: a Network Access Scope needs at least one match condition".into(),
            });
        }
        for (list, paths) in [("MatchPaths", &match_paths), ("ExcludePaths", &exclude_paths)] {
            for (i, p) in paths.iter().enumerate() {
                if p.source.is_none() && p.destination.is_none() && p.through_resources.is_empty() {
                    return Err(ScopeError::Empty {
                        path: path.to_path_buf(),
                        message: format!("{list}[{i}]: expected a Source, a Destination or ThroughResources"),
                    });
                }
            }
        }
        Ok(Scope { file: path.to_path_buf(), id, match_paths, exclude_paths })
    }

    pub fn load(path: &Path) -> Result<Scope, ScopeError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScopeError::Read { path: path.to_path_buf(), source })?;
        Scope::parse(path, &text)
    }
}

// ------------------------------------------------------------------------- evaluation

/// Where a path starts.
#[derive(Clone)]
enum Start<'t> {
    Interface(&'t m::NetworkInterface),
    /// The internet, entering through any internet gateway or only these.
    Internet(Option<Vec<String>>),
    Network(&'t m::ExternalNetwork),
}

impl Start<'_> {
    fn label(&self) -> String {
        match self {
            Start::Interface(e) => owner_id(e),
            Start::Internet(Some(g)) => format!("internet via {}", g.join(",")),
            Start::Internet(None) => "internet".into(),
            Start::Network(n) => format!("network:{}", n.name),
        }
    }
}

fn owner_id(e: &m::NetworkInterface) -> String {
    match &e.owner {
        m::EniOwner::Instance(i) => i.clone(),
        m::EniOwner::VpcEndpoint(v) if !v.is_empty() => v.clone(),
        _ => e.id.clone(),
    }
}

/// The outcome of one scope.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeResult {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `pass` (no finding), `fail` or `unknown` (something it names is not in the twin).
    pub status: &'static str,
    pub findings: usize,
    pub unknowns: Vec<String>,
}

struct Eval<'e, 't> {
    engine: &'e Engine<'t>,
    unknowns: Vec<String>,
}

fn interfaces_of<'t>(twin: &'t m::Twin, id: &str) -> Option<Vec<&'t m::NetworkInterface>> {
    let live = |e: &&'t m::NetworkInterface| eni_is_live(twin, e);
    let all = || twin.network_interfaces.values().filter(live);
    if id.starts_with("sg-") {
        return twin.security_groups.contains_key(id).then(|| all().filter(|e| e.security_groups.iter().any(|g| g == id)).collect());
    }
    if id.starts_with("vpce-") {
        return twin
            .vpc_endpoints
            .contains_key(id)
            .then(|| all().filter(|e| matches!(&e.owner, m::EniOwner::VpcEndpoint(v) if v == id)).collect());
    }
    Spec::parse(id, twin).ok().filter(|s| !matches!(s, Spec::Internet | Spec::Network(_) | Spec::Cidr(_))).map(|s| s.interfaces(twin))
}

impl<'e, 't> Eval<'e, 't> {
    fn twin(&self) -> &'t m::Twin {
        self.engine.ix.twin
    }

    /// The starts a source statement names; every supported start when it names none.
    fn starts(&mut self, stmt: Option<&ResourceStatement>, place: &str) -> Vec<Start<'t>> {
        let twin = self.twin();
        let live = || twin.network_interfaces.values().filter(|e| eni_is_live(twin, e));
        let networks_via =
            |pred: &dyn Fn(&m::ExternalNetwork) -> bool| twin.networks.values().filter(|n| pred(n)).map(Start::Network).collect::<Vec<_>>();
        let Some(stmt) = stmt else {
            let mut all: Vec<Start> = live().map(Start::Interface).collect();
            all.push(Start::Internet(None));
            all.extend(twin.networks.values().map(Start::Network));
            return all;
        };
        let mut out = Vec::new();
        for t in &stmt.resource_types {
            match t.as_str() {
                "AWS::EC2::InternetGateway" => out.push(Start::Internet(None)),
                "AWS::EC2::NetworkInterface" => out.extend(live().map(Start::Interface)),
                "AWS::EC2::Instance" => out.extend(live().filter(|e| matches!(e.owner, m::EniOwner::Instance(_))).map(Start::Interface)),
                "AWS::EC2::VPCEndpoint" => {
                    out.extend(live().filter(|e| matches!(e.owner, m::EniOwner::VpcEndpoint(_))).map(Start::Interface))
                }
                "AWS::EC2::TransitGatewayAttachment" | "AWS::EC2::VPNGateway" => out.extend(networks_via(&|_| true)),
                other => self.unknowns.push(format!("{place}: {other} as a source is not modelled")),
            }
        }
        for (i, id) in stmt.resources.iter().enumerate() {
            if id.starts_with("igw-") {
                if twin.internet_gateways.contains_key(id) {
                    out.push(Start::Internet(Some(vec![id.clone()])));
                } else {
                    self.unknowns.push(format!("{place}.Resources[{i}]: {id} is not in the snapshot"));
                }
                continue;
            }
            if id.starts_with("tgw-attach-") || id.starts_with("vgw-") || id.starts_with("vpn-") || id.starts_with("dxgw-") {
                let via = networks_via(&|n: &m::ExternalNetwork| n.via.iter().any(|v| v == id) || attachment_for(twin, id, n));
                if via.is_empty() {
                    self.unknowns.push(format!("{place}.Resources[{i}]: no network named in koban.yaml enters through {id}"));
                }
                out.extend(via);
                continue;
            }
            match interfaces_of(twin, id) {
                Some(enis) => out.extend(enis.into_iter().map(Start::Interface)),
                None => self.unknowns.push(format!("{place}.Resources[{i}]: {id} is not in the snapshot (or not a supported source)")),
            }
        }
        out
    }

    /// The packets a path statement's header admits, as (source side, destination side) sets.
    fn header(&mut self, h: Option<&PacketHeaderStatement>, place: &str) -> PacketSet {
        let mut base = PacketSet::empty();
        let protos: Vec<u8> = match h.map(|h| h.protocols.iter().map(|p| p.0).collect::<Vec<_>>()) {
            Some(p) if !p.is_empty() => p,
            _ => vec![PROTO_TCP, PROTO_UDP],
        };
        for p in protos {
            base.union(&PacketSet::from_cube(Cube::ALL.with(PROTO, p as u32, p as u32)));
        }
        let Some(h) = h else { return base };
        let restrict = |set: PacketSet, dim: usize, ivs: Vec<(u32, u32)>| -> PacketSet {
            if ivs.is_empty() {
                return set;
            }
            let cubes: Vec<Cube> = ivs.into_iter().map(|(lo, hi)| Cube::ALL.with(dim, lo, hi)).collect();
            set.intersect_cubes(&cubes)
        };
        let mut src: Vec<(u32, u32)> = h.source_addresses.iter().map(|c| net_range(&c.0)).collect();
        let mut dst: Vec<(u32, u32)> = h.destination_addresses.iter().map(|c| net_range(&c.0)).collect();
        for (list, out, what) in
            [(&h.source_prefix_lists, &mut src, "SourcePrefixLists"), (&h.destination_prefix_lists, &mut dst, "DestinationPrefixLists")]
        {
            for pl in list {
                let id = pl.rsplit('/').next().unwrap_or(pl);
                match self.engine.ix.prefix_list(id) {
                    Some(cidrs) => out.extend(cidrs.iter().map(net_range)),
                    None => {
                        self.unknowns.push(format!("{place}.{what}: prefix list {pl} is not in the snapshot"));
                        // An unknown list matches nothing rather than everything.
                        out.push((1, 0));
                    }
                }
            }
        }
        let valid = |v: Vec<(u32, u32)>| v.into_iter().filter(|(a, b)| a <= b).collect::<Vec<_>>();
        let had_src = !src.is_empty();
        let had_dst = !dst.is_empty();
        let mut set = restrict(base, SRC, valid(src));
        set = restrict(set, DST, valid(dst));
        if (had_src && set.is_empty()) || (had_dst && set.is_empty()) {
            return PacketSet::empty();
        }
        set = restrict(set, SPORT, h.source_ports.iter().map(|p| (p.0 as u32, p.1 as u32)).collect());
        restrict(set, DPORT, h.destination_ports.iter().map(|p| (p.0 as u32, p.1 as u32)).collect())
    }
}

/// True when `att` (a transit gateway attachment or VGW id) carries traffic of network `n`.
fn attachment_for(twin: &m::Twin, id: &str, n: &m::ExternalNetwork) -> bool {
    twin.transit_gateway_attachments.get(id).and_then(|a| a.resource_id.as_deref()).is_some_and(|r| n.via.iter().any(|v| v == r))
        || twin.vpn_connections.values().any(|v| v.vpn_gateway.as_deref() == Some(id) && n.via.contains(&v.id))
}

/// Does a hop stand for a resource (by id, ARN or type) of a statement?
fn hop_matches(twin: &m::Twin, h: &Hop, stmt: &ResourceStatement) -> bool {
    let endpoint = || twin.vpc_endpoints.get(&h.resource);
    let ids = stmt.resources.iter().any(|r| {
        let service_hit = endpoint().is_some_and(|ep| {
            ep.service_name == *r
                || ep.service_name.ends_with(r.as_str())
                || twin
                    .vpc_endpoint_services
                    .get(&ep.service_name)
                    .is_some_and(|s| s.gateway_load_balancer_arns.contains(r) || s.service_id.as_deref() == Some(r))
        });
        h.resource == *r || h.interface.as_deref() == Some(r) || h.evidence.iter().any(|e| e.resource == *r) || service_hit
    });
    let types = stmt.resource_types.iter().any(|t| match t.as_str() {
        "AWS::EC2::InternetGateway" => h.hop_type == HopType::InternetGateway,
        "AWS::EC2::NatGateway" => h.hop_type == HopType::NatGateway,
        "AWS::EC2::TransitGatewayAttachment" => h.hop_type == HopType::TransitGatewayAttachment,
        "AWS::EC2::VPCEndpoint" => {
            matches!(h.hop_type, HopType::GatewayLoadBalancerEndpoint | HopType::GatewayEndpoint | HopType::InterfaceEndpoint)
        }
        "AWS::EC2::VPCEndpointService" => h.hop_type == HopType::GatewayLoadBalancerEndpoint,
        "AWS::EC2::VPCPeeringConnection" => h.hop_type == HopType::VpcPeeringConnection || h.evidence.iter().any(|e| e.kind == "peering"),
        "AWS::EC2::VPNGateway" => h.hop_type == HopType::VpnGateway,
        "AWS::EC2::Instance" => h.hop_type == HopType::Instance,
        "AWS::EC2::NetworkInterface" => h.interface.is_some(),
        "AWS::ElasticLoadBalancing::LoadBalancer" | "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
            h.hop_type == HopType::InspectionAppliance
        }
        "AWS::NetworkFirewall::NetworkFirewall" | "AWS::NetworkFirewall::Firewall" => {
            h.hop_type == HopType::GatewayLoadBalancerEndpoint
                && endpoint().is_some_and(|ep| ep.service_name.starts_with("network-firewall:"))
        }
        _ => false,
    });
    ids || types
}

/// Does a leaf end at a resource of the destination statement?
fn ends_at(twin: &m::Twin, leaf: &Leaf, stmt: &ResourceStatement) -> bool {
    match &leaf.outcome {
        Outcome::Delivered { interface, .. } => {
            let Some(e) = twin.network_interfaces.get(interface) else { return false };
            let by_id = stmt.resources.iter().any(|r| interfaces_of(twin, r).is_some_and(|v| v.iter().any(|x| x.id == e.id)));
            let by_type = stmt.resource_types.iter().any(|t| match t.as_str() {
                "AWS::EC2::NetworkInterface" => true,
                "AWS::EC2::Instance" => matches!(e.owner, m::EniOwner::Instance(_)),
                "AWS::EC2::VPCEndpoint" => matches!(e.owner, m::EniOwner::VpcEndpoint(_)),
                _ => false,
            });
            by_id || by_type
        }
        Outcome::Exited { to } => {
            let last_gateway = leaf.path.hops.iter().rev().find(|h| {
                matches!(
                    h.hop_type,
                    HopType::InternetGateway
                        | HopType::TransitGatewayAttachment
                        | HopType::VpnGateway
                        | HopType::GatewayEndpoint
                        | HopType::VpcPeeringConnection
                ) || (h.hop_type == HopType::Vpc && h.evidence.iter().any(|e| e.kind == "peering"))
            });
            let internet = to == "internet";
            last_gateway.is_some_and(|h| hop_matches(twin, h, stmt)) && (internet || h_is_not_igw(last_gateway))
        }
        Outcome::Blocked { .. } => false,
    }
}

fn h_is_not_igw(h: Option<&Hop>) -> bool {
    h.is_some_and(|h| h.hop_type != HopType::InternetGateway)
}

/// The first internet gateway a path from the internet enters through.
fn entry_gateway(leaf: &Leaf) -> Option<&str> {
    leaf.path.hops.iter().find(|h| h.hop_type == HopType::InternetGateway).map(|h| h.resource.as_str())
}

fn starts_at(start: &Start, stmt: Option<&ResourceStatement>, leaf: &Leaf, twin: &m::Twin) -> bool {
    // Internet traffic that never enters an internet gateway (addressed to the internet
    // itself) is not a path of the twin.
    if matches!(start, Start::Internet(_)) && entry_gateway(leaf).is_none() {
        return false;
    }
    let Some(stmt) = stmt else { return true };
    match start {
        Start::Interface(e) => {
            stmt.resources.iter().any(|r| interfaces_of(twin, r).is_some_and(|v| v.iter().any(|x| x.id == e.id)))
                || stmt.resource_types.iter().any(|t| match t.as_str() {
                    "AWS::EC2::NetworkInterface" => true,
                    "AWS::EC2::Instance" => matches!(e.owner, m::EniOwner::Instance(_)),
                    "AWS::EC2::VPCEndpoint" => matches!(e.owner, m::EniOwner::VpcEndpoint(_)),
                    _ => false,
                })
        }
        Start::Internet(_) => {
            stmt.resource_types.iter().any(|t| t == "AWS::EC2::InternetGateway")
                || entry_gateway(leaf).is_some_and(|g| stmt.resources.iter().any(|r| r == g))
        }
        Start::Network(n) => {
            stmt.resource_types.iter().any(|t| matches!(t.as_str(), "AWS::EC2::TransitGatewayAttachment" | "AWS::EC2::VPNGateway"))
                || stmt.resources.iter().any(|r| n.via.iter().any(|v| v == r) || attachment_for(twin, r, n))
        }
    }
}

struct Hit {
    start: String,
    end: String,
    hops: Vec<Hop>,
    set: PacketSet,
}

impl Eval<'_, '_> {
    /// The part of a leaf an exclusion removes.
    fn excluded(&mut self, x: &AccessScopePath, start: &Start, leaf: &Leaf, place: &str) -> PacketSet {
        let twin = self.twin();
        let src_stmt = x.source.as_ref().and_then(|s| s.resource_statement.as_ref());
        let dst_stmt = x.destination.as_ref().and_then(|s| s.resource_statement.as_ref());
        if !starts_at(start, src_stmt, leaf, twin) || !dst_stmt.is_none_or(|d| ends_at(twin, leaf, d)) {
            return PacketSet::empty();
        }
        if !x.through_resources.iter().all(|t| leaf.path.hops.iter().any(|h| hop_matches(twin, h, &t.resource_statement))) {
            return PacketSet::empty();
        }
        let src_h = self.header(x.source.as_ref().and_then(|s| s.packet_header_statement.as_ref()), &format!("{place}.Source"));
        let dst_h = self.header(x.destination.as_ref().and_then(|s| s.packet_header_statement.as_ref()), &format!("{place}.Destination"));
        // The source header describes packets as they leave their source: after a NAT
        // gateway the original source addresses are those the translation records.
        let translated = !leaf.path.translations.is_empty();
        let mut part = leaf.set.intersect(&dst_h);
        if translated {
            let originals: Vec<(u32, u32)> = leaf.path.translations.iter().flat_map(|t| t.original.iter().copied()).collect();
            let all_in = originals.iter().all(|&(lo, hi)| !src_h.restrict(SRC, lo, hi).is_empty());
            let keep = src_h.project(SRC) == vec![(0, u32::MAX)] || all_in;
            let no_src = src_h.clone();
            let mut any_src = PacketSet::empty();
            for c in no_src.cubes() {
                any_src.union(&PacketSet::from_cube(c.with(SRC, 0, u32::MAX)));
            }
            part = if keep { part.intersect(&any_src) } else { PacketSet::empty() };
        } else {
            part = part.intersect(&src_h);
        }
        part
    }

    fn run_match(&mut self, scope: &Scope, i: usize) -> Vec<Hit> {
        let twin = self.twin();
        let mp = &scope.match_paths[i];
        let place = format!("MatchPaths[{i}]");
        let src_stmt = mp.source.as_ref().and_then(|s| s.resource_statement.as_ref());
        let dst_stmt = mp.destination.as_ref().and_then(|s| s.resource_statement.as_ref());
        let starts = self.starts(src_stmt, &format!("{place}.Source.ResourceStatement"));
        let src_h = self.header(mp.source.as_ref().and_then(|s| s.packet_header_statement.as_ref()), &format!("{place}.Source"));
        let dst_h = self.header(mp.destination.as_ref().and_then(|s| s.packet_header_statement.as_ref()), &format!("{place}.Destination"));
        if let Some(d) = dst_stmt {
            for (k, r) in d.resources.iter().enumerate() {
                let known = interfaces_of(twin, r).is_some() || twin.kind_of(r).is_some() || r.starts_with("arn:");
                if !known {
                    self.unknowns.push(format!("{place}.Destination.ResourceStatement.Resources[{k}]: {r} is not in the snapshot"));
                }
            }
        }
        let engine = self.engine;
        let walked: Vec<(Start, Collect)> = starts
            .par_iter()
            .map(|s| {
                let mut sink = Collect::default();
                {
                    let mut w = engine.walk(&mut sink, None);
                    match s {
                        Start::Interface(e) => {
                            let mut set = PacketSet::empty();
                            for ip in &e.private_ips {
                                let v = u32::from(*ip);
                                set.union(&src_h.restrict(SRC, v, v));
                            }
                            w.from_interface(e, &set)
                        }
                        Start::Internet(_) => {
                            w.from_internet(&src_h.intersect(&Spec::Internet.source_space_with(twin, &engine.ix.own_public_ips)))
                        }
                        Start::Network(n) => w.from_network(n, &src_h.intersect(&Spec::Network(n.name.clone()).source_space(twin))),
                    }
                }
                (s.clone(), sink)
            })
            .collect();
        let mut hits = Vec::new();
        for (start, sink) in walked {
            for leaf in &sink.leaves {
                self.unknowns.extend(leaf.path.unknowns.iter().cloned());
                if matches!(leaf.outcome, Outcome::Blocked { .. }) {
                    continue;
                }
                if !starts_at(&start, src_stmt, leaf, twin) || !dst_stmt.is_none_or(|d| ends_at(twin, leaf, d)) {
                    continue;
                }
                if !mp.through_resources.iter().all(|t| leaf.path.hops.iter().any(|h| hop_matches(twin, h, &t.resource_statement))) {
                    continue;
                }
                let mut set = leaf.set.intersect(&dst_h);
                for (k, x) in scope.exclude_paths.iter().enumerate() {
                    if set.is_empty() {
                        break;
                    }
                    let gone = self.excluded(x, &start, leaf, &format!("ExcludePaths[{k}]"));
                    if !gone.is_empty() {
                        set = set.subtract(&gone);
                    }
                }
                if set.is_empty() {
                    continue;
                }
                let end = match &leaf.outcome {
                    Outcome::Delivered { owner, .. } => owner.clone(),
                    Outcome::Exited { to } => to.clone(),
                    Outcome::Blocked { at, .. } => at.clone(),
                };
                hits.push(Hit { start: start.label(), end, hops: leaf.path.hops.clone(), set });
            }
        }
        hits
    }
}

/// The destination ports of a packet set, per protocol: `{"tcp": ["22", "443"]}`.
fn ports(set: &PacketSet) -> BTreeMap<&'static str, Vec<String>> {
    let mut out = BTreeMap::new();
    for (name, p) in [("tcp", PROTO_TCP), ("udp", PROTO_UDP)] {
        let part = set.restrict(PROTO, p as u32, p as u32);
        if part.is_empty() {
            continue;
        }
        let ranges = part.project(DPORT).into_iter().map(|(lo, hi)| if lo == hi { lo.to_string() } else { format!("{lo}-{hi}") }).collect();
        out.insert(name, ranges);
    }
    out
}

/// Answer every scope: one finding per (scope, match condition, source, destination), with
/// a witness path and the packets that take it.
pub fn evaluate(engine: &Engine, scopes: &[Scope]) -> (Vec<ScopeResult>, Vec<Finding>) {
    let mut results = Vec::new();
    let mut findings = Vec::new();
    for scope in scopes {
        let mut ev = Eval { engine, unknowns: Vec::new() };
        let file = scope.file.display().to_string();
        let mut grouped: BTreeMap<(usize, String, String), (Vec<Hop>, PacketSet)> = BTreeMap::new();
        for i in 0..scope.match_paths.len() {
            for h in ev.run_match(scope, i) {
                match grouped.get_mut(&(i, h.start.clone(), h.end.clone())) {
                    Some((_, set)) => set.union(&h.set),
                    None => {
                        grouped.insert((i, h.start, h.end), (h.hops, h.set));
                    }
                }
            }
        }
        let d = def(SCOPE_PATH);
        let mut count = 0;
        for ((i, start, end), (hops, set)) in grouped {
            count += 1;
            let inside = if end == "internet" || end.starts_with("network:") { &start } else { &end };
            let path: Vec<&str> = hops.iter().map(|h| h.resource.as_str()).collect();
            let scope_name = scope.id.clone().unwrap_or_else(|| file.clone());
            findings.push(Finding::new(
                d.finding_type,
                d.id,
                Severity::new(d.severity),
                inside,
                &[&file, &i.to_string(), &start, &end],
                format!("{scope_name}: {start} -> {end} matches MatchPaths[{i}]"),
                format!(
                    "A path from {start} to {end} matches MatchPaths[{i}] of {scope_name} and no ExcludePaths entry: {} ({set}).",
                    path.join(" -> ")
                ),
                json!({ "scope": file, "match_path": i, "source": start, "destination": end, "witness": hops, "packets": set.to_string(), "ports": ports(&set) }),
                d.remediation,
            ));
        }
        ev.unknowns.sort();
        ev.unknowns.dedup();
        let status = if count > 0 {
            "fail"
        } else if ev.unknowns.iter().any(|u| u.contains("Paths[")) {
            "unknown"
        } else {
            "pass"
        };
        results.push(ScopeResult { file, id: scope.id.clone(), status, findings: count, unknowns: ev.unknowns });
    }
    (results, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Scope, String> {
        Scope::parse(Path::new("s.json"), t).map_err(|e| e.to_string())
    }

    #[test]
    fn accepts_the_shapes_aws_takes_and_prints() {
        let doc = r#"{"MatchPaths":[{"Source":{"ResourceStatement":{"ResourceTypes":["AWS::EC2::InternetGateway"]}}}],
                     "ExcludePaths":[{"Source":{"PacketHeaderStatement":{"SourceAddresses":["55.3.0.0/16"]}}}]}"#;
        let s = parse(doc).unwrap();
        assert_eq!((s.match_paths.len(), s.exclude_paths.len()), (1, 1));
        let s =
            parse(r#"[{"Destination":{"PacketHeaderStatement":{"DestinationPorts":["22","1024-65535"],"Protocols":["tcp"]}}}]"#).unwrap();
        assert_eq!(s.match_paths.len(), 1);
        let s = parse(r#"{"NetworkInsightsAccessScopeContent":{"NetworkInsightsAccessScopeId":"nis-1","MatchPaths":[{"Source":{"ResourceStatement":{"Resources":["vpc-1"]}}}],"ExcludePaths":[]}}"#).unwrap();
        assert_eq!(s.id.as_deref(), Some("nis-1"));
    }

    #[test]
    fn bad_scopes_name_line_and_field() {
        let e = parse("{\n  \"MatchPaths\": [\n    {\"Source\": {\"ResourceStatement\": {\"Resources\": [\"vpc-1\"], \"ResourceTypes\": [\"AWS::EC2::InternetGateway\"]}}}\n  ]\n}").unwrap_err();
        assert!(e.starts_with("s.json:3:") && e.contains("not both"), "{e}");
        let e =
            parse("{\"MatchPaths\": [{\"Destination\": {\"PacketHeaderStatement\": {\"DestinationPorts\": [\"80-22\"]}}}]}").unwrap_err();
        assert!(e.starts_with("s.json:1:") && e.contains("port range"), "{e}");
        let e = parse("{\"MatchPaths\": [{\"Sourc\": {}}]}").unwrap_err();
        assert!(e.contains("unknown field `Sourc`"), "{e}");
        let e = parse("{\"MatchPaths\": [{\"Source\": {\"ResourceStatement\": {\"ResourceTypes\": [\"AWS::EC2::Nope\"]}}}]}").unwrap_err();
        assert!(e.contains("unknown resource type"), "{e}");
        let e = parse("{\"ExcludePaths\": []}").unwrap_err();
        assert!(e.contains("at least one match condition"), "{e}");
        let e = parse("{\"MatchPaths\": [{\"Source\": {\"PacketHeaderStatement\": {\"Protocols\": [\"icmp\"]}}}]").unwrap_err();
        assert!(e.contains("tcp or udp") || e.contains("EOF"), "{e}");
    }
}
