//! Dispatch of the non-network Terraform resource types koban models (IAM, resource-based
//! policies, Organizations, DNS, security services, Cognito) to their converters.

use super::resources::{Tf, R};
use super::{dns, identity, monitoring, org, policies};
use crate::iac::Assembly;

/// Whether `ty` is one of the types of this module.
pub fn modelled(ty: &str) -> bool {
    TYPES.contains(&ty)
}

const TYPES: &[&str] = &[
    "aws_iam_role",
    "aws_iam_user",
    "aws_iam_group",
    "aws_iam_policy",
    "aws_iam_instance_profile",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_iam_role_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_policy_attachment",
    "aws_iam_group_membership",
    "aws_iam_user_group_membership",
    "aws_secretsmanager_secret",
    "aws_secretsmanager_secret_policy",
    "aws_kms_key",
    "aws_s3_bucket",
    "aws_s3_bucket_policy",
    "aws_cloudwatch_event_bus",
    "aws_cloudwatch_event_bus_policy",
    "aws_cloudwatch_event_permission",
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
    "aws_organizations_organization",
    "aws_organizations_organizational_unit",
    "aws_organizations_account",
    "aws_organizations_policy",
    "aws_organizations_policy_attachment",
    "aws_organizations_delegated_administrator",
    "aws_guardduty_organization_admin_account",
    "aws_inspector2_delegated_admin_account",
    "aws_route53_resolver_endpoint",
    "aws_route53_resolver_rule",
    "aws_route53_resolver_rule_association",
    "aws_route53_zone",
    "aws_route53_zone_association",
    "aws_route53_record",
    "aws_guardduty_detector",
    "aws_guardduty_member",
    "aws_inspector2_enabler",
    "aws_flow_log",
    "aws_cloudtrail",
    "aws_cognito_user_pool",
    "aws_cognito_identity_pool",
    "aws_cognito_identity_pool_roles_attachment",
];

pub fn convert(t: &Tf, a: &mut Assembly) -> R<()> {
    match t.inst.ty.as_ref() {
        "aws_iam_role" => identity::role(t, a),
        "aws_iam_user" => identity::user(t, a),
        "aws_iam_group" => identity::group(t, a),
        "aws_iam_policy" => identity::managed_policy(t, a),
        "aws_iam_instance_profile" => identity::instance_profile(t, a),
        "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => identity::inline_policy(t, a),
        "aws_iam_role_policy_attachment" | "aws_iam_user_policy_attachment" | "aws_iam_group_policy_attachment" => {
            identity::attachment(t, a)
        }
        "aws_iam_policy_attachment" => identity::exclusive_attachment(t, a),
        "aws_iam_group_membership" | "aws_iam_user_group_membership" => identity::membership(t, a),
        "aws_secretsmanager_secret" => policies::secret(t, a),
        "aws_secretsmanager_secret_policy" => policies::secret_policy(t, a),
        "aws_kms_key" => policies::kms_key(t, a),
        "aws_s3_bucket" => policies::bucket(t, a),
        "aws_s3_bucket_policy" => policies::bucket_policy(t, a),
        "aws_cloudwatch_event_bus" => policies::event_bus(t, a),
        "aws_cloudwatch_event_bus_policy" => policies::event_bus_policy(t, a),
        "aws_cloudwatch_event_permission" => policies::event_permission(t, a),
        "aws_cloudwatch_event_rule" => monitoring::event_rule(t, a),
        "aws_cloudwatch_event_target" => monitoring::event_target(t, a),
        "aws_organizations_organization" => org::organization(t, a),
        "aws_organizations_organizational_unit" => org::organizational_unit(t, a),
        "aws_organizations_account" => org::account(t, a),
        "aws_organizations_policy" => org::policy(t, a),
        "aws_organizations_policy_attachment" => org::policy_attachment(t, a),
        "aws_route53_resolver_endpoint" => dns::resolver_endpoint(t, a),
        "aws_route53_resolver_rule" => dns::resolver_rule(t, a),
        "aws_route53_resolver_rule_association" => dns::resolver_rule_association(t, a),
        "aws_route53_zone" => dns::zone(t, a),
        "aws_route53_zone_association" => dns::zone_association(t, a),
        "aws_route53_record" => dns::record(t, a),
        "aws_guardduty_detector" => monitoring::detector(t, a),
        "aws_guardduty_member" => monitoring::member(t, a),
        "aws_inspector2_enabler" => monitoring::inspector(t, a),
        "aws_flow_log" => monitoring::flow_log(t, a),
        "aws_cloudtrail" => monitoring::trail(t, a),
        "aws_cognito_user_pool" => monitoring::user_pool(t, a),
        "aws_cognito_identity_pool" => monitoring::identity_pool(t, a),
        "aws_cognito_identity_pool_roles_attachment" => monitoring::identity_pool_roles(t, a),
        // aws_organizations_delegated_administrator, aws_guardduty_organization_admin_account,
        // aws_inspector2_delegated_admin_account
        _ => org::delegated_administrator(t, a),
    }
}

