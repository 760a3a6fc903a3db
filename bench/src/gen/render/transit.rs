//! The Transit Gateway, its attachments, route tables, routes and propagations, and the VPN
//! to on-premises (`describe-transit-gateways`, `search-transit-gateway-routes`, …).

use super::{name_tags, Ctx, Files};
use crate::gen::addr::{Ip, ONPREM};
use crate::gen::model::*;
use serde_json::{json, Value};

/// The Transit Gateway files of the network account.
pub fn transit_files(org: &Org) -> Files {
    let owner = org.accounts[Org::NETWORK_ACCOUNT].as_str();
    let t = &org.transit;
    let region = org.region;
    let mut files = Files::new();
    files.push((
        "TransitGateways.json".into(),
        json!({"TransitGateways": [{
            "CreationTime": "2023-01-01 09:00:00+00:00",
            "Description": "corporate transit gateway",
            "Options": {
                "AmazonSideAsn": 64512,
                "AutoAcceptSharedAttachments": "enable",
                "DefaultRouteTableAssociation": "disable",
                "DefaultRouteTablePropagation": "disable",
                "DnsSupport": "enable",
                "MulticastSupport": "disable",
                "SecurityGroupReferencingSupport": "disable",
                "VpnEcmpSupport": "enable"
            },
            "OwnerId": owner,
            "State": "available",
            "Tags": name_tags("corporate-tgw"),
            "TransitGatewayArn": format!("arn:aws:ec2:{region}:{owner}:transit-gateway/{}", t.tgw),
            "TransitGatewayId": t.tgw,
        }]}),
    ));
    let mut attachments: Vec<Value> = org
        .vpcs
        .iter()
        .map(|v| {
            json!({
                "Association": {
                    "State": "associated",
                    "TransitGatewayRouteTableId": t.tables[v.attachment.table].id
                },
                "CreationTime": "2023-01-02 09:00:00+00:00",
                "ResourceId": v.id,
                "ResourceOwnerId": org.accounts[v.account],
                "ResourceType": "vpc",
                "State": "available",
                "Tags": name_tags(&v.name),
                "TransitGatewayAttachmentId": v.attachment.id,
                "TransitGatewayId": t.tgw,
                "TransitGatewayOwnerId": owner
            })
        })
        .collect();
    attachments.push(json!({
        "Association": {
            "State": "associated",
            "TransitGatewayRouteTableId": t.tables[t.vpn.table].id
        },
        "CreationTime": "2023-01-01 10:00:00+00:00",
        "ResourceId": t.vpn.id,
        "ResourceOwnerId": owner,
        "ResourceType": "vpn",
        "State": "available",
        "Tags": name_tags("onprem-vpn"),
        "TransitGatewayAttachmentId": t.vpn.attachment,
        "TransitGatewayId": t.tgw,
        "TransitGatewayOwnerId": owner
    }));
    files.push(("TransitGatewayAttachments.json".into(), json!({ "TransitGatewayAttachments": attachments })));
    let tables: Vec<Value> = t
        .tables
        .iter()
        .map(|tt| {
            json!({
                "CreationTime": "2023-01-01 09:05:00+00:00",
                "DefaultAssociationRouteTable": false,
                "DefaultPropagationRouteTable": false,
                "State": "available",
                "Tags": name_tags(tt.name),
                "TransitGatewayId": t.tgw,
                "TransitGatewayRouteTableId": tt.id
            })
        })
        .collect();
    files.push(("TransitGatewayRouteTables.json".into(), json!({ "TransitGatewayRouteTables": tables })));
    files.push((
        "VpnConnections.json".into(),
        json!({"VpnConnections": [{
            "Category": "VPN",
            "CustomerGatewayId": t.vpn.customer_gateway,
            "Options": {
                "EnableAcceleration": false,
                "LocalIpv4NetworkCidr": "0.0.0.0/0",
                "OutsideIpAddressType": "PublicIpv4",
                "RemoteIpv4NetworkCidr": "0.0.0.0/0",
                "StaticRoutesOnly": true,
                "TunnelInsideIpVersion": "ipv4"
            },
            "Routes": [{
                "DestinationCidrBlock": ONPREM.to_string(),
                "Source": "Static",
                "State": "available"
            }],
            "State": "available",
            "Tags": name_tags("onprem-vpn"),
            "TransitGatewayId": t.tgw,
            "Type": "ipsec.1",
            "VgwTelemetry": [
                {"AcceptedRouteCount": 0, "LastStatusChange": "2023-01-01 10:10:00+00:00",
                 "OutsideIpAddress": "34.248.10.1", "Status": "UP", "StatusMessage": ""},
                {"AcceptedRouteCount": 0, "LastStatusChange": "2023-01-01 10:10:00+00:00",
                 "OutsideIpAddress": "52.208.10.2", "Status": "UP", "StatusMessage": ""}
            ],
            "VpnConnectionId": t.vpn.id
        }]}),
    ));
    files.push((
        "CustomerGateways.json".into(),
        json!({"CustomerGateways": [{
            "BgpAsn": "65000",
            "CustomerGatewayId": t.vpn.customer_gateway,
            "IpAddress": Ip(t.vpn.customer_gateway_ip).to_string(),
            "State": "available",
            "Tags": name_tags("datacenter"),
            "Type": "ipsec.1"
        }]}),
    ));
    files
}

