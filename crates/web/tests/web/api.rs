//! Every endpoint of docs/openapi.yaml, its answers compared with the tables.

use crate::support::{App, TOKEN, count};
use nba_props_store::source_status::{self, Attempt, Quota};
use serde_json::Value;

fn error_message(body: &Value) -> String {
    body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn assert_bad(app: &App, path: &str, mentions: &str, who: &str) {
    let (status, body) = app.get(path).await;
    assert_eq!(status, 400, "{who}: GET {path}: {body}");
    assert_eq!(body["error"]["status"], 400, "{who}: {path}");
    assert!(
        error_message(&body).contains(mentions),
        "{who}: GET {path}: {body}"
    );
}

pub async fn every_endpoint(app: &App, who: &str) {
    let s = &app.store;
    let day = app.day.as_str();
    let d_ = |n: i32| crate::support::d(day).add_days(n).to_string();
    // Health: a score and the checks behind it.
    let (status, health) = app.get("/api/health").await;
    assert_eq!(status, 200, "{who}: {health}");
    let score = health["score"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&score), "{who}: {health}");
    assert!(!health["checks"].as_array().unwrap().is_empty(), "{who}");

    // The grid: one entry per date, every phase of the graph; loaded game days are complete.
    let (status, grid) = app
        .get(&format!("/api/status?from={}&to={day}", d_(-20)))
        .await;
    assert_eq!(status, 200, "{who}: {grid}");
    let days = grid["days"].as_array().unwrap();
    assert_eq!(days.len(), 21, "{who}");
    let entry = days.iter().find(|x| x["date"] == day).unwrap();
    assert!(entry["games"].as_i64().unwrap() > 0, "{who}: {entry}");
    for phase in [2, 3, 4, 5] {
        let cell = entry["phases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["phase"] == phase)
            .unwrap();
        assert_eq!(
            cell["state"], "complete",
            "{who}: phase {phase} of {day}: {cell}"
        );
    }
    // Default range: the 30 days up to the clock's today.
    let (_, default) = app.get("/api/status").await;
    assert_eq!(
        (default["from"].as_str(), default["to"].as_str()),
        (Some(d_(-29).as_str()), Some(day)),
        "{who}"
    );
    assert_bad(
        app,
        "/api/status?from=2023-11-21&to=2023-11-01",
        "after",
        who,
    )
    .await;
    assert_bad(
        app,
        "/api/status?from=2020-01-01&to=2023-11-01",
        "longer than",
        who,
    )
    .await;
    assert_bad(app, "/api/status?from=yesterday", "YYYY-MM-DD", who).await;

    // One date: each processor's latest run as the runs table has it.
    let (status, st) = app.get(&format!("/api/status/{day}")).await;
    assert_eq!(status, 200, "{who}: {st}");
    let predict = st["processors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["processor"] == "predict")
        .unwrap();
    assert_eq!(predict["state"], "succeeded", "{who}: {predict}");
    assert_eq!(predict["phase"], 5);
    let rows = count(s, "SELECT rows_written FROM runs WHERE processor = 'predict' AND partition_key = $1 ORDER BY run_id DESC LIMIT 1", &[day.into()]).await;
    assert_eq!(predict["rows_written"].as_i64(), Some(rows), "{who}");
    assert!(
        rows > 0 && predict["build"].as_str().is_some_and(|b| !b.is_empty()),
        "{who}: {predict}"
    );
    assert!(predict["duration_ms"].as_i64().is_some(), "{who}");
    for bad in [
        "2023-13-45",
        "2023-11-2",
        "20231120",
        "abc",
        "2023-11-20T00:00:00Z",
    ] {
        assert_bad(app, &format!("/api/status/{bad}"), "YYYY-MM-DD", who).await;
    }

    // Predictions of a date: all of them, filters, and the grades beside them.
    let (status, p) = app.get(&format!("/api/predictions/{day}")).await;
    assert_eq!(status, 200, "{who}: {p}");
    let n = count(
        s,
        "SELECT COUNT(*) FROM predictions WHERE game_date = $1",
        &[day.into()],
    )
    .await;
    assert!(n > 100, "{who}: {n} predictions");
    assert_eq!(p["count"].as_i64(), Some(n), "{who}");
    let (_, picks) = app
        .get(&format!("/api/predictions/{day}?market=pra&picks=true"))
        .await;
    let picks = picks["predictions"].as_array().unwrap();
    let n_picks = count(s, "SELECT COUNT(*) FROM predictions WHERE game_date = $1 AND market = 'pra' AND recommendation IN ('OVER', 'UNDER')", &[day.into()]).await;
    assert_eq!(picks.len() as i64, n_picks, "{who}");
    assert!(n_picks > 0, "{who}: no PRA picks");
    for x in picks {
        assert_eq!(x["market"], "pra");
        let (edge, line, predicted) = (
            x["edge"].as_f64().unwrap(),
            x["line"].as_f64().unwrap(),
            x["predicted"].as_f64().unwrap(),
        );
        assert!((edge - (predicted - line)).abs() < 1e-6, "{who}: {x}");
        let conf = x["confidence"].as_f64().unwrap();
        assert!(
            (0.5..=1.0).contains(&conf),
            "{who}: confidence of a pick {x}"
        );
    }
    assert_bad(
        app,
        &format!("/api/predictions/{day}?market=rebounds"),
        "market",
        who,
    )
    .await;
    assert_bad(
        app,
        &format!("/api/predictions/{day}?picks=maybe"),
        "picks",
        who,
    )
    .await;
    assert_bad(app, "/api/predictions/not-a-date", "YYYY-MM-DD", who).await;
    // A system name is bound, not spliced: a quote is just an unknown system.
    let (status, none) = app
        .get(&format!("/api/predictions/{day}?system=x'%20OR%20'1'='1"))
        .await;
    assert_eq!(
        (status, none["count"].as_i64()),
        (200, Some(0)),
        "{who}: {none}"
    );

    let (status, r) = app.get(&format!("/api/results/{day}")).await;
    assert_eq!(status, 200, "{who}: {r}");
    let graded = count(
        s,
        "SELECT COUNT(*) FROM prediction_grades WHERE game_date = $1",
        &[day.into()],
    )
    .await;
    assert_eq!(r["count"].as_i64(), Some(graded), "{who}");
    let summary = r["summary"].as_array().unwrap();
    let pra = summary
        .iter()
        .find(|x| x["market"] == "pra" && x["system_id"] == "gbm")
        .unwrap();
    let won = count(s, "SELECT COUNT(*) FROM prediction_grades WHERE game_date = $1 AND market = 'pra' AND system_id = 'gbm' AND correct", &[day.into()]).await;
    assert_eq!(pra["wins"].as_i64(), Some(won), "{who}: {pra}");
    assert_bad(app, "/api/results/2023-02-30", "YYYY-MM-DD", who).await;

    let (status, m) = app.get("/api/models?limit=1000").await;
    assert_eq!(status, 200, "{who}");
    let models = count(s, "SELECT COUNT(*) FROM model_registry", &[]).await;
    assert!(models > 0, "{who}");
    assert_eq!(
        m["models"].as_array().unwrap().len() as i64,
        models,
        "{who}"
    );
    assert!(
        m["models"][0]["metrics"].is_object(),
        "{who}: {}",
        m["models"][0]
    );
    assert_bad(app, "/api/models?limit=0", "limit", who).await;

    let (status, acc) = app.get("/api/accuracy").await;
    assert_eq!(status, 200, "{who}: {acc}");
    let months: Vec<&str> = acc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["key"].as_str())
        .collect();
    assert!(months.contains(&&day[..7]), "{who}: {months:?}");
    let (_, edges) = app.get("/api/accuracy?by=edge").await;
    let picks_in_buckets: i64 = edges["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["market"] == "pra" && r["system_id"] == "gbm")
        .map(|r| r["picks"].as_i64().unwrap())
        .sum();
    let all_picks = count(s, "SELECT COUNT(*) FROM prediction_grades WHERE status = 'graded' AND market = 'pra' AND system_id = 'gbm' AND correct IS NOT NULL", &[]).await;
    assert_eq!(
        picks_in_buckets, all_picks,
        "{who}: every graded pick is in one edge bucket"
    );
    assert_bad(app, "/api/accuracy?by=week", "month or edge", who).await;

    jobs_and_mutations(app, who).await;
    heartbeats_and_sources(app, who).await;

    let (status, body) = app.get("/api/nothing-here").await;
    assert_eq!(status, 404, "{who}: {body}");
}

async fn jobs_and_mutations(app: &App, who: &str) {
    let s = &app.store;
    let day = app.day.as_str();
    let one_day = format!(r#"{{"from": "{day}", "to": "{day}", "phases": "2"}}"#);
    let one_day = one_day.as_str();
    // Without the token, or with another one, nothing is enqueued.
    for token in [None, Some("wrong-token-0123456789"), Some("")] {
        let (status, body) = app.post("/api/backfill", token, one_day).await;
        assert_eq!(status, 401, "{who}: {token:?}: {body}");
    }
    assert_eq!(
        count(s, "SELECT COUNT(*) FROM jobs", &[]).await,
        0,
        "{who}: a refused request wrote jobs"
    );
    for (body, mentions) in [
        (
            r#"{"from": "2023-11-31", "to": "2023-12-01"}"#,
            "YYYY-MM-DD",
        ),
        (r#"{"from": "2023-11-21", "to": "2023-11-20"}"#, "after"),
        (
            r#"{"from": "2023-11-20", "to": "2023-11-20", "phases": "5-2"}"#,
            "phases",
        ),
        (
            r#"{"from": "2023-11-20", "to": "2023-11-20", "phases": "0"}"#,
            "phases",
        ),
        (r#"{"from": "2023-11-20"}"#, "request body"),
        (
            r#"{"from": "2023-11-20", "to": "2023-11-20", "bogus": 1}"#,
            "request body",
        ),
        ("not json", "request body"),
    ] {
        let (status, r) = app.post("/api/backfill", Some(TOKEN), body).await;
        assert_eq!(status, 400, "{who}: {body}: {r}");
        assert!(error_message(&r).contains(mentions), "{who}: {body}: {r}");
    }
    let (status, b) = app.post("/api/backfill", Some(TOKEN), one_day).await;
    assert_eq!(status, 202, "{who}: {b}");
    let phase2 = app.graph.nodes().iter().filter(|n| n.phase == 2).count() as i64;
    assert_eq!(
        b["created"].as_i64(),
        Some(phase2),
        "{who}: one job per phase 2 processor"
    );
    let group = b["group_id"].as_str().unwrap().to_string();
    let (status, p) = app.get(&format!("/api/backfill/{group}")).await;
    assert_eq!(
        (status, p["queued"].as_i64()),
        (200, Some(phase2)),
        "{who}: {p}"
    );
    let (status, _) = app.get("/api/backfill/no-such-group").await;
    assert_eq!(status, 404, "{who}");

    let (_, queued) = app.get("/api/jobs?state=queued").await;
    assert_eq!(
        queued["counts"]["queued"].as_i64(),
        Some(phase2),
        "{who}: {queued}"
    );
    assert_eq!(
        queued["jobs"].as_array().unwrap().len() as i64,
        phase2,
        "{who}"
    );
    let ran = app.run_jobs("web-test/1").await as i64;
    assert_eq!(ran, phase2, "{who}");
    let (_, after) = app.get("/api/jobs").await;
    assert_eq!(
        (
            after["counts"]["queued"].as_i64(),
            after["counts"]["succeeded"].as_i64()
        ),
        (Some(0), Some(phase2)),
        "{who}: {}",
        after["counts"]
    );
    let (_, limited) = app.get("/api/jobs?limit=2").await;
    assert_eq!(limited["jobs"].as_array().unwrap().len(), 2, "{who}");
    assert_bad(app, "/api/jobs?state=bogus", "expected queued", who).await;
    assert_bad(app, "/api/jobs?limit=0", "limit", who).await;
    assert_bad(app, "/api/jobs?limit=many", "limit", who).await;
    // The status of the date now names the jobs that wrote it.
    let (_, st) = app.get(&format!("/api/status/{day}")).await;
    let with_job = st["processors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["phase"] == 2 && p["job_id"].is_i64())
        .count();
    assert!(with_job > 0, "{who}: {st}");

    // A job that used up its attempts (as a failing processor's would) comes back by retry.
    let id = count(s, "SELECT MIN(job_id) FROM jobs", &[]).await;
    s.db.execute(
        "UPDATE jobs SET state = 'dead', last_error = 'test: out of attempts' WHERE job_id = $1",
        &[id.into()],
    )
    .await
    .unwrap();
    let (status, j) = app.get(&format!("/api/jobs/{id}")).await;
    assert_eq!(
        (status, j["state"].as_str()),
        (200, Some("dead")),
        "{who}: {j}"
    );
    let (_, dead) = app.get("/api/jobs?state=dead").await;
    assert_eq!(dead["jobs"][0]["job_id"].as_i64(), Some(id), "{who}");
    let (status, _) = app.post(&format!("/api/jobs/{id}/retry"), None, "").await;
    assert_eq!(status, 401, "{who}");
    let state = |s: &nba_props_store::Store| {
        let db = s.db.clone();
        async move {
            db.query("SELECT state FROM jobs WHERE job_id = $1", &[id.into()])
                .await
                .unwrap()[0]
                .text(0)
        }
    };
    assert_eq!(
        state(s).await,
        "dead",
        "{who}: a refused retry changed the job"
    );
    let (status, j) = app
        .post(&format!("/api/jobs/{id}/retry"), Some(TOKEN), "")
        .await;
    assert_eq!(
        (status, j["state"].as_str()),
        (200, Some("queued")),
        "{who}: {j}"
    );
    assert_eq!(state(s).await, "queued", "{who}");
    let (status, again) = app
        .post(&format!("/api/jobs/{id}/retry"), Some(TOKEN), "")
        .await;
    assert_eq!(status, 409, "{who}: retrying a queued job: {again}");
    assert!(error_message(&again).contains("not dead"), "{who}: {again}");
    let (status, _) = app.post("/api/jobs/987654321/retry", Some(TOKEN), "").await;
    assert_eq!(status, 404, "{who}");
    let (status, _) = app.get("/api/jobs/987654321").await;
    assert_eq!(status, 404, "{who}");
    assert_bad(app, "/api/jobs/abc", "job id", who).await;
    assert_bad(app, "/api/jobs/-3", "job id", who).await;
    let (status, _) = app.post("/api/jobs/abc/retry", Some(TOKEN), "").await;
    assert_eq!(status, 400, "{who}");
    app.run_jobs("web-test/1").await;

    // Reconcile: what has neither a success nor a job in the window is enqueued, nothing else.
    let (status, _) = app.post("/api/reconcile", None, "{}").await;
    assert_eq!(status, 401, "{who}");
    let (status, bad) = app
        .post("/api/reconcile", Some(TOKEN), r#"{"days": 0}"#)
        .await;
    assert_eq!(status, 400, "{who}: {bad}");
    let before = count(s, "SELECT COUNT(*) FROM jobs", &[]).await;
    let (status, r) = app
        .post(
            "/api/reconcile",
            Some(TOKEN),
            r#"{"days": 5, "phases": "2-5"}"#,
        )
        .await;
    assert_eq!(status, 200, "{who}: {r}");
    let back = |n: i32| crate::support::d(day).add_days(n).to_string();
    assert_eq!(
        (r["from"].as_str(), r["to"].as_str()),
        (Some(back(-5).as_str()), Some(back(-1).as_str())),
        "{who}"
    );
    for m in r["missing"].as_array().unwrap() {
        let (p, date) = m.as_str().unwrap().split_once(' ').unwrap();
        let ok = count(s, "SELECT COUNT(*) FROM runs WHERE processor = $1 AND partition_key = $2 AND status = 'succeeded'", &[p.into(), date.into()]).await;
        assert_eq!(ok, 0, "{who}: reconcile enqueued {m}, which succeeded");
        assert_ne!(p, "predict", "{who}: predict ran on every loaded game day");
    }
    let created = r["created"].as_i64().unwrap();
    assert_eq!(
        count(s, "SELECT COUNT(*) FROM jobs", &[]).await,
        before + created,
        "{who}"
    );
    let (_, again) = app
        .post(
            "/api/reconcile",
            Some(TOKEN),
            r#"{"days": 5, "phases": "2-5"}"#,
        )
        .await;
    assert_eq!(
        again["created"].as_i64(),
        Some(0),
        "{who}: a second reconcile finds the queued jobs: {again}"
    );
    // Leave no queued work behind for the next checks.
    s.db.execute("DELETE FROM jobs WHERE state = 'queued'", &[])
        .await
        .unwrap();
}

async fn heartbeats_and_sources(app: &App, who: &str) {
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

/// A fresh database: every read answers, with empty lists.
pub async fn empty(app: &App, who: &str) {
    for path in [
        "/api/health",
        "/api/status",
        "/api/status/2024-01-15",
        "/api/jobs",
        "/api/heartbeats",
        "/api/sources",
        "/api/predictions/2024-01-15",
        "/api/results/2024-01-15",
        "/api/models",
        "/api/accuracy",
        "/api/accuracy?by=edge",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 200, "{who}: GET {path}: {body}");
    }
    let (_, p) = app.get("/api/predictions/2024-01-15").await;
    assert_eq!(p["count"], 0, "{who}");
    let (_, h) = app.get("/api/health").await;
    assert_eq!(h["score"].as_f64(), Some(100.0), "{who}: {h}");
    let (_, grid) = app.get("/api/status").await;
    assert!(
        grid["days"].as_array().unwrap().iter().all(|d| d["phases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["state"] == "empty")),
        "{who}"
    );
    let (status, ct, html) = app.get_text("/").await;
    assert_eq!(status, 200, "{who}");
    assert!(ct.starts_with("text/html"), "{who}: {ct}");
    assert!(
        html.contains("No picks for this date.") && html.contains("No graded predictions"),
        "{who}"
    );
    let (status, _, _) = app.get_text("/?date=2024-02-30").await;
    assert_eq!(status, 400, "{who}");
    let (status, _, metrics) = app.get_text("/metrics").await;
    assert_eq!(status, 200, "{who}");
    assert!(
        metrics.contains("nba_props_jobs{state=\"dead\"} 0"),
        "{who}: {metrics}"
    );
}
