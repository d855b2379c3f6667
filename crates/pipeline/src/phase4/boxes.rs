//! The box-score history that feature version 2 needs beyond points and minutes (rebounds,
//! assists, PRA, threes), read from `player_game_summary` like `load::history`: in a batch both
//! seasons once, shared by every date; otherwise only what precedes the date.

use crate::analytics::rolling::PastBox;
use crate::processor::{Ctx, ProcessError};
use nba_props_core::{GameDate, Season};
use std::collections::HashMap;
use std::sync::Arc;

/// Player id → past games, oldest first.
pub type BoxHistory = HashMap<i64, Vec<PastBox>>;

pub async fn box_history(ctx: &Ctx, date: GameDate) -> Result<Arc<BoxHistory>, ProcessError> {
    let season = date.season();
    let from = Season::new(season.start_year() - 1).date_range().0;
    let until = if ctx.is_batch() {
        season.date_range().1.add_days(1)
    } else {
        date
    };
    ctx.memo(&format!("box_history:{from}:{until}"), || async move {
        let rows = ctx
            .store
            .db
            .query(
                "SELECT player_id, game_date, season, minutes, reb, ast, pra, fg3m, fg3a \
                 FROM player_game_summary WHERE game_date >= $1 AND game_date < $2 ORDER BY player_id, game_date",
                &[from.to_string().into(), until.to_string().into()],
            )
            .await?;
        let mut h = BoxHistory::new();
        for r in rows {
            let (Some(id), Ok(d), Ok(s)) = (
                r.i64(0),
                GameDate::parse(&r.text(1)),
                Season::parse(&r.text(2)),
            ) else {
                continue;
            };
            let n = |i: usize| r.i64(i).unwrap_or(0) as f64;
            h.entry(id).or_default().push(PastBox {
                date: d,
                season: s,
                minutes: r.f64(3).unwrap_or(0.0),
                reb: n(4),
                ast: n(5),
                pra: n(6),
                fg3m: n(7),
                fg3a: n(8),
            });
        }
        Ok(h)
    })
    .await
}
