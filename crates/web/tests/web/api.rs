//! Every endpoint of docs/openapi.yaml, its answers compared with the tables.

use crate::support::{App, count};
use serde_json::Value;

pub fn error_message(body: &Value) -> String {
    body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub async fn assert_bad(app: &App, path: &str, mentions: &str, who: &str) {
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
        // A pick is priced: a plus price can make a side below even odds worth taking, so
        // it carries its book, price and EV rather than a confidence above one half.
        let conf = x["confidence"].as_f64().unwrap();
        assert!(
            (0.0..=1.0).contains(&conf),
            "{who}: confidence of a pick {x}"
        );
        assert!(
            x["pick_book"].is_string()
                && x["pick_price"].is_i64()
                && x["pick_ev"].as_f64().is_some_and(|ev| ev >= 0.02),
            "{who}: a pick without its price {x}"
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
        .find(|x| x["market"] == "pra" && x["system_id"] == "anchored")
        .unwrap();
    let won = count(s, "SELECT COUNT(*) FROM prediction_grades WHERE game_date = $1 AND market = 'pra' AND system_id = 'anchored' AND correct", &[day.into()]).await;
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
        .filter(|r| r["market"] == "pra" && r["system_id"] == "anchored")
        .map(|r| r["picks"].as_i64().unwrap())
        .sum();
    let all_picks = count(s, "SELECT COUNT(*) FROM prediction_grades WHERE status = 'graded' AND market = 'pra' AND system_id = 'anchored' AND correct IS NOT NULL", &[]).await;
    assert_eq!(
        picks_in_buckets, all_picks,
        "{who}: every graded pick is in one edge bucket"
    );
    assert_bad(app, "/api/accuracy?by=week", "month or edge", who).await;

    // The pick record: every graded pick at its own price, its units summed as stored.
    let (status, rec) = app.get("/api/record").await;
    assert_eq!(status, 200, "{who}: {rec}");
    let records = rec["records"].as_array().unwrap();
    let published = records
        .iter()
        .find(|r| r["market"] == "pra" && r["system_id"] == "anchored")
        .unwrap_or_else(|| panic!("{who}: {rec}"));
    let staked = count(s, "SELECT COUNT(*) FROM prediction_grades WHERE status = 'graded' AND market = 'pra' AND system_id = 'anchored' AND pick_price IS NOT NULL", &[]).await;
    assert!(staked > 0, "{who}");
    assert_eq!(published["n"].as_i64(), Some(staked), "{who}: {published}");
    assert_bad(app, "/api/record?from=2024-13-01", "YYYY-MM-DD", who).await;

    crate::mutations::jobs_and_mutations(app, who).await;
    crate::ops::heartbeats_and_sources(app, who).await;

    let (status, body) = app.get("/api/nothing-here").await;
    assert_eq!(status, 404, "{who}: {body}");
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
        "/api/record",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 200, "{who}: GET {path}: {body}");
    }
    let (_, p) = app.get("/api/predictions/2024-01-15").await;
    assert_eq!(p["count"], 0, "{who}");
    let (_, h) = app.get("/api/health").await;
    // No game day in the window: no score, and the reason.
    assert!(h["score"].is_null(), "{who}: {h}");
    assert!(
        h["note"].as_str().unwrap_or("").contains("no game days"),
        "{who}: {h}"
    );
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
