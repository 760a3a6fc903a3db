"""Writes the access, DNS and security-service stacks of the landing zone from the snapshot
(`../snapshot`), so that the templates declare exactly the identities, policies and
services the snapshot shows:

- prod-access.yaml     prod workload account 111111111111: IAM (roles, managed policies,
                       instance profiles, the break-glass user and its group), the KMS key, the
                       secrets and prod/db's resource policy, the findings rule, the VPC flow
                       log, Cognito, and DNS (outbound Resolver endpoint with its group, rules,
                       associations, the private hosted zone and its records)
- security-account.yaml security account 333333333333: the security-findings bus and its
                       policy, the GuardDuty detector and its members
- cicd-account.yaml    CI/CD account 444444444444: the artifacts bucket and its policy

Policy documents are copied from the snapshot; values AWS assigns at deployment (the secret
ARN, the identity pool id, the endpoint id, the KMS key) become intrinsic functions.

    python3 write_access.py
"""
import json
import os
import re

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SNAP = os.path.join(HERE, "..", "snapshot")


def load(*parts):
    with open(os.path.join(SNAP, *parts)) as f:
        return json.load(f)


def doc(v):
    return json.loads(v) if isinstance(v, str) else v


def logical(name):
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]", name) if p)


def substitute(v, table):
    """Replace literal values AWS assigns at deployment by intrinsic functions."""
    if isinstance(v, dict):
        return {k: substitute(x, table) for k, x in v.items()}
    if isinstance(v, list):
        return [substitute(x, table) for x in v]
    if isinstance(v, str) and v in table:
        return table[v]
    return v


def tags(lst):
    return [{"Key": t["Key"], "Value": t["Value"]} for t in lst]


class Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def write(name, description, parameters, resources, outputs=None):
    t = {"AWSTemplateFormatVersion": "2010-09-09", "Description": description}
    if parameters:
        t["Parameters"] = parameters
    t["Resources"] = resources
    if outputs:
        t["Outputs"] = outputs
    text = yaml.dump(t, Dumper=Dumper, sort_keys=False, default_flow_style=False, width=120, allow_unicode=True)
    with open(os.path.join(HERE, name), "w") as f:
        f.write("# Written by write_access.py from ../snapshot; edit the script, not this file.\n" + text)


def imported(name):
    return {"Fn::ImportValue": {"Fn::Sub": "${ProdVpcStackName}-" + name}}


# ----------------------------------------------------------------------------- prod account
iam = load("111111111111", "iam", "AccountAuthorizationDetails.json")
profiles = load("111111111111", "iam", "InstanceProfiles.json")["InstanceProfiles"]
secrets = load("111111111111", "eu-west-1", "SecretList.json")["SecretList"]
key_id = "7c1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6"
key_policy = doc(load("111111111111", "eu-west-1", "KmsKeyPolicies", key_id + ".json")["Policy"])
pool = load("111111111111", "eu-west-1", "CognitoUserPools", "eu-west-1_Pa7mEnt5x.json")["UserPool"]
ids = load("111111111111", "eu-west-1", "CognitoIdentityPools", "eu-west-1_3f2a8b1c.json")
ids_roles = load("111111111111", "eu-west-1", "CognitoIdentityPoolRoles", "eu-west-1_3f2a8b1c.json")["Roles"]
rules = load("111111111111", "eu-west-1", "EventRules.json")["Rules"]
flow_logs = load("111111111111", "eu-west-1", "FlowLogs.json")["FlowLogs"]

table = {
    ids["IdentityPoolId"]: {"Ref": "PaymentsMobileIdentityPool"},
    "vpce-0a1a2b3c4d5e6f7c1": imported("SecretsManagerEndpointId"),
    "arn:aws:kms:eu-west-1:111111111111:key/" + key_id: {"Fn::GetAtt": ["SecretsKey", "Arn"]},
}
for s in secrets:
    table[s["ARN"]] = {"Ref": logical(s["Name"]) + "Secret"}

R = {}
managed = {}
for p in iam["Policies"]:
    if ":aws:policy/" in p["Arn"]:
        continue
    version = next(v for v in p["PolicyVersionList"] if v["IsDefaultVersion"])
    lid = logical(p["PolicyName"]) + "Policy"
    managed[p["Arn"]] = {"Ref": lid}
    R[lid] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "ManagedPolicyName": p["PolicyName"], "Path": p["Path"], "PolicyDocument": substitute(doc(version["Document"]), table)}}
