//! EC2 in one account and region: VPCs and what they hold, gateways, endpoints, prefix lists,
//! VPN, the Transit Gateway (with its routes and propagations per route table, one file per
//! table as `TransitGatewayRoutes/<tgw-rtb-id>.json` and
//! `TransitGatewayPropagations/<tgw-rtb-id>.json`) and flow logs.

use super::Ctx;
use crate::error::CollectError;
use crate::map::ec2 as m;
use aws_sdk_ec2::types::Filter;
use aws_sdk_ec2::Client;
use serde_json::{json, Value};

const S: &str = "ec2";

fn doc<T>(key: &str, items: &[T], f: fn(&T) -> Value) -> Value {
    json!({ key: items.iter().map(f).collect::<Vec<_>>() })
}

/// Everything EC2 this crate collects in one region; returns the ids of the instances
/// `DescribeInstances` listed (for their patch states).
pub async fn collect(ctx: &Ctx, c: &Client) -> Result<Vec<String>, CollectError> {
    macro_rules! listing {
        ($op:literal, $file:literal, $key:literal, $call:expr, $map:path) => {{
            let r = $call.into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
            ctx.save(S, $op, $file, r, |v| doc($key, v, $map))?
        }};
    }
    listing!("DescribeVpcs", "Vpcs.json", "Vpcs", c.describe_vpcs(), m::vpc);
    listing!("DescribeSubnets", "Subnets.json", "Subnets", c.describe_subnets(), m::subnet);
    listing!("DescribeRouteTables", "RouteTables.json", "RouteTables", c.describe_route_tables(), m::route_table);
    listing!("DescribeInternetGateways", "InternetGateways.json", "InternetGateways", c.describe_internet_gateways(), m::internet_gateway);
    listing!(
        "DescribeEgressOnlyInternetGateways",
        "EgressOnlyInternetGateways.json",
        "EgressOnlyInternetGateways",
        c.describe_egress_only_internet_gateways(),
        m::egress_only_internet_gateway
    );
    listing!("DescribeNatGateways", "NatGateways.json", "NatGateways", c.describe_nat_gateways(), m::nat_gateway);
    listing!("DescribeNetworkAcls", "NetworkAcls.json", "NetworkAcls", c.describe_network_acls(), m::network_acl);
    listing!("DescribeSecurityGroups", "SecurityGroups.json", "SecurityGroups", c.describe_security_groups(), m::security_group);
    listing!(
        "DescribeNetworkInterfaces",
        "NetworkInterfaces.json",
        "NetworkInterfaces",
        c.describe_network_interfaces(),
        m::network_interface
    );
    let reservations = listing!("DescribeInstances", "Reservations.json", "Reservations", c.describe_instances(), m::reservation);
    let instances = reservations
        .iter()
        .flatten()
        .flat_map(|r| r.instances())
        .filter(|i| i.state().and_then(|s| s.name()) != Some(&aws_sdk_ec2::types::InstanceStateName::Terminated))
        .filter_map(|i| i.instance_id().map(str::to_string))
        .collect();
    listing!("DescribeVpcEndpoints", "VpcEndpoints.json", "VpcEndpoints", c.describe_vpc_endpoints(), m::vpc_endpoint);
    listing!(
        "DescribeVpcEndpointServiceConfigurations",
        "VpcEndpointServiceConfigurations.json",
        "ServiceConfigurations",
        c.describe_vpc_endpoint_service_configurations(),
        m::service_configuration
    );
    listing!("DescribePrefixLists", "PrefixLists.json", "PrefixLists", c.describe_prefix_lists(), m::prefix_list);
    managed_prefix_lists(ctx, c).await?;
    listing!(
        "DescribeVpcPeeringConnections",
        "VpcPeeringConnections.json",
        "VpcPeeringConnections",
        c.describe_vpc_peering_connections(),
        m::vpc_peering_connection
    );
    // not paginated
    let r = c.describe_addresses().send().await;
    ctx.save(S, "DescribeAddresses", "Addresses.json", r, |o| doc("Addresses", o.addresses(), m::address))?;
    let r = c.describe_vpn_gateways().send().await;
    ctx.save(S, "DescribeVpnGateways", "VpnGateways.json", r, |o| doc("VpnGateways", o.vpn_gateways(), m::vpn_gateway))?;
    let r = c.describe_vpn_connections().send().await;
    ctx.save(S, "DescribeVpnConnections", "VpnConnections.json", r, |o| doc("VpnConnections", o.vpn_connections(), m::vpn_connection))?;
    let r = c.describe_customer_gateways().send().await;
    ctx.save(S, "DescribeCustomerGateways", "CustomerGateways.json", r, |o| {
        doc("CustomerGateways", o.customer_gateways(), m::customer_gateway)
    })?;
    listing!("DescribeTransitGateways", "TransitGateways.json", "TransitGateways", c.describe_transit_gateways(), m::transit_gateway);
    listing!(
        "DescribeTransitGatewayAttachments",
        "TransitGatewayAttachments.json",
        "TransitGatewayAttachments",
        c.describe_transit_gateway_attachments(),
        m::transit_gateway_attachment
    );
    listing!(
        "DescribeTransitGatewayVpcAttachments",
        "TransitGatewayVpcAttachments.json",
        "TransitGatewayVpcAttachments",
        c.describe_transit_gateway_vpc_attachments(),
        m::transit_gateway_vpc_attachment
    );
    let tables = listing!(
        "DescribeTransitGatewayRouteTables",
        "TransitGatewayRouteTables.json",
        "TransitGatewayRouteTables",
        c.describe_transit_gateway_route_tables(),
        m::transit_gateway_route_table
    );
    for table in tables.iter().flatten() {
        let Some(id) = table.transit_gateway_route_table_id() else { continue };
        routes(ctx, c, id).await?;
        let r = c
            .get_transit_gateway_route_table_propagations()
            .transit_gateway_route_table_id(id)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await;
        let file = format!("TransitGatewayPropagations/{id}.json");
        ctx.save(S, "GetTransitGatewayRouteTablePropagations", &file, r, |v| {
            doc("TransitGatewayRouteTablePropagations", v, m::transit_gateway_propagation)
        })?;
    }
    listing!("DescribeFlowLogs", "FlowLogs.json", "FlowLogs", c.describe_flow_logs(), m::flow_log);
    Ok(instances)
}

