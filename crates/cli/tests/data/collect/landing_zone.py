"""Populate a moto server, through the AWS API, with a small landing zone for `koban collect`'s
end-to-end test (crates/cli/tests/collect.rs).

  python3 landing_zone.py ENDPOINT_URL

Two accounts: the management account (moto's default, 123456789012) holds the organization
(OUs Security, Infrastructure, Workloads/Prod, SCPs) and creates a workload account, which it
enters by assuming OrganizationAccountAccessRole (STS AssumeRole). The workload account holds
the network in eu-west-1: a VPC with a routable and a non-routable CIDR; public, inspection
(Gateway Load Balancer endpoints), Transit Gateway, app and legacy subnets; NAT and internet
gateways; a Gateway Load Balancer, its endpoint service and endpoints; a Transit Gateway with
a VPC attachment and a VPN to on-premises; a Route 53 Resolver outbound endpoint and a
forwarding rule for corp.example.com; a secret with a resource policy; IAM roles. Prints the
ids the test asserts on, as JSON.
"""
import json
import sys

import boto3

URL = sys.argv[1]
REGION = "eu-west-1"
KW = dict(endpoint_url=URL, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")


def client(service, creds=None):
    kw = dict(KW)
    if creds:
        kw.update(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds["SessionToken"])
    return boto3.client(service, **kw)


ids = {}

# ---------------------------------------------------------------- organization (management)
org = client("organizations")
org.create_organization(FeatureSet="ALL")
root = org.list_roots()["Roots"][0]["Id"]
org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
ous = {}
for name in ["Security", "Infrastructure", "Workloads"]:
    ous[name] = org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
ous["Prod"] = org.create_organizational_unit(ParentId=ous["Workloads"], Name="Prod")["OrganizationalUnit"]["Id"]
status = org.create_account(Email="prod@example.com", AccountName="workload-prod")["CreateAccountStatus"]
workload = status["AccountId"]
org.move_account(AccountId=workload, SourceParentId=root, DestinationParentId=ous["Prod"])
scp = org.create_policy(
    Name="deny-leave-organization",
    Description="members stay in the organization",
    Type="SERVICE_CONTROL_POLICY",
    Content=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}),
)["Policy"]["PolicySummary"]["Id"]
org.attach_policy(PolicyId=scp, TargetId=ous["Workloads"])
ids.update(management="123456789012", workload=workload, root=root, scp=scp, ous=ous)

# management account IAM: a role the workload account's admins may not assume
client("iam").create_role(
    RoleName="org-admin",
    AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}),
)

# ---------------------------------------------------------------- the workload account
creds = client("sts").assume_role(
    RoleArn=f"arn:aws:iam::{workload}:role/OrganizationAccountAccessRole", RoleSessionName="populate")["Credentials"]
ec2 = client("ec2", creds)
elb = client("elbv2", creds)
r53r = client("route53resolver", creds)
sm = client("secretsmanager", creds)
iam = client("iam", creds)

vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="100.64.0.0/16")
az_a, az_b = REGION + "a", REGION + "b"


def subnet(cidr, az, name):
    s = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az,
                          TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": name}]}])
    return s["Subnet"]["SubnetId"]


sub = {
    "public": subnet("10.1.0.0/24", az_a, "public-a"),
    "inspection": subnet("10.1.1.0/24", az_a, "inspection-a"),
    "tgw": subnet("10.1.2.0/24", az_a, "tgw-a"),
    "tgw_b": subnet("10.1.12.0/24", az_b, "tgw-b"),
    "app": subnet("10.1.3.0/24", az_a, "app-a"),
    "legacy": subnet("10.1.4.0/24", az_a, "legacy-a"),
    "batch": subnet("100.64.0.0/24", az_a, "batch-a"),
}
igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
nat = ec2.create_nat_gateway(SubnetId=sub["public"], AllocationId=eip)["NatGateway"]["NatGatewayId"]

# Gateway Load Balancer, its endpoint service and an endpoint in the inspection subnet
gwlb = elb.create_load_balancer(Name="ips", Type="gateway", Subnets=[sub["inspection"]])["LoadBalancers"][0]["LoadBalancerArn"]
service = ec2.create_vpc_endpoint_service_configuration(GatewayLoadBalancerArns=[gwlb], AcceptanceRequired=False)
service_name = service["ServiceConfiguration"]["ServiceName"]
gwlbe = ec2.create_vpc_endpoint(VpcEndpointType="GatewayLoadBalancer", VpcId=vpc, ServiceName=service_name,
                                SubnetIds=[sub["inspection"]])["VpcEndpoint"]["VpcEndpointId"]

