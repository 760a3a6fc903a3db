//! The twin as the report draws it: accounts → VPCs (every CIDR, and whether each named
//! network's Transit Gateway route table routes it) → Availability Zones → subnets by role →
//! what lives in them; Transit Gateways with attachments and route tables, VPN and Direct
//! Connect, peering, named networks and the inspection appliances behind GWLB endpoints.

use crate::data::*;
use koban_intent::roles::{roles, Role};
use koban_model as m;
use koban_net::reach::{traffic, Protocol};
use koban_net::space::{fmt_addr_range, merge_intervals, net_range, DST};
use koban_net::spec::Spec;
use koban_net::trace::{Collect, HopType, Outcome};
use koban_net::Engine;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

fn name(tags: &m::Tags) -> Option<String> {
    m::name_tag(tags).map(str::to_string)
}

fn role_name(r: Role) -> String {
    serde_json::to_value(r).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// The id a witness path names the owner of an interface by (as `koban_net` does).
fn eni_resource(e: &m::NetworkInterface) -> (String, &'static str) {
    match &e.owner {
        m::EniOwner::Instance(i) if !i.is_empty() => (i.clone(), "instance"),
        m::EniOwner::NatGateway(n) if !n.is_empty() => (n.clone(), "nat-gateway"),
        m::EniOwner::VpcEndpoint(v) if !v.is_empty() => (v.clone(), "interface-endpoint"),
        m::EniOwner::GatewayLoadBalancerEndpoint(v) if !v.is_empty() => (v.clone(), "gateway-load-balancer-endpoint"),
        m::EniOwner::TransitGatewayAttachment(a) if !a.is_empty() => (a.clone(), "transit-gateway-attachment"),
        m::EniOwner::LoadBalancer(_) => (e.id.clone(), "load-balancer"),
        m::EniOwner::ResolverEndpoint(_) => (e.id.clone(), "resolver-endpoint"),
        m::EniOwner::Lambda(_) => (e.id.clone(), "lambda"),
        _ => (e.id.clone(), "network-interface"),
    }
}

/// The id witness paths give the appliance behind a Gateway Load Balancer endpoint.
pub fn appliance_id(twin: &m::Twin, ep: &m::VpcEndpoint) -> String {
    twin.vpc_endpoint_services
        .get(&ep.service_name)
        .and_then(|s| s.gateway_load_balancer_arns.first().cloned())
        .unwrap_or_else(|| ep.service_name.clone())
}

/// A short service label: `com.amazonaws.eu-west-1.secretsmanager` → `secretsmanager`.
pub fn service_label(service: &str) -> String {
    service.rsplit('.').next().unwrap_or(service).to_string()
}

fn placed_from_eni(twin: &m::Twin, e: &m::NetworkInterface) -> PlacedResource {
    let (resource, kind) = eni_resource(e);
    let (name, live, detail) = match &e.owner {
        m::EniOwner::Instance(i) => match twin.instances.get(i) {
            Some(inst) => (
                name(&inst.tags),
                inst.is_live() && koban_net::index::eni_is_live(twin, e),
                if inst.is_live() { None } else { Some(inst.state.clone()) },
            ),
            None => (name(&e.tags), koban_net::index::eni_is_live(twin, e), Some("instance not in the input".into())),
        },
        m::EniOwner::NatGateway(n) => (twin.nat_gateways.get(n).and_then(|g| name(&g.tags)), true, None),
        m::EniOwner::VpcEndpoint(v) | m::EniOwner::GatewayLoadBalancerEndpoint(v) => match twin.vpc_endpoints.get(v) {
            Some(ep) => (name(&ep.tags).or_else(|| Some(service_label(&ep.service_name))), true, Some(ep.service_name.clone())),
            None => (None, true, None),
        },
        m::EniOwner::TransitGatewayAttachment(a) => {
            (twin.transit_gateway_attachments.get(a).and_then(|x| name(&x.tags)), true, Some(e.id.clone()))
        }
        m::EniOwner::LoadBalancer(lb) | m::EniOwner::ResolverEndpoint(lb) | m::EniOwner::Lambda(lb) | m::EniOwner::Other(lb) => {
            (name(&e.tags), koban_net::index::eni_is_live(twin, e), e.description.clone().or_else(|| Some(lb.clone())))
        }
    };
    PlacedResource {
        resource,
        kind,
        eni: Some(e.id.clone()),
        name,
        private_ips: e.private_ips.iter().map(|ip| ip.to_string()).collect(),
        public_ips: e.public_ips.iter().map(|(_, p)| p.to_string()).collect(),
        live,
        detail,
    }
}

fn placed(resource: &str, kind: &'static str, name: Option<String>, live: bool, detail: Option<String>) -> PlacedResource {
    PlacedResource { resource: resource.to_string(), kind, eni: None, name, private_ips: Vec::new(), public_ips: Vec::new(), live, detail }
}

/// Everything in each subnet: its interfaces, then resources whose interface is missing.
fn subnet_contents(twin: &m::Twin) -> HashMap<&str, Vec<PlacedResource>> {
    let mut out: HashMap<&str, Vec<PlacedResource>> = HashMap::new();
    for e in twin.network_interfaces.values() {
        out.entry(e.subnet.as_str()).or_default().push(placed_from_eni(twin, e));
    }
    let mut add_missing = |subnet: &str, p: PlacedResource| {
        let Some((key, _)) = twin.subnets.get_key_value(subnet) else { return };
        let list = out.entry(key.as_str()).or_default();
        if !list.iter().any(|x| x.resource == p.resource) {
            list.push(p);
        }
    };
    for n in twin.nat_gateways.values() {
        add_missing(&n.subnet, placed(&n.id, "nat-gateway", name(&n.tags), true, Some("interface not in the input".into())));
    }
    for ep in twin.vpc_endpoints.values() {
        let kind = match ep.endpoint_type {
            m::VpcEndpointType::Interface => "interface-endpoint",
            m::VpcEndpointType::GatewayLoadBalancer => "gateway-load-balancer-endpoint",
            m::VpcEndpointType::Gateway => continue,
        };
        for s in &ep.subnets {
            add_missing(s, placed(&ep.id, kind, name(&ep.tags).or_else(|| Some(service_label(&ep.service_name))), true, None));
        }
    }
    for a in twin.transit_gateway_attachments.values() {
        for s in &a.subnets {
            add_missing(s, placed(&a.id, "transit-gateway-attachment", name(&a.tags), true, Some("interface not in the input".into())));
        }
    }
    for i in twin.instances.values() {
        if let Some(s) = &i.subnet {
            add_missing(s, placed(&i.id, "instance", name(&i.tags), i.is_live(), Some(i.state.clone())));
        }
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| kind_order(a.kind).cmp(&kind_order(b.kind)).then(a.resource.cmp(&b.resource)).then(a.eni.cmp(&b.eni)));
    }
    out
}

