//! Security monitoring and logging: GuardDuty detectors and members, VPC flow logs,
//! CloudTrail trails and EventBridge rules with their targets.

use super::{text, Res, R};
use crate::cloudformation::service_attributes::{name_or, rule_arn};
use crate::iac::Assembly;
use crate::snapshot::services::pattern_sources;
use koban_model as m;

pub fn detector(r: &Res, a: &mut Assembly) -> R<()> {
    let enabled = r.flag("Enable", true)?;
    a.detector(m::GuardDutyDetector {
        id: r.r.base.to_ascii_lowercase().replace('.', "-"),
        placement: r.placement(),
        status: Some(if enabled { "ENABLED" } else { "DISABLED" }.into()),
        origin: r.origin(),
    });
    Ok(())
}

/// A member account of the stack's (administrator) account; CloudFormation invites it
/// unless `Status` says otherwise.
pub fn member(r: &Res, a: &mut Assembly) -> R<()> {
    a.guardduty_member(m::GuardDutyMember {
        account: r.req("MemberId")?,
        administrator: Some(r.r.place.account.clone()),
        region: Some(r.r.place.region.clone()),
        relationship: r.opt("Status")?.unwrap_or_else(|| "Invited".into()),
        origin: r.origin(),
    });
    Ok(())
}

pub fn flow_log(r: &Res, a: &mut Assembly) -> R<()> {
    let destination = match r.opt("LogDestination")? {
        Some(d) => Some(d),
        None => r.opt("LogGroupName")?,
    };
    a.flow_log(m::FlowLog {
        id: format!("fl-{}", r.r.base),
        placement: r.placement(),
        resource: r.req("ResourceId")?,
        traffic_type: r.opt("TrafficType")?,
        status: None,
        destination,
        origin: r.origin(),
    });
    Ok(())
}

pub fn trail(r: &Res, a: &mut Assembly) -> R<()> {
    let place = &r.r.place;
    let name = name_or(Some(&r.r.props), "TrailName", &r.r.base);
    a.trail(m::Trail {
        arn: format!("arn:{}:cloudtrail:{}:{}:trail/{name}", place.partition, place.region, place.account),
        name,
        placement: r.placement(),
        home_region: Some(place.region.clone()),
        multi_region: r.flag("IsMultiRegionTrail", false)?,
        organization: r.flag("IsOrganizationTrail", false)?,
        logging: Some(r.flag("IsLogging", true)?),
        origin: r.origin(),
    });
    Ok(())
}

pub fn event_rule(r: &Res, a: &mut Assembly) -> R<()> {
    let pattern = match r.sub("EventPattern") {
        None => None,
        Some(p) => match p.as_str() {
            Some(s) => Some(s.to_string()),
            None => Some(p.to_json().to_string()),
        },
    };
    let mut targets = Vec::new();
    for t in r.items("Targets")? {
        targets.push(text(t.get("Arn"), "Targets.Arn", t.pos)?.ok_or_else(|| r.err(t.pos, "Targets: every target needs an Arn"))?);
    }
    let bus = r.opt("EventBusName")?.map(|b| b.rsplit('/').next().unwrap_or(&b).to_string());
    a.event_rule(m::EventRule {
        arn: rule_arn(&r.r.base, Some(&r.r.props), &r.r.place),
        name: name_or(Some(&r.r.props), "Name", &r.r.base),
        placement: r.placement(),
        event_bus: bus.unwrap_or_else(|| "default".into()),
        sources: pattern.as_deref().map(pattern_sources).unwrap_or_default(),
        pattern,
        state: Some(r.opt("State")?.unwrap_or_else(|| "ENABLED".into())),
        targets,
        targets_collected: true,
        origin: r.origin(),
    });
    Ok(())
}
