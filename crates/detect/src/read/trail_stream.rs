//! CloudTrail JSON Lines read as a stream for a [`TrailScan`]: the file is taken in chunks of a
//! few megabytes cut at line ends, each chunk's lines are parsed and scanned in batches (in
//! parallel on the run's threads) and dropped, so neither the file nor its records are ever
//! held whole. Plain record lines are parsed straight into the scan's projection; other lines
//! (arrays, S3 deliveries, envelopes) are read whole as the document reader does. Problems are
//! reported as the whole-file reader reports them.

use super::cloudtrail::{record_time, take_document, TrailEvent};
use super::input::Input;
use super::projection::{Projection, Slot};
use super::scan::{Location, RecordView, ScanBatch, Scanned, TrailScan, BATCH};
use super::{Malformed, ProblemSink, PROBLEMS_LISTED_PER_FILE};
use rayon::prelude::*;
use serde_json::Value;
use std::sync::Arc;

/// How many bytes are read at a time.
pub const CHUNK: usize = 16 << 20;

/// True when `head` (the start of a file) is proven to be JSON Lines: its first non-blank line
/// is a JSON value and more follows, so that the file is not one JSON document.
pub fn is_json_lines(head: &[u8]) -> bool {
    let mut pos = 0;
    while pos < head.len() {
        let Some(end) = memchr::memchr(b'\n', &head[pos..]).map(|i| pos + i) else { return false };
        let line = &head[pos..end];
        pos = end + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        return serde_json::from_slice::<Value>(line).is_ok() && !head[pos..].iter().all(u8::is_ascii_whitespace);
    }
    false
}

/// What a stream of records held.
#[derive(Default)]
pub struct Streamed {
    pub records: u64,
    /// Lines that are not JSON, by line (first ones only).
    json: Vec<Malformed>,
    /// Records that are not CloudTrail records (first ones only).
    records_bad: Vec<String>,
    pub malformed: u64,
}

impl Streamed {
    /// The problems to list, in the order the whole-file reader lists them.
    pub fn listed(self) -> Vec<Malformed> {
        let bad = self.records_bad.into_iter().map(|message| Malformed { location: String::new(), message });
        self.json.into_iter().chain(bad).take(PROBLEMS_LISTED_PER_FILE).collect()
    }

    fn add(&mut self, other: Streamed) {
        self.records += other.records;
        self.malformed += other.malformed;
        let room = PROBLEMS_LISTED_PER_FILE.saturating_sub(self.json.len());
        self.json.extend(other.json.into_iter().take(room));
        let room = PROBLEMS_LISTED_PER_FILE.saturating_sub(self.records_bad.len());
        self.records_bad.extend(other.records_bad.into_iter().take(room));
    }

    fn record_problem(&mut self, message: String) {
        self.malformed += 1;
        if self.records_bad.len() < PROBLEMS_LISTED_PER_FILE {
            self.records_bad.push(message);
        }
    }
}

/// The fields every record is checked for.
struct Required {
    name: Slot,
    source: Slot,
    time: Slot,
}

