//! Alerts delivered to a real local HTTP server in Slack's webhook format, on SQLite and
//! PostgreSQL: a stale worker raises one alert; the condition flapping (healthy, stale again)
//! the same day sends nothing more; the rate limit caps a burst; the next day alerts again.
//! The failure-rate, late-work and model-decay rules each fire on their own condition.

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
                // The empty database has no game day, so no score: only the heartbeat rules fire.
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
        // A game in the window, so that there is a score (a window without one has none).
        store
            .db
            .execute(
                "INSERT INTO nbac_schedule (game_id, game_date, season, season_type, status, home_team, \
                 away_team, home_team_id, away_team_id, source) VALUES ('0022300190', '2023-11-16', \
                 '2023-24', 'regular', 'scheduled', 'BOS', 'NYK', 1610612738, 1610612752, 'test')",
                &[],
            )
            .await
            .unwrap();
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

async fn raised(store: &Store, clock: &ManualClock, config: &OpsConfig) -> Vec<alerts::Alert> {
    let report = health::check(store, clock, &Graph::all(), config, 14)
        .await
        .unwrap();
    alerts::evaluate(store, clock, &report, &config.alerts)
        .await
        .unwrap()
}

/// `rule key` of every alert raised now, sorted.
async fn rules_raised(store: &Store, clock: &ManualClock, config: &OpsConfig) -> Vec<String> {
    let mut raised: Vec<String> = raised(store, clock, config)
        .await
        .iter()
        .map(|a| format!("{} {}", a.rule, a.key))
        .collect();
    raised.sort();
    raised
}

async fn runs(store: &Store, status: &str, n: usize) {
    for _ in 0..n {
        store
            .db
            .execute(
                "INSERT INTO runs (processor, partition_key, status, started_at, build) \
                 VALUES ('player_game_summary', '2023-11-13', $1, '2023-11-14T13:00:00Z', 'test')",
                &[status.into()],
            )
            .await
            .unwrap();
    }
}

/// `n` graded `gbm` points predictions from `first` on, one a day, each `abs_error` off.
async fn grades(store: &Store, first: &str, n: i64, abs_error: f64) {
    for i in 0..n {
        let date = d(first).add_days((i % 7) as i32);
        store
            .db
            .execute(
                "INSERT INTO prediction_grades (game_id, player_id, system_id, market, game_date, \
                 system_version, model_version, predicted, status, abs_error) \
                 VALUES ($1, $2, 'gbm', 'points', $3, '1', 'm1', 20.0, 'graded', $4)",
                &[
                    format!("g-{first}-{i}").into(),
                    i.into(),
                    date.to_string().into(),
                    abs_error.into(),
                ],
            )
            .await
            .unwrap();
    }
}

/// The rules the heartbeat test does not reach, each raised by its own condition alone and
/// quiet on the near miss: late work (deadline passed, not done), the failure rate (over the
/// limit, not at it) and model decay (MAE up more than the allowed share, on enough rows).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_rate_late_work_and_model_decay_each_fire_on_their_own_condition() {
    for t in testing::all().await {
        let who = t.label;
        let store = &t.store;
        let clock = ManualClock::at(et("2023-11-15 14:00"));
        let config = OpsConfig {
            deadlines: vec![nba_props_ops::config::Deadline {
                item: "player_game_summary".into(),
                day_offset: 1,
                at: "08:00".into(),
            }],
            alerts: AlertSettings {
                // The score is not under test here.
                min_health_score: 0.0,
                ..AlertSettings::default()
            },
            ..OpsConfig::default()
        };
        assert!(
            rules_raised(store, &clock, &config).await.is_empty(),
            "{who}: an empty database raises nothing"
        );

        // Late work: 2023-11-13 has a game, its summary was due 2023-11-14 08:00 and is not done.
        store
            .db
            .execute(
                "INSERT INTO nbac_schedule (game_id, game_date, season, season_type, status, home_team, \
                 away_team, home_team_id, away_team_id, source) VALUES ('0022300180', '2023-11-13', \
                 '2023-24', 'regular', 'final', 'BOS', 'NYK', 1610612738, 1610612752, 'test')",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(
            rules_raised(store, &clock, &config).await,
            vec!["late_work player_game_summary 2023-11-13".to_string()],
            "{who}"
        );
        // Done (a succeeded run), and 1 failed run of 20: 5%, at the limit, not over it.
        runs(store, "succeeded", 19).await;
        runs(store, "failed", 1).await;
        assert!(
            rules_raised(store, &clock, &config).await.is_empty(),
            "{who}: done, and the failure rate at its limit"
        );
        runs(store, "failed", 1).await;
        assert_eq!(
            rules_raised(store, &clock, &config).await,
            vec!["failure_rate runs".to_string()],
            "{who}: 2 of 21 runs failed"
        );
        runs(store, "succeeded", 30).await;

        // Model decay: the 7 days before today against the 21 before them (MAE 4.0).
        grades(store, "2023-10-20", 60, 4.0).await;
        grades(store, "2023-11-08", 60, 4.4).await;
        assert!(
            rules_raised(store, &clock, &config).await.is_empty(),
            "{who}: +10% is within the allowed 15%"
        );
        store
            .db
            .execute(
                "UPDATE prediction_grades SET abs_error = 5.0 WHERE game_date >= '2023-11-08'",
                &[],
            )
            .await
            .unwrap();
        let raised = raised(store, &clock, &config).await;
        assert_eq!(raised.len(), 1, "{who}: {raised:?}");
        assert_eq!(
            (raised[0].rule, raised[0].key.as_str()),
            ("model_decay", "gbm points")
        );
        assert!(
            raised[0].message.contains("MAE 5.00") && raised[0].message.contains("vs 4.00"),
            "{who}: {}",
            raised[0].message
        );
        // Too few recent rows to judge: 49 of the 50 needed.
        store
            .db
            .execute(
                "DELETE FROM prediction_grades WHERE game_date >= '2023-11-08' AND player_id >= 49",
                &[],
            )
            .await
            .unwrap();
        assert!(
            rules_raised(store, &clock, &config).await.is_empty(),
            "{who}: 49 recent grades are too few"
        );
    }
}
