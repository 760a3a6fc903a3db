//! A native Sigma engine for CloudTrail: loads rules (a file or a directory of `.yml`),
//! compiles their detections (field matchers with modifiers, lists of maps, keywords,
//! conditions with `and`/`or`/`not`, `1 of`/`all of`) and evaluates them on CloudTrail records.
//! Rules it cannot evaluate (aggregations, correlations, placeholders, unsupported modifiers,
//! `status: unsupported`) are rejected one by one with the reason. The fields the loaded rules
//! read are compiled once into the projection records are parsed into (see [`scan`]).
//! Findings keep the rule's `author`, `id` and `title`, as the Detection Rule License asks.

pub mod condition;
pub mod field;
pub mod matcher;
pub mod scan;

use crate::read::{Projection, RecordView};
use condition::{Cond, ConditionError, Expr};
use matcher::{MatcherError, Search};
use serde::Serialize;
use serde_yaml_ng::Value as Yaml;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SigmaError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("not valid YAML: {0}")]
    Yaml(String),
    #[error("no `detection` section")]
    NoDetection,
    #[error("no `condition` in the detection")]
    NoCondition,
    #[error("status `unsupported`: the rule needs features Sigma backends do not support")]
    StatusUnsupported,
    #[error("uses placeholders (`|expand`) that must be filled in before use")]
    Placeholder,
    #[error("rule collections (`action: global`) are not supported")]
    Collection,
    #[error(transparent)]
    Condition(#[from] ConditionError),
    #[error("search {search:?}: {source}")]
    Search { search: String, source: MatcherError },
    #[error("condition names {0:?}, which the detection does not define")]
    UnknownIdentifier(String),
    #[error("logsource is product {product:?} service {service:?}; koban evaluates AWS CloudTrail rules")]
    Logsource { product: String, service: String },
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub author: String,
    pub level: String,
    pub status: String,
    pub description: String,
    pub references: Vec<String>,
    pub tags: Vec<String>,
    pub file: String,
    /// The search identifiers' definitions, in the order of their names.
    searches: Vec<Search>,
    conditions: Vec<Expr>,
    /// The `eventSource` values (lowercased) an event must have for the rule to match it,
    /// when the rule's condition implies one; other events are not evaluated.
    event_sources: Option<BTreeSet<String>>,
}

/// A rule that was not loaded, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Rejected {
    pub file: String,
    pub title: String,
    pub reason: String,
}

/// Rules loaded from files.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub rejected: Vec<Rejected>,
    /// The fields the rules and their findings read, compiled; `None` when a rule searches
    /// keywords anywhere in the record (records are then read whole).
    pub projection: Option<Projection>,
}

fn text(v: &Yaml, key: &str) -> String {
    match v.get(key) {
        Some(Yaml::String(s)) => s.clone(),
        Some(Yaml::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn list(v: &Yaml, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Yaml::Sequence(s)) => s.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        Some(Yaml::String(s)) => vec![s.clone()],
        _ => vec![],
    }
}

impl Rule {
    /// Compile one rule document.
    pub fn compile(doc: &Yaml, file: &str) -> Result<Rule, SigmaError> {
        if doc.get("action").is_some() {
            return Err(SigmaError::Collection);
        }
        if text(doc, "status") == "unsupported" {
            return Err(SigmaError::StatusUnsupported);
        }
        if let Some(ls) = doc.get("logsource") {
            let (product, service) = (text(ls, "product"), text(ls, "service"));
            let aws = product.is_empty() || product.eq_ignore_ascii_case("aws");
            let ct = service.is_empty() || service.eq_ignore_ascii_case("cloudtrail");
            if !aws || !ct {
                return Err(SigmaError::Logsource { product, service });
            }
        }
        let det = doc.get("detection").and_then(|d| d.as_mapping()).ok_or(SigmaError::NoDetection)?;
        let mut searches = BTreeMap::new();
        let mut cond_texts = vec![];
        for (k, v) in det {
            let Some(name) = k.as_str() else { continue };
            match name {
                "condition" => match v {
                    Yaml::String(s) => cond_texts.push(s.clone()),
                    Yaml::Sequence(s) => cond_texts.extend(s.iter().filter_map(|x| x.as_str().map(str::to_string))),
                    _ => return Err(SigmaError::NoCondition),
                },
                "timeframe" => {}
                _ => {
                    if serde_yaml_ng::to_string(v).is_ok_and(|s| s.contains("|expand")) || has_expand(v) {
                        return Err(SigmaError::Placeholder);
                    }
                    let s = Search::compile(name, v).map_err(|source| SigmaError::Search { search: name.to_string(), source })?;
                    searches.insert(name.to_string(), s);
                }
            }
        }
        if cond_texts.is_empty() {
            return Err(SigmaError::NoCondition);
        }
        let conditions = cond_texts.iter().map(|c| condition::parse(c)).collect::<Result<Vec<_>, _>>()?;
        for c in &conditions {
            check_ids(c, &searches)?;
        }
        let event_sources = conditions
            .iter()
            .map(|c| required(&searches, c, EVENT_SOURCE))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat().into_iter().collect());
        let ids: Vec<&str> = searches.keys().map(String::as_str).collect();
        let compiled = conditions.iter().map(|c| Expr::compile(c, &ids)).collect();
        Ok(Rule {
            id: text(doc, "id"),
            title: text(doc, "title"),
            author: text(doc, "author"),
            level: text(doc, "level"),
            status: text(doc, "status"),
            description: text(doc, "description").trim().to_string(),
            references: list(doc, "references"),
            tags: list(doc, "tags"),
            file: file.to_string(),
            searches: searches.into_values().collect(),
            conditions: compiled,
            event_sources,
        })
    }

    /// True when the rule matches the record.
    pub fn matches(&self, record: RecordView<'_>) -> bool {
        let search = |i: usize| self.searches.get(i).is_some_and(|s| s.matches(record));
        self.conditions.iter().any(|c| c.holds(&search))
    }

    /// Compile the fields the rule reads against the projection records are parsed into.
    fn bind(&mut self, p: &Projection) {
        self.searches.iter_mut().for_each(|s| s.bind(p));
    }

    /// GuardDuty-scale severity for the Sigma level.
    pub fn severity(&self) -> f32 {
        match self.level.as_str() {
            "informational" => 1.0,
            "low" => 2.0,
            "medium" => 5.0,
            "high" => 7.5,
            "critical" => 8.9,
            _ => 5.0,
        }
    }

    /// The finding type: `koban:Sigma/<title in CamelCase>`.
    pub fn finding_type(&self) -> String {
        let camel: String = self
            .title
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut cs = w.chars();
                cs.next().map(|f| f.to_ascii_uppercase().to_string() + cs.as_str()).unwrap_or_default()
            })
            .collect();
        format!("koban:Sigma/{camel}")
    }
}

