//! VPC and Transit Gateway flow logs as text: the S3 delivery (a header line naming the
//! fields, then one space-separated record per line, `-` for absent values), headerless
//! records in the default or a given custom format, and CloudWatch Logs subscription
//! envelopes (`logEvents[].message`). Fields are mapped by the header, never by the version
//! number; records are parsed in parallel chunks straight into Arrow columns, building only the
//! columns the caller asks for.

use super::flow_chunk::parse_chunk;
use super::{push_problem, ProblemSink, ReadError};
use crate::schema::{flow_field_index, flows, DEFAULT_FLOW_FORMAT, FLOW_FIELDS};
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use rayon::prelude::*;
use std::sync::Arc;

/// Flow-log format problems that make a whole file unreadable.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error(
        "unknown flow-log field {0:?} in the format (see docs/detect.md for the fields of versions 2-8 and Transit Gateway flow logs)"
    )]
    UnknownField(String),
    #[error("field {0:?} appears twice in the format")]
    DuplicateField(String),
    #[error("empty flow-log format")]
    EmptyFormat,
    #[error("CloudWatch Logs envelope: {0}")]
    Envelope(String),
    #[error("records have {found} fields but the format has {expected}; headerless flow logs in a custom format need --flow-format \"${{version}} ${{interface-id}} ...\"")]
    FormatNeeded { found: usize, expected: usize },
    #[error("building Arrow columns: {0}")]
    Arrow(String),
}

/// The fields of a flow-log format in order, as indices into [`FLOW_FIELDS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLayout {
    pub fields: Vec<usize>,
}

impl FlowLayout {
    /// AWS's default format (version 2, 14 fields).
    pub fn default_format() -> FlowLayout {
        FlowLayout { fields: DEFAULT_FLOW_FORMAT.iter().filter_map(|n| flow_field_index(n)).collect() }
    }

    /// A format as AWS writes it in `LogFormat` (`${version} ${vpc-id} ...`) or as a header line
    /// (`version vpc-id ...`).
    pub fn parse(format: &str) -> Result<FlowLayout, FlowError> {
        let mut fields = vec![];
        for tok in format.split_whitespace() {
            let name = tok.trim_start_matches("${").trim_end_matches('}');
            let i = flow_field_index(name).ok_or_else(|| FlowError::UnknownField(name.to_string()))?;
            if fields.contains(&i) {
                return Err(FlowError::DuplicateField(name.to_string()));
            }
            fields.push(i);
        }
        if fields.is_empty() {
            return Err(FlowError::EmptyFormat);
        }
        Ok(FlowLayout { fields })
    }

    /// True when the format is a Transit Gateway flow-log format.
    pub fn is_transit_gateway(&self) -> bool {
        self.fields.iter().any(|&i| FLOW_FIELDS[i].aws.starts_with("tgw-"))
    }
}

/// Which `flows` columns to build, in schema order.
#[derive(Debug, Clone)]
pub struct FlowProjection {
    /// Indices into [`FLOW_FIELDS`], ascending.
    pub columns: Vec<usize>,
    /// For each field of [`FLOW_FIELDS`], its output column.
    out: Vec<Option<usize>>,
    schema: SchemaRef,
}

impl FlowProjection {
    /// All columns when `None`.
    pub fn new(columns: Option<Vec<usize>>) -> FlowProjection {
        let mut columns = columns.unwrap_or_else(|| (0..FLOW_FIELDS.len()).collect());
        columns.retain(|&c| c < FLOW_FIELDS.len());
        columns.sort_unstable();
        columns.dedup();
        let mut out = vec![None; FLOW_FIELDS.len()];
        for (j, &c) in columns.iter().enumerate() {
            out[c] = Some(j);
        }
        let full = flows();
        let schema = Arc::new(Schema::new(columns.iter().map(|&c| full.field(c).clone()).collect::<Vec<_>>()));
        FlowProjection { columns, out, schema }
    }

    /// The projection that holds the named columns.
    pub fn of_names(names: &[&str]) -> FlowProjection {
        FlowProjection::new(Some(names.iter().filter_map(|n| flow_field_index(n)).collect()))
    }

    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    pub fn output_of(&self, field: usize) -> Option<usize> {
        self.out.get(field).copied().flatten()
    }
}

/// Size of the pieces a file is cut into for parallel parsing.
const CHUNK: usize = 4 << 20;