#[cfg(test)]
mod tests {
    use crate::terraform::load_plans;
    use koban_model as m;
    use serde_json::{json, Value};

    /// A plan resource: its values, the attributes unknown until apply, and the references of
    /// its configuration.
    fn res(ty: &str, name: &str, values: Value, unknown: &[&str], refs: &[(&str, &str)]) -> (Value, Value, Value) {
        let expressions: serde_json::Map<String, Value> = refs
            .iter()
            .map(|(k, r)| (k.to_string(), json!({"references": [r.to_string(), r.rsplit_once('.').map(|x| x.0).unwrap_or(r)]})))
            .collect();
        res_in(ty, name, values, unknown, Value::Object(expressions))
    }

    /// The same, with the configuration's expressions as given (nested blocks).
    fn res_in(ty: &str, name: &str, values: Value, unknown: &[&str], expressions: Value) -> (Value, Value, Value) {
        let address = format!("{ty}.{name}");
        let planned = json!({"address": address, "mode": "managed", "type": ty, "name": name, "values": values});
        let after_unknown: serde_json::Map<String, Value> = unknown.iter().map(|u| (u.to_string(), json!(true))).collect();
        let change = json!({"address": address, "change": {"actions": ["create"], "after_unknown": after_unknown}});
        let config = json!({"address": address, "mode": "managed", "type": ty, "name": name, "provider_config_key": "aws", "expressions": expressions});
        (planned, change, config)
    }

