//! Security services, logging and Cognito in Terraform: `aws_guardduty_detector`,
//! `aws_guardduty_member`, `aws_inspector2_enabler`, `aws_flow_log`, `aws_cloudtrail`,
//! `aws_cloudwatch_event_rule` and `aws_cloudwatch_event_target`, `aws_cognito_user_pool`,
//! `aws_cognito_identity_pool` and `aws_cognito_identity_pool_roles_attachment`.

use super::place::computed;
use super::resources::{err, Tf, R};
use crate::iac::Assembly;
use crate::snapshot::services::pattern_sources;
use koban_model as m;
use serde_json::Value;

pub fn detector(t: &Tf, a: &mut Assembly) -> R<()> {
    let enabled = t.flag("enable", true)?;
    a.detector(m::GuardDutyDetector {
        id: t.id(),
        placement: t.placement(),
        status: Some(if enabled { "ENABLED" } else { "DISABLED" }.into()),
        origin: t.origin(),
    });
    Ok(())
}

/// A member of the provider's (administrator) account; Terraform invites it when `invite`
/// is set, and reports the relationship once applied.
pub fn member(t: &Tf, a: &mut Assembly) -> R<()> {
    let p = t.placement();
    let relationship = match t.s("relationship_status")? {
        Some(s) => s,
        None if t.flag("invite", false)? => "Invited".into(),
        None => "Created".into(),
    };
    a.guardduty_member(m::GuardDutyMember {
        account: t.req("account_id")?,
        administrator: p.account,
        region: p.region,
        relationship,
        origin: t.origin(),
    });
    Ok(())
}

/// `aws_inspector2_enabler`: Amazon Inspector enabled for the listed accounts and resource
/// types in the provider's region.
pub fn inspector(t: &Tf, a: &mut Assembly) -> R<()> {
    let region = t.placement().region;
    let resources: std::collections::BTreeMap<String, String> =
        t.list("resource_types")?.into_iter().map(|r| (r.to_ascii_lowercase(), "ENABLED".to_string())).collect();
    for account in t.list("account_ids")? {
        a.inspector_status(m::InspectorStatus {
            account,
            region: region.clone(),
            status: "ENABLED".into(),
            resources: resources.clone(),
            origin: t.origin(),
        });
    }
    Ok(())
}

pub fn flow_log(t: &Tf, a: &mut Assembly) -> R<()> {
    let mut resource = None;
    for k in ["vpc_id", "subnet_id", "eni_id", "transit_gateway_id", "transit_gateway_attachment_id"] {
        if let Some(r) = t.s(k)? {
            resource = Some(r);
            break;
        }
    }
    a.flow_log(m::FlowLog {
        id: t.id(),
        placement: t.placement(),
        resource: resource.ok_or_else(|| err("one of vpc_id, subnet_id, eni_id or transit_gateway_id is required"))?,
        traffic_type: t.s("traffic_type")?,
        status: None,
        destination: t.s("log_destination")?,
        origin: t.origin(),
    });
    Ok(())
}

pub fn trail(t: &Tf, a: &mut Assembly) -> R<()> {
    let p = t.placement();
    a.trail(m::Trail {
        arn: t.s("arn")?.or_else(|| computed(t.doc, t.inst, "arn")).unwrap_or_default(),
        name: t.req("name")?,
        home_region: p.region.clone(),
        placement: p,
        multi_region: t.flag("is_multi_region_trail", false)?,
        organization: t.flag("is_organization_trail", false)?,
        logging: Some(t.flag("enable_logging", true)?),
        origin: t.origin(),
    });
    Ok(())
}

pub fn event_rule(t: &Tf, a: &mut Assembly) -> R<()> {
    let pattern = t.s("event_pattern")?;
    let state = match t.s("state")? {
        Some(s) => s,
        None if !t.flag("is_enabled", true)? => "DISABLED".into(),
        None => "ENABLED".into(),
    };
    let bus = t.s("event_bus_name")?.map(|b| b.rsplit('/').next().unwrap_or(&b).to_string());
    a.event_rule(m::EventRule {
        arn: t.s("arn")?.or_else(|| computed(t.doc, t.inst, "arn")).unwrap_or_default(),
        name: t.req("name")?,
        placement: t.placement(),
        event_bus: bus.unwrap_or_else(|| "default".into()),
        sources: pattern.as_deref().map(pattern_sources).unwrap_or_default(),
        pattern,
        state: Some(state),
        targets: Vec::new(),
        targets_collected: true,
        origin: t.origin(),
    });
    Ok(())
}

pub fn event_target(t: &Tf, a: &mut Assembly) -> R<()> {
    a.event_rule_target(&t.req("rule")?, t.placement(), &t.req("arn")?, &t.origin());
    Ok(())
}

pub fn user_pool(t: &Tf, a: &mut Assembly) -> R<()> {
    let password_policy = match t.blocks("password_policy").first() {
        None => m::PasswordPolicy {
            minimum_length: Some(8),
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
        },
        Some(b) => m::PasswordPolicy {
            minimum_length: b.num("minimum_length")?.and_then(|n| u32::try_from(n).ok()),
            require_uppercase: b.flag("require_uppercase", true)?,
            require_lowercase: b.flag("require_lowercase", true)?,
            require_numbers: b.flag("require_numbers", true)?,
            require_symbols: b.flag("require_symbols", true)?,
        },
    };
    let advanced_security = match t.blocks("user_pool_add_ons").first() {
        Some(b) => b.s("advanced_security_mode")?,
        None => None,
    };
    a.user_pool(m::UserPool {
        id: t.id(),
        name: t.s("name")?,
        arn: t.s("arn")?.or_else(|| computed(t.doc, t.inst, "arn")),
        placement: t.placement(),
        mfa: Some(t.s("mfa_configuration")?.unwrap_or_else(|| "OFF".into())),
        password_policy: Some(password_policy),
        advanced_security,
        origin: t.origin(),
    });
    Ok(())
}

pub fn identity_pool(t: &Tf, a: &mut Assembly) -> R<()> {
    a.identity_pool(m::IdentityPool {
        id: t.id(),
        name: t.s("identity_pool_name")?,
        placement: t.placement(),
        allow_unauthenticated: t.flag("allow_unauthenticated_identities", false)?,
        classic_flow: t.flag("allow_classic_flow", false)?,
        authenticated_role: None,
        unauthenticated_role: None,
        roles_collected: true,
        origin: t.origin(),
    });
    Ok(())
}

pub fn identity_pool_roles(t: &Tf, a: &mut Assembly) -> R<()> {
    let roles = t.value("roles", false)?.unwrap_or(Value::Null);
    let role = |k: &str| roles.get(k).and_then(Value::as_str).map(str::to_string);
    a.identity_pool_roles(&t.req("identity_pool_id")?, role("authenticated"), role("unauthenticated"), &t.origin());
    Ok(())
}
