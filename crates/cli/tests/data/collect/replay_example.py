"""Replay the bundled landing-zone example (examples/landing-zone/snapshot/, AWS CLI JSON, one
file per `aws` call) through the AWS API into a moto server, for `koban collect`'s end-to-end
test (crates/cli/tests/collect.rs).

  python3 replay_example.py ENDPOINT_URL SNAPSHOT_DIR

The files are read and the API is driven from them: the organization (OUs, accounts, SCPs and
RCPs with their targets, delegated administrators) in the management account (moto's default
account), then each member account, entered by assuming OrganizationAccountAccessRole: IAM,
KMS, the VPC with its CIDRs, subnets, gateways, security groups, network ACLs, endpoints,
instances (with their private addresses), route tables, the Transit Gateway with its
attachments, route tables, routes and propagations, the VPN, Route 53 Resolver, hosted zones,
secrets (dummy values) with their resource policies, flow logs, EventBridge, Cognito,
GuardDuty, Inspector, the S3 bucket policy and CloudTrail. Every id moto assigns replaces the
example's id in the documents replayed after it (policies name accounts, the organization,
endpoints…).

Where moto differs from AWS the replay says so in `deviations`:
- moto keeps each account's EC2 resources apart and has no RAM sharing, so a route or an
  attachment in the VPC's account cannot name a Transit Gateway of the network account: the
  Transit Gateway, its route tables, the VPN and the customer gateway are created in the VPC's
  account;
- moto has no BGP: the routes the VPN propagates are created as static routes;
- what moto does not implement is listed in `skipped` with the failing call.

Prints {"ids": {example id: moto id}, "deviations": [...], "skipped": [...]} as JSON.
"""
import glob
import json
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

URL, SNAP = sys.argv[1], sys.argv[2]
REGION = "eu-west-1"
KW = dict(endpoint_url=URL, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
MANAGEMENT = "123456789012"  # moto's default account

ids = {}
deviations = []
skipped = []


def client(service, creds=None):
    kw = dict(KW)
    if creds:
        kw.update(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds["SessionToken"])
    return boto3.client(service, config=Config(retries={"max_attempts": 1}), **kw)


def load(*parts):
    path = os.path.join(SNAP, *parts)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def files(*parts):
    return sorted(glob.glob(os.path.join(SNAP, *parts)))


def rw(text):
    """`text` with every example id mapped so far replaced by moto's, longest first."""
    for old in sorted(ids, key=len, reverse=True):
        text = text.replace(old, ids[old])
    return text


def rwj(value):
    return json.loads(rw(json.dumps(value)))


def doc(value):
    """A policy document (a JSON string or an object) as a rewritten JSON string."""
    return rw(value if isinstance(value, str) else json.dumps(value))


def tags(items, kind):
    items = [t for t in items or [] if not t["Key"].startswith("aws:")]
    return [{"ResourceType": kind, "Tags": items}] if items else []


def attempt(what, fn, *args, **kwargs):
    """Call fn; a call moto does not implement or refuses is recorded, not fatal."""
    try:
        return fn(*args, **kwargs)
    except (ClientError, NotImplementedError) as e:
        skipped.append({"what": what, "error": str(e)[:300]})
        return None


# ---------------------------------------------------------------- organization (management)
org_dir = os.path.join(SNAP, "555555555555", "organizations")
example_org = load("555555555555", "organizations", "Organization.json")["Organization"]
ids[example_org["MasterAccountId"]] = MANAGEMENT
org = client("organizations")
moto_org = org.create_organization(FeatureSet=example_org["FeatureSet"])["Organization"]
ids[example_org["Id"]] = moto_org["Id"]
example_root = load("555555555555", "organizations", "Roots.json")["Roots"][0]
root = org.list_roots()["Roots"][0]["Id"]
ids[example_root["Id"]] = root
for pt in example_root.get("PolicyTypes", []):
    if pt["Status"] == "ENABLED":
        attempt(f"enable {pt['Type']}", org.enable_policy_type, RootId=root, PolicyType=pt["Type"])


def ous_under(parent):
    listing = load("555555555555", "organizations", "OrganizationalUnits", f"{parent}.json") or {}
    for ou in listing.get("OrganizationalUnits", []):
        new = org.create_organizational_unit(ParentId=ids[parent], Name=ou["Name"])["OrganizationalUnit"]["Id"]
        ids[ou["Id"]] = new
        ous_under(ou["Id"])


ous_under(example_root["Id"])
accounts = {}  # example account id -> (name, parent)
for path in files("555555555555", "organizations", "Accounts", "*.json"):
    parent = os.path.basename(path)[:-5]
    for a in json.load(open(path, encoding="utf-8"))["Accounts"]:
        accounts[a["Id"]] = a
        if a["Id"] == example_org["MasterAccountId"]:
            continue
        status = org.create_account(Email=a["Email"], AccountName=a["Name"])["CreateAccountStatus"]
        ids[a["Id"]] = status["AccountId"]
        if parent != example_root["Id"]:
            org.move_account(AccountId=status["AccountId"], SourceParentId=root, DestinationParentId=ids[parent])

aws_managed = {}
for path in files("555555555555", "organizations", "Policies-*.json"):
    for p in json.load(open(path, encoding="utf-8"))["Policies"]:
        full = load("555555555555", "organizations", "Policy", f"{p['Id']}.json")["Policy"]
        if p.get("AwsManaged"):
            existing = [q for q in org.list_policies(Filter=p["Type"])["Policies"] if q["Name"] == p["Name"]]
            if existing:
                ids[p["Id"]] = existing[0]["Id"]
            else:
                skipped.append({"what": f"AWS-managed policy {p['Name']}", "error": "moto does not have it"})
            continue
        new = org.create_policy(Name=p["Name"], Description=p.get("Description", ""), Type=p["Type"],
                                Content=rw(full["Content"]))["Policy"]["PolicySummary"]["Id"]
        ids[p["Id"]] = new
for path in files("555555555555", "organizations", "PolicyTargets", "*.json"):
    policy = os.path.basename(path)[:-5]
    if policy not in ids:
        continue
    attached = {t["TargetId"] for t in org.list_targets_for_policy(PolicyId=ids[policy])["Targets"]}
    for t in json.load(open(path, encoding="utf-8"))["Targets"]:
        if ids[t["TargetId"]] not in attached:
            org.attach_policy(PolicyId=ids[policy], TargetId=ids[t["TargetId"]])
for path in files("555555555555", "organizations", "DelegatedAdministrators", "*.json"):
    principal = os.path.basename(path)[:-5]
    attempt(f"enable {principal}", org.enable_aws_service_access, ServicePrincipal=principal)
    for a in json.load(open(path, encoding="utf-8"))["DelegatedAdministrators"]:
        attempt(f"delegated administrator of {principal}", org.register_delegated_administrator, AccountId=ids[a["Id"]],
                ServicePrincipal=principal)

# ---------------------------------------------------------------- member accounts
creds = {}
for example in accounts:
    if example == example_org["MasterAccountId"]:
        continue
    creds[example] = client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ids[example]}:role/OrganizationAccountAccessRole",
        RoleSessionName="replay")["Credentials"]


