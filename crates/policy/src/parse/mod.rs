//! JSON → [`PolicyDocument`]: reads a policy exactly as AWS accepts it (Statement as object or
//! list, every Principal form, string-or-list elements, Condition blocks with string, number
//! and boolean values), compiling patterns as it goes. A document may also be given as a JSON
//! string holding the document, as AWS APIs return policies. Every error carries the JSON
//! path where the document went wrong.

mod err;

pub use err::ParseError;

use serde_json::{Map, Value};

use crate::arn::{is_account_id, Arn, ArnPattern};
use crate::ast::*;
use crate::condition::operator::ConditionOperator;
use crate::condition::values::type_value;
use crate::pattern::{Pattern, PatternSyntax};

const TOP_ELEMENTS: &str = "Version, Id, Statement";
const STATEMENT_ELEMENTS: &str = "Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition";
const PRINCIPAL_KEYS: &str = "AWS, Service, Federated, CanonicalUser";

/// Parses policy text (a JSON document, or a JSON string holding one).
pub fn parse_policy_str(text: &str) -> Result<PolicyDocument, ParseError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| ParseError::InvalidJson { message: e.to_string(), line: e.line(), column: e.column() })?;
    parse_policy(&value)
}

/// Parses a policy given as a JSON value (an object, or a string holding the document).
pub fn parse_policy(value: &Value) -> Result<PolicyDocument, ParseError> {
    match value {
        Value::String(s) => {
            let inner: Value = serde_json::from_str(s).map_err(|e| ParseError::InvalidJson {
                message: format!("policy string: {e}"),
                line: e.line(),
                column: e.column(),
            })?;
            match inner {
                Value::Object(map) => parse_document(&map),
                other => Err(type_error("", "a policy document object", &other)),
            }
        }
        Value::Object(map) => parse_document(map),
        other => Err(type_error("", "a policy document object", other)),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn type_error(path: &str, expected: &'static str, found: &Value) -> ParseError {
    ParseError::ExpectedType { path: path.to_string(), expected, found: json_type(found) }
}

/// Escapes a key for a JSON pointer path.
fn key_path(base: &str, key: &str) -> String {
    format!("{base}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn parse_document(map: &Map<String, Value>) -> Result<PolicyDocument, ParseError> {
    let mut version = PolicyVersion::Absent;
    let mut id = None;
    let mut statement = None;
    for (k, v) in map {
        match k.as_str() {
            "Version" => {
                version = match v {
                    Value::String(s) if s == "2012-10-17" => PolicyVersion::V2012_10_17,
                    Value::String(s) if s == "2008-10-17" => PolicyVersion::V2008_10_17,
                    Value::String(s) => {
                        return Err(ParseError::InvalidValue {
                            path: "/Version".into(),
                            message: format!("unsupported policy version {s:?}, expected \"2012-10-17\" or \"2008-10-17\""),
                        })
                    }
                    other => return Err(type_error("/Version", "a string", other)),
                }
            }
            "Id" => match v {
                Value::String(s) => id = Some(s.clone()),
                other => return Err(type_error("/Id", "a string", other)),
            },
            "Statement" => statement = Some(v),
            other => {
                return Err(ParseError::UnknownElement { path: key_path("", other), element: other.to_string(), expected: TOP_ELEMENTS })
            }
        }
    }
    let statement = statement.ok_or(ParseError::Missing { path: String::new(), element: "Statement" })?;
    let statements = match statement {
        Value::Object(s) => vec![parse_statement(s, 0, "/Statement".into(), version)?],
        Value::Array(list) => list
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let path = format!("/Statement/{i}");
                match s {
                    Value::Object(m) => parse_statement(m, i, path, version),
                    other => Err(type_error(&path, "a statement object", other)),
                }
            })
            .collect::<Result<Vec<_>, _>>()?,
        other => return Err(type_error("/Statement", "a statement object or an array of them", other)),
    };
    Ok(PolicyDocument { version, id, statements })
}

fn parse_statement(map: &Map<String, Value>, index: usize, path: String, version: PolicyVersion) -> Result<Statement, ParseError> {
    let mut sid = None;
    let mut effect = None;
    let mut principal: Option<(&'static str, &Value)> = None;
    let mut action: Option<(&'static str, &Value)> = None;
    let mut resource: Option<(&'static str, &Value)> = None;
    let mut condition = None;
    for (k, v) in map {
        let set = |slot: &mut Option<(&'static str, &'_ Value)>, name: &'static str, other: &'static str| {
            if slot.is_some() {
                return Err(ParseError::Conflict { path: path.clone(), first: other, second: name });
            }
            Ok(())
        };
        match k.as_str() {
            "Sid" => match v {
                Value::String(s) => sid = Some(s.clone()),
                other => return Err(type_error(&format!("{path}/Sid"), "a string", other)),
            },
            "Effect" => match v {
                Value::String(s) if s == "Allow" => effect = Some(Effect::Allow),
                Value::String(s) if s == "Deny" => effect = Some(Effect::Deny),
                Value::String(s) => {
                    return Err(ParseError::InvalidValue {
                        path: format!("{path}/Effect"),
                        message: format!("invalid effect {s:?}, expected \"Allow\" or \"Deny\""),
                    })
                }
                other => return Err(type_error(&format!("{path}/Effect"), "a string", other)),
            },
            "Principal" => {
                set(&mut principal, "Principal", "NotPrincipal")?;
                principal = Some(("Principal", v));
            }
            "NotPrincipal" => {
                set(&mut principal, "NotPrincipal", "Principal")?;
                principal = Some(("NotPrincipal", v));
            }
            "Action" => {
                set(&mut action, "Action", "NotAction")?;
                action = Some(("Action", v));
            }
            "NotAction" => {
                set(&mut action, "NotAction", "Action")?;
                action = Some(("NotAction", v));
            }
            "Resource" => {
                set(&mut resource, "Resource", "NotResource")?;
                resource = Some(("Resource", v));
            }
            "NotResource" => {
                set(&mut resource, "NotResource", "Resource")?;
                resource = Some(("NotResource", v));
            }
            "Condition" => condition = Some(v),
            other => {
                return Err(ParseError::UnknownElement {
                    path: key_path(&path, other),
                    element: other.to_string(),
                    expected: STATEMENT_ELEMENTS,
                })
            }
        }
    }
    let effect = effect.ok_or(ParseError::Missing { path: path.clone(), element: "Effect" })?;
    let (action_name, action_value) = action.ok_or(ParseError::Missing { path: path.clone(), element: "Action" })?;
    let action = ActionElement {
        negated: action_name == "NotAction",
        actions: string_list(action_value, &format!("{path}/{action_name}"))?.into_iter().map(compile_action).collect(),
    };
    let resource = match resource {
        Some((name, value)) => Some(ResourceElement {
            negated: name == "NotResource",
            resources: string_list(value, &format!("{path}/{name}"))?
                .into_iter()
                .map(|text| ResourcePattern { pattern: ArnPattern::compile(text, version.has_variables()), text: text.to_string() })
                .collect(),
        }),
        None => None,
    };
    let principal = match principal {
        Some((name, value)) => {
            Some(PrincipalElement { negated: name == "NotPrincipal", principals: parse_principal(value, &format!("{path}/{name}"))? })
        }
        None => None,
    };
    let conditions = match condition {
        Some(c) => parse_conditions(c, &format!("{path}/Condition"), version)?,
        None => Vec::new(),
    };
    Ok(Statement { index, path, sid, effect, principal, action, resource, conditions })
}

/// A string or a non-empty-or-empty array of strings.
fn string_list<'a>(v: &'a Value, path: &str) -> Result<Vec<&'a str>, ParseError> {
    match v {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.as_str()),
                other => Err(type_error(&format!("{path}/{i}"), "a string", other)),
            })
            .collect(),
        other => Err(type_error(path, "a string or an array of strings", other)),
    }
}

