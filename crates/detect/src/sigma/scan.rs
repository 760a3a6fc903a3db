//! Evaluating the rules on CloudTrail records as they are read: each record is tried against
//! the rules its `eventSource` can satisfy, and each match is tallied per rule and principal
//! (count, first and last time, API names, the five earliest records as evidence), so no
//! record is kept. Batches read in parallel tally apart and are merged; the result does not
//! depend on the order batches finish in.

use super::field::Field;
use super::{Rule, RuleSet};
use crate::detectors::{iso_ms, Detected};
use crate::read::{Projection, ScanBatch, Scanned, TrailScan};
use koban_findings::{Finding, Severity};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

/// How many matched records a finding shows.
const SHOWN: usize = 5;

/// The fields a finding shows of each record it lists.
const SHOWN_FIELDS: [&str; 6] = ["eventTime", "eventSource", "eventName", "errorCode", "sourceIPAddress", "userAgent"];

/// The fields naming a record's principal, in order of preference.
const PRINCIPAL_FIELDS: [&str; 3] = ["userIdentity.arn", "userIdentity.invokedBy", "userIdentity.type"];

/// The rules of a rule set, scanning records.
pub struct Scanner<'r> {
    rules: &'r [Rule],
    projection: Option<&'r Projection>,
    /// The rules to try per `eventSource` (lowercased), besides `anywhere`.
    by_source: HashMap<String, Vec<usize>>,
    /// The rules whose condition implies no `eventSource`.
    anywhere: Vec<usize>,
    source: Field,
    name: Field,
    shown: Vec<Field>,
    principal: Vec<Field>,
    tally: Mutex<Tally>,
}

/// The matches of each rule (by rule number), per principal.
#[derive(Default)]
struct Tally {
    rules: Vec<BTreeMap<String, Group>>,
}

/// The matches of one rule by one principal.
struct Group {
    count: u64,
    first: i64,
    last: i64,
    names: BTreeSet<String>,
    /// The earliest records (by time, then place in the inputs).
    shown: Vec<Shown>,
}

struct Shown {
    time_ms: i64,
    order: (usize, usize, usize),
    evidence: Value,
}

impl<'r> Scanner<'r> {
    pub fn new(set: &'r RuleSet) -> Scanner<'r> {
        let projection = set.projection.as_ref();
        let bound = |mut f: Field| {
            if let Some(p) = projection {
                f.bind(p);
            }
            f
        };
        let mut by_source: HashMap<String, Vec<usize>> = HashMap::new();
        let mut anywhere = vec![];
        for (i, r) in set.rules.iter().enumerate() {
            match &r.event_sources {
                Some(sources) => sources.iter().for_each(|s| by_source.entry(s.clone()).or_default().push(i)),
                None => anywhere.push(i),
            }
        }
        Scanner {
            rules: &set.rules,
            projection,
            by_source,
            anywhere,
            source: bound(Field::nested(super::EVENT_SOURCE)),
            name: bound(Field::nested("eventName")),
            shown: SHOWN_FIELDS.iter().map(|f| bound(Field::nested(f))).collect(),
            principal: PRINCIPAL_FIELDS.iter().map(|f| bound(Field::nested(f))).collect(),
            tally: Mutex::new(Tally::default()),
        }
    }

    /// Findings: one per (rule, principal), with the rule's attribution.
    pub fn findings(self) -> Vec<Detected> {
        let tally = self.tally.into_inner().unwrap_or_default();
        let mut out = vec![];
        for (rule, groups) in self.rules.iter().zip(tally.rules) {
            for (who, g) in groups {
                out.push(finding(rule, &who, g));
            }
        }
        out
    }
}

impl TrailScan for Scanner<'_> {
    fn projection(&self) -> Option<&Projection> {
        self.projection
    }

    fn batch(&self) -> Box<dyn ScanBatch + '_> {
        Box::new(Batch { scanner: self, tally: Tally::default(), key: String::new() })
    }
}

/// One batch's tally.
struct Batch<'s, 'r> {
    scanner: &'s Scanner<'r>,
    tally: Tally,
    /// The record's `eventSource`, lowercased.
    key: String,
}

impl ScanBatch for Batch<'_, '_> {
    fn record(&mut self, r: &Scanned<'_>) {
        let s = self.scanner;
        let source = s.source.get(r.record).and_then(Value::as_str);
        match source {
            Some(src) => {
                self.key.clear();
                if src.is_ascii() {
                    self.key.extend(src.chars().map(|c| c.to_ascii_lowercase()));
                } else {
                    self.key.push_str(&src.to_lowercase());
                }
                let sourced = s.by_source.get(&self.key).map_or(&[][..], Vec::as_slice);
                for &i in sourced.iter().chain(&s.anywhere) {
                    self.try_rule(i, r);
                }
            }
            // Without an `eventSource` every rule is tried.
            None => (0..s.rules.len()).for_each(|i| self.try_rule(i, r)),
        }
    }

    fn finish(self: Box<Self>) {
        if let Ok(mut t) = self.scanner.tally.lock() {
            t.merge(self.tally);
        }
    }
}

impl Batch<'_, '_> {
    fn try_rule(&mut self, rule: usize, r: &Scanned<'_>) {
        if self.scanner.rules.get(rule).is_some_and(|x| x.matches(r.record)) {
            self.add(rule, r);
        }
    }