def account_creds(example):
    return creds.get(example)


# ---------------------------------------------------------------- IAM
def replay_iam(account):
    details = load(account, "iam", "AccountAuthorizationDetails.json")
    if not details:
        return
    iam = client("iam", account_creds(account))
    for p in details.get("Policies", []):
        if ":aws:policy/" in p["Arn"]:
            continue  # AWS-managed: moto has them
        version = next(v for v in p["PolicyVersionList"] if v.get("IsDefaultVersion", True))
        arn = iam.create_policy(PolicyName=p["PolicyName"], Path=p.get("Path", "/"),
                                PolicyDocument=doc(version["Document"]))["Policy"]["Arn"]
        ids[p["Arn"]] = arn
    for g in details.get("GroupDetailList", []):
        iam.create_group(GroupName=g["GroupName"], Path=g.get("Path", "/"))
        for pol in g.get("GroupPolicyList", []):
            iam.put_group_policy(GroupName=g["GroupName"], PolicyName=pol["PolicyName"], PolicyDocument=doc(pol["PolicyDocument"]))
        for m in g.get("AttachedManagedPolicies", []):
            attempt(f"attach {m['PolicyArn']}", iam.attach_group_policy, GroupName=g["GroupName"], PolicyArn=rw(m["PolicyArn"]))
    for u in details.get("UserDetailList", []):
        kw = {"UserName": u["UserName"], "Path": u.get("Path", "/")}
        if u.get("Tags"):
            kw["Tags"] = u["Tags"]
        if u.get("PermissionsBoundary"):
            kw["PermissionsBoundary"] = rw(u["PermissionsBoundary"]["PermissionsBoundaryArn"])
        iam.create_user(**kw)
        for g in u.get("GroupList", []):
            iam.add_user_to_group(GroupName=g, UserName=u["UserName"])
        for pol in u.get("UserPolicyList", []):
            iam.put_user_policy(UserName=u["UserName"], PolicyName=pol["PolicyName"], PolicyDocument=doc(pol["PolicyDocument"]))
        for m in u.get("AttachedManagedPolicies", []):
            attempt(f"attach {m['PolicyArn']}", iam.attach_user_policy, UserName=u["UserName"], PolicyArn=rw(m["PolicyArn"]))
    for r in details.get("RoleDetailList", []):
        kw = {"RoleName": r["RoleName"], "Path": r.get("Path", "/"), "AssumeRolePolicyDocument": doc(r["AssumeRolePolicyDocument"])}
        if r.get("Description"):
            kw["Description"] = r["Description"]
        if r.get("PermissionsBoundary"):
            kw["PermissionsBoundary"] = rw(r["PermissionsBoundary"]["PermissionsBoundaryArn"])
        if r.get("Tags"):
            kw["Tags"] = r["Tags"]
        iam.create_role(**kw)
        for pol in r.get("RolePolicyList", []):
            iam.put_role_policy(RoleName=r["RoleName"], PolicyName=pol["PolicyName"], PolicyDocument=doc(pol["PolicyDocument"]))
        for m in r.get("AttachedManagedPolicies", []):
            attempt(f"attach {m['PolicyArn']}", iam.attach_role_policy, RoleName=r["RoleName"], PolicyArn=rw(m["PolicyArn"]))
    for ip in (load(account, "iam", "InstanceProfiles.json") or {}).get("InstanceProfiles", []):
        iam.create_instance_profile(InstanceProfileName=ip["InstanceProfileName"], Path=ip.get("Path", "/"))
        for r in ip.get("Roles", []):
            iam.add_role_to_instance_profile(InstanceProfileName=ip["InstanceProfileName"], RoleName=r["RoleName"])


