//! What `Ref` and `Fn::GetAtt` return before deployment for the non-network types koban
//! models: IAM, Secrets Manager, KMS, S3, EventBridge, Organizations, Route 53 (Resolver),
//! Cognito, GuardDuty, flow logs and CloudTrail. Names a template leaves to CloudFormation
//! become the (qualified) logical id; ARNs are built with the stack's partition, region and
//! account so that the policy engine evaluates them; ids AWS assigns get the symbolic form of
//! the network ids (`rslvr-out-<Logical>`, `ou-<Logical>`, `Z<Logical>`), and an account
//! created by `AWS::Organizations::Account` a stable 12-digit stand-in (see
//! [`account_stand_in`]).

use super::attributes::Place;
use super::value::Val;
use super::yaml::Pos;
use crate::iac::services::{iam_arn, secret_suffix};

/// The physical id prefix of the non-network types with AWS-style ids.
pub fn prefix(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "AWS::Route53Resolver::ResolverRule" => "rslvr-rr-",
        "AWS::Route53Resolver::ResolverRuleAssociation" => "rslvr-rrassoc-",
        "AWS::Route53::HostedZone" => "Z",
        "AWS::Organizations::OrganizationalUnit" => "ou-",
        "AWS::Organizations::Policy" => "p-",
        "AWS::EC2::FlowLog" => "fl-",
        _ => return None,
    })
}

/// The id of a Resolver endpoint: `rslvr-in-…` or `rslvr-out-…` by its direction.
pub fn resolver_endpoint_id(base: &str, props: Option<&Val>) -> String {
    let inbound = props.and_then(|p| p.get("Direction")).and_then(Val::as_str).is_some_and(|d| d.eq_ignore_ascii_case("INBOUND"));
    format!("{}{base}", if inbound { "rslvr-in-" } else { "rslvr-out-" })
}

/// A 12-digit stand-in for the id of an account created by the template, stable across
/// loads (derived from the logical id): policies and stacks can name it (`--parameters
/// STACK:AWS::AccountId=…`), and the policy engine accepts it as an account id.
pub fn account_stand_in(base: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in base.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("9{:011}", h % 100_000_000_000)
}

/// A name the template may give in `key`, else the logical id (dots of a qualified id
/// become dashes).
pub fn name_or(props: Option<&Val>, key: &str, base: &str) -> String {
    props.and_then(|p| p.get(key)).and_then(Val::as_str).map(str::to_string).unwrap_or_else(|| base.replace('.', "-"))
}

fn path(props: Option<&Val>) -> String {
    props.and_then(|p| p.get("Path")).and_then(Val::as_str).unwrap_or("/").to_string()
}

/// The name S3 gives a bucket without `BucketName`: lower case.
pub fn bucket_name(props: Option<&Val>, base: &str) -> String {
    props
        .and_then(|p| p.get("BucketName"))
        .and_then(Val::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| base.replace('.', "-").to_ascii_lowercase())
}

/// The ARN of an IAM entity declared in the template.
pub fn iam_entity_arn(ty: &str, base: &str, props: Option<&Val>, place: &Place) -> Option<String> {
    let (kind, key) = match ty {
        "AWS::IAM::Role" => ("role", "RoleName"),
        "AWS::IAM::User" => ("user", "UserName"),
        "AWS::IAM::Group" => ("group", "GroupName"),
        "AWS::IAM::InstanceProfile" => ("instance-profile", "InstanceProfileName"),
        "AWS::IAM::ManagedPolicy" => ("policy", "ManagedPolicyName"),
        _ => return None,
    };
    Some(iam_arn(&place.partition, &place.account, kind, &path(props), &name_or(props, key, base)))
}

/// The ARN of a secret declared in the template.
pub fn secret_arn(base: &str, props: Option<&Val>, place: &Place) -> String {
    format!(
        "arn:{}:secretsmanager:{}:{}:secret:{}-{}",
        place.partition,
        place.region,
        place.account,
        name_or(props, "Name", base),
        secret_suffix(base)
    )
}

