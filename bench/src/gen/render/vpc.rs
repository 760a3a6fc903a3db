//! VPC-level network resources: VPCs, subnets, route tables, gateways, NACLs, security
//! groups and interface endpoints (`describe-vpcs`, `describe-subnets`, …).

use super::{name_tags, Ctx};
use crate::gen::addr::Ip;
use crate::gen::model::*;
use serde_json::{json, Value};

pub(super) fn vpc_json(c: &Ctx) -> Value {
    let v = c.vpc;
    json!({
        "CidrBlock": v.cidr.to_string(),
        "CidrBlockAssociationSet": [{
            "AssociationId": v.cidr_assoc,
            "CidrBlock": v.cidr.to_string(),
            "CidrBlockState": {"State": "associated"}
        }],
        "DhcpOptionsId": v.dhcp_options,
        "InstanceTenancy": "default",
        "IsDefault": false,
        "OwnerId": c.owner,
        "State": "available",
        "Tags": [{"Key": "Name", "Value": v.name}, {"Key": "Environment", "Value": v.env.name()}],
        "VpcId": v.id
    })
}

pub(super) fn subnet_json(c: &Ctx, s: usize) -> Value {
    let sub = &c.vpc.subnets[s];
    let available = sub.cidr.size().saturating_sub(5 + u64::from(sub.used));
    let name = format!("{}-{}-{}", c.vpc.name, sub.role.name(), ["a", "b"][sub.az]);
    json!({
        "AssignIpv6AddressOnCreation": false,
        "AvailabilityZone": c.az(s),
        "AvailabilityZoneId": c.org.az_ids[sub.az],
        "AvailableIpAddressCount": available,
        "CidrBlock": sub.cidr.to_string(),
        "DefaultForAz": false,
        "EnableDns64": false,
        "Ipv6CidrBlockAssociationSet": [],
        "Ipv6Native": false,
        "MapCustomerOwnedIpOnLaunch": false,
        "MapPublicIpOnLaunch": false,
        "OwnerId": c.owner,
        "State": "available",
        "SubnetArn": format!("arn:aws:ec2:{}:{}:subnet/{}", c.org.region, c.owner, sub.id),
        "SubnetId": sub.id,
        "Tags": name_tags(&name),
        "VpcId": c.vpc.id
    })
}

pub(super) fn rtb_json(c: &Ctx, t: &RouteTable) -> Value {
    let mut assocs: Vec<Value> = Vec::new();
    if let Some(a) = &t.main_assoc {
        assocs.push(json!({
            "AssociationState": {"State": "associated"},
            "Main": true,
            "RouteTableAssociationId": a,
            "RouteTableId": t.id
        }));
    }
    assocs.extend(t.assocs.iter().map(|(s, a)| {
        json!({
            "AssociationState": {"State": "associated"},
            "Main": false,
            "RouteTableAssociationId": a,
            "RouteTableId": t.id,
            "SubnetId": c.subnet_id(*s)
        })
    }));
    let routes: Vec<Value> = t
        .routes
        .iter()
        .map(|r| {
            let mut route = json!({
                "DestinationCidrBlock": r.dest.to_string(),
                "Origin": "CreateRoute",
                "State": "active"
            });
            match &r.target {
                Target::Local => {
                    route["GatewayId"] = json!("local");
                    route["Origin"] = json!("CreateRouteTable");
                }
                Target::Igw(id) => route["GatewayId"] = json!(id),
                Target::Nat(id) => route["NatGatewayId"] = json!(id),
                Target::Tgw(id) => route["TransitGatewayId"] = json!(id),
            }
            route
        })
        .collect();
    json!({
        "Associations": assocs,
        "OwnerId": c.owner,
        "PropagatingVgws": [],
        "RouteTableId": t.id,
        "Routes": routes,
        "Tags": name_tags(&t.name),
        "VpcId": c.vpc.id
    })
}

pub(super) fn igw_json(c: &Ctx, id: &str) -> Value {
    json!({
        "Attachments": [{"State": "available", "VpcId": c.vpc.id}],
        "InternetGatewayId": id,
        "OwnerId": c.owner,
        "Tags": name_tags(&format!("{}-igw", c.vpc.name))
    })
}

pub(super) fn nat_json(c: &Ctx, n: &Nat) -> Value {
    let eni = &c.vpc.enis[n.eni];
    let mut address = json!({
        "IsPrimary": true,
        "NetworkInterfaceId": eni.id,
        "PrivateIp": Ip(eni.ip).to_string(),
        "Status": "succeeded"
    });
    if let Some(p) = &eni.public {
        address["PublicIp"] = json!(Ip(p.ip).to_string());
        if let Some((alloc, assoc)) = &p.eip {
            address["AllocationId"] = json!(alloc);
            address["AssociationId"] = json!(assoc);
        }
    }
    json!({
        "ConnectivityType": "public",
        "CreateTime": "2023-01-03 09:00:00+00:00",
        "NatGatewayAddresses": [address],
        "NatGatewayId": n.id,
        "State": "available",
        "SubnetId": c.subnet_id(n.subnet),
        "Tags": name_tags(&format!("{}-nat-{}", c.vpc.name, c.az(n.subnet))),
        "VpcId": c.vpc.id
    })
}

