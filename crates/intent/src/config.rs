//! `koban.yaml`: what the AWS inputs cannot say — the networks outside AWS and what they are
//! reached through, the corporate DNS domains, the user's intents, and suppressions of
//! findings (each with its reason).
//!
//! ```yaml
//! networks:
//!   onprem:
//!     cidrs: [10.100.0.0/16, 192.168.0.0/16]
//!     via: [vpn-0a1a2b3c4d5e6f701]
//! dns:
//!   corporate_domains: [corp.example.com]
//! intents:
//!   - name: on-premises reaches app-a over HTTPS
//!     reach: {from: onprem, to: i-0a1a2b3c4d5e6f7a1, protocol: tcp, port: 443}
//!   - never-reach: {from: internet, to: subnet-0aa0000000000a005}
//!   - isolated: {between: [subnet-0aa0000000000a005, subnet-0aa0000000000b007]}
//!   - inspected: {from: onprem, to: subnet-0aa0000000000a005}
//!   - only: {principals: ["arn:aws:iam::111111111111:role/app-role"], can: secretsmanager:GetSecretValue, on: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-*"}
//! accounts:            # account roles; inferred from Organizations names when absent
//!   security: ["333333333333"]
//!   log-archive: ["777777777777"]
//!   cicd: ["444444444444"]
//!   production: ["111111111111"]
//!   development: ["666666666666"]
//! patching:
//!   repositories: [onprem]   # named networks holding the OS package repositories
//! suppressions:
//!   - check: KBN-NET-001
//!     resource: subnet-0aa0000000000a006
//!     reason: legacy subnet, decommissioned in Q3 (ticket NET-123)
//! ```
//!
//! Errors name the file and the line and column (syntax, unknown fields, values of the wrong
//! shape, unknown check ids), or the field path for what only the whole file can tell (an
//! intent naming a network the file does not declare).

use crate::checks::CATALOGUE;
use ipnet::Ipv4Net;
use koban_model::ExternalNetwork;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{path}: networks.{network}: {message}")]
    Network { path: PathBuf, network: String, message: String },
    #[error("{path}: {field}: {message}")]
    Field { path: PathBuf, field: String, message: String },
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    networks: BTreeMap<String, RawNetwork>,
    #[serde(default)]
    dns: DnsConfig,
    #[serde(default)]
    intents: Vec<Intent>,
    #[serde(default)]
    accounts: AccountsConfig,
    #[serde(default)]
    patching: PatchingConfig,
    #[serde(default)]
    suppressions: Vec<Suppression>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    cidrs: Vec<String>,
    #[serde(default)]
    via: Vec<String>,
}

/// The DNS facts of the landing zone.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DnsConfig {
    /// Domains resolved on the corporate network: every workload VPC must forward them
    /// through an outbound Resolver endpoint (KBN-DNS-001).
    #[serde(default)]
    pub corporate_domains: Vec<DomainName>,
}

/// The roles of accounts in the organization. A role given here replaces what koban infers
/// from the names of accounts and OUs in AWS Organizations.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AccountsConfig {
    #[serde(default)]
    pub security: Option<Vec<AccountId>>,
    #[serde(default)]
    pub log_archive: Option<Vec<AccountId>>,
    #[serde(default)]
    pub cicd: Option<Vec<AccountId>>,
    #[serde(default)]
    pub production: Option<Vec<AccountId>>,
    #[serde(default)]
    pub development: Option<Vec<AccountId>>,
}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AccountId(pub String);

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountId(s))
        } else {
            Err(serde::de::Error::custom(format!("expected a 12-digit AWS account id (quoted), got {s:?}")))
        }
    }
}

/// Where instances get their operating-system patches.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PatchingConfig {
    /// Named networks (under `networks`) holding the package repositories; without them
    /// instances patch from the Amazon Linux repositories on Amazon S3.
    #[serde(default)]
    pub repositories: Vec<String>,
}

/// A DNS domain name, normalised (lower case, no trailing dot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DomainName(pub String);

