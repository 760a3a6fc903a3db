//! Scale-out on Apache Ballista (feature `cluster`): a session on the scheduler at
//! `df://HOST:PORT` whose log tables are Parquet copies of the logs that the executors read
//! (so the staging directory must be reachable by them: a shared file system for a real
//! cluster), and a local scheduler plus executor started in this process, for trying the
//! cluster mode on one machine.

use crate::engine::{Engine, EngineError, Present, CLOUDTRAIL, DNS, FLOWS};
use crate::read::cloudtrail::trail_batch;
use crate::read::Logs;
use crate::schema;
use ballista::prelude::SessionContextExt;
use datafusion::prelude::SessionContext;
use std::path::Path;

/// An engine on the cluster at `url` (`df://HOST:PORT`), with the logs staged as Parquet under
/// `data` (a new temporary directory when `None`).
pub fn engine(url: &str, logs: &Logs, data: Option<&Path>, threads: usize, trail_table: bool) -> Result<Engine, EngineError> {
    let threads = if threads == 0 { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) } else { threads };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(threads.max(2)).enable_all().build()?;
    let ctx = rt.block_on(SessionContext::remote(url)).map_err(|e| EngineError::Cluster(format!("{url}: {e}")))?;
    let (dir, temporary) = match data {
        Some(d) => (d.join(format!("koban-{}", std::process::id())), false),
        None => {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
            (std::env::temp_dir().join(format!("koban-cluster-{}-{nanos}", std::process::id())), true)
        }
    };
    std::fs::create_dir_all(&dir)?;
    let mut e = Engine::remote(ctx, rt, dir, temporary);
    let parts = threads.max(1) * 2;
    e.register_batches(FLOWS, logs.flow_schema.clone(), logs.flows.clone(), parts)?;
    let trail = if logs.trail.is_empty() || !trail_table { vec![] } else { vec![trail_batch(&logs.trail)?] };
    e.register_batches(CLOUDTRAIL, schema::cloudtrail(), trail, 1)?;
    e.register_batches(DNS, schema::dns(), logs.dns.clone(), parts)?;
    e.present = Present { flows: logs.flow_rows() > 0, cloudtrail: trail_table && !logs.trail.is_empty(), dns: logs.dns_rows() > 0 };
    Ok(e)
}

/// Start a Ballista scheduler and one executor with `vcores` task slots in this process (on
/// free localhost ports); returns the scheduler's `df://localhost:PORT`. They run until the
/// process exits, on the current Tokio runtime.
pub async fn start_local_cluster(vcores: usize) -> Result<String, EngineError> {
    use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
    use ballista_core::serde::BallistaCodec;
    let addr = ballista_scheduler::standalone::new_standalone_scheduler().await.map_err(|e| EngineError::Cluster(e.to_string()))?;
    let url = format!("http://localhost:{}", addr.port());
    let mut tries = 0;
    let scheduler = loop {
        match SchedulerGrpcClient::connect(url.clone()).await {
            Ok(s) => break s,
            Err(e) if tries > 100 => return Err(EngineError::Cluster(format!("scheduler at {url} does not answer: {e}"))),
            Err(_) => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    };
    ballista_executor::new_standalone_executor(scheduler, vcores.max(1), BallistaCodec::default())
        .await
        .map_err(|e| EngineError::Cluster(e.to_string()))?;
    Ok(format!("df://localhost:{}", addr.port()))
}
