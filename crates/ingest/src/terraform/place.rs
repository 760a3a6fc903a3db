//! Where a Terraform resource is deployed and what the non-network resources' ids and ARNs
//! are before apply. The account and region come from the resource's own attributes when
//! known, else from its provider configuration (`region`, `allowed_account_ids`,
//! `assume_role.role_arn`, as constants or root variables), else from a
//! `data.aws_caller_identity` read during planning. Ids and ARNs a plan does not know follow
//! the CloudFormation scheme with the address in place of the logical id (`o-<address>`,
//! `rslvr-out-<address>`, `Z<address>`, a secret's ARN with a stable suffix, an account's
//! 12-digit stand-in).

use super::json::Json;
use super::{Document, Instance};
use crate::cloudformation::service_attributes::account_stand_in;
use crate::iac::services::{iam_arn, partition, secret_suffix};
use serde_json::Value;
use std::collections::HashMap;

/// A provider configuration's region and account, when constant.
#[derive(Debug, Clone, Default)]
pub struct ProviderPlace {
    pub region: Option<String>,
    pub account: Option<String>,
}

fn constant(expr: &Value, variables: &Value) -> Option<Value> {
    if let Some(c) = expr.get("constant_value") {
        return Some(c.clone());
    }
    let var = expr.get("references")?.as_array()?.iter().filter_map(Value::as_str).find_map(|r| r.strip_prefix("var."))?;
    variables.get(var)?.get("value").cloned()
}

/// The places of the provider configurations of a `terraform show -json` document.
/// `variables`: the document's root variables; `configs`: `configuration.provider_config`.
pub fn providers(variables: &Value, configs: &Value) -> HashMap<String, ProviderPlace> {
    let mut out = HashMap::new();
    let Some(configs) = configs.as_object() else { return out };
    for (key, c) in configs {
        let e = c.get("expressions").cloned().unwrap_or(Value::Null);
        let region = e.get("region").and_then(|x| constant(x, variables)).and_then(|v| v.as_str().map(str::to_string));
        let allowed = e
            .get("allowed_account_ids")
            .and_then(|x| constant(x, variables))
            .and_then(|v| v.as_array().and_then(|a| a.first()).and_then(Value::as_str).map(str::to_string));
        let assumed = e
            .get("assume_role")
            .and_then(|a| a.get(0).or(Some(a)))
            .and_then(|a| a.get("role_arn"))
            .and_then(|x| constant(x, variables))
            .and_then(|v| v.as_str().and_then(|arn| arn.split(':').nth(4)).map(str::to_string))
            .filter(|a| !a.is_empty());
        out.insert(key.clone(), ProviderPlace { region, account: allowed.or(assumed) });
    }
    out
}

impl Document<'_> {
    /// The provider place of an instance: its configuration's provider, else the default
    /// `aws` provider; the account falls back to a `data.aws_caller_identity` of the plan.
    pub fn provider_place(&self, inst: &Instance) -> ProviderPlace {
        let key = self.config_of(inst).and_then(|c| c.get("provider_config_key")).and_then(Json::as_str).unwrap_or("aws");
        let local = key.rsplit(':').next().unwrap_or(key);
        let mut p = self.providers.get(key).or_else(|| self.providers.get(local)).cloned().unwrap_or_default();
        if p.account.is_none() {
            p.account = self
                .caller_accounts
                .iter()
                .find(|(module, _)| *module == inst.module)
                .or_else(|| self.caller_accounts.first())
                .map(|(_, account)| account.clone());
        }
        p
    }

    fn account_region(&self, inst: &Instance) -> (String, String) {
        let p = self.provider_place(inst);
        (p.account.unwrap_or_default(), p.region.unwrap_or_default())
    }
}

fn s<'v>(inst: &'v Instance, k: &str) -> Option<&'v str> {
    inst.values.get(k).and_then(Json::as_str).filter(|x| !x.is_empty())
}

fn name(inst: &Instance, key: &str) -> String {
    s(inst, key).map(str::to_string).unwrap_or_else(|| inst.address.to_string())
}

