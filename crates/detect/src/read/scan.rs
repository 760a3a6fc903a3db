//! Handing CloudTrail records to a consumer as they are read (the Sigma engine), instead of
//! keeping them: the reader parses a batch of records, passes each to the batch's accumulator
//! and drops it, so a run's memory does not grow with the size of its logs.

use super::projection::{Projected, Projection};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

/// How many records one scan batch holds (batches are scanned in parallel).
pub const BATCH: usize = 512;

/// A CloudTrail record as read: whole, or reduced to a projection's fields.
#[derive(Clone, Copy)]
pub enum RecordView<'a> {
    Whole(&'a Value),
    Projected(&'a Projection, &'a Projected),
}

impl<'a> RecordView<'a> {
    /// The whole record, when it was kept whole.
    pub fn whole(self) -> Option<&'a Value> {
        match self {
            RecordView::Whole(v) => Some(v),
            RecordView::Projected(..) => None,
        }
    }
}

/// Where a record is in its file.
#[derive(Clone, Copy)]
pub enum Location<'a> {
    /// A whole line (JSON Lines).
    Line(usize),
    /// A line or a JSON path (`/Records/12`, `line 3 /0`).
    Text(&'a str),
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Text(t) => f.write_str(t),
        }
    }
}

/// One record handed to a scan.
#[derive(Clone, Copy)]
pub struct Scanned<'a> {
    pub record: RecordView<'a>,
    pub file: &'a Arc<str>,
    pub location: Location<'a>,
    /// `eventTime` in milliseconds since the epoch.
    pub time_ms: i64,
    /// Orders records as they appear in the inputs: file number, then place in the file.
    pub order: (usize, usize, usize),
}

/// A consumer of CloudTrail records.
pub trait TrailScan: Sync {
    /// The fields it reads, when not whole records.
    fn projection(&self) -> Option<&Projection>;
    /// An accumulator for one batch of records (batches are read in parallel).
    fn batch(&self) -> Box<dyn ScanBatch + '_>;
}

/// Accumulates what a scan finds in one batch of records.
pub trait ScanBatch {
    fn record(&mut self, record: &Scanned<'_>);
    /// Hand the batch's results to the scan.
    fn finish(self: Box<Self>);
}
