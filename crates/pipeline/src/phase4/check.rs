//! `nba-props check features --date D`: recomputes a sample of the feature store's rolling
//! features straight from `player_game_summary` with SQL (a path independent of the Rust
//! windows) and reports every mismatch. The old system found a quarter of its rolling averages
//! wrong this way.

use crate::processor::ProcessError;
use nba_props_core::{GameDate, Season};
use nba_props_store::{Db, Value};

/// One feature whose stored value differs from the recomputation.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub game_id: String,
    pub player_id: i64,
    pub feature: &'static str,
    pub stored: Option<f64>,
    pub recomputed: Option<f64>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct CheckReport {
    pub rows_checked: usize,
    pub values_checked: usize,
    pub mismatches: Vec<Mismatch>,
}

const TOLERANCE: f64 = 1e-4;

/// Checks up to `sample` feature rows of `date` (evenly spread over the players).
pub async fn check_features(
    db: &Db,
    date: GameDate,
    sample: usize,
) -> Result<CheckReport, ProcessError> {
    let rows = db
        .query(
            "SELECT game_id, player_id, pts_l5, pts_l10, pts_season, min_l10, pra_l10, fg3m_season FROM feature_store \
             WHERE game_date = $1 AND feature_version = $2 ORDER BY player_id",
            &[date.to_string().into(), super::FEATURE_VERSION.into()],
        )
        .await?;
    let step = (rows.len() / sample.max(1)).max(1);
    let season = date.season();
    let from = Season::new(season.start_year() - 1)
        .date_range()
        .0
        .to_string();
    let mut report = CheckReport::default();
    for r in rows.iter().step_by(step).take(sample) {
        let player = r.i64(1).unwrap_or(0);
        let last = |n: i64| {
            format!(
                "SELECT CAST(AVG(v) AS DOUBLE PRECISION) FROM (SELECT {{col}} AS v FROM player_game_summary WHERE player_id = $1 \
                 AND game_date < $2 AND game_date >= $3 ORDER BY game_date DESC LIMIT {n}) x"
            )
        };
        let params = [
            Value::from(player),
            date.to_string().into(),
            from.as_str().into(),
        ];
        let season_avg = "SELECT CAST(AVG({col}) AS DOUBLE PRECISION) FROM player_game_summary WHERE player_id = $1 AND game_date < $2 AND season = $3";
        let season_params = [
            Value::from(player),
            date.to_string().into(),
            season.to_string().into(),
        ];
        let recomputed = [
            (
                "pts_l5",
                2,
                db.query(&last(5).replace("{col}", "points"), &params)
                    .await?,
            ),
            (
                "pts_l10",
                3,
                db.query(&last(10).replace("{col}", "points"), &params)
                    .await?,
            ),
            (
                "pts_season",
                4,
                db.query(&season_avg.replace("{col}", "points"), &season_params)
                    .await?,
            ),
            (
                "min_l10",
                5,
                db.query(&last(10).replace("{col}", "COALESCE(minutes, 0)"), &params)
                    .await?,
            ),
            // Feature version 2.
            (
                "pra_l10",
                6,
                db.query(&last(10).replace("{col}", "pra"), &params).await?,
            ),
            (
                "fg3m_season",
                7,
                db.query(&season_avg.replace("{col}", "fg3m"), &season_params)
                    .await?,
            ),
        ];
        report.rows_checked += 1;
        for (feature, col, got) in recomputed {
            report.values_checked += 1;
            let (stored, again) = (r.f64(col), got.first().and_then(|g| g.f64(0)));
            let same = match (stored, again) {
                (Some(a), Some(b)) => (a - b).abs() <= TOLERANCE,
                (None, None) => true,
                _ => false,
            };
            if !same {
                report.mismatches.push(Mismatch {
                    game_id: r.text(0),
                    player_id: player,
                    feature,
                    stored,
                    recomputed: again,
                });
            }
        }
    }
    Ok(report)
}
