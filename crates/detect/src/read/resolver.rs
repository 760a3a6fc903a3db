//! Route 53 Resolver query logs as AWS delivers them: one JSON object per line (S3 and
//! Firehose), a JSON array, or CloudWatch Logs envelopes whose messages are the JSON objects.
//! Fields follow the AWS field list (`version`, `account_id`, `region`, `vpc_id`,
//! `query_timestamp`, `query_name`, `query_type`, `query_class`, `rcode`, `answers[]`,
//! `srcaddr`, `srcport`, `transport`, `srcids{instance, resolver_endpoint,
//! resolver_network_interface}`, `firewall_*`). A record without `query_name` or a valid
//! `query_timestamp` is malformed.

use super::cloudtrail::parse_time_ms;
use super::{push_problem, ProblemSink, ReadError};
use crate::schema::{dns, DNS_COLUMNS};
use datafusion::arrow::array::{ArrayRef, Int32Builder, ListBuilder, StringBuilder, TimestampMillisecondBuilder};
use datafusion::arrow::record_batch::RecordBatch;
use serde_json::Value;
use std::sync::Arc;

/// One parsed record and where it came from.
struct Query {
    v: Value,
    time_ms: i64,
    location: String,
}

/// Read one file's bytes into `dns` rows; returns the batches and how many records were read.
pub fn read_resolver_bytes(file: &Arc<str>, data: &[u8], sink: &ProblemSink) -> Result<(Vec<RecordBatch>, u64), ReadError> {
    let mut out = vec![];
    match serde_json::from_slice::<Value>(data) {
        Ok(doc) => take_document(doc, "", &mut out, sink),
        Err(whole) => {
            let mut any = false;
            let mut pos = 0usize;
            while pos < data.len() {
                let end = memchr::memchr(b'\n', &data[pos..]).map(|i| pos + i).unwrap_or(data.len());
                let line = &data[pos..end];
                let at = pos;
                pos = end + 1;
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                match serde_json::from_slice::<Value>(line) {
                    Ok(doc) => {
                        any = true;
                        let line_no = memchr::memchr_iter(b'\n', &data[..at]).count() + 1;
                        take_document(doc, &format!("line {line_no}"), &mut out, sink);
                    }
                    Err(e) if any => push_problem(sink, at, format!("not valid JSON: {e}")),
                    Err(_) => return Err(ReadError::Json(whole.to_string())),
                }
            }
        }
    }
    let n = out.len() as u64;
    if out.is_empty() {
        return Ok((vec![], 0));
    }
    let batch = build(file, &out).map_err(|e| ReadError::Json(e.to_string()))?;
    Ok((vec![batch], n))
}

fn take_document(doc: Value, at: &str, out: &mut Vec<Query>, sink: &ProblemSink) {
    let loc = |p: String| super::join_location(at, p);
    match doc {
        Value::Array(items) => {
            for (i, v) in items.into_iter().enumerate() {
                take_record(v, loc(format!("/{i}")), out, sink);
            }
        }
        Value::Object(mut m) if m.contains_key("logEvents") => {
            if let Some(Value::Array(events)) = m.remove("logEvents") {
                for (i, ev) in events.into_iter().enumerate() {
                    let p = loc(format!("/logEvents/{i}"));
                    match ev.get("message").and_then(|x| x.as_str()).map(serde_json::from_str::<Value>) {
                        Some(Ok(v)) => take_record(v, p, out, sink),
                        Some(Err(e)) => push_problem(sink, usize::MAX, format!("{p}: message is not JSON: {e}")),
                        None => push_problem(sink, usize::MAX, format!("{p}: no message string")),
                    }
                }
            }
        }
        other => take_record(other, loc(String::new()), out, sink),
    }
}