table.update(managed)

for r in iam["RoleDetailList"]:
    props = {"RoleName": r["RoleName"], "Path": r["Path"],
             "AssumeRolePolicyDocument": substitute(doc(r["AssumeRolePolicyDocument"]), table)}
    if r.get("AttachedManagedPolicies"):
        props["ManagedPolicyArns"] = [table.get(a["PolicyArn"], a["PolicyArn"]) for a in r["AttachedManagedPolicies"]]
    if r.get("RolePolicyList"):
        props["Policies"] = [{"PolicyName": p["PolicyName"], "PolicyDocument": substitute(doc(p["PolicyDocument"]), table)}
                             for p in r["RolePolicyList"]]
    if r.get("PermissionsBoundary"):
        b = r["PermissionsBoundary"]["PermissionsBoundaryArn"]
        props["PermissionsBoundary"] = table.get(b, b)
    if r.get("Tags"):
        props["Tags"] = tags(r["Tags"])
    R[logical(r["RoleName"]) + "Role"] = {"Type": "AWS::IAM::Role", "Properties": props}

for p in profiles:
    R[logical(p["InstanceProfileName"]) + "Profile"] = {"Type": "AWS::IAM::InstanceProfile", "Properties": {
        "InstanceProfileName": p["InstanceProfileName"], "Path": p["Path"],
        "Roles": [{"Ref": logical(x["RoleName"]) + "Role"} for x in p["Roles"]]}}

for g in iam["GroupDetailList"]:
    props = {"GroupName": g["GroupName"], "Path": g["Path"]}
    if g.get("AttachedManagedPolicies"):
        props["ManagedPolicyArns"] = [table.get(a["PolicyArn"], a["PolicyArn"]) for a in g["AttachedManagedPolicies"]]
    R[logical(g["GroupName"]) + "Group"] = {"Type": "AWS::IAM::Group", "Properties": props}

for u in iam["UserDetailList"]:
    props = {"UserName": u["UserName"], "Path": u["Path"], "Groups": [{"Ref": logical(g) + "Group"} for g in u.get("GroupList", [])]}
    if u.get("Tags"):
        props["Tags"] = tags(u["Tags"])
    R[logical(u["UserName"]) + "User"] = {"Type": "AWS::IAM::User", "Properties": props}

R["SecretsKey"] = {"Type": "AWS::KMS::Key", "Properties": {
    "Description": "encrypts the prod secrets", "KeyPolicy": substitute(key_policy, table)}}

for s in secrets:
    lid = logical(s["Name"]) + "Secret"
    props = {"Name": s["Name"]}
    if s.get("KmsKeyId"):
        props["KmsKeyId"] = table.get(s["KmsKeyId"], s["KmsKeyId"])
    if s.get("Tags"):
        props["Tags"] = tags(s["Tags"])
    R[lid] = {"Type": "AWS::SecretsManager::Secret", "Properties": props}
    policy = load("111111111111", "eu-west-1", "SecretPolicies", s["Name"].replace("/", "-") + ".json").get("ResourcePolicy")
    if policy:
        R[lid + "Policy"] = {"Type": "AWS::SecretsManager::ResourcePolicy", "Properties": {
            "SecretId": {"Ref": lid}, "BlockPublicPolicy": True, "ResourcePolicy": substitute(doc(policy), table)}}

for r in rules:
    targets = load("111111111111", "eu-west-1", "EventRuleTargets", r["Name"] + ".json")["Targets"]
    R[logical(r["Name"]) + "Rule"] = {"Type": "AWS::Events::Rule", "Properties": {
        "Name": r["Name"], "Description": r["Description"], "EventBusName": r["EventBusName"], "State": r["State"],
        "EventPattern": json.loads(r["EventPattern"]),
        "Targets": [{"Id": t["Id"], "Arn": t["Arn"], "RoleArn": t["RoleArn"]} for t in targets]}}

for f in flow_logs:
    R["ProdVpcFlowLog"] = {"Type": "AWS::EC2::FlowLog", "Properties": {
        "ResourceId": imported("VpcId"), "ResourceType": "VPC", "TrafficType": f["TrafficType"],
        "LogDestinationType": f["LogDestinationType"], "LogDestination": f["LogDestination"],
        "MaxAggregationInterval": f["MaxAggregationInterval"]}}

