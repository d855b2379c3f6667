//! The JSON API (`docs/openapi.yaml`). Path and query values arrive as strings and are parsed
//! here into dates, integers and known names, so every malformed request gets a JSON 400 that
//! says which value was wrong and what was expected.

use crate::queries::{self, PredictionFilter};
use crate::{ApiError, WebState};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use nba_props_core::{GameDate, Market};
use nba_props_runtime::clock::format_ms;
use nba_props_runtime::jobs::{self, Job, JobOptions, JobState, ListFilter};
use nba_props_runtime::{backfill as bf, heartbeat};
use nba_props_store::source_status;
use serde::Deserialize;
use serde_json::{Value as JsonValue, json};
use std::collections::{HashMap, HashSet};

type Params = Query<HashMap<String, String>>;
type ApiResult = Result<Response, ApiError>;

/// The longest date range one request may ask for (a season and a half).
const MAX_RANGE_DAYS: i32 = 550;

fn ok(v: JsonValue) -> ApiResult {
    Ok(Json(v).into_response())
}

/// The first and last dates the API accepts: the NBA's first season to far beyond any schedule.
/// Anything outside is refused before it reaches date arithmetic (a range's default start, a
/// dashboard grid) or a backfill.
pub(crate) const FIRST_DATE: &str = "1946-01-01";
pub(crate) const LAST_DATE: &str = "2100-12-31";

/// The date in request parameter `param`: `YYYY-MM-DD` from [`FIRST_DATE`] to [`LAST_DATE`],
/// else a 400 that names the parameter.
pub(crate) fn checked_date(param: &str, value: &str) -> Result<GameDate, ApiError> {
    // The shape first (a calendar date written YYYY-MM-DD), then the range: `GameDate::parse`
    // refuses both, and the answer should say which.
    if value.len() != 10 || value.parse::<jiff::civil::Date>().is_err() {
        return Err(ApiError::BadRequest(format!(
            "{param} {value:?} is not a date: expected YYYY-MM-DD"
        )));
    }
    let bound = |b: &str| GameDate::parse(b).expect("the API's date bounds are dates");
    match GameDate::parse(value) {
        Ok(date) if date >= bound(FIRST_DATE) && date <= bound(LAST_DATE) => Ok(date),
        _ => Err(ApiError::BadRequest(format!(
            "{param} {value:?} is out of range: expected a date from {FIRST_DATE} to {LAST_DATE}"
        ))),
    }
}

fn parse_int(what: &str, s: &str, min: i64, max: i64) -> Result<i64, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|v| (min..=max).contains(v))
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "{what} {s:?} is not a whole number from {min} to {max}"
            ))
        })
}

/// A name (system, processor, group) that is bound as a text parameter: any text but a NUL
/// character, which PostgreSQL's text cannot hold (it would fail the statement: a 500).
fn checked_name(param: &str, value: String) -> Result<String, ApiError> {
    if value.contains('\0') {
        return Err(ApiError::BadRequest(format!(
            "{param} {value:?} contains a NUL character"
        )));
    }
    Ok(value)
}

fn name(q: &HashMap<String, String>, param: &str) -> Result<Option<String>, ApiError> {
    q.get(param)
        .map(|v| checked_name(param, v.clone()))
        .transpose()
}

/// `from..=to` from the query (`from`, `to`), defaulting to the `days` days up to `default_to`.
fn range(
    q: &HashMap<String, String>,
    default_to: GameDate,
    days: i32,
) -> Result<(GameDate, GameDate), ApiError> {
    let to = match q.get("to") {
        Some(s) => checked_date("to", s)?,
        None => default_to,
    };
    let from = match q.get("from") {
        Some(s) => checked_date("from", s)?,
        None => to.add_days(-(days - 1)),
    };
    check_span(from, to)?;
    Ok((from, to))
}