fn take_record(v: Value, location: String, out: &mut Vec<Query>, sink: &ProblemSink) {
    let shown = if location.is_empty() { "record".to_string() } else { location.clone() };
    if !v.get("query_name").is_some_and(Value::is_string) {
        push_problem(sink, usize::MAX, format!("{shown}: query_name missing or not a string"));
        return;
    }
    let Some(time_ms) = v.get("query_timestamp").and_then(|t| t.as_str()).and_then(parse_time_ms) else {
        push_problem(sink, usize::MAX, format!("{shown}: query_timestamp missing or not an ISO 8601 time"));
        return;
    };
    out.push(Query { v, time_ms, location });
}

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    match cur {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn build(file: &Arc<str>, qs: &[Query]) -> Result<RecordBatch, datafusion::arrow::error::ArrowError> {
    let n = qs.len();
    let mut cols: Vec<ArrayRef> = vec![];
    for c in DNS_COLUMNS {
        match *c {
            "query_timestamp" => {
                let mut b = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
                qs.iter().for_each(|q| b.append_value(q.time_ms));
                cols.push(Arc::new(b.finish()));
            }
            "srcport" => {
                let mut b = Int32Builder::with_capacity(n);
                for q in qs {
                    let p = match q.v.get("srcport") {
                        Some(Value::String(s)) => s.parse::<i32>().ok(),
                        Some(Value::Number(x)) => x.as_i64().and_then(|x| i32::try_from(x).ok()),
                        _ => None,
                    };
                    b.append_option(p);
                }
                cols.push(Arc::new(b.finish()));
            }
            "answer_rdata" => {
                let mut b = ListBuilder::new(StringBuilder::new());
                for q in qs {
                    if let Some(Value::Array(a)) = q.v.get("answers") {
                        for ans in a {
                            b.values().append_option(ans.get("Rdata").and_then(|r| r.as_str()));
                        }
                    }
                    b.append(true);
                }
                cols.push(Arc::new(b.finish()));
            }
            _ => {
                let mut b = StringBuilder::with_capacity(n, n * 16);
                for q in qs {
                    let v = match *c {
                        "log_file" => Some(file.to_string()),
                        "log_location" => Some(q.location.clone()),
                        "srcids_instance" => text(&q.v, &["srcids", "instance"]),
                        "srcids_resolver_endpoint" => text(&q.v, &["srcids", "resolver_endpoint"]),
                        "srcids_resolver_network_interface" => text(&q.v, &["srcids", "resolver_network_interface"]),
                        other => text(&q.v, &[other]),
                    };
                    b.append_option(v);
                }
                cols.push(Arc::new(b.finish()));
            }
        }
    }
    RecordBatch::try_new(dns(), cols)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, AsArray};

    /// The record of the AWS documentation's example ("Route 53 VPC Resolver query log example").
    const DOC: &str = r#"{"srcaddr":"4.5.64.102","vpc_id":"vpc-7example","answers":[{"Rdata":"203.0.113.9","Type":"PTR","Class":"IN"}],"firewall_rule_group_id":"rslvr-frg-01234567890abcdef","firewall_rule_action":"BLOCK","query_name":"15.3.4.32.in-addr.arpa.","firewall_domain_list_id":"rslvr-fdl-01234567890abcdef","query_class":"IN","srcids":{"instance":"i-0d15cd0d3example"},"rcode":"NOERROR","query_type":"PTR","transport":"UDP","version":"1.100000","account_id":"111122223333","srcport":"56067","query_timestamp":"2021-02-04T17:51:55Z","region":"us-east-1"}"#;

    #[test]
    fn reads_the_documented_record() {
        let sink: ProblemSink = Default::default();
        let (b, n) = read_resolver_bytes(&Arc::from("q.log"), format!("{DOC}\n{DOC}\n").as_bytes(), &sink).unwrap();
        assert_eq!(n, 2);
        let b = &b[0];
        assert_eq!(b.column_by_name("srcids_instance").unwrap().as_string::<i32>().value(0), "i-0d15cd0d3example");
        assert_eq!(b.column_by_name("srcport").unwrap().as_primitive::<datafusion::arrow::datatypes::Int32Type>().value(0), 56067);
        let rdata = b.column_by_name("answer_rdata").unwrap().as_list::<i32>().value(0);
        assert_eq!(rdata.as_string::<i32>().value(0), "203.0.113.9");
        assert_eq!(b.column_by_name("log_location").unwrap().as_string::<i32>().value(1), "line 2");
        assert!(b.column_by_name("srcids_resolver_endpoint").unwrap().is_null(0));
    }

    #[test]
    fn malformed_lines_are_reported() {
        let sink: ProblemSink = Default::default();
        let text = format!("{DOC}\n{{\"query_name\":\"a.\"}}\nnot json\n");
        let (_, n) = read_resolver_bytes(&Arc::from("q.log"), text.as_bytes(), &sink).unwrap();
        assert_eq!(n, 1);
        assert_eq!(sink.into_inner().unwrap().len(), 2);
    }
}
