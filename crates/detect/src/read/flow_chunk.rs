//! Parsing a chunk of flow-log text (whole lines) straight into Arrow columns in one pass over
//! each line: fields are split on spaces and tabs, numbers are parsed from the bytes as they
//! are scanned, text is copied once into its column's value buffer and checked for UTF-8 once
//! per column (invalid bytes become U+FFFD, as before). A malformed line — a wrong number of
//! fields, or something else than a number where the format has one — is reported by its byte
//! offset and leaves nothing in the columns.

use super::flow::{FlowError, FlowLayout, FlowProjection};
use super::{push_problem, ProblemSink};
use crate::schema::{FlowType, FLOW_FIELDS};
use datafusion::arrow::array::builder::NullBufferBuilder;
use datafusion::arrow::array::{ArrayRef, Int32Array, Int64Array, StringArray, StringBuilder};
use datafusion::arrow::buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use datafusion::arrow::record_batch::RecordBatch;
use std::sync::Arc;

/// One output column while it is being built.
enum Col {
    I32(Vec<i32>, NullBufferBuilder),
    I64(Vec<i64>, NullBufferBuilder),
    Str { offsets: Vec<i32>, bytes: Vec<u8>, nulls: NullBufferBuilder },
}

impl Col {
    fn new(ty: FlowType, rows: usize) -> Col {
        match ty {
            FlowType::Int32 => Col::I32(Vec::with_capacity(rows), NullBufferBuilder::new(rows)),
            FlowType::Int64 => Col::I64(Vec::with_capacity(rows), NullBufferBuilder::new(rows)),
            FlowType::Utf8 => {
                let mut offsets = Vec::with_capacity(rows + 1);
                offsets.push(0);
                Col::Str { offsets, bytes: Vec::with_capacity(rows * 12), nulls: NullBufferBuilder::new(rows) }
            }
        }
    }

    fn push_null(&mut self) {
        match self {
            Col::I32(v, n) => {
                v.push(0);
                n.append_null();
            }
            Col::I64(v, n) => {
                v.push(0);
                n.append_null();
            }
            Col::Str { offsets, bytes, nulls } => {
                offsets.push(bytes.len() as i32);
                nulls.append_null();
            }
        }
    }

    /// Drop everything after the first `rows` rows.
    fn truncate(&mut self, rows: usize) {
        match self {
            Col::I32(v, n) => {
                v.truncate(rows);
                n.truncate(rows);
            }
            Col::I64(v, n) => {
                v.truncate(rows);
                n.truncate(rows);
            }
            Col::Str { offsets, bytes, nulls } => {
                offsets.truncate(rows + 1);
                bytes.truncate(offsets.last().map_or(0, |&o| o as usize));
                nulls.truncate(rows);
            }
        }
    }

    fn finish(self) -> Result<ArrayRef, FlowError> {
        Ok(match self {
            Col::I32(v, mut n) => Arc::new(Int32Array::new(ScalarBuffer::from(v), n.finish())),
            Col::I64(v, mut n) => Arc::new(Int64Array::new(ScalarBuffer::from(v), n.finish())),
            Col::Str { offsets, bytes, mut nulls } => {
                if i32::try_from(bytes.len()).is_err() {
                    return Err(FlowError::Arrow(format!("{} bytes of text in one column exceed Arrow's 2 GiB", bytes.len())));
                }
                let nulls = nulls.finish();
                let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
                let values = Buffer::from_vec(bytes);
                // Buffers are shared, not copied: the lossy path still has them.
                match StringArray::try_new(offsets.clone(), values.clone(), nulls.clone()) {
                    Ok(a) => Arc::new(a),
                    Err(_) => Arc::new(lossy(&offsets, values.as_slice(), nulls.as_ref())),
                }
            }
        })
    }
}

/// A text column with invalid UTF-8, each value converted lossily.
fn lossy(offsets: &OffsetBuffer<i32>, bytes: &[u8], nulls: Option<&datafusion::arrow::buffer::NullBuffer>) -> StringArray {
    let mut b = StringBuilder::with_capacity(offsets.len().saturating_sub(1), bytes.len());
    for (i, w) in offsets.windows(2).enumerate() {
        if nulls.is_some_and(|n| n.is_null(i)) {
            b.append_null();
        } else {
            b.append_value(String::from_utf8_lossy(&bytes[w[0] as usize..w[1] as usize]));
        }
    }
    b.finish()
}

/// A numeric field: `-` (absent), a value, or not a number.
enum Number {
    Dash,
    Value(i64),
    Bad,
}

