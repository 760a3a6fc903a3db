//! Subnet roles in the reference architecture, derived from what a subnet holds and where its
//! route table sends traffic: public (routes to an internet gateway), inspection (Gateway Load
//! Balancer endpoints), endpoints (interface endpoints), transit (Transit Gateway attachment
//! interfaces) and instances (live instances).

use koban_model as m;
use koban_net::index::Index;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Public,
    Inspection,
    Endpoints,
    Transit,
    Instances,
    Empty,
}

/// True when the subnet's route table has a route to an internet gateway.
pub fn routes_to_internet_gateway(ix: &Index, subnet: &str) -> bool {
    ix.subnet_route_table
        .get(subnet)
        .map(|rt| rt.routes.iter().any(|r| matches!(r.target, m::RouteTarget::InternetGateway(_)) && r.state == m::RouteState::Active))
        .unwrap_or(false)
}

/// The roles a subnet plays (a subnet may play several — that is itself worth reporting).
pub fn roles(ix: &Index, subnet: &str) -> Vec<Role> {
    let mut out = Vec::new();
    if routes_to_internet_gateway(ix, subnet) {
        out.push(Role::Public);
    }
    for (_, e) in ix.subnet_enis.get(subnet).map(|v| v.as_slice()).unwrap_or_default() {
        let r = match e.owner {
            m::EniOwner::GatewayLoadBalancerEndpoint(_) => Role::Inspection,
            m::EniOwner::VpcEndpoint(_) => Role::Endpoints,
            m::EniOwner::TransitGatewayAttachment(_) => Role::Transit,
            m::EniOwner::Instance(_) => Role::Instances,
            _ => continue,
        };
        if !out.contains(&r) {
            out.push(r);
        }
    }
    if out.is_empty() {
        out.push(Role::Empty);
    }
    out.sort();
    out
}

/// Subnets holding live instances.
pub fn instance_subnets<'t>(ix: &Index<'t>) -> Vec<&'t m::Subnet> {
    ix.twin
        .subnets
        .values()
        .filter(|s| {
            ix.subnet_enis.get(s.id.as_str()).map(|v| v.iter().any(|(_, e)| matches!(e.owner, m::EniOwner::Instance(_)))).unwrap_or(false)
        })
        .collect()
}
