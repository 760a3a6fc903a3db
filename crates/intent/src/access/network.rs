//! The network side of a request: the path an SDK call from an instance, interface or subnet
//! takes to the AWS service, and the context keys that path gives the request. An interface
//! endpoint with private DNS for the service in the source's VPC takes every call (the
//! service's name resolves to the endpoint's addresses): `aws:SourceVpce`, `aws:SourceVpc`,
//! `aws:VpcSourceIp`, and the endpoint's policy takes part. A gateway endpoint (S3,
//! DynamoDB) takes what the route table sends to the service's prefix list. Otherwise the
//! call goes to the service's public endpoint through NAT or an internet gateway:
//! `aws:SourceIp` is the translated public address, and no VPC key is present. When no path
//! exists the service is unreachable from there, with the hops that stop it.

use super::settle::Knowledge;
use koban_model as m;
use koban_net::reach::{reach, traffic, BlockedAnswer, Protocol};
use koban_net::space::{fmt_addr_range, net_range, SRC};
use koban_net::spec::Spec;
use koban_net::trace::{Collect, Hop, HopType, Outcome};
use koban_net::Engine;
use koban_policy::ContextValue;
use serde::Serialize;
use std::net::Ipv4Addr;

/// HTTPS: every AWS API call.
const HTTPS: u16 = 443;

/// How the request reaches the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    InterfaceEndpoint,
    GatewayEndpoint,
    Internet,
    Unreachable,
}

/// The path from the source to the service and what it puts in the request context.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkContext {
    /// The source as given (`i-…`, `eni-…`, `subnet-…`).
    pub from: String,
    /// The service's regional endpoint name (`com.amazonaws.eu-west-1.secretsmanager`).
    pub service: String,
    pub via: Via,
    /// The VPC endpoint the request goes through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The source's VPC (`aws:SourceVpc` on endpoint paths).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc: Option<String>,
    /// The private source address (`aws:VpcSourceIp` on endpoint paths).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<Ipv4Addr>,
    /// The public source addresses after translation (`aws:SourceIp` on internet paths).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub public_ips: Vec<String>,
    /// The path, hop by hop.
    pub hops: Vec<Hop>,
    /// Where the request stops, when the service is unreachable (or on other paths).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<BlockedAnswer>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknowns: Vec<String>,
}

impl NetworkContext {
    /// The context keys the path gives the request, and which network keys it settles as
    /// absent.
    pub fn keys(&self, keys: &mut Vec<(String, ContextValue)>, know: &mut Knowledge) {
        let single = |k: &str, v: String| (k.to_string(), ContextValue::Single(v));
        // The call goes to the regional endpoint the path leads to: its region is the
        // requested region (unless the resource already named one).
        if let Some(region) = self.region().filter(|_| !keys.iter().any(|(k, _)| k.eq_ignore_ascii_case("aws:RequestedRegion"))) {
            keys.push(single("aws:RequestedRegion", region.to_string()));
        }
        match self.via {
            Via::InterfaceEndpoint | Via::GatewayEndpoint => {
                if let Some(e) = &self.endpoint {
                    keys.push(single("aws:SourceVpce", e.clone()));
                }
                if let Some(v) = &self.vpc {
                    keys.push(single("aws:SourceVpc", v.clone()));
                }
                if let Some(ip) = self.private_ip {
                    keys.push(single("aws:VpcSourceIp", ip.to_string()));
                }
                know.absent(&["aws:sourceip"]);
            }
            Via::Internet => {
                if let Some(ip) = self.public_ips.first().filter(|ip| ip.parse::<Ipv4Addr>().is_ok()) {
                    keys.push(single("aws:SourceIp", ip.clone()));
                }
                know.absent(&["aws:sourcevpce", "aws:sourcevpc", "aws:vpcsourceip"]);
            }
            Via::Unreachable => {}
        }
    }

    /// The region of the service endpoint (`com.amazonaws.<region>.<service>`).
    pub fn region(&self) -> Option<&str> {
        self.service.strip_prefix("com.amazonaws.")?.split('.').next().filter(|r| !r.is_empty())
    }

    /// The same path seen from another source: only the private address differs.
    pub fn group_key(&self, with_private_ip: bool) -> String {
        let ip = if with_private_ip { self.private_ip.map(|i| i.to_string()).unwrap_or_default() } else { String::new() };
        format!(
            "{:?}|{}|{}|{}|{ip}",
            self.via,
            self.endpoint.as_deref().unwrap_or(""),
            self.vpc.as_deref().unwrap_or(""),
            self.public_ips.join(",")
        )
    }
}

