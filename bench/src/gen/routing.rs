//! Routing: each VPC's route tables, and the Transit Gateway's route tables (associations,
//! propagations, static routes) with the VPN to on-premises.

use super::addr::{Cidr, ANY, CORPORATE, ONPREM};
use super::ids::IdGen;
use super::model::*;

/// Route tables of VPC `v`: `main` (local, 10/8 → TGW; the transit subnets use it); with an
/// internet gateway `public` (0/0 → IGW) and per-AZ `private-a/b` (0/0 → that AZ's NAT,
/// 10/8 and 172.16/12 → TGW), plus per-AZ `transit-a/b` (0/0 → NAT) in the egress VPC;
/// without one a single `private` (0/0 and 10/8 → TGW).
pub fn route_tables(ids: &mut IdGen, tgw_id: &str, v: &mut Vpc, egress_vpc: bool) {
    let local = Route { dest: v.cidr, target: Target::Local };
    let tgw = |dest: Cidr, tgw: &str| Route { dest, target: Target::Tgw(tgw.to_string()) };
    let subnets_of = |v: &Vpc, roles: &[SubnetRole], az: Option<usize>| {
        v.subnets
            .iter()
            .enumerate()
            .filter(|(_, s)| roles.contains(&s.role) && az.is_none_or(|a| s.az == a))
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
    };
    let mut tables = Vec::new();
    // main: local and the corporate network via the TGW; transit subnets use it
    tables.push(("main".to_string(), true, vec![], vec![local.clone(), tgw(CORPORATE, tgw_id)]));
    if let Some(igw) = v.igw.clone() {
        tables.push((
            "public".into(),
            false,
            subnets_of(v, &[SubnetRole::Public], None),
            vec![local.clone(), Route { dest: ANY, target: Target::Igw(igw) }, tgw(CORPORATE, tgw_id), tgw(ONPREM, tgw_id)],
        ));
        for az in 0..2 {
            let nat = Target::Nat(v.nats[az].id.clone());
            tables.push((
                format!("private-{}", ["a", "b"][az]),
                false,
                subnets_of(v, &[SubnetRole::App, SubnetRole::Endpoints], Some(az)),
                vec![local.clone(), Route { dest: ANY, target: nat.clone() }, tgw(CORPORATE, tgw_id), tgw(ONPREM, tgw_id)],
            ));
            if egress_vpc {
                // traffic from the TGW bound for the internet goes to the NAT gateway
                tables.push((
                    format!("transit-{}", ["a", "b"][az]),
                    false,
                    subnets_of(v, &[SubnetRole::Transit], Some(az)),
                    vec![local.clone(), Route { dest: ANY, target: nat }],
                ));
            }
        }
    } else {
        tables.push((
            "private".into(),
            false,
            subnets_of(v, &[SubnetRole::App, SubnetRole::Endpoints], None),
            vec![local.clone(), tgw(ANY, tgw_id), tgw(CORPORATE, tgw_id)],
        ));
    }
    for (name, main, subnets, routes) in tables {
        let id = ids.next("rtb");
        let main_assoc = main.then(|| ids.next("rtbassoc"));
        let assocs = subnets.into_iter().map(|s| (s, ids.next("rtbassoc"))).collect();
        v.route_tables.push(RouteTable { id, name: format!("{}-{name}", v.name), main_assoc, assocs, routes });
    }
}

/// The TGW's route tables, propagations, static routes and VPN (see the `topology` doc).
pub fn transit(ids: &mut IdGen, tgw: &str, vpcs: &[Vpc]) -> Transit {
    let names = ["prod", "dev", "shared", "onprem"];
    let mut tables: Vec<TgwTable> =
        names.iter().map(|name| TgwTable { id: ids.next("tgw-rtb"), name, static_routes: vec![], propagations: vec![] }).collect();
    for (k, v) in vpcs.iter().enumerate() {
        let into: &[usize] = match v.env {
            Env::Prod => &[TABLE_PROD, TABLE_SHARED, TABLE_ONPREM],
            Env::Dev => &[TABLE_DEV, TABLE_SHARED, TABLE_ONPREM],
            Env::Shared => &[TABLE_PROD, TABLE_DEV, TABLE_SHARED, TABLE_ONPREM],
        };
        for &t in into {
            tables[t].propagations.push(k);
        }
    }
    for t in [TABLE_PROD, TABLE_DEV, TABLE_SHARED] {
        let r = &mut tables[t].static_routes;
        r.push(TgwStaticRoute { dest: ANY, target: TgwTarget::Vpc(0) });
        if t != TABLE_SHARED {
            r.push(TgwStaticRoute { dest: CORPORATE, target: TgwTarget::Blackhole });
        }
        r.push(TgwStaticRoute { dest: ONPREM, target: TgwTarget::Vpn });
    }
    Transit {
        tgw: tgw.to_string(),
        tables,
        vpn: Vpn {
            id: ids.next("vpn"),
            customer_gateway: ids.next("cgw"),
            customer_gateway_ip: u32::from_be_bytes([198, 51, 100, 10]),
            attachment: ids.next("tgw-attach"),
            table: TABLE_ONPREM,
        },
    }
}
