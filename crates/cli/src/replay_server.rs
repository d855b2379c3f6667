//! `nba-props replay-server`: the archive served on the real sources' endpoints as of a replay
//! clock (`docs/replay.md`), until Ctrl-C or SIGTERM.

use anyhow::Context;
use nba_props_replay::ReplayServer;
use nba_props_runtime::clock::AcceleratedClock;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// The variables that point every scraper host at one base URL.
const BASE_URL_VARS: [&str; 6] = [
    "NBA_PROPS_NBA_STATS_BASE_URL",
    "NBA_PROPS_NBA_CDN_BASE_URL",
    "NBA_PROPS_INJURY_REPORT_BASE_URL",
    "NBA_PROPS_ESPN_BASE_URL",
    "NBA_PROPS_ODDS_API_BASE_URL",
    "NBA_PROPS_BETTINGPROS_BASE_URL",
];

pub async fn run(
    archive: &Path,
    addr: SocketAddr,
    from: &str,
    speed: f64,
) -> anyhow::Result<ExitCode> {
    let start: jiff::Timestamp = from.parse().with_context(|| {
        format!("--from {from:?}: not an RFC 3339 instant (2024-01-08T06:00:00-05:00)")
    })?;
    if !(speed.is_finite() && speed >= 0.0) {
        anyhow::bail!("--speed {speed}: must be a number >= 0");
    }
    let clock = Arc::new(AcceleratedClock::starting_at(start.as_millisecond(), speed));
    let server = ReplayServer::start(archive, addr, clock).await?;
    let base = server.base_url();
    println!("Replay server listening on {}", server.addr());
    println!(
        "Serving {} as of {} (x{speed}); point the scrapers at it:",
        archive.display(),
        start.strftime("%Y-%m-%dT%H:%M:%SZ")
    );
    for var in BASE_URL_VARS {
        println!("  export {var}={base}");
    }
    println!("  (any NBA_PROPS_ODDS_API_KEY / NBA_PROPS_BETTINGPROS_API_KEY value is accepted)");
    for s in server.skipped() {
        eprintln!("left out of the replay: {s}");
    }
    wait_for_stop().await;
    let served = server.requests();
    server.shutdown().await;
    println!("Stopped. Requests served per endpoint:");
    for (endpoint, n) in served {
        println!("  {endpoint}: {n}");
    }
    Ok(ExitCode::SUCCESS)
}

async fn wait_for_stop() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
