//! Phase 6: the JSON files a website serves for a date, written by `nba-props export`.
//!
//! - `predictions.json`: every prediction of the date (system, market, line, edge, P(over), the
//!   market's P(over), recommendation and, for a pick, the book, line, price and EV taken);
//! - `results.json`: the graded predictions of the date and a summary per system and market;
//! - `players/<player_id>.json`: per player of the date, the day's predictions, the last ten
//!   games and the graded predictions of the last 30 days;
//! - `status.json`: the pipeline status of the date from the run records (per phase and
//!   processor), the build, the generation time, and `health_score` (reserved: null until the
//!   health checks exist).
//!
//! Every file carries `schema_version`; lists are empty, never absent; a missing value is null.

use crate::processor::ProcessError;
use nba_props_core::{BuildInfo, GameDate};
use nba_props_store::{Db, Row, runs};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The schema version of every export file.
pub const SCHEMA_VERSION: u32 = 1;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSummary {
    pub files: Vec<PathBuf>,
    pub predictions: usize,
    pub results: usize,
    pub players: usize,
}

fn opt_f(r: &Row, i: usize) -> Json {
    r.f64(i).map_or(Json::Null, Json::from)
}

fn opt_s(r: &Row, i: usize) -> Json {
    r.str(i).map_or(Json::Null, Json::from)
}

fn header(date: GameDate, now: jiff::Timestamp, build: BuildInfo) -> serde_json::Map<String, Json> {
    let mut m = serde_json::Map::new();
    m.insert("schema_version".into(), SCHEMA_VERSION.into());
    m.insert("date".into(), date.to_string().into());
    m.insert("generated_at".into(), now.to_string().into());
    m.insert(
        "build".into(),
        json!({"version": build.version, "git_sha": build.git_sha}),
    );
    m
}

const PREDICTION_COLUMNS: &str = "game_id, player_id, player_name, team, opponent, market, system_id, system_version, \
     model_version, predicted, line, line_source, line_books, line_snapshot_at, edge, p_over, recommendation, \
     p_over_market, pick_book, pick_line, pick_price, pick_ev, pick_snapshot_at";

fn prediction_json(r: &Row) -> Json {
    let line = match r.f64(10) {
        Some(v) => {
            json!({"value": v, "source": opt_s(r, 11), "books": r.i64(12), "snapshot_at": opt_s(r, 13)})
        }
        None => Json::Null,
    };
    json!({
        "game_id": r.text(0), "player_id": r.i64(1), "player_name": r.text(2), "team": r.text(3),
        "opponent": r.text(4), "market": r.text(5), "system_id": r.text(6), "system_version": r.text(7),
        "model_version": r.text(8), "predicted": opt_f(r, 9), "line": line, "edge": opt_f(r, 14),
        "p_over": opt_f(r, 15), "recommendation": opt_s(r, 16), "p_over_market": opt_f(r, 17),
        "pick": pick_json(r, 18),
    })
}

/// The book, line, price and EV a pick was taken at (columns from `at`), or null for no pick.
fn pick_json(r: &Row, at: usize) -> Json {
    match r.i64(at + 2) {
        Some(price) => json!({
            "book": opt_s(r, at), "line": opt_f(r, at + 1), "price": price, "ev": opt_f(r, at + 3),
        }),
        None => Json::Null,
    }
}

const GRADE_COLUMNS: &str = "g.game_id, g.player_id, p.player_name, g.market, g.system_id, g.system_version, g.predicted, \
     g.line, g.line_source, g.recommendation, g.status, g.actual, g.abs_error, g.signed_error, g.result, g.correct, g.units, g.game_date, \
     g.pick_book, g.pick_line, g.pick_price, g.pick_ev, g.clv_line, g.clv_prob";

