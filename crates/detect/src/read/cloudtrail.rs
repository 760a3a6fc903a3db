//! CloudTrail records in every shape AWS hands them out: the S3 delivery (`{"Records":
//! [...]}`), bare JSON arrays (Stratus Red Team detonation logs), single events (EventBridge
//! `detail`, CloudTrail Lake), JSON Lines and CloudWatch Logs envelopes. Values are kept as
//! logged: an IP with leading-zero octets (`035.249.253.232`) or a made-up region is not an
//! error. A record without `eventName`, `eventSource` or a valid `eventTime` is malformed.

use super::{push_problem, ProblemSink, ReadError};
use crate::schema::{cloudtrail, CLOUDTRAIL_COLUMNS};
use datafusion::arrow::array::{ArrayRef, BooleanBuilder, StringBuilder, TimestampMillisecondBuilder};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;
use rayon::prelude::*;
use serde_json::Value;
use std::sync::Arc;

/// One CloudTrail record and where it was read.
#[derive(Debug, Clone)]
pub struct TrailEvent {
    pub value: Value,
    pub file: Arc<str>,
    /// A JSON path (`/Records/12`) or `line N`.
    pub location: String,
    /// `eventTime` in milliseconds since the epoch.
    pub time_ms: i64,
}

impl TrailEvent {
    /// A string field by dotted path (`userIdentity.arn`).
    pub fn str(&self, path: &str) -> Option<&str> {
        lookup(&self.value, path).and_then(|v| v.as_str())
    }
}

/// The value at a dotted path.
pub fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for part in path.split('.') {
        cur = cur.get(part)?;
    }
    Some(cur)
}

/// Parse an ISO 8601 / RFC 3339 time (`2023-07-10T11:42:18Z`, with or without fractions) into
/// milliseconds since the epoch.
pub fn parse_time_ms(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp_millis()).or_else(|| {
        chrono::NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f").ok().map(|t| t.and_utc().timestamp_millis())
    })
}

/// Read one file's bytes. Returns the records and how many were read.
pub fn read_cloudtrail_bytes(file: &Arc<str>, data: &[u8], sink: &ProblemSink) -> Result<(Vec<TrailEvent>, u64), ReadError> {
    let mut out = vec![];
    match serde_json::from_slice::<Value>(data) {
        Ok(doc) => take_document(file, doc, "", &mut out, sink),
        Err(whole) => {
            // JSON Lines: one record (or envelope) per line, parsed in parallel. If the first
            // line is not JSON either, the file is one damaged document.
            let mut lines = vec![];
            let mut pos = 0usize;
            let mut line_no = 0usize;
            while pos < data.len() {
                let end = memchr::memchr(b'\n', &data[pos..]).map(|i| pos + i).unwrap_or(data.len());
                line_no += 1;
                if !data[pos..end].iter().all(u8::is_ascii_whitespace) {
                    lines.push((pos, end, line_no));
                }
                pos = end + 1;
            }
            let parsed: Vec<(usize, usize, Result<Value, serde_json::Error>)> =
                lines.par_iter().map(|&(s, e, n)| (s, n, serde_json::from_slice(&data[s..e]))).collect();
            if parsed.first().is_some_and(|p| p.2.is_err()) {
                return Err(ReadError::Json(whole.to_string()));
            }
            for (at, line_no, doc) in parsed {
                match doc {
                    Ok(doc) => take_document(file, doc, &format!("line {line_no}"), &mut out, sink),
                    Err(e) => push_problem(sink, at, format!("not valid JSON: {e}")),
                }
            }
        }
    }
    let n = out.len() as u64;
    Ok((out, n))
}

