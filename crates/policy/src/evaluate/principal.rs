//! Principal matching: how a caller matches the `Principal` / `NotPrincipal` element of a
//! resource-based (or endpoint, or RCP) policy statement, and at which level — the caller
//! itself, the role or IAM user behind a session, or only its account.

use crate::ast::{PrincipalArnKind, PrincipalElement, PrincipalEntry};
use crate::context::{ArnCallerKind, Caller};

/// How a statement's principal element matched the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalMatch {
    /// Not matched: the statement does not apply.
    None,
    /// Matched only through the caller's account (`arn:aws:iam::ACCOUNT:root` or the id).
    Account,
    /// Matched the IAM user that created a federated-user session.
    SessionUser,
    /// Matched the role of an assumed-role session (by role ARN).
    SessionRole,
    /// Matched the caller by its own ARN (or service, provider, canonical user).
    Direct,
    /// Matched by `"*"` (or applied through `NotPrincipal`).
    Wildcard,
}

/// How the caller matches a statement's principal element. `has_boundary` implements the
/// documented rule that a `Deny` with `NotPrincipal` always applies to a principal with a
/// permissions boundary.
pub fn match_principal(elem: &PrincipalElement, caller: &Caller, deny: bool, has_boundary: bool) -> PrincipalMatch {
    if !elem.negated {
        return elem.principals.iter().map(|p| match_entry(p, caller)).max().unwrap_or(PrincipalMatch::None);
    }
    if deny && has_boundary && matches!(caller, Caller::Arn { .. }) {
        return PrincipalMatch::Wildcard;
    }
    if caller_excluded(&elem.principals, caller) {
        PrincipalMatch::None
    } else {
        PrincipalMatch::Wildcard
    }
}

fn match_entry(p: &PrincipalEntry, caller: &Caller) -> PrincipalMatch {
    match (p, caller) {
        (PrincipalEntry::Wildcard, _) => PrincipalMatch::Wildcard,
        (_, Caller::Anonymous) => PrincipalMatch::None,
        (PrincipalEntry::Account { account, .. }, Caller::Arn { account: a, .. }) if account == a => PrincipalMatch::Account,
        (PrincipalEntry::Arn { arn, kind }, Caller::Arn { arn: caller_arn, kind: ck, account: ca, partition: cp }) => {
            if arn == caller_arn {
                return PrincipalMatch::Direct;
            }
            match (kind, ck) {
                (PrincipalArnKind::Role { name, partition, account }, ArnCallerKind::AssumedRole { role_name, .. })
                    if account == ca && partition == cp && name.eq_ignore_ascii_case(role_name) =>
                {
                    PrincipalMatch::SessionRole
                }
                (PrincipalArnKind::User, ArnCallerKind::FederatedUser { user_arn }) if arn == user_arn => PrincipalMatch::SessionUser,
                _ => PrincipalMatch::None,
            }
        }
        (PrincipalEntry::Service(s), Caller::Service(c)) if s == c => PrincipalMatch::Direct,
        (PrincipalEntry::Federated(s) | PrincipalEntry::CanonicalUser(s), c) if s == c.text() => PrincipalMatch::Direct,
        _ => PrincipalMatch::None,
    }
}

/// `NotPrincipal` excludes a caller only if every identity layer of the request is listed:
/// the account, the user or role, and the session (AWS documents that a `NotPrincipal` must
/// name the account as well as the user, and the role as well as its session).
fn caller_excluded(entries: &[PrincipalEntry], caller: &Caller) -> bool {
    if entries.iter().any(|e| matches!(e, PrincipalEntry::Wildcard)) {
        return true;
    }
    let has = |f: &dyn Fn(PrincipalMatch) -> bool| entries.iter().any(|e| f(match_entry(e, caller)));
    match caller {
        Caller::Anonymous => false,
        Caller::Service(_) | Caller::Other(_) => has(&|m| m == PrincipalMatch::Direct),
        Caller::Arn { kind, .. } => {
            let account = has(&|m| m == PrincipalMatch::Account);
            let direct = has(&|m| m == PrincipalMatch::Direct);
            match kind {
                ArnCallerKind::Root => account,
                ArnCallerKind::AssumedRole { .. } => account && direct && has(&|m| m == PrincipalMatch::SessionRole),
                ArnCallerKind::FederatedUser { .. } => account && direct,
                _ => account && direct,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::aws_principal;

    fn elem(negated: bool, arns: &[&str]) -> PrincipalElement {
        PrincipalElement { negated, principals: arns.iter().map(|a| aws_principal(a)).collect() }
    }

    #[test]
    fn levels() {
        let session = Caller::parse("arn:aws:sts::111122223333:assumed-role/App/i-1");
        assert_eq!(
            match_principal(&elem(false, &["arn:aws:iam::111122223333:role/path/app"]), &session, false, false),
            PrincipalMatch::SessionRole
        );
        assert_eq!(match_principal(&elem(false, &["111122223333"]), &session, false, false), PrincipalMatch::Account);
        assert_eq!(
            match_principal(&elem(false, &["arn:aws:sts::111122223333:assumed-role/App/i-1"]), &session, false, false),
            PrincipalMatch::Direct
        );
        assert_eq!(match_principal(&elem(false, &["*"]), &Caller::Anonymous, false, false), PrincipalMatch::Wildcard);
        assert_eq!(match_principal(&elem(false, &["111122223333"]), &Caller::Anonymous, false, false), PrincipalMatch::None);
    }

    #[test]
    fn not_principal_needs_every_layer() {
        let bob = Caller::parse("arn:aws:iam::444455556666:user/Bob");
        let only_bob = elem(true, &["arn:aws:iam::444455556666:user/Bob"]);
        assert_eq!(match_principal(&only_bob, &bob, true, false), PrincipalMatch::Wildcard);
        let bob_and_account = elem(true, &["arn:aws:iam::444455556666:user/Bob", "arn:aws:iam::444455556666:root"]);
        assert_eq!(match_principal(&bob_and_account, &bob, true, false), PrincipalMatch::None);
        // with a permissions boundary, Deny + NotPrincipal always applies
        assert_eq!(match_principal(&bob_and_account, &bob, true, true), PrincipalMatch::Wildcard);
    }
}