# ---------------------------------------------------------------- EC2 network
def delete_default_vpc(ec2):
    """moto gives every account a default VPC; the example has none."""
    for v in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]:
        vpc = v["VpcId"]
        for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]:
            ec2.delete_subnet(SubnetId=s["SubnetId"])
        for g in ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc]}])["InternetGateways"]:
            ec2.detach_internet_gateway(InternetGatewayId=g["InternetGatewayId"], VpcId=vpc)
            ec2.delete_internet_gateway(InternetGatewayId=g["InternetGatewayId"])
        ec2.delete_vpc(VpcId=vpc)


def region_file(account, name):
    return load(account, REGION, name) or {}


def permissions(perms):
    out = []
    for p in perms:
        q = {k: v for k, v in p.items() if k in ("IpProtocol", "FromPort", "ToPort", "IpRanges", "Ipv6Ranges", "PrefixListIds")}
        q["UserIdGroupPairs"] = [{k: rw(v) for k, v in g.items() if k in ("GroupId", "Description")} for g in p.get("UserIdGroupPairs", [])]
        q["PrefixListIds"] = [{k: rw(v) for k, v in g.items()} for g in p.get("PrefixListIds", [])]
        out.append(q)
    return out


def replay_vpcs(account, ec2):
    for v in region_file(account, "Vpcs.json").get("Vpcs", []):
        cidrs = [c["CidrBlock"] for c in v.get("CidrBlockAssociationSet", [])] or [v["CidrBlock"]]
        vpc = ec2.create_vpc(CidrBlock=cidrs[0], TagSpecifications=tags(v.get("Tags"), "vpc"))["Vpc"]["VpcId"]
        ids[v["VpcId"]] = vpc
        for c in cidrs[1:]:
            ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock=c)
        # the defaults every VPC gets: main route table, default security group and network ACL
        main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}])
        for rt in region_file(account, "RouteTables.json").get("RouteTables", []):
            if rt["VpcId"] == v["VpcId"] and any(a.get("Main") for a in rt.get("Associations", [])):
                ids[rt["RouteTableId"]] = main["RouteTables"][0]["RouteTableId"]
        sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])
        for g in region_file(account, "SecurityGroups.json").get("SecurityGroups", []):
            if g["VpcId"] == v["VpcId"] and g["GroupName"] == "default":
                ids[g["GroupId"]] = sg["SecurityGroups"][0]["GroupId"]
        acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "default", "Values": ["true"]}])
        for a in region_file(account, "NetworkAcls.json").get("NetworkAcls", []):
            if a["VpcId"] == v["VpcId"] and a["IsDefault"]:
                ids[a["NetworkAclId"]] = acl["NetworkAcls"][0]["NetworkAclId"]
    for s in region_file(account, "Subnets.json").get("Subnets", []):
        new = ec2.create_subnet(VpcId=ids[s["VpcId"]], CidrBlock=s["CidrBlock"], AvailabilityZone=s["AvailabilityZone"],
                                TagSpecifications=tags(s.get("Tags"), "subnet"))["Subnet"]
        ids[s["SubnetId"]] = new["SubnetId"]
        if s.get("SubnetArn"):
            ids[s["SubnetArn"]] = new.get("SubnetArn", s["SubnetArn"])
    for g in region_file(account, "InternetGateways.json").get("InternetGateways", []):
        igw = ec2.create_internet_gateway(TagSpecifications=tags(g.get("Tags"), "internet-gateway"))["InternetGateway"]["InternetGatewayId"]
        ids[g["InternetGatewayId"]] = igw
        for a in g.get("Attachments", []):
            ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=ids[a["VpcId"]])
    for a in region_file(account, "Addresses.json").get("Addresses", []):
        new = ec2.allocate_address(Domain=a.get("Domain", "vpc"), TagSpecifications=tags(a.get("Tags"), "elastic-ip"))
        ids[a["AllocationId"]] = new["AllocationId"]
        ids[a["PublicIp"]] = new["PublicIp"]
    for n in region_file(account, "NatGateways.json").get("NatGateways", []):
        kw = {"SubnetId": ids[n["SubnetId"]], "ConnectivityType": n.get("ConnectivityType", "public"),
              "TagSpecifications": tags(n.get("Tags"), "natgateway")}
        primary = next((x for x in n.get("NatGatewayAddresses", []) if x.get("IsPrimary", True)), None)
        if primary and primary.get("AllocationId"):
            kw["AllocationId"] = ids[primary["AllocationId"]]
        if primary and primary.get("PrivateIp"):
            kw["PrivateIpAddress"] = primary["PrivateIp"]
        new = ec2.create_nat_gateway(**kw)["NatGateway"]
        ids[n["NatGatewayId"]] = new["NatGatewayId"]
        for old, fresh in zip(n.get("NatGatewayAddresses", []), new.get("NatGatewayAddresses", [])):
            if old.get("NetworkInterfaceId") and fresh.get("NetworkInterfaceId"):
                ids[old["NetworkInterfaceId"]] = fresh["NetworkInterfaceId"]
    groups = region_file(account, "SecurityGroups.json").get("SecurityGroups", [])
    for g in groups:
        if g["GroupId"] not in ids:
            ids[g["GroupId"]] = ec2.create_security_group(
                GroupName=g["GroupName"], Description=g.get("Description", g["GroupName"]), VpcId=ids[g["VpcId"]],
                TagSpecifications=tags(g.get("Tags"), "security-group"))["GroupId"]
    for g in groups:  # rules after every group exists: rules name other groups
        gid = ids[g["GroupId"]]
        current = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
        if current["IpPermissions"]:
            ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=current["IpPermissions"])
        if current["IpPermissionsEgress"]:
            ec2.revoke_security_group_egress(GroupId=gid, IpPermissions=current["IpPermissionsEgress"])
        if g.get("IpPermissions"):
            ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=permissions(g["IpPermissions"]))
        if g.get("IpPermissionsEgress"):
            ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=permissions(g["IpPermissionsEgress"]))
    for a in region_file(account, "NetworkAcls.json").get("NetworkAcls", []):
        if a["NetworkAclId"] not in ids:
            ids[a["NetworkAclId"]] = ec2.create_network_acl(
                VpcId=ids[a["VpcId"]], TagSpecifications=tags(a.get("Tags"), "network-acl"))["NetworkAcl"]["NetworkAclId"]
        acl = ids[a["NetworkAclId"]]
        current = ec2.describe_network_acls(NetworkAclIds=[acl])["NetworkAcls"][0]
        have = {(e["RuleNumber"], e["Egress"]) for e in current["Entries"]}
        for e in a["Entries"]:
            if e["RuleNumber"] == 32767:
                continue
            kw = {"NetworkAclId": acl, "RuleNumber": e["RuleNumber"], "Protocol": e["Protocol"], "RuleAction": e["RuleAction"],
                  "Egress": e["Egress"]}
            for k in ("CidrBlock", "Ipv6CidrBlock", "PortRange", "IcmpTypeCode"):
                if k in e:
                    kw[k] = e[k]
            if (e["RuleNumber"], e["Egress"]) in have:
                ec2.replace_network_acl_entry(**kw)
            else:
                ec2.create_network_acl_entry(**kw)
        for assoc in a.get("Associations", []):
            subnet = ids[assoc["SubnetId"]]
            now = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["NetworkAcls"]
            current_assoc = next(x["NetworkAclAssociationId"] for n in now for x in n["Associations"] if x["SubnetId"] == subnet)
            ec2.replace_network_acl_association(AssociationId=current_assoc, NetworkAclId=acl)