/// `TransitGatewayRoutes/<tgw-rtb>.json` (`search-transit-gateway-routes`, static routes, plus
/// propagated ones when asked) and `TransitGatewayPropagations/<tgw-rtb>.json`
/// (`get-transit-gateway-route-table-propagations`) for every TGW route table.
pub fn tgw_table_files(org: &Org, with_propagated: bool) -> Files {
    let t = &org.transit;
    let vpc_target = |k: usize| {
        let v = &org.vpcs[k];
        json!([{
            "ResourceId": v.id,
            "ResourceType": "vpc",
            "TransitGatewayAttachmentId": v.attachment.id
        }])
    };
    let mut files = Files::new();
    for tt in &t.tables {
        let mut routes: Vec<Value> = tt
            .static_routes
            .iter()
            .map(|r| {
                let mut route = json!({
                    "DestinationCidrBlock": r.dest.to_string(),
                    "State": "active",
                    "Type": "static"
                });
                match r.target {
                    TgwTarget::Vpc(k) => route["TransitGatewayAttachments"] = vpc_target(k),
                    TgwTarget::Vpn => {
                        route["TransitGatewayAttachments"] = json!([{
                            "ResourceId": t.vpn.id,
                            "ResourceType": "vpn",
                            "TransitGatewayAttachmentId": t.vpn.attachment
                        }])
                    }
                    TgwTarget::Blackhole => route["State"] = json!("blackhole"),
                }
                route
            })
            .collect();
        if with_propagated {
            routes.extend(tt.propagations.iter().map(|&k| {
                json!({
                    "DestinationCidrBlock": org.vpcs[k].cidr.to_string(),
                    "State": "active",
                    "TransitGatewayAttachments": vpc_target(k),
                    "Type": "propagated"
                })
            }));
        }
        files.push((format!("TransitGatewayRoutes/{}.json", tt.id), json!({"AdditionalRoutesAvailable": false, "Routes": routes})));
        let props: Vec<Value> = tt
            .propagations
            .iter()
            .map(|&k| {
                let v = &org.vpcs[k];
                json!({
                    "ResourceId": v.id,
                    "ResourceType": "vpc",
                    "State": "enabled",
                    "TransitGatewayAttachmentId": v.attachment.id
                })
            })
            .collect();
        files.push((format!("TransitGatewayPropagations/{}.json", tt.id), json!({ "TransitGatewayRouteTablePropagations": props })));
    }
    files
}

pub(super) fn vpc_attachment_json(c: &Ctx) -> Value {
    let v = c.vpc;
    json!({
        "CreationTime": "2023-01-02 09:00:00+00:00",
        "Options": {
            "ApplianceModeSupport": "disable",
            "DnsSupport": "enable",
            "Ipv6Support": "disable",
            "SecurityGroupReferencingSupport": "disable"
        },
        "State": "available",
        "SubnetIds": v.attachment.subnets.iter().map(|&s| c.subnet_id(s).to_string()).collect::<Vec<_>>(),
        "Tags": name_tags(&v.name),
        "TransitGatewayAttachmentId": v.attachment.id,
        "TransitGatewayId": c.org.transit.tgw,
        "VpcId": v.id,
        "VpcOwnerId": c.owner
    })
}
