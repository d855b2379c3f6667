//! What `serve` runs besides its workers: the scheduler loop and, every `alert_every_ms`, a
//! health check whose alerts are delivered. One call, so `serve` stays a few lines.

use crate::config::OpsConfig;
use crate::scheduler::Scheduler;
use crate::{Result, alerts, health};
use nba_props_runtime::worker::Stop;
use nba_props_runtime::{Clock, Graph};
use nba_props_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Starts the scheduler (when `config.scheduler`) and the alert loop; both end when `stop`
/// asks to finish. Refuses a configuration whose schedules cannot work.
pub fn spawn(
    store: Store,
    clock: Arc<dyn Clock>,
    graph: Arc<Graph>,
    config: &OpsConfig,
    max_attempts: i64,
    stop: watch::Receiver<Stop>,
) -> Result<JoinSet<()>> {
    let mut set = JoinSet::new();
    if config.scheduler {
        let s = Scheduler::new(config, &graph, max_attempts)?;
        set.spawn(s.run(
            store.clone(),
            clock.clone(),
            graph.clone(),
            Duration::from_millis(config.tick_every_ms.max(1000)),
            stop.clone(),
        ));
    }
    if config.alerts.every_ms > 0 {
        let http = alerts::client()?;
        let config = config.clone();
        let mut stop = stop;
        set.spawn(async move {
            loop {
                let pass = async {
                    let report =
                        health::check(&store, clock.as_ref(), &graph, &config, config.health.days)
                            .await?;
                    let raised =
                        alerts::evaluate(&store, clock.as_ref(), &report, &config.alerts).await?;
                    alerts::deliver(&store, clock.as_ref(), &config.alerts, &http, &raised).await
                };
                if let Err(e) = pass.await {
                    tracing::error!(error = %e, "Health and alert pass failed; retrying at the next pass.");
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(config.alerts.every_ms)) => {}
                    _ = stop.wait_for(|s| *s >= Stop::Finish) => return,
                }
            }
        });
    }
    Ok(set)
}