/// The source's VPC, region, subnet and primary private address.
fn source_facts(twin: &m::Twin, from: &Spec) -> (Option<String>, Option<String>, Option<String>, Option<Ipv4Addr>) {
    let eni = from.interfaces(twin).into_iter().next();
    let subnet = match from {
        Spec::Subnet(s) => Some(s.clone()),
        _ => eni.map(|e| e.subnet.clone()),
    };
    let sub = subnet.as_deref().and_then(|s| twin.subnets.get(s));
    let vpc = sub.map(|s| s.vpc.clone()).or_else(|| eni.map(|e| e.vpc.clone()));
    let region = sub.and_then(|s| s.placement.region.clone()).or_else(|| eni.and_then(|e| e.placement.region.clone()));
    let ip = match from {
        Spec::Subnet(_) => None,
        _ => eni.and_then(|e| e.private_ips.first().copied()),
    };
    (vpc, region, subnet, ip)
}

/// The service's regional endpoint name, `com.amazonaws.<region>.<service>`.
fn service_name(region: &str, service: &str) -> String {
    format!("com.amazonaws.{region}.{}", service.to_ascii_lowercase())
}

/// Whether an API call of `service` from `from` reaches the service at all — the question
/// [`derive`] answers with `via != Unreachable`, answered faster when the source's VPC has no
/// endpoint for the service (the call then takes the internet path, and one round trip to a
/// sample internet address settles it).
pub fn reaches_service(engine: &Engine, from: &Spec, from_text: &str, service: &str) -> bool {
    let (vpc, region, _, _) = source_facts(engine.ix.twin, from);
    let Some(vpc) = vpc else { return false };
    if engine.ix.vpc_endpoints_for(&vpc, &service_name(&region.unwrap_or_default(), service)).is_empty() {
        return koban_net::reach::reaches(engine, from, &Spec::Internet, Protocol::Tcp, Some(HTTPS));
    }
    derive(engine, from, from_text, service, None).via != Via::Unreachable
}

/// Derive the path of an API call of `service` (an action prefix such as `secretsmanager`)
/// from `from` (an instance, interface or subnet) to the service's endpoint in `region`
/// (the resource's region; the source's when `None`).
pub fn derive(engine: &Engine, from: &Spec, from_text: &str, service: &str, region: Option<&str>) -> NetworkContext {
    let twin = engine.ix.twin;
    let (vpc, source_region, subnet, private_ip) = source_facts(twin, from);
    let region = region.map(str::to_string).or(source_region).unwrap_or_default();
    let service_name = service_name(&region, service);
    let mut ctx = NetworkContext {
        from: from_text.to_string(),
        service: service_name.clone(),
        via: Via::Unreachable,
        endpoint: None,
        vpc: vpc.clone(),
        private_ip,
        public_ips: Vec::new(),
        hops: Vec::new(),
        blocked: Vec::new(),
        unknowns: Vec::new(),
    };
    let Some(vpc) = vpc else {
        ctx.unknowns.push(format!("{from_text}: its VPC is not in the twin"));
        return ctx;
    };
    let endpoints = engine.ix.vpc_endpoints_for(&vpc, &service_name);
    if let Some(ep) = endpoints.iter().find(|e| e.endpoint_type == m::VpcEndpointType::Interface && e.private_dns_enabled) {
        interface_endpoint(engine, from, from_text, ep, &mut ctx);
        return ctx;
    }
    for ep in endpoints.iter().filter(|e| e.endpoint_type == m::VpcEndpointType::Interface) {
        ctx.unknowns.push(format!(
            "{}: an interface endpoint for {service_name} without private DNS; only calls addressed to its own DNS names use it",
            ep.id
        ));
    }
    let gateways: Vec<&m::VpcEndpoint> = endpoints.iter().copied().filter(|e| e.endpoint_type == m::VpcEndpointType::Gateway).collect();
    if !gateways.is_empty() && gateway_endpoint(engine, from, from_text, subnet.as_deref(), &gateways, &mut ctx) {
        return ctx;
    }
    internet(engine, from, from_text, &mut ctx);
    ctx
}

fn interface_endpoint(engine: &Engine, from: &Spec, from_text: &str, ep: &m::VpcEndpoint, ctx: &mut NetworkContext) {
    let mut blocked = Vec::new();
    for eni in &ep.network_interfaces {
        let to = Spec::Interface(eni.clone());
        let a = reach(engine, from, &to, Protocol::Tcp, Some(HTTPS), from_text, eni);
        ctx.unknowns.extend(a.unknowns.iter().filter(|u| !ctx.unknowns.contains(u)).cloned().collect::<Vec<_>>());
        if let Some(p) = a.paths.first() {
            ctx.via = Via::InterfaceEndpoint;
            ctx.endpoint = Some(ep.id.clone());
            ctx.hops = p.hops.clone();
            return;
        }
        blocked.extend(a.blocked);
    }
    if ep.network_interfaces.is_empty() {
        ctx.unknowns.push(format!("{}: the endpoint's network interfaces are not in the twin", ep.id));
    }
    ctx.blocked = blocked;
    ctx.unknowns.push(format!(
        "{}: private DNS sends every call to {} to {}, which {from_text} cannot reach on tcp/443",
        ep.id, ctx.service, ep.id
    ));
}