fn compile_action(text: &str) -> ActionPattern {
    let kind = if text == "*" {
        ActionKind::All
    } else {
        match text.split_once(':') {
            Some((svc, name)) if !svc.is_empty() && !name.is_empty() && !name.contains(':') && !text.chars().any(char::is_whitespace) => {
                ActionKind::Service {
                    service: svc.to_ascii_lowercase(),
                    name: Pattern::compile(name, PatternSyntax { wildcards: true, variables: false, ignore_case: true }),
                }
            }
            _ => ActionKind::Invalid,
        }
    };
    ActionPattern { text: text.to_string(), kind }
}

fn parse_principal(v: &Value, path: &str) -> Result<Vec<PrincipalEntry>, ParseError> {
    match v {
        Value::String(s) if s == "*" => Ok(vec![PrincipalEntry::Wildcard]),
        Value::String(s) => Err(ParseError::InvalidValue {
            path: path.to_string(),
            message: format!("principal {s:?} must be \"*\" or an object with keys {PRINCIPAL_KEYS}"),
        }),
        Value::Object(map) => {
            let mut out = Vec::new();
            for (k, value) in map {
                let kpath = key_path(path, k);
                let items = string_list(value, &kpath)?;
                for item in items {
                    out.push(match k.as_str() {
                        "AWS" => aws_principal(item),
                        "Service" => PrincipalEntry::Service(item.to_string()),
                        "Federated" => PrincipalEntry::Federated(item.to_string()),
                        "CanonicalUser" => PrincipalEntry::CanonicalUser(item.to_string()),
                        other => {
                            return Err(ParseError::UnknownElement { path: kpath, element: other.to_string(), expected: PRINCIPAL_KEYS })
                        }
                    });
                }
            }
            Ok(out)
        }
        other => Err(type_error(path, "\"*\" or a principal object", other)),
    }
}

