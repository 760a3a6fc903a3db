//! `koban.yaml`: the user's description of what the AWS inputs cannot say — the external
//! networks (on-premises) and the resources they are reached through.
//!
//! ```yaml
//! networks:
//!   onprem:
//!     cidrs: [10.100.0.0/16, 192.168.0.0/16]
//!     via: [vpn-0a1a2b3c4d5e6f701]
//! ```

use ipnet::Ipv4Net;
use koban_model::ExternalNetwork;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{path}: networks.{network}: {message}")]
    Network { path: PathBuf, network: String, message: String },
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    networks: BTreeMap<String, RawNetwork>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    cidrs: Vec<String>,
    #[serde(default)]
    via: Vec<String>,
}

/// A parsed `koban.yaml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub networks: BTreeMap<String, ExternalNetwork>,
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
        Ok(Config { path: Some(path.to_path_buf()), networks })
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Config::parse(path, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_named_networks() {
        let c = Config::parse(Path::new("k.yaml"), "networks:\n  onprem:\n    cidrs: [10.0.0.0/8]\n    via: [vpn-1]\n").unwrap();
        assert_eq!(c.networks["onprem"].cidrs[0].to_string(), "10.0.0.0/8");
    }

    #[test]
    fn errors_name_line_and_field() {
        let e = Config::parse(Path::new("k.yaml"), "networks:\n  onprem:\n    cidrz: [1]\n").unwrap_err().to_string();
        assert!(e.starts_with("k.yaml:3:"), "{e}");
        assert!(e.contains("cidrz"), "{e}");
        let e =
            Config::parse(Path::new("k.yaml"), "networks:\n  onprem:\n    cidrs: [10.0.0.0/33]\n    via: [x]\n").unwrap_err().to_string();
        assert!(e.contains("networks.onprem: cidrs[0]"), "{e}");
    }
}
