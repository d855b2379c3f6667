//! In-process workers for the runtime tests.

use nba_props_runtime::worker::{Stop, Worker, WorkerConfig};
use nba_props_runtime::{Graph, SystemClock, jobs};
use nba_props_store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Quick polling and heartbeats, a lease long enough for any batch of the test data.
pub fn fast_config(name: &str) -> WorkerConfig {
    WorkerConfig {
        name: name.into(),
        poll_ms: 20,
        heartbeat_ms: 200,
        lease_ttl_ms: 30_000,
        ..WorkerConfig::default()
    }
}

/// Runs `n` workers until no job is queued or running, then stops them.
pub async fn run_workers(
    store: &Store,
    graph: &Arc<Graph>,
    n: usize,
    config: fn(&str) -> WorkerConfig,
) {
    let (stop, rx) = tokio::sync::watch::channel(Stop::Run);
    let mut handles = Vec::new();
    for i in 1..=n {
        let w = Worker::new(
            store.clone(),
            graph.clone(),
            config(&format!("worker-{i}")),
            Arc::new(SystemClock),
        )
        .await
        .unwrap();
        handles.push(tokio::spawn(w.run(rx.clone())));
    }
    let started = Instant::now();
    loop {
        let c = jobs::counts(&store.db, None).await.unwrap();
        let pending = c.get(&jobs::JobState::Queued).copied().unwrap_or(0)
            + c.get(&jobs::JobState::Running).copied().unwrap_or(0);
        if pending == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "jobs still pending after 5 minutes: {c:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    stop.send(Stop::Finish).unwrap();
    for h in handles {
        h.await.unwrap().unwrap();
    }
}
