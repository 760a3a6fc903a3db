//! Renders the generated organisation as Terraform state, the JSON `terraform show -json`
//! prints for a state file (`format_version` 1.0, `values.root_module`), one child module per
//! account: VPCs, subnets, route tables with inline routes and their associations, internet
//! and NAT gateways with their Elastic IPs, network ACLs, security groups, instances (and
//! their extra interfaces), interface endpoints, the Transit Gateway with its attachments,
//! route tables, associations, propagations and static routes, the VPN and customer gateway.

use super::addr::Ip;
use super::model::*;
use serde_json::{json, Value};

fn res(module: &str, ty: &str, name: &str, values: Value) -> Value {
    json!({
        "address": format!("{module}.{ty}.{name}"),
        "mode": "managed",
        "type": ty,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 0,
        "values": values,
        "sensitive_values": {}
    })
}

fn proto(p: Proto) -> &'static str {
    match p {
        Proto::All => "-1",
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
        Proto::Icmp => "icmp",
    }
}

fn sg_blocks(v: &Vpc, perms: &[Permission]) -> Value {
    perms
        .iter()
        .map(|p| {
            let (from, to) = p.ports.unwrap_or((0, 0));
            json!({
                "cidr_blocks": p.cidrs.iter().map(|(c, _)| c.to_string()).collect::<Vec<_>>(),
                "description": p.cidrs.iter().find_map(|(_, d)| *d).unwrap_or(""),
                "from_port": from,
                "to_port": to,
                "ipv6_cidr_blocks": [],
                "prefix_list_ids": [],
                "protocol": proto(p.proto),
                "security_groups": p.groups.iter().map(|&g| v.sgs[g].id.clone()).collect::<Vec<_>>(),
                "self": false
            })
        })
        .collect()
}

fn nacl_blocks(n: &Nacl, egress: bool) -> Value {
    n.entries
        .iter()
        .filter(|e| e.egress == egress && e.number < 32767)
        .map(|e| {
            let (from, to) = e.ports.unwrap_or((0, 0));
            let (t, c) = if e.proto == Proto::Icmp { (-1, -1) } else { (0, 0) };
            json!({
                "rule_no": e.number,
                "action": if e.allow { "allow" } else { "deny" },
                "protocol": match e.proto { Proto::All => "-1", Proto::Tcp => "6", Proto::Udp => "17", Proto::Icmp => "1" },
                "cidr_block": e.cidr.to_string(),
                "ipv6_cidr_block": "",
                "from_port": from,
                "to_port": to,
                "icmp_type": t,
                "icmp_code": c
            })
        })
        .collect()
}

