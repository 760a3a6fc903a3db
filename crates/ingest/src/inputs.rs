//! Any input, one twin: each path given on the command line is recognised by what it holds —
//! a directory or file of AWS CLI JSON (the snapshot reader), a CloudFormation template
//! (`.yaml`/`.yml`/`.template`/`.json` with `AWSTemplateFormatVersion` or `Resources`), a
//! Terraform `terraform show -json` document (`format_version` with `planned_values`, `values`
//! or `resource_changes`) — read by its reader, and the twins merged. Templates are loaded
//! together (their exports resolve across them), and so are Terraform documents.

use crate::cloudformation::{self, CloudFormationError, ParameterError, Parameters};
use crate::snapshot::{self, SnapshotError};
use crate::terraform::{self, TerraformError};
use koban_model::{Diagnostic, Severity, Twin};
use std::io::Read;
use std::path::{Path, PathBuf};

/// How to read the inputs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// CloudFormation parameter values (`--parameters`).
    pub parameters: Parameters,
}

impl Options {
    /// Options from the command line's `--parameters` values.
    pub fn from_parameter_args(args: &[String]) -> Result<Options, ParameterError> {
        Ok(Options { parameters: Parameters::from_args(args)? })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error(transparent)]
    CloudFormation(#[from] CloudFormationError),
    #[error(transparent)]
    Terraform(#[from] TerraformError),
}

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Snapshot,
    CloudFormation,
    Terraform,
    /// Something else (e.g. `koban.yaml`, a parameters file): not an input.
    Other,
}

/// The keys at the top level of a JSON document, read from its first 64 KiB.
fn top_level_keys(prefix: &[u8]) -> Vec<String> {
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut i = 0usize;
    while i < prefix.len() {
        match prefix[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < prefix.len() && prefix[j] != b'"' {
                    j += if prefix[j] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 {
                    let mut k = j + 1;
                    while k < prefix.len() && prefix[k].is_ascii_whitespace() {
                        k += 1;
                    }
                    if prefix.get(k) == Some(&b':') {
                        keys.push(String::from_utf8_lossy(&prefix[start..j.min(prefix.len())]).into_owned());
                    }
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    keys
}

/// Recognise a file by its name and the start of its content.
pub fn kind_of(path: &Path) -> Kind {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let mut prefix = Vec::with_capacity(64 * 1024);
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(64 * 1024).read_to_end(&mut prefix);
    }
    let text = String::from_utf8_lossy(&prefix);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        let keys = top_level_keys(trimmed.as_bytes());
        let has = |k: &str| keys.iter().any(|x| x == k);
        if has("format_version")
            && ["planned_values", "values", "resource_changes", "terraform_version", "prior_state"].iter().any(|k| has(k))
        {
            return Kind::Terraform;
        }
        if has("AWSTemplateFormatVersion") || has("Resources") {
            return Kind::CloudFormation;
        }
        // A CodePipeline template configuration (parameters for a template).
        if has("Parameters")
            && keys.iter().all(|k| matches!(k.as_str(), "Parameters" | "Tags" | "StackPolicy"))
            && !trimmed.contains("\"ParameterKey\"")
        {
            return Kind::Other;
        }
        return if ext == "json" { Kind::Snapshot } else { Kind::Other };
    }
    if trimmed.starts_with('[') && trimmed.contains("\"ParameterKey\"") {
        // An AWS CLI parameters file.
        return Kind::Other;
    }
    if matches!(ext.as_str(), "yaml" | "yml" | "template" | "json") {
        let template = text
            .lines()
            .any(|l| l.starts_with("AWSTemplateFormatVersion") || l.starts_with("Resources:") || l.starts_with("\"Resources\""));
        if template {
            return Kind::CloudFormation;
        }
        if ext == "json" {
            return Kind::Snapshot;
        }
    }
    Kind::Other
}

/// Load every input into one twin.
pub fn load_inputs(paths: &[PathBuf], options: &Options) -> Result<Twin, InputError> {
    let mut snapshots: Vec<PathBuf> = Vec::new();
    let mut templates: Vec<PathBuf> = Vec::new();
    let mut plans: Vec<PathBuf> = Vec::new();
    for p in paths {
        if !p.exists() {
            return Err(SnapshotError::Missing { path: p.clone() }.into());
        }
        if p.is_file() {
            match kind_of(p) {
                Kind::CloudFormation => templates.push(p.clone()),
                Kind::Terraform => plans.push(p.clone()),
                Kind::Snapshot | Kind::Other => snapshots.push(p.clone()),
            }
            continue;
        }
        // A directory holding a `snapshot/` folder (like Batfish's `aws_configs/`) is that
        // snapshot: the other folders beside it (templates, plans of the same environment,
        // inventories) are alternative or additional inputs the user names explicitly.
        if p.join("snapshot").is_dir() {
            snapshots.push(p.join("snapshot"));
            continue;
        }
        // A directory: templates and plans in it are read by their readers; if everything
        // else is AWS CLI output, the directory goes to the snapshot reader as a whole (so
        // account and region come from its layout).
        let mut iac = false;
        let mut has_json = false;
        for e in walkdir::WalkDir::new(p).sort_by_file_name().into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
            match kind_of(e.path()) {
                Kind::CloudFormation => {
                    iac = true;
                    templates.push(e.path().to_path_buf());
                }
                Kind::Terraform => {
                    iac = true;
                    plans.push(e.path().to_path_buf());
                }
                Kind::Snapshot => has_json = true,
                Kind::Other => {}
            }
        }
        if !iac || has_json {
            snapshots.push(p.clone());
        }
    }
    let mut twins: Vec<Twin> = Vec::new();
    if !snapshots.is_empty() {
        let mut t = snapshot::load_snapshot(&snapshots)?;
        if !templates.is_empty() || !plans.is_empty() {
            // The snapshot reader met the templates and plans too: its complaints about
            // their top-level keys are not about snapshot files.
            let skip: Vec<String> = templates.iter().chain(&plans).map(|p| p.display().to_string()).collect();
            t.diagnostics.retain(|d| !skip.iter().any(|s| **s == *d.origin.file));
            t.unknowns.retain(|u| !u.origin.as_ref().map(|o| skip.iter().any(|s| **s == *o.file)).unwrap_or(false));
        }
        twins.push(t);
    }
    if !templates.is_empty() {
        twins.push(cloudformation::load_templates(&templates, &options.parameters)?);
    } else if !options.parameters.values.is_empty() {
        let mut t = Twin::default();
        t.diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            origin: koban_model::Origin::new("--parameters", ""),
            message: "parameters are given but no CloudFormation template is among the inputs".into(),
            resource: None,
        });
        twins.push(t);
    }
    if !plans.is_empty() {
        twins.push(terraform::load_plans(&plans)?);
    }
    let mut it = twins.into_iter();
    let mut twin = it.next().unwrap_or_default();
    for other in it {
        merge(&mut twin, other);
    }
    Ok(twin)
}

