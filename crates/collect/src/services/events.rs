//! EventBridge in one account and region: `list-event-buses` (with each bus's resource
//! policy, as `EventBuses.json`), the rules of every bus (`list-rules --event-bus-name`, all
//! buses in one `EventRules.json`) and each rule's targets (`list-targets-by-rule`, as
//! `EventRuleTargets/<rule-name>.json`; the reader keys targets by rule name, account and
//! region).

use super::{file_name, Ctx};
use crate::error::CollectError;
use crate::map::monitor as m;
use aws_sdk_eventbridge::Client;
use serde_json::json;

const S: &str = "events";

pub async fn collect(ctx: &Ctx, c: &Client) -> Result<(), CollectError> {
    // the list operations of EventBridge have no paginators: follow NextToken
    let mut buses = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let r = c.list_event_buses().set_next_token(token.take()).send().await;
        let Some(page) = ctx.ok(S, "ListEventBuses", r) else { return Ok(()) };
        buses.extend(page.event_buses().iter().cloned());
        token = next_page(page.next_token());
        if token.is_none() {
            break;
        }
    }
    ctx.write(S, "ListEventBuses", "EventBuses.json", &json!({"EventBuses": buses.iter().map(m::event_bus).collect::<Vec<_>>()}))?;
    let mut rules = Vec::new();
    let mut complete = true;
    for bus in buses.iter().filter_map(|b| b.name()) {
        let mut token: Option<String> = None;
        loop {
            let r = c.list_rules().event_bus_name(bus).set_next_token(token.take()).send().await;
            let Some(page) = ctx.ok(S, "ListRules", r) else {
                complete = false;
                break;
            };
            rules.extend(page.rules().iter().cloned());
            token = next_page(page.next_token());
            if token.is_none() {
                break;
            }
        }
    }
    // the reader takes EventRules.json for every rule of the account and region: a bus whose
    // rules could not be listed leaves the file out (the manifest says why)
    if complete {
        ctx.write(S, "ListRules", "EventRules.json", &json!({"Rules": rules.iter().map(m::rule).collect::<Vec<_>>()}))?;
    }
    for rule in &rules {
        let Some(name) = rule.name() else { continue };
        let mut targets = Vec::new();
        let mut token: Option<String> = None;
        let mut failed = false;
        loop {
            let mut call = c.list_targets_by_rule().rule(name).set_next_token(token.take());
            if let Some(bus) = rule.event_bus_name() {
                call = call.event_bus_name(bus);
            }
            let Some(page) = ctx.ok(S, "ListTargetsByRule", call.send().await) else {
                failed = true;
                break;
            };
            targets.extend(page.targets().iter().map(m::rule_target));
            token = next_page(page.next_token());
            if token.is_none() {
                break;
            }
        }
        if !failed {
            ctx.write(S, "ListTargetsByRule", &format!("EventRuleTargets/{}.json", file_name(name)), &json!({ "Targets": targets }))?;
        }
    }
    Ok(())
}

/// The token of the next page, if there is one (EventBridge ends with an absent or empty token).
fn next_page(token: Option<&str>) -> Option<String> {
    token.filter(|t| !t.is_empty()).map(str::to_string)
}
