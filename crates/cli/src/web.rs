//! `serve`'s web server: the dashboard, the JSON API and /metrics on `[web] addr`, stopped with
//! the workers by the first SIGTERM or ctrl-c.

use crate::config::Config;
use nba_props_runtime::worker::Stop;
use nba_props_runtime::{Graph, SystemClock};
use nba_props_store::Store;
use nba_props_web::{WebConfig, WebState};
use std::sync::Arc;
use tokio::sync::watch;

pub type Handle = tokio::task::JoinHandle<std::io::Result<()>>;

/// Binds `[web] addr` (a bind failure fails `serve` at once) and serves until `stop` asks to.
pub async fn start(
    config: &Config,
    store: &Store,
    graph: &Arc<Graph>,
    stop: &watch::Receiver<Stop>,
) -> anyhow::Result<Handle> {
    let listener = nba_props_web::bind(&config.web.addr).await?;
    let token = config.web.token.clone().filter(|t| !t.is_empty());
    if token.is_none() {
        eprintln!(
            "No [web] token (NBA_PROPS_WEB_TOKEN): the API's retry, backfill and reconcile answer 401."
        );
    }
    let state = WebState::new(
        store.clone(),
        graph.clone(),
        Arc::new(SystemClock),
        WebConfig {
            token,
            max_attempts: config.runtime.max_attempts,
            backfill_workers: config.runtime.workers.max(1),
            ops: config.ops.clone(),
        },
    );
    eprintln!(
        "Dashboard on http://{}/ (API under /api, metrics on /metrics).",
        listener.local_addr()?
    );
    let mut stop = stop.clone();
    Ok(tokio::spawn(nba_props_web::serve(
        listener,
        state,
        async move {
            let _ = stop.wait_for(|s| *s >= Stop::Finish).await;
        },
    )))
}

/// Waits (after the workers ended) for the server to finish its requests in flight; false,
/// after saying why, when it failed. A server still up after 5 s is stopped: the workers may
/// have ended on an error rather than a signal, and `serve` must not live on as a page only.
pub async fn join(mut handle: Handle) -> bool {
    let done = match tokio::time::timeout(std::time::Duration::from_secs(5), &mut handle).await {
        Ok(done) => done,
        Err(_) => {
            handle.abort();
            return true;
        }
    };
    match done {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            eprintln!("web server: {e}");
            false
        }
        Err(e) => {
            eprintln!("the web server task failed: {e}");
            false
        }
    }
}
