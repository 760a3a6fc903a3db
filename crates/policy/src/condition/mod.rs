//! Condition evaluation: every operator, `…IfExists`, `ForAnyValue:`/`ForAllValues:` with
//! AWS's missing- and empty-key semantics, values ORed within a key, negated operators as
//! "matches none of the values", and all conditions of a statement ANDed.

pub mod operator;
pub mod values;

use crate::ast::{Condition, TypedValue};
use crate::context::{ContextValue, RequestContext};
use operator::{OperatorKind, SetOperator};

/// Whether every condition of a statement holds for the request.
pub fn all_conditions_match(conditions: &[Condition], ctx: &RequestContext) -> bool {
    conditions.iter().all(|c| condition_matches(c, ctx))
}

/// Whether one condition (operator, key, values) holds for the request.
pub fn condition_matches(cond: &Condition, ctx: &RequestContext) -> bool {
    let op = cond.operator;
    let value = ctx.get_lower(&cond.key_lower);
    match op.kind {
        OperatorKind::Unknown => return false,
        OperatorKind::Null => {
            let present = value.is_some();
            return cond.values.iter().any(|v| matches!(v.typed, TypedValue::Null(want_absent) if want_absent != present));
        }
        _ => {}
    }
    match op.set {
        Some(set) => {
            let Some(value) = value else {
                return match set {
                    SetOperator::ForAllValues => true,
                    SetOperator::ForAnyValue => op.if_exists,
                };
            };
            let mut request_values = value.values().iter();
            match set {
                SetOperator::ForAnyValue => request_values.any(|rv| single_value_matches(op.kind, cond, rv, ctx)),
                SetOperator::ForAllValues => request_values.all(|rv| single_value_matches(op.kind, cond, rv, ctx)),
            }
        }
        None => match value {
            None => op.if_exists || op.kind.is_negated(),
            Some(ContextValue::Multi(_)) => false,
            Some(ContextValue::Single(rv)) => single_value_matches(op.kind, cond, rv, ctx),
        },
    }
}

/// One request value against the condition's values: any value for a positive operator,
/// none of them (and all of them well-formed) for a negated one.
fn single_value_matches(kind: OperatorKind, cond: &Condition, rv: &str, ctx: &RequestContext) -> bool {
    if kind.is_negated() {
        cond.values.iter().all(|v| positive_compare(kind, &v.typed, rv, ctx) == Some(false))
    } else {
        cond.values.iter().any(|v| positive_compare(kind, &v.typed, rv, ctx) == Some(true))
    }
}