/// Read the rest of a JSON Lines file whose first `len` bytes are in `buf` (which is
/// [`CHUNK`] bytes long), scanning its records. A read error ends the file with the records
/// before it scanned.
pub fn read_json_lines(
    file: &Arc<str>,
    file_no: usize,
    input: &mut Input,
    mut buf: Vec<u8>,
    mut len: usize,
    scan: &dyn TrailScan,
) -> (Streamed, Option<std::io::Error>) {
    let projection = scan.projection();
    let required = projection.and_then(|p| {
        Some(Required { name: p.slot("eventName", false)?, source: p.slot("eventSource", false)?, time: p.slot("eventTime", false)? })
    });
    let reader = Lines { file, file_no, scan, projection: projection.zip(required) };
    if buf.len() < CHUNK {
        buf.resize(CHUNK, 0);
    }
    let mut out = Streamed::default();
    let mut lines_before = 0usize;
    let mut lines: Vec<(usize, usize, usize)> = vec![];
    loop {
        if let Err(e) = input.fill(&mut buf, &mut len) {
            return (out, Some(e));
        }
        let end = match memchr::memrchr(b'\n', &buf[..len]) {
            _ if input.at_end && !input.truncated => len,
            Some(i) => i + 1,
            None if input.at_end => 0,
            None => {
                // A line longer than the buffer: make room for it.
                buf.resize(buf.len() * 2, 0);
                continue;
            }
        };
        lines.clear();
        let mut pos = 0;
        while pos < end {
            let stop = memchr::memchr(b'\n', &buf[pos..end]).map_or(end, |i| pos + i);
            lines_before += 1;
            if !buf[pos..stop].iter().all(u8::is_ascii_whitespace) {
                lines.push((pos, stop, lines_before));
            }
            pos = stop + 1;
        }
        let chunk = &buf[..end];
        let parts: Vec<Streamed> = lines.par_chunks(BATCH).map(|part| reader.batch(chunk, part)).collect();
        for p in parts {
            out.add(p);
        }
        buf.copy_within(end..len, 0);
        len -= end;
        if input.at_end {
            return (out, None);
        }
    }
}

/// Reads the lines of one file.
struct Lines<'a> {
    file: &'a Arc<str>,
    file_no: usize,
    scan: &'a dyn TrailScan,
    projection: Option<(&'a Projection, Required)>,
}

impl Lines<'_> {
    /// Parse and scan some lines (`(start, end, line number)` in `chunk`).
    fn batch(&self, chunk: &[u8], lines: &[(usize, usize, usize)]) -> Streamed {
        let mut out = Streamed::default();
        let mut batch = self.scan.batch();
        let mut record = self.projection.as_ref().map(|(p, _)| p.record()).unwrap_or_default();
        for &(start, end, line) in lines {
            let text = &chunk[start..end];
            if let Some((p, req)) = &self.projection {
                if std::str::from_utf8(text).is_ok() && p.parse(text, &mut record).unwrap_or(false) {
                    match record_time(p.get(&record, req.name), p.get(&record, req.source), p.get(&record, req.time)) {
                        Ok(time_ms) => {
                            let record = RecordView::Projected(p, &record);
                            let order = (self.file_no, line, 0);
                            batch.record(&Scanned { record, file: self.file, location: Location::Line(line), time_ms, order });
                            out.records += 1;
                        }
                        Err(key) => out.record_problem(format!("line {line}: {key}")),
                    }
                    continue;
                }
            }
            self.whole(text, line, &mut out, batch.as_mut());
        }
        batch.finish();
        out
    }

    /// A line read whole: a record, or a document holding records, or no JSON.
    fn whole(&self, text: &[u8], line: usize, out: &mut Streamed, batch: &mut dyn ScanBatch) {
        let doc = match serde_json::from_slice::<Value>(text) {
            Ok(doc) => doc,
            Err(e) => {
                out.malformed += 1;
                if out.json.len() < PROBLEMS_LISTED_PER_FILE {
                    out.json.push(Malformed { location: format!("line {line}"), message: format!("not valid JSON: {e}") });
                }
                return;
            }
        };
        let sink = ProblemSink::default();
        let mut events: Vec<TrailEvent> = vec![];
        take_document(self.file, doc, &format!("line {line}"), &mut events, &sink);
        for (i, e) in events.iter().enumerate() {
            let location = Location::Text(&e.location);
            let order = (self.file_no, line, i);
            batch.record(&Scanned { record: RecordView::Whole(&e.value), file: self.file, location, time_ms: e.time_ms, order });
        }
        out.records += events.len() as u64;
        for (_, message) in sink.into_inner().unwrap_or_default() {
            out.record_problem(message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_are_told_from_documents() {
        assert!(is_json_lines(b"\n{\"a\":1}\n{\"a\":2}\n"));
        assert!(is_json_lines(b"{\"a\":1}\n{broken"));
        assert!(!is_json_lines(b"{\"a\":1}\n  \n"));
        assert!(!is_json_lines(b"{\"a\":\n1}\n{\"a\":2}\n"));
        assert!(!is_json_lines(b"{\"a\":1}"));
    }
}
