//! `/metrics` in the Prometheus text format (version 0.0.4), computed from the database at
//! scrape time. Nothing is counted in this process's memory: every figure is a query over the
//! records the pipeline already keeps (runs, jobs, heartbeats, source_status), so the metrics of
//! any `serve` process agree with the API and survive restarts. Labels are processor, source,
//! dataset, worker and state names only (bounded by the graph and the fleet).

use crate::api::{instant_ms, source_flags};
use crate::{ApiError, WebState, queries};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use nba_props_ops::health::Status;
use nba_props_runtime::heartbeat;
use nba_props_store::source_status;
use std::fmt::Write;

/// Upper bounds (seconds) of the run duration histogram.
const BUCKETS_S: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// A label value escaped as the text format requires (backslash, quote, newline).
fn esc(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

struct Out(String);

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }
    fn sample(&mut self, name: &str, labels: &[(&str, &str)], v: f64) {
        let labels: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", esc(v)))
            .collect();
        let l = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{}}}", labels.join(","))
        };
        let _ = writeln!(self.0, "{name}{l} {v}");
    }
}

pub async fn render(State(s): State<WebState>) -> Result<Response, ApiError> {
    let db = &s.store.db;
    let now = s.clock.now_ms();
    let mut o = Out(String::new());

    let build = nba_props_core::BuildInfo::current();
    o.family(
        "nba_props_build_info",
        "gauge",
        "The build serving these metrics.",
    );
    o.sample(
        "nba_props_build_info",
        &[("version", build.version), ("git_sha", build.git_sha)],
        1.0,
    );

    let report = nba_props_ops::health::check(
        &s.store,
        s.clock.as_ref(),
        &s.graph,
        &s.config.ops,
        s.config.ops.health.days,
    )
    .await?;
    o.family(
        "nba_props_health_score",
        "gauge",
        "Health score 0-100 over every check (absent when the window holds no game day).",
    );
    if let Some(score) = report.score {
        o.sample("nba_props_health_score", &[], score);
    }
    o.family(
        "nba_props_health_check_status",
        "gauge",
        "Each health check: 0 pass, 1 warn, 2 fail.",
    );
    for c in &report.checks {
        let v = match c.status {
            Status::Pass => 0.0,
            Status::Warn => 1.0,
            Status::Fail => 2.0,
        };
        o.sample("nba_props_health_check_status", &[("check", c.name)], v);
    }

    let jobs = db
        .query(
            "SELECT processor, state, CAST(COUNT(*) AS BIGINT), \
                    CAST(SUM(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END) AS BIGINT) \
             FROM jobs GROUP BY processor, state ORDER BY processor, state",
            &[],
        )
        .await?;
    o.family("nba_props_jobs", "gauge", "Jobs by state.");
    for state in ["queued", "running", "succeeded", "dead"] {
        let n: i64 = jobs
            .iter()
            .filter(|r| r.str(1) == Some(state))
            .filter_map(|r| r.i64(2))
            .sum();
        o.sample("nba_props_jobs", &[("state", state)], n as f64);
    }
    o.family(
        "nba_props_jobs_by_processor",
        "gauge",
        "Queued, running and dead jobs by processor.",
    );
    for r in jobs.iter().filter(|r| r.str(1) != Some("succeeded")) {
        o.sample(
            "nba_props_jobs_by_processor",
            &[("processor", &r.text(0)), ("state", &r.text(1))],
            r.i64(2).unwrap_or(0) as f64,
        );
    }
    o.family("nba_props_job_retries_total", "counter",
        "Attempts beyond the first of the jobs in the table, by processor (phase 1 processors are the fetches of a source dataset).");
    let mut retries: std::collections::BTreeMap<String, i64> = Default::default();
    for r in &jobs {
        *retries.entry(r.text(0)).or_default() += r.i64(3).unwrap_or(0);
    }
    for (p, n) in &retries {
        o.sample(
            "nba_props_job_retries_total",
            &[("processor", p)],
            *n as f64,
        );
    }

    let cases: Vec<String> = BUCKETS_S
        .iter()
        .map(|b| {
            format!(
                "CAST(SUM(CASE WHEN duration_ms <= {} THEN 1 ELSE 0 END) AS BIGINT)",
                (b * 1000.0) as i64
            )
        })
        .collect();
    // The bucket bounds are constants of this module, not request values.
    let runs = db
        .query(
            &format!(
                "SELECT processor, status, CAST(COUNT(*) AS BIGINT), CAST(SUM(duration_ms) AS BIGINT), \
                        CAST(SUM(COALESCE(rows_written, 0)) AS BIGINT), {} \
                 FROM runs WHERE duration_ms IS NOT NULL GROUP BY processor, status ORDER BY processor, status",
                cases.join(", ")
            ),
            &[],
        )
        .await?;
    o.family(
        "nba_props_runs_total",
        "counter",
        "Recorded processor runs by status (failed phase 1 runs are failed fetches).",
    );
    for r in &runs {
        o.sample(
            "nba_props_runs_total",
            &[("processor", &r.text(0)), ("status", &r.text(1))],
            r.i64(2).unwrap_or(0) as f64,
        );
    }
    o.family(
        "nba_props_rows_written_total",
        "counter",
        "Rows written by successful runs, by processor.",
    );
    for r in runs.iter().filter(|r| r.str(1) == Some("succeeded")) {
        o.sample(
            "nba_props_rows_written_total",
            &[("processor", &r.text(0))],
            r.i64(4).unwrap_or(0) as f64,
        );
    }
    o.family(
        "nba_props_run_duration_seconds",
        "histogram",
        "Duration of successful runs, by processor.",
    );
    for r in runs.iter().filter(|r| r.str(1) == Some("succeeded")) {
        let p = r.text(0);
        for (i, b) in BUCKETS_S.iter().enumerate() {
            let le = b.to_string();
            o.sample(
                "nba_props_run_duration_seconds_bucket",
                &[("processor", &p), ("le", &le)],
                r.i64(5 + i).unwrap_or(0) as f64,
            );
        }
        let count = r.i64(2).unwrap_or(0) as f64;
        o.sample(
            "nba_props_run_duration_seconds_bucket",
            &[("processor", &p), ("le", "+Inf")],
            count,
        );
        o.sample(
            "nba_props_run_duration_seconds_sum",
            &[("processor", &p)],
            r.i64(3).unwrap_or(0) as f64 / 1000.0,
        );
        o.sample(
            "nba_props_run_duration_seconds_count",
            &[("processor", &p)],
            count,
        );
    }

    let sources = source_status::list(db).await?;
    o.family(
        "nba_props_source_failing",
        "gauge",
        "1 when a dataset's last fetch failed after its last success.",
    );
    for st in &sources {
        let (failing, _) = source_flags(st, now);
        o.sample(
            "nba_props_source_failing",
            &[("source", &st.source), ("dataset", &st.dataset)],
            f64::from(u8::from(failing)),
        );
    }
    o.family(
        "nba_props_source_last_success_age_seconds",
        "gauge",
        "Seconds since a dataset's last successful fetch.",
    );
    for st in &sources {
        if let Some(t) = st.last_success_at.as_deref().and_then(instant_ms) {
            o.sample(
                "nba_props_source_last_success_age_seconds",
                &[("source", &st.source), ("dataset", &st.dataset)],
                (now - t) as f64 / 1000.0,
            );
        }
    }
    o.family(
        "nba_props_quota_remaining",
        "gauge",
        "API requests left as the source's last answer stated them.",
    );
    for st in &sources {
        if let Some(q) = st.quota {
            o.sample(
                "nba_props_quota_remaining",
                &[("source", &st.source), ("dataset", &st.dataset)],
                q.remaining as f64,
            );
        }
    }

    o.family(
        "nba_props_worker_heartbeat_age_seconds",
        "gauge",
        "Seconds since each worker's last heartbeat.",
    );
    for w in heartbeat::workers(db).await? {
        o.sample(
            "nba_props_worker_heartbeat_age_seconds",
            &[("worker", &w.worker), ("state", &w.state)],
            (now - w.last_beat_at) as f64 / 1000.0,
        );
    }
    o.family(
        "nba_props_processor_heartbeat_age_seconds",
        "gauge",
        "Seconds since each processor last ran.",
    );
    for p in heartbeat::processors(db).await? {
        let phase = queries::phase_of(&s.graph, &p.processor).to_string();
        o.sample(
            "nba_props_processor_heartbeat_age_seconds",
            &[("processor", &p.processor), ("phase", &phase)],
            (now - p.last_run_at) as f64 / 1000.0,
        );
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        o.0,
    )
        .into_response())
}