impl<'de> Deserialize<'de> for DomainName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let n = koban_model::normalise_domain(&s);
        let ok = n != "."
            && n.len() <= 253
            && n.split('.').all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        if ok {
            Ok(DomainName(n))
        } else {
            Err(serde::de::Error::custom(format!("expected a domain name such as corp.example.com, got {s:?}")))
        }
    }
}

/// One end of a flow: `internet`, a named network, an id (`i-…`, `eni-…`, `subnet-…`,
/// `vpc-…`), or an IPv4 address or CIDR. Which ids exist is known only against the twin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Endpoint(pub String);

impl Endpoint {
    /// A plain word that is not an id, an address or `internet`: it must name a network.
    pub fn network_name(&self) -> Option<&str> {
        let s = self.0.as_str();
        let id = ["i-", "eni-", "subnet-", "vpc-"].iter().any(|p| s.starts_with(p));
        let addr = s.parse::<Ipv4Addr>().is_ok() || s.parse::<Ipv4Net>().is_ok();
        (!id && !addr && s != "internet").then_some(s)
    }
}

impl<'de> Deserialize<'de> for Endpoint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?.trim().to_string();
        let word = !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':'));
        if word {
            Ok(Endpoint(s))
        } else {
            Err(serde::de::Error::custom(format!(
                "expected `internet`, a network named under `networks`, an i-/eni-/subnet-/vpc- id, or an IPv4 address or CIDR, got {s:?}"
            )))
        }
    }
}

/// A protocol of a flow intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FlowProtocol {
    #[default]
    All,
    Tcp,
    Udp,
    Icmp,
}

/// Traffic from one endpoint to another.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    pub from: Endpoint,
    pub to: Endpoint,
    /// `tcp`, `udp`, `icmp` or `all` (the default).
    #[serde(default)]
    pub protocol: FlowProtocol,
    /// A destination port; needs `protocol: tcp` or `udp`.
    #[serde(default)]
    pub port: Option<u16>,
}

/// Two endpoints that must not exchange traffic in either direction.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Isolation {
    pub between: [Endpoint; 2],
}

/// An IAM principal ARN (or `*` within it), as policies name principals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PrincipalArn(pub String);

impl<'de> Deserialize<'de> for PrincipalArn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let parts: Vec<&str> = s.split(':').collect();
        let account = parts.get(4).copied().unwrap_or_default();
        if parts.len() >= 6 && parts[0] == "arn" && parts[2] == "iam" && account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())
        {
            Ok(PrincipalArn(s))
        } else {
            Err(serde::de::Error::custom(format!("expected an IAM principal ARN such as arn:aws:iam::111111111111:role/deploy, got {s:?}")))
        }
    }
}

/// An action `service:Action` (wildcards allowed in the action part).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ActionName(pub String);

impl<'de> Deserialize<'de> for ActionName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = s.split_once(':').is_some_and(|(svc, act)| {
            !svc.is_empty()
                && svc.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !act.is_empty()
                && act.chars().all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
        });
        if ok {
            Ok(ActionName(s))
        } else {
            Err(serde::de::Error::custom(format!("expected an action such as s3:GetObject, got {s:?}")))
        }
    }
}

/// A resource ARN (wildcards allowed), or `*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ResourceArn(pub String);

impl<'de> Deserialize<'de> for ResourceArn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == "*" || (s.starts_with("arn:") && s.split(':').count() >= 6) {
            Ok(ResourceArn(s))
        } else {
            Err(serde::de::Error::custom(format!("expected a resource ARN such as arn:aws:s3:::bucket/*, got {s:?}")))
        }
    }
}

/// Only these principals may perform the action on the resource.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OnlyCan {
    pub principals: Vec<PrincipalArn>,
    pub can: ActionName,
    pub on: ResourceArn,
}

/// What an intent states.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum IntentKind {
    /// `from` must reach `to` (with replies).
    Reach(Flow),
    /// `from` must not reach `to`.
    NeverReach(Flow),
    /// No traffic in either direction.
    Isolated(Isolation),
    /// Every path between `from` and `to`, both ways and replies included, crosses an
    /// inspection endpoint.
    Inspected(Flow),
    /// Only these principals can perform the action on the resource.
    Only(OnlyCan),
}

