//! The reads behind the API, the dashboard and `/metrics`: pipeline status derived from run
//! records and jobs, predictions with their grades, and accuracy aggregates. Every statement
//! takes its values as bound parameters.

use nba_props_core::GameDate;
use nba_props_runtime::{Graph, day_number};
use nba_props_store::{Db, Result, Row, runs};
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The phase of a processor by the graph's declarations (0 for a processor the graph does not
/// know, e.g. one that was renamed since it ran).
pub fn phase_of(graph: &Graph, processor: &str) -> u8 {
    graph.node(processor).map_or(0, |n| n.phase)
}

/// One processor's state on one date.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessorStatus {
    pub processor: String,
    pub phase: u8,
    /// `succeeded`, `failed`, `queued`, `running`, `dead`, `no_input` or `missing`.
    pub state: String,
    pub rows_written: Option<i64>,
    pub unmatched: Option<i64>,
    pub duration_ms: Option<i64>,
    pub build: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub message: Option<String>,
    pub job_id: Option<i64>,
    pub correlation_id: Option<String>,
}

/// One phase's share of a date.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseCell {
    pub phase: u8,
    /// Processors of the phase in the graph.
    pub processors: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub pending: usize,
    /// `complete`, `partial`, `failed`, `running`, `missing` (games but no run) or `empty`.
    pub state: String,
}

/// A date of the status grid.
#[derive(Debug, Clone, Serialize)]
pub struct GridDay {
    pub date: String,
    /// Games on the schedule that day.
    pub games: i64,
    pub phases: Vec<PhaseCell>,
}

/// The phases the graph declares, in order.
pub fn phases(graph: &Graph) -> Vec<u8> {
    let mut p: Vec<u8> = graph.nodes().iter().map(|n| n.phase).collect();
    p.sort_unstable();
    p.dedup();
    p
}

/// Every processor of the graph on `date`: its latest run, or its pending/dead job, or missing.
pub async fn date_status(db: &Db, graph: &Graph, date: GameDate) -> Result<Vec<ProcessorStatus>> {
    let key = date.to_string();
    let latest = runs::latest_for_partition(db, &key).await?;
    let jobs = db
        .query(
            "SELECT processor, state, outcome, job_id, correlation_id, last_error FROM jobs j \
             WHERE partition_key = $1 AND job_id = \
               (SELECT MAX(job_id) FROM jobs x WHERE x.processor = j.processor AND x.partition_key = j.partition_key)",
            &[key.as_str().into()],
        )
        .await?;
    let jobs: HashMap<String, &Row> = jobs.iter().map(|r| (r.text(0), r)).collect();
    let by_run: HashMap<&str, &runs::RunRecord> =
        latest.iter().map(|r| (r.processor.as_str(), r)).collect();
    let mut names: Vec<&str> = graph.nodes().iter().map(|n| n.name).collect();
    for r in &latest {
        if !names.contains(&r.processor.as_str()) {
            names.push(&r.processor);
        }
    }
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let run = by_run.get(name);
        let job = jobs.get(name);
        let job_state = job.and_then(|j| j.str(1));
        let state = match (job_state, run) {
            (Some(s @ ("queued" | "running" | "dead")), _) => s.to_string(),
            (_, Some(r)) => r.status.as_str().to_string(),
            (Some("succeeded"), None) if job.and_then(|j| j.str(2)) == Some("no_input") => {
                "no_input".into()
            }
            _ => "missing".into(),
        };
        out.push(ProcessorStatus {
            processor: name.to_string(),
            phase: phase_of(graph, name),
            state,
            rows_written: run.and_then(|r| r.rows_written),
            unmatched: run.and_then(|r| r.unmatched),
            duration_ms: run.map(|r| r.duration_ms),
            build: run.map(|r| r.build.clone()),
            started_at: run.map(|r| r.started_at.clone()),
            finished_at: run.map(|r| r.finished_at.clone()),
            message: run
                .and_then(|r| r.message.clone())
                .or_else(|| job.and_then(|j| j.str(5)).map(str::to_string)),
            job_id: job
                .and_then(|j| j.i64(3))
                .or_else(|| run.and_then(|r| r.job.as_ref().map(|j| j.job_id))),
            correlation_id: job
                .and_then(|j| j.str(4))
                .map(str::to_string)
                .or_else(|| run.and_then(|r| r.job.as_ref().map(|j| j.correlation_id.clone()))),
        });
    }
    out.sort_by_key(|p| (p.phase, graph.rank(&p.processor).unwrap_or(usize::MAX)));
    Ok(out)
}

