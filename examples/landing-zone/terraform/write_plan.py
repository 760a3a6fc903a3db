"""Writes plan.json: the `terraform show -json` document of a plan of main.tf (Terraform
1.9, format_version 1.2), in which every resource is being created. Terraform cannot be
installed where koban is developed, so the plan is written to the exact shape Terraform
prints (planned_values, resource_changes with after_unknown, configuration with the
expressions' references) rather than produced by `terraform plan`.

    python3 write_plan.py > plan.json
"""
import json

import access

PROVIDER = "registry.terraform.io/hashicorp/aws"
resources = []  # (module, type, name, key, values, unknown, expressions)


def ref(*addresses):
    out = []
    for a in addresses:
        out += [a + ".id", a]
    return {"references": out}


def const(v):
    return {"constant_value": v}


def add(module, ty, name, values, unknown=(), expressions=None, key=None, provider="aws"):
    resources.append((module, ty, name, key, values, list(unknown), expressions or {}, provider))


def tags(name):
    return {"Name": name}


NET = "network"
# --- module "network": the network account's Transit Gateway, VPN and customer gateway
add(NET, "aws_ec2_transit_gateway", "corp",
    {"amazon_side_asn": 64512, "default_route_table_association": "disable", "default_route_table_propagation": "disable",
     "description": "corporate Transit Gateway", "tags": tags("corp-tgw")},
    ["id", "arn", "owner_id", "association_default_route_table_id", "propagation_default_route_table_id"],
    {"amazon_side_asn": const(64512), "default_route_table_association": const("disable"), "default_route_table_propagation": const("disable")})
for n in ["spokes", "onprem"]:
    add(NET, "aws_ec2_transit_gateway_route_table", n, {"tags": tags(n)}, ["id", "arn", "transit_gateway_id", "default_association_route_table", "default_propagation_route_table"],
        {"transit_gateway_id": ref("aws_ec2_transit_gateway.corp")})
add(NET, "aws_customer_gateway", "dc1", {"bgp_asn": "65000", "ip_address": "198.51.100.10", "type": "ipsec.1", "tags": tags("dc1-edge")}, ["id", "arn"],
    {"bgp_asn": const("65000"), "ip_address": const("198.51.100.10"), "type": const("ipsec.1")})
add(NET, "aws_vpn_connection", "dc1", {"static_routes_only": False, "type": "ipsec.1", "tags": tags("dc1-vpn")},
    ["id", "arn", "customer_gateway_id", "transit_gateway_id", "transit_gateway_attachment_id", "tunnel1_address", "tunnel2_address", "routes", "vgw_telemetry"],
    {"customer_gateway_id": ref("aws_customer_gateway.dc1"), "transit_gateway_id": ref("aws_ec2_transit_gateway.corp"), "static_routes_only": const(False), "type": const("ipsec.1")})
add(NET, "aws_ec2_transit_gateway_route_table_association", "vpn_onprem", {"replace_existing_association": False},
    ["id", "resource_id", "resource_type", "transit_gateway_attachment_id", "transit_gateway_route_table_id"],
    {"transit_gateway_attachment_id": {"references": ["aws_vpn_connection.dc1.transit_gateway_attachment_id", "aws_vpn_connection.dc1"]},
     "transit_gateway_route_table_id": ref("aws_ec2_transit_gateway_route_table.onprem")})
add(NET, "aws_ec2_transit_gateway_route_table_propagation", "vpn_spokes", {},
    ["id", "resource_id", "resource_type", "transit_gateway_attachment_id", "transit_gateway_route_table_id"],
    {"transit_gateway_attachment_id": {"references": ["aws_vpn_connection.dc1.transit_gateway_attachment_id", "aws_vpn_connection.dc1"]},
     "transit_gateway_route_table_id": ref("aws_ec2_transit_gateway_route_table.spokes")})
NET_OUTPUTS = {
    "transit_gateway_id": ref("aws_ec2_transit_gateway.corp"),
    "spokes_route_table_id": ref("aws_ec2_transit_gateway_route_table.spokes"),
    "onprem_route_table_id": ref("aws_ec2_transit_gateway_route_table.onprem"),
}