/// Classifies one `{"AWS": …}` principal.
pub fn aws_principal(text: &str) -> PrincipalEntry {
    if text == "*" {
        return PrincipalEntry::Wildcard;
    }
    if is_account_id(text) {
        return PrincipalEntry::Account { account: text.to_string(), text: text.to_string() };
    }
    let Some(arn) = Arn::parse(text) else {
        return PrincipalEntry::InvalidAws(text.to_string());
    };
    if arn.service == "iam" && arn.resource == "root" {
        return PrincipalEntry::Account { account: arn.account.to_string(), text: text.to_string() };
    }
    let kind = match arn.service {
        "iam" if arn.resource.starts_with("user/") => PrincipalArnKind::User,
        "iam" if arn.resource.starts_with("role/") => PrincipalArnKind::Role {
            name: arn.resource.rsplit('/').next().unwrap_or_default().to_string(),
            partition: arn.partition.to_string(),
            account: arn.account.to_string(),
        },
        "sts" if arn.resource.starts_with("assumed-role/") => PrincipalArnKind::AssumedRole,
        "sts" if arn.resource.starts_with("federated-user/") => PrincipalArnKind::FederatedUser,
        _ => PrincipalArnKind::Other,
    };
    PrincipalEntry::Arn { arn: text.to_string(), kind }
}

fn parse_conditions(v: &Value, path: &str, version: PolicyVersion) -> Result<Vec<Condition>, ParseError> {
    let Value::Object(ops) = v else {
        return Err(type_error(path, "an object of condition operators", v));
    };
    let mut out = Vec::new();
    for (op_text, block) in ops {
        let op_path = key_path(path, op_text);
        let Value::Object(keys) = block else {
            return Err(type_error(&op_path, "an object of condition keys", block));
        };
        let operator = ConditionOperator::parse(op_text);
        for (key, values) in keys {
            let key_path_s = key_path(&op_path, key);
            let raw: Vec<(String, JsonKind)> = match values {
                Value::Array(items) => {
                    items.iter().enumerate().map(|(i, item)| scalar(item, &format!("{key_path_s}/{i}"))).collect::<Result<_, _>>()?
                }
                other => vec![scalar(other, &key_path_s)?],
            };
            out.push(Condition {
                path: key_path_s,
                operator_text: op_text.clone(),
                operator,
                key: key.clone(),
                key_lower: key.to_ascii_lowercase(),
                values: raw
                    .into_iter()
                    .map(|(text, json)| ConditionValue { typed: type_value(operator.kind, &text, version.has_variables()), text, json })
                    .collect(),
            });
        }
    }
    Ok(out)
}