/// `search-transit-gateway-routes --filters Name=state,Values=active,blackhole` for one
/// table: the routes of every page, with `AdditionalRoutesAvailable` as the last page says.
async fn routes(ctx: &Ctx, c: &Client, table: &str) -> Result<(), CollectError> {
    let filter = Filter::builder().name("state").values("active").values("blackhole").build();
    let mut pages = c.search_transit_gateway_routes().transit_gateway_route_table_id(table).filters(filter).into_paginator().send();
    let mut routes = Vec::new();
    let mut more = false;
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => {
                routes.extend(p.routes().iter().map(m::transit_gateway_route));
                more = p.additional_routes_available().unwrap_or(false);
            }
            Err(e) => {
                ctx.fail(S, "SearchTransitGatewayRoutes", &e);
                return Ok(());
            }
        }
    }
    let file = format!("TransitGatewayRoutes/{table}.json");
    ctx.write(S, "SearchTransitGatewayRoutes", &file, &json!({"Routes": routes, "AdditionalRoutesAvailable": more}))
}

/// `describe-managed-prefix-lists`, and the entries of every list (AWS-managed ones too:
/// a list without its entries is an unknown to koban) as
/// `ManagedPrefixListEntries/<pl-id>.json`. The entries are also merged into the lists'
/// records under `Entries` (the form the snapshot reader takes for a list and its CIDRs in
/// one record).
async fn managed_prefix_lists(ctx: &Ctx, c: &Client) -> Result<(), CollectError> {
    const OP: &str = "DescribeManagedPrefixLists";
    let r = c.describe_managed_prefix_lists().into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
    let Some(lists) = ctx.ok(S, OP, r) else { return Ok(()) };
    let mut records = Vec::new();
    for pl in &lists {
        let mut record = m::managed_prefix_list(pl);
        if let Some(id) = pl.prefix_list_id() {
            let file = format!("ManagedPrefixListEntries/{id}.json");
            let r =
                c.get_managed_prefix_list_entries().prefix_list_id(id).into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
            if let Some(entries) = ctx.save(S, "GetManagedPrefixListEntries", &file, r, |v| doc("Entries", v, m::prefix_list_entry))? {
                if let Value::Object(o) = &mut record {
                    o.insert("Entries".into(), Value::Array(entries.iter().map(m::prefix_list_entry).collect()));
                }
            }
        }
        records.push(record);
    }
    ctx.write(S, OP, "ManagedPrefixLists.json", &json!({"PrefixLists": records}))
}
