//! The resources the readers declare by id, kept in declaration order until the assembly puts
//! them together: the first declaration of an id is kept (a later one is reported with where
//! the first was made), and each kind becomes its map of the twin in one pass — sorted once
//! by id and built in order, instead of inserted one by one into a large ordered map, which
//! compares ids scattered in memory at every level of the tree.

use super::Assembly;
use koban_model as m;
use koban_model::{Diagnostic, Origin, Severity};
use std::collections::BTreeMap;

/// Where the first declaration of an id is: its kind's list, and its position in it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    kind: Kind,
    index: usize,
}

/// Positions in id order, equal ids in their given order. Ids are compared by their first 16
/// bytes held beside the positions (big-endian, zero-padded: the same order), and in full only
/// when those are equal — the ids themselves are scattered in memory.
pub(super) fn id_order(ids: &[&str]) -> Vec<usize> {
    let mut keys: Vec<(u128, usize)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut head = [0u8; 16];
            let n = id.len().min(16);
            head[..n].copy_from_slice(&id.as_bytes()[..n]);
            (u128::from_be_bytes(head), i)
        })
        .collect();
    keys.sort_unstable_by(|x, y| x.0.cmp(&y.0).then_with(|| ids[x.1].cmp(ids[y.1])).then(x.1.cmp(&y.1)));
    keys.into_iter().map(|(_, i)| i).collect()
}

/// Declarations (ids unique) into their map, built in id order.
fn into_map<T>(map: &mut BTreeMap<String, T>, items: Vec<T>, id: fn(&T) -> &String) {
    let order = id_order(&items.iter().map(|x| id(x).as_str()).collect::<Vec<_>>());
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    let mut sorted: BTreeMap<String, T> =
        order.into_iter().filter_map(|i| slots.get_mut(i).and_then(Option::take)).map(|x| (id(&x).clone(), x)).collect();
    map.append(&mut sorted);
}

macro_rules! declarations {
    ($($kind:ident, $fn:ident, $field:ident, $ty:ty, $id:ident);* $(;)?) => {
        /// What a declaration is: an interface request, or a resource of one of the twin's maps.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Kind {
            Interface,
            $($kind),*
        }

        /// The declarations of each of the twin's maps, in declaration order.
        #[derive(Default)]
        pub(super) struct Declarations {
            $($field: Vec<$ty>,)*
        }

        impl Assembly {
            $(
                pub fn $fn(&mut self, x: $ty) {
                    let slot = Slot { kind: Kind::$kind, index: self.declarations.$field.len() };
                    if self.first_declaration(&x.$id, &x.origin, slot) {
                        self.declarations.$field.push(x);
                    }
                }
            )*

            /// Where a declaration was made.
            fn declared_at(&self, slot: Slot) -> Option<&Origin> {
                match slot.kind {
                    Kind::Interface => self.interfaces.get(slot.index).map(|r| &r.origin),
                    $(Kind::$kind => self.declarations.$field.get(slot.index).map(|x| &x.origin),)*
                }
            }

            /// Every declaration into its map of the twin.
            pub(super) fn declarations_into_twin(&mut self) {
                let d = std::mem::take(&mut self.declarations);
                $(into_map(&mut self.twin.$field, d.$field, |x| &x.$id);)*
            }
        }
    };
}

declarations! {
    Vpc, vpc, vpcs, m::Vpc, id;
    Subnet, subnet, subnets, m::Subnet, id;
    RouteTable, route_table, route_tables, m::RouteTable, id;
    InternetGateway, internet_gateway, internet_gateways, m::InternetGateway, id;
    NatGateway, nat_gateway, nat_gateways, m::NatGateway, id;
    TransitGateway, transit_gateway, transit_gateways, m::TransitGateway, id;
    TransitGatewayAttachment, transit_gateway_attachment, transit_gateway_attachments, m::TransitGatewayAttachment, id;
    TransitGatewayRouteTable, transit_gateway_route_table, transit_gateway_route_tables, m::TransitGatewayRouteTable, id;
    VpcEndpoint, vpc_endpoint, vpc_endpoints, m::VpcEndpoint, id;
    SecurityGroup, security_group, security_groups, m::SecurityGroup, id;
    NetworkAcl, network_acl, network_acls, m::NetworkAcl, id;
    Instance, instance, instances, m::Instance, id;
    PrefixList, prefix_list, prefix_lists, m::PrefixList, id;
    VpcPeeringConnection, vpc_peering_connection, vpc_peering_connections, m::VpcPeeringConnection, id;
    VpnGateway, vpn_gateway, vpn_gateways, m::VpnGateway, id;
    VpnConnection, vpn_connection, vpn_connections, m::VpnConnection, id;
    CustomerGateway, customer_gateway, customer_gateways, m::CustomerGateway, id;
    LoadBalancer, load_balancer, load_balancers, m::LoadBalancer, arn;
    EndpointService, endpoint_service, vpc_endpoint_services, m::VpcEndpointService, service_name;
}

impl Assembly {
    /// Records where `id` is declared; a later declaration of the same id is reported (and
    /// left out: false).
    fn first_declaration(&mut self, id: &str, origin: &Origin, slot: Slot) -> bool {
        if let Some(&first) = self.declared.get(id) {
            let first = self.declared_at(first).map(ToString::to_string).unwrap_or_default();
            self.twin.diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                origin: origin.clone(),
                message: format!("duplicate id {id}: already declared at {first}; keeping the first declaration"),
                resource: Some(id.to_string()),
            });
            return false;
        }
        self.declared.insert(id.to_string(), slot);
        true
    }

    pub fn interface(&mut self, r: super::InterfaceRequest) {
        let slot = Slot { kind: Kind::Interface, index: self.interfaces.len() };
        if self.first_declaration(&r.id, &r.origin, slot) {
            self.interfaces.push(r);
        }
    }

    /// Whether `id` is declared, first, as a Transit Gateway route table.
    pub fn declares_tgw_route_table(&self, id: &str) -> bool {
        self.declared.get(id).is_some_and(|s| s.kind == Kind::TransitGatewayRouteTable)
    }

    /// Room for `n` more declarations.
    pub fn reserve(&mut self, n: usize) {
        self.declared.reserve(n);
    }
}