fn check_span(from: GameDate, to: GameDate) -> Result<(), ApiError> {
    if from > to {
        return Err(ApiError::BadRequest(format!(
            "from {from} is after to {to}"
        )));
    }
    if from.days_until(to) >= MAX_RANGE_DAYS {
        return Err(ApiError::BadRequest(format!(
            "{from}..{to} is longer than {MAX_RANGE_DAYS} days"
        )));
    }
    Ok(())
}

/// Mutating endpoints need `Authorization: Bearer <token>` equal to the configured token.
fn authorize(state: &WebState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = state.config.token.as_deref().filter(|t| !t.is_empty()) else {
        return Err(ApiError::Unauthorized(
            "no API token is configured ([web] token or NBA_PROPS_WEB_TOKEN): mutating endpoints are disabled".into(),
        ));
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::Unauthorized("this endpoint needs Authorization: Bearer <token>".into())
        })?;
    // Compared in constant time, so the answer's timing says nothing about the token.
    let same = given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(ApiError::Unauthorized(
            "the bearer token is not the configured one".into(),
        ))
    }
}

pub(crate) fn job_json(j: &Job) -> JsonValue {
    json!({
        "job_id": j.job_id, "processor": j.processor, "partition": j.partition_key, "generation": j.generation,
        "state": j.state.as_str(), "attempts": j.attempts, "max_attempts": j.max_attempts,
        "next_attempt_at": format_ms(Some(j.next_attempt_at)), "correlation_id": j.correlation_id,
        "group_id": j.group_id, "reason": j.reason, "created_at": format_ms(Some(j.created_at)),
        "started_at": j.started_at.map(|t| format_ms(Some(t))), "finished_at": j.finished_at.map(|t| format_ms(Some(t))),
        "worker": j.worker, "epoch": j.epoch, "outcome": j.outcome, "last_error": j.last_error,
        "failure": j.failure, "crashes": j.crashes,
    })
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such page or endpoint (see docs/openapi.yaml)".into())
}

pub async fn health(State(s): State<WebState>) -> ApiResult {
    let report = nba_props_ops::health::check(
        &s.store,
        s.clock.as_ref(),
        &s.graph,
        &s.config.ops,
        s.config.ops.health.days,
    )
    .await?;
    ok(serde_json::to_value(report).map_err(|e| ApiError::Internal(e.to_string()))?)
}

pub async fn grid(State(s): State<WebState>, Query(q): Params) -> ApiResult {
    let (from, to) = range(&q, s.today(), 30)?;
    let days = queries::grid(&s.store.db, &s.graph, from, to).await?;
    ok(
        json!({"from": from.to_string(), "to": to.to_string(), "phases": queries::phases(&s.graph), "days": days}),
    )
}

pub async fn status(State(s): State<WebState>, Path(date): Path<String>) -> ApiResult {
    let date = checked_date("date", &date)?;
    let processors = queries::date_status(&s.store.db, &s.graph, date).await?;
    let day = queries::grid(&s.store.db, &s.graph, date, date).await?;
    ok(json!({
        "date": date.to_string(),
        "games": day.first().map_or(0, |d| d.games),
        "phases": day.first().map(|d| d.phases.clone()).unwrap_or_default(),
        "processors": processors,
    }))
}

pub async fn jobs(State(s): State<WebState>, Query(q): Params) -> ApiResult {
    let state = match q.get("state") {
        Some(v) => Some(JobState::parse(v).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "state {v:?}: expected queued, running, succeeded or dead"
            ))
        })?),
        None => None,
    };
    let limit = match q.get("limit") {
        Some(v) => parse_int("limit", v, 1, 1000)? as usize,
        None => 100,
    };
    let filter = ListFilter {
        state,
        processor: name(&q, "processor")?,
        group_id: name(&q, "group")?,
        limit,
    };
    let counts = jobs::counts(&s.store.db, None).await?;
    let list = jobs::list(&s.store.db, &filter).await?;
    let blocked: std::collections::HashMap<i64, i64> = jobs::blocked(&s.store.db, &s.graph, None)
        .await?
        .iter()
        .map(|b| (b.job_id, b.by_job_id))
        .collect();
    let c = |st| counts.get(&st).copied().unwrap_or(0);
    let listed: Vec<JsonValue> = list
        .iter()
        .map(|j| {
            let mut v = job_json(j);
            v["blocked_by"] = json!(blocked.get(&j.job_id));
            v
        })
        .collect();
    ok(json!({
        "counts": {"queued": c(JobState::Queued), "running": c(JobState::Running),
                   "succeeded": c(JobState::Succeeded), "dead": c(JobState::Dead),
                   "blocked": blocked.len()},
        "jobs": listed,
    }))
}

