//! The query engine: an embedded Apache DataFusion session holding the log tables (`flows`,
//! `cloudtrail`, `dns`) and the small lookup tables detectors join with, running detector SQL
//! and returning Arrow batches. With the `cluster` feature the same SQL runs on an Apache
//! Ballista cluster over Parquet copies of the tables (see [`crate::cluster`]).

use crate::read::cloudtrail::trail_batch;
use crate::read::Logs;
use crate::schema;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("query engine: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error("Arrow: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    #[error("starting the query runtime: {0}")]
    Runtime(#[from] std::io::Error),
    #[error("writing Parquet: {0}")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    #[error("cluster: {0}")]
    Cluster(String),
}

/// The names of the log tables.
pub const FLOWS: &str = "flows";
pub const CLOUDTRAIL: &str = "cloudtrail";
pub const DNS: &str = "dns";

/// Which log tables hold rows (detectors over empty tables are skipped).
#[derive(Debug, Clone, Copy, Default)]
pub struct Present {
    pub flows: bool,
    pub cloudtrail: bool,
    pub dns: bool,
}

/// A DataFusion session with the logs registered.
pub struct Engine {
    pub ctx: SessionContext,
    rt: tokio::runtime::Runtime,
    pub present: Present,
    /// True when the session runs on a Ballista cluster.
    pub remote: bool,
    /// Where the cluster mode writes its Parquet tables (removed on drop when temporary).
    staging: Option<(std::path::PathBuf, bool)>,
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Some((dir, true)) = &self.staging {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Engine {
    /// An embedded session using `threads` threads (0: all cores).
    pub fn embedded(threads: usize) -> Result<Engine, EngineError> {
        let threads = if threads == 0 { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) } else { threads };
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build()?;
        let config = SessionConfig::new().with_target_partitions(threads).with_information_schema(false);
        Ok(Engine { ctx: SessionContext::new_with_config(config), rt, present: Present::default(), remote: false, staging: None })
    }

    /// A session on a cluster whose tables are Parquet files under `staging` (`temporary`:
    /// remove the directory when done).
    pub fn remote(ctx: SessionContext, rt: tokio::runtime::Runtime, staging: std::path::PathBuf, temporary: bool) -> Engine {
        Engine { ctx, rt, present: Present::default(), remote: true, staging: Some((staging, temporary)) }
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Register the logs as in-memory tables, spreading flow batches over the session's
    /// partitions; the `cloudtrail` table only when a detector reads it (`trail_table`).
    pub fn register_logs(&mut self, logs: &Logs, trail_table: bool) -> Result<(), EngineError> {
        let parts = self.ctx.copied_config().target_partitions().max(1);
        self.register_batches(FLOWS, logs.flow_schema.clone(), logs.flows.clone(), parts)?;
        let trail = if logs.trail.is_empty() || !trail_table { vec![] } else { vec![trail_batch(&logs.trail)?] };
        self.register_batches(CLOUDTRAIL, schema::cloudtrail(), trail, parts)?;
        self.register_batches(DNS, schema::dns(), logs.dns.clone(), parts)?;
        self.present = Present { flows: logs.flow_rows() > 0, cloudtrail: trail_table && !logs.trail.is_empty(), dns: logs.dns_rows() > 0 };
        Ok(())
    }

    /// Register (or replace) a table: in memory, or on a cluster as Parquet files the
    /// executors read (`parts` files).
    pub fn register_batches(&self, name: &str, schema: SchemaRef, batches: Vec<RecordBatch>, parts: usize) -> Result<(), EngineError> {
        if let Some((dir, _)) = &self.staging {
            let table_dir = dir.join(name);
            let _ = std::fs::remove_dir_all(&table_dir);
            std::fs::create_dir_all(&table_dir)?;
            let parts = parts.max(1).min(batches.len().max(1));
            let mut groups: Vec<Vec<RecordBatch>> = vec![vec![]; parts];
            for (i, b) in batches.into_iter().enumerate() {
                groups[i % parts].push(b);
            }
            for (i, g) in groups.iter().enumerate() {
                write_parquet(&table_dir.join(format!("part-{i:04}.parquet")), schema.clone(), g)?;
            }
            let _ = self.ctx.deregister_table(name)?;
            let path = table_dir.display().to_string();
            let opts = datafusion::prelude::ParquetReadOptions::default().schema(&schema);
            self.rt.block_on(self.ctx.register_parquet(name, &path, opts))?;
            return Ok(());
        }
        let mut partitions: Vec<Vec<RecordBatch>> = vec![vec![]; parts.max(1)];
        for (i, b) in batches.into_iter().enumerate() {
            partitions[i % parts.max(1)].push(b);
        }
        let _ = self.ctx.deregister_table(name)?;
        self.ctx.register_table(name, Arc::new(MemTable::try_new(schema, partitions)?))?;
        Ok(())
    }

    /// Run one query to completion.
    pub fn sql(&self, query: &str) -> Result<Vec<RecordBatch>, EngineError> {
        self.rt.block_on(async {
            let df = self.ctx.sql(query).await?;
            Ok(df.collect().await?)
        })
    }
}

/// Write batches to one Parquet file (Snappy-compressed).
pub fn write_parquet(path: &std::path::Path, schema: SchemaRef, batches: &[RecordBatch]) -> Result<u64, EngineError> {
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::parquet::basic::Compression;
    use datafusion::parquet::file::properties::WriterProperties;
    let file = std::fs::File::create(path)?;
    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let mut w = ArrowWriter::try_new(file, schema, Some(props))?;
    let mut rows = 0u64;
    for b in batches {
        rows += b.num_rows() as u64;
        w.write(b)?;
    }
    w.close()?;
    Ok(rows)
}