/// Values (lowercased) that `field` must have for `c` to hold, when `c` implies some.
fn required(searches: &BTreeMap<String, Search>, c: &Cond, field: &str) -> Option<Vec<String>> {
    let any_of = |xs: Vec<Option<Vec<String>>>| -> Option<Vec<String>> {
        if xs.is_empty() {
            return None;
        }
        xs.into_iter().collect::<Option<Vec<_>>>().map(|v| v.concat())
    };
    let ids = |p: &str| condition::expand(p, searches.keys().map(String::as_str));
    match c {
        Cond::Id(id) => searches.get(id).and_then(|s| s.required_values(field)),
        Cond::Not(_) => None,
        Cond::And(xs) => xs.iter().find_map(|x| required(searches, x, field)),
        Cond::Or(xs) => any_of(xs.iter().map(|x| required(searches, x, field)).collect()),
        Cond::OneOf(p) => any_of(ids(p).iter().map(|id| searches.get(*id).and_then(|s| s.required_values(field))).collect()),
        Cond::AllOf(p) => ids(p).iter().find_map(|id| searches.get(*id).and_then(|s| s.required_values(field))),
    }
}

fn has_expand(v: &Yaml) -> bool {
    match v {
        Yaml::Mapping(m) => m.iter().any(|(k, v)| k.as_str().is_some_and(|k| k.contains("|expand")) || has_expand(v)),
        Yaml::Sequence(s) => s.iter().any(has_expand),
        _ => false,
    }
}

fn check_ids(c: &Cond, searches: &BTreeMap<String, Search>) -> Result<(), SigmaError> {
    match c {
        Cond::Id(id) if !searches.contains_key(id) => Err(SigmaError::UnknownIdentifier(id.clone())),
        Cond::Id(_) => Ok(()),
        Cond::Not(x) => check_ids(x, searches),
        Cond::And(xs) | Cond::Or(xs) => xs.iter().try_for_each(|x| check_ids(x, searches)),
        Cond::OneOf(p) | Cond::AllOf(p) => {
            if condition::expand(p, searches.keys().map(String::as_str)).is_empty() {
                Err(SigmaError::UnknownIdentifier(p.clone()))
            } else {
                Ok(())
            }
        }
    }
}

const EVENT_SOURCE: &str = "eventSource";

/// The record fields findings show (evidence and principal) besides those the rules match.
const EVIDENCE_FIELDS: &[&str] = &[
    "eventTime",
    "eventSource",
    "eventName",
    "errorCode",
    "sourceIPAddress",
    "userAgent",
    "userIdentity.arn",
    "userIdentity.invokedBy",
    "userIdentity.type",
];

