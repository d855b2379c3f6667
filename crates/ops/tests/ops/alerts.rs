//! Alerts delivered to a real local HTTP server in Slack's webhook format, on SQLite and
//! PostgreSQL: a stale worker raises one alert; the condition flapping (healthy, stale again)
//! the same day sends nothing more; the rate limit caps a burst; the next day alerts again.

use crate::support::*;
use nba_props_ops::config::{AlertSettings, OpsConfig};
use nba_props_ops::{alerts, health};
use nba_props_runtime::clock::ManualClock;
use nba_props_runtime::heartbeat::{WorkerBeat, beat};
use nba_props_runtime::{Clock, Graph};
use nba_props_store::{Store, testing};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn worker_at(store: &Store, name: &str, last_beat_at: i64) {
    beat(
        &store.db,
        &WorkerBeat {
            worker: name.into(),
            host: "host".into(),
            pid: 1,
            build: nba_props_core::BuildInfo::current().to_string(),
            started_at: last_beat_at,
            last_beat_at,
            state: "idle".into(),
            current_job: None,
            jobs_done: 0,
            jobs_failed: 0,
            heartbeat_errors: 0,
        },
    )
    .await
    .unwrap();
}

async fn pass(
    store: &Store,
    clock: &ManualClock,
    config: &OpsConfig,
    http: &reqwest::Client,
) -> alerts::Delivered {
    let graph = Graph::all();
    let report = health::check(store, clock, &graph, config, 3)
        .await
        .unwrap();
    let raised = alerts::evaluate(store, clock, &report, &config.alerts)
        .await
        .unwrap();
    alerts::deliver(store, clock, &config.alerts, http, &raised)
        .await
        .unwrap()
}

async fn posts(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            v["text"].as_str().unwrap().to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_reach_the_webhook_once_per_condition_and_day_and_respect_the_rate_limit() {
    for t in testing::all().await {
        let who = t.label;
        let store = &t.store;
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/hook"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let config = OpsConfig {
            alerts: AlertSettings {
                webhook_url: Some(format!("{}/hook", server.uri())),
                max_per_rule_per_hour: 3,
                // The empty database scores 100 or close: only the heartbeat rules fire here.
                min_health_score: 0.0,
                ..AlertSettings::default()
            },
            ..OpsConfig::default()
        };
        let http = alerts::client().unwrap();
        let clock = ManualClock::at(et("2023-11-15 14:00"));

        // A worker silent for 10 minutes: one alert, delivered.
        worker_at(store, "w1", clock.now_ms() - 600_000).await;
        let d = pass(store, &clock, &config, &http).await;
        assert_eq!(
            d.sent,
            vec!["stale_heartbeats worker w1".to_string()],
            "{who}: {d:?}"
        );
        let got = posts(&server).await;
        assert_eq!(got.len(), 1, "{who}");
        assert!(
            got[0].contains("*stale_heartbeats*") && got[0].contains("worker w1"),
            "{who}: {got:?}"
        );

        // Flapping: it beats again (healthy), then goes silent again, twice. Nothing more is sent.
        for _ in 0..2 {
            clock.advance(60_000);
            worker_at(store, "w1", clock.now_ms()).await;
            let d = pass(store, &clock, &config, &http).await;
            assert!(
                d.sent.is_empty() && d.duplicates.is_empty(),
                "{who}: healthy: {d:?}"
            );
            clock.advance(600_000);
            let d = pass(store, &clock, &config, &http).await;
            assert!(d.sent.is_empty(), "{who}: flapping sent again: {d:?}");
            assert_eq!(
                d.duplicates,
                vec!["stale_heartbeats worker w1".to_string()],
                "{who}"
            );
        }
        assert_eq!(
            posts(&server).await.len(),
            1,
            "{who}: the flapping condition spammed"
        );
        let occurrences = nba_props_runtime::testing::count(
            &store.db,
            "SELECT occurrences FROM alerts WHERE rule = 'stale_heartbeats' AND alert_key = 'worker w1'",
        )
        .await;
        assert_eq!(occurrences, 3, "{who}: every sighting is counted");

        // A burst of five more silent workers within the hour: the rule's limit is 3 an hour,
        // one already went, so two are sent and three are recorded as rate-limited.
        for i in 2..=6 {
            worker_at(store, &format!("w{i}"), clock.now_ms() - 600_000).await;
        }
        let d = pass(store, &clock, &config, &http).await;
        assert_eq!((d.sent.len(), d.rate_limited.len()), (2, 3), "{who}: {d:?}");
        assert_eq!(posts(&server).await.len(), 3, "{who}");

        // The next day the conditions still hold: they are alerted again, within the limit.
        clock.advance(86_400_000);
        let d = pass(store, &clock, &config, &http).await;
        assert_eq!((d.sent.len(), d.rate_limited.len()), (3, 3), "{who}: {d:?}");
        assert_eq!(posts(&server).await.len(), 6, "{who}");

        // Without a webhook alerts go to the log only, and a refusing webhook is recorded.
        let refusing = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .mount(&refusing)
            .await;
        let bad = OpsConfig {
            alerts: AlertSettings {
                webhook_url: Some(refusing.uri()),
                min_health_score: 101.0,
                ..AlertSettings::default()
            },
            ..OpsConfig::default()
        };
        let d = pass(store, &clock, &bad, &http).await;
        assert!(
            d.failed
                .iter()
                .any(|f| f.starts_with("health_score score: webhook: HTTP 500")),
            "{who}: {d:?}"
        );
    }
}