/// Scan the field starting at `*i` (not a separator) as a number of at most 18 digits,
/// leaving `*i` after it.
#[inline]
fn number(line: &[u8], i: &mut usize) -> Number {
    let s = *i;
    let mut v: i64 = 0;
    let mut digits = true;
    let mut j = s;
    while j < line.len() && !is_sep(line[j]) {
        let d = line[j].wrapping_sub(b'0');
        digits &= d <= 9;
        v = v.wrapping_mul(10).wrapping_add(d as i64);
        j += 1;
    }
    *i = j;
    match &line[s..j] {
        b"-" => Number::Dash,
        t if digits && t.len() <= 18 => Number::Value(v),
        _ => Number::Bad,
    }
}

fn not_a_number(k: usize, tok: &[u8]) -> String {
    format!("field {} is {:?}, expected a number", k + 1, String::from_utf8_lossy(tok))
}

#[inline]
fn is_sep(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The columns of one chunk and how the fields of a line map onto them.
struct Chunk {
    cols: Vec<Col>,
    /// For each field of the format: its output column, when projected.
    targets: Vec<Option<usize>>,
    /// Output columns no field of the format fills (null in every row).
    absent: Vec<usize>,
    rows: usize,
}

impl Chunk {
    /// Split one line into the columns. `Ok(false)` for a blank line.
    #[inline]
    fn line(&mut self, line: &[u8]) -> Result<bool, String> {
        let nfields = self.targets.len();
        let n = line.len();
        let mut i = 0usize;
        let mut k = 0usize;
        while i < n {
            if is_sep(line[i]) {
                i += 1;
                continue;
            }
            let s = i;
            let target = if k < nfields { self.targets[k] } else { None };
            match target.map(|j| &mut self.cols[j]) {
                Some(Col::I32(v, nulls)) => match number(line, &mut i) {
                    Number::Dash => {
                        v.push(0);
                        nulls.append_null();
                    }
                    Number::Value(x) if x <= i32::MAX as i64 => {
                        v.push(x as i32);
                        nulls.append_non_null();
                    }
                    _ => return Err(not_a_number(k, &line[s..i])),
                },
                Some(Col::I64(v, nulls)) => match number(line, &mut i) {
                    Number::Dash => {
                        v.push(0);
                        nulls.append_null();
                    }
                    Number::Value(x) => {
                        v.push(x);
                        nulls.append_non_null();
                    }
                    Number::Bad => return Err(not_a_number(k, &line[s..i])),
                },
                Some(Col::Str { offsets, bytes, nulls }) => {
                    while i < n && !is_sep(line[i]) {
                        i += 1;
                    }
                    let tok = &line[s..i];
                    if tok != b"-" {
                        bytes.extend_from_slice(tok);
                        nulls.append_non_null();
                    } else {
                        nulls.append_null();
                    }
                    offsets.push(bytes.len() as i32);
                }
                None => {
                    while i < n && !is_sep(line[i]) {
                        i += 1;
                    }
                }
            }
            k += 1;
        }
        if k == 0 {
            return Ok(false);
        }
        if k != nfields {
            return Err(format!("{k} fields, the format has {nfields}"));
        }
        for &j in &self.absent {
            self.cols[j].push_null();
        }
        self.rows += 1;
        Ok(true)
    }
}

/// Parse whole lines into one batch. `base` is the chunk's byte offset in the file (for
/// problem locations).
pub(super) fn parse_chunk(
    chunk: &[u8],
    base: usize,
    layout: &FlowLayout,
    projection: &FlowProjection,
    sink: &ProblemSink,
) -> Result<(RecordBatch, u64), FlowError> {
    let est = chunk.len() / 90 + 16;
    let targets: Vec<Option<usize>> = layout.fields.iter().map(|&f| projection.output_of(f)).collect();
    let absent = (0..projection.columns.len()).filter(|j| !targets.contains(&Some(*j))).collect();
    let cols = projection.columns.iter().map(|&c| Col::new(FLOW_FIELDS[c].ty, est)).collect();
    let mut c = Chunk { cols, targets, absent, rows: 0 };
    let mut pos = 0usize;
    while pos < chunk.len() {
        let end = memchr::memchr(b'\n', &chunk[pos..]).map_or(chunk.len(), |i| pos + i);
        let mut line = &chunk[pos..end];
        let line_start = pos;
        pos = end + 1;
        if let Some(b'\r') = line.last() {
            line = &line[..line.len() - 1];
        }
        if let Err(msg) = c.line(line) {
            let rows = c.rows;
            c.cols.iter_mut().for_each(|col| col.truncate(rows));
            push_problem(sink, base + line_start, msg);
        }
    }
    let rows = c.rows as u64;
    let arrays = c.cols.into_iter().map(Col::finish).collect::<Result<Vec<ArrayRef>, _>>()?;
    let batch = RecordBatch::try_new(projection.schema(), arrays).map_err(|e| FlowError::Arrow(e.to_string()))?;
    Ok((batch, rows))
}