# --- root module: the prod VPC
R = ""
add(R, "aws_vpc", "prod", {"cidr_block": "10.10.0.0/16", "enable_dns_hostnames": True, "enable_dns_support": True, "tags": tags("prod-vpc")},
    ["id", "arn", "owner_id", "main_route_table_id", "default_network_acl_id", "default_security_group_id", "default_route_table_id"],
    {"cidr_block": const("10.10.0.0/16")})
add(R, "aws_vpc_ipv4_cidr_block_association", "secondary", {"cidr_block": "100.64.0.0/16"}, ["id", "vpc_id"],
    {"cidr_block": const("100.64.0.0/16"), "vpc_id": ref("aws_vpc.prod")})
SUBNETS = {"public-a": ("10.10.0.0/24", "a"), "public-b": ("10.10.1.0/24", "b"), "inspection-a": ("10.10.2.0/24", "a"),
           "inspection-b": ("10.10.3.0/24", "b"), "endpoints-a": ("10.10.4.0/24", "a"), "endpoints-b": ("10.10.5.0/24", "b"),
           "transit-a": ("10.10.6.0/28", "a"), "transit-b": ("10.10.6.16/28", "b"), "app-a": ("10.10.10.0/24", "a"),
           "app-b": ("10.10.11.0/24", "b"), "legacy-a": ("10.10.12.0/24", "a"), "batch-b": ("100.64.0.0/24", "b")}
for k, (cidr, az) in SUBNETS.items():
    add(R, "aws_subnet", "this", {"cidr_block": cidr, "availability_zone": "eu-west-1" + az, "map_public_ip_on_launch": False,
                                   "tags": {"Name": k, "Role": k.rsplit("-", 1)[0] if not k.startswith(("app", "legacy", "batch")) else "instances"}},
        ["id", "arn", "owner_id", "availability_zone_id", "vpc_id"],
        {"cidr_block": {"references": ["each.value.cidr", "each.value"]}, "availability_zone": {"references": ["each.value.az", "each.value"]},
         "vpc_id": ref("aws_vpc.prod")}, key=k)


def subnet(k):
    return 'aws_subnet.this["%s"]' % k


add(R, "aws_internet_gateway", "prod", {"tags": tags("prod-igw")}, ["id", "arn", "owner_id", "vpc_id"], {"vpc_id": ref("aws_vpc.prod")})
for az, ip, pub in [("a", "10.10.0.10", "52.50.10.10"), ("b", "10.10.1.10", "52.50.10.11")]:
    add(R, "aws_eip", "nat_" + az, {"domain": "vpc", "address": pub, "tags": tags("nat-%s-eip" % az)},
        ["id", "allocation_id", "public_ip", "association_id", "network_interface", "private_ip", "instance"], {"domain": const("vpc"), "address": const(pub)})
    add(R, "aws_nat_gateway", az, {"connectivity_type": "public", "private_ip": ip, "tags": tags("nat-" + az)},
        ["id", "allocation_id", "subnet_id", "network_interface_id", "public_ip", "association_id"],
        {"allocation_id": ref("aws_eip.nat_" + az), "subnet_id": ref(subnet("public-" + az)), "private_ip": const(ip)})
    add(R, "aws_vpc_endpoint", "ips_" + az, {"service_name": "com.amazonaws.vpce.eu-west-1.vpce-svc-0ab12cd34ef56ab78", "vpc_endpoint_type": "GatewayLoadBalancer",
                                              "tags": tags("ips-gwlbe-" + az)},
        ["id", "arn", "vpc_id", "subnet_ids", "network_interface_ids", "owner_id", "state"],
        {"service_name": {"references": ["var.ips_service_name"]}, "vpc_endpoint_type": const("GatewayLoadBalancer"),
         "vpc_id": ref("aws_vpc.prod"), "subnet_ids": ref(subnet("inspection-" + az))})