/// The positive form of the comparison (`StringNotEquals` compares as `StringEquals`);
/// `None` when the policy value or the request value cannot be compared. A policy variable
/// with no value is "effectively null": no value equals or is like it, so the positive
/// comparison is false and a negated operator matches (IAM User Guide, "Policy variables
/// with no value").
fn positive_compare(kind: OperatorKind, pv: &TypedValue, rv: &str, ctx: &RequestContext) -> Option<bool> {
    use OperatorKind::*;
    match (kind, pv) {
        (StringEquals | StringNotEquals | StringLike | StringNotLike, TypedValue::Text(p)) => Some(p.matches(rv, ctx).unwrap_or(false)),
        (StringEqualsIgnoreCase | StringNotEqualsIgnoreCase, TypedValue::Text(p)) => {
            let resolved = match p.as_literal() {
                Some(l) => return Some(l.eq_ignore_ascii_case(rv)),
                None => match p.resolved_text(ctx) {
                    Ok(r) => r,
                    Err(_) => return Some(false),
                },
            };
            Some(resolved.eq_ignore_ascii_case(rv))
        }
        (Bool, TypedValue::Text(p)) => {
            let want = match p.as_literal() {
                Some(l) => l.to_string(),
                None => match p.resolved_text(ctx) {
                    Ok(r) => r.to_ascii_lowercase(),
                    Err(_) => return Some(false),
                },
            };
            if want != "true" && want != "false" {
                return None;
            }
            let got = rv.trim();
            if !got.eq_ignore_ascii_case("true") && !got.eq_ignore_ascii_case("false") {
                return None;
            }
            Some(got.eq_ignore_ascii_case(&want))
        }
        (_, TypedValue::Number(n)) => {
            let r = values::parse_number(rv)?;
            Some(match kind {
                NumericEquals | NumericNotEquals => r == *n,
                NumericLessThan => r < *n,
                NumericLessThanEquals => r <= *n,
                NumericGreaterThan => r > *n,
                NumericGreaterThanEquals => r >= *n,
                _ => return None,
            })
        }
        (_, TypedValue::Date(d)) => {
            let r = values::parse_date(rv)?;
            Some(match kind {
                DateEquals | DateNotEquals => r == *d,
                DateLessThan => r < *d,
                DateLessThanEquals => r <= *d,
                DateGreaterThan => r > *d,
                DateGreaterThanEquals => r >= *d,
                _ => return None,
            })
        }
        (IpAddress | NotIpAddress, TypedValue::Ip(net)) => {
            let ip = values::parse_ip(rv)?;
            Some(net.contains(&ip))
        }
        (BinaryEquals, TypedValue::Binary(bytes)) => {
            let r = values::decode_base64(rv)?;
            Some(&r == bytes)
        }
        (ArnEquals | ArnLike | ArnNotEquals | ArnNotLike, TypedValue::Arn(p)) => {
            if p.is_arn() && crate::arn::Arn::parse(rv).is_none() {
                return None;
            }
            Some(p.matches(rv, ctx).unwrap_or(false))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_policy_str;

    fn ctx(keys: &[(&str, ContextValue)]) -> RequestContext {
        let mut b = RequestContext::builder();
        for (k, v) in keys {
            b = b.context(k, v.clone());
        }
        b.build()
    }

    fn cond(op: &str, key: &str, values: &str) -> Vec<Condition> {
        let doc = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":"*",
            "Condition":{{"{op}":{{"{key}":{values}}}}}}}}}"#
        );
        parse_policy_str(&doc).unwrap().statements[0].conditions.clone()
    }

    fn s(v: &str) -> ContextValue {
        ContextValue::Single(v.into())
    }

    fn m(v: &[&str]) -> ContextValue {
        ContextValue::Multi(v.iter().map(|x| x.to_string()).collect())
    }

    #[test]
    fn string_operators() {
        let c = ctx(&[("aws:PrincipalTag/team", s("blue"))]);
        assert!(all_conditions_match(&cond("StringEquals", "aws:principaltag/TEAM", r#"["red","blue"]"#), &c));
        assert!(!all_conditions_match(&cond("StringEquals", "aws:PrincipalTag/team", r#""BLUE""#), &c));
        assert!(all_conditions_match(&cond("StringEqualsIgnoreCase", "aws:PrincipalTag/team", r#""BLUE""#), &c));
        assert!(all_conditions_match(&cond("StringLike", "aws:PrincipalTag/team", r#""b?u*""#), &c));
        assert!(!all_conditions_match(&cond("StringNotEquals", "aws:PrincipalTag/team", r#"["red","blue"]"#), &c));
        assert!(all_conditions_match(&cond("StringNotEquals", "aws:PrincipalTag/team", r#"["red"]"#), &c));
        // negated operator on a missing key matches; positive does not; IfExists does
        assert!(all_conditions_match(&cond("StringNotEquals", "aws:SourceVpce", r#""vpce-1""#), &c));
        assert!(!all_conditions_match(&cond("StringEquals", "aws:SourceVpce", r#""vpce-1""#), &c));
        assert!(all_conditions_match(&cond("StringEqualsIfExists", "aws:SourceVpce", r#""vpce-1""#), &c));
    }

    #[test]
    fn set_operators() {
        let c = ctx(&[("aws:TagKeys", m(&["env", "team"])), ("aws:Empty", m(&[]))]);
        assert!(all_conditions_match(&cond("ForAllValues:StringEquals", "aws:TagKeys", r#"["env","team","cost"]"#), &c));
        assert!(!all_conditions_match(&cond("ForAllValues:StringEquals", "aws:TagKeys", r#"["env"]"#), &c));
        assert!(all_conditions_match(&cond("ForAnyValue:StringEquals", "aws:TagKeys", r#"["env"]"#), &c));
        assert!(all_conditions_match(&cond("ForAllValues:StringEquals", "aws:Missing", r#"["env"]"#), &c));
        assert!(!all_conditions_match(&cond("ForAnyValue:StringEquals", "aws:Missing", r#"["env"]"#), &c));
        assert!(all_conditions_match(&cond("ForAllValues:StringEquals", "aws:Empty", r#"["env"]"#), &c));
        assert!(!all_conditions_match(&cond("ForAnyValue:StringEquals", "aws:Empty", r#"["env"]"#), &c));
        // a multivalued key without a set operator never matches
        assert!(!all_conditions_match(&cond("StringEquals", "aws:TagKeys", r#"["env","team"]"#), &c));
    }

    #[test]
    fn typed_operators() {
        let c = ctx(&[
            ("aws:SourceIp", s("203.0.113.7")),
            ("aws:MultiFactorAuthAge", s("300")),
            ("aws:CurrentTime", s("2024-06-01T12:00:00Z")),
            ("aws:SecureTransport", s("true")),
            ("aws:SourceArn", s("arn:aws:sns:us-east-1:111122223333:topic")),
            ("s3:x", s("QmluYXJ5VmFsdWU=")),
        ]);
        assert!(all_conditions_match(&cond("IpAddress", "aws:SourceIp", r#""203.0.113.0/24""#), &c));
        assert!(!all_conditions_match(&cond("NotIpAddress", "aws:SourceIp", r#"["203.0.113.0/24","2001:db8::/32"]"#), &c));
        assert!(all_conditions_match(&cond("NumericLessThan", "aws:MultiFactorAuthAge", "3600"), &c));
        assert!(!all_conditions_match(&cond("NumericLessThan", "aws:MultiFactorAuthAge", r#""abc""#), &c));
        assert!(all_conditions_match(&cond("DateGreaterThan", "aws:CurrentTime", r#""2024-01-01""#), &c));
        assert!(all_conditions_match(&cond("DateLessThan", "aws:CurrentTime", r#""1893456000""#), &c));
        assert!(all_conditions_match(&cond("Bool", "aws:SecureTransport", "true"), &c));
        assert!(!all_conditions_match(&cond("Bool", "aws:SecureTransport", r#""false""#), &c));
        assert!(all_conditions_match(&cond("ArnLike", "aws:SourceArn", r#""arn:aws:sns:*:111122223333:*""#), &c));
        assert!(!all_conditions_match(&cond("ArnNotLike", "aws:SourceArn", r#""arn:aws:sns:*:111122223333:*""#), &c));
        assert!(all_conditions_match(&cond("BinaryEquals", "s3:x", r#""QmluYXJ5VmFsdWU=""#), &c));
        assert!(all_conditions_match(&cond("Null", "aws:TokenIssueTime", "true"), &c));
        assert!(all_conditions_match(&cond("Null", "aws:SourceIp", r#""false""#), &c));
    }

    #[test]
    fn variables_in_values() {
        let c = ctx(&[("aws:username", s("bob")), ("s3:prefix", s("home/bob/photos"))]);
        assert!(all_conditions_match(&cond("StringLike", "s3:prefix", r#""home/${aws:username}/*""#), &c));
        assert!(!all_conditions_match(&cond("StringLike", "s3:prefix", r#""home/${aws:userid}/*""#), &c));
        // a variable with no value is null: negated operators match it
        assert!(all_conditions_match(&cond("StringNotLike", "s3:prefix", r#""home/${aws:userid}/*""#), &c));
    }
}