fn proto_number(p: Proto) -> &'static str {
    match p {
        Proto::All => "-1",
        Proto::Tcp => "6",
        Proto::Udp => "17",
        Proto::Icmp => "1",
    }
}

pub(super) fn nacl_json(c: &Ctx, n: &Nacl) -> Value {
    let entries: Vec<Value> = n
        .entries
        .iter()
        .map(|e| {
            let mut entry = json!({
                "CidrBlock": e.cidr.to_string(),
                "Egress": e.egress,
                "Protocol": proto_number(e.proto),
                "RuleAction": if e.allow { "allow" } else { "deny" },
                "RuleNumber": e.number
            });
            if let Some((from, to)) = e.ports {
                entry["PortRange"] = json!({"From": from, "To": to});
            }
            if e.proto == Proto::Icmp {
                entry["IcmpTypeCode"] = json!({"Code": -1, "Type": -1});
            }
            entry
        })
        .collect();
    let assocs: Vec<Value> = n
        .assocs
        .iter()
        .map(|(s, a)| {
            json!({
                "NetworkAclAssociationId": a,
                "NetworkAclId": n.id,
                "SubnetId": c.subnet_id(*s)
            })
        })
        .collect();
    let name = if n.default { Value::Array(vec![]) } else { name_tags(&format!("{}-app-nacl", c.vpc.name)) };
    json!({
        "Associations": assocs,
        "Entries": entries,
        "IsDefault": n.default,
        "NetworkAclId": n.id,
        "OwnerId": c.owner,
        "Tags": name,
        "VpcId": c.vpc.id
    })
}

fn permission_json(c: &Ctx, p: &Permission) -> Value {
    let ranges: Vec<Value> = p
        .cidrs
        .iter()
        .map(|(cidr, note)| match note {
            Some(d) => json!({"CidrIp": cidr.to_string(), "Description": d}),
            None => json!({"CidrIp": cidr.to_string()}),
        })
        .collect();
    let pairs: Vec<Value> = p.groups.iter().map(|&g| json!({"GroupId": c.vpc.sgs[g].id, "UserId": c.owner})).collect();
    let mut perm = json!({
        "IpProtocol": match p.proto {
            Proto::All => "-1",
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Icmp => "icmp",
        },
        "IpRanges": ranges,
        "Ipv6Ranges": [],
        "PrefixListIds": [],
        "UserIdGroupPairs": pairs
    });
    if let Some((from, to)) = p.ports {
        perm["FromPort"] = json!(from);
        perm["ToPort"] = json!(to);
    }
    perm
}

pub(super) fn sg_json(c: &Ctx, g: &SecurityGroup) -> Value {
    json!({
        "Description": g.description,
        "GroupId": g.id,
        "GroupName": g.name,
        "IpPermissions": g.ingress.iter().map(|p| permission_json(c, p)).collect::<Vec<_>>(),
        "IpPermissionsEgress": g.egress.iter().map(|p| permission_json(c, p)).collect::<Vec<_>>(),
        "OwnerId": c.owner,
        "SecurityGroupArn": format!("arn:aws:ec2:{}:{}:security-group/{}", c.org.region, c.owner, g.id),
        "Tags": [],
        "VpcId": c.vpc.id
    })
}

pub(super) fn vpce_json(c: &Ctx, e: &Endpoint) -> Value {
    let region = c.org.region;
    let host = format!("{}.{region}.amazonaws.com", e.service);
    json!({
        "CreationTimestamp": "2023-01-05 09:00:00+00:00",
        "DnsEntries": [
            {"DnsName": format!("{}-x1y2z3.{}.{region}.vpce.amazonaws.com", e.id, e.service),
             "HostedZoneId": "Z38GZ743OKFT7T"},
            {"DnsName": host, "HostedZoneId": "Z0EXAMPLEPRIVATE"}
        ],
        "DnsOptions": {"DnsRecordIpType": "ipv4"},
        "Groups": c.group_refs(&[e.sg]),
        "IpAddressType": "ipv4",
        "NetworkInterfaceIds": e.enis.iter().map(|&i| c.vpc.enis[i].id.clone()).collect::<Vec<_>>(),
        "OwnerId": c.owner,
        "PolicyDocument": "{\"Version\":\"2008-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
        "PrivateDnsEnabled": true,
        "RequesterManaged": false,
        "RouteTableIds": [],
        "ServiceName": format!("com.amazonaws.{region}.{}", e.service),
        "State": "available",
        "SubnetIds": e.subnets.iter().map(|&s| c.subnet_id(s).to_string()).collect::<Vec<_>>(),
        "Tags": [],
        "VpcEndpointId": e.id,
        "VpcEndpointType": "Interface",
        "VpcId": c.vpc.id
    })
}
