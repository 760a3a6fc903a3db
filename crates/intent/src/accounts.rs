//! The roles accounts play in the organization — security, log archive, CI/CD, production,
//! development — from `koban.yaml` (`accounts:`) or, where it is silent, from the names of the
//! accounts and of the OUs above them in AWS Organizations (`workloads-prod` under `Prod`).

use crate::config::{AccountId, AccountsConfig};
use koban_model as m;
use serde::Serialize;
use std::collections::BTreeSet;

/// A role an account plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountRole {
    Security,
    LogArchive,
    Cicd,
    Production,
    Development,
}

impl AccountRole {
    pub const ALL: [AccountRole; 5] =
        [AccountRole::Security, AccountRole::LogArchive, AccountRole::Cicd, AccountRole::Production, AccountRole::Development];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountRole::Security => "security",
            AccountRole::LogArchive => "log-archive",
            AccountRole::Cicd => "cicd",
            AccountRole::Production => "production",
            AccountRole::Development => "development",
        }
    }

    /// Name words that mark the role (compared with the words of account and OU names).
    fn words(self) -> &'static [&'static str] {
        match self {
            AccountRole::Security => &["security", "audit", "secops"],
            AccountRole::LogArchive => &["log", "logs", "logging", "archive"],
            AccountRole::Cicd => &["cicd", "ci", "cd", "deploy", "deployment", "deployments", "pipeline", "pipelines", "tooling"],
            AccountRole::Production => &["prod", "production", "prd"],
            AccountRole::Development => &["dev", "development", "test", "testing", "staging", "stage", "qa", "uat", "sandbox", "nonprod"],
        }
    }

    fn configured(self, c: &AccountsConfig) -> Option<&Vec<AccountId>> {
        match self {
            AccountRole::Security => c.security.as_ref(),
            AccountRole::LogArchive => c.log_archive.as_ref(),
            AccountRole::Cicd => c.cicd.as_ref(),
            AccountRole::Production => c.production.as_ref(),
            AccountRole::Development => c.development.as_ref(),
        }
    }
}

/// The lower-case words of a name (`Workloads-Prod` → `workloads`, `prod`).
fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_ascii_lowercase()).collect()
}

/// The accounts of each role, and where each role came from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AccountRoles {
    pub security: BTreeSet<String>,
    pub log_archive: BTreeSet<String>,
    pub cicd: BTreeSet<String>,
    pub production: BTreeSet<String>,
    pub development: BTreeSet<String>,
    /// Roles given in `koban.yaml` (the others were inferred from names).
    pub configured: Vec<AccountRole>,
}

impl AccountRoles {
    pub fn of(&self, role: AccountRole) -> &BTreeSet<String> {
        match role {
            AccountRole::Security => &self.security,
            AccountRole::LogArchive => &self.log_archive,
            AccountRole::Cicd => &self.cicd,
            AccountRole::Production => &self.production,
            AccountRole::Development => &self.development,
        }
    }

    fn of_mut(&mut self, role: AccountRole) -> &mut BTreeSet<String> {
        match role {
            AccountRole::Security => &mut self.security,
            AccountRole::LogArchive => &mut self.log_archive,
            AccountRole::Cicd => &mut self.cicd,
            AccountRole::Production => &mut self.production,
            AccountRole::Development => &mut self.development,
        }
    }