/// The records of one parsed document (`at`: where the document is, for locations).
pub(super) fn take_document(file: &Arc<str>, doc: Value, at: &str, out: &mut Vec<TrailEvent>, sink: &ProblemSink) {
    let loc = |p: String| super::join_location(at, p);
    match doc {
        Value::Array(items) => {
            for (i, v) in items.into_iter().enumerate() {
                take_record(file, v, loc(format!("/{i}")), out, sink);
            }
        }
        Value::Object(mut m) => {
            if let Some(Value::Array(items)) = m.remove("Records") {
                for (i, v) in items.into_iter().enumerate() {
                    take_record(file, v, loc(format!("/Records/{i}")), out, sink);
                }
            } else if let Some(Value::Array(events)) = m.remove("logEvents") {
                for (i, ev) in events.into_iter().enumerate() {
                    let p = loc(format!("/logEvents/{i}"));
                    match ev.get("message").and_then(|x| x.as_str()).map(serde_json::from_str::<Value>) {
                        Some(Ok(v)) => take_record(file, v, p, out, sink),
                        Some(Err(e)) => push_problem(sink, usize::MAX, format!("{p}: message is not JSON: {e}")),
                        None => push_problem(sink, usize::MAX, format!("{p}: no message string")),
                    }
                }
            } else if m.contains_key("detail-type") {
                match m.remove("detail") {
                    Some(d @ Value::Object(_)) => take_record(file, d, loc("/detail".into()), out, sink),
                    _ => push_problem(sink, usize::MAX, format!("{}: EventBridge event without a detail object", loc(String::new()))),
                }
            } else if let Some(d @ Value::Object(_)) = m.remove("eventData") {
                take_record(file, d, loc("/eventData".into()), out, sink);
            } else {
                take_record(file, Value::Object(m), loc(String::new()), out, sink);
            }
        }
        other => push_problem(sink, usize::MAX, format!("{}: expected a CloudTrail record, found {}", loc(String::new()), kind_of(&other))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn take_record(file: &Arc<str>, v: Value, location: String, out: &mut Vec<TrailEvent>, sink: &ProblemSink) {
    let shown = if location.is_empty() { "record".to_string() } else { location.clone() };
    if !v.is_object() {
        push_problem(sink, usize::MAX, format!("{shown}: expected a CloudTrail record object, found {}", kind_of(&v)));
        return;
    }
    match record_time(v.get("eventName"), v.get("eventSource"), v.get("eventTime")) {
        Ok(time_ms) => out.push(TrailEvent { value: v, file: file.clone(), location, time_ms }),
        Err(why) => push_problem(sink, usize::MAX, format!("{shown}: {why}")),
    }
}

/// What makes a record a CloudTrail record, given its `eventName`, `eventSource` and
/// `eventTime`: its time in milliseconds since the epoch, or what is wrong with it.
pub(super) fn record_time(name: Option<&Value>, source: Option<&Value>, time: Option<&Value>) -> Result<i64, &'static str> {
    if !name.is_some_and(Value::is_string) {
        return Err("eventName missing or not a string");
    }
    if !source.is_some_and(Value::is_string) {
        return Err("eventSource missing or not a string");
    }
    time.and_then(Value::as_str).and_then(parse_time_ms).ok_or("eventTime missing or not an ISO 8601 time")
}

/// The `cloudtrail` table rows for these records.
pub fn trail_batch(events: &[TrailEvent]) -> Result<RecordBatch, ArrowError> {
    let n = events.len();
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(CLOUDTRAIL_COLUMNS.len());
    for (name, path) in CLOUDTRAIL_COLUMNS {
        match *name {
            "event_time" => {
                let mut b = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
                for e in events {
                    b.append_value(e.time_ms);
                }
                cols.push(Arc::new(b.finish()));
            }
            "read_only" => {
                let mut b = BooleanBuilder::with_capacity(n);
                for e in events {
                    match lookup(&e.value, path) {
                        Some(Value::Bool(x)) => b.append_value(*x),
                        Some(Value::String(s)) => b.append_option(s.parse::<bool>().ok()),
                        _ => b.append_null(),
                    }
                }
                cols.push(Arc::new(b.finish()));
            }
            _ => {
                let mut b = StringBuilder::with_capacity(n, n * 16);
                for e in events {
                    match *name {
                        "record" => b.append_value(e.value.to_string()),
                        "log_file" => b.append_value(&*e.file),
                        "log_location" => b.append_value(&e.location),
                        _ => match lookup(&e.value, path) {
                            None | Some(Value::Null) => b.append_null(),
                            Some(Value::String(s)) => b.append_value(s),
                            Some(other) => b.append_value(other.to_string()),
                        },
                    }
                }
                cols.push(Arc::new(b.finish()));
            }
        }
    }
    RecordBatch::try_new(cloudtrail(), cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> (Vec<TrailEvent>, Vec<(usize, String)>) {
        let sink: ProblemSink = Default::default();
        let (ev, _) = read_cloudtrail_bytes(&Arc::from("t.json"), s.as_bytes(), &sink).unwrap();
        (ev, sink.into_inner().unwrap())
    }

    const REC: &str = r#"{"eventVersion":"1.08","eventTime":"2023-07-10T11:42:18Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","sourceIPAddress":"035.249.253.232","awsRegion":"eu-westwest-1r","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/x"}}"#;

    #[test]
    fn every_delivery_shape() {
        assert_eq!(read(&format!(r#"{{"Records":[{REC},{REC}]}}"#)).0.len(), 2);
        assert_eq!(read(&format!("[{REC}]")).0.len(), 1);
        assert_eq!(read(REC).0.len(), 1);
        assert_eq!(
            read(&format!(r#"{{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","detail":{REC}}}"#)).0.len(),
            1
        );
        let (ev, bad) = read(&format!("{REC}\n{REC}\n{{broken\n"));
        assert_eq!(ev.len(), 2);
        assert_eq!(bad.len(), 1);
        assert_eq!(ev[1].location, "line 2");
    }

    #[test]
    fn leading_zero_ips_are_kept_and_bad_records_reported() {
        let (ev, bad) = read(&format!(r#"{{"Records":[{REC},{{"eventName":"X"}},7]}}"#));
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].str("sourceIPAddress"), Some("035.249.253.232"));
        assert_eq!(bad.len(), 2);
        assert!(bad[0].1.starts_with("/Records/1: eventSource"), "{bad:?}");
        let b = trail_batch(&ev).unwrap();
        assert_eq!(b.num_rows(), 1);
        assert_eq!(b.schema().field(0).name(), "event_time");
    }

    #[test]
    fn a_damaged_document_is_a_file_error() {
        let sink: ProblemSink = Default::default();
        assert!(read_cloudtrail_bytes(&Arc::from("t"), br#"{"Records":[{"eventName":"#, &sink).is_err());
    }

    #[test]
    fn times_with_and_without_fractions() {
        assert_eq!(parse_time_ms("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_time_ms("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(parse_time_ms("nope"), None);
    }
}