fn kind_order(kind: &str) -> u8 {
    match kind {
        "nat-gateway" => 0,
        "gateway-load-balancer-endpoint" => 1,
        "interface-endpoint" => 2,
        "transit-gateway-attachment" => 3,
        "load-balancer" => 4,
        "instance" => 5,
        _ => 6,
    }
}

/// Per named network: which parts of `cidr` its traffic enters `vpc` for, through which
/// Transit Gateway route tables, and where the rest stops.
fn routing(engine: &Engine, vpc: &str, cidr: &ipnet::Ipv4Net) -> Vec<CidrRouting> {
    let twin = engine.ix.twin;
    let mut out = Vec::new();
    for n in twin.networks.values() {
        let (lo, hi) = net_range(cidr);
        let set = traffic(Protocol::All, None).intersect(&Spec::Network(n.name.clone()).source_space(twin)).restrict(DST, lo, hi);
        let mut sink = Collect::default();
        engine.walk(&mut sink, None).from_network(n, &set);
        let mut routed: Vec<(u32, u32)> = Vec::new();
        let mut tables = BTreeSet::new();
        let mut stops = BTreeSet::new();
        for l in &sink.leaves {
            let entered = l.path.hops.iter().any(|h| h.hop_type == HopType::Vpc && h.resource == vpc);
            if entered {
                routed.extend(l.set.project(DST));
                for h in l.path.hops.iter().filter(|h| h.hop_type == HopType::TransitGateway) {
                    tables.extend(h.evidence.iter().filter(|e| e.kind == "route-table").map(|e| e.resource.clone()));
                }
            } else if let Outcome::Blocked { at, reason } = &l.outcome {
                stops.insert(format!("{at}: {reason}"));
            } else if let Outcome::Exited { to } = &l.outcome {
                stops.insert(format!("leaves to {to}"));
            }
        }
        merge_intervals(&mut routed);
        let mut unrouted = Vec::new();
        let mut next = lo as u64;
        for (a, b) in &routed {
            if (*a as u64) > next {
                unrouted.push(fmt_addr_range(next as u32, a - 1));
            }
            next = next.max(*b as u64 + 1);
        }
        if next <= hi as u64 {
            unrouted.push(fmt_addr_range(next as u32, hi));
        }
        let covered: u64 = routed.iter().map(|(a, b)| (*b as u64) - (*a as u64) + 1).sum();
        let size = (hi as u64) - (lo as u64) + 1;
        let status = if covered == 0 {
            "not-routable"
        } else if covered < size {
            "partly-routable"
        } else {
            "routable"
        };
        out.push(CidrRouting {
            network: n.name.clone(),
            status,
            routed: routed.iter().map(|(a, b)| fmt_addr_range(*a, *b)).collect(),
            unrouted,
            route_tables: tables.into_iter().collect(),
            stops: stops.into_iter().collect(),
        });
    }
    out
}