/// Read one file's bytes. Returns the batches and the number of records read.
pub fn read_flow_bytes(
    file: &str,
    data: &[u8],
    given: Option<&FlowLayout>,
    projection: &FlowProjection,
    sink: &ProblemSink,
) -> Result<(Vec<RecordBatch>, u64), ReadError> {
    let start = data.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(data.len());
    if data.get(start) == Some(&b'{') {
        return read_envelopes(file, &data[start..], given, projection, sink);
    }
    // A header line names the fields (S3 delivery); otherwise the given or default format.
    let first_end = memchr::memchr(b'\n', data).unwrap_or(data.len());
    let first = std::str::from_utf8(&data[..first_end]).unwrap_or("").trim();
    let first_token = first.split(' ').next().unwrap_or("");
    let (layout, body_start) = if flow_field_index(first_token).is_some() {
        (FlowLayout::parse(first)?, (first_end + 1).min(data.len()))
    } else {
        (given.cloned().unwrap_or_else(FlowLayout::default_format), 0)
    };
    if body_start == 0 && given.is_none() {
        // Headerless and no format given: the default format must fit.
        let n = first.split_whitespace().count();
        if n != 0 && n != layout.fields.len() {
            return Err(FlowError::FormatNeeded { found: n, expected: layout.fields.len() }.into());
        }
    }
    let chunks = split_chunks(data, body_start, CHUNK);
    let parsed: Vec<Result<(RecordBatch, u64), FlowError>> =
        chunks.par_iter().map(|&(s, e)| parse_chunk(&data[s..e], s, &layout, projection, sink)).collect();
    let mut batches = Vec::with_capacity(parsed.len());
    let mut n = 0;
    for p in parsed {
        let (b, rows) = p?;
        n += rows;
        if b.num_rows() > 0 {
            batches.push(b);
        }
    }
    let _ = file;
    Ok((batches, n))
}

/// Byte ranges of about `size` bytes from `from`, each ending after a newline.
fn split_chunks(data: &[u8], from: usize, size: usize) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut s = from;
    while s < data.len() {
        let mut e = (s + size).min(data.len());
        if e < data.len() {
            e = match memchr::memchr(b'\n', &data[e..]) {
                Some(i) => e + i + 1,
                None => data.len(),
            };
        }
        out.push((s, e));
        s = e;
    }
    out
}

