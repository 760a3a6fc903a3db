//! Who makes a request: a principal named on the command line (an ARN, a role or user name,
//! an instance id, an account, a service, `anonymous`) resolved against the twin, with the
//! identity-side policies AWS evaluates for it (inline, attached and group policies, the
//! permissions boundary) and the request-context keys the twin settles for it.

use super::index::{AccessIndex, DocKey};
use super::settle::Knowledge;
use super::AccessError;
use koban_model as m;
use koban_policy::arn::{is_account_id, Arn};
use koban_policy::context::is_service_principal;
use koban_policy::{Caller, ContextValue, NamedPolicy};

/// A resolved principal.
#[derive(Debug, Clone)]
pub enum Principal<'t> {
    /// An IAM role, calling as an assumed-role session named `session`.
    Role { role: &'t m::IamRole, session: String, instance: Option<&'t m::Instance> },
    /// An IAM user.
    User(&'t m::IamUser),
    /// The root user of an account.
    Root(String),
    /// An IAM or STS principal the twin does not describe (another account's role, …).
    External { arn: String, account: Option<String> },
    /// An AWS service principal (`events.amazonaws.com`) or identity provider.
    Service(String),
    /// An unsigned request.
    Anonymous,
}

/// The default session name for a role named without an instance.
pub const DEFAULT_SESSION: &str = "koban-session";

fn partition_of(arn: &str) -> &str {
    Arn::parse(arn).map_or("aws", |a| a.partition)
}

impl<'t> Principal<'t> {
    /// The caller ARN (or service, or `anonymous`) the request is signed as.
    pub fn caller_text(&self) -> String {
        match self {
            Principal::Role { role, session, .. } => {
                format!("arn:{}:sts::{}:assumed-role/{}/{session}", partition_of(&role.arn), role.account, role.name)
            }
            Principal::User(u) => u.arn.clone(),
            Principal::Root(a) => format!("arn:aws:iam::{a}:root"),
            Principal::External { arn, .. } => arn.clone(),
            Principal::Service(s) => s.clone(),
            Principal::Anonymous => "anonymous".into(),
        }
    }

    /// The policy engine's view of the caller.
    pub fn caller(&self) -> Caller {
        Caller::parse(&self.caller_text())
    }

    /// The principal's account.
    pub fn account(&self) -> Option<&str> {
        match self {
            Principal::Role { role, .. } => Some(&role.account),
            Principal::User(u) => Some(&u.account),
            Principal::Root(a) => Some(a),
            Principal::External { account, .. } => account.as_deref(),
            Principal::Service(_) | Principal::Anonymous => None,
        }
    }

    /// How answers name the principal: the role or user ARN, the account root, …
    pub fn label(&self) -> String {
        match self {
            Principal::Role { role, .. } => role.arn.clone(),
            _ => self.caller_text(),
        }
    }

    /// `role`, `user`, `account`, `external`, `service` or `anonymous`.
    pub fn kind(&self) -> &'static str {
        match self {
            Principal::Role { .. } => "role",
            Principal::User(_) => "user",
            Principal::Root(_) => "account",
            Principal::External { .. } => "external",
            Principal::Service(_) => "service",
            Principal::Anonymous => "anonymous",
        }
    }

    /// Whether the twin holds this principal's identity-based policies.
    pub fn identity_known(&self) -> bool {
        matches!(self, Principal::Role { .. } | Principal::User(_) | Principal::Root(_) | Principal::Service(_) | Principal::Anonymous)
    }
}