def replay_endpoints(account, ec2):
    for e in region_file(account, "VpcEndpoints.json").get("VpcEndpoints", []):
        kw = {"VpcEndpointType": e["VpcEndpointType"], "VpcId": ids[e["VpcId"]], "ServiceName": rw(e["ServiceName"])}
        if e.get("SubnetIds"):
            kw["SubnetIds"] = [ids[s] for s in e["SubnetIds"]]
        if e.get("Groups"):
            kw["SecurityGroupIds"] = [ids[g["GroupId"]] for g in e["Groups"]]
        if e.get("RouteTableIds"):
            kw["RouteTableIds"] = [ids[r] for r in e["RouteTableIds"]]
        if e.get("PolicyDocument") and e["VpcEndpointType"] != "GatewayLoadBalancer":
            kw["PolicyDocument"] = doc(e["PolicyDocument"])
        if e["VpcEndpointType"] == "Interface":
            kw["PrivateDnsEnabled"] = e.get("PrivateDnsEnabled", False)
        kw["TagSpecifications"] = tags(e.get("Tags"), "vpc-endpoint")
        new = ec2.create_vpc_endpoint(**kw)["VpcEndpoint"]
        ids[e["VpcEndpointId"]] = new["VpcEndpointId"]
        for old, fresh in zip(e.get("NetworkInterfaceIds", []), new.get("NetworkInterfaceIds", [])):
            ids[old] = fresh


def image(ec2):
    images = ec2.describe_images(Owners=["amazon"])["Images"]
    linux = [i for i in images if "amzn" in (i.get("Name") or "") and i.get("Platform") != "windows"]
    return (linux or images)[0]["ImageId"]


def replay_instances(account, ec2):
    ami = None
    stopped = []
    for r in region_file(account, "Reservations.json").get("Reservations", []):
        for i in r["Instances"]:
            ami = ami or image(ec2)
            kw = {"ImageId": ami, "MinCount": 1, "MaxCount": 1, "InstanceType": i.get("InstanceType", "t3.micro"),
                  "SubnetId": ids[i["SubnetId"]], "PrivateIpAddress": i["PrivateIpAddress"],
                  "SecurityGroupIds": [ids[g["GroupId"]] for g in i.get("SecurityGroups", [])],
                  "TagSpecifications": tags(i.get("Tags"), "instance")}
            if i.get("IamInstanceProfile"):
                kw["IamInstanceProfile"] = {"Name": i["IamInstanceProfile"]["Arn"].split("/")[-1]}
            if i.get("MetadataOptions"):
                kw["MetadataOptions"] = {k: v for k, v in i["MetadataOptions"].items() if k in ("HttpTokens", "HttpPutResponseHopLimit", "HttpEndpoint")}
            new = ec2.run_instances(**kw)["Instances"][0]
            ids[i["InstanceId"]] = new["InstanceId"]
            for old, fresh in zip(i.get("NetworkInterfaces", []), new.get("NetworkInterfaces", [])):
                ids[old["NetworkInterfaceId"]] = fresh["NetworkInterfaceId"]
            if i["State"]["Name"] == "stopped":
                stopped.append(new["InstanceId"])
    if stopped:
        ec2.stop_instances(InstanceIds=stopped)