/// One intent of `koban.yaml`.
#[derive(Debug, Clone, Serialize)]
pub struct Intent {
    pub name: Option<String>,
    #[serde(flatten)]
    pub kind: IntentKind,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIntent {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    reach: Option<Flow>,
    #[serde(default, rename = "never-reach")]
    never_reach: Option<Flow>,
    #[serde(default)]
    isolated: Option<Isolation>,
    #[serde(default)]
    inspected: Option<Flow>,
    #[serde(default)]
    only: Option<OnlyCan>,
}

impl<'de> Deserialize<'de> for Intent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = RawIntent::deserialize(d)?;
        let mut kinds = Vec::new();
        if let Some(f) = r.reach {
            kinds.push(IntentKind::Reach(f));
        }
        if let Some(f) = r.never_reach {
            kinds.push(IntentKind::NeverReach(f));
        }
        if let Some(i) = r.isolated {
            kinds.push(IntentKind::Isolated(i));
        }
        if let Some(f) = r.inspected {
            kinds.push(IntentKind::Inspected(f));
        }
        if let Some(o) = r.only {
            kinds.push(IntentKind::Only(o));
        }
        if kinds.len() != 1 {
            return Err(serde::de::Error::custom(format!(
                "an intent states exactly one of reach, never-reach, isolated, inspected or only; this one states {}",
                kinds.len()
            )));
        }
        let kind = kinds.remove(0);
        let flow = match &kind {
            IntentKind::Reach(f) | IntentKind::NeverReach(f) | IntentKind::Inspected(f) => Some(f),
            _ => None,
        };
        if let Some(f) = flow {
            if f.port.is_some() && !matches!(f.protocol, FlowProtocol::Tcp | FlowProtocol::Udp) {
                return Err(serde::de::Error::custom("port needs protocol: tcp or protocol: udp"));
            }
        }
        Ok(Intent { name: r.name, kind })
    }
}

/// A check id of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CheckId(pub String);

impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if CATALOGUE.iter().any(|c| c.id == s) {
            Ok(CheckId(s))
        } else {
            let known: Vec<&str> = CATALOGUE.iter().map(|c| c.id).collect();
            Err(serde::de::Error::custom(format!(
                "unknown check id {s:?} (expected one of {}; `koban checks` lists them)",
                known.join(", ")
            )))
        }
    }
}

/// A reason that is not empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Reason(pub String);

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() {
            Err(serde::de::Error::custom("a suppression needs a reason: say why the finding is accepted"))
        } else {
            Ok(Reason(s.trim().to_string()))
        }
    }
}

/// A finding accepted on purpose: the check, the resource (every resource when absent) and
/// why.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub check: CheckId,
    #[serde(default)]
    pub resource: Option<String>,
    pub reason: Reason,
}

impl Suppression {
    /// True when this suppression covers a finding of `check` on `resource`.
    pub fn covers(&self, check: &str, resource: &str) -> bool {
        self.check.0 == check && self.resource.as_deref().is_none_or(|r| r == resource)
    }
}

/// A parsed `koban.yaml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub networks: BTreeMap<String, ExternalNetwork>,
    pub dns: DnsConfig,
    pub intents: Vec<Intent>,
    pub accounts: AccountsConfig,
    pub patching: PatchingConfig,
    pub suppressions: Vec<Suppression>,
}

