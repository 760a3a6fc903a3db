//! Parquet logs: the flow logs AWS delivers to S3 in Parquet (optionally under Hive-style
//! partitions such as `aws-account-id=…/aws-service=vpcflowlogs/aws-region=…/year=…/`), and the
//! files `koban convert` writes for any log kind. The kind is recognised from the columns;
//! columns are mapped by name and cast to koban's schema, partition values fill columns the
//! file lacks.

use super::cloudtrail::{parse_time_ms, TrailEvent};
use super::flow::FlowProjection;
use super::LogKind;
use crate::schema;
use datafusion::arrow::array::{new_null_array, Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::arrow::ProjectionMask;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ParquetError {
    #[error("Parquet: {0}")]
    Read(String),
    #[error("Parquet file with none of the columns of a flow log, CloudTrail or Resolver table (expected e.g. interface_id, event_name or query_name)")]
    UnknownColumns,
    #[error("Parquet column {column}: cannot be read as {expected}: {why}")]
    Cast { column: String, expected: String, why: String },
}

/// What a Parquet file held.
pub struct ParquetRead {
    pub kind: LogKind,
    pub rows: u64,
    pub batches: Vec<RecordBatch>,
    pub trail: Vec<TrailEvent>,
}

/// `key=value` directory names on the way to the file.
pub fn hive_partitions(path: &Path) -> Vec<(String, String)> {
    path.parent()
        .map(|p| {
            p.components()
                .filter_map(|c| c.as_os_str().to_str())
                .filter_map(|s| s.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Read a Parquet file; `flow` says which flow columns to build.
pub fn read_parquet(path: &Path, flow: &FlowProjection) -> Result<ParquetRead, ParquetError> {
    let err = |e: &dyn std::fmt::Display| ParquetError::Read(e.to_string());
    let file = std::fs::File::open(path).map_err(|e| err(&e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| err(&e))?;
    let file_schema = builder.schema().clone();
    let has = |c: &str| file_schema.fields().iter().any(|f| f.name() == c);
    // Resolver query logs also carry srcaddr: their query_name decides first.
    let (kind, target): (LogKind, SchemaRef) = if has("query_name") {
        (LogKind::Resolver, schema::dns())
    } else if has("event_name") && has("record") {
        (LogKind::Cloudtrail, schema::cloudtrail())
    } else if has("interface_id") || has("srcaddr") || has("tgw_id") {
        (LogKind::Flow, flow.schema())
    } else {
        return Err(ParquetError::UnknownColumns);
    };
    let wanted: Vec<usize> = file_schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| target.fields().iter().any(|t| t.name() == f.name()))
        .map(|(i, _)| i)
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), wanted);
    let reader = builder.with_projection(mask).with_batch_size(65536).build().map_err(|e| err(&e))?;
    let partitions = hive_partitions(path);
    let partition_value = |column: &str| {
        let key = match column {
            "account_id" => "aws-account-id",
            "region" => "aws-region",
            _ => return None,
        };
        partitions.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    };
    let mut batches = vec![];
    let mut rows = 0u64;
    for b in reader {
        let b = b.map_err(|e| err(&e))?;
        rows += b.num_rows() as u64;
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(target.fields().len());
        for t in target.fields() {
            let col = match b.column_by_name(t.name()) {
                Some(c) if c.data_type() == t.data_type() => c.clone(),
                Some(c) => cast(c, t.data_type()).map_err(|e| ParquetError::Cast {
                    column: t.name().clone(),
                    expected: t.data_type().to_string(),
                    why: e.to_string(),
                })?,
                None => match partition_value(t.name()) {
                    Some(v) => Arc::new(StringArray::from(vec![Some(v.as_str()); b.num_rows()])),
                    None => new_null_array(t.data_type(), b.num_rows()),
                },
            };
            cols.push(col);
        }
        batches.push(RecordBatch::try_new(target.clone(), cols).map_err(|e| err(&e))?);
    }
    let mut trail = vec![];
    if kind == LogKind::Cloudtrail {
        for b in batches.drain(..) {
            let rec = b.column_by_name("record").map(|c| c.as_string::<i32>().clone());
            let file = b.column_by_name("log_file").map(|c| c.as_string::<i32>().clone());
            let loc = b.column_by_name("log_location").map(|c| c.as_string::<i32>().clone());
            let Some(rec) = rec else { continue };
            for i in 0..b.num_rows() {
                if rec.is_null(i) {
                    continue;
                }
                let Ok(value) = serde_json::from_str::<serde_json::Value>(rec.value(i)) else { continue };
                let Some(time_ms) = value.get("eventTime").and_then(|t| t.as_str()).and_then(parse_time_ms) else { continue };
                let f =
                    file.as_ref().filter(|f| !f.is_null(i)).map(|f| f.value(i).to_string()).unwrap_or_else(|| path.display().to_string());
                let l = loc.as_ref().filter(|l| !l.is_null(i)).map(|l| l.value(i).to_string()).unwrap_or_default();
                trail.push(TrailEvent { value, file: Arc::from(f), location: l, time_ms });
            }
        }
    }
    Ok(ParquetRead { kind, rows, batches, trail })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_partition_values_come_from_the_path() {
        let p = Path::new("/logs/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/x.parquet");
        let parts = hive_partitions(p);
        assert!(parts.contains(&("aws-region".into(), "eu-west-1".into())));
        assert!(parts.contains(&("aws-account-id".into(), "123456789012".into())));
    }
}
