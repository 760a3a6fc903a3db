"""The access, DNS, security-service and organization resources of the landing zone, read from
the snapshot (`../snapshot`) so that the plan declares the identities, policies and services
the snapshot shows. Imported for write_plan.py: `resources(add, ref, const)`.

Each account has its provider configuration (`aws.prod`, `aws.security`, `aws.cicd`,
`aws.management`, with `allowed_account_ids`). Policy documents are the JSON strings
`jsonencode` gives; ARNs and names built from constants are known at plan time. The
organization, its OUs, accounts and policies are imported (their ids are known), as is the
identity pool (its id is in the authenticated role's trust policy); prod/db's policy names
the Secrets Manager endpoint by the id koban gives it (standing for the id a plan reads from
the network already applied).
"""
import json
import os

SNAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "snapshot")
ACCOUNTS = {"aws.prod": "111111111111", "aws.security": "333333333333", "aws.cicd": "444444444444", "aws.management": "555555555555"}


def load(*parts):
    with open(os.path.join(SNAP, *parts)) as f:
        return json.load(f)


def text(v):
    return v if isinstance(v, str) else json.dumps(v)


def resources(add, ref, const, endpoint_id):
    prod = "aws.prod"
    iam = load("111111111111", "iam", "AccountAuthorizationDetails.json")
    for p in iam["Policies"]:
        if ":aws:policy/" in p["Arn"]:
            continue
        version = next(v for v in p["PolicyVersionList"] if v["IsDefaultVersion"])
        add("", "aws_iam_policy", p["PolicyName"].replace("-", "_"), {"name": p["PolicyName"], "path": p["Path"], "policy": text(version["Document"])},
            ["id", "arn", "policy_id"], {"name": const(p["PolicyName"])}, provider=prod)
    for r in iam["RoleDetailList"]:
        values = {"name": r["RoleName"], "path": r["Path"], "assume_role_policy": text(r["AssumeRolePolicyDocument"])}
        if r.get("AttachedManagedPolicies"):
            values["managed_policy_arns"] = [a["PolicyArn"] for a in r["AttachedManagedPolicies"]]
        if r.get("RolePolicyList"):
            values["inline_policy"] = [{"name": p["PolicyName"], "policy": text(p["PolicyDocument"])} for p in r["RolePolicyList"]]
        if r.get("PermissionsBoundary"):
            values["permissions_boundary"] = r["PermissionsBoundary"]["PermissionsBoundaryArn"]
        add("", "aws_iam_role", r["RoleName"].replace("-", "_"), values, ["id", "arn", "unique_id"], {"name": const(r["RoleName"])}, provider=prod)
    for p in load("111111111111", "iam", "InstanceProfiles.json")["InstanceProfiles"]:
        add("", "aws_iam_instance_profile", p["InstanceProfileName"].replace("-", "_"),
            {"name": p["InstanceProfileName"], "path": p["Path"], "role": p["Roles"][0]["RoleName"]}, ["id", "arn", "unique_id"], {}, provider=prod)
    for g in iam["GroupDetailList"]:
        n = g["GroupName"].replace("-", "_")
        add("", "aws_iam_group", n, {"name": g["GroupName"], "path": g["Path"]}, ["id", "arn", "unique_id"], {}, provider=prod)
        for a in g.get("AttachedManagedPolicies", []):
            add("", "aws_iam_group_policy_attachment", n + "_" + a["PolicyName"].lower(), {"group": g["GroupName"], "policy_arn": a["PolicyArn"]}, ["id"], {}, provider=prod)
    for u in iam["UserDetailList"]:
        n = u["UserName"].replace("-", "_")
        add("", "aws_iam_user", n, {"name": u["UserName"], "path": u["Path"]}, ["id", "arn", "unique_id"], {}, provider=prod)
        add("", "aws_iam_user_group_membership", n, {"user": u["UserName"], "groups": u.get("GroupList", [])}, ["id"], {}, provider=prod)

    key_id = "7c1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6"
    key_policy = load("111111111111", "eu-west-1", "KmsKeyPolicies", key_id + ".json")["Policy"]
    add("", "aws_kms_key", "secrets", {"description": "encrypts the prod secrets", "policy": text(key_policy)}, ["id", "arn", "key_id"], {}, provider=prod)
    for s in load("111111111111", "eu-west-1", "SecretList.json")["SecretList"]:
        n = s["Name"].replace("/", "_").replace("-", "_")
        values = {"name": s["Name"], "tags": {t["Key"]: t["Value"] for t in s.get("Tags", [])}}
        expressions = {"name": const(s["Name"])}
        unknown = ["id", "arn"]
        if s.get("KmsKeyId"):
            unknown.append("kms_key_id")
            expressions["kms_key_id"] = {"references": ["aws_kms_key.secrets.arn", "aws_kms_key.secrets"]}
        add("", "aws_secretsmanager_secret", n, values, unknown, expressions, provider=prod)
        policy = load("111111111111", "eu-west-1", "SecretPolicies", s["Name"].replace("/", "-") + ".json").get("ResourcePolicy")
        if policy:
            policy = json.loads(json.dumps(json.loads(policy)).replace('"vpce-0a1a2b3c4d5e6f7c1"', json.dumps(endpoint_id)))
            add("", "aws_secretsmanager_secret_policy", n, {"policy": text(policy), "block_public_policy": True}, ["id", "secret_arn"],
                {"secret_arn": {"references": ["aws_secretsmanager_secret.%s.arn" % n, "aws_secretsmanager_secret.%s" % n]}}, provider=prod)

    for r in load("111111111111", "eu-west-1", "EventRules.json")["Rules"]:
        n = r["Name"].replace("-", "_")
        add("", "aws_cloudwatch_event_rule", n, {"name": r["Name"], "description": r["Description"], "event_bus_name": r["EventBusName"],
                                                  "event_pattern": r["EventPattern"], "state": r["State"]}, ["id", "arn"], {}, provider=prod)
        for t in load("111111111111", "eu-west-1", "EventRuleTargets", r["Name"] + ".json")["Targets"]:
            add("", "aws_cloudwatch_event_target", n, {"rule": r["Name"], "target_id": t["Id"], "arn": t["Arn"], "role_arn": t["RoleArn"],
                                                        "event_bus_name": r["EventBusName"]}, ["id"], {}, provider=prod)
    for f in load("111111111111", "eu-west-1", "FlowLogs.json")["FlowLogs"]:
        add("", "aws_flow_log", "prod_vpc", {"traffic_type": f["TrafficType"], "log_destination_type": f["LogDestinationType"],
                                             "log_destination": f["LogDestination"], "max_aggregation_interval": f["MaxAggregationInterval"]},
            ["id", "arn", "vpc_id"], {"vpc_id": ref("aws_vpc.prod")}, provider=prod)

    pool = load("111111111111", "eu-west-1", "CognitoUserPools", "eu-west-1_Pa7mEnt5x.json")["UserPool"]
    pw = pool["Policies"]["PasswordPolicy"]
    add("", "aws_cognito_user_pool", "payments_customers", {
        "name": pool["Name"], "mfa_configuration": pool["MfaConfiguration"], "deletion_protection": pool["DeletionProtection"],
        "password_policy": [{"minimum_length": pw["MinimumLength"], "require_uppercase": pw["RequireUppercase"], "require_lowercase": pw["RequireLowercase"],
                             "require_numbers": pw["RequireNumbers"], "require_symbols": pw["RequireSymbols"],
                             "temporary_password_validity_days": pw["TemporaryPasswordValidityDays"]}],
        "user_pool_add_ons": [{"advanced_security_mode": pool["UserPoolAddOns"]["AdvancedSecurityMode"]}]}, ["id", "arn", "endpoint"], {}, provider=prod)
    ids = load("111111111111", "eu-west-1", "CognitoIdentityPools", "eu-west-1_3f2a8b1c.json")
    # imported: the authenticated role's trust policy names the pool's id
    add("", "aws_cognito_identity_pool", "payments_mobile", {"id": ids["IdentityPoolId"], "identity_pool_name": ids["IdentityPoolName"],
        "allow_unauthenticated_identities": ids["AllowUnauthenticatedIdentities"], "allow_classic_flow": ids["AllowClassicFlow"]}, ["arn"], {}, provider=prod)
    roles = load("111111111111", "eu-west-1", "CognitoIdentityPoolRoles", "eu-west-1_3f2a8b1c.json")["Roles"]
    add("", "aws_cognito_identity_pool_roles_attachment", "payments_mobile", {"roles": roles}, ["id", "identity_pool_id"],
        {"identity_pool_id": ref("aws_cognito_identity_pool.payments_mobile")}, provider=prod)

    # DNS
    sg = next(g for g in load("111111111111", "eu-west-1", "SecurityGroups.json")["SecurityGroups"] if g["GroupName"] == "resolver-sg")
    egress = [{"cidr_blocks": [ip["CidrIp"] for ip in p["IpRanges"]], "description": p["IpRanges"][0]["Description"], "from_port": p["FromPort"],
               "to_port": p["ToPort"], "protocol": p["IpProtocol"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": False}
              for p in sg["IpPermissionsEgress"]]
    add("", "aws_security_group", "resolver", {"name": sg["GroupName"], "description": sg["Description"], "egress": egress, "ingress": [],
                                               "tags": {"Name": sg["GroupName"]}}, ["id", "arn", "owner_id", "vpc_id"], {"vpc_id": ref("aws_vpc.prod")}, provider=prod)
    endpoint = load("111111111111", "eu-west-1", "ResolverEndpoints.json")["ResolverEndpoints"][0]
    addresses = load("111111111111", "eu-west-1", "ResolverEndpointIpAddresses", endpoint["Id"] + ".json")["IpAddresses"]
    subnets = {"subnet-0aa0000000000a003": "endpoints-a", "subnet-0aa0000000000b003": "endpoints-b"}
    add("", "aws_route53_resolver_endpoint", "corp_dns_outbound", {
        "name": endpoint["Name"], "direction": endpoint["Direction"], "protocols": endpoint["Protocols"],
        "resolver_endpoint_type": endpoint["ResolverEndpointType"], "ip_address": [{"ip": a["Ip"]} for a in addresses]},
        ["id", "arn", "host_vpc_id", "security_group_ids", ("ip_address", [{"subnet_id": True, "ip_id": True} for _ in addresses])],
        {"security_group_ids": ref("aws_security_group.resolver"),
         "ip_address": [{"subnet_id": ref('aws_subnet.this["%s"]' % subnets[a["SubnetId"]])} for a in addresses]}, provider=prod)
    rule_names = {}
    for r in load("111111111111", "eu-west-1", "ResolverRules.json")["ResolverRules"]:
        if r["Id"].startswith("rslvr-autodefined"):
            continue
        n = r["Name"].replace("-", "_")
        rule_names[r["Id"]] = n
        values = {"name": r["Name"], "domain_name": r["DomainName"], "rule_type": r["RuleType"]}
        expressions = {}
        unknown = ["id", "arn", "owner_id", "share_status"]
        if r.get("TargetIps"):
            values["target_ip"] = [{"ip": t["Ip"], "port": t["Port"], "protocol": t["Protocol"]} for t in r["TargetIps"]]
        if r.get("ResolverEndpointId"):
            unknown.append("resolver_endpoint_id")
            expressions["resolver_endpoint_id"] = ref("aws_route53_resolver_endpoint.corp_dns_outbound")
        add("", "aws_route53_resolver_rule", n, values, unknown, expressions, provider=prod)
    for a in load("111111111111", "eu-west-1", "ResolverRuleAssociations.json")["ResolverRuleAssociations"]:
        if a["ResolverRuleId"] not in rule_names:
            continue
        n = rule_names[a["ResolverRuleId"]]
        add("", "aws_route53_resolver_rule_association", n, {"name": a["Name"]}, ["id", "resolver_rule_id", "vpc_id"],
            {"resolver_rule_id": ref("aws_route53_resolver_rule." + n), "vpc_id": ref("aws_vpc.prod")}, provider=prod)
    zone = load("111111111111", "eu-west-1", "HostedZones.json")["HostedZones"][0]
    zone_id = zone["Id"].rsplit("/", 1)[1]
    add("", "aws_route53_zone", "aws_corp", {"name": zone["Name"].rstrip("."), "comment": zone["Config"]["Comment"], "vpc": [{"vpc_region": "eu-west-1"}]},
        ["id", "arn", "zone_id", "name_servers", ("vpc", [{"vpc_id": True}])], {"vpc": [{"vpc_id": ref("aws_vpc.prod")}]}, provider=prod)
    for rec in load("111111111111", "eu-west-1", "ResourceRecordSets", zone_id + ".json")["ResourceRecordSets"]:
        if rec["Type"] in ("NS", "SOA"):
            continue
        n = rec["Name"].split(".")[0].replace("-", "_")
        add("", "aws_route53_record", n, {"name": rec["Name"].rstrip("."), "type": rec["Type"], "ttl": rec["TTL"],
                                          "records": [v["Value"] for v in rec["ResourceRecords"]]}, ["id", "fqdn", "zone_id"],
            {"zone_id": {"references": ["aws_route53_zone.aws_corp.zone_id", "aws_route53_zone.aws_corp"]}}, provider=prod)

    # security account
    sec = "aws.security"
    for b in load("333333333333", "eu-west-1", "EventBuses.json")["EventBuses"]:
        if b["Name"] == "default":
            continue
        n = b["Name"].replace("-", "_")
        add("", "aws_cloudwatch_event_bus", n, {"name": b["Name"], "description": b["Description"]}, ["id", "arn"], {}, provider=sec)
        add("", "aws_cloudwatch_event_bus_policy", n, {"event_bus_name": b["Name"], "policy": b["Policy"]}, ["id"], {}, provider=sec)
    add("", "aws_guardduty_detector", "security", {"enable": True, "finding_publishing_frequency": "FIFTEEN_MINUTES"}, ["id", "arn", "account_id"], {}, provider=sec)
    for m in load("333333333333", "eu-west-1", "GuardDutyMembers.json")["Members"]:
        add("", "aws_guardduty_member", "a" + m["AccountId"], {"account_id": m["AccountId"], "email": m["Email"], "invite": True,
                                                              "disable_email_notification": True, "relationship_status": m["RelationshipStatus"]},
            ["id", "detector_id"], {"detector_id": ref("aws_guardduty_detector.security")}, provider=sec)
    statuses = load("333333333333", "eu-west-1", "InspectorAccountStatus.json")["accounts"]
    types = sorted(k.upper() for k, v in statuses[0]["resourceState"].items() if v["status"] == "ENABLED")
    add("", "aws_inspector2_enabler", "organization", {"account_ids": [a["accountId"] for a in statuses if a["state"]["status"] == "ENABLED"],
                                                      "resource_types": types}, ["id"], {}, provider=sec)

    # CI/CD account
    bucket = "cicd-artifacts-444444444444"
    policy = load("444444444444", "eu-west-1", "S3BucketPolicies", bucket + ".json")["Policy"]
    add("", "aws_s3_bucket", "artifacts", {"bucket": bucket}, ["id", "arn"], {}, provider="aws.cicd")
    add("", "aws_s3_bucket_policy", "artifacts", {"bucket": bucket, "policy": policy}, ["id"], {}, provider="aws.cicd")

    # management account: the organization (imported: its ids are known)
    mg = "aws.management"
    org = load("555555555555", "organizations", "Organization.json")["Organization"]
    root = load("555555555555", "organizations", "Roots.json")["Roots"][0]
    add("", "aws_organizations_organization", "org", {
        "id": org["Id"], "arn": org["Arn"], "feature_set": org["FeatureSet"], "master_account_id": org["MasterAccountId"],
        "aws_service_access_principals": ["cloudtrail.amazonaws.com", "guardduty.amazonaws.com", "inspector2.amazonaws.com"],
        "enabled_policy_types": [p["Type"] for p in root["PolicyTypes"] if p["Status"] == "ENABLED"],
        "roots": [{"id": root["Id"], "arn": root["Arn"], "name": root["Name"], "policy_types": [{"type": p["Type"], "status": p["Status"]} for p in root["PolicyTypes"]]}]},
        [], {}, provider=mg)
    for parent in sorted(os.listdir(os.path.join(SNAP, "555555555555", "organizations", "OrganizationalUnits"))):
        for u in load("555555555555", "organizations", "OrganizationalUnits", parent)["OrganizationalUnits"]:
            add("", "aws_organizations_organizational_unit", u["Name"].lower(), {"id": u["Id"], "arn": u["Arn"], "name": u["Name"], "parent_id": parent[:-5]},
                [], {}, provider=mg)
    for parent in sorted(os.listdir(os.path.join(SNAP, "555555555555", "organizations", "Accounts"))):
        for a in load("555555555555", "organizations", "Accounts", parent)["Accounts"]:
            add("", "aws_organizations_account", a["Name"].replace("-", "_"), {"id": a["Id"], "arn": a["Arn"], "name": a["Name"], "email": a["Email"],
                                                                               "status": a["Status"], "parent_id": parent[:-5]}, [], {}, provider=mg)
    for f in sorted(os.listdir(os.path.join(SNAP, "555555555555", "organizations", "Policy"))):
        p = load("555555555555", "organizations", "Policy", f)["Policy"]
        s = p["PolicySummary"]
        if s["AwsManaged"]:
            continue  # attached by AWS when the policy type is enabled
        n = s["Name"].lower()
        add("", "aws_organizations_policy", n, {"id": s["Id"], "arn": s["Arn"], "name": s["Name"], "description": s.get("Description", ""),
                                                 "type": s["Type"], "content": p["Content"]}, [], {}, provider=mg)
        for t in load("555555555555", "organizations", "PolicyTargets", s["Id"] + ".json")["Targets"]:
            add("", "aws_organizations_policy_attachment", n + "_" + t["TargetId"].replace("-", "_"), {"policy_id": s["Id"], "target_id": t["TargetId"]},
                ["id"], {}, provider=mg)
    for service in ["guardduty.amazonaws.com", "inspector2.amazonaws.com"]:
        for d in load("555555555555", "organizations", "DelegatedAdministrators", service + ".json")["DelegatedAdministrators"]:
            if service.startswith("guardduty"):
                add("", "aws_guardduty_organization_admin_account", "security", {"admin_account_id": d["Id"]}, ["id"], {}, provider=mg)
            else:
                add("", "aws_inspector2_delegated_admin_account", "security", {"account_id": d["Id"]}, ["id", "relationship_status"], {}, provider=mg)
    for t in load("555555555555", "eu-west-1", "Trails.json")["trailList"]:
        add("", "aws_cloudtrail", t["Name"].replace("-", "_"), {"name": t["Name"], "s3_bucket_name": t["S3BucketName"], "include_global_service_events": t["IncludeGlobalServiceEvents"],
                                                                "is_multi_region_trail": t["IsMultiRegionTrail"], "is_organization_trail": t["IsOrganizationTrail"],
                                                                "enable_log_file_validation": t["LogFileValidationEnabled"], "enable_logging": True},
            ["id", "arn", "home_region"], {}, provider=mg)