/// The phase of every date in `from..=to`, derived from the latest run and the pending jobs of
/// each (processor, date). Phase 1 and 2 processors are per source dataset and run only when
/// their dataset has something for the date (the archive or a deployment may lack a source), so
/// those phases are complete when everything that ran succeeded. Later phases are derived from
/// tables and run for every game date: complete when every processor of the phase that
/// succeeded anywhere in the range succeeded that date too.
pub async fn grid(db: &Db, graph: &Graph, from: GameDate, to: GameDate) -> Result<Vec<GridDay>> {
    let (lo, hi) = (from.to_string(), to.to_string());
    let latest = db
        .query(
            "SELECT processor, partition_key, status FROM runs r WHERE partition_key >= $1 AND partition_key <= $2 \
             AND run_id = (SELECT MAX(run_id) FROM runs x WHERE x.processor = r.processor AND x.partition_key = r.partition_key)",
            &[lo.as_str().into(), hi.as_str().into()],
        )
        .await?;
    let pending = db
        .query(
            "SELECT processor, partition_key, state FROM jobs WHERE state IN ('queued', 'running', 'dead') \
             AND day >= $1 AND day <= $2",
            &[day_number(from).into(), day_number(to).into()],
        )
        .await?;
    let games = db
        .query(
            "SELECT game_date, CAST(COUNT(*) AS BIGINT) FROM nbac_schedule WHERE game_date >= $1 AND game_date <= $2 \
             GROUP BY game_date",
            &[lo.as_str().into(), hi.as_str().into()],
        )
        .await?;
    let games: HashMap<String, i64> = games
        .iter()
        .map(|r| (r.text(0), r.i64(1).unwrap_or(0)))
        .collect();
    // (date, phase) → (succeeded, failed, pending)
    let mut cells: HashMap<(String, u8), (usize, usize, usize)> = HashMap::new();
    let mut seen: HashMap<u8, HashSet<String>> = HashMap::new();
    for r in &latest {
        let phase = phase_of(graph, r.str(0).unwrap_or_default());
        let c = cells.entry((r.text(1), phase)).or_default();
        if r.str(2) == Some("succeeded") {
            c.0 += 1;
            seen.entry(phase).or_default().insert(r.text(0));
        } else {
            c.1 += 1;
        }
    }
    for r in &pending {
        let phase = phase_of(graph, r.str(0).unwrap_or_default());
        let c = cells.entry((r.text(1), phase)).or_default();
        if r.str(2) == Some("dead") {
            c.1 += 1;
        } else {
            c.2 += 1;
        }
    }
    let per_phase: BTreeMap<u8, usize> = graph.nodes().iter().fold(BTreeMap::new(), |mut m, n| {
        *m.entry(n.phase).or_default() += 1;
        m
    });
    Ok(from
        .through(to)
        .map(|d| {
            let date = d.to_string();
            let n_games = games.get(&date).copied().unwrap_or(0);
            let phases = per_phase
                .iter()
                .map(|(&phase, &processors)| {
                    let (succeeded, failed, pending) = cells
                        .get(&(date.clone(), phase))
                        .copied()
                        .unwrap_or_default();
                    let expected = if phase <= 2 || n_games == 0 {
                        succeeded + failed
                    } else {
                        seen.get(&phase).map_or(0, HashSet::len)
                    };
                    let state = if failed > 0 {
                        "failed"
                    } else if pending > 0 {
                        "running"
                    } else if succeeded > 0 && succeeded >= expected {
                        "complete"
                    } else if succeeded > 0 {
                        "partial"
                    } else if n_games > 0 && expected > 0 {
                        "missing"
                    } else {
                        "empty"
                    };
                    PhaseCell {
                        phase,
                        processors,
                        succeeded,
                        failed,
                        pending,
                        state: state.into(),
                    }
                })
                .collect();
            GridDay {
                date,
                games: n_games,
                phases,
            }
        })
        .collect())
}