    fn add(&mut self, rule: usize, r: &Scanned<'_>) {
        let s = self.scanner;
        let who = s.principal.iter().find_map(|f| f.get(r.record).and_then(Value::as_str)).unwrap_or("unknown");
        if self.tally.rules.len() <= rule {
            self.tally.rules.resize_with(rule + 1, BTreeMap::new);
        }
        let groups = &mut self.tally.rules[rule];
        let g = match groups.get_mut(who) {
            Some(g) => g,
            None => groups.entry(who.to_string()).or_insert(Group {
                count: 0,
                first: r.time_ms,
                last: r.time_ms,
                names: BTreeSet::new(),
                shown: vec![],
            }),
        };
        g.count += 1;
        g.first = g.first.min(r.time_ms);
        g.last = g.last.max(r.time_ms);
        if let Some(n) = s.name.get(r.record).and_then(Value::as_str) {
            if !g.names.contains(n) {
                g.names.insert(n.to_string());
            }
        }
        let key = (r.time_ms, r.order);
        if g.shown.len() < SHOWN || g.shown.last().is_some_and(|l| key < (l.time_ms, l.order)) {
            let mut evidence = serde_json::Map::new();
            evidence.insert("location".into(), Value::String(format!("{}:{}", r.file, r.location)));
            for (f, name) in s.shown.iter().zip(SHOWN_FIELDS) {
                evidence.insert(name.into(), f.get(r.record).cloned().unwrap_or(Value::Null));
            }
            let at = g.shown.partition_point(|x| (x.time_ms, x.order) < key);
            g.shown.insert(at, Shown { time_ms: r.time_ms, order: r.order, evidence: Value::Object(evidence) });
            g.shown.truncate(SHOWN);
        }
    }
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        if self.rules.len() < other.rules.len() {
            self.rules.resize_with(other.rules.len(), BTreeMap::new);
        }
        for (mine, theirs) in self.rules.iter_mut().zip(other.rules) {
            for (who, g) in theirs {
                match mine.get_mut(&who) {
                    Some(m) => {
                        m.count += g.count;
                        m.first = m.first.min(g.first);
                        m.last = m.last.max(g.last);
                        m.names.extend(g.names);
                        m.shown.extend(g.shown);
                        m.shown.sort_by_key(|x| (x.time_ms, x.order));
                        m.shown.truncate(SHOWN);
                    }
                    None => {
                        mine.insert(who, g);
                    }
                }
            }
        }
    }
}

fn finding(rule: &Rule, who: &str, g: Group) -> Detected {
    let evidence = json!({
        "rule": {
            "id": rule.id, "title": rule.title, "author": rule.author, "level": rule.level, "status": rule.status,
            "file": rule.file, "references": rule.references, "tags": rule.tags,
            "license": "Detection Rule License 1.1 (https://github.com/SigmaHQ/Detection-Rule-License)",
        },
        "records": g.shown.into_iter().map(|s| s.evidence).collect::<Vec<_>>(),
        "record_count": g.count,
    });
    let ty = rule.finding_type();
    Detected {
        finding: Finding::new(
            &ty,
            &format!("sigma:{}", rule.id),
            Severity::new(rule.severity()),
            who,
            &[&rule.id],
            format!("{} ({who})", rule.title),
            format!(
                "Sigma rule \"{}\" by {} matched {} CloudTrail record(s) of {who} ({}). {}",
                rule.title,
                rule.author,
                g.count,
                g.names.into_iter().collect::<Vec<_>>().join(", "),
                rule.description
            ),
            evidence,
            "Review the matched records against the rule's false positives; see the rule's references.",
        ),
        first_seen: iso_ms(g.first),
        last_seen: iso_ms(g.last),
        count: g.count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{read_logs, ReadOptions, ReadReport};

    const RULE: &str = "title: Console Login\nid: r1\nauthor: a\nlevel: high\nlogsource: {product: aws, service: cloudtrail}\n\
        detection:\n  selection:\n    eventSource: signin.amazonaws.com\n    eventName: ConsoleLogin\n    \
        userIdentity.arn|contains: bob\n  condition: selection\n";

    fn rec(i: usize, arn: &str) -> String {
        format!(
            r#"{{"eventTime":"2024-01-01T00:00:{:02}Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","userIdentity":{{"arn":"{arn}"}},"x":[{i}]}}"#,
            i % 60
        )
    }

    fn run(dir: &std::path::Path, keep_trail: bool) -> (String, ReadReport) {
        let set = RuleSet::load(&[dir.join("rules")]).unwrap();
        let scanner = Scanner::new(&set);
        let opts = ReadOptions { keep_trail, trail_scan: Some(&scanner), ..Default::default() };
        let logs = read_logs(&[dir.join("logs")], &opts).unwrap();
        let found: Vec<Value> = scanner.findings().iter().map(|d| serde_json::to_value(d).unwrap()).collect();
        (serde_json::to_string(&found).unwrap(), logs.report)
    }

    #[test]
    fn streamed_lines_find_what_whole_records_find() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("rules")).unwrap();
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        std::fs::write(dir.path().join("rules/r.yml"), RULE).unwrap();
        let mut text = String::new();
        for i in 0..40 {
            text += &rec(i, if i % 3 == 0 { "arn:bob" } else { "arn:alice-bob" });
            text += "\n";
        }
        text += &format!("{{\"Records\":[{},{}]}}\n\n{{broken\n7\n", rec(1, "arn:bob"), rec(2, "x"));
        text += r#"{"eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com","eventTime":"nope"}"#;
        std::fs::write(dir.path().join("logs/a.jsonl"), text).unwrap();
        let (streamed, report) = run(dir.path(), false);
        let (whole, whole_report) = run(dir.path(), true);
        assert_eq!(streamed, whole);
        assert!(streamed.contains("\"count\":15"), "{streamed}");
        assert_eq!(serde_json::to_value(&report).unwrap(), serde_json::to_value(&whole_report).unwrap());
        assert_eq!(report.cloudtrail.records, 42);
        assert_eq!(report.cloudtrail.malformed, 3);
    }
}