/// CloudWatch Logs subscription envelopes: one JSON document, or several (one per line, as a
/// Firehose delivery concatenates them).
fn read_envelopes(
    file: &str,
    data: &[u8],
    given: Option<&FlowLayout>,
    projection: &FlowProjection,
    sink: &ProblemSink,
) -> Result<(Vec<RecordBatch>, u64), ReadError> {
    let layout = given.cloned().unwrap_or_else(FlowLayout::default_format);
    let mut text = Vec::new();
    let mut first_fields: Option<usize> = None;
    let stream = serde_json::Deserializer::from_slice(data).into_iter::<serde_json::Value>();
    for (d, doc) in stream.enumerate() {
        let doc = doc.map_err(|e| FlowError::Envelope(format!("document {}: {e}", d + 1)))?;
        let events = doc
            .get("logEvents")
            .and_then(|v| v.as_array())
            .ok_or_else(|| FlowError::Envelope(format!("document {} has no logEvents array", d + 1)))?;
        for (i, ev) in events.iter().enumerate() {
            match ev.get("message").and_then(|m| m.as_str()) {
                Some(m) => {
                    first_fields.get_or_insert_with(|| m.split_whitespace().count());
                    text.extend_from_slice(m.trim_end().as_bytes());
                    text.push(b'\n');
                }
                None => push_problem(sink, usize::MAX, format!("/logEvents/{i}: no message string")),
            }
        }
    }
    if given.is_none() {
        if let Some(n) = first_fields {
            if n != layout.fields.len() {
                return Err(FlowError::FormatNeeded { found: n, expected: layout.fields.len() }.into());
            }
        }
    }
    let local: ProblemSink = Default::default();
    let (batch, rows) = parse_chunk(&text, 0, &layout, projection, &local)?;
    // Offsets into the joined messages become logEvents indices.
    for (at, msg) in local.into_inner().unwrap_or_default() {
        let idx = memchr::memchr_iter(b'\n', &text[..at.min(text.len())]).count();
        push_problem(sink, usize::MAX, format!("logEvents[{idx}]: {msg}"));
    }
    let _ = file;
    Ok((if batch.num_rows() > 0 { vec![batch] } else { vec![] }, rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::{Int32Type, Int64Type};

    fn read(text: &str, given: Option<&FlowLayout>) -> (Vec<RecordBatch>, u64, Vec<(usize, String)>) {
        let sink: ProblemSink = Default::default();
        let (b, n) = read_flow_bytes("t", text.as_bytes(), given, &FlowProjection::new(None), &sink).unwrap();
        (b, n, sink.into_inner().unwrap())
    }

    fn col<'a>(b: &'a RecordBatch, name: &str) -> &'a dyn Array {
        b.column_by_name(name).unwrap().as_ref()
    }

    #[test]
    fn header_maps_fields_and_dash_is_null() {
        let (b, n, bad) = read(
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
             2 12345678910 eni-0eb1e4178af74336c - - - - - - - 1742570089 1742570142 - NODATA\n",
            None,
        );
        assert_eq!((n, bad.len()), (1, 0));
        let b = &b[0];
        assert_eq!(col(b, "account_id").as_string::<i32>().value(0), "12345678910");
        assert!(col(b, "srcaddr").is_null(0));
        assert!(col(b, "packets").is_null(0));
        assert_eq!(col(b, "start").as_primitive::<Int64Type>().value(0), 1742570089);
        assert_eq!(col(b, "log_status").as_string::<i32>().value(0), "NODATA");
        assert!(col(b, "vpc_id").is_null(0));
    }

    #[test]
    fn wrong_field_counts_and_bad_numbers_are_malformed() {
        let text = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
                    2 1 eni-1 - - - - - - - 1 2 -\n\
                    2 1 eni-1 - - - - - - - 1 2 - NODATA one-too-many\n\
                    2 1 eni-1 10.0.0.1 10.0.0.2 x 22 6 1 1 1 2 ACCEPT OK\n\
                    2 1 eni-1 10.0.0.1 10.0.0.2 40000 22 6 1 1 1 2 ACCEPT OK\n";
        let (_, n, bad) = read(text, None);
        assert_eq!(n, 1);
        assert_eq!(bad.len(), 3);
        assert!(bad.iter().any(|(_, m)| m.contains("13 fields")));
        assert!(bad.iter().any(|(_, m)| m.contains("15 fields")));
        assert!(bad.iter().any(|(_, m)| m.contains("expected a number")));
    }

    #[test]
    fn projection_builds_only_asked_columns() {
        let sink: ProblemSink = Default::default();
        let p = FlowProjection::of_names(&["dstport", "srcaddr"]);
        let (b, _) = read_flow_bytes(
            "t",
            b"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
            None,
            &p,
            &sink,
        )
        .unwrap();
        assert_eq!(b[0].num_columns(), 2);
        assert_eq!(b[0].schema().field(0).name(), "srcaddr");
        assert_eq!(b[0].column(1).as_primitive::<Int32Type>().value(0), 22);
    }

    #[test]
    fn headerless_custom_format_needs_the_format() {
        let sink: ProblemSink = Default::default();
        let data = b"2 eni-1235b8ca123456789 172.31.16.139 172.31.16.21\n";
        let e = read_flow_bytes("t", data, None, &FlowProjection::new(None), &sink).unwrap_err();
        assert!(e.to_string().contains("--flow-format"), "{e}");
        let given = FlowLayout::parse("${version} ${interface-id} ${srcaddr} ${dstaddr}").unwrap();
        let (b, n, _) = read(std::str::from_utf8(data).unwrap(), Some(&given));
        assert_eq!(n, 1);
        assert_eq!(col(&b[0], "dstaddr").as_string::<i32>().value(0), "172.31.16.21");
    }

    #[test]
    fn chunks_end_on_newlines() {
        let data = b"aaa\nbbbb\ncc\nd";
        let c = split_chunks(data, 0, 3);
        assert_eq!(c, vec![(0, 4), (4, 9), (9, 13)]);
    }

    #[test]
    fn unknown_header_field_is_an_error() {
        assert!(matches!(FlowLayout::parse("version bogus-field"), Err(FlowError::UnknownField(_))));
        assert!(FlowLayout::parse("${tgw-id} ${srcaddr}").unwrap().is_transit_gateway());
    }
}