fn job_id(s: &str) -> Result<i64, ApiError> {
    parse_int("job id", s, 1, i64::MAX)
}

pub async fn job(State(s): State<WebState>, Path(id): Path<String>) -> ApiResult {
    let job = jobs::get(&s.store.db, job_id(&id)?).await?;
    ok(job_json(&job))
}

pub async fn retry(
    State(s): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    authorize(&s, &headers)?;
    let id = job_id(&id)?;
    let job = jobs::retry(&s.store.db, s.clock.as_ref(), id).await?;
    tracing::info!(job_id = id, processor = %job.processor, partition = %job.partition_key,
        correlation_id = %job.correlation_id, "Dead job queued again from the API.");
    ok(job_json(&job))
}

/// The JSON request body, read within the body limits (408, 413) and parsed (400).
async fn body<T: for<'de> Deserialize<'de>>(s: &WebState, raw: Body) -> Result<T, ApiError> {
    let bytes = crate::server::read_body(&s.limits, raw).await?;
    let text = if bytes.is_empty() {
        &b"{}"[..]
    } else {
        &bytes[..]
    };
    let bad = |e: serde_json::Error| ApiError::BadRequest(format!("request body: {e}"));
    // An object only: serde would also take an array as the struct's fields in order.
    let value: JsonValue = serde_json::from_slice(text).map_err(bad)?;
    if !value.is_object() {
        return Err(ApiError::BadRequest(
            "request body: expected a JSON object".into(),
        ));
    }
    serde_json::from_value(value).map_err(bad)
}

/// `"3"` or `"2-5"`, within the phases the graph has. Phase 1 scrapes live sources (and spends
/// The Odds API's credits): it runs only for today and later, US Eastern, so a range that
/// includes phase 1 must not start before today.
fn parse_phases(
    s: &WebState,
    v: Option<&str>,
    from: GameDate,
) -> Result<std::ops::RangeInclusive<u8>, ApiError> {
    let range = phase_range(s, v)?;
    let today = s.today();
    if *range.start() <= 1 && from < today {
        return Err(ApiError::BadRequest(format!(
            "phases {:?}: phase 1 scrapes live sources, which is refused for dates before today ({today}, US Eastern; this range starts {from}); use phases 2 and later to rebuild past dates from the raw store",
            v.unwrap_or_default()
        )));
    }
    Ok(range)
}

fn phase_range(s: &WebState, v: Option<&str>) -> Result<std::ops::RangeInclusive<u8>, ApiError> {
    let known = queries::phases(&s.graph);
    let (lo, hi) = (
        known.iter().copied().filter(|&p| p >= 2).min().unwrap_or(2),
        known.last().copied().unwrap_or(2),
    );
    let Some(v) = v else {
        return Ok(lo..=hi);
    };
    let bad = || ApiError::BadRequest(format!("phases {v:?}: expected N or N-M within {lo}-{hi}"));
    let (a, b) = v.split_once('-').unwrap_or((v, v));
    // One digit each (phases are 1 to 9): no sign, no space, no leading zero.
    let number = |x: &str| match x.as_bytes() {
        [c @ b'1'..=b'9'] => Ok(c - b'0'),
        _ => Err(bad()),
    };
    let (a, b) = (number(a)?, number(b)?);
    if a > b || a < 1 || !known.contains(&a) || !known.contains(&b) {
        return Err(bad());
    }
    Ok(a..=b)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BackfillBody {
    from: String,
    to: String,
    phases: Option<String>,
}

pub async fn backfill(State(s): State<WebState>, headers: HeaderMap, raw: Body) -> ApiResult {
    authorize(&s, &headers)?;
    let b: BackfillBody = body(&s, raw).await?;
    let (from, to) = (checked_date("from", &b.from)?, checked_date("to", &b.to)?);
    check_span(from, to)?;
    let phases = parse_phases(&s, b.phases.as_deref(), from)?;
    let group = bf::enqueue(
        &s.store.db,
        s.clock.as_ref(),
        &s.graph,
        from,
        to,
        phases.clone(),
        s.config.backfill_workers,
        s.config.max_attempts,
    )
    .await?;
    tracing::info!(group_id = %group.group_id, correlation_id = %group.correlation_id, %from, %to,
        jobs = group.enqueued.created, "Backfill enqueued from the API.");
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "group_id": group.group_id, "correlation_id": group.correlation_id,
            "from": from.to_string(), "to": to.to_string(), "phases": [phases.start(), phases.end()],
            "created": group.enqueued.created, "coalesced": group.enqueued.coalesced,
        })),
    )
        .into_response())
}