/// A prediction of a date with its grade once the game is played.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    pub game_id: String,
    pub player_id: i64,
    pub player_name: String,
    pub team: String,
    pub opponent: String,
    pub system_id: String,
    pub market: String,
    pub model_version: String,
    pub predicted: f64,
    pub line: Option<f64>,
    pub line_source: Option<String>,
    pub edge: Option<f64>,
    pub p_over: Option<f64>,
    /// P(the recommended side), or of the likelier side when there is no pick.
    pub confidence: Option<f64>,
    pub recommendation: Option<String>,
    /// The market's own vig-free P(over) at the line.
    pub p_over_market: Option<f64>,
    /// Where a pick was taken: the book, its line, its American price and the EV there.
    pub pick_book: Option<String>,
    pub pick_line: Option<f64>,
    pub pick_price: Option<i64>,
    pub pick_ev: Option<f64>,
    pub grade_status: Option<String>,
    pub actual: Option<i64>,
    pub result: Option<String>,
    pub correct: Option<bool>,
}

/// Filters of [`predictions`]; values are bound, never spliced.
#[derive(Debug, Clone, Default)]
pub struct PredictionFilter {
    pub market: Option<String>,
    pub system: Option<String>,
    /// Only over/under picks.
    pub picks_only: bool,
}

pub async fn predictions(db: &Db, date: GameDate, f: &PredictionFilter) -> Result<Vec<Prediction>> {
    let rows = db
        .query(
            "SELECT p.game_id, p.player_id, p.player_name, p.team, p.opponent, p.system_id, p.market, p.model_version, \
                    p.predicted, p.line, p.line_source, p.edge, p.p_over, p.recommendation, \
                    g.status, g.actual, g.result, g.correct, \
                    p.p_over_market, p.pick_book, p.pick_line, p.pick_price, p.pick_ev \
             FROM predictions p LEFT JOIN prediction_grades g ON g.game_id = p.game_id AND g.player_id = p.player_id \
                  AND g.system_id = p.system_id AND g.market = p.market \
             WHERE p.game_date = $1 AND ($2 = '' OR p.market = $2) AND ($3 = '' OR p.system_id = $3) \
               AND ($4 = 0 OR p.recommendation IN ('OVER', 'UNDER')) \
             ORDER BY ABS(COALESCE(p.edge, 0)) DESC, p.player_name, p.market, p.system_id",
            &[
                date.to_string().into(),
                f.market.clone().unwrap_or_default().into(),
                f.system.clone().unwrap_or_default().into(),
                i64::from(f.picks_only).into(),
            ],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let p_over = r.f64(12);
            let rec = r.str(13).map(str::to_string);
            let confidence = p_over.map(|p| match rec.as_deref() {
                Some("OVER") => p,
                Some("UNDER") => 1.0 - p,
                _ => p.max(1.0 - p),
            });
            Prediction {
                game_id: r.text(0),
                player_id: r.i64(1).unwrap_or(0),
                player_name: r.text(2),
                team: r.text(3),
                opponent: r.text(4),
                system_id: r.text(5),
                market: r.text(6),
                model_version: r.text(7),
                predicted: r.f64(8).unwrap_or(0.0),
                line: r.f64(9),
                line_source: r.str(10).map(str::to_string),
                edge: r.f64(11),
                p_over,
                confidence,
                recommendation: rec,
                grade_status: r.str(14).map(str::to_string),
                actual: r.i64(15),
                result: r.str(16).map(str::to_string),
                correct: r.bool(17),
                p_over_market: r.f64(18),
                pick_book: r.str(19).map(str::to_string),
                pick_line: r.f64(20),
                pick_price: r.i64(21),
                pick_ev: r.f64(22),
            }
        })
        .collect())
}