# Transit Gateway, VPC attachment, VPN to on-premises
tgw = ec2.create_transit_gateway(Description="corporate")["TransitGateway"]["TransitGatewayId"]
att = ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[sub["tgw"]])
att = att["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
cgw = ec2.create_customer_gateway(BgpAsn=65000, PublicIp="203.0.113.10", Type="ipsec.1")["CustomerGateway"]["CustomerGatewayId"]
vpn = ec2.create_vpn_connection(CustomerGatewayId=cgw, Type="ipsec.1", TransitGatewayId=tgw,
                                Options={"StaticRoutesOnly": True})["VpnConnection"]["VpnConnectionId"]
# the default route table (both attachments are associated with it): on-premises through the
# VPN, the VPC through its attachment
tgw_rtb = ec2.describe_transit_gateways(TransitGatewayIds=[tgw])["TransitGateways"][0]["Options"]["AssociationDefaultRouteTableId"]
ec2.create_transit_gateway_route(DestinationCidrBlock="10.1.0.0/16", TransitGatewayRouteTableId=tgw_rtb,
                                 TransitGatewayAttachmentId=att)
vpn_att = [a["TransitGatewayAttachmentId"] for a in ec2.describe_transit_gateway_attachments()["TransitGatewayAttachments"]
           if a.get("ResourceType") == "vpn"]
ec2.create_transit_gateway_route(DestinationCidrBlock="10.100.0.0/16", TransitGatewayRouteTableId=tgw_rtb,
                                 TransitGatewayAttachmentId=vpn_att[0])

def route_table(name, subnets, routes):
    rt = ec2.create_route_table(VpcId=vpc, TagSpecifications=[
        {"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": name}]}])["RouteTable"]["RouteTableId"]
    for s in subnets:
        ec2.associate_route_table(RouteTableId=rt, SubnetId=s)
    for dest, target in routes:
        kw = {"RouteTableId": rt, "DestinationCidrBlock": dest}
        if target.startswith("igw-"):
            kw["GatewayId"] = target
        elif target.startswith("nat-"):
            kw["NatGatewayId"] = target
        elif target.startswith("tgw-"):
            kw["TransitGatewayId"] = target
        elif target.startswith("vpce-"):
            kw["VpcEndpointId"] = target
        ec2.create_route(**kw)
    return rt


route_table("public", [sub["public"]], [("0.0.0.0/0", igw), ("10.1.3.0/24", gwlbe)])
route_table("inspection", [sub["inspection"]], [("0.0.0.0/0", nat), ("10.100.0.0/16", tgw)])
route_table("tgw", [sub["tgw"], sub["tgw_b"]], [("0.0.0.0/0", gwlbe)])
route_table("app", [sub["app"], sub["batch"]], [("0.0.0.0/0", gwlbe)])
route_table("legacy", [sub["legacy"]], [("0.0.0.0/0", nat), ("10.100.0.0/16", tgw)])

# instances, with an instance profile
trust_ec2 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(trust_ec2))
iam.put_role_policy(RoleName="app", PolicyName="session-manager", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
        "ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel", "ec2messages:GetMessages"]}]}))
iam.create_instance_profile(InstanceProfileName="app")
iam.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
iam.create_role(RoleName="cross-account-audit", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:AssumeRole"}]}))
image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
sg = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
instances = {}
for name in ["app", "legacy", "batch"]:
    i = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=sub[name], SecurityGroupIds=[sg],
                          IamInstanceProfile={"Name": "app"})["Instances"][0]["InstanceId"]
    instances[name] = i

# Route 53 Resolver: outbound endpoint in two zones, forwarding rule for the corporate domain
rsg = ec2.create_security_group(GroupName="resolver", Description="resolver", VpcId=vpc)["GroupId"]
ep = r53r.create_resolver_endpoint(
    CreatorRequestId="outbound", Name="outbound", SecurityGroupIds=[rsg], Direction="OUTBOUND",
    IpAddresses=[{"SubnetId": sub["tgw"]}, {"SubnetId": sub["tgw_b"]}])["ResolverEndpoint"]["Id"]
rule = r53r.create_resolver_rule(
    CreatorRequestId="corp", Name="corp", RuleType="FORWARD", DomainName="corp.example.com",
    TargetIps=[{"Ip": "10.100.0.2", "Port": 53}], ResolverEndpointId=ep)["ResolverRule"]["Id"]
r53r.associate_resolver_rule(ResolverRuleId=rule, VPCId=vpc)

# a private hosted zone of the VPC
zone = client("route53", creds).create_hosted_zone(
    Name="internal.example.com", CallerReference="internal", VPC={"VPCRegion": REGION, "VPCId": vpc},
    HostedZoneConfig={"Comment": "private", "PrivateZone": True})["HostedZone"]["Id"].split("/")[-1]

# a secret readable only through the VPC
secret = sm.create_secret(Name="prod-db", SecretString="never-collected")["ARN"]
sm.put_resource_policy(SecretId=secret, ResourcePolicy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:SourceVpc": vpc}}}]}))

ids.update(vpc=vpc, subnets=sub, igw=igw, nat=nat, gwlb=gwlb, gwlbe=gwlbe, tgw=tgw, tgw_attachment=att,
           tgw_route_table=tgw_rtb, vpn=vpn, zone=zone, resolver_endpoint=ep, resolver_rule=rule, secret=secret,
           instances=instances)
print(json.dumps(ids))
