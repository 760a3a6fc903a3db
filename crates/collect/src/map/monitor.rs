//! The security services and what watches the accounts: GuardDuty (`list-detectors`,
//! `get-detector`, `list-members`), Amazon Inspector (`inspector2 batch-get-account-status`),
//! delegated administrators (`organizations list-delegated-administrators`), CloudTrail
//! (`describe-trails`, `get-trail-status`), EventBridge (`events list-event-buses`,
//! `list-rules`, `list-targets-by-rule`), Cognito (`cognito-idp describe-user-pool`,
//! `cognito-identity describe-identity-pool`, `get-identity-pool-roles`) and Patch Manager
//! (`ssm describe-instance-patch-states`).

use super::{time, Obj};
use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
use aws_sdk_cloudtrail::types as ct;
use aws_sdk_cognitoidentity::operation::describe_identity_pool::DescribeIdentityPoolOutput;
use aws_sdk_cognitoidentity::operation::get_identity_pool_roles::GetIdentityPoolRolesOutput;
use aws_sdk_cognitoidentityprovider::types as idp;
use aws_sdk_eventbridge::types as ev;
use aws_sdk_guardduty::operation::get_detector::GetDetectorOutput;
use aws_sdk_guardduty::types as gd;
use aws_sdk_inspector2::types as i2;
use aws_sdk_organizations::types as org;
use aws_sdk_ssm::types as ssm;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A string map (tags, identity pool roles) as a JSON object, keys sorted.
fn string_map(m: Option<&HashMap<String, String>>) -> Value {
    let mut keys: Vec<(&String, &String)> = m.map(|m| m.iter().collect()).unwrap_or_default();
    keys.sort();
    Value::Object(keys.into_iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<Map<_, _>>())
}

/// `get-detector`: the status and the publishing frequency (the reader knows the output by
/// the two).
pub fn detector(d: &GetDetectorOutput) -> Value {
    Obj::new()
        .s("CreatedAt", d.created_at())
        .e("FindingPublishingFrequency", d.finding_publishing_frequency())
        .s("ServiceRole", d.service_role())
        .e("Status", d.status())
        .s("UpdatedAt", d.updated_at())
        .build()
}

pub fn member(m: &gd::Member) -> Value {
    Obj::new()
        .s("AccountId", m.account_id())
        .s("DetectorId", m.detector_id())
        .s("AdministratorId", m.administrator_id())
        .s("MasterId", m.master_id())
        .s("Email", m.email())
        .s("RelationshipStatus", m.relationship_status())
        .s("InvitedAt", m.invited_at())
        .s("UpdatedAt", m.updated_at())
        .build()
}

fn inspector_state(s: Option<&i2::State>) -> Option<Value> {
    s.map(|s| Obj::new().s("status", Some(s.status().as_str())).build())
}

/// One `batch-get-account-status` account (camelCase, as the service and the CLI spell it).
pub fn inspector_account(a: &i2::AccountState) -> Value {
    let resources = a.resource_state().map(|r| {
        Obj::new()
            .v("ec2", inspector_state(r.ec2()))
            .v("ecr", inspector_state(r.ecr()))
            .v("lambda", inspector_state(r.lambda()))
            .v("lambdaCode", inspector_state(r.lambda_code()))
            .v("codeRepository", inspector_state(r.code_repository()))
            .build()
    });
    Obj::new().s("accountId", Some(a.account_id())).v("resourceState", resources).v("state", inspector_state(a.state())).build()
}

pub fn inspector_failure(f: &i2::FailedAccount) -> Value {
    Obj::new()
        .s("accountId", Some(f.account_id()))
        .e("status", f.status())
        .s("errorCode", Some(f.error_code().as_str()))
        .s("errorMessage", Some(f.error_message()))
        .build()
}

pub fn delegated_administrator(d: &org::DelegatedAdministrator) -> Value {
    Obj::new()
        .s("Id", d.id())
        .s("Arn", d.arn())
        .s("Email", d.email())
        .s("Name", d.name())
        .e("Status", d.status())
        .e("JoinedMethod", d.joined_method())
        .v("JoinedTimestamp", time(d.joined_timestamp()))
        .v("DelegationEnabledDate", time(d.delegation_enabled_date()))
        .build()
}

pub fn trail(t: &ct::Trail) -> Value {
    Obj::new()
        .s("Name", t.name())
        .s("S3BucketName", t.s3_bucket_name())
        .s("S3KeyPrefix", t.s3_key_prefix())
        .b("IncludeGlobalServiceEvents", t.include_global_service_events())
        .b("IsMultiRegionTrail", t.is_multi_region_trail())
        .s("HomeRegion", t.home_region())
        .s("TrailARN", t.trail_arn())
        .b("LogFileValidationEnabled", t.log_file_validation_enabled())
        .s("CloudWatchLogsLogGroupArn", t.cloud_watch_logs_log_group_arn())
        .s("KmsKeyId", t.kms_key_id())
        .b("HasCustomEventSelectors", t.has_custom_event_selectors())
        .b("HasInsightSelectors", t.has_insight_selectors())
        .b("IsOrganizationTrail", t.is_organization_trail())
        .build()
}