impl RuleSet {
    /// Every record field evaluating these rules and reporting their matches reads, or `None`
    /// when a rule searches keywords anywhere in the record.
    pub fn fields(&self) -> Option<BTreeSet<&str>> {
        let mut out: BTreeSet<&str> = EVIDENCE_FIELDS.iter().copied().collect();
        for r in &self.rules {
            for s in &r.searches {
                out.extend(s.fields()?);
            }
        }
        Some(out)
    }

    /// Load every `.yml`/`.yaml` under the paths (files or directories).
    pub fn load(paths: &[PathBuf]) -> Result<RuleSet, (PathBuf, std::io::Error)> {
        let mut set = RuleSet::default();
        for p in paths {
            let meta = std::fs::metadata(p).map_err(|e| (p.clone(), e))?;
            let mut files: Vec<PathBuf> = if meta.is_file() {
                vec![p.clone()]
            } else {
                walkdir::WalkDir::new(p)
                    .into_iter()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_file())
                    .map(|e| e.into_path())
                    .filter(|f| f.extension().is_some_and(|x| x == "yml" || x == "yaml"))
                    .collect()
            };
            files.sort();
            for f in files {
                set.load_file(&f);
            }
        }
        set.projection = set.fields().map(|f| Projection::new(f.iter().copied()));
        if let Some(p) = &set.projection {
            set.rules.iter_mut().for_each(|r| r.bind(p));
        }
        Ok(set)
    }

    fn load_file(&mut self, path: &Path) {
        let file = path.display().to_string();
        let reject = |set: &mut RuleSet, title: String, reason: String| set.rejected.push(Rejected { file: file.clone(), title, reason });
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return reject(self, String::new(), SigmaError::Io(e).to_string()),
        };
        let mut docs = vec![];
        for d in serde_yaml_ng::Deserializer::from_str(&text) {
            match serde::Deserialize::deserialize(d) {
                Ok(v) => docs.push(v),
                Err(e) => return reject(self, String::new(), SigmaError::Yaml(e.to_string()).to_string()),
            }
        }
        for doc in docs {
            let doc: Yaml = doc;
            if doc.is_null() {
                continue;
            }
            match Rule::compile(&doc, &file) {
                Ok(r) => self.rules.push(r),
                Err(e) => reject(self, text_of(&doc, "title"), e.to_string()),
            }
        }
    }
}

fn text_of(v: &Yaml, k: &str) -> String {
    text(v, k)
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::{json, Value};

    fn matches(r: &Rule, v: Value) -> bool {
        r.matches(RecordView::Whole(&v))
    }

    fn rule(y: &str) -> Result<Rule, SigmaError> {
        Rule::compile(&serde_yaml_ng::from_str(y).unwrap(), "t.yml")
    }

    #[test]
    fn compiles_and_matches() {
        let r = rule(
            "title: T\nid: x\nauthor: someone\nlevel: high\nlogsource: {product: aws, service: cloudtrail}\n\
             detection:\n  selection_event:\n    eventName: SendCommand\n  selection_status_success:\n    errorCode: Success\n  \
             selection_status_null:\n    errorCode: null\n  condition: selection_event and 1 of selection_status_*\n",
        )
        .unwrap();
        assert!(matches(&r, json!({"eventName": "SendCommand"})));
        assert!(matches(&r, json!({"eventName": "sendcommand", "errorCode": "Success"})));
        assert!(!matches(&r, json!({"eventName": "SendCommand", "errorCode": "InvalidInstanceId"})));
        assert_eq!(r.severity(), 7.5);
        assert_eq!(r.finding_type(), "koban:Sigma/T");
    }

    #[test]
    fn rejections_say_why() {
        assert!(matches!(rule("title: x\nstatus: unsupported\ndetection: {s: {a: b}, condition: s}"), Err(SigmaError::StatusUnsupported)));
        assert!(matches!(rule("title: x\ndetection: {s: {a: b}, condition: 's | count() > 10'}"), Err(SigmaError::Condition(_))));
        assert!(matches!(rule("title: x\ndetection: {s: {a: b}, condition: t}"), Err(SigmaError::UnknownIdentifier(_))));
        assert!(matches!(rule("title: x\ndetection: {s: {'src_ip|expand': '%x%'}, condition: s}"), Err(SigmaError::Placeholder)));
        assert!(matches!(
            rule("title: x\nlogsource: {product: windows}\ndetection: {s: {a: b}, condition: s}"),
            Err(SigmaError::Logsource { .. })
        ));
    }

    #[test]
    fn keywords_search_every_string() {
        let r = rule("title: k\ndetection:\n  keywords: [trufflehog]\n  condition: keywords\n").unwrap();
        assert!(matches(&r, json!({"userAgent": "TruffleHog/3"})));
        assert!(!matches(&r, json!({"userAgent": "aws-cli"})));
    }
}