/// A gateway endpoint on the path: the route table sends the service's prefix list to it.
fn gateway_endpoint(
    engine: &Engine,
    from: &Spec,
    from_text: &str,
    subnet: Option<&str>,
    gateways: &[&m::VpcEndpoint],
    ctx: &mut NetworkContext,
) -> bool {
    let twin = engine.ix.twin;
    let prefix =
        twin.prefix_lists.values().find(|p| p.name.as_deref() == Some(ctx.service.as_str())).and_then(|p| p.cidrs.first().copied());
    match prefix {
        Some(cidr) => {
            let a = reach(engine, from, &Spec::Cidr(cidr), Protocol::Tcp, Some(HTTPS), from_text, &cidr.to_string());
            let via_endpoint = a
                .paths
                .iter()
                .find_map(|p| p.hops.iter().rev().find(|h| h.hop_type == HopType::GatewayEndpoint).map(|h| (h.resource.clone(), p)));
            match via_endpoint {
                Some((ep, p)) => {
                    ctx.via = Via::GatewayEndpoint;
                    ctx.endpoint = Some(ep);
                    ctx.hops = p.hops.clone();
                    true
                }
                None => false,
            }
        }
        None => {
            let rt = subnet.and_then(|s| twin.route_table_of_subnet(s));
            let associated = gateways.iter().find(|g| rt.is_some_and(|rt| g.route_tables.contains(&rt.id)));
            ctx.unknowns.push(format!(
                "the prefix list of {} is not in the snapshot (add describe-prefix-lists output): the gateway endpoint is taken from the route table associations",
                ctx.service
            ));
            match associated {
                Some(g) => {
                    ctx.via = Via::GatewayEndpoint;
                    ctx.endpoint = Some(g.id.clone());
                    true
                }
                None => false,
            }
        }
    }
}

/// The public endpoint of the service, over NAT or an internet gateway.
fn internet(engine: &Engine, from: &Spec, from_text: &str, ctx: &mut NetworkContext) {
    let twin = engine.ix.twin;
    let a = reach(engine, from, &Spec::Internet, Protocol::Tcp, Some(HTTPS), from_text, "internet");
    ctx.unknowns.extend(a.unknowns.iter().filter(|u| !ctx.unknowns.contains(u)).cloned().collect::<Vec<_>>());
    let Some(path) = a.paths.first() else {
        ctx.blocked = a.blocked;
        return;
    };
    ctx.via = Via::Internet;
    ctx.hops = path.hops.clone();
    // The source address the service sees: the packets' source after the last translation,
    // read from the leaves that leave to the internet.
    let base = traffic(Protocol::Tcp, Some(HTTPS)).intersect(&Spec::Internet.destination_with(twin, &engine.ix.own_public_ips, false));
    let mut sink = Collect::default();
    {
        let mut walk = engine.walk(&mut sink, None);
        match from {
            Spec::Subnet(s) => {
                if let Some(sub) = twin.subnets.get(s) {
                    if let Some(c) = sub.cidr {
                        let (lo, hi) = net_range(&c);
                        walk.from_subnet_host(sub, &base.restrict(SRC, lo, hi));
                    }
                }
            }
            _ => {
                for eni in from.interfaces(twin) {
                    for ip in &eni.private_ips {
                        let v = u32::from(*ip);
                        walk.from_interface(eni, &base.restrict(SRC, v, v));
                    }
                }
            }
        }
    }
    let mut ips: Vec<(u32, u32)> = Vec::new();
    for leaf in &sink.leaves {
        if matches!(&leaf.outcome, Outcome::Exited { to } if to == "internet") {
            ips.extend(leaf.set.project(SRC));
        }
    }
    koban_net::space::merge_intervals(&mut ips);
    ctx.public_ips = ips.iter().map(|(lo, hi)| fmt_addr_range(*lo, *hi)).collect();
    if ctx.public_ips.len() > 1 {
        ctx.unknowns.push(format!(
            "{from_text}: calls leave from several public addresses ({}); aws:SourceIp is taken as the first",
            ctx.public_ips.join(", ")
        ));
    }
}