pub async fn backfill_progress(State(s): State<WebState>, Path(group): Path<String>) -> ApiResult {
    let group = checked_name("group", group)?;
    let Some(backfill) = bf::load(&s.store.db, &s.graph, &group).await? else {
        return Err(ApiError::NotFound(format!("no backfill group {group:?}")));
    };
    let p = bf::progress(&s.store.db, &s.graph, &backfill).await?;
    ok(
        json!({"group_id": group, "queued": p.queued, "running": p.running, "succeeded": p.succeeded,
              "dead": p.dead, "blocked": p.blocked, "finished": p.finished()}),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReconcileBody {
    days: Option<i64>,
    phases: Option<String>,
}

/// Enqueues every (processor, game date) of the last `days` days that has neither a successful
/// run nor a job that is pending, found no input, or is dead (a dead job comes back by an
/// explicit retry, not by a reconcile that would loop on it): the repair half of
/// reconciliation, done through the same jobs as any other run.
pub async fn reconcile(State(s): State<WebState>, headers: HeaderMap, raw: Body) -> ApiResult {
    authorize(&s, &headers)?;
    let b: ReconcileBody = body(&s, raw).await?;
    let days = match b.days {
        Some(d) if !(1..=i64::from(MAX_RANGE_DAYS)).contains(&d) => {
            return Err(ApiError::BadRequest(format!(
                "days {d}: expected 1 to {MAX_RANGE_DAYS}"
            )));
        }
        Some(d) => d as i32,
        None => s.config.ops.health.days as i32,
    };
    let to = s.today().add_days(-1);
    let from = to.add_days(-(days - 1));
    let phases = parse_phases(&s, b.phases.as_deref(), from)?;
    let (lo, hi) = (from.to_string(), to.to_string());
    let db = &s.store.db;
    let game_days = db
        .query(
            "SELECT DISTINCT game_date FROM nbac_schedule WHERE game_date >= $1 AND game_date <= $2",
            &[lo.as_str().into(), hi.as_str().into()],
        )
        .await?;
    let done = db
        .query(
            "SELECT DISTINCT processor, partition_key FROM runs WHERE status = 'succeeded' \
             AND partition_key >= $1 AND partition_key <= $2",
            &[lo.as_str().into(), hi.as_str().into()],
        )
        .await?;
    let busy = db
        .query(
            "SELECT DISTINCT processor, partition_key FROM jobs WHERE day >= $1 AND day <= $2 \
             AND (state IN ('queued', 'running', 'dead') OR (state = 'succeeded' AND outcome = 'no_input'))",
            &[nba_props_runtime::day_number(from).into(), nba_props_runtime::day_number(to).into()],
        )
        .await?;
    let covered: HashSet<(String, String)> = done
        .iter()
        .chain(busy.iter())
        .map(|r| (r.text(0), r.text(1)))
        .collect();
    let mut work: Vec<(&str, GameDate)> = Vec::new();
    for g in &game_days {
        let Ok(date) = GameDate::parse(&g.text(0)) else {
            continue;
        };
        for n in s.graph.nodes().iter().filter(|n| phases.contains(&n.phase)) {
            if !covered.contains(&(n.name.to_string(), date.to_string())) {
                work.push((n.name, date));
            }
        }
    }
    work.sort();
    let missing: Vec<String> = work.iter().map(|(p, d)| format!("{p} {d}")).collect();
    let correlation_id = format!("reconcile-{}", s.clock.now_ms());
    let enqueued = if work.is_empty() {
        jobs::Enqueued::default()
    } else {
        let opts = JobOptions {
            correlation_id: correlation_id.clone(),
            group_id: None,
            max_attempts: s.config.max_attempts,
            reason: format!("reconcile {from}..{to}"),
            max_phase: Some(*phases.end()),
        };
        jobs::enqueue(db, s.clock.as_ref(), &s.graph, &work, &opts).await?
    };
    tracing::info!(%correlation_id, missing = missing.len(), created = enqueued.created, "Reconciled from the API.");
    ok(json!({
        "from": lo, "to": hi, "correlation_id": correlation_id, "missing": missing,
        "created": enqueued.created, "coalesced": enqueued.coalesced,
    }))
}

pub async fn heartbeats(State(s): State<WebState>) -> ApiResult {
    let now = s.clock.now_ms();
    let stale_ms = s.config.ops.health.stale_worker_ms;
    let workers = heartbeat::workers(&s.store.db).await?;
    let processors = heartbeat::processors(&s.store.db).await?;
    ok(json!({
        "now": format_ms(Some(now)),
        "stale_after_ms": stale_ms,
        "workers": workers.iter().map(|w| json!({
            "worker": w.worker, "host": w.host, "pid": w.pid, "build": w.build, "state": w.state,
            "started_at": format_ms(Some(w.started_at)), "last_beat_at": format_ms(Some(w.last_beat_at)),
            "age_ms": now - w.last_beat_at, "stale": w.state != "stopped" && now - w.last_beat_at > stale_ms,
            "current_job": w.current_job, "jobs_done": w.jobs_done, "jobs_failed": w.jobs_failed,
            "heartbeat_errors": w.heartbeat_errors,
        })).collect::<Vec<_>>(),
        "processors": processors.iter().map(|p| json!({
            "processor": p.processor, "phase": queries::phase_of(&s.graph, &p.processor),
            "last_run_at": format_ms(Some(p.last_run_at)), "age_ms": now - p.last_run_at,
            "last_partition": p.last_partition, "last_status": p.last_status,
            "last_success_at": p.last_success_at.map(|t| format_ms(Some(t))),
            "last_error_at": p.last_error_at.map(|t| format_ms(Some(t))), "last_error": p.last_error,
            "build": p.build,
        })).collect::<Vec<_>>(),
    }))
}

/// A source is late when its last success is older than this (or it never succeeded).
pub(crate) const SOURCE_LATE_MS: i64 = 26 * 3_600_000;

/// Milliseconds since the epoch of an RFC 3339 instant.
pub(crate) fn instant_ms(s: &str) -> Option<i64> {
    s.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

pub(crate) fn source_flags(st: &source_status::SourceStatus, now: i64) -> (bool, bool) {
    let success = st.last_success_at.as_deref().and_then(instant_ms);
    let error = st.last_error_at.as_deref().and_then(instant_ms);
    let failing = match (success, error) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(s), Some(e)) => e > s,
    };
    let late = success.is_none_or(|t| now - t > SOURCE_LATE_MS);
    (failing, late)
}

pub async fn sources(State(s): State<WebState>) -> ApiResult {
    let now = s.clock.now_ms();
    let list = source_status::list(&s.store.db).await?;
    ok(json!({
        "late_after_ms": SOURCE_LATE_MS,
        "sources": list.iter().map(|st| {
            let (failing, late) = source_flags(st, now);
            json!({
                "source": st.source, "dataset": st.dataset, "last_attempt_at": st.last_attempt_at,
                "last_date": st.last_date, "last_success_at": st.last_success_at, "last_payloads": st.last_payloads,
                "last_error_at": st.last_error_at, "last_error": st.last_error,
                "quota_remaining": st.quota.map(|q| q.remaining), "quota_used": st.quota.and_then(|q| q.used),
                "build": st.build, "failing": failing, "late": late,
            })
        }).collect::<Vec<_>>(),
    }))
}

fn prediction_filter(q: &HashMap<String, String>) -> Result<PredictionFilter, ApiError> {
    let market = match q.get("market") {
        Some(m) => Some(
            Market::parse(m)
                .map_err(|e| ApiError::BadRequest(format!("market: {e}")))?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let picks_only = match q.get("picks").map(String::as_str) {
        None | Some("0" | "false") => false,
        Some("1" | "true") => true,
        Some(v) => {
            return Err(ApiError::BadRequest(format!(
                "picks {v:?}: expected true or false"
            )));
        }
    };
    Ok(PredictionFilter {
        market,
        system: name(q, "system")?,
        picks_only,
    })
}

pub async fn predictions(
    State(s): State<WebState>,
    Path(date): Path<String>,
    Query(q): Params,
) -> ApiResult {
    let date = checked_date("date", &date)?;
    let f = prediction_filter(&q)?;
    let rows = queries::predictions(&s.store.db, date, &f).await?;
    ok(json!({"date": date.to_string(), "count": rows.len(), "predictions": rows}))
}

pub async fn results(
    State(s): State<WebState>,
    Path(date): Path<String>,
    Query(q): Params,
) -> ApiResult {
    let date = checked_date("date", &date)?;
    let f = prediction_filter(&q)?;
    let rows: Vec<_> = queries::predictions(&s.store.db, date, &f)
        .await?
        .into_iter()
        .filter(|p| p.grade_status.is_some())
        .collect();
    let summary = queries::results_summary(&s.store.db, date).await?;
    ok(json!({"date": date.to_string(), "summary": summary, "count": rows.len(), "results": rows}))
}

pub async fn models(State(s): State<WebState>, Query(q): Params) -> ApiResult {
    let limit = match q.get("limit") {
        Some(v) => parse_int("limit", v, 1, 1000)?,
        None => 100,
    };
    let models = queries::models(&s.store.db, limit).await?;
    ok(json!({"models": models}))
}

pub async fn accuracy(State(s): State<WebState>, Query(q): Params) -> ApiResult {
    let by_edge = match q.get("by").map(String::as_str) {
        None | Some("month") => false,
        Some("edge") => true,
        Some(v) => {
            return Err(ApiError::BadRequest(format!(
                "by {v:?}: expected month or edge"
            )));
        }
    };
    let graded = queries::graded_range(&s.store.db).await?;
    let default_to = graded.map_or(s.today(), |(_, hi)| hi);
    let span = graded.map_or(365, |(lo, hi)| {
        (lo.days_until(hi) + 1).min(MAX_RANGE_DAYS - 1)
    });
    let (from, to) = range(&q, default_to, span)?;
    let rows = queries::accuracy_cached(&s.accuracy, &s.store.db, by_edge, from, to).await?;
    ok(
        json!({"by": if by_edge { "edge" } else { "month" }, "from": from.to_string(), "to": to.to_string(), "rows": rows}),
    )
}

/// The pick record: graded picks at their own prices per market and system (default range:
/// every graded date).
pub async fn record(State(s): State<WebState>, Query(q): Params) -> ApiResult {
    let graded = queries::graded_range(&s.store.db).await?;
    let default_to = graded.map_or(s.today(), |(_, hi)| hi);
    let span = graded.map_or(365, |(lo, hi)| {
        (lo.days_until(hi) + 1).min(MAX_RANGE_DAYS - 1)
    });
    let (from, to) = range(&q, default_to, span)?;
    let records = nba_props_pipeline::phase5::record::between(&s.store.db, from, to).await?;
    ok(json!({"from": from.to_string(), "to": to.to_string(), "records": records}))
}
