//! Amazon Cognito: user pools (sign-in: MFA, password policy, threat protection) and
//! identity pools (AWS credentials for app users: guest access and the roles they get).

use crate::{Origin, Placement};
use serde::Serialize;
use std::collections::BTreeMap;

/// A user pool's password policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PasswordPolicy {
    pub minimum_length: Option<u32>,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
}

/// A user pool (`cognito-idp describe-user-pool`).
#[derive(Debug, Clone, Serialize)]
pub struct UserPool {
    pub id: String,
    pub name: Option<String>,
    pub arn: Option<String>,
    pub placement: Placement,
    /// `MfaConfiguration`: `OFF`, `ON` or `OPTIONAL`.
    pub mfa: Option<String>,
    pub password_policy: Option<PasswordPolicy>,
    /// `UserPoolAddOns.AdvancedSecurityMode`: `OFF`, `AUDIT` or `ENFORCED`.
    pub advanced_security: Option<String>,
    pub origin: Origin,
}

/// An identity pool (`cognito-identity describe-identity-pool`) with its roles
/// (`cognito-identity get-identity-pool-roles`).
#[derive(Debug, Clone, Serialize)]
pub struct IdentityPool {
    pub id: String,
    pub name: Option<String>,
    pub placement: Placement,
    pub allow_unauthenticated: bool,
    /// `AllowClassicFlow`.
    pub classic_flow: bool,
    pub authenticated_role: Option<String>,
    pub unauthenticated_role: Option<String>,
    /// True when the pool's roles are in the input.
    pub roles_collected: bool,
    pub origin: Origin,
}

/// The twin's Cognito resources, by id.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Cognito {
    pub user_pools: BTreeMap<String, UserPool>,
    pub identity_pools: BTreeMap<String, IdentityPool>,
}

impl Cognito {
    /// Give identity pool `pool` its roles (read apart from the pool); false when the pool is
    /// not in the twin.
    pub fn set_identity_pool_roles(&mut self, pool: &str, authenticated: Option<String>, unauthenticated: Option<String>) -> bool {
        let Some(p) = self.identity_pools.get_mut(pool) else { return false };
        p.authenticated_role = authenticated;
        p.unauthenticated_role = unauthenticated;
        p.roles_collected = true;
        true
    }
}
