//! Patch Manager's view of instances: the patch state of each managed instance
//! (`ssm describe-instance-patch-states`).

use crate::{Origin, Placement};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The patch state of one instance.
#[derive(Debug, Clone, Serialize)]
pub struct PatchState {
    pub instance: String,
    pub placement: Placement,
    pub baseline: Option<String>,
    pub installed: u64,
    pub missing: u64,
    pub failed: u64,
    pub installed_pending_reboot: u64,
    /// `Scan` or `Install`.
    pub operation: Option<String>,
    pub operation_end: Option<String>,
    pub origin: Origin,
}

impl PatchState {
    pub fn compliant(&self) -> bool {
        self.missing == 0 && self.failed == 0 && self.installed_pending_reboot == 0
    }
}

/// Patch states by instance id, with the accounts and regions they were collected in.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Patching {
    pub states: BTreeMap<String, PatchState>,
    pub scopes: BTreeSet<crate::monitoring::Scope>,
}