pw = pool["Policies"]["PasswordPolicy"]
R["PaymentsCustomersUserPool"] = {"Type": "AWS::Cognito::UserPool", "Properties": {
    "UserPoolName": pool["Name"], "MfaConfiguration": pool["MfaConfiguration"], "DeletionProtection": pool["DeletionProtection"],
    "AutoVerifiedAttributes": pool["AutoVerifiedAttributes"], "UsernameAttributes": pool["UsernameAttributes"],
    "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
    "Policies": {"PasswordPolicy": {k: pw[k] for k in ["MinimumLength", "RequireUppercase", "RequireLowercase", "RequireNumbers",
                                                        "RequireSymbols", "TemporaryPasswordValidityDays"]}},
    "UserPoolAddOns": {"AdvancedSecurityMode": pool["UserPoolAddOns"]["AdvancedSecurityMode"]},
    "UserPoolTier": pool["UserPoolTier"]}}
R["PaymentsMobileIdentityPool"] = {"Type": "AWS::Cognito::IdentityPool", "Properties": {
    "IdentityPoolName": ids["IdentityPoolName"], "AllowUnauthenticatedIdentities": ids["AllowUnauthenticatedIdentities"],
    "AllowClassicFlow": ids["AllowClassicFlow"]}}
R["PaymentsMobileRoles"] = {"Type": "AWS::Cognito::IdentityPoolRoleAttachment", "Properties": {
    "IdentityPoolId": {"Ref": "PaymentsMobileIdentityPool"},
    "Roles": {k: {"Fn::GetAtt": [logical(v.rsplit("/", 1)[1]) + "Role", "Arn"]} for k, v in ids_roles.items()}}}

# DNS: the outbound endpoint (and its group), the rules of the account, their associations,
# the private zone and its records.
sg = next(g for g in load("111111111111", "eu-west-1", "SecurityGroups.json")["SecurityGroups"] if g["GroupName"] == "resolver-sg")
R["ResolverSecurityGroup"] = {"Type": "AWS::EC2::SecurityGroup", "Properties": {
    "GroupName": sg["GroupName"], "GroupDescription": sg["Description"], "VpcId": imported("VpcId"),
    "SecurityGroupEgress": [{"IpProtocol": p["IpProtocol"], "FromPort": p["FromPort"], "ToPort": p["ToPort"],
                             "CidrIp": ip["CidrIp"], "Description": ip["Description"]}
                            for p in sg["IpPermissionsEgress"] for ip in p["IpRanges"]],
    "Tags": tags(sg["Tags"])}}
endpoint = load("111111111111", "eu-west-1", "ResolverEndpoints.json")["ResolverEndpoints"][0]
addresses = load("111111111111", "eu-west-1", "ResolverEndpointIpAddresses", endpoint["Id"] + ".json")["IpAddresses"]
subnet_names = {"subnet-0aa0000000000a003": "EndpointsASubnetId", "subnet-0aa0000000000b003": "EndpointsBSubnetId"}
R["CorpDnsOutbound"] = {"Type": "AWS::Route53Resolver::ResolverEndpoint", "Properties": {
    "Name": endpoint["Name"], "Direction": endpoint["Direction"], "SecurityGroupIds": [{"Fn::GetAtt": ["ResolverSecurityGroup", "GroupId"]}],
    "IpAddresses": [{"SubnetId": imported(subnet_names[a["SubnetId"]]), "Ip": a["Ip"]} for a in addresses],
    "Protocols": endpoint["Protocols"], "ResolverEndpointType": endpoint["ResolverEndpointType"]}}
rule_ids = {}
for r in load("111111111111", "eu-west-1", "ResolverRules.json")["ResolverRules"]:
    if r["Id"].startswith("rslvr-autodefined"):
        continue
    lid = logical(r["Name"]) + "Rule"
    rule_ids[r["Id"]] = lid
    props = {"Name": r["Name"], "DomainName": r["DomainName"], "RuleType": r["RuleType"]}
    if r.get("TargetIps"):
        props["TargetIps"] = [{"Ip": t["Ip"], "Port": str(t["Port"]), "Protocol": t["Protocol"]} for t in r["TargetIps"]]
    if r.get("ResolverEndpointId"):
        props["ResolverEndpointId"] = {"Fn::GetAtt": ["CorpDnsOutbound", "ResolverEndpointId"]}
    R[lid] = {"Type": "AWS::Route53Resolver::ResolverRule", "Properties": props}
