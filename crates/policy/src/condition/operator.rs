//! Condition operator names: the base operators AWS defines, the `ForAnyValue:` /
//! `ForAllValues:` set qualifiers and the `…IfExists` suffix, parsed from and printed as
//! the text a policy uses.

/// A base condition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperatorKind {
    /// `StringEquals`.
    StringEquals,
    /// `StringNotEquals`.
    StringNotEquals,
    /// `StringEqualsIgnoreCase`.
    StringEqualsIgnoreCase,
    /// `StringNotEqualsIgnoreCase`.
    StringNotEqualsIgnoreCase,
    /// `StringLike`.
    StringLike,
    /// `StringNotLike`.
    StringNotLike,
    /// `NumericEquals`.
    NumericEquals,
    /// `NumericNotEquals`.
    NumericNotEquals,
    /// `NumericLessThan`.
    NumericLessThan,
    /// `NumericLessThanEquals`.
    NumericLessThanEquals,
    /// `NumericGreaterThan`.
    NumericGreaterThan,
    /// `NumericGreaterThanEquals`.
    NumericGreaterThanEquals,
    /// `DateEquals`.
    DateEquals,
    /// `DateNotEquals`.
    DateNotEquals,
    /// `DateLessThan`.
    DateLessThan,
    /// `DateLessThanEquals`.
    DateLessThanEquals,
    /// `DateGreaterThan`.
    DateGreaterThan,
    /// `DateGreaterThanEquals`.
    DateGreaterThanEquals,
    /// `Bool`.
    Bool,
    /// `BinaryEquals`.
    BinaryEquals,
    /// `IpAddress`.
    IpAddress,
    /// `NotIpAddress`.
    NotIpAddress,
    /// `ArnEquals`.
    ArnEquals,
    /// `ArnLike`.
    ArnLike,
    /// `ArnNotEquals`.
    ArnNotEquals,
    /// `ArnNotLike`.
    ArnNotLike,
    /// `Null`.
    Null,
    /// Anything else; a condition with an unknown operator never matches.
    Unknown,
}

/// The family an operator belongs to, which decides how its values are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorFamily {
    /// String operators.
    String,
    /// Numeric operators.
    Numeric,
    /// Date operators.
    Date,
    /// `Bool`.
    Bool,
    /// `BinaryEquals`.
    Binary,
    /// IP address operators.
    Ip,
    /// ARN operators.
    Arn,
    /// `Null`.
    Null,
    /// Unknown operators.
    Unknown,
}

const NAMES: &[(&str, OperatorKind)] = &[
    ("StringEquals", OperatorKind::StringEquals),
    ("StringNotEquals", OperatorKind::StringNotEquals),
    ("StringEqualsIgnoreCase", OperatorKind::StringEqualsIgnoreCase),
    ("StringNotEqualsIgnoreCase", OperatorKind::StringNotEqualsIgnoreCase),
    ("StringLike", OperatorKind::StringLike),
    ("StringNotLike", OperatorKind::StringNotLike),
    ("NumericEquals", OperatorKind::NumericEquals),
    ("NumericNotEquals", OperatorKind::NumericNotEquals),
    ("NumericLessThan", OperatorKind::NumericLessThan),
    ("NumericLessThanEquals", OperatorKind::NumericLessThanEquals),
    ("NumericGreaterThan", OperatorKind::NumericGreaterThan),
    ("NumericGreaterThanEquals", OperatorKind::NumericGreaterThanEquals),
    ("DateEquals", OperatorKind::DateEquals),
    ("DateNotEquals", OperatorKind::DateNotEquals),
    ("DateLessThan", OperatorKind::DateLessThan),
    ("DateLessThanEquals", OperatorKind::DateLessThanEquals),
    ("DateGreaterThan", OperatorKind::DateGreaterThan),
    ("DateGreaterThanEquals", OperatorKind::DateGreaterThanEquals),
    ("Bool", OperatorKind::Bool),
    ("BinaryEquals", OperatorKind::BinaryEquals),
    ("IpAddress", OperatorKind::IpAddress),
    ("NotIpAddress", OperatorKind::NotIpAddress),
    ("ArnEquals", OperatorKind::ArnEquals),
    ("ArnLike", OperatorKind::ArnLike),
    ("ArnNotEquals", OperatorKind::ArnNotEquals),
    ("ArnNotLike", OperatorKind::ArnNotLike),
    ("Null", OperatorKind::Null),
];