/// Resolve a `--principal` value. `from` is the instance the request is made from, if any
/// (its id becomes the session name of a role, as EC2 names instance-profile sessions).
pub fn resolve<'t>(twin: &'t m::Twin, text: &str, from: Option<&'t m::Instance>) -> Result<Principal<'t>, AccessError> {
    let text = text.trim();
    let iam = &twin.iam;
    let session_for = |role: &m::IamRole| -> (String, Option<&'t m::Instance>) {
        match from {
            Some(i) if instance_role(twin, i).is_some_and(|r| r.arn == role.arn) => (i.id.clone(), Some(i)),
            _ => (DEFAULT_SESSION.to_string(), None),
        }
    };
    if text == "anonymous" || text == "*" {
        return Ok(Principal::Anonymous);
    }
    if is_account_id(text) {
        return Ok(Principal::Root(text.to_string()));
    }
    if text.starts_with("i-") {
        let inst = twin.instances.get(text).ok_or_else(|| AccessError::UnknownPrincipal(text.into()))?;
        let role = instance_role(twin, inst).ok_or_else(|| AccessError::NoInstanceRole(text.into()))?;
        return Ok(Principal::Role { role, session: inst.id.clone(), instance: Some(inst) });
    }
    if is_service_principal(text) {
        return Ok(Principal::Service(text.to_string()));
    }
    if let Some(arn) = Arn::parse(text) {
        let account = (!arn.account.is_empty()).then(|| arn.account.to_string());
        let external = || Principal::External { arn: text.to_string(), account: account.clone() };
        return Ok(match (arn.service, arn.resource.split_once('/')) {
            ("iam", None) if arn.resource == "root" => Principal::Root(arn.account.to_string()),
            ("iam", Some(("role", rest))) => {
                let name = rest.rsplit('/').next().unwrap_or(rest);
                match iam.roles.get(text).or_else(|| iam.role_named(arn.account, name)) {
                    Some(role) => {
                        let (session, instance) = session_for(role);
                        Principal::Role { role, session, instance }
                    }
                    None => external(),
                }
            }
            ("sts", Some(("assumed-role", rest))) => match rest.split_once('/') {
                Some((name, session)) => match iam.role_named(arn.account, name) {
                    Some(role) => {
                        let instance = from.filter(|i| i.id == session);
                        Principal::Role { role, session: session.to_string(), instance }
                    }
                    None => external(),
                },
                None => external(),
            },
            ("iam", Some(("user", _))) => match iam.users.get(text) {
                Some(u) => Principal::User(u),
                None => external(),
            },
            _ => external(),
        });
    }
    // A bare role or user name.
    let roles: Vec<&m::IamRole> = iam.roles.values().filter(|r| r.name == text).collect();
    let users: Vec<&m::IamUser> = iam.users.values().filter(|u| u.name == text).collect();
    match (roles.as_slice(), users.as_slice()) {
        ([role], []) => {
            let (session, instance) = session_for(role);
            Ok(Principal::Role { role, session, instance })
        }
        ([], [user]) => Ok(Principal::User(user)),
        ([], []) => Err(AccessError::UnknownPrincipal(text.into())),
        _ => Err(AccessError::AmbiguousPrincipal(
            text.into(),
            roles.iter().map(|r| r.arn.clone()).chain(users.iter().map(|u| u.arn.clone())).collect(),
        )),
    }
}

/// The role an instance's profile passes it.
pub fn instance_role<'t>(twin: &'t m::Twin, inst: &m::Instance) -> Option<&'t m::IamRole> {
    twin.iam.role_of_instance_profile(inst.iam_instance_profile.as_deref()?)
}

/// The identity-based policies and permissions boundary AWS evaluates for the principal.
pub struct IdentitySide {
    pub identity: Vec<NamedPolicy>,
    pub boundaries: Vec<NamedPolicy>,
}

fn managed_and_inline(
    ix: &AccessIndex,
    owner: &str,
    inline: &[m::InlinePolicy],
    attached: &[m::AttachedPolicy],
    out: &mut Vec<NamedPolicy>,
    unknowns: &mut Vec<String>,
) {
    for p in inline {
        if let Some(d) = ix.doc_or_note(&DocKey::Inline(owner.to_string(), p.name.clone()), &format!("inline policy {}", p.name), unknowns)
        {
            out.push(d.clone());
        }
    }
    for a in attached {
        if let Some(d) = ix.doc_or_note(&DocKey::Managed(a.arn.clone()), &format!("managed policy {} attached to {owner}", a.arn), unknowns)
        {
            out.push(d.clone());
        }
    }
}

/// Gather the identity side of a principal.
pub fn identity_side(ix: &AccessIndex, p: &Principal, unknowns: &mut Vec<String>) -> IdentitySide {
    let mut identity = Vec::new();
    let mut boundaries = Vec::new();
    let mut boundary = |arn: Option<&String>, unknowns: &mut Vec<String>| {
        if let Some(b) = arn {
            if let Some(d) = ix.doc_or_note(&DocKey::Managed(b.clone()), &format!("permissions boundary {b}"), unknowns) {
                boundaries.push(d.clone());
            }
        }
    };
    match p {
        Principal::Role { role, .. } => {
            managed_and_inline(ix, &role.arn, &role.inline_policies, &role.attached_policies, &mut identity, unknowns);
            boundary(role.permissions_boundary.as_ref(), unknowns);
        }
        Principal::User(u) => {
            managed_and_inline(ix, &u.arn, &u.inline_policies, &u.attached_policies, &mut identity, unknowns);
            for g in &u.groups {
                match ix.twin.iam.group_named(&u.account, g) {
                    Some(group) => {
                        managed_and_inline(ix, &group.arn, &group.inline_policies, &group.attached_policies, &mut identity, unknowns)
                    }
                    None => unknowns.push(format!("group {g} of {} is not in the snapshot (its policies are left out)", u.arn)),
                }
            }
            boundary(u.permissions_boundary.as_ref(), unknowns);
        }
        Principal::External { arn, .. } => {
            unknowns.push(format!("{arn}: its identity-based policies are not in the snapshot"));
        }
        Principal::Root(_) | Principal::Service(_) | Principal::Anonymous => {}
    }
    IdentitySide { identity, boundaries }
}

