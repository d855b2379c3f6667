//! Heartbeats, sources and `/metrics`, checked against the tables.

use crate::support::{App, count};
use nba_props_store::source_status::{self, Attempt, Quota};

pub async fn heartbeats_and_sources(app: &App, who: &str) {
    let (status, hb) = app.get("/api/heartbeats").await;
    assert_eq!(status, 200, "{who}: {hb}");
    let w = hb["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["worker"] == "web-test/1")
        .unwrap();
    assert_eq!(w["stale"], false, "{who}: {w}");
    assert!(!hb["processors"].as_array().unwrap().is_empty(), "{who}");
    // Ten minutes of silence: stale in the heartbeats, and a failing health check.
    app.clock.advance(10 * 60_000);
    let (_, hb) = app.get("/api/heartbeats").await;
    let w = hb["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["worker"] == "web-test/1")
        .unwrap();
    assert_eq!(
        (
            w["stale"].as_bool(),
            w["age_ms"].as_i64().map(|a| a >= 600_000)
        ),
        (Some(true), Some(true)),
        "{who}: {w}"
    );
    let (_, health) = app.get("/api/health").await;
    let check = health["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "stale_heartbeats")
        .unwrap();
    assert_eq!(check["status"], "fail", "{who}: {check}");
    assert!(health["score"].as_f64().unwrap() < 100.0, "{who}");

    // Sources: the last fetch and the quota as source_status has them; an old success is late.
    let now =
        jiff::Timestamp::from_millisecond(nba_props_runtime::Clock::now_ms(&app.clock)).unwrap();
    let at = |hours: i64| (now - jiff::SignedDuration::from_hours(hours)).to_string();
    let db = &app.store.db;
    source_status::record(
        db,
        "oddsapi",
        "player_props",
        Some("2023-11-21"),
        &at(1),
        &Attempt::Succeeded { payloads: 3 },
        Some(Quota {
            remaining: 4321,
            used: Some(679),
        }),
        "test",
    )
    .await
    .unwrap();
    source_status::record(
        db,
        "nbacom",
        "schedule",
        Some("2023-11-19"),
        &at(48),
        &Attempt::Succeeded { payloads: 1 },
        None,
        "test",
    )
    .await
    .unwrap();
    source_status::record(
        db,
        "espn",
        "scoreboard",
        Some("2023-11-21"),
        &at(2),
        &Attempt::Succeeded { payloads: 1 },
        None,
        "test",
    )
    .await
    .unwrap();
    source_status::record(
        db,
        "espn",
        "scoreboard",
        Some("2023-11-21"),
        &at(1),
        &Attempt::Failed {
            error: "HTTP 503".into(),
        },
        None,
        "test",
    )
    .await
    .unwrap();
    let (status, src) = app.get("/api/sources").await;
    assert_eq!(status, 200, "{who}: {src}");
    let find = |s: &str, d: &str| {
        src["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["source"] == s && x["dataset"] == d)
            .unwrap()
            .clone()
    };
    let odds = find("oddsapi", "player_props");
    assert_eq!(
        (
            odds["quota_remaining"].as_i64(),
            odds["late"].as_bool(),
            odds["failing"].as_bool()
        ),
        (Some(4321), Some(false), Some(false)),
        "{who}: {odds}"
    );
    assert_eq!(find("nbacom", "schedule")["late"], true, "{who}");
    let espn = find("espn", "scoreboard");
    assert_eq!(
        (espn["failing"].as_bool(), espn["last_error"].as_str()),
        (Some(true), Some("HTTP 503")),
        "{who}: {espn}"
    );
}

/// `/metrics`: well-formed text whose figures equal the tables.
pub async fn metrics(app: &App, who: &str) {
    let (status, ct, text) = app.get_text("/metrics").await;
    assert_eq!(status, 200, "{who}");
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{who}: {ct}");
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (name, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("{who}: {line}"));
        assert!(value.parse::<f64>().is_ok(), "{who}: value of {line}");
        let bare = name.split('{').next().unwrap();
        assert!(
            bare.starts_with("nba_props_")
                && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{who}: {line}"
        );
    }
    let value = |sample: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(sample).and_then(|v| v.strip_prefix(' ')))
            .unwrap_or_else(|| panic!("{who}: no {sample} in\n{text}"))
            .parse()
            .unwrap()
    };
    let predict_runs = count(
        &app.store,
        "SELECT COUNT(*) FROM runs WHERE processor = 'predict' AND status = 'succeeded'",
        &[],
    )
    .await;
    assert_eq!(
        value(r#"nba_props_run_duration_seconds_bucket{processor="predict",le="+Inf"}"#),
        predict_runs as f64,
        "{who}"
    );
    assert_eq!(
        value(r#"nba_props_run_duration_seconds_count{processor="predict"}"#),
        predict_runs as f64,
        "{who}"
    );
    let rows = count(&app.store, "SELECT CAST(SUM(rows_written) AS BIGINT) FROM runs WHERE processor = 'predict' AND status = 'succeeded'", &[]).await;
    assert_eq!(
        value(r#"nba_props_rows_written_total{processor="predict"}"#),
        rows as f64,
        "{who}"
    );
    let succeeded = count(
        &app.store,
        "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'",
        &[],
    )
    .await;
    assert_eq!(
        value(r#"nba_props_jobs{state="succeeded"}"#),
        succeeded as f64,
        "{who}"
    );
    assert_eq!(
        value(r#"nba_props_quota_remaining{source="oddsapi",dataset="player_props"}"#),
        4321.0,
        "{who}"
    );
    assert_eq!(
        value(r#"nba_props_source_failing{source="espn",dataset="scoreboard"}"#),
        1.0,
        "{who}"
    );
    assert!(
        value(r#"nba_props_worker_heartbeat_age_seconds{worker="web-test/1",state="idle"}"#)
            >= 600.0,
        "{who}"
    );
    assert!(value("nba_props_health_score") < 100.0, "{who}");
    assert_eq!(
        value(r#"nba_props_health_check_status{check="stale_heartbeats"}"#),
        2.0,
        "{who}"
    );
    // Buckets never decrease.
    let buckets: Vec<f64> = text
        .lines()
        .filter(|l| l.starts_with(r#"nba_props_run_duration_seconds_bucket{processor="predict""#))
        .map(|l| l.rsplit_once(' ').unwrap().1.parse().unwrap())
        .collect();
    assert!(
        buckets.windows(2).all(|w| w[0] <= w[1]),
        "{who}: {buckets:?}"
    );
}
