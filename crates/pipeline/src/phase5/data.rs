//! The rows phase 5 trains and predicts on: `feature_store` (the version the model reads) for
//! each expected player-game, the line of the market, and, once played, the actual from
//! `player_game_summary`. Training callers keep only rows before their date.

use super::lines::{self, Expected, LineChoice, Lines};
use crate::analytics::names::RosterPlayer;
use crate::processor::ProcessError;
use nba_props_core::{GameDate, Market};
use nba_props_model::Example;
use nba_props_model::features::{FEATURE_COLUMNS, FEATURE_VERSION};
use nba_props_store::{Db, Row};
use std::collections::HashMap;

/// Who a row is about, for the prediction rows and the exports.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub player_name: String,
    pub team: String,
    pub opponent: String,
    /// The injury report's say before tip-off (phase 3); None when no report covered the game.
    pub injury: Option<Injury>,
}

/// A player's status on the latest injury report before tip-off.
#[derive(Debug, Clone, PartialEq)]
pub struct Injury {
    pub status: String,
    pub reason: Option<String>,
    pub report_at: String,
}

impl Meta {
    /// Ruled out by the injury report: `predict` writes no prediction, only the exclusion.
    pub fn is_out(&self) -> bool {
        self.injury.as_ref().is_some_and(|i| i.status == "OUT")
    }
}

/// Every market's rows of a date range (one read of the features, one of the lines).
pub struct Rows {
    /// Date-ordered (then game, player); the same order in every market.
    pub by_market: HashMap<Market, Vec<Example>>,
    pub meta: Vec<Meta>,
    pub lines: Lines,
}

fn value(r: &Row, i: usize) -> f64 {
    r.f64(i)
        .or_else(|| r.bool(i).map(|b| f64::from(u8::from(b))))
        .unwrap_or(f64::NAN)
}

/// Rows of `from..=to` for `markets`.
pub async fn load(
    db: &Db,
    from: GameDate,
    to: GameDate,
    markets: &[Market],
    grace_minutes: i64,
    choice: &LineChoice,
) -> Result<Rows, ProcessError> {
    let range = [from.to_string().into(), to.to_string().into()];
    let cols: Vec<String> = FEATURE_COLUMNS.iter().map(|c| format!("f.{c}")).collect();
    let sql = format!(
        "SELECT f.game_id, f.player_id, f.game_date, u.player_name, f.team, f.opponent, \
                p.points, p.reb, p.ast, p.fg3m, p.minutes, u.injury_status, u.injury_reason, u.injury_report_at, {} \
         FROM feature_store f \
         LEFT JOIN upcoming_player_game_context u ON u.game_id = f.game_id AND u.player_id = f.player_id \
         LEFT JOIN player_game_summary p ON p.game_id = f.game_id AND p.player_id = f.player_id \
         WHERE f.feature_version = '{FEATURE_VERSION}' AND f.game_date >= $1 AND f.game_date <= $2 \
         ORDER BY f.game_date, f.game_id, f.player_id",
        cols.join(", ")
    );
    let rows = db.query(&sql, &range).await?;
    let mut expected: Expected = HashMap::new();
    for r in &rows {
        expected.entry(r.text(0)).or_default().push(RosterPlayer {
            player_id: r.i64(1).unwrap_or(0),
            name: r.text(3),
        });
    }
    let lines = lines::lines_between(db, from, to, &expected, grace_minutes, choice).await?;
    let mut by_market: HashMap<Market, Vec<Example>> = HashMap::new();
    let mut meta = Vec::with_capacity(rows.len());
    for r in &rows {
        let date = GameDate::parse(&r.text(2))
            .map_err(|e| ProcessError::Data(format!("feature_store: {e}")))?;
        let (game_id, player_id) = (r.text(0), r.i64(1).unwrap_or(0));
        let features: Vec<f64> = (0..FEATURE_COLUMNS.len())
            .map(|i| value(r, 14 + i))
            .collect();
        let played = r.i64(6).is_some();
        for &market in markets {
            let actual = played.then(|| {
                let n = |i| r.i64(i).unwrap_or(0);
                market.actual(n(6), n(7), n(8), n(9)) as f64
            });
            by_market.entry(market).or_default().push(Example {
                game_id: game_id.clone(),
                player_id,
                date,
                features: features.clone(),
                line: lines
                    .lines
                    .get(&(game_id.clone(), player_id, market))
                    .cloned(),
                actual,
                minutes: played.then(|| r.f64(10).unwrap_or(0.0)),
            });
        }
        meta.push(Meta {
            player_name: r.text(3),
            team: r.text(4),
            opponent: r.text(5),
            injury: r.str(11).map(|status| Injury {
                status: status.to_string(),
                reason: r.str(12).map(str::to_string),
                report_at: r.text(13),
            }),
        });
    }
    Ok(Rows {
        by_market,
        meta,
        lines,
    })
}