/// The VPCs with their Availability Zones, subnets and contents.
pub fn vpcs(engine: &Engine) -> Vec<VpcView> {
    let twin = engine.ix.twin;
    let contents = subnet_contents(twin);
    let ix = &engine.ix;
    twin.vpcs
        .values()
        .collect::<Vec<_>>()
        .par_iter()
        .map(|v| {
            let mut azs: BTreeMap<String, Vec<SubnetView>> = BTreeMap::new();
            for s in twin.subnets.values().filter(|s| s.vpc == v.id) {
                let rs = roles(ix, &s.id);
                let view = SubnetView {
                    id: s.id.clone(),
                    name: name(&s.tags),
                    cidr: s.cidr.map(|c| c.to_string()),
                    roles: rs.iter().map(|r| role_name(*r)).collect(),
                    route_table: ix.subnet_route_table.get(s.id.as_str()).map(|r| r.id.clone()),
                    network_acl: ix.subnet_nacl.get(s.id.as_str()).map(|a| a.id.clone()),
                    resources: contents.get(s.id.as_str()).cloned().unwrap_or_default(),
                };
                azs.entry(s.availability_zone.clone().unwrap_or_else(|| "unknown".into())).or_default().push(view);
            }
            let availability_zones = azs
                .into_iter()
                .map(|(name, mut subnets)| {
                    subnets.sort_by(|a, b| {
                        let ra = a.roles.first().cloned().unwrap_or_default();
                        let rb = b.roles.first().cloned().unwrap_or_default();
                        role_rank(&ra).cmp(&role_rank(&rb)).then(a.cidr.cmp(&b.cidr)).then(a.id.cmp(&b.id))
                    });
                    AzView { name, subnets }
                })
                .collect();
            let cidrs = v
                .cidrs
                .iter()
                .map(|c| {
                    let from_networks = routing(engine, &v.id, c);
                    CidrView { cidr: c.to_string(), routable: from_networks.iter().any(|r| r.status != "not-routable"), from_networks }
                })
                .collect();
            let endpoint = |ep: &m::VpcEndpoint| EndpointView {
                id: ep.id.clone(),
                name: name(&ep.tags),
                endpoint_type: serde_json::to_value(ep.endpoint_type).ok().and_then(|x| x.as_str().map(str::to_string)).unwrap_or_default(),
                service: ep.service_name.clone(),
                subnets: ep.subnets.clone(),
            };
            let in_vpc = |vpc: &str| vpc == v.id;
            VpcView {
                id: v.id.clone(),
                name: name(&v.tags),
                account: v.placement.account.clone(),
                region: v.placement.region.clone(),
                cidrs,
                ipv6_cidrs: v.ipv6_cidrs.iter().map(|c| c.to_string()).collect(),
                internet_gateways: twin
                    .internet_gateways
                    .values()
                    .filter(|g| g.vpcs.iter().any(|x| in_vpc(x)))
                    .map(|g| GatewayView { id: g.id.clone(), name: name(&g.tags), detail: g.egress_only.then(|| "egress-only".into()) })
                    .collect(),
                vpn_gateways: twin
                    .vpn_gateways
                    .values()
                    .filter(|g| g.vpcs.iter().any(|x| in_vpc(x)))
                    .map(|g| GatewayView { id: g.id.clone(), name: name(&g.tags), detail: None })
                    .collect(),
                availability_zones,
                gateway_endpoints: twin
                    .vpc_endpoints
                    .values()
                    .filter(|e| in_vpc(&e.vpc) && e.endpoint_type == m::VpcEndpointType::Gateway)
                    .map(endpoint)
                    .collect(),
                endpoints: twin
                    .vpc_endpoints
                    .values()
                    .filter(|e| in_vpc(&e.vpc) && e.endpoint_type != m::VpcEndpointType::Gateway)
                    .map(endpoint)
                    .collect(),
                nat_gateways: twin
                    .nat_gateways
                    .values()
                    .filter(|n| in_vpc(&n.vpc))
                    .map(|n| GatewayView {
                        id: n.id.clone(),
                        name: name(&n.tags),
                        detail: Some(
                            serde_json::to_value(n.connectivity).ok().and_then(|x| x.as_str().map(str::to_string)).unwrap_or_default(),
                        ),
                    })
                    .collect(),
                transit_gateway_attachments: twin
                    .transit_gateway_attachments
                    .values()
                    .filter(|a| a.resource_type == m::AttachmentResourceType::Vpc && a.resource_id.as_deref() == Some(v.id.as_str()))
                    .map(|a| a.id.clone())
                    .collect(),
                peering_connections: twin
                    .vpc_peering_connections
                    .values()
                    .filter(|p| p.requester.vpc == v.id || p.accepter.vpc == v.id)
                    .map(|p| p.id.clone())
                    .collect(),
                network_interfaces: twin.network_interfaces.values().filter(|e| in_vpc(&e.vpc)).count(),
                instances: twin.instances.values().filter(|i| i.vpc.as_deref() == Some(v.id.as_str())).count(),
            }
        })
        .collect()
}

