//! `koban-bench gen`: a seeded generator of synthetic AWS organisations, written as an AWS
//! CLI snapshot (`<out>/<account-id>/<region>/<Kind>.json`).
//!
//! [`topology`] decides what exists, [`render`] turns it into AWS CLI JSON, [`write`] puts
//! it on disk. The same `(enis, seed)` always produces byte-identical files.

pub mod addr;
pub mod ids;
pub mod model;
pub mod render;
pub mod routing;
pub mod security;
pub mod tfstate;
pub mod topology;
pub mod write;

#[cfg(test)]
mod tests;

use crate::error::{BenchError, Result};
use model::Org;
use std::fmt;
use std::path::{Path, PathBuf};
use write::Written;

/// What to generate and where.
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub enis: usize,
    pub seed: u64,
    pub out: PathBuf,
    /// Also list propagated routes in `TransitGatewayRoutes/*.json` (as
    /// `search-transit-gateway-routes` without a type filter would).
    pub propagated_routes: bool,
    /// Write into a non-empty directory (files are overwritten, nothing is deleted).
    pub force: bool,
}

/// Counts of what was generated, for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub accounts: usize,
    pub vpcs: usize,
    pub subnets: usize,
    pub enis: usize,
    pub instances: usize,
    pub security_groups: usize,
    pub sg_rules: usize,
    pub nacl_entries: usize,
    pub routes: usize,
    pub files: usize,
    pub bytes: u64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "accounts={} vpcs={} subnets={} enis={} instances={} security_groups={} \
             sg_rules={} nacl_entries={} routes={} files={} bytes={}",
            self.accounts,
            self.vpcs,
            self.subnets,
            self.enis,
            self.instances,
            self.security_groups,
            self.sg_rules,
            self.nacl_entries,
            self.routes,
            self.files,
            self.bytes
        )
    }
}

/// Counts the model's resources (files and bytes are filled in by [`generate`]).
pub fn summarize(org: &Org) -> Summary {
    let mut s = Summary { accounts: org.accounts.len(), vpcs: org.vpcs.len(), ..Summary::default() };
    for v in &org.vpcs {
        s.subnets += v.subnets.len();
        s.enis += v.enis.len();
        s.instances += v.instances.len();
        s.security_groups += v.sgs.len();
        s.sg_rules += v.sgs.iter().flat_map(|g| g.ingress.iter().chain(&g.egress)).map(|p| p.rule_count()).sum::<usize>();
        s.nacl_entries += v.nacls.iter().map(|n| n.entries.len()).sum::<usize>();
        s.routes += v.route_tables.iter().map(|t| t.routes.len()).sum::<usize>();
    }
    s
}

/// Generates the organisation and writes the snapshot (under `snapshot/`) plus, beside it,
/// `bench-queries.json` and the `koban.yaml` naming its on-premises network.
pub fn generate(opts: &GenOptions) -> Result<Summary> {
    check_out_dir(&opts.out, opts.force)?;
    let org = topology::build(opts.enis, opts.seed)?;
    let mut written = Written::default();
    for a in 0..org.accounts.len() {
        let dir = opts.out.join("snapshot").join(&org.accounts[a]).join(org.region);
        let mut files = render::account_files(&org, a);
        if a == Org::NETWORK_ACCOUNT {
            files.extend(render::transit_files(&org));
            files.extend(render::tgw_table_files(&org, opts.propagated_routes));
        }
        for (name, doc) in files {
            written.write(&dir.join(name), &doc)?;
        }
    }
    written.write(&opts.out.join("bench-queries.json"), &render::queries_json(&org))?;
    let config = format!(
        "# The on-premises network of the synthetic organisation, reached through its VPN.\nnetworks:\n  onprem:\n    cidrs: [172.16.0.0/12]\n    via: [{}]\n",
        org.transit.vpn.id
    );
    std::fs::write(opts.out.join("koban.yaml"), config).map_err(|e| BenchError::io(opts.out.join("koban.yaml"), e))?;
    Ok(Summary { files: written.files, bytes: written.bytes, ..summarize(&org) })
}

fn check_out_dir(out: &Path, force: bool) -> Result<()> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if !force && entries.next().is_some() {
                return Err(BenchError::Params(format!("{} is not empty (pass --force to overwrite, or remove it)", out.display())));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(BenchError::io(out, e)),
    }
}
