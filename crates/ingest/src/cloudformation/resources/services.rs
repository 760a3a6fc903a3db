//! Dispatch of the non-network resource types koban models (IAM, resource-based policies,
//! Organizations, DNS, security services, Cognito) to their converters.

use super::{cognito, dns, iam, monitoring, org, resource_policies, Res, R};
use crate::iac::Assembly;

/// Whether `ty` is one of the types of this module.
pub fn modelled(ty: &str) -> bool {
    TYPES.contains(&ty)
}

const TYPES: &[&str] = &[
    "AWS::IAM::Role",
    "AWS::IAM::User",
    "AWS::IAM::Group",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::RolePolicy",
    "AWS::IAM::UserPolicy",
    "AWS::IAM::GroupPolicy",
    "AWS::IAM::InstanceProfile",
    "AWS::IAM::UserToGroupAddition",
    "AWS::SecretsManager::Secret",
    "AWS::SecretsManager::ResourcePolicy",
    "AWS::KMS::Key",
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::Events::EventBus",
    "AWS::Events::EventBusPolicy",
    "AWS::Events::Rule",
    "AWS::Organizations::Organization",
    "AWS::Organizations::OrganizationalUnit",
    "AWS::Organizations::Account",
    "AWS::Organizations::Policy",
    "AWS::Route53Resolver::ResolverEndpoint",
    "AWS::Route53Resolver::ResolverRule",
    "AWS::Route53Resolver::ResolverRuleAssociation",
    "AWS::Route53::HostedZone",
    "AWS::Route53::RecordSet",
    "AWS::Route53::RecordSetGroup",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::IdentityPool",
    "AWS::Cognito::IdentityPoolRoleAttachment",
    "AWS::GuardDuty::Detector",
    "AWS::GuardDuty::Member",
    "AWS::EC2::FlowLog",
    "AWS::CloudTrail::Trail",
];

pub fn convert(r: &Res, a: &mut Assembly) -> R<()> {
    match r.r.ty.as_str() {
        "AWS::IAM::Role" => iam::role(r, a),
        "AWS::IAM::User" => iam::user(r, a),
        "AWS::IAM::Group" => iam::group(r, a),
        "AWS::IAM::ManagedPolicy" => iam::managed_policy(r, a),
        "AWS::IAM::InstanceProfile" => iam::instance_profile(r, a),
        "AWS::IAM::UserToGroupAddition" => iam::user_to_group(r, a),
        "AWS::SecretsManager::Secret" => resource_policies::secret(r, a),
        "AWS::SecretsManager::ResourcePolicy" => resource_policies::secret_policy(r, a),
        "AWS::KMS::Key" => resource_policies::kms_key(r, a),
        "AWS::S3::Bucket" => resource_policies::bucket(r, a),
        "AWS::S3::BucketPolicy" => resource_policies::bucket_policy(r, a),
        "AWS::Events::EventBus" => resource_policies::event_bus(r, a),
        "AWS::Events::EventBusPolicy" => resource_policies::event_bus_policy(r, a),
        "AWS::Events::Rule" => monitoring::event_rule(r, a),
        "AWS::Organizations::Organization" => org::organization(r, a),
        "AWS::Organizations::OrganizationalUnit" => org::organizational_unit(r, a),
        "AWS::Organizations::Account" => org::account(r, a),
        "AWS::Organizations::Policy" => org::policy(r, a),
        "AWS::Route53Resolver::ResolverEndpoint" => dns::resolver_endpoint(r, a),
        "AWS::Route53Resolver::ResolverRule" => dns::resolver_rule(r, a),
        "AWS::Route53Resolver::ResolverRuleAssociation" => dns::resolver_rule_association(r, a),
        "AWS::Route53::HostedZone" => dns::hosted_zone(r, a),
        "AWS::Route53::RecordSet" => dns::record_set(r, a),
        "AWS::Route53::RecordSetGroup" => dns::record_set_group(r, a),
        "AWS::Cognito::UserPool" => cognito::user_pool(r, a),
        "AWS::Cognito::IdentityPool" => cognito::identity_pool(r, a),
        "AWS::Cognito::IdentityPoolRoleAttachment" => cognito::identity_pool_roles(r, a),
        "AWS::GuardDuty::Detector" => monitoring::detector(r, a),
        "AWS::GuardDuty::Member" => monitoring::member(r, a),
        "AWS::EC2::FlowLog" => monitoring::flow_log(r, a),
        "AWS::CloudTrail::Trail" => monitoring::trail(r, a),
        // AWS::IAM::Policy, RolePolicy, UserPolicy, GroupPolicy
        _ => iam::inline_policy(r, a),
    }
}

#[cfg(test)]
mod tests {
    use crate::cloudformation::{load_templates, Parameters};
    use koban_model as m;