fn scalar(v: &Value, path: &str) -> Result<(String, JsonKind), ParseError> {
    match v {
        Value::String(s) => Ok((s.clone(), JsonKind::String)),
        Value::Number(n) => Ok((n.to_string(), JsonKind::Number)),
        Value::Bool(b) => Ok((b.to_string(), JsonKind::Bool)),
        other => Err(type_error(path, "a string, number or boolean", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_as_object_or_list() {
        let one = parse_policy_str(r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#).unwrap();
        assert_eq!(one.version, PolicyVersion::Absent);
        assert_eq!(one.statements.len(), 1);
        assert_eq!(one.statements[0].path, "/Statement");
        let many = parse_policy_str(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::b"}]}"#,
        )
        .unwrap();
        assert!(many.statements[0].action.negated);
        assert_eq!(many.statements[0].label(), "A");
    }

    #[test]
    fn principals_in_all_forms() {
        let doc = parse_policy_str(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",
            "Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:root","arn:aws:iam::111122223333:role/a/b"],
            "Service":"ec2.amazonaws.com","Federated":"cognito-identity.amazonaws.com","CanonicalUser":"abc"}}]}"#,
        )
        .unwrap();
        let p = doc.statements[0].principal.as_ref().unwrap();
        assert_eq!(p.principals.len(), 6);
        assert!(matches!(p.principals[0], PrincipalEntry::Account { .. }));
        assert!(matches!(p.principals[1], PrincipalEntry::Account { .. }));
        assert!(matches!(&p.principals[2], PrincipalEntry::Arn { kind: PrincipalArnKind::Role { name, .. }, .. } if name == "b"));
    }

    #[test]
    fn policy_as_json_string() {
        let inner = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let doc = parse_policy(&Value::String(inner.into())).unwrap();
        assert_eq!(doc.statements.len(), 1);
    }

    #[test]
    fn errors_carry_paths() {
        let e = parse_policy_str(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":[1]}}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.path(), "/Statement/2/Condition/StringEquals");
        assert!(e.to_string().contains("expected an object of condition keys"));
        let e = parse_policy_str(r#"{"Statement":[{"Effect":"allow","Action":"*"}]}"#).unwrap_err();
        assert_eq!(e.path(), "/Statement/0/Effect");
        let e = parse_policy_str(r#"{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"*"}]}"#).unwrap_err();
        assert!(matches!(e, ParseError::Conflict { .. }));
        let e = parse_policy_str(r#"{"Statement":[{"Effect":"Allow"}]}"#).unwrap_err();
        assert!(matches!(e, ParseError::Missing { element: "Action", .. }));
        assert!(matches!(parse_policy_str("{"), Err(ParseError::InvalidJson { .. })));
        let e = parse_policy_str(r#"{"Statement":[],"Extra":1}"#).unwrap_err();
        assert_eq!(e.path(), "/Extra");
    }

    #[test]
    fn condition_values_stringified() {
        let doc = parse_policy_str(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*",
            "Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"aws:MultiFactorAuthAge":[3600, "7200"]}}}}"#,
        )
        .unwrap();
        let c = &doc.statements[0].conditions;
        assert_eq!(c[0].values[0].text, "true");
        assert_eq!(c[1].values[0].json, JsonKind::Number);
        assert_eq!(c[1].values[1].typed, TypedValue::Number(7200.0));
    }
}