/// `get-trail-status` (the reader needs `IsLogging`; the trail is named by the file).
pub fn trail_status(s: &GetTrailStatusOutput) -> Value {
    Obj::new()
        .b("IsLogging", s.is_logging())
        .s("LatestDeliveryError", s.latest_delivery_error())
        .v("LatestDeliveryTime", time(s.latest_delivery_time()))
        .v("StartLoggingTime", time(s.start_logging_time()))
        .v("StopLoggingTime", time(s.stop_logging_time()))
        .build()
}

pub fn event_bus(b: &ev::EventBus) -> Value {
    Obj::new().s("Name", b.name()).s("Arn", b.arn()).s("Description", b.description()).s("Policy", b.policy()).build()
}

pub fn rule(r: &ev::Rule) -> Value {
    Obj::new()
        .s("Name", r.name())
        .s("Arn", r.arn())
        .s("EventPattern", r.event_pattern())
        .e("State", r.state())
        .s("Description", r.description())
        .s("ScheduleExpression", r.schedule_expression())
        .s("RoleArn", r.role_arn())
        .s("ManagedBy", r.managed_by())
        .s("EventBusName", r.event_bus_name())
        .build()
}

/// One `list-targets-by-rule` target: where it sends, never its input (which may carry
/// constants).
pub fn rule_target(t: &ev::Target) -> Value {
    Obj::new().s("Id", Some(t.id())).s("Arn", Some(t.arn())).s("RoleArn", t.role_arn()).build()
}

/// `describe-user-pool`'s `UserPool`: identity, MFA, the password policy and the threat
/// protection mode.
pub fn user_pool(p: &idp::UserPoolType) -> Value {
    let password = p.policies().and_then(|x| x.password_policy()).map(|w| {
        Obj::new()
            .i("MinimumLength", w.minimum_length())
            .b("RequireUppercase", Some(w.require_uppercase()))
            .b("RequireLowercase", Some(w.require_lowercase()))
            .b("RequireNumbers", Some(w.require_numbers()))
            .b("RequireSymbols", Some(w.require_symbols()))
            .i("PasswordHistorySize", w.password_history_size())
            .i("TemporaryPasswordValidityDays", Some(w.temporary_password_validity_days()))
            .build()
    });
    Obj::new()
        .s("Id", p.id())
        .s("Name", p.name())
        .v("Policies", password.map(|w| Obj::new().v("PasswordPolicy", Some(w)).build()))
        .e("DeletionProtection", p.deletion_protection())
        .v("LastModifiedDate", time(p.last_modified_date()))
        .v("CreationDate", time(p.creation_date()))
        .e("MfaConfiguration", p.mfa_configuration())
        .v(
            "UserPoolAddOns",
            p.user_pool_add_ons().map(|a| Obj::new().s("AdvancedSecurityMode", Some(a.advanced_security_mode().as_str())).build()),
        )
        .s("Arn", p.arn())
        .e("UserPoolTier", p.user_pool_tier())
        .build()
}

pub fn identity_pool(p: &DescribeIdentityPoolOutput) -> Value {
    Obj::new()
        .s("IdentityPoolId", Some(p.identity_pool_id()))
        .s("IdentityPoolName", Some(p.identity_pool_name()))
        .b("AllowUnauthenticatedIdentities", Some(p.allow_unauthenticated_identities()))
        .b("AllowClassicFlow", p.allow_classic_flow())
        .list("CognitoIdentityProviders", p.cognito_identity_providers(), |c| {
            Obj::new()
                .s("ProviderName", c.provider_name())
                .s("ClientId", c.client_id())
                .b("ServerSideTokenCheck", c.server_side_token_check())
                .build()
        })
        .strs("OpenIdConnectProviderARNs", p.open_id_connect_provider_arns())
        .strs("SamlProviderARNs", p.saml_provider_arns())
        .build()
}

/// `get-identity-pool-roles`: the pool and its `authenticated`/`unauthenticated` roles (the
/// role mappings are left out).
pub fn identity_pool_roles(pool: &str, r: &GetIdentityPoolRolesOutput) -> Value {
    Obj::new().s("IdentityPoolId", r.identity_pool_id().or(Some(pool))).v("Roles", Some(string_map(r.roles()))).build()
}