def replay_route_tables(account, ec2):
    for rt in region_file(account, "RouteTables.json").get("RouteTables", []):
        if rt["RouteTableId"] not in ids:
            ids[rt["RouteTableId"]] = ec2.create_route_table(
                VpcId=ids[rt["VpcId"]], TagSpecifications=tags(rt.get("Tags"), "route-table"))["RouteTable"]["RouteTableId"]
        table = ids[rt["RouteTableId"]]
        for r in rt.get("Routes", []):
            if r.get("GatewayId") == "local" or r.get("Origin") == "EnableVgwRoutePropagation":
                continue
            kw = {"RouteTableId": table}
            for k in ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"):
                if k in r:
                    kw[k] = rw(r[k])
            gw = r.get("GatewayId", "")
            if gw.startswith("vpce-"):
                kw["VpcEndpointId"] = ids[gw]
            elif gw:
                kw["GatewayId"] = ids[gw]
            for k in ("NatGatewayId", "TransitGatewayId", "NetworkInterfaceId", "VpcPeeringConnectionId", "EgressOnlyInternetGatewayId",
                      "VpcEndpointId", "InstanceId"):
                if k in r and k not in kw:
                    kw[k] = ids[r[k]]
            ec2.create_route(**kw)
        for a in rt.get("Associations", []):
            if a.get("Main"):
                continue
            if a.get("SubnetId"):
                ec2.associate_route_table(RouteTableId=table, SubnetId=ids[a["SubnetId"]])
            elif a.get("GatewayId"):
                ec2.associate_route_table(RouteTableId=table, GatewayId=ids[a["GatewayId"]])