impl Config {
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| {
                let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
                ConfigError::Syntax { path: path.to_path_buf(), line, column, message: e.to_string() }
            })?
        };
        let mut networks = BTreeMap::new();
        for (name, n) in raw.networks {
            if name == "internet" {
                return Err(ConfigError::Network {
                    path: path.to_path_buf(),
                    network: name,
                    message: "`internet` is reserved for the internet itself".into(),
                });
            }
            let mut cidrs = Vec::new();
            for (i, c) in n.cidrs.iter().enumerate() {
                let net = c.parse::<Ipv4Net>().map_err(|_| ConfigError::Network {
                    path: path.to_path_buf(),
                    network: name.clone(),
                    message: format!("cidrs[{i}]: expected an IPv4 CIDR block such as 10.0.0.0/8, got {c:?}"),
                })?;
                cidrs.push(net.trunc());
            }
            if n.via.is_empty() {
                return Err(ConfigError::Network { path: path.to_path_buf(), network: name, message: "via: expected at least one VPN connection, Direct Connect gateway, transit gateway attachment or virtual private gateway id".into() });
            }
            networks.insert(name.clone(), ExternalNetwork { name, cidrs, via: n.via });
        }
        for (i, intent) in raw.intents.iter().enumerate() {
            let (key, ends): (&str, Vec<(&str, &Endpoint)>) = match &intent.kind {
                IntentKind::Reach(f) => ("reach", vec![("from", &f.from), ("to", &f.to)]),
                IntentKind::NeverReach(f) => ("never-reach", vec![("from", &f.from), ("to", &f.to)]),
                IntentKind::Inspected(f) => ("inspected", vec![("from", &f.from), ("to", &f.to)]),
                IntentKind::Isolated(x) => ("isolated", vec![("between[0]", &x.between[0]), ("between[1]", &x.between[1])]),
                IntentKind::Only(_) => ("only", vec![]),
            };
            for (field, e) in ends {
                if let Some(n) = e.network_name().filter(|n| !networks.contains_key(*n)) {
                    return Err(ConfigError::Field {
                        path: path.to_path_buf(),
                        field: format!("intents[{i}].{key}.{field}"),
                        message: format!(
                            "{n:?} is not a network named under `networks` (expected `internet`, a named network, an i-/eni-/subnet-/vpc- id, or an IPv4 address or CIDR)"
                        ),
                    });
                }
            }
        }
        for (i, n) in raw.patching.repositories.iter().enumerate() {
            if !networks.contains_key(n) {
                return Err(ConfigError::Field {
                    path: path.to_path_buf(),
                    field: format!("patching.repositories[{i}]"),
                    message: format!("{n:?} is not a network named under `networks`"),
                });
            }
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            networks,
            dns: raw.dns,
            intents: raw.intents,
            accounts: raw.accounts,
            patching: raw.patching,
            suppressions: raw.suppressions,
        })
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Config::parse(path, &text)
    }

    /// Where an intent is in the file, for messages: `koban.yaml intents[2]`.
    pub fn intent_place(&self, index: usize) -> String {
        let file = self.path.as_deref().map(|p| p.display().to_string()).unwrap_or_else(|| "koban.yaml".into());
        format!("{file} intents[{index}]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("k.yaml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn parses_named_networks() {
        let c = parse("networks:\n  onprem:\n    cidrs: [10.0.0.0/8]\n    via: [vpn-1]\n").unwrap();
        assert_eq!(c.networks["onprem"].cidrs[0].to_string(), "10.0.0.0/8");
    }

    #[test]
    fn errors_name_line_and_field() {
        let e = parse("networks:\n  onprem:\n    cidrz: [1]\n").unwrap_err();
        assert!(e.starts_with("k.yaml:3:"), "{e}");
        assert!(e.contains("cidrz"), "{e}");
        let e = parse("networks:\n  onprem:\n    cidrs: [10.0.0.0/33]\n    via: [x]\n").unwrap_err();
        assert!(e.contains("networks.onprem: cidrs[0]"), "{e}");
    }

    #[test]
    fn intents_of_every_kind() {
        let c = parse(
            "networks:\n  onprem: {cidrs: [10.100.0.0/16], via: [vpn-1]}\n\
             dns:\n  corporate_domains: [Corp.Example.com.]\n\
             intents:\n\
             \x20 - name: https in\n    reach: {from: onprem, to: i-1, protocol: tcp, port: 443}\n\
             \x20 - never-reach: {from: internet, to: subnet-1}\n\
             \x20 - isolated: {between: [subnet-1, 10.10.12.0/24]}\n\
             \x20 - inspected: {from: onprem, to: vpc-1}\n\
             \x20 - only: {principals: ['arn:aws:iam::111111111111:role/ci'], can: 's3:PutObject', on: 'arn:aws:s3:::b/*'}\n",
        )
        .unwrap();
        assert_eq!(c.dns.corporate_domains, vec![DomainName("corp.example.com".into())]);
        assert_eq!(c.intents.len(), 5);
        assert!(matches!(&c.intents[0].kind, IntentKind::Reach(f) if f.port == Some(443) && f.protocol == FlowProtocol::Tcp));
        assert!(matches!(&c.intents[4].kind, IntentKind::Only(o) if o.can.0 == "s3:PutObject"));
    }

    #[test]
    fn bad_intents_name_the_line_or_the_field() {
        let e = parse("intents:\n  - reach: {from: i-1, to: i-2}\n    never-reach: {from: i-1, to: i-2}\n").unwrap_err();
        assert!(e.starts_with("k.yaml:2:") && e.contains("exactly one"), "{e}");
        let e = parse("intents:\n  - reach: {from: i-1, to: i-2, port: 22}\n").unwrap_err();
        assert!(e.starts_with("k.yaml:2:") && e.contains("port needs protocol"), "{e}");
        let e = parse("intents:\n  - reach: {from: i-1, to: i-2, protocol: sctp}\n").unwrap_err();
        assert!(e.starts_with("k.yaml:2:") && e.contains("sctp"), "{e}");
        let e = parse("intents:\n  - never-reach: {from: dc2, to: i-2}\n").unwrap_err();
        assert!(e.contains("intents[0].never-reach.from") && e.contains("dc2"), "{e}");
        let e = parse("intents:\n  - only: {principals: [bob], can: s3:GetObject, on: '*'}\n").unwrap_err();
        assert!(e.starts_with("k.yaml:2:") && e.contains("IAM principal ARN"), "{e}");
        let e = parse("dns:\n  corporate_domains: ['corp example']\n").unwrap_err();
        assert!(e.starts_with("k.yaml:2:") && e.contains("domain name"), "{e}");
    }

    #[test]
    fn account_roles_and_patch_repositories() {
        let c = parse("networks:\n  dc: {cidrs: [10.0.0.0/8], via: [vpn-1]}\naccounts:\n  security: ['333333333333']\n  log-archive: ['777777777777']\npatching:\n  repositories: [dc]\n").unwrap();
        assert_eq!(c.accounts.security, Some(vec![AccountId("333333333333".into())]));
        assert_eq!(c.accounts.cicd, None);
        assert_eq!(c.patching.repositories, ["dc"]);
        let e = parse("accounts:\n  security: ['3333']\n").unwrap_err();
        assert!(e.starts_with("k.yaml:2:") && e.contains("12-digit"), "{e}");
        let e = parse("accounts:\n  auditors: ['333333333333']\n").unwrap_err();
        assert!(e.starts_with("k.yaml:2:") && e.contains("auditors"), "{e}");
        let e = parse("patching:\n  repositories: [dc]\n").unwrap_err();
        assert!(e.contains("patching.repositories[0]"), "{e}");
    }

    #[test]
    fn suppressions_need_a_known_check_and_a_reason() {
        let c = parse("suppressions:\n  - check: KBN-NET-001\n    resource: subnet-1\n    reason: legacy, ticket 12\n").unwrap();
        assert!(c.suppressions[0].covers("KBN-NET-001", "subnet-1"));
        assert!(!c.suppressions[0].covers("KBN-NET-001", "subnet-2"));
        let e = parse("suppressions:\n  - check: KBN-NOPE-999\n    reason: x\n").unwrap_err();
        assert!(e.starts_with("k.yaml:2:") && e.contains("unknown check id \"KBN-NOPE-999\""), "{e}");
        let e = parse("suppressions:\n  - check: KBN-NET-001\n    resource: subnet-1\n").unwrap_err();
        assert!(e.contains("reason"), "{e}");
        let e = parse("suppressions:\n  - check: KBN-NET-001\n    reason: '  '\n").unwrap_err();
        assert!(e.starts_with("k.yaml:2:") && e.contains("suppressions[0]") && e.contains("needs a reason"), "{e}");
    }
}