/// The id of a non-network resource whose id the plan does not know.
pub fn symbolic_id(doc: &Document, inst: &Instance) -> Option<String> {
    let (_, region) = doc.account_region(inst);
    let a = &inst.address;
    Some(match inst.ty.as_ref() {
        "aws_iam_role" | "aws_iam_user" | "aws_iam_group" | "aws_iam_instance_profile" | "aws_cloudwatch_event_bus" => name(inst, "name"),
        "aws_iam_policy" | "aws_secretsmanager_secret" => computed(doc, inst, "arn")?,
        "aws_kms_key" => a.to_string(),
        "aws_s3_bucket" => name(inst, "bucket"),
        "aws_cloudwatch_event_rule" => match s(inst, "event_bus_name").filter(|b| *b != "default") {
            Some(b) => format!("{b}/{}", name(inst, "name")),
            None => name(inst, "name"),
        },
        "aws_organizations_organization" => format!("o-{a}"),
        "aws_organizations_organizational_unit" => format!("ou-{a}"),
        "aws_organizations_account" => account_stand_in(a),
        "aws_organizations_policy" => format!("p-{a}"),
        "aws_route53_resolver_endpoint" => {
            format!(
                "{}{a}",
                if s(inst, "direction").is_some_and(|d| d.eq_ignore_ascii_case("INBOUND")) { "rslvr-in-" } else { "rslvr-out-" }
            )
        }
        "aws_route53_resolver_rule" => format!("rslvr-rr-{a}"),
        "aws_route53_resolver_rule_association" => format!("rslvr-rrassoc-{a}"),
        "aws_route53_zone" => format!("Z{a}"),
        "aws_cognito_user_pool" => format!("{region}_{a}"),
        "aws_cognito_identity_pool" => format!("{region}:{a}"),
        "aws_guardduty_detector" => a.to_ascii_lowercase(),
        "aws_flow_log" => format!("fl-{a}"),
        _ => return None,
    })
}

/// An attribute the plan does not know yet: ARNs, and ids AWS creates with the resource.
pub fn computed(doc: &Document, inst: &Instance, attr: &str) -> Option<String> {
    let (account, region) = doc.account_region(inst);
    let p = partition(&region);
    let path = s(inst, "path").unwrap_or("/");
    let iam = |kind: &str| iam_arn(p, &account, kind, path, &name(inst, "name"));
    Some(match (inst.ty.as_ref(), attr) {
        ("aws_iam_role", "arn") => iam("role"),
        ("aws_iam_user", "arn") => iam("user"),
        ("aws_iam_group", "arn") => iam("group"),
        ("aws_iam_instance_profile", "arn") => iam("instance-profile"),
        ("aws_iam_policy", "arn") => iam("policy"),
        ("aws_secretsmanager_secret", "arn") => {
            format!("arn:{p}:secretsmanager:{region}:{account}:secret:{}-{}", name(inst, "name"), secret_suffix(&inst.address))
        }
        ("aws_kms_key", "arn") => format!("arn:{p}:kms:{region}:{account}:key/{}", inst.address),
        ("aws_kms_key", "key_id") => inst.address.to_string(),
        ("aws_s3_bucket", "arn") => format!("arn:{p}:s3:::{}", name(inst, "bucket")),
        ("aws_cloudwatch_event_bus", "arn") => format!("arn:{p}:events:{region}:{account}:event-bus/{}", name(inst, "name")),
        ("aws_cloudwatch_event_rule", "arn") => {
            format!("arn:{p}:events:{region}:{account}:rule/{}", symbolic_id(doc, inst)?)
        }
        ("aws_organizations_organization", a) if a.starts_with("roots") => format!("r-{}", inst.address),
        ("aws_organizations_organization", "master_account_id") => account,
        ("aws_organizations_account", "id") => account_stand_in(&inst.address),
        ("aws_route53_zone", "zone_id") => format!("Z{}", inst.address),
        ("aws_cognito_user_pool", "arn") => {
            format!("arn:{p}:cognito-idp:{region}:{account}:userpool/{}", symbolic_id(doc, inst)?)
        }
        ("aws_cloudtrail", "arn") => format!("arn:{p}:cloudtrail:{region}:{account}:trail/{}", name(inst, "name")),
        _ => return None,
    })
}