pub fn key_arn(base: &str, place: &Place) -> String {
    format!("arn:{}:kms:{}:{}:key/{base}", place.partition, place.region, place.account)
}

pub fn event_bus_arn(base: &str, props: Option<&Val>, place: &Place) -> String {
    format!("arn:{}:events:{}:{}:event-bus/{}", place.partition, place.region, place.account, name_or(props, "Name", base))
}

/// A rule's ARN: `rule/NAME` on the default bus, `rule/BUS/NAME` on another.
pub fn rule_arn(base: &str, props: Option<&Val>, place: &Place) -> String {
    let name = name_or(props, "Name", base);
    let bus = props.and_then(|p| p.get("EventBusName")).and_then(Val::as_str).map(|b| b.rsplit('/').next().unwrap_or(b));
    let rule = match bus {
        Some(b) if b != "default" => format!("{b}/{name}"),
        _ => name,
    };
    format!("arn:{}:events:{}:{}:rule/{rule}", place.partition, place.region, place.account)
}

pub fn organization_id(base: &str) -> String {
    format!("o-{base}")
}

pub fn root_id(base: &str) -> String {
    format!("r-{base}")
}

pub fn user_pool_id(base: &str, place: &Place) -> String {
    format!("{}_{base}", place.region)
}

pub fn identity_pool_id(base: &str, place: &Place) -> String {
    format!("{}:{base}", place.region)
}

/// `Ref`, for the types of this module (`None`: another type).
pub fn reference(ty: &str, base: &str, props: Option<&Val>, place: &Place, pos: Pos) -> Option<Val> {
    let s = |x: String| Some(Val::str(x, pos));
    if let Some(p) = prefix(ty) {
        return s(format!("{p}{base}"));
    }
    match ty {
        "AWS::IAM::Role" => s(name_or(props, "RoleName", base)),
        "AWS::IAM::User" => s(name_or(props, "UserName", base)),
        "AWS::IAM::Group" => s(name_or(props, "GroupName", base)),
        "AWS::IAM::InstanceProfile" => s(name_or(props, "InstanceProfileName", base)),
        "AWS::IAM::ManagedPolicy" => iam_entity_arn(ty, base, props, place).map(|a| Val::str(a, pos)),
        "AWS::IAM::Policy" | "AWS::IAM::RolePolicy" | "AWS::IAM::UserPolicy" | "AWS::IAM::GroupPolicy" => {
            s(name_or(props, "PolicyName", base))
        }
        "AWS::SecretsManager::Secret" => s(secret_arn(base, props, place)),
        "AWS::SecretsManager::ResourcePolicy" => props.and_then(|p| p.get("SecretId")).map(|v| Val { v: v.v.clone(), pos }),
        "AWS::KMS::Key" => s(base.to_string()),
        "AWS::S3::Bucket" => s(bucket_name(props, base)),
        "AWS::Events::EventBus" => s(name_or(props, "Name", base)),
        "AWS::Events::Rule" => s(name_or(props, "Name", base)),
        "AWS::Organizations::Organization" => s(organization_id(base)),
        "AWS::Organizations::Account" => s(account_stand_in(base)),
        "AWS::Route53Resolver::ResolverEndpoint" => s(resolver_endpoint_id(base, props)),
        "AWS::Cognito::UserPool" => s(user_pool_id(base, place)),
        "AWS::Cognito::IdentityPool" => s(identity_pool_id(base, place)),
        "AWS::GuardDuty::Detector" => s(base.to_ascii_lowercase().replace('.', "-")),
        "AWS::CloudTrail::Trail" => s(name_or(props, "TrailName", base)),
        _ => None,
    }
}