/// One `describe-instance-patch-states` state: the counts and the last operation (without
/// `OwnerInformation`, which the service marks sensitive).
pub fn patch_state(p: &ssm::InstancePatchState) -> Value {
    Obj::new()
        .s("InstanceId", Some(p.instance_id()))
        .s("PatchGroup", Some(p.patch_group()))
        .s("BaselineId", Some(p.baseline_id()))
        .s("SnapshotId", p.snapshot_id())
        .i("InstalledCount", Some(p.installed_count()))
        .i("InstalledOtherCount", Some(p.installed_other_count()))
        .i("InstalledPendingRebootCount", p.installed_pending_reboot_count())
        .i("InstalledRejectedCount", p.installed_rejected_count())
        .i("MissingCount", Some(p.missing_count()))
        .i("FailedCount", Some(p.failed_count()))
        .i("UnreportedNotApplicableCount", p.unreported_not_applicable_count())
        .i("NotApplicableCount", Some(p.not_applicable_count()))
        .i("AvailableSecurityUpdateCount", p.available_security_update_count())
        .v("OperationStartTime", time(Some(p.operation_start_time())))
        .v("OperationEndTime", time(Some(p.operation_end_time())))
        .e("Operation", Some(p.operation()))
        .v("LastNoRebootInstallOperationTime", time(p.last_no_reboot_install_operation_time()))
        .e("RebootOption", p.reboot_option())
        .i("CriticalNonCompliantCount", p.critical_non_compliant_count())
        .i("SecurityNonCompliantCount", p.security_non_compliant_count())
        .i("OtherNonCompliantCount", p.other_non_compliant_count())
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patch_state_as_the_cli_prints_it_without_owner_information() {
        // The AWS CLI reference's example of `describe-instance-patch-states`.
        let time = |s| aws_smithy_types::DateTime::from_str(s, aws_smithy_types::date_time::Format::DateTime).expect("time");
        let p = ssm::InstancePatchState::builder()
            .instance_id("i-1234567890abcdef0")
            .patch_group("my-patch-group")
            .baseline_id("pb-0713accee01234567")
            .snapshot_id("521c3536-930c-4aa9-950e-01234567abcd")
            .owner_information("owner notes")
            .critical_non_compliant_count(2)
            .security_non_compliant_count(2)
            .other_non_compliant_count(1)
            .installed_count(123)
            .installed_other_count(334)
            .installed_pending_reboot_count(0)
            .installed_rejected_count(0)
            .missing_count(1)
            .failed_count(2)
            .unreported_not_applicable_count(11)
            .not_applicable_count(2063)
            .operation_start_time(time("2021-05-03T18:00:56Z"))
            .operation_end_time(time("2021-05-03T18:01:09Z"))
            .operation(ssm::PatchOperationType::Scan)
            .last_no_reboot_install_operation_time(time("2020-06-14T19:17:41Z"))
            .reboot_option(ssm::RebootOption::RebootIfNeeded)
            .build()
            .expect("patch state");
        assert_eq!(
            patch_state(&p),
            json!({"InstanceId": "i-1234567890abcdef0", "PatchGroup": "my-patch-group", "BaselineId": "pb-0713accee01234567",
                   "SnapshotId": "521c3536-930c-4aa9-950e-01234567abcd", "CriticalNonCompliantCount": 2,
                   "SecurityNonCompliantCount": 2, "OtherNonCompliantCount": 1, "InstalledCount": 123, "InstalledOtherCount": 334,
                   "InstalledPendingRebootCount": 0, "InstalledRejectedCount": 0, "MissingCount": 1, "FailedCount": 2,
                   "UnreportedNotApplicableCount": 11, "NotApplicableCount": 2063, "OperationStartTime": "2021-05-03T18:00:56Z",
                   "OperationEndTime": "2021-05-03T18:01:09Z", "Operation": "Scan",
                   "LastNoRebootInstallOperationTime": "2020-06-14T19:17:41Z", "RebootOption": "RebootIfNeeded"})
        );
    }

    #[test]
    fn inspector_status_is_camel_case() {
        let on = || i2::State::builder().status(i2::Status::Enabled).error_code(i2::ErrorCode::AlreadyEnabled).error_message("").build();
        let a = i2::AccountState::builder()
            .account_id("111111111111")
            .state(on().expect("state"))
            .resource_state(i2::ResourceState::builder().ec2(on().expect("state")).ecr(on().expect("state")).build())
            .build()
            .expect("account");
        assert_eq!(
            inspector_account(&a),
            json!({"accountId": "111111111111", "state": {"status": "ENABLED"},
                   "resourceState": {"ec2": {"status": "ENABLED"}, "ecr": {"status": "ENABLED"}}})
        );
    }

    #[test]
    fn identity_pool_roles_name_the_pool() {
        let r = GetIdentityPoolRolesOutput::builder().roles("authenticated", "arn:aws:iam::1:role/a").build();
        assert_eq!(
            identity_pool_roles("eu-west-1:x", &r),
            json!({"IdentityPoolId": "eu-west-1:x", "Roles": {"authenticated": "arn:aws:iam::1:role/a"}})
        );
    }

    #[test]
    fn rule_targets_leave_out_the_input() {
        let t = ev::Target::builder().id("t").arn("arn:aws:events:eu-west-1:1:event-bus/b").input("{\"k\":\"v\"}").build().expect("target");
        assert_eq!(rule_target(&t), json!({"Id": "t", "Arn": "arn:aws:events:eu-west-1:1:event-bus/b"}));
    }
}