/// Rows of the diagram, top to bottom.
pub fn role_rank(role: &str) -> u8 {
    match role {
        "public" => 0,
        "inspection" => 1,
        "instances" => 2,
        "endpoints" => 3,
        "transit" => 4,
        _ => 5,
    }
}

pub fn transit_gateways(twin: &m::Twin) -> Vec<TransitGatewayView> {
    twin.transit_gateways
        .values()
        .map(|t| {
            let attachments = twin
                .transit_gateway_attachments
                .values()
                .filter(|a| a.transit_gateway == t.id || a.resource_id.as_deref() == Some(t.id.as_str()))
                .map(|a| AttachmentView {
                    id: a.id.clone(),
                    name: name(&a.tags),
                    resource_type: serde_json::to_value(a.resource_type)
                        .ok()
                        .and_then(|x| x.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    resource: a.resource_id.clone(),
                    account: a.resource_owner.clone().or_else(|| a.placement.account.clone()),
                    route_table: a.association_on(&t.id).map(str::to_string),
                    appliance_mode: a.appliance_mode,
                })
                .collect();
            let route_tables = twin
                .transit_gateway_route_tables
                .values()
                .filter(|r| r.transit_gateway == t.id)
                .map(|r| TgwRouteTableView {
                    id: r.id.clone(),
                    name: name(&r.tags),
                    associations: twin
                        .transit_gateway_attachments
                        .values()
                        .filter(|a| a.association_on(&t.id) == Some(r.id.as_str()))
                        .map(|a| a.id.clone())
                        .collect(),
                    propagations: r.propagations.iter().filter(|p| p.enabled).map(|p| p.attachment.clone()).collect(),
                    routes: r
                        .routes
                        .iter()
                        .map(|x| {
                            let dst = match &x.destination {
                                m::TgwRouteDestination::Ipv4(n) => n.to_string(),
                                m::TgwRouteDestination::PrefixList(p) => p.clone(),
                            };
                            let ty = match x.route_type {
                                m::TgwRouteType::Static => "static",
                                m::TgwRouteType::Propagated => "propagated",
                            };
                            if x.active {
                                format!("{dst} -> {} ({ty})", x.attachments.join(", "))
                            } else {
                                format!("{dst} -> blackhole ({ty})")
                            }
                        })
                        .collect(),
                    routes_known: r.routes_known,
                })
                .collect();
            TransitGatewayView {
                id: t.id.clone(),
                name: name(&t.tags),
                account: t.owner.clone().or_else(|| t.placement.account.clone()),
                amazon_side_asn: t.amazon_side_asn,
                attachments,
                route_tables,
            }
        })
        .collect()
}

pub fn vpn_connections(twin: &m::Twin) -> Vec<VpnView> {
    twin.vpn_connections
        .values()
        .map(|v| VpnView {
            id: v.id.clone(),
            name: name(&v.tags),
            account: v.placement.account.clone(),
            transit_gateway: v.transit_gateway.clone(),
            vpn_gateway: v.vpn_gateway.clone(),
            customer_gateway: v.customer_gateway.clone(),
            static_routes: v.static_routes.iter().map(|c| c.to_string()).collect(),
        })
        .collect()
}

pub fn direct_connect_gateways(twin: &m::Twin) -> Vec<DirectConnectView> {
    twin.direct_connect_gateways
        .values()
        .map(|d| DirectConnectView {
            id: d.id.clone(),
            name: d.name.clone(),
            gateways: d.associations.iter().map(|a| a.gateway.clone()).collect(),
        })
        .collect()
}

pub fn peering(twin: &m::Twin) -> Vec<PeeringView> {
    twin.vpc_peering_connections
        .values()
        .map(|p| PeeringView { id: p.id.clone(), requester: p.requester.vpc.clone(), accepter: p.accepter.vpc.clone() })
        .collect()
}

pub fn networks(twin: &m::Twin) -> Vec<NetworkView> {
    twin.networks
        .values()
        .map(|n| NetworkView { name: n.name.clone(), cidrs: n.cidrs.iter().map(|c| c.to_string()).collect(), via: n.via.clone() })
        .collect()
}

pub fn appliances(twin: &m::Twin) -> Vec<ApplianceView> {
    let mut by_id: BTreeMap<String, ApplianceView> = BTreeMap::new();
    for ep in twin.vpc_endpoints.values().filter(|e| e.endpoint_type == m::VpcEndpointType::GatewayLoadBalancer) {
        let id = appliance_id(twin, ep);
        by_id
            .entry(id.clone())
            .or_insert_with(|| ApplianceView { id, service: ep.service_name.clone(), endpoints: Vec::new() })
            .endpoints
            .push(ep.id.clone());
    }
    by_id.into_values().collect()
}

/// Accounts with what they own, including accounts only seen as owners of resources.
pub fn accounts(twin: &m::Twin, vpcs: &[VpcView], tgws: &[TransitGatewayView], vpns: &[VpnView]) -> Vec<AccountView> {
    let mut out: BTreeMap<String, AccountView> = BTreeMap::new();
    fn entry<'a>(out: &'a mut BTreeMap<String, AccountView>, twin: &m::Twin, id: &str) -> &'a mut AccountView {
        out.entry(id.to_string()).or_insert_with(|| AccountView {
            id: id.to_string(),
            regions: twin.accounts.get(id).map(|a| a.regions.clone()).unwrap_or_default(),
            vpcs: Vec::new(),
            transit_gateways: Vec::new(),
            vpn_connections: Vec::new(),
        })
    }
    for a in twin.accounts.keys() {
        entry(&mut out, twin, a);
    }
    for v in vpcs {
        entry(&mut out, twin, v.account.as_deref().unwrap_or("unknown")).vpcs.push(v.id.clone());
    }
    for t in tgws {
        entry(&mut out, twin, t.account.as_deref().unwrap_or("unknown")).transit_gateways.push(t.id.clone());
    }
    for v in vpns {
        entry(&mut out, twin, v.account.as_deref().unwrap_or("unknown")).vpn_connections.push(v.id.clone());
    }
    out.into_values().filter(|a| !a.vpcs.is_empty() || !a.transit_gateways.is_empty() || !a.vpn_connections.is_empty()).collect()
}