/// `Fn::GetAtt`, for the types of this module (`None`: another type or attribute).
pub fn attribute(ty: &str, base: &str, attr: &str, props: Option<&Val>, place: &Place, pos: Pos) -> Option<Val> {
    let s = |x: String| Some(Val::str(x, pos));
    let p = &place.partition;
    match (ty, attr) {
        ("AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" | "AWS::IAM::InstanceProfile", "Arn")
        | ("AWS::IAM::ManagedPolicy", "PolicyArn") => iam_entity_arn(ty, base, props, place).map(|a| Val::str(a, pos)),
        ("AWS::IAM::Role", "RoleName") => reference(ty, base, props, place, pos),
        ("AWS::SecretsManager::Secret", "Id") => s(secret_arn(base, props, place)),
        ("AWS::KMS::Key", "Arn") => s(key_arn(base, place)),
        ("AWS::KMS::Key", "KeyId") => s(base.to_string()),
        ("AWS::S3::Bucket", "Arn") => s(format!("arn:{p}:s3:::{}", bucket_name(props, base))),
        ("AWS::Events::EventBus", "Arn") => s(event_bus_arn(base, props, place)),
        ("AWS::Events::EventBus", "Name") => reference(ty, base, props, place, pos),
        ("AWS::Events::Rule", "Arn") => s(rule_arn(base, props, place)),
        ("AWS::Organizations::Organization", "Id") => s(organization_id(base)),
        ("AWS::Organizations::Organization", "RootId") => s(root_id(base)),
        ("AWS::Organizations::Organization", "ManagementAccountId") => s(place.account.clone()),
        ("AWS::Organizations::Organization", "Arn") => {
            s(format!("arn:{p}:organizations::{}:organization/{}", place.account, organization_id(base)))
        }
        ("AWS::Organizations::OrganizationalUnit", "Id") | ("AWS::Organizations::Policy", "Id") => reference(ty, base, props, place, pos),
        ("AWS::Organizations::Account", "AccountId") => s(account_stand_in(base)),
        ("AWS::Route53Resolver::ResolverEndpoint", "ResolverEndpointId") => s(resolver_endpoint_id(base, props)),
        ("AWS::Route53Resolver::ResolverRule", "ResolverRuleId") => reference(ty, base, props, place, pos),
        ("AWS::Route53::HostedZone", "Id") => reference(ty, base, props, place, pos),
        ("AWS::Cognito::UserPool", "Arn") => {
            s(format!("arn:{p}:cognito-idp:{}:{}:userpool/{}", place.region, place.account, user_pool_id(base, place)))
        }
        ("AWS::Cognito::UserPool", "UserPoolId") => s(user_pool_id(base, place)),
        ("AWS::Cognito::IdentityPool", "Id") => s(identity_pool_id(base, place)),
        ("AWS::CloudTrail::Trail", "Arn") => {
            s(format!("arn:{p}:cloudtrail:{}:{}:trail/{}", place.region, place.account, name_or(props, "TrailName", base)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place() -> Place {
        Place { region: "eu-west-1".into(), account: "111111111111".into(), partition: "aws".into(), stack: "prod".into() }
    }

    #[test]
    fn refs_and_arns_of_iam_and_resources() {
        let p = place();
        let pos = Pos::default();
        let role = reference("AWS::IAM::Role", "AppRole", None, &p, pos);
        assert_eq!(role.as_ref().and_then(Val::as_str), Some("AppRole"));
        let arn = attribute("AWS::IAM::Role", "AppRole", "Arn", None, &p, pos);
        assert_eq!(arn.as_ref().and_then(Val::as_str), Some("arn:aws:iam::111111111111:role/AppRole"));
        let secret = reference("AWS::SecretsManager::Secret", "Db", None, &p, pos);
        assert!(secret
            .as_ref()
            .and_then(Val::as_str)
            .is_some_and(|s| s.starts_with("arn:aws:secretsmanager:eu-west-1:111111111111:secret:Db-")));
        let bucket = attribute("AWS::S3::Bucket", "Artifacts", "Arn", None, &p, pos);
        assert_eq!(bucket.as_ref().and_then(Val::as_str), Some("arn:aws:s3:::artifacts"));
        let acct = account_stand_in("ProdAccount");
        assert!(acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(reference("AWS::EC2::VPC", "V", None, &p, pos), None);
    }
}