    /// How the accounts of `role` were found, for evidence.
    pub fn source(&self, role: AccountRole) -> &'static str {
        if self.configured.contains(&role) {
            "koban.yaml accounts"
        } else {
            "the names of accounts and OUs in AWS Organizations"
        }
    }

    /// Roles from `koban.yaml`, the rest from the organization's names. An account's name
    /// words decide before its OUs' (an account `workloads-dev` in an OU `Prod` is
    /// development); the management account plays no inferred role.
    pub fn new(twin: &m::Twin, config: &AccountsConfig) -> AccountRoles {
        let mut out = AccountRoles::default();
        let org = &twin.organizations;
        for role in AccountRole::ALL {
            if let Some(list) = role.configured(config) {
                out.configured.push(role);
                out.of_mut(role).extend(list.iter().map(|a| a.0.clone()));
            }
        }
        for a in org.accounts.values().filter(|a| !org.is_management_account(&a.id)) {
            let own = a.name.as_deref().map(words).unwrap_or_default();
            let path = org.path_of_account(&a.id).unwrap_or_default();
            let ous: Vec<String> =
                path.iter().filter_map(|id| org.units.get(id)).filter_map(|u| u.name.as_deref()).flat_map(words).collect();
            let has = |ws: &[String], role: AccountRole| ws.iter().any(|w| role.words().contains(&w.as_str()));
            for role in AccountRole::ALL {
                if out.configured.contains(&role) {
                    continue;
                }
                let environment = matches!(role, AccountRole::Production | AccountRole::Development);
                let by_own = has(&own, role);
                // For the environments, the account's own name wins over its OUs'.
                let own_env = has(&own, AccountRole::Production) || has(&own, AccountRole::Development);
                let by_ou = has(&ous, role) && !(environment && own_env);
                if by_own || by_ou {
                    out.of_mut(role).insert(a.id.clone());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(accounts: &[(&str, &str, &str)], units: &[(&str, &str, &str)]) -> m::Twin {
        let mut t = m::Twin::default();
        let o = &mut t.organizations;
        o.organization = Some(m::OrganizationInfo {
            id: "o-1".into(),
            arn: None,
            management_account: Some("555555555555".into()),
            feature_set: None,
            origin: m::Origin::default(),
        });
        for (id, name, parent) in units {
            o.units.insert(
                id.to_string(),
                m::OrganizationalUnit {
                    id: id.to_string(),
                    arn: None,
                    name: Some(name.to_string()),
                    parent: Some(parent.to_string()),
                    origin: m::Origin::default(),
                },
            );
        }
        for (id, name, parent) in accounts {
            o.accounts.insert(
                id.to_string(),
                m::OrgAccount {
                    id: id.to_string(),
                    arn: None,
                    name: Some(name.to_string()),
                    status: None,
                    parent: Some(parent.to_string()),
                    origin: m::Origin::default(),
                },
            );
        }
        t
    }

    #[test]
    fn roles_from_account_and_ou_names() {
        let t = org(
            &[
                ("111111111111", "workloads-prod", "ou-prod"),
                ("666666666666", "workloads-dev", "ou-prod"),
                ("333333333333", "Audit", "ou-sec"),
                ("777777777777", "log-archive", "ou-sec"),
                ("444444444444", "shared-services", "ou-deploy"),
                ("555555555555", "management", "r-1"),
            ],
            &[("ou-prod", "Prod", "r-1"), ("ou-sec", "Security", "r-1"), ("ou-deploy", "Deployments", "r-1")],
        );
        let r = AccountRoles::new(&t, &AccountsConfig::default());
        assert_eq!(r.production.iter().collect::<Vec<_>>(), ["111111111111"]);
        assert_eq!(r.development.iter().collect::<Vec<_>>(), ["666666666666"]);
        assert!(r.security.contains("333333333333") && r.security.contains("777777777777"));
        assert_eq!(r.log_archive.iter().collect::<Vec<_>>(), ["777777777777"]);
        assert_eq!(r.cicd.iter().collect::<Vec<_>>(), ["444444444444"]);
        let cfg = AccountsConfig { cicd: Some(vec![AccountId("999999999999".into())]), ..AccountsConfig::default() };
        let r = AccountRoles::new(&t, &cfg);
        assert_eq!(r.cicd.iter().collect::<Vec<_>>(), ["999999999999"]);
        assert_eq!(r.source(AccountRole::Cicd), "koban.yaml accounts");
    }
}