fn merge_map<T>(
    into: &mut std::collections::BTreeMap<String, T>,
    from: std::collections::BTreeMap<String, T>,
    diags: &mut Vec<Diagnostic>,
) {
    for (id, v) in from {
        if into.contains_key(&id) {
            diags.push(Diagnostic {
                severity: Severity::Warning,
                origin: koban_model::Origin::new("(inputs)", ""),
                message: format!("{id} is described by more than one input; keeping the first"),
                resource: Some(id),
            });
            continue;
        }
        into.insert(id, v);
    }
}

/// Merge a twin read from templates or plans into another. Templates and plans hold network
/// resources only; the identity, organization, resource-policy and DNS parts stay those of
/// `into`; monitoring, Cognito and patch states are added.
fn merge(into: &mut Twin, from: Twin) {
    let Twin {
        accounts,
        vpcs,
        subnets,
        route_tables,
        internet_gateways,
        nat_gateways,
        transit_gateways,
        transit_gateway_attachments,
        transit_gateway_route_tables,
        vpc_endpoints,
        vpc_endpoint_services,
        load_balancers,
        security_groups,
        network_acls,
        network_interfaces,
        instances,
        prefix_lists,
        vpc_peering_connections,
        vpn_gateways,
        vpn_connections,
        customer_gateways,
        direct_connect_gateways,
        iam: _,
        organizations: _,
        resource_policies: _,
        dns: _,
        monitoring,
        cognito,
        patching,
        networks,
        diagnostics,
        unknowns,
    } = from;
    let d = &mut into.diagnostics;
    for (id, a) in accounts {
        into.accounts.entry(id).or_insert(a);
    }
    merge_map(&mut into.vpcs, vpcs, d);
    merge_map(&mut into.subnets, subnets, d);
    merge_map(&mut into.route_tables, route_tables, d);
    merge_map(&mut into.internet_gateways, internet_gateways, d);
    merge_map(&mut into.nat_gateways, nat_gateways, d);
    merge_map(&mut into.transit_gateways, transit_gateways, d);
    merge_map(&mut into.transit_gateway_attachments, transit_gateway_attachments, d);
    merge_map(&mut into.transit_gateway_route_tables, transit_gateway_route_tables, d);
    merge_map(&mut into.vpc_endpoints, vpc_endpoints, d);
    merge_map(&mut into.vpc_endpoint_services, vpc_endpoint_services, d);
    merge_map(&mut into.load_balancers, load_balancers, d);
    merge_map(&mut into.security_groups, security_groups, d);
    merge_map(&mut into.network_acls, network_acls, d);
    merge_map(&mut into.network_interfaces, network_interfaces, d);
    merge_map(&mut into.instances, instances, d);
    merge_map(&mut into.prefix_lists, prefix_lists, d);
    merge_map(&mut into.vpc_peering_connections, vpc_peering_connections, d);
    merge_map(&mut into.vpn_gateways, vpn_gateways, d);
    merge_map(&mut into.vpn_connections, vpn_connections, d);
    merge_map(&mut into.customer_gateways, customer_gateways, d);
    merge_map(&mut into.direct_connect_gateways, direct_connect_gateways, d);
    merge_map(&mut into.networks, networks, d);
    merge_map(&mut into.cognito.user_pools, cognito.user_pools, d);
    merge_map(&mut into.cognito.identity_pools, cognito.identity_pools, d);
    merge_map(&mut into.patching.states, patching.states, d);
    into.patching.scopes.extend(patching.scopes);
    let mon = &mut into.monitoring;
    mon.detectors.extend(monitoring.detectors);
    mon.detector_scopes.extend(monitoring.detector_scopes);
    mon.guardduty_members.extend(monitoring.guardduty_members);
    mon.inspector.extend(monitoring.inspector);
    mon.delegated_administrators.extend(monitoring.delegated_administrators);
    mon.delegated_services.extend(monitoring.delegated_services);
    mon.flow_logs.extend(monitoring.flow_logs);
    mon.flow_log_scopes.extend(monitoring.flow_log_scopes);
    mon.trails.extend(monitoring.trails);
    mon.trail_scopes.extend(monitoring.trail_scopes);
    mon.event_rules.extend(monitoring.event_rules);
    mon.event_rule_scopes.extend(monitoring.event_rule_scopes);
    into.diagnostics.extend(diagnostics);
    into.unknowns.extend(unknowns);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_keys_ignore_nested_ones() {
        let k = top_level_keys(br#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": []}}, "x\"y": 1}"#);
        assert_eq!(k, vec!["format_version", "planned_values", "x\\\"y"]);
        let k = top_level_keys(br#"{"Vpcs": [{"VpcId": "vpc-1", "Resources": 1}]}"#);
        assert_eq!(k, vec!["Vpcs"]);
    }
}
