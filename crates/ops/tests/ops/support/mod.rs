//! A real database for the operations tests: the dev archive imported and phases 2-4 run
//! through the job runtime, by workers on an injected clock.
#![allow(dead_code)]

use nba_props_core::GameDate;
use nba_props_ops::config::{Deadline, OpsConfig};
use nba_props_runtime::clock::ManualClock;
use nba_props_runtime::worker::{Stop, Worker, WorkerConfig};
use nba_props_runtime::{Clock, Graph, jobs};
use nba_props_store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An instant given as Eastern wall time, `YYYY-MM-DD HH:MM`.
pub fn et(s: &str) -> i64 {
    let dt: jiff::civil::DateTime = s.replace(' ', "T").parse().unwrap();
    dt.to_zoned(nba_props_core::date::eastern().clone())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

pub fn d(s: &str) -> GameDate {
    GameDate::parse(s).unwrap()
}

pub fn fast_config(name: &str) -> WorkerConfig {
    WorkerConfig {
        name: name.into(),
        poll_ms: 20,
        heartbeat_ms: 200,
        lease_ttl_ms: 30_000,
        ..WorkerConfig::default()
    }
}

/// Runs `n` workers on `clock` until no job is queued or running, then stops them.
pub async fn run_workers(store: &Store, graph: &Arc<Graph>, n: usize, clock: &ManualClock) {
    let (stop, rx) = tokio::sync::watch::channel(Stop::Run);
    let mut handles = Vec::new();
    for i in 1..=n {
        let clock: Arc<dyn Clock> = Arc::new(clock.clone());
        let w = Worker::new(
            store.clone(),
            graph.clone(),
            fast_config(&format!("worker-{i}")),
            clock,
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

/// Deadlines for what the dev archive holds (the box-score source) and phases 2-4.
pub fn test_config() -> OpsConfig {
    let dl = |item: &str, day_offset: i32, at: &str| Deadline {
        item: item.into(),
        day_offset,
        at: at.into(),
    };
    OpsConfig {
        deadlines: vec![
            dl("nbacom.leaguegamelog_player", 1, "07:00"),
            dl("nbac_player_boxscores", 1, "07:30"),
            dl("player_game_summary", 1, "08:00"),
            dl("team_game_summary", 1, "08:00"),
            dl("player_daily_cache", 0, "10:00"),
            dl("feature_store", 0, "10:30"),
        ],
        ..OpsConfig::default()
    }
}