fn grade_json(r: &Row) -> Json {
    json!({
        "game_id": r.text(0), "player_id": r.i64(1), "player_name": opt_s(r, 2), "market": r.text(3),
        "system_id": r.text(4), "system_version": r.text(5), "predicted": opt_f(r, 6), "line": opt_f(r, 7),
        "line_source": opt_s(r, 8), "recommendation": opt_s(r, 9), "status": r.text(10), "actual": r.i64(11),
        "abs_error": opt_f(r, 12), "signed_error": opt_f(r, 13), "result": opt_s(r, 14),
        "correct": r.bool(15), "units": opt_f(r, 16), "date": r.text(17), "pick": pick_json(r, 18),
        "clv_line": opt_f(r, 22), "clv_prob": opt_f(r, 23),
    })
}

fn write(path: &Path, value: &Json) -> Result<(), ProcessError> {
    let bytes = serde_json::to_vec_pretty(value).expect("JSON values serialise");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| ProcessError::Data(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, bytes)
        .map_err(|e| ProcessError::Data(format!("cannot write {}: {e}", path.display())))
}

/// Per (system, market): graded, voids, picks, wins, losses, pushes, hit rate, units, MAE.
fn summary(grades: &[Row]) -> Vec<Json> {
    #[derive(Default)]
    struct S {
        graded: u64,
        voids: u64,
        picks: u64,
        wins: u64,
        losses: u64,
        pushes: u64,
        units: f64,
        abs_error: f64,
    }
    let mut by: BTreeMap<(String, String), S> = BTreeMap::new();
    for r in grades {
        let s = by.entry((r.text(4), r.text(3))).or_default();
        if r.str(10) == Some("void") {
            s.voids += 1;
            continue;
        }
        s.graded += 1;
        s.abs_error += r.f64(12).unwrap_or(0.0);
        if let Some(u) = r.f64(16) {
            s.picks += 1;
            s.units += u;
            match r.bool(15) {
                Some(true) => s.wins += 1,
                Some(false) => s.losses += 1,
                None => s.pushes += 1,
            }
        }
    }
    by.into_iter()
        .map(|((system, market), s)| {
            let decided = s.wins + s.losses;
            json!({
                "system_id": system, "market": market, "graded": s.graded, "voids": s.voids,
                "picks": s.picks, "wins": s.wins, "losses": s.losses, "pushes": s.pushes,
                "hit_rate": (decided > 0).then(|| s.wins as f64 / decided as f64),
                "units": s.units,
                "mae": (s.graded > 0).then(|| s.abs_error / s.graded as f64),
            })
        })
        .collect()
}

/// The pipeline status of the date: the latest run of each processor, grouped by phase.
async fn status(db: &Db, date: GameDate) -> Result<Json, ProcessError> {
    let latest = runs::latest_for_partition(db, &date.to_string()).await?;
    let mut phases: BTreeMap<u8, Vec<Json>> = BTreeMap::new();
    let declared = crate::backfill::processors_for(2..=6);
    for p in &declared {
        let d = p.declaration();
        let run = latest.iter().find(|r| r.processor == d.name);
        phases.entry(d.phase).or_default().push(match run {
            Some(r) => json!({
                "processor": d.name, "status": r.status.as_str(), "rows": r.rows_written,
                "unmatched": r.unmatched, "finished_at": r.finished_at, "build": r.build, "message": r.message,
            }),
            None => json!({"processor": d.name, "status": "not_run", "rows": null, "unmatched": null,
                           "finished_at": null, "build": null, "message": null}),
        });
    }
    let failed = latest.iter().any(|r| r.status == runs::RunStatus::Failed);
    Ok(json!({
        "phases": phases.into_iter().map(|(phase, processors)| json!({"phase": phase, "processors": processors})).collect::<Vec<_>>(),
        "failed": failed,
    }))
}

