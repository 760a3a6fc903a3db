//! The [`Twin`] itself: every resource keyed by its AWS id, plus the named external networks
//! (on-premises and other non-AWS networks) declared by the user, load diagnostics and unknowns.

use crate::*;
use ipnet::Ipv4Net;
use serde::Serialize;
use std::collections::BTreeMap;

/// An account seen in the input.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: String,
    pub regions: Vec<String>,
}

/// A network outside AWS that the user names (e.g. `onprem` in `koban.yaml`): its address
/// ranges and the AWS resources it is reached through (VPN connection, Direct Connect gateway,
/// transit gateway attachment or virtual private gateway ids).
#[derive(Debug, Clone, Serialize)]
pub struct ExternalNetwork {
    pub name: String,
    pub cidrs: Vec<Ipv4Net>,
    pub via: Vec<String>,
}

/// The whole modelled environment. Immutable once built: engines take `&Twin`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Twin {
    pub accounts: BTreeMap<String, Account>,
    pub vpcs: BTreeMap<String, Vpc>,
    pub subnets: BTreeMap<String, Subnet>,
    pub route_tables: BTreeMap<String, RouteTable>,
    pub internet_gateways: BTreeMap<String, InternetGateway>,
    pub nat_gateways: BTreeMap<String, NatGateway>,
    pub transit_gateways: BTreeMap<String, TransitGateway>,
    pub transit_gateway_attachments: BTreeMap<String, TransitGatewayAttachment>,
    pub transit_gateway_route_tables: BTreeMap<String, TransitGatewayRouteTable>,
    pub vpc_endpoints: BTreeMap<String, VpcEndpoint>,
    pub vpc_endpoint_services: BTreeMap<String, VpcEndpointService>,
    pub load_balancers: BTreeMap<String, LoadBalancer>,
    pub security_groups: BTreeMap<String, SecurityGroup>,
    pub network_acls: BTreeMap<String, NetworkAcl>,
    pub network_interfaces: BTreeMap<String, NetworkInterface>,
    pub instances: BTreeMap<String, Instance>,
    pub prefix_lists: BTreeMap<String, PrefixList>,
    pub vpc_peering_connections: BTreeMap<String, VpcPeeringConnection>,
    pub vpn_gateways: BTreeMap<String, VpnGateway>,
    pub vpn_connections: BTreeMap<String, VpnConnection>,
    pub customer_gateways: BTreeMap<String, CustomerGateway>,
    pub direct_connect_gateways: BTreeMap<String, DirectConnectGateway>,
    /// IAM users, groups, roles, managed policies and instance profiles.
    pub iam: Iam,
    /// AWS Organizations: roots, OUs, accounts, SCPs and RCPs.
    pub organizations: Organizations,
    /// Secrets, buckets, KMS keys and event buses with their resource-based policies.
    pub resource_policies: ResourcePolicies,
    /// Route 53 Resolver endpoints, rules and rule associations, and hosted zones.
    pub dns: Dns,
    /// GuardDuty, Inspector, delegated administrators, flow logs, trails, EventBridge rules.
    pub monitoring: Monitoring,
    /// Cognito user pools and identity pools.
    pub cognito: Cognito,
    /// Patch Manager's patch states of managed instances.
    pub patching: Patching,
    /// Named external networks (from `koban.yaml`).
    pub networks: BTreeMap<String, ExternalNetwork>,
    /// What could not be read.
    pub diagnostics: Vec<Diagnostic>,
    /// What is present but not modelled.
    pub unknowns: Vec<Unknown>,
}

impl Twin {
    /// The route table a subnet uses: its explicit association, else its VPC's main table.
    pub fn route_table_of_subnet(&self, subnet: &str) -> Option<&RouteTable> {
        let vpc = &self.subnets.get(subnet)?.vpc;
        self.route_tables
            .values()
            .find(|rt| rt.subnets.iter().any(|s| s == subnet))
            .or_else(|| self.route_tables.values().find(|rt| rt.main && &rt.vpc == vpc))
    }

    /// The network ACL associated with a subnet: the one listing it, else the VPC default.
    pub fn network_acl_of_subnet(&self, subnet: &str) -> Option<&NetworkAcl> {
        let vpc = &self.subnets.get(subnet)?.vpc;
        self.network_acls
            .values()
            .find(|a| a.subnets.iter().any(|s| s == subnet))
            .or_else(|| self.network_acls.values().find(|a| a.is_default && &a.vpc == vpc))
    }

    /// Every id the twin knows, with the kind of resource it is.
    pub fn kind_of(&self, id: &str) -> Option<&'static str> {
        let checks: [(&'static str, bool); 19] = [
            ("vpc", self.vpcs.contains_key(id)),
            ("subnet", self.subnets.contains_key(id)),
            ("route-table", self.route_tables.contains_key(id)),
            ("internet-gateway", self.internet_gateways.contains_key(id)),
            ("nat-gateway", self.nat_gateways.contains_key(id)),
            ("transit-gateway", self.transit_gateways.contains_key(id)),
            ("transit-gateway-attachment", self.transit_gateway_attachments.contains_key(id)),
            ("transit-gateway-route-table", self.transit_gateway_route_tables.contains_key(id)),
            ("vpc-endpoint", self.vpc_endpoints.contains_key(id)),
            ("security-group", self.security_groups.contains_key(id)),
            ("network-acl", self.network_acls.contains_key(id)),
            ("network-interface", self.network_interfaces.contains_key(id)),
            ("instance", self.instances.contains_key(id)),
            ("prefix-list", self.prefix_lists.contains_key(id)),
            ("vpc-peering-connection", self.vpc_peering_connections.contains_key(id)),
            ("vpn-gateway", self.vpn_gateways.contains_key(id)),
            ("vpn-connection", self.vpn_connections.contains_key(id)),
            ("customer-gateway", self.customer_gateways.contains_key(id)),
            ("direct-connect-gateway", self.direct_connect_gateways.contains_key(id)),
        ];
        checks.iter().find(|(_, present)| *present).map(|(k, _)| *k)
    }

    /// Resources a diagnostic or unknown names, for answers that must list what they could
    /// not see.
    pub fn damaged_resources(&self) -> impl Iterator<Item = &str> {
        self.diagnostics.iter().filter_map(|d| d.resource.as_deref()).chain(self.unknowns.iter().map(|u| u.resource.as_str()))
    }

    /// Total number of resources, for summaries.
    pub fn resource_count(&self) -> usize {
        self.vpcs.len()
            + self.subnets.len()
            + self.route_tables.len()
            + self.internet_gateways.len()
            + self.nat_gateways.len()
            + self.transit_gateways.len()
            + self.transit_gateway_attachments.len()
            + self.transit_gateway_route_tables.len()
            + self.vpc_endpoints.len()
            + self.load_balancers.len()
            + self.security_groups.len()
            + self.network_acls.len()
            + self.network_interfaces.len()
            + self.instances.len()
            + self.prefix_lists.len()
            + self.vpc_peering_connections.len()
            + self.vpn_gateways.len()
            + self.vpn_connections.len()
            + self.customer_gateways.len()
            + self.direct_connect_gateways.len()
            + self.dns.len()
    }
}