fn vpc_resources(org: &Org, v: &Vpc, module: &str, out: &mut Vec<Value>) {
    let owner = &org.accounts[v.account];
    let main = v.route_tables.iter().find(|t| t.main_assoc.is_some()).map(|t| t.id.clone()).unwrap_or_default();
    let default_acl = v.nacls.iter().find(|n| n.default).map(|n| n.id.clone()).unwrap_or_default();
    let default_sg = v.sgs.iter().find(|g| g.name == "default").map(|g| g.id.clone()).unwrap_or_default();
    let n = &v.id;
    out.push(res(
        module,
        "aws_vpc",
        n,
        json!({"id": v.id, "cidr_block": v.cidr.to_string(), "owner_id": owner, "main_route_table_id": main, "default_route_table_id": main,
               "default_network_acl_id": default_acl, "default_security_group_id": default_sg, "arn": format!("arn:aws:ec2:{}:{owner}:vpc/{}", org.region, v.id),
               "tags": {"Name": v.name, "Environment": v.env.name()}}),
    ));
    for s in &v.subnets {
        out.push(res(
            module,
            "aws_subnet",
            &s.id,
            json!({"id": s.id, "vpc_id": v.id, "cidr_block": s.cidr.to_string(), "availability_zone": org.azs[s.az], "availability_zone_id": org.az_ids[s.az],
                   "map_public_ip_on_launch": false, "owner_id": owner, "arn": format!("arn:aws:ec2:{}:{owner}:subnet/{}", org.region, s.id)}),
        ));
    }
    if let Some(igw) = &v.igw {
        out.push(res(module, "aws_internet_gateway", igw, json!({"id": igw, "vpc_id": v.id, "owner_id": owner})));
    }
    for t in &v.route_tables {
        let routes: Vec<Value> = t
            .routes
            .iter()
            .filter_map(|r| {
                let mut b = json!({"cidr_block": r.dest.to_string(), "gateway_id": "", "nat_gateway_id": "", "transit_gateway_id": "", "vpc_endpoint_id": "",
                                   "network_interface_id": "", "vpc_peering_connection_id": "", "egress_only_gateway_id": "", "ipv6_cidr_block": "",
                                   "destination_prefix_list_id": "", "carrier_gateway_id": "", "local_gateway_id": "", "core_network_arn": ""});
                match &r.target {
                    Target::Local => return None,
                    Target::Igw(x) => b["gateway_id"] = json!(x),
                    Target::Nat(x) => b["nat_gateway_id"] = json!(x),
                    Target::Tgw(x) => b["transit_gateway_id"] = json!(x),
                }
                Some(b)
            })
            .collect();
        let ty = if t.main_assoc.is_some() { "aws_default_route_table" } else { "aws_route_table" };
        let mut values =
            json!({"id": t.id, "vpc_id": v.id, "owner_id": owner, "route": routes, "propagating_vgws": [], "tags": {"Name": t.name}});
        if t.main_assoc.is_some() {
            values["default_route_table_id"] = json!(t.id);
        }
        out.push(res(module, ty, &t.id, values));
        for (s, assoc) in &t.assocs {
            out.push(res(
                module,
                "aws_route_table_association",
                assoc,
                json!({"id": assoc, "route_table_id": t.id, "subnet_id": v.subnets[*s].id, "gateway_id": ""}),
            ));
        }
    }
    for nat in &v.nats {
        let e = &v.enis[nat.eni];
        let (public, alloc) = match &e.public {
            Some(PublicIp { ip, eip: Some((alloc, _)) }) => (Some(Ip(*ip).to_string()), Some(alloc.clone())),
            _ => (None, None),
        };
        if let (Some(p), Some(a)) = (&public, &alloc) {
            out.push(res(module, "aws_eip", a, json!({"id": a, "allocation_id": a, "public_ip": p, "domain": "vpc", "network_interface": e.id, "private_ip": Ip(e.ip).to_string()})));
        }
        out.push(res(
            module,
            "aws_nat_gateway",
            &nat.id,
            json!({"id": nat.id, "subnet_id": v.subnets[nat.subnet].id, "allocation_id": alloc, "connectivity_type": "public", "network_interface_id": e.id,
                   "private_ip": Ip(e.ip).to_string(), "public_ip": public}),
        ));
    }
    for acl in &v.nacls {
        let ty = if acl.default { "aws_default_network_acl" } else { "aws_network_acl" };
        let mut values = json!({"id": acl.id, "vpc_id": v.id, "owner_id": owner, "subnet_ids": acl.assocs.iter().map(|(s, _)| v.subnets[*s].id.clone()).collect::<Vec<_>>(),
                                "ingress": nacl_blocks(acl, false), "egress": nacl_blocks(acl, true)});
        if acl.default {
            values["default_network_acl_id"] = json!(acl.id);
        }
        out.push(res(module, ty, &acl.id, values));
    }
    for g in &v.sgs {
        out.push(res(
            module,
            "aws_security_group",
            &g.id,
            json!({"id": g.id, "name": g.name, "description": g.description, "vpc_id": v.id, "owner_id": owner,
                   "ingress": sg_blocks(v, &g.ingress), "egress": sg_blocks(v, &g.egress)}),
        ));
    }
    for (i, inst) in v.instances.iter().enumerate() {
        let primary = inst.enis.iter().map(|&e| &v.enis[e]).find(|e| matches!(e.kind, EniKind::Instance { device_index: 0, .. }));
        let Some(p) = primary else { continue };
        let _ = i;
        out.push(res(
            module,
            "aws_instance",
            &inst.id,
            json!({"id": inst.id, "ami": inst.image, "instance_type": inst.instance_type, "subnet_id": v.subnets[inst.subnet].id,
                   "private_ip": Ip(p.ip).to_string(), "secondary_private_ips": p.secondary_ips.iter().map(|x| Ip(*x).to_string()).collect::<Vec<_>>(),
                   "vpc_security_group_ids": inst.sgs.iter().map(|&g| v.sgs[g].id.clone()).collect::<Vec<_>>(),
                   "primary_network_interface_id": p.id, "instance_state": "running", "source_dest_check": true,
                   "public_ip": p.public.as_ref().map(|x| Ip(x.ip).to_string()).unwrap_or_default(),
                   "tags": {"Name": inst.name}}),
        ));
        for &e in &inst.enis {
            let eni = &v.enis[e];
            if let EniKind::Instance { device_index, .. } = eni.kind {
                if device_index > 0 {
                    out.push(res(
                        module,
                        "aws_network_interface",
                        &eni.id,
                        json!({"id": eni.id, "subnet_id": v.subnets[eni.subnet].id, "private_ip": Ip(eni.ip).to_string(),
                               "private_ips": std::iter::once(eni.ip).chain(eni.secondary_ips.iter().copied()).map(|x| Ip(x).to_string()).collect::<Vec<_>>(),
                               "security_groups": eni.sgs.iter().map(|&g| v.sgs[g].id.clone()).collect::<Vec<_>>(), "source_dest_check": true,
                               "attachment": [{"instance": inst.id, "device_index": device_index, "attachment_id": eni.attachment_id}]}),
                    ));
                }
            }
        }
    }
    for ep in &v.endpoints {
        out.push(res(
            module,
            "aws_vpc_endpoint",
            &ep.id,
            json!({"id": ep.id, "vpc_id": v.id, "service_name": format!("com.amazonaws.{}.{}", org.region, ep.service), "vpc_endpoint_type": "Interface",
                   "subnet_ids": ep.subnets.iter().map(|&s| v.subnets[s].id.clone()).collect::<Vec<_>>(),
                   "network_interface_ids": ep.enis.iter().map(|&e| v.enis[e].id.clone()).collect::<Vec<_>>(),
                   "security_group_ids": [v.sgs[ep.sg].id], "private_dns_enabled": true, "route_table_ids": []}),
        ));
    }
    let a = &v.attachment;
    out.push(res(
        module,
        "aws_ec2_transit_gateway_vpc_attachment",
        &a.id,
        json!({"id": a.id, "transit_gateway_id": org.transit.tgw, "vpc_id": v.id, "vpc_owner_id": owner,
               "subnet_ids": a.subnets.iter().map(|&s| v.subnets[s].id.clone()).collect::<Vec<_>>(), "appliance_mode_support": "disable",
               "transit_gateway_default_route_table_association": false, "transit_gateway_default_route_table_propagation": false}),
    ));
}

