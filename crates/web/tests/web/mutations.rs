//! The mutating endpoints: backfill, retry and reconcile with and without the token, and the
//! jobs they leave behind.

use crate::api::{assert_bad, error_message};
use crate::support::{App, TOKEN, count};

pub async fn jobs_and_mutations(app: &App, who: &str) {
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
