//! A server on a free port over a store loaded from the dev archive (phases 2–5 in process),
//! with a manual clock, and a small HTTP client.

use nba_props_core::{BuildInfo, GameDate};
use nba_props_pipeline::Ctx;
use nba_props_pipeline::backfill::{backfill, processors_for};
use nba_props_pipeline::import::import_archive;
use nba_props_runtime::Graph;
use nba_props_runtime::clock::ManualClock;
use nba_props_runtime::worker::{Step, Worker, WorkerConfig};
use nba_props_store::Store;
use nba_props_web::{Limits, WebConfig, WebState};
use std::path::Path;
use std::sync::Arc;

/// The loaded range: the first weeks train the models (as in the phase 5 tests).
pub const FROM: &str = "2023-10-01";
pub const TO: &str = "2023-11-21";
pub const TOKEN: &str = "test-token-0123456789";

pub fn d(s: &str) -> GameDate {
    GameDate::parse(s).unwrap()
}

pub fn clock_at(rfc3339: &str) -> ManualClock {
    ManualClock::at(rfc3339.parse::<jiff::Timestamp>().unwrap().as_millisecond())
}

pub struct App {
    pub base: String,
    pub store: Store,
    pub graph: Arc<Graph>,
    pub clock: ManualClock,
    /// "Tonight" of the loaded server: the last loaded date with PRA picks (the only market with
    /// lines in 2023-24); the clock stands at its afternoon, US Eastern.
    pub day: String,
    pub http: reqwest::Client,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl App {
    /// Imports the archive and runs phases 2–5 over `FROM..=TO` in process, then serves.
    pub async fn loaded(store: &Store, data: &Path) -> App {
        let started = std::time::Instant::now();
        import_archive(
            store,
            &data.join("archive"),
            BuildInfo::current(),
            |_, _| {},
        )
        .await
        .unwrap();
        let ctx = Arc::new(Ctx::new(store.clone()).snapshot_raw_index());
        let s = backfill(ctx, processors_for(2..=5), d(FROM), d(TO), 2, &|_| {}).await;
        assert!(s.ok(), "{:?} {:?}", s.failures, s.bad_payloads);
        let day = store
            .db
            .query(
                "SELECT MAX(game_date) FROM predictions WHERE recommendation IN ('OVER', 'UNDER') AND game_date <= $1",
                &[TO.into()],
            )
            .await
            .unwrap()[0]
            .text(0);
        eprintln!(
            "loaded {FROM}..{TO} through phase 5 in {:.1} s; tonight is {day}",
            started.elapsed().as_secs_f64()
        );
        let mut app = App::start(store, clock_at(&format!("{day}T20:00:00Z"))).await;
        app.day = day;
        app
    }

    pub async fn start(store: &Store, clock: ManualClock) -> App {
        App::start_with(store, clock, Arc::new(Graph::all()), Limits::default()).await
    }

    /// A server over `graph` with the given timeouts and size limits.
    pub async fn start_with(
        store: &Store,
        clock: ManualClock,
        graph: Arc<Graph>,
        limits: Limits,
    ) -> App {
        let state = WebState::new(
            store.clone(),
            graph.clone(),
            Arc::new(clock.clone()),
            WebConfig {
                token: Some(TOKEN.into()),
                ..WebConfig::default()
            },
        )
        .with_limits(limits);
        nba_props_sources::install_crypto_provider();
        let listener = nba_props_web::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(nba_props_web::serve(listener, state, async {
            let _ = rx.await;
        }));
        App {
            base,
            store: store.clone(),
            graph,
            clock,
            day: String::new(),
            http: reqwest::Client::new(),
            stop,
            server,
        }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.server.await.unwrap().unwrap();
    }

    /// GET `path`: status and JSON body.
    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn get_text(&self, path: &str) -> (u16, String, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, ct, r.text().await.unwrap())
    }

    /// POST `path` with a JSON body and, when given, a bearer token.
    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> (u16, serde_json::Value) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Runs the queued jobs with one worker on the manual clock, step by step, then beats.
    pub async fn run_jobs(&self, name: &str) -> usize {
        let cfg = WorkerConfig {
            name: name.into(),
            ..WorkerConfig::default()
        };
        let w = Worker::new(
            self.store.clone(),
            self.graph.clone(),
            cfg,
            Arc::new(self.clock.clone()),
        )
        .await
        .unwrap();
        let mut ran = 0;
        for _ in 0..1000 {
            match w.step().await.unwrap() {
                Step::Ran { succeeded, .. } => ran += succeeded,
                Step::Idle => break,
            }
        }
        w.beat_now().await;
        ran
    }
}

pub async fn count(store: &Store, sql: &str, params: &[nba_props_store::Value]) -> i64 {
    store.db.query(sql, params).await.unwrap()[0]
        .i64(0)
        .unwrap_or(0)
}

/// A phase 1 fetch in the graph, as `serve` has one per source dataset (the real ones need the
/// cli's sources); it never runs here: the tests only enqueue.
struct LiveFetch;

static LIVE_FETCH: nba_props_pipeline::processor::Declaration =
    nba_props_pipeline::processor::Declaration {
        name: "test_fetch_oddsapi_player_props",
        phase: 1,
        inputs: &[],
        outputs: &[],
    };

impl nba_props_pipeline::Processor for LiveFetch {
    fn declaration(&self) -> &'static nba_props_pipeline::processor::Declaration {
        &LIVE_FETCH
    }

    fn run<'a>(
        &'a self,
        _ctx: &'a Ctx,
        date: GameDate,
    ) -> nba_props_pipeline::processor::BoxFuture<
        'a,
        Result<nba_props_pipeline::processor::Output, nba_props_pipeline::processor::ProcessError>,
    > {
        Box::pin(async move { panic!("the test's live fetch ran for {date}") })
    }
}

/// Every processor of phases 2 and later, fed by one phase 1 fetch (the Odds API's props).
pub fn graph_with_live_fetch() -> Graph {
    Graph::with_sources(
        processors_for(2..=9),
        vec![nba_props_runtime::dag::SourceNode {
            processor: Box::new(LiveFetch),
            source: "oddsapi",
            dataset: "player_props",
        }],
    )
}