/// The latest date on or before `date` that has predictions (the dashboard shows it when
/// tonight has none yet).
pub async fn latest_prediction_date(db: &Db, date: GameDate) -> Result<Option<GameDate>> {
    let rows = db
        .query(
            "SELECT MAX(game_date) FROM predictions WHERE game_date <= $1",
            &[date.to_string().into()],
        )
        .await?;
    Ok(rows
        .first()
        .and_then(|r| r.str(0))
        .and_then(|s| GameDate::parse(s).ok()))
}

/// Graded predictions of one system and market, summed.
#[derive(Debug, Clone, Serialize)]
pub struct GradeSummary {
    pub system_id: String,
    pub market: String,
    /// Month (`YYYY-MM`) or edge bucket, depending on the aggregate.
    pub key: String,
    pub graded: i64,
    /// Mean absolute error of the prediction.
    pub mae: Option<f64>,
    /// Graded rows with a line, and the mean absolute error of the line itself over them.
    pub with_line: i64,
    pub mae_model_with_line: Option<f64>,
    pub mae_line: Option<f64>,
    pub picks: i64,
    pub wins: i64,
    pub hit_rate: Option<f64>,
}

fn summary_of(r: &Row) -> GradeSummary {
    let (picks, wins) = (r.i64(7).unwrap_or(0), r.i64(8).unwrap_or(0));
    GradeSummary {
        system_id: r.text(0),
        market: r.text(1),
        key: r.text(2),
        graded: r.i64(3).unwrap_or(0),
        mae: r.f64(4),
        with_line: r.i64(5).unwrap_or(0),
        mae_model_with_line: r.f64(9),
        mae_line: r.f64(6),
        picks,
        wins,
        hit_rate: (picks > 0).then(|| wins as f64 / picks as f64),
    }
}

const SUMMARY_COLUMNS: &str = "CAST(COUNT(*) AS BIGINT), AVG(g.abs_error), \
     CAST(SUM(CASE WHEN g.line IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), \
     AVG(CASE WHEN g.line IS NOT NULL THEN ABS(g.actual - g.line) END), \
     CAST(SUM(CASE WHEN g.correct IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), \
     CAST(SUM(CASE WHEN g.correct THEN 1 ELSE 0 END) AS BIGINT), \
     AVG(CASE WHEN g.line IS NOT NULL THEN g.abs_error END)";

/// Accuracy by month (`by = month`) or by |edge| bucket (`by = edge`), per system and market,
/// over graded predictions dated `from..=to`.
pub async fn accuracy(
    db: &Db,
    by_edge: bool,
    from: GameDate,
    to: GameDate,
) -> Result<Vec<GradeSummary>> {
    // Both keys are fixed SQL fragments chosen by a boolean, never request text.
    let key = if by_edge {
        "CASE WHEN g.line IS NULL THEN 'no line' WHEN ABS(g.predicted - g.line) < 1 THEN '0-1' \
         WHEN ABS(g.predicted - g.line) < 2 THEN '1-2' WHEN ABS(g.predicted - g.line) < 3 THEN '2-3' \
         WHEN ABS(g.predicted - g.line) < 5 THEN '3-5' ELSE '5+' END"
    } else {
        "SUBSTR(g.game_date, 1, 7)"
    };
    let sql = format!(
        "SELECT g.system_id, g.market, {key} AS k, {SUMMARY_COLUMNS} FROM prediction_grades g \
         WHERE g.status = 'graded' AND g.game_date >= $1 AND g.game_date <= $2 \
         GROUP BY g.system_id, g.market, {key} ORDER BY g.market, g.system_id, k"
    );
    let rows = db
        .query(&sql, &[from.to_string().into(), to.to_string().into()])
        .await?;
    Ok(rows.iter().map(summary_of).collect())
}