add(R, "aws_security_group", "vpce", {"name": "vpce-sg", "description": "interface endpoints, HTTPS from the VPC", "tags": tags("vpce-sg"), "egress": [
    {"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 0, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "-1", "security_groups": [], "self": False, "to_port": 0}],
    "ingress": [{"cidr_blocks": ["10.10.0.0/16", "100.64.0.0/16"], "description": "", "from_port": 443, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "tcp",
                 "security_groups": [], "self": False, "to_port": 443}]},
    ["id", "arn", "owner_id", "vpc_id"], {"vpc_id": ref("aws_vpc.prod"), "name": const("vpce-sg")})
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "OrgPrincipalsReadSecrets", "Effect": "Allow", "Principal": "*",
                     "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]})
for svc in ["secretsmanager", "ssm", "ssmmessages", "ec2messages"]:
    values = {"service_name": "com.amazonaws.eu-west-1." + svc, "vpc_endpoint_type": "Interface", "private_dns_enabled": True, "tags": tags("vpce-" + svc)}
    unknown = ["id", "arn", "vpc_id", "subnet_ids", "security_group_ids", "network_interface_ids", "dns_entry", "owner_id", "state"]
    if svc == "secretsmanager":
        values["policy"] = POLICY
    else:
        unknown.append("policy")
    add(R, "aws_vpc_endpoint", "interface", values, unknown,
        {"service_name": {"references": ["each.key"]}, "vpc_id": ref("aws_vpc.prod"), "subnet_ids": ref(subnet("endpoints-a"), subnet("endpoints-b")),
         "security_group_ids": ref("aws_security_group.vpce"), "private_dns_enabled": const(True)}, key=svc)
add(R, "aws_ec2_transit_gateway_vpc_attachment", "prod", {"appliance_mode_support": "enable", "transit_gateway_default_route_table_association": False,
                                                          "transit_gateway_default_route_table_propagation": False, "tags": tags("prod-vpc-attachment")},
    ["id", "transit_gateway_id", "vpc_id", "subnet_ids", "vpc_owner_id"],
    {"transit_gateway_id": {"references": ["module.network.transit_gateway_id", "module.network"]}, "vpc_id": ref("aws_vpc.prod"),
     "subnet_ids": ref(subnet("transit-a"), subnet("transit-b")), "appliance_mode_support": const("enable")})
add(R, "aws_ec2_transit_gateway_route_table_association", "prod_spokes", {"replace_existing_association": False},
    ["id", "resource_id", "resource_type", "transit_gateway_attachment_id", "transit_gateway_route_table_id"],
    {"transit_gateway_attachment_id": ref("aws_ec2_transit_gateway_vpc_attachment.prod"),
     "transit_gateway_route_table_id": {"references": ["module.network.spokes_route_table_id", "module.network"]}})
add(R, "aws_ec2_transit_gateway_route", "onprem_to_prod", {"destination_cidr_block": "10.10.0.0/16", "blackhole": False},
    ["id", "transit_gateway_attachment_id", "transit_gateway_route_table_id"],
    {"destination_cidr_block": const("10.10.0.0/16"), "transit_gateway_attachment_id": ref("aws_ec2_transit_gateway_vpc_attachment.prod"),
     "transit_gateway_route_table_id": {"references": ["module.network.onprem_route_table_id", "module.network"]}})
add(R, "aws_ec2_transit_gateway_route", "onprem_blackhole", {"destination_cidr_block": "10.10.99.0/24", "blackhole": True},
    ["id", "transit_gateway_route_table_id"],
    {"destination_cidr_block": const("10.10.99.0/24"), "blackhole": const(True),
     "transit_gateway_route_table_id": {"references": ["module.network.onprem_route_table_id", "module.network"]}})

TGW = ("transit_gateway_id", {"references": ["module.network.transit_gateway_id", "module.network"]})
TABLES = {
    "public-a": ["public-a"], "public-b": ["public-b"], "inspection-a": ["inspection-a"], "inspection-b": ["inspection-b"],
    "endpoints-a": ["endpoints-a"], "endpoints-b": ["endpoints-b"], "transit-a": ["transit-a"], "transit-b": ["transit-b"],
    "app-a": ["app-a"], "app-b": ["app-b", "batch-b"], "legacy-a": ["legacy-a"],
}
ROUTES = []  # (table, destination, attribute, expression)
for az in "ab":
    gw = ref("aws_vpc_endpoint.ips_" + az)
    ROUTES += [("public-" + az, "0.0.0.0/0", "gateway_id", ref("aws_internet_gateway.prod")),
               ("public-" + az, "10.10.10.0/24", "vpc_endpoint_id", ref("aws_vpc_endpoint.ips_a")),
               ("public-" + az, "10.10.11.0/24", "vpc_endpoint_id", ref("aws_vpc_endpoint.ips_b")),
               ("public-" + az, "100.64.0.0/24", "vpc_endpoint_id", ref("aws_vpc_endpoint.ips_b")),
               ("inspection-" + az, "0.0.0.0/0", "nat_gateway_id", ref("aws_nat_gateway." + az)),
               ("inspection-" + az, "10.0.0.0/8", TGW[0], TGW[1]),
               ("inspection-" + az, "192.168.0.0/16", TGW[0], TGW[1]),
               ("endpoints-" + az, "10.0.0.0/8", "vpc_endpoint_id", gw),
               ("endpoints-" + az, "192.168.0.0/16", "vpc_endpoint_id", gw)]
    ROUTES += [("transit-" + az, d, "vpc_endpoint_id", gw) for d in ["10.10.10.0/24", "10.10.11.0/24", "10.10.12.0/24", "100.64.0.0/24", "10.10.4.0/24", "10.10.5.0/24"]]
    ROUTES += [("app-" + az, d, "vpc_endpoint_id", gw) for d in ["0.0.0.0/0", "10.0.0.0/8", "192.168.0.0/16"]]
ROUTES += [("legacy-a", "0.0.0.0/0", "nat_gateway_id", ref("aws_nat_gateway.a")), ("legacy-a", "10.0.0.0/8", TGW[0], TGW[1])]
for t in TABLES:
    add(R, "aws_route_table", "this", {"tags": tags(t)}, ["id", "arn", "owner_id", "vpc_id", "route", "propagating_vgws"], {"vpc_id": ref("aws_vpc.prod")}, key=t)
    for s in TABLES[t]:
        add(R, "aws_route_table_association", s.replace("-", "_"), {"gateway_id": None}, ["id", "route_table_id", "subnet_id"],
            {"route_table_id": ref('aws_route_table.this["%s"]' % t), "subnet_id": ref(subnet(s))})
for i, (t, dest, attr, expr) in enumerate(ROUTES):
    add(R, "aws_route", "r%02d_%s" % (i, t.replace("-", "_")), {"destination_cidr_block": dest}, ["id", "route_table_id", attr, "state", "origin"],
        {"route_table_id": ref('aws_route_table.this["%s"]' % t), "destination_cidr_block": const(dest), attr: expr})
# the edge route table of the internet gateway, with inline routes
add(R, "aws_route_table", "igw_edge", {"tags": tags("igw-edge"), "route": [{"cidr_block": "10.10.10.0/24"}, {"cidr_block": "10.10.11.0/24"}]},
    ["id", "arn", "owner_id", "vpc_id", "propagating_vgws", ("route", [{"cidr_block": False, "vpc_endpoint_id": True}, {"cidr_block": False, "vpc_endpoint_id": True}])],
    {"vpc_id": ref("aws_vpc.prod"), "route": [{"cidr_block": const("10.10.10.0/24"), "vpc_endpoint_id": ref("aws_vpc_endpoint.ips_a")},
                                              {"cidr_block": const("10.10.11.0/24"), "vpc_endpoint_id": ref("aws_vpc_endpoint.ips_b")}]})
add(R, "aws_route_table_association", "igw_edge", {"subnet_id": None}, ["id", "route_table_id", "gateway_id"],
    {"route_table_id": ref("aws_route_table.igw_edge"), "gateway_id": ref("aws_internet_gateway.prod")})
add(R, "aws_network_acl", "app", {"tags": tags("app-nacl"), "ingress": [
    {"rule_no": 100, "action": "allow", "protocol": "6", "cidr_block": "0.0.0.0/0", "from_port": 443, "to_port": 443, "icmp_code": 0, "icmp_type": 0, "ipv6_cidr_block": ""},
    {"rule_no": 110, "action": "allow", "protocol": "6", "cidr_block": "0.0.0.0/0", "from_port": 1024, "to_port": 65535, "icmp_code": 0, "icmp_type": 0, "ipv6_cidr_block": ""},
    {"rule_no": 120, "action": "allow", "protocol": "17", "cidr_block": "0.0.0.0/0", "from_port": 1024, "to_port": 65535, "icmp_code": 0, "icmp_type": 0, "ipv6_cidr_block": ""},
    {"rule_no": 130, "action": "allow", "protocol": "1", "cidr_block": "10.0.0.0/8", "from_port": 0, "to_port": 0, "icmp_code": -1, "icmp_type": -1, "ipv6_cidr_block": ""}],
    "egress": [{"rule_no": 100, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0", "from_port": 0, "to_port": 0, "icmp_code": 0, "icmp_type": 0, "ipv6_cidr_block": ""}]},
    ["id", "arn", "owner_id", "vpc_id", "subnet_ids"], {"vpc_id": ref("aws_vpc.prod"), "subnet_ids": ref(subnet("app-a"), subnet("app-b"))})


def sg_rule(protocol, port, cidrs=(), groups=(), description=""):
    return {"cidr_blocks": list(cidrs), "description": description, "from_port": port, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": protocol,
            "security_groups": list(groups), "self": False, "to_port": port}


EGRESS_ALL = [{"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 0, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "-1",
               "security_groups": [], "self": False, "to_port": 0}]
add(R, "aws_security_group", "legacy", {"name": "legacy-sg", "description": "legacy hosts", "tags": tags("legacy-sg"), "egress": EGRESS_ALL,
                                        "ingress": [sg_rule("tcp", 22, ["10.0.0.0/8"]), sg_rule("tcp", 8080, ["10.0.0.0/8"])]},
    ["id", "arn", "owner_id", "vpc_id"], {"vpc_id": ref("aws_vpc.prod"), "name": const("legacy-sg")})
add(R, "aws_security_group", "app", {"name": "app-sg", "description": "application instances", "tags": tags("app-sg"), "egress": EGRESS_ALL},
    ["id", "arn", "owner_id", "vpc_id", "ingress"], {"vpc_id": ref("aws_vpc.prod"), "name": const("app-sg")})
add(R, "aws_vpc_security_group_ingress_rule", "app_ssh_from_legacy", {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "description": "ssh from legacy hosts"},
    ["id", "arn", "security_group_id", "referenced_security_group_id", "security_group_rule_id"],
    {"security_group_id": ref("aws_security_group.app"), "referenced_security_group_id": ref("aws_security_group.legacy"), "ip_protocol": const("tcp")})
for n, cidr, desc in [("app_https_corporate", "10.0.0.0/8", "corporate"), ("app_https_anywhere", "0.0.0.0/0", "wide open 443 - still not reachable from the internet")]:
    add(R, "aws_vpc_security_group_ingress_rule", n, {"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": cidr, "description": desc},
        ["id", "arn", "security_group_id", "security_group_rule_id"], {"security_group_id": ref("aws_security_group.app"), "cidr_ipv4": const(cidr)})
add(R, "aws_security_group", "batch", {"name": "batch-sg", "description": "batch workers", "tags": tags("batch-sg"), "egress": EGRESS_ALL, "ingress": []},
    ["id", "arn", "owner_id", "vpc_id"], {"vpc_id": ref("aws_vpc.prod"), "name": const("batch-sg")})
add(R, "aws_security_group_rule", "batch_https", {"type": "ingress", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.10.0.0/16"], "self": False},
    ["id", "security_group_id", "security_group_rule_id", "source_security_group_id"], {"security_group_id": ref("aws_security_group.batch"), "type": const("ingress")})
for n, s, ip, sg, profile in [("app_a", "app-a", "10.10.10.10", "app", "app-role"), ("app_b", "app-b", "10.10.11.10", "app", "app-role"),
                              ("legacy_a", "legacy-a", "10.10.12.10", "legacy", None), ("batch_b", "batch-b", "100.64.0.10", "batch", "batch-role")]:
    values = {"instance_type": "t3.micro", "private_ip": ip, "source_dest_check": True, "tags": tags(s.replace("_", "-"))}
    unknown = ["id", "arn", "ami", "subnet_id", "vpc_security_group_ids", "public_ip", "primary_network_interface_id", "instance_state", "associate_public_ip_address"]
    expressions = {"ami": {"references": ["data.aws_ami.al2023.id", "data.aws_ami.al2023"]}, "instance_type": const("t3.micro"), "private_ip": const(ip),
                   "subnet_id": ref(subnet(s)), "vpc_security_group_ids": ref("aws_security_group." + sg)}
    if profile:
        values["iam_instance_profile"] = profile
        expressions["iam_instance_profile"] = const(profile)
    add(R, "aws_instance", n, values, unknown, expressions)

# --------------------------------------------------------------------- access, DNS, security services, organization
access.resources(add, ref, const, 'vpce-aws_vpc_endpoint.interface["secretsmanager"]')

# --------------------------------------------------------------------- assemble the document


def address(module, ty, name, key):
    a = ("module.%s." % module if module else "") + "%s.%s" % (ty, name)
    if key is not None:
        a += '["%s"]' % key
    return a


def unknown_tree(values, unknown):
    tree = {}
    for k, v in values.items():
        if isinstance(v, list):
            tree[k] = [({kk: False for kk in x} if isinstance(x, dict) else False) for x in v]
        elif isinstance(v, dict):
            tree[k] = {kk: False for kk in v}
        else:
            tree[k] = False
    for u in unknown:
        if isinstance(u, tuple):
            tree[u[0]] = u[1]
        else:
            tree[u] = True
    return tree


modules = {"": [], NET: []}
changes = []
config = {"": [], NET: []}
seen_config = set()
for module, ty, name, key, values, unknown, expressions, provider in resources:
    addr = address(module, ty, name, key)
    entry = {"address": addr, "mode": "managed", "type": ty, "name": name}
    if key is not None:
        entry["index"] = key
    entry.update({"provider_name": PROVIDER, "schema_version": 0, "values": values, "sensitive_values": {}})
    modules[module].append(entry)
    change = {"address": addr}
    if module:
        change["module_address"] = "module." + module
    change.update({"mode": "managed", "type": ty, "name": name})
    if key is not None:
        change["index"] = key
    change.update({"provider_name": PROVIDER, "change": {"actions": ["create"], "before": None, "after": values,
                                                          "after_unknown": unknown_tree(values, unknown), "before_sensitive": False, "after_sensitive": {}}})
    changes.append(change)
    if (module, ty, name) not in seen_config:
        seen_config.add((module, ty, name))
        c = {"address": "%s.%s" % (ty, name), "mode": "managed", "type": ty, "name": name, "provider_config_key": provider, "expressions": expressions, "schema_version": 0}
        if key is not None:
            c["for_each_expression"] = {"references": ["local.%s" % ("subnets" if ty == "aws_subnet" else "route_tables" if ty == "aws_route_table" else "interface_endpoints")]}
        config[module].append(c)

doc = {
    "format_version": "1.2",
    "terraform_version": "1.9.5",
    "variables": {"ips_service_name": {"value": "com.amazonaws.vpce.eu-west-1.vpce-svc-0ab12cd34ef56ab78"}, "region": {"value": "eu-west-1"}},
    "planned_values": {"outputs": {}, "root_module": {"resources": modules[""], "child_modules": [{"resources": modules[NET], "address": "module." + NET}]}},
    "resource_changes": changes,
    "configuration": {
        "provider_config": dict(
            [("aws", {"name": "aws", "full_name": PROVIDER, "expressions": {"region": {"references": ["var.region"]},
                                                                          "allowed_account_ids": {"constant_value": ["111111111111"]}}})]
            + [(k, {"name": "aws", "full_name": PROVIDER, "alias": k.split(".")[1],
                    "expressions": {"region": {"references": ["var.region"]}, "allowed_account_ids": {"constant_value": [v]}}})
               for k, v in access.ACCOUNTS.items()]),
        "root_module": {
            "resources": config[""],
            "module_calls": {NET: {"source": "./network", "module": {"outputs": {k: {"expression": v} for k, v in NET_OUTPUTS.items()}, "resources": config[NET]}}},
            "variables": {"ips_service_name": {"default": "com.amazonaws.vpce.eu-west-1.vpce-svc-0ab12cd34ef56ab78"}, "region": {"default": "eu-west-1"}},
        },
    },
    "timestamp": "2026-01-15T10:00:00Z",
    "applyable": True,
    "complete": True,
    "errored": False,
}
print(json.dumps(doc, indent=1))
