//! Threat detection over logs (DESIGN.md "detect"): readers for VPC Flow Logs, CloudTrail and
//! Route 53 Resolver query logs producing Arrow tables, detectors as Apache DataFusion plans
//! (embedded, or on an Apache Ballista cluster with the `cluster` feature), threat lists and a
//! native Sigma engine for CloudTrail. Not here: building the twin (koban-ingest), network
//! reachability (koban-net), the findings store (koban-findings), the command line.

pub mod detectors;
pub mod engine;
pub mod read;
pub mod run;
pub mod schema;
pub mod sigma;
pub mod threat;
pub mod twin;

#[cfg(feature = "cluster")]
pub mod cluster;

/// An engine on the Ballista cluster at `url` holding Parquet copies of the logs.
#[cfg(feature = "cluster")]
pub fn cluster_engine(
    url: &str,
    logs: &read::Logs,
    data: Option<&std::path::Path>,
    threads: usize,
    trail_table: bool,
) -> Result<engine::Engine, engine::EngineError> {
    cluster::engine(url, logs, data, threads, trail_table)
}

/// Without the `cluster` feature there is no Ballista client.
#[cfg(not(feature = "cluster"))]
pub fn cluster_engine(
    url: &str,
    _logs: &read::Logs,
    _data: Option<&std::path::Path>,
    _threads: usize,
    _trail_table: bool,
) -> Result<engine::Engine, engine::EngineError> {
    Err(engine::EngineError::Cluster(format!(
        "cannot reach {url}: this koban was built without the `cluster` feature (cargo build --features cluster)"
    )))
}