fn transit_resources(org: &Org, module: &str, out: &mut Vec<Value>) {
    let t = &org.transit;
    out.push(res(
        module,
        "aws_ec2_transit_gateway",
        &t.tgw,
        json!({"id": t.tgw, "amazon_side_asn": 64512, "default_route_table_association": "disable", "default_route_table_propagation": "disable",
               "owner_id": org.accounts[Org::NETWORK_ACCOUNT]}),
    ));
    out.push(res(module, "aws_customer_gateway", &t.vpn.customer_gateway, json!({"id": t.vpn.customer_gateway, "bgp_asn": "65000", "ip_address": Ip(t.vpn.customer_gateway_ip).to_string(), "type": "ipsec.1"})));
    out.push(res(
        module,
        "aws_vpn_connection",
        &t.vpn.id,
        json!({"id": t.vpn.id, "customer_gateway_id": t.vpn.customer_gateway, "transit_gateway_id": t.tgw, "transit_gateway_attachment_id": t.vpn.attachment,
               "static_routes_only": false, "type": "ipsec.1"}),
    ));
    for (i, table) in t.tables.iter().enumerate() {
        out.push(res(
            module,
            "aws_ec2_transit_gateway_route_table",
            &table.id,
            json!({"id": table.id, "transit_gateway_id": t.tgw, "tags": {"Name": table.name}}),
        ));
        for (k, r) in table.static_routes.iter().enumerate() {
            let (att, blackhole) = match r.target {
                TgwTarget::Vpc(v) => (Some(org.vpcs[v].attachment.id.clone()), false),
                TgwTarget::Vpn => (Some(t.vpn.attachment.clone()), false),
                TgwTarget::Blackhole => (None, true),
            };
            out.push(res(
                module,
                "aws_ec2_transit_gateway_route",
                &format!("{}_{k}", table.id),
                json!({"id": format!("{}_{}", table.id, r.dest), "destination_cidr_block": r.dest.to_string(), "transit_gateway_attachment_id": att,
                       "blackhole": blackhole, "transit_gateway_route_table_id": table.id}),
            ));
        }
        for &v in &table.propagations {
            let a = &org.vpcs[v].attachment.id;
            out.push(res(
                module,
                "aws_ec2_transit_gateway_route_table_propagation",
                &format!("{}_{a}", table.id),
                json!({"id": format!("{}_{a}", table.id), "transit_gateway_attachment_id": a, "transit_gateway_route_table_id": table.id}),
            ));
        }
        for v in org.vpcs.iter().filter(|v| v.attachment.table == i) {
            let a = &v.attachment.id;
            out.push(res(
                module,
                "aws_ec2_transit_gateway_route_table_association",
                &format!("{}_{a}", table.id),
                json!({"id": format!("{}_{a}", table.id), "transit_gateway_attachment_id": a, "transit_gateway_route_table_id": table.id}),
            ));
        }
        if t.vpn.table == i {
            let a = &t.vpn.attachment;
            out.push(res(
                module,
                "aws_ec2_transit_gateway_route_table_association",
                &format!("{}_{a}", table.id),
                json!({"id": format!("{}_{a}", table.id), "transit_gateway_attachment_id": a, "transit_gateway_route_table_id": table.id}),
            ));
        }
    }
}

/// The organisation as one Terraform state document: a child module per account.
pub fn render(org: &Org) -> Value {
    let modules: Vec<Value> = (0..org.accounts.len())
        .map(|a| {
            let module = format!("module.account_{}", org.accounts[a]);
            let mut resources = Vec::new();
            if a == Org::NETWORK_ACCOUNT {
                transit_resources(org, &module, &mut resources);
            }
            for v in org.vpcs.iter().filter(|v| v.account == a) {
                vpc_resources(org, v, &module, &mut resources);
            }
            json!({"address": module, "resources": resources})
        })
        .collect();
    json!({
        "format_version": "1.0",
        "terraform_version": "1.9.5",
        "values": {"outputs": {}, "root_module": {"resources": [], "child_modules": modules}}
    })
}