/// Writes the files of `date` under `out`.
pub async fn export(
    db: &Db,
    date: GameDate,
    out: &Path,
    now: jiff::Timestamp,
    build: BuildInfo,
) -> Result<ExportSummary, ProcessError> {
    let d = date.to_string();
    let predictions = db
        .query(
            &format!("SELECT {PREDICTION_COLUMNS} FROM predictions WHERE game_date = $1 ORDER BY game_id, player_id, market, system_id"),
            &[d.as_str().into()],
        )
        .await?;
    let grades_sql = format!(
        "SELECT {GRADE_COLUMNS} FROM prediction_grades g LEFT JOIN predictions p ON p.game_id = g.game_id \
         AND p.player_id = g.player_id AND p.system_id = g.system_id AND p.market = g.market"
    );
    let grades = db
        .query(
            &format!("{grades_sql} WHERE g.game_date = $1 ORDER BY g.game_id, g.player_id, g.market, g.system_id"),
            &[d.as_str().into()],
        )
        .await?;
    let mut files = Vec::new();

    let mut p = header(date, now, build);
    p.insert(
        "predictions".into(),
        predictions
            .iter()
            .map(prediction_json)
            .collect::<Vec<_>>()
            .into(),
    );
    let path = out.join("predictions.json");
    write(&path, &p.into())?;
    files.push(path);

    let mut r = header(date, now, build);
    r.insert(
        "results".into(),
        grades.iter().map(grade_json).collect::<Vec<_>>().into(),
    );
    r.insert("summary".into(), summary(&grades).into());
    let path = out.join("results.json");
    write(&path, &r.into())?;
    files.push(path);

    let mut players: BTreeMap<i64, Vec<&Row>> = BTreeMap::new();
    for row in &predictions {
        players
            .entry(row.i64(1).unwrap_or(0))
            .or_default()
            .push(row);
    }
    let month_ago = date.add_days(-30).to_string();
    for (player, rows) in &players {
        let recent = db
            .query(
                "SELECT game_date, game_id, team, opponent, minutes, points, reb, ast, pra, fg3m, points_line, pra_line \
                 FROM player_game_summary WHERE player_id = $1 AND game_date <= $2 ORDER BY game_date DESC LIMIT 10",
                &[(*player).into(), d.as_str().into()],
            )
            .await?;
        let history = db
            .query(
                &format!("{grades_sql} WHERE g.player_id = $1 AND g.game_date >= $2 AND g.game_date <= $3 ORDER BY g.game_date DESC, g.market, g.system_id"),
                &[(*player).into(), month_ago.as_str().into(), d.as_str().into()],
            )
            .await?;
        let mut page = header(date, now, build);
        page.insert("player_id".into(), (*player).into());
        page.insert("player_name".into(), rows[0].text(2).into());
        page.insert("team".into(), rows[0].text(3).into());
        page.insert(
            "predictions".into(),
            rows.iter()
                .map(|r| prediction_json(r))
                .collect::<Vec<_>>()
                .into(),
        );
        page.insert(
            "recent_games".into(),
            recent
                .iter()
                .map(|g| {
                    json!({"date": g.text(0), "game_id": g.text(1), "team": g.text(2), "opponent": g.text(3),
                           "minutes": opt_f(g, 4), "points": g.i64(5), "reb": g.i64(6), "ast": g.i64(7), "pra": g.i64(8),
                           "fg3m": g.i64(9), "points_line": opt_f(g, 10), "pra_line": opt_f(g, 11)})
                })
                .collect::<Vec<_>>()
                .into(),
        );
        page.insert(
            "graded_last_30_days".into(),
            history.iter().map(grade_json).collect::<Vec<_>>().into(),
        );
        let path = out.join("players").join(format!("{player}.json"));
        write(&path, &page.into())?;
        files.push(path);
    }

    let mut s = header(date, now, build);
    s.insert("pipeline".into(), status(db, date).await?);
    // Reserved for the health checks of a later issue: null until they exist.
    s.insert("health_score".into(), Json::Null);
    s.insert(
        "counts".into(),
        json!({"predictions": predictions.len(), "results": grades.len(), "players": players.len()}),
    );
    let path = out.join("status.json");
    write(&path, &s.into())?;
    files.push(path);

    Ok(ExportSummary {
        files,
        predictions: predictions.len(),
        results: grades.len(),
        players: players.len(),
    })
}
