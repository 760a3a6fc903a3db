//! Packet filters: security groups (stateful, allow-only, CIDR / prefix-list / group
//! references) and network ACLs (stateless, ordered allow/deny entries per direction).

use crate::{Origin, Placement, Tags, TrafficMatch};
use ipnet::IpNet;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum SgPeer {
    Cidr(IpNet),
    PrefixList(String),
    /// Members of another security group (their private IPs), optionally in another account.
    SecurityGroup(String),
}

impl std::fmt::Display for SgPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SgPeer::Cidr(n) => write!(f, "{n}"),
            SgPeer::PrefixList(p) | SgPeer::SecurityGroup(p) => write!(f, "{p}"),
        }
    }
}

/// One (traffic, peer) pair of a security group permission. AWS's `IpPermissions` entries
/// list several ranges; each becomes one rule, keeping the permission index for evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SgRule {
    pub traffic: TrafficMatch,
    pub peer: SgPeer,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Index into `IpPermissions` / `IpPermissionsEgress`.
    pub permission_index: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub vpc: Option<String>,
    pub owner: Option<String>,
    pub placement: Placement,
    pub ingress: Vec<SgRule>,
    pub egress: Vec<SgRule>,
    pub tags: Tags,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NaclEntry {
    /// Rule number; the implicit final deny (`*`) is 32767.
    pub rule_number: u32,
    pub egress: bool,
    pub action: RuleAction,
    pub traffic: TrafficMatch,
    pub cidr: IpNet,
}

#[derive(Debug, Clone, Serialize)]
pub struct NetworkAcl {
    pub id: String,
    pub vpc: String,
    pub placement: Placement,
    pub is_default: bool,
    pub subnets: Vec<String>,
    /// Entries sorted by rule number, ingress and egress together.
    pub entries: Vec<NaclEntry>,
    pub tags: Tags,
    pub origin: Origin,
}
