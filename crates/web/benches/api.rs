//! How fast the dashboard's calls answer over a loaded season, through real HTTP.
//! `cargo bench -p nba-props-web --bench api -- [REQUESTS] [FROM TO]`
//!
//! Sets up a fresh database (SQLite, and PostgreSQL when `NBA_PROPS_TEST_DATABASE_URL` is set):
//! import of the archive, phases 2–5 in process over FROM..TO (default the 2023-24 regular
//! season), and a queued backfill of the same range through the job table (so the jobs table
//! holds a season of rows too). Then each endpoint the dashboard uses is requested REQUESTS
//! times (default 30) after a first, timed request; the median and the slowest are printed. Target: every
//! median under 50 ms.

use nba_props_core::{BuildInfo, GameDate};
use nba_props_pipeline::backfill::{backfill, processors_for};
use nba_props_pipeline::import::import_archive;
use nba_props_pipeline::{Ctx, testdata};
use nba_props_runtime::clock::ManualClock;
use nba_props_runtime::{Graph, backfill as rt_backfill};
use nba_props_store::testing;
use nba_props_web::{WebConfig, WebState};
use std::sync::Arc;
use std::time::Instant;

fn d(s: &str) -> GameDate {
    GameDate::parse(s).unwrap()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let requests: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(30);
    let from = args.get(1).map_or("2023-10-01", String::as_str).to_string();
    let to = args.get(2).map_or("2024-04-14", String::as_str).to_string();
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let mut dbs = vec![testing::sqlite().await.unwrap()];
    if let Some(pg) = testing::postgres().await.unwrap() {
        dbs.push(pg);
    }
    for t in dbs {
        let store = &t.store;
        let started = Instant::now();
        import_archive(
            store,
            &data.join("archive"),
            BuildInfo::current(),
            |_, _| {},
        )
        .await
        .unwrap();
        let ctx = Arc::new(Ctx::new(store.clone()).snapshot_raw_index());
        let s = backfill(ctx, processors_for(2..=5), d(&from), d(&to), 2, &|_| {}).await;
        assert!(s.ok(), "{:?}", s.failures);
        let graph = Arc::new(Graph::all());
        let last = d(&to);
        // The afternoon (US Eastern) of the last loaded date.
        let now: jiff::Timestamp = format!("{to}T20:00:00Z").parse().unwrap();
        let clock = ManualClock::at(now.as_millisecond());
        rt_backfill::enqueue(&store.db, &clock, &graph, d(&from), last, 2..=4, 2, 3)
            .await
            .unwrap();
        let rows = |sql: &'static str| {
            let db = store.db.clone();
            async move { db.query(sql, &[]).await.unwrap()[0].i64(0).unwrap_or(0) }
        };
        eprintln!(
            "{}: loaded {from}..{to} in {:.1} s: {} runs, {} jobs, {} predictions, {} grades, {} models",
            t.label,
            started.elapsed().as_secs_f64(),
            rows("SELECT COUNT(*) FROM runs").await,
            rows("SELECT COUNT(*) FROM jobs").await,
            rows("SELECT COUNT(*) FROM predictions").await,
            rows("SELECT COUNT(*) FROM prediction_grades").await,
            rows("SELECT COUNT(*) FROM model_registry").await,
        );
        let state = WebState::new(store.clone(), graph, Arc::new(clock), WebConfig::default());
        let listener = nba_props_web::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(nba_props_web::serve(
            listener,
            state,
            std::future::pending(),
        ));
        nba_props_sources::install_crypto_provider();
        let http = reqwest::Client::new();
        // The last date with predictions (the season's last days may have none).
        let date = store
            .db
            .query(
                "SELECT MAX(game_date) FROM predictions WHERE game_date <= $1",
                &[to.as_str().into()],
            )
            .await
            .unwrap()[0]
            .text(0);
        let paths = [
            "/".to_string(),
            "/api/health".into(),
            "/api/status".into(),
            format!("/api/status/{date}"),
            "/api/jobs?state=queued&limit=100".into(),
            "/api/heartbeats".into(),
            "/api/sources".into(),
            format!("/api/predictions/{date}"),
            format!("/api/predictions/{date}?picks=true"),
            format!("/api/results/{date}"),
            "/api/models".into(),
            "/api/accuracy".into(),
            "/api/accuracy?by=edge".into(),
            "/metrics".into(),
        ];
        println!(
            "\n{} ({requests} requests each, after one warm-up)",
            t.label
        );
        println!(
            "{:<40} {:>10} {:>10} {:>10} {:>10}",
            "endpoint", "first ms", "median ms", "max ms", "bytes"
        );
        for p in &paths {
            let url = format!("{base}{p}");
            // The first request is timed too: it fills the accuracy cache of the server.
            let t0 = Instant::now();
            let warm = http.get(&url).send().await.unwrap();
            assert!(warm.status().is_success(), "{p}: {}", warm.status());
            let bytes = warm.bytes().await.unwrap().len();
            let first = t0.elapsed().as_secs_f64() * 1000.0;
            let mut times = Vec::with_capacity(requests);
            for _ in 0..requests {
                let t0 = Instant::now();
                let r = http.get(&url).send().await.unwrap();
                let _ = r.bytes().await.unwrap();
                times.push(t0.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            let median = times[times.len() / 2];
            println!(
                "{:<40} {:>10.2} {:>10.2} {:>10.2} {:>10}{}",
                p,
                first,
                median,
                times[times.len() - 1],
                bytes,
                if median < 50.0 { "" } else { "  OVER 50 ms" }
            );
        }
    }
}