impl OperatorKind {
    /// The operator's canonical name.
    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(_, k)| *k == self).map_or("Unknown", |(n, _)| n)
    }

    /// Looks a base operator up by name (case-insensitively, as IAM reads them).
    pub fn from_name(name: &str) -> Option<OperatorKind> {
        NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, k)| *k)
    }

    /// Whether the operator is negated (`…Not…`): true on a missing key, NOR over values.
    pub fn is_negated(self) -> bool {
        use OperatorKind::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// The operator's family.
    pub fn family(self) -> OperatorFamily {
        use OperatorKind::*;
        match self {
            StringEquals | StringNotEquals | StringEqualsIgnoreCase | StringNotEqualsIgnoreCase | StringLike | StringNotLike => {
                OperatorFamily::String
            }
            NumericEquals | NumericNotEquals | NumericLessThan | NumericLessThanEquals | NumericGreaterThan | NumericGreaterThanEquals => {
                OperatorFamily::Numeric
            }
            DateEquals | DateNotEquals | DateLessThan | DateLessThanEquals | DateGreaterThan | DateGreaterThanEquals => {
                OperatorFamily::Date
            }
            Bool => OperatorFamily::Bool,
            BinaryEquals => OperatorFamily::Binary,
            IpAddress | NotIpAddress => OperatorFamily::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => OperatorFamily::Arn,
            Null => OperatorFamily::Null,
            Unknown => OperatorFamily::Unknown,
        }
    }
}

/// `ForAnyValue:` or `ForAllValues:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOperator {
    /// True if at least one request value matches (false for a missing or empty key).
    ForAnyValue,
    /// True if every request value matches (true for a missing or empty key).
    ForAllValues,
}

/// A full condition operator: optional set qualifier, base operator, optional `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConditionOperator {
    /// `ForAnyValue:` / `ForAllValues:`.
    pub set: Option<SetOperator>,
    /// The base operator.
    pub kind: OperatorKind,
    /// The `…IfExists` suffix.
    pub if_exists: bool,
}

impl ConditionOperator {
    /// Parses an operator as written (`ForAnyValue:StringLikeIfExists`); unknown base
    /// operators parse as [`OperatorKind::Unknown`].
    pub fn parse(text: &str) -> ConditionOperator {
        let (set, rest) = match text.split_once(':') {
            Some((q, rest)) if q.eq_ignore_ascii_case("ForAnyValue") => (Some(SetOperator::ForAnyValue), rest),
            Some((q, rest)) if q.eq_ignore_ascii_case("ForAllValues") => (Some(SetOperator::ForAllValues), rest),
            Some(_) => return ConditionOperator { set: None, kind: OperatorKind::Unknown, if_exists: false },
            None => (None, text),
        };
        let (kind, if_exists) = match OperatorKind::from_name(rest) {
            Some(k) => (k, false),
            None => {
                let lower = rest.to_ascii_lowercase();
                match lower.strip_suffix("ifexists").and_then(OperatorKind::from_name) {
                    Some(k) => (k, true),
                    None => (OperatorKind::Unknown, false),
                }
            }
        };
        ConditionOperator { set, kind, if_exists }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_qualified_operators() {
        let op = ConditionOperator::parse("ForAllValues:StringLikeIfExists");
        assert_eq!(op.set, Some(SetOperator::ForAllValues));
        assert_eq!(op.kind, OperatorKind::StringLike);
        assert!(op.if_exists);
        assert_eq!(ConditionOperator::parse("StringEqualz").kind, OperatorKind::Unknown);
        assert_eq!(ConditionOperator::parse("Foo:StringEquals").kind, OperatorKind::Unknown);
        assert!(OperatorKind::NotIpAddress.is_negated());
        assert_eq!(OperatorKind::ArnLike.name(), "ArnLike");
    }
}