for a in load("111111111111", "eu-west-1", "ResolverRuleAssociations.json")["ResolverRuleAssociations"]:
    if a["ResolverRuleId"] not in rule_ids:
        continue
    R[logical(a["Name"]) + "Association"] = {"Type": "AWS::Route53Resolver::ResolverRuleAssociation", "Properties": {
        "Name": a["Name"], "ResolverRuleId": {"Fn::GetAtt": [rule_ids[a["ResolverRuleId"]], "ResolverRuleId"]}, "VPCId": imported("VpcId")}}
zone = load("111111111111", "eu-west-1", "HostedZones.json")["HostedZones"][0]
zone_id = zone["Id"].rsplit("/", 1)[1]
R["AwsCorpZone"] = {"Type": "AWS::Route53::HostedZone", "Properties": {
    "Name": zone["Name"], "HostedZoneConfig": {"Comment": zone["Config"]["Comment"]},
    "VPCs": [{"VPCId": imported("VpcId"), "VPCRegion": {"Ref": "AWS::Region"}}]}}
for rec in load("111111111111", "eu-west-1", "ResourceRecordSets", zone_id + ".json")["ResourceRecordSets"]:
    if rec["Type"] in ("NS", "SOA"):
        continue  # Route 53 creates them with the zone
    R[logical(rec["Name"].split(".")[0]) + "Record"] = {"Type": "AWS::Route53::RecordSet", "Properties": {
        "HostedZoneId": {"Ref": "AwsCorpZone"}, "Name": rec["Name"], "Type": rec["Type"], "TTL": str(rec["TTL"]),
        "ResourceRecords": [v["Value"] for v in rec["ResourceRecords"]]}}

write("prod-access.yaml",
      "koban landing zone, prod workload account (111111111111): IAM roles, managed policies, instance profiles and the "
      "break-glass user, the KMS key and the secrets with prod/db's resource policy, the findings rule, prod-vpc's flow log, "
      "Cognito pools, and DNS (outbound Resolver endpoint, forwarding and system rules, the private hosted zone). Deploy "
      "after prod-vpc (it imports the VPC, subnet and endpoint ids).",
      {"ProdVpcStackName": {"Type": "String", "Default": "prod-vpc", "Description": "Name of the stack that exports prod-vpc's ids"}},
      R)

# ----------------------------------------------------------------------------- security account
S = {}
for b in load("333333333333", "eu-west-1", "EventBuses.json")["EventBuses"]:
    if b["Name"] == "default":
        continue
    S[logical(b["Name"]) + "Bus"] = {"Type": "AWS::Events::EventBus", "Properties": {
        "Name": b["Name"], "Description": b["Description"], "Policy": doc(b["Policy"])}}
S["GuardDutyDetector"] = {"Type": "AWS::GuardDuty::Detector", "Properties": {"Enable": True, "FindingPublishingFrequency": "FIFTEEN_MINUTES"}}
for m in load("333333333333", "eu-west-1", "GuardDutyMembers.json")["Members"]:
    S["Member" + m["AccountId"]] = {"Type": "AWS::GuardDuty::Member", "Properties": {
        "DetectorId": {"Ref": "GuardDutyDetector"}, "MemberId": m["AccountId"], "Email": m["Email"],
        "Status": m["RelationshipStatus"], "DisableEmailNotification": True}}
write("security-account.yaml",
      "koban landing zone, security account (333333333333): the security-findings event bus that every account of the "
      "organization may put findings on, and the GuardDuty detector of the delegated administrator with its members.",
      None, S)

# ----------------------------------------------------------------------------- CI/CD account
C = {}
bucket = "cicd-artifacts-444444444444"
policy = doc(load("444444444444", "eu-west-1", "S3BucketPolicies", bucket + ".json")["Policy"])
C["ArtifactsBucket"] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}}
C["ArtifactsBucketPolicy"] = {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "ArtifactsBucket"}, "PolicyDocument": policy}}
write("cicd-account.yaml",
      "koban landing zone, CI/CD account (444444444444): the pipeline artifacts bucket, readable by the organization over TLS.",
      None, C)