    const TEMPLATE: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, AvailabilityZone: eu-west-1a}
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app-role
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: ec2.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore
      Policies:
        - PolicyName: read-db
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: secretsmanager:GetSecretValue
                Resource: !Ref DbSecret
  ReadLogs:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: read-logs
      Roles: [!Ref AppRole]
      PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "logs:Get*", Resource: "*"}]}
  AppProfile:
    Type: AWS::IAM::InstanceProfile
    Properties: {Roles: [!Ref AppRole]}
  DbSecret:
    Type: AWS::SecretsManager::Secret
    Properties: {Name: prod/db}
  DbSecretPolicy:
    Type: AWS::SecretsManager::ResourcePolicy
    Properties:
      SecretId: !Ref DbSecret
      ResourcePolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: secretsmanager:GetSecretValue
            Resource: "*"
            Condition: {StringNotEquals: {"aws:PrincipalArn": !GetAtt AppRole.Arn}}
  Key:
    Type: AWS::KMS::Key
  Artifacts:
    Type: AWS::S3::Bucket
    Properties: {BucketName: artifacts}
  ArtifactsPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Artifacts
      PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::444444444444:root"}, Action: "s3:GetObject", Resource: !Sub "${Artifacts.Arn}/*"}]}
  Findings:
    Type: AWS::Events::EventBus
    Properties: {Name: security-findings}
  FindingsFromOrg:
    Type: AWS::Events::EventBusPolicy
    Properties:
      EventBusName: !Ref Findings
      StatementId: org
      Action: events:PutEvents
      Principal: "*"
      Condition: {Type: StringEquals, Key: "aws:PrincipalOrgID", Value: o-a1b2c3d4e5}
  ToSecurity:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: {source: [aws.guardduty]}
      Targets: [{Id: security, Arn: !GetAtt Findings.Arn}]
  Org:
    Type: AWS::Organizations::Organization
    Properties: {FeatureSet: ALL}
  Workloads:
    Type: AWS::Organizations::OrganizationalUnit
    Properties: {Name: Workloads, ParentId: !GetAtt Org.RootId}
  Prod:
    Type: AWS::Organizations::Account
    Properties: {AccountName: prod, Email: prod@example.com, ParentIds: [!Ref Workloads]}
  DenyLeave:
    Type: AWS::Organizations::Policy
    Properties:
      Name: deny-leave
      Type: SERVICE_CONTROL_POLICY
      TargetIds: [!Ref Workloads]
      Content: {Version: "2012-10-17", Statement: [{Effect: Deny, Action: "organizations:LeaveOrganization", Resource: "*"}]}
  Outbound:
    Type: AWS::Route53Resolver::ResolverEndpoint
    Properties:
      Direction: OUTBOUND
      SecurityGroupIds: [!GetAtt Vpc.DefaultSecurityGroup]
      IpAddresses: [{SubnetId: !Ref SubnetA, Ip: 10.0.1.53}, {SubnetId: !Ref SubnetA}]
  Corp:
    Type: AWS::Route53Resolver::ResolverRule
    Properties:
      DomainName: corp.example.com.
      RuleType: FORWARD
      ResolverEndpointId: !GetAtt Outbound.ResolverEndpointId
      TargetIps: [{Ip: 10.100.0.2, Port: "53"}]
  CorpAssoc:
    Type: AWS::Route53Resolver::ResolverRuleAssociation
    Properties: {ResolverRuleId: !GetAtt Corp.ResolverRuleId, VPCId: !Ref Vpc}
  Zone:
    Type: AWS::Route53::HostedZone
    Properties: {Name: aws.corp.example.com, VPCs: [{VPCId: !Ref Vpc, VPCRegion: eu-west-1}]}
  AppRecord:
    Type: AWS::Route53::RecordSet
    Properties: {HostedZoneId: !Ref Zone, Name: app.aws.corp.example.com, Type: A, TTL: "300", ResourceRecords: [10.0.1.10]}
  Pool:
    Type: AWS::Cognito::UserPool
    Properties: {MfaConfiguration: "OFF", Policies: {PasswordPolicy: {MinimumLength: 6}}}
  Ids:
    Type: AWS::Cognito::IdentityPool
    Properties: {AllowUnauthenticatedIdentities: true}
  IdsRoles:
    Type: AWS::Cognito::IdentityPoolRoleAttachment
    Properties: {IdentityPoolId: !Ref Ids, Roles: {unauthenticated: !GetAtt AppRole.Arn}}
  Detector:
    Type: AWS::GuardDuty::Detector
    Properties: {Enable: true}
  FlowLog:
    Type: AWS::EC2::FlowLog
    Properties: {ResourceId: !Ref Vpc, ResourceType: VPC, TrafficType: ALL, LogDestinationType: s3, LogDestination: "arn:aws:s3:::logs"}
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties: {IsLogging: true, IsMultiRegionTrail: true, IsOrganizationTrail: true, S3BucketName: logs}
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Role: !GetAtt AppRole.Arn}
"#;

    #[test]
    fn the_documented_shapes_become_the_snapshot_model() {
        let dir = std::env::temp_dir().join(format!("koban-cfn-services-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tempdir");
        let file = dir.join("prod.yaml");
        std::fs::write(&file, TEMPLATE).expect("write");
        let mut p = Parameters::default();
        p.values.insert("AWS::Region".into(), "eu-west-1".into());
        p.values.insert("AWS::AccountId".into(), "111111111111".into());
        let t = load_templates(&[file], &p).expect("loads");
        std::fs::remove_dir_all(&dir).ok();
        assert!(t.diagnostics.iter().all(|d| d.severity == m::Severity::Warning), "{:?}", t.diagnostics);
        let unknowns: Vec<&str> = t.unknowns.iter().map(|u| u.resource.as_str()).collect();
        assert_eq!(unknowns, ["Fn"], "{:?}", t.unknowns);

        let role = &t.iam.roles["arn:aws:iam::111111111111:role/app-role"];
        assert!(role.trust_policy.as_ref().is_some_and(|p| p.text.contains("ec2.amazonaws.com")));
        let names: Vec<&str> = role.attached_policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["AmazonSSMManagedInstanceCore", "read-logs"]);
        let secret = t.resource_policies.secrets.values().next().expect("a secret");
        assert!(secret.arn.starts_with("arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-"));
        assert!(role.inline_policies[0].document.text.contains(&secret.arn));
        assert!(secret.policy.policy().is_some_and(|p| p.text.contains("arn:aws:iam::111111111111:role/app-role")));
        let profile = t.iam.instance_profiles.values().next().expect("a profile");
        assert_eq!(profile.roles, std::slice::from_ref(&role.arn));
        let key = &t.resource_policies.keys["arn:aws:kms:eu-west-1:111111111111:key/Key"];
        assert!(key.policy.policy().is_some_and(|p| p.text.contains("arn:aws:iam::111111111111:root")));
        assert!(t.resource_policies.buckets["artifacts"].policy.policy().is_some_and(|p| p.text.contains("arn:aws:s3:::artifacts/*")));
        let bus = &t.resource_policies.event_buses["arn:aws:events:eu-west-1:111111111111:event-bus/security-findings"];
        assert!(bus.policy.policy().is_some_and(|p| p.text.contains("aws:PrincipalOrgID")));
        let rule = &t.monitoring.event_rules[0];
        assert_eq!((rule.sources.clone(), rule.targets.clone()), (vec!["aws.guardduty".to_string()], vec![bus.arn.clone()]));

        let org = &t.organizations;
        assert_eq!(org.organization.as_ref().and_then(|o| o.management_account.as_deref()), Some("111111111111"));
        let prod = org.accounts.values().find(|a| a.name.as_deref() == Some("prod")).expect("prod");
        assert_eq!(org.path_of_account(&prod.id), Some(vec!["r-Org".into(), "ou-Workloads".into(), prod.id.clone()]));
        assert_eq!(org.attached(m::OrgPolicyKind::ServiceControlPolicy, "ou-Workloads").len(), 2, "deny-leave and FullAWSAccess");

        let ep = &t.dns.resolver_endpoints["rslvr-out-Outbound"];
        assert_eq!(ep.vpc, "vpc-Vpc");
        let ips: Vec<String> = ep.addresses.iter().filter_map(|a| a.ip.map(|i| i.to_string())).collect();
        assert_eq!(ips.len(), 2);
        assert!(ips.contains(&"10.0.1.53".to_string()));
        assert!(t.network_interfaces.values().any(|e| e.owner == m::EniOwner::ResolverEndpoint(ep.id.clone())));
        assert_eq!(t.dns.resolver_rules["rslvr-rr-Corp"].domain_name, "corp.example.com");
        assert_eq!(t.dns.resolver_rule_associations["rslvr-rrassoc-CorpAssoc"].vpc, "vpc-Vpc");
        let zone = &t.dns.hosted_zones["ZZone"];
        assert!(zone.private && zone.records.len() == 1);

        let pool = t.cognito.user_pools.values().next().expect("a user pool");
        assert_eq!(pool.password_policy.as_ref().and_then(|p| p.minimum_length), Some(6));
        let ids = t.cognito.identity_pools.values().next().expect("an identity pool");
        assert_eq!(ids.unauthenticated_role.as_deref(), Some(role.arn.as_str()));
        assert_eq!(t.monitoring.detectors[0].status.as_deref(), Some("ENABLED"));
        assert_eq!(t.monitoring.flow_logs[0].resource, "vpc-Vpc");
        assert!(t.monitoring.trails[0].organization && t.monitoring.trails[0].logging == Some(true));
    }
}
