//! Amazon Cognito: user pools (MFA, password policy — Cognito's default when none is given —
//! and threat protection), identity pools and their role attachments.

use super::{Res, R};
use crate::cloudformation::service_attributes::{identity_pool_id, user_pool_id};
use crate::iac::Assembly;
use koban_model as m;

pub fn user_pool(r: &Res, a: &mut Assembly) -> R<()> {
    let place = &r.r.place;
    let id = user_pool_id(&r.r.base, place);
    let password_policy = match r.sub("Policies").and_then(|p| p.get("PasswordPolicy")) {
        None => m::PasswordPolicy {
            minimum_length: Some(8),
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
        },
        Some(p) => m::PasswordPolicy {
            minimum_length: match super::text(p.get("MinimumLength"), "PasswordPolicy.MinimumLength", p.pos)? {
                None => None,
                Some(n) => Some(n.trim().parse().map_err(|_| r.err(p.pos, format!("MinimumLength: expected a number, got {n:?}")))?),
            },
            require_uppercase: super::flag(p.get("RequireUppercase"), "RequireUppercase", false)?,
            require_lowercase: super::flag(p.get("RequireLowercase"), "RequireLowercase", false)?,
            require_numbers: super::flag(p.get("RequireNumbers"), "RequireNumbers", false)?,
            require_symbols: super::flag(p.get("RequireSymbols"), "RequireSymbols", false)?,
        },
    };
    let advanced_security = match r.sub("UserPoolAddOns") {
        Some(x) => super::text(x.get("AdvancedSecurityMode"), "UserPoolAddOns.AdvancedSecurityMode", x.pos)?,
        None => None,
    };
    a.user_pool(m::UserPool {
        arn: Some(format!("arn:{}:cognito-idp:{}:{}:userpool/{id}", place.partition, place.region, place.account)),
        id,
        name: r.opt("UserPoolName")?,
        placement: r.placement(),
        mfa: Some(r.opt("MfaConfiguration")?.unwrap_or_else(|| "OFF".into())),
        password_policy: Some(password_policy),
        advanced_security,
        origin: r.origin(),
    });
    Ok(())
}

pub fn identity_pool(r: &Res, a: &mut Assembly) -> R<()> {
    a.identity_pool(m::IdentityPool {
        id: identity_pool_id(&r.r.base, &r.r.place),
        name: r.opt("IdentityPoolName")?,
        placement: r.placement(),
        allow_unauthenticated: r.flag("AllowUnauthenticatedIdentities", false)?,
        classic_flow: r.flag("AllowClassicFlow", false)?,
        authenticated_role: None,
        unauthenticated_role: None,
        roles_collected: true,
        origin: r.origin(),
    });
    Ok(())
}

pub fn identity_pool_roles(r: &Res, a: &mut Assembly) -> R<()> {
    let pool = r.req("IdentityPoolId")?;
    let (auth, unauth) = match r.sub("Roles") {
        Some(roles) => (
            super::text(roles.get("authenticated"), "Roles.authenticated", roles.pos)?,
            super::text(roles.get("unauthenticated"), "Roles.unauthenticated", roles.pos)?,
        ),
        None => (None, None),
    };
    a.identity_pool_roles(&pool, auth, unauth, &r.origin());
    Ok(())
}