/// The context keys the twin settles for the principal, and which absent keys are known to
/// be absent.
pub fn principal_keys(ix: &AccessIndex, p: &Principal, keys: &mut Vec<(String, ContextValue)>, know: &mut Knowledge) {
    let single = |k: &str, v: &str| (k.to_string(), ContextValue::Single(v.to_string()));
    know.absent(&[
        "aws:calledvia",
        "aws:calledviafirst",
        "aws:calledvialast",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
    ]);
    let org_keys = |account: &str, keys: &mut Vec<(String, ContextValue)>, know: &mut Knowledge| {
        if ix.twin.organizations.organization.is_none() {
            return;
        }
        know.absent(&["aws:principalorgid", "aws:principalorgpaths"]);
        if let Some(id) = ix.org_id_of(account) {
            keys.push(single("aws:PrincipalOrgID", id));
        }
        if let Some(path) = ix.twin.organizations.org_path(account) {
            keys.push(("aws:PrincipalOrgPaths".into(), ContextValue::Multi(vec![path])));
        }
    };
    match p {
        Principal::Role { role, session, instance } => {
            keys.push(single("aws:PrincipalArn", &role.arn));
            keys.push(single("aws:PrincipalAccount", &role.account));
            keys.push(single("aws:PrincipalType", "AssumedRole"));
            keys.push(single("aws:PrincipalIsAWSService", "false"));
            keys.push(single("aws:ViaAWSService", "false"));
            if let Some(id) = &role.id {
                keys.push(single("aws:userid", &format!("{id}:{session}")));
            }
            for (k, v) in &role.tags {
                keys.push(single(&format!("aws:PrincipalTag/{k}"), v));
            }
            know.absent_prefix("aws:principaltag/");
            know.absent(&["aws:username", "aws:federatedprovider"]);
            if let Some(inst) = instance {
                // Instance-profile credentials: no MFA, no source identity; EC2 adds the
                // instance's ARN.
                know.absent(&["aws:multifactorauthpresent", "aws:multifactorauthage", "aws:sourceidentity"]);
                if let (Some(region), Some(account)) = (&inst.placement.region, &inst.placement.account) {
                    keys.push(single("ec2:SourceInstanceARN", &format!("arn:aws:ec2:{region}:{account}:instance/{}", inst.id)));
                }
            }
            org_keys(&role.account, keys, know);
        }
        Principal::User(u) => {
            keys.push(single("aws:PrincipalArn", &u.arn));
            keys.push(single("aws:PrincipalAccount", &u.account));
            keys.push(single("aws:PrincipalType", "User"));
            keys.push(single("aws:PrincipalIsAWSService", "false"));
            keys.push(single("aws:ViaAWSService", "false"));
            keys.push(single("aws:username", &u.name));
            if let Some(id) = &u.id {
                keys.push(single("aws:userid", id));
            }
            for (k, v) in &u.tags {
                keys.push(single(&format!("aws:PrincipalTag/{k}"), v));
            }
            know.absent_prefix("aws:principaltag/");
            know.absent(&["aws:federatedprovider", "aws:tokenissuetime", "aws:sourceidentity"]);
            org_keys(&u.account, keys, know);
        }
        Principal::Root(a) => {
            keys.push(single("aws:PrincipalArn", &format!("arn:aws:iam::{a}:root")));
            keys.push(single("aws:PrincipalAccount", a));
            keys.push(single("aws:PrincipalType", "Account"));
            keys.push(single("aws:PrincipalIsAWSService", "false"));
            keys.push(single("aws:ViaAWSService", "false"));
            keys.push(single("aws:userid", a));
            know.absent_prefix("aws:principaltag/");
            org_keys(a, keys, know);
        }
        Principal::External { arn, account } => {
            let principal_arn = match Caller::parse(arn) {
                Caller::Arn { kind: koban_policy::context::ArnCallerKind::AssumedRole { role_arn, .. }, .. } => role_arn,
                _ => arn.clone(),
            };
            keys.push(single("aws:PrincipalArn", &principal_arn));
            if let Some(a) = account {
                keys.push(single("aws:PrincipalAccount", a));
                org_keys(a, keys, know);
            }
            keys.push(single("aws:PrincipalIsAWSService", "false"));
        }
        Principal::Service(s) => {
            keys.push(single("aws:PrincipalIsAWSService", "true"));
            keys.push(single("aws:PrincipalServiceName", s));
            know.absent(&[
                "aws:principalarn",
                "aws:principalaccount",
                "aws:principalorgid",
                "aws:principalorgpaths",
                "aws:userid",
                "aws:username",
            ]);
            know.absent_prefix("aws:principaltag/");
        }
        Principal::Anonymous => {
            keys.push(single("aws:PrincipalType", "Anonymous"));
            know.absent(&[
                "aws:principalarn",
                "aws:principalaccount",
                "aws:principalorgid",
                "aws:principalorgpaths",
                "aws:userid",
                "aws:username",
                "aws:principalisawsservice",
                "aws:multifactorauthpresent",
            ]);
            know.absent_prefix("aws:principaltag/");
        }
    }
}