# ---------------------------------------------------------------- Transit Gateway and VPN
def replay_transit(network, ec2):
    """The network account's Transit Gateway, VPN and customer gateway, created with `ec2`
    (the VPC account's client: see the module doc)."""
    for c in region_file(network, "CustomerGateways.json").get("CustomerGateways", []):
        kw = {"BgpAsn": int(c["BgpAsn"]), "PublicIp": c["IpAddress"], "Type": c["Type"],
              "TagSpecifications": tags(c.get("Tags"), "customer-gateway")}
        if c.get("DeviceName"):
            kw["DeviceName"] = c["DeviceName"]
        ids[c["CustomerGatewayId"]] = ec2.create_customer_gateway(**kw)["CustomerGateway"]["CustomerGatewayId"]
    for t in region_file(network, "TransitGateways.json").get("TransitGateways", []):
        options = {k: v for k, v in t.get("Options", {}).items()
                   if k in ("AmazonSideAsn", "AutoAcceptSharedAttachments", "DefaultRouteTableAssociation", "DefaultRouteTablePropagation",
                            "VpnEcmpSupport", "DnsSupport", "MulticastSupport")}
        new = ec2.create_transit_gateway(Description=t.get("Description", ""), Options=options,
                                         TagSpecifications=tags(t.get("Tags"), "transit-gateway"))["TransitGateway"]
        ids[t["TransitGatewayId"]] = new["TransitGatewayId"]
        ids[t["TransitGatewayArn"]] = new["TransitGatewayArn"]
    for v in region_file(network, "VpnConnections.json").get("VpnConnections", []):
        kw = {"CustomerGatewayId": ids[v["CustomerGatewayId"]], "Type": v["Type"],
              "Options": {"StaticRoutesOnly": v.get("Options", {}).get("StaticRoutesOnly", False)},
              "TagSpecifications": tags(v.get("Tags"), "vpn-connection")}
        if v.get("TransitGatewayId"):
            kw["TransitGatewayId"] = ids[v["TransitGatewayId"]]
        if v.get("VpnGatewayId"):
            kw["VpnGatewayId"] = ids[v["VpnGatewayId"]]
        ids[v["VpnConnectionId"]] = ec2.create_vpn_connection(**kw)["VpnConnection"]["VpnConnectionId"]
    # attachments: VPN attachments exist now; VPC attachments are in the VPC owners' files
    moto_attachments = ec2.describe_transit_gateway_attachments()["TransitGatewayAttachments"]
    for a in region_file(network, "TransitGatewayAttachments.json").get("TransitGatewayAttachments", []):
        if a["ResourceType"] == "vpn":
            ids[a["TransitGatewayAttachmentId"]] = next(
                m["TransitGatewayAttachmentId"] for m in moto_attachments if m.get("ResourceId") == ids[a["ResourceId"]])
        elif a["ResourceType"] == "vpc":
            owner = a.get("ResourceOwnerId", network)
            vpc_att = next(x for x in region_file(owner, "TransitGatewayVpcAttachments.json")["TransitGatewayVpcAttachments"]
                           if x["TransitGatewayAttachmentId"] == a["TransitGatewayAttachmentId"])
            options = {k: v for k, v in vpc_att.get("Options", {}).items() if k in ("DnsSupport", "Ipv6Support", "ApplianceModeSupport")}
            new = ec2.create_transit_gateway_vpc_attachment(
                TransitGatewayId=ids[a["TransitGatewayId"]], VpcId=ids[vpc_att["VpcId"]], SubnetIds=[ids[s] for s in vpc_att["SubnetIds"]],
                Options=options, TagSpecifications=tags(vpc_att.get("Tags"), "transit-gateway-attachment"))
            ids[a["TransitGatewayAttachmentId"]] = new["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    for t in region_file(network, "TransitGatewayRouteTables.json").get("TransitGatewayRouteTables", []):
        ids[t["TransitGatewayRouteTableId"]] = ec2.create_transit_gateway_route_table(
            TransitGatewayId=ids[t["TransitGatewayId"]],
            TagSpecifications=tags(t.get("Tags"), "transit-gateway-route-table"))["TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
    for a in region_file(network, "TransitGatewayAttachments.json").get("TransitGatewayAttachments", []):
        assoc = a.get("Association")
        if not assoc:
            continue
        att = ids[a["TransitGatewayAttachmentId"]]
        ec2.associate_transit_gateway_route_table(TransitGatewayRouteTableId=ids[assoc["TransitGatewayRouteTableId"]],
                                                  TransitGatewayAttachmentId=att)
    for path in files(network, REGION, "TransitGatewayPropagations", "*.json"):
        table = ids[os.path.basename(path)[:-5]]
        for p in json.load(open(path, encoding="utf-8"))["TransitGatewayRouteTablePropagations"]:
            ec2.enable_transit_gateway_route_table_propagation(TransitGatewayRouteTableId=table,
                                                               TransitGatewayAttachmentId=ids[p["TransitGatewayAttachmentId"]])
    for path in files(network, REGION, "TransitGatewayRoutes", "*.json"):
        table = ids[os.path.basename(path)[:-5]]
        for r in json.load(open(path, encoding="utf-8"))["Routes"]:
            kw = {"TransitGatewayRouteTableId": table, "DestinationCidrBlock": r["DestinationCidrBlock"]}
            if r["State"] == "blackhole":
                kw["Blackhole"] = True
            else:
                kw["TransitGatewayAttachmentId"] = ids[r["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"]]
            if r["Type"] == "propagated":
                deviations.append(f"propagated route {r['DestinationCidrBlock']} in {os.path.basename(path)[:-5]} created as static")
            ec2.create_transit_gateway_route(**kw)


# ---------------------------------------------------------------- DNS
def replay_dns(account, c):
    r53r = client("route53resolver", c)
    for e in region_file(account, "ResolverEndpoints.json").get("ResolverEndpoints", []):
        addresses = load(account, REGION, "ResolverEndpointIpAddresses", f"{e['Id']}.json")["IpAddresses"]
        new = r53r.create_resolver_endpoint(
            CreatorRequestId=e["CreatorRequestId"], Name=e.get("Name", ""), SecurityGroupIds=[ids[g] for g in e["SecurityGroupIds"]],
            Direction=e["Direction"], IpAddresses=[{"SubnetId": ids[a["SubnetId"]], "Ip": a["Ip"]} for a in addresses])["ResolverEndpoint"]
        ids[e["Id"]] = new["Id"]
        ids[e["Arn"]] = new["Arn"]
    for r in region_file(account, "ResolverRules.json").get("ResolverRules", []):
        if r["Id"].startswith("rslvr-autodefined-"):
            continue  # AWS defines it in every VPC
        kw = {"CreatorRequestId": r["CreatorRequestId"], "Name": r.get("Name", ""), "RuleType": r["RuleType"], "DomainName": r["DomainName"]}
        if r.get("TargetIps"):
            kw["TargetIps"] = [{"Ip": t["Ip"], "Port": t["Port"]} for t in r["TargetIps"]]
        if r.get("ResolverEndpointId"):
            kw["ResolverEndpointId"] = ids[r["ResolverEndpointId"]]
        new = attempt(f"resolver rule {r['Id']} ({r['RuleType']})", r53r.create_resolver_rule, **kw)
        if new:
            ids[r["Id"]] = new["ResolverRule"]["Id"]
            ids[r["Arn"]] = new["ResolverRule"]["Arn"]
    for a in region_file(account, "ResolverRuleAssociations.json").get("ResolverRuleAssociations", []):
        if a["ResolverRuleId"] in ids:
            r53r.associate_resolver_rule(ResolverRuleId=ids[a["ResolverRuleId"]], VPCId=ids[a["VPCId"]], Name=a.get("Name", ""))
    r53 = client("route53", c)
    for z in region_file(account, "HostedZones.json").get("HostedZones", []):
        zid = z["Id"].split("/")[-1]
        detail = load(account, REGION, "HostedZone", f"{zid}.json") or {}
        vpcs = detail.get("VPCs", [])
        kw = {"Name": z["Name"], "CallerReference": z["CallerReference"],
              "HostedZoneConfig": {"Comment": z.get("Config", {}).get("Comment", ""), "PrivateZone": z.get("Config", {}).get("PrivateZone", False)}}
        if vpcs:
            kw["VPC"] = {"VPCRegion": vpcs[0]["VPCRegion"], "VPCId": ids[vpcs[0]["VPCId"]]}
        new = r53.create_hosted_zone(**kw)["HostedZone"]["Id"].split("/")[-1]
        ids[zid] = new
        for v in vpcs[1:]:
            r53.associate_vpc_with_hosted_zone(HostedZoneId=new, VPC={"VPCRegion": v["VPCRegion"], "VPCId": ids[v["VPCId"]]})
        records = (load(account, REGION, "ResourceRecordSets", f"{zid}.json") or {}).get("ResourceRecordSets", [])
        changes = [{"Action": "CREATE", "ResourceRecordSet": rwj(r)} for r in records if r["Type"] not in ("NS", "SOA")]
        if changes:
            r53.change_resource_record_sets(HostedZoneId=new, ChangeBatch={"Changes": changes})


# ---------------------------------------------------------------- secrets, keys, flow logs
def replay_kms(account, c):
    kms = client("kms", c)
    for path in files(account, REGION, "KmsKeyPolicies", "*.json"):
        key = os.path.basename(path)[:-5]
        new = kms.create_key(Description="replayed")["KeyMetadata"]
        ids[key] = new["KeyId"]
        kms.put_key_policy(KeyId=new["KeyId"], PolicyName="default", Policy=doc(json.load(open(path, encoding="utf-8"))["Policy"]))


def replay_secrets(account, c):
    sm = client("secretsmanager", c)
    policies = {}
    for path in files(account, REGION, "SecretPolicies", "*.json"):
        p = json.load(open(path, encoding="utf-8"))
        policies[p["ARN"]] = p.get("ResourcePolicy")
    for s in region_file(account, "SecretList.json").get("SecretList", []):
        kw = {"Name": s["Name"], "SecretString": "dummy-replayed-value"}
        if s.get("Description"):
            kw["Description"] = s["Description"]
        if s.get("KmsKeyId"):
            kw["KmsKeyId"] = rw(s["KmsKeyId"])
        if s.get("Tags"):
            kw["Tags"] = s["Tags"]
        arn = sm.create_secret(**kw)["ARN"]
        ids[s["ARN"]] = arn
        if policies.get(s["ARN"]):
            sm.put_resource_policy(SecretId=arn, ResourcePolicy=doc(policies[s["ARN"]]))


def ensure_bucket(name, c=None):
    s3 = client("s3", c)
    try:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise


def replay_flow_logs(account, ec2):
    for f in region_file(account, "FlowLogs.json").get("FlowLogs", []):
        kw = {"ResourceIds": [ids[f["ResourceId"]]], "TrafficType": f["TrafficType"],
              "ResourceType": "VPC" if f["ResourceId"].startswith("vpc-") else "Subnet" if f["ResourceId"].startswith("subnet-") else "NetworkInterface",
              "LogDestinationType": f.get("LogDestinationType", "cloud-watch-logs"), "LogDestination": rw(f["LogDestination"])}
        if f.get("LogFormat"):
            kw["LogFormat"] = f["LogFormat"]
        if f.get("MaxAggregationInterval"):
            kw["MaxAggregationInterval"] = f["MaxAggregationInterval"]
        if kw["LogDestinationType"] == "s3":
            ensure_bucket(kw["LogDestination"].split(":::")[-1].split("/")[0])
        new = ec2.create_flow_logs(**kw)
        if new.get("FlowLogIds"):
            ids[f["FlowLogId"]] = new["FlowLogIds"][0]


# ---------------------------------------------------------------- EventBridge, Cognito
def replay_events(account, c):
    events = client("events", c)
    for b in region_file(account, "EventBuses.json").get("EventBuses", []):
        if b["Name"] != "default":
            kw = {"Name": b["Name"]}
            if b.get("Description"):
                kw["Description"] = b["Description"]
            ids[b["Arn"]] = events.create_event_bus(**kw)["EventBusArn"]
        if b.get("Policy"):
            events.put_permission(EventBusName=b["Name"], Policy=doc(b["Policy"]))
    for r in region_file(account, "EventRules.json").get("Rules", []):
        kw = {k: r[k] for k in ("Name", "EventPattern", "ScheduleExpression", "State", "Description", "EventBusName") if k in r}
        ids[r["Arn"]] = events.put_rule(**kw)["RuleArn"]
        targets = (load(account, REGION, "EventRuleTargets", f"{r['Name']}.json") or {}).get("Targets", [])
        if targets:
            events.put_targets(Rule=r["Name"], EventBusName=r.get("EventBusName", "default"), Targets=rwj(targets))


def replay_cognito(account, c):
    idp = client("cognito-idp", c)
    for path in files(account, REGION, "CognitoUserPools", "*.json"):
        p = json.load(open(path, encoding="utf-8"))["UserPool"]
        kw = {"PoolName": p["Name"]}
        for k in ("Policies", "AutoVerifiedAttributes", "UsernameAttributes", "MfaConfiguration", "UserPoolAddOns", "AccountRecoverySetting",
                  "DeletionProtection", "UserPoolTier"):
            if k in p:
                kw[k] = p[k]
        new = idp.create_user_pool(**kw)["UserPool"]
        ids[p["Id"]] = new["Id"]
        ids[p["Arn"]] = new["Arn"]
    ident = client("cognito-identity", c)
    for path in files(account, REGION, "CognitoIdentityPools", "*.json"):
        p = json.load(open(path, encoding="utf-8"))
        providers = []
        for prov in p.get("CognitoIdentityProviders", []):
            pool = prov["ProviderName"].split("/")[-1]
            client_id = idp.create_user_pool_client(UserPoolId=ids[pool], ClientName="replayed")["UserPoolClient"]["ClientId"]
            ids[prov["ClientId"]] = client_id
            providers.append({"ProviderName": rw(prov["ProviderName"]), "ClientId": client_id,
                              "ServerSideTokenCheck": prov.get("ServerSideTokenCheck", False)})
        new = ident.create_identity_pool(IdentityPoolName=p["IdentityPoolName"], AllowUnauthenticatedIdentities=p["AllowUnauthenticatedIdentities"],
                                         AllowClassicFlow=p.get("AllowClassicFlow", False), CognitoIdentityProviders=providers)
        ids[p["IdentityPoolId"]] = new["IdentityPoolId"]
    for path in files(account, REGION, "CognitoIdentityPoolRoles", "*.json"):
        p = json.load(open(path, encoding="utf-8"))
        attempt("cognito-identity SetIdentityPoolRoles", ident.set_identity_pool_roles, IdentityPoolId=ids[p["IdentityPoolId"]], Roles=rwj(p["Roles"]))


# ---------------------------------------------------------------- security services
def replay_security(account, c):
    detectors = region_file(account, "DetectorIds.json").get("DetectorIds", [])
    if detectors:
        gd = client("guardduty", c)
        for d in detectors:
            ids[d] = gd.create_detector(Enable=True)["DetectorId"]
        members = region_file(account, "GuardDutyMembers.json").get("Members", [])
        if members:
            attempt("guardduty CreateMembers", gd.create_members, DetectorId=ids[detectors[0]],
                    AccountDetails=[{"AccountId": ids[m["AccountId"]], "Email": m["Email"]} for m in members])
            # moto implements neither CreateMembers nor ListMembers: an enabled member gets a
            # detector of its own, which covers it as the membership does
            deviations.append(f"the GuardDuty members of {account} get detectors of their own (moto has no ListMembers)")
            for m in members:
                if m["RelationshipStatus"].lower() == "enabled" and m["AccountId"] != account:
                    client("guardduty", account_creds(m["AccountId"])).create_detector(Enable=True)
    status = region_file(account, "InspectorAccountStatus.json").get("accounts", [])
    if status:
        # moto keeps an account's status where Enable was called, and answers
        # BatchGetAccountStatus from there: each account enables itself, as koban collect asks
        # each account for its own status
        deviations.append(f"Inspector is enabled by each account {account} reports on, not by {account}")
        for a in status:
            if a["state"]["status"] != "ENABLED":
                continue
            types = sorted(k.upper().replace("LAMBDACODE", "LAMBDA_CODE") for k, v in a.get("resourceState", {}).items()
                           if v.get("status") == "ENABLED")
            attempt("inspector2 Enable", client("inspector2", account_creds(a["accountId"])).enable,
                    accountIds=[ids[a["accountId"]]], resourceTypes=types)


def replay_buckets(account, c):
    for path in files(account, REGION, "S3BucketPolicies", "*.json"):
        name = rw(os.path.basename(path)[:-5])
        ensure_bucket(name, c)
        client("s3", c).put_bucket_policy(Bucket=name, Policy=doc(json.load(open(path, encoding="utf-8"))["Policy"]))


def replay_trails(account, c):
    ct = client("cloudtrail", c)
    for t in region_file(account, "Trails.json").get("trailList", []):
        bucket = rw(t["S3BucketName"])
        ensure_bucket(bucket, c)
        kw = {"Name": t["Name"], "S3BucketName": bucket}
        for src, dst in (("IncludeGlobalServiceEvents", "IncludeGlobalServiceEvents"), ("IsMultiRegionTrail", "IsMultiRegionTrail"),
                         ("LogFileValidationEnabled", "EnableLogFileValidation"), ("IsOrganizationTrail", "IsOrganizationTrail")):
            if src in t:
                kw[dst] = t[src]
        new = ct.create_trail(**kw)
        ids[t["TrailARN"]] = new["TrailARN"]
        status = load(account, REGION, "TrailStatus", f"{t['Name']}.json") or {}
        if status.get("IsLogging"):
            ct.start_logging(Name=t["Name"])


# ---------------------------------------------------------------- run
example_accounts = sorted(os.path.basename(p) for p in glob.glob(os.path.join(SNAP, "[0-9]" * 12)))
for account in example_accounts:
    c = account_creds(account)
    replay_iam(account)
    replay_kms(account, c)
vpc_owner = next((a for a in example_accounts if region_file(a, "Vpcs.json").get("Vpcs")), None)
delete_default_vpc(client("ec2"))
for c in creds.values():
    delete_default_vpc(client("ec2", c))
for account in example_accounts:
    ec2 = client("ec2", account_creds(account))
    replay_vpcs(account, ec2)
    replay_endpoints(account, ec2)
    replay_instances(account, ec2)
for account in example_accounts:
    if region_file(account, "TransitGateways.json").get("TransitGateways"):
        if vpc_owner and vpc_owner != account:
            deviations.append(f"the Transit Gateway, VPN and customer gateway of {account} are created in {vpc_owner}, the VPC's account")
        replay_transit(account, client("ec2", account_creds(vpc_owner or account)))
for account in example_accounts:
    c = account_creds(account)
    ec2 = client("ec2", c)
    replay_route_tables(account, ec2)
    replay_dns(account, c)
    replay_secrets(account, c)
    replay_flow_logs(account, ec2)
    replay_events(account, c)
    replay_cognito(account, c)
    replay_security(account, c)
    replay_buckets(account, c)
    replay_trails(account, c)

print(json.dumps({"ids": ids, "deviations": deviations, "skipped": skipped}))