/// A date's graded predictions summed per system and market.
pub async fn results_summary(db: &Db, date: GameDate) -> Result<Vec<GradeSummary>> {
    let sql = format!(
        "SELECT g.system_id, g.market, g.game_date, {SUMMARY_COLUMNS} FROM prediction_grades g \
         WHERE g.status = 'graded' AND g.game_date = $1 GROUP BY g.system_id, g.market, g.game_date \
         ORDER BY g.market, g.system_id"
    );
    let rows = db.query(&sql, &[date.to_string().into()]).await?;
    Ok(rows.iter().map(summary_of).collect())
}

/// A registered model with its training metrics.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    pub model_id: String,
    pub version: String,
    pub first_used: String,
    pub trained_for: String,
    pub system_id: String,
    pub market: String,
    pub feature_version: String,
    pub train_from: Option<String>,
    pub train_to: Option<String>,
    pub train_rows: i64,
    pub metrics: Json,
    pub enabled: bool,
}

pub async fn models(db: &Db, limit: i64) -> Result<Vec<Model>> {
    let rows = db
        .query(
            "SELECT model_id, version, first_used, trained_for, system_id, market, feature_version, train_from, \
                    train_to, train_rows, metrics, enabled \
             FROM model_registry ORDER BY first_used DESC, market, system_id LIMIT $1",
            &[limit.into()],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Model {
            model_id: r.text(0),
            version: r.text(1),
            first_used: r.text(2),
            trained_for: r.text(3),
            system_id: r.text(4),
            market: r.text(5),
            feature_version: r.text(6),
            train_from: r.str(7).map(str::to_string),
            train_to: r.str(8).map(str::to_string),
            train_rows: r.i64(9).unwrap_or(0),
            // A registry row whose metrics are not JSON is shown as its text, not dropped.
            metrics: serde_json::from_str(&r.text(10)).unwrap_or_else(|_| Json::from(r.text(10))),
            enabled: r.bool(11).unwrap_or(false),
        })
        .collect())
}

/// The first and last dates of the grades. Two single-aggregate statements: each is then one
/// step down the date index (a combined MIN/MAX, or a filter on status, scanned every grade).
pub async fn graded_range(db: &Db) -> Result<Option<(GameDate, GameDate)>> {
    let mut out = Vec::with_capacity(2);
    for sql in [
        "SELECT MIN(game_date) FROM prediction_grades",
        "SELECT MAX(game_date) FROM prediction_grades",
    ] {
        let rows = db.query(sql, &[]).await?;
        out.push(
            rows.first()
                .and_then(|r| r.str(0))
                .and_then(|s| GameDate::parse(s).ok()),
        );
    }
    Ok(out[0].zip(out[1]))
}

/// Accuracy aggregates by (by_edge, from, to), each kept with the latest `grade` run id it was
/// computed after. Grades change only through `grade` runs, each of which records a run, so a
/// newer run id means recompute: the answer is always what a fresh query would say, but a
/// season's aggregate (a scan of every graded row, ~150 ms on SQLite) is paid once per grading.
/// (by_edge, from, to) → (grade run id, rows).
type AccuracyMap = HashMap<(bool, GameDate, GameDate), (i64, Vec<GradeSummary>)>;

#[derive(Default)]
pub struct AccuracyCache(std::sync::Mutex<AccuracyMap>);

pub async fn accuracy_cached(
    cache: &AccuracyCache,
    db: &Db,
    by_edge: bool,
    from: GameDate,
    to: GameDate,
) -> Result<Vec<GradeSummary>> {
    let version = db
        .query(
            "SELECT MAX(run_id) FROM runs WHERE processor = 'grade'",
            &[],
        )
        .await?
        .first()
        .and_then(|r| r.i64(0))
        .unwrap_or(-1);
    let key = (by_edge, from, to);
    if let Ok(map) = cache.0.lock()
        && let Some((v, rows)) = map.get(&key)
        && *v == version
    {
        return Ok(rows.clone());
    }
    let rows = accuracy(db, by_edge, from, to).await?;
    if let Ok(mut map) = cache.0.lock() {
        // Bounded: a handful of ranges are asked for; drop everything when a new grading lands.
        map.retain(|_, (v, _)| *v == version);
        if map.len() < 64 {
            map.insert(key, (version, rows.clone()));
        }
    }
    Ok(rows)
}