    #[test]
    fn the_documented_shapes_become_the_snapshot_model() {
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string();
        let read = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}).to_string();
        let scp = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}).to_string();
        let parts = vec![
            res("aws_vpc", "main", json!({"cidr_block": "10.0.0.0/16"}), &["id"], &[]),
            res(
                "aws_subnet",
                "a",
                json!({"cidr_block": "10.0.1.0/24", "availability_zone": "eu-west-1a"}),
                &["id", "vpc_id"],
                &[("vpc_id", "aws_vpc.main.id")],
            ),
            res(
                "aws_iam_role",
                "app",
                json!({"name": "app-role", "path": "/", "assume_role_policy": trust}),
                &["arn", "id", "unique_id"],
                &[],
            ),
            res("aws_iam_role_policy", "read", json!({"name": "read", "role": "app-role", "policy": read}), &["id"], &[]),
            res(
                "aws_iam_role_policy_attachment",
                "ssm",
                json!({"role": "app-role", "policy_arn": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}),
                &["id"],
                &[],
            ),
            res("aws_iam_instance_profile", "app", json!({"name": "app-role", "role": "app-role"}), &["arn", "id"], &[]),
            res("aws_secretsmanager_secret", "db", json!({"name": "prod/db"}), &["arn", "id"], &[]),
            res(
                "aws_secretsmanager_secret_policy",
                "db",
                json!({"policy": read}),
                &["id", "secret_arn"],
                &[("secret_arn", "aws_secretsmanager_secret.db.arn")],
            ),
            res("aws_kms_key", "main", json!({}), &["arn", "key_id", "id", "policy"], &[]),
            res("aws_s3_bucket_policy", "artifacts", json!({"bucket": "artifacts", "policy": read}), &["id"], &[]),
            res("aws_cloudwatch_event_bus", "findings", json!({"name": "security-findings"}), &["arn", "id"], &[]),
            res(
                "aws_cloudwatch_event_permission",
                "org",
                json!({"principal": "*", "statement_id": "org", "action": "events:PutEvents",
                "event_bus_name": "security-findings", "condition": [{"key": "aws:PrincipalOrgID", "type": "StringEquals", "value": "o-a1b2c3d4e5"}]}),
                &["id"],
                &[],
            ),
            res(
                "aws_cloudwatch_event_rule",
                "findings",
                json!({"name": "findings", "event_pattern": "{\"source\":[\"aws.guardduty\"]}"}),
                &["arn", "id"],
                &[],
            ),
            res(
                "aws_cloudwatch_event_target",
                "findings",
                json!({"rule": "findings"}),
                &["arn", "id"],
                &[("arn", "aws_cloudwatch_event_bus.findings.arn")],
            ),
            res(
                "aws_organizations_organization",
                "org",
                json!({"feature_set": "ALL", "enabled_policy_types": ["SERVICE_CONTROL_POLICY"]}),
                &["id", "roots", "master_account_id"],
                &[],
            ),
            res(
                "aws_organizations_organizational_unit",
                "workloads",
                json!({"name": "Workloads"}),
                &["id", "parent_id"],
                &[("parent_id", "aws_organizations_organization.org.roots[0].id")],
            ),
            res(
                "aws_organizations_account",
                "prod",
                json!({"name": "prod", "email": "prod@example.com"}),
                &["id", "parent_id"],
                &[("parent_id", "aws_organizations_organizational_unit.workloads.id")],
            ),
            res(
                "aws_organizations_policy",
                "deny_leave",
                json!({"name": "deny-leave", "type": "SERVICE_CONTROL_POLICY", "content": scp}),
                &["id"],
                &[],
            ),
            res(
                "aws_organizations_policy_attachment",
                "deny_leave",
                json!({}),
                &["id", "policy_id", "target_id"],
                &[
                    ("policy_id", "aws_organizations_policy.deny_leave.id"),
                    ("target_id", "aws_organizations_organizational_unit.workloads.id"),
                ],
            ),
            res("aws_guardduty_organization_admin_account", "security", json!({"admin_account_id": "333333333333"}), &["id"], &[]),
            res("aws_inspector2_enabler", "all", json!({"account_ids": ["111111111111"], "resource_types": ["EC2"]}), &["id"], &[]),
            res_in(
                "aws_route53_resolver_endpoint",
                "out",
                json!({"direction": "OUTBOUND", "ip_address": [{"ip": "10.0.1.53"}, {}]}),
                &["id", "host_vpc_id", "security_group_ids", "ip_address"],
                json!({"ip_address": [{"subnet_id": {"references": ["aws_subnet.a.id", "aws_subnet.a"]}}]}),
            ),
            res(
                "aws_route53_resolver_rule",
                "corp",
                json!({"domain_name": "corp.example.com", "rule_type": "FORWARD", "target_ip": [{"ip": "10.100.0.2", "port": 53}]}),
                &["id", "resolver_endpoint_id"],
                &[("resolver_endpoint_id", "aws_route53_resolver_endpoint.out.id")],
            ),
            res_in(
                "aws_route53_zone",
                "internal",
                json!({"name": "aws.corp.example.com", "vpc": [{"vpc_region": "eu-west-1"}]}),
                &["id", "zone_id", "vpc"],
                json!({"vpc": [{"vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}}]}),
            ),
            res(
                "aws_route53_record",
                "app",
                json!({"name": "app.aws.corp.example.com", "type": "A", "ttl": 300, "records": ["10.0.1.10"]}),
                &["id", "zone_id"],
                &[("zone_id", "aws_route53_zone.internal.zone_id")],
            ),
            res(
                "aws_cognito_user_pool",
                "app",
                json!({"name": "app", "mfa_configuration": "OFF", "password_policy": [{"minimum_length": 6, "require_symbols": false}]}),
                &["id", "arn"],
                &[],
            ),
            res("aws_guardduty_detector", "main", json!({"enable": true}), &["id"], &[]),
            res(
                "aws_flow_log",
                "vpc",
                json!({"traffic_type": "ALL", "log_destination": "arn:aws:s3:::logs"}),
                &["id", "vpc_id"],
                &[("vpc_id", "aws_vpc.main.id")],
            ),
            res(
                "aws_cloudtrail",
                "org",
                json!({"name": "org-trail", "is_multi_region_trail": true, "is_organization_trail": true}),
                &["id", "arn"],
                &[],
            ),
            res("aws_lambda_function", "f", json!({"function_name": "f"}), &["id"], &[]),
        ];
        let mut planned = Vec::new();
        let mut changes = Vec::new();
        let mut config = Vec::new();
        for (p, c, k) in parts {
            planned.push(p);
            changes.push(c);
            config.push(k);
        }
        let doc = json!({"format_version": "1.2", "variables": {"region": {"value": "eu-west-1"}},
            "planned_values": {"root_module": {"resources": planned}}, "resource_changes": changes,
            "configuration": {"provider_config": {"aws": {"name": "aws", "expressions": {"region": {"references": ["var.region"]},
                "allowed_account_ids": {"constant_value": ["111111111111"]}}}}, "root_module": {"resources": config}}});
        let dir = std::env::temp_dir().join(format!("koban-tf-services-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tempdir");
        let file = dir.join("plan.json");
        std::fs::write(&file, doc.to_string()).expect("write");
        let t = load_plans(&[file]).expect("loads");
        std::fs::remove_dir_all(&dir).ok();
        assert!(t.diagnostics.iter().all(|d| d.severity == m::Severity::Warning), "{:?}", t.diagnostics);
        let unknowns: Vec<&str> = t.unknowns.iter().map(|u| u.resource.as_str()).collect();
        assert_eq!(unknowns, ["aws_lambda_function.f"], "{:?}", t.unknowns);

        let role = &t.iam.roles["arn:aws:iam::111111111111:role/app-role"];
        assert!(role.trust_policy.as_ref().is_some_and(|p| p.in_string && p.text.contains("ec2.amazonaws.com")));
        assert_eq!(role.inline_policies[0].name, "read");
        assert_eq!(role.attached_policies[0].name, "AmazonSSMManagedInstanceCore");
        assert_eq!(t.iam.instance_profiles.values().next().map(|p| p.roles.clone()), Some(vec![role.arn.clone()]));
        let secret = t.resource_policies.secrets.values().next().expect("a secret");
        assert!(secret.arn.starts_with("arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-"));
        assert!(secret.policy.policy().is_some());
        assert!(t.resource_policies.keys.values().all(|k| k.policy.policy().is_some_and(|p| p.text.contains("111111111111:root"))));
        assert!(t.resource_policies.buckets["artifacts"].policy.policy().is_some());
        let bus = &t.resource_policies.event_buses["arn:aws:events:eu-west-1:111111111111:event-bus/security-findings"];
        assert!(bus.policy.policy().is_some_and(|p| p.text.contains("aws:PrincipalOrgID")));
        assert_eq!(t.monitoring.event_rules[0].targets, std::slice::from_ref(&bus.arn));

        let org = &t.organizations;
        let prod = org.accounts.values().find(|a| a.name.as_deref() == Some("prod")).expect("prod");
        let root = "r-aws_organizations_organization.org".to_string();
        let ou = "ou-aws_organizations_organizational_unit.workloads".to_string();
        assert_eq!(org.path_of_account(&prod.id), Some(vec![root, ou.clone(), prod.id.clone()]));
        assert_eq!(org.attached(m::OrgPolicyKind::ServiceControlPolicy, &ou).len(), 2);
        assert!(!org.enabled(m::OrgPolicyKind::ResourceControlPolicy));
        assert_eq!(t.monitoring.administrators_of("guardduty.amazonaws.com"), ["333333333333"]);
        assert!(t.monitoring.inspector[0].enabled());

        let ep = t.dns.resolver_endpoints.values().next().expect("an endpoint");
        assert_eq!((ep.vpc.as_str(), ep.addresses.len()), ("vpc-aws_vpc.main", 2));
        assert_eq!(t.dns.resolver_rules.values().next().and_then(|r| r.resolver_endpoint.clone()), Some(ep.id.clone()));
        let zone = t.dns.hosted_zones.values().next().expect("a zone");
        assert!(zone.private && zone.records.len() == 1 && zone.vpcs[0].vpc == "vpc-aws_vpc.main");
        let pool = t.cognito.user_pools.values().next().expect("a pool");
        assert_eq!(pool.password_policy.as_ref().map(|p| (p.minimum_length, p.require_symbols)), Some((Some(6), false)));
        assert_eq!(t.monitoring.detectors[0].placement.account.as_deref(), Some("111111111111"));
        assert_eq!(t.monitoring.flow_logs[0].resource, "vpc-aws_vpc.main");
        assert!(t.monitoring.trails[0].organization);
    }
}
